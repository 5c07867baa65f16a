#!/bin/sh
# Runs every tests/e2e/*.sh (or those named in $E2E, e.g. E2E=sockets) in its
# own temporary directory. A test exits 0 to pass, 77 to skip (printing why),
# anything else fails. Prints "e2e: N passed, N failed, N skipped".
BIN=${BIN:-bin}; BUILD=${BUILD:-build}
top=$(pwd)
export TZ=UTC CASEFILE_TOP="$top" CASEFILE_BIN="$top/$BIN" CASEFILE_SAMPLES="$top/$BUILD/samples"
case "$BIN" in /*) export CASEFILE_BIN="$BIN" ;; esac
case "$BUILD" in /*) export CASEFILE_SAMPLES="$BUILD/samples" ;; esac
pass=0; fail=0; skip=0; failed=""
for t in tests/e2e/*.sh; do
	[ "$(basename "$t")" = lib.sh ] && continue
	if [ -n "${E2E:-}" ]; then
		case "$t" in *"$E2E"*) ;; *) continue ;; esac
	else
		# The zoo of real software runs under `make test-real` (E2E=real-).
		case "$(basename "$t")" in real-*) continue ;; esac
	fi
	dir=$(mktemp -d /tmp/casefile-e2e.XXXXXX)
	start=$(date +%s)
	( cd "$dir" && CASEFILE_TMP="$dir" sh "$top/$t" ) > "$dir/.log" 2>&1
	rc=$?
	took=$(( $(date +%s) - start ))
	case $rc in
	0) pass=$((pass + 1)); echo "PASS  $t (${took}s)"; rm -rf "$dir" ;;
	77) skip=$((skip + 1)); echo "SKIP  $t: $(tail -n 1 "$dir/.log")"; rm -rf "$dir" ;;
	*) fail=$((fail + 1)); failed="$failed $t"; echo "FAIL  $t (exit $rc, ${took}s); log follows"
	   sed 's/^/    | /' "$dir/.log" | tail -n 60; echo "    (kept $dir)" ;;
	esac
done
echo "e2e: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
