# The zoo (issue 14): a per-record log shipper (samples/real/log-syslog.sh:
# Python SysLogHandler over TCP) and the cause reversed
# (samples/real/log-failing.sh: failed requests logged, no shipping), captured
# at once.
#   incident: error-log-amplification on the sink's port, measured with traffic
#     following the errors (lag >= 0), its bytes per error line within 10% of
#     the sink's own count (bytes received / records received), and the error
#     rate in the bundle within 10% of the ERROR lines the service wrote;
#   control: {"findings": []} (no error-log-amplification although errors and
#     traffic to the failing upstream move together: the traffic comes first).
. "$CASEFILE_TOP/tests/e2e/lib.sh"
. "$CASEFILE_TOP/tests/e2e/real-lib.inc"
. "$CASEFILE_TOP/tests/e2e/real-pool.inc"
need_cmd sqlite3

real_start log-syslog
secs=${CAPTURE_S:-25}
i_port=$PORT_SINK; i_log=$LOG; i_counts=$SINK_COUNTS
bg real_capture "$secs" incident.db
i_cap_pid=$LAST_PID
real_start log-failing
real_capture "$secs" control.db
wait "$i_cap_pid" || fail "capture of the incident failed"
[ -s incident.db ] || fail "no incident bundle"

real_analyze incident.db incident.json
grep -v '^  sql:' incident.json.txt | head -n 30
real_has error-log-amplification incident.json "port $i_port\\b"
real_lacks pool-cap incident.json
lag=$(real_value error-log-amplification lag_s incident.json "$i_port") || fail "no lag value"
python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) >= 0 else 1)" "$lag" \
	|| fail "error-log-amplification measured lag $lag s: the traffic did not follow the errors"
per_line=$(real_value error-log-amplification ratio incident.json "$i_port") || fail "no bytes per line value"
truth=$(awk '$1 == "bytes_in" { b = $2 } $1 == "records" { r = $2 } END { if (r) printf "%.1f\n", b / r }' "$i_counts")
[ -n "$truth" ] || fail "the sink counted no records"
assert_within "bytes per error line (bundle vs the sink's counter)" "$truth" "$per_line" 10
t=$(zoo_log_truth "$i_log" incident.db ERROR)
b=$(zoo_log_bundle incident.db error)
assert_within "error lines per second (bundle vs the service's log)" "$t" "$b" 10
echo "ok: log-syslog: error-log-amplification on port $i_port, $per_line B per line (sink: $truth), lag $lag s"

real_analyze control.db control.json
grep -v '^  sql:' control.json.txt | head -n 30
t=$(zoo_log_truth "$LOG" control.db ERROR)
assert_ge "errors the control logged per second x10" 20 "$(awk -v t="$t" 'BEGIN { printf "%d", t * 10 }')"
real_lacks error-log-amplification control.json
real_no_findings control.json
echo "ok: log-failing: no findings ($t errors/s caused by failing requests)"
exit 0
