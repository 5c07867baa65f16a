/* casefile-analyze redact: a shareable copy of a bundle with every address,
 * host name, user, path, id and token replaced by a pseudonym (sos report
 * --clean's model: capture raw for your own team, hand the redacted copy to a
 * vendor or a public ticket). The rules are those of casefile-capture
 * --redact (lib/redact_bundle.c); the map goes to a separate 0600 file. */
#include "commands.h"

#include "bundle.h"
#include "error.h"
#include "exitcodes.h"
#include "outfile.h"
#include "redact_bundle.h"
#include "redactor.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void redact_usage(FILE *f)
{
	fprintf(f,
		"usage: casefile-analyze redact BUNDLE -o OUT [--map FILE] [--force]\n"
		"\n"
		"Writes a redacted copy of BUNDLE to OUT: every address (sockets, flows, packet\n"
		"headers), host name, user, path, container or pod id, token and secret value is\n"
		"replaced by a pseudonym, the same one everywhere; packets keep headers only. The\n"
		"copy gives the same findings, with pseudonyms in place of names. BUNDLE is never\n"
		"changed.\n"
		"\n"
		"  -o, --output OUT   the redacted copy (written to a temp file, then renamed)\n"
		"  -m, --map FILE     where the pseudonym map goes (default OUT.redact-map.tsv);\n"
		"                     a new file, mode 0600: keep it, never share it\n"
		"  -f, --force        replace OUT if it exists (never BUNDLE itself)\n"
		"\n"
		"Examples:\n"
		"  casefile-analyze redact incident.db -o incident-shared.db\n"
		"  casefile-analyze redact incident.db -o /tmp/share.db --map ~/private/share.map\n");
}

/* OUT must not be BUNDLE (by device and inode, links resolved), must not
 * exist unless --force, and must be a regular file when it does. */
static int check_output(const char *in, const char *out, int force)
{
	struct stat si, so, lo;

	/* The checks every analyzer output shares (lib/outfile.c): also a link
	 * to the bundle, or its -wal, -shm or -journal. */
	outfile_clear_inputs();
	if (outfile_add_input(in) < 0 || outfile_check(out, force) < 0)
		return -1;
	if (stat(in, &si) < 0)
		return error_errno("cannot read '%s'", in);
	if (lstat(out, &lo) < 0) {
		if (errno == ENOENT)
			return 0;
		return error_errno("cannot check '%s'", out);
	}
	if (!stat(out, &so) && so.st_dev == si.st_dev && so.st_ino == si.st_ino)
		return error("'%s' is the bundle being redacted; choose another output", out);
	if (!S_ISREG(lo.st_mode))
		return error("'%s' exists and is not a regular file; refusing to replace it", out);
	if (!force)
		return error("'%s' exists; use --force to replace it", out);
	return 0;
}

static int copy_bundle(sqlite3 *src, const char *tmp, sqlite3 **out)
{
	sqlite3_backup *b;
	sqlite3 *dst = NULL;
	int rc;

	if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK) {
		error("cannot open '%s': %s", tmp, dst ? sqlite3_errmsg(dst) : "out of memory");
		sqlite3_close(dst);
		return -1;
	}
	b = sqlite3_backup_init(dst, "main", src, "main");
	if (!b) {
		error("cannot copy the bundle: %s", sqlite3_errmsg(dst));
		sqlite3_close(dst);
		return -1;
	}
	rc = sqlite3_backup_step(b, -1);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		error("cannot copy the bundle: %s", sqlite3_errstr(rc));
		sqlite3_close(dst);
		return -1;
	}
	*out = dst;
	return 0;
}

static void learn_literals(sqlite3 *db, struct redactor *r)
{
	static const char *const keys[] = { "host", "target_hostname", NULL };
	char buf[256];
	int i;

	/* The host's own name, wherever free text mentions it. */
	for (i = 0; keys[i]; i++)
		if (*bundle_manifest_get(db, keys[i], buf, sizeof(buf)) && !redactor_is_pseudonym(buf, strlen(buf)))
			redactor_add_literal(r, REDACT_HOST, buf);
}

int cmd_redact(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "map", required_argument, NULL, 'm' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL, *map = NULL, *in;
	char mapbuf[4096], tmp[4096], dirbuf[4096];
	struct redactor *r = NULL;
	sqlite3 *src = NULL, *dst = NULL;
	int force = 0, c, fd, rc = CF_EXIT_IO, have_tmp = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:m:fh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'm': map = optarg; break;
		case 'f': force = 1; break;
		case 'h': redact_usage(stdout); return CF_EXIT_OK;
		default: redact_usage(stderr); return CF_EXIT_USAGE;
		}
	}
	if (optind != argc - 1 || !out || !*out) {
		error(optind != argc - 1 ? "give one BUNDLE to redact" : "give the copy's name with -o OUT");
		redact_usage(stderr);
		return CF_EXIT_USAGE;
	}
	in = argv[optind];
	if (!strcmp(out, "-"))
		return error("a redacted bundle cannot go to standard output; give a file with -o"), CF_EXIT_USAGE;
	if (check_output(in, out, force) < 0)
		return CF_EXIT_USAGE;
	if (!map) {
		if (snprintf(mapbuf, sizeof(mapbuf), "%s.redact-map.tsv", out) >= (int)sizeof(mapbuf))
			return error("output name too long: '%s'", out), CF_EXIT_USAGE;
		map = mapbuf;
	}
	{
		struct stat si, sm;

		if (!stat(in, &si) && !stat(map, &sm) && si.st_dev == sm.st_dev && si.st_ino == sm.st_ino)
			return error("'%s' is the bundle being redacted; choose another map", map), CF_EXIT_USAGE;
	}
	c = bundle_open_readonly(in, &src, NULL);
	if (c < 0)
		return bundle_status_exit_code(c);

	/* A temp file beside OUT, renamed over it only when complete. */
	snprintf(dirbuf, sizeof(dirbuf), "%s", out);
	if (snprintf(tmp, sizeof(tmp), "%s/.casefile-redact-XXXXXX", dirname(dirbuf)) >= (int)sizeof(tmp)) {
		error("output name too long: '%s'", out);
		goto cleanup;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		error_errno("cannot create a temp file beside '%s'", out);
		goto cleanup;
	}
	close(fd);
	have_tmp = 1;

	r = redactor_new();
	if (!r || redactor_open_map(r, map) < 0)
		goto cleanup;
	learn_literals(src, r);
	if (copy_bundle(src, tmp, &dst) < 0)
		goto cleanup;
	if (redact_bundle_functions(dst, r) < 0)
		goto cleanup;
	if (sqlite3_exec(dst, "PRAGMA journal_mode = DELETE; BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		error("cannot write '%s': %s", tmp, sqlite3_errmsg(dst));
		goto cleanup;
	}
	if (redact_bundle_rewrite(dst) < 0) {
		sqlite3_exec(dst, "ROLLBACK", NULL, NULL, NULL);
		goto cleanup;
	}
	/* VACUUM: no page of the copy keeps a byte of what was replaced. */
	if (sqlite3_exec(dst, "COMMIT; VACUUM", NULL, NULL, NULL) != SQLITE_OK) {
		error("cannot write '%s': %s", tmp, sqlite3_errmsg(dst));
		goto cleanup;
	}
	if (sqlite3_close(dst) != SQLITE_OK) {
		error("cannot close '%s'", tmp);
		dst = NULL;
		goto cleanup;
	}
	dst = NULL;
	fd = open(tmp, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fsync(fd) < 0) {
		error_errno("cannot sync '%s'", tmp);
		if (fd >= 0)
			close(fd);
		goto cleanup;
	}
	close(fd);
	if (rename(tmp, out) < 0) {
		error_errno("cannot rename '%s' to '%s'", tmp, out);
		goto cleanup;
	}
	have_tmp = 0;
	printf("redacted copy in %s (%zu pseudonyms); map in %s: keep it private, it undoes the redaction\n",
	       out, redactor_count(r), map);
	rc = CF_EXIT_OK;
cleanup:
	if (dst)
		sqlite3_close(dst);
	if (src)
		sqlite3_close(src);
	if (have_tmp)
		unlink(tmp);
	if (rc != CF_EXIT_OK && r && redactor_map_path(r))
		unlink(map);     /* a map of a copy that does not exist */
	redactor_free(r);
	return rc;
}
