# Broken rule packs and bad bundles: clear messages with FILE:LINE and the
# rule id, the right exit codes, and the other rules still run.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
F="$CASEFILE_TOP/tests/fixtures/rules"

# The built-in pack compiles against this build's schema (once every source's
# tables are in it; until then its rules on missing tables are not evaluated).
if grep -q "CREATE TABLE socket_samples" "$CASEFILE_TOP/schema/bundle.sql" &&
   grep -q "CREATE TABLE syscall_counts" "$CASEFILE_TOP/schema/bundle.sql" &&
   grep -q "CREATE TABLE log_counts" "$CASEFILE_TOP/schema/bundle.sql"; then
	"$ANA" rules check > check.out 2>&1 || fail "the built-in pack does not pass rules check: $(cat check.out)"
fi
"$ANA" rules check "$F/good.yaml" > /dev/null || fail "good.yaml rejected"

"$ANA" rules check "$F/unknown-param.yaml" > out 2> err; rc=$?
cat err
assert_eq "rules check exit code" 7 "$rc"
grep -q "unknown-param.yaml:11:7: rule 'typo-param': unknown parameter 'min_shar'" err || fail "no file:line for an unknown parameter"
"$ANA" rules check "$F/bad-sql.yaml" 2> err; assert_eq "bad SQL exit" 7 $?
grep -q "bad-sql.yaml:8:.*rule 'bad-sql'.*no such column: fds_count" err || fail "no file:line for bad SQL: $(cat err)"
"$ANA" rules check "$F/bad-yaml.yaml" 2> err; assert_eq "bad YAML exit" 7 $?
grep -q "bad-yaml.yaml:5:.*malformed YAML" err || fail "no file:line for malformed YAML"

"$ANA" rules list --rules "$F/good.yaml" > list.out || fail "rules list failed"
grep -q "^fd-growth " list.out || fail "built-in rule missing from rules list"
grep -q "^many-fds .*good.yaml" list.out || fail "--rules pack missing from rules list"

# A bundle analyzed with a pack holding a bad rule: the others still run,
# the report names the file and rule, and the exit code says the pack is bad.
bg sleep 3600
"$CAP" --pid "$LAST_PID" --duration 3s --interval 500ms -q -o b.db || fail "capture exited $?"
"$ANA" b.db --rules "$F/mixed.yaml" --format json > out.json 2> err; rc=$?
assert_eq "exit code with a bad pack" 7 "$rc"
grep -q "mixed.yaml:16:15: rule 'bad-one'" err || fail "bad rule not named on stderr"
grep -q "mixed.yaml:16:15: rule 'bad-one'" out.json || fail "bad rule not in the report's notes"
grep -q '"evaluated": [1-9]' out.json || fail "no rule ran"

# Not a bundle / truncated / missing.
echo "hello" > notabundle.db
"$ANA" notabundle.db 2> err; assert_eq "not a bundle" 3 $?
grep -q "notabundle.db" err || fail "message does not name the file"
"$ANA" missing.db 2> err; assert_eq "missing file" 3 $?
grep -q "missing.db" err || fail "message does not name the missing file"
"$ANA" b.db --fail-on urgent 2> err; assert_eq "bad --fail-on" 2 $?
exit 0
