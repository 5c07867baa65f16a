/* healthy_client: a small steady keep-alive pool that reads every answer.
 * --sockets connections (default 4) to 127.0.0.1:--port each send a request,
 * read the whole answer (--response bytes, default 1101), wait --think-ms
 * and go again. Against `slow_server --delay-ms 5` the pool never grows and
 * receive queues stay empty: the healthy baseline for the pool-cap and
 * stuck-receive-queue rules.
 *
 * EXAMPLES
 *   slow_server --port 9243 --delay-ms 5 & healthy_client --port 9243 --duration 30
 *
 * Loopback only; ends after --duration seconds (default 300) or on SIGTERM.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sample.h"

#define MAX_SOCKETS 256

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, 0, 'p' },
		{ "sockets", required_argument, 0, 's' },
		{ "think-ms", required_argument, 0, 'k' },
		{ "response", required_argument, 0, 'R' },
		{ "duration", required_argument, 0, 't' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 }
	};
	long port = 9243, nsock = 4, think = 200, resp = 1101, duration = 300, requests = 0;
	int fds[MAX_SOCKETS];
	long got[MAX_SOCKETS];
	long long next[MAX_SOCKETS];
	struct pollfd pfd[MAX_SOCKETS];
	static char buf[65536];
	struct sockaddr_in sa = { .sin_family = AF_INET };
	long long end;
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'p': port = opt_num_of("healthy_client", optarg, 1, 65535, "--port"); break;
		case 's': nsock = opt_num_of("healthy_client", optarg, 1, MAX_SOCKETS, "--sockets"); break;
		case 'k': think = opt_num_of("healthy_client", optarg, 0, 3600000, "--think-ms"); break;
		case 'R': resp = opt_num_of("healthy_client", optarg, 1, 1 << 20, "--response"); break;
		case 't': duration = opt_num_of("healthy_client", optarg, 1, 86400, "--duration"); break;
		default:
			fprintf(stderr, "usage: healthy_client [--port 9243] [--sockets 4] "
				"[--think-ms 200] [--response 1101] [--duration 300]\n");
			return c == 'h' ? 0 : 2;
		}
	}
	sample_on_signals();
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (int i = 0; i < nsock; i++) {
		fds[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fds[i] < 0 || connect(fds[i], (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			perror("healthy_client: connect");
			return 1;
		}
		got[i] = -1;     /* -1: idle, waiting for next[i] */
		next[i] = now_ms() + (think * i) / nsock;
	}
	end = now_ms() + duration * 1000;
	while (!stop && now_ms() < end) {
		long long now = now_ms(), wait = 100;
		for (int i = 0; i < nsock; i++) {
			if (got[i] < 0 && next[i] <= now) {
				static const char req[] = "GET /health HTTP/1.1\r\n\r\n";
				if (write(fds[i], req, sizeof(req) - 1) < 0) {
					perror("healthy_client: write");
					return 1;
				}
				got[i] = 0;
				requests++;
			}
			if (got[i] < 0 && next[i] - now < wait)
				wait = next[i] - now;
			pfd[i].fd = fds[i];
			pfd[i].events = got[i] >= 0 ? POLLIN : 0;
		}
		if (poll(pfd, (nfds_t)nsock, wait > 0 ? (int)wait : 0) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < nsock; i++) {
			if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			ssize_t r = read(fds[i], buf, sizeof(buf));
			if (r <= 0) {
				fprintf(stderr, "healthy_client: server closed\n");
				return 1;
			}
			got[i] += r;
			if (got[i] >= resp) {
				got[i] = -1;
				next[i] = now_ms() + think;
			}
		}
	}
	for (int i = 0; i < nsock; i++)
		close(fds[i]);
	fprintf(stderr, "healthy_client: done, %ld requests\n", requests);
	return 0;
}
