/*
 * pool-curl: a C service calling one upstream through a libcurl multi handle
 * with a per-host connection limit (CURLMOPT_MAX_HOST_CONNECTIONS), as apps
 * configure it.
 *
 *   pool_curl URL CAP RATE WAIT_MS [RAMP_S]
 *
 * Requests arrive at RATE per second (after rising from 5% of it over RAMP_S)
 * and are added to the multi handle. libcurl opens at most CAP connections to
 * the host; the others stay pending inside the process (the sockets' queues are empty) until a connection is
 * free. A request still pending after WAIT_MS is abandoned and logged at
 * ERROR, as an app with an acquire timeout does; a request that started is
 * never cancelled in flight (that would close its connection and hide the cap
 * behind churn). Log lines go to stdout.
 */
#include <curl/curl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct req {
	CURL *h;
	long id;
	double added;	/* monotonic seconds */
};

static double now_mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

__attribute__((format(printf, 2, 3)))
static void logf_line(const char *level, const char *fmt, ...)
{
	va_list ap;
	struct timespec ts;
	struct tm tm;
	char when[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	printf("%s.%03ldZ %s ", when, ts.tv_nsec / 1000000, level);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static size_t discard(char *p, size_t sz, size_t n, void *u)
{
	(void)p; (void)u;
	return sz * n;
}

int main(int argc, char **argv)
{
	CURLM *m;
	const char *url;
	long cap, id = 0, ok = 0, failed = 0;
	double rate, wait_s, ramp = 0, begin, next, last_stats;
	struct req **reqs = NULL;
	size_t nreqs = 0, alloc = 0;

	if (argc == 6)
		ramp = atof(argv[5]);
	if (argc < 5 || argc > 6 || (cap = atol(argv[2])) < 1 || (rate = atof(argv[3])) <= 0 ||
	    (wait_s = atof(argv[4]) / 1000.0) <= 0) {
		fprintf(stderr, "usage: pool_curl URL CAP RATE WAIT_MS [RAMP_S]\n");
		return 2;
	}
	url = argv[1];
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(m = curl_multi_init())) {
		fprintf(stderr, "pool_curl: cannot initialise libcurl\n");
		return 1;
	}
	curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, cap);
	curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, cap);
	logf_line("INFO", "pool_curl started: %ld host connections, %.1f requests/s, wait %.1fs",
		  cap, rate, wait_s);

	begin = next = last_stats = now_mono();
	for (;;) {
		double t = now_mono();
		int running, left;
		CURLMsg *msg;
		size_t i;

		while (t >= next) {
			struct req *r = calloc(1, sizeof(*r));
			if (!r || !(r->h = curl_easy_init())) {
				fprintf(stderr, "pool_curl: out of memory\n");
				return 1;
			}
			r->id = ++id;
			r->added = t;
			curl_easy_setopt(r->h, CURLOPT_URL, url);
			curl_easy_setopt(r->h, CURLOPT_WRITEFUNCTION, discard);
			curl_easy_setopt(r->h, CURLOPT_PRIVATE, r);
			curl_easy_setopt(r->h, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
			curl_multi_add_handle(m, r->h);
			if (nreqs == alloc) {
				alloc = alloc ? alloc * 2 : 64;
				reqs = realloc(reqs, alloc * sizeof(*reqs));
				if (!reqs) {
					fprintf(stderr, "pool_curl: out of memory\n");
					return 1;
				}
			}
			reqs[nreqs++] = r;
			next += 1.0 / (t - begin < ramp ? rate * (0.05 + 0.95 * (t - begin) / ramp) : rate);
		}
		/* Abandon requests that never left the pending queue in time. */
		for (i = 0; i < nreqs;) {
			struct req *r = reqs[i];
			curl_off_t pre = 0;

			curl_easy_getinfo(r->h, CURLINFO_PRETRANSFER_TIME_T, &pre);
			if (pre == 0 && t - r->added > wait_s) {
				curl_multi_remove_handle(m, r->h);
				curl_easy_cleanup(r->h);
				failed++;
				logf_line("ERROR", "request %ld failed: no connection to the upstream within %.1fs "
					  "(%ld failed so far)", r->id, wait_s, failed);
				free(r);
				reqs[i] = reqs[--nreqs];
				continue;
			}
			i++;
		}
		curl_multi_perform(m, &running);
		while ((msg = curl_multi_info_read(m, &left))) {
			struct req *r = NULL;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&r);
			if (msg->data.result == CURLE_OK) {
				ok++;
			} else {
				failed++;
				logf_line("ERROR", "request %ld failed: curl error %ld (%ld failed so far)",
					  r->id, (long)msg->data.result, failed);
			}
			curl_multi_remove_handle(m, r->h);
			curl_easy_cleanup(r->h);
			for (i = 0; i < nreqs; i++)
				if (reqs[i] == r) {
					reqs[i] = reqs[--nreqs];
					break;
				}
			free(r);
		}
		if (t - last_stats >= 10) {
			last_stats = t;
			logf_line("INFO", "%ld requests ok, %ld failed", ok, failed);
		}
		/* With transfers pending on the host limit, libcurl asks to be
		 * called again at once; an app would not spin on that, so wait at
		 * least 5 ms when nothing was ready. */
		{
			int ready = 0;
			double before = now_mono();

			curl_multi_poll(m, NULL, 0, 10, &ready);
			if (!ready && now_mono() - before < 0.002) {
				struct timespec ts = { 0, 5000000 };
				nanosleep(&ts, NULL);
			}
		}
	}
}
