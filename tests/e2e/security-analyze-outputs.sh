# Outputs never destroy inputs (issue 15): an output that is an input (by
# name, through a symlink, a hard link, or a bundle's -wal) is refused with the
# bundle unchanged; an existing output needs --force; unknown extensions are
# errors; every output is written through a temp file and rename, so a full
# disk leaves the old file and a non-zero exit; a full standard output is a
# non-zero exit from every command.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_cmd sqlite3
need_cmd sha256sum
cp "$CASEFILE_TOP/tests/bundles/v1-incident.bundle" a.db
cp a.db b.db
sum() { sha256sum "$1" | cut -d' ' -f1; }
A0=$(sum a.db); B0=$(sum b.db)

"$ANA" a.db -o a.db 2> err.txt; rc=$?
[ "$rc" -ne 0 ] || fail "analyze -o BUNDLE exited 0"
grep -q "input" err.txt || fail "analyze -o BUNDLE: no reason given: $(cat err.txt)"
"$ANA" a.db --format text -o a.db --force 2> /dev/null && fail "analyze -o BUNDLE --force --format text exited 0"
"$ANA" compare a.db b.db -o b.db 2> /dev/null && fail "compare -o AFTER exited 0"
"$ANA" compare a.db b.db --format md -o b.db --force 2> /dev/null && fail "compare -o AFTER --force exited 0"
"$ANA" export-pcap a.db b.db 2> /dev/null && fail "export-pcap onto a bundle exited 0"
"$ANA" export-pcap a.db -o a.db --force 2> /dev/null && fail "export-pcap onto its input exited 0"
ln -s a.db link.txt
"$ANA" a.db -o link.txt --force 2> /dev/null && fail "analyze -o SYMLINK-TO-BUNDLE exited 0"
ln a.db hard.md
"$ANA" a.db -o hard.md --force 2> /dev/null && fail "analyze -o HARDLINK-OF-BUNDLE exited 0"
"$ANA" a.db --format text -o a.db-wal 2> /dev/null && fail "analyze -o BUNDLE-wal exited 0"
[ ! -e a.db-wal ] || fail "a file was created beside the bundle"
"$ANA" a.db --rules "$CASEFILE_TOP/tests/fixtures/rules/good.yaml" --format text \
	-o "$CASEFILE_TOP/tests/fixtures/rules/good.yaml" 2> /dev/null && fail "analyze -o RULE-PACK exited 0"
"$ANA" redact a.db -o a.db --force 2> /dev/null && fail "redact onto its input exited 0"
"$ANA" redact a.db -o a.db-wal 2> /dev/null && fail "redact onto the input's -wal exited 0"
[ ! -e a.db-wal ] || fail "redact created a file beside the bundle"
assert_eq "a.db unchanged" "$A0" "$(sum a.db)"
assert_eq "b.db unchanged" "$B0" "$(sum b.db)"

# Existing outputs need --force; unknown extensions are errors.
"$ANA" a.db -o r.txt > /dev/null || fail "first report failed"
"$ANA" a.db -o r.txt 2> err.txt && fail "replaced an existing report without --force"
grep -q "force" err.txt || fail "no hint at --force: $(cat err.txt)"
"$ANA" a.db -o r.txt --force || fail "--force did not replace"
"$ANA" a.db -o r.pdf 2> err.txt && fail "unknown extension accepted"
grep -q "extension" err.txt || fail "unknown extension: $(cat err.txt)"
[ ! -e r.pdf ] || fail "an unknown extension still wrote a file"
"$ANA" export-pcap a.db out.bin 2> /dev/null && fail "export-pcap to .bin accepted"
mkfifo fifo.txt
timeout 10 "$ANA" a.db -o fifo.txt --force 2> /dev/null && fail "wrote to a FIFO"
[ -p fifo.txt ] || fail "the FIFO was replaced"
ls -a | grep -q '\.tmp' && fail "temp files left behind: $(ls -a)"

# A full standard output is an error from every command.
for cmd in "summary a.db" "a.db" "compare a.db b.db" "rules list" "rules detectors" \
	   "export-pcap a.db -"; do
	# shellcheck disable=SC2086
	"$ANA" $cmd > /dev/full 2> err.txt; rc=$?
	[ "$rc" -ne 0 ] || fail "'$cmd' to /dev/full exited 0"
done

# A full file system: the old report stays as it was, the exit is 6.
if mkdir mnt && mount -t tmpfs -o size=64k tmpfs mnt 2>/dev/null; then
	trap 'umount mnt 2>/dev/null; cleanup' EXIT INT TERM
	echo old > mnt/r.html
	head -c 60000 /dev/zero > mnt/filler 2>/dev/null
	"$ANA" a.db -o mnt/r.html --force 2> err.txt; rc=$?
	assert_eq "analyze -o on a full disk" 6 "$rc"
	assert_eq "old report kept" old "$(cat mnt/r.html)"
	"$ANA" export-pcap a.db mnt/p.pcap 2> /dev/null; rc=$?
	assert_eq "export-pcap on a full disk" 6 "$rc"
	[ ! -e mnt/p.pcap ] || fail "a partial pcap was left"
	ls -a mnt | grep -q '\.tmp' && fail "temp files left on the full disk: $(ls -a mnt)"
	umount mnt
else
	echo "note: cannot mount a tmpfs here; the full-disk part is skipped"
fi
assert_eq "a.db unchanged at the end" "$A0" "$(sum a.db)"
echo ok
