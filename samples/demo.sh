#!/bin/sh
# make demo: capture a sample workload and analyze it. Writes everything to
# demo-out/. Runs about 15 seconds.
set -eu
BIN=${BIN:-bin}; BUILD=${BUILD:-build}
out=demo-out
mkdir -p "$out"
rm -f "$out"/*.db "$out"/*.db-wal "$out"/*.db-shm

echo "== casefile demo: a process leaking fds, memory and threads"
"$BUILD/samples/grow" --fd-rate 20 --rss-rate 4 --thread-rate 1 --duration 60 &
target=$!
trap 'kill $target 2>/dev/null || true' EXIT INT TERM

echo "== casefile-capture --pid $target --duration 10s -o $out/grow.db"
"$BIN/casefile-capture" --pid "$target" --duration 10s -o "$out/grow.db" --progress
kill "$target" 2>/dev/null || true

echo
echo "== casefile-analyze summary $out/grow.db"
"$BIN/casefile-analyze" summary "$out/grow.db"
echo
echo "The bundle is plain SQLite, for example:"
echo "  sqlite3 $out/grow.db 'SELECT tick, fds, rss_bytes FROM process_memory'"
