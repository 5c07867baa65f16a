# A packet capture whose activation outlasts packets_open's wait (injected:
# CASEFILE_TEST_PCAP_ACTIVATE_DELAY_MS) is skipped with its reason, and its
# thread is cancelled and joined, not left running: while the capture goes on
# only the main thread remains.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_root "packet capture"
need_cmd sqlite3
# ASan reports a false stack-buffer-overflow when a cancelled thread ends (the
# forced unwind leaves its frames poisoned: google/sanitizers#1399).
if ldd "$CAP" 2>/dev/null | grep -q libasan; then skip "pthread_cancel under ASan (google/sanitizers#1399)"; fi

bg sleep 3600
T=$LAST_PID
CASEFILE_TEST_PCAP_ACTIVATE_DELAY_MS=30000 CASEFILE_TEST_PCAP_START_TIMEOUT_MS=300 \
	bg "$CAP" -v --pid "$T" --sources process,packets --interval 200ms --duration 20s -o b.db 2> cap.err
cap=$LAST_PID
wait_for 20 grep -q "capturing into" cap.err || fail "capture did not start: $(cat cap.err)"
threads=$(ls /proc/$cap/task | wc -l)
assert_eq "threads while capturing (the stuck packet thread is gone)" 1 "$threads"
kill -INT "$cap"
wait_for 30 sh -c "! kill -0 $cap 2>/dev/null" || fail "capture did not stop"
wait "$cap"; rc=$?
assert_eq "exit" 0 "$rc"
assert_eq "packets status" skipped "$(q b.db "SELECT status FROM sources WHERE name = 'packets'")"
assert_eq "reason" "packet capture did not start within 300 ms" \
	"$(q b.db "SELECT reason FROM sources WHERE name = 'packets'")"
assert_eq "process source ran" ran "$(q b.db "SELECT status FROM sources WHERE name = 'process'")"
exit 0
