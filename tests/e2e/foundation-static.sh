# make static builds a statically linked casefile-capture that captures, its
# syscalls source on the bpf backend (libbpf.a, libelf.a and libz.a linked in)
# with exact counts.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_cmd sqlite3
[ -f /usr/lib/x86_64-linux-gnu/libpcap.a ] || [ -f /usr/lib/aarch64-linux-gnu/libpcap.a ] || skip "no libpcap.a (apt-get install libpcap-dev)"
make -s -C "$CASEFILE_TOP" static SAN= EXTRA_CFLAGS= BUILD="$CASEFILE_TMP/build" BIN="$CASEFILE_TMP/bin" \
	> build.log 2>&1 || { cat build.log; fail "make static failed"; }
bin="$CASEFILE_TMP/bin/casefile-capture-static"
file "$bin" 2>/dev/null | grep -q "statically linked" || ldd "$bin" 2>&1 | grep -q "not a dynamic" || fail "not static"
bg sleep 300
"$bin" --pid "$LAST_PID" --duration 2s --interval 200ms -o s.db -q || fail "static capture exited $?"
assert_eq "integrity" ok "$(q s.db 'PRAGMA integrity_check')"
# a loaded machine may skip tick slots (the schedule is absolute), so ask only for a few
assert_ge "ticks" 3 "$(q s.db 'SELECT count(*) FROM ticks')"
kill "$LAST_PID"

# The bpf backend from the static binary: a workload with known counts.
W="$S/syscall_counts"
[ -x "$W" ] || fail "no sample workload $W"
bg "$W" --clock 3000 --enoent 200 --getppid 0 --wait-file go --done-file done --linger
bg "$bin" -v --pid "$LAST_PID" --duration 120s --interval 200ms -o b.db 2> cap.err
cap_pid=$LAST_PID
wait_for 30 grep -q "capturing into" cap.err || fail "capture did not start: $(cat cap.err)"
touch go
wait_for 60 test -f done || fail "workload did not finish"
kill -INT "$cap_pid"
wait_for 60 sh -c "! kill -0 $cap_pid" || fail "capture did not stop"
assert_eq "backend" bpf "$(q b.db "SELECT backend FROM sources WHERE name = 'syscalls'")"
assert_eq "clock_gettime calls" 3000 "$(q b.db "SELECT SUM(calls) FROM syscall_top WHERE name = 'clock_gettime'")"
assert_eq "openat errors" 200 "$(q b.db "SELECT SUM(errors) FROM syscall_top WHERE name = 'openat'")"
exit 0
