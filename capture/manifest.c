/* The bundle's manifest (the manifest table: one key, one value) and the
 * default bundle name. */
#include "manifest.h"

#include "bundle.h"
#include "error.h"
#include "parse.h"
#include "proc/cgroupfs.h"
#include "proc/procfs.h"
#include "redact.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

/* Shell-quotes the command line for the manifest so it can be re-run. */
static void join_argv(int argc, char **argv, char *buf, size_t len)
{
	size_t n = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < argc && n + 4 < len; i++) {
		const char *a = argv[i], *p;
		int plain = *a != '\0';

		for (p = a; *p; p++)
			if (!isalnum((unsigned char)*p) && !strchr("-_./=:,@%+", *p))
				plain = 0;
		n += (size_t)snprintf(buf + n, len - n, i ? " " : "");
		if (n >= len)
			break;
		if (plain) {
			n += (size_t)snprintf(buf + n, len - n, "%s", a);
		} else {
			if (n < len - 1)
				buf[n++] = '\'';
			for (p = a; *p && n + 5 < len; p++) {
				if (*p == '\'') {
					memcpy(buf + n, "'\\''", 4);
					n += 4;
				} else {
					buf[n++] = *p;
				}
			}
			if (n < len - 1)
				buf[n++] = '\'';
			buf[n] = '\0';
		}
	}
	buf[len - 1] = '\0';
}

void manifest_default_output(const struct capture *cap, char *buf, size_t len)
{
	struct utsname u;
	char comm[64] = "process", path[512], stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	ssize_t n;
	char *p;

	uname(&u);
	capture_path(cap, path, sizeof(path), "/proc/%d/comm", (int)cap->targets.v[0].pid);
	n = read_file(path, comm, sizeof(comm));
	if (n <= 0)
		snprintf(comm, sizeof(comm), "process");
	for (p = comm; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
			*p = *p == '\n' ? '\0' : '_';
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	/* With --redact the file name carries the host's pseudonym, as the
	 * manifest does: a name travels with the bundle. */
	snprintf(buf, len, "casefile-%s-%s-%d-%s.db",
		 capture_redact_value((struct capture *)cap, REDACT_HOST, u.nodename, path, sizeof(path)),
		 comm, (int)cap->targets.v[0].pid, stamp);
}

/* command_line must re-run the capture, so it is never cut: the buffers are
 * sized from argv (each byte quotes to at most 4, each argument adds 3), and
 * redaction's pseudonyms may be longer than what they replace. */
static void manifest_command_line(struct capture *cap)
{
	const struct capture_opts *o = cap->opts;
	size_t len = 1, redsz;
	char *buf, *red;
	int i;

	for (i = 0; i < o->argc; i++)
		len += 4 * strlen(o->argv[i]) + 3;
	redsz = 4 * len + 1024;
	buf = malloc(len);
	red = malloc(redsz);
	if (buf && red) {
		join_argv(o->argc, o->argv, buf, len);
		writer_manifest_set(cap->w, "command_line", capture_redact_str(cap, buf, red, redsz));
	} else {
		warning("out of memory: the manifest has no command_line");
	}
	free(buf);
	free(red);
}

/* The few origin variables kept from the target's environment (never stored
 * wholesale: secrets live there). The whole environ is read, bounded: a
 * variable after 8 KiB of others must not be missed. */
static void manifest_environ(struct capture *cap)
{
	static const struct { const char *var, *key; } keep[] = {
		{ "POD_NAME", "pod" }, { "POD_NAMESPACE", "namespace" },
		{ "KUBERNETES_POD_NAME", "pod" }, { "KUBERNETES_NAMESPACE", "namespace" },
		{ "HOSTNAME", "target_hostname" }, { "KUBERNETES_SERVICE_HOST", "kubernetes_service_host" },
	};
	char path[512], *buf;
	struct environ_var v;
	ssize_t got;
	size_t off = 0, k;
	int cut;

	capture_path(cap, path, sizeof(path), "/proc/%d/environ", (int)cap->targets.v[0].pid);
	got = read_file_alloc(path, 16u << 20, &buf, &cut);
	if (cut)
		writer_manifest_set(cap->w, "environ_truncated", "1");
	while (got > 0 && procfs_environ_next(buf, (size_t)got, &off, &v)) {
		for (k = 0; k < sizeof(keep) / sizeof(keep[0]); k++) {
			/* A value of up to 254 bytes with its name; longer is not a
			 * name we keep. */
			if (v.value_len > 0 && v.name_len + 1 + v.value_len < 256 &&
			    v.name_len == strlen(keep[k].var) && !memcmp(v.name, keep[k].var, v.name_len)) {
				char val[256], red[256];

				memcpy(val, v.value, v.value_len);
				val[v.value_len] = '\0';
				/* With --redact, names and addresses get pseudonyms. */
				if (strcmp(keep[k].key, "pod") && strcmp(keep[k].key, "namespace"))
					capture_redact_value(cap, strcmp(keep[k].key, "target_hostname") ? REDACT_IP : REDACT_HOST,
							     val, red, sizeof(red));
				else
					snprintf(red, sizeof(red), "%s", val);
				writer_manifest_set(cap->w, keep[k].key, red);
			}
		}
	}
	free(buf);
}

void manifest_write(struct capture *cap, const char *output)
{
	const struct capture_opts *o = cap->opts;
	struct writer *w = cap->w;
	struct utsname u;
	unsigned char rnd[16];
	char buf[8192], tmp[64], path[4096];
	char id[65];
	ssize_t got;
	size_t n = 0;
	int i;

	uname(&u);
	writer_manifest_set(w, "host", capture_redact_value(cap, REDACT_HOST, u.nodename, path, sizeof(path)));
	writer_manifest_setf(w, "kernel", "%s %s", u.release, u.version);
	writer_manifest_set(w, "arch", u.machine);
	writer_manifest_set(w, "tool", "casefile-capture");
	writer_manifest_set(w, "tool_version", CASEFILE_VERSION);
	writer_manifest_setf(w, "schema_version", "%d", bundle_schema_version);
	manifest_command_line(cap);
	writer_manifest_setf(w, "start_us", "%lld", (long long)cap->tick_wall_us);
	writer_manifest_set(w, "start_time", format_time_us(cap->tick_wall_us, tmp, sizeof(tmp)));
	writer_manifest_setf(w, "interval_us", "%lld", (long long)o->interval_us);
	writer_manifest_setf(w, "duration_us", "%lld", (long long)o->duration_us);
	writer_manifest_setf(w, "max_size", "%llu", (unsigned long long)o->max_size);
	writer_manifest_set(w, "output", output);
	buf[0] = '\0';
	for (i = 0; i < o->npids && n < sizeof(buf) - 32; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s--pid %d", n ? " " : "", (int)o->pids[i]);
	if (o->name_pattern)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s--name %s", n ? " " : "", o->name_pattern);
	if (o->children && n < sizeof(buf))
		snprintf(buf + n, sizeof(buf) - n, " --children");
	writer_manifest_set(w, "target_selection", buf);
	if (getrandom(rnd, sizeof(rnd), 0) == (ssize_t)sizeof(rnd)) {
		for (i = 0; i < 16; i++)
			snprintf(buf + 2 * i, 3, "%02x", rnd[i]);
		/* Ids inside a bundle are local; bundle_id keeps them apart when
		 * several bundles are unioned (ATTACH, DuckDB). */
		writer_manifest_set(w, "bundle_id", buf);
	}
	capture_path(cap, path, sizeof(path), "/proc/sys/kernel/random/boot_id");
	if (read_file(path, buf, sizeof(buf)) > 0) {
		buf[strcspn(buf, "\n")] = '\0';
		writer_manifest_set(w, "boot_id", buf);
	}
	writer_manifest_setf(w, "ncpu", "%ld", sysconf(_SC_NPROCESSORS_ONLN));
	writer_manifest_setf(w, "clk_tck", "%ld", sysconf(_SC_CLK_TCK));
	writer_manifest_setf(w, "page_size", "%ld", sysconf(_SC_PAGESIZE));
	/* Origin, when the environment tells. */
	manifest_environ(cap);
	/* Kubernetes and container ids, when the cgroup path names them. */
	capture_path(cap, path, sizeof(path), "/proc/%d/cgroup", (int)cap->targets.v[0].pid);
	got = read_file(path, buf, sizeof(buf));
	if (got > 0 && cgroup_container_id(buf, (size_t)got, id))
		writer_manifest_set(w, "container_id", id);
}

void manifest_write_end(struct capture *cap, const char *stop_reason)
{
	char tmp[64];

	writer_manifest_setf(cap->w, "end_us", "%lld", (long long)now_wall_us());
	writer_manifest_set(cap->w, "end_time", format_time_us(now_wall_us(), tmp, sizeof(tmp)));
	writer_manifest_setf(cap->w, "ticks", "%lld", (long long)cap->tick);
	writer_manifest_set(cap->w, "stop_reason", stop_reason);
}
