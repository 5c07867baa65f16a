# Every capture thread (packets, perf ring reader, sampler, ptrace tracer)
# blocks the signals the main loop handles, so SIGINT, SIGTERM and SIGHUP
# always reach the main thread and stop the capture at once.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_root "perf_event_open, ptrace and packet capture"
need_cmd sqlite3

bg sleep 3600
target=$LAST_PID
# SigBlk of each thread but the main one must hold SIGHUP (bit 0), SIGINT
# (bit 1) and SIGTERM (bit 14).
others_block() {
	_n=0
	for t in /proc/$1/task/*; do
		[ "${t##*/}" = "$1" ] && continue
		m=$(awk '/^SigBlk:/ { print $2 }' "$t/status" 2>/dev/null) || continue
		[ -n "$m" ] || continue
		[ $(( 0x$m & 0x4003 )) = $(( 0x4003 )) ] || { echo "thread ${t##*/} blocks only $m" >&2; return 1; }
		_n=$((_n + 1))
	done
	[ $_n -ge "$2" ]
}
for backend in perf sample ptrace; do
	rm -f cap.err
	bg "$CAP" -v --pid "$target" --syscalls "$backend" --interval 200ms --duration 60s -o "$backend.db" 2> cap.err
	cap=$LAST_PID
	wait_for 30 grep -q "capturing into" cap.err || fail "$backend: capture did not start: $(cat cap.err)"
	# the syscall thread and, when packets run, the packet thread
	wait_for 10 others_block "$cap" 1 || fail "$backend: a capture thread does not block SIGINT/SIGTERM/SIGHUP"
	kill -INT "$cap"
	wait_for 30 sh -c "! kill -0 $cap 2>/dev/null" || fail "$backend: SIGINT did not stop the capture"
	wait "$cap" 2>/dev/null
	assert_eq "$backend: backend" "$([ $backend = sample ] && echo sampling || echo $backend)" \
		"$(q "$backend.db" "SELECT backend FROM sources WHERE name = 'syscalls'")"
done
exit 0
