#!/bin/sh
# Runs each cmocka unit-test binary given as an argument; prints a summary
# line "unit: N passed, N failed" and exits non-zero if any failed.
pass=0; fail=0; failed=""
for t in "$@"; do
	if [ -x "$t" ] && TZ=UTC CASEFILE_FIXTURES=tests/fixtures "$t"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1)); failed="$failed $t"
	fi
done
[ -z "$failed" ] || echo "failed unit tests:$failed"
echo "unit: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
