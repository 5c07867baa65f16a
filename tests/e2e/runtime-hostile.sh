# A Node target that answers the inspector's protocol with hostile bytes of
# its own (it catches SIGUSR1 itself and listens on 127.0.0.1:9229 of its
# network namespace: its own socket, so the capture talks to it, taking it
# for an inspector already open). Each mode breaks one step: /json/list
# that is not JSON (nested 10,000 deep), a debugger URL carrying a header,
# a WebSocket frame claiming 2^62 bytes, a masked server frame, an answer
# that is not JSON, no answer at all (the step's deadline; the capture's end
# waits for it a bounded time: `timeout` guards against a hang). The capture ends on time with every other source's data,
# the profile's outcome names the step that failed, nothing of it is stored,
# and the target is never sent a signal.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_root "network namespaces for the targets (unshare -n), setns into them"
need_cmd sqlite3
need_cmd node nodejs
need_cmd unshare util-linux
need_cmd timeout coreutils

cat > fake.js <<'JS'
'use strict';
const net = require('net');
const mode = process.argv[2];
process.on('SIGUSR1', () => require('fs').writeFileSync('usr1-' + mode, 'yes'));
const list = (url) => JSON.stringify([{ id: 'x', type: 'node', webSocketDebuggerUrl: url }]);
function http(sock, body) {
	sock.write('HTTP/1.1 200 OK\r\nContent-Length: ' + Buffer.byteLength(body) + '\r\n\r\n' + body);
}
net.createServer((sock) => {
	let buf = '';
	sock.on('error', () => {});
	sock.on('data', (d) => {
		buf += d.toString('latin1');
		if (!buf.includes('\r\n\r\n'))
			return;
		if (buf.startsWith('GET /json/list')) {
			if (mode === 'deep')
				http(sock, '['.repeat(10000));
			else if (mode === 'inject')
				http(sock, list('ws://127.0.0.1:9229/x\r\nEvil: 1'));
			else
				http(sock, list('ws://127.0.0.1:9229/abc-123'));
			return;
		}
		if (!buf.startsWith('GET /abc-123'))
			return sock.destroy();
		buf = '';
		sock.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
		sock.removeAllListeners('data');
		sock.on('data', () => {
			if (mode === 'huge')
				sock.write(Buffer.from([0x81, 127, 0x40, 0, 0, 0, 0, 0, 0, 0]));
			else if (mode === 'masked')
				sock.write(Buffer.from([0x81, 0x82, 1, 2, 3, 4, 0x7a, 0x79]));
			else if (mode === 'notjson')
				sock.write(Buffer.concat([Buffer.from([0x81, 5]), Buffer.from('{"id"')]));
		});
	});
}).listen(9229, '127.0.0.1', () => console.log('ready'));
setInterval(() => {}, 1000);
JS

check() {
	mode=$1; want=$2
	bg unshare -n sh -c "ip link set lo up && exec node fake.js $mode" > "out-$mode.txt"
	t=$LAST_PID
	wait_for 30 grep -q ready "out-$mode.txt" || fail "$mode: the fake did not start"
	timeout 120 "$CAP" --pid "$t" --runtime-profile node:1 --duration 3s -o "$mode.db" 2> "$mode.err" \
		|| fail "$mode: capture exited $?: $(cat "$mode.err")"
	out=$(q "$mode.db" "SELECT outcome FROM runtime_profiles")
	case "$out" in
	*"$want"*"already open before the capture: left open"*) echo "$mode: $out" ;;
	*) fail "$mode: outcome '$out', wanted '$want'" ;;
	esac
	assert_eq "$mode: no samples" 0 "$(q "$mode.db" "SELECT COUNT(*) FROM runtime_profile_samples")"
	assert_eq "$mode: no attachment" "" "$(q "$mode.db" "SELECT attachment FROM runtime_profiles")"
	assert_eq "$mode: the other sources went on" ran "$(q "$mode.db" "SELECT status FROM sources WHERE name = 'process'")"
	assert_ge "$mode: ticks" 1 "$(q "$mode.db" "SELECT COUNT(*) FROM process_samples")"
	grep -q "runtime profile of pid $t: .*$want" "$mode.err" || fail "$mode: not said on stderr: $(cat "$mode.err")"
	[ -e "usr1-$mode" ] && fail "$mode: the target was sent SIGUSR1"
	kill "$t"
}

check deep "/json/list: not JSON: nested too deep"
check inject "/json/list: no target with a ws://127.0.0.1:9229/ debugger URL"
check huge "Profiler.enable: a WebSocket frame of over 1 GiB"
check masked "Profiler.enable: not a valid WebSocket frame"
check notjson "Profiler.enable: the answer is not JSON"
check silent "Profiler.enable: timed out"
exit 0
