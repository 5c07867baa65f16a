# The zoo (issue 14): the seed incident with the seed's own npm packages
# (winston + winston-elasticsearch 0.15.9 + @elastic/elasticsearch 7.17)
# against a local fake Elasticsearch, slow and failing, and a healthy control.
# Every number asserted is compared with what ss, /proc and the fake
# Elasticsearch's own byte counters said during the same seconds.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
. "$CASEFILE_TOP/tests/e2e/real-lib.inc"
need_cmd sqlite3
need_cmd node nodejs


# 1. Slow answers (20 s, under the client's 30 s timeout): one bulk request per
#    record, so the agent's pool fills to its cap of 256 and holds; then the
#    service is held to 12 ms of CPU a second and stops reading its answers.
real_start seed-slow
real_capture 40 slow.db
real_analyze slow.db slow.json
head -40 slow.json.txt
# The cap is the most ss saw, held for at least 5 s: the pool is full when the
# capture starts; the client's 30 s timeouts may close connections that waited
# too long before the capture ends (the finding then says it fell).
cap_truth=$(real_truth slow.db.truth "out:$PORT_ES" max)
held_s=$(awk -v k="out:$PORT_ES" -v c="$cap_truth" '$2 == k && $3 == c { n++ } END { print n + 0 }' slow.db.truth)
echo "ss: connections to :$PORT_ES at most $cap_truth, held for $held_s s (mode $(real_truth slow.db.truth "out:$PORT_ES" mode), last $(real_truth slow.db.truth "out:$PORT_ES" last))"
[ "$held_s" -ge 5 ] || fail "ss saw $cap_truth connections to :$PORT_ES for only $held_s s: the pool did not hold its cap"
real_has pool-cap slow.json "port $PORT_ES\\b" "exactly $cap_truth\\b"
assert_eq "pool-cap value vs ss" "$cap_truth" "$(real_value pool-cap cap slow.json "$PORT_ES")"
assert_eq "the seed's cap (the client's maxSockets)" 256 "$cap_truth"
# The service is throttled by its quota: the answers sit unread, all the same size.
# How long the starved loop leaves them unread varies from run to run (it
# reaches its sockets every few seconds); when the first 40 s do not hold them
# long enough, the incident goes on and the next 40 s are captured, as one
# would capture again. Two windows that both miss fail the test.
stuck=slow
if ! python3 -c 'import json,sys; sys.exit(not any(f["rule"] == "stuck-receive-queues" for f in json.load(open(sys.argv[1]))["findings"]))' slow.json; then
	echo "stuck-receive-queues not in the first 40 s: capturing the next 40 s"
	real_capture 40 slow2.db
	real_analyze slow2.db slow2.json
	head -40 slow2.json.txt
	stuck=slow2
fi
real_has stuck-receive-queues $stuck.json "port $PORT_ES\\b" "[0-9]+ sockets held exactly [0-9]+ bytes"
real_has cpu-throttling $stuck.json
sh "$REAL/seed-slow.sh" stop run-seed-slow >/dev/null

# 2. Error answers (503 after 1 s), the library's defaults: the failed buffer is
#    retried whole, so the bytes follow the accumulated error lines. The capture
#    starts once the incident is under way (40 bulks refused).
real_start seed-error
real_capture 40 error.db
real_analyze error.db error.json
head -40 error.json.txt
real_has error-log-amplification error.json "port $PORT_ES\\b" "errors first"
real_has memory-growth error.json
# The finding's bytes and error lines against the fake Elasticsearch's own
# byte counters (per second, interpolated at the ticks the finding spans) and
# the error lines the log file holds for the same seconds.
# The fake Elasticsearch logs its counters every second: wait until a line
# is past the capture's last tick, so the interpolation spans the finding.
last_tick_ms=$(sqlite3 "file:error.db?mode=ro" 'SELECT MAX(wall_us) / 1000 FROM ticks')
wait_for 15 sh -c "tail -n 1 '$ES_STATS.log' | sed -n 's/.*\"time_ms\":\([0-9]*\).*/\1/p' | awk -v t=$last_tick_ms '\$1 > t { ok = 1 } END { exit !ok }'" \
	|| fail "the fake Elasticsearch logged nothing past the capture (its log: $(tail -n 1 "$ES_STATS.log"))"
python3 - error.db error.json "$ES_STATS.log" "$LOG" "$PORT_ES" <<'PY2' || fail "error-log-amplification's numbers do not match the fake Elasticsearch and the log"
import bisect, json, sqlite3, sys, datetime
db, rep, eslog, applog, port = sys.argv[1:6]
f = [x for x in json.load(open(rep))["findings"] if x["rule"] == "error-log-amplification"][0]
v = f["values"]
con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
to_us = f["time_range"]["to_us"]
# The finding's first tick counts the bytes since the tick before it.
from_us = con.execute("SELECT MAX(wall_us) FROM ticks WHERE wall_us < ?", (f["time_range"]["from_us"],)).fetchone()[0]
es = [json.loads(l) for l in open(eslog) if l.strip()]
t = [e["time_ms"] * 1000 for e in es]
b = [e["bytes_read"] + e["bytes_written"] for e in es]
def at(us):
    i = bisect.bisect_left(t, us)
    if i == 0 or i >= len(t):
        sys.exit("fake Elasticsearch log (%d lines, %s .. %s us) does not span %s us"
                 % (len(t), t[0] if t else "-", t[-1] if t else "-", us))
    return b[i - 1] + (b[i] - b[i - 1]) * (us - t[i - 1]) / (t[i] - t[i - 1])
es_bytes = at(to_us) - at(from_us)
lines = 0
for l in open(applog):
    try:
        r = json.loads(l)
    except ValueError:
        continue
    if r.get("level") != "error":
        continue
    us = datetime.datetime.fromisoformat(r["timestamp"].replace("Z", "+00:00")).timestamp() * 1e6
    lines += from_us < us <= to_us
bad = []
print("bytes to :%s: casefile %d, fake Elasticsearch %d (%.1f%%)" % (port, v["sum_b"], es_bytes, 100.0 * (v["sum_b"] - es_bytes) / es_bytes))
print("error lines: casefile %d, app.log %d" % (v["sum_a"], lines))
if abs(v["sum_b"] - es_bytes) > 0.10 * es_bytes:
    bad.append("bytes off by more than 10%")
if abs(v["sum_a"] - lines) > 0.10 * lines:
    bad.append("error lines off by more than 10%")
per_cf, per_es = v["sum_b"] / max(v["sum_a"], 1), es_bytes / max(lines, 1)
print("bytes per error line: casefile %.0f, fake Elasticsearch / app.log %.0f" % (per_cf, per_es))
if abs(per_cf - per_es) > 0.10 * per_es:
    bad.append("bytes per error line off by more than 10%")
print("\n".join(bad))
sys.exit(1 if bad else 0)
PY2
sh "$REAL/seed-error.sh" stop run-seed-error >/dev/null

# 3. The control: Elasticsearch healthy, a service that mostly works.
real_start seed-healthy
real_capture 20 healthy.db
real_analyze healthy.db healthy.json
cat healthy.json.txt | head -20
real_no_findings healthy.json
exit 0
