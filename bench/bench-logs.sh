#!/bin/sh
# Logs: lines per second classified and fingerprinted on one core (beside
# grep -c on the same lines), and a service logging 50,000 lines/s followed
# by a real capture: does it keep up (backlog), at what CPU.
set -eu
BIN=${BIN:-bin}; BUILD=${BUILD:-build}
tmp=$(mktemp -d /tmp/casefile-bench.XXXXXX)
spam=""
trap '[ -n "$spam" ] && kill $spam 2>/dev/null; rm -rf "$tmp"' EXIT
LINES=${LOGS_BENCH_LINES:-1000000}

echo "## Logs: classification and fingerprint speed, following a busy log"
echo
echo "| format | lines/s on one core (classify + join + fingerprint) | MB/s | grep -c ERROR, same lines |"
echo "|---|---|---|---|"
taskset -c 0 "$BUILD/bench/logs_bench" "$LINES" "$tmp/lines" > "$tmp/parse.txt" 2>/dev/null ||
	"$BUILD/bench/logs_bench" "$LINES" "$tmp/lines" > "$tmp/parse.txt"
while read -r fmt lps mbs recs _; do
	f="$tmp/lines.$fmt"
	n=$(wc -l < "$f")
	g=$(bash -c "TIMEFORMAT='%R'; time grep -c ERROR '$f' >/dev/null" 2>&1 | tail -n 1)
	glps=$(awk -v n="$n" -v t="$g" 'BEGIN { if (t > 0) printf "%.0f", n / t; else print "n/a" }')
	echo "| $fmt ($recs records) | $lps | $mbs | $glps lines/s |"
done < "$tmp/parse.txt"
echo

# A service logging 50k lines/s (JSON, 25% errors would be typical of an
# incident; logspam writes errors only), followed for 10 s.
"$BUILD/samples/logspam" --rate 50000 --duration 20 --output "$tmp/svc.log" &
spam=$!
sleep 0.5
cpu=$(bash -c "TIMEFORMAT='%U %S'; time '$BIN/casefile-capture' -q --no-nice --pid $spam --duration 10s \
	--log '$tmp/svc.log' -o '$tmp/follow.db'" 2>&1 | tail -n 1)
kill $spam 2>/dev/null || true
spam=""
db="$tmp/follow.db"
last=$(sqlite3 "$db" "SELECT MAX(id) FROM ticks")
rate=$(sqlite3 "$db" "SELECT CAST(SUM(c.records) * 1e6 / (MAX(t.mono_us) - MIN(p.mono_us)) AS INT)
	FROM log_counts c JOIN ticks t ON t.id = c.tick JOIN ticks p ON p.id = c.tick - 1
	WHERE c.tick BETWEEN 2 AND $last - 1")
backlog=$(sqlite3 "$db" "SELECT COALESCE(MAX(backlog_bytes), 0) FROM log_file_samples WHERE tick BETWEEN 2 AND $last")
lastlog=$(sqlite3 "$db" "SELECT COALESCE(backlog_bytes, 0) FROM log_file_samples WHERE tick = $last ORDER BY rowid DESC LIMIT 1")
share=$(echo "$cpu" | awk '{ printf "%.1f", ($1 + $2) / 10 * 100 }')
size=$(stat -c %s "$db")
fps=$(sqlite3 "$db" "SELECT COUNT(*) FROM fingerprints")
echo "| following a service logging 50,000 lines/s (JSON), 10 s capture | value |"
echo "|---|---|"
echo "| lines/s counted (ticks 2..last-1) | $rate |"
echo "| largest backlog at the end of a tick | $backlog bytes (last tick: $lastlog) |"
echo "| capture's CPU (all default sources + logs) | ${share}% of one core (user+sys $cpu s over 10 s) |"
echo "| fingerprints / bundle size | $fps / $size bytes |"
