# --syscalls=ptrace counts exactly within its window, warns, and detaches
# every thread when the window ends (the target is no longer traced).
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_root "ptrace"
need_cmd sqlite3
. "$CASEFILE_TOP/tests/e2e/syscalls-lib.inc"

bg "$W" --wait-file go --done-file done --linger --threads 2 --clock 3000 --enoent 200
target=$LAST_PID
start_capture x.db --pid "$target" --syscalls ptrace --ptrace-window 20s
grep -q "warning: --syscalls=ptrace" cap.err || fail "no warning about ptrace's cost"
touch go
wait_for 60 test -f done || fail "workload did not finish"
stop_capture
assert_eq "backend" ptrace "$(q x.db "SELECT backend FROM sources WHERE name = 'syscalls'")"
assert_eq "clock_gettime calls" 3000 "$(calls x.db clock_gettime)"
assert_eq "openat errors" 200 "$(calls x.db openat errors)"
assert_eq "tracer after the capture" 0 "$(awk '/^TracerPid:/ { print $2 }' /proc/$target/status)"
kill -0 "$target" || fail "target died"
exit 0
