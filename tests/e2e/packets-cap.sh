# --pcap-max-size: packet storage stops at the cap (cut at a record boundary),
# an event says so, and flow counts go on for every packet.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_root "packet capture needs CAP_NET_RAW"
need_cmd sqlite3
N=2000
# -p 0: a port of the kernel's choosing, so no other test's traffic matches the filter
bg "$S/udpsend" -n $N -r 4000 -p 0 -g go -l 300 > send.out
SP=$LAST_PID
wait_for 10 grep -q '^port ' send.out || fail "udpsend did not start"
PORT=$(awk '$1 == "port" { print $2 }' send.out)
bg "$CAP" --pid $SP --pcap-filter "udp port $PORT" --pcap-max-size 20K -q -o b.db
CP=$LAST_PID
running() { [ -e b.db ] && [ "$(q b.db "SELECT count(*) FROM sources WHERE name='packets' AND status='running'" 2>/dev/null)" = 1 ]; }
wait_for 20 running || fail "packets source did not start"
touch go
gone() { ! kill -0 "$1" 2>/dev/null; }
wait_for 30 gone $CP || fail "capture did not stop after its target exited"
wait $CP || fail "capture exited with $?"
stored=$(q b.db 'SELECT SUM(packets) FROM packet_chunks')
bytes=$(q b.db 'SELECT SUM(length(records)) FROM packet_chunks')
assert_ge "stored packets" 1 "$stored"
assert_le "stored bytes" 20480 "$bytes"
assert_eq "size_cap event" 1 "$(q b.db "SELECT count(*) FROM events WHERE kind='size_cap' AND source='packets'")"
assert_eq "flow packets" $N "$(q b.db 'SELECT SUM(packets_ab + packets_ba) FROM flow_seconds')"
assert_eq "stored + not stored" $N "$(q b.db 'SELECT stored + not_stored_cap + not_stored_buffer FROM pcap_stats ORDER BY rowid DESC LIMIT 1')"
assert_eq "export reads back" "$stored" "$("$ANA" export-pcap b.db - | tcpdump -r - -n 2>/dev/null | wc -l)"
echo "ok: $stored of $N stored in $bytes bytes"
