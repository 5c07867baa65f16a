# Files that are not bundles, truncated bundles, bad options: a one-line
# reason naming the file, a documented non-zero exit, never a crash.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_cmd sqlite3

check() { # check EXPECTED_RC FILE
	"$ANA" summary "$2" > out.txt 2> err.txt
	rc=$?
	[ "$rc" -eq "$1" ] || fail "summary $2: exit $rc, expected $1 ($(cat err.txt))"
	[ "$(wc -l < err.txt)" -eq 1 ] || fail "summary $2: expected one line of error, got: $(cat err.txt)"
	grep -q "$2" err.txt || fail "summary $2: message does not name the file: $(cat err.txt)"
}
check 3 /etc/passwd
: > empty.db
check 3 empty.db
check 3 no-such-file.db
mkdir adir
check 3 adir
sqlite3 foreign.db 'CREATE TABLE t(x)'
check 3 foreign.db

bg sleep 300
"$CAP" --pid "$LAST_PID" --duration 3s --interval 100ms -o good.db -q || fail "capture failed"
size=$(stat -c %s good.db)
head -c $((size / 2)) good.db > cut.db
check 3 cut.db
cp good.db newer.db && sqlite3 newer.db 'PRAGMA user_version = 99'
check 4 newer.db

# Planted views and triggers: refused, and nothing they name runs.
cp good.db view.db && sqlite3 view.db "DROP VIEW process_cpu; CREATE VIEW process_cpu AS SELECT 1 AS tick"
check 3 view.db
grep -q "view 'process_cpu' that differs from casefile's schema" err.txt || fail "tampered view message: $(cat err.txt)"
cp good.db trig.db && sqlite3 trig.db "CREATE TRIGGER t AFTER INSERT ON ticks BEGIN SELECT 1; END"
check 3 trig.db
cp good.db extra.db && sqlite3 extra.db "CREATE VIEW evil AS SELECT writefile('$PWD/pwned', 'x')" 2>/dev/null
check 3 extra.db
# A view the analyzer reads, replaced by one that would write a file, and a
# trigger that would: every command refuses the bundle before running any SQL
# of it, and no file appears.
cp good.db swap.db && sqlite3 swap.db "DROP VIEW process_cpu;
  CREATE VIEW process_cpu AS SELECT writefile('$PWD/pwned', 'x') AS tick" 2>/dev/null
cp good.db wtrig.db && sqlite3 wtrig.db \
  "CREATE TRIGGER w AFTER INSERT ON ticks BEGIN SELECT writefile('$PWD/pwned', 'x'); END" 2>/dev/null
for b in swap.db wtrig.db extra.db; do
	for cmd in "summary $b" "analyze $b -o r.md -o r.json -o r.html" "compare good.db $b" \
		   "compare $b good.db" "extract $b" "export-pcap $b r.pcap"; do
		# shellcheck disable=SC2086
		"$ANA" $cmd > out.txt 2> err.txt; rc=$?
		assert_eq "$cmd exit" 3 "$rc"
		grep -q "$b" err.txt || fail "$cmd: message does not name the file: $(cat err.txt)"
	done
done
[ ! -e pwned ] || fail "a planted view or trigger wrote a file"
[ ! -e r.md ] && [ ! -e r.json ] && [ ! -e r.html ] && [ ! -e r.pcap ] || fail "reports written for a refused bundle"

# A rule pack is untrusted too: SQL that would load code is refused by
# 'rules check' and at analysis, naming file:line.
cat > evil.yaml <<EOF
pack: evil
rules:
  - id: ext
    title: Loads an extension
    severity: low
    requires: [process_samples]
    query: SELECT tick, load_extension('$PWD/evil.so') AS fds FROM process_memory
    detector: threshold
    params: { y: fds, above: 100 }
    message: "x"
    next_step: none
EOF
"$ANA" rules check evil.yaml > out.txt 2> err.txt; rc=$?
assert_eq "evil rule pack exit" 7 "$rc"
grep -q "evil.yaml:7:.*not authorized to use function: load_extension" err.txt ||
	fail "evil rule pack message: $(cat err.txt)"
# At analysis the rule fails alone (a note naming it), the others still run.
"$ANA" analyze good.db --rules evil.yaml > out.txt 2> err.txt; rc=$?
assert_eq "analysis with evil rule pack exit" 0 "$rc"
grep -q "rule 'ext' (evil.yaml:7) failed: not authorized to use function: load_extension" out.txt ||
	fail "evil rule at analysis: $(cat out.txt err.txt)"

# Capture-side usage errors.
"$CAP" --pid 999999999 -o z.db 2> err.txt; rc=$?
assert_eq "bad pid exit" 2 "$rc"
"$CAP" --pid 4194000 -o z.db 2> err.txt; rc=$?
assert_eq "missing pid exit" 5 "$rc"
grep -q "no process with pid 4194000" err.txt || fail "missing pid message: $(cat err.txt)"
"$CAP" --pid 1 --duration 5parsecs 2> err.txt; rc=$?
assert_eq "bad duration exit" 2 "$rc"
grep -q "invalid value '5parsecs' for --duration" err.txt || fail "duration message: $(cat err.txt)"
"$CAP" --pid "$LAST_PID" --duration 1s -o good.db 2> err.txt; rc=$?
assert_eq "existing output exit" 6 "$rc"
grep -q "already exists" err.txt || fail "overwrite message: $(cat err.txt)"
"$CAP" --pid "$LAST_PID" --duration 1s -o /nonexistent-dir/x.db 2> err.txt; rc=$?
assert_eq "unwritable output exit" 6 "$rc"
exit 0
