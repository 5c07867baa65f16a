/* netns_hop: a target that moves to a new network namespace mid-capture.
 *
 * It listens on 127.0.0.1:PORT and connects to itself once in the namespace
 * it starts in, then waits. When FILE appears (-g) or SIGUSR1 arrives it calls
 * unshare(CLONE_NEWNET), brings the new namespace's lo up, listens on
 * 127.0.0.1:NEWPORT there and opens N connections to it; every 100 ms each of
 * them sends a byte, which the accepted side reads. The sockets of the first
 * namespace stay open (their fds keep that namespace). It runs until
 * SIGTERM/SIGINT. Needs CAP_SYS_ADMIN (root) for the unshare. With -x FILE,
 * once FILE appears after the move, it closes the first namespace's sockets
 * (nothing of it is then held).
 *
 *   netns_hop -p 20001 -q 20002 -n 5 -g go -r ready -d hopped -x closeold
 *
 * -r FILE is created once the first namespace's sockets are up, -d FILE once
 * the N connections of the new namespace are established, so a test waits
 * for files, never for time.
 */
#include "sample.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CONN 1000

static volatile sig_atomic_t hop_now;

static void on_usr1(int sig)
{
	(void)sig;
	hop_now = 1;
}

static void usage(void)
{
	fprintf(stderr, "usage: netns_hop -p PORT -q NEWPORT [-n N] [-g FILE] [-r FILE] [-d FILE] [-x FILE]\n");
	exit(2);
}

static int touch(const char *path)
{
	int fd;

	if (!path)
		return 0;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		perror(path);
		return -1;
	}
	close(fd);
	return 0;
}

static int listen_on(int port, int backlog)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, backlog)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Connects to 127.0.0.1:port and accepts the other end from lfd. */
static int connect_pair(int lfd, int port, int *client, int *server)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	*client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (*client < 0 || connect(*client, (struct sockaddr *)&a, sizeof(a)))
		return -1;
	*server = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	return *server < 0 ? -1 : 0;
}

/* A new network namespace has only lo, and it is down. */
static int lo_up(void)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc = -1;

	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
	return rc;
}

int main(int argc, char **argv)
{
	const char *go = NULL, *ready = NULL, *hopped = NULL, *closeold = NULL;
	static int clients[MAX_CONN], servers[MAX_CONN];
	int port = 0, newport = 0, n = 5, c, i, hopped_ok = 0;
	int lfd, c0, s0, lfd2 = -1;
	long long next_send = 0;

	while ((c = getopt(argc, argv, "p:q:n:g:r:d:x:")) != -1) {
		switch (c) {
		case 'p': port = (int)opt_num_of("netns_hop", optarg, 1, 65535, "-p"); break;
		case 'q': newport = (int)opt_num_of("netns_hop", optarg, 1, 65535, "-q"); break;
		case 'n': n = (int)opt_num_of("netns_hop", optarg, 1, MAX_CONN, "-n"); break;
		case 'g': go = optarg; break;
		case 'r': ready = optarg; break;
		case 'd': hopped = optarg; break;
		case 'x': closeold = optarg; break;
		default: usage();
		}
	}
	if (!port || !newport || optind != argc)
		usage();
	sample_on_signals();
	signal(SIGUSR1, on_usr1);

	lfd = listen_on(port, 16);
	if (lfd < 0 || connect_pair(lfd, port, &c0, &s0)) {
		perror("netns_hop: first namespace");
		return 1;
	}
	if (touch(ready))
		return 1;

	while (!stop) {
		struct pollfd pfd[MAX_CONN];
		int np = 0;

		if (!hopped_ok && (hop_now || (go && access(go, F_OK) == 0))) {
			if (unshare(CLONE_NEWNET)) {
				perror("netns_hop: unshare(CLONE_NEWNET)");
				return 1;
			}
			if (lo_up()) {
				perror("netns_hop: bringing lo up");
				return 1;
			}
			lfd2 = listen_on(newport, n + 16);
			if (lfd2 < 0) {
				perror("netns_hop: listen in the new namespace");
				return 1;
			}
			for (i = 0; i < n; i++) {
				if (connect_pair(lfd2, newport, &clients[i], &servers[i])) {
					perror("netns_hop: connect in the new namespace");
					return 1;
				}
			}
			hopped_ok = 1;
			if (touch(hopped))
				return 1;
		}
		if (hopped_ok && lfd >= 0 && closeold && access(closeold, F_OK) == 0) {
			close(c0);
			close(s0);
			close(lfd);
			lfd = -1;
		}
		if (hopped_ok && now_ms() >= next_send) {
			for (i = 0; i < n; i++)
				if (write(clients[i], "x", 1) < 0 && errno != EAGAIN)
					perror("netns_hop: write");
			next_send = now_ms() + 100;
		}
		for (i = 0; hopped_ok && i < n; i++) {
			pfd[np].fd = servers[i];
			pfd[np].events = POLLIN;
			np++;
		}
		if (poll(pfd, (nfds_t)np, 50) > 0) {
			for (i = 0; i < np; i++) {
				char buf[256];

				if (pfd[i].revents & POLLIN)
					(void)!read(pfd[i].fd, buf, sizeof(buf));
			}
		}
	}
	return 0;
}
