#include "redact.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "error.h"
#include "fingerprint.h"
#include "sha256.h"
#include "textscan.h"

#define REDACT_KEY_LEN 32
#define REDACT_MAX_MAPPINGS (1 << 20)   /* then the key line still recovers them */
#define REDACT_MAX_LITERALS 16

static const char *const kind_names[REDACT_KIND_COUNT] = { "ip", "email", "host", "token" };

struct mapping {
	uint64_t hash;       /* fingerprint_hash of kind + value, 0 = empty slot */
};

struct literal {
	enum redact_kind kind;
	size_t len;
	char *s;
};

struct redactor {
	unsigned char key[REDACT_KEY_LEN];
	FILE *map;
	char *map_path;
	struct mapping *slots;   /* open addressing, power-of-two size */
	size_t nslots, count;
	struct literal literals[REDACT_MAX_LITERALS];
	int nliterals;
};

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static int is_alpha(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
static int is_word(unsigned char c) { return is_digit(c) || is_alpha(c) || c == '_'; }

static void random_key(unsigned char *key, size_t len)
{
	size_t got = 0;
	ssize_t n;
	int fd;

	while (got < len) {
		n = getrandom(key + got, len - got, 0);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got == len)
		return;
	fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		while (got < len && (n = read(fd, key + got, len - got)) > 0)
			got += (size_t)n;
		close(fd);
	}
	if (got < len) {
		/* Weak, but a capture without redaction would be worse. */
		struct timespec ts;
		size_t i;

		warning("no random source for the redaction key; using time and pid");
		clock_gettime(CLOCK_MONOTONIC, &ts);
		for (i = got; i < len; i++)
			key[i] = (unsigned char)((uint64_t)ts.tv_nsec * 2654435761u >> (i % 24)) ^ (unsigned char)getpid();
	}
}

static void write_escaped(FILE *f, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\\')
			fputs("\\\\", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\r')
			fputs("\\r", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
}

static void write_key_line(struct redactor *r, const char *what)
{
	char hex[2 * SHA256_LEN + 1];

	if (!r->map)
		return;
	sha256_hex(r->key, hex);
	fprintf(r->map, "# %s %s (pseudonym = kind \"-\" first 10 hex of HMAC-SHA256(key, kind \":\" original))\n",
		what, hex);
	fflush(r->map);
}

struct redactor *redactor_new(const char *map_path)
{
	struct redactor *r = calloc(1, sizeof(*r));
	int fd = -1;

	if (!r) {
		error("out of memory");
		return NULL;
	}
	random_key(r->key, sizeof(r->key));
	r->nslots = 1024;
	r->slots = calloc(r->nslots, sizeof(*r->slots));
	if (!r->slots) {
		error("out of memory");
		goto fail;
	}
	if (map_path) {
		/* O_NOFOLLOW and 0600 from creation: the mapping undoes the
		 * redaction, so it must never be readable by others. */
		fd = open(map_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0) {
			error_errno("cannot create redaction map '%s'", map_path);
			goto fail;
		}
		if (fchmod(fd, 0600) < 0) {
			error_errno("cannot chmod redaction map '%s'", map_path);
			goto fail;
		}
		r->map = fdopen(fd, "w");
		if (!r->map) {
			error_errno("cannot open redaction map '%s'", map_path);
			goto fail;
		}
		fd = -1;
		r->map_path = strdup(map_path);
		fprintf(r->map, "# casefile redaction map: kind, pseudonym, original. Keep it private.\n");
		write_key_line(r, "key");
	}
	return r;
fail:
	if (fd >= 0)
		close(fd);
	redactor_free(r);
	return NULL;
}

void redactor_free(struct redactor *r)
{
	int i;

	if (!r)
		return;
	if (r->map)
		fclose(r->map);
	for (i = 0; i < r->nliterals; i++)
		free(r->literals[i].s);
	free(r->map_path);
	free(r->slots);
	free(r);
}

void redactor_set_key(struct redactor *r, const void *key, size_t len)
{
	memset(r->key, 0, sizeof(r->key));
	memcpy(r->key, key, len < sizeof(r->key) ? len : sizeof(r->key));
	write_key_line(r, "rekeyed");
}

int redactor_add_literal(struct redactor *r, enum redact_kind kind, const char *s)
{
	struct literal *l;

	if (!s || !*s || r->nliterals == REDACT_MAX_LITERALS)
		return -1;
	l = &r->literals[r->nliterals];
	if (!(l->s = strdup(s)))
		return error("out of memory");
	l->len = strlen(s);
	l->kind = kind;
	r->nliterals++;
	return 0;
}

size_t redactor_count(const struct redactor *r)
{
	return r->count;
}

static int grow(struct redactor *r)
{
	struct mapping *old = r->slots, *slots;
	size_t n = r->nslots * 2, i;

	slots = calloc(n, sizeof(*slots));
	if (!slots)
		return -1;
	for (i = 0; i < r->nslots; i++) {
		size_t j;

		if (!old[i].hash)
			continue;
		for (j = old[i].hash & (n - 1); slots[j].hash; j = (j + 1) & (n - 1))
			;
		slots[j] = old[i];
	}
	free(old);
	r->slots = slots;
	r->nslots = n;
	return 0;
}

/* Records a mapping the first time it is seen. Only a 64-bit hash is kept in
 * memory: the original text lives in the map file alone. */
static void remember(struct redactor *r, enum redact_kind kind, const char *value,
		     size_t len, const char *pseudo)
{
	unsigned char k = (unsigned char)kind;
	uint64_t h = fingerprint_hash(value, len, fingerprint_hash(&k, 1, FINGERPRINT_SEED));
	size_t j;

	if (!r->map || r->count >= REDACT_MAX_MAPPINGS)
		return;
	if (!h)
		h = 1;
	if ((r->count + 1) * 2 > r->nslots && grow(r) < 0)
		return;
	for (j = h & (r->nslots - 1); r->slots[j].hash; j = (j + 1) & (r->nslots - 1))
		if (r->slots[j].hash == h)
			return;
	r->slots[j].hash = h;
	r->count++;
	fprintf(r->map, "%s\t%s\t", kind_names[kind], pseudo);
	write_escaped(r->map, value, len);
	fputc('\n', r->map);
	/* Flushed now: a killed capture must still leave a usable mapping. */
	fflush(r->map);
}

const char *redactor_pseudonym(struct redactor *r, enum redact_kind kind,
			       const char *value, size_t len, char *out, size_t outsz)
{
	struct sha256 c;
	unsigned char inner[SHA256_LEN], pad[64], d[SHA256_LEN];
	char hex[2 * SHA256_LEN + 1];
	const char *name = kind_names[(unsigned)kind < REDACT_KIND_COUNT ? kind : REDACT_TOKEN];
	int i;

	/* HMAC-SHA256(key, kind ":" value), streamed to avoid a copy. */
	for (i = 0; i < 64; i++)
		pad[i] = (unsigned char)((i < REDACT_KEY_LEN ? r->key[i] : 0) ^ 0x36);
	sha256_init(&c);
	sha256_update(&c, pad, 64);
	sha256_update(&c, name, strlen(name));
	sha256_update(&c, ":", 1);
	sha256_update(&c, value, len);
	sha256_final(&c, inner);
	for (i = 0; i < 64; i++)
		pad[i] = (unsigned char)((i < REDACT_KEY_LEN ? r->key[i] : 0) ^ 0x5c);
	sha256_init(&c);
	sha256_update(&c, pad, 64);
	sha256_update(&c, inner, SHA256_LEN);
	sha256_final(&c, d);
	sha256_hex(d, hex);
	hex[10] = 0;
	snprintf(out, outsz, "%s-%s", name, hex);
	remember(r, kind, value, len, out);
	return out;
}

struct out {
	char *p;
	size_t n, cap;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (n > o->cap - o->n)
		n = o->cap - o->n;
	memcpy(o->p + o->n, s, n);
	o->n += n;
}

static void put_pseudo(struct redactor *r, struct out *o, enum redact_kind kind,
		       const char *s, size_t n)
{
	char p[64];

	redactor_pseudonym(r, kind, s, n, p, sizeof(p));
	put(o, p, strlen(p));
}

/* Names whose value is a secret, matched inside a key ("db_password",
 * "X-Api-Key", "client_secret"). */
static int secret_key(const char *s, size_t n)
{
	static const char *const keys[] = {
		"password", "passwd", "pwd", "secret", "token", "apikey", "api_key",
		"api-key", "access_key", "accesskey", "private_key", "credential",
		"authorization", "auth", "cookie", "session", "signature", NULL,
	};
	size_t i, k;

	for (k = 0; keys[k]; k++) {
		size_t kl = strlen(keys[k]);

		for (i = 0; i + kl <= n; i++)
			if (!strncasecmp(s + i, keys[k], kl))
				return 1;
	}
	return 0;
}

/* After a secret key at s[0..keylen): the separator and where the value
 * starts, or 0. Accepts key=v, key: v, "key":"v", key="v". */
static size_t secret_value_start(const char *s, size_t len, size_t keylen)
{
	size_t i = keylen;

	if (i < len && (s[i] == '"' || s[i] == '\''))
		i++;
	while (i < len && s[i] == ' ')
		i++;
	if (i >= len || (s[i] != '=' && s[i] != ':'))
		return 0;
	i++;
	while (i < len && s[i] == ' ')
		i++;
	if (i < len && (s[i] == '"' || s[i] == '\''))
		i++;
	return i < len ? i : 0;
}

static size_t secret_value_len(const char *s, size_t len)
{
	size_t n = 0;

	while (n < len && n < 4096 && s[n] != ' ' && s[n] != '"' && s[n] != '\'' &&
	       s[n] != '&' && s[n] != ',' && s[n] != ';' && s[n] != '\t' &&
	       s[n] != '\n' && s[n] != '}' && s[n] != ')')
		n++;
	return n;
}

/* "Authorization: Bearer X": the scheme stays, X goes. */
static int auth_scheme(const char *s, size_t n)
{
	return (n == 6 && !strncasecmp(s, "Bearer", 6)) || (n == 5 && !strncasecmp(s, "Basic", 5)) ||
	       (n == 5 && !strncasecmp(s, "Token", 5));
}

static size_t literal_at(struct redactor *r, const char *s, size_t len, enum redact_kind *kind)
{
	int i;

	for (i = 0; i < r->nliterals; i++) {
		struct literal *l = &r->literals[i];

		if (l->len <= len && !memcmp(s, l->s, l->len) &&
		    (l->len == len || !is_word((unsigned char)s[l->len]))) {
			*kind = l->kind;
			return l->len;
		}
	}
	return 0;
}

size_t redactor_apply(struct redactor *r, const char *in, size_t len, char *outbuf, size_t outsz)
{
	struct out o = { outbuf, 0, outsz ? outsz - 1 : 0 };
	size_t i = 0, m, v;
	enum redact_kind kind;

	if (!outsz)
		return 0;
	while (i < len && o.n < o.cap) {
		const char *s = in + i;
		size_t rest = len - i;
		unsigned char c = (unsigned char)*s;

		if (!textscan_boundary(in, i) || !(is_word(c) || c == '[' || c == ':')) {
			put(&o, s, 1);
			i++;
			continue;
		}
		if ((m = literal_at(r, s, rest, &kind))) {
			put_pseudo(r, &o, kind, s, m);
		} else if ((m = scan_uuid(s, rest))) {
			put_pseudo(r, &o, REDACT_TOKEN, s, m);
		} else if ((m = scan_email(s, rest))) {
			put_pseudo(r, &o, REDACT_EMAIL, s, m);
		} else if ((m = scan_ipv6(s, rest))) {
			/* Keep the port of "[addr]:port". */
			const char *rb = s[0] == '[' ? memchr(s, ']', m) : NULL;

			if (rb) {
				put(&o, "[", 1);
				put_pseudo(r, &o, REDACT_IP, s + 1, (size_t)(rb - s) - 1);
				put(&o, rb, m - (size_t)(rb - s));
			} else {
				put_pseudo(r, &o, REDACT_IP, s, m);
			}
		} else if ((m = scan_ipv4(s, rest))) {
			const char *colon = memchr(s, ':', m);
			size_t a = colon ? (size_t)(colon - s) : m;

			put_pseudo(r, &o, REDACT_IP, s, a);
			put(&o, s + a, m - a);
		} else if ((m = scan_hostname(s, rest))) {
			put_pseudo(r, &o, REDACT_HOST, s, m);
		} else if ((m = scan_token(s, rest))) {
			put_pseudo(r, &o, REDACT_TOKEN, s, m);
		} else if (is_word(c)) {
			/* A plain word; if it names a secret, its value goes. */
			size_t w = 0;

			while (w < rest && (is_word((unsigned char)s[w]) || s[w] == '-' || s[w] == '.'))
				w++;
			put(&o, s, w);
			m = w;
			if (secret_key(s, w) && (v = secret_value_start(s, rest, w))) {
				size_t vl = secret_value_len(s + v, rest - v);

				/* "<id>" is a fingerprint's mask, not a secret. */
				if (vl && s[v] != '<' && !auth_scheme(s + v, vl)) {
					put(&o, s + w, v - w);
					put_pseudo(r, &o, REDACT_TOKEN, s + v, vl);
					m = v + vl;
				}
			} else if (auth_scheme(s, w) && w + 1 < rest && s[w] == ' ') {
				size_t vl = secret_value_len(s + w + 1, rest - w - 1);

				if (vl) {
					put(&o, " ", 1);
					put_pseudo(r, &o, REDACT_TOKEN, s + w + 1, vl);
					m = w + 1 + vl;
				}
			}
		} else {
			put(&o, s, 1);
			m = 1;
		}
		i += m;
	}
	o.p[o.n] = 0;
	return o.n;
}

/* --- the capture-wide redactor -------------------------------------------- */

static struct redactor *global;
static int global_failed;

static int global_start(struct capture *cap)
{
	char path[4096], host[256];
	const char *map = cap->opts->redact_map;

	if (global)
		return 0;
	if (global_failed)
		return -1;
	if (!map) {
		const char *bundle = cap->opts->output;
		sqlite3_stmt *st;

		/* The default bundle name is chosen by main(); ask SQLite. */
		if (!bundle && cap->w && (st = writer_stmt(cap->w, "SELECT 1")))
			bundle = sqlite3_db_filename(sqlite3_db_handle(st), "main");
		snprintf(path, sizeof(path), "%s.redact-map.tsv",
			 bundle && *bundle ? bundle : "casefile");
		map = path;
	}
	global = redactor_new(map);
	if (!global) {
		global_failed = 1;
		return -1;
	}
	if (!gethostname(host, sizeof(host))) {
		host[sizeof(host) - 1] = 0;
		redactor_add_literal(global, REDACT_HOST, host);
	}
	return 0;
}

int capture_redact_start(struct capture *cap)
{
	if (!cap->opts->redact)
		return 0;
	return global_start(cap);
}

const char *capture_redact_map_path(void)
{
	return global ? global->map_path : NULL;
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
	if (global_start(cap) < 0) {
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
	if (global_start(cap) < 0) {
		snprintf(out, outsz, "[redaction failed]");
		return out;
	}
	return redactor_pseudonym(global, kind, value, strlen(value), out, outsz);
}

void capture_redact_release(void)
{
	redactor_free(global);
	global = NULL;
	global_failed = 0;
}
