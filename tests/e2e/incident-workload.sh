# The incident workload itself, checked with ss, ps and strace (not with
# casefile): connections to the sink grow to exactly the pool cap and stay
# there, most holding one unread response of the sink's size; errors are
# logged at the configured rate; memory grows; clock_gettime leads the
# syscalls. In --fixed mode: no connection to the sink, same error rate.
# e2e: serial (error lines per second of wall-clock time over a 5 s window:
# the workload must not share the CPUs with other tests)
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_cmd ss iproute2

run="$CASEFILE_TOP/samples/incident.sh"
export BUILD="${CASEFILE_SAMPLES%/samples}"
# A cap and a response size that are not the seed's, a free port so a
# concurrent demo keeps 9243. With a small cap, a fast sink and a loop that
# keeps up with 80% of its responses, ~9 of 12 sockets hold one unread
# (~16/s read x 0.2 s in flight = ~3 are waiting for the sink).
cap=12 resp=977 rate=20
export SINK_PORT=0 RESPONSE_BYTES=$resp DURATION=60 SINK_DELAY_MS=200

sh "$run" start inc --cap "$cap" --rate "$rate" --keep-up 0.8 || fail "incident.sh start failed"
_pids="$_pids $(cat inc/incident.pid) $(cat inc/sink.pid)"
pid=$(cat inc/incident.pid)
port=$(cat inc/sink.port)

# Client-side sockets to the sink (the sink's own have it as source port).
conns() { ss -tanH state established "( dport = :$port )" | wc -l; }
unread() { ss -tanH state established "( dport = :$port )" | awk -v r="$resp" '$1 == r' | wc -l; }
at_cap() { [ "$(conns)" -eq "$cap" ]; }

# Growth, not a burst: ~2 s to the cap here (3 in flight, 4/s piling up).
# A stalled test only makes this longer, so the lower bound is safe.
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
t_start=$(now_ms)
echo "connections right after start: $(conns)"
wait_for 30 at_cap || fail "connections never reached the cap $cap (now $(conns))"
to_cap=$(( $(now_ms) - t_start ))
echo "reached the cap of $cap after $to_cap ms"
assert_ge "time to reach the cap (ms)" 1000 "$to_cap"

# A plateau: exactly the cap, sampled for ~3 s, never above.
i=0
while [ $i -lt 6 ]; do
	assert_eq "connections at the plateau" "$cap" "$(conns)"
	sleep 0.5; i=$((i + 1))
done
most_unread() { [ "$(unread)" -ge $((cap / 2)) ]; }
wait_for 20 most_unread || fail "only $(unread) of $cap sockets hold $resp unread bytes"
echo "at the cap: $(conns) connections, $(unread) with Recv-Q $resp"
ss -tanH state established "( dport = :$port )" | awk '$1 != 0 && $1 != r { bad++ } END { exit bad > 0 }' r="$resp" ||
	fail "a Recv-Q other than 0 or $resp: $(ss -tanH "( dport = :$port )")"

# Sockets bounded by the cap: the pool, the refusing scrape target, at most
# one scrape in progress (other fds may be inherited from whoever runs us).
sockets() { ls -l "/proc/$1/fd" | grep -c 'socket:'; }
assert_le "sockets of the incident process" $((cap + 2)) "$(sockets "$pid")"

# Error rate and memory growth over a measured window.
errors() { grep -c '"level":"error"' inc/app.log; }
e0=$(errors); r0=$(ps -o rss= -p "$pid"); t0=$(now_ms)
sleep 5
e1=$(errors); r1=$(ps -o rss= -p "$pid"); t1=$(now_ms)
per_s=$(( (e1 - e0) * 1000 / (t1 - t0) ))
echo "errors: $per_s/s, rss: $r0 -> $r1 KiB"
assert_ge "error lines per second" $((rate * 6 / 10)) "$per_s"
assert_le "error lines per second" $((rate * 14 / 10)) "$per_s"
assert_ge "rss growth over 5 s (KiB)" 1024 $((r1 - r0))
# Three message shapes with varying ids.
shapes=$(grep '"level":"error"' inc/app.log | sed 's/.*"message":"//; s/[0-9]//g' | cut -c1-20 | sort -u | wc -l)
assert_eq "distinct error message shapes" 3 "$shapes"

# strace -c: time queries lead (calls), as in the seed.
if command -v strace >/dev/null 2>&1; then
	timeout -s INT 3 strace -c -S calls -f -p "$pid" -o strace.out >/dev/null 2>&1
	top=$(awk '/^-+ /{n++; next} n == 1 { print $NF; exit }' strace.out)
	echo "strace -c top syscall by calls: $top"
	cat strace.out
	[ -z "$top" ] || assert_eq "top syscall" clock_gettime "$top"
fi

sh "$run" stop inc || fail "incident.sh stop failed"
kill -0 "$pid" 2>/dev/null && fail "incident still running after stop"
grep -q "peak $cap connections (cap $cap)" inc/incident.err || fail "counters: $(cat inc/incident.err)"

# Fixed: the shipper is gone; errors still logged, nothing to the sink.
sh "$run" start fixed --fixed --rate "$rate" || fail "incident.sh start --fixed failed"
_pids="$_pids $(cat fixed/incident.pid) $(cat fixed/sink.pid)"
port=$(cat fixed/sink.port)
fixed_lines() { [ "$(grep -c '"level":"error"' fixed/app.log)" -ge $((rate * 3)) ]; }
wait_for 20 fixed_lines || fail "fixed mode does not log"
assert_eq "connections to the sink in fixed mode" 0 "$(conns)"
fpid=$(cat fixed/incident.pid)
assert_le "sockets in fixed mode" 2 "$(sockets "$fpid")"
sh "$run" stop fixed || fail "incident.sh stop (fixed) failed"
grep -q "0 shipped" fixed/incident.err || fail "fixed counters: $(cat fixed/incident.err)"
exit 0
