#include "redact.h"

#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture.h"
#include "error.h"
#include "pktcodec.h"
#include "redact_bundle.h"
#include "writer.h"

static struct redactor *global;

int capture_redact_init(struct capture *cap)
{
	char host[256], path[512];
	int i;

	if (!cap->opts->redact || global)
		return 0;
	global = redactor_new();
	if (!global)
		return -1;
	if (!gethostname(host, sizeof(host))) {
		host[sizeof(host) - 1] = 0;
		redactor_add_literal(global, REDACT_HOST, host);
	}
	/* Attachments' base names: events name them outside any path. */
	for (i = 0; i < cap->opts->nattach; i++) {
		const char *base = strrchr(cap->opts->attach[i], '/');

		base = base ? base + 1 : cap->opts->attach[i];
		if (*base && !redactor_is_pseudonym(base, strlen(base)))
			redactor_add_literal(global, REDACT_PATH, base);
	}
	/* The targets' users: names that logs and paths may hold. */
	for (i = 0; i < cap->targets.n; i++) {
		struct stat st;
		struct passwd *pw;

		capture_path(cap, path, sizeof(path), "/proc/%d", (int)cap->targets.v[i].pid);
		if (!stat(path, &st) && (pw = getpwuid(st.st_uid)))
			redactor_add_literal(global, REDACT_USER, pw->pw_name);
	}
	return 0;
}

int capture_redact_open_map(struct capture *cap, const char *bundle)
{
	char path[4096];
	const char *map = cap->opts->redact_map;

	if (!cap->opts->redact)
		return 0;
	if (!global && capture_redact_init(cap) < 0)
		return -1;
	if (redactor_map_path(global))
		return 0;
	if (!map) {
		if (snprintf(path, sizeof(path), "%s.redact-map.tsv", bundle) >= (int)sizeof(path))
			return error("bundle path too long for its redaction map: '%s'", bundle);
		map = path;
	}
	return redactor_open_map(global, map);
}

int capture_redact_attach(struct capture *cap, const char *bundle)
{
	sqlite3_stmt *st;
	sqlite3 *db;

	if (!cap->opts->redact)
		return 0;
	if (capture_redact_open_map(cap, bundle) < 0)
		return -1;
	st = writer_stmt(cap->w, "SELECT 1");
	if (!st)
		return error("cannot set up redaction of '%s'", bundle);
	db = sqlite3_db_handle(st);
	if (redact_bundle_functions(db, global) < 0 || redact_bundle_triggers(db) < 0)
		return -1;
	return 0;
}

void capture_redact_discard(void)
{
	const char *map = redactor_map_path(global);

	if (map)
		unlink(map);
	capture_redact_release();
}

int capture_redact_start(struct capture *cap)
{
	return cap->opts->redact && !global ? -1 : 0;
}

const char *capture_redact_map_path(void)
{
	return redactor_map_path(global);
}

long capture_redact(struct capture *cap, const char *in, size_t len, char *out, size_t outsz)
{
	if (!outsz)
		return 0;
	if (!cap->opts->redact) {
		if (len > outsz - 1)
			len = outsz - 1;
		memcpy(out, in, len);
		out[len] = 0;
		return (long)len;
	}
	if (!global) {
		snprintf(out, outsz, "[redaction failed]");
		return -1;
	}
	return (long)redactor_apply(global, in, len, out, outsz);
}

const char *capture_redact_str(struct capture *cap, const char *in, char *out, size_t outsz)
{
	capture_redact(cap, in, strlen(in), out, outsz);
	return out;
}

const char *capture_redact_value(struct capture *cap, enum redact_kind kind,
				 const char *value, char *out, size_t outsz)
{
	if (!cap->opts->redact) {
		snprintf(out, outsz, "%s", value);
		return out;
	}
	if (!global) {
		snprintf(out, outsz, "[redaction failed]");
		return out;
	}
	return redactor_pseudonym(global, kind, value, strlen(value), out, outsz);
}

long capture_redact_packets(struct capture *cap, int linktype, const uint8_t *in, size_t len,
			    uint8_t **out, size_t *outlen)
{
	if (!cap->opts->redact || !global)
		return error("packet redaction is not set up");
	return redact_chunk(global, linktype, PKTCODEC_DELTA, in, len, out, outlen);
}

void capture_redact_release(void)
{
	redactor_free(global);
	global = NULL;
}
