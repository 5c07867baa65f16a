#!/bin/sh
# Bounds: the capture's own memory with a big target (30k sockets, 1,000
# threads, 50,000 log lines/s: samples/crowd.c), beside an idle target.
# Every default source plus --log, 1 s interval; VmRSS, VmHWM and RssAnon of
# the capture read from /proc every second.
#   BOUNDS_SECONDS=180 BOUNDS_IDLE_SECONDS=60 BOUNDS_SOCKETS=30000 BOUNDS_THREADS=1000 BOUNDS_RATE=50000
#   BENCH=bounds make bench
set -eu
BIN=${BIN:-bin}; BUILD=${BUILD:-build}
SECS=${BOUNDS_SECONDS:-180}
IDLE_SECS=${BOUNDS_IDLE_SECONDS:-60}
SOCKETS=${BOUNDS_SOCKETS:-30000}
THREADS=${BOUNDS_THREADS:-1000}
RATE=${BOUNDS_RATE:-50000}
tmp=$(mktemp -d /tmp/casefile-bench.XXXXXX)
pids=""
cleanup() {
	for p in $pids; do kill -TERM "$p" 2>/dev/null || true; done
	for p in $pids; do
		i=0; while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
		kill -KILL "$p" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null; }

# capture LABEL PID ARGS...: runs a capture of PID for $dur s at 1 s and
# leaves LABEL.rss (t vmrss vmhwm rssanon per second), LABEL.time
# (user sys maxrss_kb) and LABEL.db.
capture() {
	label=$1; target=$2; shift 2
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -f "%U %S %M" -o "$tmp/$label.time" \
			"$BIN/casefile-capture" -q --pid "$target" --interval 1s --duration "${dur}s" \
			-o "$tmp/$label.db" "$@" &
		w=$!
		i=0; c=""
		while [ -z "$c" ] && [ $i -lt 100 ]; do c=$(pgrep -P $w | head -n 1); [ -z "$c" ] && sleep 0.05; i=$((i + 1)); done
	else
		"$BIN/casefile-capture" -q --pid "$target" --interval 1s --duration "${dur}s" -o "$tmp/$label.db" "$@" &
		w=$!; c=$w
	fi
	t0=$(date +%s.%N); : > "$tmp/$label.rss"
	while kill -0 "$c" 2>/dev/null; do
		r=$(status_kb "$c" VmRSS); h=$(status_kb "$c" VmHWM); a=$(status_kb "$c" RssAnon)
		u=$(awk '{ print $14 + $15 }' "/proc/$c/stat" 2>/dev/null || true)
		[ -n "$r" ] && echo "$(echo "$(date +%s.%N) $t0" | awk '{ printf "%.1f", $1 - $2 }') $r $h $a $u" >> "$tmp/$label.rss"
		sleep 1
	done
	wait $w || echo "(capture '$label' exited $?)" >&2
	[ -f "$tmp/$label.time" ] || tail -n 1 "$tmp/$label.rss" | awk -v hz="$(getconf CLK_TCK)" \
		'{ printf "%.2f 0 %d\n", $5 / hz, $3 }' > "$tmp/$label.time"
}

# row LABEL DESCRIPTION: one Markdown row from the files capture() left.
row() {
	label=$1; what=$2; db="$tmp/$label.db"; rss="$tmp/$label.rss"
	q() { sqlite3 -readonly "$db" "$1"; }
	ticks=$(q "SELECT COUNT(*) FROM ticks")
	peak=$(awk '{ print $3 }' "$tmp/$label.time")
	polled=$(awk '$3 > m { m = $3 } END { print m + 0 }' "$rss")
	anon=$(awk '$4 > m { m = $4 } END { print m + 0 }' "$rss")
	at30=$(awk '$1 >= 30 { print $2; exit }' "$rss")
	# The last second of sampling: after it the sources close (the packet
	# ring is unmapped) and the indexes are built.
	end=$(awk -v s="$dur" '$1 <= s - 2 { r = $2 } END { print r }' "$rss")
	mid=$(awk -v s="$dur" '$1 >= s / 2 { print $2; exit }' "$rss")
	cpu=$(awk -v s="$dur" '{ printf "%.1f%% (%.1f s)", ($1 + $2) / s * 100, $1 + $2 }' "$tmp/$label.time")
	size=$(stat -c %s "$db")
	backoff=$(q "SELECT COUNT(*) FROM events WHERE kind = 'backoff'")
	drops=$(q "SELECT COALESCE(MAX(dropped_kernel), 0) || ' kernel, ' || COALESCE(MAX(not_stored_buffer), 0) || ' buffer' FROM pcap_stats")
	lost=$(q "SELECT COALESCE(SUM(lost), 0) || '/' || COALESCE(SUM(dropped), 0) FROM syscall_ticks")
	backlog=$(q "SELECT COALESCE(MAX(backlog_bytes), 0) FROM log_file_samples")
	mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
	echo "| $what | $ticks | **$(mib "$peak")** (polled $(mib "$polled")) | $(mib "$anon") | $(mib "${at30:-0}") / $(mib "${mid:-0}") / $(mib "${end:-0}") | $(awk -v a="${at30:-0}" -v b="${end:-0}" 'BEGIN { printf "%+.1f", (b - a) / 1024 }') | $(awk -v b="$size" 'BEGIN { printf "%.1f", b / 1048576 }') | $cpu | $backoff | $drops; syscalls lost/dropped $lost; log backlog max $backlog B |"
}

echo "## Bounds: the capture's memory with a big target"
echo
echo "All default sources + \`--log\`, \`--interval 1s\`, ${SECS} s each (idle: ${IDLE_SECS} s; crowd runs with"
echo "\`--max-size 1G\` so the 100M default cap does not end them early). RSS in MiB from"
echo "/proc/PID/status every second; peak = the capture's max RSS (getrusage, final index"
echo "build included). 32 MiB of every RSS is the packet ring (\`--pcap-buffer\`), mapped from"
echo "the kernel; RssAnon is the capture's own heap."
echo
echo "| target | ticks | peak RSS (VmHWM) | RssAnon max | RSS at 30 s / half / end of sampling | growth 30 s to end | bundle MiB | capture CPU (% of a core) | backoff events | packet drops; other losses |"
echo "|---|---|---|---|---|---|---|---|---|---|"

# Baseline: an idle process with one idle log.
sleep $((IDLE_SECS + 60)) &
idle=$!; pids="$pids $idle"
: > "$tmp/idle.log"
dur=$IDLE_SECS
capture idle $idle --log "$tmp/idle.log"
row idle "idle process, empty log"

"$BUILD/samples/crowd" --sockets "$SOCKETS" --threads "$THREADS" --log "$tmp/crowd.log" \
	--log-rate "$RATE" --log-rotate 256 --duration $((2 * SECS + 120)) > "$tmp/crowd.out" &
crowd=$!; pids="$pids $crowd"
i=0
while ! grep -q ready "$tmp/crowd.out" && [ $i -lt 1200 ]; do sleep 0.1; i=$((i + 1)); done
grep -q ready "$tmp/crowd.out" || { echo "(crowd did not start)"; exit 1; }
dur=$SECS
capture crowd $crowd --children --log "$tmp/crowd.log" --cpu-budget 100 --max-size 1G
row crowd "crowd: $SOCKETS sockets (2 child processes, --children), $THREADS threads, $RATE lines/s; --cpu-budget 100 (stays at 1 s)"
capture crowd_default $crowd --children --log "$tmp/crowd.log" --max-size 1G
row crowd_default "same, default budgets (--cpu-budget 5: backs off)"
echo
db="$tmp/crowd.db"
echo "Inside the 1 s crowd bundle: $(sqlite3 -readonly "$db" "SELECT COUNT(*) FROM sockets") sockets,"
echo "$(sqlite3 -readonly "$db" "SELECT COUNT(*) FROM threads") threads ($(sqlite3 -readonly "$db" "SELECT COUNT(*) FROM threads WHERE exit_tick IS NOT NULL") seen exiting),"
echo "$(sqlite3 -readonly "$db" "SELECT COUNT(*) FROM fingerprints") fingerprints, $(sqlite3 -readonly "$db" "SELECT COUNT(*) FROM flows") flows,"
echo "$(sqlite3 -readonly "$db" "SELECT COALESCE(SUM(records), 0) FROM log_counts") log records; tick time median"
echo "$(sqlite3 -readonly "$db" "SELECT sample_us / 1000 FROM ticks ORDER BY sample_us LIMIT 1 OFFSET (SELECT COUNT(*) / 2 FROM ticks)") ms, max $(sqlite3 -readonly "$db" "SELECT MAX(sample_us) / 1000 FROM ticks") ms."
echo "Back-off events of the default run: $(sqlite3 -readonly "$tmp/crowd_default.db" "SELECT group_concat(tick || ': ' || message, '; ') FROM events WHERE kind = 'backoff'")."
for l in idle crowd crowd_default; do
	echo
	echo "<details><summary>$l: t vmrss_kb vmhwm_kb rssanon_kb cpu_ticks, every 10th second</summary>"
	echo
	echo '```'
	awk 'NR % 10 == 1' "$tmp/$l.rss"
	echo '```'
	echo "</details>"
done
