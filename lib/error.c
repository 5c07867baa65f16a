#include "error.h"
#include "term.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *prog = "casefile";
static int verbosity = 1;
static error_hook_fn hook;

void error_set_prog(const char *p) { prog = p; }
void error_set_verbosity(int level) { verbosity = level; }
int error_verbosity(void) { return verbosity; }
void error_set_hook(error_hook_fn fn) { hook = fn; }

static void report(const char *level, const char *fmt, va_list ap, const char *suffix)
{
	char raw[1024], msg[1024];

	/* Messages quote file names, bundle objects and rule text: escaped, so
	 * a planted name cannot drive the terminal that reads stderr. */
	vsnprintf(raw, sizeof(raw), fmt, ap);
	if (level[0])
		term_escape(msg, sizeof(msg), raw);
	else
		term_escape_lines(msg, sizeof(msg), raw); /* info: multi-line logs */
	if (hook) {
		hook(level, msg);
		return;
	}
	if (level[0])
		fprintf(stderr, "%s: %s: %s%s%s\n", prog, level, msg,
			suffix ? ": " : "", suffix ? suffix : "");
	else
		fprintf(stderr, "%s: %s%s%s\n", prog, msg,
			suffix ? ": " : "", suffix ? suffix : "");
}

int error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report("error", fmt, ap, NULL);
	va_end(ap);
	return -1;
}

int error_errno(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	report("error", fmt, ap, strerror(saved));
	va_end(ap);
	errno = saved;
	return -1;
}

void warning(const char *fmt, ...)
{
	va_list ap;

	if (verbosity < 1)
		return;
	va_start(ap, fmt);
	report("warning", fmt, ap, NULL);
	va_end(ap);
}

void info(const char *fmt, ...)
{
	va_list ap;

	if (verbosity < 2)
		return;
	va_start(ap, fmt);
	report("", fmt, ap, NULL);
	va_end(ap);
}

void die(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report("fatal", fmt, ap, NULL);
	va_end(ap);
	exit(code);
}
