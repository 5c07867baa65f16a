# Bounded work on hostile input (issue 15): a rule that never ends is stopped
# at --rule-timeout with a note while the other rules run; `rules check`
# names it; a deeply nested YAML pack is refused at once; extreme values and
# times give a finite, bounded HTML report; export-pcap stops at --max-size.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_cmd sqlite3
need_cmd timeout
cp "$CASEFILE_TOP/tests/bundles/v1-incident.bundle" a.db
cat > forever.yaml <<'YAML'
rules:
  - id: forever
    title: A query that never ends
    severity: low
    requires: [ticks]
    query: >
      WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM r)
      SELECT x AS wall_us, x AS fds FROM r WHERE x < 0
    detector: threshold
    params: { y: fds, above: 1 }
    message: "x {fds}"
    next_step: none
YAML
timeout 60 "$ANA" a.db --rules forever.yaml --rule-timeout 1s --format json -o r.json 2> err.txt; rc=$?
assert_eq "analysis with a runaway rule" 0 "$rc"
grep -q "rule 'forever' (forever.yaml:[0-9]*) stopped after 1 s" r.json || fail "no stopped note: $(grep -o '"message": "[^"]*forever[^"]*"' r.json)"
grep -q '"rules_evaluated": [1-9]' r.json || grep -q '"evaluated": [1-9]' r.json ||
	fail "the other rules did not run: $(grep -o '"rules[^}]*' r.json | head -3)"
"$ANA" a.db --rule-timeout soon 2> /dev/null; assert_eq "bad --rule-timeout" 2 $?
timeout 30 "$ANA" rules check forever.yaml > out.txt 2> err.txt; rc=$?
assert_eq "rules check of a runaway rule" 7 "$rc"
grep -q "did not finish within" err.txt || fail "rules check: $(cat err.txt)"

# printf fills a width one character at a time, out of the progress
# handler's reach: widths and precisions past 1e6 are an error, at once;
# ordinary formats give SQLite's own output.
cat > printf.yaml <<'YAML'
rules:
  - id: wide-printf
    title: printf that would take seconds per row
    severity: low
    requires: [ticks]
    query: SELECT wall_us, length(printf('%.*c', 300000000, 'b')) AS fds FROM ticks
    detector: threshold
    params: { y: fds, above: 1 }
    message: "x {fds}"
    next_step: none
  - id: fine-printf
    title: printf as usual
    severity: low
    requires: [ticks]
    query: SELECT wall_us, length(printf('%5d|%-8s|%.2f|%c%%|%s', id, 'ab', 1.5, 'x', NULL)) AS fds FROM ticks
    detector: threshold
    params: { y: fds, above: 1 }
    message: "printf gave {fds} characters"
    next_step: none
YAML
timeout 20 "$ANA" a.db --no-builtin --rules printf.yaml > p.txt 2>&1 || fail "analysis with a wide printf: $(cat p.txt)"
grep -q "rule 'wide-printf' .*width or precision above" p.txt || fail "wide printf not refused: $(cat p.txt)"
assert_eq "printf output length" "$(sqlite3 :memory: "SELECT length(printf('%5d|%-8s|%.2f|%c%%|%s', 1, 'ab', 1.5, 'x', NULL))")" \
	"$(sed -n 's/.*printf gave \([0-9]*\) characters.*/\1/p' p.txt | head -1)"

# 200 KB of '[': refused quickly, naming FILE:LINE.
awk 'BEGIN { printf "rules: "; for (i = 0; i < 200000; i++) printf "["; print "" }' > deep.yaml
timeout 5 "$ANA" rules check deep.yaml > /dev/null 2> err.txt; rc=$?
assert_eq "deep YAML" 7 "$rc"
grep -q "deep.yaml:1:[0-9]*: YAML nested deeper than" err.txt || fail "deep YAML message: $(cat err.txt)"

# Extreme values and times: a finite, bounded HTML report, quickly.
cp a.db x.db
sqlite3 x.db "UPDATE process_samples SET fds = CASE tick % 4 WHEN 0 THEN -1e20 WHEN 1 THEN 1.7e308
	WHEN 2 THEN 9e999 ELSE -9e999 END;
	UPDATE process_samples SET rss_bytes = 1.7e308;
	UPDATE ticks SET wall_us = 9223372036854775807 - (10 - id) WHERE id > 5;
	UPDATE ticks SET wall_us = -9223372036854775807 WHERE id = 1;" || fail "could not build the extreme bundle"
timeout 30 "$ANA" x.db -o x.html 2> err.txt; rc=$?
[ "$rc" -eq 0 ] || [ "$rc" -eq 1 ] || fail "HTML report of extreme values exited $rc: $(cat err.txt)"
assert_le "HTML size (bytes)" 5000000 "$(wc -c < x.html)"
grep -qi 'points="[^"]*\(inf\|nan\)' x.html && fail "non-finite coordinates in the SVG"
assert_eq "balanced svg" "$(grep -o '<svg ' x.html | wc -l)" "$(grep -o '</svg>' x.html | wc -l)"

# export-pcap --max-size: stops, no file, exit 6; a sane size goes through.
n=$("$ANA" export-pcap a.db all.pcap | grep -o '^[0-9]*')
assert_ge "packets in the sample bundle" 2 "$n"
"$ANA" export-pcap a.db small.pcap --max-size 200 2> err.txt; rc=$?
assert_eq "export past --max-size" 6 "$rc"
grep -q "max-size" err.txt || fail "--max-size message: $(cat err.txt)"
[ ! -e small.pcap ] || fail "a cut pcap was left"
"$ANA" export-pcap a.db big.pcap --max-size 10M > /dev/null || fail "export under --max-size failed"
cmp -s all.pcap big.pcap || fail "export under --max-size differs"
"$ANA" export-pcap a.db y.pcap --max-size lots 2> /dev/null; assert_eq "bad --max-size" 2 $?
echo ok
