/* logspam: a sample workload that logs errors at a steady rate, like the
 * service in the seed incident (about 20 error lines a second). A few
 * distinct messages carry varying ids, addresses and host names, so each
 * should come out as one fingerprint.
 *
 *   logspam [--rate N] [--info-rate N] [--duration S] [--format json|plain]
 *           [--messages K] [--stack] [--output FILE] [--reopen-on-hup]
 *
 * --rate N         error lines per second (default 20; up to 1000000)
 * --info-rate N    info lines per second besides (default 0)
 * --duration S     seconds before exiting (default 10, at most 3600)
 * --format F       json (pino-style, numeric levels; default) or plain
 * --messages K     distinct error messages, 1..5 (default 3)
 * --stack          plain: follow each error with a two-line stack trace
 * --output FILE    append to FILE (default: stdout)
 * --reopen-on-hup  reopen FILE on SIGHUP (for rotation by rename)
 *
 * Lines are written whole with one write() each batch, so a reader never
 * sees half a line between two writes.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t reopen_flag, stop_flag;

static void on_hup(int sig) { (void)sig; reopen_flag = 1; }
static void on_term(int sig) { (void)sig; stop_flag = 1; }

static int64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static uint64_t rnd_state = 88172645463325252ULL;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static void uuid(char *out)
{
	uint64_t a = rnd(), b = rnd();

	sprintf(out, "%08x-%04x-4%03x-%04x-%012llx", (unsigned)(a >> 32), (unsigned)(a >> 16) & 0xffff,
		(unsigned)a & 0xfff, (unsigned)(0x8000 | (b >> 48 & 0x3fff)),
		(unsigned long long)(b & 0xffffffffffffULL));
}

static void token(char *out, int n)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	int i;

	for (i = 0; i < n; i++)
		out[i] = a[rnd() % (sizeof(a) - 1)];
	out[n] = 0;
}

static int error_message(char *buf, size_t len, int which)
{
	char u[40], t[32];

	switch (which) {
	case 0:
		uuid(u);
		return snprintf(buf, len, "failed to index document %s to 10.0.%d.%d:9243: timeout after %dms",
				u, (int)(rnd() % 4), (int)(rnd() % 250 + 1), (int)(rnd() % 3000 + 100));
	case 1:
		return snprintf(buf, len, "request %d failed: connection refused by es-%d.logging.svc.cluster.local",
				(int)(rnd() % 1000000), (int)(rnd() % 6));
	case 2:
		token(t, 24);
		return snprintf(buf, len, "user %d not found (email user%d@example.com, session token=%s)",
				(int)(rnd() % 100000), (int)(rnd() % 1000), t);
	case 3:
		return snprintf(buf, len, "bulk request %d of %d rejected: queue full (capacity 256)",
				(int)(rnd() % 500), 500);
	default:
		uuid(u);
		return snprintf(buf, len, "circuit breaker open for shard %d, trace %s", (int)(rnd() % 32), u);
	}
}

/* Escapes for a JSON string: our messages have no quotes, but stay safe. */
static size_t json_escape(char *out, const char *s)
{
	size_t o = 0;

	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			out[o++] = '\\';
		out[o++] = *s;
	}
	out[o] = 0;
	return o;
}

static int open_output(const char *path)
{
	return path ? open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644) : 1;
}

static void usage(void)
{
	fprintf(stderr, "usage: logspam [--rate N] [--info-rate N] [--duration S] [--format json|plain]\n"
			"               [--messages K] [--stack] [--output FILE] [--reopen-on-hup]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	double rate = 20, info_rate = 0, duration = 10;
	const char *output = NULL, *format = "json";
	int messages = 3, stack = 0, reopen = 0, fd, i;
	int64_t t0, end, nerr = 0, ninfo = 0;
	static char batch[1 << 16];
	size_t blen = 0;
	struct sigaction sa;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--rate") && v) rate = atof(v), i++;
		else if (!strcmp(a, "--info-rate") && v) info_rate = atof(v), i++;
		else if (!strcmp(a, "--duration") && v) duration = atof(v), i++;
		else if (!strcmp(a, "--format") && v) format = v, i++;
		else if (!strcmp(a, "--messages") && v) messages = atoi(v), i++;
		else if (!strcmp(a, "--output") && v) output = v, i++;
		else if (!strcmp(a, "--stack")) stack = 1;
		else if (!strcmp(a, "--reopen-on-hup")) reopen = 1;
		else usage();
	}
	if (rate < 0 || rate > 1e6 || info_rate < 0 || info_rate > 1e6 || duration <= 0 ||
	    duration > 3600 || messages < 1 || messages > 5 ||
	    (strcmp(format, "json") && strcmp(format, "plain")))
		usage();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = reopen ? on_hup : SIG_IGN;
	sigaction(SIGHUP, &sa, NULL);
	rnd_state ^= (uint64_t)getpid() << 20;
	if ((fd = open_output(output)) < 0) {
		perror(output);
		return 1;
	}
	t0 = mono_us();
	end = t0 + (int64_t)(duration * 1e6);
	while (!stop_flag) {
		int64_t now = mono_us(), due_err, due_info, next;

		if (now >= end)
			break;
		if (reopen_flag && output) {
			reopen_flag = 0;
			close(fd);
			if ((fd = open_output(output)) < 0) {
				perror(output);
				return 1;
			}
		}
		due_err = (int64_t)((double)(now - t0) * rate / 1e6) + (rate > 0);
		due_info = (int64_t)((double)(now - t0) * info_rate / 1e6) + (info_rate > 0);
		while (nerr < due_err || ninfo < due_info) {
			char msg[512], esc[1024], line[2048];
			struct timeval tv;
			struct tm tm;
			int is_err = nerr < due_err, n;

			gettimeofday(&tv, NULL);
			if (is_err)
				error_message(msg, sizeof(msg), (int)(nerr++ % messages));
			else
				snprintf(msg, sizeof(msg), "served request %d in %dms", (int)(ninfo++), (int)(rnd() % 50));
			if (!strcmp(format, "json")) {
				json_escape(esc, msg);
				n = snprintf(line, sizeof(line), "{\"level\":%d,\"time\":%lld,\"pid\":%d,\"msg\":\"%s\"}\n",
					     is_err ? 50 : 30,
					     (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000, (int)getpid(), esc);
			} else {
				gmtime_r(&tv.tv_sec, &tm);
				n = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ %s [logspam] %s\n%s",
					     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
					     tm.tm_sec, (int)(tv.tv_usec / 1000), is_err ? "ERROR" : "INFO", msg,
					     is_err && stack ? "    at Client.bulk (client.js:412:15)\n"
							       "    at processTicksAndRejections (node:internal/process/task_queues:95:5)\n" : "");
			}
			if (n < 0 || (size_t)n >= sizeof(line))
				continue;
			if (blen + (size_t)n > sizeof(batch)) {
				if (write(fd, batch, blen) < 0 && errno != EINTR)
					return 1;
				blen = 0;
			}
			memcpy(batch + blen, line, (size_t)n);
			blen += (size_t)n;
		}
		if (blen) {
			if (write(fd, batch, blen) < 0 && errno != EINTR)
				return 1;
			blen = 0;
		}
		/* Sleep until the next line is due, at least 1 ms, at most 50 ms. */
		next = 50000;
		if (rate > 0)
			next = (int64_t)((double)nerr * 1e6 / rate) + t0 - mono_us();
		if (info_rate > 0) {
			int64_t ni = (int64_t)((double)ninfo * 1e6 / info_rate) + t0 - mono_us();

			if (ni < next)
				next = ni;
		}
		if (next < 1000)
			next = 1000;
		if (next > 50000)
			next = 50000;
		usleep((useconds_t)next);
	}
	if (output)
		close(fd);
	return 0;
}
