# Rules of kind: observation (issue 14): what such a rule finds is a finding
# only when its symptom query finds a symptom; otherwise it is listed under
# observations (text, Markdown, HTML, JSON "observations"), sets no verdict
# and no exit status. One bundle of an idle process, two packs whose rule
# always fires: one with a symptom, one without.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_cmd sqlite3
need_cmd python3

bg sleep 3600
"$CAP" --pid "$LAST_PID" --duration 3s --interval 500ms -q -o idle.db || fail "capture exited $?"

pack() {  # pack FILE SYMPTOM_SQL
	cat > "$1" <<YAML
rules:
  - id: always-there
    title: Ticks were taken
    severity: medium
    description: describes, never diagnoses by itself
    requires: [ticks]
    query: SELECT id AS tick, wall_us, 1 AS one FROM ticks ORDER BY id
    detector: threshold
    params: { y: one, above: 0, min_share: 0.5, min_duration: 0, min_samples: 2 }
    message: "{samples:int} ticks[[; symptom: {symptom}]]"
    next_step: nothing
    kind: observation
    symptom: $2
YAML
}
pack none.yaml "SELECT NULL"
pack some.yaml "SELECT 'the process ' || 'was sampled ' || COUNT(*) || ' times' FROM ticks"

"$ANA" idle.db --rules none.yaml --fail-on low --format json > none.json; rc=$?
assert_eq "an observation sets no exit status" 0 "$rc"
j() { sqlite3 -batch -noheader :memory: "SELECT $1 FROM (SELECT readfile('$2') AS d)"; }
assert_eq "no such finding" 0 "$(j "(SELECT count(*) FROM json_each(d, '\$.findings') WHERE json_extract(value, '\$.rule') = 'always-there')" none.json)"
assert_eq "one observation" 1 "$(j "json_array_length(d, '\$.observations')" none.json)"
assert_eq "observation's rule" always-there "$(j "json_extract(d, '\$.observations[0].rule')" none.json)"
case "$(j "json_extract(d, '\$.observations[0].message')" none.json)" in *symptom*) fail "an observation quotes a symptom" ;; esac
python3 "$CASEFILE_TOP/tests/tools/check_json_schema.py" "$CASEFILE_TOP/analyze/report.schema.json" none.json ||
	fail "report with observations does not match analyze/report.schema.json"

"$ANA" idle.db --rules none.yaml > none.txt
grep -q "^Observations" none.txt || fail "text report has no Observations section"
grep -q "always-there: " none.txt || fail "text report does not list the observation"
"$ANA" idle.db --rules none.yaml --format md > none.md
grep -q "^## Observations" none.md || fail "Markdown report has no Observations section"
"$ANA" idle.db --rules none.yaml -o none.html || fail "HTML report failed"
grep -q 'id="observations"' none.html || fail "HTML report has no observations section"

"$ANA" idle.db --rules some.yaml --fail-on low --format json > some.json; rc=$?
assert_eq "with a symptom it is a finding (exit status)" 1 "$rc"
assert_eq "no observation" 0 "$(j "json_array_length(d, '\$.observations')" some.json)"
m=$(j "(SELECT json_extract(value, '\$.message') FROM json_each(d, '\$.findings') WHERE json_extract(value, '\$.rule') = 'always-there')" some.json)
case "$m" in *"symptom: the process was sampled"*) ;; *) fail "finding does not name its symptom: '$m'" ;; esac

# symptom belongs to observations; a symptom query that is not SQL is an error
sed 's/    kind: observation//' some.yaml > bad.yaml
"$ANA" rules check bad.yaml > bad.txt 2>&1; rc=$?
assert_eq "symptom without kind: observation is a pack error" 7 "$rc"
grep -q "symptom" bad.txt || fail "the error does not name 'symptom': $(cat bad.txt)"
pack badsql.yaml "SELEC nonsense"
"$ANA" rules check badsql.yaml > badsql.txt 2>&1; rc=$?
assert_eq "a symptom that is not SQL is a pack error" 7 "$rc"
grep -q "bad SQL in symptom" badsql.txt || fail "the error does not say the symptom is bad SQL: $(cat badsql.txt)"
exit 0
