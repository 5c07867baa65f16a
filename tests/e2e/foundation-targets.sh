# The target exiting ends the capture cleanly (event, exit 0); --children
# follows descendants born during the capture; --name finds a process.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_cmd sqlite3

sh -c 'sleep 1.5' &
t=$!
"$CAP" --pid "$t" --duration 30s --interval 200ms -o exit.db -q || fail "capture exited $?"
assert_eq "stop reason" "every target exited" "$(q exit.db "SELECT value FROM manifest WHERE key = 'stop_reason'")"
assert_eq "exit event" 1 "$(q exit.db "SELECT count(*) FROM events WHERE kind = 'target_exited'")"
[ -n "$(q exit.db 'SELECT exit_tick FROM processes')" ] || fail "exit_tick not set"

# A parent that starts a child after a while; the child must be followed.
cat > parent.sh <<'P'
sleep 0.8
sleep 30 &
echo $! > child.pid
wait
P
bg sh parent.sh
parent=$LAST_PID
bg "$CAP" --pid "$parent" --children --duration 30s --interval 200ms -o kids.db -q
cap=$LAST_PID
wait_for 15 test -s child.pid || fail "child not started"
child=$(cat child.pid)
has_child() { [ "$(q kids.db "SELECT count(*) FROM processes WHERE pid = $child AND role = 'child'" 2>/dev/null)" = 1 ]; }
wait_for 15 has_child || fail "child $child not followed"
kill -TERM "$cap"; wait "$cap"; rc=$?
assert_eq "capture exit after SIGTERM" 0 "$rc"
assert_ge "child samples" 1 "$(q kids.db "SELECT count(*) FROM process_samples s JOIN processes p ON p.id = s.process_id WHERE p.pid = $child")"
assert_eq "started event" 1 "$(q kids.db "SELECT count(*) FROM events WHERE kind = 'target_started' AND message LIKE 'pid $child %'")"

# --name matches the command line.
bg sleep 313.5
"$CAP" --name "sleep 313.5" --duration 500ms --interval 100ms -o name.db -q || fail "--name capture exited $?"
assert_eq "--name target" "$LAST_PID" "$(q name.db "SELECT pid FROM processes")"
exit 0
