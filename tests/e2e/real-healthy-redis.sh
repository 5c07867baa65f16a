# The zoo (issue 14): a busy, healthy redis-server under redis-benchmark must
# give no findings at all, and what the bundle says about its connections, fds
# and threads must match what ss and /proc said during the same seconds.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
. "$CASEFILE_TOP/tests/e2e/real-lib.inc"
need_cmd sqlite3

real_start redis-bench
secs=$(shuf -i 18-26 -n 1)
before=$(redis-cli -p "$PORT_REDIS" info stats | awk -F: '/^total_commands_processed/{print $2+0}')
real_capture "$secs" redis.db
after=$(redis-cli -p "$PORT_REDIS" info stats | awk -F: '/^total_commands_processed/{print $2+0}')
echo "redis served $(( (after - before) / secs )) commands/s to $CLIENTS clients over ${secs}s"
assert_ge "commands redis served" $((secs * 1000)) $((after - before))
real_analyze redis.db redis.json
cat redis.json.txt | head -30
# Connections the server accepted on its port: ss vs the bundle, and vs -c.
real_compare_in redis.db "$PORT_REDIS"
assert_within "connections vs redis-benchmark -c" "$CLIENTS" \
	"$(real_bundle redis.db median "SELECT connections FROM socket_by_local_port WHERE local_port = $PORT_REDIS ORDER BY tick")" 10
real_compare_proc redis.db
real_no_findings redis.json
real_hotspot_silent redis.db
exit 0
