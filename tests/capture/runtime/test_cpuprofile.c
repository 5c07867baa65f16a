/* Unit tests of capture/runtime/cpuprofile.c: a V8 profile parsed into a
 * tree whose parents come first, and profiles a hostile target could
 * answer: cycles, two parents, unknown ids, mismatched deltas, huge
 * numbers, no nodes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "runtime/cpuprofile.h"

#define NODE(id, fn, url, line, kids) \
	"{\"id\":" #id ",\"callFrame\":{\"functionName\":\"" fn "\",\"scriptId\":\"0\",\"url\":\"" url "\"," \
	"\"lineNumber\":" #line ",\"columnNumber\":0},\"hitCount\":0,\"children\":[" kids "]}"

static int parse(const char *s, struct cpuprofile *cp, char *why)
{
	return cpuprofile_parse(s, strlen(s), cp, why, 200);
}

static void test_cpuprofile__tree_and_samples(void **state)
{
	/* Children listed before their parent in the array. */
	const char *doc = "{\"nodes\":[" NODE(3, "hot", "file:///a.js", 9, "") "," NODE(1, "(root)", "", -1, "2") ","
			  NODE(2, "", "file:///a.js", 1, "3") "],\"startTime\":1000,\"endTime\":5000,"
			  "\"samples\":[3,3,2,1],\"timeDeltas\":[10,1000,-2,500]}";
	struct cpuprofile cp;
	char why[200];

	(void)state;
	assert_int_equal(parse(doc, &cp, why), 0);
	assert_int_equal(cp.nnodes, 3);
	assert_string_equal(cp.nodes[0].name, "(root)");
	assert_int_equal(cp.nodes[0].parent, -1);
	assert_int_equal(cp.nodes[0].depth, 1);
	assert_string_equal(cp.nodes[1].name, "(anonymous)");
	assert_int_equal(cp.nodes[1].parent, 0);
	assert_string_equal(cp.nodes[2].name, "hot");
	assert_string_equal(cp.nodes[2].url, "file:///a.js");
	assert_int_equal(cp.nodes[2].line, 9);
	assert_int_equal(cp.nodes[2].parent, 1);
	assert_int_equal(cp.nodes[2].depth, 3);
	assert_int_equal(cp.nsamples, 4);
	assert_int_equal(cp.samples[0], 2);
	assert_int_equal(cp.samples[3], 0);
	assert_int_equal(cp.times[0], 10);
	assert_int_equal(cp.times[2], 1008);
	assert_int_equal(cp.start_us, 1000);
	cpuprofile_release(&cp);
}

static void test_cpuprofile__hostile(void **state)
{
	static const char *const bad[] = {
		/* a cycle */
		"{\"nodes\":[" NODE(1, "a", "", 0, "2") "," NODE(2, "b", "", 0, "1") "],\"startTime\":0,\"endTime\":1,"
		"\"samples\":[],\"timeDeltas\":[]}",
		/* two parents */
		"{\"nodes\":[" NODE(1, "a", "", 0, "3") "," NODE(2, "b", "", 0, "3") "," NODE(3, "c", "", 0, "")
		"],\"startTime\":0,\"endTime\":1,\"samples\":[],\"timeDeltas\":[]}",
		/* its own child */
		"{\"nodes\":[" NODE(1, "a", "", 0, "1") "],\"startTime\":0,\"endTime\":1,\"samples\":[],\"timeDeltas\":[]}",
		/* a child that is no node */
		"{\"nodes\":[" NODE(1, "a", "", 0, "7") "],\"startTime\":0,\"endTime\":1,\"samples\":[],\"timeDeltas\":[]}",
		/* a sample of no node */
		"{\"nodes\":[" NODE(1, "a", "", 0, "") "],\"startTime\":0,\"endTime\":1,\"samples\":[9],\"timeDeltas\":[1]}",
		/* deltas that do not match */
		"{\"nodes\":[" NODE(1, "a", "", 0, "") "],\"startTime\":0,\"endTime\":1,\"samples\":[1,1],\"timeDeltas\":[1]}",
		/* a huge delta and a huge id */
		"{\"nodes\":[" NODE(1, "a", "", 0, "") "],\"startTime\":0,\"endTime\":1,\"samples\":[1],"
		"\"timeDeltas\":[1e300]}",
		"{\"nodes\":[" NODE(99999999999999999999, "a", "", 0, "") "],\"startTime\":0,\"endTime\":1,"
		"\"samples\":[],\"timeDeltas\":[]}",
		/* repeated ids */
		"{\"nodes\":[" NODE(1, "a", "", 0, "") "," NODE(1, "b", "", 0, "") "],\"startTime\":0,\"endTime\":1,"
		"\"samples\":[],\"timeDeltas\":[]}",
		/* no nodes, no times, not an object */
		"{\"nodes\":[],\"startTime\":0,\"endTime\":1,\"samples\":[],\"timeDeltas\":[]}",
		"{\"nodes\":[" NODE(1, "a", "", 0, "") "],\"samples\":[],\"timeDeltas\":[]}",
		"[1,2,3]",
		"{\"nodes\":[{\"id\":1}],\"startTime\":0,\"endTime\":1,\"samples\":[],\"timeDeltas\":[]}",
	};
	struct cpuprofile cp;
	char why[200];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		assert_int_equal(parse(bad[i], &cp, why), -1);
		assert_true(why[0] != '\0');
		assert_int_equal(cp.nnodes, 0);
		assert_null(cp.nodes);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpuprofile__tree_and_samples),
		cmocka_unit_test(test_cpuprofile__hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
