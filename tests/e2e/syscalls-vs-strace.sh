# casefile's top syscalls agree with `strace -c -f` on the same workload: the
# top syscall by calls is the same, and the counts of the known calls match.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_root "perf_event_open on tracepoints"
need_cmd sqlite3
need_cmd strace
. "$CASEFILE_TOP/tests/e2e/syscalls-lib.inc"

# LeakSanitizer (make asan) cannot run under a tracer.
ASAN_OPTIONS=detect_leaks=0 strace -c -f -o strace.txt "$W" --clock 20000 --enoent 2000 --threads 2 > /dev/null || fail "strace run failed"
# strace -c rows: % time, seconds, usecs/call, calls, [errors,] syscall.
s_top=$(awk '$NF ~ /^[a-z_0-9]+$/ && $4 ~ /^[0-9]+$/ && $NF != "total" { print $4, $NF }' strace.txt | sort -rn | head -n 1 | cut -d' ' -f2)
s_clock=$(awk '$NF == "clock_gettime" { print $4 }' strace.txt)
s_enoent=$(awk '$NF == "openat" && NF == 6 { print $5 }' strace.txt)

bg "$W" --wait-file go --done-file done --linger --clock 20000 --enoent 2000 --threads 2 --pause-every 20000
start_capture x.db --pid "$LAST_PID"
touch go
wait_for 60 test -f done || fail "workload did not finish"
stop_capture

c_top=$(q x.db 'SELECT name FROM syscall_top ORDER BY calls DESC LIMIT 1')
assert_eq "top syscall (strace: $s_top)" "$s_top" "$c_top"
# strace counts from exec, casefile from its attach before the workload's
# start: equal, but for calls made while starting (a sanitizer runtime's).
for pair in "clock_gettime calls $s_clock" "openat errors $s_enoent"; do
	set -- $pair
	c=$(calls x.db "$1" "$2")
	assert_le "$1 $2 (strace: $3)" "$3" "$c"
	assert_ge "$1 $2 (strace: $3)" $(($3 - 20)) "$c"
done
[ "$s_clock" -ge 20000 ] || fail "strace saw $s_clock clock_gettime"
exit 0
