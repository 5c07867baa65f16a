/* The capture-wide redactor: a copy when --redact is off, never the
 * original when it is on but could not start. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "capture.h"
#include "redact.h"

static char out[256];

static void test_redact__off_copies(void **state)
{
	struct capture_opts o;
	struct capture cap;

	(void)state;
	capture_opts_init(&o);
	memset(&cap, 0, sizeof(cap));
	cap.opts = &o;
	capture_redact_str(&cap, "10.1.2.3", out, sizeof(out));
	assert_string_equal(out, "10.1.2.3");
	assert_int_equal(capture_redact_start(&cap), 0);
	assert_null(capture_redact_map_path());
	capture_redact_release();
}

static void test_redact__on_without_setup_never_leaks(void **state)
{
	struct capture_opts o;
	struct capture cap;

	(void)state;
	capture_opts_init(&o);
	o.redact = 1;
	memset(&cap, 0, sizeof(cap));
	cap.opts = &o;
	assert_int_equal(capture_redact(&cap, "10.1.2.3", 8, out, sizeof(out)), -1);
	assert_string_equal(out, "[redaction failed]");
	capture_redact_value(&cap, REDACT_HOST, "db1", out, sizeof(out));
	assert_string_equal(out, "[redaction failed]");
	assert_int_equal(capture_redact_start(&cap), -1);
	/* once made, the same call redacts */
	assert_int_equal(capture_redact_init(&cap), 0);
	capture_redact_str(&cap, "from 10.1.2.3", out, sizeof(out));
	assert_non_null(strstr(out, "from ip-"));
	capture_redact_release();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_redact__off_copies),
		cmocka_unit_test(test_redact__on_without_setup_never_leaks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
