/* The logs source's options (capture/logs/options.c), named in its
 * descriptor (capture/logs/logs.c). */
#ifndef CASEFILE_CAPTURE_LOGS_H
#define CASEFILE_CAPTURE_LOGS_H

#include "capture.h"

extern const struct capture_option logs_options[];

/* Defaults that depend on other options (--log-max-size: an eighth of
 * --max-size). Returns 0. */
int logs_check_opts(struct capture_opts *o);

#endif
