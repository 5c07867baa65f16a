# JIT code named through the runtime's perf map: Node started with
# --perf-basic-prof writes /tmp/perf-PID.map, and the profile names the
# JavaScript function that burns the CPU (fib in the script below), under the
# module [jit], with node's own C++ frames below it. Then the same target run
# as nobody with /tmp/perf-PID.map planted as a link to /etc/shadow: the
# capture refuses the link (a target's user can write /tmp), says so in the
# bundle, and reads nothing through it. Then both again with the target in a
# mount namespace of its own (a container's private /tmp): the map is read in
# the target's tree, and a link there is refused as well.
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
# A private /tmp (as in a container): the map exists only in the target's
# mount namespace, read there through /proc/PID/root without following links.
cat > private.sh <<'SH'
js=$(cat "$2") || exit 1   # the test's directory is under /tmp too
mount -t tmpfs -o mode=1777 casefile-e2e /tmp || exit 1
printf '%s\n' "$js" > /tmp/hot.js
[ "$1" = plant ] && ln -s /etc/shadow "/tmp/perf-$$.map"
[ "$1" = plant ] && exec node /tmp/hot.js
exec node --perf-basic-prof /tmp/hot.js
SH
bg unshare -m --propagation private sh private.sh map "$PWD/hot.js" > ready3.txt
target=$LAST_PID
wait_for 30 grep -q ready ready3.txt || fail "node in its own mount namespace did not start"
wait_for 30 test -s "/proc/$target/root/tmp/perf-$target.map" || fail "node wrote no perf map in its namespace"
[ ! -e "/tmp/perf-$target.map" ] || fail "the map is visible outside the namespace: not a private /tmp"
"$CAP" --pid "$target" --sources profile --duration 4s -q -o ns.db || fail "capture exited $?"
kill "$target"
assert_eq "jit symbols from the target's namespace" perf-map "$(q ns.db "SELECT symbols FROM profile_modules WHERE path = '[jit]'")"
assert_ge "fib's share, map read in the namespace" 80 "$(q ns.db "SELECT CAST(total_pct AS INTEGER) FROM profile_top WHERE function LIKE '%fib%hot.js%' LIMIT 1")"

bg unshare -m --propagation private sh private.sh plant "$PWD/hot.js" > ready4.txt
target=$LAST_PID
wait_for 30 grep -q ready ready4.txt || fail "node in its own mount namespace (planted) did not start"
[ -L "/proc/$target/root/tmp/perf-$target.map" ] || fail "the link was not planted in the namespace"
"$CAP" --pid "$target" --sources profile --duration 3s -q -o nsp.db || fail "capture exited $?"
kill "$target"
case "$(q nsp.db "SELECT symbols FROM profile_modules WHERE path = '[jit]'")" in
"perf map refused: "*"symbolic link"*) ;;
*) fail "the link planted in the namespace was not refused: '$(q nsp.db "SELECT symbols FROM profile_modules WHERE path = '[jit]'")'" ;;
esac
assert_eq "nothing read through the namespace's link" 0 "$(q nsp.db "SELECT COUNT(*) FROM profile_frames WHERE name LIKE 'root:%' OR name LIKE '%:\$%'")"
exit 0
