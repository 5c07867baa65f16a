# A target in its own network namespace: the capture enters it (setns in the
# capture thread) and sees the target's loopback traffic, which the host's
# own interfaces never carry. No --pcap-filter: the default "auto" filter
# follows the target's sockets (its bound UDP port).
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_root "network namespaces"
need_cmd unshare util-linux
need_cmd sqlite3
unshare -n true 2>/dev/null || skip "cannot create a network namespace"
# The namespace is the target's alone: a fixed port cannot meet another test's.
PORT=39999
N=500
bg unshare -n sh -c "ip link set lo up && exec '$S/udpsend' -n $N -r 2000 -p $PORT -g go -l 300"
SP=$LAST_PID
inns() { [ "$(readlink /proc/$SP/ns/net)" != "$(readlink /proc/self/ns/net)" ] && grep -q udpsend /proc/$SP/comm; }
wait_for 20 inns || fail "target did not start in its own netns"
bg "$CAP" --pid $SP -q -o b.db
CP=$LAST_PID
running() { [ -e b.db ] && [ "$(q b.db "SELECT count(*) FROM sources WHERE name='packets' AND status='running'" 2>/dev/null)" = 1 ]; }
wait_for 20 running || fail "packets source did not start: $(q b.db "SELECT reason FROM sources WHERE name='packets'" 2>&1)"
touch go
gone() { ! kill -0 "$1" 2>/dev/null; }
wait_for 30 gone $CP || fail "capture did not stop after its target exited"
wait $CP || fail "capture exited with $?"
filter=$(q b.db "SELECT message FROM events WHERE source='packets' AND kind='packet_filter' LIMIT 1")
case "$filter" in *"udp and host 127.0.0.1 and port $PORT"*) ;; *) fail "auto filter does not name the target's port: $filter" ;; esac
assert_eq "packets captured in the target's netns" $N "$(q b.db 'SELECT SUM(packets) FROM packet_chunks')"
assert_eq "flow packets" $N "$(q b.db 'SELECT SUM(packets_ab + packets_ba) FROM flow_seconds')"
echo "ok: $filter"
