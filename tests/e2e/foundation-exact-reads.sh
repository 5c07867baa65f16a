# /proc reads are never silently cut: a 96-CPU /proc/stat (btime after a
# 15 KB intr line), a 23 KB cmdline (main class after a long -cp), an environ
# whose POD_NAME comes after 11 KB of other variables, and a capture command
# line of more than 4 KiB all reach the bundle whole.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_cmd sqlite3
F="$CASEFILE_TOP/tests/fixtures"
hz=$(getconf CLK_TCK)

# root-v1 with the 96-CPU files laid over it.
cp -R "$F/root-v1" root
cp "$F/root-96cpu/proc/stat" root/proc/stat
cp "$F/root-96cpu/proc/4242/cmdline" "$F/root-96cpu/proc/4242/environ" root/proc/4242/
[ "$(wc -c < root/proc/stat)" -gt 10240 ] || fail "fixture /proc/stat is not over 10 KiB"

long=$(printf 'x%.0s' $(seq 1 5000))
"$CAP" --root "$PWD/root" --pid 4242 --name "$long" --duration 1s --interval 500ms -o b.db -q \
	|| fail "capture exited $?"

assert_eq "start wall after a long intr line" $((1764230400 * 1000000 + 123456 * 1000000 / hz)) \
	"$(q b.db 'SELECT start_wall_us FROM processes')"
want=$(tr '\000' ' ' < root/proc/4242/cmdline | sed 's/ $//')
assert_eq "cmdline length" "${#want}" "$(q b.db 'SELECT length(cmdline) FROM processes')"
assert_eq "cmdline ends with the main class and its args" "com.example.billing.InvoiceMain --port 8080" \
	"$(q b.db "SELECT substr(cmdline, length(cmdline) - 42) FROM processes")"
assert_eq "pod after 11 KB of environ" "billing-7f9c" "$(q b.db "SELECT value FROM manifest WHERE key = 'pod'")"
assert_eq "no environ cut" "" "$(q b.db "SELECT value FROM manifest WHERE key = 'environ_truncated'")"
cl=$(q b.db "SELECT value FROM manifest WHERE key = 'command_line'")
assert_ge "command_line length" 5000 "${#cl}"
case "$cl" in *"$long --duration 1s --interval 500ms -o b.db -q") ;; *) fail "command_line cut: ...${cl##*xxxxxxxx}" ;; esac
exit 0
