# A capture onto a small filesystem that fills up stops with a clear message
# and exit 6, and what it recorded stays a valid, readable bundle.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_cmd sqlite3
need_root "mounts a small tmpfs"
mkdir small
# 768k: the empty bundle (every source's tables) takes about 250K of it,
# which leaves a few ticks before the disk is full.
mount -t tmpfs -o size=768k tmpfs small || skip "cannot mount tmpfs here"
trap 'cleanup; umount "$CASEFILE_TMP/small" 2>/dev/null' EXIT INT TERM

# Many threads make every tick write a few hundred rows.
bg "$S/grow" --thread-rate 400 --fd-rate 0 --rss-rate 0 --duration 60 --ready ready
target=$LAST_PID
wait_for 10 test -s ready || fail "grow did not start"
wait_for 10 sh -c "[ \$(ls /proc/$target/task | wc -l) -ge 100 ]" || fail "threads did not start"
"$CAP" --pid "$target" --interval 20ms --duration 60s -o small/f.db 2> err.txt; rc=$?
cat err.txt
assert_eq "exit code on a full disk" 6 "$rc"
grep -q "disk full while writing 'small/f.db'" err.txt || fail "no clear disk-full message"
assert_eq "integrity" ok "$(q small/f.db 'PRAGMA integrity_check')"
kept=$(q small/f.db 'SELECT count(*) FROM ticks')
assert_ge "ticks kept" 2 "$kept"
assert_eq "samples of every kept tick" "$kept" "$(q small/f.db 'SELECT count(DISTINCT tick) FROM process_samples')"
"$ANA" summary small/f.db > s.txt || fail "summary of the disk-full bundle exited $?"
grep -q "did not finish cleanly" s.txt || fail "summary does not say the capture was cut short"
exit 0
