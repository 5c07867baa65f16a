/* V8 .cpuprofile parsing; see cpuprofile.h. */
#include "cpuprofile.h"

#include "jsonparse.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Values a profile holds: ~12 per node, 2 per sample, with room. */
#define CPUPROFILE_MAX_TOKENS (16u * CPUPROFILE_MAX_NODES + 2u * CPUPROFILE_MAX_SAMPLES + 64u)

static int say(char *why, size_t wlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, wlen, fmt, ap);
	va_end(ap);
	return -1;
}

void cpuprofile_release(struct cpuprofile *cp)
{
	int i;

	for (i = 0; i < cp->nnodes; i++) {
		free(cp->nodes[i].name);
		free(cp->nodes[i].url);
	}
	free(cp->nodes);
	free(cp->samples);
	free(cp->times);
	memset(cp, 0, sizeof(*cp));
}

static char *str_of(const struct jsonp *p, int i, const char *dflt, int *cut)
{
	char buf[CPUPROFILE_NAME_MAX + 1];
	long n = jsonp_str(p, i, buf, sizeof(buf));

	if (n < 0)
		return NULL;
	if (n > CPUPROFILE_NAME_MAX)
		*cut = 1;
	return strdup(n == 0 && dflt ? dflt : buf);
}

/* Index of V8 id in the sorted (id, index) pairs, or -1. */
struct idx { int64_t id; int i; };

static int cmp_idx(const void *a, const void *b)
{
	const struct idx *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int find(const struct idx *v, int n, int64_t id)
{
	int lo = 0, hi = n - 1;

	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;

		if (v[mid].id == id)
			return v[mid].i;
		if (v[mid].id < id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

int cpuprofile_parse(const char *buf, size_t len, struct cpuprofile *cp, char *why, size_t wlen)
{
	struct jsonp p;
	struct idx *ids = NULL;
	int *parent = NULL, *order = NULL, *pos = NULL;
	struct cpuprofile_node *raw = NULL;
	int nodes, samples, deltas, n = 0, i, k, head, tail, ret = -1;
	int64_t v, t;

	memset(cp, 0, sizeof(*cp));
	jsonp_init(&p, CPUPROFILE_MAX_TOKENS, 64);
	if (jsonp_parse(&p, buf, len) < 0) {
		say(why, wlen, "not JSON: %s", p.err);
		goto out;
	}
	nodes = jsonp_get(&p, 0, "nodes");
	samples = jsonp_get(&p, 0, "samples");
	deltas = jsonp_get(&p, 0, "timeDeltas");
	if (jsonp_type(&p, nodes) != JSONP_ARRAY || jsonp_type(&p, samples) != JSONP_ARRAY) {
		say(why, wlen, "no 'nodes' and 'samples' arrays");
		goto out;
	}
	if (p.t[nodes].count == 0 || p.t[nodes].count > CPUPROFILE_MAX_NODES) {
		say(why, wlen, "%u nodes (at most %d)", p.t[nodes].count, CPUPROFILE_MAX_NODES);
		goto out;
	}
	if (p.t[samples].count > CPUPROFILE_MAX_SAMPLES) {
		say(why, wlen, "%u samples (at most %d)", p.t[samples].count, CPUPROFILE_MAX_SAMPLES);
		goto out;
	}
	if (jsonp_int(&p, jsonp_get(&p, 0, "startTime"), &cp->start_us) < 0 ||
	    jsonp_int(&p, jsonp_get(&p, 0, "endTime"), &cp->end_us) < 0) {
		say(why, wlen, "no integer 'startTime' and 'endTime'");
		goto out;
	}
	n = (int)p.t[nodes].count;
	raw = calloc((size_t)n, sizeof(*raw));
	ids = calloc((size_t)n, sizeof(*ids));
	parent = malloc((size_t)n * sizeof(*parent));
	order = malloc((size_t)n * sizeof(*order));
	pos = malloc((size_t)n * sizeof(*pos));
	if (!raw || !ids || !parent || !order || !pos) {
		say(why, wlen, "out of memory");
		goto out;
	}
	for (i = 0, k = jsonp_first(&p, nodes); k >= 0; k = jsonp_next(&p, k), i++) {
		int cf = jsonp_get(&p, k, "callFrame");

		if (jsonp_int(&p, jsonp_get(&p, k, "id"), &raw[i].id) < 0 || jsonp_type(&p, cf) != JSONP_OBJECT) {
			say(why, wlen, "node %d has no integer 'id' or no 'callFrame'", i);
			goto out;
		}
		raw[i].name = str_of(&p, jsonp_get(&p, cf, "functionName"), "(anonymous)", &cp->cut);
		raw[i].url = str_of(&p, jsonp_get(&p, cf, "url"), NULL, &cp->cut);
		if (!raw[i].name)
			raw[i].name = strdup("(anonymous)");
		if (!raw[i].url)
			raw[i].url = strdup("");
		if (!raw[i].name || !raw[i].url) {
			say(why, wlen, "out of memory");
			goto out;
		}
		if (jsonp_int(&p, jsonp_get(&p, cf, "lineNumber"), &raw[i].line) < 0 || raw[i].line < -1)
			raw[i].line = -1;
		if (jsonp_int(&p, jsonp_get(&p, cf, "columnNumber"), &raw[i].column) < 0 || raw[i].column < -1)
			raw[i].column = -1;
		ids[i].id = raw[i].id;
		ids[i].i = i;
		parent[i] = -1;
	}
	qsort(ids, (size_t)n, sizeof(*ids), cmp_idx);
	for (i = 1; i < n; i++) {
		if (ids[i].id == ids[i - 1].id) {
			say(why, wlen, "node id %lld is repeated", (long long)ids[i].id);
			goto out;
		}
	}
	/* Parents from the children lists: a child named twice, or its own
	 * ancestor, is not a tree. */
	for (i = 0, k = jsonp_first(&p, nodes); k >= 0; k = jsonp_next(&p, k), i++) {
		int ch = jsonp_get(&p, k, "children"), c;

		for (c = jsonp_first(&p, ch); c >= 0; c = jsonp_next(&p, c)) {
			int j;

			if (jsonp_int(&p, c, &v) < 0 || (j = find(ids, n, v)) < 0) {
				say(why, wlen, "node %lld has a child that is no node", (long long)raw[i].id);
				goto out;
			}
			if (parent[j] >= 0 || j == i) {
				say(why, wlen, "node %lld has more than one parent", (long long)v);
				goto out;
			}
			parent[j] = i;
		}
	}
	/* Breadth first from the roots: parents before children; a node never
	 * reached is on a cycle. */
	{
		int *first = malloc((size_t)n * sizeof(int)), *next = malloc((size_t)n * sizeof(int));

		if (!first || !next) {
			free(first);
			free(next);
			say(why, wlen, "out of memory");
			goto out;
		}
		for (i = 0; i < n; i++)
			first[i] = -1;
		for (i = n - 1; i >= 0; i--) {
			if (parent[i] >= 0) {
				next[i] = first[parent[i]];
				first[parent[i]] = i;
			}
		}
		head = tail = 0;
		for (i = 0; i < n; i++) {
			pos[i] = -1;
			if (parent[i] < 0) {
				order[tail++] = i;
				raw[i].depth = 1;
			}
		}
		while (head < tail) {
			int u = order[head++], c;

			pos[u] = head - 1;
			for (c = first[u]; c >= 0; c = next[c]) {
				raw[c].depth = raw[u].depth + 1;
				order[tail++] = c;
			}
		}
		free(first);
		free(next);
	}
	if (tail != n) {
		say(why, wlen, "the nodes are not a tree (%d on a cycle)", n - tail);
		goto out;
	}
	cp->nodes = calloc((size_t)n, sizeof(*cp->nodes));
	if (!cp->nodes) {
		say(why, wlen, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		cp->nodes[i] = raw[order[i]];
		cp->nodes[i].parent = parent[order[i]] < 0 ? -1 : pos[parent[order[i]]];
		raw[order[i]].name = raw[order[i]].url = NULL;
	}
	cp->nnodes = n;
	cp->nsamples = (int)p.t[samples].count;
	if (cp->nsamples) {
		if (jsonp_type(&p, deltas) != JSONP_ARRAY || p.t[deltas].count != p.t[samples].count) {
			say(why, wlen, "'timeDeltas' does not match 'samples'");
			goto out;
		}
		cp->samples = malloc((size_t)cp->nsamples * sizeof(int));
		cp->times = malloc((size_t)cp->nsamples * sizeof(int64_t));
		if (!cp->samples || !cp->times) {
			say(why, wlen, "out of memory");
			goto out;
		}
	}
	t = 0;
	for (i = 0, k = jsonp_first(&p, samples), head = jsonp_first(&p, deltas); k >= 0;
	     k = jsonp_next(&p, k), head = jsonp_next(&p, head), i++) {
		int64_t d;
		int j;

		if (jsonp_int(&p, k, &v) < 0 || (j = find(ids, n, v)) < 0) {
			say(why, wlen, "sample %d names no node", i);
			goto out;
		}
		/* V8's deltas may be slightly negative (samples reordered);
		 * a time far outside the profile is not believed. */
		if (jsonp_int(&p, head, &d) < 0 || d < -1000000000LL || d > 1000000000LL) {
			say(why, wlen, "sample %d has a bad time delta", i);
			goto out;
		}
		t += d;
		cp->samples[i] = pos[j];
		cp->times[i] = t;
	}
	ret = 0;
out:
	if (raw) {
		for (i = 0; i < n; i++) {
			free(raw[i].name);
			free(raw[i].url);
		}
	}
	free(raw);
	free(ids);
	free(parent);
	free(order);
	free(pos);
	jsonp_release(&p);
	if (ret < 0)
		cpuprofile_release(cp);
	return ret;
}
