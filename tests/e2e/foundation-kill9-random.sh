# SIGKILL at random moments of captures with every source on (sockets,
# packets, syscalls, logs): every bundle opens, passes integrity_check, keeps
# every tick committed before the kill, and `summary` reads it.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_cmd sqlite3

# A target that does a bit of everything: connections with unread bytes,
# logs, syscalls.
port=$((37000 + ($$ % 3000)))
bg "$S/slow_server" --port "$port" --delay-ms 200 --duration 120 > server.out 2>&1
srv=$LAST_PID
wait_for 10 sh -c "ss -tln | grep -q ':$port '" || fail "slow_server did not listen"
bg "$S/pool_client" --port "$port" --rate 5 --duration 120 2> client.err
client=$LAST_PID
bg "$S/logspam" --rate 50 --duration 120 --output app.log
spam=$LAST_PID

has_ticks() { [ "$(q "$1" 'SELECT count(*) FROM ticks' 2>/dev/null)" -ge "$2" ] 2>/dev/null; }
i=0
for delay_ms in 150 430 770 1190 1630 2210; do
	i=$((i + 1))
	out=k$i.db
	bg "$CAP" --pid "$client" --pid "$spam" --pid "$srv" --log app.log --interval 100ms --duration 60s -o "$out" -q
	cap=$LAST_PID
	wait_for 30 has_ticks "$out" 1 || fail "capture $i did not reach its first tick"
	sleep "$(echo "$delay_ms" | awk '{ printf "%.3f", $1 / 1000 }')"
	seen=$(q "$out" 'SELECT count(*) FROM ticks')
	kill -KILL "$cap"
	wait "$cap" 2>/dev/null
	assert_eq "integrity after kill $i (${delay_ms} ms)" ok "$(q "$out" 'PRAGMA integrity_check')"
	after=$(q "$out" 'SELECT count(*) FROM ticks')
	assert_ge "ticks kept after kill $i" "$seen" "$after"
	# Each committed tick holds the process rows of all three targets.
	assert_eq "process rows of every kept tick ($i)" "$((after * 3))" "$(q "$out" 'SELECT count(*) FROM process_samples')"
	"$ANA" summary "$out" > s$i.txt || fail "summary of killed bundle $i exited $?"
	"$ANA" "$out" > a$i.txt || fail "analysis of killed bundle $i exited $?"
	echo "kill $i after ${delay_ms} ms: $after ticks kept (a reader saw $seen)"
done
exit 0
