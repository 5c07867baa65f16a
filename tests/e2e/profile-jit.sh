# JIT code named through the runtime's perf map: Node started with
# --perf-basic-prof writes /tmp/perf-PID.map, and the profile names the
# JavaScript function that burns the CPU (fib in the script below), under the
# module [jit], with node's own C++ frames below it. Then the same target run
# as nobody with /tmp/perf-PID.map planted as a link to /etc/shadow: the
# capture refuses the link (a target's user can write /tmp), says so in the
# bundle, and reads nothing through it.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_root "perf_event_open on another process (perf_event_paranoid)"
need_cmd sqlite3
need_cmd node nodejs
# The perf maps (and the planted link) go, whatever happens.
maps=""
trap 'for m in $maps; do rm -f "$m"; done; cleanup' EXIT INT TERM

cat > hot.js <<'JS'
function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
function hotLoop() { let s = 0; for (;;) { s += fib(25); if (s < 0) break; } }
console.log("ready");
hotLoop();
JS
bg node --perf-basic-prof hot.js > ready.txt
target=$LAST_PID
maps="$maps /tmp/perf-$target.map"
wait_for 30 grep -q ready ready.txt || fail "node did not start"
wait_for 30 test -s "/tmp/perf-$target.map" || fail "node wrote no perf map"
"$CAP" --pid "$target" --sources profile --duration 4s -q -o j.db || fail "capture exited $?"
kill "$target"
rm -f "/tmp/perf-$target.map"

assert_eq "jit symbols" perf-map "$(q j.db "SELECT symbols FROM profile_modules WHERE path = '[jit]'")"
top=$(q j.db "SELECT function || ' in ' || module FROM profile_top LIMIT 1")
case "$top" in
*fib*hot.js*" in [jit]") ;;
*) fail "top function is '$top', not the script's fib in [jit]" ;;
esac
assert_ge "fib's share" 80 "$(q j.db "SELECT CAST(total_pct AS INTEGER) FROM profile_top WHERE function LIKE '%fib%hot.js%' LIMIT 1")"
# Below the JavaScript, node's own frames are named too.
assert_ge "node frames" 1 "$(q j.db "SELECT COUNT(*) FROM profile_frames f JOIN profile_modules m ON m.id = f.module_id WHERE m.path LIKE '%node%' AND f.name IS NOT NULL")"

# A planted link where the perf map goes (node itself runs without
# --perf-basic-prof, which would abort on a map it cannot write): refused,
# reason recorded.
cat > planted.sh <<'SH'
ln -s /etc/shadow "/tmp/perf-$$.map"
exec node "$1"
SH
chmod 0755 .; chmod 0644 hot.js planted.sh
bg setpriv --reuid=65534 --regid=65534 --clear-groups sh planted.sh "$PWD/hot.js" > ready2.txt
target=$LAST_PID
maps="$maps /tmp/perf-$target.map"
wait_for 30 grep -q ready ready2.txt || fail "node as nobody did not start"
[ -L "/tmp/perf-$target.map" ] || fail "the link was not planted at /tmp/perf-$target.map"
"$CAP" --pid "$target" --sources profile --duration 3s -q -o p.db || fail "capture exited $?"
kill "$target"
rm -f "/tmp/perf-$target.map"
case "$(q p.db "SELECT symbols FROM profile_modules WHERE path = '[jit]'")" in
"perf map refused: "*"symbolic link"*) ;;
*) fail "the planted perf map was not refused: '$(q p.db "SELECT symbols FROM profile_modules WHERE path = '[jit]'")'" ;;
esac
assert_eq "nothing read through the link" 0 "$(q p.db "SELECT COUNT(*) FROM profile_frames WHERE name LIKE 'root:%' OR name LIKE '%:\$%'")"
assert_ge "samples still counted" 1 "$(q p.db "SELECT SUM(samples) FROM profile_samples")"
exit 0
