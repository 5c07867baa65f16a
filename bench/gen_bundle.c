/* gen_bundle: writes a synthetic bundle of a target holding many mostly idle
 * sockets, for measuring analysis time (bench/bench-analyze.sh).
 *
 *   gen_bundle -o FILE [--ticks N] [--sockets N] [--keyframe N]
 *
 * One tick per second for N ticks (default 3600: one hour). The target keeps
 * --sockets connections (default 1000) spread over 23 remote ports and 50
 * addresses; socket rows are written the way the sockets source writes them:
 * on change (5% of sockets change queues each tick) and every --keyframe
 * ticks (default 60). Process, cgroup, netdev, syscall (15 syscalls), log
 * (2 levels, 10 fingerprints) and flow rows fill the rest at 1 s. Values are
 * steady with noise: a healthy service, so analysis time is not spent on
 * building findings. Deterministic (fixed seed). */
#include "bundle.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned seed = 12345;

static unsigned rnd(unsigned n)
{
	seed = seed * 1103515245u + 12345u;
	return n ? (seed >> 8) % n : 0;
}

static int exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "gen_bundle: %s\n", err ? err : "?");
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

static sqlite3_stmt *prep(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "gen_bundle: %s: %s\n", sql, sqlite3_errmsg(db));
		exit(1);
	}
	return st;
}

static void run(sqlite3_stmt *st)
{
	if (sqlite3_step(st) != SQLITE_DONE) {
		fprintf(stderr, "gen_bundle: insert failed: %s\n", sqlite3_errmsg(sqlite3_db_handle(st)));
		exit(1);
	}
	sqlite3_reset(st);
}

static void bind_ints(sqlite3_stmt *st, int n, const long long *v)
{
	int i;

	for (i = 0; i < n; i++)
		sqlite3_bind_int64(st, i + 1, v[i]);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ticks", required_argument, NULL, 't' },
		{ "sockets", required_argument, NULL, 's' },
		{ "keyframe", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const sys[] = { "read", "write", "epoll_wait", "epoll_ctl", "futex",
		"clock_gettime", "recvfrom", "sendto", "getpid", "mmap", "munmap", "openat", "close",
		"fstat", "writev" };
	const char *out = NULL;
	long long ticks = 3600, nsock = 1000, keyframe = 60, t, i;
	long long t0 = 1795766400000000LL, utime = 0, stime = 0, rx = 0, tx = 0, periods = 0;
	long long *recv_q, *bytes_sent;
	sqlite3 *db;
	sqlite3_stmt *tick, *ps, *cs, *nd, *ss, *tot, *sc, *lc, *fc, *fs;
	char *schema;
	int c;

	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 't': ticks = atoll(optarg); break;
		case 's': nsock = atoll(optarg); break;
		case 'k': keyframe = atoll(optarg); break;
		default: return 2;
		}
	}
	if (!out || ticks < 2 || nsock < 1 || keyframe < 1) {
		fprintf(stderr, "usage: gen_bundle -o FILE [--ticks N] [--sockets N] [--keyframe N]\n");
		return 2;
	}
	remove(out);
	if (sqlite3_open(out, &db) != SQLITE_OK || !(schema = bundle_schema_create_sql()))
		return 1;
	if (exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF") || exec(db, schema) ||
	    exec(db, "BEGIN"))
		return 1;
	exec(db, "INSERT INTO manifest VALUES ('host', 'bench'), ('tool_version', 'gen_bundle'), "
		 "('clocksource', 'tsc'), ('vdso_clock', 'yes');"
		 "INSERT INTO sources (name, requested, status, backend) VALUES "
		 "('process', 1, 'ran', 'procfs'), ('cgroup', 1, 'ran', 'v2'), ('netdev', 1, 'ran', 'procfs'), "
		 "('sockets', 1, 'ran', 'netlink'), ('syscalls', 1, 'ran', 'perf'), ('packets', 1, 'ran', 'pcap'), "
		 "('logs', 1, 'ran', 'tail');"
		 "INSERT INTO processes (id, pid, start_ticks, comm, role, first_tick) VALUES (1, 4242, 1, 'service', 'target', 1);"
		 "INSERT INTO cgroups (id, path, version) VALUES (1, '/bench', 2);"
		 "INSERT INTO interfaces (id, name) VALUES (1, 'lo'), (2, 'eth0');"
		 "INSERT INTO log_files (id, path, origin, format, first_tick, start_offset) VALUES (1, '/var/log/app.log', 'option', 'json', 1, 0);");
	for (i = 0; i < 15; i++) {
		char sql[160];

		snprintf(sql, sizeof(sql), "INSERT INTO syscall_names VALUES (%lld, '%s')", i, sys[i]);
		exec(db, sql);
	}
	for (i = 1; i <= 10; i++) {
		char sql[200];

		snprintf(sql, sizeof(sql), "INSERT INTO fingerprints (id, hash, level, text, first_tick, file_id) "
			 "VALUES (%lld, %lld, '%s', 'message <n> of kind %lld', 1, 1)", i, i * 7919, i <= 2 ? "error" : "info", i);
		exec(db, sql);
	}
	{
		sqlite3_stmt *so = prep(db, "INSERT INTO sockets (id, proto, family, local_addr, local_port, remote_addr, "
					"remote_port, direction, inode, process_id, pid, fd, first_tick, last_tick) "
					"VALUES (?, 'tcp', 4, '10.0.0.2', ?, ?, ?, 'out', ?, 1, 4242, ?, 1, ?)");
		sqlite3_stmt *fl = prep(db, "INSERT INTO flows (id, family, proto, addr_a, port_a, addr_b, port_b, first_us, first_tick) "
					"VALUES (?, 4, 6, '10.0.0.2', ?, ?, ?, ?, 1)");

		for (i = 1; i <= nsock; i++) {
			char addr[32];

			snprintf(addr, sizeof(addr), "10.1.%lld.%lld", (i % 50) / 10, i % 50);
			sqlite3_bind_int64(so, 1, i);
			sqlite3_bind_int64(so, 2, 30000 + i);
			sqlite3_bind_text(so, 3, addr, -1, SQLITE_TRANSIENT);
			sqlite3_bind_int64(so, 4, 9000 + i % 23);
			sqlite3_bind_int64(so, 5, 100000 + i);
			sqlite3_bind_int64(so, 6, 10 + i);
			sqlite3_bind_int64(so, 7, ticks);
			run(so);
			sqlite3_bind_int64(fl, 1, i);
			sqlite3_bind_int64(fl, 2, 30000 + i);
			sqlite3_bind_text(fl, 3, addr, -1, SQLITE_TRANSIENT);
			sqlite3_bind_int64(fl, 4, 9000 + i % 23);
			sqlite3_bind_int64(fl, 5, t0);
			run(fl);
		}
		sqlite3_finalize(so);
		sqlite3_finalize(fl);
	}
	tick = prep(db, "INSERT INTO ticks (id, wall_us, mono_us, sample_us) VALUES (?, ?, ?, 900)");
	ps = prep(db, "INSERT INTO process_samples (tick, process_id, state, utime_us, stime_us, rss_bytes, vm_bytes, "
		      "num_threads, fds, fd_limit) VALUES (?, 1, 'S', ?, ?, ?, ?, ?, ?, 65536)");
	cs = prep(db, "INSERT INTO cgroup_samples (tick, cgroup_id, cpu_usage_us, nr_periods, nr_throttled, throttled_us, "
		      "cpu_quota_us, cpu_period_us, mem_usage_bytes, mem_limit_bytes) VALUES (?, 1, ?, ?, 0, 0, 200000, 100000, ?, 1073741824)");
	nd = prep(db, "INSERT INTO netdev_samples (tick, iface_id, rx_bytes, rx_packets, rx_errs, rx_drop, tx_bytes, "
		      "tx_packets, tx_errs, tx_drop) VALUES (?, ?, ?, ?, 0, 0, ?, ?, 0, 0)");
	ss = prep(db, "INSERT INTO socket_samples (tick, socket_id, keyframe, state, recv_q, send_q, rtt_us, cwnd, "
		      "retransmits, total_retrans, bytes_sent, bytes_received, bytes_acked) "
		      "VALUES (?, ?, ?, 'ESTABLISHED', ?, 0, 250, 10, 0, 0, ?, ?, ?)");
	tot = prep(db, "INSERT INTO socket_totals VALUES (?, 1, 'tcp', ?, ?, ?, 0, 0)");
	sc = prep(db, "INSERT INTO syscall_counts VALUES (?, 1, 4242, ?, ?, 0, ?, 20000, ?)");
	lc = prep(db, "INSERT INTO log_counts VALUES (?, 1, ?, ?, ?)");
	fc = prep(db, "INSERT INTO fingerprint_counts VALUES (?, ?, ?, ?)");
	fs = prep(db, "INSERT INTO flow_seconds VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, 0, 0, 0)");
	recv_q = calloc((size_t)nsock + 1, sizeof(*recv_q));
	bytes_sent = calloc((size_t)nsock + 1, sizeof(*bytes_sent));
	if (!recv_q || !bytes_sent)
		return 1;
	for (t = 1; t <= ticks; t++) {
		long long wall = t0 + (t - 1) * 1000000LL, v[8];

		v[0] = t; v[1] = wall; v[2] = (t - 1) * 1000000LL;
		bind_ints(tick, 3, v);
		run(tick);
		utime += 200000 + rnd(20000);
		stime += 50000 + rnd(10000);
		periods += 10;
		v[0] = t; v[1] = utime; v[2] = stime; v[3] = 200000000 + rnd(4000000);
		v[4] = 800000000; v[5] = 12; v[6] = nsock + 20 + rnd(3);
		bind_ints(ps, 7, v);
		run(ps);
		v[0] = t; v[1] = utime + stime; v[2] = periods; v[3] = 300000000 + rnd(4000000);
		bind_ints(cs, 4, v);
		run(cs);
		rx += 200000 + rnd(10000);
		tx += 150000 + rnd(10000);
		for (i = 1; i <= 2; i++) {
			v[0] = t; v[1] = i; v[2] = rx * i; v[3] = rx / 500; v[4] = tx * i; v[5] = tx / 500;
			bind_ints(nd, 6, v);
			run(nd);
		}
		for (i = 1; i <= nsock; i++) {
			int kf = (t - 1) % keyframe == 0, change = rnd(100) < 5;

			if (!kf && !change)
				continue;
			if (change) {
				/* A healthy service reads what arrives: queues are seen empty. */
				recv_q[i] = 0;
				bytes_sent[i] += 500 + rnd(1000);
			}
			v[0] = t; v[1] = i; v[2] = kf; v[3] = recv_q[i]; v[4] = bytes_sent[i];
			v[5] = bytes_sent[i] * 2; v[6] = bytes_sent[i];
			bind_ints(ss, 7, v);
			run(ss);
			if (change) {
				v[0] = t; v[1] = (wall / 1000000) * 1000000; v[2] = i; v[3] = 3; v[4] = 1500;
				v[5] = 2; v[6] = 2200;
				bind_ints(fs, 7, v);
				run(fs);
			}
		}
		sqlite3_bind_int64(tot, 1, t);
		sqlite3_bind_text(tot, 2, "ESTABLISHED", -1, SQLITE_STATIC);
		sqlite3_bind_int64(tot, 3, nsock + 5);
		sqlite3_bind_int64(tot, 4, nsock);
		run(tot);
		sqlite3_bind_int64(tot, 1, t);
		sqlite3_bind_text(tot, 2, "TIME_WAIT", -1, SQLITE_STATIC);
		sqlite3_bind_int64(tot, 3, rnd(5));
		sqlite3_bind_int64(tot, 4, 0);
		run(tot);
		for (i = 0; i < 15; i++) {
			long long calls = (i < 3 ? 800 : 100) + rnd(100);

			v[0] = t; v[1] = i; v[2] = calls; v[3] = calls * 3000; v[4] = calls;
			bind_ints(sc, 5, v);
			run(sc);
		}
		for (i = 0; i < 2; i++) {
			long long n = i ? 1 + rnd(2) : 40 + rnd(10);

			sqlite3_bind_int64(lc, 1, t);
			sqlite3_bind_text(lc, 2, i ? "error" : "info", -1, SQLITE_STATIC);
			sqlite3_bind_int64(lc, 3, n);
			sqlite3_bind_int64(lc, 4, n * 180);
			run(lc);
		}
		for (i = 1; i <= 10; i++) {
			v[0] = t; v[1] = i; v[2] = 1 + rnd(5); v[3] = v[2] * 180;
			bind_ints(fc, 4, v);
			run(fc);
		}
		if (t % 600 == 0 && exec(db, "COMMIT; BEGIN"))
			return 1;
	}
	sqlite3_finalize(tick);
	sqlite3_finalize(ps);
	sqlite3_finalize(cs);
	sqlite3_finalize(nd);
	sqlite3_finalize(ss);
	sqlite3_finalize(tot);
	sqlite3_finalize(sc);
	sqlite3_finalize(lc);
	sqlite3_finalize(fc);
	sqlite3_finalize(fs);
	if (exec(db, "COMMIT") || exec(db, bundle_schema_finalize_sql()) ||
	    exec(db, "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE"))
		return 1;
	sqlite3_close(db);
	free(schema);
	free(recv_q);
	free(bytes_sent);
	return 0;
}
