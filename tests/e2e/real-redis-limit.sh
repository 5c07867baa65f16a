# The zoo (issue 14): a client that meets redis's maxclients
# (samples/real/redis-limit.sh: maxclients 10-16, a redis-py consumer wanting
# 2-4 more connections) and its healthy control (redis-limit-healthy.sh),
# captured at once.
#   incident: pool-cap on the redis port whose cap is what ss held and
#     maxclients, naming the server's limit; the refusals per second in the
#     bundle within 10% of the ERROR lines the client wrote, and no more of
#     those than redis's own rejected_connections; no error-log-amplification;
#   control: {"findings": []}.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
. "$CASEFILE_TOP/tests/e2e/real-lib.inc"
. "$CASEFILE_TOP/tests/e2e/real-pool.inc"
need_cmd sqlite3
need_cmd redis-cli redis-tools

real_start redis-limit
secs=${CAPTURE_S:-25}
i_port=$PORT_REDIS; i_max=$REDIS_MAXCLIENTS; i_log=$LOG; i_pid=$TARGET_PID
bg real_capture "$secs" incident.db
i_cap_pid=$LAST_PID
real_start redis-limit-healthy
real_capture "$secs" healthy.db
wait "$i_cap_pid" || fail "capture of the incident failed"
[ -s incident.db ] || fail "no incident bundle"
# redis's own count of refusals, once the client is gone and redis-cli fits.
kill -TERM "$i_pid"
wait_for 10 sh -c "! kill -0 $i_pid" || fail "the redis client did not exit"
rejected=$(redis-cli -p "$i_port" info stats | awk -F: '/^rejected_connections/ { print $2 + 0 }')

real_analyze incident.db incident.json
grep -v '^  sql:' incident.json.txt | head -n 30
real_has pool-cap incident.json "port $i_port\\b"
# ESTABLISHED only: redis accepts a connection past maxclients, answers with
# the error and closes it; ss catches some of those on their way out (one run
# counted 12 sockets most seconds at a cap of 10), which casefile counts as
# brief attempts, apart from the cap.
held=$(real_truth incident.db.truth "estab:$i_port" mode)
cap=$(real_value pool-cap cap incident.json "$i_port") || fail "pool-cap on port $i_port has no cap value"
assert_eq "connections ss counted most seconds" "$i_max" "$held"
assert_eq "pool-cap's cap vs ss" "$held" "$cap"
real_has pool-cap incident.json "(server|max number of clients)"
t=$(zoo_log_truth "$i_log" incident.db ERROR)
b=$(zoo_log_bundle incident.db error)
assert_ge "refusals the client logged per second x10" 20 "$(awk -v t="$t" 'BEGIN { printf "%d", t * 10 }')"
assert_within "refusals per second (bundle vs the client's log)" "$t" "$b" 10
# redis-py reconnects once inside get_connection before it gives up ("Connection
# not ready"), so redis rejects more attempts than the client logs refusals;
# never fewer.
logged=$(grep -c 'cannot connect to redis' "$i_log")
assert_ge "redis's rejected_connections vs the refusals the client logged" "$logged" "$rejected"
echo "ok: redis rejected $rejected connections; the client logged $logged refusals"
echo "ok: redis-limit: pool-cap $cap on port $i_port (maxclients $i_max), $b refusals/s"
real_lacks error-log-amplification incident.json

real_analyze healthy.db healthy.json
grep -v '^  sql:' healthy.json.txt | head -n 30
real_no_findings healthy.json
echo "ok: redis-limit-healthy: no findings"
exit 0
