/* sockset: a fixed set of sockets that holds still, for tests that compare a
 * capture with `ss` field by field. Everything lives in this one process:
 *
 *   port P     listener (backlog 8) with --pending connections (default 3)
 *              never accepted: LISTEN with recv-q = pending, send-q = 8
 *   port P+1   listener; --unread connections (default 4) accepted, the
 *              server side sends --response bytes (1101) that the client
 *              never reads: client recv-q = 1101
 *   port P+2   listener; --closewait connections (default 2) accepted and
 *              then closed by the client only: server side in CLOSE_WAIT
 *   port P+3   listener on ::1; one IPv6 connection, client sends a request
 *              the server never reads: server recv-q = request size
 *   port P+4   listener; one connection whose client writes until its send
 *              buffer is full (the server never reads): send-q > 0
 *   a UDP socket bound to 127.0.0.1:P and one connected to it
 *
 * After setup it prints "sockset: ready pid N" and waits (no traffic at all)
 * until SIGTERM or --duration seconds (default 120).
 *
 * EXAMPLES
 *   sockset --base-port 47100 & ss -tanpi | grep sockset
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig; stop = 1; }

static long opt_num(const char *s, long min, long max, const char *name)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*s == '\0' || *end || v < min || v > max) {
		fprintf(stderr, "sockset: invalid %s '%s'\n", name, s);
		exit(2);
	}
	return v;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static int listener(int family, int port, int backlog)
{
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0)
		die("sockset: socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (family == AF_INET6) {
		struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port),
					  .sin6_addr = IN6ADDR_LOOPBACK_INIT };
		if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
			die("sockset: bind ::1");
	} else {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
					 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
			die("sockset: bind");
	}
	if (listen(fd, backlog) < 0)
		die("sockset: listen");
	return fd;
}

static int connect_to(int family, int port)
{
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("sockset: socket");
	if (family == AF_INET6) {
		struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port),
					  .sin6_addr = IN6ADDR_LOOPBACK_INIT };
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
			die("sockset: connect ::1");
	} else {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
					 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
			die("sockset: connect");
	}
	return fd;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR && !stop)
		;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "base-port", required_argument, 0, 'p' },
		{ "pending", required_argument, 0, 'P' },
		{ "unread", required_argument, 0, 'u' },
		{ "closewait", required_argument, 0, 'c' },
		{ "response", required_argument, 0, 'R' },
		{ "duration", required_argument, 0, 't' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 }
	};
	long port = 47100, pending = 3, unread = 4, closewait = 2, resp = 1101, duration = 120;
	static char buf[1 << 16];
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'p': port = opt_num(optarg, 1, 65530, "--base-port"); break;
		case 'P': pending = opt_num(optarg, 0, 8, "--pending"); break;
		case 'u': unread = opt_num(optarg, 0, 1000, "--unread"); break;
		case 'c': closewait = opt_num(optarg, 0, 1000, "--closewait"); break;
		case 'R': resp = opt_num(optarg, 1, (long)sizeof(buf), "--response"); break;
		case 't': duration = opt_num(optarg, 1, 86400, "--duration"); break;
		default:
			fprintf(stderr, "usage: sockset [--base-port 47100] [--pending 3] [--unread 4] "
				"[--closewait 2] [--response 1101] [--duration 120]\n");
			return c == 'h' ? 0 : 2;
		}
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);
	memset(buf, 'x', sizeof(buf));

	int l0 = listener(AF_INET, (int)port, 8);
	for (long i = 0; i < pending; i++)
		connect_to(AF_INET, (int)port);

	int l1 = listener(AF_INET, (int)port + 1, 64);
	for (long i = 0; i < unread; i++) {
		connect_to(AF_INET, (int)port + 1);
		int s = accept4(l1, NULL, NULL, SOCK_CLOEXEC);
		if (s < 0 || write(s, buf, (size_t)resp) != resp)
			die("sockset: unread setup");
	}

	int l2 = listener(AF_INET, (int)port + 2, 64);
	for (long i = 0; i < closewait; i++) {
		int cfd = connect_to(AF_INET, (int)port + 2);
		if (accept4(l2, NULL, NULL, SOCK_CLOEXEC) < 0)
			die("sockset: accept");
		/* SO_LINGER 0 would send RST; a plain close sends FIN */
		close(cfd);
	}

	int l3 = listener(AF_INET6, (int)port + 3, 64);
	{
		int cfd = connect_to(AF_INET6, (int)port + 3);
		if (accept4(l3, NULL, NULL, SOCK_CLOEXEC) < 0 || write(cfd, "GET / HTTP/1.1\r\n\r\n", 18) != 18)
			die("sockset: v6 setup");
	}

	int l4 = listener(AF_INET, (int)port + 4, 64);
	{
		/* a tiny receive window on the server side (inherited by the
		 * accepted socket) makes the client's data pile up in send-q */
		int small = 4096, cfd;
		setsockopt(l4, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
		cfd = connect_to(AF_INET, (int)port + 4);
		if (accept4(l4, NULL, NULL, SOCK_CLOEXEC) < 0)
			die("sockset: accept");
		fcntl(cfd, F_SETFL, O_NONBLOCK);
		for (int again = 0, tries = 0; again < 3 && tries < 10000; tries++) {
			if (write(cfd, buf, sizeof(buf)) < 0 && errno == EAGAIN) {
				again++;
				sleep_ms(30);
			} else {
				again = 0;
			}
		}
	}

	int u0 = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in ua = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	if (u0 < 0 || bind(u0, (struct sockaddr *)&ua, sizeof(ua)) < 0)
		die("sockset: udp bind");
	int u1 = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (u1 < 0 || connect(u1, (struct sockaddr *)&ua, sizeof(ua)) < 0)
		die("sockset: udp connect");

	/* let the last ACKs and FINs settle before saying ready */
	sleep_ms(300);
	printf("sockset: ready pid %d\n", (int)getpid());
	fflush(stdout);
	for (long t = 0; t < duration * 10 && !stop; t++)
		sleep_ms(100);
	(void)l0;
	return 0;
}
