/* The analysis's notes: what limits the findings (a source skipped, failed or
 * degraded, data truncated or dropped, a rule not evaluated), and which
 * findings each weakens. */
#include "findings.h"

#include "bundle.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

int analysis_add_note(struct analysis *a, const char *kind, const char *source, const char *rule,
		      const char *fmt, ...)
{
	struct note *n = realloc(a->notes, (size_t)(a->nnotes + 1) * sizeof(*n));
	va_list ap;
	char *msg = NULL;

	if (!n)
		return -1;
	a->notes = n;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	n = &a->notes[a->nnotes];
	n->kind = xstrdup(kind);
	n->source = xstrdup(source);
	n->rule = xstrdup(rule);
	n->message = msg;
	if (!n->kind || !n->message)
		return -1;
	a->nnotes++;
	return 0;
}

/* ---- data-quality notes ---- */

void analysis_quality_notes(struct analysis *a, sqlite3 *db)
{
	const struct bundle_info *b = &a->bundle;
	sqlite3_stmt *st;
	int i;

	for (i = 0; i < b->nsources; i++) {
		const struct source_info *s = &b->sources[i];
		const char *why = s->reason ? s->reason : "no reason recorded";

		if (!strcmp(s->status, "skipped"))
			analysis_add_note(a, "source_skipped", s->name, NULL, "source '%s' was skipped: %s", s->name, why);
		else if (!strcmp(s->status, "failed"))
			analysis_add_note(a, "source_failed", s->name, NULL, "source '%s' failed: %s", s->name, why);
		else if (!strcmp(s->status, "off"))
			; /* said where it matters: by the rules it leaves "not evaluated" */
		else if (s->reason)
			analysis_add_note(a, "source_fallback", s->name, NULL, "source '%s' ran with %s: %s", s->name,
				 s->backend ? s->backend : "a fallback", s->reason);
	}
	/* Losses the sources count in their own tables. */
	{
		static const struct {
			const char *table, *source, *kind, *sql;
		} q[] = {
			{ "syscall_ticks", "syscalls", "lost_events",
			  "SELECT SUM(lost), SUM(dropped), SUM(events) FROM syscall_ticks" },
			{ "pcap_stats", "packets", "drops",
			  "SELECT MAX(dropped_kernel) + MAX(COALESCE(dropped_iface, 0)), "
			  "       MAX(not_stored_cap) + MAX(not_stored_buffer), MAX(received) FROM pcap_stats" },
			{ "log_file_samples", "logs", "truncated",
			  "SELECT SUM(truncated), MAX(backlog_bytes), SUM(lines) FROM log_file_samples" },
		};
		size_t k;

		for (k = 0; k < sizeof(q) / sizeof(q[0]); k++) {
			long long x = 0, y = 0, tot = 0;

			if (!bundle_has_table(db, q[k].table) ||
			    sqlite3_prepare_v2(db, q[k].sql, -1, &st, NULL) != SQLITE_OK)
				continue;
			if (sqlite3_step(st) == SQLITE_ROW) {
				x = sqlite3_column_int64(st, 0);
				y = sqlite3_column_int64(st, 1);
				tot = sqlite3_column_int64(st, 2);
			}
			sqlite3_finalize(st);
			if (k == 0 && (x > 0 || y > 0))
				analysis_add_note(a, q[k].kind, q[k].source, NULL,
					 "syscalls: %lld events lost by the kernel ring and %lld updates dropped (of %lld events): counts are low bounds",
					 x, y, tot);
			/* Drops and packets not stored are separate losses: both are said. */
			if (k == 1 && x > 0)
				analysis_add_note(a, q[k].kind, q[k].source, NULL,
					 "packets: %lld packets dropped by the kernel or interface (of %lld received): flow counts are low bounds",
					 x, tot);
			if (k == 1 && y > 0)
				analysis_add_note(a, "truncated", q[k].source, NULL,
					 "packets: %lld packets counted but not stored (size cap or buffer)", y);
			if (k == 2 && (x > 0 || y > (1 << 20)))
				analysis_add_note(a, q[k].kind, q[k].source, NULL,
					 "logs: %lld over-long lines cut; up to %lld bytes were left unread behind the writer",
					 x, y);
		}
	}
	/* Events about the capture's own health, one note per kind and source. */
	if (bundle_has_table(db, "events") &&
	    sqlite3_prepare_v2(db,
		"SELECT kind, source, count(*), "
		"       (SELECT message FROM events e2 WHERE e2.kind = e.kind AND e2.source IS e.source "
		"        ORDER BY id DESC LIMIT 1) "
		"FROM events e WHERE kind IN ('drops', 'size_cap', 'backoff', 'warning', 'target_exited', "
		"                             'lost_events', 'truncated', 'netns_changed', 'indexes_skipped') "
		"   OR kind LIKE '%drop%' OR kind LIKE '%lost%' OR kind LIKE '%trunc%' "
		"   OR kind LIKE '%fail%' OR kind LIKE '%error%' OR kind LIKE '%overflow%' "
		"GROUP BY kind, source ORDER BY min(id) LIMIT 100", -1, &st, NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *kind = (const char *)sqlite3_column_text(st, 0);
			const char *src = (const char *)sqlite3_column_text(st, 1);
			long long n = sqlite3_column_int64(st, 2);
			const char *msg = (const char *)sqlite3_column_text(st, 3);

			if (!kind)
				continue;
			if (n > 1)
				analysis_add_note(a, kind, src, NULL, "%s%s%s (%lld times; last: %s)", src ? src : "",
					 src ? ": " : "", kind, n, msg ? msg : "");
			else
				analysis_add_note(a, kind, src, NULL, "%s%s%s", src ? src : "", src ? ": " : "",
					 msg ? msg : kind);
		}
		sqlite3_finalize(st);
	}
}

/* A finding is weakened by the notes about the sources its rule reads. */
void analysis_link_notes(struct analysis *a)
{
	int i, j, k;

	for (i = 0; i < a->nfindings; i++) {
		struct finding *f = &a->findings[i];

		for (j = 0; j < a->nnotes; j++) {
			const struct note *n = &a->notes[j];
			int *nn;

			if (!n->source || n->rule)
				continue;
			for (k = 0; k < f->rule->nsources; k++)
				if (!strcmp(f->rule->sources[k], n->source))
					break;
			if (k == f->rule->nsources)
				continue;
			nn = realloc(f->notes, (size_t)(f->nnotes + 1) * sizeof(*nn));
			if (!nn)
				return;
			f->notes = nn;
			f->notes[f->nnotes++] = j;
		}
	}
}
