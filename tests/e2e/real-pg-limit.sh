# The zoo (issue 14): a client that meets a server-side connection limit
# (samples/real/pg-limit.sh: PostgreSQL max_connections 5-9, a psycopg2
# service wanting 3-5 more connections) and its healthy control
# (pg-limit-healthy.sh: fewer workers than the limit), captured at once.
#   incident: pool-cap on the PostgreSQL port whose cap is what ss held (the
#     mode of its per-second counts) and max_connections, naming the server's
#     limit (the refusals say "too many clients"); the refusals per second in
#     the bundle within 10% of the ERROR lines the client wrote, and those
#     within 10% of the refusals the server itself logged; no
#     error-log-amplification (the connection attempts cause the errors);
#   control: {"findings": []}.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
. "$CASEFILE_TOP/tests/e2e/real-lib.inc"
. "$CASEFILE_TOP/tests/e2e/real-pool.inc"
need_cmd sqlite3

real_start pg-limit
secs=${CAPTURE_S:-25}
i_port=$PORT_PG; i_max=$PG_MAX_CONNECTIONS; i_log=$LOG; i_srv=$PG_SERVER_LOG
bg real_capture "$secs" incident.db
i_cap_pid=$LAST_PID
real_start pg-limit-healthy
real_capture "$secs" healthy.db
wait "$i_cap_pid" || fail "capture of the incident failed"
[ -s incident.db ] || fail "no incident bundle"

real_analyze incident.db incident.json
grep -v '^  sql:' incident.json.txt | head -n 30
real_has pool-cap incident.json "port $i_port\\b"
# ESTABLISHED only, as in real-redis-limit: the server accepts a connection
# past max_connections, answers "too many clients" and closes it; ss may
# catch those on their way out.
held=$(real_truth incident.db.truth "estab:$i_port" mode)
cap=$(real_value pool-cap cap incident.json "$i_port") || fail "pool-cap on port $i_port has no cap value"
assert_eq "connections ss counted most seconds" "$i_max" "$held"
assert_eq "pool-cap's cap vs ss" "$held" "$cap"
real_has pool-cap incident.json "(server|too many clients)"
t=$(zoo_log_truth "$i_log" incident.db ERROR)
b=$(zoo_log_bundle incident.db error)
assert_ge "refusals the client logged per second x10" 20 "$(awk -v t="$t" 'BEGIN { printf "%d", t * 10 }')"
assert_within "refusals per second (bundle vs the client's log)" "$t" "$b" 10
# The server's own count over the whole run, against the client's.
s=$(grep -c 'too many clients' "$i_srv")
c=$(grep -c 'too many clients' "$i_log")
assert_within "refusals the client logged vs those the server logged" "$s" "$c" 10
echo "ok: pg-limit: pool-cap $cap on port $i_port (max_connections $i_max), $b refusals/s"
real_lacks error-log-amplification incident.json

real_analyze healthy.db healthy.json
grep -v '^  sql:' healthy.json.txt | head -n 30
real_no_findings healthy.json
echo "ok: pg-limit-healthy: no findings"
exit 0
