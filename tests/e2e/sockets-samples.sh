# Samples (2) and (3): the CLOSE_WAIT leak grows in the bundle; the healthy
# client's pool stays small and steady with empty receive queues.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_cmd sqlite3

# (2) closewait_server plays 12 peers that hang up, one every 400 ms (the
# capture has 3 s to make its first tick before the 9th).
bg "$S/closewait_server" --port 0 --clients 12 --interval-ms 400 --duration 30 > cw.out 2>&1
W=$LAST_PID
wait_for 10 grep -q listening cw.out || fail "closewait_server did not start"
port=$(port_of cw.out)
"$CAP" --pid "$W" --duration 6s --interval 500ms -o cw.db -q || fail "capture failed"
last=$(q cw.db "SELECT MAX(id) FROM ticks")
assert_eq "CLOSE_WAIT leak at the end" 12 \
	"$(q cw.db "SELECT close_wait FROM socket_by_local_port WHERE tick=$last AND local_port=$port")"
assert_le "fewer CLOSE_WAIT at the start" 8 \
	"$(q cw.db "SELECT COALESCE(MAX(close_wait), 0) FROM socket_by_local_port WHERE tick=1 AND local_port=$port")"
assert_eq "state view agrees" 12 "$(q cw.db "SELECT sockets FROM socket_by_state WHERE tick=$last AND state='CLOSE_WAIT'")"

# (3) healthy_client against a fast server: 4 connections, nothing left unread.
bg "$S/slow_server" --port 0 --delay-ms 5 --duration 30 > fast.out 2>&1
wait_for 10 grep -q listening fast.out || fail "slow_server did not start"
fport=$(port_of fast.out)
bg "$S/healthy_client" --port "$fport" --sockets 4 --think-ms 100 --duration 30 2> hc.err
H=$LAST_PID
"$CAP" --pid "$H" --duration 4s --interval 500ms -o hc.db -q || fail "capture failed"
assert_eq "steady pool" "4|4" \
	"$(q hc.db "SELECT MIN(connections) || '|' || MAX(connections) FROM socket_by_remote_port WHERE remote_port=$fport")"
assert_eq "no connection opened after the first tick" 0 "$(q hc.db "SELECT SUM(opened_out) FROM socket_churn WHERE tick > 1")"
assert_le "ticks with unread bytes (an answer caught in flight at most now and then)" 3 \
	"$(q hc.db "SELECT COUNT(*) FROM socket_by_remote_port WHERE remote_port=$fport AND with_recv_q > 0")"
# The sockets are busy, so change rows are written (bytes move every tick).
assert_ge "change rows for active sockets" 8 "$(q hc.db "SELECT COUNT(*) FROM socket_samples WHERE keyframe = 0")"
exit 0
