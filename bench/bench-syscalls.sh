#!/bin/sh
# Syscall-counting overhead, for every backend of the syscalls source, side
# by side in one run: a target making ~2M cheap syscalls (getppid) timed by
# itself, bare, under casefile-capture --syscalls=BACKEND (bpf, the default;
# perf; counts; pertask), under the count-only floor (`perf stat -e
# raw_syscalls:sys_enter`: one count, no per-syscall split), `strace -c -f`
# and `perf trace -s`. The collateral rows time an untraced process while
# casefile-capture --syscalls=BACKEND follows another, sleeping process: the
# tax the capture puts on everything else on the node. Two more collateral
# rows need no capture: any BPF program on the global raw syscall
# tracepoints returning at once (the dispatch alone), and one whose first
# test is the task's cgroup (bench/bpftax.c): the least a program there costs
# every task, whatever it filters on.
#
# Each round runs every variant once, in an order rotated from round to round
# (so no backend always runs first or last), between two bare runs whose mean
# is that round's reference; ratios are paired by round and their medians
# printed. Two ratios per row: the loop's wall time per call, and its
# process's CPU time per call (CLOCK_PROCESS_CPUTIME_ID), which includes the
# kernel's work on its syscalls but not the waits for a CPU that a loaded
# machine adds. The load average is recorded at every round.
#
# A second target, bench/pingpong (PP_N round trips over two pipes between
# a parent and the child it forks after the capture attached), switches
# context at every read: the cost of a per-task event is paid at each
# switch, which the getppid loop never shows. Its rows (PP_BACKENDS, default
# "bpf pertask", and the floor) are paired with its own bare runs.
#
# The ptrace-based peers cost tens of µs per call, so they run N_SLOW calls
# (default 200k) instead of N (2M): the per-call ratio does not depend on N.
# Knobs: N, N_SLOW, ROUNDS, BACKENDS (default "bpf perf counts pertask"),
# PEERS=0 (no strace / perf trace). CAP_BASE=path/to/another/casefile-capture
# adds its BASE_BACKENDS (default bpf; target, collateral and, for pertask,
# pingpong rows) to every round: a before/after of a change in one run.
set -u
BIN=${BIN:-bin}; BUILD=${BUILD:-build}
N=${N:-2000000}; N_SLOW=${N_SLOW:-200000}; ROUNDS=${ROUNDS:-5}
BACKENDS=${BACKENDS:-bpf perf counts pertask}
PEERS=${PEERS:-1}
PP_N=${PP_N:-50000}; PP_BACKENDS=${PP_BACKENDS-bpf pertask}
PP="$BUILD/bench/pingpong"
. "$(dirname "$0")/stats.inc"  # median, range, rotated, pin_setup
# $on_loop / $on_tool CMD...: run CMD on the loop's CPU / the tools' CPU
# (a command prefix, so that perf stat and strace can run it too).
pin_setup
W="$BUILD/samples/syscall_counts"
CAP="$BIN/casefile-capture"
CAP_BASE=${CAP_BASE:-}
BASE_BACKENDS=${BASE_BACKENDS:-bpf}
tmp=$(mktemp -d /tmp/casefile-bench-sys.XXXXXX)
had_tracefs=$(grep -c ' /sys/kernel/tracing tracefs ' /proc/mounts)
cap_pid=""; w_pid=""
cleanup() {
	[ -n "$cap_pid" ] && kill "$cap_pid" 2>/dev/null
	[ -n "$w_pid" ] && kill "$w_pid" 2>/dev/null
	wait 2>/dev/null
	# perf trace mounts tracefs and leaves it: leave the machine as found.
	if [ "$had_tracefs" = 0 ] && grep -q ' /sys/kernel/tracing tracefs ' /proc/mounts; then
		umount /sys/kernel/tracing 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
# A signal ends the run (the EXIT trap then cleans up): a trap alone would
# let the script carry on without its directory.
trap 'exit 130' INT TERM

have_strace=0; command -v strace >/dev/null 2>&1 && have_strace=1
have_perf=0; perf stat -e raw_syscalls:sys_enter -o /dev/null -- true >/dev/null 2>&1 && have_perf=1
have_ptrace=0; perf trace -s -o /dev/null -- true >/dev/null 2>&1 && have_ptrace=1
[ "$PEERS" = 0 ] && have_strace=0 && have_ptrace=0

# "wall CPU" ns per call printed by the workload ("calls N ns/call X",
# "cpu N ns/call X").
percall() { awk '/^calls/ { w = $4 } /^cpu/ { c = $4 } END { print w, c }' "$1"; }
loop() { $on_loop "$W" --cpu-time --clock 0 --enoent 0 --getppid "$@"; }

# utime + stime of a process, in clock ticks (fields 14, 15 after the comm).
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }

# wait_capture: until the capture says its sources are open.
wait_capture() {
	_w=0
	while ! grep -q "capturing into" "$tmp/c.err" 2>/dev/null; do
		_w=$((_w + 1)); [ $_w -gt 300 ] && break; sleep 0.1
	done
}

# stop_capture: SIGINT, and wait for the bundle to be complete.
stop_capture() {
	kill -INT "$cap_pid" 2>/dev/null; wait "$cap_pid"; cap_pid=""
}

# run_target BIN BACKEND KEY: the target's loop under BIN --syscalls=BACKEND.
run_target() {
	rm -f "$tmp/go" "$tmp/c.db" "$tmp/c.err"
	# Not through loop(): \$! must be the workload's pid, not a subshell's.
	$on_loop "$W" --cpu-time --clock 0 --enoent 0 --getppid "$N" --wait-file "$tmp/go" > "$tmp/out" &
	w_pid=$!
	$on_tool "$1" -v --pid "$w_pid" --duration 10m -o "$tmp/c.db" --syscalls "$2" 2> "$tmp/c.err" &
	cap_pid=$!
	wait_capture
	t0=$(cpu_ticks "$cap_pid")
	touch "$tmp/go"
	wait "$w_pid"; w_pid=""
	t1=$(cpu_ticks "$cap_pid")
	stop_capture
	lost=$(sqlite3 "$tmp/c.db" "SELECT COALESCE(SUM(lost), 0) FROM syscall_ticks" 2>/dev/null || echo "?")
	seen=$(sqlite3 "$tmp/c.db" "SELECT COALESCE(SUM(calls), 0) FROM syscall_top WHERE name = 'getppid'" 2>/dev/null || echo "?")
	echo "$lost $seen $((t1 - t0))" >> "$tmp/$3.seen"
	echo "$r $(percall "$tmp/out")" >> "$tmp/$3"
}

# run_coll BIN BACKEND KEY: an untraced loop while BIN --syscalls=BACKEND
# follows a sleeping process.
run_coll() {
	rm -f "$tmp/c.db" "$tmp/c.err"
	$on_tool sleep 600 &
	w_pid=$!
	$on_tool "$1" -v --pid "$w_pid" --duration 10m -o "$tmp/c.db" --syscalls "$2" 2> "$tmp/c.err" &
	cap_pid=$!
	wait_capture
	loop "$N" > "$tmp/out"
	stop_capture
	kill "$w_pid" 2>/dev/null; wait "$w_pid" 2>/dev/null; w_pid=""
	echo "$r $(percall "$tmp/out")" >> "$tmp/$3"
}

# run_bpftax MODE: an untraced loop while bench/bpftax MODE holds its
# programs on the raw syscall tracepoints.
run_bpftax() {
	$on_tool "$BUILD/bench/bpftax" "$1" > "$tmp/x.out" 2>&1 &
	cap_pid=$!
	_w=0
	while ! grep -q attached "$tmp/x.out" 2>/dev/null; do
		_w=$((_w + 1)); [ $_w -gt 300 ] && break; sleep 0.1
	done
	loop "$N" > "$tmp/out"
	stop_capture
	echo "$r $(percall "$tmp/out")" >> "$tmp/x_$1"
}

# run_pp_target BIN BACKEND KEY: bench/pingpong under BIN.
run_pp_target() {
	rm -f "$tmp/go" "$tmp/c.db" "$tmp/c.err"
	"$PP" "$PP_N" --wait-file "$tmp/go" > "$tmp/out" &
	w_pid=$!
	"$1" -v --pid "$w_pid" --duration 10m -o "$tmp/c.db" --syscalls "$2" 2> "$tmp/c.err" &
	cap_pid=$!
	wait_capture
	touch "$tmp/go"
	wait "$w_pid"; w_pid=""
	stop_capture
	echo "$r $(percall "$tmp/out")" >> "$tmp/$3"
}
run_pp_bare() { "$PP" "$PP_N" > "$tmp/out"; echo "$r $(percall "$tmp/out")" >> "$tmp/pp_bare"; }
run_pp_floor() {
	perf stat -e raw_syscalls:sys_enter -o /dev/null -- "$PP" "$PP_N" > "$tmp/out" 2>/dev/null
	echo "$r $(percall "$tmp/out")" >> "$tmp/pp_floor"
}

run_bare() { loop "$N" > "$tmp/out"; echo "$r $(percall "$tmp/out")" >> "$tmp/bare"; }
run_floor() {
	perf stat -e raw_syscalls:sys_enter -o /dev/null -- $on_loop "$W" --cpu-time --clock 0 --enoent 0 --getppid "$N" \
		> "$tmp/out" 2>/dev/null
	echo "$r $(percall "$tmp/out")" >> "$tmp/floor"
}
# The floor's own collateral: an untraced loop while `perf stat -e
# raw_syscalls:sys_enter` counts a sleeping process. Any per-task counting on
# the syscall tracepoints puts every task on the kernel's slow syscall path
# and calls the perf probe at each of their syscalls: the least any
# tracepoint-based counter costs everyone else.
run_floor_coll() {
	$on_tool sleep 600 &
	w_pid=$!
	$on_tool perf stat -e raw_syscalls:sys_enter -o /dev/null -p "$w_pid" 2>/dev/null &
	cap_pid=$!
	# perf stat has no "ready" line: wait until the event is on the sleeper.
	_w=0
	while ! ls -l "/proc/$cap_pid/fd" 2>/dev/null | grep -q 'anon_inode:\[perf_event\]'; do
		_w=$((_w + 1)); [ $_w -gt 300 ] && break; sleep 0.1
	done
	loop "$N" > "$tmp/out"
	kill -INT "$cap_pid" 2>/dev/null; wait "$cap_pid" 2>/dev/null; cap_pid=""
	kill "$w_pid" 2>/dev/null; wait "$w_pid" 2>/dev/null; w_pid=""
	echo "$r $(percall "$tmp/out")" >> "$tmp/c_floor"
}
run_bare_slow() { loop "$N_SLOW" > "$tmp/out"; echo "$r $(percall "$tmp/out")" >> "$tmp/bare_slow"; }
run_strace() {
	strace -c -f -o /dev/null $on_loop "$W" --cpu-time --clock 0 --enoent 0 --getppid "$N_SLOW" > "$tmp/out"
	echo "$r $(percall "$tmp/out")" >> "$tmp/strace"
}
run_ptrace() {
	perf trace -s -o /dev/null -- $on_loop "$W" --cpu-time --clock 0 --enoent 0 --getppid "$N_SLOW" > "$tmp/out" 2>/dev/null
	echo "$r $(percall "$tmp/out")" >> "$tmp/perftrace"
}

# One variant by its key: t_B / c_B (target / collateral, our backend B),
# bt_bpf / bc_bpf (CAP_BASE's), floor.
run_variant() {
	case "$1" in
	t_*) run_target "$CAP" "${1#t_}" "$1" ;;
	c_*) run_coll "$CAP" "${1#c_}" "$1" ;;
	bt_*) run_target "$CAP_BASE" "${1#bt_}" "$1" ;;
	bc_*) run_coll "$CAP_BASE" "${1#bc_}" "$1" ;;
	x_*) run_bpftax "${1#x_}" ;;
	pp_t_*) run_pp_target "$CAP" "${1#pp_t_}" "$1" ;;
	pp_bt_*) run_pp_target "$CAP_BASE" "${1#pp_bt_}" "$1" ;;
	pp_floor) run_pp_floor ;;
	floor) run_floor ;;
	c_floor) run_floor_coll ;;
	esac
}

variants=""
for b in $BACKENDS; do variants="$variants t_$b c_$b"; done
if [ -n "$CAP_BASE" ]; then
	for b in $BASE_BACKENDS; do variants="$variants bt_$b bc_$b"; done
fi
[ $have_perf = 1 ] && variants="$variants floor c_floor"
[ -x "$BUILD/bench/bpftax" ] &&
	variants="$variants x_empty x_cgroup"
if [ -x "$PP" ]; then
	for b in $PP_BACKENDS; do variants="$variants pp_t_$b"; done
	if [ -n "$CAP_BASE" ]; then
		for b in $BASE_BACKENDS; do
			case " $PP_BACKENDS " in *" $b "*) variants="$variants pp_bt_$b" ;; esac
		done
	fi
	[ $have_perf = 1 ] && variants="$variants pp_floor"
fi

r=1
while [ $r -le "$ROUNDS" ]; do
	echo "round $r/$ROUNDS" >&2
	echo "$r $(cut -d' ' -f1-3 /proc/loadavg)" >> "$tmp/load"
	run_bare
	[ -x "$PP" ] && run_pp_bare
	rotated "$r" run_variant $variants
	run_bare
	[ -x "$PP" ] && run_pp_bare
	run_bare_slow
	[ $have_strace = 1 ] && run_strace
	[ $have_ptrace = 1 ] && run_ptrace
	echo "$r $(cut -d' ' -f1-3 /proc/loadavg)" >> "$tmp/load"
	r=$((r + 1))
done


# ratios KEY COL [REF]: per round, KEY's column COL (2 wall, 3 CPU) over the
# mean of REF's (default bare) in the same round.
ratios() {
	awk -v col="$2" 'FNR == NR { s[$1] += $col; n[$1]++; next }
		($1 in n) && s[$1] > 0 { printf "%.3f\n", $col / (s[$1] / n[$1]) }' "$tmp/${3:-bare}" "$tmp/$1"
}
col() { awk -v c="$2" '{ print $c }' "$tmp/$1"; }

row() { # row NAME CALLS KEY [REF]
	if [ ! -s "$tmp/$3" ]; then
		echo "| $1 | $2 | not run (tool missing or not permitted) | | |"
		return
	fi
	echo "| $1 | $2 | $(col "$3" 2 | median) ($(col "$3" 2 | range)) | $(ratios "$3" 2 "${4:-bare}" | median)x ($(ratios "$3" 2 "${4:-bare}" | range)) | **$(ratios "$3" 3 "${4:-bare}" | median)x** ($(ratios "$3" 3 "${4:-bare}" | range)) |"
}

what() {
	case "$1" in
	bpf) echo "bpf (the default: in-kernel calls, errors, time)" ;;
	perf) echo "perf (ring records: calls, errors, time)" ;;
	counts) echo "counts (perf rings, sys_exit only: calls, errors, no time)" ;;
	pertask) echo "pertask (per-task counters: calls, errors; time sampled)" ;;
	*) echo "$1" ;;
	esac
}

echo "## Syscalls: counting overhead of every backend, the floor, and the tax on other processes"
echo
echo "Target: \`syscall_counts --getppid N\` (one thread, back-to-back getppid). $ROUNDS rounds, variants"
echo "in an order rotated each round; ratio = the loop's ns/call over the mean of the round's two bare"
echo "runs, median (min..max). Wall: the loop's own timing; CPU: its process's CPU time per call."
echo "Load average (1 min) during the run: $(awk '{ print $2 }' "$tmp/load" | range)."
[ "$PIN" = 1 ] && echo "Pinned: the timed loops on CPU $((ncpu - 1)), the captures and tools on CPU 0 (PIN=0 to not pin)."
echo
echo "| variant | calls | wall ns/call median (min..max) | wall ratio | CPU ratio |"
echo "|---|---|---|---|---|"
row "bare" "$N" bare
for b in $BACKENDS; do
	row "target under casefile-capture --syscalls=$(what "$b")" "$N" "t_$b"
done
if [ -n "$CAP_BASE" ]; then
	for b in $BASE_BACKENDS; do row "target under CAP_BASE ($CAP_BASE), $b" "$N" "bt_$b"; done
fi
row "floor: perf stat -e raw_syscalls:sys_enter (one count, no per-syscall split)" "$N" floor
for b in $BACKENDS; do
	row "collateral: an untraced process while --syscalls=$b follows a sleeping target" "$N" "c_$b"
done
if [ -n "$CAP_BASE" ]; then
	for b in $BASE_BACKENDS; do row "collateral while CAP_BASE's $b follows a sleeping target" "$N" "bc_$b"; done
fi
row "collateral: an untraced process while the floor (perf stat -e raw_syscalls:sys_enter) counts a sleeping target" "$N" c_floor
row "collateral: any BPF program on raw sys_enter/sys_exit, returning at once (bench/bpftax empty)" "$N" x_empty
row "collateral: a program whose first test is the task's cgroup, for a task outside it (bpftax cgroup)" "$N" x_cgroup
row "bare (short run)" "$N_SLOW" bare_slow bare_slow
row "strace -c -f" "$N_SLOW" strace bare_slow
row "perf trace -s" "$N_SLOW" perftrace bare_slow
if [ -s "$tmp/pp_bare" ]; then
	echo
	echo "Context-switch-heavy target: \`bench/pingpong $PP_N\` (a parent and its child, forked after the attach,"
	echo "passing a byte over two pipes: every read blocks). ns per read or write; CPU of both processes."
	echo
	echo "| variant | calls | wall ns/call median (min..max) | wall ratio | CPU ratio |"
	echo "|---|---|---|---|---|"
	row "bare" "$((4 * PP_N))" pp_bare pp_bare
	for b in $PP_BACKENDS; do
		row "under casefile-capture --syscalls=$b" "$((4 * PP_N))" "pp_t_$b" pp_bare
		[ -s "$tmp/pp_bt_$b" ] && row "under CAP_BASE --syscalls=$b" "$((4 * PP_N))" "pp_bt_$b" pp_bare
	done
	row "floor: perf stat -e raw_syscalls:sys_enter" "$((4 * PP_N))" pp_floor pp_bare
fi
echo
hz=$(getconf CLK_TCK)
for k in $(for b in $BACKENDS; do echo "t_$b"; done) $([ -n "$CAP_BASE" ] && for b in $BASE_BACKENDS; do echo "bt_$b"; done); do
	[ -s "$tmp/$k.seen" ] || continue
	lost=$(awk '{ s += $1 } END { print s + 0 }' "$tmp/$k.seen")
	seen=$(awk '{ print $2 }' "$tmp/$k.seen" | median)
	cpu=$(awk '{ print $3 }' "$tmp/$k.seen" | median)
	echo "- ${k#t_}: getppid counted per run (median) $seen of $N, $lost records lost over $ROUNDS runs;" \
		"the capture's own CPU while the loop ran: median $(awk "BEGIN { printf \"%.2f\", $cpu / $hz }") s."
done
# The targets of issue 19, judged on the CPU ratios (the wall ratios carry
# the machine's load).
if [ -s "$tmp/floor" ]; then
	fl=$(ratios floor 3 | median)
	echo
	for b in $BACKENDS; do
		[ -s "$tmp/t_$b" ] || continue
		t=$(ratios "t_$b" 3 | median); c=$(ratios "c_$b" 3 | median)
		awk -v b="$b" -v t="$t" -v f="$fl" -v c="$c" 'BEGIN {
			printf "- %s: target %.3fx against the floor %.3fx + 0.05 (%s); collateral %.3fx against 1.02x (%s)\n",
				b, t, f, t <= f + 0.05 ? "met" : "not met", c, c <= 1.02 ? "met" : "not met" }'
	done
fi
echo
echo "Targets (issue 19): the target within 0.05 of the floor; collateral at most 1.02x, median."
