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
grep -q "view 'process_cpu' that casefile did not write" err.txt || fail "tampered view message: $(cat err.txt)"
cp good.db trig.db && sqlite3 trig.db "CREATE TRIGGER t AFTER INSERT ON ticks BEGIN SELECT 1; END"
check 3 trig.db
cp good.db extra.db && sqlite3 extra.db "CREATE VIEW evil AS SELECT writefile('/tmp/pwned', 'x')" 2>/dev/null
check 3 extra.db

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
