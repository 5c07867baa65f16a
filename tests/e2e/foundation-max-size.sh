# --max-size holds within a tick: a target whose every tick writes thousands
# of rows (2,000 threads) and a log flood is captured under a small cap. The
# tick that does not fit is dropped whole; the capture says so once, exits 0,
# and leaves one valid file no larger than the cap, whose every tick is
# complete. Sampled during the capture, the bundle and its WAL (or journal)
# never pass the cap either.
# e2e: serial (the bundle must reach its size cap within the capture's
# duration, at the rate the writer gets CPU)
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_cmd sqlite3

cap_bytes=$((1536 * 1024))
bg "$S/grow" --thread-rate 2000 --fd-rate 0 --rss-rate 0 --duration 120 --ready ready
grow=$LAST_PID
wait_for 10 test -s ready || fail "grow did not start"
wait_for 30 sh -c "[ \$(ls /proc/$grow/task | wc -l) -ge 2001 ]" || fail "grow did not reach 2000 threads"
bg "$S/logspam" --rate 3000 --info-rate 3000 --duration 120 --output app.log
spam=$LAST_PID
wait_for 10 test -s app.log || fail "logspam did not write"

# On-disk size sampled every 20 ms while the capture runs (stat only: a
# sqlite3 reader would hold back checkpoints and change what it measures).
disk_size() {
	_s=0
	for _f in b.db b.db-wal b.db-journal; do
		_z=$(stat -c %s "$_f" 2>/dev/null) && _s=$((_s + _z))
	done
	echo "$_s"
}
( while [ ! -f done ]; do disk_size; sleep 0.02; done > sizes.txt ) &
poller=$!
_pids="$_pids $poller"

"$CAP" --pid "$grow" --pid "$spam" --log app.log --max-threads 5000 --interval 300ms \
	--cpu-budget 100 --duration 90s --max-size 1536K -o b.db 2> err.txt
rc=$?
touch done
wait "$poller"
cat err.txt
assert_eq "exit code at the size cap" 0 "$rc"
assert_eq "size cap warned once" 1 "$(grep -c "bundle reached --max-size 1.5 MiB" err.txt)"
test -e b.db-wal && fail "a -wal file was left beside the bundle"
test -e b.db-journal && fail "a -journal file was left beside the bundle"

size=$(stat -c %s b.db)
echo "final bundle: $size bytes (cap $cap_bytes)"
assert_le "final bundle size" "$cap_bytes" "$size"
peak=$(sort -n sizes.txt | tail -n 1)
echo "on disk during the capture: peak $peak bytes over $(wc -l < sizes.txt) samples"
assert_ge "size samples" 20 "$(wc -l < sizes.txt)"
assert_le "bundle + WAL on disk during the capture" "$cap_bytes" "$peak"

assert_eq "integrity" ok "$(q b.db 'PRAGMA integrity_check')"
assert_eq "stop reason" "size cap reached" "$(q b.db "SELECT value FROM manifest WHERE key = 'stop_reason'")"
assert_eq "one size_cap event" 1 "$(q b.db "SELECT count(*) FROM events WHERE kind = 'size_cap'")"
q b.db "SELECT message FROM events WHERE kind = 'size_cap'" | grep -q "dropped whole" ||
	fail "size_cap event does not say the tick was dropped"

# Every tick is complete: the dropped tick left no rows, and each kept tick
# holds both processes and all 2,000 threads.
ticks=$(q b.db 'SELECT count(*) FROM ticks')
last=$(q b.db 'SELECT max(id) FROM ticks')
echo "ticks kept: $ticks"
assert_ge "ticks kept" 2 "$ticks"
assert_eq "ticks in the manifest" "$ticks" "$(q b.db "SELECT value FROM manifest WHERE key = 'ticks'")"
for t in process_samples thread_samples log_counts; do
	assert_eq "$t rows after the last tick" 0 "$(q b.db "SELECT count(*) FROM $t WHERE tick > $last")"
done
assert_eq "process rows per tick" "$((ticks * 2))" "$(q b.db 'SELECT count(*) FROM process_samples')"
assert_eq "one thread count for every tick" 1 \
	"$(q b.db 'SELECT count(DISTINCT n) FROM (SELECT tick, count(*) AS n FROM thread_samples GROUP BY tick)')"
assert_ge "threads in the last tick" 2000 "$(q b.db "SELECT count(*) FROM thread_samples WHERE tick = $last")"
assert_ge "log counts kept" 1 "$(q b.db 'SELECT count(*) FROM log_counts')"

# Indexes: built if they fit, else said so (manifest and an event); the
# analyzer reads the bundle either way.
idx=$(q b.db "SELECT value FROM manifest WHERE key = 'indexes'")
echo "indexes: $idx"
case "$idx" in
built) assert_ge "indexes in the bundle" 1 "$(q b.db "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%'")" ;;
skipped*)
	assert_eq "indexes in the bundle" 0 "$(q b.db "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%'")"
	assert_eq "indexes_skipped event" 1 "$(q b.db "SELECT count(*) FROM events WHERE kind = 'indexes_skipped'")" ;;
*) fail "manifest 'indexes' is '$idx'" ;;
esac
"$ANA" b.db > a.txt; arc=$?
[ "$arc" -le 1 ] || fail "analysis of the capped bundle exited $arc"
grep -q "tick [0-9]* did not fit and was dropped whole" a.txt || fail "the analysis does not note the size cap"
case "$idx" in skipped*) grep -q "indexes not built" a.txt || fail "the analysis does not note the missing indexes" ;; esac
"$ANA" summary b.db > s.txt || fail "summary of the capped bundle exited $?"
grep -q "size cap reached" s.txt || fail "summary does not give the stop reason"

# Too small a cap is refused up front, naming the least that works, and
# leaves no file behind.
"$CAP" --pid "$grow" --duration 2s --max-size 64K -o small.db 2> small.txt; rc=$?
cat small.txt
assert_eq "exit code for too small a --max-size" 2 "$rc"
grep -q "max-size 64.0 KiB is too small.*use at least" small.txt || fail "no clear message for too small a cap"
test -e small.db && fail "a bundle was left behind for a refused --max-size"

# At the least cap it accepts, the capture still ends with a valid bundle
# within the cap and says why it stopped (2,000 threads may not even fit one
# tick: then no tick is kept and the event says a larger cap is needed).
least=$(sed -n 's/.*use at least \([0-9.]*\) KiB.*/\1/p' small.txt | cut -d. -f1)
assert_ge "least --max-size (KiB)" 64 "$least"
"$CAP" --pid "$grow" --max-threads 5000 --interval 300ms --duration 30s --max-size "${least}K" \
	-o least.db 2> least.txt; rc=$?
cat least.txt
assert_eq "exit code at the least cap" 0 "$rc"
assert_le "bundle at the least cap" "$((least * 1024))" "$(stat -c %s least.db)"
assert_eq "integrity at the least cap" ok "$(q least.db 'PRAGMA integrity_check')"
assert_eq "size_cap event at the least cap" 1 "$(q least.db "SELECT count(*) FROM events WHERE kind = 'size_cap'")"
kept=$(q least.db 'SELECT count(*) FROM ticks')
echo "least cap ${least}K: $kept ticks kept"
if [ "$kept" -eq 0 ]; then
	q least.db "SELECT message FROM events WHERE kind = 'size_cap'" | grep -q "first tick did not fit" ||
		fail "no tick kept, and the event does not say the first tick did not fit"
	grep -q "before the first tick could be kept" least.txt || fail "no clear warning when no tick fits"
else
	assert_eq "thread rows of every kept tick" 1 \
		"$(q least.db 'SELECT count(DISTINCT n) FROM (SELECT tick, count(*) AS n FROM thread_samples GROUP BY tick)')"
fi
"$ANA" least.db > least-a.txt; arc=$?
[ "$arc" -le 1 ] || fail "analysis of the least-cap bundle exited $arc"
exit 0
