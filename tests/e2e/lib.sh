# Shared helpers for end-to-end tests: sourced by tests/e2e/*.sh.
# Tests run in a fresh temporary directory; $CASEFILE_BIN holds the binaries
# and $CASEFILE_SAMPLES the sample workloads.
set -u
CAP="$CASEFILE_BIN/casefile-capture"
ANA="$CASEFILE_BIN/casefile-analyze"
S="$CASEFILE_SAMPLES"
_pids=""

# Every background process a test starts is registered and killed on exit,
# so no test leaves a process behind, even when it fails. An idle target
# (bg sleep 3600) must outlive the test on a loaded machine: cleanup ends it.
bg() { "$@" & _pids="$_pids $!"; LAST_PID=$!; }
cleanup() {
	for p in $_pids; do kill -TERM "$p" 2>/dev/null; done
	for p in $_pids; do
		i=0; while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
		kill -KILL "$p" 2>/dev/null
	done
	wait 2>/dev/null
}
# A signal ends the test (the runner's ^C, or its TERM): the EXIT trap cleans up.
trap cleanup EXIT
trap 'exit 143' INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "skipped: $*"; exit 77; }
need_root() { [ "$(id -u)" = 0 ] || skip "needs root: $1"; }
need_cmd() { command -v "$1" >/dev/null 2>&1 || skip "needs '$1' (apt-get install ${2:-$1})"; }

# wait_for TIMEOUT_S CMD...: polls CMD every 0.1 s until it succeeds.
wait_for() {
	_t=$1; shift; _i=0; _n=$((_t * 10))
	while ! "$@" >/dev/null 2>&1; do
		_i=$((_i + 1)); [ $_i -ge $_n ] && return 1; sleep 0.1
	done
	return 0
}

# port_of FILE: the port a sample server printed ("listening on 127.0.0.1:PORT").
port_of() { sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$1"; }

# q DB SQL: one value from a bundle.
# -readonly: a query must never create the file a capture is about to write.
q() { sqlite3 -readonly -batch -noheader "$1" "$2"; }

# assert_eq WHAT EXPECTED ACTUAL
assert_eq() { [ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"; }
# assert_ge WHAT MIN ACTUAL (integers)
assert_ge() { [ "$3" -ge "$2" ] 2>/dev/null || fail "$1: expected >= $2, got '$3'"; }
assert_le() { [ "$3" -le "$2" ] 2>/dev/null || fail "$1: expected <= $2, got '$3'"; }
