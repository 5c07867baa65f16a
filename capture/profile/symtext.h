/* Parsers of the text files that map addresses to code, for the profile
 * source: /proc/PID/maps (which object is mapped where), /proc/kallsyms
 * (kernel functions) and perf maps (/tmp/perf-PID.map, written by JITs:
 * Node --perf-basic-prof, JVM perf agents, Python 3.12 -X perf). Each takes
 * one line (BUF, LEN bytes, no newline needed, not NUL-terminated) and
 * returns 0 with the fields filled, or -1 for a line that is not one. A perf
 * map is written by the target: its lines are hostile input.
 */
#ifndef CASEFILE_SYMTEXT_H
#define CASEFILE_SYMTEXT_H

#include <stddef.h>
#include <stdint.h>

/* One line of /proc/PID/maps. PATH points into the line (PATHLEN bytes,
 * 0 for an anonymous mapping), "(deleted)" left on. */
struct maps_line {
	uint64_t start, end, pgoff;
	uint64_t inode;
	unsigned dev_major, dev_minor;
	int exec;                        /* 'x' in the permissions */
	const char *path;
	size_t pathlen;
};
int symtext_maps_line(const char *buf, size_t len, struct maps_line *out);

/* One line of /proc/kallsyms: "ffffffff81000000 T name [module]". Only text
 * symbols (t, T, w, W) are returned; others give 1. */
struct kallsyms_line {
	uint64_t addr;
	const char *name;
	size_t namelen;
	const char *module;              /* NULL for the kernel proper */
	size_t modlen;
};
int symtext_kallsyms_line(const char *buf, size_t len, struct kallsyms_line *out);

/* One line of a perf map: "START SIZE NAME", START and SIZE in hex with or
 * without 0x; NAME is the rest of the line (spaces allowed). */
struct perfmap_line {
	uint64_t start, size;
	const char *name;
	size_t namelen;
};
int symtext_perfmap_line(const char *buf, size_t len, struct perfmap_line *out);

/* Splits BUF (LEN bytes) into lines: calls FN for each complete line (ended
 * by '\n'), and returns the bytes consumed (a last line without its newline
 * is left for the next read). */
size_t symtext_lines(const char *buf, size_t len, void (*fn)(const char *line, size_t len, void *arg),
		     void *arg);

#endif
