/* Log parsing: every format from fixtures in tests/fixtures/logs, multi-line
 * records, and hostile input (1 MB lines, invalid UTF-8, binary garbage). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "logs/logparse.h"

#define MAX_RECS 64

struct parsed {
	int n;
	struct log_record rec[MAX_RECS];
};

static char *read_fixture(const char *name, size_t *len)
{
	const char *dir = getenv("CASEFILE_FIXTURES");
	char path[512];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/logs/%s", dir ? dir : "tests/fixtures", name);
	f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	buf[n] = 0;
	*len = (size_t)n;
	return buf;
}

/* Splits buf into lines and runs them through an assembler, as the logs
 * source does. */
static void assemble(const char *buf, size_t len, enum log_format hint, struct parsed *p)
{
	struct log_assembler *a = malloc(sizeof(*a));
	struct log_record *r = malloc(sizeof(*r));
	size_t i = 0;

	assert_non_null(a);
	assert_non_null(r);
	p->n = 0;
	log_assembler_init(a, hint);
	while (i < len) {
		const char *nl = memchr(buf + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (buf + i)) : len - i;

		if (log_assembler_push(a, buf + i, n, n + 1, 0, r) && p->n < MAX_RECS)
			p->rec[p->n++] = *r;
		i += n + 1;
	}
	while (log_assembler_flush(a, r))
		if (p->n < MAX_RECS)
			p->rec[p->n++] = *r;
	free(a);
	free(r);
}

static struct parsed *parse_fixture(const char *name, enum log_format hint)
{
	struct parsed *p = malloc(sizeof(*p));
	size_t len;
	char *buf = read_fixture(name, &len);

	assert_non_null(p);
	assemble(buf, len, hint, p);
	free(buf);
	return p;
}

static void assert_rec(const struct log_record *r, enum log_level level, const char *msg_prefix)
{
	if (r->level != level || strncmp(r->msg, msg_prefix, strlen(msg_prefix))) {
		print_error("record '%s': level %s, expected %s '%s'\n", r->msg,
			    log_level_name(r->level), log_level_name(level), msg_prefix);
		fail();
	}
}

static void test_logparse__json_fixture(void **state)
{
	struct parsed *p = parse_fixture("json.log", LOG_FORMAT_AUTO);

	(void)state;
	assert_int_equal(p->n, 17);
	assert_rec(&p->rec[0], LOG_LEVEL_INFO, "request completed");
	assert_int_equal(p->rec[0].format, LOG_FORMAT_JSON);
	/* pino: epoch milliseconds */
	assert_int_equal(p->rec[0].ts_us, 1764230974123000LL);
	assert_rec(&p->rec[1], LOG_LEVEL_ERROR, "failed to index document");
	assert_rec(&p->rec[2], LOG_LEVEL_ERROR, "connection to 10.1.2.3:9243");
	assert_rec(&p->rec[3], LOG_LEVEL_WARN, "slow query");
	/* +01:00 is an hour ahead of UTC */
	assert_int_equal(p->rec[3].ts_us, 1795766974126000LL - 3600000000LL);
	assert_rec(&p->rec[4], LOG_LEVEL_UNKNOWN, "lvl value");
	assert_rec(&p->rec[5], LOG_LEVEL_ERROR, "nested level object");
	assert_rec(&p->rec[6], LOG_LEVEL_WARN, "ECS nested");
	assert_rec(&p->rec[7], LOG_LEVEL_FATAL, "ECS flat");
	assert_rec(&p->rec[8], LOG_LEVEL_UNKNOWN, "boolean level");
	assert_rec(&p->rec[9], LOG_LEVEL_UNKNOWN, "null level");
	assert_rec(&p->rec[10], LOG_LEVEL_UNKNOWN, "array level");
	assert_rec(&p->rec[11], LOG_LEVEL_UNKNOWN, "no level field");
	assert_rec(&p->rec[12], LOG_LEVEL_ERROR, "ERROR: level only");
	assert_rec(&p->rec[13], LOG_LEVEL_INFO, "{\"text\":\"message is an object\"}");
	assert_rec(&p->rec[14], LOG_LEVEL_FATAL, "escaped \"quotes\" and \xc3\xa9 and \xf0\x9f\x98\x80 and \n newline");
	/* Unterminated: the fields before the break still count. */
	assert_rec(&p->rec[15], LOG_LEVEL_ERROR, "{\"level\":\"error\"");
	assert_rec(&p->rec[16], LOG_LEVEL_WARN, "{\"level\":40");
	free(p);
}

static void test_logparse__docker_fixture(void **state)
{
	struct parsed *p = parse_fixture("docker.log", LOG_FORMAT_AUTO);

	(void)state;
	assert_int_equal(p->n, 4);
	assert_rec(&p->rec[0], LOG_LEVEL_ERROR, "could not connect to db");
	assert_int_equal(p->rec[0].format, LOG_FORMAT_DOCKER);
	assert_int_equal(p->rec[0].stream, LOG_STREAM_STDERR);
	assert_int_equal(p->rec[0].lines, 2);    /* the "at" line joined */
	assert_non_null(strstr(p->rec[0].text, "\n    at Socket.connect"));
	assert_rec(&p->rec[1], LOG_LEVEL_WARN, "inner json from docker");
	assert_int_equal(p->rec[1].stream, LOG_STREAM_STDOUT);
	/* Two partial pieces make one line. */
	assert_rec(&p->rec[2], LOG_LEVEL_WARN, "inside");
	assert_string_equal(p->rec[2].text, "first half of a long line second half WARN inside");
	assert_rec(&p->rec[3], LOG_LEVEL_INFO, "started");
	free(p);
}

static void test_logparse__cri_fixture(void **state)
{
	struct parsed *p = parse_fixture("cri.log", LOG_FORMAT_AUTO);

	(void)state;
	assert_int_equal(p->n, 4);
	assert_rec(&p->rec[0], LOG_LEVEL_ERROR, "dial tcp 10.0.0.7:9243");
	assert_int_equal(p->rec[0].format, LOG_FORMAT_CRI);
	assert_int_equal(p->rec[0].stream, LOG_STREAM_STDERR);
	assert_int_equal(p->rec[0].ts_us, 1795766974669794LL);
	/* P then F: one JSON line split by the runtime. */
	assert_rec(&p->rec[1], LOG_LEVEL_ERROR, "split across two CRI lines");
	assert_rec(&p->rec[2], LOG_LEVEL_INFO, "all good");
	/* A traceback after a line: joined to it, closed by "ValueError". */
	assert_int_equal(p->rec[2].lines, 4);
	assert_non_null(strstr(p->rec[2].text, "ValueError: bad value"));
	assert_rec(&p->rec[3], LOG_LEVEL_WARN, "after the traceback");
	free(p);
}

static void test_logparse__plain_fixture(void **state)
{
	struct parsed *p = parse_fixture("plain.log", LOG_FORMAT_AUTO);

	(void)state;
	assert_int_equal(p->n, 17);
	assert_rec(&p->rec[0], LOG_LEVEL_ERROR, "[main] com.example.Api - request 1234 failed");
	assert_int_equal(p->rec[0].lines, 6);
	assert_int_equal(p->rec[0].format, LOG_FORMAT_PLAIN);
	assert_true(p->rec[0].ts_us > 0);
	assert_rec(&p->rec[1], LOG_LEVEL_WARN, "[main]");
	assert_rec(&p->rec[2], LOG_LEVEL_ERROR, "lowercase bracketed");
	assert_rec(&p->rec[3], LOG_LEVEL_ERROR, "line starting");
	assert_rec(&p->rec[4], LOG_LEVEL_INFO, "glog info line");
	assert_rec(&p->rec[5], LOG_LEVEL_WARN, "glog warning line");
	assert_rec(&p->rec[6], LOG_LEVEL_ERROR, "glog error line");
	assert_rec(&p->rec[7], LOG_LEVEL_FATAL, "glog fatal line");
	assert_rec(&p->rec[8], LOG_LEVEL_ERROR, "systemd-style");
	assert_rec(&p->rec[9], LOG_LEVEL_WARN, "syslog facility");
	assert_rec(&p->rec[10], LOG_LEVEL_ERROR, "\"logfmt error line\"");
	assert_rec(&p->rec[11], LOG_LEVEL_DEBUG, "debugging");
	assert_rec(&p->rec[12], LOG_LEVEL_TRACE, "tracing");
	assert_rec(&p->rec[13], LOG_LEVEL_FATAL, "the end");
	assert_rec(&p->rec[14], LOG_LEVEL_UNKNOWN, "nothing here");
	assert_rec(&p->rec[15], LOG_LEVEL_ERROR, "root:python");
	assert_int_equal(p->rec[15].lines, 5);
	assert_rec(&p->rec[16], LOG_LEVEL_INFO, "after traceback");
	free(p);
}

static void test_logparse__forced_plain_keeps_json_text(void **state)
{
	struct log_line *l = malloc(sizeof(*l));
	const char *s = "{\"level\":\"error\",\"msg\":\"x\"}";

	(void)state;
	log_parse_line(s, strlen(s), LOG_FORMAT_PLAIN, l);
	assert_int_equal(l->format, LOG_FORMAT_PLAIN);
	assert_int_equal(l->msg_len, strlen(s));
	free(l);
}

static void test_logparse__invalid_utf8(void **state)
{
	struct parsed *p = parse_fixture("invalid_utf8.log", LOG_FORMAT_AUTO);
	char clean[LOG_TEXT_MAX];
	int i;

	(void)state;
	assert_int_equal(p->n, 3);
	assert_int_equal(p->rec[0].level, LOG_LEVEL_ERROR);
	assert_int_equal(p->rec[1].level, LOG_LEVEL_ERROR);
	assert_int_equal(p->rec[2].level, LOG_LEVEL_WARN);
	for (i = 0; i < p->n; i++) {
		size_t n = log_sanitize_utf8(p->rec[i].text, p->rec[i].text_len, clean, sizeof(clean));
		size_t k;

		assert_int_equal(strlen(clean), n);
		for (k = 0; k < n; k++)
			assert_true((unsigned char)clean[k] >= 0x20 || clean[k] == '\n' || clean[k] == '\t');
	}
	log_sanitize_utf8(p->rec[0].text, p->rec[0].text_len, clean, sizeof(clean));
	assert_string_equal(clean, "ERROR invalid utf8 ?? here ?( and ?? cut");
	free(p);
}

static void test_logparse__sanitize_cuts_at_char_boundary(void **state)
{
	char out[4];

	(void)state;
	/* "aé€": 1 + 2 + 3 bytes; room for 3 bytes keeps "aé" only. */
	assert_int_equal(log_sanitize_utf8("a\xc3\xa9\xe2\x82\xac", 6, out, sizeof(out)), 3);
	assert_string_equal(out, "a\xc3\xa9");
}

static void test_logparse__megabyte_line(void **state)
{
	size_t n = 1 << 20;
	char *line = malloc(n);
	struct log_assembler *a = malloc(sizeof(*a));
	struct log_record *r = malloc(sizeof(*r));

	(void)state;
	memset(line, 'x', n);
	memcpy(line, "ERROR ", 6);
	log_assembler_init(a, LOG_FORMAT_AUTO);
	/* The reader hands over at most its line bound, flagged truncated. */
	assert_int_equal(log_assembler_push(a, line, n, n + 1, 1, r), 0);
	assert_int_equal(log_assembler_flush(a, r), 1);
	assert_int_equal(r->level, LOG_LEVEL_ERROR);
	assert_true(r->truncated);
	assert_int_equal(r->bytes, n + 1);
	assert_true(r->msg_len < LOG_MSG_MAX);
	assert_true(r->text_len < LOG_TEXT_MAX);
	/* A huge JSON line with its message far beyond any buffer. */
	memset(line, ' ', n);
	memcpy(line, "{\"level\":\"warn\",\"msg\":\"", 23);
	line[n - 2] = '"';
	line[n - 1] = '}';
	log_assembler_push(a, line, n, n + 1, 0, r);
	assert_int_equal(log_assembler_flush(a, r), 1);
	assert_int_equal(r->level, LOG_LEVEL_WARN);
	free(line);
	free(a);
	free(r);
}

/* A fixed pseudo-random stream, so failures reproduce. */
static uint32_t lcg(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 8;
}

static void test_logparse__binary_garbage(void **state)
{
	static const char alphabet[] = "{}[]\":,\\ \n\tu0123456789abcdefEWIlevelmsg<>P F.-TZ";
	size_t n = 1 << 18, i;
	char *buf = malloc(n);
	struct parsed *p = malloc(sizeof(*p));
	uint32_t seed = 12345;
	int round;

	(void)state;
	for (round = 0; round < 4; round++) {
		for (i = 0; i < n; i++) {
			uint32_t v = lcg(&seed);

			/* Half raw bytes, half JSON/CRI-ish characters. */
			buf[i] = round & 1 ? alphabet[v % (sizeof(alphabet) - 1)] : (char)v;
		}
		assemble(buf, n, round < 2 ? LOG_FORMAT_AUTO : LOG_FORMAT_CRI, p);
		for (i = 0; i < (size_t)p->n; i++) {
			assert_true(p->rec[i].msg_len < LOG_MSG_MAX);
			assert_true(p->rec[i].text_len < LOG_TEXT_MAX);
		}
	}
	/* Every prefix of a valid line parses without reading past it. */
	{
		const char *s = "{\"log\":\"{\\\"level\\\":50,\\\"msg\\\":\\\"a\\\\u00e9\\\"}\\n\",\"stream\":\"stderr\",\"time\":\"2026-11-27T08:09:34Z\"}";
		struct log_line *l = malloc(sizeof(*l));
		size_t k;

		for (k = 0; k <= strlen(s); k++) {
			char *copy = malloc(k ? k : 1);

			memcpy(copy, s, k);
			log_parse_line(copy, k, LOG_FORMAT_AUTO, l);
			free(copy);
		}
		log_parse_line(s, strlen(s), LOG_FORMAT_AUTO, l);
		assert_int_equal(l->format, LOG_FORMAT_DOCKER);
		assert_int_equal(l->level, LOG_LEVEL_ERROR);
		free(l);
	}
	free(buf);
	free(p);
}

static void test_logparse__levels_and_times(void **state)
{
	int64_t us;

	(void)state;
	assert_int_equal(log_level_from_name("WARNING", 7), LOG_LEVEL_WARN);
	assert_int_equal(log_level_from_name("Err", 3), LOG_LEVEL_ERROR);
	assert_int_equal(log_level_from_name("nonsense", 8), LOG_LEVEL_UNKNOWN);
	assert_int_equal(log_format_parse("cri"), LOG_FORMAT_CRI);
	assert_int_equal(log_format_parse("xml"), -1);
	assert_int_equal(log_parse_time("1970-01-01T00:00:01Z", 20, &us), 20);
	assert_int_equal(us, 1000000);
	assert_int_equal(log_parse_time("2000-02-29 12:00:00.5", 21, &us), 21);
	assert_int_equal(us, 951825600500000LL);
	assert_int_equal(log_parse_time("2000-13-29 12:00:00", 19, &us), 0);
	assert_int_equal(log_parse_time("2000-01-01", 10, &us), 0);
	{
		/* Every prefix of a time, in an exact-size buffer (ASan). */
		const char *t = "2026-11-27T08:09:34.123+01:00";
		size_t k;

		for (k = 0; k < strlen(t); k++) {
			char *p = malloc(k ? k : 1);

			memcpy(p, t, k);
			log_parse_time(p, k, &us);
			free(p);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_logparse__json_fixture),
		cmocka_unit_test(test_logparse__docker_fixture),
		cmocka_unit_test(test_logparse__cri_fixture),
		cmocka_unit_test(test_logparse__plain_fixture),
		cmocka_unit_test(test_logparse__forced_plain_keeps_json_text),
		cmocka_unit_test(test_logparse__invalid_utf8),
		cmocka_unit_test(test_logparse__sanitize_cuts_at_char_boundary),
		cmocka_unit_test(test_logparse__megabyte_line),
		cmocka_unit_test(test_logparse__binary_garbage),
		cmocka_unit_test(test_logparse__levels_and_times),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
