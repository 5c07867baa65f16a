# ARCHITECTURE.md's "where to add", analyze part, done for real: in a copy of
# the tree, a toy detector and a toy report format are added touching only
# the files the document names, the analyzer is rebuilt, and a rule pack
# using the detector (its words in the rule's message and phrases) is run
# with the new format. The copy's git status must list exactly those files.
#
#   detector:      analyze/detect_NAME.c + its two lines (extern, table entry)
#                  in analyze/detectors.c + tests/analyze/test_detect_NAME.c
#   report format: analyze/report_NAME.c + its two lines in analyze/report.c
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_cmd git
need_cmd make
B=$(dirname "$CASEFILE_SAMPLES")
[ -d "$B/analyze" ] && [ -d "$B/lib" ] || skip "needs the analyzer's objects in $B"

# The tree as it is (tracked files, mtimes kept) and its objects, so only
# what the walkthrough changes is rebuilt.
mkdir tree
(cd "$CASEFILE_TOP" && git ls-files -z | xargs -0 cp -dp --parents -t "$CASEFILE_TMP/tree") ||
	fail "cannot copy the tree"
mkdir tree/build-toy
cp -a "$B/analyze" "$B/lib" "$B/gen" tree/build-toy/ || fail "cannot copy the objects"
cd tree
git init -q . && git add -A && git -c user.name=t -c user.email=t@t commit -qm base || fail "git"
printf '/build-toy/\n/bin-toy/\n' >> .git/info/exclude

# 1. The detector: numbers, a boolean, an identifier; never words.
cat > analyze/detect_toy.c <<'C'
/* toy: fires on a group of at least min_rows rows; says how many and
 * whether that is many (an identifier the rule's phrases word). */
#include "detector.h"

enum { P_MIN_ROWS, P_MANY };

static const struct param_spec params[] = {
	[P_MIN_ROWS] = { "min_rows", PARAM_NUMBER, "1", 0, "rows needed" },
	[P_MANY] = { "many", PARAM_NUMBER, "100", 0, "rows that are many" },
};

static const char *const outputs[] = { "rows", "many", "size", NULL };

static int run(const struct detector_input *in, struct hit *h)
{
	if ((double)in->n < in->args[P_MIN_ROWS].num)
		return 0;
	hit_num(h, "rows", (double)in->n);
	hit_bool(h, "many", (double)in->n >= in->args[P_MANY].num);
	hit_ident(h, "size", (double)in->n >= in->args[P_MANY].num ? "large" : "small");
	h->rep_row = in->rows[in->n - 1];
	hit_evidence_spread(h, in->rows, in->n, 2, NULL, 0);
	return 1;
}

const struct detector detect_toy = {
	.name = "toy",
	.summary = "counts a group's rows",
	.params = params,
	.nparams = sizeof(params) / sizeof(params[0]),
	.outputs = outputs,
	.run = run,
};
C
sed -i 's/^\tdetect_ratio, detect_correlation, detect_top;$/&\nextern const struct detector detect_toy;/' analyze/detectors.c
sed -i 's/^\t&detect_top,$/&\n\t\&detect_toy,/' analyze/detectors.c

cat > tests/analyze/test_detect_toy.c <<'C'
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "detect_helper.h"

static void test_detect_toy__counts(void **state)
{
	double v[3] = { 1, 2, 3 };
	struct rulepack p;
	struct rowset rs;
	struct hit h;

	(void)state;
	load_rule(&p, "toy", "{min_rows: 2, many: 3}");
	make_rowset(&rs, "v", 3, v);
	assert_int_equal(run_detector(&p, &rs, &h), 1);
	assert_int_equal((int)out_num(&h, "rows"), 3);
	assert_string_equal(out_text(&h, "size"), "large");
	rowset_release(&rs);
	rulepack_release(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_detect_toy__counts) };

	return cmocka_run_group_tests(tests, NULL, NULL);
}
C

# 2. The report format: one line per finding, tab-separated.
cat > analyze/report_toy.c <<'C'
/* toy: rule, severity and message of each finding, tab-separated. */
#include "report.h"

static int toy_analysis(FILE *f, const struct analysis *a)
{
	int i;

	for (i = 0; i < a->nfindings; i++)
		fprintf(f, "%s\t%s\t%s\n", a->findings[i].rule->id,
			severity_name(a->findings[i].severity), a->findings[i].message);
	return ferror(f) ? -1 : 0;
}

const struct report_format report_toy = {
	.name = "toy",
	.ext = "toy",
	.analysis = toy_analysis,
};
C
sed -i 's/^extern const struct report_format report_text, report_json, report_md, report_html;$/&\nextern const struct report_format report_toy;/' analyze/report.c
sed -i 's/^\t&report_html,$/&\n\t\&report_toy,/' analyze/report.c

# Exactly the files ARCHITECTURE.md names, nothing else.
git status --porcelain | sort > ../status.txt
cat > ../want.txt <<'W'
 M analyze/detectors.c
 M analyze/report.c
?? analyze/detect_toy.c
?? analyze/report_toy.c
?? tests/analyze/test_detect_toy.c
W
diff ../want.txt ../status.txt || fail "the walkthrough touched other files than ARCHITECTURE.md says"
[ "$(git diff --numstat | awk '{n += $1} END {print n}')" = 4 ] || fail "more than two lines per table: $(git diff)"

san=""
case "$B" in *asan*) san="SAN=1" ;; esac
make -s $san BUILD=build-toy BIN=bin-toy bin-toy/casefile-analyze build-toy/tests/analyze/test_detect_toy \
	> ../make.txt 2>&1 || fail "the tree with the toys does not build: $(tail -20 ../make.txt)"
build-toy/tests/analyze/test_detect_toy > ../unit.txt 2>&1 || fail "the toy's unit test fails: $(cat ../unit.txt)"
cd ..
A=tree/bin-toy/casefile-analyze

# 3. A rule using it: the words are the rule's.
cat > toy.yaml <<'Y'
rules:
  - id: toy-ticks
    title: Ticks counted
    severity: info
    requires: [ticks]
    query: SELECT id AS tick, wall_us FROM ticks ORDER BY id
    detector: toy
    params: { min_rows: 2, many: 5 }
    message: "{rows:int} ticks[[ ({@size} capture)]], the last at tick {tick:int}"
    phrases:
      small: a short
      large: a long
    next_step: nothing
Y
"$A" rules check toy.yaml > check.txt 2>&1 || fail "rules check of the toy pack: $(cat check.txt)"
"$A" rules detectors > det.txt 2>&1
grep -q '^ *toy' det.txt || grep -q 'toy' det.txt || fail "rules detectors does not list toy: $(cat det.txt)"
bundle="$CASEFILE_TOP/tests/bundles/v1-incident.bundle"
"$A" "$bundle" --no-builtin --rules toy.yaml --format toy > out.toy 2> err.txt || fail "--format toy exited $?: $(cat err.txt)"
cat out.toy
ticks=$(sqlite3 -batch -noheader "file:$bundle?mode=ro&immutable=1" 'SELECT COUNT(*) FROM ticks' 2>/dev/null || echo "")
grep -q "^toy-ticks	info	[0-9]* ticks (a long capture), the last at tick [0-9]*$" out.toy ||
	fail "the toy format's line is not the rule's words: $(cat out.toy)"
[ -z "$ticks" ] || grep -q "	$ticks ticks" out.toy || fail "rows is not the bundle's $ticks ticks"
# The extension selects it too, and the help and errors list it from the table.
"$A" "$bundle" --no-builtin --rules toy.yaml -o again.toy 2> err2.txt || fail "-o again.toy: $(cat err2.txt)"
cmp -s out.toy again.toy || fail "-o FILE.toy differs from --format toy"
"$A" analyze --help 2>&1 | grep -q 'text, json, md, html, toy' || fail "--help does not list the toy format"
"$A" "$bundle" --format nope 2>&1 | grep -q 'html, toy)' || fail "--format's error does not list the toy format"
# JSON values of the toy: a number, a boolean, an identifier.
"$A" "$bundle" --no-builtin --rules toy.yaml --format json > toy.json || fail "json"
python3 - <<'PY' || fail "the toy's JSON values are not a number, a boolean and an identifier"
import json
v = json.load(open("toy.json"))["findings"][0]["values"]
assert isinstance(v["rows"], int) and v["many"] is True and v["size"] == "large", v
PY
exit 0
