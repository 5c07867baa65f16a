#!/bin/sh
# Remakes the golden bundles in tests/golden/bundles/ from the repository's own
# sample workloads, with casefile-capture. Run as root from the top of the
# tree after `make`:
#
#   sh tests/golden/make-bundles.sh            # all of them
#   sh tests/golden/make-bundles.sh pool       # one (pool healthy incident syscalls hotspot)
#
# A capture is not reproducible (pids, times, counts differ on every run), so
# the bundles are made once and committed; the expected outputs are then
# refreshed with `make golden-update` and the diff reviewed. Each bundle is
# kept well under 300 KB: short captures, packets and log shares capped.
set -eu
BIN=${BIN:-bin}; BUILD=${BUILD:-build}
top=$(pwd)
[ -f tests/golden/TESTLIST ] || { echo "$0: run from the top of the tree" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "$0: needs root (packets, sockets of any user, eBPF)" >&2; exit 2; }
CAP="$top/$BIN/casefile-capture"; S="$top/$BUILD/samples"
out="$top/tests/golden/bundles"
mkdir -p "$out"
work=$(mktemp -d /tmp/casefile-golden.XXXXXX)
pids=""
# "|| true": under set -e, a target already gone would end the trap before rm.
trap 'for p in $pids; do kill "$p" 2>/dev/null || true; done; sh "$top/samples/incident.sh" stop "$work/inc" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT INT TERM
cd "$work"

# waitline FILE: until FILE holds a line (a server's "listening on ...").
waitline() { i=0; while [ ! -s "$1" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done; [ -s "$1" ]; }
port_of() { sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$1"; }

# The common knobs: packets capped at 16 KB of stored headers, logs at 16 KB
# of messages.
COMMON="--pcap-max-size 16K --log-max-size 16K"

# keep NAME: compacts NAME.db into tests/golden/bundles/NAME.bundle. A bundle
# is mostly one 4 KiB page per table and index; rewritten with 1 KiB pages
# (rollback journal, as VACUUM cannot change the page size in WAL mode) it
# shrinks by half and holds the same rows. The analysis must not change.
keep() {
	"$top/$BIN/casefile-analyze" analyze "$1.db" --format json > "$1.before.json" || true
	sqlite3 "$1.db" "PRAGMA journal_mode = DELETE; PRAGMA page_size = 1024; VACUUM;" > /dev/null
	"$top/$BIN/casefile-analyze" analyze "$1.db" --format json > "$1.after.json" || true
	cmp -s "$1.before.json" "$1.after.json" || { echo "$0: compacting $1 changed its analysis" >&2; exit 1; }
	chmod 644 "$1.db"
	mv "$1.db" "$out/$1.bundle"
}

# pool: a keep-alive client whose pool grows to its cap of 48 against a slow
# server that answers in 1.5 s; answers left unread (pool-cap, stuck receive
# queues).
pool() {
	"$S/slow_server" --port 0 --delay-ms 1500 --duration 60 > pool-server.out &
	pids="$pids $!"
	waitline pool-server.out
	"$S/pool_client" --port "$(port_of pool-server.out)" --rate 10 --duration 60 2> pool-client.err &
	pids="$pids $!"
	$CAP --pid $! --duration 20s $COMMON -q -o pool.db
	keep pool
}

# healthy: the same server, fast (5 ms), and a small pool that reads every
# answer: every rule stays silent.
healthy() {
	"$S/slow_server" --port 0 --delay-ms 5 --duration 60 > healthy-server.out &
	pids="$pids $!"
	waitline healthy-server.out
	"$S/healthy_client" --port "$(port_of healthy-server.out)" --duration 60 2> healthy-client.err &
	pids="$pids $!"
	$CAP --pid $! --duration 12s $COMMON -q -o healthy.db
	keep healthy
}

# incident: the seed incident (samples/incident.sh: incident.c and its slow
# log sink), pool cap 16, with its JSON log followed.
incident() {
	BUILD="$top/$BUILD" DURATION=60 SINK_PORT=0 sh "$top/samples/incident.sh" start inc --cap 16 --rate-wave 0.5:20 > /dev/null
	$CAP --pid "$(cat inc/incident.pid)" --log inc/app.log --duration 25s $COMMON -q -o incident.db
	sh "$top/samples/incident.sh" stop inc
	keep incident
}

# syscalls: exact known counts (20,000 clock_gettime, 2,000 failing openat,
# 1,000 getppid over 2 threads), captured at 250 ms ticks.
syscalls() {
	"$S/syscall_counts" --clock 20000 --enoent 2000 --getppid 1000 --threads 2 \
		--wait-file go --done-file done --linger --pause-every 5000 > syscalls.out &
	w=$!; pids="$pids $w"
	$CAP --pid "$w" --interval 250ms --duration 6s $COMMON -v -o syscalls.db 2> syscalls-cap.err &
	c=$!
	# counted calls start once the capture's sources are open
	i=0; until grep -q "capturing into" syscalls-cap.err || [ $i -ge 300 ]; do sleep 0.1; i=$((i + 1)); done
	touch go
	wait "$c"
	kill "$w"
	keep syscalls
}

# hotspot: samples/cpuburn.c (burn_a 60% of its cycles, burn_b 30%, burn_c 10%)
# in a cgroup whose CFS quota, set 4 s into the 10 s capture, gives it 30 ms
# of CPU each 100 ms: throttled from then on (cpu-throttling's range is the
# second part; cpu-hotspot names burn_a), the profile on all along. The
# cgroup is the v2 cpu controller's, else v1's (with cpuacct beside it where
# that is a hierarchy of its own); removed at the end.
hotspot() {
	cg=""; acct=""
	if grep -qw cpu /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
		cg=/sys/fs/cgroup/casefile-golden-$$; mkdir "$cg"
		setq() { echo "30000 100000" > "$cg/cpu.max"; }
	else
		cg=/sys/fs/cgroup/cpu/casefile-golden-$$; mkdir "$cg"
		setq() { echo 30000 > "$cg/cpu.cfs_quota_us"; }
		if [ -d /sys/fs/cgroup/cpuacct ] && [ "$(readlink -f /sys/fs/cgroup/cpuacct)" != "$(readlink -f /sys/fs/cgroup/cpu)" ]; then
			acct=/sys/fs/cgroup/cpuacct/casefile-golden-$$; mkdir "$acct"
		fi
	fi
	"$S/cpuburn" --threads 1 --duration 60 > cpuburn.out &
	b=$!; pids="$pids $b"
	waitline cpuburn.out
	echo "$b" > "$cg/cgroup.procs"; [ -z "$acct" ] || echo "$b" > "$acct/cgroup.procs"
	$CAP --pid "$b" --duration 10s --no-packets $COMMON -v -o hotspot.db 2> hotspot-cap.err &
	c=$!
	i=0; until grep -q "capturing into" hotspot-cap.err || [ $i -ge 300 ]; do sleep 0.1; i=$((i + 1)); done
	sleep 4
	setq
	wait "$c"
	kill "$b"; wait "$b" 2>/dev/null || true
	rmdir "$cg" ${acct:+"$acct"}
	keep hotspot
}

for b in ${*:-pool healthy incident syscalls hotspot}; do
	echo "making $b.bundle"
	$b
done
ls -l "$out"
