/* Named time series over a bundle: the one list of "what can be plotted or
 * summarised", shared by `summary`, the reports' charts and `compare`.
 * Adding a series is one entry in analyze/series.c. */
#ifndef CASEFILE_SERIES_H
#define CASEFILE_SERIES_H

#include <sqlite3.h>
#include <stdint.h>

enum series_unit { UNIT_COUNT, UNIT_BYTES, UNIT_PERCENT, UNIT_RATE, UNIT_BYTES_RATE, UNIT_SHARE, UNIT_MS };

struct series_def {
	const char *id;          /* stable key, e.g. "process.cpu_pct" */
	const char *title;       /* for people, e.g. "CPU %" */
	enum series_unit unit;
	const char *table;       /* the table it needs; absent -> not shown */
	/* SQL yielding rows (label TEXT, tick INTEGER, wall_us INTEGER, value REAL)
	 * ordered by label, tick. One label per line in a chart. Or, for values
	 * that hold between sparse rows (socket spans), three columns (label
	 * TEXT, tick INTEGER, delta REAL), ordered by label, tick and one row
	 * per pair: each label's line then has a point at every tick of the
	 * ticks table, the sum of its deltas up to that tick. The SQL may name
	 * the shared TEMP tables (socket_spans: analyze/shared.c). */
	const char *sql;
};

extern const struct series_def series_table[];

/* One label's points of a series. */
struct series {
	const struct series_def *def;
	char *label;
	int64_t *wall_us;
	double *value;
	int n, alloc;
};

struct series_stats {
	double min, max, mean, first, last;
	double slope_per_min;    /* least squares, value units per minute */
	int n;
};

/* Loads every label of DEF from DB into a malloc'd array (*out, *count),
 * building the shared tables its SQL names first (once per connection).
 * Returns 0 (also when the table is absent: count 0) or -1 on SQL error. */
int series_load(sqlite3 *db, const struct series_def *def, struct series **out, int *count);
void series_free(struct series *s, int count);

void series_compute_stats(const struct series *s, struct series_stats *st);

/* Formats a value in the series' unit ("12.3 MiB", "45.1%", "1.2k/s"). */
char *series_format(enum series_unit unit, double v, char *buf, int len);

#endif
