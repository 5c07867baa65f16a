# Faults the sockets source must survive, each recorded and the capture going on:
#  1. a fixture /proc tree (--root): the /proc/PID/net fallback, malformed
#     lines skipped with an event, IPv4-mapped IPv6, owners from fd links;
#  2. a target in another network namespace, --sockets-backend=netlink (the
#     default iter backend reads its fds without entering it, in
#     sockets-iter.sh): entered with setns (tcp_info present, so netlink ran
#     inside it) and the namespace recorded;
#  3. the same namespace when it cannot be entered (no CAP_SYS_ADMIN): an
#     event, and the sockets still recorded from /proc/PID/net;
#  4. a target that exits mid-capture: its sockets get a close tick.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_cmd sqlite3
F="$CASEFILE_TOP/tests/fixtures/sockets/root"

# 1. fixture tree
"$CAP" --root "$F" --pid 4242 --duration 1s --interval 500ms -o root.db -q || fail "fixture capture exited $?"
assert_eq "backend" procfs "$(q root.db "SELECT backend FROM sources WHERE name='sockets'")"
assert_eq "status" ran "$(q root.db "SELECT status FROM sources WHERE name='sockets'")"
assert_eq "owned sockets (fd links 3..7)" 5 "$(q root.db "SELECT COUNT(*) FROM sockets")"
assert_eq "listener with accept queue" "8080|3|4242|3" \
	"$(q root.db "SELECT local_port, recv_q, pid, fd FROM socket_ticks WHERE tick=1 AND state='LISTEN'")"
assert_eq "unread bytes" 1101 "$(q root.db "SELECT recv_q FROM socket_ticks WHERE tick=1 AND remote_port=9243 AND family=4 AND state='ESTABLISHED'")"
assert_eq "CLOSE_WAIT retransmits" "16|3" "$(q root.db "SELECT send_q, retransmits FROM socket_ticks WHERE tick=1 AND state='CLOSE_WAIT'")"
assert_eq "v4-mapped" "::ffff:127.0.0.1|::ffff:127.0.0.2" \
	"$(q root.db "SELECT local_addr, remote_addr FROM sockets WHERE inode=6002")"
assert_eq "udp" "udp|ESTABLISHED|512" "$(q root.db "SELECT proto, state, recv_q FROM socket_ticks WHERE tick=1 AND inode=7002")"
assert_eq "no tcp_info from /proc" "" "$(q root.db "SELECT MAX(rtt_us) FROM socket_samples")"
assert_eq "TIME_WAIT counted, not owned" "1|0" \
	"$(q root.db "SELECT sockets, owned FROM socket_totals WHERE tick=1 AND state='TIME_WAIT'")"
assert_ge "malformed lines reported" 1 "$(q root.db "SELECT COUNT(*) FROM events WHERE source='sockets' AND message LIKE '%malformed line%'")"
assert_le "malformed events bounded" 11 "$(q root.db "SELECT COUNT(*) FROM events WHERE source='sockets'")"

# 2 and 3 need a network namespace.
[ "$(id -u)" = 0 ] || skip "needs root for a network namespace (fixture checks passed)"
need_cmd unshare util-linux
# The namespace is sockset's alone: fixed ports cannot meet another test's.
base=47100
bg unshare -n sh -c "ip link set lo up 2>/dev/null; exec '$S/sockset' --base-port $base --duration 60" > set.out 2>&1
wait_for 15 grep -q "ready pid" set.out || fail "sockset in a netns did not start: $(cat set.out)"
P=$(sed -n 's/.*ready pid \([0-9]*\).*/\1/p' set.out)
ns=$(stat -Lc %i /proc/$P/ns/net)
[ "$ns" != "$(stat -Lc %i /proc/self/ns/net)" ] || fail "sockset is not in its own namespace"

"$CAP" --pid "$P" --duration 1s --interval 500ms --sockets-backend=netlink -o ns.db -q || fail "netns capture exited $?"
assert_eq "netns recorded" "$ns" "$(q ns.db "SELECT DISTINCT netns FROM sockets")"
assert_eq "netlink inside the namespace" netlink "$(q ns.db "SELECT backend FROM sources WHERE name='sockets'")"
assert_ge "tcp_info from inside the namespace" 10 "$(q ns.db "SELECT COUNT(*) FROM socket_samples WHERE rtt_us IS NOT NULL")"
assert_eq "unread bytes inside the namespace" 4 "$(q ns.db "SELECT COUNT(*) FROM socket_ticks WHERE tick=1 AND recv_q=1101")"

if command -v capsh >/dev/null 2>&1; then
	capsh --drop=cap_sys_admin -- -c "'$CAP' --pid $P --sockets-backend=netlink --duration 1s --interval 500ms -o nocap.db -q" ||
		fail "capture without CAP_SYS_ADMIN exited $?"
	assert_eq "event for the namespace" 1 \
		"$(q nocap.db "SELECT COUNT(*) FROM events WHERE source='sockets' AND message LIKE 'cannot enter the network namespace%'")"
	assert_eq "same sockets from /proc" "$(q ns.db "SELECT COUNT(*) FROM sockets")" "$(q nocap.db "SELECT COUNT(*) FROM sockets")"
	assert_eq "unread bytes from /proc" 4 "$(q nocap.db "SELECT COUNT(*) FROM socket_ticks WHERE tick=1 AND recv_q=1101")"
	assert_eq "no tcp_info from /proc" 0 "$(q nocap.db "SELECT COUNT(*) FROM socket_samples WHERE rtt_us IS NOT NULL")"
fi

# 4. the target exits during the capture: sockets closed, capture ends cleanly.
bg unshare -n sh -c "ip link set lo up 2>/dev/null; exec '$S/sockset' --base-port $base --duration 5" > short.out 2>&1
S2=$LAST_PID
wait_for 15 grep -q "ready pid" short.out || fail "short sockset did not start"
"$CAP" --pid "$S2" --duration 10s --interval 250ms -o exit.db -q || fail "capture of an exiting target exited $?"
assert_ge "sockets seen" 20 "$(q exit.db "SELECT COUNT(*) FROM sockets")"
assert_eq "every socket closed or last seen" 0 "$(q exit.db "SELECT COUNT(*) FROM sockets WHERE close_tick IS NULL AND last_tick IS NULL")"
exit 0
