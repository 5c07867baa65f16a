/* hostile: a process whose name, command line and log lines are hostile
 * text (HTML, Markdown, quotes, control bytes), for the reports' escaping
 * tests. Reports must show all of it as text and run none of it.
 *
 *   hostile [--comm NAME] [--argv0 TEXT] [--log FILE] [--rate LINES_PER_S]
 *           [--duration SECONDS] [--ready FILE]
 *
 * Re-executes itself once with argv[0] = TEXT (the command line a capture
 * records), sets its comm to NAME with prctl (the kernel keeps 15 bytes),
 * then appends JSON and plain log lines to FILE at the given rate. Writes
 * "ready" to FILE once its name is set. Exits after --duration or on
 * SIGTERM/SIGINT.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static const char *const json_lines[] = {
	"{\"level\":\"error\",\"msg\":\"<script>alert(1)</script> failed for \\\"user\\\" 'x'\"}",
	"{\"level\":\"error\",\"msg\":\"</svg><img src=x onerror=alert(1)> broke the chart\"}",
	"{\"level\":\"warn\",\"msg\":\"| col | `code` **bold** [link](javascript:alert(1)) <b>tag</b> & &amp;\"}",
	"{\"level\":\"error\",\"msg\":\"</title></style></textarea><iframe srcdoc=x> \\u001b[31mred\\u001b[0m\"}",
};

static const char *const plain_lines[] = {
	"ERROR \"quoted\" </svg><img src=x onerror=alert(1)> request 42 failed",
	"WARN # heading? - list? > quote? ``` fence ``` $math$ @channel",
};

int main(int argc, char **argv)
{
	const char *comm = "<script>alert(1)</script>", *argv0 = "<script>alert(1)</script>";
	const char *log = NULL, *ready = NULL;
	double rate = 20, duration = 60;
	struct timespec step;
	FILE *lf = NULL;
	time_t end;
	long n = 0;
	int i;

	for (i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(argv[i], "--comm") && v)
			comm = argv[++i];
		else if (!strcmp(argv[i], "--argv0") && v)
			argv0 = argv[++i];
		else if (!strcmp(argv[i], "--log") && v)
			log = argv[++i];
		else if (!strcmp(argv[i], "--rate") && v)
			rate = atof(argv[++i]);
		else if (!strcmp(argv[i], "--duration") && v)
			duration = atof(argv[++i]);
		else if (!strcmp(argv[i], "--ready") && v)
			ready = argv[++i];
		else {
			fprintf(stderr, "usage: hostile [--comm NAME] [--argv0 TEXT] [--log FILE] [--rate N]"
				" [--duration S] [--ready FILE]\n");
			return 2;
		}
	}
	if (strcmp(argv[0], argv0) != 0) {
		argv[0] = (char *)argv0;
		execv("/proc/self/exe", argv);
		fprintf(stderr, "hostile: cannot re-exec: %s\n", strerror(errno));
		return 1;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	if (prctl(PR_SET_NAME, comm, 0, 0, 0) < 0) {
		fprintf(stderr, "hostile: prctl: %s\n", strerror(errno));
		return 1;
	}
	if (log && !(lf = fopen(log, "a"))) {
		fprintf(stderr, "hostile: cannot open '%s': %s\n", log, strerror(errno));
		return 1;
	}
	if (ready) {
		FILE *r = fopen(ready, "w");

		if (r) {
			fputs("ready\n", r);
			fclose(r);
		}
	}
	if (rate <= 0)
		rate = 1;
	step.tv_sec = (time_t)(1 / rate);
	step.tv_nsec = (long)((1 / rate - (double)step.tv_sec) * 1e9);
	end = time(NULL) + (time_t)duration;
	while (!stop && time(NULL) < end) {
		if (lf) {
			if (n % 3 == 2)
				fprintf(lf, "%s\n", plain_lines[(n / 3) % 2]);
			else
				fprintf(lf, "%s\n", json_lines[n % 4]);
			fflush(lf);
		}
		n++;
		nanosleep(&step, NULL);
	}
	if (lf)
		fclose(lf);
	return 0;
}
