#!/bin/sh
# Foundation costs: one tick of process+cgroup+netdev, the capture's own CPU
# share at 1 s, and the writer beside raw SQLite inserts.
set -eu
BIN=${BIN:-bin}; BUILD=${BUILD:-build}
tmp=$(mktemp -d /tmp/casefile-bench.XXXXXX)
trap 'kill $t 2>/dev/null; rm -rf "$tmp"' EXIT

"$BUILD/samples/grow" --fd-rate 0 --rss-rate 0 --duration 600 &
t=$!

echo "## Foundation: tick cost, own CPU, writer speed"
echo
# Tick cost: ticks.sample_us records how long each tick's sampling took.
"$BIN/casefile-capture" --pid $t --sources process,cgroup,netdev --interval 20ms --duration 10s \
	-o "$tmp/tick.db" -q --no-nice
med=$(sqlite3 "$tmp/tick.db" "SELECT sample_us FROM ticks WHERE id > 1 ORDER BY sample_us
	LIMIT 1 OFFSET (SELECT (count(*) - 1) / 2 FROM ticks WHERE id > 1)")
p90=$(sqlite3 "$tmp/tick.db" "SELECT sample_us FROM ticks WHERE id > 1 ORDER BY sample_us
	LIMIT 1 OFFSET (SELECT (count(*) - 1) * 9 / 10 FROM ticks WHERE id > 1)")
n=$(sqlite3 "$tmp/tick.db" "SELECT count(*) FROM ticks")
echo "| measure | value |"
echo "|---|---|"
echo "| one tick, process+cgroup+netdev, 1 target (median of $n, 20 ms interval) | ${med} µs (p90 ${p90} µs) |"

# Own CPU at the default 1 s interval over 30 s, all default sources.
cpu=$(bash -c "TIMEFORMAT='%U %S'; time '$BIN/casefile-capture' --pid $t --duration 30s -o '$tmp/cpu.db' -q" 2>&1 | tail -n 1)
share=$(echo "$cpu" | awk '{ printf "%.3f", ($1 + $2) / 30 * 100 }')
size=$(stat -c %s "$tmp/cpu.db")
echo "| capture's own CPU at 1 s interval, 30 s, default sources | ${share}% of one core (user+sys ${cpu} s) |"
echo "| bundle size, 30 s at 1 s, 1 target | $size bytes |"

"$BUILD/bench/writer_bench" 1000000 "$tmp" > "$tmp/w.txt"
raw=$(awk '$1 == "raw" { print $2 }' "$tmp/w.txt")
wr=$(awk '$1 == "writer" { print $2 }' "$tmp/w.txt")
wt=$(awk '$1 == "writer_ticks" { print $2 }' "$tmp/w.txt")
wc=$(awk '$1 == "writer_ticks_capped" { print $2 }' "$tmp/w.txt")
echo "| raw SQLite: prepared inserts, 10k rows/txn, WAL, NORMAL (1M rows) | $raw rows/s |"
echo "| bundle writer, same shape (10k rows/txn) | $wr rows/s ($(awk "BEGIN { printf \"%.2f\", $wr / $raw }")x raw) |"
echo "| bundle writer, 1k rows per tick transaction | $wt rows/s ($(awk "BEGIN { printf \"%.2f\", $wt / $raw }")x raw) |"
echo "| same, with the --max-size checks on (page_count every 128 rows and per commit) | $wc rows/s ($(awk "BEGIN { printf \"%.2f\", $wc / $wt }")x unchecked) |"
