# The pool sample (a keep-alive client whose pool grows to its cap of 48
# against a slow server, answers left unread): pool-cap and
# stuck-receive-queues must fire with the cap and byte counts in their
# messages; the healthy client against a fast server keeps every rule silent.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_cmd sqlite3
need_cmd python3
[ -x "$S/pool_client" ] && [ -x "$S/slow_server" ] && [ -x "$S/healthy_client" ] ||
	skip "needs the sockets samples (pool_client, slow_server, healthy_client)"

bg "$S/slow_server" --port 0 --delay-ms 1500 --duration 90 > server.out 2>&1
wait_for 10 grep -q listening server.out || fail "slow_server did not start: $(cat server.out)"
port=$(port_of server.out)
bg "$S/pool_client" --port "$port" --rate 10 --duration 90 2> client.err
"$CAP" --pid "$LAST_PID" --duration 20s -q -o pool.db || fail "capture exited $?"

"$ANA" pool.db --format json > pool.json; rc=$?
assert_eq "exit code" 0 "$rc"
# Every finding's SQL re-runs with sqlite3 to its evidence rows.
python3 "$CASEFILE_TOP/tests/tools/check_evidence_sql.py" pool.db pool.json || fail "evidence SQL of pool.db does not re-run"
j() { sqlite3 -batch -noheader :memory: "SELECT $1 FROM (SELECT readfile('$2') AS d)"; }
msg() { j "(SELECT json_extract(value, '\$.message') FROM json_each(d, '\$.findings') WHERE json_extract(value, '\$.rule') = '$1')" pool.json; }
pc=$(msg pool-cap)
sr=$(msg stuck-receive-queues)
echo "pool-cap: $pc"
echo "stuck-receive-queues: $sr"
case "$pc" in *"stayed at exactly 48"*"a cap"*) ;; *) fail "pool-cap missing or without the cap: '$pc'" ;; esac
case "$pc" in *"port $port"*) ;; *) fail "pool-cap does not name the port" ;; esac
case "$sr" in *"exactly 1101 bytes"*) ;; *) fail "stuck-receive-queues missing or without the byte count: '$sr'" ;; esac
assert_eq "pool-cap value" 48 "$(j "(SELECT json_extract(value, '\$.values.cap') FROM json_each(d, '\$.findings') WHERE json_extract(value, '\$.rule') = 'pool-cap')" pool.json)"

# Healthy control: same server, fast; a small pool that reads every answer.
bg "$S/slow_server" --port 0 --delay-ms 5 --duration 90 > hserver.out 2>&1
wait_for 10 grep -q listening hserver.out || fail "fast server did not start"
hport=$(port_of hserver.out)
bg "$S/healthy_client" --port "$hport" --duration 90 2> hclient.err
"$CAP" --pid "$LAST_PID" --duration 15s -q -o healthy.db || fail "capture exited $?"
"$ANA" healthy.db --format json --fail-on info > healthy.json; rc=$?
assert_eq "healthy findings" 0 "$(j "json_array_length(d, '\$.findings')" healthy.json)"
assert_eq "healthy exit code with --fail-on info" 0 "$rc"
python3 "$CASEFILE_TOP/tests/tools/check_evidence_sql.py" healthy.db healthy.json || fail "evidence SQL of healthy.db does not re-run"
exit 0
