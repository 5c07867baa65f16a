#!/bin/sh
# make demo: the seed incident (../shared/seed), reproduced, captured,
# analyzed, and its fix verified, in about two minutes. Writes demo-out/:
#   incident.db  a 40 s capture of the incident workload (all permitted sources)
#   fixed.db     a 20 s capture of the same service with the log shipper removed
#   report.html, report.md, report.json   the analysis of incident.db
#   compare.html, compare.md              what the fix changed
set -eu
BIN=${BIN:-bin}; BUILD=${BUILD:-build}
export BUILD
out=demo-out
CAPTURE_S=${DEMO_CAPTURE_S:-40}
FIXED_S=${DEMO_FIXED_S:-20}
mkdir -p "$out"
rm -rf "$out"/run-incident "$out"/run-fixed
rm -f "$out"/*.db "$out"/*.db-wal "$out"/*.db-shm

cleanup() {
	sh samples/incident.sh stop "$out/run-incident" >/dev/null 2>&1 || true
	sh samples/incident.sh stop "$out/run-fixed" >/dev/null 2>&1 || true
}
trap cleanup EXIT INT TERM

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "1. The incident: a scraper failing 20 times a second, shipping each error log to a slow log sink on :9243 through a capped keep-alive pool"
# --rate-wave: the failure rate swings +-50% over 20 s, as real failure rates do; it is what
# lets the analyzer see traffic to :9243 follow the error rate.
DURATION=$((CAPTURE_S + 30)) sh samples/incident.sh start "$out/run-incident" --rate-wave 0.5:20
pid=$(cat "$out/run-incident/incident.pid")

step "2. casefile-capture --pid $pid --log app.log --duration ${CAPTURE_S}s -o $out/incident.db"
"$BIN/casefile-capture" --pid "$pid" --log "$out/run-incident/app.log" --duration "${CAPTURE_S}s" \
	-o "$out/incident.db" --progress
sh samples/incident.sh stop "$out/run-incident" >/dev/null

step "3. The fix: the same service with the log shipper removed"
DURATION=$((FIXED_S + 30)) sh samples/incident.sh start "$out/run-fixed" --fixed --rate-wave 0.5:20
pid=$(cat "$out/run-fixed/incident.pid")
"$BIN/casefile-capture" --pid "$pid" --log "$out/run-fixed/app.log" --duration "${FIXED_S}s" \
	-o "$out/fixed.db" --progress
sh samples/incident.sh stop "$out/run-fixed" >/dev/null

step "4. casefile-analyze $out/incident.db"
"$BIN/casefile-analyze" "$out/incident.db" \
	-o "$out/report.html" -o "$out/report.md" -o "$out/report.json" --force
"$BIN/casefile-analyze" "$out/incident.db"

step "5. casefile-analyze compare $out/incident.db $out/fixed.db"
"$BIN/casefile-analyze" compare "$out/incident.db" "$out/fixed.db" \
	-o "$out/compare.html" -o "$out/compare.md" --force
"$BIN/casefile-analyze" compare "$out/incident.db" "$out/fixed.db"

step "Reports"
ls -l "$out"/report.* "$out"/compare.* 2>/dev/null || true
echo "Open $out/report.html in a browser; paste $out/report.md into a ticket."
echo "The bundles are plain SQLite: sqlite3 $out/incident.db '.tables'"
