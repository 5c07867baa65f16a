# The profile source on a workload whose profile is known by design
# (samples/cpuburn.c: burn_a 60% of the cycles, burn_b 30%, burn_c 10%, all
# called from work_round <- main, built with frame pointers): the bundle's
# top function and its share match the design within a few points, frames
# are named along the whole chain, the reports show the table, and
# export-folded writes the stacks flamegraph.pl reads; the HTML report draws
# them as a flame graph.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_root "perf_event_open on another process (perf_event_paranoid)"
need_cmd sqlite3

bg "$S/cpuburn" --duration 120 > ready.txt
target=$LAST_PID
wait_for 20 grep -q ready ready.txt || fail "cpuburn did not start"
# 997 Hz for about a thousand samples even on a loaded machine: the share of
# a 60% function is then known within ~1.5 points (one standard deviation).
"$CAP" --pid "$target" --sources profile --profile-hz 997 --duration 6s -q -o p.db || fail "capture exited $?"

assert_eq "profile ran" ran "$(q p.db "SELECT status FROM sources WHERE name = 'profile'")"
assert_eq "hz recorded" 997 "$(q p.db "SELECT value FROM manifest WHERE key = 'profile_hz'")"
samples=$(q p.db "SELECT SUM(samples) FROM profile_samples")
assert_ge "samples" 600 "$samples"
assert_eq "samples counted per tick" "$samples" "$(q p.db "SELECT SUM(samples) FROM profile_ticks")"
assert_eq "lost" 0 "$(q p.db "SELECT SUM(lost) FROM profile_ticks")"

# Self share of each function, in tenths of a percent of all samples.
share() { q p.db "SELECT CAST(1000.0 * self_samples / $samples AS INTEGER) FROM profile_top WHERE function = '$1'"; }
assert_eq "top function" burn_a "$(q p.db "SELECT function FROM profile_top LIMIT 1")"
a=$(share burn_a); b=$(share burn_b); c=$(share burn_c)
echo "shares (per mille): burn_a $a, burn_b $b, burn_c $c of $samples samples"
assert_ge "burn_a share" 550 "$a"; assert_le "burn_a share" 650 "$a"
assert_ge "burn_b share" 250 "$b"; assert_le "burn_b share" 350 "$b"
assert_ge "burn_c share" 60 "$c"; assert_le "burn_c share" 140 "$c"

# Named along the chain: burn_a is called from work_round, called from main.
chain=$(q p.db "SELECT fp.name || '<' || fg.name FROM profile_stacks s
	JOIN profile_frames f ON f.id = s.frame_id
	JOIN profile_stacks p ON p.id = s.parent_id JOIN profile_frames fp ON fp.id = p.frame_id
	JOIN profile_stacks g ON g.id = p.parent_id JOIN profile_frames fg ON fg.id = g.frame_id
	WHERE f.name = 'burn_a' LIMIT 1")
assert_eq "burn_a's callers" "work_round<main" "$chain"
# (main also reads the clock between rounds, outside work_round.)
assert_ge "work_round on the stacks" $((samples * 97 / 100)) "$(q p.db "SELECT total_samples FROM profile_top WHERE function = 'work_round'")"
# The sample's own symbols and build-id, as readelf sees them.
bid=$(q p.db "SELECT build_id FROM profile_modules WHERE path LIKE '%/cpuburn'")
[ -n "$bid" ] || fail "no build-id for cpuburn"
if command -v readelf >/dev/null; then
	readelf -n "$S/cpuburn" | grep -q "Build ID: $bid" || fail "build-id $bid is not the binary's"
fi
assert_eq "symbols from" symtab "$(q p.db "SELECT symbols FROM profile_modules WHERE path LIKE '%/cpuburn'")"
# Unwinding worked: no stack stopped at its leaf or went astray.
assert_le "stray stacks" $((samples / 50)) "$(q p.db "SELECT SUM(stray) + SUM(leaf_only) FROM profile_ticks")"

# Reports: the top table in text, Markdown and JSON.
"$ANA" p.db -o r.txt -o r.md -o r.json -o r.html || fail "analyze exited $?"
grep -q "CPU profile: $samples on-CPU samples at 997 Hz" r.txt || fail "text report lacks the profile"
grep -Eq '^ +[56][0-9]\.[0-9]% +[56][0-9]\.[0-9]% +burn_a +\(cpuburn\)' r.txt || fail "text report lacks burn_a's row"
grep -q '^## CPU profile' r.md || fail "Markdown report lacks the profile"
grep -q '| burn\\_a | cpuburn |' r.md || fail "Markdown report lacks burn_a's row"
[ "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["profile"]["functions"][0]["function"])' r.json)" = burn_a ] ||
	fail "JSON report's top function is not burn_a"
# The HTML report's flame graph: a box for burn_a over work_round over main.
grep -q '<section id="profile">' r.html || fail "HTML report lacks the flame graph"
for fn in burn_a work_round main; do
	grep -q "<title>$fn ([0-9]* samples" r.html || fail "flame graph lacks a box for $fn"
done
python3 "$CASEFILE_TOP/tests/tools/check_json_schema.py" "$CASEFILE_TOP/analyze/report.schema.json" r.json >/dev/null ||
	fail "JSON report does not match its schema"

# Folded stacks: one line per stack, counts adding up to every sample.
"$ANA" export-folded p.db -o p.folded || fail "export-folded exited $?"
grep -Eq '^cpuburn;.*main;work_round;burn_a [0-9]+$' p.folded || fail "folded stacks lack main;work_round;burn_a"
assert_eq "folded counts" "$samples" "$(awk '{ n += $NF } END { print n }' p.folded)"
"$ANA" export-folded p.db -o p.folded 2>/dev/null && fail "export-folded replaced its output without --force"
"$ANA" export-folded p.db -o p.db 2>/dev/null && fail "export-folded wrote over its bundle"
exit 0
