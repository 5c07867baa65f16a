#!/bin/sh
# Socket snapshot cost, side by side with ss, netstat and lsof on the same
# socket table, and bundle bytes per socket-hour. Prints a Markdown section.
#
# bench/sockhold holds N established loopback connections (both ends, so 2N
# sockets and 2N fds) spread over several processes (fd hard limit 20000).
# Rows, each the median of R runs (min..max), wall ms including fork+exec,
# output to /dev/null:
#   casefile snapshot  bench/sockdump -i -p PIDS: the sockets source's own
#                      code (sock_diag dump of tcp v4+v6 with tcp_info, and
#                      owners of the targets' fds: through the BPF iterator
#                      of capture/sockets/fdowners.c as root on Linux 6.1+,
#                      else a readlink per fd; CASEFILE_FDOWNERS=off forces
#                      the links)
#   same, all of /proc bench/sockdump -i -P: owners from every process, as ss -p
#   sockets source tick ticks.sample_us of casefile-capture --sources sockets
#                      on the holders (after the first tick; includes the
#                      change-only bundle writes)
# Each command is run by bench/timeit (wall around its fork+exec+wait, CPU
# from its rusage); the commands of a size take turns, round after round.
#
# BEFORE=DIR: also run the code of another tree side by side (DIR/bin and
# DIR/build/bench hold its casefile-capture and sockdump), e.g. main's:
#   git worktree add /tmp/before main && make -C /tmp/before all build/bench/sockdump
#   BEFORE=/tmp/before BENCH=sockets make bench
# SOCKET_BENCH_ONLY=cold|cpu|busy|iter runs one part (cold: the cold snapshot
# beside ss -tanpi only, ~3 min with BEFORE).
set -u
BIN=${BIN:-bin}; BUILD=${BUILD:-build}
BEFORE=${BEFORE:-}
if [ -n "$BEFORE" ] && { [ ! -x "$BEFORE/bin/casefile-capture" ] || [ ! -x "$BEFORE/build/bench/sockdump" ]; }; then
	echo "BEFORE=$BEFORE: no bin/casefile-capture and build/bench/sockdump there" >&2
	exit 2
fi
SIZES=${SOCKET_BENCH_SIZES:-"1000 10000 30000"}
T=$(mktemp -d /tmp/casefile-bench-sockets.XXXXXX)
HOLDERS=""
cleanup() {
	for p in $HOLDERS; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

now_ns() { date +%s%N; }

# run_rounds R LABEL=CMD...: every CMD once a round, R rounds, taking turns
# (round i starts with the i-th command); "wall_us cpu_us" lines go to
# $T/r.LABEL. One warm-up run of each first.
run_rounds() {
	_r=$1; shift
	for _c in "$@"; do
		: > "$T/r.${_c%%=*}"
		"$BUILD/bench/timeit" sh -c "exec ${_c#*=}" >/dev/null 2>&1
	done
	_i=0
	while [ $_i -lt "$_r" ]; do
		_s=$((_i % $#)); _k=0; : > "$T/order"
		for _c in "$@"; do [ $_k -ge $_s ] && echo "$_c" >> "$T/order"; _k=$((_k + 1)); done
		_k=0
		for _c in "$@"; do [ $_k -lt $_s ] && echo "$_c" >> "$T/order"; _k=$((_k + 1)); done
		while IFS= read -r _c; do
			"$BUILD/bench/timeit" sh -c "exec ${_c#*=}" >> "$T/r.${_c%%=*}" 2>/dev/null
		done < "$T/order"
		_i=$((_i + 1))
	done
}
# med LABEL COLUMN: "median (min..max)" in ms of column 1 (wall) or 2 (CPU).
med() {
	cut -d' ' -f"$2" "$T/r.$1" | sort -n | awk '{ v[NR] = $1 } END { if (!NR) { print "-"; exit }
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.1f (%.1f..%.1f)", m / 1000, v[1] / 1000, v[NR] / 1000 }'
}
# medv LABEL COLUMN: the median alone, in ms.
medv() { med "$1" "$2" | cut -d' ' -f1; }
median_val() { sort -n | awk '{ v[NR] = $1 } END { if (!NR) { print "-"; exit }
	m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.1f", m }'; }

start_holders() {   # N -> HOLDERS, PIDS, PIDARGS
	_n=$1
	if [ "$_n" -le 9000 ]; then _k=1; else _k=$(( (_n + 7499) / 7500 )); fi
	_per=$(( _n / _k )); HOLDERS=""; PIDS=""; PIDARGS=""
	_j=0
	while [ $_j -lt $_k ]; do
		"$BUILD/bench/sockhold" "$_per" --duration 900 > "$T/hold.$_j" 2>&1 &
		HOLDERS="$HOLDERS $!"; PIDS="${PIDS:+$PIDS,}$!"; PIDARGS="$PIDARGS --pid $!"
		_j=$((_j + 1))
	done
	_j=0
	for p in $HOLDERS; do
		_w=0
		while ! grep -q ready "$T/hold.$_j" 2>/dev/null; do
			sleep 0.2; _w=$((_w + 1))
			[ $_w -lt 600 ] || { echo "sockhold did not get ready: $(cat "$T/hold.$_j")" >&2; return 1; }
		done
		_j=$((_j + 1))
	done
	NPROC=$_k
}

stop_holders() {
	for p in $HOLDERS; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	HOLDERS=""
	# SO_LINGER 0: the sockets go at once; wait until the table is small again.
	_w=0
	while [ "$(ss -tanH 2>/dev/null | wc -l)" -gt 2000 ] && [ $_w -lt 100 ]; do sleep 0.1; _w=$((_w + 1)); done
}

tick_ms() {   # BIN: a few ticks of the sockets source only; median sample ms after tick 1
	rm -f "$T/cap.db"
	"$1/casefile-capture" --sources sockets $PIDARGS --duration 4s --interval 1s -o "$T/cap.db" -q >/dev/null 2>&1 || { echo "-"; return; }
	sqlite3 "$T/cap.db" "SELECT sample_us / 1000.0 FROM ticks WHERE id > 1 AND sample_us IS NOT NULL" | median_val
	printf " (first tick %s)" "$(sqlite3 "$T/cap.db" "SELECT printf('%.1f', sample_us / 1000.0) FROM ticks WHERE id = 1")"
}

# Own CPU of a whole capture at the BRIEF's target point: a target holding
# 1,000 mostly idle established loopback sockets (500 connections, both
# ends), 1 s interval, SOCKET_CPU_SECONDS (60) s, default sources and
# --sources sockets, each with the netlink (netlink.*: --sockets-backend=netlink)
# and the iter (iter.*: the default) backend, all at once on the same holder
# (with BEFORE: its two too, with its own defaults), SOCKET_CPU_ROUNDS (2) rounds. CPU % = (utime +
# stime) / wall of the capture process (GNU time); steady = the CPU time of
# its threads (/proc/PID/task/*/schedstat) from 6 s in to 2 s before the end,
# over that time (no start-up: BPF loading, the first owner scan, symbol
# tables); tick = median ticks.sample_us after the first tick.
# SOCKET_BENCH_ONLY=cpu runs only this.
# sched_ns PID: CPU ns of all of PID's threads so far (0 when gone).
sched_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%.0f\n", s }'; }
cpu_at_1k() {
	_secs=${SOCKET_CPU_SECONDS:-60}; _rounds=${SOCKET_CPU_ROUNDS:-2}
	start_holders 500 || return 1
	modes="netlink.default netlink.sockets iter.default iter.sockets"
	[ -n "$BEFORE" ] && modes="before.default before.sockets $modes"
	for m in $modes; do : > "$T/cpu.$m"; : > "$T/tick.$m"; : > "$T/steady.$m"; done
	_load=""
	_i=0
	while [ $_i -lt "$_rounds" ]; do
		_load="$_load $(cut -d' ' -f1 /proc/loadavg)"
		_pids=""
		for m in $modes; do
			case $m in before.*) b="$BEFORE/bin" ;; *) b="$BIN" ;; esac
			case $m in *.sockets) src="--sources sockets" ;; *) src="" ;; esac
			case $m in netlink.*) src="$src --sockets-backend=netlink" ;; esac
			rm -f "$T/cpu.$m.db"
			/usr/bin/time -f "%U %S %e" -o "$T/time.$m" "$b/casefile-capture" $src $PIDARGS \
				--duration "${_secs}s" --interval 1s -o "$T/cpu.$m.db" -q >/dev/null 2>&1 &
			echo $! > "$T/tpid.$m"
			_pids="$_pids $!"
		done
		# Steady state: CPU of every thread (schedstat, ns) from 6 s in
		# to 2 s before the end, without start-up and the final writes.
		sleep 6
		for m in $modes; do
			_c=$(pgrep -P "$(cat "$T/tpid.$m")" | head -1)
			echo "$_c $(sched_ns "$_c")" > "$T/s0.$m"
		done
		sleep $((_secs - 8))
		for m in $modes; do
			read -r _c _n0 < "$T/s0.$m"
			echo "$_n0 $(sched_ns "$_c") $((_secs - 8))" | awk '{ printf "%.3f\n", ($2 - $1) / 1e9 / $3 * 100 }' \
				>> "$T/steady.$m"
		done
		wait $_pids
		for m in $modes; do
			awk '{ printf "%.3f\n", ($1 + $2) / $3 * 100 }' "$T/time.$m" >> "$T/cpu.$m"
			sqlite3 "$T/cpu.$m.db" "SELECT sample_us / 1000.0 FROM ticks WHERE id > 1 AND sample_us IS NOT NULL" \
				| median_val >> "$T/tick.$m"; echo >> "$T/tick.$m"
		done
		_i=$((_i + 1))
	done
	_load="$_load $(cut -d' ' -f1 /proc/loadavg)"
	stop_holders
	echo "Own CPU at 1 s with 1,000 target sockets (500 held connections), ${_secs} s, $_rounds rounds"
	echo "(all captures of a round at once on the same holder; load average at each round's start and the end:$_load):"
	echo
	echo "| capture | CPU % of a core, whole run (each round) | steady: 6 s to end - 2 s (each round) | tick median ms (each round) |"
	echo "|---|---|---|---|"
	for m in $modes; do
		case $m in *.sockets) what="\`--sources sockets\`" ;; *) what="default sources" ;; esac
		case $m in netlink.*) what="$what \`--sockets-backend=netlink\`" ;; iter.*) what="$what (iter)" ;;
			before.*) what="$what (\`$BEFORE\`)" ;; esac
		echo "| ${m%%.*}: $what | $(tr '\n' ' ' < "$T/cpu.$m") | $(tr '\n' ' ' < "$T/steady.$m") | $(tr '\n' ' ' < "$T/tick.$m") |"
	done
	echo
}
# The tick in a busy namespace: a network namespace of its own where
# bench/twmaker left ~14-20k TIME_WAIT sockets (what a host that opens many
# short connections carries) beside a target holding 1,000 sockets
# (sockhold 500). --sources sockets, 1 s ticks, SOCKET_BUSY_SECONDS (20) s,
# before and after at once, 2 rounds. SOCKET_BENCH_ONLY=busy runs only this.
busy_ns() {
	_secs=${SOCKET_BUSY_SECONDS:-20}
	cat > "$T/busy.sh" <<'BUSY'
set -u
ip link set lo up
"$BUILD/bench/sockhold" 500 --duration 900 > "$T/busy.hold" 2>&1 &
hp=$!
_w=0
while ! grep -q ready "$T/busy.hold" 2>/dev/null; do sleep 0.2; _w=$((_w + 1)); [ $_w -lt 300 ] || exit 1; done
"$BUILD/bench/twmaker" 20000 > /dev/null || exit 1
echo "tw $(ss -tanH state time-wait | wc -l) load $(cut -d' ' -f1 /proc/loadavg)" > "$T/busy.info"
modes="after"; [ -n "$BEFORE" ] && modes="before after"
for r in 1 2; do
	pids=""
	for m in $modes; do
		if [ $m = before ]; then b="$BEFORE/bin"; else b="$BIN"; fi
		rm -f "$T/busy.$m.$r.db"
		/usr/bin/time -f "%U %S %e" -o "$T/busy.$m.$r.time" "$b/casefile-capture" --sources sockets --pid $hp \
			--duration "${SECS}s" --interval 1s -o "$T/busy.$m.$r.db" -q >/dev/null 2>&1 &
		pids="$pids $!"
	done
	wait $pids
done
kill $hp
BUSY
	T="$T" BUILD="$BUILD" BIN="$BIN" BEFORE="$BEFORE" SECS="$_secs" unshare -n sh "$T/busy.sh" || { echo "(busy namespace: could not run)"; echo; return; }
	echo "The tick in a busy namespace ($(cat "$T/busy.info" | awk '{ print $2 }') TIME_WAIT sockets and a target holding 1,000"
	echo "sockets, a namespace of its own; \`--sources sockets\`, 1 s ticks, ${_secs} s, before and after at once,"
	echo "2 rounds; load average $(awk '{ print $4 }' "$T/busy.info") at the start):"
	echo
	echo "| capture | CPU % of a core (each round) | tick median ms (each round) | full-dump ticks, median ms |"
	echo "|---|---|---|---|"
	for m in before after; do
		[ -f "$T/busy.$m.1.time" ] || continue
		c=""; k=""; f=""
		for r in 1 2; do
			c="$c $(awk '{ printf "%.3f", ($1 + $2) / $3 * 100 }' "$T/busy.$m.$r.time")"
			k="$k $(sqlite3 "$T/busy.$m.$r.db" "SELECT sample_us / 1000.0 FROM ticks WHERE id > 1" | median_val)"
			f="$f $(sqlite3 "$T/busy.$m.$r.db" "SELECT sample_us / 1000.0 FROM ticks WHERE id IN (SELECT DISTINCT tick
				FROM socket_totals WHERE state = 'TIME_WAIT') AND id > 1" | median_val)"
		done
		echo "| $m |$c |$k |$f |"
	done
	echo
}
if [ "${SOCKET_BENCH_ONLY:-}" = busy ]; then
	busy_ns
	exit
fi
# The cold snapshot through the BPF iterator (bench/sockiterdump: libbpf
# load, the verifier, one iterator read per holder) beside bench/sockdump
# and `ss -tanpi`, at SOCKET_ITER_SIZES (1000 10000) connections,
# SOCKET_ITER_ROUNDS (5) rounds taking turns. SOCKET_BENCH_ONLY=iter.
iter_snapshot() {
	echo "Cold snapshot, CPU ms (user + system), median (min..max); load average at start: $(cut -d' ' -f1 /proc/loadavg)"
	echo
	echo "| N | sockdump -i -p (netlink + readlink) | sockiterdump -p (BPF iterator) | ss -tanpi | netlink / ss | iter / ss |"
	echo "|---|---|---|---|---|---|"
	for n in ${SOCKET_ITER_SIZES:-1000 10000}; do
		start_holders "$n" || return 1
		run_rounds "${SOCKET_ITER_ROUNDS:-5}" "nl=$BUILD/bench/sockdump -i -p $PIDS" \
			"it=$BUILD/bench/sockiterdump -p $PIDS" "ss=ss -tanpi"
		echo "| $n | $(med nl 2) | $(med it 2) | $(med ss 2) |" \
			"$(echo "$(medv nl 2) $(medv ss 2)" | awk '{ printf "%.2f", $1 / $2 }') |" \
			"$(echo "$(medv it 2) $(medv ss 2)" | awk '{ printf "%.2f", $1 / $2 }') |"
		stop_holders
	done
	echo
}
if [ "${SOCKET_BENCH_ONLY:-}" = iter ]; then
	iter_snapshot
	exit
fi
if [ "${SOCKET_BENCH_ONLY:-}" = cpu ]; then
	cpu_at_1k
	exit
fi
# The cold snapshot alone: bench/sockdump -i -p (and BEFORE's) beside
# `ss -tanpi`, CPU ms (user + system under bench/timeit), at
# SOCKET_COLD_SIZES (1000 10000 30000) connections, SOCKET_COLD_ROUNDS (7;
# 5 at 30k) rounds taking turns, load average at each size's start and end.
# SOCKET_BENCH_ONLY=cold.
cold_snapshot() {
	echo "Cold snapshot, CPU ms (user + system), median of R rounds (min..max), the commands of a size taking turns:"
	echo
	if [ -n "$BEFORE" ]; then
		echo "| N (rows, holders, R, load start-end) | before: \`sockdump -i -p\` | **after** | \`ss -tanpi\` | before / ss | **after / ss** |"
		echo "|---|---|---|---|---|---|"
	else
		echo "| N (rows, holders, R, load start-end) | \`sockdump -i -p\` | \`ss -tanpi\` | sockdump / ss |"
		echo "|---|---|---|---|"
	fi
	for n in ${SOCKET_COLD_SIZES:-1000 10000 30000}; do
		start_holders "$n" || return 1
		rows=$(ss -tanH | wc -l)
		_r=${SOCKET_COLD_ROUNDS:-7}; [ "$n" -ge 30000 ] && _r=${SOCKET_COLD_ROUNDS:-5}
		_l0=$(cut -d' ' -f1 /proc/loadavg)
		set -- "after=$BUILD/bench/sockdump -i -p $PIDS" "spi=ss -tanpi"
		[ -n "$BEFORE" ] && set -- "before=$BEFORE/build/bench/sockdump -i -p $PIDS" "$@"
		run_rounds "$_r" "$@"
		_l1=$(cut -d' ' -f1 /proc/loadavg)
		stop_holders
		if [ -n "$BEFORE" ]; then
			echo "| $n ($rows, $NPROC, R=$_r, $_l0-$_l1) | $(med before 2) | **$(med after 2)** | $(med spi 2) |" \
				"$(echo "$(medv before 2) $(medv spi 2)" | awk '{ printf "%.2f", $1 / $2 }') |" \
				"**$(echo "$(medv after 2) $(medv spi 2)" | awk '{ printf "%.2f", $1 / $2 }')** |"
		else
			echo "| $n ($rows, $NPROC, R=$_r, $_l0-$_l1) | $(med after 2) | $(med spi 2) |" \
				"$(echo "$(medv after 2) $(medv spi 2)" | awk '{ printf "%.2f", $1 / $2 }') |"
		fi
		rm -f "$T"/r.*
	done
	echo
	# What starting each costs before it reads a socket (timeit's sh + exec
	# + exit), in every number above.
	run_rounds 7 "f_sd=$BUILD/bench/sockdump -h" "f_ss=ss -h"
	echo "Start-up alone (sh + exec + exit, no socket read; CPU ms, 7 rounds): \`sockdump -h\` $(med f_sd 2), \`ss -h\` $(med f_ss 2)."
	echo
}
if [ "${SOCKET_BENCH_ONLY:-}" = cold ]; then
	cold_snapshot
	exit
fi

echo "## Sockets: snapshot cost and bundle size"
echo
echo "Established loopback connections held by \`bench/sockhold\` (2 sockets and 2 fds each),"
echo "spread over processes of at most 9000 connections. Each command run by \`bench/timeit\`"
echo "(wall around its fork+exec+wait; CPU = its user + system time), output to /dev/null, the"
echo "commands of a size taking turns round after round. The casefile rows run the sockets"
echo "source's code: one NETLINK_SOCK_DIAG dump of TCP v4+v6 with tcp_info, and owners (pid, fd)"
echo "from the targets' fd directories only (a \`readlink\` per fd)."
echo

have() { command -v "$1" >/dev/null 2>&1; }
for n in $SIZES; do
	start_holders "$n" || exit 1
	rows=$(ss -tanH | wc -l)
	if [ "$n" -ge 30000 ]; then R=3; else R=5; fi
	echo "== $n connections ($rows tcp rows, $NPROC holder processes)" >&2
	load0=$(cut -d' ' -f1 /proc/loadavg)
	set -- "after=$BUILD/bench/sockdump -i -p $PIDS" "all=$BUILD/bench/sockdump -i -P" "spi=ss -tanpi" "sp=ss -tanp"
	[ -n "$BEFORE" ] && set -- "before=$BEFORE/build/bench/sockdump -i -p $PIDS" "$@"
	have netstat && set -- "$@" "np=netstat -ntp"
	have lsof && set -- "$@" "li=lsof -i -n -P"
	run_rounds $R "$@"
	"$BUILD/bench/sockdump" -i -p "$PIDS" > "$T/inproc" 2>&1
	c_tick=$(tick_ms "$BIN")
	b_tick="-"; [ -n "$BEFORE" ] && b_tick=$(tick_ms "$BEFORE/bin")
	load1=$(cut -d' ' -f1 /proc/loadavg)
	stop_holders
	for l in before after all spi sp np li; do
		if [ -s "$T/r.$l" ]; then w=$(med $l 1); c=$(med $l 2); cv=$(medv $l 2); wv=$(medv $l 1)
		else w="-"; c="-"; cv=""; wv=""; fi
		eval "w_${l}_$n=\"\$w\"; c_${l}_$n=\"\$c\"; cv_${l}_$n=\"\$cv\"; wv_${l}_$n=\"\$wv\""
		rm -f "$T/r.$l"
	done
	eval "r_tick_$n=\"\$c_tick\"; r_btick_$n=\"\$b_tick\"; r_rows_$n=\"$rows, $NPROC proc, R=$R, load $load0-$load1\""
	eval "r_in_$n=\"\$(sed -n 's/.*ms \\([0-9.]*\\) (dump \\([0-9.]*\\), owners \\([0-9.]*\\)).*/\\1 (dump \\2, owners \\3)/p' "$T/inproc")\""
done

hdr="| command |"; sep="|---|"
for n in $SIZES; do eval "hdr=\"\$hdr N=$n (\$r_rows_$n) |\""; sep="$sep---|"; done
row() {   # label var
	_l="| $1 |"
	for n in $SIZES; do eval "_l=\"\$_l \$${2}_$n |\""; done
	echo "$_l"
}
table() {   # w|c
	echo "$hdr"; echo "$sep"
	[ -n "$BEFORE" ] && row "casefile snapshot, **before** (\`sockdump -i -p\` targets, \`$BEFORE\`)" ${1}_before
	row "**casefile snapshot** (\`sockdump -i -p\` targets)" ${1}_after
	row "casefile snapshot, owners from all of /proc (\`sockdump -i -P\`)" ${1}_all
	row "\`ss -tanpi\`" ${1}_spi
	row "\`ss -tanp\`" ${1}_sp
	row "\`netstat -ntp\`" ${1}_np
	row "\`lsof -i -n -P\`" ${1}_li
	echo
}
echo "Wall ms (fork+exec+wait), median of R rounds (min..max):"
echo
table w
echo "CPU ms (user + system of the command), median of R rounds (min..max):"
echo
table c
echo "Inside the after snapshot (its own clock, one run): $(for n in $SIZES; do eval "printf 'N=%s %s ms; ' $n \"\$r_in_$n\""; done)"
echo "Sockets source, one steady tick (\`ticks.sample_us\` median after the first, ms): after $(for n in $SIZES; do eval "printf 'N=%s %s; ' $n \"\$r_tick_$n\""; done)"
[ -n "$BEFORE" ] && echo "before $(for n in $SIZES; do eval "printf 'N=%s %s; ' $n \"\$r_btick_$n\""; done)"
echo
echo "Ratio to \`ss -tanpi\` of the cold snapshot (target: at most 0.25), by wall / by CPU:"
for n in $SIZES; do
	eval "aw=\$wv_after_$n; ac=\$cv_after_$n; bw=\$wv_before_$n; bc=\$cv_before_$n; sw=\$wv_spi_$n; sc=\$cv_spi_$n"
	if [ -n "$BEFORE" ]; then
		echo "$n $aw $ac $bw $bc $sw $sc" | awk '{ printf "- N=%s: after %.2f / %.2f, before %.2f / %.2f\n", $1, $2 / $6, $3 / $7, $4 / $6, $5 / $7 }'
	else
		echo "$n $aw $ac $sw $sc" | awk '{ printf "- N=%s: %.2f / %.2f\n", $1, $2 / $4, $3 / $5 }'
	fi
done
echo

# Bundle bytes per socket-hour: 1000 idle connections (2000 target sockets),
# a 30 s capture at 1 s ticks with the keyframe shortened to 5 s so the
# keyframe cost shows; the per-row sizes are then priced at the default
# keyframe (60 s) for one hour.
start_holders 1000 || exit 1
rm -f "$T/size.db"
"$BIN/casefile-capture" --sources sockets $PIDARGS --duration 30s --interval 1s --socket-keyframe 5s \
	-o "$T/size.db" -q >/dev/null 2>&1
stop_holders
sqlite3 "$T/size.db" "
WITH b AS (SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name),
     n AS (SELECT (SELECT COUNT(*) FROM sockets) AS socks, (SELECT COUNT(*) FROM socket_samples) AS rows,
                  (SELECT COUNT(*) FROM ticks) AS ticks, (SELECT COUNT(*) FROM socket_totals) AS trows)
SELECT printf('%d sockets, %d ticks: %d socket_samples rows (%.1f per socket; %d keyframes), sockets table %.1f B/socket, socket_samples %.1f B/row, socket_totals %.0f B/tick.',
              socks, ticks, rows, 1.0 * rows / socks, (SELECT SUM(keyframe) FROM socket_samples),
              (SELECT bytes FROM b WHERE name = 'sockets') * 1.0 / socks,
              (SELECT bytes FROM b WHERE name = 'socket_samples') * 1.0 / rows,
              (SELECT bytes FROM b WHERE name = 'socket_totals') * 1.0 / ticks),
       printf('**%.0f bytes per socket-hour** for an idle socket at 1 s ticks and the default 60 s keyframe (entity + 60 keyframes + its share of socket_totals); a 1-hour capture of 1,000 such sockets: %.2f MB in socket tables.',
              (SELECT bytes FROM b WHERE name = 'sockets') * 1.0 / socks
              + 60 * (SELECT bytes FROM b WHERE name = 'socket_samples') * 1.0 / rows
              + 3600.0 * (SELECT bytes FROM b WHERE name = 'socket_totals') / ticks / socks,
              1000 * ((SELECT bytes FROM b WHERE name = 'sockets') * 1.0 / socks
              + 60 * (SELECT bytes FROM b WHERE name = 'socket_samples') * 1.0 / rows
              + 3600.0 * (SELECT bytes FROM b WHERE name = 'socket_totals') / ticks / socks) / 1e6)
FROM n" | sed 's/|/\n\n/' > "$T/size.txt" 2>&1
echo "Bundle size: $(cat "$T/size.txt")"
echo "Whole bundle of that 30 s capture: $(stat -c %s "$T/size.db") bytes."
echo
cpu_at_1k
busy_ns
