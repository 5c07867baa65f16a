# The zoo (issue 14): the seed incident with the seed's own npm packages
# (winston + winston-elasticsearch 0.15.9 + @elastic/elasticsearch 7.17)
# against a local fake Elasticsearch, slow and failing, and a healthy control.
# Every number asserted is compared with what ss, /proc and the fake
# Elasticsearch's own byte counters said during the same seconds.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
. "$CASEFILE_TOP/tests/e2e/real-lib.inc"
need_cmd sqlite3
need_cmd node nodejs

# es_stat KEY: one counter of the fake Elasticsearch (its stats file, rewritten each second).
es_stat() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$ES_STATS" "$1"; }
errors_logged() { grep -c '"level":"error"' "$LOG"; }

# 1. Slow answers (20 s, under the client's 30 s timeout): one bulk request per
#    record, so the agent's pool fills to its cap of 256 and holds.
real_start seed-slow
real_capture 40 slow.db
real_analyze slow.db slow.json
head -40 slow.json.txt
cap_truth=$(real_truth slow.db.truth "out:$PORT_ES" mode 20)
echo "ss: connections to :$PORT_ES held at $cap_truth (max $(real_truth slow.db.truth "out:$PORT_ES" max))"
real_has pool-cap slow.json "port $PORT_ES\\b" "exactly $cap_truth\\b"
assert_eq "pool-cap value vs ss" "$cap_truth" "$(real_value pool-cap cap slow.json "$PORT_ES")"
assert_eq "the seed's cap (the client's maxSockets)" 256 "$cap_truth"
real_has memory-growth slow.json
sh "$REAL/seed-slow.sh" stop run-seed-slow >/dev/null

# 2. Error answers (503 after 1 s), the library's defaults: the failed buffer is
#    retried whole, so the bytes follow the accumulated error lines.
real_start seed-error
r0=$(es_stat bytes_read); w0=$(es_stat bytes_written); e0=$(errors_logged)
real_capture 40 error.db
r1=$(es_stat bytes_read); w1=$(es_stat bytes_written); e1=$(errors_logged)
real_analyze error.db error.json
head -40 error.json.txt
es_bytes=$(( r1 - r0 + w1 - w0 )); lines=$(( e1 - e0 ))
echo "fake Elasticsearch: $es_bytes bytes in both directions during the capture, for $lines error lines ($(( es_bytes / (lines > 0 ? lines : 1) )) bytes per line)"
real_has error-log-amplification error.json "port $PORT_ES\\b"
real_has memory-growth error.json
sum_b=$(real_value error-log-amplification sum_b error.json "$PORT_ES") || fail "error-log-amplification has no sum_b"
assert_within "bytes to the log port: casefile vs the fake Elasticsearch's counters" "$es_bytes" "$sum_b" 10
sh "$REAL/seed-error.sh" stop run-seed-error >/dev/null

# 3. The control: Elasticsearch healthy, a service that mostly works.
real_start seed-healthy
real_capture 20 healthy.db
real_analyze healthy.db healthy.json
cat healthy.json.txt | head -20
real_no_findings healthy.json
exit 0
