/* casefile-analyze export-folded: the CPU profile of a bundle as folded
 * stacks, one line per (process, stack): "comm;outer;...;inner COUNT", the
 * format flamegraph.pl, speedscope and inferno read (pprof tooling converts
 * it). Kernel frames carry flamegraph.pl's "_[k]" suffix; a frame without a
 * name reads MODULE+0xADDRESS.
 *
 * The bundle is hostile input: names lose the characters that would break
 * the format (';' and line breaks), and a stack whose parents loop or run
 * deeper than any real one is cut. */
#include "commands.h"

#include "bundle.h"
#include "error.h"
#include "exitcodes.h"
#include "outfile.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FOLDED_MAX_DEPTH 1024            /* the kernel's own limit is 127 frames a context */
#define FOLDED_NAME_MAX 512

struct fframe {
	int64_t id;
	char *name;
};

struct fnode {
	int64_t id, parent, frame;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: casefile-analyze export-folded BUNDLE [-o FILE] [--force]\n"
		"\n"
		"Writes the bundle's CPU profile (the profile source) as folded stacks, one line\n"
		"per process and stack: 'comm;outermost;...;innermost COUNT'. flamegraph.pl,\n"
		"speedscope (https://www.speedscope.app) and inferno read it.\n"
		"\n"
		"  -o, --output FILE  where to write (default: standard output, or '-')\n"
		"  -f, --force        replace FILE if it exists\n"
		"\n"
		"Examples:\n"
		"  casefile-analyze export-folded incident.db -o incident.folded\n"
		"  casefile-analyze export-folded incident.db | flamegraph.pl > cpu.svg\n");
}

static int cmp_frame(const void *a, const void *b)
{
	const struct fframe *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int cmp_node(const void *a, const void *b)
{
	const struct fnode *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* A name for the folded format: ';' (the separator) becomes ':', line
 * breaks and other controls '?'. Spaces stay: readers split the count off
 * at the last space. */
static char *fold_name(const char *name, const char *module, int64_t addr, int kernel)
{
	char buf[FOLDED_NAME_MAX + 64], *p;
	const char *base = module ? strrchr(module, '/') : NULL;

	base = base && base[1] ? base + 1 : module ? module : "?";
	if (name)
		snprintf(buf, sizeof(buf), "%.*s%s", FOLDED_NAME_MAX, name, kernel ? "_[k]" : "");
	else
		snprintf(buf, sizeof(buf), "%.*s+0x%" PRIx64 "%s", FOLDED_NAME_MAX, base, (uint64_t)addr,
			 kernel ? "_[k]" : "");
	for (p = buf; *p; p++) {
		if (*p == ';')
			*p = ':';
		else if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	}
	return strdup(buf);
}

static const char *frame_name(const struct fframe *v, size_t n, int64_t id)
{
	struct fframe key = { id, NULL }, *f = n ? bsearch(&key, v, n, sizeof(*v), cmp_frame) : NULL;

	return f ? f->name : "[missing frame]";
}

static const struct fnode *node_of(const struct fnode *v, size_t n, int64_t id)
{
	struct fnode key = { id, 0, 0 };

	return n ? bsearch(&key, v, n, sizeof(*v), cmp_node) : NULL;
}

static int export(sqlite3 *db, const char *bundle, FILE *out)
{
	struct fframe *frames = NULL;
	struct fnode *nodes = NULL;
	size_t nframes = 0, fcap = 0, nnodes = 0, ncap = 0, i;
	sqlite3_stmt *st = NULL;
	const char **path = NULL;
	long long lines = 0;
	int rc = -1;

	if (sqlite3_prepare_v2(db, "SELECT f.id, f.name, m.path, f.addr, f.kernel FROM profile_frames f "
			       "LEFT JOIN profile_modules m ON m.id = f.module_id", -1, &st, NULL) != SQLITE_OK)
		goto sqlerr;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (nframes == fcap) {
			size_t c = fcap ? fcap * 2 : 1024;
			struct fframe *n = realloc(frames, c * sizeof(*n));

			if (!n)
				goto oom;
			frames = n;
			fcap = c;
		}
		frames[nframes].id = sqlite3_column_int64(st, 0);
		frames[nframes].name = fold_name((const char *)sqlite3_column_text(st, 1),
						 (const char *)sqlite3_column_text(st, 2),
						 sqlite3_column_int64(st, 3), sqlite3_column_int(st, 4));
		if (!frames[nframes++].name)
			goto oom;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (nframes)
		qsort(frames, nframes, sizeof(*frames), cmp_frame);

	if (sqlite3_prepare_v2(db, "SELECT id, COALESCE(parent_id, 0), frame_id FROM profile_stacks ORDER BY id",
			       -1, &st, NULL) != SQLITE_OK)
		goto sqlerr;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (nnodes == ncap) {
			size_t c = ncap ? ncap * 2 : 4096;
			struct fnode *n = realloc(nodes, c * sizeof(*n));

			if (!n)
				goto oom;
			nodes = n;
			ncap = c;
		}
		nodes[nnodes].id = sqlite3_column_int64(st, 0);
		nodes[nnodes].parent = sqlite3_column_int64(st, 1);
		nodes[nnodes].frame = sqlite3_column_int64(st, 2);
		nnodes++;
	}
	sqlite3_finalize(st);
	st = NULL;

	path = malloc(FOLDED_MAX_DEPTH * sizeof(*path));
	if (!path)
		goto oom;
	if (sqlite3_prepare_v2(db, "SELECT s.process_id, p.comm, s.stack_id, SUM(s.samples) FROM profile_samples s "
			       "LEFT JOIN processes p ON p.id = s.process_id GROUP BY s.process_id, s.stack_id "
			       "ORDER BY s.process_id, s.stack_id", -1, &st, NULL) != SQLITE_OK)
		goto sqlerr;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *comm = sqlite3_column_text(st, 1);
		const struct fnode *nd = node_of(nodes, nnodes, sqlite3_column_int64(st, 2));
		char *c = fold_name(comm ? (const char *)comm : "?", NULL, 0, 0);
		int depth = 0, k;

		if (!c)
			goto oom;
		/* Innermost to root, then written the other way. */
		while (nd && depth < FOLDED_MAX_DEPTH) {
			path[depth++] = frame_name(frames, nframes, nd->frame);
			nd = nd->parent ? node_of(nodes, nnodes, nd->parent) : NULL;
		}
		fputs(c, out);
		free(c);
		if (nd)
			fputs(";[cut: deeper than 1024 frames]", out);
		for (k = depth - 1; k >= 0; k--) {
			fputc(';', out);
			fputs(path[k], out);
		}
		fprintf(out, " %lld\n", (long long)sqlite3_column_int64(st, 3));
		lines++;
	}
	if (!lines)
		warning("'%s' holds a profile with no samples (an idle target)", bundle);
	rc = 0;
	goto out;
oom:
	error("out of memory");
	goto out;
sqlerr:
	error("cannot read the profile of '%s': %s", bundle, sqlite3_errmsg(db));
out:
	sqlite3_finalize(st);
	for (i = 0; i < nframes; i++)
		free(frames[i].name);
	free(frames);
	free(nodes);
	free(path);
	return rc;
}

int cmd_export_folded(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct outfile of = OUTFILE_INIT;
	const char *out = "-", *bundle;
	sqlite3 *db = NULL;
	int force = 0, c, status, rc = CF_EXIT_IO;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:fh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'f': force = 1; break;
		case 'h': usage(stdout); return CF_EXIT_OK;
		default: usage(stderr); return CF_EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		usage(stderr);
		return CF_EXIT_USAGE;
	}
	bundle = argv[optind];
	if (outfile_add_input(bundle) < 0 || outfile_check(out, force) < 0)
		return CF_EXIT_IO;
	status = bundle_open_readonly(bundle, &db, NULL);
	if (status < 0)
		return bundle_status_exit_code(status);
	if (!bundle_has_table(db, "profile_samples")) {
		error("'%s' holds no CPU profile: it was written by a casefile without the profile source", bundle);
		rc = CF_EXIT_BAD_BUNDLE;
		goto cleanup;
	}
	if (outfile_open(&of, out, force, 0644) < 0)
		goto cleanup;
	if (export(db, bundle, of.f) < 0) {
		rc = CF_EXIT_BAD_BUNDLE;
		goto cleanup;
	}
	if (outfile_commit(&of) < 0)
		goto cleanup;
	rc = CF_EXIT_OK;
cleanup:
	outfile_abort(&of);
	sqlite3_close(db);
	return rc;
}
