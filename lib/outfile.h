/* Every file casefile-analyze writes goes through here: a temp file in the
 * destination's directory (O_EXCL, never through a link), fsync, rename over
 * the destination. The destination changes only when the output is complete,
 * never when it is one of the inputs, and never when it exists unless the
 * user said --force. "-" is standard output. */
#ifndef CASEFILE_OUTFILE_H
#define CASEFILE_OUTFILE_H

#include <stdio.h>
#include <sys/types.h>

struct outfile {
	const char *path;   /* the destination as given; NULL or "-": stdout */
	char *tmp;          /* the temp file being written (malloc'd), NULL for stdout */
	FILE *f;            /* write here */
};

#define OUTFILE_INIT { NULL, NULL, NULL }

/* Remembers PATH as an input of this run: outfile_open() then refuses a
 * destination that is PATH (the same file by device and inode, through any
 * symlink or hard link) or one of the files SQLite keeps beside it
 * (PATH-wal, PATH-shm, PATH-journal). Up to 16 inputs. Returns 0 or -1. */
int outfile_add_input(const char *path);
/* Forgets every input (tests). */
void outfile_clear_inputs(void);

/* Checks PATH as a destination and opens a temp file beside it, mode MODE
 * (less the umask). Refused, with a message naming PATH: an input, an
 * existing file without FORCE, anything but a regular file (a directory,
 * device, FIFO; "-" is the way to standard output). Returns 0 with O->f
 * ready, or -1. */
int outfile_open(struct outfile *o, const char *path, int force, mode_t mode);

/* The checks of outfile_open() alone, to refuse a destination before any
 * work. Returns 0 or -1 with a message. */
int outfile_check(const char *path, int force);

/* Flushes, fsyncs, closes and renames the temp file over the destination
 * (stdout: flushes and checks for a write error). Returns 0, or -1 with a
 * message naming the destination and the failing step; the temp file is
 * removed and the destination left as it was. */
int outfile_commit(struct outfile *o);

/* Drops an unfinished output: closes and removes the temp file. Safe to call
 * after outfile_commit or on an OUTFILE_INIT struct. */
void outfile_abort(struct outfile *o);

/* Whether PATH is standard output ("-" or NULL). */
int outfile_is_stdout(const char *path);

#endif
