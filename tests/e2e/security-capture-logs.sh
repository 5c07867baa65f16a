# A target running as nobody cannot make the root capture read what nobody
# cannot read: symbolic links planted in a --log glob directory (to a
# root-only file, to /proc/self/environ), a root-only file put there, its own
# stdout file swapped for a link, and the capture's own bundle matched by a
# glob are all refused, each with a reason in the events and on stderr,
# while an ordinary log in the same directory is still followed.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_cmd sqlite3
need_cmd setpriv util-linux
need_root "plays an unprivileged target against a root capture"
as_nobody() { setpriv --reuid nobody --regid nogroup --clear-groups "$@"; }
chmod o+x "$CASEFILE_TMP"
mkdir d && chmod 1777 d
D="$CASEFILE_TMP/d"

printf 'SECRET-ROOT-ONLY error shadow line\n' > secret && chmod 600 secret
# The target: nobody, its stdout a file nobody owns.
bg setpriv --reuid nobody --regid nogroup --clear-groups sh -c "exec sleep 600 >> '$D/out.log'"
target=$LAST_PID
wait_for 10 test -e d/out.log || fail "target did not start"

SECRET_ENV=SECRET-CAPTURE-ENV bg "$CAP" --pid "$target" --interval 100ms --duration 120s \
	--no-packets --no-syscalls --no-sockets \
	--log "$D/*.log" --log "$D/cap.db*" -o d/cap.db 2> err.txt
cap=$LAST_PID
wait_for 60 sh -c "[ \$(sqlite3 -readonly d/cap.db 'SELECT count(*) FROM ticks' 2>/dev/null || echo 0) -ge 2 ]" ||
	fail "capture did not start: $(cat err.txt)"

# Planted while the capture runs: files that appear are read from their start.
as_nobody ln -s "$CASEFILE_TMP/secret" d/evil.log
as_nobody ln -s /proc/self/environ d/env.log
(umask 077; printf 'SECRET-ROOT-FILE error line\n' > d/rootonly.log)
as_nobody sh -c "printf 'GOOD error line one\nGOOD error line two\n' > '$D/good.log'"
refused() { [ "$(q d/cap.db "SELECT count(*) FROM events WHERE kind = 'log_refused' AND message LIKE '%$1%'")" -ge 1 ]; }
wait_for 60 refused evil.log || fail "link to a root-only file not refused: $(cat err.txt)"
wait_for 60 refused env.log || fail "link to /proc/self/environ not refused"
wait_for 60 refused rootonly.log || fail "root-only file not refused"
wait_for 60 refused "cap.db" || fail "the capture's own bundle not refused"
good() { [ "$(q d/cap.db "SELECT COALESCE(SUM(s.lines), 0) FROM log_file_samples s JOIN log_files f ON f.id = s.file_id WHERE f.path LIKE '%good.log'")" -ge 2 ]; }
wait_for 60 good || fail "an ordinary log beside them is not followed"

# The target swaps its stdout file for a link to the root-only file.
as_nobody sh -c "printf 'before swap\n' >> '$D/out.log'; mv '$D/out.log' '$D/out.old' && ln -s '$CASEFILE_TMP/secret' '$D/out.log'"
wait_for 60 refused "out.log" || fail "stdout swapped for a symlink not refused"

kill -INT "$cap"
wait "$cap"; rc=$?
assert_eq "capture exit" 0 "$rc"
cat err.txt
grep -q "not following log '$D/evil.log'" err.txt || fail "refusal not said on stderr"
grep -q "symbolic link" err.txt || fail "no reason on stderr"
grep -q "not readable by the target's user" err.txt || fail "no reason for the root-only file"
sqlite3 -readonly d/cap.db .dump > dump.sql
grep -q SECRET dump.sql && fail "secret text reached the bundle: $(grep SECRET dump.sql | head -3)"
assert_eq "mode of the bundle" 600 "$(stat -c %a d/cap.db)"
assert_eq "integrity of the bundle" ok "$(q d/cap.db "PRAGMA integrity_check")"

# -o inside a --log glob, with a root target (who could read the bundle):
# the bundle and its side files are still never logs.
mkdir own
bg sleep 600
"$CAP" --pid "$LAST_PID" --interval 100ms --duration 2s --no-packets --no-syscalls --no-sockets -q \
	--log "$CASEFILE_TMP/own/*" -o own/own.db 2> own-err.txt || fail "capture with -o in its --log glob exited $?"
assert_eq "own bundle followed as a log" 0 "$(q own/own.db "SELECT count(*) FROM log_files WHERE path LIKE '%own.db%'")"
[ "$(q own/own.db "SELECT count(*) FROM events WHERE kind = 'log_refused' AND message LIKE '%own files%'")" -ge 1 ] ||
	fail "no event says the bundle was refused as a log: $(cat own-err.txt)"
exit 0
