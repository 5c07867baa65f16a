/* Escaping of text that came from a bundle (process names, command lines, log
 * lines, paths): it is attacker-controlled. Every writer escapes through here
 * (JSON: lib/json.c, the one JSON writer). */
#ifndef CASEFILE_ESCAPE_H
#define CASEFILE_ESCAPE_H

#include <stdio.h>

/* Writes s to f for a terminal: term_write() of lib/term.h (C0, DEL, C1 and
 * invalid UTF-8 shown as '?'), at most max bytes (0 = no limit; "..." marks
 * a cut). */
void fput_term(FILE *f, const char *s, size_t max);

/* Writes s for HTML text or attribute values (& < > " ' escaped). */
void fput_html(FILE *f, const char *s);

#endif
