/* Error reporting shared by both binaries.
 *
 * Library code never exits: it reports with error()/error_errno() and returns
 * -1 (or a negative errno-style code) up to the top level, which decides the
 * exit code (see exitcodes.h). Messages follow git's style: lowercase, no final
 * period, the failing step first, the subject in quotes:
 *     return error_errno("cannot open '%s'", path);
 */
#ifndef CASEFILE_ERROR_H
#define CASEFILE_ERROR_H

#include <stdarg.h>

#define CF_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* The program name printed before every message ("casefile-capture"). */
void error_set_prog(const char *prog);

/* Verbosity: 0 quiet (errors only), 1 normal (warnings), 2 verbose (info). */
void error_set_verbosity(int level);
int error_verbosity(void);

/* Prints "PROG: error: MSG" to stderr and returns -1. */
int error(const char *fmt, ...) CF_PRINTF(1, 2);
/* Same, with ": strerror(errno)" appended; errno is preserved. */
int error_errno(const char *fmt, ...) CF_PRINTF(1, 2);
/* "PROG: warning: MSG" unless quiet. */
void warning(const char *fmt, ...) CF_PRINTF(1, 2);
/* "PROG: MSG" only when verbose. */
void info(const char *fmt, ...) CF_PRINTF(1, 2);
/* Prints "PROG: fatal: MSG" and exits with code. Top level only. */
void die(int code, const char *fmt, ...) CF_PRINTF(2, 3) __attribute__((noreturn));

/* Optional hook that receives every error message (used by tests). */
typedef void (*error_hook_fn)(const char *level, const char *msg);
void error_set_hook(error_hook_fn fn);

#endif
