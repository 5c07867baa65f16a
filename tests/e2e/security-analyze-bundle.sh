# Hostile bundles (issue 15): every object of the schema is compared with the
# schema of the bundle's version, so planted generated columns, virtual
# tables, views, triggers, indexes, changed types and dropped tables are
# refused quickly, naming the object; names in messages reach the terminal
# escaped; a FIFO is refused without hanging; a WAL bundle of a killed capture
# reads from a read-only directory, and nothing is ever created beside a bundle.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_cmd sqlite3
need_cmd timeout
need_cmd python3
cp "$CASEFILE_TOP/tests/bundles/v1-incident.bundle" good.db

# refused NAME SQL GREP: the tampered copy is refused by summary, analysis and
# export within 10 s (exit 3), with a message matching GREP.
refused() {
	cp good.db "$1.db"
	sqlite3 "$1.db" "$2" || fail "$1: could not build the tampered bundle"
	for cmd in summary analyze export-pcap; do
		out=
		[ "$cmd" = export-pcap ] && out=x.pcap
		# shellcheck disable=SC2086
		timeout 10 "$ANA" $cmd "$1.db" $out > /dev/null 2> err.txt; rc=$?
		assert_eq "$1: $cmd exit" 3 "$rc"
		grep -q "$3" err.txt || fail "$1: $cmd message: $(cat err.txt)"
	done
}
refused gencol "ALTER TABLE processes ADD COLUMN boom TEXT GENERATED ALWAYS AS (printf('%.*c', 300000000, 'A')) VIRTUAL" \
	"table 'processes' that differs"
refused fts4 "DROP TABLE log_counts; CREATE VIRTUAL TABLE log_counts USING fts4(tick, file_id, level, records)" \
	"table 'log_counts'"
refused rtree "DROP TABLE flows; CREATE VIRTUAL TABLE flows USING rtree(id, a, b)" "table 'flows'"
refused trigger "CREATE TRIGGER t AFTER INSERT ON ticks BEGIN SELECT 1; END" "trigger 't' that casefile did not write"
refused view "CREATE VIEW extra AS SELECT 1" "view 'extra' that casefile did not write"
refused index "CREATE INDEX extra_idx ON ticks (mono_us)" "index 'extra_idx' that casefile did not write"
refused table "CREATE TABLE extra (a)" "table 'extra' that casefile did not write"
refused dropped "DROP TABLE syscall_errors" "lacks the table 'syscall_errors'"
refused type "PRAGMA writable_schema = 1;
	UPDATE sqlite_schema SET sql = replace(sql, 'sample_us   INTEGER', 'sample_us   TEXT') WHERE name = 'ticks'" \
	"table 'ticks' that differs"

# The indexes built at a clean stop may be missing (a killed capture).
cp good.db noidx.db
sqlite3 noidx.db "DROP INDEX process_samples_by_process"
"$ANA" summary noidx.db > /dev/null || fail "a bundle without its finalize indexes was refused"

# A tampered name reaches the terminal escaped: no ESC, no C1 (raw or UTF-8).
cp good.db esc.db
sqlite3 esc.db "CREATE VIEW \"$(printf 'v\033]0;owned\007\302\233x\233y')\" AS SELECT 1"
"$ANA" summary esc.db > out.txt 2> err.txt; assert_eq "escaped name exit" 3 $?
LC_ALL=C grep -q "$(printf '[\033\007\233]')" err.txt && fail "control bytes reached stderr: $(od -c err.txt | head)"
LC_ALL=C grep -q "$(printf '\302\233')" err.txt && fail "a UTF-8 C1 control reached stderr"
grep -q "v?]0;owned?" err.txt || fail "the escaped name is not shown: $(cat err.txt)"

# A FIFO or a device as input: refused at once.
mkfifo fifo.db
timeout 10 "$ANA" summary fifo.db 2> err.txt; assert_eq "FIFO input exit" 3 $?
grep -q "not a regular file" err.txt || fail "FIFO message: $(cat err.txt)"
timeout 10 "$ANA" fifo.db 2> /dev/null; assert_eq "FIFO input exit (analyze)" 3 $?
mkfifo fifo.yaml
timeout 10 "$ANA" rules check fifo.yaml > /dev/null 2> err.txt; assert_eq "FIFO rule pack exit" 7 $?
grep -q "not a regular file" err.txt || fail "FIFO rule pack message: $(cat err.txt)"

# A killed capture's bundle (WAL mode, its last commits in -wal): read from a
# directory the reader cannot write, and nothing created beside it.
mkdir ro && cp good.db ro/w.db
python3 - ro/w.db <<'PY' || fail "could not make a WAL bundle"
import os, sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("PRAGMA journal_mode=WAL")
c.execute("INSERT INTO events (tick, wall_us, kind, message) VALUES (9, 1, 'warning', 'only in the wal')")
c.commit()
os._exit(0)
PY
rm -f ro/w.db-shm
[ -s ro/w.db-wal ] || fail "no WAL file to test with"
chmod 0711 .; chmod 0755 ro; chmod 0644 ro/w.db ro/w.db-wal
before=$(ls ro | tr '\n' ' ')
if command -v setpriv > /dev/null && [ "$(id -u)" = 0 ]; then
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$ANA" summary --all ro/w.db > wal.txt 2> err.txt ||
		fail "WAL bundle in a read-only directory: $(cat err.txt)"
else
	"$ANA" summary --all ro/w.db > wal.txt 2> err.txt || fail "WAL bundle: $(cat err.txt)"
fi
grep -q "only in the wal" wal.txt || fail "the WAL's commits were not read"
"$ANA" ro/w.db -o r.json > /dev/null || fail "analysis of the WAL bundle"
"$ANA" good.db -o g.json > /dev/null || fail "analysis of the good bundle"
assert_eq "files beside the bundles" "$before" "$(ls ro | tr '\n' ' ')"
[ ! -e good.db-shm ] && [ ! -e good.db-wal ] && [ ! -e good.db-journal ] || fail "a file was created beside good.db"

# Bundle text with C1 controls (U+009B CSI, U+009D OSC) and ESC: no control
# reaches stdout in the text, Markdown or JSON report, nor in summary.
cp good.db c1.db
sqlite3 c1.db "UPDATE processes SET comm = 'x' || char(155) || '31m' || char(157) || 'y' || char(27) || 'z'"
for fmt in text md json; do
	"$ANA" c1.db --format $fmt > c1.$fmt || fail "analysis of c1.db ($fmt) exited $?"
	grep -q "31m" c1.$fmt || fail "the process name is missing from the $fmt report"
	LC_ALL=C grep -q "$(printf '\302[\200-\237]')" c1.$fmt && fail "a UTF-8 C1 control reached the $fmt report"
	LC_ALL=C grep -q "$(printf '[\033\233\235]')" c1.$fmt && fail "ESC or a raw C1 byte reached the $fmt report"
done
"$ANA" summary c1.db > c1.sum || fail "summary of c1.db"
LC_ALL=C grep -q "$(printf '\302[\200-\237]')" c1.sum && fail "a UTF-8 C1 control reached summary"
echo ok
