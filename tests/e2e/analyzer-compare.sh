# compare BEFORE AFTER: a leaking run then a healthy one; the growth
# findings are reported resolved and the series better.
# e2e: serial (growth over a 6 s capture must be enough ticks for a finding)
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_cmd sqlite3

bg "$S/grow" --fd-rate 20 --rss-rate 4 --duration 60 --ready ready
wait_for 10 test -s ready || fail "grow did not start"
"$CAP" --pid "$LAST_PID" --duration 6s --interval 500ms -q -o before.db || fail "capture exited $?"
bg sleep 3600
"$CAP" --pid "$LAST_PID" --duration 6s --interval 500ms -q -o after.db || fail "capture exited $?"

"$ANA" compare before.db after.db > cmp.txt || fail "compare exited $?"
cat cmp.txt
grep -q "^Findings: [1-9][0-9]* resolved, 0 new" cmp.txt || fail "findings not resolved"
grep -q "resolved .*fd-growth" cmp.txt || fail "fd-growth not resolved"
grep -q "Open file descriptors\|open fds" cmp.txt || fail "no fd series"

"$ANA" compare before.db after.db --format json > cmp.json || fail "compare json exited $?"
j() { sqlite3 -batch -noheader :memory: "SELECT $1 FROM (SELECT readfile('cmp.json') AS d)"; }
assert_eq "json is valid" 1 "$(j 'json_valid(d)')"
assert_eq "kind" compare "$(j "json_extract(d, '\$.kind')")"
assert_ge "resolved findings" 2 "$(j "(SELECT count(*) FROM json_each(d, '\$.findings') WHERE json_extract(value, '\$.status') = 'resolved')")"
# Reversed, the same findings are new, and --fail-on sees them.
"$ANA" compare after.db before.db --fail-on medium > /dev/null; assert_eq "new findings fail" 1 $?
exit 0
