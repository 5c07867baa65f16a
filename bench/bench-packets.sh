#!/bin/sh
# Packet capture on lo, casefile-capture beside tcpdump -w in the same run:
# at a few paced UDP rates (64-byte payloads, 106-byte frames), snaplen 128,
# the same 32 MiB kernel buffer and BPF filter, each tool alone with the
# sender: packets sent, captured and dropped, and CPU (user+sys) of each.
# Prints a Markdown section. Knobs: PACKETS_RATES="100000 200000", PACKETS_SECS=3.
set -u
BIN=${BIN:-bin}; BUILD=${BUILD:-build}
RATES=${PACKETS_RATES:-100000 200000 400000 600000}
SECS=${PACKETS_SECS:-3}
PORT=${PACKETS_PORT:-39990}
FILTER="udp dst port $PORT"
U="$BUILD/bench/udpblast"
tmp=$(mktemp -d /tmp/casefile-bench-packets.XXXXXX)
pids=""
trap 'for p in $pids; do kill $p 2>/dev/null; done; rm -rf "$tmp"' EXIT

if [ "$(id -u)" != 0 ] || ! command -v tcpdump >/dev/null 2>&1; then
	echo "## Packets: capture on lo against tcpdump"
	echo
	echo "Skipped: needs root and tcpdump."
	exit 0
fi

# wait_for TIMEOUT_S CMD...
wait_for() {
	_n=$(($1 * 10)); shift; _i=0
	while ! "$@" >/dev/null 2>&1; do
		_i=$((_i + 1)); [ $_i -ge $_n ] && return 1; sleep 0.1
	done
}
gone() { ! kill -0 "$1" 2>/dev/null; }
cpu_of() { awk '{ printf "%.2f", $1 + $2 }' "$1"; }

run_tcpdump() {  # RATE -> "sent captured drops cpu"
	rm -f "$tmp/go" "$tmp/td.pcap" "$tmp/td.err"
	"$U" -r "$1" -d "$SECS" -p $PORT -g "$tmp/go" -l 0 > "$tmp/s.txt" &
	s=$!; pids="$pids $s"
	bash -c "TIMEFORMAT='%U %S'; time tcpdump -i lo -n -s 128 -B 32768 -w '$tmp/td.pcap' '$FILTER' 2>'$tmp/td.err'" 2> "$tmp/td.time" &
	w=$!; pids="$pids $w"
	wait_for 20 grep -q "listening on" "$tmp/td.err" || { echo "tcpdump did not start" >&2; return 1; }
	touch "$tmp/go"
	wait $s
	# tcpdump retires a partly filled ring block after 1 s: wait before SIGINT
	sleep 1.5
	pkill -INT -P $w tcpdump
	wait $w
	size=$(stat -c %s "$tmp/td.pcap")
	drops=$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by kernel.*/\1/p' "$tmp/td.err")
	echo "$(awk '{ print $2 }' "$tmp/s.txt") $(( (size - 24) / 122 )) ${drops:-?} $(cpu_of "$tmp/td.time") $(awk '{ print $3 }' "$tmp/s.txt")"
}

run_casefile() {  # RATE -> "sent captured stored drops cpu lost_buffer"
	rm -f "$tmp/go" "$tmp"/cf.db*
	"$U" -r "$1" -d "$SECS" -p $PORT -g "$tmp/go" -l 0 > "$tmp/s.txt" &
	s=$!; pids="$pids $s"
	bash -c "TIMEFORMAT='%U %S'; time '$BIN/casefile-capture' --pid $s --sources packets --pcap-iface lo \
		--pcap-filter '$FILTER' --pcap-buffer 32 --pcap-max-size 2G --max-size 4G --mem-budget 2G \
		-q -o '$tmp/cf.db'" 2> "$tmp/cf.time" &
	w=$!; pids="$pids $w"
	running() { [ -e "$tmp/cf.db" ] && [ "$(sqlite3 "$tmp/cf.db" "SELECT status FROM sources WHERE name='packets'" 2>/dev/null)" = running ]; }
	wait_for 20 running || { echo "casefile did not start" >&2; return 1; }
	touch "$tmp/go"
	wait $s
	wait $w
	r=$(sqlite3 -separator ' ' "$tmp/cf.db" "SELECT MAX(captured), MAX(stored), MAX(dropped_kernel) + MAX(dropped_iface), MAX(not_stored_buffer) FROM pcap_stats")
	set -- $r
	echo "$(awk '{ print $2 }' "$tmp/s.txt") $1 $2 $3 $(tail -n 1 "$tmp/cf.time" | awk '{ printf "%.2f", $1 + $2 }') $4 $(awk '{ print $3 }' "$tmp/s.txt") $(stat -c %s "$tmp/cf.db")"
}

echo "## Packets: capture on lo, casefile-capture against tcpdump -w"
echo
echo "Paced UDP sender (\`bench/udpblast\`, sendmmsg, 64-byte payloads = 106-byte frames) for ${SECS} s per run,"
echo "snaplen 128, kernel buffer 32 MiB for both (\`tcpdump -B 32768\`, \`--pcap-buffer 32\`), filter \`$FILTER\`,"
echo "interface lo, each tool alone with the sender. casefile keeps every packet (\`--pcap-max-size 2G\`) and"
echo "runs only the packets source. CPU is user+sys of the whole process (casefile includes start-up,"
echo "SQLite writes and the final checkpoint). The sender's achieved rate varies between runs on a shared"
echo "machine, so the ratio compares CPU per packet captured. Lossless = every sent packet stored."
echo
echo "| offered pps | tcpdump: achieved pps | captured / sent | drops | CPU s | µs/pkt | file B/pkt | casefile: achieved pps | captured / sent | stored | drops | CPU s | µs/pkt | bundle B/pkt | CPU/pkt ratio |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
best_td=0; best_cf=0; ratio_at=""
for r in $RATES; do
	echo "rate $r: tcpdump" >&2
	t=$(run_tcpdump $r) || t="0 0 ? 0 0"
	tsize=$(stat -c %s "$tmp/td.pcap" 2>/dev/null || echo 0)
	echo "rate $r: casefile" >&2
	c=$(run_casefile $r) || c="0 0 0 ? 0 0 0 0"
	set -- $t; ts=$1; tc=$2; td=$3; tcpu=$4; tach=$5
	set -- $c; cs=$1; cc=$2; cst=$3; cd=$4; ccpu=$5; clost=$6; cach=$7; csize=$8
	tpp=$(awk "BEGIN { if ($tc > 0) printf \"%.3f\", $tcpu * 1e6 / $tc; else print 0 }")
	cpp=$(awk "BEGIN { if ($cc > 0) printf \"%.3f\", $ccpu * 1e6 / $cc; else print 0 }")
	tbp=$(awk "BEGIN { if ($tc > 0) printf \"%.0f\", $tsize / $tc; else print 0 }")
	cbp=$(awk "BEGIN { if ($cst > 0) printf \"%.1f\", $csize / $cst; else print 0 }")
	ratio=$(awk "BEGIN { if ($tpp > 0) printf \"%.2f\", $cpp / $tpp; else print \"-\" }")
	echo "| $r | $tach | $tc / $ts | $td | $tcpu | $tpp | $tbp | $cach | $cc / $cs | $cst | $cd | $ccpu | $cpp | $cbp | ${ratio}x |"
	[ "$tc" = "$ts" ] && [ "$ts" -gt 0 ] && [ "$tach" -gt "$best_td" ] && best_td=$tach
	[ "$cst" = "$cs" ] && [ "$cs" -gt 0 ] && [ "$cach" -gt "$best_cf" ] && best_cf=$cach
	if [ "$tc" = "$ts" ] && [ "$cst" = "$cs" ]; then ratio_at="${ratio}x at $r pps offered"; fi
	rm -f "$tmp/td.pcap" "$tmp"/cf.db*
done
echo
echo "Highest achieved rate kept lossless: tcpdump $best_td pps, casefile $best_cf pps."
echo "CPU per packet, casefile/tcpdump, at the highest offered rate both kept lossless: ${ratio_at:-none} (target: <= 1.5x)."
