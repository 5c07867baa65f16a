#!/bin/sh
# make bench: runs every bench/bench-*.sh, each printing a Markdown section,
# and collects them into bench/results/latest.md (BENCHMARKS.md quotes it).
# One part only: BENCH=foundation make bench. A part's section sits between
# "<!-- begin bench/bench-X.sh ... -->" and "<!-- end bench/bench-X.sh -->";
# a run of one part replaces only its own section and keeps the others.
set -u
BIN=${BIN:-bin}; BUILD=${BUILD:-build}
export BIN BUILD CASEFILE_TOP="$(pwd)"
mkdir -p bench/results
out=bench/results/latest.md
new=$(mktemp /tmp/casefile-bench.XXXXXX)
trap 'rm -f "$new" "$new.md" "$new.md.tmp"' EXIT

# The section of bench $1, between its markers.
section() {
	echo "<!-- begin $1 (run $(date -u +%Y-%m-%dT%H:%MZ) on $(uname -n), $(nproc) CPUs, kernel $(uname -r)) -->"
	echo
	sh "$1" || echo "(failed: $1 exited $?)"
	echo
	echo "<!-- end $1 -->"
}

if [ -z "${BENCH:-}" ] || [ ! -f "$out" ]; then
	{
		echo "# casefile bench results"
		echo
		echo "Run: \`make bench\` on $(uname -n), $(nproc) CPUs, kernel $(uname -r), $(date -u +%Y-%m-%dT%H:%MZ)."
		echo
	} > "$new.md"
else
	cp "$out" "$new.md"
fi
for b in bench/bench-*.sh; do
	if [ -n "${BENCH:-}" ]; then
		case "$b" in *"$BENCH"*) ;; *) continue ;; esac
	fi
	echo "== $b" >&2
	section "$b" > "$new"
	if grep -q "^<!-- begin $b " "$new.md"; then
		awk -v b="$b" -v sec="$new" '
			index($0, "<!-- begin " b " ") == 1 {
				while ((getline line < sec) > 0)
					print line
				skip = 1
				next
			}
			skip && $0 == "<!-- end " b " -->" { skip = 0; next }
			!skip' "$new.md" > "$new.md.tmp" && mv "$new.md.tmp" "$new.md"
	else
		{ cat "$new"; echo; } >> "$new.md"
	fi
done
mv "$new.md" "$out"
cat "$out"
