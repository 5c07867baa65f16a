/* The series and set catalog (see series.h). Queries aggregate over all
 * processes of the target (the target and the children it followed). */
#include "series.h"

#include <stddef.h>

const struct series_def series_catalog[] = {
	{ "cpu_pct", "CPU (% of one core)", "%", "process_samples",
	  "SELECT wall_us, sum(cpu_pct) FROM process_cpu GROUP BY tick ORDER BY tick", 1 },
	{ "cpu_user_pct", "CPU user (% of one core)", "%", "process_samples",
	  "SELECT wall_us, sum(user_pct) FROM process_cpu GROUP BY tick ORDER BY tick", 1 },
	{ "cpu_sys_pct", "CPU system (% of one core)", "%", "process_samples",
	  "SELECT wall_us, sum(sys_pct) FROM process_cpu GROUP BY tick ORDER BY tick", 1 },
	{ "rss_bytes", "Resident memory", "bytes", "process_samples",
	  "SELECT wall_us, sum(rss_bytes) FROM process_memory GROUP BY tick ORDER BY tick", 1 },
	{ "fds", "Open file descriptors", "count", "process_samples",
	  "SELECT wall_us, sum(fds) FROM process_memory GROUP BY tick ORDER BY tick", 1 },
	{ "threads", "Threads", "count", "process_samples",
	  "SELECT wall_us, sum(num_threads) FROM process_memory GROUP BY tick ORDER BY tick", 1 },
	{ "throttled_share", "CPU periods throttled (share)", "share", "cgroup_samples",
	  "SELECT wall_us, max(throttled_share) FROM cgroup_throttling GROUP BY tick ORDER BY tick", 1 },
	{ "throttled_ms_per_s", "CPU throttled time (ms/s)", "ms/s", "cgroup_samples",
	  "SELECT wall_us, max(throttled_ms_per_s) FROM cgroup_throttling GROUP BY tick ORDER BY tick", 1 },
	{ "cgroup_memory_bytes", "Cgroup memory", "bytes", "cgroup_samples",
	  "SELECT wall_us, max(mem_usage_bytes) FROM cgroup_throttling GROUP BY tick ORDER BY tick", 1 },
	{ "rx_bytes_per_s", "Traffic in (bytes/s, all interfaces)", "bytes/s", "netdev_samples",
	  "SELECT wall_us, sum(rx_bytes_per_s) FROM netdev_rates GROUP BY tick ORDER BY tick", 1 },
	{ "tx_bytes_per_s", "Traffic out (bytes/s, all interfaces)", "bytes/s", "netdev_samples",
	  "SELECT wall_us, sum(tx_bytes_per_s) FROM netdev_rates GROUP BY tick ORDER BY tick", 1 },
	{ "rx_packets_per_s", "Packets in (1/s)", "1/s", "netdev_samples",
	  "SELECT wall_us, sum(rx_packets_per_s) FROM netdev_rates GROUP BY tick ORDER BY tick", 1 },
	{ "tx_packets_per_s", "Packets out (1/s)", "1/s", "netdev_samples",
	  "SELECT wall_us, sum(tx_packets_per_s) FROM netdev_rates GROUP BY tick ORDER BY tick", 1 },
	{ NULL, NULL, NULL, NULL, NULL, 0 },
};

const struct set_def set_catalog[] = {
	{ "processes", "Processes by command", "peak threads", "processes",
	  "SELECT p.comm, max(s.num_threads) FROM processes p JOIN process_samples s ON s.process_id = p.id "
	  "GROUP BY p.comm" },
	{ NULL, NULL, NULL, NULL, NULL },
};
