#include "fingerprint.h"

#include <string.h>

#include "textscan.h"

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static int is_alpha(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
static int is_alnum(unsigned char c) { return is_digit(c) || is_alpha(c); }

struct out {
	char *p;
	size_t n, cap;   /* cap excludes the NUL */
};

static void put(struct out *o, const char *s, size_t n)
{
	if (n > o->cap - o->n)
		n = o->cap - o->n;
	memcpy(o->p + o->n, s, n);
	o->n += n;
}

static void putc1(struct out *o, char c)
{
	if (o->n < o->cap)
		o->p[o->n++] = c;
}

/* A quoted value: the closing quote must be followed by a non-word byte so
 * that apostrophes ("can't") do not open a quote spanning the message. */
static size_t quoted(const char *s, size_t len)
{
	char q = s[0];
	size_t i;

	for (i = 1; i < len && i < 512; i++) {
		if (s[i] == '\\' && q != '\'') {
			i++;
			continue;
		}
		if (s[i] == q) {
			if (i + 1 < len && is_alnum((unsigned char)s[i + 1]))
				return 0;
			return i + 1;
		}
	}
	return 0;
}

size_t fingerprint_mask(const char *msg, size_t len, char *outbuf, size_t outsz)
{
	struct out o = { outbuf, 0, outsz ? outsz - 1 : 0 };
	size_t i = 0, m;

	if (!outsz)
		return 0;
	if (len > FINGERPRINT_INPUT_MAX)
		len = FINGERPRINT_INPUT_MAX;
	while (i < len && o.n < o.cap) {
		unsigned char c = (unsigned char)msg[i];
		const char *s = msg + i;
		size_t rest = len - i;

		if (c <= ' ' || c == 0x7f) {
			/* Collapse whitespace and control bytes; drop leading ones. */
			if (o.n && o.p[o.n - 1] != ' ')
				putc1(&o, ' ');
			i++;
			continue;
		}
		if (!textscan_boundary(msg, i)) {
			putc1(&o, (char)c);
			i++;
			continue;
		}
		if ((c == '"' || c == '\'' || c == '`') && (m = quoted(s, rest))) {
			putc1(&o, (char)c);
			putc1(&o, '*');
			putc1(&o, (char)c);
			i += m;
			continue;
		}
		if ((m = scan_uuid(s, rest))) {
			put(&o, "<uuid>", 6);
		} else if ((m = scan_email(s, rest))) {
			put(&o, "<email>", 7);
		} else if ((m = scan_ipv6(s, rest)) || (m = scan_ipv4(s, rest))) {
			put(&o, "<ip>", 4);
		} else if ((m = scan_hex0x(s, rest)) || (m = scan_hexrun(s, rest, 8))) {
			put(&o, "<hex>", 5);
		} else if (is_alnum(c)) {
			size_t w = 0, digits = 0;

			size_t upper = 0;

			while (w < rest && (is_alnum((unsigned char)s[w]) || s[w] == '_')) {
				digits += is_digit((unsigned char)s[w]);
				upper += s[w] >= 'A' && s[w] <= 'Z';
				w++;
			}
			if (!digits && ((w >= 12 && upper * 4 >= w && upper < w - 2) ||
					(i && msg[i - 1] == '=' && w >= 8 && upper >= 2 && w - upper >= 2))) {
				/* Random letters: many capitals ("ptzVujTeHHdzHSTf",
				 * not "IllegalStateException"), or a mixed-case value
				 * of key=value ("token=spniwVisdMZdhTw"). */
				put(&o, "<id>", 4);
				m = w;
			} else if (!digits) {
				put(&o, s, w);
				m = w;
			} else if (digits == w || (is_digit(c) && w - digits <= 2)) {
				/* A number, possibly with a unit ("250ms", "3s"). */
				size_t k = 0;

				while (k < w && is_digit((unsigned char)s[k]))
					k++;
				put(&o, "<n>", 3);
				put(&o, s + k, w - k);
				m = w;
			} else if (w >= 10) {
				put(&o, "<id>", 4);
				m = w;
			} else {
				/* Short word with digits ("user42", "http2"): mask the
				 * digit runs, keep the letters. */
				size_t k = 0;

				while (k < w) {
					if (is_digit((unsigned char)s[k])) {
						while (k < w && is_digit((unsigned char)s[k]))
							k++;
						put(&o, "<n>", 3);
					} else {
						putc1(&o, s[k++]);
					}
				}
				m = w;
			}
			/* A decimal fraction belongs to its number. */
			if (digits == w && m + 1 < rest && s[m] == '.' && is_digit((unsigned char)s[m + 1])) {
				size_t u;

				m++;
				while (m < rest && is_digit((unsigned char)s[m]))
					m++;
				for (u = m; u < rest && is_alpha((unsigned char)s[u]); u++)
					;
				put(&o, s + m, u - m);
				m = u;
			}
		} else {
			put(&o, s, 1);
			m = 1;
		}
		i += m;
	}
	while (o.n && o.p[o.n - 1] == ' ')
		o.n--;
	o.p[o.n] = 0;
	return o.n;
}

uint64_t fingerprint_hash(const void *buf, size_t len, uint64_t seed)
{
	const unsigned char *p = buf;
	uint64_t h = seed;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	/* FNV's low bits mix poorly; a splitmix finaliser spreads them for the
	 * hash table that uses them. */
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return h;
}

void fingerprint_compute(struct fingerprint *fp, const char *msg, size_t len, int level)
{
	unsigned char lv = (unsigned char)level;

	fp->len = fingerprint_mask(msg, len, fp->text, sizeof(fp->text));
	fp->hash = fingerprint_hash(fp->text, fp->len, fingerprint_hash(&lv, 1, FINGERPRINT_SEED));
}
