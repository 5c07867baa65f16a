/* udpsend: a target that sends a known number of UDP datagrams on loopback.
 *
 *   udpsend [-n COUNT] [-p PORT] [-s BYTES] [-r PER_SECOND] [-g GOFILE] [-l LINGER_MS] [-6]
 *
 * Waits until GOFILE exists (when given) so a test can start its captures
 * first, sends COUNT datagrams of BYTES to 127.0.0.1:PORT (or ::1 with -6),
 * paced at PER_SECOND (0: as fast as possible; -p 0: a free port the kernel
 * picks, printed as "port N" before waiting), stays alive LINGER_MS more so
 * a capture of this pid sees it to the end, prints the count sent, and exits. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sample.h"

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
	long count = 100, port = 39999, size = 64, rate = 1000, linger = 300;
	const char *go = NULL;
	int v6 = 0, opt, fd, rfd;
	char buf[65536];
	struct sockaddr_storage ss;
	socklen_t sl;
	long long t0;
	long sent = 0;

	while ((opt = getopt(argc, argv, "n:p:s:r:g:l:6")) != -1) {
		switch (opt) {
		case 'n': count = atol(optarg); break;
		case 'p': port = atol(optarg); break;
		case 's': size = atol(optarg); break;
		case 'r': rate = atol(optarg); break;
		case 'g': go = optarg; break;
		case 'l': linger = atol(optarg); break;
		case '6': v6 = 1; break;
		default:
			fprintf(stderr, "usage: udpsend [-n COUNT] [-p PORT] [-s BYTES] [-r RATE] [-g GOFILE] [-l LINGER_MS] [-6]\n");
			return 2;
		}
	}
	if (count < 0 || port < 0 || port > 65535 || size < 0 || size > (long)sizeof(buf) - 100 || rate < 0)
		return 2;
	memset(buf, 'x', sizeof(buf));
	memset(&ss, 0, sizeof(ss));
	if (v6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons((unsigned short)port);
		a->sin6_addr = in6addr_loopback;
		sl = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		a->sin_port = htons((unsigned short)port);
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sl = sizeof(*a);
	}
	fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("udpsend: socket");
		return 1;
	}
	/* A bound receiver (never read: overflow drops happen after capture)
	 * keeps the kernel from answering every datagram with ICMP unreachable. */
	rfd = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM, 0);
	if (rfd >= 0 && bind(rfd, (struct sockaddr *)&ss, sl) != 0) {
		close(rfd);
		rfd = -1;
	}
	/* -p 0: the receiver's port is the kernel's choice (a port no other
	 * test uses), sent to and printed for the caller's capture filter. */
	if (port == 0) {
		if (rfd < 0)
			return 1;
		port = sample_bound_port(rfd);
		if (v6)
			((struct sockaddr_in6 *)&ss)->sin6_port = htons((unsigned short)port);
		else
			((struct sockaddr_in *)&ss)->sin_port = htons((unsigned short)port);
		printf("port %ld\n", port);
		fflush(stdout);
	}
	while (go && access(go, F_OK) != 0)
		sleep_ms(20);
	t0 = now_ns();
	while (sent < count) {
		if (rate) {
			long long due = t0 + (long long)sent * 1000000000LL / rate;
			long long d = due - now_ns();

			if (d > 0) {
				struct timespec ts = { (time_t)(d / 1000000000LL), (long)(d % 1000000000LL) };

				nanosleep(&ts, NULL);
			}
		}
		/* ECONNREFUSED from an earlier ICMP error is not a failure to send */
		if (sendto(fd, buf, (size_t)size, 0, (struct sockaddr *)&ss, sl) >= 0)
			sent++;
	}
	sleep_ms(linger);
	printf("%ld\n", sent);
	close(fd);
	if (rfd >= 0)
		close(rfd);
	return 0;
}
