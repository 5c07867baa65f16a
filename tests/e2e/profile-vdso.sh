# vDSO code named: a target that calls time() in a loop spends its samples in
# the kernel's vDSO (__vdso_time), which no file on disk holds. The capture
# names it from its own copy of this kernel's vDSO (the same image in every
# process of one ABI), never from the target's memory.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_root "perf_event_open on another process (perf_event_paranoid)"
need_cmd sqlite3

bg "$S/cpuburn" --vdso --duration 120 > ready.txt
target=$LAST_PID
wait_for 20 grep -q ready ready.txt || fail "cpuburn --vdso did not start"
grep -q '\[vdso\]' "/proc/$target/maps" || skip "this kernel maps no vDSO"
"$CAP" --pid "$target" --sources profile --duration 4s -q -o v.db || fail "capture exited $?"
kill "$target"

assert_eq "vdso symbols" "vdso (this kernel's image)" "$(q v.db "SELECT symbols FROM profile_modules WHERE path = '[vdso]'")"
top=$(q v.db "SELECT function || ' in ' || module FROM profile_top LIMIT 1")
case "$top" in
*time" in [vdso]") ;;
*) fail "top function is '$top', not time in [vdso]" ;;
esac
assert_ge "time's self share" 40 "$(q v.db "SELECT CAST(self_pct AS INTEGER) FROM profile_top WHERE module = '[vdso]' AND function LIKE '%time' LIMIT 1")"
exit 0
