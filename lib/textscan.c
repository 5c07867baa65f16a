#include "textscan.h"

#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

/* Locale-free classes: log text is bytes, and isalpha() under a UTF-8 locale
 * would be both slower and unpredictable on invalid sequences. */
static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static int is_alpha(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
static int is_alnum(unsigned char c) { return is_digit(c) || is_alpha(c); }
static int is_hex(unsigned char c) { return is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f'); }
static int is_word(unsigned char c) { return is_alnum(c) || c == '_'; }

int textscan_boundary(const char *s, size_t at)
{
	return at == 0 || !is_word((unsigned char)s[at - 1]);
}

/* After a match of n bytes, the next byte must not continue a word. */
static int ends_word(const char *s, size_t len, size_t n)
{
	return n >= len || !is_word((unsigned char)s[n]);
}

static size_t hex_span(const char *s, size_t len, size_t max)
{
	size_t n = 0;

	while (n < len && n < max && is_hex((unsigned char)s[n]))
		n++;
	return n;
}

size_t scan_uuid(const char *s, size_t len)
{
	static const size_t groups[] = { 8, 4, 4, 4, 12 };
	size_t i, n = 0;

	for (i = 0; i < 5; i++) {
		if (i) {
			if (n >= len || s[n] != '-')
				return 0;
			n++;
		}
		if (hex_span(s + n, len - n, groups[i]) != groups[i])
			return 0;
		n += groups[i];
	}
	return ends_word(s, len, n) ? n : 0;
}

static size_t port_suffix(const char *s, size_t len, size_t n)
{
	size_t d = 0;

	if (n < len && s[n] == ':') {
		while (n + 1 + d < len && d < 5 && is_digit((unsigned char)s[n + 1 + d]))
			d++;
		if (d && ends_word(s, len, n + 1 + d))
			return n + 1 + d;
	}
	return n;
}

size_t scan_ipv4(const char *s, size_t len)
{
	size_t n = 0;
	int part;

	for (part = 0; part < 4; part++) {
		unsigned v = 0, d = 0;

		if (part) {
			if (n >= len || s[n] != '.')
				return 0;
			n++;
		}
		while (n < len && d < 3 && is_digit((unsigned char)s[n])) {
			v = v * 10 + (unsigned)(s[n] - '0');
			n++, d++;
		}
		if (!d || v > 255)
			return 0;
	}
	/* "1.2.3.4.5" is a version or an OID, not an address. */
	if (n < len && (is_word((unsigned char)s[n]) ||
			(s[n] == '.' && n + 1 < len && is_digit((unsigned char)s[n + 1]))))
		return 0;
	return port_suffix(s, len, n);
}

size_t scan_ipv6(const char *s, size_t len)
{
	char tmp[64];
	size_t n = 0, start = 0, end, colons = 0;
	int bracket = 0, dbl = 0;
	unsigned char addr[16];

	if (len && s[0] == '[') {
		bracket = 1;
		start = n = 1;
	}
	while (n < len && n - start < 46 &&
	       (is_hex((unsigned char)s[n]) || s[n] == ':' || s[n] == '.')) {
		if (s[n] == ':') {
			colons++;
			if (n > start && s[n - 1] == ':')
				dbl = 1;
		}
		n++;
	}
	/* A trailing single ':' belongs to the text ("addr ::1: refused"), not
	 * to the address, unless it is the "::" shorthand. */
	while (n > start && (s[n - 1] == '.' ||
			     (s[n - 1] == ':' && !(n - start >= 2 && s[n - 2] == ':'))))
		n--, colons -= (s[n] == ':');
	end = n;
	if (colons < 2 || (!dbl && colons < 5) || end - start >= sizeof(tmp))
		return 0;
	memcpy(tmp, s + start, end - start);
	tmp[end - start] = 0;
	if (inet_pton(AF_INET6, tmp, addr) != 1)
		return 0;
	if (n < len && s[n] == '%') {
		size_t z = n + 1;

		while (z < len && z - n < 16 && is_word((unsigned char)s[z]))
			z++;
		if (z > n + 1)
			n = z;
	}
	if (bracket) {
		if (n >= len || s[n] != ']')
			return 0;
		return port_suffix(s, len, n + 1);
	}
	if (n < len && is_word((unsigned char)s[n]))
		return 0;
	return n;
}

static int is_email_local(unsigned char c)
{
	return is_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}

/* Labels of a DNS name from s; returns its length and the number of labels,
 * and where the last label starts. */
static size_t dns_name(const char *s, size_t len, int *labels, size_t *last)
{
	size_t n = 0, lab = 0;

	*labels = 0;
	*last = 0;
	for (;;) {
		size_t l = 0;

		while (n + l < len && l < 64 && (is_alnum((unsigned char)s[n + l]) || s[n + l] == '-'))
			l++;
		if (!l || l > 63 || s[n] == '-' || s[n + l - 1] == '-')
			break;
		lab = n;
		n += l;
		(*labels)++;
		if (n + 1 < len && s[n] == '.' && (is_alnum((unsigned char)s[n + 1])))
			n++;
		else
			break;
	}
	if (*labels && n && s[n - 1] == '.')
		n--;
	*last = lab;
	return *labels ? n : 0;
}

static int last_label_alpha(const char *s, size_t from, size_t to)
{
	size_t i;

	if (to - from < 2)
		return 0;
	for (i = from; i < to; i++)
		if (!is_alpha((unsigned char)s[i]))
			return 0;
	return 1;
}

size_t scan_email(const char *s, size_t len)
{
	size_t n = 0, dn, last;
	int labels;

	while (n < len && n < 64 && is_email_local((unsigned char)s[n]))
		n++;
	if (!n || n >= len || s[n] != '@' || s[0] == '.')
		return 0;
	n++;
	dn = dns_name(s + n, len - n, &labels, &last);
	if (labels < 2 || !last_label_alpha(s + n, last, dn))
		return 0;
	return ends_word(s, len, n + dn) ? n + dn : 0;
}

size_t scan_hex0x(const char *s, size_t len)
{
	size_t h;

	if (len < 3 || s[0] != '0' || (s[1] | 0x20) != 'x')
		return 0;
	h = hex_span(s + 2, len - 2, 64);
	if (!h || !ends_word(s, len, 2 + h))
		return 0;
	return 2 + h;
}

size_t scan_hexrun(const char *s, size_t len, size_t minlen)
{
	size_t n = hex_span(s, len, 256), i;

	if (n < minlen || !ends_word(s, len, n))
		return 0;
	for (i = 0; i < n; i++)
		if (is_digit((unsigned char)s[i]))
			return n;
	return 0;
}

static int known_tld(const char *s, size_t n)
{
	static const char *const tlds[] = {
		"com", "net", "org", "io", "dev", "local", "internal", "localdomain",
		"lan", "corp", "cloud", "svc", "cluster", "edu", "gov", "info", "biz",
		"co", "uk", "de", "fr", "us", "eu", "app", "ai", "me", "host", "intra",
		"example", "test", "invalid", "arpa", "home", "intranet", "private",
		"prod", "staging", "consul", "nl", "ca", "jp", "cn", "ru", "br", "in",
		"au", "ch", "se", "no", "es", "it", "pl", "tech", "site", "online", NULL,
	};
	int i;

	for (i = 0; tlds[i]; i++)
		if (strlen(tlds[i]) == n && !strncasecmp(s, tlds[i], n))
			return 1;
	return 0;
}

/* Common file extensions and language words that look like a last label. */
static int file_suffix(const char *s, size_t n)
{
	static const char *const ext[] = {
		"txt", "log", "json", "yaml", "yml", "js", "mjs", "cjs", "ts", "java",
		"py", "go", "rb", "rs", "php", "conf", "cfg", "ini", "xml", "html",
		"htm", "so", "sh", "md", "csv", "gz", "zip", "tar", "pem", "crt",
		"key", "sql", "db", "jar", "class", "lock", "pid", "sock", "tmp",
		"bak", "png", "jpg", "svg", "css", "map", "node", "exe", "dll", "c",
		"h", "cc", "cpp", "hpp", "kt", "scala", "swift", "toml", "env",
		"service", "socket", "timer", "mount", "slice", "scope", NULL,
	};
	int i;

	for (i = 0; ext[i]; i++)
		if (strlen(ext[i]) == n && !strncasecmp(s, ext[i], n))
			return 1;
	return 0;
}

size_t scan_hostname(const char *s, size_t len)
{
	size_t n, last;
	int labels;

	size_t i;
	int upper = 0, lower = 0;

	n = dns_name(s, len, &labels, &last);
	if (labels < 2 || !last_label_alpha(s, last, n) || file_suffix(s + last, n - last) ||
	    !known_tld(s + last, n - last))
		return 0;
	/* Mixed case is code ("com.example.Pool.take"), not a DNS name. */
	for (i = 0; i < n; i++) {
		upper |= s[i] >= 'A' && s[i] <= 'Z';
		lower |= s[i] >= 'a' && s[i] <= 'z';
	}
	if (upper && lower)
		return 0;
	/* "host.example.com:8080" keeps its port outside the name. */
	if (n < len && (is_word((unsigned char)s[n]) || s[n] == '@'))
		return 0;
	return n;
}

static int is_token_char(unsigned char c)
{
	/* No '/': paths ("/usr/lib/x86_64-linux-gnu") would pass for tokens. */
	return is_alnum(c) || c == '+' || c == '=' || c == '_' || c == '-' || c == '.';
}

size_t scan_token(const char *s, size_t len)
{
	size_t n = 0;
	int digits = 0, upper = 0, lower = 0;

	while (n < len && n < 4096 && is_token_char((unsigned char)s[n])) {
		unsigned char c = (unsigned char)s[n];

		/* '=' only as base64 padding: "key=value" is two things. */
		if (c == '=' && n + 1 < len && s[n + 1] != '=' && is_token_char((unsigned char)s[n + 1]))
			break;

		digits += is_digit(c);
		upper += (c >= 'A' && c <= 'Z');
		lower += (c >= 'a' && c <= 'z');
		n++;
	}
	/* Trailing punctuation belongs to the sentence. */
	while (n && (s[n - 1] == '.' || s[n - 1] == '-'))
		n--;
	if (n < 16 || !digits || !(upper + lower))
		return 0;
	/* Random strings mix all three classes; hex keys are all hex; words
	 * joined with digits ("x86_64-linux-gnu") are neither. */
	if (!(upper && lower) && hex_span(s, n, n) != n && n < 32)
		return 0;
	return n;
}
