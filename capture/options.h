/* casefile-capture's command line: one parser and one --help for the loop's
 * options (the table in options.c) and every source's (struct source's
 * .options), so an option is declared once, beside what reads it. */
#ifndef CASEFILE_CAPTURE_OPTIONS_H
#define CASEFILE_CAPTURE_OPTIONS_H

#include "capture.h"

#include <stdio.h>

/* Where --help lists an option of the loop's table (a source's options go
 * under "Sources", after the --no-SOURCE lines). */
enum capture_opt_section {
	CAPTURE_SEC_TARGET = 1,
	CAPTURE_SEC_TIME,
	CAPTURE_SEC_SOURCES,
	CAPTURE_SEC_BEHAVIOUR,
};

/* What capture_opts_parse() found: run a capture, or print and exit. */
enum {
	CAPTURE_OPTS_RUN = 0,
	CAPTURE_OPTS_HELP = 1,
	CAPTURE_OPTS_VERSION = 2,
};

/* The loop's options (NULL-terminated by an entry without name). */
extern const struct capture_option capture_loop_options[];

/* Parses ARGV into O, set up by capture_opts_init*() for its sources: every
 * option of the loop's table and of O's sources, and --no-SOURCE for each
 * source. ARGV is rewritten (--no-SOURCE taken out); the strings stored are
 * ARGV's. Then the checks that need several options, the loop's and each
 * source's (.check_opts). Returns CAPTURE_OPTS_RUN, _HELP or _VERSION, or
 * -1 after saying what is wrong. */
int capture_opts_parse(struct capture_opts *o, int argc, char **argv);

/* --help for O's sources into F. */
void capture_usage(FILE *f, const struct capture_opts *o);

/* The lines of --help that list options, from "Target:" to the last option
 * (what README.md's "Options" block shows). */
void capture_usage_options(FILE *f, const struct capture_opts *o);

/* The source of O's table named NAME, or NULL. */
const struct source *capture_find_source(const struct capture_opts *o, const char *name);

#endif
