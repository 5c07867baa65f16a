# Bundles outlive versions: every bundle kept under tests/bundles/ (one per
# released schema version, written by that version's casefile-capture) is
# read by this casefile's summary, analysis and reports.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_cmd sqlite3
n=0
for b in "$CASEFILE_TOP"/tests/bundles/*.bundle; do
	[ -f "$b" ] || continue
	n=$((n + 1))
	name=$(basename "$b")
	# Read a copy: readers must never need to write, but SQLite may want a
	# -shm beside a WAL bundle, and the tree may be read-only.
	cp "$b" "$name"
	chmod 0444 "$name"
	v=$(q "$name" 'PRAGMA user_version')
	"$ANA" summary "$name" > "$name.summary" || fail "summary of $name (schema $v) exited $?"
	grep -q "ticks over" "$name.summary" || fail "summary of $name lacks the time range"
	"$ANA" "$name" --format json -o "$name.json" -o "$name.html" -o "$name.md" || fail "analysis of $name (schema $v) exited $?"
	grep -q '"findings"' "$name.json" || fail "no findings list in the JSON of $name"
	cmp -s "$b" "$name" || fail "reading $name changed it"
	echo "read $name (schema $v)"
done
assert_ge "kept bundles" 1 "$n"
exit 0
