# The target exec'ing keeps being counted: the workload does its calls, then
# execs itself and does them again; both images' calls are in the bundle
# under the same process, with the execve between them.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_root "perf_event_open on tracepoints"
need_cmd sqlite3
. "$CASEFILE_TOP/tests/e2e/syscalls-lib.inc"

bg "$W" --wait-file go --done-file done --linger --exec --clock 30000 --enoent 1000 --pause-every 20000
target=$LAST_PID
start_capture x.db --pid "$target"
touch go
wait_for 60 test -f done || fail "workload did not finish"
stop_capture

assert_eq "lost records" 0 "$(q x.db 'SELECT SUM(lost) FROM syscall_ticks')"
# Exact, except that a sanitizer runtime (make asan) reads the clock a few
# times while starting the second image.
c=$(calls x.db clock_gettime)
assert_ge "clock_gettime calls (both images)" 60000 "$c"
assert_le "clock_gettime calls (both images)" 60020 "$c"
assert_eq "openat errors (both images)" 2000 "$(calls x.db openat errors)"
assert_eq "execve" 1 "$(calls x.db execve)"
assert_eq "one pid" "$target" "$(q x.db 'SELECT DISTINCT pid FROM syscall_counts')"
exit 0
