# kill -9 in mid-capture: the bundle (with its -wal) opens, passes
# integrity_check, and holds every tick committed before the kill.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_cmd sqlite3

bg sleep 300
target=$LAST_PID
bg "$CAP" --pid "$target" --duration 60s --interval 100ms -o k.db -q
cap=$LAST_PID
has_ticks() { [ "$(q k.db 'SELECT count(*) FROM ticks' 2>/dev/null)" -ge "$1" ] 2>/dev/null; }
wait_for 20 has_ticks 8 || fail "capture did not reach 8 ticks"
seen=$(q k.db 'SELECT count(*) FROM ticks')
kill -KILL "$cap"
wait "$cap" 2>/dev/null
assert_eq "integrity after SIGKILL" ok "$(q k.db 'PRAGMA integrity_check')"
after=$(q k.db 'SELECT count(*) FROM ticks')
assert_ge "ticks kept" "$seen" "$after"
assert_eq "samples of every kept tick" "$after" "$(q k.db 'SELECT count(DISTINCT tick) FROM process_samples')"
"$ANA" summary k.db > s.txt || fail "summary of a killed capture exited $?"
grep -q "ticks over" s.txt || fail "summary did not describe the killed bundle"
exit 0
