# Each counting backend forced in turn (--syscalls=bpf, --syscalls=perf)
# gives the same exact counts, including for a child the target forks after
# the capture attached (bpf: followed by its sched_process_fork program; perf:
# inherited events), and `perf stat` on the same tracepoint still counts
# beside the bpf programs (when perf is installed). Then auto without
# CAP_BPF (and CAP_SYS_ADMIN) falls back to perf and says why in the sources
# table.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_root "bpf() and perf_event_open on tracepoints"
need_cmd sqlite3
. "$CASEFILE_TOP/tests/e2e/syscalls-lib.inc"

have_perf=0; perf stat -e raw_syscalls:sys_exit -o /dev/null -- true >/dev/null 2>&1 && have_perf=1
# bpf-hash: the bpf backend with entry times in its LRU hash, as on machines
# whose pid_max is too large for the array; bpf-tp: on classic tracepoints,
# as on kernels without raw tracepoints.
for variant in bpf bpf-hash bpf-tp perf; do
	backend=${variant%-*}
	unset CASEFILE_SYSBPF_START CASEFILE_SYSBPF_RAW
	[ "$variant" = bpf-hash ] && export CASEFILE_SYSBPF_START=hash
	[ "$variant" = bpf-tp ] && export CASEFILE_SYSBPF_RAW=no
	rm -f go done
	# The shell forks the workload only once the capture runs.
	bg sh -c "while [ ! -f go ]; do sleep 0.05; done; \"$W\" --clock 3000 --enoent 300 --getppid 0 --done-file done --linger; true"
	shpid=$LAST_PID
	start_capture "$variant.db" --pid "$shpid" --interval 100ms --syscalls "$backend"
	assert_eq "$variant: backend" "$backend" "$(q "$variant.db" "SELECT backend FROM sources WHERE name = 'syscalls'")"
	# Other users of the same tracepoints still see their events while the
	# bpf programs run (a classic tracepoint program returning 0 would
	# blind them all).
	if [ "$backend" = bpf ] && [ $have_perf = 1 ]; then
		perf stat -x, -e raw_syscalls:sys_exit -o pstat.txt -- \
			sh -c "\"$W\" --clock 1000 --enoent 0 --getppid 0 >/dev/null; true" ||
			fail "$variant: perf stat failed"
		n=$(awk -F, '/raw_syscalls:sys_exit/ { print $1 }' pstat.txt)
		assert_ge "$variant: perf stat's sys_exit count beside us" 1000 "$n"
	fi
	touch go
	wait_for 60 test -f done || fail "$variant: workload did not finish"
	child=$(pgrep -P "$shpid" -f syscall_counts | head -n1)
	[ -n "$child" ] || fail "$variant: no workload child of $shpid"
	stop_capture
	kill "$shpid" "$child" 2>/dev/null
	db=$variant.db
	assert_eq "$variant: lost" 0 "$(q $db 'SELECT COALESCE(SUM(lost), 0) FROM syscall_ticks')"
	# The child is followed from its first instruction, so its start-up
	# counts too (a few calls more under ASan's runtime): a narrow range.
	n=$(q $db "SELECT SUM(calls) FROM syscall_counts JOIN syscall_names USING (nr) WHERE pid = $child AND name = 'clock_gettime'")
	assert_ge "$variant: child's clock_gettime" 3000 "$n"
	assert_le "$variant: child's clock_gettime" 3016 "$n"
	assert_eq "$variant: every one timed" "$n" "$(q $db "SELECT SUM(timed) FROM syscall_counts JOIN syscall_names USING (nr) WHERE pid = $child AND name = 'clock_gettime'")"
	n=$(q $db "SELECT SUM(count) FROM syscall_errors JOIN syscall_names USING (nr) WHERE pid = $child AND name = 'openat' AND errno_name = 'ENOENT'")
	assert_ge "$variant: child's openat ENOENT" 300 "$n"
	assert_le "$variant: child's openat ENOENT" 316 "$n"
	assert_ge "$variant: max <= total" 0 "$(q $db "SELECT SUM(total_ns) - MAX(max_ns) FROM syscall_counts WHERE pid = $child")"
	assert_ge "$variant: shell's wait4 seen" 1 "$(q $db "SELECT COALESCE(SUM(calls), 0) FROM syscall_counts JOIN syscall_names USING (nr) WHERE pid = $shpid AND name = 'wait4'")"
done
unset CASEFILE_SYSBPF_START CASEFILE_SYSBPF_RAW
q bpf.db "SELECT value FROM manifest WHERE key = 'syscalls_bpf'" | grep -q "raw tracepoints" ||
	fail "manifest does not say raw tracepoints were used"
q bpf-tp.db "SELECT value FROM manifest WHERE key = 'syscalls_bpf'" | grep -q "tracepoints raw_syscalls:" ||
	fail "manifest does not say classic tracepoints were used"
q bpf.db "SELECT value FROM manifest WHERE key = 'syscalls_bpf'" | grep -q "children followed" ||
	fail "manifest does not say the bpf backend follows children"
q bpf-hash.db "SELECT value FROM manifest WHERE key = 'syscalls_bpf'" | grep -q "LRU hash" ||
	fail "manifest does not say the entry times were in the hash"

# auto without CAP_BPF: perf, and the reason. In a mount namespace of its
# own with tracefs mounted, since without CAP_SYS_ADMIN it cannot mount it.
need_cmd setpriv
need_cmd unshare
drop="setpriv --bounding-set=-bpf,-sys_admin --inh-caps=-bpf,-sys_admin"
$drop true 2>/dev/null || skip "setpriv cannot drop bpf/sys_admin here"
rm -f go done
bg "$W" --clock 500 --enoent 0 --getppid 0 --wait-file go --done-file done --linger
target=$LAST_PID
bg unshare -m sh -c "mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null; exec $drop \"$CAP\" -v -o z.db --interval 100ms --duration 120s --pid $target" 2> cap.err
CAP_PID=$LAST_PID
wait_for 30 grep -q "capturing into" cap.err || fail "capture did not start: $(cat cap.err)"
touch go
wait_for 60 test -f done || fail "workload did not finish"
# unshare execs sh, which execs setpriv, which execs the capture: same pid.
stop_capture
assert_eq "no bpf: backend" perf "$(q z.db "SELECT backend FROM sources WHERE name = 'syscalls'")"
q z.db "SELECT reason FROM sources WHERE name = 'syscalls'" | grep -q "bpf not usable.*CAP_BPF" ||
	fail "sources.reason does not say why bpf was not used: $(q z.db "SELECT reason FROM sources WHERE name = 'syscalls'")"
assert_eq "no bpf: clock_gettime" 500 "$(calls z.db clock_gettime)"  # counted after --wait-file only
exit 0
