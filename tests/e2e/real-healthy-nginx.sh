# The zoo (issue 14): nginx, master and workers captured with --children,
# serving wrk flat out, is healthy: no findings; connections, fds and threads
# as ss and /proc saw them.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
. "$CASEFILE_TOP/tests/e2e/real-lib.inc"
need_cmd sqlite3

real_start nginx-wrk
secs=$(shuf -i 18-26 -n 1)
real_capture "$secs" nginx.db
real_analyze nginx.db nginx.json
head -30 nginx.json.txt
assert_ge "nginx processes in the bundle (master + 2 workers)" 3 "$(q nginx.db 'SELECT COUNT(DISTINCT pid) FROM process_memory')"
real_compare_in nginx.db "$PORT_HTTP"
assert_within "connections vs wrk -c" "$CLIENTS" \
	"$(real_bundle nginx.db median "SELECT connections FROM socket_by_local_port WHERE local_port = $PORT_HTTP ORDER BY tick")" 10
real_compare_proc nginx.db
real_no_findings nginx.json
real_hotspot_silent nginx.db
exit 0
