#!/bin/sh
# Runs every fuzzer in $BUILD/fuzz for FUZZ_SECONDS each, starting from its
# committed seed corpus (copied: new inputs stay out of the tree), then replays
# tests/fuzz/regress/NAME/* (crashes found earlier, kept as regression tests).
# A crash input is saved as $BUILD/fuzz/crashes/NAME-crash-*; exit non-zero.
set -u
BUILD=${BUILD:-build/fuzz}
secs=${FUZZ_SECONDS:-30}
pass=0; fail=0
mkdir -p "$BUILD/crashes"
for f in "$BUILD"/fuzz/fuzz_*; do
	[ -x "$f" ] || continue
	name=$(basename "$f"); name=${name#fuzz_}
	work=$(mktemp -d /tmp/casefile-fuzz.XXXXXX)
	[ -d "tests/fuzz/corpus/$name" ] && cp -r "tests/fuzz/corpus/$name/." "$work/"
	echo "== fuzz $name for ${secs}s"
	if "$f" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 -max_len=65536 \
		-artifact_prefix="$BUILD/crashes/$name-" "$work" > "$work.log" 2>&1; then
		tail -n 1 "$work.log"
		ok=1
	else
		tail -n 30 "$work.log"
		ok=0
	fi
	if [ -d "tests/fuzz/regress/$name" ] && [ -n "$(ls "tests/fuzz/regress/$name")" ]; then
		"$f" -runs=1 tests/fuzz/regress/$name/* > "$work.regress" 2>&1 || { tail -n 20 "$work.regress"; ok=0; }
	fi
	if [ $ok = 1 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL fuzz $name"; fi
	rm -rf "$work" "$work.log" "$work.regress"
done
echo "fuzz: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
