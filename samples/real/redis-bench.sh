#!/bin/sh
# Healthy and busy: redis-server (as user redis) under redis-benchmark with a
# client count drawn at random (10-60) and a random mix of commands; the
# benchmark loops until stopped. Target: redis-server.
KIND=healthy
EXPECT=
CAPTURE_S=20
. "$(dirname "$0")/lib.sh"

scenario_start() {
	real_need_deb redis-server redis-server
	real_need_deb redis-benchmark redis-tools
	port=$(real_port)
	user=redis; id "$user" >/dev/null 2>&1 || user=nobody
	chmod 0755 "$RUN"
	real_bg redis $(real_as $user) redis-server --port "$port" --bind 127.0.0.1 --save '' \
		--appendonly no --dir /tmp --logfile ''
	rpid=$REAL_PID
	real_wait_port "$port"
	clients=${REDIS_CLIENTS:-$(shuf -i 10-60 -n 1)}
	tests=$(shuf -e set get incr lpush rpop sadd hset mset | head -n 3 | paste -sd, -)
	real_bg bench nice redis-benchmark -p "$port" -c "$clients" -n 100000 -t "$tests" -l -q
	# The truth the benchmark cannot lie about: the server's own counter.
	real_wait 30 sh -c "[ \$(redis-cli -p $port info stats | awk -F: '/^total_commands_processed/{print \$2+0}') -gt 1000 ]" \
		|| real_die "redis-benchmark did not get going"
	real_out TARGET_PID "$rpid"
	real_out PORT_REDIS "$port"
	real_out CLIENTS "$clients"
}
real_main "$@"
