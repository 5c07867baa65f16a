# socket_totals: per-state counts from a full dump every --socket-totals-every
# ticks, the kernel's sockstat counters every tick. In a namespace of its own
# holding a socket set that does not change (samples/sockset.c), the
# per-state rows of every full tick must equal what ss counts by state, the
# sockstat rows of every tick what /proc/net/sockstat(6) says read
# independently, and the ticks between full ones must carry no per-state row.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_cmd ss iproute2
need_cmd sqlite3
need_cmd nsenter util-linux
need_root "a network namespace of its own"
unshare -n true 2>/dev/null || skip "cannot create a network namespace"

base=47300
bg unshare -n sh -c "ip link set lo up && exec '$S/sockset' --base-port $base --duration 60" > sockset.out 2>&1
P=$LAST_PID
wait_for 15 grep -q "ready pid" sockset.out || fail "sockset did not get ready: $(cat sockset.out)"
inns() { nsenter --net="/proc/$P/ns/net" "$@"; }

every=3
"$CAP" --pid "$P" --duration 3s --interval 250ms --socket-totals-every $every -o b.db -q || fail "capture failed"
ticks=$(q b.db "SELECT COUNT(*) FROM ticks")
assert_ge "ticks" 8 "$ticks"
assert_eq "manifest" $every "$(q b.db "SELECT value FROM manifest WHERE key='sockets.totals_every'")"

# Full ticks: the first, then every $every-th.
full=$(q b.db "SELECT group_concat(tick, ' ') FROM (SELECT DISTINCT tick FROM socket_totals
	WHERE state NOT LIKE 'sockstat-%' ORDER BY tick)")
want=$(q b.db "SELECT group_concat(id, ' ') FROM (SELECT id FROM ticks WHERE (id - 1) % $every = 0 ORDER BY id)")
assert_eq "ticks with per-state totals" "$want" "$full"
assert_eq "ticks with sockstat rows" "$ticks" \
	"$(q b.db "SELECT COUNT(DISTINCT tick) FROM socket_totals WHERE state = 'sockstat-inuse' AND proto = 'tcp'")"

# ss's per-state counts, in the names socket_totals uses.
canon='function c(s) {
	if (s == "ESTAB") return "ESTABLISHED"; if (s == "CLOSE-WAIT") return "CLOSE_WAIT"
	if (s == "FIN-WAIT-1") return "FIN_WAIT1"; if (s == "FIN-WAIT-2") return "FIN_WAIT2"
	if (s == "SYN-SENT") return "SYN_SENT"; if (s == "SYN-RECV") return "SYN_RECV"
	if (s == "TIME-WAIT") return "TIME_WAIT"; if (s == "LAST-ACK") return "LAST_ACK"
	return s }'
{
	inns ss -tanH | awk "$canon"' { n["tcp " c($1)]++ } END { for (k in n) print k, n[k] }'
	inns ss -uanH | awk "$canon"' { n["udp " c($1)]++ } END { for (k in n) print k, n[k] }'
	inns ss -xanH | awk "$canon"' { p = $1 == "u_str" ? "unix-stream" : $1 == "u_dgr" ? "unix-dgram" : "unix-seqpacket"
		n[p " " c($2)]++ } END { for (k in n) print k, n[k] }'
} | sort > ss.txt
assert_ge "socket states ss shows" 3 "$(wc -l < ss.txt)"
for t in $full; do
	q b.db "SELECT proto, state, sockets FROM socket_totals WHERE tick = $t AND state NOT LIKE 'sockstat-%'" \
		| tr '|' ' ' | sort > t.txt
	diff ss.txt t.txt > diff.txt || { cat diff.txt; fail "tick $t: per-state totals differ from ss (< ss, > bundle)"; }
done

# sockstat, read here independently (the set holds still, so every tick saw
# the same counts).
inns cat /proc/net/sockstat /proc/net/sockstat6 > sockstat.txt
tcp=$(awk '$1 == "TCP:" || $1 == "TCP6:" { n += $3 } END { print n + 0 }' sockstat.txt)
tw=$(awk '$1 == "TCP:" { for (i = 2; i < NF; i++) if ($i == "tw") print $(i + 1) }' sockstat.txt)
udp=$(awk '$1 == "UDP:" || $1 == "UDP6:" { n += $3 } END { print n + 0 }' sockstat.txt)
assert_ge "TCP sockets in sockstat" 20 "$tcp"
for row in "tcp sockstat-inuse $tcp" "tcp sockstat-tw $tw" "udp sockstat-inuse $udp"; do
	set -- $row
	assert_eq "$1 $2 at every tick" "$ticks" \
		"$(q b.db "SELECT COUNT(*) FROM socket_totals WHERE proto = '$1' AND state = '$2' AND sockets = $3")"
done
# sockstat's inuse and tw together are every TCP socket ss lists but
# NEW_SYN_RECV (request sockets): tw holds the timewait sockets, TIME_WAIT and
# the FIN_WAIT2 of a closed socket (sockset's closed clients are those).
assert_eq "sockstat TCP against ss" "$((tcp + tw))" \
	"$(awk '$1 == "tcp" && $2 != "NEW_SYN_RECV" { n += $3 } END { print n + 0 }' ss.txt)"
# owned: the target's sockets of that protocol at that tick
assert_eq "owned TCP sockets at every tick" 0 "$(q b.db "SELECT COUNT(*) FROM socket_totals s WHERE proto = 'tcp'
	AND state = 'sockstat-inuse' AND owned <> (SELECT COUNT(*) FROM socket_ticks k
	WHERE k.tick = s.tick AND k.proto = 'tcp' AND k.pid IS NOT NULL)")"
assert_ge "owned TCP sockets" 20 "$(q b.db "SELECT MIN(owned) FROM socket_totals WHERE proto = 'tcp' AND state = 'sockstat-inuse'")"

# Between full ticks the target's sockets are still dumped at every tick.
assert_ge "target sockets at every tick" "$ticks" "$(q b.db "SELECT COUNT(DISTINCT tick) FROM socket_ticks WHERE pid = $P")"
assert_eq "same sockets at every tick" 1 "$(q b.db "SELECT COUNT(DISTINCT n) FROM (SELECT tick, COUNT(*) AS n
	FROM socket_ticks WHERE pid = $P GROUP BY tick)")"

# Bad values are refused with the option named.
"$CAP" --pid "$P" --duration 1s --socket-totals-every 0 -o bad.db -q 2> err.txt && fail "--socket-totals-every 0 accepted"
grep -q "socket-totals-every" err.txt || fail "error does not name the option: $(cat err.txt)"
exit 0
