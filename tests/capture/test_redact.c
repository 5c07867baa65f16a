/* Redaction: what is replaced, consistency of pseudonyms, the map file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "capture.h"
#include "redact.h"

static char out[4096];

static const char *apply(struct redactor *r, const char *s)
{
	redactor_apply(r, s, strlen(s), out, sizeof(out));
	return out;
}

static struct redactor *fixed_key(const char *map)
{
	struct redactor *r = redactor_new(map);

	assert_non_null(r);
	redactor_set_key(r, "test-key", 8);
	return r;
}

static void assert_gone(const char *text, const char *secret)
{
	if (strstr(text, secret)) {
		print_error("'%s' still holds '%s'\n", text, secret);
		fail();
	}
}

static void test_redact__replaces_what_it_should(void **state)
{
	struct redactor *r = fixed_key(NULL);
	static const char *const secrets[] = {
		"10.1.2.3", "2001:db8::7", "bob@example.com", "es-3.prod.example.com",
		"api.internal", "sk_live_4eC39HqLyjWDarjtT1zdp7dc", "hunter2", "eyJhbGciOiJIUzI1NiJ9.e30.abc123",
		"4f1c2a9e-1b2c-4d5e-8f90-123456789abc", "s3cr3t-val", NULL,
	};
	const char *in =
		"connect 10.1.2.3:9243 and [2001:db8::7]:443 for bob@example.com via es-3.prod.example.com "
		"and api.internal key sk_live_4eC39HqLyjWDarjtT1zdp7dc password=hunter2 "
		"Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc123 req 4f1c2a9e-1b2c-4d5e-8f90-123456789abc "
		"{\"client_secret\": \"s3cr3t-val\"}";
	int i;

	(void)state;
	apply(r, in);
	for (i = 0; secrets[i]; i++)
		assert_gone(out, secrets[i]);
	/* Ports and ordinary words survive: they carry the pattern. */
	assert_non_null(strstr(out, ":9243 and ["));
	assert_non_null(strstr(out, "]:443 for email-"));
	assert_non_null(strstr(out, "password=token-"));
	assert_non_null(strstr(out, "Bearer token-"));
	assert_non_null(strstr(out, "connect ip-"));
	redactor_free(r);
}

static void test_redact__keeps_ordinary_text(void **state)
{
	struct redactor *r = fixed_key(NULL);
	static const char *const keep[] = {
		"user 42 not found in config.yaml at 12:00:00",
		"java.lang.IllegalStateException at com.example.Pool.take(Pool.java:88)",
		"version 1.2.3 of /usr/lib/x86_64-linux-gnu/libc.so.6",
		"took 250ms, retrying",
		NULL,
	};
	int i;

	(void)state;
	for (i = 0; keep[i]; i++)
		assert_string_equal(apply(r, keep[i]), keep[i]);
	redactor_free(r);
}

static void test_redact__consistent_pseudonyms(void **state)
{
	struct redactor *r = fixed_key(NULL), *other;
	char a[64], b[64];

	(void)state;
	redactor_pseudonym(r, REDACT_IP, "10.0.0.1", 8, a, sizeof(a));
	redactor_pseudonym(r, REDACT_IP, "10.0.0.1", 8, b, sizeof(b));
	assert_string_equal(a, b);
	assert_int_equal(strncmp(a, "ip-", 3), 0);
	assert_int_equal(strlen(a), 13);
	redactor_pseudonym(r, REDACT_IP, "10.0.0.2", 8, b, sizeof(b));
	assert_string_not_equal(a, b);
	/* The same text in a line maps to the same token. */
	apply(r, "from 10.0.0.1:80");
	assert_non_null(strstr(out, a));
	/* Another capture's key gives other pseudonyms: bundles do not join. */
	other = redactor_new(NULL);
	assert_non_null(other);
	redactor_pseudonym(other, REDACT_IP, "10.0.0.1", 8, b, sizeof(b));
	assert_string_not_equal(a, b);
	redactor_free(other);
	redactor_free(r);
}

static void test_redact__map_file(void **state)
{
	char path[] = "/tmp/casefile-test-redact-XXXXXX", map[64], line[512];
	struct redactor *r;
	struct stat st;
	FILE *f;
	int fd, found = 0, keyline = 0, n = 0;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	snprintf(map, sizeof(map), "%s", path);
	r = fixed_key(map);
	apply(r, "a 10.9.8.7 b 10.9.8.7 c bob@example.com");
	apply(r, "again 10.9.8.7 and tab\there.example.com");
	assert_int_equal(redactor_count(r), 3);
	redactor_free(r);
	assert_int_equal(stat(map, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	f = fopen(map, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#') {
			keyline += !!strstr(line, "# key ");
			continue;
		}
		n++;
		if (!strncmp(line, "ip\tip-", 6) && strstr(line, "\t10.9.8.7\n"))
			found++;
	}
	fclose(f);
	unlink(map);
	assert_int_equal(keyline, 1);
	assert_int_equal(n, 3);       /* each mapping once */
	assert_int_equal(found, 1);
}

static void test_redact__bounded_and_literal(void **state)
{
	struct redactor *r = fixed_key(NULL);
	char small[16];
	size_t n = 1 << 20, i;
	char *big = malloc(n);

	(void)state;
	assert_int_equal(redactor_add_literal(r, REDACT_HOST, "web-7f9c"), 0);
	apply(r, "on web-7f9c now");
	assert_non_null(strstr(out, "on host-"));
	assert_null(strstr(out, "web-7f9c"));
	assert_true(redactor_apply(r, "10.1.1.1 10.2.2.2 10.3.3.3", 26, small, sizeof(small)) <= 15);
	for (i = 0; i < n; i++)
		big[i] = (char)(i * 7 + 3);
	redactor_apply(r, big, n, out, sizeof(out));
	assert_true(strlen(out) < sizeof(out));
	free(big);
	redactor_free(r);
}

static void test_redact__capture_wide_off_copies(void **state)
{
	struct capture_opts o;
	struct capture cap;

	(void)state;
	capture_opts_init(&o);
	memset(&cap, 0, sizeof(cap));
	cap.opts = &o;
	capture_redact_str(&cap, "10.1.2.3", out, sizeof(out));
	assert_string_equal(out, "10.1.2.3");
	assert_null(capture_redact_map_path());
	capture_redact_release();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_redact__replaces_what_it_should),
		cmocka_unit_test(test_redact__keeps_ordinary_text),
		cmocka_unit_test(test_redact__consistent_pseudonyms),
		cmocka_unit_test(test_redact__map_file),
		cmocka_unit_test(test_redact__bounded_and_literal),
		cmocka_unit_test(test_redact__capture_wide_off_copies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
