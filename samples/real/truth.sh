#!/bin/sh
# Ground truth, recorded without casefile while a capture runs:
#   sh samples/real/truth.sh OUT SECONDS PID [--children]
# Once a second, for SECONDS, appends to OUT lines "SECOND KEY VALUE":
#   procs N        processes counted (PID, plus its descendants with --children)
#   threads N      sum of Threads: in /proc/P/status
#   fds N          sum of entries in /proc/P/fd
#   rss_kb N       sum of VmRSS
#   wchar N        sum of wchar in /proc/P/io (bytes written by write-like syscalls)
#   out:PORT N     TCP sockets of those processes (any state but LISTEN) whose
#                  local port is not one they listen on, per remote port (`ss -tanp`)
#   in:PORT N      the same for sockets on a port they listen on, per local port
#   recvq:PORT N   bytes in the receive queues of the out:PORT sockets
#   estab:PORT N   the out:PORT sockets in ESTABLISHED only (without attempts a
#                  server accepted and closed at once, caught on their way out)
# SECOND is the wall-clock second since the start, from 1 (a slow second is
# skipped, not shifted). Stops after SECONDS of wall time, or when PID exits.
set -u
out=$1; secs=$2; pid=$3; children=${4:-}

pids_of() {
	if [ "$children" = --children ]; then
		# PID and its descendants, from every process's parent pid.
		ps -e -o pid=,ppid= | awk -v root="$1" '
			{ par[$1] = $2 }
			END {
				in_[root] = 1; out = root; more = 1
				while (more) { more = 0
					for (p in par) if (!(p in in_) && (par[p] in in_)) { in_[p] = 1; out = out " " p; more = 1 } }
				print out
			}'
	else
		echo "$1"
	fi
}

t0=$(date +%s)
i=1
while [ "$i" -le "$secs" ] && kill -0 "$pid" 2>/dev/null; do
	ps=$(pids_of "$pid")
	n=0; th=0; fd=0; rss=0; rch=0
	for p in $ps; do
		[ -r /proc/$p/status ] || continue
		n=$((n + 1))
		t=$(awk '/^Threads:/{print $2}' /proc/$p/status 2>/dev/null); th=$((th + ${t:-0}))
		r=$(awk '/^VmRSS:/{print $2}' /proc/$p/status 2>/dev/null); rss=$((rss + ${r:-0}))
		f=$(ls /proc/$p/fd 2>/dev/null | wc -l); fd=$((fd + f))
		c=$(awk '/^wchar:/{print $2}' /proc/$p/io 2>/dev/null); rch=$((rch + ${c:-0}))
	done
	{
		echo "$i procs $n"; echo "$i threads $th"; echo "$i fds $fd"; echo "$i rss_kb $rss"; echo "$i wchar $rch"
		ss -tanpH 2>/dev/null | awk -v sec="$i" -v pids=" $ps " '
		function port(a) { sub(/.*:/, "", a); return a }
		{
			# users:(("nginx",pid=12,fd=6),("nginx",pid=13,fd=6))
			mine = 0; u = $0
			while (match(u, /pid=[0-9]+/)) {
				if (index(pids, " " substr(u, RSTART + 4, RLENGTH - 4) " ")) mine = 1
				u = substr(u, RSTART + RLENGTH)
			}
			if (!mine) next
			if ($1 == "LISTEN") { listen[port($4)] = 1; next }
			n++; st[n] = $1; rq[n] = $2; lp[n] = port($4); rp[n] = port($5)
		}
		END {
			for (k = 1; k <= n; k++) {
				if (lp[k] in listen) inn[lp[k]]++
				else { outc[rp[k]]++; q[rp[k]] += rq[k]; if (st[k] == "ESTAB") est[rp[k]]++ }
			}
			for (p in inn) print sec, "in:" p, inn[p]
			for (p in outc) { print sec, "out:" p, outc[p]; print sec, "recvq:" p, q[p]; print sec, "estab:" p, est[p] + 0 }
		}'
	} >> "$out"
	sleep 1
	i=$(( $(date +%s) - t0 + 1 ))
done
