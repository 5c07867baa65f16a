#include "redact_bundle.h"
#include "bundle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "pktcodec.h"
#include "sha256.h"

#define TEXT_MAX 65536       /* a redacted value longer than this is cut */

enum how { H_TEXT, H_ADDR, H_PATH, H_ID, H_CMD };

/* Every column that can name a host, a network, a person or a place, and
 * how it is redacted. Columns not listed hold numbers, states and names that
 * are the same everywhere (comm, interface names, syscall names). */
static const struct column {
	const char *table, *column;
	enum how how;
} columns[] = {
	{ "events", "message", H_TEXT },
	{ "sources", "reason", H_TEXT },
	{ "processes", "cmdline", H_CMD },
	{ "processes", "exe", H_PATH },
	{ "processes", "cgroup", H_PATH },
	{ "cgroups", "path", H_PATH },
	{ "cgroups", "fs_path", H_PATH },
	{ "sockets", "local_addr", H_ADDR },
	{ "sockets", "remote_addr", H_ADDR },
	{ "flows", "addr_a", H_ADDR },
	{ "flows", "addr_b", H_ADDR },
	{ "log_files", "path", H_PATH },
	{ "fingerprints", "text", H_TEXT },
	{ "fingerprint_examples", "text", H_TEXT },
	{ "attachments", "path", H_PATH },
	{ "attachments", "name", H_PATH },
	{ "profile_modules", "path", H_PATH },
	{ "profile_frames", "name", H_TEXT },   /* JIT names carry script paths */
	{ "runtime_profiles", "attachment", H_PATH },   /* as attachments.name */
	{ "runtime_profiles", "outcome", H_TEXT },
};

static const char *const how_fn[] = {
	"cf_redact_text", "cf_redact_addr", "cf_redact_path", "cf_redact_id", "cf_redact_cmdline",
};

/* Manifest values by key; unknown keys are redacted as text. */
static const struct {
	const char *key;
	int how;               /* enum how, or -1: kept */
} manifest_keys[] = {
	{ "host", H_ID }, { "target_hostname", H_ID }, { "output", H_PATH },
	{ "command_line", H_CMD },
	{ "boot_id", H_ID }, { "container_id", H_ID }, { "pod", H_ID }, { "namespace", H_ID },
	{ "kubernetes_service_host", H_ADDR },
	{ "arch", -1 }, { "bundle_id", -1 }, { "clk_tck", -1 }, { "duration_us", -1 },
	{ "interval_us", -1 }, { "max_size", -1 }, { "ncpu", -1 }, { "page_size", -1 },
	{ "schema_version", -1 }, { "start_time", -1 }, { "start_us", -1 }, { "tool", -1 },
	{ "tool_version", -1 },
};

static enum redact_kind manifest_kind(const char *key)
{
	if (!strcmp(key, "host") || !strcmp(key, "target_hostname"))
		return REDACT_HOST;
	return REDACT_ID;
}

static void redact_value(sqlite3_context *ctx, struct redactor *r, int how, enum redact_kind kind,
			 const char *v, size_t n)
{
	char *out;

	if (how < 0) {
		sqlite3_result_text(ctx, v, (int)n, SQLITE_TRANSIENT);
		return;
	}
	out = malloc(TEXT_MAX);
	if (!out) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	switch (how) {
	case H_ADDR: {
		char tmp[256];

		snprintf(tmp, sizeof(tmp), "%.*s", (int)(n < 255 ? n : 255), v);
		redactor_addr(r, tmp, out, TEXT_MAX);
		break;
	}
	case H_PATH:
		redactor_path(r, v, n, out, TEXT_MAX);
		break;
	case H_ID:
		redactor_pseudonym(r, kind, v, n, out, TEXT_MAX);
		break;
	case H_CMD:
		redactor_cmdline(r, v, n, out, TEXT_MAX);
		break;
	default:
		redactor_apply(r, v, n, out, TEXT_MAX);
		break;
	}
	sqlite3_result_text(ctx, out, -1, free);
}

struct fnctx {
	struct redactor *r;
	int how;
};

static void fn_redact_how(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const struct fnctx *f = sqlite3_user_data(ctx);

	(void)argc;
	if (sqlite3_value_type(argv[0]) != SQLITE_TEXT) {
		sqlite3_result_value(ctx, argv[0]);
		return;
	}
	redact_value(ctx, f->r, f->how, REDACT_ID, (const char *)sqlite3_value_text(argv[0]),
		     (size_t)sqlite3_value_bytes(argv[0]));
}

static void fn_redact_manifest(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const struct fnctx *f = sqlite3_user_data(ctx);
	const char *key = (const char *)sqlite3_value_text(argv[0]);
	size_t k;
	int how = H_TEXT;

	(void)argc;
	if (sqlite3_value_type(argv[1]) != SQLITE_TEXT || !key) {
		sqlite3_result_value(ctx, argv[1]);
		return;
	}
	for (k = 0; k < sizeof(manifest_keys) / sizeof(manifest_keys[0]); k++)
		if (!strcmp(key, manifest_keys[k].key))
			how = manifest_keys[k].how;
	redact_value(ctx, f->r, how, manifest_kind(key), (const char *)sqlite3_value_text(argv[1]),
		     (size_t)sqlite3_value_bytes(argv[1]));
}

/* cf_redact_blob(x): an attachment's bytes. Text (no NUL, mostly printable)
 * is redacted like free text; anything else cannot be redacted and is
 * replaced by nothing. */
static void fn_redact_blob(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const struct fnctx *f = sqlite3_user_data(ctx);
	const unsigned char *b = sqlite3_value_blob(argv[0]);
	size_t n = (size_t)sqlite3_value_bytes(argv[0]), i, cap;
	char *out;

	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	for (i = 0; i < n; i++)
		if (!b[i] || (b[i] < 0x20 && b[i] != '\n' && b[i] != '\r' && b[i] != '\t'))
			break;
	if (i < n) {
		sqlite3_result_zeroblob(ctx, 0);
		return;
	}
	/* Pseudonyms can be longer than what they replace. */
	cap = n * 3 + 64;
	out = malloc(cap);
	if (!out) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	n = redactor_apply(f->r, (const char *)b, n, out, cap);
	sqlite3_result_blob(ctx, out, (int)n, free);
}

static void fn_sha256(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	unsigned char d[SHA256_LEN];
	char hex[2 * SHA256_LEN + 1];
	const void *b = sqlite3_value_blob(argv[0]);

	(void)argc;
	sha256(b ? b : "", b ? (size_t)sqlite3_value_bytes(argv[0]) : 0, d);
	sqlite3_result_text(ctx, sha256_hex(d, hex), -1, SQLITE_TRANSIENT);
}

static void fn_redact_packets(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const struct fnctx *f = sqlite3_user_data(ctx);
	uint8_t *out = NULL;
	size_t outlen = 0;

	(void)argc;
	if (sqlite3_value_type(argv[2]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	if (redact_chunk(f->r, sqlite3_value_int(argv[0]), sqlite3_value_int(argv[1]),
			 sqlite3_value_blob(argv[2]), (size_t)sqlite3_value_bytes(argv[2]), &out, &outlen) < 0) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	sqlite3_result_blob(ctx, out ? (const void *)out : "", (int)outlen, out ? free : SQLITE_TRANSIENT);
}

/* One context per function, alive as long as the process: a handful. */
static struct fnctx *ctx_for(struct redactor *r, int how)
{
	struct fnctx *f = malloc(sizeof(*f));

	if (f) {
		f->r = r;
		f->how = how;
	}
	return f;
}

int redact_bundle_functions(sqlite3 *db, struct redactor *r)
{
	static const struct {
		const char *name;
		int nargs, how;
		void (*fn)(sqlite3_context *, int, sqlite3_value **);
	} fns[] = {
		{ "cf_redact_text", 1, H_TEXT, fn_redact_how },
		{ "cf_redact_addr", 1, H_ADDR, fn_redact_how },
		{ "cf_redact_path", 1, H_PATH, fn_redact_how },
		{ "cf_redact_id", 1, H_ID, fn_redact_how },
		{ "cf_redact_cmdline", 1, H_CMD, fn_redact_how },
		{ "cf_redact_manifest", 2, 0, fn_redact_manifest },
		{ "cf_redact_blob", 1, 0, fn_redact_blob },
		{ "cf_redact_packets", 3, 0, fn_redact_packets },
		{ "cf_sha256", 1, 0, fn_sha256 },
	};
	size_t i;

	for (i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		struct fnctx *f = ctx_for(r, fns[i].how);

		if (!f)
			return error("out of memory");
		/* Not SQLITE_DETERMINISTIC: each call may add to the map. */
		if (sqlite3_create_function_v2(db, fns[i].name, fns[i].nargs, SQLITE_UTF8 | SQLITE_DIRECTONLY,
					       f, fns[i].fn, NULL, NULL, free) != SQLITE_OK)
			return error("cannot register %s: %s", fns[i].name, sqlite3_errmsg(db));
	}
	/* Rows rewritten in place must not leave their old bytes in free space. */
	if (sqlite3_exec(db, "PRAGMA secure_delete = ON", NULL, NULL, NULL) != SQLITE_OK)
		return error("cannot turn on secure_delete: %s", sqlite3_errmsg(db));
	return 0;
}

/* The SET list of one table's columns ("a = cf_redact_x(a), ..."), or 0. */
static int set_list(const char *table, char *buf, size_t len, const char *prefix)
{
	size_t i, n = 0;
	int cols = 0;

	buf[0] = 0;
	for (i = 0; i < sizeof(columns) / sizeof(columns[0]); i++) {
		if (strcmp(columns[i].table, table))
			continue;
		if (!strcmp(table, "attachments") && !strcmp(columns[i].column, "name"))
			/* Names are UNIQUE; the capture looks for a clash by the
			 * original name, so a second "app.log" finds none: its
			 * pseudonym takes the row id to stay unique. */
			n += (size_t)snprintf(buf + n, len - n,
					      "%sname = CASE WHEN EXISTS (SELECT 1 FROM attachments x WHERE "
					      "x.name = cf_redact_path(%sname) AND x.rowid <> %srowid) THEN "
					      "cf_redact_path(%sname) || '.' || %srowid ELSE cf_redact_path(%sname) END",
					      cols ? ", " : "", prefix, prefix, prefix, prefix, prefix);
		else
			n += (size_t)snprintf(buf + n, len - n, "%s%s = %s(%s%s)", cols ? ", " : "",
					      columns[i].column, how_fn[columns[i].how], prefix, columns[i].column);
		cols++;
		if (n >= len)
			return -1;
	}
	return cols;
}

static const char *const tables[] = {
	"events", "sources", "processes", "cgroups", "sockets", "flows", "log_files",
	"fingerprints", "fingerprint_examples", "attachments", "profile_modules", "profile_frames",
	"runtime_profiles",
};

int redact_bundle_triggers(sqlite3 *db)
{
	char set[1024], sql[4096];
	size_t t;
	int i;

	for (t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		if (set_list(tables[t], set, sizeof(set), "NEW.") <= 0)
			continue;
		for (i = 0; i < 2; i++) {
			snprintf(sql, sizeof(sql),
				 "CREATE TEMP TRIGGER cf_redact_%s_%s AFTER %s ON main.%s BEGIN "
				 "UPDATE %s SET %s WHERE rowid = NEW.rowid; END",
				 tables[t], i ? "upd" : "ins", i ? "UPDATE" : "INSERT", tables[t], tables[t], set);
			if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
				return error("cannot set up redaction of %s: %s", tables[t], sqlite3_errmsg(db));
		}
	}
	/* Attachments: the bytes too, and the size and digest of what is stored. */
	if (sqlite3_exec(db,
			 /* The capture inserts a zeroblob, writes the bytes through a
			  * blob handle, then sets sha256: that last step redacts them. */
			 "CREATE TEMP TRIGGER cf_redact_attachments_data AFTER UPDATE OF sha256 ON main.attachments "
			 "WHEN NEW.sha256 <> '' BEGIN "
			 "UPDATE attachments SET data = cf_redact_blob(NEW.data) WHERE rowid = NEW.rowid; "
			 "UPDATE attachments SET size = length(data), sha256 = cf_sha256(data) WHERE rowid = NEW.rowid; END;"
			 "CREATE TEMP TRIGGER cf_redact_manifest_ins AFTER INSERT ON main.manifest BEGIN "
			 "UPDATE manifest SET value = cf_redact_manifest(NEW.key, NEW.value) WHERE rowid = NEW.rowid; END;"
			 "CREATE TEMP TRIGGER cf_redact_manifest_upd AFTER UPDATE ON main.manifest BEGIN "
			 "UPDATE manifest SET value = cf_redact_manifest(NEW.key, NEW.value) WHERE rowid = NEW.rowid; END;",
			 NULL, NULL, NULL) != SQLITE_OK)
		return error("cannot set up redaction: %s", sqlite3_errmsg(db));
	return 0;
}

int redact_bundle_rewrite(sqlite3 *db)
{
	char set[1024], sql[4096];
	size_t t;

	for (t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		char prefix[64];

		/* A table of a later schema version than the bundle's. */
		if (!bundle_has_table(db, tables[t]))
			continue;
		snprintf(prefix, sizeof(prefix), "%s.", tables[t]);
		if (set_list(tables[t], set, sizeof(set), prefix) <= 0)
			continue;
		snprintf(sql, sizeof(sql), "UPDATE main.%s SET %s", tables[t], set);
		if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
			return error("cannot redact %s: %s", tables[t], sqlite3_errmsg(db));
	}
	if (sqlite3_exec(db,
			 "UPDATE main.manifest SET value = cf_redact_manifest(key, value);"
			 "UPDATE main.attachments SET data = cf_redact_blob(data);"
			 "UPDATE main.attachments SET size = length(data), sha256 = cf_sha256(data);"
			 "UPDATE main.packet_chunks SET records = cf_redact_packets(linktype, encoding, records), "
			 "encoding = 1;",
			 NULL, NULL, NULL) != SQLITE_OK)
		return error("cannot redact: %s", sqlite3_errmsg(db));
	return 0;
}

/* --- packet chunks ----------------------------------------------------------- */

struct chunk_out {
	struct redactor *r;
	int linktype;
	struct pktcodec_enc *enc;
	uint8_t *buf, *frame;
	size_t len, cap;
	long records;
	int failed;
};

static int add_record(void *arg, int64_t ts_us, uint32_t caplen, uint32_t wirelen, const uint8_t *bytes)
{
	struct chunk_out *c = arg;
	uint32_t keep, rec;
	size_t need;

	if (caplen > PKTCODEC_MAX_CAPLEN)
		caplen = PKTCODEC_MAX_CAPLEN;
	memcpy(c->frame, bytes, caplen);
	keep = redactor_frame(c->r, c->linktype, c->frame, caplen, wirelen);
	if (keep > caplen)
		keep = caplen;
	need = pktcodec_enc_bound(keep);
	if (c->cap - c->len < need) {
		size_t ncap = (c->cap + need) * 2;
		uint8_t *nb = realloc(c->buf, ncap);

		if (!nb) {
			c->failed = 1;
			return -1;
		}
		c->buf = nb;
		c->cap = ncap;
	}
	/* Each record references the one before it: headers of one
	 * connection follow each other often enough. */
	c->len += pktcodec_encode(c->enc, c->buf + c->len, ts_us, keep, wirelen < keep ? keep : wirelen,
				  c->frame, c->records ? (uint32_t)(c->records - 1) : UINT32_MAX, &rec);
	c->records++;
	return 0;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

long redact_chunk(struct redactor *r, int linktype, int encoding, const uint8_t *in, size_t len,
		  uint8_t **out, size_t *outlen)
{
	struct chunk_out c;

	memset(&c, 0, sizeof(c));
	c.r = r;
	c.linktype = linktype;
	c.enc = malloc(sizeof(*c.enc));
	c.frame = malloc(PKTCODEC_MAX_CAPLEN);
	if (!c.enc || !c.frame) {
		free(c.enc);
		free(c.frame);
		return error("out of memory");
	}
	pktcodec_enc_reset(c.enc);
	*out = NULL;
	*outlen = 0;
	if (encoding == PKTCODEC_DELTA && in) {
		/* A damaged chunk keeps its good records only. */
		pktcodec_decode(in, len, add_record, &c);
	} else if (encoding == PKTCODEC_RAW && in) {
		size_t off = 0;

		while (len - off >= 16 && !c.failed) {
			uint32_t sec = le32(in + off), usec = le32(in + off + 4), cl = le32(in + off + 8);

			if (usec >= 1000000 || cl > len - off - 16)
				break;
			add_record(&c, (int64_t)sec * 1000000 + usec, cl, le32(in + off + 12), in + off + 16);
			off += 16 + cl;
		}
	}
	free(c.enc);
	free(c.frame);
	if (c.failed) {
		free(c.buf);
		return error("out of memory");
	}
	*out = c.buf;
	*outlen = c.len;
	return c.records;
}
