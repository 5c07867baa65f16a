# A burst of distinct log lines cannot end the capture: the per-message rows
# (fingerprints, examples, per-message counts) have their own share of
# --max-size (--log-max-size, an eighth by default); past it only counts by
# file and level go on, and the process data is kept for the whole duration.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_cmd sqlite3
need_cmd awk
bg sleep 600
target=$LAST_PID
: > burst.log
bg "$CAP" --pid "$target" --interval 200ms --duration 8s --max-size 1M --no-packets --no-syscalls -q \
	--log "$PWD/burst.log" -o b.db
cap=$LAST_PID
wait_for 30 sh -c "[ \$(sqlite3 -readonly b.db 'SELECT count(*) FROM ticks' 2>/dev/null || echo 0) -ge 2 ]" ||
	fail "capture did not start"
# 50,000 distinct messages (letters, so masking keeps them apart).
awk 'BEGIN { for (i = 0; i < 50000; i++) { w = ""; n = i; do { w = w sprintf("%c", 97 + n % 26); n = int(n / 26) } while (n);
	printf "ERROR upstream %s refused the request for %s\n", w, w } }' >> burst.log
wait "$cap"; rc=$?
assert_eq "capture exit" 0 "$rc"
assert_eq "stop reason" "duration reached" "$(q b.db "SELECT value FROM manifest WHERE key = 'stop_reason'")"
ticks=$(q b.db 'SELECT count(*) FROM ticks')
span=$(q b.db 'SELECT (MAX(wall_us) - MIN(wall_us)) / 1000000 FROM ticks')
echo "ticks $ticks over ${span}s; bundle $(stat -c %s b.db) bytes"
assert_ge "seconds of ticks kept" 7 "$span"
assert_eq "process rows in every tick" "$ticks" "$(q b.db 'SELECT count(DISTINCT tick) FROM process_samples')"
assert_eq "every burst line counted by level" 50000 "$(q b.db "SELECT SUM(records) FROM log_counts WHERE level = 'error'")"
[ "$(q b.db "SELECT count(*) FROM events WHERE kind = 'size_cap' AND message LIKE '%--log-max-size%'")" = 1 ] ||
	fail "no event says the log share was reached"
assert_le "bundle within --max-size" 1048576 "$(stat -c %s b.db)"
exit 0
