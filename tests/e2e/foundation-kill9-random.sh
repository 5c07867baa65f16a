# SIGKILL at random moments of captures with every source on (sockets,
# packets, syscalls, logs), also while it stops cleanly and while it starts:
# every bundle opens, passes integrity_check, keeps every tick committed
# before the kill, and `summary` and the analysis read it.
# e2e: serial (kills at random moments of 2 s windows, each capture waited
# for to reach a number of ticks)
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_cmd sqlite3

# A target that does a bit of everything: connections with unread bytes,
# logs, syscalls. They outlive the test however slow the machine (the
# cleanup stops them): a target gone mid-test fails capture N with "no process".
bg "$S/slow_server" --port 0 --delay-ms 200 --duration 900 > server.out 2>&1
srv=$LAST_PID
wait_for 10 grep -q listening server.out || fail "slow_server did not listen: $(cat server.out)"
port=$(port_of server.out)
bg "$S/pool_client" --port "$port" --rate 5 --duration 900 2> client.err
client=$LAST_PID
bg "$S/logspam" --rate 50 --duration 900 --output app.log
spam=$LAST_PID

has_ticks() { [ "$(q "$1" 'SELECT count(*) FROM ticks' 2>/dev/null)" -ge "$2" ] 2>/dev/null; }
ms_sleep() { sleep "$(echo "$1" | awk '{ printf "%.3f", $1 / 1000 }')"; }

# Random moments, from a seed printed so a failure can be replayed:
#   KILL_SEED=N E2E=foundation-kill9-random make e2e
seed=${KILL_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
echo "kill moments from KILL_SEED=$seed"
delays=$(awk -v s="$seed" 'BEGIN { srand(s); for (i = 0; i < 10; i++) printf "%d ", 20 + int(rand() * 2500) }')

# check_killed BUNDLE LABEL SEEN: the bundle survived a SIGKILL.
check_killed() {
	assert_eq "integrity after $2" ok "$(q "$1" 'PRAGMA integrity_check')"
	after=$(q "$1" 'SELECT count(*) FROM ticks')
	assert_ge "ticks kept after $2" "$3" "$after"
	# Each committed tick holds the process rows of all three targets.
	assert_eq "process rows of every kept tick ($2)" "$((after * 3))" \
		"$(q "$1" 'SELECT count(*) FROM process_samples')"
	"$ANA" summary "$1" > "$1.summary" || fail "summary of killed bundle ($2) exited $?"
	"$ANA" "$1" > "$1.analysis" || fail "analysis of killed bundle ($2) exited $?"
}

capture() { # capture OUT: starts a capture with every source on
	bg "$CAP" --pid "$client" --pid "$spam" --pid "$srv" --log app.log --interval 100ms --duration 60s -o "$1" -q
	cap=$LAST_PID
}

i=0
for delay_ms in $delays; do
	i=$((i + 1))
	out=k$i.db
	capture "$out"
	wait_for 30 has_ticks "$out" 1 || fail "capture $i did not reach its first tick"
	ms_sleep "$delay_ms"
	seen=$(q "$out" 'SELECT count(*) FROM ticks')
	kill -KILL "$cap"
	wait "$cap" 2>/dev/null
	check_killed "$out" "kill $i (${delay_ms} ms)" "$seen"
	echo "kill $i after ${delay_ms} ms: $after ticks kept (a reader saw $seen)"
done

# Killed while stopping cleanly (checkpoint, index build): the bundle is
# either finished or still the WAL-mode bundle of before the stop.
for extra_ms in 0 5 20 60 150; do
	i=$((i + 1))
	out=k$i.db
	capture "$out"
	wait_for 30 has_ticks "$out" 5 || fail "capture $i did not reach 5 ticks"
	seen=$(q "$out" 'SELECT count(*) FROM ticks')
	kill -TERM "$cap"
	ms_sleep "$extra_ms"
	kill -KILL "$cap" 2>/dev/null
	wait "$cap" 2>/dev/null
	check_killed "$out" "kill $i during the clean stop (+${extra_ms} ms)" "$seen"
	echo "kill $i ${extra_ms} ms into the clean stop: $after ticks kept (a reader saw $seen)"
done

# Killed while starting: no bundle, or a bundle that opens or is refused
# with a message, never a crash of the reader.
for extra_ms in 0 2 10; do
	i=$((i + 1))
	out=k$i.db
	capture "$out"
	ms_sleep "$extra_ms"
	kill -KILL "$cap"
	wait "$cap" 2>/dev/null
	[ -e "$out" ] || continue
	"$ANA" summary "$out" > "$out.summary" 2> "$out.err"; rc=$?
	[ "$rc" = 0 ] || [ "$rc" = 3 ] || fail "summary of a bundle killed at start exited $rc: $(cat "$out.err")"
	[ "$rc" = 0 ] || grep -q "$out" "$out.err" || fail "no message naming $out: $(cat "$out.err")"
	echo "kill $i ${extra_ms} ms after start: summary exit $rc"
done
exit 0
