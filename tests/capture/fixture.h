/* Fixture files for the capture's unit tests: tests/fixtures/REL, or under
 * $CASEFILE_FIXTURES (set by tests/run-unit.sh). Include after <cmocka.h>. */
#ifndef CASEFILE_TESTS_CAPTURE_FIXTURE_H
#define CASEFILE_TESTS_CAPTURE_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

#define FIXTURE_MAX (1 << 20)

/* The whole file (at most FIXTURE_MAX bytes) in a buffer the caller frees;
 * its length in *len. A missing fixture fails the test. */
static inline char *fixture_load(const char *rel, size_t *len)
{
	const char *dir = getenv("CASEFILE_FIXTURES");
	char path[512];
	char *buf = malloc(FIXTURE_MAX);
	FILE *f;

	assert_non_null(buf);
	snprintf(path, sizeof(path), "%s/%s", dir ? dir : "tests/fixtures", rel);
	f = fopen(path, "r");
	assert_non_null(f);
	*len = fread(buf, 1, FIXTURE_MAX, f);
	fclose(f);
	return buf;
}

#endif
