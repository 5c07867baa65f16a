/* Detector statistics as SQL functions, registered on the read-only bundle
 * connection for rule queries that read better with them. The sqlite3 shell
 * lacks them, so a finding's SQL that uses one cannot be re-run there: the
 * built-in rules keep them out of their evidence queries.
 *   cf_slope(x, y)   least-squares slope of y over x (aggregate)
 *   cf_r2(x, y)      its coefficient of determination (aggregate)
 *   cf_corr(a, b)    Pearson correlation (aggregate)
 *   cf_is_round(v)   1 when v looks like a limit a programmer chose */
#include "findings.h"
#include "stats.h"

#include <math.h>

/* Welford's online co-moments: stable with epoch-microsecond x values. */
struct comoment {
	double n, mx, my, cxy, m2x, m2y;
};

static void co_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct comoment *c = sqlite3_aggregate_context(ctx, sizeof(*c));
	double x, y, dx, dy;

	(void)argc;
	if (!c || sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL)
		return;
	x = sqlite3_value_double(argv[0]);
	y = sqlite3_value_double(argv[1]);
	c->n += 1;
	dx = x - c->mx;
	dy = y - c->my;
	c->mx += dx / c->n;
	c->my += dy / c->n;
	c->cxy += dx * (y - c->my);
	c->m2x += dx * (x - c->mx);
	c->m2y += dy * (y - c->my);
}

static struct comoment *co_final(sqlite3_context *ctx)
{
	struct comoment *c = sqlite3_aggregate_context(ctx, 0);

	if (!c || c->n < 2 || c->m2x <= 0) {
		sqlite3_result_null(ctx);
		return NULL;
	}
	return c;
}

static void slope_final(sqlite3_context *ctx)
{
	struct comoment *c = co_final(ctx);

	if (c)
		sqlite3_result_double(ctx, c->cxy / c->m2x);
}

static void r2_final(sqlite3_context *ctx)
{
	struct comoment *c = co_final(ctx);

	if (c)
		sqlite3_result_double(ctx, c->m2y > 0 ? c->cxy * c->cxy / (c->m2x * c->m2y) : 0);
}

static void corr_final(sqlite3_context *ctx)
{
	struct comoment *c = co_final(ctx);

	if (!c)
		return;
	if (c->m2y <= 0)
		sqlite3_result_null(ctx);
	else
		sqlite3_result_double(ctx, c->cxy / sqrt(c->m2x * c->m2y));
}

static void is_round(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL)
		sqlite3_result_null(ctx);
	else
		sqlite3_result_int(ctx, stats_is_round(sqlite3_value_double(argv[0])));
}

int sqlfuncs_register(sqlite3 *db)
{
	int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;

	if (sqlite3_create_function(db, "cf_slope", 2, flags, NULL, NULL, co_step, slope_final) != SQLITE_OK ||
	    sqlite3_create_function(db, "cf_r2", 2, flags, NULL, NULL, co_step, r2_final) != SQLITE_OK ||
	    sqlite3_create_function(db, "cf_corr", 2, flags, NULL, NULL, co_step, corr_final) != SQLITE_OK ||
	    sqlite3_create_function(db, "cf_is_round", 1, flags, NULL, is_round, NULL, NULL) != SQLITE_OK)
		return -1;
	return 0;
}
