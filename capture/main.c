/* casefile-capture: records what a process is doing into one SQLite bundle.
 * main() resolves the targets and creates the bundle; the loop
 * (capture/loop.c) does the rest. Options: capture/options.c and each
 * source's table; the manifest: capture/manifest.c; the budgets:
 * capture/budget.c. */
#include "capture.h"

#include "budget.h"
#include "bundle.h"
#include "error.h"
#include "exitcodes.h"
#include "loop.h"
#include "manifest.h"
#include "options.h"
#include "parse.h"
#include "redact.h"
#include "targets.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Each --attach must name a regular file we can read: checked before the
 * bundle exists, so a typo or a FIFO ends the run at once (a FIFO is opened
 * without blocking, then refused). */
static int check_attachments(const struct capture_opts *o)
{
	int i;

	for (i = 0; i < o->nattach; i++) {
		struct stat st;
		int fd = open(o->attach[i], O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

		if (fd < 0)
			return error_errno("cannot attach '%s'", o->attach[i]);
		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
			close(fd);
			return error("cannot attach '%s': not a regular file", o->attach[i]);
		}
		close(fd);
	}
	return 0;
}

/* Options into O. Returns CAPTURE_OPTS_RUN to capture, or an exit code + 1
 * (the help, the version or the sources were printed; or a usage error). */
static int parse_command_line(struct capture_opts *o, int argc, char **argv)
{
	const struct source *const *s;
	char **args = malloc(sizeof(char *) * (size_t)(argc + 1));
	int rc;

	if (!args)
		die(CF_EXIT_INTERNAL, "out of memory");
	/* The parser rewrites --no-SOURCE entries; the manifest's copy stays
	 * intact. */
	memcpy(args, argv, sizeof(char *) * (size_t)(argc + 1));
	rc = capture_opts_parse(o, argc, args);
	free(args);
	if (rc < 0)
		return CF_EXIT_USAGE + 1;
	if (rc == CAPTURE_OPTS_HELP) {
		capture_usage(stdout, o);
		return CF_EXIT_OK + 1;
	}
	if (rc == CAPTURE_OPTS_VERSION) {
		printf("casefile-capture %s (bundle schema %d)\n", CASEFILE_VERSION, bundle_schema_version);
		return CF_EXIT_OK + 1;
	}
	error_set_verbosity(o->verbosity);
	if (o->list_sources) {
		for (s = o->sources; *s; s++)
			printf("%-10s %s%s\n", (*s)->name, (*s)->summary, (*s)->default_on ? "" : " (off by default)");
		return CF_EXIT_OK + 1;
	}
	if (!o->npids && !o->name_pattern) {
		error("no target: give --pid PID or --name PATTERN (see --help)");
		return CF_EXIT_USAGE + 1;
	}
	if (check_attachments(o))
		return CF_EXIT_USAGE + 1;
	return CAPTURE_OPTS_RUN;
}

/* The redaction map, the bundle, redaction's triggers, the size cap, in
 * that order. Returns 0, or an exit code after cleaning up what it made. */
static int create_bundle(struct capture *cap, const char *output)
{
	/* The map first: a bundle (or a --force replacement) without its map
	 * would be worse than no capture. */
	if (capture_redact_open_map(cap, output) < 0) {
		capture_redact_release();
		return CF_EXIT_IO;
	}
	cap->w = writer_create(output, cap->opts->force);
	if (!cap->w) {
		capture_redact_discard();
		return CF_EXIT_IO;
	}
	if (capture_redact_attach(cap, output) < 0) {
		/* Nothing recorded yet; never capture in the clear instead. */
		writer_close(cap->w, 0);
		unlink(output);
		capture_redact_discard();
		return CF_EXIT_IO;
	}
	if (writer_set_max_size(cap->w, cap->opts->max_size)) {
		/* Nothing recorded yet: leave no empty bundle behind. */
		writer_discard(cap->w);
		return CF_EXIT_USAGE;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct capture_opts opts;
	struct capture cap;
	struct loop l;
	char output[4096];
	int rc;

	error_set_prog("casefile-capture");
	capture_opts_init(&opts);
	opts.argc = argc;
	opts.argv = argv;
	if ((rc = parse_command_line(&opts, argc, argv)) != CAPTURE_OPTS_RUN)
		return rc - 1;

	memset(&cap, 0, sizeof(cap));
	cap.opts = &opts;
	if (targets_init(&cap) < 0) {
		targets_release(&cap.targets);
		return CF_EXIT_NO_TARGET;
	}
	if (capture_redact_init(&cap) < 0) {
		targets_release(&cap.targets);
		return CF_EXIT_INTERNAL;
	}
	if (opts.output)
		snprintf(output, sizeof(output), "%s", opts.output);
	else
		manifest_default_output(&cap, output, sizeof(output));
	loop_catch_signals();
	if ((rc = create_bundle(&cap, output)) != 0) {
		targets_release(&cap.targets);
		return rc;
	}
	budget_lower_priority(&opts);

	memset(&l, 0, sizeof(l));
	l.cap = &cap;
	l.output = output;
	l.show_progress = opts.progress == 1 || (opts.progress == -1 && opts.verbosity > 0 && isatty(2));
	cap.start_mono_us = now_mono_us();
	cap.tick_wall_us = now_wall_us();
	cap.tick_mono_us = cap.start_mono_us;
	if (loop_setup(&l) == 0) {
		if (opts.verbosity > 0 && !l.show_progress)
			info("capturing into '%s'", output);
		loop_run(&l);
	}
	rc = l.rc;
	if (cap.w && writer_close(cap.w, l.complete) && rc == CF_EXIT_OK)
		rc = CF_EXIT_IO;
	if (cap.failed_attach && rc == CF_EXIT_OK) {
		error("%d --attach file(s) could not be stored in '%s' (see its events)", cap.failed_attach, output);
		rc = CF_EXIT_IO;
	}
	if (rc == CF_EXIT_OK && opts.verbosity > 0)
		fprintf(stderr, "casefile-capture: wrote '%s' (%lld ticks, %s): %s\n", output,
			(long long)cap.tick, l.stop_reason, "read it with 'casefile-analyze summary'");
	if (capture_redact_map_path() && opts.verbosity > 0)
		fprintf(stderr, "casefile-capture: redaction map in '%s' (keep it private; it is not in the bundle)\n",
			capture_redact_map_path());
	capture_redact_release();
	targets_release(&cap.targets);
	loop_release(&l);
	return rc;
}
