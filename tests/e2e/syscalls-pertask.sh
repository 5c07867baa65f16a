# --syscalls=pertask (per-task counting events, no program on the global
# tracepoints) counts exactly: a shell forks the workload only once the
# capture runs, and the workload makes its calls from 3 threads it creates
# only then; both inherit the events, so every call is counted, under the
# shell's pid (a child's calls go to the thread it descends from). Errors
# come from the "ret < 0" filter, openat's ENOENT from its "ret == -2" event;
# an errno not counted one by one would be errno 0, no name. The sampling backend
# runs beside it for where threads wait, and the manifest says what ran.
# Another process making the same calls outside the targets is not counted.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_root "perf_event_open on tracepoints"
need_cmd sqlite3
. "$CASEFILE_TOP/tests/e2e/syscalls-lib.inc"

rm -f go done
mkfifo go
# The shell waits on a fifo, not in a sleep loop: sleep children would
# inherit the events and add their own start-up calls under its pid.
bg sh -c "read x < go; \"$W\" --clock 3000 --enoent 300 --getppid 700 --threads 3 --done-file done --linger; true"
shpid=$LAST_PID
start_capture p.db --pid "$shpid" --interval 100ms --syscalls pertask
assert_eq "backend" pertask "$(q p.db "SELECT backend FROM sources WHERE name = 'syscalls'")"
# An untraced process making the same calls meanwhile.
"$W" --clock 0 --enoent 0 --getppid 5000 > /dev/null || fail "untraced workload failed"
echo go > go
wait_for 60 test -f done || fail "workload did not finish"
child=$(pgrep -P "$shpid" -f syscall_counts | head -n1)
[ -n "$child" ] || fail "no workload child of $shpid"
stop_capture
kill "$shpid" "$child" 2>/dev/null

# The child's start-up counts too (a few calls more under ASan's runtime).
n=$(calls p.db clock_gettime)
assert_ge "clock_gettime" 3000 "$n"
assert_le "clock_gettime" 3016 "$n"
assert_eq "getppid: the workload's, not the untraced process's" 700 "$(calls p.db getppid)"
n=$(calls p.db openat errors)
assert_ge "openat errors" 300 "$n"
assert_le "openat errors" 316 "$n"
n=$(q p.db "SELECT COALESCE(SUM(count), 0) FROM syscall_errors JOIN syscall_names USING (nr) WHERE name = 'openat' AND errno_name = 'ENOENT'")
assert_ge "openat ENOENT" 300 "$n"
assert_le "openat ENOENT" 316 "$n"
assert_eq "an errno named or 0 (unknown), never invented" 0 \
	"$(q p.db "SELECT COUNT(*) FROM syscall_errors WHERE (errno = 0) != (errno_name IS NULL)")"
assert_eq "counted under the shell's pid" "$shpid" \
	"$(q p.db "SELECT DISTINCT pid FROM syscall_counts JOIN syscall_names USING (nr) WHERE name = 'getppid'")"
assert_eq "no time from counters" 0 "$(q p.db 'SELECT COALESCE(SUM(timed), 0) FROM syscall_counts')"
assert_ge "samples of where threads wait" 1 "$(q p.db 'SELECT COALESCE(SUM(samples), 0) FROM syscall_samples')"
q p.db "SELECT value FROM manifest WHERE key = 'syscalls_pertask'" | grep -q "per-task counting events" ||
	fail "manifest does not describe the pertask backend"
assert_eq "other is named" other "$(q p.db "SELECT name FROM syscall_names WHERE nr = -1")"
exit 0
