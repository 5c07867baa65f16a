/* Small helpers shared by the sample workloads (each sample is one .c file
 * built on its own; this header holds what they would otherwise repeat). */
#ifndef CASEFILE_SAMPLE_H
#define CASEFILE_SAMPLE_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

/* Set by SIGTERM/SIGINT once sample_on_signals() ran: loops check it. */
static volatile sig_atomic_t stop;

static inline void sample_stop(int sig)
{
	(void)sig;
	stop = 1;
}

/* SIGTERM and SIGINT set `stop`; a closed peer is an error, not a signal. */
static inline void sample_on_signals(void)
{
	signal(SIGTERM, sample_stop);
	signal(SIGINT, sample_stop);
	signal(SIGPIPE, SIG_IGN);
}

static inline long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A whole number option in [min, max], or exit 2 naming PROG and the option. */
static inline long opt_num_of(const char *prog, const char *s, long min, long max, const char *name)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end || v < min || v > max) {
		fprintf(stderr, "%s: invalid %s '%s'\n", prog, name, s);
		exit(2);
	}
	return v;
}

/* Parses a whole decimal number in [min, max]; 0, or -1 without printing. */
static inline int parse_long(const char *str, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(str, &end, 10);
	if (errno || end == str || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* The port a bound socket got: with port 0 the kernel picks a free one, which
 * is how tests running side by side avoid each other's ports. 0 on error. */
static inline long sample_bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0)
		return 0;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

#endif
