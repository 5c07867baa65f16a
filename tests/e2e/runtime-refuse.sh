# When --runtime-profile does nothing to the target, and says why:
#  1. without the flag: the runtime source is off, no signal reaches node
#     (its inspector never opens), no runtime_profiles row;
#  2. a target that is not Node (sleep, which dies of SIGUSR1): skipped and
#     said, the target lives;
#  3. 127.0.0.1:9229 already held by another process of the target's
#     namespace (a planted listener): refused and said, node not signalled,
#     the listener never connected to;
#  4. node started with its inspector open: profiled through it, said in
#     the outcome, and left open.
# Every target runs in a network namespace of its own (unshare -n).
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_root "network namespaces for the targets (unshare -n), setns into them"
need_cmd sqlite3
need_cmd node nodejs
need_cmd unshare util-linux
need_cmd nsenter util-linux
need_cmd ss iproute2

cp "$CASEFILE_TOP/samples/node_burn.js" burn.js
listening() { nsenter -t "$1" -n ss -Hltn 'sport = :9229' | grep -c LISTEN; }

# 1. No flag.
bg unshare -n sh -c 'ip link set lo up && exec node --no-turbo-inlining burn.js' > out1.txt 2> err1.txt
t1=$LAST_PID
wait_for 30 grep -q ready out1.txt || fail "node did not start"
"$CAP" --pid "$t1" --duration 2s -q -o off.db || fail "capture exited $?"
assert_eq "source off" off "$(q off.db "SELECT status FROM sources WHERE name = 'runtime'")"
assert_eq "no profile" 0 "$(q off.db "SELECT COUNT(*) FROM runtime_profiles")"
assert_eq "port never opened" 0 "$(listening "$t1")"
grep -q "Debugger" err1.txt && fail "node was signalled without the flag: $(cat err1.txt)"
kill "$t1"

# 2. Not Node.
bg unshare -n sh -c 'ip link set lo up && exec sleep 300'
t2=$LAST_PID
wait_for 10 sh -c "readlink /proc/$t2/exe | grep -q sleep" || fail "sleep did not start"
"$CAP" --pid "$t2" --runtime-profile node:1 --duration 2s -o notnode.db 2> notnode.err || fail "capture exited $?"
assert_eq "source skipped" skipped "$(q notnode.db "SELECT status FROM sources WHERE name = 'runtime'")"
case "$(q notnode.db "SELECT reason FROM sources WHERE name = 'runtime'")" in
*"is not Node.js"*"no signal sent"*) ;;
*) fail "reason: $(q notnode.db "SELECT reason FROM sources WHERE name = 'runtime'")" ;;
esac
grep -q "is not Node.js" notnode.err || fail "not said on stderr: $(cat notnode.err)"
kill -0 "$t2" || fail "the target that is not Node died"
kill "$t2"

# 3. A planted listener on 9229 in the target's namespace, not the target's.
cat > plant.js <<'JS'
const net = require('net');
net.createServer(c => { require('fs').writeFileSync('connected', 'yes'); c.end('HTTP/1.1 200 OK\r\n\r\n[]'); })
	.listen(9229, '127.0.0.1', () => console.log('listening'));
JS
bg unshare -n sh -c 'ip link set lo up && { node plant.js > plant.txt & echo $! > plant.pid; } && exec node --no-turbo-inlining burn.js' > out3.txt 2> err3.txt
t3=$LAST_PID
wait_for 30 test -s plant.pid || fail "the planted listener did not start"
_pids="$_pids $(cat plant.pid)"
wait_for 30 grep -q ready out3.txt || fail "node did not start"
wait_for 30 grep -q listening plant.txt || fail "the planted listener did not listen"
"$CAP" --pid "$t3" --runtime-profile node:1 --duration 2s -o planted.db 2> planted.err || fail "capture exited $?"
assert_eq "source skipped" skipped "$(q planted.db "SELECT status FROM sources WHERE name = 'runtime'")"
case "$(q planted.db "SELECT reason FROM sources WHERE name = 'runtime'")" in
*"held by another process"*"no signal sent, nothing read from it"*) ;;
*) fail "reason: $(q planted.db "SELECT reason FROM sources WHERE name = 'runtime'")" ;;
esac
grep -q "held by another process" planted.err || fail "not said on stderr"
[ -e connected ] && fail "the capture connected to the planted listener"
grep -q "Debugger" err3.txt && fail "node was signalled: $(cat err3.txt)"
assert_eq "no profile data" 0 "$(q planted.db "SELECT COUNT(*) FROM runtime_profile_samples")"
kill "$t3" "$(cat plant.pid)"

# 4. The inspector already open: used, said, left open.
bg unshare -n sh -c 'ip link set lo up && exec node --no-turbo-inlining --inspect=127.0.0.1:9229 burn.js' > out4.txt 2> err4.txt
t4=$LAST_PID
wait_for 30 grep -q ready out4.txt || fail "node did not start"
wait_for 30 test "$(listening "$t4")" = 1 || fail "node --inspect did not listen"
"$CAP" --pid "$t4" --runtime-profile node:2 --duration 4s -o open.db 2> open.err || fail "capture exited $?"
case "$(q open.db "SELECT outcome FROM runtime_profiles")" in
*"already open before the capture: left open"*"profile taken"*) ;;
*) fail "outcome: $(q open.db "SELECT outcome FROM runtime_profiles")" ;;
esac
assert_ge "samples" 300 "$(q open.db "SELECT samples FROM runtime_profiles")"
assert_eq "top function" hotA "$(q open.db "SELECT function FROM runtime_profile_top LIMIT 1")"
assert_eq "left open" 1 "$(listening "$t4")"
grep -q "already open" open.err || fail "not said on stderr"
kill "$t4"
exit 0
