#!/bin/sh
# make bench: runs every bench/bench-*.sh, each printing a Markdown section,
# and collects them into bench/results/latest.md (BENCHMARKS.md quotes it).
# One part only: BENCH=foundation make bench
set -u
BIN=${BIN:-bin}; BUILD=${BUILD:-build}
export BIN BUILD CASEFILE_TOP="$(pwd)"
mkdir -p bench/results
out=bench/results/latest.md
{
	echo "# casefile bench results"
	echo
	echo "Run: \`make bench\` on $(uname -n), $(nproc) CPUs, kernel $(uname -r), $(date -u +%Y-%m-%dT%H:%MZ)."
	echo
} > "$out"
for b in bench/bench-*.sh; do
	if [ -n "${BENCH:-}" ]; then
		case "$b" in *"$BENCH"*) ;; *) continue ;; esac
	fi
	echo "== $b" >&2
	sh "$b" >> "$out" || echo "(failed: $b exited $?)" >> "$out"
	echo >> "$out"
done
cat "$out"
