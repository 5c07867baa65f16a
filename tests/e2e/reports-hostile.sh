# Hostile strings: a real process named "<script>alert(1)</script>" (comm
# set with prctl, argv[0] by re-exec) writing log lines full of HTML,
# Markdown and quotes to a file whose path holds "</svg><img ... onerror=...>",
# captured for real, then reported with a rule pack that puts log lines in a
# finding's message and evidence. In HTML the text appears escaped and
# Chromium runs nothing (no console message, no dialog, no element from the
# bundle); in Markdown every character that could start markup is escaped
# and tables keep their columns; JSON stays valid against its schema.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
. "$CASEFILE_TOP/tests/e2e/reports-browser.inc"
need_chromium
need_cmd python3
[ -x "$S/hostile" ] || skip "needs samples/hostile"

mkdir -p 'logs/x/<'
log='logs/x/</svg><img src=x onerror=alert(1)>.log'
bg "$S/hostile" --log "$log" --rate 40 --duration 60 --ready ready
wait_for 10 test -s ready || fail "hostile sample did not start"
pid=$LAST_PID
# The pid bg saw is the re-exec'd process (execv keeps the pid).
assert_eq "comm" "<script>alert(1" "$(cat /proc/$pid/comm)"
"$CAP" --pid "$pid" --log "$log" --duration 5s -q -o hostile.db || fail "capture exited $?"
assert_eq "comm in the bundle" "<script>alert(1" "$(q hostile.db "SELECT comm FROM processes LIMIT 1")"
assert_ge "hostile log lines captured" 20 "$(q hostile.db "SELECT COALESCE(SUM(records), 0) FROM log_counts")"

rules="$CASEFILE_TOP/tests/fixtures/reports/hostile-rules.yaml"
"$ANA" hostile.db --rules "$rules" -o h.html -o h.md -o h.json -o h.txt; rc=$?
assert_eq "analyze exit code" 0 "$rc"
grep -q '"rule": "log-examples"' h.json || fail "the log-examples finding is missing"

# HTML source: the bundle's text is there, escaped; none of it as markup.
grep -qF '&lt;script&gt;alert(1' h.html || fail "the process name is not shown escaped"
grep -qF '&lt;/svg&gt;&lt;img src=x onerror=alert(1)&gt;' h.html || fail "log lines or the path are not shown escaped"
grep -qF '&quot;user' h.html || fail "quotes in log lines are not escaped"
for bad in '<script' '<img' '<iframe' '<b>tag' '<b>not bold' '</textarea' 'onerror=alert(1)>'; do
	if grep -qiF -- "$bad" h.html; then fail "h.html contains raw '$bad'"; fi
done
# Exactly the SVG elements the charts opened: no "</svg>" from the bundle.
assert_eq "balanced svg" "$(grep -o '<svg ' h.html | wc -l)" "$(grep -o '</svg>' h.html | wc -l)"

browse "$PWD/h.html" hostile 2400
assert_no_console hostile
for el in '<script' '<img' '<iframe' '<textarea'; do
	if grep -qi -- "$el" hostile.dom; then fail "the DOM has a '$el' element from the bundle"; fi
done
grep -qF '&lt;script&gt;alert(1' hostile.dom || fail "the DOM does not show the process name as text"
grep -qF 'onerror=alert(1)&gt;' hostile.dom || fail "the DOM does not show the log line as text"

# Markdown: bundle text has its markup characters escaped.
grep -qF '\<script\>alert(1' h.md || fail "the process name is not escaped in Markdown"
grep -qF '\</svg\>\<img src=x onerror=alert(1)\>' h.md || fail "log lines are not escaped in Markdown"
grep -qF '\| col \| \`code\` \*\*bold\*\* \[link\]' h.md || fail "pipes, backticks or emphasis are not escaped"
# Outside code fences, no unescaped '<' and no unescaped backtick.
awk '/^```/ { fence = !fence; next } fence { next }
	{ l = $0; gsub(/\\\\/, "", l); gsub(/\\[<`]/, "", l); gsub(/`sqlite3 BUNDLE`/, "", l)
	  if (l ~ /[<`]/) { print "unescaped: " $0; bad = 1 } }
	END { exit bad }' h.md || fail "Markdown has an unescaped '<' or backtick"
awk -F'|' '
	/^```/ { fence = !fence; next }
	fence { next }
	/^\|/ { line = $0; gsub(/\\\\/, "", line); gsub(/\\\|/, "", line); n = gsub(/\|/, "|", line)
		if (inrow && n != cols) { print "row with " n " pipes, header has " cols ": " $0; bad = 1 }
		if (!inrow) { cols = n; inrow = 1 } next }
	{ inrow = 0 }
	END { exit bad }' h.md || fail "a Markdown table row has a stray pipe"

python3 "$CASEFILE_TOP/tests/tools/check_json_schema.py" "$CASEFILE_TOP/analyze/report.schema.json" h.json ||
	fail "the JSON report does not match its schema"
# The terminal report shows no control byte from the bundle.
if grep -q "$(printf '\033')" h.txt; then fail "h.txt carries an escape byte"; fi
exit 0
