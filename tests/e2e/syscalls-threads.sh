# Threads born and gone during the capture are counted exactly: the workload
# starts 8 threads only after the capture attached (they inherit the perf
# events), each makes its share of the calls and exits.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_root "perf_event_open on tracepoints"
need_cmd sqlite3
. "$CASEFILE_TOP/tests/e2e/syscalls-lib.inc"

bg "$W" --wait-file go --done-file done --linger --threads 8 --clock 20000 --enoent 800
target=$LAST_PID
start_capture x.db --pid "$target"
[ "$(ls /proc/$target/task | wc -l)" = 1 ] || fail "workload has threads before the start"
touch go
wait_for 60 test -f done || fail "workload did not finish"
[ "$(ls /proc/$target/task | wc -l)" = 1 ] || fail "threads did not exit"
stop_capture

assert_eq "lost records" 0 "$(q x.db 'SELECT SUM(lost) FROM syscall_ticks')"
assert_eq "clock_gettime calls" 20000 "$(calls x.db clock_gettime)"
assert_eq "openat errors" 800 "$(calls x.db openat errors)"
# Each of the 8 threads made 2,500 clock_gettime + 100 openat (+ its exit path).
assert_eq "threads with counts" 8 "$(q x.db "SELECT count(*) FROM (SELECT tid, SUM(calls) c FROM syscall_thread_counts WHERE tid <> $target GROUP BY tid HAVING c >= 2600)")"
exit 0
