# A capture against fixture /proc and /sys trees (v1 and v2 cgroups): every
# value in the bundle is known exactly, including a hostile process name.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_cmd sqlite3
F="$CASEFILE_TOP/tests/fixtures"
hz=$(getconf CLK_TCK); page=$(getconf PAGESIZE)

"$CAP" --root "$F/root-v1" --pid 4242 --duration 1s --interval 500ms -o v1.db -q || fail "v1 capture exited $?"
assert_eq "comm" "my (evil) proc" "$(q v1.db 'SELECT comm FROM processes')"
assert_eq "cmdline" "node server.js --port?[31m" "$(q v1.db 'SELECT cmdline FROM processes')"
assert_eq "ppid" 1 "$(q v1.db 'SELECT ppid FROM processes')"
assert_eq "uid" 1000 "$(q v1.db 'SELECT uid FROM processes')"
assert_eq "start wall" $((1764230400 * 1000000 + 123456 * 1000000 / hz)) "$(q v1.db 'SELECT start_wall_us FROM processes')"
assert_eq "utime" $((250 * 1000000 / hz)) "$(q v1.db 'SELECT utime_us FROM process_samples LIMIT 1')"
assert_eq "rss" $((2560 * page)) "$(q v1.db 'SELECT rss_bytes FROM process_samples LIMIT 1')"
assert_eq "pss" $((9000 * 1024)) "$(q v1.db 'SELECT pss_bytes FROM process_samples WHERE tick = 1')"
assert_eq "fds" 5 "$(q v1.db 'SELECT fds FROM process_samples LIMIT 1')"
assert_eq "fd limit" 1024 "$(q v1.db 'SELECT fd_limit FROM process_samples LIMIT 1')"
assert_eq "ctxt" 77 "$(q v1.db 'SELECT vol_ctxt FROM process_samples LIMIT 1')"
assert_eq "io" 2000 "$(q v1.db 'SELECT wchar FROM process_samples LIMIT 1')"
assert_eq "threads" 2 "$(q v1.db 'SELECT count(*) FROM threads')"
assert_eq "limits" 5 "$(q v1.db 'SELECT count(*) FROM process_limits')"
assert_eq "cgroup version" 1 "$(q v1.db 'SELECT version FROM cgroups')"
assert_eq "cgroup path" "/kubepods/podabc" "$(q v1.db 'SELECT path FROM cgroups')"
assert_eq "v1 cgroup sample" "120000000|1000|250|5000000|50000|100000|536870912|1073741824|600000000|0|2|7" \
	"$(q v1.db 'SELECT cpu_usage_us, nr_periods, nr_throttled, throttled_us, cpu_quota_us, cpu_period_us,
		mem_usage_bytes, mem_limit_bytes, mem_peak_bytes, oom_events, oom_kills, pids_current FROM cgroup_samples LIMIT 1')"
assert_eq "user cpu from cpuacct.stat" $((9000 * 1000000 / hz)) "$(q v1.db 'SELECT cpu_user_us FROM cgroup_samples LIMIT 1')"
assert_eq "interfaces" "lo eth0" "$(q v1.db 'SELECT group_concat(name, " ") FROM interfaces')"
assert_eq "eth0" "9876543|5000|1|2|1234567|4000|0|3" \
	"$(q v1.db "SELECT rx_bytes, rx_packets, rx_errs, rx_drop, tx_bytes, tx_packets, tx_errs, tx_drop
		FROM netdev_samples s JOIN interfaces i ON i.id = s.iface_id WHERE name = 'eth0' LIMIT 1")"

# v1 with cpu and cpuacct as separate hierarchies and the target in different
# groups of them (cpu:/kubepods/podabc, cpuacct:/, as on this very machine):
# the usage at cpuacct:/ is the whole machine's, not the group's: not recorded
# (NULL, and the path says why), while the quota and throttling still are.
cp -a "$F/root-v1" split
sed -i 's/^4:cpu,cpuacct:.*$/4:cpu:\/kubepods\/podabc\n3:cpuacct:\//' split/proc/4242/cgroup
grep -q '^3:cpuacct:/$' split/proc/4242/cgroup || fail "fixture edit failed: $(cat split/proc/4242/cgroup)"
echo 999000000000 > split/sys/fs/cgroup/cpuacct/cpuacct.usage
"$CAP" --root "$PWD/split" --pid 4242 --duration 1s --interval 500ms -o split.db -q || fail "split v1 capture exited $?"
assert_eq "split: usage not taken from another group" "|1000|250|50000" \
	"$(q split.db 'SELECT cpu_usage_us, nr_periods, nr_throttled, cpu_quota_us FROM cgroup_samples LIMIT 1')"
assert_eq "split: the path says why" "/kubepods/podabc (cpuacct: /; CPU usage not recorded: not the cpu group)" \
	"$(q split.db 'SELECT path FROM cgroups')"

"$CAP" --root "$F/root-v2" --pid 4242 --duration 1s --interval 500ms -o v2.db -q || fail "v2 capture exited $?"
assert_eq "v2 backend" v2 "$(q v2.db "SELECT backend FROM sources WHERE name = 'cgroup'")"
assert_eq "v2 cgroup path" "/app.slice/web.service" "$(q v2.db 'SELECT path FROM cgroups')"
assert_eq "v2 cgroup sample" "5000000|400|100|2500000|||268435456||300000000|1|1|3" \
	"$(q v2.db 'SELECT cpu_usage_us, nr_periods, nr_throttled, throttled_us, cpu_quota_us, cpu_period_us,
		mem_usage_bytes, mem_limit_bytes, mem_peak_bytes, oom_events, oom_kills, pids_current FROM cgroup_samples LIMIT 1')"
# No smaps_rollup and no io (as for another user's process): NULLs, no failure.
assert_eq "no pss" "" "$(q v2.db 'SELECT pss_bytes FROM process_samples LIMIT 1')"
assert_eq "no io" "" "$(q v2.db 'SELECT rchar FROM process_samples LIMIT 1')"
assert_eq "process ran" ran "$(q v2.db "SELECT status FROM sources WHERE name = 'process'")"

# The hostile name reaches the terminal without its escape byte.
"$ANA" summary v1.db > s.txt || fail "summary exited $?"
if grep -q "$(printf '\033')" s.txt; then fail "escape byte from the bundle reached the terminal"; fi
exit 0
