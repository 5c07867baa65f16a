#!/bin/sh
# What each piece of per-task syscall counting costs, measured with perf stat
# alone (no casefile): the parts every per-task design is built from, so the
# floor that issue 19 compares against can be read off beside them.
#
# Target rows: `syscall_counts --getppid N` under `perf stat` with the given
# per-task events (counting, inherit), CPU time per call over the round's bare
# runs. Collateral rows: the same untraced loop while `perf stat -p` holds the
# events on a sleeping process.
#
#   raw enter            raw_syscalls:sys_enter (the floor of bench-syscalls.sh)
#   raw exit             raw_syscalls:sys_exit
#   named                syscalls:sys_exit_getppid (the per-syscall tracepoint)
#   raw + named          both: what a per-syscall split with an exact total needs
#   named x2 (filtered)  the named event twice, once with `ret < 0` (calls + errors)
#   raw + K filtered     raw sys_exit plus K events filtered `id == k`: the
#                        split done by filters on one tracepoint
#   collateral: raw enter / named on the loop's syscall / named on another one
#
# Knobs: N (default 1000000), ROUNDS (default 5), PIN (default 1 on 2+ CPUs:
# loops on the last CPU, tools on CPU 0). Needs perf and root (or a low
# perf_event_paranoid). Prints a Markdown table.
set -u
BUILD=${BUILD:-build}
W="$BUILD/samples/syscall_counts"
N=${N:-1000000}; ROUNDS=${ROUNDS:-5}
. "$(dirname "$0")/stats.inc"  # median, range, rotated, pin_setup
# $on_loop / $on_tool CMD...: run CMD on the loop's CPU / the tools' CPU
# (a command prefix, so that perf stat and strace can run it too).
pin_setup
if ! perf stat -e raw_syscalls:sys_enter -o /dev/null -- true >/dev/null 2>&1; then
	echo "bench-syscall-pieces: perf stat cannot open raw_syscalls:sys_enter here (perf missing, or not root)" >&2
	exit 1
fi
[ -x "$W" ] || { echo "bench-syscall-pieces: $W missing: run make samples" >&2; exit 1; }
tmp=$(mktemp -d /tmp/casefile-bench-pieces.XXXXXX)
sp=""; pp=""
cleanup() {
	[ -n "$pp" ] && kill "$pp" 2>/dev/null
	[ -n "$sp" ] && kill "$sp" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cpu_per_call() { awk '/^cpu/ { print $4 }'; }
bare() { $on_loop "$W" --cpu-time --clock 0 --enoent 0 --getppid "$N" | cpu_per_call; }
under() { perf stat "$@" -o /dev/null -- $on_loop "$W" --cpu-time --clock 0 --enoent 0 --getppid "$N" 2>/dev/null | cpu_per_call; }
coll() {
	$on_tool sleep 600 &
	sp=$!
	$on_tool perf stat "$@" -o /dev/null -p "$sp" 2>/dev/null &
	pp=$!
	_w=0
	while ! ls -l "/proc/$pp/fd" 2>/dev/null | grep -q 'anon_inode:\[perf_event\]'; do
		_w=$((_w + 1)); [ $_w -gt 300 ] && break; sleep 0.1
	done
	$on_loop "$W" --cpu-time --clock 0 --enoent 0 --getppid "$N" | cpu_per_call
	kill -INT "$pp" 2>/dev/null; wait "$pp" 2>/dev/null; pp=""
	kill "$sp" 2>/dev/null; wait "$sp" 2>/dev/null; sp=""
}
filtered() { _k=0; while [ $_k -lt "$1" ]; do printf ' -e raw_syscalls:sys_exit --filter id==%d' $_k; _k=$((_k + 1)); done; }
f16=$(filtered 16); f64=$(filtered 64)

# One variant by key; each prints "KEY ns".
variant() {
	case "$1" in
	t_enter) v=$(under -e raw_syscalls:sys_enter) ;;
	t_exit) v=$(under -e raw_syscalls:sys_exit) ;;
	t_named) v=$(under -e syscalls:sys_exit_getppid) ;;
	t_rawnamed) v=$(under -e raw_syscalls:sys_exit -e syscalls:sys_exit_getppid) ;;
	t_named2) v=$(under -e syscalls:sys_exit_getppid -e syscalls:sys_exit_getppid --filter 'ret < 0') ;;
	# shellcheck disable=SC2086
	t_f16) v=$(under -e raw_syscalls:sys_exit $f16) ;;
	# shellcheck disable=SC2086
	t_f64) v=$(under -e raw_syscalls:sys_exit $f64) ;;
	c_enter) v=$(coll -e raw_syscalls:sys_enter) ;;
	c_named) v=$(coll -e syscalls:sys_exit_getppid) ;;
	c_other) v=$(coll -e syscalls:sys_exit_read) ;;
	c_rawnamed) v=$(coll -e raw_syscalls:sys_exit -e syscalls:sys_exit_getppid) ;;
	esac
	echo "$r $v" >> "$tmp/$1"
}
variants="t_enter t_exit t_named t_rawnamed t_named2 t_f16 t_f64 c_enter c_named c_other c_rawnamed"
r=1
while [ "$r" -le "$ROUNDS" ]; do
	echo "round $r/$ROUNDS" >&2
	cut -d' ' -f1 /proc/loadavg >> "$tmp/load"
	echo "$r $(bare)" >> "$tmp/bare"
	rotated "$r" variant $variants
	echo "$r $(bare)" >> "$tmp/bare"
	r=$((r + 1))
done

ratios() {
	awk 'FNR == NR { s[$1] += $2; n[$1]++; next }
		($1 in n) && s[$1] > 0 && $2 > 0 { printf "%.3f\n", $2 / (s[$1] / n[$1]) }' "$tmp/bare" "$tmp/$1"
}
row() { [ -s "$tmp/$2" ] || return; echo "| $1 | $(awk '{ print $2 }' "$tmp/$2" | median) | **$(ratios "$2" | median)x** ($(ratios "$2" | range)) |"; }

echo "Pieces of per-task syscall counting, \`perf stat\` alone: $N getppid per run, $ROUNDS rounds,"
echo "CPU time per call over the round's bare runs (bare median $(awk '{ print $2 }' "$tmp/bare" | median) ns)."
echo "Load average (1 min): $(range < "$tmp/load")$([ "$PIN" = 1 ] && echo "; loops pinned to CPU $((ncpu - 1)), tools to CPU 0")."
echo
echo "| per-task events | CPU ns/call | ratio, median (min..max) |"
echo "|---|---|---|"
row "target: raw_syscalls:sys_enter (the floor)" t_enter
row "target: raw_syscalls:sys_exit" t_exit
row "target: syscalls:sys_exit_getppid (named)" t_named
row "target: raw sys_exit + named (a split with an exact total)" t_rawnamed
row "target: named twice, one filtered ret < 0 (calls + errors)" t_named2
row "target: raw sys_exit + 16 events filtered id == k" t_f16
row "target: raw sys_exit + 64 events filtered id == k" t_f64
row "collateral: raw sys_enter on a sleeping process" c_enter
row "collateral: named sys_exit_getppid (the loop's syscall) on a sleeping process" c_named
row "collateral: named sys_exit_read (another syscall) on a sleeping process" c_other
row "collateral: raw sys_exit + named sys_exit_getppid on a sleeping process" c_rawnamed
