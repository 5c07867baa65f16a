# The bundle at -o is created 0600, exclusively, never through a link; --force
# replaces only a regular file (by renaming a new file over it) and refuses a
# link, FIFO or device, and a bundle another live capture holds. Attacks come
# from another user (nobody) who can write the output directory.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_cmd sqlite3
need_cmd setpriv util-linux
need_root "plays another user against a root capture"
as_nobody() { setpriv --reuid nobody --regid nogroup --clear-groups "$@"; }
chmod o+x "$CASEFILE_TMP"
mkdir d && chmod 1777 d
umask 022

bg sleep 600
target=$LAST_PID
opts="--pid $target --interval 100ms --duration 300ms --no-packets --no-syscalls -q"

# A root-only file the attacker wants the capture to overwrite.
printf 'secret config\n' > victim && chmod 600 victim
victim_sum=$(sha256sum < victim)

# 1. A new bundle is 0600.
"$CAP" $opts -o d/new.db || fail "plain capture exited $?"
assert_eq "mode of a new bundle" 600 "$(stat -c %a d/new.db)"
assert_eq "integrity" ok "$(q d/new.db 'PRAGMA integrity_check')"

# 2. Another user's file at -o is refused without --force, and left alone.
as_nobody sh -c 'echo mine > d/pre.db' || fail "nobody cannot write d"
"$CAP" $opts -o d/pre.db 2> err.txt && fail "a capture over another user's file succeeded"
grep -q "already exists" err.txt || fail "no clear message: $(cat err.txt)"
assert_eq "pre-created file untouched" mine "$(cat d/pre.db)"

# 3. A symlink at -o: refused with and without --force; its target unchanged.
as_nobody ln -s "$CASEFILE_TMP/victim" d/link.db
"$CAP" $opts -o d/link.db 2> err.txt && fail "capture through a symlink succeeded"
"$CAP" $opts --force -o d/link.db 2> err.txt && fail "--force through a symlink succeeded"
grep -q "symbolic link" err.txt || fail "no clear message for a symlink: $(cat err.txt)"
assert_eq "symlink target unchanged" "$victim_sum" "$(sha256sum < victim)"
test -L d/link.db || fail "the symlink was replaced"

# 4. A FIFO at -o: refused at once (no hang), with and without --force.
as_nobody mkfifo d/fifo.db
timeout 20 "$CAP" $opts --force -o d/fifo.db 2> err.txt; rc=$?
[ $rc -eq 124 ] && fail "--force on a FIFO hung"
[ $rc -eq 0 ] && fail "--force on a FIFO succeeded"
grep -q "FIFO" err.txt || fail "no clear message for a FIFO: $(cat err.txt)"
timeout 20 "$CAP" $opts -o d/fifo.db 2>/dev/null; rc=$?
[ $rc -eq 124 ] && fail "a FIFO at -o hung"
[ $rc -eq 0 ] && fail "a FIFO at -o succeeded"

# 5. A device: refused, still a device.
"$CAP" $opts --force -o /dev/null 2> err.txt && fail "--force on /dev/null succeeded"
grep -q "device" err.txt || fail "no clear message for a device: $(cat err.txt)"
test -c /dev/null || fail "/dev/null is no longer a character device"

# 6. --force over a regular file: a new file (new inode) renamed over it; the
# old one is never written (a hard link to it keeps its bytes).
printf 'old bundle bytes\n' > d/old.db
ln d/old.db keep-old
old_ino=$(stat -c %i d/old.db)
"$CAP" $opts --force -o d/old.db || fail "--force over a regular file exited $?"
[ "$(stat -c %i d/old.db)" != "$old_ino" ] || fail "--force reused the old inode (opened the old file)"
assert_eq "old file's bytes" "old bundle bytes" "$(cat keep-old)"
assert_eq "mode of a --force bundle" 600 "$(stat -c %a d/old.db)"
assert_eq "integrity after --force" ok "$(q d/old.db 'PRAGMA integrity_check')"
ls d | grep -q 'tmp-' && fail "temp file left behind: $(ls d)"

# 7. A -wal planted beside a new name is not written through.
as_nobody ln -s "$CASEFILE_TMP/victim" d/wal.db-wal
"$CAP" $opts -o d/wal.db || fail "capture with a planted -wal exited $?"
assert_eq "planted -wal target unchanged" "$victim_sum" "$(sha256sum < victim)"
assert_eq "integrity with a planted -wal" ok "$(q d/wal.db 'PRAGMA integrity_check')"

# 8. Two captures on one -o: the second (--force) is refused while the first
# runs, and the first's bundle stays whole.
bg "$CAP" --pid "$target" --interval 100ms --duration 60s --no-packets --no-syscalls -q -o d/live.db
first=$LAST_PID
wait_for 60 sh -c "[ \$(sqlite3 -readonly d/live.db 'SELECT count(*) FROM ticks' 2>/dev/null || echo 0) -ge 2 ]" ||
	fail "first capture did not start"
"$CAP" $opts --force -o d/live.db 2> err.txt && fail "a second --force capture on a live bundle succeeded"
grep -q "another casefile-capture" err.txt || fail "no clear message for a held bundle: $(cat err.txt)"
kill -INT "$first"
wait "$first"; rc=$?
assert_eq "first capture's exit" 0 "$rc"
assert_eq "first bundle integrity" ok "$(q d/live.db 'PRAGMA integrity_check')"
assert_ge "first bundle ticks" 2 "$(q d/live.db 'SELECT count(*) FROM ticks')"

# 9. A disk full at setup leaves no bundle behind (a re-run needs no --force).
mkdir small
if mount -t tmpfs -o size=64k tmpfs small 2>/dev/null; then
	trap 'cleanup; umount "$CASEFILE_TMP/small" 2>/dev/null' EXIT INT TERM
	"$CAP" $opts -o small/full.db 2> err.txt && fail "a capture onto a 64k disk succeeded"
	cat err.txt
	test -e small/full.db && fail "a failed setup left '$(ls -la small/)'"
	ls small | grep -q . && fail "a failed setup left files: $(ls small)"
fi
exit 0
