/* sockhold: holds N established loopback TCP connections, both ends in this
 * process (2 sockets and 2 fds per connection), for socket-table benchmarks.
 * SO_LINGER 0 on every socket so teardown leaves no TIME_WAIT behind.
 * Prints "sockhold: ready pid P" once all are connected, then waits for
 * SIGTERM or --duration seconds (default 600).
 *
 * EXAMPLES
 *   sockhold 7500 &            # 15k sockets, 15k fds (hard limit here: 20000)
 *   sockhold 5000 --port 51000 --idle
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig; stop = 1; }

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct linger lg = { 1, 0 };
	struct rlimit rl;
	long n, duration = 600;
	int lfd, one = 1;
	socklen_t alen = sizeof(sa);

	if (argc < 2 || (n = strtol(argv[1], NULL, 10)) < 1 || n > 9500) {
		fprintf(stderr, "usage: sockhold N (1..9500) [--duration S]\n");
		return 2;
	}
	for (int i = 2; i + 1 < argc; i += 2)
		if (!strcmp(argv[i], "--duration"))
			duration = strtol(argv[i + 1], NULL, 10);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 4096) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &alen) < 0) {
		perror("sockhold: listen");
		return 1;
	}
	for (long i = 0; i < n && !stop; i++) {
		int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), s;
		if (c < 0 || connect(c, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			fprintf(stderr, "sockhold: connect %ld: %s\n", i, strerror(errno));
			return 1;
		}
		s = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (s < 0) {
			perror("sockhold: accept");
			return 1;
		}
		setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	}
	printf("sockhold: ready pid %d\n", (int)getpid());
	fflush(stdout);
	for (long t = 0; t < duration * 10 && !stop; t++) {
		struct timespec ts = { 0, 100000000L };
		nanosleep(&ts, NULL);
	}
	return 0;
}
