/* libFuzzer harness: the bundle reader over mutated SQLite files. A bundle
 * that opens is then read the way `summary` reads it (every series). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "bundle.h"
#include "error.h"
#include "series.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void quiet(const char *level, const char *msg)
{
	(void)level;
	(void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	const struct series_def *def;
	sqlite3 *db;
	FILE *f;

	error_set_hook(quiet);
	snprintf(path, sizeof(path), "/tmp/casefile-fuzz-%d.db", (int)getpid());
	f = fopen(path, "wb");
	if (!f)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	if (bundle_open_readonly(path, &db, NULL) == BUNDLE_OK) {
		for (def = series_table; def->id; def++) {
			struct series *s;
			int n;

			if (series_load(db, def, &s, &n) == 0)
				series_free(s, n);
		}
		sqlite3_close(db);
	}
	unlink(path);
	return 0;
}
