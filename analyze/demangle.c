/* A bounded demangler for the names of C++ functions in profiles (see
 * demangle.h). Grammar: the Itanium C++ ABI's <mangled-name>, of which it
 * writes the <name> part; template arguments and a lambda's signature are
 * skipped by a matcher that knows which codes open a scope closed by 'E'
 * and which are followed by a length, a number or a '_'. Any code it does
 * not know ends the attempt: the name stays mangled. */
#include "demangle.h"

#include <stdlib.h>
#include <string.h>

#define DEPTH_MAX 64

struct dm {
	const char *p, *end;
	char *out;
	size_t len, cap;
	int fail;
	const char *last;    /* the last source-name (a constructor's class) */
	size_t last_len;
};

static void put(struct dm *d, const char *s, size_t n)
{
	if (d->fail)
		return;
	if (d->len + n >= d->cap) {
		d->fail = 1;
		return;
	}
	memcpy(d->out + d->len, s, n);
	d->len += n;
	d->out[d->len] = '\0';
}

static void puts_(struct dm *d, const char *s)
{
	put(d, s, strlen(s));
}

static int peek(const struct dm *d, size_t k)
{
	return d->p + k < d->end ? (unsigned char)d->p[k] : 0;
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int is_lower(int c)
{
	return c >= 'a' && c <= 'z';
}

/* <number>: digits, at most 4 of them (no name or count in a real symbol
 * is longer than 9999). Returns -1 when there is none. */
static long number(struct dm *d)
{
	long n = 0;
	int k = 0;

	while (is_digit(peek(d, 0))) {
		if (++k > 4)
			return -1;
		n = n * 10 + (*d->p++ - '0');
	}
	return k ? n : -1;
}

/* <source-name> ::= <length> <identifier>; sets *s, *n. */
static int source_name(struct dm *d, const char **s, size_t *n)
{
	long len = number(d);

	if (len <= 0 || len > d->end - d->p)
		return -1;
	*s = d->p;
	*n = (size_t)len;
	d->p += len;
	return 0;
}

/* Skips a <seq-id> and its '_' (S_, S0_, SA_, T_, T3_). */
static int seq_id(struct dm *d)
{
	int k = 0;

	while ((is_digit(peek(d, 0)) || (peek(d, 0) >= 'A' && peek(d, 0) <= 'Z')) && k++ < 8)
		d->p++;
	if (peek(d, 0) != '_')
		return -1;
	d->p++;
	return 0;
}

/* Skips what follows an opener up to its closing 'E' (which it consumes):
 * template arguments, a nested name, a function type, an argument pack, a
 * literal, a local name. Expressions are not read (they hold numbers that
 * are not lengths): such a name stays mangled. */
static int skip_scope(struct dm *d, int depth)
{
	const char *s;
	size_t n;

	if (depth > DEPTH_MAX)
		return -1;
	while (d->p < d->end) {
		int c = peek(d, 0);

		if (c == 'E') {
			d->p++;
			return 0;
		}
		if (is_digit(c)) {
			if (source_name(d, &s, &n) < 0)
				return -1;
			continue;
		}
		d->p++;
		switch (c) {
		case 'I': case 'N': case 'F': case 'J': case 'Z':
			if (skip_scope(d, depth + 1) < 0)
				return -1;
			break;
		case 'L':
			if (peek(d, 0) == '_' && peek(d, 1) == 'Z') {
				d->p += 2;
				if (skip_scope(d, depth + 1) < 0)
					return -1;
				break;
			}
			/* L <builtin type> <value> E: the value is a number, not a length. */
			if (!is_lower(peek(d, 0)))
				return -1;
			d->p++;
			if (peek(d, 0) == 'n')
				d->p++;
			while (is_digit(peek(d, 0)) || (peek(d, 0) >= 'a' && peek(d, 0) <= 'f'))
				d->p++;
			if (peek(d, 0) != 'E')
				return -1;
			d->p++;
			break;
		case 'S':
			if (is_lower(peek(d, 0)))
				d->p++;
			else if (seq_id(d) < 0)
				return -1;
			break;
		case 'T':
			if (seq_id(d) < 0)
				return -1;
			break;
		case 'A':
			if (number(d) < 0 || peek(d, 0) != '_')
				return -1;
			d->p++;
			break;
		case 'D':
			c = peek(d, 0);
			d->p++;
			if (c == 'v' || c == 'F') {          /* Dv <number> _, DF <number> _ */
				if (number(d) < 0 || peek(d, 0) != '_')
					return -1;
				d->p++;
			} else if (!strchr("pnacsidfehu", c) || !c) {
				return -1;                   /* decltype and friends: expressions */
			}
			break;
		case 'U':
			if (peek(d, 0) == 'l') {
				d->p++;
				if (skip_scope(d, depth + 1) < 0)
					return -1;
				number(d);
				if (peek(d, 0) != '_')
					return -1;
				d->p++;
			} else if (peek(d, 0) == 't') {
				d->p++;
				number(d);
				if (peek(d, 0) != '_')
					return -1;
				d->p++;
			}                                    /* U <source-name>: a vendor qualifier */
			break;
		case 'P': case 'R': case 'O': case 'K': case 'V': case 'r': case 'C': case 'G': case 'M':
			break;
		default:
			if (!is_lower(c))                    /* X (expressions), W (modules), ... */
				return -1;
			if (c == 'u' && source_name(d, &s, &n) < 0)  /* a vendor builtin type */
				return -1;
			break;
		}
	}
	return -1;
}

struct op {
	char code[3];
	const char *name;
};

static const struct op ops[] = {
	{ "nw", "new" }, { "na", "new[]" }, { "dl", "delete" }, { "da", "delete[]" }, { "ps", "+" },
	{ "ng", "-" }, { "ad", "&" }, { "de", "*" }, { "co", "~" }, { "pl", "+" }, { "mi", "-" },
	{ "ml", "*" }, { "dv", "/" }, { "rm", "%" }, { "an", "&" }, { "or", "|" }, { "eo", "^" },
	{ "aS", "=" }, { "pL", "+=" }, { "mI", "-=" }, { "mL", "*=" }, { "dV", "/=" }, { "rM", "%=" },
	{ "aN", "&=" }, { "oR", "|=" }, { "eO", "^=" }, { "ls", "<<" }, { "rs", ">>" }, { "lS", "<<=" },
	{ "rS", ">>=" }, { "eq", "==" }, { "ne", "!=" }, { "lt", "<" }, { "gt", ">" }, { "le", "<=" },
	{ "ge", ">=" }, { "ss", "<=>" }, { "nt", "!" }, { "aa", "&&" }, { "oo", "||" }, { "pp", "++" },
	{ "mm", "--" }, { "cm", "," }, { "pm", "->*" }, { "pt", "->" }, { "cl", "()" }, { "ix", "[]" },
	{ "qu", "?" },
};

/* One <unqualified-name>, or a component of a nested name's prefix;
 * FIRST: no "::" before it. Returns 0, 1 at the nested name's 'E', -1. */
static int component(struct dm *d, int first, int depth)
{
	const char *s;
	size_t n, i;
	int c = peek(d, 0), c1 = peek(d, 1);

	if (c == 'L' && is_digit(c1))            /* internal linkage */
		c = *++d->p, c1 = peek(d, 1);
	if (is_digit(c)) {
		if (source_name(d, &s, &n) < 0)
			return -1;
		if (!first)
			puts_(d, "::");
		if (n >= 10 && !memcmp(s, "_GLOBAL__N", 10))
			puts_(d, "(anonymous namespace)");
		else
			put(d, s, n);
		d->last = s;
		d->last_len = n;
		return 0;
	}
	if (c == 'I') {                          /* template arguments of the name so far */
		d->p++;
		if (first || skip_scope(d, depth + 1) < 0)
			return -1;
		puts_(d, "<…>");
		return 0;
	}
	if (c == 'B') {                          /* an ABI tag */
		d->p++;
		if (source_name(d, &s, &n) < 0)
			return -1;
		puts_(d, "[abi:");
		put(d, s, n);
		puts_(d, "]");
		return 0;
	}
	if (c == 'S' && first) {
		static const struct { char c; const char *name; } std[] = {
			{ 't', "std" }, { 'a', "std::allocator" }, { 'b', "std::basic_string" },
			{ 's', "std::string" }, { 'i', "std::istream" }, { 'o', "std::ostream" },
			{ 'd', "std::iostream" },
		};

		for (i = 0; i < sizeof(std) / sizeof(std[0]); i++)
			if (c1 == std[i].c) {
				d->p += 2;
				puts_(d, std[i].name);
				return 0;
			}
		return -1;                       /* a substitution: not expanded */
	}
	if (first)
		goto unqualified;
	if (c == 'C' && c1 >= '1' && c1 <= '5') {   /* constructor: the class's name */
		d->p += 2;
		if (!d->last)
			return -1;
		puts_(d, "::");
		put(d, d->last, d->last_len);
		return 0;
	}
	if (c == 'D' && (c1 == '0' || c1 == '1' || c1 == '2' || c1 == '4' || c1 == '5')) {
		d->p += 2;
		if (!d->last)
			return -1;
		puts_(d, "::~");
		put(d, d->last, d->last_len);
		return 0;
	}
unqualified:
	if (c == 'U' && c1 == 'l') {             /* a lambda */
		long k;

		d->p += 2;
		if (skip_scope(d, depth + 1) < 0)
			return -1;
		k = number(d);
		if (peek(d, 0) != '_')
			return -1;
		d->p++;
		puts_(d, first ? "{lambda()#" : "::{lambda()#");
		{
			char buf[16];
			int m = 0;
			long v = k + 2;          /* "Ul...E_" is #1, "Ul...E0_" #2 */

			do
				buf[m++] = (char)('0' + v % 10);
			while ((v /= 10) && m < 15);
			while (m)
				put(d, &buf[--m], 1);
		}
		puts_(d, "}");
		return 0;
	}
	if (c == 'U' && c1 == 't') {
		d->p += 2;
		number(d);
		if (peek(d, 0) != '_')
			return -1;
		d->p++;
		puts_(d, first ? "{unnamed type}" : "::{unnamed type}");
		return 0;
	}
	if (is_lower(c) && c1) {
		if (c == 'l' && c1 == 'i') {         /* operator"" name */
			d->p += 2;
			if (source_name(d, &s, &n) < 0)
				return -1;
			puts_(d, first ? "operator\"\" " : "::operator\"\" ");
			put(d, s, n);
			return 0;
		}
		for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
			if (c == ops[i].code[0] && c1 == ops[i].code[1]) {
				d->p += 2;
				puts_(d, first ? "operator" : "::operator");
				puts_(d, ops[i].name);
				return 0;
			}
	}
	return -1;
}

/* <name>: a nested name (N ... E), a local name (Z <encoding> E <name>), or
 * an unscoped name with its template arguments. */
/* N [qualifiers] <component>+ E; FIRST: its first component opens the
 * name (else it follows a local name's scope, after "::"). */
static int nested(struct dm *d, int first, int depth)
{
	int n = 0;

	d->p++;
	while (peek(d, 0) == 'r' || peek(d, 0) == 'V' || peek(d, 0) == 'K')
		d->p++;
	if (peek(d, 0) == 'R' || peek(d, 0) == 'O')
		d->p++;
	while (d->p < d->end && peek(d, 0) != 'E') {
		if (component(d, first && n == 0, depth) < 0)
			return -1;
		n++;
	}
	if (peek(d, 0) != 'E' || !n)
		return -1;
	d->p++;
	return 0;
}

static int name(struct dm *d, int depth)
{
	if (depth > DEPTH_MAX)
		return -1;
	if (peek(d, 0) == 'N')
		return nested(d, 1, depth);
	if (peek(d, 0) == 'Z') {                 /* a name local to a function */
		d->p++;
		if (name(d, depth + 1) < 0 || skip_scope(d, depth + 1) < 0)
			return -1;
		if (peek(d, 0) == 's') {
			d->p++;
			puts_(d, "::string literal");
			return 0;
		}
		if (peek(d, 0) == 'd') {         /* a default argument's scope */
			d->p++;
			number(d);
			if (peek(d, 0) != '_')
				return -1;
			d->p++;
		}
		if (peek(d, 0) == 'N' ? nested(d, 0, depth + 1) < 0 : component(d, 0, depth) < 0)
			return -1;
		while (peek(d, 0) == '_')        /* discriminator: _N or __NN_ */
			d->p++;
		while (is_digit(peek(d, 0)))
			d->p++;
		if (peek(d, 0) == '_')
			d->p++;
		return 0;
	}
	if (peek(d, 0) == 'S' && peek(d, 1) == 't') {
		d->p += 2;
		puts_(d, "std::");
		if (!is_digit(peek(d, 0)))
			return -1;
		d->last = NULL;
		{
			const char *s;
			size_t n;

			if (source_name(d, &s, &n) < 0)
				return -1;
			put(d, s, n);
		}
	} else if (component(d, 1, depth) < 0) {
		return -1;
	}
	if (peek(d, 0) == 'I') {
		d->p++;
		if (skip_scope(d, depth + 1) < 0)
			return -1;
		puts_(d, "<…>");
	}
	return 0;
}

int demangle(const char *mangled, char *out, size_t len)
{
	struct dm d = { 0 };
	const char *dot;
	size_t n;

	if (!out || len == 0)
		return -1;
	out[0] = '\0';
	if (!mangled || strncmp(mangled, "_Z", 2))
		return -1;
	n = strnlen(mangled, DEMANGLE_IN_MAX + 1);
	if (n > DEMANGLE_IN_MAX)
		return -1;
	/* Clones (.cold, .isra.0, .constprop.1, .part.0) follow the symbol. */
	dot = memchr(mangled, '.', n);
	d.p = mangled + 2;
	d.end = dot ? dot : mangled + n;
	d.out = out;
	d.cap = len < DEMANGLE_OUT_MAX ? len : DEMANGLE_OUT_MAX;
	if (name(&d, 0) < 0 || d.fail || d.len == 0)
		goto fail;
	/* What follows the name is its parameter types (or, for a variable,
	 * nothing): not written, but it must be made of type codes. */
	if (d.p < d.end && !is_lower(peek(&d, 0)) && !is_digit(peek(&d, 0)) &&
	    !strchr("PRKVOSTNIFADLUMCG", peek(&d, 0)))
		goto fail;
	/* A mangled name is made of these; anything else is not one. */
	if (strspn(mangled, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_$.") != n)
		goto fail;
	if (dot) {
		puts_(&d, " [clone ");
		put(&d, dot, (size_t)(mangled + n - dot));
		puts_(&d, "]");
		if (d.fail)
			goto fail;
	}
	return 0;
fail:
	out[0] = '\0';
	return -1;
}

char *demangle_dup(const char *name)
{
	char buf[DEMANGLE_OUT_MAX];

	if (!name)
		return NULL;
	return strdup(demangle(name, buf, sizeof(buf)) == 0 ? buf : name);
}
