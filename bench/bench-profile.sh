#!/bin/sh
# The profile source's cost to its target, beside `perf record -g` at the same
# rate, and the bundle bytes a profiled second takes. The target is
# samples/cpuburn --rounds N: a fixed amount of CPU-bound work in one thread
# (frame pointers, three hot functions), whose CPU time (user + system, its
# own getrusage) is the measure: a profiler's interrupts and stack walks are
# charged to the thread they sample, so they show there even when the machine
# is busy with other work (wall time would not tell them from the load).
# Prints a Markdown section for BENCHMARKS.md. Usage: sh bench/bench-profile.sh
# (after make; as root). ROUNDS=N and RUNS=N change the work and repetitions;
# SKIP_COST=1 measures only the bundle bytes.
set -eu
BIN=${BIN:-bin}; BUILD=${BUILD:-build}
ROUNDS=${ROUNDS:-2000}
RUNS=${RUNS:-3}
W="$BUILD/samples/cpuburn"
[ -x "$W" ] || { echo "bench-profile: build $W first (make)" >&2; exit 1; }
dir=$(mktemp -d /tmp/casefile-bench-profile.XXXXXX)
trap 'rm -rf "$dir"' EXIT

# run_one MODE: one run of the workload under MODE; prints its cpu_ms.
run_one() {
	rm -f "$dir/go" "$dir/out" "$dir/p.db" "$dir/perf.data"
	"$W" --rounds "$ROUNDS" --wait-file "$dir/go" > "$dir/out" &
	pid=$!
	i=0; while ! grep -q ready "$dir/out" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	prof=""
	case $1 in
	none) ;;
	casefile-*)
		hz=${1#casefile-}
		"$BIN/casefile-capture" --pid "$pid" --sources profile --profile-hz "$hz" --duration 10m -q \
			-o "$dir/p.db" 2>/dev/null &
		prof=$!
		# Attached once its first tick is in the bundle.
		i=0; while [ $i -lt 300 ]; do
			n=$(sqlite3 -readonly -batch -noheader "$dir/p.db" "SELECT COUNT(*) FROM profile_ticks" 2>/dev/null || echo 0)
			[ "${n:-0}" -ge 1 ] && break
			sleep 0.1; i=$((i + 1))
		done ;;
	perf-*)
		perf record -q -F "${1#perf-}" -g -p "$pid" -o "$dir/perf.data" >/dev/null 2>&1 &
		prof=$!
		sleep 1 ;;
	esac
	touch "$dir/go"
	wait "$pid"
	[ -n "$prof" ] && wait "$prof" 2>/dev/null || true
	sed -n 's/^cpu_ms=\([0-9]*\).*/\1/p' "$dir/out"
}

# median of the arguments
median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }

echo "## CPU profile: cost to the target, bundle bytes"
echo
echo "\`samples/cpuburn --rounds $ROUNDS\` (one thread, CPU-bound, frame pointers); its own CPU time"
echo "(user + system) for the same work, median of $RUNS runs each, alone and under each profiler at"
echo "the same sampling rate. $(nproc) CPUs shared with other work while this ran (load average"
echo "$(cut -d' ' -f1 /proc/loadavg) at the start): wall time is not comparable, CPU time is."
echo
if [ -z "${SKIP_COST:-}" ]; then
echo "| profiler | target CPU time (ms) | slowdown |"
echo "|---|---|---|"
base=""
for mode in none casefile-49 casefile-99 perf-99 casefile-997 perf-997; do
	case $mode in perf-*) command -v perf >/dev/null 2>&1 || continue ;; esac
	vals=""
	r=0; while [ $r -lt "$RUNS" ]; do vals="$vals $(run_one $mode)"; r=$((r + 1)); done
	m=$(median $vals)
	[ -z "$base" ] && base=$m
	case $mode in
	none) label="none" ;;
	casefile-*) label="casefile-capture --sources profile --profile-hz ${mode#casefile-}" ;;
	perf-*) label="perf record -F ${mode#perf-} -g" ;;
	esac
	echo "| $label | $m ($(echo $vals | tr ' ' '/')) | $(awk -v a="$m" -v b="$base" 'BEGIN { printf "%+.1f%%", 100 * (a - b) / b }') |"
done
fi

# Bundle bytes per profiled second: the slope between a 10 s and a 40 s
# capture of the same busy target (the empty bundle's schema cancels out),
# counted as the bytes SQLite stores in the profile's tables and indexes
# (dbstat payload) and as whole pages of the file.
payload() {
	sqlite3 -readonly -batch -noheader "$1" "SELECT SUM(payload) FROM dbstat WHERE name LIKE 'profile%'"
}
echo
echo "Bundle bytes per profiled second at 99 Hz (\`--sources profile\`), from the difference between a 10 s"
echo "and a 40 s capture of the same busy target: the profile's rows (SQLite payload of its tables and"
echo "indexes) and the file (4 KiB pages, schema included)."
echo
echo "| target | samples in 40 s | distinct stacks | profile bytes per second | profile bytes per sample (40 s) | file bytes per second |"
echo "|---|---|---|---|---|---|"
cat > "$dir/hot.js" <<'JS'
function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
function hotLoop() { let s = 0; for (;;) { s += fib(25); if (s < 0) break; } }
console.log("ready");
hotLoop();
JS
for w in cpuburn node; do
	case $w in
	cpuburn) "$W" --duration 120 > "$dir/out2" & ;;
	node) command -v node >/dev/null 2>&1 || continue
	      # In $dir: node writes a v8 log beside itself.
	      (cd "$dir" && exec node --perf-basic-prof hot.js > out2) & ;;
	esac
	burn=$!
	i=0; while ! grep -q ready "$dir/out2" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	for d in 10 40; do
		rm -f "$dir/s$d.db"
		"$BIN/casefile-capture" --pid "$burn" --sources profile --duration "${d}s" -q -o "$dir/s$d.db"
	done
	kill "$burn"; wait "$burn" 2>/dev/null || true
	rm -f "/tmp/perf-$burn.map"
	f10=$(stat -c %s "$dir/s10.db"); f40=$(stat -c %s "$dir/s40.db")
	p10=$(payload "$dir/s10.db"); p40=$(payload "$dir/s40.db")
	n10=$(sqlite3 -readonly -batch -noheader "$dir/s10.db" "SELECT SUM(samples) FROM profile_samples")
	n40=$(sqlite3 -readonly -batch -noheader "$dir/s40.db" "SELECT SUM(samples) FROM profile_samples")
	st40=$(sqlite3 -readonly -batch -noheader "$dir/s40.db" "SELECT COUNT(DISTINCT stack_id) FROM profile_samples")
	case $w in cpuburn) label="samples/cpuburn (C, 3 hot functions)" ;; node) label="node --perf-basic-prof, recursive fib (JIT)" ;; esac
	echo "| $label | $n40 | $st40 | $(( (p40 - p10) / 30 )) | $(awk -v p="$p40" -v n="$n40" 'BEGIN { printf "%.1f", (n > 0 ? p / n : 0) }') | $(( (f40 - f10) / 30 )) |"
done
