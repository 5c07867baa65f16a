/* udpblast: a paced UDP sender on loopback for bench/bench-packets.sh.
 *
 *   udpblast -r PER_SECOND -d SECONDS [-p PORT] [-s BYTES] [-g GOFILE] [-l LINGER_MS]
 *
 * Waits for GOFILE (when given), then sends BYTES-byte datagrams (64 by
 * default: 106-byte frames on lo) to 127.0.0.1:PORT at PER_SECOND for SECONDS,
 * in sendmmsg batches paced against the monotonic clock, lingers LINGER_MS,
 * and prints "sent N achieved_pps". */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	long rate = 100000, port = 39990, size = 64, linger = 300;
	double secs = 3, t0, t;
	const char *go = NULL;
	static char buf[2048];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in dst;
	long long sent = 0;
	int fd, rfd, opt;

	while ((opt = getopt(argc, argv, "r:d:p:s:g:l:")) != -1) {
		switch (opt) {
		case 'r': rate = atol(optarg); break;
		case 'd': secs = atof(optarg); break;
		case 'p': port = atol(optarg); break;
		case 's': size = atol(optarg); break;
		case 'g': go = optarg; break;
		case 'l': linger = atol(optarg); break;
		default:
			fprintf(stderr, "usage: udpblast -r RATE -d SECONDS [-p PORT] [-s BYTES] [-g GOFILE] [-l LINGER_MS]\n");
			return 2;
		}
	}
	if (rate <= 0 || secs <= 0 || port <= 0 || port > 65535 || size < 0 || size > (long)sizeof(buf))
		return 2;
	memset(&dst, 0, sizeof(dst));
	dst.sin_family = AF_INET;
	dst.sin_port = htons((unsigned short)port);
	dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	rfd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || rfd < 0) {
		perror("udpblast: socket");
		return 1;
	}
	/* a bound receiver keeps the kernel from answering with ICMP; never read */
	if (bind(rfd, (struct sockaddr *)&dst, sizeof(dst)))
		perror("udpblast: bind (continuing)");
	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < BATCH; i++) {
		iov[i].iov_base = buf;
		iov[i].iov_len = (size_t)size;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = &dst;
		msgs[i].msg_hdr.msg_namelen = sizeof(dst);
	}
	while (go && access(go, F_OK) != 0)
		usleep(10000);
	t0 = now_s();
	while ((t = now_s() - t0) < secs) {
		long long due = (long long)(t * (double)rate);

		if (due <= sent) {
			struct timespec ts = { 0, 200000 };

			nanosleep(&ts, NULL);
			continue;
		}
		while (sent < due) {
			int n = due - sent > BATCH ? BATCH : (int)(due - sent);
			int r = sendmmsg(fd, msgs, (unsigned)n, 0);

			if (r > 0)
				sent += r;
			else
				break;
		}
	}
	t = now_s() - t0;
	usleep((useconds_t)linger * 1000);
	printf("sent %lld %.0f\n", sent, (double)sent / t);
	return 0;
}
