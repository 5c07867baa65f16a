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
PRAGMA user_version = 3;

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

-- One row per socket of a target (every socket of the namespace with
-- --all-sockets), stored once. A socket whose addresses change (a UDP socket
-- that connects) becomes a new row.
CREATE TABLE sockets (
	id           INTEGER PRIMARY KEY,
	proto        TEXT NOT NULL,      -- 'tcp' or 'udp'
	family       INTEGER NOT NULL,   -- 4 or 6 (IPv4-mapped IPv6 stays 6)
	local_addr   TEXT NOT NULL,      -- as ss prints it: '127.0.0.1', '::1', '::ffff:10.0.0.1'
	local_port   INTEGER NOT NULL,
	remote_addr  TEXT NOT NULL,      -- '0.0.0.0' / '::' when not connected
	remote_port  INTEGER NOT NULL,   -- 0 when not connected
	direction    TEXT,               -- tcp: 'listen', 'in' (accepted: the local port is
	                                 -- listened on), 'out' (connected by the target); NULL for udp
	inode        INTEGER NOT NULL,   -- socket inode (0 for TIME_WAIT and unaccepted sockets)
	netns        INTEGER,            -- network namespace inode
	uid          INTEGER,
	process_id   INTEGER,            -- processes.id of the owning target, NULL if not a target's
	pid          INTEGER,
	fd           INTEGER,
	first_tick   INTEGER NOT NULL,   -- first tick it was seen
	last_tick    INTEGER,            -- last tick it was seen; written when it closes or the
	                                 -- capture ends (NULL after a killed capture: still open)
	close_tick   INTEGER             -- first tick it was seen gone; NULL if open at the end
);

-- Socket state and queues, written only when something changed since the
-- socket's previous row (state, a queue, a tcp_info counter, rtt by more than
-- 25% and 1 ms) and at least every --socket-keyframe (keyframe = 1). A socket
-- holds its last row's values until its next row: read socket_ticks for one
-- row per socket and tick.
CREATE TABLE socket_samples (
	tick          INTEGER NOT NULL,
	socket_id     INTEGER NOT NULL,
	keyframe      INTEGER NOT NULL,  -- 1: written because the keyframe interval passed (or first row)
	state         TEXT NOT NULL,     -- ESTABLISHED, SYN_SENT, SYN_RECV, FIN_WAIT1, FIN_WAIT2,
	                                 -- TIME_WAIT, CLOSE, CLOSE_WAIT, LAST_ACK, LISTEN, CLOSING;
	                                 -- udp: UNCONN or ESTABLISHED
	recv_q        INTEGER,           -- bytes not yet read; LISTEN: connections waiting in accept queue
	send_q        INTEGER,           -- bytes not yet acked; LISTEN: the backlog (netlink only)
	rtt_us        INTEGER,           -- tcp_info (NULL: udp, /proc fallback, or not sent by the kernel)
	rttvar_us     INTEGER,
	cwnd          INTEGER,           -- segments
	unacked       INTEGER,
	lost          INTEGER,
	retransmits   INTEGER,           -- current consecutive timeouts (also from /proc)
	total_retrans INTEGER,           -- cumulative retransmitted segments
	bytes_sent    INTEGER,           -- cumulative (kernel >= 4.19)
	bytes_received INTEGER,
	bytes_acked   INTEGER
);

-- Every socket of each namespace holding a target, counted per tick by
-- protocol and state, whoever owns it (TIME_WAIT sockets have no owner).
CREATE TABLE socket_totals (
	tick         INTEGER NOT NULL,
	netns        INTEGER,
	proto        TEXT NOT NULL,      -- 'tcp', 'udp', 'unix-stream', 'unix-dgram', 'unix-seqpacket'
	state        TEXT NOT NULL,
	sockets      INTEGER NOT NULL,   -- in the namespace
	owned        INTEGER NOT NULL,   -- of those, held by a target
	recv_q_bytes INTEGER NOT NULL,   -- sum over the namespace
	send_q_bytes INTEGER NOT NULL
);

-- ==== syscalls source (capture/syscalls.c) =================================

-- Names of the syscall numbers of the machine the capture ran on (its
-- architecture is manifest 'syscall_arch'), generated from kernel headers.
CREATE TABLE syscall_names (
	nr   INTEGER PRIMARY KEY,
	name TEXT NOT NULL
);

-- Per tick, process and syscall: what `strace -c` shows, for the interval
-- since the previous tick. Counted by the bpf, perf or ptrace backend, never by
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
	backend TEXT NOT NULL,           -- 'bpf' | 'perf' | 'sampling' | 'ptrace'
	events  INTEGER NOT NULL,        -- records (perf: enter + exit) or samples read
	lost    INTEGER NOT NULL,        -- records the kernel dropped (ring full, PERF_RECORD_LOST)
	dropped INTEGER NOT NULL,        -- updates that found casefile's counter tables full
	rounds  INTEGER NOT NULL         -- sampling rounds (sampling backend)
);

-- ==== packets source (capture/packets.c) ===================================

-- Captured frames, kept in chunks of up to 2 MiB, each filled for at most
-- half a second. ENCODING says how RECORDS holds them:
--  0 pcap records: each a 16-byte little-endian header (ts_sec, ts_usec,
--    caplen, wirelen: uint32 each) followed by caplen bytes of the frame;
--  1 delta (what the capture writes): each record XORed against an earlier
--    record of the same chunk, usually the previous packet of its flow, as
--    runs of zeros and literal bytes; lib/pktcodec.h has the exact layout.
-- A pcap global header with LINKTYPE and SNAPLEN in front of the decoded
-- records of one link type is a standard .pcap (casefile-analyze export-pcap).
CREATE TABLE packet_chunks (
	id        INTEGER PRIMARY KEY,
	tick      INTEGER NOT NULL,
	linktype  INTEGER NOT NULL,      -- LINKTYPE_*: 276 Linux cooked v2 ("any"), 1 Ethernet, ...
	snaplen   INTEGER NOT NULL,
	packets   INTEGER NOT NULL,      -- records in this chunk
	first_us  INTEGER,               -- wall-clock µs of its first and last record
	last_us   INTEGER,
	encoding  INTEGER NOT NULL DEFAULT 0, -- 0 pcap records, 1 delta
	records   BLOB NOT NULL
);

-- One row per flow (5-tuple, either direction) seen by the packets source.
-- Endpoint a sent the first packet seen (for TCP, usually the client).
CREATE TABLE flows (
	id         INTEGER PRIMARY KEY,
	family     INTEGER NOT NULL,     -- 4, 6; 0 non-IP (proto is the ethertype);
	                                 -- 255 overflow: every flow past the flow-table bound
	proto      INTEGER NOT NULL,     -- IP protocol: 6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6
	addr_a     TEXT,                 -- NULL for non-IP and overflow
	port_a     INTEGER,              -- 0 for protocols without ports
	addr_b     TEXT,
	port_b     INTEGER,
	first_us   INTEGER,              -- wall-clock µs of its first packet
	first_tick INTEGER
);

-- Per-second counts of each flow. Rows for one (flow, second) may repeat when
-- a late packet arrives after the second was written: always SUM them.
CREATE TABLE flow_seconds (
	tick       INTEGER NOT NULL,     -- the tick that wrote the row
	second_us  INTEGER NOT NULL,     -- start of the wall-clock second of the packets
	flow_id    INTEGER NOT NULL,
	packets_ab INTEGER NOT NULL,     -- a -> b
	bytes_ab   INTEGER NOT NULL,     -- IP bytes (header + payload); frame bytes for non-IP
	packets_ba INTEGER NOT NULL,     -- b -> a
	bytes_ba   INTEGER NOT NULL,
	syn        INTEGER NOT NULL,     -- TCP SYN without ACK (connection attempts)
	synack     INTEGER NOT NULL,
	fin        INTEGER NOT NULL,
	rst        INTEGER NOT NULL,
	retrans    INTEGER NOT NULL      -- TCP segments whose data lies wholly below the highest
	                                 -- sequence seen that way: likely retransmissions
);

-- Capture health at every tick, all cumulative since the start.
CREATE TABLE pcap_stats (
	tick              INTEGER NOT NULL,
	received          INTEGER,       -- pcap_stats ps_recv: accepted by the kernel filter
	                                 -- (on lo each packet twice: outgoing and incoming copy)
	dropped_kernel    INTEGER,       -- ps_drop: ring buffer full
	dropped_iface     INTEGER,       -- ps_ifdrop: dropped by the interface
	captured          INTEGER NOT NULL, -- delivered to casefile (= sum of flow_seconds packets)
	stored            INTEGER NOT NULL, -- records kept in packet_chunks
	not_stored_cap    INTEGER NOT NULL, -- not kept: --pcap-max-size reached
	not_stored_buffer INTEGER NOT NULL  -- not kept: in-memory buffer full (tick loop behind)
);

-- ==== logs source (capture/logs.c) =========================================
-- No raw log line is stored: counts per tick, message fingerprints, and the
-- first few examples of each fingerprint (cut, redacted with --redact).

CREATE TABLE log_files (
	id           INTEGER PRIMARY KEY,
	path         TEXT NOT NULL,      -- as followed (a --log match, or the target's fd target)
	origin       TEXT NOT NULL,      -- 'option' (--log), 'stdout' / 'stderr' (the target's
	                                 -- fd 1 / 2 when a regular file), 'container' (its log
	                                 -- under /var/log/containers or /var/lib/docker/containers)
	process_id   INTEGER,            -- processes.id for stdout/stderr/container, NULL for --log
	format       TEXT,               -- json, docker, cri, plain: of the first record seen
	first_tick   INTEGER NOT NULL,   -- tick at which following began (0: at capture start)
	start_offset INTEGER NOT NULL    -- byte where reading began (> 0: the file existed;
	                                 -- with --log-since, the start of the history window)
);

CREATE TABLE log_file_samples (
	tick          INTEGER NOT NULL,  -- 0: history read at start because of --log-since
	file_id       INTEGER NOT NULL,
	bytes_read    INTEGER NOT NULL,
	lines         INTEGER NOT NULL,  -- physical lines
	records       INTEGER NOT NULL,  -- records after joining stack traces and partial lines
	truncated     INTEGER NOT NULL,  -- lines longer than 64 KiB: counted, cut, rest skipped
	backlog_bytes INTEGER NOT NULL,  -- written but not read yet (over the per-tick read budget)
	rotations     INTEGER NOT NULL   -- renames or truncations seen this tick
);

CREATE TABLE log_counts (
	tick    INTEGER NOT NULL,        -- 0: history (--log-since)
	file_id INTEGER NOT NULL,
	level   TEXT NOT NULL,           -- trace, debug, info, warn, error, fatal, unknown
	records INTEGER NOT NULL,        -- rows only for levels seen in the tick
	bytes   INTEGER NOT NULL         -- bytes of those records in the file, newlines included
);

CREATE TABLE fingerprints (
	id         INTEGER PRIMARY KEY,
	hash       INTEGER NOT NULL,     -- 64-bit hash of level + masked text: equal in every bundle
	level      TEXT NOT NULL,
	text       TEXT NOT NULL,        -- message with numbers, ids, addresses, quoted values
	                                 -- masked ('<n>', '<uuid>', '<ip>', '<hex>', '<id>', '<email>', '*')
	first_tick INTEGER NOT NULL,
	file_id    INTEGER NOT NULL      -- the file where it was first seen
);

CREATE TABLE fingerprint_counts (
	tick           INTEGER NOT NULL,
	fingerprint_id INTEGER NOT NULL,
	records        INTEGER NOT NULL,
	bytes          INTEGER NOT NULL
);

CREATE TABLE fingerprint_examples (
	fingerprint_id INTEGER NOT NULL,
	tick           INTEGER NOT NULL,
	file_id        INTEGER NOT NULL,
	ts_us          INTEGER,          -- the record's own timestamp, when it has one
	text           TEXT NOT NULL,    -- the record as logged, stack included, first 1 KiB,
	                                 -- valid UTF-8, redacted with --redact
	truncated      INTEGER NOT NULL  -- 1 when cut
);

-- ==== attachments (capture/attach.c) =======================================

CREATE TABLE attachments (
	id       INTEGER PRIMARY KEY,
	name     TEXT NOT NULL UNIQUE,   -- base name of the file; ".2", ".3" added on clashes
	path     TEXT NOT NULL,          -- as given to --attach
	size     INTEGER NOT NULL,       -- bytes stored
	sha256   TEXT NOT NULL,          -- lower-case hex SHA-256 of the stored bytes
	mtime_us INTEGER,                -- file modification time, wall µs
	added_us INTEGER NOT NULL,
	data     BLOB NOT NULL
);

-- ==== profile source (capture/profile/) ====================================
-- On-CPU samples of every target thread (perf cpu-clock at --profile-hz, the
-- manifest's 'profile_hz'), each with its call chain as the kernel unwound it
-- by frame pointers, named at capture time. Modules, frames and stacks are
-- stored once; profile_samples counts each stack per tick.

-- Code the frames belong to: a mapped ELF object (its path as the target
-- mapped it), or '[kernel]', '[jit]' (code a runtime names in its perf map,
-- /tmp/perf-PID.map), '[vdso]', '[unknown]' (an address in no executable
-- mapping: an unwind that went astray), '[truncated]' (the root of a chain
-- cut at the depth limit), '[no frames]'.
CREATE TABLE profile_modules (
	id       INTEGER PRIMARY KEY,
	path     TEXT NOT NULL,
	build_id TEXT,                   -- GNU build-id (hex) of an ELF object, NULL when none
	symbols  TEXT NOT NULL           -- where the names came from: 'symtab', 'dynsym',
	                                 -- 'kallsyms', 'perf-map', or 'none...' saying why not
);

-- Functions, once per module and name. A frame no symbol names has name
-- NULL and its address in addr (ELF: the virtual address in the object, as
-- `addr2line -e OBJECT` takes it; kernel: absolute; else from the mapping's
-- start).
CREATE TABLE profile_frames (
	id        INTEGER PRIMARY KEY,
	module_id INTEGER NOT NULL,      -- profile_modules.id
	name      TEXT,
	addr      INTEGER NOT NULL,      -- 0 when named
	kernel    INTEGER NOT NULL       -- 1: kernel code
);

-- Call stacks as a tree: a node is a frame called from its parent node
-- (NULL: the outermost frame, e.g. _start or a thread's start routine). A
-- sample's stack is its innermost node; the path to the root is the chain.
-- User frames come first, then the kernel frames of a sample taken in the
-- kernel.
CREATE TABLE profile_stacks (
	id        INTEGER PRIMARY KEY,
	parent_id INTEGER,               -- profile_stacks.id, NULL at the root
	frame_id  INTEGER NOT NULL,      -- profile_frames.id
	depth     INTEGER NOT NULL       -- 1 at the root
);

-- Samples per tick, process and stack (its innermost node), for the
-- interval since the previous tick. One sample = 1/profile_hz s on a CPU.
CREATE TABLE profile_samples (
	tick       INTEGER NOT NULL,
	process_id INTEGER NOT NULL,     -- processes.id
	stack_id   INTEGER NOT NULL,     -- profile_stacks.id
	samples    INTEGER NOT NULL
);

-- Per tick: how complete the profile is.
CREATE TABLE profile_ticks (
	tick      INTEGER NOT NULL,
	samples   INTEGER NOT NULL,      -- samples read
	lost      INTEGER NOT NULL,      -- samples the kernel dropped (ring full)
	truncated INTEGER NOT NULL,      -- chains cut at the depth limit (manifest 'profile_max_stack')
	leaf_only INTEGER NOT NULL,      -- user chains of a single frame: unwinding stopped at
	                                 -- once (code built without frame pointers)
	stray     INTEGER NOT NULL,      -- chains through an address in no executable mapping
	unnamed   INTEGER NOT NULL       -- samples whose innermost frame has no name
);

-- ==== runtime source (capture/runtime/) ====================================
-- A CPU profile taken by the target's own runtime, on request only
-- (--runtime-profile node): V8's sampling profiler, reached through the Node.js
-- inspector. Its functions and scripts share the profile source's tables:
-- profile_modules (path = the script URL as V8 names it, e.g.
-- 'file:///app/node_modules/x/y.js' or 'node:internal/...'; '[v8]' for nodes
-- with no script: V8's own and native functions; symbols = 'inspector'),
-- profile_frames (name = the JavaScript function's name, '(anonymous)' when
-- it has none; addr = its 1-based line in the script, 0 when unknown;
-- kernel = 0) and profile_stacks (V8's call tree, one node per V8 node).
-- V8's own nodes are kept as it names them: '(root)' the tree's root,
-- '(program)' time in native code of Node or V8 outside any JavaScript
-- function, '(idle)' the thread waiting in the event loop (not on the CPU),
-- '(garbage collector)' collecting. Samples are V8's, taken every
-- interval_us of wall time on the JavaScript thread, whether or not it runs:
-- '(idle)' is how much of that it waited.

-- One row per profile asked for, taken or not.
CREATE TABLE runtime_profiles (
	id            INTEGER PRIMARY KEY,
	process_id    INTEGER,           -- processes.id of the profiled target
	runtime       TEXT NOT NULL,     -- 'node'
	start_wall_us INTEGER,           -- Profiler.start answered; NULL when not started
	end_wall_us   INTEGER,           -- Profiler.stop answered
	interval_us   INTEGER NOT NULL,  -- V8's sampling interval
	samples       INTEGER NOT NULL,  -- samples in the profile (0 when none was read)
	attachment    TEXT,              -- attachments.name of the .cpuprofile, NULL when not kept
	outcome       TEXT NOT NULL      -- what happened, in words: each step's failure, whether the
	                                 -- inspector was already open (then left open) or was closed again
);

-- Samples of a runtime profile per tick and stack (its innermost node),
-- placed by their timestamps in the tick whose interval holds them.
CREATE TABLE runtime_profile_samples (
	profile_id INTEGER NOT NULL,     -- runtime_profiles.id
	tick       INTEGER NOT NULL,
	stack_id   INTEGER NOT NULL,     -- profile_stacks.id
	samples    INTEGER NOT NULL
);

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
-- packets: per-second traffic of each flow with its endpoints.
CREATE VIEW flow_rates AS
SELECT s.second_us, s.flow_id, f.proto, f.addr_a, f.port_a, f.addr_b, f.port_b,
       SUM(s.packets_ab) AS packets_ab, SUM(s.bytes_ab) AS bytes_ab,
       SUM(s.packets_ba) AS packets_ba, SUM(s.bytes_ba) AS bytes_ba,
       SUM(s.syn) AS syn, SUM(s.synack) AS synack, SUM(s.fin) AS fin,
       SUM(s.rst) AS rst, SUM(s.retrans) AS retrans
FROM flow_seconds s
JOIN flows f ON f.id = s.flow_id
GROUP BY s.second_us, s.flow_id;

-- packets: capture losses per tick (deltas of pcap_stats).
CREATE VIEW packet_drops AS
SELECT tick, wall_us,
       received - LAG(received, 1, 0) OVER w AS received,
       dropped_kernel - LAG(dropped_kernel, 1, 0) OVER w AS dropped_kernel,
       dropped_iface - LAG(dropped_iface, 1, 0) OVER w AS dropped_iface,
       captured - LAG(captured, 1, 0) OVER w AS captured,
       not_stored_cap - LAG(not_stored_cap, 1, 0) OVER w AS not_stored_cap,
       not_stored_buffer - LAG(not_stored_buffer, 1, 0) OVER w AS not_stored_buffer
FROM (SELECT p.*, t.wall_us FROM pcap_stats p JOIN ticks t ON t.id = p.tick)
WINDOW w AS (ORDER BY tick);

-- logs: records per level and tick over all files, with the rate over the
-- tick's interval (NULL for the first tick and for history, tick 0).
CREATE VIEW log_rates AS
SELECT c.tick, t.wall_us, c.level, SUM(c.records) AS records, SUM(c.bytes) AS bytes,
       CASE WHEN t.mono_us > p.mono_us THEN 1e6 * SUM(c.records) / (t.mono_us - p.mono_us) END AS records_per_s
FROM log_counts c
LEFT JOIN ticks t ON t.id = c.tick
LEFT JOIN ticks p ON p.id = c.tick - 1
GROUP BY c.tick, c.level;

-- logs: fingerprints by records, most frequent first, with one example.
CREATE VIEW log_top_fingerprints AS
SELECT f.id AS fingerprint_id, f.level, f.text, f.hash,
       SUM(c.records) AS records, SUM(c.bytes) AS bytes,
       MIN(c.tick) AS first_tick, MAX(c.tick) AS last_tick,
       (SELECT e.text FROM fingerprint_examples e WHERE e.fingerprint_id = f.id
        ORDER BY e.rowid LIMIT 1) AS example
FROM fingerprints f
JOIN fingerprint_counts c ON c.fingerprint_id = f.id
GROUP BY f.id
ORDER BY records DESC;
-- ---- sockets ----

-- One row per socket and tick while it is open, carrying each socket's last
-- socket_samples row forward (rows are written only on change): the full
-- state at every tick. A socket is open from its first row until its
-- close_tick (or last_tick + 1, or past the last tick).
CREATE VIEW socket_ticks AS
WITH spans AS (
	SELECT s.*, k.proto, k.family, k.local_addr, k.local_port, k.remote_addr, k.remote_port,
	       k.direction, k.process_id, k.pid, k.fd, k.inode,
	       COALESCE(LEAD(s.tick) OVER (PARTITION BY s.socket_id ORDER BY s.tick),
			k.close_tick, k.last_tick + 1, (SELECT MAX(id) FROM ticks) + 1) AS until_tick
	FROM socket_samples s JOIN sockets k ON k.id = s.socket_id
)
SELECT t.id AS tick, t.wall_us, sp.socket_id, sp.proto, sp.family, sp.local_addr, sp.local_port,
       sp.remote_addr, sp.remote_port, sp.direction, sp.process_id, sp.pid, sp.fd, sp.inode,
       sp.state, sp.recv_q, sp.send_q, sp.rtt_us, sp.rttvar_us, sp.cwnd, sp.unacked, sp.lost,
       sp.retransmits, sp.total_retrans, sp.bytes_sent, sp.bytes_received, sp.bytes_acked,
       sp.tick AS sample_tick
FROM spans sp JOIN ticks t ON t.id >= sp.tick AND t.id < sp.until_tick;

-- Connections the targets made (and connected UDP sockets) per tick by
-- protocol and remote port: how many, how many established, and their
-- queued bytes. The pool-cap and stuck-receive-queue evidence. Accepted
-- connections are in socket_by_local_port.
CREATE VIEW socket_by_remote_port AS
SELECT tick, wall_us, proto, remote_port,
       COUNT(*) AS connections,
       SUM(state = 'ESTABLISHED') AS established,
       SUM(state = 'CLOSE_WAIT') AS close_wait,
       SUM(recv_q > 0) AS with_recv_q,
       SUM(recv_q) AS recv_q_bytes,
       SUM(send_q) AS send_q_bytes,
       COUNT(DISTINCT remote_addr) AS remote_addrs
FROM socket_ticks
WHERE remote_port <> 0 AND state <> 'LISTEN' AND direction IS NOT 'in'
GROUP BY tick, proto, remote_port;

-- Connections the targets accepted, per tick by the local (service) port.
CREATE VIEW socket_by_local_port AS
SELECT tick, wall_us, proto, local_port,
       COUNT(*) AS connections,
       SUM(state = 'ESTABLISHED') AS established,
       SUM(state = 'CLOSE_WAIT') AS close_wait,
       SUM(recv_q > 0) AS with_recv_q,
       SUM(recv_q) AS recv_q_bytes,
       SUM(send_q) AS send_q_bytes,
       COUNT(DISTINCT remote_addr) AS remote_addrs
FROM socket_ticks
WHERE direction = 'in'
GROUP BY tick, proto, local_port;

-- The same by remote address (connections the targets made, and UDP).
CREATE VIEW socket_by_remote_addr AS
SELECT tick, wall_us, proto, remote_addr,
       COUNT(*) AS connections,
       SUM(state = 'ESTABLISHED') AS established,
       SUM(recv_q > 0) AS with_recv_q,
       SUM(recv_q) AS recv_q_bytes,
       SUM(send_q) AS send_q_bytes,
       COUNT(DISTINCT remote_port) AS remote_ports
FROM socket_ticks
WHERE remote_port <> 0 AND state <> 'LISTEN' AND direction IS NOT 'in'
GROUP BY tick, proto, remote_addr;

-- The targets' sockets per tick by protocol and state.
CREATE VIEW socket_by_state AS
SELECT tick, wall_us, proto, state, COUNT(*) AS sockets,
       SUM(recv_q) AS recv_q_bytes, SUM(send_q) AS send_q_bytes
FROM socket_ticks
GROUP BY tick, proto, state;

-- Sockets with bytes waiting, per tick (for LISTEN, recv_q is the accept
-- queue and send_q the backlog, so only a non-empty accept queue counts).
CREATE VIEW socket_queues AS
SELECT * FROM socket_ticks
WHERE recv_q > 0 OR (send_q > 0 AND state <> 'LISTEN');

-- Sockets first seen and seen closed at each tick (the first tick counts
-- what was already open as new).
CREATE VIEW socket_churn AS
SELECT t.id AS tick, t.wall_us,
       (SELECT COUNT(*) FROM sockets k WHERE k.first_tick = t.id) AS opened,
       (SELECT COUNT(*) FROM sockets k WHERE k.close_tick = t.id) AS closed,
       (SELECT COUNT(*) FROM sockets k WHERE k.first_tick = t.id AND k.direction = 'out') AS opened_out,
       (SELECT COUNT(*) FROM sockets k WHERE k.close_tick = t.id AND k.direction = 'out') AS closed_out
FROM ticks t;

-- ---- profile ----

-- Every (stack, frame) pair on the path from each sampled stack to its
-- root, with the frame's depth: join profile_samples on stack_id for the
-- total (inclusive) samples of a frame.
CREATE VIEW profile_stack_frames AS
WITH RECURSIVE walk (stack_id, node, frame_id, depth) AS (
	SELECT id, parent_id, frame_id, depth FROM profile_stacks
	WHERE id IN (SELECT stack_id FROM profile_samples)
	UNION ALL
	SELECT w.stack_id, s.parent_id, s.frame_id, s.depth
	FROM walk w JOIN profile_stacks s ON s.id = w.node
)
SELECT stack_id, frame_id, depth FROM walk;

-- Functions over the whole capture, busiest first: self samples (the
-- innermost frame) and total samples (anywhere on the stack, counted once
-- per sample), with shares of all samples. An unnamed frame reads
-- 'MODULE+0xADDR'.
CREATE VIEW profile_top AS
WITH total AS (SELECT SUM(samples) AS n FROM profile_samples),
self AS (
	SELECT s.frame_id, SUM(p.samples) AS n
	FROM profile_samples p JOIN profile_stacks s ON s.id = p.stack_id GROUP BY s.frame_id
),
incl AS (
	SELECT f.frame_id, SUM(p.samples) AS n
	FROM profile_samples p
	JOIN (SELECT DISTINCT stack_id, frame_id FROM profile_stack_frames) f ON f.stack_id = p.stack_id
	GROUP BY f.frame_id
)
SELECT fr.id AS frame_id,
       COALESCE(fr.name, printf('%s+0x%x', m.path, fr.addr)) AS function,
       m.path AS module, fr.kernel,
       COALESCE(self.n, 0) AS self_samples, incl.n AS total_samples,
       100.0 * COALESCE(self.n, 0) / total.n AS self_pct,
       100.0 * incl.n / total.n AS total_pct
FROM incl JOIN profile_frames fr ON fr.id = incl.frame_id
JOIN profile_modules m ON m.id = fr.module_id
LEFT JOIN self ON self.frame_id = incl.frame_id, total
ORDER BY self_samples DESC, total_samples DESC;

-- ---- runtime profile ----

-- As profile_stack_frames, for the stacks of runtime_profile_samples.
CREATE VIEW runtime_profile_stack_frames AS
WITH RECURSIVE walk (stack_id, node, frame_id, depth) AS (
	SELECT id, parent_id, frame_id, depth FROM profile_stacks
	WHERE id IN (SELECT stack_id FROM runtime_profile_samples)
	UNION ALL
	SELECT w.stack_id, s.parent_id, s.frame_id, s.depth
	FROM walk w JOIN profile_stacks s ON s.id = w.node
)
SELECT stack_id, frame_id, depth FROM walk;

-- Functions of the runtime profiles, busiest first, with exactly the
-- columns of profile_top (module: the script URL; kernel: 0).
CREATE VIEW runtime_profile_top AS
WITH total AS (SELECT SUM(samples) AS n FROM runtime_profile_samples),
self AS (
	SELECT s.frame_id, SUM(p.samples) AS n
	FROM runtime_profile_samples p JOIN profile_stacks s ON s.id = p.stack_id GROUP BY s.frame_id
),
incl AS (
	SELECT f.frame_id, SUM(p.samples) AS n
	FROM runtime_profile_samples p
	JOIN (SELECT DISTINCT stack_id, frame_id FROM runtime_profile_stack_frames) f ON f.stack_id = p.stack_id
	GROUP BY f.frame_id
)
SELECT fr.id AS frame_id,
       COALESCE(fr.name, printf('%s+0x%x', m.path, fr.addr)) AS function,
       m.path AS module, fr.kernel,
       COALESCE(self.n, 0) AS self_samples, incl.n AS total_samples,
       100.0 * COALESCE(self.n, 0) / total.n AS self_pct,
       100.0 * incl.n / total.n AS total_pct
FROM incl JOIN profile_frames fr ON fr.id = incl.frame_id
JOIN profile_modules m ON m.id = fr.module_id
LEFT JOIN self ON self.frame_id = incl.frame_id, total
ORDER BY self_samples DESC, total_samples DESC;

-- @finalize: run when the capture stops cleanly (indexes are built once, at the end).
CREATE INDEX IF NOT EXISTS process_samples_by_process ON process_samples (process_id, tick);
CREATE INDEX IF NOT EXISTS cgroup_samples_by_cgroup ON cgroup_samples (cgroup_id, tick);
CREATE INDEX IF NOT EXISTS netdev_samples_by_iface ON netdev_samples (iface_id, tick);
CREATE INDEX IF NOT EXISTS thread_samples_by_thread ON thread_samples (thread_id, tick);
CREATE INDEX IF NOT EXISTS syscall_counts_by_tick ON syscall_counts (tick, nr);
CREATE INDEX IF NOT EXISTS syscall_samples_by_tick ON syscall_samples (tick);
CREATE INDEX IF NOT EXISTS flow_seconds_by_flow ON flow_seconds (flow_id, second_us);
CREATE INDEX IF NOT EXISTS log_counts_by_tick ON log_counts (tick, level);
CREATE INDEX IF NOT EXISTS fingerprint_counts_by_fingerprint ON fingerprint_counts (fingerprint_id, tick);
CREATE INDEX IF NOT EXISTS fingerprint_examples_by_fingerprint ON fingerprint_examples (fingerprint_id);
CREATE INDEX IF NOT EXISTS socket_samples_by_socket ON socket_samples (socket_id, tick);
CREATE INDEX IF NOT EXISTS sockets_by_first_tick ON sockets (first_tick);
CREATE INDEX IF NOT EXISTS sockets_by_close_tick ON sockets (close_tick);
CREATE INDEX IF NOT EXISTS profile_samples_by_tick ON profile_samples (tick, process_id);
CREATE INDEX IF NOT EXISTS profile_stacks_by_parent ON profile_stacks (parent_id);
CREATE INDEX IF NOT EXISTS runtime_profile_samples_by_tick ON runtime_profile_samples (tick, profile_id);
