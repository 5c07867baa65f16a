/* pool_client: a keep-alive client whose pool grows until a cap, the shape
 * of the incident (a log transport's HTTP agent with maxSockets).
 *
 * It sends --rate requests per second to 127.0.0.1:--port. A request goes
 * on an idle connection, or on a new one while the pool is below --max-sockets
 * (default 48), or is dropped and counted when the pool is full. Only every
 * --read-every'th connection ever reads its answers; on the others the answer
 * stays unread in the receive queue (a starved event loop), so they never
 * become idle again and the pool grows until it hits the cap and stays there.
 *
 * EXAMPLES
 *   slow_server --port 9243 & pool_client --port 9243 --rate 8 --duration 30
 *   pool_client --max-sockets 100 --read-every 2
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

#define MAX_POOL 4096

struct conn {
	int fd;
	int reader;              /* reads its answers */
	int busy;                /* a request is out */
	long got;                /* bytes of the current answer read */
};

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, 0, 'p' },
		{ "max-sockets", required_argument, 0, 'm' },
		{ "rate", required_argument, 0, 'r' },
		{ "read-every", required_argument, 0, 'e' },
		{ "response", required_argument, 0, 'R' },
		{ "duration", required_argument, 0, 't' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 }
	};
	long port = 9243, cap = 48, rate = 4, every = 4, resp = 1101, duration = 300;
	static struct conn pool[MAX_POOL];
	static struct pollfd pfd[MAX_POOL];
	static int pidx[MAX_POOL];
	static char buf[65536];
	struct sockaddr_in sa = { .sin_family = AF_INET };
	long long end, next_req, last_report = 0;
	long dropped = 0, sent = 0, opened = 0;
	int n = 0, c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'p': port = opt_num_of("pool_client", optarg, 1, 65535, "--port"); break;
		case 'm': cap = opt_num_of("pool_client", optarg, 1, MAX_POOL, "--max-sockets"); break;
		case 'r': rate = opt_num_of("pool_client", optarg, 1, 10000, "--rate"); break;
		case 'e': every = opt_num_of("pool_client", optarg, 1, 1000000, "--read-every"); break;
		case 'R': resp = opt_num_of("pool_client", optarg, 1, 1 << 20, "--response"); break;
		case 't': duration = opt_num_of("pool_client", optarg, 1, 86400, "--duration"); break;
		default:
			fprintf(stderr, "usage: pool_client [--port 9243] [--max-sockets 48] [--rate 4] "
				"[--read-every 4] [--response 1101] [--duration 300]\n");
			return c == 'h' ? 0 : 2;
		}
	}
	sample_on_signals();
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	end = now_ms() + duration * 1000;
	next_req = now_ms();
	while (!stop && now_ms() < end) {
		long long now = now_ms();
		int np = 0;

		if (now >= next_req) {
			int i;
			next_req += 1000 / rate;
			for (i = 0; i < n && pool[i].busy; i++)
				;
			if (i == n && n < cap) {
				int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
				if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
					pool[n] = (struct conn){ .fd = fd, .reader = (opened % every) == 0 };
					n++;
					opened++;
				} else {
					if (fd >= 0)
						close(fd);
					i = -1;
				}
			}
			if (i >= 0 && i < n) {
				static const char req[] = "POST /_bulk HTTP/1.1\r\nHost: es\r\n\r\n";
				if (write(pool[i].fd, req, sizeof(req) - 1) > 0) {
					pool[i].busy = 1;
					pool[i].got = 0;
					sent++;
				}
			} else {
				dropped++;
			}
		}
		if (now - last_report >= 5000) {
			fprintf(stderr, "pool_client: pool %d/%ld sent %ld dropped %ld\n", n, cap, sent, dropped);
			last_report = now;
		}
		for (int i = 0; i < n; i++) {
			if (pool[i].reader && pool[i].busy) {
				pfd[np].fd = pool[i].fd;
				pfd[np].events = POLLIN;
				pidx[np++] = i;
			}
		}
		long long wait = next_req - now_ms();
		if (poll(pfd, (nfds_t)np, wait > 0 ? (int)wait : 0) < 0 && errno != EINTR)
			break;
		for (int k = 0; k < np; k++) {
			struct conn *cn = &pool[pidx[k]];
			if (!(pfd[k].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			ssize_t r = read(cn->fd, buf, sizeof(buf));
			if (r <= 0) {
				/* the server went away: keep the slot, stop using it */
				cn->reader = 0;
				continue;
			}
			cn->got += r;
			if (cn->got >= resp)
				cn->busy = 0;
		}
	}
	for (int i = 0; i < n; i++)
		close(pool[i].fd);
	fprintf(stderr, "pool_client: done, pool %d sent %ld dropped %ld\n", n, sent, dropped);
	return 0;
}
