-- casefile bundle schema: the one canonical definition, embedded into both
-- binaries at build time (schema/embed.sh). Documented in schema/README.md.
--
-- Rules for changing it:
--  * Every bundle an earlier casefile wrote must stay readable. Add tables and
--    columns; never rename or drop. Bump user_version on any change, keep a
--    small bundle of the old version in tests/bundles/, and teach the reader.
--  * Entities (processes, sockets, interfaces, fingerprints) are stored once;
--    time series reference them by id and by tick.
--  * No secondary index is built while capturing (an index makes inserts ~20x
--    slower): indexes live after the "@finalize" marker and are created when
--    the capture stops cleanly.
--  * Timestamps: wall_us is wall-clock microseconds since the epoch (UTC);
--    mono_us is CLOCK_MONOTONIC microseconds, for intervals.

PRAGMA application_id = 1128354630; -- 'CASF'
PRAGMA user_version = 1;

-- ==== capture core (capture/writer.c) =====================================

CREATE TABLE manifest (
	key   TEXT PRIMARY KEY,
	value TEXT
);

CREATE TABLE sources (
	name      TEXT PRIMARY KEY,
	requested INTEGER NOT NULL,      -- 1 if asked for (default or flag), 0 if turned off
	status    TEXT NOT NULL,         -- running | ran | skipped | failed | off
	backend   TEXT,                  -- e.g. 'netlink', 'procfs', 'perf', 'sampling'
	reason    TEXT,                  -- why skipped/failed/fell back; NULL when it ran as asked
	first_tick INTEGER,
	last_tick  INTEGER
);

CREATE TABLE events (
	id      INTEGER PRIMARY KEY,
	tick    INTEGER,                 -- the tick it happened in, NULL before the first
	wall_us INTEGER NOT NULL,
	kind    TEXT NOT NULL,           -- capture_start, capture_stop, source_skipped,
	                                 -- source_failed, target_started, target_exited,
	                                 -- size_cap, drops, backoff, warning
	source  TEXT,                    -- source name, NULL for the capture itself
	message TEXT NOT NULL
);

CREATE TABLE ticks (
	id          INTEGER PRIMARY KEY, -- 1, 2, 3 ... referenced as "tick" everywhere
	wall_us     INTEGER NOT NULL,
	mono_us     INTEGER NOT NULL,
	sample_us   INTEGER              -- how long sampling this tick took
);

-- ==== process source (capture/process.c) ===================================

CREATE TABLE processes (
	id          INTEGER PRIMARY KEY,
	pid         INTEGER NOT NULL,
	start_ticks INTEGER NOT NULL,    -- /proc/PID/stat starttime (clock ticks after boot):
	                                 -- (pid, start_ticks) names one process even when pids are reused
	start_wall_us INTEGER,
	ppid        INTEGER,
	uid         INTEGER,
	comm        TEXT,
	cmdline     TEXT,                -- NUL separators replaced by spaces
	exe         TEXT,
	cgroup      TEXT,                -- cgroup path (v2 path, or v1 cpu controller path)
	netns       INTEGER,             -- network namespace inode
	role        TEXT NOT NULL,       -- 'target' (named) or 'child' (descendant followed)
	first_tick  INTEGER,
	last_tick   INTEGER,
	exit_tick   INTEGER,             -- tick at which it was seen gone, NULL if alive at the end
	UNIQUE (pid, start_ticks)
);

CREATE TABLE process_limits (
	process_id INTEGER NOT NULL,
	name       TEXT NOT NULL,        -- as in /proc/PID/limits, e.g. 'Max open files'
	soft       INTEGER,              -- NULL = unlimited
	hard       INTEGER,
	unit       TEXT
);

CREATE TABLE threads (
	id          INTEGER PRIMARY KEY,
	process_id  INTEGER NOT NULL,
	tid         INTEGER NOT NULL,
	start_ticks INTEGER,
	comm        TEXT,
	first_tick  INTEGER,
	last_tick   INTEGER,
	exit_tick   INTEGER
);

CREATE TABLE process_samples (
	tick        INTEGER NOT NULL,
	process_id  INTEGER NOT NULL,
	state       TEXT,                -- R, S, D, Z, ...
	utime_us    INTEGER,             -- cumulative user CPU
	stime_us    INTEGER,             -- cumulative system CPU
	rss_bytes   INTEGER,
	vm_bytes    INTEGER,
	pss_bytes   INTEGER,             -- from smaps_rollup, sampled less often: NULL between
	swap_bytes  INTEGER,
	num_threads INTEGER,
	fds         INTEGER,
	fd_limit    INTEGER,             -- soft RLIMIT_NOFILE
	vol_ctxt    INTEGER,             -- cumulative voluntary context switches
	invol_ctxt  INTEGER,
	minflt      INTEGER,
	majflt      INTEGER,
	rchar       INTEGER,             -- cumulative, from /proc/PID/io (NULL when unreadable)
	wchar       INTEGER,
	syscr       INTEGER,
	syscw       INTEGER,
	read_bytes  INTEGER,
	write_bytes INTEGER
);

CREATE TABLE thread_samples (
	tick       INTEGER NOT NULL,
	thread_id  INTEGER NOT NULL,
	state      TEXT,
	utime_us   INTEGER,
	stime_us   INTEGER,
	vol_ctxt   INTEGER,
	invol_ctxt INTEGER
);

-- ==== cgroup source (capture/cgroup.c) =====================================

CREATE TABLE cgroups (
	id      INTEGER PRIMARY KEY,
	path    TEXT NOT NULL,           -- relative to the cgroup root, e.g. /kubepods/pod.../abc
	version INTEGER NOT NULL,        -- 1 or 2
	fs_path TEXT                     -- where it was read, e.g. /sys/fs/cgroup/cpu/...
);

CREATE TABLE cgroup_samples (
	tick            INTEGER NOT NULL,
	cgroup_id       INTEGER NOT NULL,
	cpu_usage_us    INTEGER,         -- cumulative
	cpu_user_us     INTEGER,
	cpu_system_us   INTEGER,
	nr_periods      INTEGER,         -- cumulative CFS periods
	nr_throttled    INTEGER,         -- cumulative periods throttled
	throttled_us    INTEGER,         -- cumulative time throttled
	cpu_quota_us    INTEGER,         -- NULL = no quota
	cpu_period_us   INTEGER,
	mem_usage_bytes INTEGER,
	mem_limit_bytes INTEGER,         -- NULL = no limit
	mem_peak_bytes  INTEGER,
	oom_events      INTEGER,         -- cumulative (v2 memory.events oom / v1 under_oom)
	oom_kills       INTEGER,         -- cumulative
	pids_current    INTEGER
);

-- ==== netdev source (capture/netdev.c) =====================================

CREATE TABLE interfaces (
	id     INTEGER PRIMARY KEY,
	netns  INTEGER,                  -- network namespace inode
	name   TEXT NOT NULL
);

CREATE TABLE netdev_samples (
	tick       INTEGER NOT NULL,
	iface_id   INTEGER NOT NULL,
	rx_bytes   INTEGER, rx_packets INTEGER, rx_errs INTEGER, rx_drop INTEGER,
	tx_bytes   INTEGER, tx_packets INTEGER, tx_errs INTEGER, tx_drop INTEGER
);

-- ==== sockets source (capture/sockets.c) ===================================

-- ==== syscalls source (capture/syscalls.c) =================================

-- Names of the syscall numbers of the machine the capture ran on (its
-- architecture is manifest 'syscall_arch'), generated from kernel headers.
CREATE TABLE syscall_names (
	nr   INTEGER PRIMARY KEY,
	name TEXT NOT NULL
);

-- Per tick, process and syscall: what `strace -c` shows, for the interval
-- since the previous tick. Counted by the perf or ptrace backend, never by
-- sampling. A call is counted in the tick in which it returns, so calls in
-- flight at the end and exit/exit_group are not counted.
CREATE TABLE syscall_counts (
	tick       INTEGER NOT NULL,
	process_id INTEGER,              -- processes.id; NULL for a process outside the target set
	pid        INTEGER NOT NULL,
	nr         INTEGER NOT NULL,     -- syscall number (syscall_names.nr)
	calls      INTEGER NOT NULL,
	errors     INTEGER NOT NULL,     -- returned -4095..-1 (see syscall_errors)
	total_ns   INTEGER NOT NULL,     -- time spent inside, summed over timed calls
	max_ns     INTEGER NOT NULL,
	timed      INTEGER NOT NULL      -- calls whose enter and exit were both seen
);

-- Per tick and thread: the same, summed over syscalls.
CREATE TABLE syscall_thread_counts (
	tick       INTEGER NOT NULL,
	process_id INTEGER,
	pid        INTEGER NOT NULL,
	tid        INTEGER NOT NULL,
	calls      INTEGER NOT NULL,
	errors     INTEGER NOT NULL,
	total_ns   INTEGER NOT NULL
);

-- Per tick, process and syscall: the most frequent errno values (up to 5).
CREATE TABLE syscall_errors (
	tick       INTEGER NOT NULL,
	process_id INTEGER,
	pid        INTEGER NOT NULL,
	nr         INTEGER NOT NULL,
	errno      INTEGER NOT NULL,
	errno_name TEXT,                 -- e.g. 'ENOENT'
	count      INTEGER NOT NULL
);

-- Fallback backend (sampling /proc/PID/task/TID/syscall): per tick and
-- process, how many thread samples sat in each syscall. These are samples
-- of where blocked threads wait, not call counts: a thread on a CPU reads
-- as 'running'.
CREATE TABLE syscall_samples (
	tick       INTEGER NOT NULL,
	process_id INTEGER,
	pid        INTEGER NOT NULL,
	state      TEXT NOT NULL,        -- 'syscall' | 'running' | 'user' (blocked outside a syscall)
	nr         INTEGER,              -- the syscall, when state = 'syscall'
	samples    INTEGER NOT NULL,
	rounds     INTEGER NOT NULL      -- sampling rounds in the tick (samples / rounds = threads)
);

-- Per tick: the health of the syscalls backend.
CREATE TABLE syscall_ticks (
	tick    INTEGER NOT NULL,
	backend TEXT NOT NULL,           -- 'perf' | 'sampling' | 'ptrace'
	events  INTEGER NOT NULL,        -- records (perf: enter + exit) or samples read
	lost    INTEGER NOT NULL,        -- records the kernel dropped (ring full, PERF_RECORD_LOST)
	dropped INTEGER NOT NULL,        -- updates that found casefile's counter tables full
	rounds  INTEGER NOT NULL         -- sampling rounds (sampling backend)
);

-- ==== packets source (capture/packets.c) ===================================

-- ==== logs source (capture/logs.c) =========================================

-- ==== attachments (capture/attach.c) =======================================

-- ==== views ================================================================

-- CPU % of one core per process and tick, from deltas of cumulative CPU time
-- over the monotonic interval between consecutive ticks.
CREATE VIEW process_cpu AS
SELECT tick, wall_us, process_id, pid, comm,
       100.0 * (d_user + d_sys) / d_mono AS cpu_pct,
       100.0 * d_user / d_mono AS user_pct,
       100.0 * d_sys / d_mono AS sys_pct
FROM (
	SELECT s.tick, t.wall_us, s.process_id, p.pid, p.comm,
	       s.utime_us - LAG(s.utime_us) OVER w AS d_user,
	       s.stime_us - LAG(s.stime_us) OVER w AS d_sys,
	       t.mono_us - LAG(t.mono_us) OVER w AS d_mono
	FROM process_samples s
	JOIN ticks t ON t.id = s.tick
	JOIN processes p ON p.id = s.process_id
	WINDOW w AS (PARTITION BY s.process_id ORDER BY s.tick)
)
WHERE d_mono > 0;

-- Memory, fds and threads per process and tick.
CREATE VIEW process_memory AS
SELECT s.tick, t.wall_us, s.process_id, p.pid, p.comm,
       s.rss_bytes, s.vm_bytes, s.pss_bytes, s.swap_bytes,
       s.fds, s.fd_limit, s.num_threads
FROM process_samples s
JOIN ticks t ON t.id = s.tick
JOIN processes p ON p.id = s.process_id;

-- Share of CFS periods throttled, throttled time per second, CPU use
-- against quota, memory against limit, per cgroup and tick.
CREATE VIEW cgroup_throttling AS
SELECT tick, wall_us, cgroup_id, path,
       CASE WHEN d_periods > 0 THEN 1.0 * d_throttled / d_periods END AS throttled_share,
       1000.0 * d_throttled_us / d_mono AS throttled_ms_per_s,
       100.0 * d_usage / d_mono AS cpu_pct,
       CASE WHEN cpu_quota_us > 0 THEN 100.0 * d_usage / d_mono / (1.0 * cpu_quota_us / cpu_period_us) END AS quota_used_pct,
       mem_usage_bytes, mem_limit_bytes
FROM (
	SELECT s.tick, t.wall_us, s.cgroup_id, c.path, s.cpu_quota_us, s.cpu_period_us,
	       s.mem_usage_bytes, s.mem_limit_bytes,
	       s.nr_periods - LAG(s.nr_periods) OVER w AS d_periods,
	       s.nr_throttled - LAG(s.nr_throttled) OVER w AS d_throttled,
	       s.throttled_us - LAG(s.throttled_us) OVER w AS d_throttled_us,
	       s.cpu_usage_us - LAG(s.cpu_usage_us) OVER w AS d_usage,
	       t.mono_us - LAG(t.mono_us) OVER w AS d_mono
	FROM cgroup_samples s
	JOIN ticks t ON t.id = s.tick
	JOIN cgroups c ON c.id = s.cgroup_id
	WINDOW w AS (PARTITION BY s.cgroup_id ORDER BY s.tick)
)
WHERE d_mono > 0;

-- Bytes and packets per second per interface and tick.
CREATE VIEW netdev_rates AS
SELECT tick, wall_us, iface_id, name,
       1e6 * d_rx_bytes / d_mono AS rx_bytes_per_s,
       1e6 * d_tx_bytes / d_mono AS tx_bytes_per_s,
       1e6 * d_rx_packets / d_mono AS rx_packets_per_s,
       1e6 * d_tx_packets / d_mono AS tx_packets_per_s,
       d_rx_drop + d_tx_drop AS drops
FROM (
	SELECT s.tick, t.wall_us, s.iface_id, i.name,
	       s.rx_bytes - LAG(s.rx_bytes) OVER w AS d_rx_bytes,
	       s.tx_bytes - LAG(s.tx_bytes) OVER w AS d_tx_bytes,
	       s.rx_packets - LAG(s.rx_packets) OVER w AS d_rx_packets,
	       s.tx_packets - LAG(s.tx_packets) OVER w AS d_tx_packets,
	       s.rx_drop - LAG(s.rx_drop) OVER w AS d_rx_drop,
	       s.tx_drop - LAG(s.tx_drop) OVER w AS d_tx_drop,
	       t.mono_us - LAG(t.mono_us) OVER w AS d_mono
	FROM netdev_samples s
	JOIN ticks t ON t.id = s.tick
	JOIN interfaces i ON i.id = s.iface_id
	WINDOW w AS (PARTITION BY s.iface_id ORDER BY s.tick)
)
WHERE d_mono > 0;

-- ==== views of later sources ===============================================

-- ---- syscalls source ----

-- Syscalls per second per tick and process, with errors and time inside.
CREATE VIEW syscall_rate AS
WITH iv AS (SELECT id, wall_us, mono_us - LAG(mono_us) OVER (ORDER BY id) AS d_mono FROM ticks)
SELECT c.tick, iv.wall_us, c.process_id, c.pid,
       SUM(c.calls) AS calls, SUM(c.errors) AS errors, SUM(c.total_ns) AS total_ns,
       CASE WHEN iv.d_mono > 0 THEN 1e6 * SUM(c.calls) / iv.d_mono END AS calls_per_s,
       CASE WHEN iv.d_mono > 0 THEN 1e6 * SUM(c.errors) / iv.d_mono END AS errors_per_s,
       CASE WHEN iv.d_mono > 0 THEN 1e3 * SUM(c.total_ns) / iv.d_mono END AS busy_ms_per_s
FROM syscall_counts c JOIN iv ON iv.id = c.tick
GROUP BY c.tick, c.process_id, c.pid;

-- The busiest syscall (by calls) of each tick, all processes together.
CREATE VIEW syscall_tick_top AS
SELECT tick, nr, name, calls, share FROM (
	SELECT c.tick, c.nr, COALESCE(n.name, 'syscall_' || c.nr) AS name, SUM(c.calls) AS calls,
	       1.0 * SUM(c.calls) / SUM(SUM(c.calls)) OVER (PARTITION BY c.tick) AS share,
	       ROW_NUMBER() OVER (PARTITION BY c.tick ORDER BY SUM(c.calls) DESC, c.nr) AS rk
	FROM syscall_counts c LEFT JOIN syscall_names n ON n.nr = c.nr
	GROUP BY c.tick, c.nr
) WHERE rk = 1;

-- `strace -c` over the whole capture, per process: calls, errors, time,
-- share of calls and of time, the most frequent errno.
CREATE VIEW syscall_top AS
SELECT process_id, pid, nr, name, calls, errors, total_ns, max_ns,
       CASE WHEN timed > 0 THEN total_ns / 1000.0 / timed END AS avg_us,
       100.0 * calls / SUM(calls) OVER (PARTITION BY pid) AS pct_calls,
       CASE WHEN SUM(total_ns) OVER (PARTITION BY pid) > 0
            THEN 100.0 * total_ns / SUM(total_ns) OVER (PARTITION BY pid) END AS pct_time,
       (SELECT e.errno_name FROM syscall_errors e WHERE e.pid = a.pid AND e.nr = a.nr
        GROUP BY e.errno ORDER BY SUM(e.count) DESC LIMIT 1) AS top_errno
FROM (
	SELECT c.process_id, c.pid, c.nr, COALESCE(n.name, 'syscall_' || c.nr) AS name,
	       SUM(c.calls) AS calls, SUM(c.errors) AS errors, SUM(c.total_ns) AS total_ns,
	       MAX(c.max_ns) AS max_ns, SUM(c.timed) AS timed
	FROM syscall_counts c LEFT JOIN syscall_names n ON n.nr = c.nr
	GROUP BY c.process_id, c.pid, c.nr
) a;

-- Fallback backend: where threads sat over the whole capture, per process.
CREATE VIEW syscall_sample_top AS
SELECT process_id, pid, state, nr,
       CASE WHEN state = 'syscall' THEN COALESCE(n.name, 'syscall_' || s.nr) ELSE state END AS name,
       SUM(samples) AS samples,
       100.0 * SUM(samples) / SUM(SUM(samples)) OVER (PARTITION BY pid) AS pct
FROM syscall_samples s LEFT JOIN syscall_names n USING (nr)
GROUP BY process_id, pid, state, nr;

-- @finalize: run when the capture stops cleanly (indexes are built once, at the end).
CREATE INDEX IF NOT EXISTS process_samples_by_process ON process_samples (process_id, tick);
CREATE INDEX IF NOT EXISTS cgroup_samples_by_cgroup ON cgroup_samples (cgroup_id, tick);
CREATE INDEX IF NOT EXISTS netdev_samples_by_iface ON netdev_samples (iface_id, tick);
CREATE INDEX IF NOT EXISTS thread_samples_by_thread ON thread_samples (thread_id, tick);
CREATE INDEX IF NOT EXISTS syscall_counts_by_tick ON syscall_counts (tick, nr);
CREATE INDEX IF NOT EXISTS syscall_samples_by_tick ON syscall_samples (tick);
