/* Small statistics shared by the detectors and the SQL functions. Pure
 * functions over arrays: no I/O, no allocation unless stated. */
#ifndef CASEFILE_STATS_H
#define CASEFILE_STATS_H

#include <stddef.h>

/* Least-squares fit y = intercept + slope * x. r2 is the coefficient of
 * determination (1 for a perfect line; 0 when y is constant, since a flat line
 * explains nothing there is to explain). Returns -1 when n < 2 or all x equal. */
struct linfit {
	double slope, intercept, r2;
};
int stats_linfit(const double *x, const double *y, size_t n, struct linfit *out);

/* Pearson correlation of a[i] and b[i + lag] over the overlap. Returns -1 when
 * the overlap has fewer than 3 points or either side has no variance. */
int stats_pearson_lag(const double *a, const double *b, size_t n, int lag, double *r);

double stats_mean(const double *v, size_t n);
double stats_stddev(const double *v, size_t n);

/* Whether v looks like a number a programmer would choose as a limit: a power
 * of two of at least 8, or a multiple of 10 of at least 10 whose digits after
 * the first two are zero (10, 20, 50, 100, 250, 1000, 1500 but not 170). */
int stats_is_round(double v);

/* The smallest "likely cap" strictly above v: the smallest of known[] above v,
 * else the next power of two. */
double stats_next_cap(double v, const double *known, size_t nknown);

#endif
