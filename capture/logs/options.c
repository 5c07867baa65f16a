/* The logs source's options: --log, --log-format, --log-since,
 * --log-max-size. Kept apart from logs.c, which follows the files. */
#include "logs.h"

#include "error.h"

static int set_log(struct capture_opts *o, void *own, const char *arg)
{
	(void)own;
	if (o->nlogs == CAPTURE_MAX_LIST)
		return error("too many --log (at most %d)", CAPTURE_MAX_LIST);
	o->logs[o->nlogs++] = arg;
	return 0;
}

static const char *const log_formats[] = { "auto", "json", "docker", "cri", "plain", NULL };

const struct capture_option logs_options[] = {
	{ .name = "log", .arg = "FILE", .help = "logs: follow FILE (repeatable; globs allowed)",
	  .kind = CAPTURE_OPT_CUSTOM, .set = set_log },
	{ .name = "log-format", .arg = "FMT", .help = "logs: auto (default), json, docker, cri, plain",
	  .kind = CAPTURE_OPT_CHOICE, .choices = log_formats, .offset = offsetof(struct capture_opts, log_format),
	  .def = "auto", .want = "auto, json, docker, cri or plain" },
	{ .name = "log-since", .arg = "DUR", .help = "logs: include the last DUR of history",
	  .kind = CAPTURE_OPT_DURATION, .offset = offsetof(struct capture_opts, log_since_us),
	  .want = "a duration" },
	{ .name = "log-max-size", .arg = "SIZE",
	  .help = "logs: share of --max-size for messages, examples and\n"
		  "per-message counts (default an eighth); past it only counts\n"
		  "by file and level are kept, so a burst cannot end the capture",
	  .kind = CAPTURE_OPT_SIZE, .offset = offsetof(struct capture_opts, log_max_size),
	  .want = "a size (e.g. 10M)" },
	{ .name = NULL },
};

int logs_check_opts(struct capture_opts *o)
{
	if (!o->log_max_size)
		o->log_max_size = o->max_size / 8;
	return 0;
}
