# The target's own stdout, redirected to a file, is found from its fds and
# followed without any --log.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_cmd sqlite3

bg sh -c "exec '$S/logspam' --rate 20 --messages 2 --duration 30 --format plain > '$PWD/out.log' 2> '$PWD/err.log'"
spam=$LAST_PID
wait_for 5 test -s out.log || fail "logspam wrote nothing"
"$CAP" -q --pid "$spam" --duration 5s -o b.db || fail "capture failed"

assert_eq "stdout followed" 1 "$(q b.db "SELECT COUNT(*) FROM log_files WHERE origin = 'stdout' AND path = '$PWD/out.log'")"
assert_eq "stderr (empty) followed" 1 "$(q b.db "SELECT COUNT(*) FROM log_files WHERE origin = 'stderr' AND path = '$PWD/err.log'")"
assert_eq "linked to the target" 1 "$(q b.db "SELECT COUNT(*) FROM log_files f JOIN processes p ON p.id = f.process_id
	WHERE f.origin = 'stdout' AND p.pid = $spam")"
assert_ge "errors counted" 60 "$(q b.db "SELECT SUM(c.records) FROM log_counts c JOIN log_files f ON f.id = c.file_id
	WHERE f.origin = 'stdout' AND c.level = 'error'")"
assert_eq "fingerprints" 2 "$(q b.db "SELECT COUNT(*) FROM fingerprints")"
exit 0
