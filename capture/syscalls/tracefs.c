/* Finding tracefs and reading tracepoint descriptions (ids, field offsets). */
#include "tracefs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

int tracefs_open(struct capture *cap, struct tracefs *t, const char *group, const char *event,
		 char *why, size_t len)
{
	static const char *const dirs[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
	size_t i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		capture_path(cap, t->dir, sizeof(t->dir), "%s", dirs[i]);
		if (tracefs_tracepoint_id(t->dir, group, event) >= 0) {
			snprintf(t->name, sizeof(t->name), "%s", dirs[i]);
			return 0;
		}
	}
	/* Never mount anything under a fixture root. */
	if (*cap->opts->root) {
		snprintf(why, len, "no %s tracepoints in tracefs (not found)", group);
		return -1;
	}
	if (mount("nodev", "/sys/kernel/tracing", "tracefs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
		snprintf(why, len, "tracefs is not mounted and mounting it at /sys/kernel/tracing failed: %s",
			 strerror(errno));
		return -1;
	}
	t->mounted = 1;
	snprintf(t->dir, sizeof(t->dir), "/sys/kernel/tracing");
	snprintf(t->name, sizeof(t->name), "/sys/kernel/tracing");
	if (tracefs_tracepoint_id(t->dir, group, event) < 0) {
		snprintf(why, len, "no %s tracepoints in tracefs (%s)", group, t->name);
		tracefs_done(t);
		return -1;
	}
	return 0;
}

void tracefs_done(struct tracefs *t)
{
	if (t->mounted == 1 && umount2("/sys/kernel/tracing", MNT_DETACH) == 0)
		t->mounted = 2;
}

long tracefs_tracepoint_id(const char *dir, const char *group, const char *name)
{
	char path[PATH_MAX], buf[32];
	long id;
	char *end;
	FILE *f;

	snprintf(path, sizeof(path), "%s/events/%s/%s/id", dir, group, name);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	errno = 0;
	id = strtol(buf, &end, 10);
	if (errno || end == buf || (*end && *end != '\n') || id < 0 || id > 65535)
		return -1;
	return id;
}

/* Reads "KEY:NUMBER;" at S (up to E); returns the number or -1. */
static long key_number(const char *s, const char *e, const char *key)
{
	size_t k = strlen(key);
	long v = 0;
	int digits = 0;

	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	if ((size_t)(e - s) < k || memcmp(s, key, k))
		return -1;
	for (s += k; s < e && *s >= '0' && *s <= '9'; s++, digits++) {
		if (v > 1000000)
			return -1;
		v = v * 10 + (*s - '0');
	}
	return digits && s < e && *s == ';' ? v : -1;
}

static int is_ident(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

int tracefs_parse_field(const char *buf, size_t len, const char *field, struct tracefs_field *out)
{
	const char *p = buf, *end = buf + len;
	size_t flen = strlen(field);

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *s = p, *decl_end, *name_end, *name;
		long off, size, sgn;

		if (!eol)
			eol = end;
		p = eol < end ? eol + 1 : end;
		while (s < eol && (*s == ' ' || *s == '\t'))
			s++;
		if ((size_t)(eol - s) < 6 || memcmp(s, "field:", 6))
			continue;
		s += 6;
		decl_end = memchr(s, ';', (size_t)(eol - s));
		if (!decl_end)
			continue;
		/* The name is the declaration's last identifier, before any
		 * array bounds: "char comm[16]" names comm. */
		name_end = decl_end;
		if (name_end > s && name_end[-1] == ']') {
			while (name_end > s && *name_end != '[')
				name_end--;
			if (name_end == s)
				continue;
		}
		name = name_end;
		while (name > s && is_ident(name[-1]))
			name--;
		if ((size_t)(name_end - name) != flen || memcmp(name, field, flen))
			continue;
		s = decl_end + 1;
		off = key_number(s, eol, "offset:");
		s = memchr(s, ';', (size_t)(eol - s));
		if (off < 0 || !s)
			return -1;
		size = key_number(s + 1, eol, "size:");
		s = memchr(s + 1, ';', (size_t)(eol - s - 1));
		if (size <= 0 || !s)
			return -1;
		sgn = key_number(s + 1, eol, "signed:");
		out->offset = (unsigned)off;
		out->size = (unsigned)size;
		out->is_signed = sgn > 0;
		return 0;
	}
	return -1;
}

int tracefs_field(const char *dir, const char *group, const char *name, const char *field,
		  struct tracefs_field *out)
{
	char path[PATH_MAX], buf[8192];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/events/%s/%s/format", dir, group, name);
	f = fopen(path, "re");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	return tracefs_parse_field(buf, n, field, out);
}
