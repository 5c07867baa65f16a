# Every bound holds whatever the flags: --max-targets also for --name, the
# CPU budget for the sampling backend at --syscall-sample 1us, --mem-budget
# against --pcap-buffer; bad values (--duration 0x10, --sources '') and a
# FIFO or missing --attach end the run with a non-zero exit, at once.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_cmd sqlite3

bg sleep 600
one=$LAST_PID
base="--interval 200ms --no-packets"

# Bad values: usage errors, no bundle.
"$CAP" --pid "$one" --duration 0x10 -o hex.db 2> err.txt; assert_eq "--duration 0x10" 2 $?
grep -q "invalid value '0x10' for --duration" err.txt || fail "no clear message: $(cat err.txt)"
"$CAP" --pid "$one" --duration 1e3 -o exp.db 2>/dev/null; assert_eq "--duration 1e3" 2 $?
"$CAP" --pid "$one" --max-size 0x100000 -o hexs.db 2>/dev/null; assert_eq "--max-size 0x100000" 2 $?
"$CAP" --pid "$one" --sources '' -o none.db 2> err.txt; assert_eq "--sources ''" 2 $?
grep -q -- "--sources" err.txt || fail "no clear message: $(cat err.txt)"
"$CAP" --pid "$one" --sources ',' -o none.db 2>/dev/null; assert_eq "--sources ','" 2 $?
ls ./*.db 2>/dev/null && fail "a refused command line left a bundle"

# --attach a FIFO: refused at once (no open() that waits for a writer).
mkfifo pipe
timeout 20 "$CAP" --pid "$one" $base --duration 1s --attach pipe -o fifo.db 2> err.txt; rc=$?
[ $rc -eq 124 ] && fail "--attach FIFO hung"
[ $rc -eq 0 ] && fail "--attach FIFO exited 0"
grep -q "not a regular file" err.txt || fail "no clear message: $(cat err.txt)"
"$CAP" --pid "$one" $base --duration 1s --attach missing.txt -o miss.db 2>/dev/null && fail "--attach of a missing file exited 0"

# --name matching 12 processes with --max-targets 4 captures 4, and says so.
cp "$(command -v sleep)" cfboundsmark
i=0
while [ $i -lt 12 ]; do bg ./cfboundsmark 600; i=$((i + 1)); done
wait_for 10 sh -c '[ $(pgrep -c -f cfboundsmark) -ge 12 ]' || fail "name targets did not start"
"$CAP" --name cfboundsmark --max-targets 4 $base --duration 1s --no-syscalls -o name.db 2> err.txt ||
	fail "--name capture exited $?: $(cat err.txt)"
assert_eq "targets with --max-targets 4" 4 "$(q name.db 'SELECT count(*) FROM processes')"
grep -q "more processes than --max-targets" err.txt || fail "no warning: $(cat err.txt)"
[ "$(q name.db "SELECT count(*) FROM events WHERE message LIKE '%--max-targets%'")" -ge 1 ] || fail "no event"

# --pcap-buffer 1024 with the default --mem-budget: clamped, said.
"$CAP" --pid "$one" --interval 200ms --duration 1s --no-syscalls --pcap-buffer 1024 -o pcap.db 2> err.txt ||
	fail "--pcap-buffer 1024 exited $?: $(cat err.txt)"
grep -q "pcap-buffer 1024 MiB is more than half of --mem-budget: using 128 MiB" err.txt ||
	fail "--pcap-buffer not clamped: $(cat err.txt)"

# --syscall-sample 1us on a target with 200 threads stays near the CPU budget.
bg "$S/grow" --thread-rate 400 --fd-rate 0 --rss-rate 0 --duration 120 --ready ready
many=$LAST_PID
wait_for 20 test -s ready || fail "grow did not start"
wait_for 20 sh -c "[ \$(ls /proc/$many/task | wc -l) -ge 200 ]" || fail "threads did not start"
kill -STOP "$many"   # a fixed set of threads for the measurement
/usr/bin/time -f "%e %U %S" -o time.txt "$CAP" --pid "$many" --syscalls sample --syscall-sample 1us \
	--cpu-budget 5 --interval 1s --duration 6s --no-packets --no-sockets --no-logs -o sys.db 2> err.txt ||
	fail "--syscall-sample 1us capture exited $?: $(cat err.txt)"
kill -CONT "$many"
grep -q "syscall-sample 1us is below 1ms" err.txt || fail "no clamp message: $(cat err.txt)"
pct=$(awk '{ printf "%d", 100 * ($2 + $3) / $1 }' time.txt)
echo "own CPU with --syscall-sample 1us: $pct% of a core ($(cat time.txt))"
# Budget 5%: allow for the main loop and a loaded machine, far below a core.
assert_le "own CPU %" 25 "$pct"
exit 0
