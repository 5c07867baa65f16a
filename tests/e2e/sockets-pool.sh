# Sample (1), the incident's shape: pool_client opens keep-alive connections
# to a slow server until its pool cap (48) and leaves answers unread on most
# of them. A 20 s capture must show, in socket_by_remote_port, the growth,
# the plateau at exactly the cap, and the unread 1101-byte answers.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_cmd sqlite3

bg "$S/slow_server" --port 0 --delay-ms 1500 --duration 60 > server.out 2>&1
wait_for 10 grep -q listening server.out || fail "slow_server did not start: $(cat server.out)"
port=$(port_of server.out)
bg "$S/pool_client" --port "$port" --rate 10 --duration 60 2> client.err
C=$LAST_PID
# The pool grows from its first second: held stopped until the capture's
# sources are open, so a capture slow to start on a loaded machine still
# sees the growth from the bottom.
kill -STOP "$C"
bg "$CAP" --pid "$C" --duration 20s -o pool.db -v 2> cap.err
CP=$LAST_PID
wait_for 30 grep -q "capturing into" cap.err || fail "capture did not start: $(cat cap.err)"
kill -CONT "$C"
wait "$CP" || fail "capture failed: $(cat cap.err)"

conn() { q pool.db "SELECT COALESCE(MAX(connections), 0) FROM socket_by_remote_port WHERE proto='tcp' AND remote_port=$port AND tick=$1"; }
last=$(q pool.db "SELECT MAX(id) FROM ticks")
# a loaded machine skips ticks the capture could not take in time
assert_ge "ticks" 15 "$last"
first=$(conn 1)
assert_le "connections at the first tick (growth starts low)" 20 "$first"
assert_eq "plateau at the pool cap" 48 "$(q pool.db "SELECT MAX(connections) FROM socket_by_remote_port WHERE remote_port=$port")"
# The last 5 ticks all sit at the cap.
assert_eq "ticks at the cap at the end" 5 \
	"$(q pool.db "SELECT COUNT(*) FROM socket_by_remote_port WHERE remote_port=$port AND connections=48 AND tick > $last - 5")"
# Growth: monotonic non-decreasing from the first tick to the plateau.
assert_eq "connection count never drops" 0 \
	"$(q pool.db "SELECT COUNT(*) FROM (SELECT connections - LAG(connections) OVER (ORDER BY tick) AS d FROM socket_by_remote_port WHERE remote_port=$port) WHERE d < 0")"
# Unread answers: most connections hold exactly one 1101-byte answer.
unread=$(q pool.db "SELECT with_recv_q FROM socket_by_remote_port WHERE remote_port=$port AND tick=$last")
assert_ge "connections with unread bytes at the end" 30 "$unread"
assert_eq "unread bytes are whole answers" 0 \
	"$(q pool.db "SELECT recv_q_bytes % 1101 FROM socket_by_remote_port WHERE remote_port=$port AND tick=$last")"
assert_ge "sockets holding exactly 1101 bytes" 30 \
	"$(q pool.db "SELECT COUNT(*) FROM socket_queues WHERE tick=$last AND recv_q=1101 AND remote_port=$port")"
# Churn view: the connections appear as new over several ticks, none close.
assert_ge "ticks with new connections" 3 "$(q pool.db "SELECT COUNT(*) FROM socket_churn WHERE opened_out > 0")"
assert_eq "closed connections" 0 "$(q pool.db "SELECT SUM(closed_out) FROM socket_churn")"
exit 0
