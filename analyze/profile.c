/* The CPU profile section of the reports: top functions and modules by self
 * samples (the function was on the CPU) and total samples (it was anywhere
 * on the stack), and how far the stacks can be trusted (truncated, stopped
 * at the leaf, through addresses in no mapping, unnamed code). Loaded once
 * into the analysis; the writers only format it. */
#include "profile.h"
#include "json.h"

#include "bundle.h"
#include "demangle.h"
#include "error.h"
#include "escape.h"
#include "findings.h"
#include "report.h"
#include "term.h"

#include <stdlib.h>
#include <string.h>

#define PROFILE_NAME_MAX 200             /* bytes of a name shown */
#define STR_(x) #x
#define STR(x) STR_(x)

/* Sampled stacks walked to their roots once: every (stack, frame) pair,
 * counted once per stack. */
#define WALK_CTE \
	"WITH RECURSIVE used AS (SELECT DISTINCT stack_id FROM profile_samples), " \
	"walk (stack_id, node, frame_id) AS (" \
	" SELECT s.id, s.parent_id, s.frame_id FROM profile_stacks s JOIN used u ON u.stack_id = s.id" \
	" UNION ALL SELECT w.stack_id, s.parent_id, s.frame_id FROM walk w JOIN profile_stacks s ON s.id = w.node), " \
	"pairs AS (SELECT DISTINCT stack_id, frame_id FROM walk), " \
	"per_stack AS (SELECT stack_id, SUM(samples) AS n FROM profile_samples GROUP BY stack_id) "

static const char *functions_sql =
	WALK_CTE
	", incl AS (SELECT p.frame_id, SUM(ps.n) AS n FROM pairs p JOIN per_stack ps USING (stack_id) GROUP BY p.frame_id)"
	", self AS (SELECT s.frame_id, SUM(ps.n) AS n FROM per_stack ps JOIN profile_stacks s ON s.id = ps.stack_id"
	"           GROUP BY s.frame_id) "
	"SELECT COALESCE(f.name, printf('%s+0x%x', m.path, f.addr)), m.path, COALESCE(self.n, 0), incl.n "
	"FROM incl JOIN profile_frames f ON f.id = incl.frame_id JOIN profile_modules m ON m.id = f.module_id "
	"LEFT JOIN self ON self.frame_id = incl.frame_id "
	"ORDER BY 3 DESC, 4 DESC, 1 LIMIT " STR(PROFILE_TOP_FUNCTIONS);

static const char *modules_sql =
	WALK_CTE
	", mods AS (SELECT DISTINCT p.stack_id, f.module_id FROM pairs p JOIN profile_frames f ON f.id = p.frame_id)"
	", incl AS (SELECT module_id, SUM(ps.n) AS n FROM mods JOIN per_stack ps USING (stack_id) GROUP BY module_id)"
	", self AS (SELECT f.module_id, SUM(ps.n) AS n FROM per_stack ps JOIN profile_stacks s ON s.id = ps.stack_id"
	"           JOIN profile_frames f ON f.id = s.frame_id GROUP BY f.module_id) "
	"SELECT m.path, NULL, COALESCE(self.n, 0), incl.n "
	"FROM incl JOIN profile_modules m ON m.id = incl.module_id "
	"LEFT JOIN self ON self.module_id = incl.module_id "
	"ORDER BY 3 DESC, 4 DESC, 1 LIMIT " STR(PROFILE_TOP_MODULES);

/* The top functions of the samples of the ticks whose wall time is in
 * [?1, ?2] (a finding's time range). */
static const char *range_functions_sql =
	"WITH RECURSIVE rs AS (SELECT ps.stack_id, ps.samples FROM profile_samples ps JOIN ticks t ON t.id = ps.tick"
	"                     WHERE t.wall_us BETWEEN ?1 AND ?2), "
	"used AS (SELECT DISTINCT stack_id FROM rs), "
	"walk (stack_id, node, frame_id) AS ("
	" SELECT s.id, s.parent_id, s.frame_id FROM profile_stacks s JOIN used u ON u.stack_id = s.id"
	" UNION ALL SELECT w.stack_id, s.parent_id, s.frame_id FROM walk w JOIN profile_stacks s ON s.id = w.node), "
	"pairs AS (SELECT DISTINCT stack_id, frame_id FROM walk), "
	"per_stack AS (SELECT stack_id, SUM(samples) AS n FROM rs GROUP BY stack_id)"
	", incl AS (SELECT p.frame_id, SUM(ps.n) AS n FROM pairs p JOIN per_stack ps USING (stack_id) GROUP BY p.frame_id)"
	", self AS (SELECT s.frame_id, SUM(ps.n) AS n FROM per_stack ps JOIN profile_stacks s ON s.id = ps.stack_id"
	"           GROUP BY s.frame_id) "
	"SELECT COALESCE(f.name, printf('%s+0x%x', m.path, f.addr)), m.path, COALESCE(self.n, 0), incl.n "
	"FROM incl JOIN profile_frames f ON f.id = incl.frame_id JOIN profile_modules m ON m.id = f.module_id "
	"LEFT JOIN self ON self.frame_id = incl.frame_id "
	"ORDER BY 3 DESC, 4 DESC, 1 LIMIT " STR(PROFILE_RANGE_FUNCTIONS);

/* The runtime profiles' functions (the view) and script URLs: as the
 * modules above, over runtime_profile_samples. */
static const char *rt_functions_sql =
	"SELECT function, module, self_samples, total_samples FROM runtime_profile_top "
	"ORDER BY self_samples DESC, total_samples DESC, function LIMIT " STR(PROFILE_TOP_FUNCTIONS);

static const char *rt_scripts_sql =
	"WITH RECURSIVE used AS (SELECT DISTINCT stack_id FROM runtime_profile_samples), "
	"walk (stack_id, node, frame_id) AS ("
	" SELECT s.id, s.parent_id, s.frame_id FROM profile_stacks s JOIN used u ON u.stack_id = s.id"
	" UNION ALL SELECT w.stack_id, s.parent_id, s.frame_id FROM walk w JOIN profile_stacks s ON s.id = w.node), "
	"pairs AS (SELECT DISTINCT stack_id, frame_id FROM walk), "
	"per_stack AS (SELECT stack_id, SUM(samples) AS n FROM runtime_profile_samples GROUP BY stack_id)"
	", mods AS (SELECT DISTINCT p.stack_id, f.module_id FROM pairs p JOIN profile_frames f ON f.id = p.frame_id)"
	", incl AS (SELECT module_id, SUM(ps.n) AS n FROM mods JOIN per_stack ps USING (stack_id) GROUP BY module_id)"
	", self AS (SELECT f.module_id, SUM(ps.n) AS n FROM per_stack ps JOIN profile_stacks s ON s.id = ps.stack_id"
	"           JOIN profile_frames f ON f.id = s.frame_id GROUP BY f.module_id) "
	"SELECT m.path, NULL, COALESCE(self.n, 0), incl.n "
	"FROM incl JOIN profile_modules m ON m.id = incl.module_id "
	"LEFT JOIN self ON self.module_id = incl.module_id "
	"ORDER BY 3 DESC, 4 DESC, 1 LIMIT " STR(PROFILE_TOP_MODULES);

static char *dup_col(sqlite3_stmt *st, int col)
{
	const unsigned char *s = sqlite3_column_text(st, col);

	return s ? strdup((const char *)s) : NULL;
}

/* SQL with parameters ?1 and ?2 gets FROM_US and TO_US. */
static int load_rows(sqlite3 *db, const char *sql, struct profile_row *rows, int max, int *n,
		     long long from_us, long long to_us)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return error("cannot read the profile: %s", sqlite3_errmsg(db));
	if (sqlite3_bind_parameter_count(st) >= 2) {
		sqlite3_bind_int64(st, 1, from_us);
		sqlite3_bind_int64(st, 2, to_us);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max) {
		struct profile_row *r = &rows[(*n)++];

		r->module = dup_col(st, 1);
		/* A function (it has a module) reads demangled; a module as is. */
		if (r->module) {
			const unsigned char *fn = sqlite3_column_text(st, 0);

			r->name = fn ? demangle_dup((const char *)fn) : NULL;
		} else {
			r->name = dup_col(st, 0);
		}
		r->self = sqlite3_column_int64(st, 2);
		r->total = sqlite3_column_int64(st, 3);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return error("cannot read the profile: %s", sqlite3_errmsg(db));
	return 0;
}

/* ---- the call tree, for the flame graph ---- */

struct tnode {
	int64_t id, parent, frame;
	long long self, total;
	int keep, depth, first_child, next_sibling;
};

static int cmp_tnode(const void *a, const void *b)
{
	const struct tnode *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int tnode_find(const struct tnode *v, int n, int64_t id)
{
	int lo = 0, hi = n;

	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;

		if (v[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && v[lo].id == id ? lo : -1;
}

/* Where a flame graph goes: the whole profile's, or a range's. */
struct flameout {
	struct profile_flame **flame;
	int *nflame, *flame_depth;
	long long samples;
	long long from_us, to_us;        /* tick wall times; from_us > to_us: every tick */
};

struct flamectx {
	const struct flameout *p;
	struct tnode *t;
	sqlite3 *db;
	sqlite3_stmt *name;
};

/* Appends node I and, left to right by samples, its kept children. */
static int flame_place(struct flamectx *c, int i, long long x, int depth)
{
	const struct flameout *p = c->p;
	struct profile_flame *fl;
	int k;
	long long cx = x;

	if (*p->nflame >= PROFILE_FLAME_MAX || depth > 512)
		return 0;
	fl = &(*p->flame)[(*p->nflame)++];
	fl->depth = depth;
	fl->x = x;
	fl->total = c->t[i].total;
	sqlite3_reset(c->name);
	sqlite3_bind_int64(c->name, 1, c->t[i].frame);
	if (sqlite3_step(c->name) == SQLITE_ROW) {
		const unsigned char *fn = sqlite3_column_text(c->name, 0);

		fl->name = fn ? demangle_dup((const char *)fn) : NULL;
		fl->kernel = sqlite3_column_int(c->name, 1);
	}
	if (!fl->name && !(fl->name = strdup("?")))
		return -1;
	if (depth + 1 > *p->flame_depth)
		*p->flame_depth = depth + 1;
	for (k = c->t[i].first_child; k >= 0; k = c->t[k].next_sibling) {
		if (flame_place(c, k, cx, depth + 1) < 0)
			return -1;
		cx += c->t[k].total;
	}
	return 0;
}

/* Loads the call tree and keeps the nodes of at least 0.2% of the samples. */
static int load_flame(const struct flameout *p, sqlite3 *db)
{
	struct flamectx c = { p, NULL, db, NULL };
	sqlite3_stmt *st = NULL;
	int n = 0, cap = 0, i, ret = -1, roots = -1;
	long long min;

	if (sqlite3_prepare_v2(db, "SELECT id, COALESCE(parent_id, 0), frame_id FROM profile_stacks", -1, &st, NULL) != SQLITE_OK)
		goto out;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n == cap) {
			int nc = cap ? cap * 2 : 1024;
			struct tnode *t = realloc(c.t, (size_t)nc * sizeof(*t));

			if (!t)
				goto out;
			c.t = t;
			cap = nc;
		}
		memset(&c.t[n], 0, sizeof(c.t[n]));
		c.t[n].id = sqlite3_column_int64(st, 0);
		c.t[n].parent = sqlite3_column_int64(st, 1);
		c.t[n].frame = sqlite3_column_int64(st, 2);
		n++;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (!n) {
		ret = 0;
		goto out;
	}
	qsort(c.t, (size_t)n, sizeof(*c.t), cmp_tnode);
	if (p->from_us > p->to_us) {
		if (sqlite3_prepare_v2(db, "SELECT stack_id, SUM(samples) FROM profile_samples GROUP BY stack_id",
				       -1, &st, NULL) != SQLITE_OK)
			goto out;
	} else {
		if (sqlite3_prepare_v2(db, "SELECT ps.stack_id, SUM(ps.samples) FROM profile_samples ps "
				       "JOIN ticks t ON t.id = ps.tick WHERE t.wall_us BETWEEN ?1 AND ?2 GROUP BY ps.stack_id",
				       -1, &st, NULL) != SQLITE_OK)
			goto out;
		sqlite3_bind_int64(st, 1, p->from_us);
		sqlite3_bind_int64(st, 2, p->to_us);
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		long long v = sqlite3_column_int64(st, 1);
		int k = tnode_find(c.t, n, sqlite3_column_int64(st, 0)), hops = 0;

		if (k < 0 || v <= 0)
			continue;
		c.t[k].self += v;
		/* Up to the root; a hostile bundle's loop ends at the bound. */
		for (; k >= 0 && hops < 1024; hops++) {
			c.t[k].total += v;
			k = c.t[k].parent ? tnode_find(c.t, n, c.t[k].parent) : -1;
		}
	}
	sqlite3_finalize(st);
	st = NULL;
	min = p->samples / 500 > 0 ? p->samples / 500 : 1;
	/* Children lists of the kept nodes, the busiest first. */
	for (i = 0; i < n; i++)
		c.t[i].first_child = c.t[i].next_sibling = -1;
	for (i = 0; i < n; i++) {
		int par, *link;

		if (c.t[i].total < min)
			continue;
		par = c.t[i].parent ? tnode_find(c.t, n, c.t[i].parent) : -1;
		if (c.t[i].parent && par < 0)
			continue;
		link = par >= 0 ? &c.t[par].first_child : &roots;
		while (*link >= 0 && c.t[*link].total >= c.t[i].total)
			link = &c.t[*link].next_sibling;
		c.t[i].next_sibling = *link;
		*link = i;
	}
	*p->flame = calloc(PROFILE_FLAME_MAX, sizeof(**p->flame));
	if (!*p->flame)
		goto out;
	if (sqlite3_prepare_v2(db, "SELECT COALESCE(f.name, printf('%s+0x%x', m.path, f.addr)), f.kernel "
			       "FROM profile_frames f LEFT JOIN profile_modules m ON m.id = f.module_id WHERE f.id = ?",
			       -1, &c.name, NULL) != SQLITE_OK)
		goto out;
	{
		long long x = 0;

		for (i = roots; i >= 0; i = c.t[i].next_sibling) {
			if (flame_place(&c, i, x, 0) < 0)
				goto out;
			x += c.t[i].total;
		}
	}
	ret = 0;
out:
	if (ret < 0)
		error("cannot read the profile's stacks: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	sqlite3_finalize(c.name);
	free(c.t);
	return ret;
}

static void profile_range_release(struct profile_range *r)
{
	int i;

	for (i = 0; i < r->nfunctions; i++) {
		free(r->functions[i].name);
		free(r->functions[i].module);
	}
	for (i = 0; r->flame && i < r->nflame; i++)
		free(r->flame[i].name);
	free(r->flame);
	memset(r, 0, sizeof(*r));
}

/* One range per distinct time range of the findings, worst first (they are
 * sorted), up to PROFILE_RANGES_MAX; a range with no samples, or with all of
 * them (the whole capture's graph already shows it), is left out. */
static int load_ranges(struct profile_summary *p, const struct analysis *a, sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	int i, k;

	if (sqlite3_prepare_v2(db, "SELECT COALESCE(SUM(ps.samples), 0) FROM profile_samples ps "
			       "JOIN ticks t ON t.id = ps.tick WHERE t.wall_us BETWEEN ?1 AND ?2", -1, &st, NULL) != SQLITE_OK)
		return error("cannot read the profile: %s", sqlite3_errmsg(db));
	for (i = 0; i < a->nfindings; i++) {
		const struct finding *f = &a->findings[i];
		struct profile_range *r = NULL;
		long long n = 0;

		if (f->from_us <= 0 || f->to_us < f->from_us)
			continue;
		for (k = 0; k < p->nranges; k++)
			if (p->ranges[k].from_us == f->from_us && p->ranges[k].to_us == f->to_us)
				r = &p->ranges[k];
		if (r) {
			if (r->nrules < PROFILE_RANGE_RULES)
				r->rules[r->nrules++] = f->rule->id;
			else
				r->more_rules++;
			continue;
		}
		if (p->nranges == PROFILE_RANGES_MAX)
			continue;
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, f->from_us);
		sqlite3_bind_int64(st, 2, f->to_us);
		if (sqlite3_step(st) == SQLITE_ROW)
			n = sqlite3_column_int64(st, 0);
		if (n <= 0 || n >= p->samples)
			continue;
		r = &p->ranges[p->nranges++];
		r->from_us = f->from_us;
		r->to_us = f->to_us;
		r->rules[r->nrules++] = f->rule->id;
		r->samples = n;
		{
			struct flameout out = { &r->flame, &r->nflame, &r->flame_depth, n, f->from_us, f->to_us };

			if (load_rows(db, range_functions_sql, r->functions, PROFILE_RANGE_FUNCTIONS, &r->nfunctions,
				      f->from_us, f->to_us) < 0 || load_flame(&out, db) < 0) {
				sqlite3_finalize(st);
				return -1;
			}
		}
	}
	sqlite3_finalize(st);
	return 0;
}

/* The runtime profiles (schema 3 on). */
static int runtime_load(struct profile_summary *p, sqlite3 *db)
{
	sqlite3_stmt *st;

	if (!bundle_has_table(db, "runtime_profiles"))
		return 0;
	if (sqlite3_prepare_v2(db, "SELECT COUNT(*), (SELECT outcome FROM runtime_profiles ORDER BY id LIMIT 1), "
			       "(SELECT COALESCE(SUM(samples), 0) FROM runtime_profile_samples) FROM runtime_profiles",
			       -1, &st, NULL) != SQLITE_OK)
		return error("cannot read the runtime profile: %s", sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW) {
		p->rt_profiles = sqlite3_column_int(st, 0);
		p->rt_outcome = dup_col(st, 1);
		p->rt_samples = sqlite3_column_int64(st, 2);
	}
	sqlite3_finalize(st);
	if (p->rt_samples <= 0)
		return 0;
	if (load_rows(db, rt_functions_sql, p->rt_functions, PROFILE_TOP_FUNCTIONS, &p->nrt_functions, 0, 0) < 0 ||
	    load_rows(db, rt_scripts_sql, p->rt_scripts, PROFILE_TOP_MODULES, &p->nrt_scripts, 0, 0) < 0)
		return -1;
	return 0;
}

int profile_summary_load(struct analysis *a, sqlite3 *db)
{
	struct profile_summary *p;
	sqlite3_stmt *st;
	const char *hz;

	a->profile = NULL;
	/* Bundles of schema 1 have no profile. */
	if (!bundle_has_table(db, "profile_samples") || !bundle_has_table(db, "profile_ticks"))
		return 0;
	p = calloc(1, sizeof(*p));
	if (!p)
		return error("out of memory");
	if (sqlite3_prepare_v2(db, "SELECT COALESCE(SUM(samples), 0), COALESCE(SUM(lost), 0), COALESCE(SUM(truncated), 0), "
			       "COALESCE(SUM(leaf_only), 0), COALESCE(SUM(stray), 0), COALESCE(SUM(unnamed), 0), "
			       "(SELECT MIN(t.wall_us) FROM ticks t WHERE t.id IN (SELECT tick FROM profile_samples)), "
			       "(SELECT MAX(t.wall_us) FROM ticks t WHERE t.id IN (SELECT tick FROM profile_samples)) "
			       "FROM profile_ticks", -1, &st, NULL) != SQLITE_OK) {
		free(p);
		return error("cannot read the profile: %s", sqlite3_errmsg(db));
	}
	if (sqlite3_step(st) == SQLITE_ROW) {
		p->samples = sqlite3_column_int64(st, 0);
		p->lost = sqlite3_column_int64(st, 1);
		p->truncated = sqlite3_column_int64(st, 2);
		p->leaf_only = sqlite3_column_int64(st, 3);
		p->stray = sqlite3_column_int64(st, 4);
		p->unnamed = sqlite3_column_int64(st, 5);
		p->from_us = sqlite3_column_int64(st, 6);
		p->to_us = sqlite3_column_int64(st, 7);
	}
	sqlite3_finalize(st);
	if (runtime_load(p, db) < 0) {
		profile_summary_free(p);
		return -1;
	}
	if (p->samples <= 0) {
		if (p->rt_profiles) {
			a->profile = p;
			return 0;
		}
		profile_summary_free(p);
		return 0;
	}
	hz = bundle_info_get(&a->bundle, "profile_hz");
	p->hz = hz ? atoi(hz) : 0;
	if (load_rows(db, functions_sql, p->functions, PROFILE_TOP_FUNCTIONS, &p->nfunctions, 0, 0) < 0 ||
	    load_rows(db, modules_sql, p->modules, PROFILE_TOP_MODULES, &p->nmodules, 0, 0) < 0) {
		profile_summary_free(p);
		return -1;
	}
	/* Modules that samples fell in whose code has no names. */
	if (sqlite3_prepare_v2(db, "SELECT group_concat(path, ', ') FROM (SELECT DISTINCT m.path FROM profile_samples ps "
			       "JOIN profile_stacks s ON s.id = ps.stack_id JOIN profile_frames f ON f.id = s.frame_id "
			       "JOIN profile_modules m ON m.id = f.module_id WHERE f.name IS NULL AND m.path NOT LIKE '[%' "
			       "ORDER BY m.path LIMIT 5)", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			p->unnamed_modules = dup_col(st, 0);
		sqlite3_finalize(st);
	}
	{
		struct flameout out = { &p->flame, &p->nflame, &p->flame_depth, p->samples, 1, 0 };

		if (load_flame(&out, db) < 0 || load_ranges(p, a, db) < 0) {
			profile_summary_free(p);
			return -1;
		}
	}
	a->profile = p;
	return 0;
}

void profile_summary_free(struct profile_summary *p)
{
	int i;

	if (!p)
		return;
	for (i = 0; i < p->nfunctions; i++) {
		free(p->functions[i].name);
		free(p->functions[i].module);
	}
	for (i = 0; i < p->nmodules; i++)
		free(p->modules[i].name);
	for (i = 0; i < p->nrt_functions; i++) {
		free(p->rt_functions[i].name);
		free(p->rt_functions[i].module);
	}
	for (i = 0; i < p->nrt_scripts; i++)
		free(p->rt_scripts[i].name);
	free(p->rt_outcome);
	for (i = 0; p->flame && i < p->nflame; i++)
		free(p->flame[i].name);
	free(p->flame);
	free(p->unnamed_modules);
	for (i = 0; i < p->nranges; i++)
		profile_range_release(&p->ranges[i]);
	free(p);
}

static double pct(long long n, long long of)
{
	return of > 0 ? 100.0 * (double)n / (double)of : 0.0;
}

/* The base name of a module path, for narrow columns ("[kernel]" as is). */
static const char *base(const char *path)
{
	const char *s;

	if (!path)
		return "";
	s = strrchr(path, '/');
	return s && s[1] ? s + 1 : path;
}

/* How complete the stacks are, as sentences (shared by text and Markdown):
 * TEXT writes our words, NAME escapes bundle text (module paths). */
static void quality(const struct profile_summary *p, void (*text)(FILE *, const char *),
		    void (*name)(FILE *, const char *), FILE *f)
{
	char buf[256];

	if (p->stray || p->leaf_only) {
		snprintf(buf, sizeof(buf), "%.0f%% of stacks stopped at the innermost frame or ran through addresses "
			 "outside any code: unwinding by frame pointers failed (code built without them; rebuild with "
			 "-fno-omit-frame-pointer, or read only the innermost frames). ",
			 pct(p->stray > p->leaf_only ? p->stray : p->leaf_only, p->samples));
		text(f, buf);
	}
	if (p->unnamed) {
		snprintf(buf, sizeof(buf), "%.0f%% of samples are in code without symbols", pct(p->unnamed, p->samples));
		text(f, buf);
		if (p->unnamed_modules) {
			text(f, " (");
			name(f, p->unnamed_modules);
			text(f, ")");
		}
		text(f, ": shown as MODULE+0xADDRESS. ");
	}
	if (p->truncated) {
		snprintf(buf, sizeof(buf), "%lld stacks were deeper than the depth limit and were cut (root [truncated]). ",
			 p->truncated);
		text(f, buf);
	}
	if (p->lost) {
		snprintf(buf, sizeof(buf), "%lld samples were lost (ring buffer full). ", p->lost);
		text(f, buf);
	}
}

/* ---- text ---- */

static void text_put(FILE *f, const char *s)
{
	fput_term(f, s, 0);
}

/* Rows with shares of SAMPLES. */
static void text_rows(FILE *f, long long samples, const struct profile_row *rows, int n, int funcs)
{
	int i;

	fprintf(f, "  %6s %6s  %s\n", "self", "total", funcs ? "function (module)" : "module");
	for (i = 0; i < n; i++) {
		fprintf(f, "  %5.1f%% %5.1f%%  ", pct(rows[i].self, samples), pct(rows[i].total, samples));
		fput_term(f, rows[i].name ? rows[i].name : "?", PROFILE_NAME_MAX);
		if (funcs) {
			fputs("  (", f);
			fput_term(f, base(rows[i].module), PROFILE_NAME_MAX);
			fputc(')', f);
		}
		fputc('\n', f);
	}
}

/* The runtime profile's tables: functions with their script, and scripts. */
static void rt_text(FILE *f, const struct profile_summary *p)
{
	if (!p->rt_profiles)
		return;
	fprintf(f, "\nRuntime CPU profile (--runtime-profile): %lld V8 samples\n", p->rt_samples);
	fputs(" Outcome: ", f);
	fput_term(f, p->rt_outcome ? p->rt_outcome : "", 600);
	fputc('\n', f);
	if (!p->rt_samples)
		return;
	fputs(" Top functions (self: running; total: anywhere on the stack):\n", f);
	text_rows(f, p->rt_samples, p->rt_functions, p->nrt_functions, 1);
	fputs(" Top scripts:\n", f);
	text_rows(f, p->rt_samples, p->rt_scripts, p->nrt_scripts, 0);
}

static void perf_text(FILE *f, const struct analysis *a)
{
	const struct profile_summary *p = a->profile;
	char t0[40], t1[40];
	int i;

	if (!p)
		return;
	fprintf(f, "\nCPU profile: %lld on-CPU samples", p->samples);
	if (p->hz > 0)
		fprintf(f, " at %d Hz (%.1f CPU-seconds)", p->hz, (double)p->samples / p->hz);
	fprintf(f, ", %s .. %s\n", report_time(p->from_us, t0, sizeof(t0)), report_time(p->to_us, t1, sizeof(t1)));
	fputs(" Top functions (self: on the CPU; total: anywhere on the stack):\n", f);
	text_rows(f, p->samples, p->functions, p->nfunctions, 1);
	fputs(" Top modules:\n", f);
	text_rows(f, p->samples, p->modules, p->nmodules, 0);
	for (i = 0; i < p->nranges; i++) {
		const struct profile_range *r = &p->ranges[i];
		int k;

		fprintf(f, " Top functions %s .. %s (", report_time(r->from_us, t0, sizeof(t0)),
			report_time(r->to_us, t1, sizeof(t1)));
		for (k = 0; k < r->nrules; k++) {
			fputs(k ? ", " : "", f);
			fput_term(f, r->rules[k], PROFILE_NAME_MAX);
		}
		if (r->more_rules)
			fprintf(f, " and %d more", r->more_rules);
		fprintf(f, "; %lld samples):\n", r->samples);
		text_rows(f, r->samples, r->functions, r->nfunctions, 1);
	}
	if (p->stray || p->leaf_only || p->unnamed || p->truncated || p->lost) {
		fputs(" ! ", f);
		quality(p, text_put, text_put, f);
		fputc('\n', f);
	}
}

/* ---- Markdown ---- */

/* Bundle text inline in Markdown (a table cell): punctuation escaped,
 * controls and invalid UTF-8 as '?', pipes escaped, cut at MAX bytes. */
static void md_cell(FILE *f, const char *s, size_t max)
{
	report_md_text(f, s, max);
}

static void md_name(FILE *f, const char *s)
{
	md_cell(f, s, 2000);
}

/* Our own sentences: only '[' and '*' could start Markdown syntax in them. */
static void md_words(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '[' || *s == ']' || *s == '*' || *s == '_')
			fputc('\\', f);
		fputc(*s, f);
	}
}

static void md_rows(FILE *f, long long samples, const struct profile_row *rows, int n, int funcs)
{
	int i;

	fputs(funcs ? "| self | total | function | module |\n|---:|---:|---|---|\n" :
		      "| self | total | module |\n|---:|---:|---|\n", f);
	for (i = 0; i < n; i++) {
		fprintf(f, "| %.1f%% | %.1f%% | ", pct(rows[i].self, samples), pct(rows[i].total, samples));
		md_cell(f, rows[i].name ? rows[i].name : "?", PROFILE_NAME_MAX);
		if (funcs) {
			fputs(" | ", f);
			md_cell(f, base(rows[i].module), PROFILE_NAME_MAX);
		}
		fputs(" |\n", f);
	}
}

static void rt_md(FILE *f, const struct profile_summary *p)
{
	if (!p->rt_profiles)
		return;
	fprintf(f, "\n### Runtime CPU profile\n\n%lld V8 samples (`--runtime-profile`). Outcome: ", p->rt_samples);
	md_name(f, p->rt_outcome ? p->rt_outcome : "");
	fputs("\n\n", f);
	if (!p->rt_samples)
		return;
	md_rows(f, p->rt_samples, p->rt_functions, p->nrt_functions, 1);
	fputc('\n', f);
	md_rows(f, p->rt_samples, p->rt_scripts, p->nrt_scripts, 0);
}

static void perf_md(FILE *f, const struct analysis *a)
{
	const struct profile_summary *p = a->profile;
	char t0[40], t1[40];
	int i;

	if (!p)
		return;
	fprintf(f, "\n## CPU profile\n\n%lld on-CPU samples", p->samples);
	if (p->hz > 0)
		fprintf(f, " at %d Hz (%.1f CPU-seconds)", p->hz, (double)p->samples / p->hz);
	fprintf(f, ", %s .. %s. *Self*: the function was on the CPU; *total*: it was anywhere on the stack.\n\n",
		report_time(p->from_us, t0, sizeof(t0)), report_time(p->to_us, t1, sizeof(t1)));
	md_rows(f, p->samples, p->functions, p->nfunctions, 1);
	fputc('\n', f);
	md_rows(f, p->samples, p->modules, p->nmodules, 0);
	for (i = 0; i < p->nranges; i++) {
		const struct profile_range *r = &p->ranges[i];
		int k;

		fprintf(f, "\n### Top functions %s .. %s\n\nThe time range of ", report_time(r->from_us, t0, sizeof(t0)),
			report_time(r->to_us, t1, sizeof(t1)));
		for (k = 0; k < r->nrules; k++) {
			fputs(k ? ", " : "", f);
			md_cell(f, r->rules[k], PROFILE_NAME_MAX);
		}
		if (r->more_rules)
			fprintf(f, " and %d more", r->more_rules);
		fprintf(f, ": %lld samples.\n\n", r->samples);
		md_rows(f, r->samples, r->functions, r->nfunctions, 1);
	}
	if (p->stray || p->leaf_only || p->unnamed || p->truncated || p->lost) {
		fputs("\n**Stacks:** ", f);
		quality(p, md_words, md_name, f);
		fputc('\n', f);
	}
}

/* ---- JSON ---- */

static void json_rows(struct json *j, const struct profile_row *rows, int n, int funcs)
{
	int i;

	json_begin_array(j);
	for (i = 0; i < n; i++) {
		json_begin_object(j);
		json_key(j, funcs ? "function" : "module");
		json_str(j, rows[i].name ? rows[i].name : "");
		if (funcs) {
			json_key(j, "module");
			json_str(j, rows[i].module ? rows[i].module : "");
		}
		json_key(j, "self");
		json_int(j, rows[i].self);
		json_key(j, "total");
		json_int(j, rows[i].total);
		json_end_object(j);
	}
	json_end_array(j);
}

static void json_count(struct json *j, const char *key, long long v)
{
	json_key(j, key);
	json_int(j, v);
}

void profile_report_json(struct json *j, const struct analysis *a)
{
	const struct profile_summary *p = a->profile;

	if (!p)
		return;
	json_key(j, "profile");
	json_begin_object(j);
	json_count(j, "samples", p->samples);
	json_count(j, "hz", p->hz);
	json_count(j, "from_us", p->from_us);
	json_count(j, "to_us", p->to_us);
	json_count(j, "lost", p->lost);
	json_count(j, "truncated", p->truncated);
	json_count(j, "leaf_only", p->leaf_only);
	json_count(j, "stray", p->stray);
	json_count(j, "unnamed", p->unnamed);
	json_key(j, "functions");
	json_rows(j, p->functions, p->nfunctions, 1);
	json_key(j, "modules");
	json_rows(j, p->modules, p->nmodules, 0);
	if (p->nranges) {
		int i, k;

		json_key(j, "ranges");
		json_begin_array(j);
		for (i = 0; i < p->nranges; i++) {
			const struct profile_range *r = &p->ranges[i];

			json_begin_object(j);
			json_count(j, "from_us", r->from_us);
			json_count(j, "to_us", r->to_us);
			json_key(j, "rules");
			json_begin_array(j);
			for (k = 0; k < r->nrules; k++)
				json_str(j, r->rules[k]);
			json_end_array(j);
			json_count(j, "more_rules", r->more_rules);
			json_count(j, "samples", r->samples);
			json_key(j, "functions");
			json_rows(j, r->functions, r->nfunctions, 1);
			json_end_object(j);
		}
		json_end_array(j);
	}
	if (p->rt_profiles) {
		json_key(j, "runtime");
		json_begin_object(j);
		json_count(j, "profiles", p->rt_profiles);
		json_count(j, "samples", p->rt_samples);
		json_key(j, "outcome");
		json_str(j, p->rt_outcome ? p->rt_outcome : "");
		json_key(j, "functions");
		json_rows(j, p->rt_functions, p->nrt_functions, 1);
		json_key(j, "scripts");
		json_rows(j, p->rt_scripts, p->nrt_scripts, 0);
		json_end_object(j);
	}
	json_end_object(j);
}

/* ---- HTML: the flame graph ---- */

#define FLAME_W 1200
#define FLAME_ROW 17

/* A warm colour from the name (flamegraph.pl's palette: the same function
 * the same colour everywhere); kernel code orange-brown. */
static void flame_colour(const char *name, int kernel, char *buf, size_t len)
{
	unsigned h = 2166136261u;

	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 16777619u;
	if (kernel)
		snprintf(buf, len, "rgb(%u,%u,%u)", 200 + h % 40, 120 + (h >> 8) % 50, 40 + (h >> 16) % 30);
	else
		snprintf(buf, len, "rgb(%u,%u,%u)", 220 + h % 35, 90 + (h >> 8) % 110, 40 + (h >> 16) % 40);
}

/* One flame graph as an inline SVG: FLAME's boxes, shares of SAMPLES. */
static void flame_svg(FILE *f, const struct profile_flame *flame, int nflame, int flame_depth, long long samples)
{
	long long root = 0;
	int i, height;

	for (i = 0; i < nflame; i++)
		if (flame[i].depth == 0)
			root += flame[i].total;
	if (root <= 0)
		return;
	height = (flame_depth + 1) * FLAME_ROW;
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"flame\" width=\"100%%\" viewBox=\"0 0 %d %d\" "
		"font-family=\"monospace\" font-size=\"11\" role=\"img\" aria-label=\"flame graph\">\n", FLAME_W, height);
	for (i = 0; i < nflame; i++) {
		const struct profile_flame *fl = &flame[i];
		double x = (double)FLAME_W * (double)fl->x / (double)root;
		double w = (double)FLAME_W * (double)fl->total / (double)root;
		int y = height - (fl->depth + 1) * FLAME_ROW;
		char colour[40];
		size_t chars;

		flame_colour(fl->name, fl->kernel, colour, sizeof(colour));
		fprintf(f, "<g><title>");
		fput_html(f, fl->name);
		fprintf(f, " (%lld samples, %.1f%%)</title><rect x=\"%.2f\" y=\"%d\" width=\"%.2f\" height=\"%d\" "
			"fill=\"%s\" rx=\"1\"/>", fl->total, pct(fl->total, samples), x, y, w > 0.5 ? w - 0.5 : w,
			FLAME_ROW - 1, colour);
		chars = w > 20 ? (size_t)((w - 6) / 6.7) : 0;
		if (chars >= 3) {
			char label[PROFILE_NAME_MAX + 4];
			size_t n = strlen(fl->name);

			if (n > chars) {
				/* Cut on a UTF-8 boundary, with ".." for the rest. */
				n = chars - 2 < sizeof(label) - 3 ? chars - 2 : sizeof(label) - 3;
				while (n > 0 && ((unsigned char)fl->name[n] & 0xc0) == 0x80)
					n--;
				memcpy(label, fl->name, n);
				memcpy(label + n, "..", 3);
			} else {
				snprintf(label, sizeof(label), "%s", fl->name);
			}
			fprintf(f, "<text x=\"%.2f\" y=\"%d\">", x + 3, y + FLAME_ROW - 5);
			fput_html(f, label);
			fputs("</text>", f);
		}
		fputs("</g>\n", f);
	}
	fputs("</svg>\n", f);
}

/* The CSS that switches the flame graphs: the radio button checked shows
 * the view of the same position (views are the only divs of .flames).
 * Printed, every view shows. Goes in the report's <style> (head). */
const char profile_html_css[] =
	".flames>input{position:absolute;opacity:0}\n"
	".flames>label{display:inline-block;padding:2px 8px;margin:0 4px 6px 0;border:1px solid var(--line);"
	"border-radius:3px;cursor:pointer;font-size:.9em}\n"
	".flames>input:checked+label{background:var(--soft);border-color:#777;font-weight:600}"
	".flames>input:focus-visible+label{outline:2px solid #0b5cad}\n"
	".flames>div{display:none}\n"
	".flames>input:nth-of-type(1):checked~div:nth-of-type(1),.flames>input:nth-of-type(2):checked~div:nth-of-type(2),"
	".flames>input:nth-of-type(3):checked~div:nth-of-type(3),.flames>input:nth-of-type(4):checked~div:nth-of-type(4),"
	".flames>input:nth-of-type(5):checked~div:nth-of-type(5){display:block}\n"
	"@media print{.flames>div{display:block}.flames>input,.flames>label{display:none}}\n";

static void html_rules(FILE *f, const struct profile_range *r)
{
	int k;

	for (k = 0; k < r->nrules; k++) {
		fputs(k ? ", " : "", f);
		fput_html(f, r->rules[k]);
	}
	if (r->more_rules)
		fprintf(f, " and %d more", r->more_rules);
}

/* A range's view: its top functions, then its flame graph. */
static void html_range(FILE *f, const struct profile_range *r)
{
	int i;

	fputs("<table>\n<thead><tr><th>self</th><th>total</th><th>function</th><th>module</th></tr></thead>\n<tbody>\n", f);
	for (i = 0; i < r->nfunctions; i++) {
		const struct profile_row *row = &r->functions[i];

		fprintf(f, "<tr><td class=\"num\">%.1f%%</td><td class=\"num\">%.1f%%</td><td>",
			pct(row->self, r->samples), pct(row->total, r->samples));
		fput_html(f, row->name ? row->name : "?");
		fputs("</td><td>", f);
		fput_html(f, base(row->module));
		fputs("</td></tr>\n", f);
	}
	fputs("</tbody>\n</table>\n", f);
	flame_svg(f, r->flame, r->nflame, r->flame_depth, r->samples);
}

static void rt_html_rows(FILE *f, const struct profile_summary *p, const struct profile_row *rows, int n, int funcs)
{
	int i;

	fputs(funcs ? "<table class=\"profile\"><tr><th>self</th><th>total</th><th>function</th><th>script</th></tr>\n" :
		      "<table class=\"profile\"><tr><th>self</th><th>total</th><th>script</th></tr>\n", f);
	for (i = 0; i < n; i++) {
		fprintf(f, "<tr><td>%.1f%%</td><td>%.1f%%</td><td>", pct(rows[i].self, p->rt_samples),
			pct(rows[i].total, p->rt_samples));
		fput_html(f, rows[i].name ? rows[i].name : "?");
		if (funcs) {
			fputs("</td><td>", f);
			fput_html(f, rows[i].module ? rows[i].module : "");
		}
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

/* The runtime profile: two small tables (V8's samples have no flame graph
 * here: the .cpuprofile attachment opens in Chrome DevTools). */
static void rt_html(FILE *f, const struct profile_summary *p)
{
	if (!p->rt_profiles)
		return;
	fprintf(f, "<section id=\"runtime-profile\">\n<h2>Runtime CPU profile</h2>\n<p>%lld V8 samples "
		"(<code>--runtime-profile</code>; the <code>.cpuprofile</code> attachment opens in Chrome DevTools). "
		"Outcome: ", p->rt_samples);
	fput_html(f, p->rt_outcome ? p->rt_outcome : "");
	fputs("</p>\n", f);
	if (p->rt_samples) {
		rt_html_rows(f, p, p->rt_functions, p->nrt_functions, 1);
		rt_html_rows(f, p, p->rt_scripts, p->nrt_scripts, 0);
	}
	fputs("</section>\n", f);
}

static void perf_html(FILE *f, const struct analysis *a)
{
	const struct profile_summary *p = a->profile;
	char t0[40], t1[40];
	int i;

	if (!p || !p->nflame)
		return;
	fprintf(f, "<section id=\"profile\">\n<h2>CPU profile</h2>\n<p>%lld on-CPU samples", p->samples);
	if (p->hz > 0)
		fprintf(f, " at %d Hz", p->hz);
	fputs(". Each box is a function on the stack, as wide as its share of the samples, its callers "
	      "below it; hover for the name and numbers, find a name with the browser's search. "
	      "Boxes under 0.2% are left out.</p>\n", f);
	if (!p->nranges) {
		flame_svg(f, p->flame, p->nflame, p->flame_depth, p->samples);
		fputs("</section>\n", f);
		return;
	}
	fputs("<p>Pick a time range: the whole capture, or a finding's (its top functions above its graph). "
	      "The browser's search finds names in the graph shown.</p>\n<div class=\"flames\">\n", f);
	fprintf(f, "<input type=\"radio\" name=\"flame\" id=\"flame-0\" checked>"
		"<label for=\"flame-0\">whole capture (%lld samples)</label>\n", p->samples);
	for (i = 0; i < p->nranges; i++) {
		const struct profile_range *r = &p->ranges[i];

		fprintf(f, "<input type=\"radio\" name=\"flame\" id=\"flame-%d\"><label for=\"flame-%d\">%s .. %s: ",
			i + 1, i + 1, report_time(r->from_us, t0, sizeof(t0)), report_time(r->to_us, t1, sizeof(t1)));
		html_rules(f, r);
		fprintf(f, " (%lld samples)</label>\n", r->samples);
	}
	fputs("<div>\n", f);
	flame_svg(f, p->flame, p->nflame, p->flame_depth, p->samples);
	fputs("</div>\n", f);
	for (i = 0; i < p->nranges; i++) {
		fputs("<div>\n", f);
		html_range(f, &p->ranges[i]);
		fputs("</div>\n", f);
	}
	fputs("</div>\n</section>\n", f);
}

void profile_report_text(FILE *f, const struct analysis *a)
{
	if (!a->profile)
		return;
	if (a->profile->samples > 0)
		perf_text(f, a);
	rt_text(f, a->profile);
}

void profile_report_md(FILE *f, const struct analysis *a)
{
	if (!a->profile)
		return;
	if (a->profile->samples > 0)
		perf_md(f, a);
	rt_md(f, a->profile);
}

void profile_report_html(FILE *f, const struct analysis *a)
{
	if (!a->profile)
		return;
	if (a->profile->nflame)
		perf_html(f, a);
	rt_html(f, a->profile);
}
