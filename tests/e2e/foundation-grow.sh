# The grow sample adds fds and resident memory at known rates: the bundle
# must show the same growth.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_cmd sqlite3

bg "$S/grow" --fd-rate 50 --rss-rate 8 --thread-rate 2 --duration 30 --ready ready
target=$LAST_PID
wait_for 10 test -s ready || fail "grow did not start"
"$CAP" --pid "$target" --duration 4s --interval 500ms -o g.db || fail "capture exited $?"

# Rates from the first and last sample (per second of monotonic time).
fd_rate=$(q g.db "SELECT CAST(round((max(fds) - min(fds)) * 1e6 / (max(t.mono_us) - min(t.mono_us))) AS INT)
	FROM process_samples s JOIN ticks t ON t.id = s.tick")
rss_rate=$(q g.db "SELECT CAST(round((max(rss_bytes) - min(rss_bytes)) / 1048576.0 * 1e6 / (max(t.mono_us) - min(t.mono_us))) AS INT)
	FROM process_samples s JOIN ticks t ON t.id = s.tick")
thr=$(q g.db "SELECT max(num_threads) - min(num_threads) FROM process_samples")
echo "fd rate $fd_rate/s, rss rate $rss_rate MiB/s, threads +$thr"
assert_ge "fd growth rate" 35 "$fd_rate"
assert_le "fd growth rate" 65 "$fd_rate"
assert_ge "rss growth rate" 5 "$rss_rate"
assert_le "rss growth rate" 11 "$rss_rate"
assert_ge "thread growth" 4 "$thr"
# New threads appear as thread entities too.
assert_ge "threads recorded" 5 "$(q g.db 'SELECT count(*) FROM threads')"
# fd limit recorded for time-to-limit questions.
[ -n "$(q g.db 'SELECT fd_limit FROM process_samples LIMIT 1')" ] || fail "no fd_limit"
exit 0
