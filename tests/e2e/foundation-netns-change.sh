# Target fault: the target moves to another network namespace mid-capture.
# netns_hop starts in a namespace of its own (OLD) with a listener and one
# connection, then unshare(CLONE_NEWNET)s into NEW and opens N connections
# there. The bundle must say so (a netns_changed event with both inodes),
# sockets must follow it into NEW (and keep the sockets it still holds in
# OLD until it closes them, then let OLD go), netdev must count NEW's lo,
# packets must be captured in NEW, and the capture must end cleanly when the
# target exits, without leaking fds.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_root "network namespaces"
need_cmd unshare util-linux
need_cmd ip iproute2
need_cmd sqlite3
unshare -n true 2>/dev/null || skip "cannot create a network namespace"
# Both namespaces are the target's alone: fixed ports cannot meet another test's.
PORT=20000
NEWPORT=20001
N=5

bg unshare -n sh -c "ip link set lo up && exec '$S/netns_hop' -p $PORT -q $NEWPORT -n $N -g go -r ready -d hopped -x closeold"
SP=$LAST_PID
wait_for 20 test -e ready || fail "netns_hop did not start"
grep -q netns_hop /proc/$SP/comm || fail "pid $SP is not netns_hop"
OLD=$(stat -L -c %i /proc/$SP/ns/net)
[ "$OLD" != "$(stat -L -c %i /proc/self/ns/net)" ] || fail "target is not in a namespace of its own"

bg "$CAP" --pid $SP -q --interval 200ms --duration 120s -o b.db
CP=$LAST_PID
ready_cap() {
	[ "$(q b.db "SELECT count(*) FROM sockets WHERE netns = $OLD AND local_port = $PORT" 2>/dev/null)" -ge 2 ] 2>/dev/null &&
	[ "$(q b.db "SELECT count(*) FROM sources WHERE name = 'packets' AND status = 'running'" 2>/dev/null)" = 1 ]
}
wait_for 30 ready_cap || fail "capture did not see the first namespace's sockets: $(q b.db "SELECT name, status, reason FROM sources" 2>&1)"
fds_before=$(ls /proc/$CP/fd | wc -l)

touch go
wait_for 20 test -e hopped || fail "netns_hop did not move to a new namespace"
NEW=$(stat -L -c %i /proc/$SP/ns/net)
[ "$NEW" != "$OLD" ] || fail "namespace did not change"

has() { [ "$(q b.db "$1" 2>/dev/null)" -ge "${2:-1}" ] 2>/dev/null; }
wait_for 30 has "SELECT count(*) FROM events WHERE kind = 'netns_changed' AND source IS NULL" ||
	fail "no netns_changed event"
wait_for 30 has "SELECT count(*) FROM sockets WHERE netns = $NEW AND local_port = $NEWPORT" $((N + 1)) ||
	fail "sockets of the new namespace not seen: $(q b.db "SELECT netns, local_port, remote_port FROM sockets")"
wait_for 30 has "SELECT count(*) FROM interfaces i JOIN netdev_samples s ON s.iface_id = i.id
	WHERE i.netns = $NEW AND i.name = 'lo' AND s.rx_packets > 0" || fail "no netdev rows for the new namespace's lo"
# The auto filter is refreshed a second after the move: connections opened
# just after it are then in the filter.
wait_for 30 has "SELECT sum(packets_ab + packets_ba) FROM flow_seconds fs JOIN flows f ON f.id = fs.flow_id
	WHERE f.port_a = $NEWPORT OR f.port_b = $NEWPORT" ||
	fail "no packets on the new namespace's port: $(q b.db "SELECT kind, source, message FROM events")"

# No fd per tick: 15 more ticks (3 s) keep the capture's fd count where it
# was before the move, give or take the new namespace's sock_diag socket.
t=$(q b.db "SELECT max(id) FROM ticks")
wait_for 30 has "SELECT max(id) FROM ticks" $((t + 15)) || fail "capture stopped ticking"
fds_after=$(ls /proc/$CP/fd | wc -l)
assert_le "capture fds after the move (before: $fds_before)" $((fds_before + 2)) "$fds_after"

# Once it closes what it held in OLD, the capture lets OLD go: its sock_diag
# socket is closed, so the fd count is back to where it was.
touch closeold
wait_for 30 has "SELECT count(*) FROM sockets WHERE netns = $OLD AND close_tick IS NOT NULL" 3 ||
	fail "old namespace's sockets not seen closed: $(q b.db "SELECT netns, local_port, remote_port, close_tick FROM sockets")"
t=$(q b.db "SELECT max(id) FROM ticks")
wait_for 30 has "SELECT max(id) FROM ticks" $((t + 5)) || fail "capture stopped ticking"
fds_final=$(ls /proc/$CP/fd | wc -l)
assert_le "capture fds once the old namespace is let go (before: $fds_before)" $fds_before "$fds_final"

kill -TERM $SP
gone() { ! kill -0 "$1" 2>/dev/null; }
wait_for 30 gone $SP || fail "netns_hop did not exit"
wait_for 30 gone $CP || fail "capture did not stop after its target exited"
wait $CP; rc=$?
assert_eq "capture exit code" 0 "$rc"

assert_eq "integrity" ok "$(q b.db 'PRAGMA integrity_check')"
assert_eq "stop reason" "every target exited" "$(q b.db "SELECT value FROM manifest WHERE key = 'stop_reason'")"
assert_eq "netns_changed event names both inodes" 1 \
	"$(q b.db "SELECT count(*) FROM events WHERE kind = 'netns_changed' AND source IS NULL
		AND message = 'pid $SP moved from network namespace $OLD to $NEW'")"
ct=$(q b.db "SELECT tick FROM events WHERE kind = 'netns_changed' AND source IS NULL")
# sockets: everything first seen after the move is in NEW, on NEW's ports
assert_eq "sockets first seen after the move outside the new namespace" 0 \
	"$(q b.db "SELECT count(*) FROM sockets WHERE first_tick >= $ct AND netns IS NOT $NEW")"
assert_eq "new namespace: listener and accepted sockets" $((N + 1)) \
	"$(q b.db "SELECT count(*) FROM sockets WHERE netns = $NEW AND local_port = $NEWPORT")"
assert_eq "new namespace: connections" $N \
	"$(q b.db "SELECT count(*) FROM sockets WHERE netns = $NEW AND remote_port = $NEWPORT AND direction = 'out'")"
assert_eq "namespaces not mixed" 0 \
	"$(q b.db "SELECT count(*) FROM sockets WHERE (netns = $OLD AND $NEWPORT IN (local_port, remote_port))
		OR (netns = $NEW AND $PORT IN (local_port, remote_port))")"
# the sockets it still holds in OLD were followed after the move, not closed
assert_eq "old namespace sockets followed after the move" 3 \
	"$(q b.db "SELECT count(*) FROM sockets WHERE netns = $OLD AND $PORT IN (local_port, remote_port)
		AND last_tick > $ct + 5")"
assert_ge "socket_totals of the new namespace" 1 "$(q b.db "SELECT count(*) FROM socket_totals WHERE netns = $NEW")"
# netdev: nothing filed under OLD once the target had left it
assert_eq "netdev rows of the old namespace after the move" 0 \
	"$(q b.db "SELECT count(*) FROM netdev_samples s JOIN interfaces i ON i.id = s.iface_id
		WHERE i.netns = $OLD AND s.tick >= $ct")"
# packets: followed into NEW, counts stay cumulative across the two handles
assert_eq "packets followed" 1 \
	"$(q b.db "SELECT count(*) FROM events WHERE kind = 'netns_changed' AND source = 'packets'
		AND message LIKE '%from network namespace $OLD to $NEW'")"
assert_eq "packets source status" ran "$(q b.db "SELECT status FROM sources WHERE name = 'packets'")"
assert_eq "pcap_stats received never goes back" 0 \
	"$(q b.db "SELECT count(*) FROM pcap_stats a JOIN pcap_stats b ON b.rowid = a.rowid + 1
		WHERE b.received < a.received")"
assert_eq "captured = flow packets" "$(q b.db 'SELECT max(captured) FROM pcap_stats')" \
	"$(q b.db 'SELECT sum(packets_ab + packets_ba) FROM flow_seconds')"
"$ANA" summary --all b.db > summary.txt || fail "summary failed"
grep -q "netns_changed.*moved from network namespace $OLD to $NEW" summary.txt || fail "summary does not show the move"
echo "ok: pid $SP $OLD -> $NEW, fds $fds_before -> $fds_after -> $fds_final"
