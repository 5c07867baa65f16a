# Target faults: a target that forks hundreds of children (the capture stays
# bounded and says so), and a pid that comes to name another process (seen as
# the target's exit, not mistaken for it).
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_cmd sqlite3

# 1. Hundreds of children with --children and --max-targets 40.
cat > forker.sh <<'F'
trap 'kill $(jobs -p) 2>/dev/null; exit 0' TERM INT
i=0
while [ $i -lt 300 ]; do sleep 60 & i=$((i + 1)); done
echo started > forked
wait
F
bg sh forker.sh
parent=$LAST_PID
wait_for 30 test -s forked || fail "forker did not start its children"
"$CAP" --pid "$parent" --children --max-targets 40 --interval 200ms --duration 1500ms -o kids.db -q \
	|| fail "capture exited $?"
n=$(q kids.db 'SELECT count(*) FROM processes')
assert_le "processes followed" 40 "$n"
assert_ge "processes followed" 30 "$n"
assert_eq "cap event" 1 "$(q kids.db "SELECT count(*) FROM events WHERE message LIKE '%--max-targets%'")"
pkill -P "$parent" sleep 2>/dev/null

# 2. Pid reuse, on a fixture /proc: after a few ticks pid 4242's starttime
# changes, as when the target exits and the pid is given to a new process.
cp -r "$CASEFILE_TOP/tests/fixtures/root-v1" root
bg "$CAP" --root root --pid 4242 --interval 100ms --duration 30s -o reuse.db -q
cap=$LAST_PID
has_ticks() { [ "$(q reuse.db 'SELECT count(*) FROM ticks' 2>/dev/null)" -ge 3 ] 2>/dev/null; }
wait_for 20 has_ticks || fail "capture did not tick"
sed -i 's/ 123456 104857600 / 999999 104857600 /' root/proc/4242/stat
wait_for 20 sh -c "! kill -0 $cap 2>/dev/null" || fail "capture did not end when its target's pid was reused"
wait "$cap"; rc=$?
assert_eq "exit code" 0 "$rc"
assert_eq "reuse event" 1 "$(q reuse.db "SELECT count(*) FROM events WHERE kind = 'target_exited' AND message LIKE '%now names another process%'")"
assert_eq "stop reason" "every target exited" "$(q reuse.db "SELECT value FROM manifest WHERE key = 'stop_reason'")"
assert_eq "one process, with an exit" 1 "$(q reuse.db 'SELECT count(*) FROM processes WHERE exit_tick IS NOT NULL')"
exit 0
