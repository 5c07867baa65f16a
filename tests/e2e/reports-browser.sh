# The reports of a real capture of the incident sample (sockets, logs,
# memory growth), written in one run with several -o, then loaded in
# headless Chromium: no console message, a chart for every series present,
# every finding of the JSON report present and linked to a chart whose
# highlighted range is drawn, and a screenshot and a printed PDF kept as
# artifacts. The JSON reports (analysis and compare) validate against
# analyze/report.schema.json. The compare report (incident vs fixed) is
# loaded too.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
. "$CASEFILE_TOP/tests/e2e/reports-browser.inc"
need_chromium
need_cmd python3
need_cmd sqlite3
[ -x "$S/incident" ] && [ -x "$S/logsink" ] || skip "needs the incident samples"

# The harness itself: a page that logs to the console must be caught.
printf '<!DOCTYPE html><html><body><script>console.error("control-message")</script></body></html>' > control.html
prof=$(mktemp -d "$PWD/control-profile.XXXXXX")
timeout -k 5 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
	--disable-component-update --disable-sync --user-data-dir="$prof" --enable-logging=stderr --v=0 \
	--dump-dom "file://$PWD/control.html" > control.dom 2> control.log
grep CONSOLE control.log | grep -q control-message || fail "the console capture does not see console.error: $(tail -n 3 control.log)"

# SINK_PORT=0: the sink on a port of the kernel's choosing (never 9243, which
# a demo or another test may hold).
export BUILD="$(dirname "$S")" DURATION=60 SINK_PORT=0
bg_incident() { sh "$CASEFILE_TOP/samples/incident.sh" start "$1" ${2:-} > "$1.out" 2>&1 || fail "incident.sh start: $(cat "$1.out")"; }
trap 'sh "$CASEFILE_TOP/samples/incident.sh" stop inc >/dev/null 2>&1; sh "$CASEFILE_TOP/samples/incident.sh" stop fixed >/dev/null 2>&1; cleanup' EXIT INT TERM
mkdir -p inc fixed
bg_incident inc
"$CAP" --pid "$(cat inc/incident.pid)" --log inc/app.log --duration 15s -q -o incident.db || fail "capture exited $?"
sh "$CASEFILE_TOP/samples/incident.sh" stop inc >/dev/null 2>&1
bg_incident fixed --fixed
"$CAP" --pid "$(cat fixed/incident.pid)" --log fixed/app.log --duration 6s -q -o fixed.db || fail "capture exited $?"
sh "$CASEFILE_TOP/samples/incident.sh" stop fixed >/dev/null 2>&1

"$ANA" incident.db -o report.html -o report.md -o report.json -o report.txt; rc=$?
assert_eq "analyze exit code" 0 "$rc"
for f in report.html report.md report.json report.txt; do [ -s "$f" ] || fail "$f not written"; done
head -c 15 report.html | grep -q '<!DOCTYPE html>' || fail "report.html is not HTML"
head -n 1 report.md | grep -q '^# casefile report: ' || fail "report.md does not start with its title"
grep -q '^casefile-analyze: incident.db' report.txt || fail "report.txt is not the text report"
# --format applies to stdout, and with a single -o it wins over the extension.
"$ANA" incident.db --format md | cmp -s - report.md || fail "--format md on stdout differs from -o report.md"
"$ANA" incident.db --format json -o forced.txt && grep -q '"casefile_report": 2' forced.txt || fail "--format json -o forced.txt"
"$ANA" incident.db -o /nonexistent-dir/r.html 2>/dev/null; assert_eq "unwritable output exit code" 6 "$?"

"$ANA" compare incident.db fixed.db -o compare.html -o compare.md -o compare.json; rc=$?
assert_eq "compare exit code" 0 "$rc"
python3 "$CASEFILE_TOP/tests/tools/check_json_schema.py" "$CASEFILE_TOP/analyze/report.schema.json" \
	report.json compare.json forced.txt || fail "a JSON report does not match analyze/report.schema.json"

# Findings of the JSON report (rule ids), one per line, worst first.
sqlite3 -batch -noheader -separator ' ' :memory: \
	"SELECT json_extract(value, '\$.rule'), json_type(value, '\$.time_range') = 'object'
	 FROM json_each(readfile('report.json'), '\$.findings')" > findings.txt
cut -d' ' -f1 findings.txt > rules.txt
nfind=$(wc -l < rules.txt)
echo "findings: $(tr '\n' ' ' < rules.txt)"
assert_ge "findings in the incident capture" 2 "$nfind"
grep -qx pool-cap rules.txt || fail "pool-cap is not among the findings"

browse "$PWD/report.html" report 3000
assert_no_console report
# No script at all, and the CSP that forbids one.
if grep -qi '<script' report.dom; then fail "the report's DOM has a <script> element"; fi
dom_has report "Content-Security-Policy"
# A chart for every series present in the bundle.
has_rows() { [ "$(q incident.db "SELECT COUNT(*) FROM $1" 2>/dev/null || echo 0)" -gt 0 ]; }
for id in chart-cpu chart-memory chart-fds chart-threads; do dom_has report "<figure id=\"$id\""; done
has_rows socket_samples && for id in chart-sockets-remote chart-recv-q chart-sockets-state; do dom_has report "<figure id=\"$id\""; done
has_rows netdev_samples && for id in chart-traffic-bytes chart-traffic-packets; do dom_has report "<figure id=\"$id\""; done
has_rows log_counts && dom_has report '<figure id="chart-logs"'
has_rows syscall_counts && dom_has report '<figure id="chart-syscalls"'
nfig=$(grep -o '<figure id="chart-' report.dom | wc -l)
# (the CPU profile's flame graph is an SVG of its own, outside the charts)
nsvg=$(grep -o '<svg [^>]*' report.dom | grep -vc 'class="flame"')
assert_eq "one SVG per figure" "$nfig" "$nsvg"
echo "charts: $nfig"
# Every finding: its row, its article, and a link to a chart that exists
# and links back; one with a time range has a band there labelled with its
# number (findings over totals, such as syscall shares, have none).
i=0
while read -r rule ranged; do
	i=$((i + 1))
	dom_has report "data-rule=\"$rule\""
	dom_has report "<article class=\"finding sev-"
	dom_has report "id=\"finding-$i\""
	chart=$(sed -n "/id=\"finding-$i\"/,/<\/article>/p" report.dom | grep -o 'href="#chart-[a-z0-9-]*"' | head -n 1 | sed 's/href="#//; s/"//')
	[ -n "$chart" ] || fail "finding $i ($rule) links to no chart"
	sed -n "/<figure id=\"$chart\"/,/<\/figure>/p" report.dom > fig.txt
	[ -s fig.txt ] || fail "finding $i ($rule) links to #$chart, which is not in the page"
	if [ "$ranged" = 1 ]; then
		grep -q 'class="hl"' fig.txt || fail "chart $chart has no highlighted range for finding $i"
		grep -q ">#$i</text>" fig.txt || fail "chart $chart does not label finding $i's range"
	fi
	grep -q "href=\"#finding-$i\"" fig.txt || fail "chart $chart does not link back to finding $i"
done < findings.txt
# Time axes aligned: every chart of the analysis draws the same x labels.
xlabels=$(grep -o 'text-anchor="middle" fill="#444">[0-9:]*<' report.dom | sort | uniq -c | awk '{print $1}' | sort -u | wc -l)
assert_eq "charts share their time-axis labels" 1 "$xlabels"
[ "$(stat -c %s report.pdf)" -gt 20000 ] || fail "the printed PDF is suspiciously small"

browse "$PWD/compare.html" compare 2400
assert_no_console compare
if grep -qi '<script' compare.dom; then fail "the compare DOM has a <script> element"; fi
dom_has compare 'stroke-dasharray'
dom_has compare 'resolved'
assert_ge "compare charts" 5 "$(grep -o '<figure id="chart-' compare.dom | wc -l)"

# Markdown: tables keep their column count (no unescaped pipe from the bundle).
awk -F'|' '
	/^```/ { fence = !fence; next }
	fence { next }
	/^\|/ { line = $0; gsub(/\\\|/, "", line); n = gsub(/\|/, "|", line)
		if (inrow && n != cols) { print "row with " n " pipes, header has " cols ": " $0; bad = 1 }
		if (!inrow) { cols = n; inrow = 1 } next }
	{ inrow = 0 }
	END { exit bad }' report.md compare.md || fail "a Markdown table row has a stray pipe"
grep -q '^\*\*Verdict: ' report.md || fail "report.md has no verdict line"
grep -q '^## Capture manifest' report.md || fail "report.md has no manifest"
grep -q '^```sql' report.md || fail "report.md has no SQL block"
exit 0
