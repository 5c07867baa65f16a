/* Exit codes of both binaries, documented in README.md ("Exit codes"). */
#ifndef CASEFILE_EXITCODES_H
#define CASEFILE_EXITCODES_H

enum cf_exit {
	CF_EXIT_OK = 0,          /* success; for analyze: no finding at or above --fail-on */
	CF_EXIT_FINDINGS = 1,    /* analyze: findings at or above --fail-on were found */
	CF_EXIT_USAGE = 2,       /* bad command line */
	CF_EXIT_BAD_BUNDLE = 3,  /* not a bundle, truncated, corrupt, or foreign */
	CF_EXIT_NEWER_BUNDLE = 4,/* bundle written by a newer schema version */
	CF_EXIT_NO_TARGET = 5,   /* capture: no process matched, or target gone at start */
	CF_EXIT_IO = 6,          /* cannot write output (disk full, permission) */
	CF_EXIT_BAD_RULES = 7,   /* malformed rule pack */
	CF_EXIT_INTERNAL = 70,   /* a bug: please report */
};

#endif
