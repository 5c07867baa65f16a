# Exact counts with the perf backend: the known-count workload makes 100,000
# clock_gettime through syscall() and 5,000 openat failing with ENOENT after
# the capture attached; the bundle holds exactly those numbers, a per-tick
# timeline, the clocksource, and `summary` reports the syscall series.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_root "perf_event_open on tracepoints"
need_cmd sqlite3
. "$CASEFILE_TOP/tests/e2e/syscalls-lib.inc"

bg "$W" --wait-file go --mid-file mid --done-file done --linger --pause-every 20000
target=$LAST_PID
start_capture x.db --pid "$target" --interval 50ms
assert_eq "backend" bpf "$(q x.db "SELECT backend FROM sources WHERE name = 'syscalls'")"
touch go
# The clock_gettime calls counted in a tick before the openat ones start: a
# timeline of at least two ticks, however slow a tick is (ASan on a loaded
# machine: one tick took 2.3 s, the whole workload fell in it).
wait_for 60 sh -c "[ \$(sqlite3 -readonly x.db \"SELECT COALESCE(SUM(calls), 0) FROM syscall_top WHERE name = 'clock_gettime'\" 2>/dev/null || echo 0) -ge 100000 ]" ||
	fail "the clock_gettime calls were not all counted in 60 s"
touch mid
wait_for 60 test -f done || fail "workload did not finish"
stop_capture

assert_eq "lost records" 0 "$(q x.db 'SELECT SUM(lost) FROM syscall_ticks')"
assert_eq "clock_gettime calls" 100000 "$(calls x.db clock_gettime)"
assert_eq "openat errors" 5000 "$(calls x.db openat errors)"
# The one openat that succeeds creates the done file.
assert_eq "openat calls" 5001 "$(calls x.db openat)"
assert_eq "ENOENT count" 5000 "$(q x.db "SELECT SUM(count) FROM syscall_errors e JOIN syscall_names n USING (nr) WHERE n.name = 'openat' AND errno_name = 'ENOENT'")"
assert_eq "top errno" ENOENT "$(q x.db "SELECT top_errno FROM syscall_top WHERE name = 'openat'")"
assert_eq "rows name the target" "$target" "$(q x.db "SELECT DISTINCT p.pid FROM syscall_counts c JOIN processes p ON p.id = c.process_id")"
# Time inside: every clock_gettime was paired (enter and exit seen).
assert_eq "timed" 100000 "$(q x.db "SELECT SUM(timed) FROM syscall_counts JOIN syscall_names USING (nr) WHERE name = 'clock_gettime'")"
assert_ge "total time (ns)" 1 "$(q x.db "SELECT total_ns FROM syscall_top WHERE name = 'clock_gettime'")"
# A timeline: rates per tick, and a top syscall per tick.
assert_ge "ticks with calls" 2 "$(q x.db 'SELECT count(*) FROM syscall_rate WHERE calls_per_s > 0')"
assert_ge "ticks between the first clock_gettime and the last openat" 2 "$(q x.db "SELECT MAX(c.tick) - MIN(c.tick) + 1 FROM syscall_counts c JOIN syscall_names n USING (nr) WHERE n.name IN ('clock_gettime', 'openat') AND c.calls > 0")"
assert_eq "busiest tick's top" clock_gettime "$(q x.db 'SELECT name FROM syscall_tick_top ORDER BY calls DESC LIMIT 1')"
cs=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)
assert_eq "clocksource" "$cs" "$(q x.db "SELECT value FROM manifest WHERE key = 'clocksource'")"
case "$(q x.db "SELECT value FROM manifest WHERE key = 'vdso_clock'")" in yes|no) ;; *) fail "vdso_clock not yes/no" ;; esac

"$ANA" summary x.db > out.txt || fail "summary exited $?"
grep -q "syscalls/s" out.txt || fail "summary lacks the syscall rate series"
grep -q "calls/s of the top syscalls \[clock_gettime\]" out.txt || fail "summary lacks the top syscalls series"

# --syscalls=counts: sys_exit only, the same exact counts, no durations.
kill "$target"
rm -f go done
bg "$W" --wait-file go --done-file done --linger --pause-every 20000
start_capture y.db --pid "$LAST_PID" --syscalls counts
touch go
wait_for 60 test -f done || fail "workload did not finish"
stop_capture
assert_eq "counts: lost records" 0 "$(q y.db 'SELECT SUM(lost) FROM syscall_ticks')"
assert_eq "counts: clock_gettime calls" 100000 "$(calls y.db clock_gettime)"
assert_eq "counts: openat errors" 5000 "$(calls y.db openat errors)"
assert_eq "counts: nothing timed" 0 "$(q y.db 'SELECT SUM(timed) FROM syscall_counts')"
q y.db "SELECT value FROM manifest WHERE key = 'syscalls_perf'" | grep -q "sys_exit only" ||
	fail "manifest does not say time was left out"
exit 0
