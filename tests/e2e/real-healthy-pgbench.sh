# The zoo (issue 14): PostgreSQL under pgbench at a random rate, the
# postmaster captured with --children (a backend per client), is healthy: no
# findings; connections, fds and threads as ss and /proc saw them; the
# transactions per second pgbench itself reported, against the rate asked.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
. "$CASEFILE_TOP/tests/e2e/real-lib.inc"
need_cmd sqlite3

real_start pgbench
secs=$(shuf -i 18-26 -n 1)
real_capture "$secs" pg.db
real_analyze pg.db pg.json
head -30 pg.json.txt
# pgbench -P 5 prints "progress: 10.0 s, 312.4 tps, ..." every 5 s.
tps=$(sed -n 's/^progress: .* s, \([0-9.]*\) tps.*/\1/p' "run-pgbench/pgbench.out" | tail -n 1)
echo "pgbench: $tps tps (asked -R $RATE)"
[ -n "$tps" ] && assert_within "pgbench's own tps vs -R" "$RATE" "$tps" 10
assert_ge "postgres processes in the bundle (postmaster, backends)" $((CLIENTS + 1)) "$(q pg.db 'SELECT COUNT(DISTINCT pid) FROM process_memory')"
real_compare_in pg.db "$PORT_PG"
assert_within "connections vs pgbench -c" "$CLIENTS" \
	"$(real_bundle pg.db median "SELECT connections FROM socket_by_local_port WHERE local_port = $PORT_PG ORDER BY tick")" 10
real_compare_proc pg.db
real_no_findings pg.json
real_hotspot_silent pg.db
exit 0
