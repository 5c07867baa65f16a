# Without perf permission the capture still runs: with CAP_PERFMON and
# CAP_SYS_ADMIN dropped from the bounding set (root then cannot open
# tracepoints or mount tracefs), the syscalls source samples
# /proc/PID/task/*/syscall, says so in the sources table, and stores samples,
# not counts. The target runs with the same bounding set so that ptrace
# access to it does not need CAP_SYS_PTRACE.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_root "dropping capabilities"
need_cmd sqlite3
need_cmd setpriv
. "$CASEFILE_TOP/tests/e2e/syscalls-lib.inc"

drop="setpriv --bounding-set=-perfmon,-sys_admin --inh-caps=-perfmon,-sys_admin"
$drop true 2>/dev/null || skip "setpriv cannot drop perfmon/sys_admin here"
bg $drop sleep 300
target=$LAST_PID
bg $drop "$CAP" -v -o x.db --interval 500ms --duration 120s --syscall-sample 20ms --pid "$target" 2> cap.err
CAP_PID=$LAST_PID
wait_for 30 grep -q "capturing into" cap.err || fail "capture did not start: $(cat cap.err)"
wait_for 30 sh -c "[ \"\$(sqlite3 -batch -noheader x.db 'SELECT count(*) FROM syscall_samples' 2>/dev/null)\" -ge 2 ]" ||
	fail "no syscall samples"
stop_capture

assert_eq "status" ran "$(q x.db "SELECT status FROM sources WHERE name = 'syscalls'")"
assert_eq "backend" sampling "$(q x.db "SELECT backend FROM sources WHERE name = 'syscalls'")"
q x.db "SELECT reason FROM sources WHERE name = 'syscalls'" | grep -q "perf not usable" ||
	fail "sources.reason does not say why perf was not used"
q x.db "SELECT reason FROM sources WHERE name = 'syscalls'" | grep -q "not call counts" ||
	fail "sources.reason does not say these are samples"
assert_eq "no counts" 0 "$(q x.db 'SELECT count(*) FROM syscall_counts')"
assert_eq "where sleep sits" clock_nanosleep "$(q x.db 'SELECT name FROM syscall_sample_top ORDER BY samples DESC LIMIT 1')"
assert_ge "rounds" 5 "$(q x.db 'SELECT SUM(rounds) FROM syscall_ticks')"
exit 0
