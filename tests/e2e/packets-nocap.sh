# Without CAP_NET_RAW the packets source is skipped with its reason and the
# capture goes on with the other sources.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_root "dropping a capability needs it first"
need_cmd setpriv util-linux
need_cmd sqlite3
bg sleep 3600
T=$LAST_PID
setpriv --inh-caps=-net_raw --bounding-set=-net_raw -- \
	"$CAP" --pid $T --duration 2s -q -o b.db || fail "capture failed without CAP_NET_RAW"
assert_eq "packets status" skipped "$(q b.db "SELECT status FROM sources WHERE name='packets'")"
reason=$(q b.db "SELECT reason FROM sources WHERE name='packets'")
case "$reason" in *CAP_NET_RAW*) ;; *) fail "reason does not name CAP_NET_RAW: $reason" ;; esac
assert_eq "skip event" 1 "$(q b.db "SELECT count(*) FROM events WHERE kind='source_skipped' AND source='packets'")"
assert_eq "process source ran" ran "$(q b.db "SELECT status FROM sources WHERE name='process'")"
assert_ge "ticks" 2 "$(q b.db 'SELECT count(*) FROM ticks')"
echo "ok: $reason"
