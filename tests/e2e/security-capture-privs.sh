# After setup the capture's tick loop runs with only the capabilities its
# remaining work needs, and no_new_privs: no CAP_SETUID, CAP_CHOWN,
# CAP_SYS_MODULE, CAP_KILL, and no CAP_DAC_OVERRIDE when the bundle's
# directory is its own. The kept ones are listed in an event and in --help.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_cmd sqlite3
need_root "drops root's capabilities"
bg sleep 600
target=$LAST_PID
bg "$CAP" --pid "$target" --interval 100ms --duration 60s --syscalls sample -q -o b.db
cap=$LAST_PID
wait_for 30 sh -c "[ \$(sqlite3 -readonly b.db 'SELECT count(*) FROM ticks' 2>/dev/null || echo 0) -ge 2 ]" ||
	fail "capture did not start"
# The main thread is the tick loop.
status=/proc/$cap/task/$cap/status
eff=$(awk '/^CapEff:/ { print $2 }' "$status")
bnd=$(awk '/^CapBnd:/ { print $2 }' "$status")
nnp=$(awk '/^NoNewPrivs:/ { print $2 }' "$status")
echo "CapEff $eff CapBnd $bnd NoNewPrivs $nnp"
assert_eq "no_new_privs" 1 "$nnp"
has() { [ $(( (0x$1 >> $2) & 1 )) -eq 1 ]; }
for bit in 0 1 5 6 7 16 17 23; do   # chown dac_override kill setgid setuid sys_module sys_rawio sys_nice
	has "$eff" $bit && fail "capability $bit still effective after setup ($eff)"
	has "$bnd" $bit && fail "capability $bit still in the bounding set ($bnd)"
done
# Threads started during setup (packets, perf reader, syscall sampler) keep
# only what their own work takes.
for st in /proc/$cap/task/*/status; do
	teff=$(awk '/^CapEff:/ { print $2 }' "$st" 2>/dev/null) || continue
	[ -n "$teff" ] || continue
	for bit in 0 1 5 6 7 16 17 23; do
		has "$teff" $bit && fail "capability $bit still effective in thread $st ($teff)"
	done
done
has "$eff" 2 || fail "dac_read_search dropped: other users' /proc files become unreadable ($eff)"
has "$eff" 19 || fail "sys_ptrace dropped ($eff)"
kill -INT "$cap"
wait "$cap"; rc=$?
assert_eq "capture exit" 0 "$rc"
[ "$(q b.db "SELECT count(*) FROM events WHERE kind = 'privileges' AND message LIKE '%sys_ptrace%'")" = 1 ] ||
	fail "no privileges event"
q b.db "SELECT message FROM events WHERE kind = 'privileges'"
assert_ge "ticks after dropping" 2 "$(q b.db 'SELECT count(*) FROM ticks')"
"$CAP" --help | grep -q "dac_read_search" || fail "--help does not list the kept capabilities"
exit 0
