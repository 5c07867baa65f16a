/* slow_server: a keep-alive server on loopback that answers every request
 * late. Each chunk a client sends is one request; the answer (--response
 * bytes, default 1101, as in the incident) goes out --delay-ms later.
 * Connections stay open until the client closes them.
 *
 * EXAMPLES
 *   slow_server --port 9243 --delay-ms 2000 --duration 60
 *   slow_server --port 9243 --delay-ms 5 &   # fast enough for healthy_client
 *   slow_server --port 0 > out &   # any free port: "listening on 127.0.0.1:PORT"
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

#define MAX_CONNS 4096

struct conn {
	int fd;
	int pending;             /* answers owed */
	long long due_ms;        /* when the oldest owed answer goes out */
};

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, 0, 'p' },
		{ "delay-ms", required_argument, 0, 'd' },
		{ "response", required_argument, 0, 'r' },
		{ "duration", required_argument, 0, 't' },
		{ "backlog", required_argument, 0, 'b' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 }
	};
	long port = 9243, delay = 2000, resp = 1101, duration = 300, backlog = 512;
	static struct conn conns[MAX_CONNS];
	static struct pollfd pfd[MAX_CONNS + 1];
	static char rbuf[65536], wbuf[65536];
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int n = 0, c, lfd, one = 1;
	long long end;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'p': port = opt_num_of("slow_server", optarg, 0, 65535, "--port"); break;
		case 'd': delay = opt_num_of("slow_server", optarg, 0, 3600000, "--delay-ms"); break;
		case 'r': resp = opt_num_of("slow_server", optarg, 1, (long)sizeof(wbuf), "--response"); break;
		case 't': duration = opt_num_of("slow_server", optarg, 1, 86400, "--duration"); break;
		case 'b': backlog = opt_num_of("slow_server", optarg, 1, 65535, "--backlog"); break;
		default:
			fprintf(stderr, "usage: slow_server [--port 9243] [--delay-ms 2000] "
				"[--response 1101] [--duration 300] [--backlog 512]\n");
			return c == 'h' ? 0 : 2;
		}
	}
	sample_on_signals();
	memset(wbuf, 'x', sizeof(wbuf));
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, (int)backlog) < 0) {
		perror("slow_server: bind/listen");
		return 1;
	}
	/* --port 0: the kernel's choice, printed for the caller to read. */
	port = sample_bound_port(lfd);
	printf("slow_server: listening on 127.0.0.1:%ld pid %d\n", port, (int)getpid());
	fflush(stdout);
	end = now_ms() + duration * 1000;
	while (!stop && now_ms() < end) {
		long long now = now_ms(), wait = 100;
		for (int i = 0; i < n; i++)
			if (conns[i].pending && conns[i].due_ms - now < wait)
				wait = conns[i].due_ms - now > 0 ? conns[i].due_ms - now : 0;
		pfd[0].fd = lfd;
		pfd[0].events = POLLIN;
		for (int i = 0; i < n; i++) {
			pfd[i + 1].fd = conns[i].fd;
			pfd[i + 1].events = POLLIN;
		}
		if (poll(pfd, (nfds_t)n + 1, (int)wait) < 0 && errno != EINTR)
			break;
		int np = n;
		if (pfd[0].revents & POLLIN) {
			int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
			if (fd >= 0 && n < MAX_CONNS)
				conns[n++] = (struct conn){ .fd = fd };
			else if (fd >= 0)
				close(fd);
		}
		now = now_ms();
		for (int i = 0; i < n; i++) {
			if (i < np && (pfd[i + 1].revents & (POLLIN | POLLHUP | POLLERR))) {
				ssize_t r = read(conns[i].fd, rbuf, sizeof(rbuf));
				if (r <= 0 && !(r < 0 && errno == EAGAIN)) {
					close(conns[i].fd);
					conns[i].fd = -1;
					continue;
				}
				if (r > 0) {
					if (!conns[i].pending)
						conns[i].due_ms = now + delay;
					conns[i].pending++;
				}
			}
			if (conns[i].fd >= 0 && conns[i].pending && conns[i].due_ms <= now) {
				if (write(conns[i].fd, wbuf, (size_t)resp) < 0 && errno != EAGAIN) {
					close(conns[i].fd);
					conns[i].fd = -1;
					continue;
				}
				conns[i].pending--;
				conns[i].due_ms = now + delay;
			}
		}
		/* compact closed connections */
		int k = 0;
		for (int i = 0; i < n; i++)
			if (conns[i].fd >= 0)
				conns[k++] = conns[i];
		n = k;
	}
	for (int i = 0; i < n; i++)
		close(conns[i].fd);
	close(lfd);
	return 0;
}
