/* What a bundle says of itself, read once for an analysis: its manifest,
 * its sources (ran, skipped, failed, which backend) and its targets. */
#include "findings.h"

#include "bundle.h"

#include <stdlib.h>
#include <string.h>

const char *source_noun(const char *s)
{
	static const char *const map[][2] = {
		{ "sockets", "socket" }, { "syscalls", "syscall" }, { "packets", "packet" },
		{ "logs", "log" }, { "process", "process" }, { "cgroup", "cgroup" },
		{ "netdev", "interface" }, { "attachments", "attachment" },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(map[i][0], s))
			return map[i][1];
	return s;
}

/* ---- bundle facts ---- */

static char *col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? strdup((const char *)t) : NULL;
}

int bundle_info_read(struct bundle_info *b, sqlite3 *db, const char *path)
{
	sqlite3_stmt *st;

	memset(b, 0, sizeof(*b));
	b->path = path ? strdup(path) : NULL;
	b->schema_version = (int)bundle_query_int(db, "PRAGMA user_version", 0);
	if (sqlite3_prepare_v2(db, "SELECT key, value FROM manifest ORDER BY key LIMIT 1000", -1, &st, NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW) {
			struct kv *m = realloc(b->manifest, (size_t)(b->nmanifest + 1) * sizeof(*m));

			if (!m)
				break;
			b->manifest = m;
			m[b->nmanifest].key = col_dup(st, 0);
			m[b->nmanifest].value = col_dup(st, 1);
			if (m[b->nmanifest].key)
				b->nmanifest++;
			else
				free(m[b->nmanifest].value);
		}
		sqlite3_finalize(st);
	}
	if (bundle_has_table(db, "sources") &&
	    sqlite3_prepare_v2(db, "SELECT name, status, backend, reason FROM sources ORDER BY name LIMIT 100",
			       -1, &st, NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW) {
			struct source_info *s = realloc(b->sources, (size_t)(b->nsources + 1) * sizeof(*s));

			if (!s)
				break;
			b->sources = s;
			s += b->nsources;
			s->name = col_dup(st, 0);
			s->status = col_dup(st, 1);
			s->backend = col_dup(st, 2);
			s->reason = col_dup(st, 3);
			if (s->name && s->status) {
				b->nsources++;
			} else {
				free(s->name);
				free(s->status);
				free(s->backend);
				free(s->reason);
			}
		}
		sqlite3_finalize(st);
	}
	if (bundle_has_table(db, "processes") &&
	    sqlite3_prepare_v2(db, "SELECT pid, comm, cmdline, role FROM processes "
			       "ORDER BY role != 'target', id LIMIT 20", -1, &st, NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW) {
			struct target_info *t = realloc(b->targets, (size_t)(b->ntargets + 1) * sizeof(*t));

			if (!t)
				break;
			b->targets = t;
			t += b->ntargets++;
			t->pid = sqlite3_column_int64(st, 0);
			t->comm = col_dup(st, 1);
			t->cmdline = col_dup(st, 2);
			t->role = col_dup(st, 3);
		}
		sqlite3_finalize(st);
	}
	b->from_us = bundle_query_int(db, "SELECT min(wall_us) FROM ticks", 0);
	b->to_us = bundle_query_int(db, "SELECT max(wall_us) FROM ticks", 0);
	b->ticks = bundle_query_int(db, "SELECT count(*) FROM ticks", 0);
	return 0;
}

void bundle_info_release(struct bundle_info *b)
{
	int i;

	for (i = 0; i < b->nmanifest; i++) {
		free(b->manifest[i].key);
		free(b->manifest[i].value);
	}
	for (i = 0; i < b->nsources; i++) {
		free(b->sources[i].name);
		free(b->sources[i].status);
		free(b->sources[i].backend);
		free(b->sources[i].reason);
	}
	for (i = 0; i < b->ntargets; i++) {
		free(b->targets[i].comm);
		free(b->targets[i].cmdline);
		free(b->targets[i].role);
	}
	free(b->manifest);
	free(b->sources);
	free(b->targets);
	free(b->path);
	memset(b, 0, sizeof(*b));
}

const char *bundle_info_get(const struct bundle_info *b, const char *key)
{
	int i;

	for (i = 0; i < b->nmanifest; i++)
		if (!strcmp(b->manifest[i].key, key))
			return b->manifest[i].value;
	return NULL;
}

const struct source_info *bundle_info_source(const struct bundle_info *b, const char *name)
{
	int i;

	for (i = 0; i < b->nsources; i++)
		if (!strcmp(b->sources[i].name, name))
			return &b->sources[i];
	return NULL;
}
