/* casefile-analyze summary: what a bundle holds, at a glance. */
#include "commands.h"

#include "bundle.h"
#include "error.h"
#include "escape.h"
#include "exitcodes.h"
#include "parse.h"
#include "series.h"
#include "term.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void summary_usage(FILE *f)
{
	fprintf(f,
		"usage: casefile-analyze summary [--all] BUNDLE...\n"
		"\n"
		"Prints a bundle's manifest, which sources ran (and why others did not), the\n"
		"time range, the targets, the capture's events, and one line per series with\n"
		"min / mean / max / slope.\n"
		"\n"
		"  --all     list every event (default: the first 20)\n"
		"\n"
		"Example:\n"
		"  casefile-analyze summary incident.db\n");
}

static const char *text(sqlite3_stmt *st, int col)
{
	const char *s = (const char *)sqlite3_column_text(st, col);

	return s ? s : "";
}

static void print_kv(const char *key, const char *value)
{
	printf("  %-16s ", key);
	fput_term(stdout, value, 400);
	putchar('\n');
}

static void print_manifest(sqlite3 *db, const char *path, int version)
{
	static const char *const order[] = {
		"host", "kernel", "arch", "container_id", "tool_version", "command_line",
		"target_selection", "start_time", "end_time", "stop_reason", "bundle_id", NULL,
	};
	char buf[4096], a[64];
	struct stat sb;
	long long start, end, ticks, interval;
	int i;

	printf("Bundle %s", "");
	fput_term(stdout, path, 0);
	if (stat(path, &sb) == 0)
		printf(" (%s, schema %d)\n", format_size((uint64_t)sb.st_size, a, sizeof(a)), version);
	else
		printf(" (schema %d)\n", version);
	for (i = 0; order[i]; i++) {
		bundle_manifest_get(db, order[i], buf, sizeof(buf));
		if (buf[0])
			print_kv(order[i], buf);
	}
	start = bundle_query_int(db, "SELECT min(wall_us) FROM ticks", 0);
	end = bundle_query_int(db, "SELECT max(wall_us) FROM ticks", 0);
	ticks = bundle_query_int(db, "SELECT count(*) FROM ticks", 0);
	interval = atoll(bundle_manifest_get(db, "interval_us", buf, sizeof(buf)));
	snprintf(buf, sizeof(buf), "%lld ticks over %s, every %s", ticks,
		 format_duration_us(end - start, a, sizeof(a)),
		 interval > 0 ? format_duration_us(interval, a + 32, 32) : "?");
	print_kv("time range", buf);
	bundle_manifest_get(db, "stop_reason", a, sizeof(a));
	if (!bundle_manifest_get(db, "end_time", buf, sizeof(buf))[0] ||
	    !strcmp(a, "disk full") || !strcmp(a, "write error"))
		printf("  %-16s the capture did not finish cleanly (killed, or disk full): "
		       "every committed tick is here, the rest is lost\n", "note");
}

static void print_sources(sqlite3 *db)
{
	sqlite3_stmt *st;

	printf("\nSources\n");
	if (sqlite3_prepare_v2(db, "SELECT name, status, coalesce(backend, ''), coalesce(reason, '')"
			       " FROM sources ORDER BY rowid", -1, &st, NULL) != SQLITE_OK)
		return;
	while (sqlite3_step(st) == SQLITE_ROW) {
		char e0[64], e1[64], e2[64];

		printf("  %-10s %-8s %-10s ", term_escape(e0, sizeof(e0), text(st, 0)),
		       term_escape(e1, sizeof(e1), text(st, 1)), term_escape(e2, sizeof(e2), text(st, 2)));
		fput_term(stdout, text(st, 3), 200);
		putchar('\n');
	}
	sqlite3_finalize(st);
}

static void print_targets(sqlite3 *db)
{
	sqlite3_stmt *st;

	printf("\nTargets\n");
	if (sqlite3_prepare_v2(db, "SELECT pid, role, coalesce(comm, '?'), coalesce(cmdline, ''),"
			       " first_tick, coalesce(exit_tick, 0) FROM processes ORDER BY id LIMIT 50",
			       -1, &st, NULL) != SQLITE_OK)
		return;
	while (sqlite3_step(st) == SQLITE_ROW) {
		char role[64];

		printf("  pid %-7d %-6s ", sqlite3_column_int(st, 0), term_escape(role, sizeof(role), text(st, 1)));
		fput_term(stdout, text(st, 2), 32);
		printf("  ");
		fput_term(stdout, text(st, 3), 80);
		if (sqlite3_column_int64(st, 5))
			printf("  (exited at tick %lld)", (long long)sqlite3_column_int64(st, 5));
		putchar('\n');
	}
	sqlite3_finalize(st);
}

static void print_events(sqlite3 *db, int all)
{
	sqlite3_stmt *st;
	long long n = bundle_query_int(db, "SELECT count(*) FROM events", 0);
	int shown = 0;

	printf("\nEvents (%lld)\n", n);
	if (sqlite3_prepare_v2(db, "SELECT coalesce(tick, 0), kind, coalesce(source, ''), message"
			       " FROM events ORDER BY id", -1, &st, NULL) != SQLITE_OK)
		return;
	while (sqlite3_step(st) == SQLITE_ROW) {
		char kind[64], src[64];

		if (!all && shown == 20) {
			printf("  ... %lld more (--all)\n", n - shown);
			break;
		}
		printf("  tick %-5lld %-15s %-8s ", (long long)sqlite3_column_int64(st, 0),
		       term_escape(kind, sizeof(kind), text(st, 1)), term_escape(src, sizeof(src), text(st, 2)));
		fput_term(stdout, text(st, 3), 200);
		putchar('\n');
		shown++;
	}
	sqlite3_finalize(st);
}

static void print_series(sqlite3 *db)
{
	const struct series_def *def;
	int zero = 0;

	printf("\nSeries%*s%12s %12s %12s %14s\n", 44, "", "min", "mean", "max", "slope/min");
	for (def = series_table; def->id; def++) {
		struct series *s;
		int n, i;

		if (series_load(db, def, &s, &n))
			continue;
		for (i = 0; i < n && i < 20; i++) {
			struct series_stats stt;
			char a[32], b[32], c[32], d[32], name[128];

			series_compute_stats(&s[i], &stt);
			if (stt.min == 0 && stt.max == 0 && n > 1) {
				zero++;
				continue;
			}
			snprintf(name, sizeof(name), "%s [%s]", def->title, s[i].label);
			printf("  ");
			/* label text comes from the bundle: escaped, cut at 48 bytes */
			{
				char shown[49];
				size_t k;

				term_escape(shown, sizeof(shown), name);
				k = strlen(shown);
				fputs(shown, stdout);
				printf("%*s", (int)(48 - k), "");
			}
			printf("%12s %12s %12s %14s\n",
			       series_format(def->unit, stt.min, a, sizeof(a)),
			       series_format(def->unit, stt.mean, b, sizeof(b)),
			       series_format(def->unit, stt.max, c, sizeof(c)),
			       series_format(def->unit, stt.slope_per_min, d, sizeof(d)));
		}
		series_free(s, n);
	}
	if (zero)
		printf("  (%d more series are zero throughout)\n", zero);
}

int cmd_summary(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, all = 0, rc = CF_EXIT_OK, i;

	optind = 1;
	while ((c = getopt_long(argc, argv, "ah", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': all = 1; break;
		case 'h': summary_usage(stdout); return CF_EXIT_OK;
		default: summary_usage(stderr); return CF_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		summary_usage(stderr);
		return CF_EXIT_USAGE;
	}
	for (i = optind; i < argc; i++) {
		sqlite3 *db;
		int version, st;

		st = bundle_open_readonly(argv[i], &db, &version);
		if (st) {
			rc = bundle_status_exit_code(st);
			continue;
		}
		if (i > optind)
			printf("\n");
		print_manifest(db, argv[i], version);
		print_sources(db);
		print_targets(db);
		print_events(db, all);
		print_series(db);
		sqlite3_close(db);
	}
	return rc;
}
