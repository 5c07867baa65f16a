/* casefile-analyze extract: lists a bundle's attachments, or writes one
 * back byte for byte, checking its SHA-256 on the way out. */
#include "commands.h"

#include "bundle.h"
#include "error.h"
#include "outfile.h"
#include "escape.h"
#include "exitcodes.h"
#include "sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EXTRACT_CHUNK (1 << 20)

static void extract_usage(FILE *f)
{
	fprintf(f,
		"usage: casefile-analyze extract [-o OUT] [--force] BUNDLE [NAME]\n"
		"\n"
		"Without NAME, lists the files stored with 'casefile-capture --attach' (name,\n"
		"size, SHA-256). With NAME, writes that file back, byte for byte, and checks\n"
		"its SHA-256.\n"
		"\n"
		"  -o, --output OUT   where to write (default: NAME in the current directory;\n"
		"                     '-' for standard output)\n"
		"  -f, --force        overwrite OUT if it exists\n"
		"\n"
		"Examples:\n"
		"  casefile-analyze extract incident.db\n"
		"  casefile-analyze extract incident.db heap.heapsnapshot -o /tmp/heap.heapsnapshot\n");
}

static int list(sqlite3 *db)
{
	sqlite3_stmt *st;
	int n = 0;

	if (sqlite3_prepare_v2(db, "SELECT name, size, sha256, path FROM attachments ORDER BY id",
			       -1, &st, NULL) != SQLITE_OK)
		return error("cannot list attachments: %s", sqlite3_errmsg(db));
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		const char *sha = (const char *)sqlite3_column_text(st, 2);
		const char *path = (const char *)sqlite3_column_text(st, 3);

		fput_term(stdout, name ? name : "", 0);
		printf("\t%lld\t", (long long)sqlite3_column_int64(st, 1));
		fput_term(stdout, sha ? sha : "", 64);
		putchar('\t');
		fput_term(stdout, path ? path : "", 0);
		putchar('\n');
		n++;
	}
	sqlite3_finalize(st);
	if (!n)
		fprintf(stderr, "casefile-analyze: no attachments in this bundle\n");
	return 0;
}

/* A name from the bundle is untrusted: as a default output path it must
 * stay in the current directory. */
static int safe_default_name(const char *name)
{
	return *name && !strchr(name, '/') && strcmp(name, ".") && strcmp(name, "..");
}

static int extract(sqlite3 *db, const char *bundle, const char *name, const char *out, int force)
{
	sqlite3_stmt *st = NULL;
	sqlite3_blob *blob = NULL;
	struct sha256 h;
	unsigned char digest[SHA256_LEN];
	char hex[2 * SHA256_LEN + 1], want[2 * SHA256_LEN + 1];
	char *buf = NULL;
	int64_t id, size;
	struct outfile of = OUTFILE_INIT;
	int bytes, off, rc = CF_EXIT_IO, to_stdout = out && !strcmp(out, "-");
	const char *sha;

	if (sqlite3_prepare_v2(db, "SELECT id, sha256, length(data) FROM attachments WHERE name = ?",
			       -1, &st, NULL) != SQLITE_OK) {
		error("cannot read attachments of '%s': %s", bundle, sqlite3_errmsg(db));
		return CF_EXIT_BAD_BUNDLE;
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		error("no attachment named '%s' in '%s' (list them: casefile-analyze extract %s)",
		      name, bundle, bundle);
		return CF_EXIT_USAGE;
	}
	id = sqlite3_column_int64(st, 0);
	sha = (const char *)sqlite3_column_text(st, 1);
	snprintf(want, sizeof(want), "%s", sha ? sha : "");
	size = sqlite3_column_int64(st, 2);
	sqlite3_finalize(st);
	if (!out) {
		if (!safe_default_name(name)) {
			error("attachment name '%s' is not a plain file name; give -o OUT", name);
			return CF_EXIT_USAGE;
		}
		out = name;
	}
	if (sqlite3_blob_open(db, "main", "attachments", "data", id, 0, &blob) != SQLITE_OK) {
		error("cannot read attachment '%s' of '%s': %s", name, bundle, sqlite3_errmsg(db));
		return CF_EXIT_BAD_BUNDLE;
	}
	bytes = sqlite3_blob_bytes(blob);
	if (bytes != size) {
		error("attachment '%s' of '%s' is damaged (size)", name, bundle);
		rc = CF_EXIT_BAD_BUNDLE;
		goto out;
	}
	if (!(buf = malloc(EXTRACT_CHUNK))) {
		error("out of memory");
		goto out;
	}
	/* A temp file renamed over OUT only once the SHA-256 matches: never a
	 * partial or unverified file, never through a link, never over the bundle. */
	if (outfile_open(&of, out, force, 0600) < 0)
		goto out;
	sha256_init(&h);
	for (off = 0; off < bytes;) {
		int n = bytes - off < EXTRACT_CHUNK ? bytes - off : EXTRACT_CHUNK;

		if (sqlite3_blob_read(blob, buf, n, off) != SQLITE_OK) {
			error("cannot read attachment '%s' of '%s': %s", name, bundle, sqlite3_errmsg(db));
			rc = CF_EXIT_BAD_BUNDLE;
			goto out;
		}
		if (fwrite(buf, 1, (size_t)n, of.f) != (size_t)n) {
			error_errno("cannot write '%s'", out);
			goto out;
		}
		sha256_update(&h, buf, (size_t)n);
		off += n;
	}
	sha256_final(&h, digest);
	if (strcmp(sha256_hex(digest, hex), want)) {
		error("attachment '%s' of '%s' is damaged: SHA-256 %s, recorded %s", name, bundle, hex, want);
		rc = CF_EXIT_BAD_BUNDLE;
		goto out;
	}
	if (outfile_commit(&of) < 0)
		goto out;
	if (!to_stdout)
		fprintf(stderr, "casefile-analyze: wrote '%s' (%d bytes, sha256 %s)\n", out, bytes, hex);
	rc = CF_EXIT_OK;
out:
	outfile_abort(&of);
	free(buf);
	sqlite3_blob_close(blob);
	return rc;
}

int cmd_extract(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL;
	sqlite3 *db;
	int force = 0, c, st, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:fh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'f': force = 1; break;
		case 'h': extract_usage(stdout); return CF_EXIT_OK;
		default: extract_usage(stderr); return CF_EXIT_USAGE;
		}
	}
	if (optind >= argc || argc - optind > 2) {
		extract_usage(stderr);
		return CF_EXIT_USAGE;
	}
	outfile_add_input(argv[optind]);
	st = bundle_open_readonly(argv[optind], &db, NULL);
	if (st < 0)
		return bundle_status_exit_code(st);
	if (!bundle_has_table(db, "attachments")) {
		fprintf(stderr, "casefile-analyze: no attachments in this bundle\n");
		sqlite3_close(db);
		return argc - optind == 2 ? CF_EXIT_USAGE : CF_EXIT_OK;
	}
	if (argc - optind == 1)
		rc = list(db) ? CF_EXIT_BAD_BUNDLE : CF_EXIT_OK;
	else
		rc = extract(db, argv[optind], argv[optind + 1], out, force);
	sqlite3_close(db);
	return rc;
}
