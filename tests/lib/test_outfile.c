/* Unit tests of lib/outfile.c: outputs never replace an input, never an
 * existing file without force, never a device; written through a temp file
 * renamed only when complete. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outfile.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_outfile.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	outfile_clear_inputs();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *get(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void test_outfile__refuses_inputs(void **state)
{
	char in[128], link[128], wal[128], buf[64];
	struct outfile o = OUTFILE_INIT;

	(void)state;
	snprintf(in, sizeof(in), "%s/in.db", dir);
	snprintf(link, sizeof(link), "%s/new.txt", dir);
	snprintf(wal, sizeof(wal), "%s/in.db-wal", dir);
	put(in, "bundle");
	assert_int_equal(symlink("in.db", link), 0);
	assert_int_equal(outfile_add_input(in), 0);
	assert_int_equal(outfile_open(&o, in, 1, 0644), -1);
	assert_int_equal(outfile_open(&o, link, 1, 0644), -1);
	assert_int_equal(outfile_open(&o, wal, 1, 0644), -1);
	assert_int_equal(access(wal, F_OK), -1);
	assert_string_equal(get(in, buf, sizeof(buf)), "bundle");
}

static void test_outfile__force_and_rename(void **state)
{
	char out[128], buf[64];
	struct outfile o = OUTFILE_INIT;
	struct stat st;

	(void)state;
	snprintf(out, sizeof(out), "%s/r.txt", dir);
	put(out, "old");
	assert_int_equal(outfile_open(&o, out, 0, 0644), -1);
	assert_int_equal(outfile_open(&o, out, 1, 0644), 0);
	fputs("new", o.f);
	/* Until the commit, the destination is the old file. */
	assert_string_equal(get(out, buf, sizeof(buf)), "old");
	assert_int_equal(outfile_commit(&o), 0);
	assert_string_equal(get(out, buf, sizeof(buf)), "new");
	assert_int_equal(stat(out, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	/* An aborted output leaves nothing, not even its temp file. */
	assert_int_equal(outfile_open(&o, out, 1, 0644), 0);
	fputs("half", o.f);
	outfile_abort(&o);
	assert_string_equal(get(out, buf, sizeof(buf)), "new");
}

static void test_outfile__refuses_devices(void **state)
{
	struct outfile o = OUTFILE_INIT;

	(void)state;
	assert_int_equal(outfile_open(&o, "/dev/null", 1, 0644), -1);
	assert_int_equal(outfile_open(&o, dir, 1, 0644), -1);
	assert_int_equal(outfile_open(&o, "", 1, 0644), -1);
}

/* After all the above, only the files the tests made are in the directory. */
static void test_outfile__no_temp_files_left(void **state)
{
	char cmd[160];

	(void)state;
	snprintf(cmd, sizeof(cmd), "ls -a '%s' | grep -q tmp", dir);
	assert_int_not_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_outfile__refuses_inputs),
		cmocka_unit_test(test_outfile__force_and_rename),
		cmocka_unit_test(test_outfile__refuses_devices),
		cmocka_unit_test(test_outfile__no_temp_files_left),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
