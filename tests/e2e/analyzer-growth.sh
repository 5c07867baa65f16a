# The grow sample leaks fds and memory at steady rates: fd-growth and
# memory-growth must fire (with numbers and time to the fd limit), and
# --fail-on sets the exit code. The JSON shape is checked with sqlite3's
# JSON functions.
# e2e: serial (fd and memory growth rates over an 8 s capture: the grow
# sample must keep its rates and the capture its ticks)
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_cmd sqlite3
need_cmd python3

bg "$S/grow" --fd-rate 20 --rss-rate 4 --duration 60 --ready ready
target=$LAST_PID
wait_for 10 test -s ready || fail "grow did not start"
"$CAP" --pid "$target" --duration 8s --interval 500ms -q -o g.db || fail "capture exited $?"

"$ANA" g.db > report.txt; rc=$?
cat report.txt
assert_eq "exit code without --fail-on" 0 "$rc"
grep -q "^MEDIUM *fd-growth" report.txt || fail "fd-growth not in the text report"
grep -q "^MEDIUM *memory-growth" report.txt || fail "memory-growth not in the text report"
grep -q "limit of [0-9]* is reached in" report.txt || fail "fd-growth gives no time to the fd limit"

"$ANA" g.db --format json -o out.json || fail "json report failed"
python3 "$CASEFILE_TOP/tests/tools/check_evidence_sql.py" g.db out.json || fail "evidence SQL of g.db does not re-run"
j() { sqlite3 -batch -noheader :memory: "SELECT $1 FROM (SELECT readfile('out.json') AS d)"; }
assert_eq "json is valid" 1 "$(j 'json_valid(d)')"
assert_eq "report version" 2 "$(j "json_extract(d, '\$.casefile_report')")"
rules=$(j "(SELECT group_concat(json_extract(value, '\$.rule'), ' ') FROM json_each(d, '\$.findings'))")
echo "findings: $rules"
case " $rules " in *" fd-growth "*) ;; *) fail "fd-growth missing from JSON: $rules" ;; esac
case " $rules " in *" memory-growth "*) ;; *) fail "memory-growth missing from JSON: $rules" ;; esac
# Each finding carries its numbers, time range, evidence and a re-runnable SQL.
fd() { j "(SELECT json_extract(value, '$1') FROM json_each(d, '\$.findings') WHERE json_extract(value, '\$.rule') = 'fd-growth')"; }
slope=$(fd '$.values.slope')
echo "fd slope $slope/s"
awk "BEGIN { exit !($slope > 12 && $slope < 28) }" || fail "fd slope $slope, expected about 20/s"
assert_eq "fd-growth severity" medium "$(fd '$.severity')"
assert_ge "evidence rows" 3 "$(j "(SELECT json_array_length(value, '\$.evidence.rows') FROM json_each(d, '\$.findings') WHERE json_extract(value, '\$.rule') = 'fd-growth')")"
[ "$(fd '$.time_range.to_us')" -gt "$(fd '$.time_range.from_us')" ] || fail "no time range"
fd '$.sql' > rerun.sql
rows=$(sqlite3 -batch -noheader g.db < rerun.sql | wc -l)
assert_ge "the finding's SQL re-runs in sqlite3" 10 "$rows"

"$ANA" g.db --fail-on medium > /dev/null; assert_eq "--fail-on medium" 1 $?
"$ANA" g.db --fail-on high > /dev/null; assert_eq "--fail-on high" 0 $?
exit 0
