# --log-since history (by timestamps, into tick 0), a 1 MB line (counted and
# cut, not stored), binary garbage, and a file that is not there at first.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_cmd sqlite3

old=$(date -u -d '-3 hours' +%Y-%m-%dT%H:%M:%S.000Z)
recent=$(date -u -d '-10 minutes' +%Y-%m-%dT%H:%M:%S.000Z)
{
	for i in 1 2 3; do echo "{\"level\":\"error\",\"time\":\"$old\",\"msg\":\"old failure $i\"}"; done
	for i in 1 2 3 4; do echo "{\"level\":\"error\",\"time\":\"$recent\",\"msg\":\"recent failure $i\"}"; done
	echo "{\"level\":\"warn\",\"msg\":\"no timestamp: inside the byte window, counted\"}"
} > hist.log
bg sleep 3600
target=$LAST_PID
bg "$CAP" -q --pid "$target" --duration 30s --log "$PWD/hist.log" --log "$PWD/later.log" --log-since 1h -o b.db
cap=$LAST_PID
ready() { [ -s b.db ] && [ "$(q b.db "SELECT COUNT(*) FROM ticks")" -ge 2 ]; }
wait_for 10 ready || fail "capture did not start"

# A 1 MB line, then garbage, then a normal line, appended while capturing.
{ printf 'ERROR '; head -c 1048576 /dev/zero | tr '\0' 'x'; printf '\n'; } >> hist.log
head -c 65536 /dev/urandom >> hist.log
printf '\nERROR after the garbage\n' >> hist.log
printf 'WARN a file that appeared later\n' > later.log
done_() { [ "$(q b.db "SELECT COUNT(*) FROM fingerprint_examples WHERE text LIKE '%after the garbage%'")" -ge 1 ] &&
	[ "$(q b.db "SELECT COUNT(*) FROM log_counts c JOIN log_files f ON f.id = c.file_id WHERE f.path LIKE '%later.log'")" -ge 1 ]; }
wait_for 15 done_ || fail "appended lines not seen"
kill -INT "$cap"
wait "$cap" || fail "capture failed"

hist=$(q b.db "SELECT id FROM log_files WHERE path LIKE '%hist.log'")
assert_eq "history: recent errors only" 4 "$(q b.db "SELECT records FROM log_counts WHERE tick = 0 AND file_id = $hist AND level = 'error'")"
assert_eq "history: untimed line" 1 "$(q b.db "SELECT records FROM log_counts WHERE tick = 0 AND file_id = $hist AND level = 'warn'")"
assert_eq "old lines absent" 0 "$(q b.db "SELECT COUNT(*) FROM fingerprint_examples WHERE text LIKE '%old failure%'")"
assert_eq "1 MB line cut once" 1 "$(q b.db "SELECT SUM(truncated) FROM log_file_samples WHERE file_id = $hist")"
big=$(q b.db "SELECT COUNT(*) FROM fingerprint_examples WHERE text LIKE 'ERROR xxxx%'")
assert_eq "1 MB line counted as one example" 1 "$big"
assert_le "examples bounded" 1200 "$(q b.db "SELECT MAX(length(text)) FROM fingerprint_examples")"
assert_le "bundle holds no 1 MB line" 2000000 "$(stat -c %s b.db)"
assert_eq "history tick in the rate view" 0 "$(q b.db "SELECT COUNT(*) FROM log_rates WHERE tick = 0 AND records_per_s IS NOT NULL")"
assert_eq "later file from its start" 1 "$(q b.db "SELECT SUM(c.records) FROM log_counts c JOIN log_files f ON f.id = c.file_id
	WHERE f.path LIKE '%later.log' AND c.level = 'warn'")"
q b.db "SELECT text FROM fingerprints" > /dev/null || fail "fingerprints unreadable"
exit 0
