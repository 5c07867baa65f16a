# With the sockets source running, the auto filter takes the target's sockets
# from that source's dump of the last tick: it follows a connection the target
# opens after the capture started without a dump or an fd link read of its
# own after the first refresh (at open, before any tick). In a network
# namespace of its own: no other socket appears there.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_root "a network namespace of its own and packet capture"
need_cmd python3
need_cmd sqlite3
unshare -n true 2>/dev/null || skip "cannot create a network namespace"

# The target connects out to a server that is not a target (a connection
# to its own listener would match the listener's clause already).
cat > server.py <<'PY'
import socket
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(8)
open("server.port.tmp", "w").write("%d\n" % l.getsockname()[1])
import os; os.rename("server.port.tmp", "server.port")
s, peer = l.accept()
while True:
    b = s.recv(64)
    if not b:
        break
PY
cat > target.py <<'PY'
import os, socket, time
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(8)
held = []    # sockets that never change
for _ in range(20):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 0)); held.append(u)
print("ready pid %d port %d" % (os.getpid(), l.getsockname()[1]), flush=True)
while not os.path.exists("go"):
    time.sleep(0.05)
c = socket.create_connection(("127.0.0.1", int(open("server.port").read())))
print("connected %d" % c.getsockname()[1], flush=True)
while not os.path.exists("stop"):
    c.send(b"x"); time.sleep(0.1)
PY
bg unshare -n sh -c "ip link set lo up && { python3 -u server.py & exec python3 -u target.py; }" > target.out 2>&1
wait_for 15 grep -q "^ready" target.out || fail "target did not start: $(cat target.out)"
wait_for 15 test -s server.port || fail "server did not start"
P=$(awk '/^ready/ { print $3 }' target.out)
LPORT=$(awk '/^ready/ { print $5 }' target.out)
SPORT=$(cat server.port)

bg "$CAP" --pid "$P" --sources packets,sockets --duration 40s -o b.db -q
CP=$LAST_PID
running() { [ -e b.db ] && [ "$(q b.db "SELECT count(*) FROM sources WHERE name='packets' AND status='running'" 2>/dev/null)" = 1 ]; }
wait_for 20 running || fail "packets source did not start"
# the filter's events are written at the tick after the handle opens
names_listener() { q b.db "SELECT message FROM events WHERE source='packets' AND kind='packet_filter' LIMIT 1" | grep -q "port $LPORT"; }
wait_for 20 names_listener || fail "first filter does not name the listener: $(q b.db "SELECT message FROM events WHERE kind='packet_filter'")"
touch go
wait_for 10 grep -q "^connected" target.out || fail "target did not connect"
EPH=$(awk '/^connected/ { print $2 }' target.out)
follows() { q b.db "SELECT message FROM events WHERE source='packets' AND kind='packet_filter'" | grep -q "port $SPORT)"; }
wait_for 20 follows || fail "the filter never named the new connection's port $SPORT: $(q b.db "SELECT message FROM events WHERE kind='packet_filter'")"
F=$(ls "/proc/$P/fd" | wc -l)
# The filter names the port a tick before the packets it lets through are
# counted (slower still under the sanitizers): wait for them.
new_packets() {
	[ "$(q b.db "SELECT COALESCE(SUM(s.packets_ab + s.packets_ba), 0) FROM flows f JOIN flow_seconds s ON s.flow_id = f.id
		WHERE $EPH IN (f.port_a, f.port_b)")" -ge 1 ] 2>/dev/null
}
wait_for 20 new_packets || fail "no packet of the new connection counted within 20 s"
touch stop
kill -INT "$CP"; wait "$CP" || fail "capture exited with $?"
assert_ge "packets of the new connection captured" 1 \
	"$(q b.db "SELECT COALESCE(SUM(s.packets_ab + s.packets_ba), 0) FROM flows f JOIN flow_seconds s ON s.flow_id = f.id
	WHERE $EPH IN (f.port_a, f.port_b)")"
refresh=$(q b.db "SELECT value FROM manifest WHERE key='packets.auto_filter_refreshes'")
# Only the filter at open (no tick yet) read the tables and links itself;
# every refresh after came from the sockets source's dump.
reads=$(echo "$refresh" | sed -n 's/^\([0-9]*\) read every.*/\1/p')
links=$(echo "$refresh" | sed -n 's/.*; \([0-9]*\) fd links read.*/\1/p')
viewed=$(echo "$refresh" | sed -n 's/.*; \([0-9]*\) from the sockets source.*/\1/p')
assert_eq "refreshes that read every link ($refresh)" 1 "$reads"
assert_le "fd links read by the filter ($refresh; $F fds)" "$F" "$links"
assert_ge "refreshes from the sockets source's dump ($refresh)" 1 "$viewed"
# and the sockets source saw the connection the filter followed
assert_ge "the new connection in the sockets table" 1 \
	"$(q b.db "SELECT count(*) FROM sockets WHERE local_port = $EPH AND remote_port = $SPORT")"
exit 0
