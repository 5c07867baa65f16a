#include "chart.h"

#include "escape.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define W 760.0
#define H 200.0
#define ML 64.0   /* left margin: y labels */
#define MR 12.0
#define MT 12.0
#define MB 28.0   /* bottom: x labels */
#define PW (W - ML - MR)
#define PH (H - MT - MB)

/* Bounds that keep any bundle's chart finite and small: values are clamped to
 * +-CHART_VMAX (beyond, a chart says nothing more), a line gives at most
 * CHART_MAX_POINTS points, an axis at most CHART_MAX_TICKS labels. */
#define CHART_VMAX 1e15
#define CHART_MAX_POINTS 4000
#define CHART_MAX_TICKS 24

/* Colour-blind-safe palette (Okabe-Ito), then greys. */
static const char *const palette[] = {
	"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000",
};
#define AFTER_COLOUR "#D55E00"
#define BEFORE_COLOUR "#0072B2"

/* A "nice" step for about n ticks over range. */
static double nice_step(double range, int n)
{
	double raw = range / n, mag, f;

	if (raw <= 0)
		return 1;
	mag = pow(10, floor(log10(raw)));
	f = raw / mag;
	if (f < 1.5) f = 1;
	else if (f < 3) f = 2;
	else if (f < 7) f = 5;
	else f = 10;
	return f * mag;
}

/* X of a time, kept a little outside the plot at most. Differences of
 * int64 times are taken in double: bundle times may be anything. */
static double xpos(const struct chart *c, double t_us)
{
	double span = (double)c->x1_us - (double)c->x0_us, x;

	if (!(span > 0))
		span = 1;
	x = ML + PW * (t_us - (double)c->x0_us) / span;
	if (!(x >= ML - 2))
		return ML - 2;
	return x > ML + PW + 2 ? ML + PW + 2 : x;
}

/* A value to draw, or NaN when there is none; clamped to +-CHART_VMAX. */
static double line_value(const struct chart_line *l, int i)
{
	double v = l->s->value[i] * (l->scale != 0 ? l->scale : 1);

	if (!isfinite(v))
		return NAN;
	return v > CHART_VMAX ? CHART_VMAX : v < -CHART_VMAX ? -CHART_VMAX : v;
}

static double line_time(const struct chart_line *l, int i)
{
	return (double)l->s->wall_us[i] - (double)l->base_us;
}

static void write_polyline(FILE *f, const struct chart *c, const struct chart_line *l,
			   double ymin, double ymax, const char *colour)
{
	const struct series *s = l->s;
	double yspan = ymax - ymin > 0 ? ymax - ymin : 1;
	int i, col = -1, points = 0;
	double cmin = 0, cmax = 0, cx = 0;

	fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\"%s points=\"", colour,
		l->after ? " stroke-dasharray=\"5 3\"" : "");
	for (i = 0; i < s->n; i++) {
		double x = xpos(c, line_time(l, i));
		int px = (int)x;
		double v = line_value(l, i);

		if (!isfinite(v))
			continue;
		/* Times out of order defeat the per-column reduction: a cap. */
		if (px != col && ++points > CHART_MAX_POINTS)
			break;
		if (px != col) {
			if (col >= 0) {
				/* Keep both extremes of a pixel column so spikes survive. */
				fprintf(f, "%.1f,%.1f ", cx, MT + PH - PH * (cmin - ymin) / yspan);
				if (cmax != cmin)
					fprintf(f, "%.1f,%.1f ", cx, MT + PH - PH * (cmax - ymin) / yspan);
			}
			col = px;
			cmin = cmax = v;
			cx = x;
		} else {
			if (v < cmin) cmin = v;
			if (v > cmax) cmax = v;
		}
	}
	if (col >= 0) {
		fprintf(f, "%.1f,%.1f ", cx, MT + PH - PH * (cmin - ymin) / yspan);
		if (cmax != cmin)
			fprintf(f, "%.1f,%.1f ", cx, MT + PH - PH * (cmax - ymin) / yspan);
	}
	fprintf(f, "\"/>\n");
}

static void x_label(FILE *f, const struct chart *c, double t_us, char *buf, size_t len)
{
	(void)f;
	if (c->relative) {
		snprintf(buf, len, "+%.0fs", (t_us - (double)c->x0_us) / 1e6);
	} else {
		double sec = t_us / 1e6;
		time_t secs = (time_t)(sec > -1e15 && sec < 1e15 ? sec : 0);
		struct tm tm;

		if (!gmtime_r(&secs, &tm) || !strftime(buf, len, "%H:%M:%S", &tm))
			snprintf(buf, len, "?");
	}
}

void chart_write_svg(FILE *f, const struct chart *c)
{
	double ymin = 0, ymax = 0, step, y, span_s, xstep, t;
	int i, j, any = 0, n;
	char buf[64];

	for (i = 0; i < c->nlines; i++) {
		for (j = 0; j < c->lines[i].s->n; j++) {
			double v = line_value(&c->lines[i], j);

			if (!isfinite(v))
				continue;
			if (!any || v > ymax) ymax = v;
			if (!any || v < ymin) ymin = v;
			any = 1;
		}
	}
	/* Counts, bytes and percentages read best from zero. */
	if (ymin > 0)
		ymin = 0;
	if (ymax <= ymin)
		ymax = ymin + 1;
	step = nice_step(ymax - ymin, 4);
	ymax = ceil(ymax / step) * step;
	if (!isfinite(step) || !(step > 0) || !isfinite(ymax) || ymax <= ymin) {
		step = ymax - ymin > 0 ? (ymax - ymin) / 4 : 1;
		ymax = ymin + 4 * step;
	}

	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f %.0f\" role=\"img\""
		" class=\"chart\" aria-label=\"", W, H);
	fput_html(f, c->title);
	fprintf(f, "\">\n<title>");
	fput_html(f, c->title);
	fprintf(f, "</title>\n");
	fprintf(f, "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"#fff\" stroke=\"#ccc\"/>\n",
		ML, MT, PW, PH);
	for (i = 0; i < c->nhl; i++) {
		double x0 = xpos(c, (double)c->hl_start[i]), x1 = xpos(c, (double)c->hl_end[i]);

		if (x0 < ML) x0 = ML;
		if (x1 > ML + PW) x1 = ML + PW;
		if (x1 - x0 < 2) x1 = x0 + 2;
		fprintf(f, "<rect class=\"hl\" x=\"%.1f\" y=\"%.0f\" width=\"%.1f\" height=\"%.0f\""
			" fill=\"#FFD54F\" fill-opacity=\"0.35\"/>\n", x0, MT, x1 - x0, PH);
		if (c->hl_label[i]) {
			fprintf(f, "<text class=\"hl-label\" x=\"%.1f\" y=\"%.0f\" font-size=\"10\" fill=\"#8a6d00\">",
				x0 + 2, MT + 10 + 11 * (i % 3));
			fput_html(f, c->hl_label[i]);
			fputs("</text>\n", f);
		}
	}
	for (y = ymin, n = 0; y <= ymax + step / 2 && n < CHART_MAX_TICKS; y = ymin + step * ++n) {
		double py = MT + PH - PH * (y - ymin) / (ymax - ymin);

		fprintf(f, "<line x1=\"%.0f\" x2=\"%.0f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>\n",
			ML, ML + PW, py, py);
		fprintf(f, "<text x=\"%.0f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\" fill=\"#444\">%s</text>\n",
			ML - 4, py + 3, series_format(c->unit, y, buf, sizeof(buf)));
	}
	span_s = ((double)c->x1_us - (double)c->x0_us) / 1e6;
	xstep = nice_step(span_s > 0 ? span_s : 1, 6) * 1e6;
	if (!isfinite(xstep) || !(xstep > 0))
		xstep = 1e6;
	for (t = ceil((double)c->x0_us / xstep) * xstep, n = 0; t <= (double)c->x1_us && n < CHART_MAX_TICKS;
	     t += xstep, n++) {
		double px = xpos(c, t);

		fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.0f\" y2=\"%.0f\" stroke=\"#eee\"/>\n",
			px, px, MT, MT + PH);
		x_label(f, c, c->relative ? t : t, buf, sizeof(buf));
		/* Labels at the plot's ends are anchored inwards so the SVG does not clip them. */
		fprintf(f, "<text x=\"%.1f\" y=\"%.0f\" font-size=\"10\" text-anchor=\"%s\" fill=\"#444\">%s</text>\n",
			px, H - MB + 14, px > ML + PW - 24 ? "end" : "middle", buf);
	}
	for (i = 0; i < c->nlines; i++) {
		const char *colour = c->lines[i].after ? AFTER_COLOUR :
			(c->relative ? BEFORE_COLOUR : palette[i % 8]);

		write_polyline(f, c, &c->lines[i], ymin, ymax, colour);
		if (c->lines[i].s->n == 1 && isfinite(line_value(&c->lines[i], 0)))
			fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"/>\n",
				xpos(c, line_time(&c->lines[i], 0)),
				MT + PH - PH * (line_value(&c->lines[i], 0) - ymin) / (ymax - ymin), colour);
	}
	if (!any)
		fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"12\" text-anchor=\"middle\" fill=\"#888\">no data</text>\n",
			ML + PW / 2, MT + PH / 2);
	fprintf(f, "</svg>\n");
	/* The legend is HTML (wraps, prints, and long labels do not overflow). */
	/* One line gets a legend too: it names the process or port drawn. */
	if (c->nlines >= 1) {
		fprintf(f, "<div class=\"legend\">");
		for (i = 0; i < c->nlines && i < 12; i++) {
			const char *colour = c->lines[i].after ? AFTER_COLOUR :
				(c->relative ? BEFORE_COLOUR : palette[i % 8]);

			fprintf(f, "<span><i style=\"background:%s\"></i>", colour);
			fput_html(f, c->lines[i].label ? c->lines[i].label : c->lines[i].s->label);
			fprintf(f, "</span> ");
		}
		if (c->nlines > 12)
			fprintf(f, "<span>... %d more</span>", c->nlines - 12);
		fprintf(f, "</div>\n");
	}
}
