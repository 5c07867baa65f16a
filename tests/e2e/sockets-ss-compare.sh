# A known set of sockets that holds still (samples/sockset.c: a listener with
# a pending accept queue, connections with 1101 unread bytes, CLOSE_WAIT, IPv6,
# a full send queue, UDP) is captured, and the bundle's last tick must match
# `ss -tanpi` / `ss -uanp` run right after, field by field: state, addresses,
# queues, fd, and tcp_info's cwnd and byte counters, through sock_diag
# (--sockets-backend=netlink; the default iter backend: sockets-iter.sh).
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_cmd ss iproute2
need_cmd sqlite3
need_cmd nsenter util-linux
need_root "a network namespace of its own"
unshare -n true 2>/dev/null || skip "cannot create a network namespace"

# sockset needs five consecutive ports: in a network namespace of its own
# they are free, and no other test's sockets show in ss.
base=47100
bg unshare -n sh -c "ip link set lo up && exec '$S/sockset' --base-port $base --duration 60" > sockset.out 2>&1
P=$LAST_PID
wait_for 15 grep -q "ready pid" sockset.out || fail "sockset did not get ready: $(cat sockset.out)"

"$CAP" --pid "$P" --duration 2s --interval 500ms --sockets-backend=netlink -o b.db -q || fail "capture failed"
nsenter --net="/proc/$P/ns/net" ss -tanpi > ss-tcp.txt
nsenter --net="/proc/$P/ns/net" ss -uanp > ss-udp.txt

assert_eq "sockets backend" netlink "$(q b.db "SELECT backend FROM sources WHERE name='sockets'")"
# as root on Linux 6.1+, the owners of the netlink backend's rows come from the fd iterator
# (compared with ss -p's pid and fd below)
if [ "$(id -u)" = 0 ] && [ "$(uname -r | awk -F. '{ print ($1 > 6 || ($1 == 6 && $2 >= 1)) }')" = 1 ]; then
	assert_eq "owners from" bpf-iterator "$(q b.db "SELECT value FROM manifest WHERE key='sockets.owners'")"
fi
. "$CASEFILE_TOP/tests/e2e/sockets-ss.inc"
ss_compare b.db "$P" ss-tcp.txt ss-udp.txt


# The known set, independently of ss.
assert_eq "listener accept queue and backlog" "3|8" \
	"$(q b.db "SELECT recv_q || '|' || send_q FROM socket_ticks WHERE tick=$last AND state='LISTEN' AND local_port=$base")"
assert_eq "connections with 1101 unread bytes" 4 \
	"$(q b.db "SELECT COUNT(*) FROM socket_ticks WHERE tick=$last AND recv_q=1101 AND remote_port=$((base + 1))")"
assert_eq "CLOSE_WAIT sockets" 2 "$(q b.db "SELECT COUNT(*) FROM socket_ticks WHERE tick=$last AND state='CLOSE_WAIT'")"
assert_eq "IPv6 connections" 2 "$(q b.db "SELECT COUNT(*) FROM socket_ticks WHERE tick=$last AND family=6 AND state='ESTABLISHED'")"
assert_ge "send-q of the blocked writer" 1 "$(q b.db "SELECT MAX(send_q) FROM socket_ticks WHERE tick=$last AND remote_port=$((base + 4))")"
assert_eq "remote port view: pending clients" 3 \
	"$(q b.db "SELECT established FROM socket_by_remote_port WHERE tick=$last AND proto='tcp' AND remote_port=$base")"
assert_eq "remote port view: unread bytes" "4|4404" \
	"$(q b.db "SELECT with_recv_q || '|' || recv_q_bytes FROM socket_by_remote_port WHERE tick=$last AND remote_port=$((base + 1))")"
assert_eq "local port view: CLOSE_WAIT" 2 \
	"$(q b.db "SELECT close_wait FROM socket_by_local_port WHERE tick=$last AND local_port=$((base + 2))")"
# Nothing changed after the first tick: one row per socket, no more.
assert_eq "change-only storage" 0 "$(q b.db "SELECT COUNT(*) FROM socket_samples WHERE tick > 1 AND socket_id IN (SELECT id FROM sockets WHERE remote_port <> $((base + 4)) AND local_port <> $((base + 4)))")"
assert_ge "carried forward to every tick" "$last" "$(q b.db "SELECT COUNT(DISTINCT tick) FROM socket_ticks")"

# Record the raw sock_diag replies of a capture (like ss -D) and replay them
# through the same source (like TCPDIAG_FILE): the same sockets and queues.
# Both captures run in sockset's namespace: a recording is made of the
# capture's own namespace only.
inns() { nsenter --net="/proc/$P/ns/net" "$@"; }
CASEFILE_SOCKDIAG_DUMP=rec.bin inns "$CAP" --pid "$P" --sockets-backend=netlink --duration 1s --interval 500ms -o live.db -q || fail "recording capture failed"
[ -s rec.bin ] || fail "no recording written"
CASEFILE_SOCKDIAG_FILE=rec.bin inns "$CAP" --pid "$P" --duration 1s --interval 500ms -o replay.db -q || fail "replay capture failed"
assert_eq "replay backend" netlink-replay "$(q replay.db "SELECT backend FROM sources WHERE name='sockets'")"
snap="SELECT proto, state, local_addr, local_port, remote_addr, remote_port, recv_q, send_q, fd, cwnd FROM socket_ticks WHERE tick = 1 ORDER BY 1,2,3,4,5,6"
q live.db "$snap" > live.txt
q replay.db "$snap" > replay.txt
assert_ge "sockets in the replay" 20 "$(wc -l < replay.txt)"
diff live.txt replay.txt || fail "replayed capture differs from the live one"
exit 0
