/* The catalog of what casefile can chart and compare: named time series and
 * named sets (keyed values such as connections per remote peer). Each entry
 * is a query over the bundle with the tables it needs, so entries for a
 * source's tables are skipped ("not compared") on bundles without them, and
 * new sources add entries here without touching compare or the reports. */
#ifndef CASEFILE_SERIES_H
#define CASEFILE_SERIES_H

struct series_def {
	const char *name;      /* stable key: "cpu_pct" */
	const char *title;     /* "CPU (% of one core)" */
	const char *unit;      /* "%", "bytes", "count", "bytes/s", "1/s" */
	const char *requires;  /* comma-separated tables */
	const char *sql;       /* rows (wall_us, value), in time order */
	int lower_is_better;   /* for compare's better/worse verdict */
};

struct set_def {
	const char *name;      /* "peers" */
	const char *title;     /* "Connections per remote peer" */
	const char *value;     /* what the value is: "peak connections" */
	const char *requires;
	const char *sql;       /* rows (key TEXT, value REAL), one per key */
};

extern const struct series_def series_catalog[];
extern const struct set_def set_catalog[];

#endif
