# Over its CPU budget the capture backs off (longer interval) and says so.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_cmd sqlite3
bg "$S/grow" --thread-rate 1000 --fd-rate 0 --rss-rate 0 --duration 60 --ready ready
target=$LAST_PID
wait_for 10 test -s ready || fail "grow did not start"
wait_for 10 sh -c "[ \$(ls /proc/$target/task | wc -l) -ge 200 ]" || fail "threads did not start"
# 200+ threads sampled every 10 ms costs far more than 1% of a core.
"$CAP" --pid "$target" --interval 10ms --cpu-budget 1 --duration 12s -o b.db -q || fail "capture exited $?"
n=$(q b.db "SELECT count(*) FROM events WHERE kind = 'backoff'")
assert_ge "backoff events" 1 "$n"
q b.db "SELECT message FROM events WHERE kind = 'backoff' LIMIT 1" | grep -q "interval now" || fail "backoff message"
exit 0
