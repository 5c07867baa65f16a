# --name matches the whole cmdline (a JVM's main class after a -cp of many
# KiB), and never picks the capture's own ancestors: `timeout 20
# casefile-capture --name X` holds X in timeout's cmdline.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_cmd sqlite3
need_cmd timeout coreutils

main="com.example.casefile.NameMain$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')"
cp=$(i=0; while [ $i -lt 400 ]; do printf '/opt/app/lib/dependency-%04d-1.2.3.jar:' $i; i=$((i+1)); done)
[ ${#cp} -gt 8192 ] || fail "class path of ${#cp} bytes is too short to test"
# A shell that stays (sleep is its child) with the JVM-like argv after $0.
bg sh -c 'sleep 60; :' java -Xmx64m -cp "$cp" "$main" --port 8080
target=$LAST_PID
has_main() { tr '\000' ' ' < /proc/$target/cmdline | grep -q "$main"; }
wait_for 10 has_main || fail "target $target has not started"

timeout 20 "$CAP" --name "$main" --duration 1s --interval 200ms -o name.db -q 2>err.txt \
	|| fail "capture exited $?: $(cat err.txt)"
assert_eq "targets" "$target" "$(q name.db "SELECT group_concat(pid) FROM processes WHERE role = 'target'")"
assert_eq "stored cmdline ends with the main class" "$main --port 8080" \
	"$(q name.db "SELECT substr(cmdline, instr(cmdline, '$main')) FROM processes")"
exit 0
