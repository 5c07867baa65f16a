/* crowd: one big target for memory-bound tests of the capture: many
 * established loopback sockets, many threads, and a busy, varied log.
 *
 *   crowd [--sockets N] [--threads T] [--busy B] [--thread-churn C]
 *         [--log FILE] [--log-rate R] [--fp-rate F] [--log-rotate MIB]
 *         [--chatter M] [--conn-churn X] [--duration S]
 *
 * --sockets N       established TCP sockets on 127.0.0.1 in all (2 per
 *                   connection, both ends held here), spread over child
 *                   processes of at most 7500 connections each: the fd hard
 *                   limit is 20000 (default 30000; 0 = none)
 * --threads T       threads of this (parent) process, the main one included
 *                   (default 1000); most sleep and wake once a second
 * --busy B          of them, threads that use ~10% of a core each (default 2)
 * --thread-churn C  idle threads replaced per second, old and new alike
 *                   (default 5): an old thread exits, a new one starts
 * --log FILE        append log lines to FILE (default: no log)
 * --log-rate R      physical lines per second (default 50000): JSON (pino),
 *                   plain, logfmt, klog, plain errors with two-line stack
 *                   traces, and one 100 KiB line every 10 s
 * --fp-rate F       of them, lines per second whose message was never seen
 *                   before (a new fingerprint each; default 1000)
 * --log-rotate MIB  rename FILE to FILE.1 and start a new one past MIB
 *                   (default 0: never)
 * --chatter M       connections per second that exchange a byte each way
 *                   (default 2000), so sockets change and packets flow
 * --conn-churn X    connections per second closed (RST) and re-opened
 *                   (default 50)
 * --duration S      seconds before exiting (default 600)
 *
 * Prints "crowd: ready pid P sockets N threads T holders P1,P2,..." once
 * every connection and thread is up. The holders die with the parent
 * (PR_SET_PDEATHSIG) and on SIGTERM.
 *
 * EXAMPLES
 *   crowd --sockets 30000 --threads 1000 --log /tmp/crowd.log &
 *   casefile-capture --pid $! --children --log /tmp/crowd.log -d 3m
 */
#include "sample.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#define PROG "crowd"
#define PER_HOLDER 7500
#define MAX_HOLDERS 64
#define LONG_LINE (100 << 10)

static long opt_threads = 1000, opt_busy = 2, opt_tchurn = 5, opt_rate = 50000, opt_fprate = 1000;
static long opt_chatter = 2000, opt_cchurn = 50, opt_rotate_mib = 0;
static const char *opt_log;

static uint64_t rnd_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void sleep_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	nanosleep(&ts, NULL);
}

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* --- socket holders (child processes) ----------------------------------- */

static int pair_up(int lfd, const struct sockaddr_in *sa, int *cli, int *srv)
{
	struct linger lg = { 1, 0 };   /* RST on close: no TIME_WAIT left behind */
	int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), s;

	if (c < 0 || connect(c, (const struct sockaddr *)sa, sizeof(*sa)) < 0) {
		if (c >= 0)
			close(c);
		return -1;
	}
	s = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (s < 0) {
		close(c);
		return -1;
	}
	fcntl(c, F_SETFL, O_NONBLOCK);
	setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	*cli = c;
	*srv = s;
	return 0;
}

static void drain(int fd)
{
	char b[256];

	while (recv(fd, b, sizeof(b), MSG_DONTWAIT) > 0)
		;
}

/* Holds n connections; every 100 ms some exchange a byte each way and some
 * are closed and opened again. Never returns. */
static void holder(long n, long chatter, long churn, int ready_fd)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t alen = sizeof(sa);
	struct rlimit rl;
	uint64_t seed = 0x9E3779B97F4A7C15ULL ^ ((uint64_t)getpid() << 17);
	int *cli = calloc((size_t)n, sizeof(int)), *srv = calloc((size_t)n, sizeof(int));
	int lfd, one = 1;
	double owe_chat = 0, owe_churn = 0;

	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() == 1)
		_exit(0);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (!cli || !srv || lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(lfd, 4096) < 0 || getsockname(lfd, (struct sockaddr *)&sa, &alen) < 0) {
		perror(PROG ": holder listen");
		_exit(1);
	}
	for (long i = 0; i < n && !stop; i++) {
		if (pair_up(lfd, &sa, &cli[i], &srv[i]) < 0) {
			fprintf(stderr, PROG ": holder: connection %ld: %s\n", i, strerror(errno));
			_exit(1);
		}
	}
	if (write(ready_fd, "r", 1) != 1)
		_exit(1);
	close(ready_fd);
	while (!stop) {
		sleep_us(100000);
		owe_chat += (double)chatter / 10;
		owe_churn += (double)churn / 10;
		for (; owe_chat >= 1; owe_chat--) {
			long i = (long)(rnd_next(&seed) % (uint64_t)n);

			if (send(cli[i], "q", 1, MSG_DONTWAIT | MSG_NOSIGNAL) == 1) {
				drain(srv[i]);
				if (send(srv[i], "a", 1, MSG_DONTWAIT | MSG_NOSIGNAL) == 1)
					drain(cli[i]);
			}
		}
		for (; owe_churn >= 1; owe_churn--) {
			long i = (long)(rnd_next(&seed) % (uint64_t)n);

			close(cli[i]);
			close(srv[i]);
			if (pair_up(lfd, &sa, &cli[i], &srv[i]) < 0) {
				fprintf(stderr, PROG ": holder: reconnect: %s\n", strerror(errno));
				_exit(1);
			}
		}
	}
	_exit(0);
}

/* --- threads ---------------------------------------------------------------- */

/* Idle threads wake once a second; --thread-churn replaces some of them,
 * old and new alike, by bumping their slot's generation. */
static volatile unsigned *slot_gen;
static long nslots;

static void *idle_thread(void *arg)
{
	long slot = (long)(uintptr_t)arg;
	unsigned mine = slot_gen[slot];

	while (!stop && slot_gen[slot] == mine)
		sleep_us(1000000);
	return NULL;
}

static void *busy_thread(void *arg)
{
	volatile uint64_t x = (uint64_t)(uintptr_t)arg;

	while (!stop) {
		long long until = now_us() + 2000;

		while (now_us() < until)
			x = x * 6364136223846793005ULL + 1;
		sleep_us(18000);
	}
	return NULL;
}

static pthread_attr_t small_stack;

static int start_thread(void *(*fn)(void *), void *arg, int detached)
{
	pthread_t t;
	pthread_attr_t *a = &small_stack;
	int rc;

	pthread_attr_setdetachstate(a, detached ? PTHREAD_CREATE_DETACHED : PTHREAD_CREATE_JOINABLE);
	rc = pthread_create(&t, a, fn, arg);
	if (rc == 0 && !detached)
		pthread_detach(t);
	return rc;
}

static void *churn_thread(void *arg)
{
	uint64_t seed = 0x853c49e6748fea9bULL;

	(void)arg;
	while (!stop) {
		long slot;

		sleep_us(1000000 / opt_tchurn);
		if (!nslots)
			continue;
		slot = (long)(rnd_next(&seed) % (uint64_t)nslots);
		__atomic_add_fetch(&slot_gen[slot], 1, __ATOMIC_SEQ_CST);
		start_thread(idle_thread, (void *)(uintptr_t)slot, 0);
	}
	return NULL;
}

/* --- the log ---------------------------------------------------------------- */

struct logw {
	int fd;
	char path1[4096];
	uint64_t seed;
	long long written;               /* bytes in the current file */
	char *batch;
	size_t blen;
	char *big;
};

static void flush_batch(struct logw *w)
{
	if (w->blen && write(w->fd, w->batch, w->blen) < 0 && errno != EINTR)
		stop = 1;
	w->written += (long long)w->blen;
	w->blen = 0;
	if (opt_rotate_mib && w->written >= opt_rotate_mib << 20) {
		/* rotation by rename, as logrotate does without copytruncate */
		rename(opt_log, w->path1);
		close(w->fd);
		w->fd = open(opt_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		w->written = 0;
		if (w->fd < 0)
			stop = 1;
	}
}

static void add(struct logw *w, const char *s, size_t n)
{
	if (w->blen + n > (1 << 16))
		flush_batch(w);
	if (n > (1 << 16)) {
		if (write(w->fd, s, n) < 0)
			stop = 1;
		w->written += (long long)n;
		return;
	}
	memcpy(w->batch + w->blen, s, n);
	w->blen += n;
}

/* A word of letters g..z (no hex digits, no numbers): fingerprints keep it,
 * so every k gives a message never seen before. */
static void word_of(unsigned long k, char *out)
{
	static const char a[] = "ghijklmnopqrstuvwxyz";
	int i;

	for (i = 0; i < 6; i++) {
		out[i] = a[k % 20];
		k /= 20;
	}
	out[6] = 0;
}

static void iso_now(char *out, size_t len)
{
	struct timeval tv;
	struct tm tm;

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	snprintf(out, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(tv.tv_usec / 1000));
}

/* One record; returns the physical lines it took. */
static int one_record(struct logw *w, int distinct, unsigned long k)
{
	char line[1024], ts[96], wd[8];
	unsigned r = (unsigned)(rnd_next(&w->seed) % 100);
	unsigned v = (unsigned)(rnd_next(&w->seed) % 100000);
	int n, lines = 1;

	iso_now(ts, sizeof(ts));
	if (distinct) {
		word_of(k, wd);
		n = snprintf(line, sizeof(line), "%s WARN [flags] unknown feature flag %s for tenant %u\n",
			     ts, wd, v);
	} else if (r < 40) {
		static const char *const msgs[] = { "served request", "cache refreshed", "session opened" };
		int lv = r < 30 ? 30 : r < 37 ? 40 : 50;

		n = snprintf(line, sizeof(line),
			     "{\"level\":%d,\"time\":%lld,\"pid\":%d,\"hostname\":\"web-1\",\"msg\":\"%s %u in %ums\","
			     "\"req\":{\"id\":\"%08x-%04x-4abc-8def-%012x\",\"method\":\"GET\",\"url\":\"/api/items/%u\"}}\n",
			     lv, now_us() / 1000, (int)getpid(), lv == 50 ? "failed request" : msgs[r % 3], v,
			     v % 500, (unsigned)rnd_next(&w->seed), v & 0xffff, v, v);
	} else if (r < 70) {
		n = snprintf(line, sizeof(line), "%s INFO [worker-%u] job %u finished in %ums\n", ts, v % 16, v,
			     v % 900);
	} else if (r < 85) {
		n = snprintf(line, sizeof(line),
			     "time=%s level=warn msg=\"slow query\" duration=%ums table=orders rows=%u\n", ts,
			     v % 3000, v);
	} else if (r < 95) {
		n = snprintf(line, sizeof(line),
			     "%s ERROR [es-transport] bulk request %u failed: connect ECONNREFUSED 10.0.%u.%u:9243\n"
			     "    at TCPConnectWrap.afterConnect (node:net:1300:16)\n"
			     "    at Client.bulk (/app/node_modules/es/client.js:412:15)\n",
			     ts, v, v % 4, v % 250);
		lines = 3;
	} else {
		n = snprintf(line, sizeof(line), "E1127 10:00:00.%06u   %5u controller.go:%u] failed to sync pod default/web-%u\n",
			     v, v % 32768, 100 + v % 50, v % 40);
	}
	if (n > 0 && (size_t)n < sizeof(line))
		add(w, line, (size_t)n);
	return lines;
}

static void *log_thread(void *arg)
{
	struct logw *w = arg;
	long long t0 = now_us(), next_long = t0 + 10000000;
	unsigned long fp_k = 0;
	long long lines = 0, fps = 0;

	while (!stop) {
		long long now = now_us();
		long long due = (now - t0) * opt_rate / 1000000;
		long long due_fp = (now - t0) * opt_fprate / 1000000;

		while (lines < due && !stop) {
			int distinct = fps < due_fp;

			lines += one_record(w, distinct, fp_k);
			if (distinct) {
				fps++;
				fp_k++;
			}
		}
		if (now >= next_long) {
			/* a line longer than any reader's line buffer */
			char ts[96];
			int h;

			iso_now(ts, sizeof(ts));
			h = snprintf(w->big, 128, "%s ERROR [dump] state: ", ts);
			memset(w->big + h, 'z', LONG_LINE - (size_t)h - 1);
			w->big[LONG_LINE - 1] = '\n';
			add(w, w->big, LONG_LINE);
			next_long += 10000000;
		}
		flush_batch(w);
		sleep_us(5000);
	}
	flush_batch(w);
	return NULL;
}

/* --- main ------------------------------------------------------------------- */

static pid_t holders[MAX_HOLDERS];
static int nholders;

static void kill_holders(void)
{
	for (int i = 0; i < nholders; i++)
		kill(holders[i], SIGTERM);
	for (int i = 0; i < nholders; i++)
		waitpid(holders[i], NULL, 0);
}

int main(int argc, char **argv)
{
	long sockets = 30000, duration = 600, conns, per, started = 1;
	static struct logw w;
	char list[MAX_HOLDERS * 12] = "";
	long long end;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!v) {
			fprintf(stderr, "usage: crowd [--sockets N] [--threads T] [--busy B] [--thread-churn C] "
				"[--log FILE] [--log-rate R] [--fp-rate F] [--log-rotate MIB] [--chatter M] "
				"[--conn-churn X] [--duration S]\n");
			return 2;
		}
		i++;
		if (!strcmp(a, "--sockets")) sockets = opt_num_of(PROG, v, 0, 2L * PER_HOLDER * MAX_HOLDERS, a);
		else if (!strcmp(a, "--threads")) opt_threads = opt_num_of(PROG, v, 1, 20000, a);
		else if (!strcmp(a, "--busy")) opt_busy = opt_num_of(PROG, v, 0, 64, a);
		else if (!strcmp(a, "--thread-churn")) opt_tchurn = opt_num_of(PROG, v, 0, 1000, a);
		else if (!strcmp(a, "--log")) opt_log = v;
		else if (!strcmp(a, "--log-rate")) opt_rate = opt_num_of(PROG, v, 0, 1000000, a);
		else if (!strcmp(a, "--fp-rate")) opt_fprate = opt_num_of(PROG, v, 0, 1000000, a);
		else if (!strcmp(a, "--log-rotate")) opt_rotate_mib = opt_num_of(PROG, v, 0, 1 << 20, a);
		else if (!strcmp(a, "--chatter")) opt_chatter = opt_num_of(PROG, v, 0, 1000000, a);
		else if (!strcmp(a, "--conn-churn")) opt_cchurn = opt_num_of(PROG, v, 0, 100000, a);
		else if (!strcmp(a, "--duration")) duration = opt_num_of(PROG, v, 1, 86400, a);
		else {
			fprintf(stderr, PROG ": unknown option '%s'\n", a);
			return 2;
		}
	}
	sample_on_signals();

	/* Holders first: fork before any thread exists. */
	conns = sockets / 2;
	nholders = conns ? (int)((conns + PER_HOLDER - 1) / PER_HOLDER) : 0;
	per = nholders ? (conns + nholders - 1) / nholders : 0;
	for (int i = 0; i < nholders; i++) {
		long mine = conns - per * i < per ? conns - per * i : per;
		int p[2];
		char c;
		pid_t pid;

		if (pipe(p) < 0)
			return 1;
		pid = fork();
		if (pid < 0) {
			perror(PROG ": fork");
			kill_holders();
			return 1;
		}
		if (pid == 0) {
			close(p[0]);
			holder(mine, opt_chatter / nholders, opt_cchurn / nholders, p[1]);
		}
		close(p[1]);
		holders[i] = pid;
		if (read(p[0], &c, 1) != 1) {
			fprintf(stderr, PROG ": a socket holder failed to start\n");
			close(p[0]);
			nholders = i + 1;
			kill_holders();
			return 1;
		}
		close(p[0]);
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%d", i ? "," : "", (int)pid);
	}

	pthread_attr_init(&small_stack);
	pthread_attr_setstacksize(&small_stack, 64 << 10);
	if (opt_log) {
		w.fd = open(opt_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		w.batch = malloc(1 << 16);
		w.big = malloc(LONG_LINE);
		w.seed = 0x2545F4914F6CDD1DULL ^ (uint64_t)getpid();
		snprintf(w.path1, sizeof(w.path1), "%s.1", opt_log);
		if (w.fd < 0 || !w.batch || !w.big || start_thread(log_thread, &w, 0)) {
			perror(PROG ": log");
			kill_holders();
			return 1;
		}
		started++;
	}
	if (opt_tchurn && start_thread(churn_thread, NULL, 0) == 0)
		started++;
	for (long i = 0; i < opt_busy && started < opt_threads; i++)
		if (start_thread(busy_thread, (void *)(uintptr_t)(i + 1), 0) == 0)
			started++;
	slot_gen = calloc((size_t)opt_threads, sizeof(*slot_gen));
	if (!slot_gen) {
		kill_holders();
		return 1;
	}
	for (; started < opt_threads; started++) {
		if (start_thread(idle_thread, (void *)(uintptr_t)nslots, 0)) {
			fprintf(stderr, PROG ": thread %ld: cannot start\n", started);
			break;
		}
		nslots++;
	}
	printf(PROG ": ready pid %d sockets %ld threads %ld holders %s\n", (int)getpid(), conns * 2,
	       started, nholders ? list : "-");
	fflush(stdout);

	end = now_us() + (long long)duration * 1000000;
	while (!stop && now_us() < end)
		sleep_us(100000);
	stop = 1;
	kill_holders();
	return 0;
}
