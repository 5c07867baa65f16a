#!/bin/sh
# The capture's memory stays bounded under a big target, at CI scale: 3,000
# sockets (in a child process, followed with --children), 200 threads (some
# exiting and replaced every second), 20,000 log lines/s of mixed formats
# with 3,000 new fingerprints a second (past the table's cap within 7 s).
# Every default source runs. Asserts that the peak RSS stays under a bound
# computed from the scale, and that RSS stops growing: the second half's
# peak is within a slack of the first half's. The target runs in a network
# namespace of its own, so other sockets on the machine do not count.
# e2e: serial (20,000 log lines/s and 200 threads load both CPUs, and RSS
# bounds are measured: it runs alone)
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_root "a network namespace and packet capture"
need_cmd unshare util-linux
need_cmd ip iproute2
unshare -n true 2>/dev/null || skip "cannot create a network namespace"
SOCKETS=3000; THREADS=200; RATE=20000; FPRATE=3000; SECS=20
limit() { awk -v n="$1" 'index($0, n) == 1 { print $(NF - 1) }' /proc/self/limits; }
fds=$(limit "Max open files"); procs=$(limit "Max processes")
[ "$fds" = unlimited ] || [ "$fds" -ge $((SOCKETS + 100)) ] ||
	skip "fd hard limit $fds is below $((SOCKETS + 100))"
[ "$procs" = unlimited ] || [ "$procs" -ge $((THREADS + 300)) ] ||
	skip "process limit $procs is too low for $THREADS threads"

: > app.log
bg unshare -n sh -c "ip link set lo up && exec '$S/crowd' --sockets $SOCKETS --threads $THREADS \
	--log-rate $RATE --fp-rate $FPRATE --log app.log --chatter 1000 --duration 120 > crowd.out"
ready() { grep -q ready crowd.out 2>/dev/null; }
wait_for 60 ready || fail "crowd did not start: $(cat crowd.out 2>/dev/null)"
P=$(awk '{ print $4 }' crowd.out)

# --max-threads below the thread count: per-thread samples are cut, and
# exits must still be seen (the thread table must not keep exited threads).
bg "$CAP" -q --pid "$P" --children --log app.log --interval 1s --duration ${SECS}s \
	--cpu-budget 100 --max-threads 100 -o b.db
C=$LAST_PID
# t (ds since start), VmRSS and VmHWM (kB), each second until the capture ends.
i=0
while kill -0 "$C" 2>/dev/null && [ $i -lt $((SECS + 60)) ]; do
	awk -v t=$i '$1 == "VmRSS:" { r = $2 } $1 == "VmHWM:" { h = $2 }
		END { if (r) print t, r, h }' "/proc/$C/status" >> rss.txt 2>/dev/null || true
	sleep 1
	i=$((i + 1))
done
wait "$C" || fail "capture exited $?"
cat rss.txt

# The load was there and was seen.
assert_ge "target sockets recorded" $SOCKETS "$(q b.db "SELECT COUNT(*) FROM sockets WHERE pid IS NOT NULL")"
assert_ge "threads recorded" 100 "$(q b.db "SELECT COUNT(*) FROM threads")"
assert_ge "log records counted" $((RATE * SECS / 4)) "$(q b.db "SELECT COALESCE(SUM(records), 0) FROM log_counts")"
assert_eq "fingerprint table capped" 1 "$(q b.db "SELECT COUNT(*) FROM events WHERE message LIKE '%distinct log messages%'")"
# Threads replaced by --thread-churn (5/s) exit while --max-threads cuts the
# listing: their exits are recorded all the same.
assert_ge "thread exits recorded" 5 "$(q b.db "SELECT COUNT(*) FROM threads WHERE exit_tick IS NOT NULL")"

if ldd "$CAP" 2>/dev/null | grep -q libasan; then
	echo "AddressSanitizer build: its shadow memory and quarantine make RSS meaningless; bounds not checked"
	exit 0
fi
# Bound: the packet ring (32 MiB by default, mapped into our RSS), a fixed
# part (SQLite's 4 MiB page cache, libraries, the 20,000-entry fingerprint
# table, the 65,536-flow table), and a generous share per socket and thread.
# Measured: ~55 MiB.
bound=$(( (32 + 40) * 1024 + SOCKETS * 4 + THREADS * 8 ))
peak=$(awk '$3 > m { m = $3 } END { print m + 0 }' rss.txt)
echo "peak VmHWM $peak kB, bound $bound kB"
assert_le "peak RSS (kB) for $SOCKETS sockets, $THREADS threads, $RATE lines/s" $bound "$peak"
# Growth: after the fingerprint cap (~7 s) nothing should grow but the flow
# table (~50 new connections/s, ~150 bytes each). Peaks per half, so the
# short spikes of a packet-filter refresh (every 5 s) fall in both.
first=$(awk -v s=$SECS '$1 >= s / 4 && $1 < s / 2 && $2 > m { m = $2 } END { print m + 0 }' rss.txt)
second=$(awk -v s=$SECS '$1 >= s / 2 && $2 > m { m = $2 } END { print m + 0 }' rss.txt)
echo "RSS peak: first half $first kB, second half $second kB"
[ "$first" -gt 0 ] || fail "no RSS samples in the first half"
assert_le "second half's peak RSS (kB): at most 6 MiB over the first half's" $((first + 6144)) "$second"
