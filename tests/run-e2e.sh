#!/bin/sh
# Runs every tests/e2e/*.sh (or those named in $E2E, e.g. E2E=sockets) in its
# own temporary directory. A test exits 0 to pass, 77 to skip (printing why),
# anything else fails. Prints "e2e: N passed, N failed, N skipped".
#
# Tests run $E2E_JOBS at a time (default: twice the CPUs, at least 2, at most
# 8): most of their time is spent waiting on the processes they capture. Each
# test's result is printed when it finishes; a failing test's log is printed
# right then, whole, and its directory kept (named in the output). A test that
# cannot share the machine (it measures time, CPU or memory, or changes
# something system-wide) says so with a line "# e2e: serial" and runs alone,
# after the others. E2E_JOBS=1 runs everything one at a time. While the load
# average is at or over $E2E_MAX_LOAD (default three times the CPUs; 0: no
# limit), no test starts beside running ones, as with make -l.
#
# Tests start longest first, by their times in the last run ($BUILD/e2e-times),
# so a long test does not start last and hold up the end.
BIN=${BIN:-bin}; BUILD=${BUILD:-build}
top=$(pwd)
export TZ=UTC CASEFILE_TOP="$top" CASEFILE_BIN="$top/$BIN" CASEFILE_SAMPLES="$top/$BUILD/samples"
case "$BIN" in /*) export CASEFILE_BIN="$BIN" ;; esac
case "$BUILD" in /*) export CASEFILE_SAMPLES="$BUILD/samples" ;; esac
times="$BUILD/e2e-times"
case "$times" in /*) ;; *) times="$top/$times" ;; esac

if [ -z "${E2E_JOBS:-}" ]; then
	E2E_JOBS=$(( $(nproc 2>/dev/null || echo 1) * 2 ))
	[ "$E2E_JOBS" -lt 2 ] && E2E_JOBS=2
	[ "$E2E_JOBS" -gt 8 ] && E2E_JOBS=8
fi
case "$E2E_JOBS" in ''|*[!0-9]*|0) echo "$0: E2E_JOBS must be a whole number >= 1, not '$E2E_JOBS'" >&2; exit 2 ;; esac
E2E_MAX_LOAD=${E2E_MAX_LOAD:-$(( $(nproc 2>/dev/null || echo 1) * 3 ))}
case "$E2E_MAX_LOAD" in ''|*[!0-9]*) echo "$0: E2E_MAX_LOAD must be a whole number (0: no limit), not '$E2E_MAX_LOAD'" >&2; exit 2 ;; esac

# The tests to run: parallel ones longest first (last run's seconds; unknown
# ones first), then the serial ones.
serial=" $(grep -l '^# e2e: serial' tests/e2e/*.sh | tr '\n' ' ')"
par=""; ser=""
for t in tests/e2e/*.sh; do
	[ "${t##*/}" = lib.sh ] && continue
	if [ -n "${E2E:-}" ]; then
		case "$t" in *"$E2E"*) ;; *) continue ;; esac
	else
		# The zoo of real software runs under `make test-real` (E2E=real-).
		case "${t##*/}" in real-*) continue ;; esac
	fi
	case "$serial" in *" $t "*) ser="$ser $t" ;; *) par="$par $t" ;; esac
done
if [ -s "$times" ]; then
	par=$(echo "$par" | tr ' ' '\n' | awk -v f="$times" '
		BEGIN { while ((getline l < f) > 0) { split(l, a, " "); s[a[1]] = a[2] } }
		NF { print ($1 in s ? s[$1] : 99999), $1 }' | sort -rn | awk '{ print $2 }')
fi

state=$(mktemp -d /tmp/casefile-e2e-run.XXXXXX)
pass=0; fail=0; skip=0; failed=""; running=""; nrun=0
: > "$state/times"

# start TEST: runs it in the background in a directory of its own. The
# test's own pid goes to DIR/.pid (to stop it on ^C), "EXIT SECONDS" to DIR/.rc.
start() {
	_dir=$(mktemp -d /tmp/casefile-e2e.XXXXXX)
	(
		_s=$(date +%s)
		cd "$_dir" || exit 1
		CASEFILE_TMP="$_dir" sh "$top/$1" > "$_dir/.log" 2>&1 < /dev/null &
		echo $! > "$_dir/.pid"
		wait $!
		_rc=$?
		echo "$_rc $(( $(date +%s) - _s ))" > "$_dir/.rc.tmp" && mv "$_dir/.rc.tmp" "$_dir/.rc"
	) &
	running="$running $1=$_dir"
	nrun=$((nrun + 1))
}

# report TEST DIR: prints the finished test's result.
report() {
	read -r _rc _took < "$2/.rc"
	echo "$1 $_took" >> "$state/times"
	case $_rc in
	0) pass=$((pass + 1)); echo "PASS  $1 (${_took}s)"; rm -rf "$2" ;;
	77) skip=$((skip + 1)); echo "SKIP  $1: $(tail -n 1 "$2/.log")"; rm -rf "$2" ;;
	*) fail=$((fail + 1)); failed="$failed $1"
	   echo "FAIL  $1 (exit $_rc, ${_took}s); log follows"
	   sed 's/^/    | /' "$2/.log"
	   echo "    (kept $2)" ;;
	esac
}

# reap: reports every finished test; returns 1 when none finished.
reap() {
	_still=""; _any=1
	for _e in $running; do
		_t=${_e%%=*}; _d=${_e#*=}
		if [ -f "$_d/.rc" ]; then
			report "$_t" "$_d"; nrun=$((nrun - 1)); _any=0
		else
			_still="$_still $_e"
		fi
	done
	running=$_still
	return $_any
}

# busy: the machine's 1-minute load average is at or over E2E_MAX_LOAD.
busy() {
	[ "$E2E_MAX_LOAD" -gt 0 ] || return 1
	awk -v m="$E2E_MAX_LOAD" '{ exit !($1 >= m) }' /proc/loadavg 2>/dev/null
}

# Up to N tests at once; waits (polling each 0.1 s) for a slot. Like make -l,
# no test joins running ones while the machine is busy: on a machine loaded by
# others, tests that wait on their workloads' timing go one at a time.
run_all() {
	_n=$1; shift
	for t in "$@"; do
		while [ "$nrun" -ge "$_n" ] || { [ "$nrun" -gt 0 ] && busy; }; do reap || sleep 0.1; done
		start "$t"
	done
	while [ "$nrun" -gt 0 ]; do reap || sleep 0.1; done
}

# ^C or TERM: stop the running tests (each one's own cleanup stops what it
# started), keep their directories, and say so.
interrupted() {
	for _e in $running; do
		_d=${_e#*=}
		[ -s "$_d/.pid" ] && kill -TERM "$(cat "$_d/.pid")" 2>/dev/null
		echo "INTR  ${_e%%=*} (kept $_d)"
	done
	# A test whose own trap does not exit gets 10 s, then SIGKILL (its
	# trap has stopped what it started by then).
	_i=0
	while [ $_i -lt 100 ]; do
		_left=0
		for _e in $running; do
			_d=${_e#*=}
			[ -s "$_d/.pid" ] && kill -0 "$(cat "$_d/.pid")" 2>/dev/null && _left=1
		done
		[ $_left = 0 ] && break
		sleep 0.1; _i=$((_i + 1))
	done
	for _e in $running; do
		_d=${_e#*=}
		[ -s "$_d/.pid" ] && kill -KILL "$(cat "$_d/.pid")" 2>/dev/null
	done
	wait
	rm -rf "$state"
	exit 130
}
trap interrupted INT TERM

# shellcheck disable=SC2086 # word splitting of the lists is intended
run_all "$E2E_JOBS" $par
# shellcheck disable=SC2086
run_all 1 $ser
wait

# Times for the next run's order: this run's, and older ones of tests not run.
if [ -d "$(dirname "$times")" ]; then
	{
		cat "$state/times"
		if [ -f "$times" ]; then
			awk 'NR == FNR { seen[$1] = 1; next } !($1 in seen)' "$state/times" "$times"
		fi
	} > "$times.tmp" && mv "$times.tmp" "$times"
fi
rm -rf "$state"
[ -z "$failed" ] || echo "failed e2e tests:$failed"
echo "e2e: $pass passed, $fail failed, $skip skipped (up to ${E2E_JOBS} at a time)"
[ "$fail" -eq 0 ]
