# A healthy idle process (sleep) keeps every rule silent; rules whose data
# is absent say so in notes instead of passing silently.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_cmd sqlite3

bg sleep 3600
"$CAP" --pid "$LAST_PID" --duration 6s --interval 500ms -q -o idle.db || fail "capture exited $?"
"$ANA" idle.db --fail-on info > report.txt; rc=$?
cat report.txt
assert_eq "exit code with --fail-on info" 0 "$rc"
grep -q "^0 findings" report.txt || fail "findings on an idle process"

"$ANA" idle.db --format json > out.json || fail "json report failed"
j() { sqlite3 -batch -noheader :memory: "SELECT $1 FROM (SELECT readfile('out.json') AS d)"; }
assert_eq "no findings in JSON" 0 "$(j "json_array_length(d, '\$.findings')")"
total=$(j "json_extract(d, '\$.rules.total')")
ev=$(j "json_extract(d, '\$.rules.evaluated')")
ne=$(j "json_extract(d, '\$.rules.not_evaluated')")
assert_eq "every rule is evaluated or explained" "$total" "$((ev + ne))"
# Each rule not evaluated has a note naming it.
notes=$(j "(SELECT count(*) FROM json_each(d, '\$.notes') WHERE json_extract(value, '\$.rule') IS NOT NULL)")
assert_eq "a note per rule not evaluated" "$ne" "$notes"
exit 0
