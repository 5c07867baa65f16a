# An interface that disappears mid-capture: an event, the capture goes on, and
# the packets source resumes when the interface comes back.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_root "creating interfaces"
need_cmd ip iproute2
need_cmd sqlite3
A=cfpk$$a; B=cfpk$$b
mk() { ip link add $A type veth peer name $B && ip link set $A up && ip link set $B up; }
mk 2>/dev/null || skip "cannot create a veth pair"
trap 'ip link del $A 2>/dev/null; cleanup' EXIT INT TERM
bg sleep 3600
T=$LAST_PID
bg "$CAP" --pid $T --duration 30s --pcap-iface $A --pcap-filter "udp" -q -o b.db
CP=$LAST_PID
running() { [ -e b.db ] && [ "$(q b.db "SELECT count(*) FROM sources WHERE name='packets' AND status='running'" 2>/dev/null)" = 1 ]; }
wait_for 20 running || fail "packets source did not start"
ip link del $A
stopped() { [ "$(q b.db "SELECT count(*) FROM events WHERE source='packets' AND message LIKE '%stopped%'" 2>/dev/null)" -ge 1 ]; }
wait_for 20 stopped || fail "no event for the interface that disappeared"
mk || fail "cannot re-create $A"
resumed() { [ "$(q b.db "SELECT count(*) FROM events WHERE source='packets' AND message LIKE '%resumed%'" 2>/dev/null)" -ge 1 ]; }
wait_for 20 resumed || fail "capture did not resume on $A"
ticks=$(q b.db 'SELECT count(*) FROM ticks')
more() { [ "$(q b.db 'SELECT count(*) FROM ticks')" -gt $((ticks + 1)) ]; }
wait_for 20 more || fail "the capture stopped ticking"
kill -INT $CP
gone() { ! kill -0 "$1" 2>/dev/null; }
wait_for 20 gone $CP || fail "capture did not stop on SIGINT"
wait $CP || fail "capture exited with $?"
assert_eq "packets status" ran "$(q b.db "SELECT status FROM sources WHERE name='packets'")"
assert_ge "pcap_stats rows" 3 "$(q b.db 'SELECT count(*) FROM pcap_stats')"
echo "ok: $(q b.db "SELECT group_concat(message, ' / ') FROM events WHERE source='packets'")"
