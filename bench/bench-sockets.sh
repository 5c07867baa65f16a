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
#                      owners from the targets' fd directories)
#   same, all of /proc bench/sockdump -i -P: owners from every process, as ss -p
#   sockets source tick ticks.sample_us of casefile-capture --sources sockets
#                      on the holders (after the first tick; includes the
#                      change-only bundle writes)
set -u
BIN=${BIN:-bin}; BUILD=${BUILD:-build}
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

# median_ms R CMD...: prints "median (min..max)" of R timed runs of CMD.
median_ms() {
	_r=$1; shift
	"$@" >/dev/null 2>&1    # warm-up
	: > "$T/times"
	_i=0
	while [ $_i -lt "$_r" ]; do
		_a=$(now_ns); "$@" >/dev/null 2>&1; _b=$(now_ns)
		echo $(( (_b - _a) / 1000 )) >> "$T/times"
		_i=$((_i + 1))
	done
	sort -n "$T/times" | awk '{ v[NR] = $1 } END {
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.1f (%.1f..%.1f)", m / 1000, v[1] / 1000, v[NR] / 1000 }'
}
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

tick_ms() {   # capture a few ticks of the sockets source only; median sample ms after tick 1
	rm -f "$T/cap.db"
	"$BIN/casefile-capture" --sources sockets $PIDARGS --duration 4s --interval 1s -o "$T/cap.db" -q >/dev/null 2>&1 || { echo "-"; return; }
	sqlite3 "$T/cap.db" "SELECT sample_us / 1000.0 FROM ticks WHERE id > 1 AND sample_us IS NOT NULL" | median_val
	printf " (first tick %s)" "$(sqlite3 "$T/cap.db" "SELECT printf('%.1f', sample_us / 1000.0) FROM ticks WHERE id = 1")"
}

# Own CPU of a whole capture at the BRIEF's target point: a target holding
# 1,000 mostly idle established loopback sockets (500 connections, both
# ends), 1 s interval, 60 s, default sources and --sources sockets run side
# by side on the same holder. CPU % = (utime + stime) / wall of the capture
# process (GNU time), tick = median ticks.sample_us after the first tick.
# SOCKET_BENCH_ONLY=cpu runs only this part (~70 s).
cpu_at_1k() {
	start_holders 500 || return 1
	rm -f "$T/cpu.default.db" "$T/cpu.sockets.db"
	for m in default sockets; do
		if [ $m = sockets ]; then src="--sources sockets"; else src=""; fi
		/usr/bin/time -f "%U %S %e" -o "$T/time.$m" "$BIN/casefile-capture" $src $PIDARGS \
			--duration 60s --interval 1s -o "$T/cpu.$m.db" -q >/dev/null 2>&1 &
		eval "pid_$m=\$!"
	done
	wait "$pid_default" "$pid_sockets"
	stop_holders
	echo "Own CPU at 1 s with 1,000 target sockets (500 held connections), 60 s:"
	for m in default sockets; do
		printf -- "- %s: %s%% of a core, tick median %s ms\n" \
			"$([ $m = sockets ] && echo "\`--sources sockets\`" || echo "default sources")" \
			"$(awk '{ printf "%.2f", ($1 + $2) / $3 * 100 }' "$T/time.$m")" \
			"$(sqlite3 "$T/cpu.$m.db" "SELECT sample_us / 1000.0 FROM ticks WHERE id > 1 AND sample_us IS NOT NULL" | median_val)"
	done
	echo
}
if [ "${SOCKET_BENCH_ONLY:-}" = cpu ]; then
	cpu_at_1k
	exit
fi

echo "## Sockets: snapshot cost and bundle size"
echo
echo "Established loopback connections held by \`bench/sockhold\` (2 sockets and 2 fds each),"
echo "spread over processes of at most 9000 connections. Wall ms, median of R runs (min..max),"
echo "timed with \`date +%s%N\` around each command (fork+exec included), output to /dev/null."
echo "The casefile rows run the sockets source's code: a NETLINK_SOCK_DIAG dump of TCP v4+v6"
echo "with tcp_info, and owners (pid, fd) from the targets' fd directories only."
echo

have() { command -v "$1" >/dev/null 2>&1; }
ROWS=""
for n in $SIZES; do
	start_holders "$n" || exit 1
	rows=$(ss -tanH | wc -l)
	if [ "$n" -ge 30000 ]; then R=3; else R=5; fi
	echo "== $n connections ($rows tcp rows, $NPROC holder processes)" >&2
	c_snap=$(median_ms $R "$BUILD/bench/sockdump" -i -p "$PIDS")
	c_all=$(median_ms $R "$BUILD/bench/sockdump" -i -P)
	c_tick=$(tick_ms)
	s_pi=$(median_ms $R ss -tanpi)
	s_p=$(median_ms $R ss -tanp)
	if have netstat; then n_p=$(median_ms $R netstat -ntp); else n_p="not installed"; fi
	if have lsof; then l_i=$(median_ms $R lsof -i -n -P); else l_i="not installed"; fi
	stop_holders
	eval "r_snap_$n=\"\$c_snap\"; r_all_$n=\"\$c_all\"; r_tick_$n=\"\$c_tick\"; r_spi_$n=\"\$s_pi\"; r_sp_$n=\"\$s_p\"; r_np_$n=\"\$n_p\"; r_li_$n=\"\$l_i\"; r_rows_$n=\"$rows, $NPROC proc, R=$R\""
done

hdr="| command |"; sep="|---|"
for n in $SIZES; do eval "hdr=\"\$hdr N=$n (\$r_rows_$n) |\""; sep="$sep---|"; done
echo "$hdr"; echo "$sep"
row() {   # label var
	_l="| $1 |"
	for n in $SIZES; do eval "_l=\"\$_l \$${2}_$n |\""; done
	echo "$_l"
}
row "**casefile snapshot** (\`sockdump -i -p\` targets)" r_snap
row "casefile snapshot, owners from all of /proc (\`sockdump -i -P\`)" r_all
row "casefile sockets source, one tick (\`ticks.sample_us\`)" r_tick
row "\`ss -tanpi\`" r_spi
row "\`ss -tanp\`" r_sp
row "\`netstat -ntp\`" r_np
row "\`lsof -i -n -P\`" r_li
echo
echo "Ratio to \`ss -tanpi\` (target: at most 0.25), cold snapshot (every fd link read, fork+exec"
echo "included) and the sockets source's steady tick (owners cached, links read again only"
echo "for fds whose socket is new):"
for n in $SIZES; do
	eval "a=\"\$r_snap_$n\"; t=\"\$r_tick_$n\"; b=\"\$r_spi_$n\""
	echo "$a $t $b" | awk -v n="$n" '{ printf "- N=%s: cold %.2f, tick %.2f\n", n, $1 / $(NF - 1), $3 / $(NF - 1) }'
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
