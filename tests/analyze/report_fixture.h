/* A synthetic analysis for the report writers' unit tests: one finding, one
 * note, a bundle whose every text field is hostile, and one chart series.
 * Writers never query a bundle, so none is needed. */
#ifndef CASEFILE_TEST_REPORT_FIXTURE_H
#define CASEFILE_TEST_REPORT_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "report_charts.h"

#define HOSTILE "<script>alert(1)</script> | `x` **y** </svg><img src=x onerror=alert(1)> \"q\" 'a' & #1 @all $m$"

struct fixture {
	struct analysis a;
	struct rule rule;
	char *sources[1];
	struct note note;
	struct kv manifest[1];
	struct target_info target;
	struct source_info source;
	char *cols[2];
	struct cell cells[4];
	int note_idx[1];
	struct finding_value value;
	struct series_set set;
	struct series line;
	int64_t t[3];
	double v[3];
};

static inline const struct series_def *fixture_def(const char *id)
{
	int i;

	for (i = 0; series_table[i].id; i++)
		if (!strcmp(series_table[i].id, id))
			return &series_table[i];
	return NULL;
}

/* Fills FX; WITH_SERIES also gives the analysis a chart series. Nothing in
 * it is heap-owned: do not analysis_release it. */
static inline void fixture_init(struct fixture *fx, int with_series)
{
	struct analysis *a = &fx->a;
	struct finding *fd = calloc(1, sizeof(*fd));
	int i;

	assert_non_null(fd);
	memset(fx, 0, sizeof(*fx));
	fx->rule.id = (char *)"pool-cap";
	fx->rule.title = (char *)"Connections <b>capped</b>";
	fx->rule.next_step = (char *)"Look | at <i>the</i> pool";
	fx->rule.severity = SEV_HIGH;
	fx->sources[0] = (char *)"sockets";
	fx->rule.sources = fx->sources;
	fx->rule.nsources = 1;
	fx->rule.file = "builtin";

	fd->rule = &fx->rule;
	fd->severity = SEV_HIGH;
	fd->message = (char *)"connections to " HOSTILE " stayed at 256";
	fd->key = (char *)"pool-cap[x]";
	fd->group = (char *)"remote_port=9243";
	fd->from_us = 1700000001000000LL;
	fd->to_us = 1700000002000000LL;
	fd->sql = (char *)"SELECT '```' AS fence, 1;\n-- </pre><script>x</script>";
	fx->value.name = (char *)"cap";
	fx->value.num = 256;
	fd->values = &fx->value;
	fd->nvalues = 1;
	fx->cols[0] = (char *)"remote";
	fx->cols[1] = (char *)"connections";
	fd->evidence.ncols = 2;
	fd->evidence.cols = fx->cols;
	fd->evidence.nrows = 2;
	fd->evidence.cells = fx->cells;
	for (i = 0; i < 2; i++) {
		fx->cells[i * 2].type = CELL_TEXT;
		fx->cells[i * 2].u.s = (char *)HOSTILE;
		fx->cells[i * 2 + 1].type = CELL_INT;
		fx->cells[i * 2 + 1].u.i = 256;
	}
	fx->note_idx[0] = 0;
	fd->notes = fx->note_idx;
	fd->nnotes = 1;
	a->findings = fd;
	a->nfindings = 1;

	fx->note.kind = (char *)"drops";
	fx->note.source = (char *)"packets";
	fx->note.message = (char *)"dropped " HOSTILE;
	a->notes = &fx->note;
	a->nnotes = 1;

	a->bundle.path = (char *)"/tmp/" HOSTILE ".db";
	a->bundle.schema_version = 1;
	fx->manifest[0].key = (char *)"host";
	fx->manifest[0].value = (char *)HOSTILE;
	a->bundle.manifest = fx->manifest;
	a->bundle.nmanifest = 1;
	fx->target.pid = 42;
	fx->target.comm = (char *)"<script>alert(1";
	fx->target.role = (char *)"target";
	a->bundle.targets = &fx->target;
	a->bundle.ntargets = 1;
	fx->source.name = (char *)"sockets";
	fx->source.status = (char *)"ran";
	fx->source.reason = (char *)HOSTILE;
	a->bundle.sources = &fx->source;
	a->bundle.nsources = 1;
	a->bundle.from_us = 1700000000000000LL;
	a->bundle.to_us = 1700000003000000LL;
	a->bundle.ticks = 3;
	a->rules_total = a->rules_evaluated = 1;

	if (with_series) {
		for (i = 0; i < 3; i++) {
			fx->t[i] = a->bundle.from_us + i * 1000000LL;
			fx->v[i] = 100 + 78 * i;
		}
		fx->line.def = fixture_def("sockets.connections");
		fx->line.label = (char *)HOSTILE;
		fx->line.wall_us = fx->t;
		fx->line.value = fx->v;
		fx->line.n = fx->line.alloc = 3;
		fx->set.def = fx->line.def;
		fx->set.lines = &fx->line;
		fx->set.nlines = 1;
		a->series = &fx->set;
		a->nseries = 1;
	}
}

static inline void fixture_release(struct fixture *fx)
{
	free(fx->a.findings);
}

/* Runs a writer into a string (caller frees). */
static inline char *render(int (*fn)(FILE *, const struct analysis *), const struct analysis *a)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(fn(f, a), 0);
	fclose(f);
	return buf;
}

static inline int count(const char *hay, const char *needle)
{
	size_t nl = strlen(needle);
	int n = 0;

	for (; (hay = strstr(hay, needle)) != NULL; hay += nl)
		n++;
	return n;
}

#endif
