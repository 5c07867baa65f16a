# Loopback traffic captured side by side by casefile-capture and tcpdump -w
# with the same filter: same packet count; the bundle's export is read by
# tcpdump -r with that count; flow counts per second add up to the packets.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_root "packet capture needs CAP_NET_RAW"
need_cmd tcpdump
need_cmd sqlite3
N=3000
# -p 0: a port of the kernel's choosing, so no other test's traffic matches the filter
bg "$S/udpsend" -n $N -r 5000 -p 0 -g go -l 300 > send.out
SP=$LAST_PID
wait_for 10 grep -q '^port ' send.out || fail "udpsend did not start"
PORT=$(awk '$1 == "port" { print $2 }' send.out)
FILTER="udp port $PORT"
# tcpdump in immediate mode writing each packet (-U): its file can be polled,
# and it cannot lose a last partial ring block on SIGINT.
bg tcpdump -i lo -n -s 128 --immediate-mode -U -w td.pcap "$FILTER" 2> td.err
TP=$LAST_PID
wait_for 20 grep -q "listening on" td.err || fail "tcpdump did not start: $(cat td.err)"
# casefile on its default interface ("any"): each lo packet must count once
bg "$CAP" --pid $SP --pcap-filter "$FILTER" -o b.db -q
CP=$LAST_PID
running() { [ -e b.db ] && [ "$(q b.db "SELECT count(*) FROM sources WHERE name='packets' AND status='running'" 2>/dev/null)" = 1 ]; }
wait_for 20 running || fail "packets source did not start"
touch go
wait $SP || fail "sender failed"
gone() { ! kill -0 "$1" 2>/dev/null; }
wait_for 30 gone $CP || fail "capture did not stop after its target exited"
wait $CP || fail "capture exited with $?"
tdcount() { [ "$(tcpdump -r td.pcap -n 2>/dev/null | wc -l)" -ge $N ]; }
wait_for 20 tdcount || fail "tcpdump saw $(tcpdump -r td.pcap -n 2>/dev/null | wc -l) of $N"
kill -INT $TP; wait $TP 2>/dev/null
td=$(tcpdump -r td.pcap -n 2>/dev/null | wc -l)
assert_eq "tcpdump -w packets" $N "$td"

assert_eq "packets in chunks" $N "$(q b.db 'SELECT SUM(packets) FROM packet_chunks')"
assert_eq "packets captured" $N "$(q b.db 'SELECT MAX(captured) FROM pcap_stats')"
assert_eq "kernel drops" 0 "$(q b.db 'SELECT MAX(dropped_kernel) FROM pcap_stats')"
assert_eq "flow packets" $N "$(q b.db 'SELECT SUM(packets_ab + packets_ba) FROM flow_seconds')"
assert_eq "flows" "17|$PORT|$N|0" "$(q b.db "SELECT f.proto, f.port_b, SUM(s.packets_ab), SUM(s.packets_ba) FROM flows f JOIN flow_seconds s ON s.flow_id = f.id GROUP BY f.id")"
assert_eq "flow bytes" $((N * (20 + 8 + 64))) "$(q b.db 'SELECT SUM(bytes_ab) FROM flow_rates')"

"$ANA" export-pcap b.db out.pcap > export.out || fail "export-pcap failed"
assert_eq "tcpdump -r of the export" "$td" "$(tcpdump -r out.pcap -n 2>/dev/null | wc -l)"
if command -v tshark >/dev/null 2>&1; then
	assert_eq "tshark -r of the export" $N "$(tshark -r out.pcap 2>/dev/null | wc -l)"
fi
# per second: the export's timestamps against the bundle's flow counts
tcpdump -r out.pcap -n -tt 2>/dev/null | awk '{ split($1, t, "."); n[t[1]]++ } END { for (s in n) print s "|" n[s] }' | sort > export.sec
q b.db 'SELECT second_us / 1000000, SUM(packets_ab + packets_ba) FROM flow_seconds GROUP BY 1 ORDER BY 1' > bundle.sec
cmp -s export.sec bundle.sec || fail "per-second counts differ: $(diff export.sec bundle.sec | head -5)"
# a filter on export
assert_eq "export --filter (none match)" 0 "$("$ANA" export-pcap b.db - --filter "udp port $((PORT + 1))" | tcpdump -r - -n 2>/dev/null | wc -l)"
assert_eq "export --filter (all match)" $N "$("$ANA" export-pcap b.db - --filter "$FILTER" | tcpdump -r - -n 2>/dev/null | wc -l)"
# -o as in the other commands: the same file as the positional form.
"$ANA" export-pcap b.db -o out-o.pcap > /dev/null || fail "export-pcap -o failed"
cmp -s out.pcap out-o.pcap || fail "export-pcap -o differs from the positional output"
echo "ok: $N packets, tcpdump $td, export $(cat export.out)"
