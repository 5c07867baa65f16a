#include "stats.h"

#include <math.h>

int stats_linfit(const double *x, const double *y, size_t n, struct linfit *out)
{
	double mx = 0, my = 0, sxx = 0, sxy = 0, syy = 0;
	size_t i;

	if (n < 2)
		return -1;
	/* Centre first: x are epoch microseconds (~1.8e15), and sums of their
	 * squares would lose every significant digit. */
	for (i = 0; i < n; i++) {
		mx += x[i];
		my += y[i];
	}
	mx /= n;
	my /= n;
	for (i = 0; i < n; i++) {
		double dx = x[i] - mx, dy = y[i] - my;

		sxx += dx * dx;
		sxy += dx * dy;
		syy += dy * dy;
	}
	if (sxx <= 0)
		return -1;
	out->slope = sxy / sxx;
	out->intercept = my - out->slope * mx;
	out->r2 = syy > 0 ? (sxy * sxy) / (sxx * syy) : 0;
	return 0;
}

int stats_pearson_lag(const double *a, const double *b, size_t n, int lag, double *r)
{
	double ma = 0, mb = 0, saa = 0, sbb = 0, sab = 0;
	size_t i, start, end, m;

	if ((size_t)(lag < 0 ? -lag : lag) >= n)
		return -1;
	start = lag < 0 ? (size_t)-lag : 0;
	end = lag > 0 ? n - (size_t)lag : n;
	m = end - start;
	if (m < 3)
		return -1;
	for (i = start; i < end; i++) {
		ma += a[i];
		mb += b[i + lag];
	}
	ma /= m;
	mb /= m;
	for (i = start; i < end; i++) {
		double da = a[i] - ma, db = b[i + lag] - mb;

		saa += da * da;
		sbb += db * db;
		sab += da * db;
	}
	if (saa <= 0 || sbb <= 0)
		return -1;
	*r = sab / sqrt(saa * sbb);
	return 0;
}

double stats_mean(const double *v, size_t n)
{
	double s = 0;
	size_t i;

	for (i = 0; i < n; i++)
		s += v[i];
	return n ? s / n : 0;
}

double stats_stddev(const double *v, size_t n)
{
	double m = stats_mean(v, n), s = 0;
	size_t i;

	for (i = 0; i < n; i++)
		s += (v[i] - m) * (v[i] - m);
	return n > 1 ? sqrt(s / (n - 1)) : 0;
}

int stats_is_round(double v)
{
	long long x, p;

	if (v < 8 || v > 1e15 || v != floor(v))
		return 0;
	x = (long long)v;
	if ((x & (x - 1)) == 0)
		return 1;
	if (x % 10)
		return 0;
	/* Keep the two leading digits; everything after them must be zero. */
	for (p = 1; x / p >= 100; p *= 10)
		;
	return x % p == 0 && (x / p) % 5 == 0;
}

double stats_next_cap(double v, const double *known, size_t nknown)
{
	double best = INFINITY, p = 8;
	size_t i;

	for (i = 0; i < nknown; i++)
		if (known[i] > v && known[i] < best)
			best = known[i];
	if (isfinite(best))
		return best;
	while (p <= v)
		p *= 2;
	return p;
}
