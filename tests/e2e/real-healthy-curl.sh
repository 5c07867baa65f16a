# The zoo (issue 14): a bulk curl transfer at a random --limit-rate is
# healthy: no findings; the bundle's read rate on curl's socket (received less queued) is the rate
# curl wrote its output at (wchar in /proc/PID/io), and fds and threads are as /proc saw them.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
. "$CASEFILE_TOP/tests/e2e/real-lib.inc"
need_cmd sqlite3

real_start curl-bulk
secs=$(shuf -i 18-26 -n 1)
real_capture "$secs" curl.db
real_analyze curl.db curl.json
head -30 curl.json.txt
# What curl read: bytes received less those still in its receive queue (the
# buffer grows by megabytes in the first seconds while --limit-rate holds the
# reads back: bytes_received alone ran 10% ahead of wchar once).
rate=$(q curl.db "WITH s AS (SELECT wall_us, bytes_received - COALESCE(recv_q, 0) AS rd FROM socket_ticks WHERE remote_port = $PORT_HTTP)
  SELECT CAST(((SELECT rd FROM s ORDER BY wall_us DESC LIMIT 1) - (SELECT rd FROM s ORDER BY wall_us LIMIT 1)) * 1e6
              / (MAX(wall_us) - MIN(wall_us)) AS INTEGER) FROM s")
t=$(awk '$2 == "wchar" { if (!n++) { s0 = $1; r0 = $3 } s1 = $1; r1 = $3 } END { if (s1 > s0) printf "%d", (r1 - r0) / (s1 - s0) }' curl.db.truth)
echo "curl: --limit-rate $RATE_BYTES bytes/s; /proc/PID/io wchar (what curl wrote out) rose $t bytes/s; the bundle says $rate"
assert_within "bytes per second curl received (bundle) vs wchar in /proc/PID/io" "$t" "$rate" 10
assert_eq "connections curl held (ss, most seconds)" 1 "$(real_truth curl.db.truth "out:$PORT_HTTP" mode)"
real_compare_proc curl.db
real_no_findings curl.json
exit 0
