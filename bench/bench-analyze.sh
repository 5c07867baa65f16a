#!/bin/sh
# Analysis time against bundle size: generates synthetic bundles (gen_bundle:
# 1,000 mostly idle sockets, 1 s ticks) of 15 min to 2 h and times
# casefile-analyze with all built-in rules on each, once with the text report
# and once writing all reports (JSON, Markdown, HTML with its charts' series).
# Prints a Markdown section for BENCHMARKS.md. Usage: sh bench/bench-analyze.sh
# (after make).
set -eu
BIN=${BIN:-bin}; BUILD=${BUILD:-build}
GEN="$BUILD/bench/gen_bundle"
[ -x "$GEN" ] || { echo "bench-analyze: build $GEN first (make $GEN)" >&2; exit 1; }
dir=$(mktemp -d /tmp/casefile-bench-analyze.XXXXXX)
trap 'rm -rf "$dir"' EXIT

now() { date +%s.%N; }
echo "## Analysis time against bundle size"
echo
echo "Synthetic bundles from \`bench/gen_bundle\` (1,000 sockets over 23 ports, 1 s ticks, socket rows on"
echo "change plus a keyframe every 60 s, syscall, log and flow rows every tick); \`casefile-analyze BUNDLE\`"
echo "with all $("$BIN/casefile-analyze" rules list | tail -n +2 | wc -l) built-in rules, text report to /dev/null; then \`-o x.json -o x.md -o x.html\`"
echo "(all reports: the HTML one loads every chart series); one run each, on $(nproc) shared cores."
echo
echo "| capture | ticks | socket_samples rows | bundle size | analysis wall time | slowest rule | all reports | chart series | slowest series |"
echo "|---|---|---|---|---|---|---|---|---|"
for ticks in 900 1800 3600 7200; do
	db="$dir/b$ticks.db"
	"$GEN" -o "$db" --ticks "$ticks"
	rows=$(sqlite3 -batch -noheader "$db" "SELECT COUNT(*) FROM socket_samples")
	size=$(du -k "$db" | cut -f1)
	t0=$(now)
	CASEFILE_ANALYZE_TIMING=1 "$BIN/casefile-analyze" "$db" > /dev/null 2> "$dir/timing"
	t1=$(now)
	slow=$(sort -k3 -n -r "$dir/timing" | head -n 1 | awk '{ printf "%s %.0f ms", $2, $3 }')
	t2=$(now)
	CASEFILE_ANALYZE_TIMING=1 "$BIN/casefile-analyze" "$db" -o "$dir/r.json" -o "$dir/r.md" \
		-o "$dir/r.html" --force > /dev/null 2> "$dir/timing-all"
	t3=$(now)
	series=$(awk '$1 == "series" { s += $3 } END { printf "%.0f ms", s }' "$dir/timing-all")
	sslow=$(awk '$1 == "series"' "$dir/timing-all" | sort -k3 -n -r | head -n 1 |
		awk '{ printf "%s %.0f ms", $2, $3 }')
	printf '| %s min | %s | %s | %s MiB | %.2f s | %s | %.2f s | %s | %s |\n' $((ticks / 60)) "$ticks" \
		"$rows" $((size / 1024)) "$(echo "$t1 - $t0" | bc)" "$slow" "$(echo "$t3 - $t2" | bc)" \
		"$series" "$sslow"
done
echo
echo "Per-rule times of the last run (ms):"
echo
sed 's/^rule /    /' "$dir/timing"
echo
echo "Chart series of the last run's HTML report (ms):"
echo
awk '$1 == "series" { printf "    %-30s %8.1f ms\n", $2, $3 }' "$dir/timing-all"
