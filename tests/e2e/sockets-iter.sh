# The iter backend (the default, --sockets-backend=iter): the BPF task_file
# iterator reads the target's sockets and their owners through its fds. The
# known set of samples/sockset.c (a listener with a pending accept queue,
# connections with 1101 unread bytes, CLOSE_WAIT, IPv6, a full send queue,
# UDP) captured with default options must match `ss -tanpi` / `ss -uanp`
# field by field, the owners (pid, fd, inode) must be those of
# /proc/PID/fd, no fd link is read, one iterator link serves every tick,
# and a netlink capture of the same target in the same run must give the
# same sockets and numbers.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
. "$CASEFILE_TOP/tests/e2e/sockets-ss.inc"
need_cmd ss iproute2
need_cmd sqlite3
need_cmd nsenter util-linux
need_root "a network namespace of its own and BPF iterators"
unshare -n true 2>/dev/null || skip "cannot create a network namespace"

base=47100
bg unshare -n sh -c "ip link set lo up && exec '$S/sockset' --base-port $base --duration 60" > sockset.out 2>&1
P=$LAST_PID
wait_for 15 grep -q "ready pid" sockset.out || fail "sockset did not get ready: $(cat sockset.out)"

# Default options: every tick's rows through the iterator; tick 1 (and
# every --socket-totals-every) also counts the namespace with a netlink
# dump without tcp_info.
"$CAP" --pid "$P" --duration 2s --interval 500ms -o it.db -q || fail "iter capture failed"
nsenter --net="/proc/$P/ns/net" ss -tanpi > ss-tcp.txt
nsenter --net="/proc/$P/ns/net" ss -uanp > ss-udp.txt
ls -l "/proc/$P/fd" > fds.txt
backend=$(q it.db "SELECT backend || '|' || COALESCE(reason, '') FROM sources WHERE name='sockets'")
case $backend in
	netlink\|*iter*) skip "BPF iterator unavailable here: $backend" ;;
esac
assert_eq "default sockets backend" "iter|" "$backend"
dumps=$(q it.db "SELECT value FROM manifest WHERE key='sockets.dumps'")
n_iter=$(echo "$dumps" | sed -n 's/.*, \([0-9]*\) ticks through the BPF iterator.*/\1/p')
last_it=$(q it.db "SELECT MAX(id) FROM ticks")
assert_ge "ticks" 3 "$last_it"
assert_eq "ticks read through the iterator ($dumps)" "$last_it" "${n_iter:-0}"
case $dumps in
	"1 full (per-state totals), 0 light"*) ;;
	*) fail "one totals dump and no light netlink dump expected: '$dumps'" ;;
esac
assert_ge "per-state totals of tick 1" 1 "$(q it.db "SELECT COUNT(*) FROM socket_totals WHERE tick=1 AND state NOT LIKE 'sockstat%'")"
# Owners from the iterator's records: no fd link read, ever.
assert_eq "owner scans" "0 full, 0 after new sockets appeared, 0 fd links read" \
	"$(q it.db "SELECT value FROM manifest WHERE key='sockets.owner_scans'")"
# One link for the target, kept over every tick.
assert_eq "owners from" iter-records "$(q it.db "SELECT value FROM manifest WHERE key='sockets.owners'")"
iter=$(q it.db "SELECT value FROM manifest WHERE key='sockets.iter'")
case $iter in
	"$last_it reads, 1 links attached, "*) ;;
	*) fail "one link for $last_it reads expected: '$iter'" ;;
esac
ss_compare it.db "$P" ss-tcp.txt ss-udp.txt
# (pid, fd, inode) as /proc/PID/fd shows them (ss_compare checked pid and fd
# against ss -p).
sed -n 's/.* \([0-9][0-9]*\) -> socket:\[\([0-9]*\)\]$/\1 \2/p' fds.txt | sort > fds.canon
q it.db "SELECT fd || ' ' || inode FROM socket_ticks WHERE tick=$last_it AND pid=$P AND proto IN ('tcp','udp')" \
	| sort > bundle-fds.canon
assert_ge "socket fds of the target" 20 "$(wc -l < bundle-fds.canon)"
comm -13 fds.canon bundle-fds.canon > extra.txt
[ -s extra.txt ] && fail "owners not in /proc/$P/fd: $(cat extra.txt)"
assert_eq "pids other than the target's" 0 \
	"$(q it.db "SELECT COUNT(*) FROM socket_ticks WHERE tick=$last_it AND (pid IS NULL OR pid <> $P)")"

# The known set, independently of ss, at an iterator tick.
assert_eq "listener accept queue and backlog" "3|8" \
	"$(q it.db "SELECT recv_q || '|' || send_q FROM socket_ticks WHERE tick=$last_it AND state='LISTEN' AND local_port=$base")"
assert_eq "connections with 1101 unread bytes" 4 \
	"$(q it.db "SELECT COUNT(*) FROM socket_ticks WHERE tick=$last_it AND recv_q=1101 AND remote_port=$((base + 1))")"
assert_eq "CLOSE_WAIT sockets" 2 "$(q it.db "SELECT COUNT(*) FROM socket_ticks WHERE tick=$last_it AND state='CLOSE_WAIT'")"
assert_eq "IPv6 connections" 2 "$(q it.db "SELECT COUNT(*) FROM socket_ticks WHERE tick=$last_it AND family=6 AND state='ESTABLISHED'")"
# Nothing moves: a changed row after tick 1 would mean the iterator reads a
# field unsteadily.
assert_eq "iterator rows steady (no change after tick 1)" 0 \
	"$(q it.db "SELECT COUNT(*) FROM socket_samples WHERE tick > 1 AND socket_id IN (SELECT id FROM sockets WHERE remote_port <> $((base + 4)) AND local_port <> $((base + 4)))")"

# The same target through netlink in the same run: the same sockets.
"$CAP" --pid "$P" --duration 2s --interval 500ms --sockets-backend=netlink -o nl.db -q \
	|| fail "netlink capture failed"
assert_eq "netlink backend" netlink "$(q nl.db "SELECT backend FROM sources WHERE name='sockets'")"
snap="SELECT proto, state, family, local_addr, local_port, remote_addr, remote_port, recv_q, fd, inode, cwnd, bytes_received
	FROM socket_ticks WHERE tick = (SELECT MAX(id) FROM ticks) AND local_port <> $((base + 4)) AND remote_port <> $((base + 4)) ORDER BY 1,2,3,4,5,6,7,9"
q it.db "$snap" > it.txt
q nl.db "$snap" > nl.txt
assert_ge "sockets in both" 20 "$(wc -l < it.txt)"
diff nl.txt it.txt || fail "iterator capture differs from the netlink one (< netlink, > iter)"
# The per-state totals of tick 1 (a dump without tcp_info under iter; owners
# from the iterator's records, unix ones too): the same counts.
tot="SELECT proto, state, sockets, owned FROM socket_totals WHERE tick = 1 ORDER BY 1, 2"
q it.db "$tot" > it-tot.txt
q nl.db "$tot" > nl-tot.txt
assert_ge "totals rows" 3 "$(wc -l < it-tot.txt)"
diff nl-tot.txt it-tot.txt || fail "iterator capture's totals differ from the netlink one's (< netlink, > iter)"

# Where the iterator cannot be loaded (here: no privileges), the source
# says why and uses netlink, by default as when asked for.
if command -v setpriv >/dev/null 2>&1; then
	asnobody() { setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all "$@"; }
	bg asnobody sleep 300
	chmod 0711 "$CASEFILE_TMP"    # nobody may pass through to np/
	mkdir np && chown 65534:65534 np && cp "$CAP" np/cap && chmod 0755 np/cap
	for opt in --sockets-backend=iter ""; do
		asnobody np/cap --pid "$LAST_PID" --sources sockets $opt --duration 1s --interval 500ms \
			-o np/np.db -q || fail "unprivileged capture with '$opt' failed"
		assert_eq "fallback backend ($opt)" netlink "$(q np/np.db "SELECT backend FROM sources WHERE name='sockets'")"
		reason=$(q np/np.db "SELECT reason FROM sources WHERE name='sockets'")
		case $reason in
			*"--sockets-backend=iter"*netlink*) ;;
			*) fail "no reason for the fallback ($opt): '$reason'" ;;
		esac
		rm -f np/np.db
	done
fi

# A bad backend name is refused with a message naming the option.
if "$CAP" --pid "$P" --duration 1s --sockets-backend=hash -o bad.db 2> bad.err; then
	fail "--sockets-backend=hash was accepted"
fi
grep -q "sockets-backend" bad.err || fail "no message naming --sockets-backend: $(cat bad.err)"
exit 0
