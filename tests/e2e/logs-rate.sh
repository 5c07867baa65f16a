# logspam at 20 errors/s (JSON and plain text with stack traces, two files):
# per-tick error counts of about 20 for each, one fingerprint per distinct
# message, examples for each, and stack lines joined to their message.
# e2e: serial (error lines per tick and per second are asserted)
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_cmd sqlite3

bg "$S/logspam" --rate 20 --messages 3 --duration 30 --output json.log
spam=$LAST_PID
bg "$S/logspam" --rate 20 --messages 3 --duration 30 --format plain --stack --output plain.log
wait_for 5 test -s json.log || fail "logspam wrote nothing"
wait_for 5 test -s plain.log || fail "logspam (plain) wrote nothing"

"$CAP" -q --pid "$spam" --duration 8s --log "$PWD/json.log" --log "$PWD/plain.*" -o b.db \
	|| fail "capture failed"

json=$(q b.db "SELECT id FROM log_files WHERE path LIKE '%json.log'")
plain=$(q b.db "SELECT id FROM log_files WHERE path LIKE '%plain.log'")
[ -n "$json" ] && [ -n "$plain" ] || fail "log files not followed: $(q b.db 'SELECT path FROM log_files')"
assert_eq "json format" json "$(q b.db "SELECT format FROM log_files WHERE id = $json")"
assert_eq "plain format" plain "$(q b.db "SELECT format FROM log_files WHERE id = $plain")"

last=$(q b.db "SELECT MAX(id) FROM ticks")
assert_ge "ticks" 7 "$last"
for f in $json $plain; do
	# Full ticks only (not the first, which covers no time, nor the last).
	n=$(q b.db "SELECT COUNT(*) FROM ticks WHERE id BETWEEN 2 AND $last - 1")
	good=$(q b.db "SELECT COUNT(*) FROM ticks t LEFT JOIN log_counts c ON c.tick = t.id
		AND c.file_id = $f AND c.level = 'error'
		WHERE t.id BETWEEN 2 AND $last - 1 AND COALESCE(c.records, 0) BETWEEN 15 AND 25")
	# A loaded machine may shift a line across a tick edge: most ticks,
	# and the total, must still show the rate.
	assert_ge "file $f: ticks with 15..25 errors (of $n)" $(( n * 6 / 10 )) "$good"
	rate=$(q b.db "SELECT CAST(ROUND(SUM(c.records) * 1e6 / (MAX(t.mono_us) - MIN(p.mono_us))) AS INT)
		FROM log_counts c JOIN ticks t ON t.id = c.tick JOIN ticks p ON p.id = c.tick - 1
		WHERE c.file_id = $f AND c.level = 'error' AND c.tick BETWEEN 2 AND $last - 1")
	assert_ge "file $f: error rate" 17 "$rate"
	assert_le "file $f: error rate" 23 "$rate"
	assert_eq "file $f: other levels" 0 "$(q b.db "SELECT COUNT(*) FROM log_counts WHERE file_id = $f AND level <> 'error'")"
	assert_eq "file $f: fingerprints" 3 "$(q b.db "SELECT COUNT(*) FROM fingerprints WHERE file_id = $f AND level = 'error'")"
done
# Every fingerprint has 1..3 examples; plain ones carry their stack.
assert_eq "fingerprints without examples" 0 "$(q b.db "SELECT COUNT(*) FROM fingerprints f
	WHERE (SELECT COUNT(*) FROM fingerprint_examples e WHERE e.fingerprint_id = f.id) NOT BETWEEN 1 AND 3")"
assert_ge "examples with stack" 3 "$(q b.db "SELECT COUNT(*) FROM fingerprint_examples
	WHERE file_id = $plain AND text LIKE '%    at Client.bulk%'")"
assert_eq "masked uuid" 2 "$(q b.db "SELECT COUNT(*) FROM fingerprints WHERE text LIKE '%document <uuid> to <ip>: timeout after <n>ms%'")"
# The views and the summary series work.
assert_ge "log_rates rows" 5 "$(q b.db "SELECT COUNT(*) FROM log_rates WHERE level = 'error' AND records_per_s > 10")"
# Each message is ~6.7 lines/s for ~7.5 s of ticks: 50 +- a tick edge.
assert_eq "top fingerprints" 6 "$(q b.db "SELECT COUNT(*) FROM log_top_fingerprints WHERE records >= 40 AND example IS NOT NULL")"
"$ANA" summary b.db > summary.txt || fail "summary failed"
grep -q "error log lines/s" summary.txt || fail "no error-rate series in summary: $(cat summary.txt)"
exit 0
