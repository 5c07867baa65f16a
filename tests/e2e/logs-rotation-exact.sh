# Each line of a rotated log is counted exactly once: 1,000 rotations mixing
# rename (logrotate's "create", older copies shifted app.log.1 -> .2 -> .3),
# copytruncate (a new copy app.log.1, then the file cut to 0) and delete-and-
# recreate, under a glob ("app.log*") that also matches every rotated copy.
# Back to back: several rotations (a copy and its original both new, a copy
# not cut yet) may fall between two reads of a 20 ms capture.
# The bundle's line count must equal the lines written, and deleted files
# must not stay open.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_cmd sqlite3
ROT=${ROTATIONS:-1000}

# The target and the capture outlast the test: on a loaded machine (or
# under ASan) 1,000 back-to-back rotations have taken over 14 minutes.
bg sleep 3600
target=$LAST_PID
# --no-nice: this counts lines, not the capture's manners; at nice 10 on a
# machine loaded by other tests its 20 ms ticks starve (169 s alone, 15 min
# beside four other tests and a loaded machine).
bg "$CAP" --pid "$target" --interval 20ms --duration 3600s --no-nice --no-packets --no-syscalls --no-sockets -q \
	--log "$PWD/app.log*" -o b.db
cap=$LAST_PID
wait_for 30 sh -c "[ \$(sqlite3 -readonly b.db 'SELECT count(*) FROM ticks' 2>/dev/null || echo 0) -ge 1 ]" ||
	fail "capture did not start"

# The target's own stdout (this script's log) is followed too: app.log* only.
APP="SELECT id FROM log_files WHERE path LIKE '$PWD/app.log%'"
counted() { q b.db "SELECT COALESCE(SUM(lines), 0) FROM log_file_samples WHERE file_id IN ($APP)"; }
# A file deleted before the capture ever opened it is lost to any reader:
# before deleting, wait until the capture holds the current app.log open.
held() {
	_l=$(ls -l "/proc/$cap/fd" 2>/dev/null)
	case "$_l
" in *" $PWD/app.log
"*) return 0 ;; esac
	return 1
}
# Likewise app.log.3 is deleted by the next shift: wait until its lines are
# counted (a sum of lines would not do: rotated copies are not always read in
# order). Each rotated file holds one batch; its first line stands for it,
# read without a process, as this runs 666 times. A capture that keeps up
# never waits; a slow one (ASan, a loaded machine) is not outrun, while up to
# three rotations may still fall between two reads.
file_counted() {
	read -r _l < "$1" || return 0
	_w=${_l#INFO request }; _w=${_w% served}
	[ "$(q b.db "SELECT count(*) FROM fingerprints f WHERE f.text = 'request $_w served'
		AND EXISTS (SELECT 1 FROM fingerprint_counts c WHERE c.fingerprint_id = f.id)")" = 1 ]
}
shift_copies() {
	if [ -e app.log.3 ]; then
		wait_for 120 file_counted app.log.3 ||
			fail "capture did not count the lines of app.log.3 before it was deleted (rotation $i)"
	fi
	rm -f app.log.3
	if [ -e app.log.2 ]; then mv app.log.2 app.log.3; fi
	if [ -e app.log.1 ]; then mv app.log.1 app.log.2; fi
}

i=0; n=0
while [ $i -lt "$ROT" ]; do
	# Letters, not digits: each line its own fingerprint, so a line
	# counted twice shows which one.
	w=$(echo $n | tr 0-9 a-j)
	printf 'INFO request %s served\nWARN slow request %s\nERROR request %s failed\n' $w $w $w >> app.log
	n=$((n + 3))
	case $((i % 3)) in
	0) shift_copies; mv app.log app.log.1 ;;
	1) shift_copies; cp app.log app.log.1; : > app.log ;;
	2) held || wait_for 120 held || fail "capture never opened app.log (rotation $i)"; rm app.log ;;
	esac
	i=$((i + 1))
done
printf 'INFO last line\n' >> app.log
n=$((n + 1))
echo "wrote $n lines through $ROT rotations"

wait_for 120 sh -c "[ \"\$(sqlite3 -readonly b.db \"SELECT COALESCE(SUM(lines), 0) FROM log_file_samples WHERE file_id IN ($APP)\")\" -ge $n ]"
open_deleted=$(ls -l "/proc/$cap/fd" | grep -c 'app.log.*(deleted)')
kill -INT "$cap"
wait "$cap"; rc=$?
assert_eq "capture exit" 0 "$rc"
got=$(counted)
echo "counted $got lines; $(q b.db 'SELECT count(*) FROM log_files') log_files rows;" \
	"$(q b.db 'SELECT COALESCE(SUM(rotations), 0) FROM log_file_samples') rotations seen; $open_deleted deleted files open"
if [ "$got" != "$n" ]; then
	echo "counted more than once:"
	q b.db "SELECT f.text, SUM(c.records) FROM fingerprint_counts c JOIN fingerprints f ON f.id = c.fingerprint_id
		WHERE f.file_id IN ($APP) GROUP BY f.id HAVING SUM(c.records) > 1 LIMIT 10"
	echo "distinct lines counted: $(q b.db 'SELECT count(*) FROM fingerprints')"
fi
assert_eq "lines counted once each" "$n" "$got"
assert_eq "records by level" "$n" "$(q b.db "SELECT SUM(records) FROM log_counts WHERE file_id IN ($APP)")"
assert_le "deleted logs still open" 2 "$open_deleted"
exit 0
