# Issue 18's must-show on the seed with its real npm packages (winston +
# winston-elasticsearch 0.15.9 + @elastic/elasticsearch 7.17), as the seed
# happened (seed-slow: one bulk request per log record, the pool full, the
# service held to its CPU quota):
#  1. --runtime-profile node: the bundle names winston-elasticsearch's files
#     among the top script URLs (as the seed's engineer read them in a CPU
#     profile), the .cpuprofile is attached, and the inspector is closed again;
#  2. only the perf profile source, node started with --perf-basic-prof: the
#     JavaScript functions are named (JIT frames through /tmp/perf-PID.map).
. "$CASEFILE_TOP/tests/e2e/lib.sh"
. "$CASEFILE_TOP/tests/e2e/real-lib.inc"
need_root "SIGUSR1 to the service (another user) and perf events"
need_cmd sqlite3
need_cmd node nodejs

listening() { ss -Hltn 'sport = :9229' | grep -c LISTEN; }
[ "$(listening)" = 0 ] || skip "127.0.0.1:9229 is taken on this machine"

# 1. The runtime's own profile.
real_start seed-slow
real_capture 20 rt.db --runtime-profile node:10
kill -0 "$TARGET_PID" || fail "the service died"
assert_eq "port closed after" 0 "$(listening)"
q rt.db "SELECT outcome FROM runtime_profiles"
case "$(q rt.db "SELECT outcome FROM runtime_profiles")" in
*"inspector closed again"*"profile taken"*) ;;
*) fail "outcome: $(q rt.db "SELECT outcome FROM runtime_profiles")" ;;
esac
# V8 samples from a thread of the service, which the quota holds to 12 ms
# of CPU a second like the rest: few samples (~70 in 10 s), all of them
# taken while the service ran.
assert_ge "samples" 30 "$(q rt.db "SELECT samples FROM runtime_profiles")"
"$ANA" rt.db > rt.txt 2>&1
sed -n '/Runtime CPU profile/,$p' rt.txt | head -40
# The top script URLs (by samples anywhere on the stack, V8's own nodes
# aside) name the transport's files.
top=$(q rt.db "
WITH RECURSIVE walk (stack_id, node, frame_id) AS (
	SELECT s.id, s.parent_id, s.frame_id FROM profile_stacks s WHERE s.id IN (SELECT stack_id FROM runtime_profile_samples)
	UNION ALL SELECT w.stack_id, s.parent_id, s.frame_id FROM walk w JOIN profile_stacks s ON s.id = w.node),
mods AS (SELECT DISTINCT w.stack_id, f.module_id FROM walk w JOIN profile_frames f ON f.id = w.frame_id)
SELECT m.path FROM mods JOIN runtime_profile_samples r ON r.stack_id = mods.stack_id
JOIN profile_modules m ON m.id = mods.module_id WHERE m.path != '[v8]'
GROUP BY m.path ORDER BY SUM(r.samples) DESC LIMIT 15")
echo "top script URLs by samples on the stack:"; echo "$top" | head -15
echo "$top" | grep -q "node_modules/winston-elasticsearch/" || fail "winston-elasticsearch not among the top script URLs"
grep -q "Runtime CPU profile" rt.txt || fail "no runtime profile in the report"
assert_ge "the .cpuprofile attached" 1 "$(q rt.db "SELECT COUNT(*) FROM attachments a JOIN runtime_profiles r ON r.attachment = a.name")"
sh "$REAL/seed-slow.sh" stop run-seed-slow >/dev/null

# 2. The perf profile alone, node with --perf-basic-prof.
export SEED_NODE_FLAGS=--perf-basic-prof
real_start seed-error
map=/tmp/perf-$TARGET_PID.map
real_capture 8 perf.db --sources profile
sh "$REAL/seed-error.sh" stop run-seed-error >/dev/null
rm -f "$map"
assert_eq "jit symbols" perf-map "$(q perf.db "SELECT symbols FROM profile_modules WHERE path = '[jit]'")"
q perf.db "SELECT function, CAST(total_pct AS INTEGER) || '%' FROM profile_top WHERE module = '[jit]' ORDER BY total_samples DESC LIMIT 10"
assert_ge "JavaScript functions named" 10 "$(q perf.db "SELECT COUNT(DISTINCT f.name) FROM profile_frames f JOIN profile_modules m ON m.id = f.module_id WHERE m.path = '[jit]' AND f.name LIKE '%.js:%'")"
assert_ge "the transport's functions named" 1 "$(q perf.db "SELECT COUNT(*) FROM profile_top WHERE module = '[jit]' AND function LIKE '%winston-elasticsearch/%'")"
exit 0
