/* closewait_server: a server that leaks connections in CLOSE_WAIT. It accepts
 * on 127.0.0.1:--port and never reads or closes an accepted socket, so every
 * peer that hangs up leaves one CLOSE_WAIT socket (and one fd) behind.
 *
 * With --clients N (default 0) it also plays the peers itself: every
 * --interval-ms it connects to its own port, sends a few bytes and closes,
 * N times in all, so the leak grows without any other program.
 *
 * EXAMPLES
 *   closewait_server --port 9300 --clients 40 --interval-ms 250 --duration 60
 *   closewait_server --port 0       # any free port, printed on its first line
 *   closewait_server --port 9300 & (for i in 1 2 3; do nc -q0 127.0.0.1 9300 </dev/null; done)
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

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, 0, 'p' },
		{ "clients", required_argument, 0, 'c' },
		{ "interval-ms", required_argument, 0, 'i' },
		{ "duration", required_argument, 0, 't' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 }
	};
	long port = 9300, clients = 0, interval = 250, duration = 300, accepted = 0, made = 0;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	long long end, next;
	int c, lfd, one = 1;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'p': port = opt_num_of("closewait_server", optarg, 0, 65535, "--port"); break;
		case 'c': clients = opt_num_of("closewait_server", optarg, 0, 10000, "--clients"); break;
		case 'i': interval = opt_num_of("closewait_server", optarg, 1, 3600000, "--interval-ms"); break;
		case 't': duration = opt_num_of("closewait_server", optarg, 1, 86400, "--duration"); break;
		default:
			fprintf(stderr, "usage: closewait_server [--port 9300] [--clients 0] "
				"[--interval-ms 250] [--duration 300]\n");
			return c == 'h' ? 0 : 2;
		}
	}
	sample_on_signals();
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 128) < 0) {
		perror("closewait_server: bind/listen");
		return 1;
	}
	/* --port 0: the kernel's choice, printed for the caller to read. */
	port = sample_bound_port(lfd);
	sa.sin_port = htons((uint16_t)port);
	printf("closewait_server: listening on 127.0.0.1:%ld pid %d\n", port, (int)getpid());
	fflush(stdout);
	end = now_ms() + duration * 1000;
	next = now_ms();
	while (!stop && now_ms() < end) {
		struct pollfd p = { .fd = lfd, .events = POLLIN };
		long long wait = made < clients ? next - now_ms() : 200;

		if (made < clients && wait <= 0) {
			int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
			if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
				(void)!write(fd, "bye\n", 4);
			if (fd >= 0)
				close(fd);
			made++;
			next += interval;
			continue;
		}
		if (poll(&p, 1, wait > 0 ? (int)wait : 0) > 0 && (p.revents & POLLIN)) {
			/* accepted and forgotten: the leak this sample shows */
			if (accept4(lfd, NULL, NULL, SOCK_CLOEXEC) >= 0)
				accepted++;
		}
	}
	fprintf(stderr, "closewait_server: done, %ld connections leaked\n", accepted);
	return 0;
}
