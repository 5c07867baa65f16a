#!/bin/sh
# Syscall-counting overhead: a target making ~2M cheap syscalls (getppid),
# bare, under casefile-capture (bpf backend, the default; perf backend; perf
# without time), under `strace -c -f` and under `perf trace -s`, side by side
# in one run. The collateral rows time an untraced process while
# casefile-capture follows another one (a sleeping target). Rounds are interleaved (one run of
# each variant per round) and each ratio is paired with the bare run of the
# same round; medians are printed. The ratio is the target's own timing of
# its syscall loop (ns per call), so tool start-up does not count.
#
# The ptrace-based peers cost tens of µs per call, so they run N_SLOW calls
# (default 200k) instead of N (2M): the per-call ratio does not depend on N.
# Knobs: N, N_SLOW, ROUNDS. CAP_BASE=path/to/another/casefile-capture adds its
# bpf backend (target and collateral rows) to every round, in alternating order
# with ours: a before/after of a change to the backend in one run.
set -u
BIN=${BIN:-bin}; BUILD=${BUILD:-build}
N=${N:-2000000}; N_SLOW=${N_SLOW:-200000}; ROUNDS=${ROUNDS:-5}
W="$BUILD/samples/syscall_counts"
CAP="$BIN/casefile-capture"
CAP_BASE=${CAP_BASE:-}
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
trap cleanup EXIT INT TERM

have_strace=0; command -v strace >/dev/null 2>&1 && have_strace=1
have_perf=0; perf trace -s -o /dev/null -- true >/dev/null 2>&1 && have_perf=1

# ns/call printed by the workload: "calls N ns/call X".
nscall() { awk '/^calls/ { print $4 }' "$1"; }
# The process's CPU per call over the same loop: "cpu N ns/call X".
cpucall() { awk '/^cpu/ { print $4 }' "$1"; }

run_bare() {
	"$W" --cpu-time --clock 0 --enoent 0 --getppid "$1" > "$tmp/out"
	[ "$1" = "$N" ] && cpucall "$tmp/out" >> "$tmp/bare.cpuns"
	nscall "$tmp/out"
}

# run_casefile [CAPTURE OPTIONS]: the target's ns/call under casefile-capture
# ($USE_CAP when set: the CAP_BASE rows).
run_casefile() {
	rm -f "$tmp/go" "$tmp/c.db" "$tmp/c.err"
	"$W" --cpu-time --clock 0 --enoent 0 --getppid "$N" --wait-file "$tmp/go" > "$tmp/out" &
	w_pid=$!
	"${USE_CAP:-$CAP}" -v --pid "$w_pid" --duration 10m -o "$tmp/c.db" "$@" 2> "$tmp/c.err" &
	cap_pid=$!
	i=0
	while ! grep -q "capturing into" "$tmp/c.err" 2>/dev/null; do
		i=$((i + 1)); [ $i -gt 300 ] && break; sleep 0.1
	done
	t0=$(cpu_ticks "$cap_pid")
	touch "$tmp/go"
	wait "$w_pid"; w_pid=""
	t1=$(cpu_ticks "$cap_pid")
	[ $# -eq 0 ] && echo $((t1 - t0)) >> "$tmp/${USE_CAP:+base_}casefile.cpu"
	kill -INT "$cap_pid" 2>/dev/null; wait "$cap_pid"; cap_pid=""
	lost=$(sqlite3 "$tmp/c.db" "SELECT COALESCE(SUM(lost), 0) FROM syscall_ticks" 2>/dev/null || echo "?")
	seen=$(sqlite3 "$tmp/c.db" "SELECT COALESCE(SUM(calls), 0) FROM syscall_top WHERE name = 'getppid'" 2>/dev/null || echo "?")
	[ $# -eq 0 ] && echo "$lost $seen" >> "$tmp/${USE_CAP:+base_}casefile.lost"
	[ $# -eq 0 ] && cpucall "$tmp/out" >> "$tmp/${USE_CAP:+base_}casefile.cpuns"
	nscall "$tmp/out"
}

# utime + stime of a process, in clock ticks (fields 14, 15 after the comm).
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }

# run_collateral BACKEND: ns/call of an untraced getppid loop while
# casefile-capture --syscalls=BACKEND follows another (sleeping) process.
run_collateral() {
	rm -f "$tmp/c.db" "$tmp/c.err"
	sleep 600 &
	w_pid=$!
	"${USE_CAP:-$CAP}" -v --pid "$w_pid" --duration 10m -o "$tmp/c.db" --syscalls "$1" 2> "$tmp/c.err" &
	cap_pid=$!
	i=0
	while ! grep -q "capturing into" "$tmp/c.err" 2>/dev/null; do
		i=$((i + 1)); [ $i -gt 300 ] && break; sleep 0.1
	done
	"$W" --cpu-time --clock 0 --enoent 0 --getppid "$N" > "$tmp/out"
	[ "$1" = bpf ] && cpucall "$tmp/out" >> "$tmp/${USE_CAP:+base_}coll_bpf.cpuns"
	kill -INT "$cap_pid" 2>/dev/null; wait "$cap_pid"; cap_pid=""
	kill "$w_pid" 2>/dev/null; wait "$w_pid" 2>/dev/null; w_pid=""
	nscall "$tmp/out"
}

run_floor() {
	perf stat -e raw_syscalls:sys_enter -o /dev/null -- "$W" --cpu-time --clock 0 --enoent 0 --getppid "$N" > "$tmp/out" 2>/dev/null
	nscall "$tmp/out"
}

run_strace() {
	strace -c -f -o /dev/null "$W" --cpu-time --clock 0 --enoent 0 --getppid "$N_SLOW" > "$tmp/out"
	nscall "$tmp/out"
}

run_perf() {
	perf trace -s -o /dev/null -- "$W" --cpu-time --clock 0 --enoent 0 --getppid "$N_SLOW" > "$tmp/out" 2>/dev/null
	nscall "$tmp/out"
}

# median of the numbers on stdin
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "-"; exit }
	if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
range() { sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { if (NR) printf "%s..%s", lo, hi; else print "-" }'; }

: > "$tmp/casefile.lost"

# ours FILE FUNCTION [ARGS]: one run of FUNCTION (run_casefile or
# run_collateral), appended to FILE, its ratio to this round's bare run ($b) to
# FILE.ratio. base: the same with CAP_BASE's binary.
USE_CAP=
ours() {
	_f=$1; shift
	c=$("$@"); echo "$c" >> "$tmp/$_f"
	awk "BEGIN { printf \"%.3f\n\", $c / $b }" >> "$tmp/$_f.ratio"
}
base() { USE_CAP=$CAP_BASE; ours "$@"; USE_CAP=; }

r=1
while [ $r -le "$ROUNDS" ]; do
	echo "round $r/$ROUNDS" >&2
	b=$(run_bare "$N"); echo "$b" >> "$tmp/bare"
	bs=$(run_bare "$N_SLOW"); echo "$bs" >> "$tmp/bare_slow"
	# With CAP_BASE, the two binaries take turns going first.
	if [ -n "$CAP_BASE" ] && [ $((r % 2)) = 0 ]; then
		base base_casefile run_casefile; base base_coll_bpf run_collateral bpf
	fi
	ours casefile run_casefile
	ours coll_bpf run_collateral bpf
	if [ -n "$CAP_BASE" ] && [ $((r % 2)) = 1 ]; then
		base base_casefile run_casefile; base base_coll_bpf run_collateral bpf
	fi
	c=$(run_casefile --syscalls perf); echo "$c" >> "$tmp/perfsys"
	awk "BEGIN { printf \"%.3f\n\", $c / $b }" >> "$tmp/perfsys.ratio"
	c=$(run_collateral perf); echo "$c" >> "$tmp/coll_perf"
	awk "BEGIN { printf \"%.3f\n\", $c / $b }" >> "$tmp/coll_perf.ratio"
	c=$(run_casefile --syscalls counts); echo "$c" >> "$tmp/counts"
	awk "BEGIN { printf \"%.3f\n\", $c / $b }" >> "$tmp/counts.ratio"
	if [ $have_perf = 1 ]; then
		f=$(run_floor); echo "$f" >> "$tmp/floor"
		awk "BEGIN { printf \"%.3f\n\", $f / $b }" >> "$tmp/floor.ratio"
	fi
	if [ $have_strace = 1 ]; then
		s=$(run_strace); echo "$s" >> "$tmp/strace"
		awk "BEGIN { printf \"%.2f\n\", $s / $bs }" >> "$tmp/strace.ratio"
	fi
	if [ $have_perf = 1 ]; then
		p=$(run_perf); echo "$p" >> "$tmp/perf"
		awk "BEGIN { printf \"%.2f\n\", $p / $bs }" >> "$tmp/perf.ratio"
	fi
	r=$((r + 1))
done

row() { # row NAME CALLS FILE
	if [ ! -s "$tmp/$3" ]; then
		echo "| $1 | $2 | not run (tool missing or not permitted) | | |"
		return
	fi
	if [ -f "$tmp/$3.ratio" ]; then
		echo "| $1 | $2 | $(median < "$tmp/$3") ($(range < "$tmp/$3")) | **$(median < "$tmp/$3.ratio")x** ($(range < "$tmp/$3.ratio")) |"
	else
		echo "| $1 | $2 | $(median < "$tmp/$3") ($(range < "$tmp/$3")) | 1 |"
	fi
}

echo "## Syscalls: counting overhead against strace -c and perf trace -s"
echo
echo "Target: \`syscall_counts --getppid N\` (one thread, back-to-back getppid). $ROUNDS interleaved rounds;"
echo "ratio = the target's own ns/call under the tool over the bare run of the same round, median (min..max)."
echo
echo "| variant | calls | ns/call median (min..max) | ratio vs bare |"
echo "|---|---|---|---|"
row "bare" "$N" bare
row "bare (short run)" "$N_SLOW" bare_slow
row "casefile-capture (bpf backend, the default: in-kernel calls, errors, time)" "$N" casefile
row "casefile-capture --syscalls=perf (ring records: calls, errors, time)" "$N" perfsys
row "casefile-capture --syscalls=counts (sys_exit only: calls, errors, no time)" "$N" counts
row "floor: perf stat -e raw_syscalls:sys_enter (one count, no per-syscall split)" "$N" floor
row "collateral: another, untraced process while bpf follows a sleeping target" "$N" coll_bpf
row "collateral: another, untraced process while perf follows a sleeping target" "$N" coll_perf
if [ -n "$CAP_BASE" ]; then
	row "CAP_BASE ($CAP_BASE), bpf backend" "$N" base_casefile
	row "CAP_BASE collateral: untraced process while its bpf follows a sleeping target" "$N" base_coll_bpf
fi
row "strace -c -f" "$N_SLOW" strace
row "perf trace -s" "$N_SLOW" perf
echo
lost=$(awk '{ s += $1 } END { print s + 0 }' "$tmp/casefile.lost")
seen=$(awk '{ print $2 }' "$tmp/casefile.lost" | median)
hz=$(getconf CLK_TCK)
cpu=$(median < "$tmp/casefile.cpu")
loop_s=$(awk "BEGIN { printf \"%.2f\", $(median < "$tmp/casefile") * $N / 1e9 }")
echo "casefile (bpf): $lost records lost over $ROUNDS runs; getppid counted per run (median): $seen of $N;"
echo "the capture's own CPU while the target ran: median $(awk "BEGIN { printf \"%.2f\", $cpu / $hz }") s for a ${loop_s} s loop (map reads once a tick)."
if [ -n "$CAP_BASE" ]; then
	# CPU per call: what the loop cost its process (the programs' work on
	# its syscalls included), which a loaded machine's waits do not inflate.
	cpurow() { # cpurow NAME FILE
		paste "$tmp/bare.cpuns" "$tmp/$2.cpuns" | awk '{ printf "%.3f\n", $2 / $1 }' > "$tmp/$2.cpuratio"
		echo "| $1 | $(median < "$tmp/$2.cpuns") ($(range < "$tmp/$2.cpuns")) | **$(median < "$tmp/$2.cpuratio")x** ($(range < "$tmp/$2.cpuratio")) |"
	}
	echo
	echo "CPU time per call of the loop's process (CLOCK_PROCESS_CPUTIME_ID), same runs:"
	echo
	echo "| variant | CPU ns/call median (min..max) | ratio vs bare's CPU, same round |"
	echo "|---|---|---|"
	echo "| bare | $(median < "$tmp/bare.cpuns") ($(range < "$tmp/bare.cpuns")) | 1 |"
	cpurow "casefile-capture, bpf backend" casefile
	cpurow "CAP_BASE, bpf backend" base_casefile
	cpurow "collateral while bpf follows a sleeping target" coll_bpf
	cpurow "CAP_BASE collateral" base_coll_bpf
	paste "$tmp/casefile.cpuns" "$tmp/base_casefile.cpuns" | awk '{ printf "%.3f\n", $1 / $2 }' > "$tmp/ab"
	paste "$tmp/coll_bpf.cpuns" "$tmp/base_coll_bpf.cpuns" | awk '{ printf "%.3f\n", $1 / $2 }' > "$tmp/abc"
	echo
	echo "Ours over CAP_BASE, paired by round (CPU per call): target $(median < "$tmp/ab")x ($(range < "$tmp/ab")),"
	echo "collateral $(median < "$tmp/abc")x ($(range < "$tmp/abc"))."
	bseen=$(awk '{ print $2 }' "$tmp/base_casefile.lost" | median)
	bcpu=$(median < "$tmp/base_casefile.cpu")
	echo "CAP_BASE (bpf): getppid counted per run (median): $bseen of $N; its own CPU while the target ran: median $(awk "BEGIN { printf \"%.2f\", $bcpu / $hz }") s."
fi
echo "Target: at most 1.25x bare (issue 4)."
