#include "outfile.h"

#include "error.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_INPUTS 16

struct input {
	char *canon;          /* realpath of the input */
	dev_t dev;
	ino_t ino;
	int have_ino;
};

static struct input inputs[MAX_INPUTS];
static int ninputs;

static const char *const sidecars[] = { "", "-wal", "-shm", "-journal", NULL };

int outfile_is_stdout(const char *path)
{
	return !path || !strcmp(path, "-");
}

int outfile_add_input(const char *path)
{
	struct input *in;
	struct stat st;

	if (ninputs == MAX_INPUTS)
		return error("too many inputs (at most %d)", MAX_INPUTS);
	in = &inputs[ninputs];
	memset(in, 0, sizeof(*in));
	in->canon = realpath(path, NULL);
	if (stat(path, &st) == 0) {
		in->dev = st.st_dev;
		in->ino = st.st_ino;
		in->have_ino = 1;
	}
	ninputs++;
	return 0;
}

void outfile_clear_inputs(void)
{
	while (ninputs > 0)
		free(inputs[--ninputs].canon);
}

/* The canonical name PATH would have once created: its directory resolved,
 * then its last component (which may not exist yet). malloc'd or NULL. */
static char *canon_dest(const char *path)
{
	char *d = strdup(path), *b = strdup(path), *dir = NULL, *out = NULL;

	if (!d || !b)
		goto out;
	dir = realpath(dirname(d), NULL);
	if (dir && asprintf(&out, "%s/%s", strcmp(dir, "/") ? dir : "", basename(b)) < 0)
		out = NULL;
out:
	free(d);
	free(b);
	free(dir);
	return out;
}

/* -1 with a message when writing PATH would replace or feed an input. */
static int check_not_input(const char *path)
{
	struct stat st;
	char *dest;
	int i, k, rc = 0;

	/* stat follows links: a symlink (even a new name) to an input is the input. */
	if (stat(path, &st) == 0)
		for (i = 0; i < ninputs; i++)
			if (inputs[i].have_ino && inputs[i].dev == st.st_dev && inputs[i].ino == st.st_ino)
				return error("refusing to write '%s': it is an input of this command", path);
	dest = canon_dest(path);
	for (i = 0; dest && i < ninputs && !rc; i++) {
		size_t n = inputs[i].canon ? strlen(inputs[i].canon) : 0;

		for (k = 0; n && sidecars[k]; k++)
			if (!strncmp(dest, inputs[i].canon, n) && !strcmp(dest + n, sidecars[k])) {
				rc = error("refusing to write '%s': it is %s of this command", path,
					   k ? "the journal of an input" : "an input");
				break;
			}
	}
	free(dest);
	return rc;
}

int outfile_check(const char *path, int force)
{
	struct stat st;

	if (outfile_is_stdout(path))
		return 0;
	if (!*path)
		return error("empty output file name");
	if (check_not_input(path) < 0)
		return -1;
	if (lstat(path, &st) == 0) {
		struct stat target;

		if (!force)
			return error("'%s' exists (use --force to replace it)", path);
		/* rename() would replace a device node or a FIFO's directory
		 * entry (as root: /dev/null itself); only a regular file, or a
		 * link to one, is ever replaced. */
		if (stat(path, &target) != 0 || !S_ISREG(target.st_mode))
			return error("refusing to replace '%s': not a regular file (use - for standard output)",
				     path);
	} else if (errno != ENOENT) {
		return error_errno("cannot check '%s'", path);
	}
	return 0;
}

int outfile_open(struct outfile *o, const char *path, int force, mode_t mode)
{
	char *d = NULL, *b = NULL;
	mode_t mask;
	int fd;

	o->path = path;
	o->tmp = NULL;
	o->f = NULL;
	if (outfile_is_stdout(path)) {
		o->f = stdout;
		return 0;
	}
	if (outfile_check(path, force) < 0)
		return -1;
	d = strdup(path);
	b = strdup(path);
	if (!d || !b || asprintf(&o->tmp, "%s/.%s.tmpXXXXXX", dirname(d), basename(b)) < 0) {
		o->tmp = NULL;
		free(d);
		free(b);
		return error("out of memory");
	}
	free(d);
	free(b);
	fd = mkostemp(o->tmp, O_CLOEXEC);
	if (fd < 0) {
		error_errno("cannot create a temp file for '%s'", path);
		free(o->tmp);
		o->tmp = NULL;
		return -1;
	}
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, mode & ~mask) < 0 || !(o->f = fdopen(fd, "w"))) {
		error_errno("cannot write '%s'", o->tmp);
		close(fd);
		unlink(o->tmp);
		free(o->tmp);
		o->tmp = NULL;
		return -1;
	}
	return 0;
}

int outfile_commit(struct outfile *o)
{
	const char *step = "write";
	char *d;
	int fd;

	if (!o->f)
		return error("internal error: output '%s' is not open", o->path ? o->path : "-");
	if (!o->tmp) {
		o->f = NULL;
		if (fflush(stdout) != 0 || ferror(stdout))
			return error_errno("cannot write to standard output");
		return 0;
	}
	/* Rename only a complete file: the destination changes atomically, or
	 * not at all when the disk is full. */
	if (fflush(o->f) != 0 || ferror(o->f))
		goto fail;
	step = "fsync";
	if (fsync(fileno(o->f)) != 0)
		goto fail;
	step = "close";
	fd = fclose(o->f);
	o->f = NULL;
	if (fd != 0)
		goto fail;
	step = "rename";
	if (rename(o->tmp, o->path) != 0)
		goto fail;
	free(o->tmp);
	o->tmp = NULL;
	/* The new name is durable once its directory is. */
	if ((d = strdup(o->path))) {
		fd = open(dirname(d), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0) {
			fsync(fd);
			close(fd);
		}
		free(d);
	}
	return 0;
fail:
	error_errno("cannot write '%s' (%s)", o->path, step);
	outfile_abort(o);
	return -1;
}

void outfile_abort(struct outfile *o)
{
	if (o->f && o->f != stdout)
		fclose(o->f);
	o->f = NULL;
	if (o->tmp) {
		unlink(o->tmp);
		free(o->tmp);
		o->tmp = NULL;
	}
}
