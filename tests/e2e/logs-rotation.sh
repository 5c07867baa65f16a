# Rotation during a capture: by rename (logspam reopens on SIGHUP), then by
# truncate. Counting goes on through both, nothing is counted twice, and a
# file that appears later is picked up through the glob.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_cmd sqlite3

bg "$S/logspam" --rate 50 --messages 3 --duration 40 --reopen-on-hup --output app.log
spam=$LAST_PID
wait_for 5 test -s app.log || fail "logspam wrote nothing"

# 2 s ticks: under load (the ASan run) the writer itself may stall for a
# second; a tick of 2 s still sees its lines, so an empty tick is ours.
bg "$CAP" -q --pid "$spam" --duration 36s --interval 2s --log "$PWD/app.log" --log "$PWD/late-*.log" -o b.db
cap=$LAST_PID
counted() { [ -s b.db ] && [ "$(q b.db "SELECT COALESCE(SUM(records), 0) FROM log_counts")" -ge "$1" ]; }
rotations() { [ -s b.db ] && [ "$(q b.db "SELECT COALESCE(SUM(rotations), 0) FROM log_file_samples")" -ge "$1" ]; }
wait_for 15 counted 60 || fail "no lines counted before rotating"

mv app.log app.log.1
kill -HUP "$spam"
wait_for 10 test -s app.log || fail "logspam did not reopen"
wait_for 10 rotations 1 || fail "rename not seen"
t_rename=$(q b.db "SELECT MAX(id) FROM ticks")
wait_for 10 counted $(( $(q b.db "SELECT SUM(records) FROM log_counts") + 60 )) || fail "no lines after rename"

: > app.log
wait_for 10 rotations 2 || fail "truncate not seen"
t_trunc=$(q b.db "SELECT MAX(id) FROM ticks")
wait_for 10 counted $(( $(q b.db "SELECT SUM(records) FROM log_counts") + 60 )) || fail "no lines after truncate"

printf 'ERROR late file line 1\nERROR late file line 2\n' > late-1.log
late() { [ "$(q b.db "SELECT COUNT(*) FROM log_counts c JOIN log_files f ON f.id = c.file_id
	WHERE f.path LIKE '%late-1.log'")" -ge 1 ]; }
wait_for 10 late || fail "late file not followed"
kill -INT "$cap"
wait "$cap" || fail "capture failed"

app=$(q b.db "SELECT id FROM log_files WHERE path LIKE '%/app.log'")
assert_eq "followed as one file" 1 "$(q b.db "SELECT COUNT(*) FROM log_files WHERE path LIKE '%app.log%'")"
assert_eq "rotations" 2 "$(q b.db "SELECT SUM(rotations) FROM log_file_samples WHERE file_id = $app")"
# 50 lines/s, 100 a tick: every full tick from the second to the last but
# one counts some, and none counts more than twice that (nothing read twice).
last=$(q b.db "SELECT MAX(tick) FROM log_counts WHERE file_id = $app")
assert_eq "ticks over 200" 0 "$(q b.db "SELECT COUNT(*) FROM log_counts WHERE file_id = $app AND records > 200")"
assert_eq "empty ticks" 0 "$(q b.db "SELECT COUNT(*) FROM ticks t WHERE t.id BETWEEN 2 AND $last - 1
	AND NOT EXISTS (SELECT 1 FROM log_counts c WHERE c.tick = t.id AND c.file_id = $app)")"
total=$(q b.db "SELECT SUM(records) FROM log_counts WHERE file_id = $app AND tick BETWEEN 2 AND $last - 1")
span=$(q b.db "SELECT (MAX(t.mono_us) - MIN(p.mono_us)) / 1000000.0 FROM ticks t JOIN ticks p ON p.id = t.id - 1
	WHERE t.id BETWEEN 2 AND $last - 1")
rate=$(awk -v t="$total" -v s="$span" 'BEGIN { printf "%d", t / s }')
assert_ge "rate through rotations" 40 "$rate"
assert_le "rate through rotations" 60 "$rate"
assert_eq "fingerprints (no torn lines)" 3 "$(q b.db "SELECT COUNT(*) FROM fingerprints WHERE file_id = $app")"
assert_eq "late file" 2 "$(q b.db "SELECT SUM(c.records) FROM log_counts c JOIN log_files f ON f.id = c.file_id
	WHERE f.path LIKE '%late-1.log' AND c.level = 'error'")"
[ "$t_trunc" -gt "$t_rename" ] || fail "rotations out of order"
exit 0
