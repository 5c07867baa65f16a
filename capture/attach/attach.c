/* Attachments (--attach FILE, repeatable): files the user adds to the
 * bundle (a heap snapshot, a CPU profile, a config), stored as blobs with
 * name, size and SHA-256 when the capture starts. `casefile-analyze extract`
 * writes them back. Bounded: no attachment may take more than half of
 * --max-size. */
#include "capture.h"

#include "error.h"
#include "parse.h"
#include "sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ATTACH_CHUNK (1 << 20)

/* A unique name for the attachments table: the base name, then ".2", ".3". */
static int unique_name(struct capture *cap, const char *path, char *name, size_t len)
{
	static const char sql[] = "SELECT COUNT(*) FROM attachments WHERE name = ?";
	const char *base = strrchr(path, '/');
	int i;

	base = base && base[1] ? base + 1 : path;
	for (i = 1; i < 1000; i++) {
		sqlite3_stmt *st = writer_stmt(cap->w, sql);
		int taken;

		if (!st)
			return -1;
		if (i == 1)
			snprintf(name, len, "%s", base);
		else
			snprintf(name, len, "%s.%d", base, i);
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		taken = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) > 0;
		sqlite3_reset(st);
		if (!taken)
			return 0;
	}
	return error("too many attachments named '%s'", base);
}

/* Stores one file. The blob is written in chunks through SQLite's
 * incremental I/O, so a large file never sits in memory whole. Returns 0,
 * or -1 when the file was not stored (an event says why). */
static int attach_one(struct capture *cap, const char *path)
{
	static const char ins[] =
		"INSERT INTO attachments (name, path, size, sha256, mtime_us, added_us, data)"
		" VALUES (?, ?, ?, '', ?, ?, zeroblob(?))";
	static const char upd[] = "UPDATE attachments SET sha256 = ?, size = ? WHERE id = ?";
	char name[512], hex[2 * SHA256_LEN + 1], sz[32];
	unsigned char digest[SHA256_LEN];
	struct sha256 h;
	struct stat st;
	sqlite3_stmt *s;
	sqlite3_blob *blob = NULL;
	char *buf = NULL;
	int64_t id, done = 0;
	int fd, rc = -1;

	{
		struct stat a, b;

		/* Not even opened: closing a descriptor of the bundle would drop
		 * SQLite's locks on it. */
		if (stat(path, &a) == 0 && stat(writer_path(cap->w), &b) == 0 &&
		    a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
			capture_event(cap, "warning", "cannot attach '%s': it is the bundle itself", path);
			return error("cannot attach '%s': it is the bundle itself", path);
		}
	}
	/* O_NONBLOCK: a FIFO or device named here must not hold the capture
	 * in open() past its duration; it is refused just below. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		capture_event(cap, "warning", "cannot attach '%s': %s", path, strerror(errno));
		return error_errno("cannot attach '%s'", path);
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		capture_event(cap, "warning", "cannot attach '%s': not a regular file", path);
		error("cannot attach '%s': not a regular file", path);
		goto out;
	}
	if ((uint64_t)st.st_size > cap->opts->max_size / 2) {
		capture_event(cap, "warning", "not attaching '%s': %s is more than half of --max-size",
			      path, format_size((uint64_t)st.st_size, sz, sizeof(sz)));
		error("not attaching '%s': %s is more than half of --max-size", path, sz);
		goto out;
	}
	if ((uint64_t)st.st_size > writer_room(cap->w)) {
		/* Checked before writing: a blob is paged in whole by its insert,
		 * and the bundle must not pass --max-size even for a moment. */
		capture_event(cap, "size_cap", "not attaching '%s': %s would take the bundle past --max-size",
			      path, format_size((uint64_t)st.st_size, sz, sizeof(sz)));
		error("not attaching '%s': %s would take the bundle past --max-size", path, sz);
		goto out;
	}
	if (!(buf = malloc(ATTACH_CHUNK))) {
		error("out of memory");
		goto out;
	}
	if (unique_name(cap, path, name, sizeof(name)) < 0 || !(s = writer_stmt(cap->w, ins)))
		goto out;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, path, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, st.st_size);
	sqlite3_bind_int64(s, 4, (int64_t)st.st_mtim.tv_sec * 1000000 + st.st_mtim.tv_nsec / 1000);
	sqlite3_bind_int64(s, 5, now_wall_us());
	sqlite3_bind_int64(s, 6, st.st_size);
	if (writer_step(cap->w, s))
		goto out;
	id = writer_last_id(cap->w);
	if (sqlite3_blob_open(sqlite3_db_handle(s), "main", "attachments", "data", id, 1, &blob) != SQLITE_OK) {
		error("cannot store attachment '%s': %s", path, sqlite3_errmsg(sqlite3_db_handle(s)));
		goto out;
	}
	sha256_init(&h);
	while (done < st.st_size) {
		size_t want = (size_t)(st.st_size - done < ATTACH_CHUNK ? st.st_size - done : ATTACH_CHUNK);
		ssize_t n = pread(fd, buf, want, done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			error_errno("cannot read '%s'", path);
			goto out;
		}
		if (n == 0)
			break;   /* shrank while we read: keep what was there */
		if (sqlite3_blob_write(blob, buf, (int)n, (int)done) != SQLITE_OK) {
			error("cannot store attachment '%s': %s", path, sqlite3_errmsg(sqlite3_db_handle(s)));
			goto out;
		}
		sha256_update(&h, buf, (size_t)n);
		done += n;
	}
	sqlite3_blob_close(blob);
	blob = NULL;
	sha256_final(&h, digest);
	if (!(s = writer_stmt(cap->w, upd)))
		goto out;
	sqlite3_bind_text(s, 1, sha256_hex(digest, hex), -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, done);
	sqlite3_bind_int64(s, 3, id);
	if (writer_step(cap->w, s))
		goto out;
	if (done < st.st_size) {
		/* The blob keeps its zeroed tail; record the shrink. */
		static const char cut[] = "UPDATE attachments SET data = substr(data, 1, ?) WHERE id = ?";

		if (!(s = writer_stmt(cap->w, cut)))
			goto out;
		sqlite3_bind_int64(s, 1, done);
		sqlite3_bind_int64(s, 2, id);
		if (writer_step(cap->w, s))
			goto out;
		capture_event(cap, "warning", "'%s' shrank while being attached", path);
	}
	capture_event(cap, "attachment", "attached '%s' as '%s' (%lld bytes, sha256 %s)", path, name,
		      (long long)done, hex);
	info("attached '%s' as '%s'", path, name);
	rc = 0;
out:
	if (blob)
		sqlite3_blob_close(blob);
	free(buf);
	close(fd);
	return rc;
}

static int attach_open(struct capture *cap, void **state)
{
	int i, stored = 0;

	*state = NULL;
	capture_source_backend(cap, "blob", NULL);
	for (i = 0; i < cap->opts->nattach; i++) {
		if (attach_one(cap, cap->opts->attach[i]) == 0)
			stored++;
		else
			cap->failed_attach++;
	}
	if (!stored)
		return capture_source_skip(cap, "no --attach file could be stored");
	return 0;
}

static int attach_wanted(const struct capture_opts *o)
{
	return o->nattach > 0;
}

static int attach_sample(struct capture *cap, void *state, int64_t tick)
{
	(void)cap;
	(void)state;
	(void)tick;
	return 0;
}

static void attach_close(struct capture *cap, void *state)
{
	(void)cap;
	(void)state;
}

const struct source attach_source = {
	.name = "attachments",
	.summary = "files given with --attach, stored whole with their SHA-256",
	.default_on = 1,
	.wanted = attach_wanted,
	.open = attach_open,
	.sample = attach_sample,
	.close = attach_close,
};
