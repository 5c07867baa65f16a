# A short capture of an idle process: the bundle is one file that passes
# integrity_check, and `summary` prints the manifest, sources and series.
# e2e: serial (the tick schedule itself is asserted: 4..6 ticks in 2 s,
# no gap over 800 ms)
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_cmd sqlite3

bg sleep 300
target=$LAST_PID
"$CAP" --pid "$target" --duration 2s --interval 500ms -o x.db || fail "capture exited $?"
[ -f x.db ] || fail "no bundle"
[ ! -e x.db-wal ] || fail "a -wal file was left after a clean stop"
assert_eq "integrity" ok "$(q x.db 'PRAGMA integrity_check')"
ticks=$(q x.db 'SELECT count(*) FROM ticks')
assert_ge "ticks" 4 "$ticks"
assert_le "ticks" 6 "$ticks"
assert_eq "target pid" "$target" "$(q x.db "SELECT pid FROM processes WHERE role = 'target'")"
assert_eq "comm" sleep "$(q x.db 'SELECT comm FROM processes')"
assert_eq "process samples" "$ticks" "$(q x.db 'SELECT count(*) FROM process_samples')"
assert_eq "process source" ran "$(q x.db "SELECT status FROM sources WHERE name = 'process'")"
assert_eq "stop reason" "duration reached" "$(q x.db "SELECT value FROM manifest WHERE key = 'stop_reason'")"
# Monotonic schedule: ticks 500 ms apart, give or take scheduling noise.
gap=$(q x.db 'SELECT max(b.mono_us - a.mono_us) FROM ticks a JOIN ticks b ON b.id = a.id + 1')
assert_le "max tick gap" 800000 "$gap"

# --no-SOURCE turns a source off, and the bundle says so.
"$CAP" --pid "$target" --duration 500ms --interval 100ms --no-cgroup --no-netdev --no-nice -o off.db -q || fail "capture with --no-cgroup exited $?"
assert_eq "cgroup off" "0|off" "$(q off.db "SELECT requested, status FROM sources WHERE name = 'cgroup'")"
assert_eq "netdev off" off "$(q off.db "SELECT status FROM sources WHERE name = 'netdev'")"
assert_eq "no cgroup rows" 0 "$(q off.db 'SELECT count(*) FROM cgroup_samples')"
assert_eq "process still on" ran "$(q off.db "SELECT status FROM sources WHERE name = 'process'")"
"$CAP" --pid "$target" --duration 500ms --sources process,netdev -o only.db -q || fail "capture with --sources exited $?"
assert_eq "--sources" "netdev process" "$(q only.db "SELECT group_concat(name, ' ') FROM (SELECT name FROM sources WHERE status = 'ran' ORDER BY name)")"

"$ANA" summary x.db > out.txt || fail "summary exited $?"
grep -q "command_line .*--pid $target" out.txt || fail "summary lacks the command line"
grep -q "^  process *ran" out.txt || fail "summary lacks the sources"
grep -q "resident memory \[pid $target sleep\]" out.txt || fail "summary lacks the RSS series"
grep -q "open fds" out.txt || fail "summary lacks the fd series"
exit 0
