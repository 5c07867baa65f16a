/* twmaker: leaves N TIME_WAIT sockets in its network namespace (loopback
 * connections to its own listener, each closed by the client first), for
 * benchmarks of a busy namespace. Prints "twmaker: N in TIME_WAIT" and exits;
 * the sockets stay for the kernel's 60 s (the namespace must outlive it).
 *
 * EXAMPLES
 *   unshare -n sh -c 'ip link set lo up; twmaker 20000; ss -tan state time-wait | wc -l'
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t alen = sizeof(sa);
	long n;
	int lfd, one = 1;

	if (argc != 2 || (n = strtol(argv[1], NULL, 10)) < 1 || n > 25000) {
		fprintf(stderr, "usage: twmaker N (1..25000)\n");
		return 2;
	}
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 128) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &alen) < 0) {
		perror("twmaker: listen");
		return 1;
	}
	for (long i = 0; i < n; i++) {
		int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), s;
		char b;

		if (c < 0 || connect(c, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			fprintf(stderr, "twmaker: connect %ld: %s\n", i, strerror(errno));
			return 1;
		}
		s = accept(lfd, NULL, NULL);
		if (s < 0) {
			perror("twmaker: accept");
			return 1;
		}
		/* the client closes first and so holds the TIME_WAIT; the server
		 * reads its FIN before closing, so no RST */
		close(c);
		if (read(s, &b, 1) < 0)
			perror("twmaker: read");
		close(s);
	}
	printf("twmaker: %ld in TIME_WAIT\n", n);
	return 0;
}
