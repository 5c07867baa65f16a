# Run as an unprivileged user with no capabilities: the capture records what
# it can, lists every skipped source with its reason, and still succeeds.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_cmd sqlite3
need_cmd setpriv util-linux
need_root "switches to the unprivileged user nobody"
chmod 0777 "$CASEFILE_TMP"
asnobody() { setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all "$@"; }

bg asnobody sleep 300
target=$LAST_PID
# The binaries may sit under a directory nobody cannot enter: copy them.
cp "$CAP" ./cap && chmod 0755 ./cap
asnobody ./cap --pid "$target" --duration 2s --interval 500ms -o np.db 2> err.txt; rc=$?
cat err.txt
assert_eq "unprivileged capture exit" 0 "$rc"
assert_eq "integrity" ok "$(q np.db 'PRAGMA integrity_check')"
assert_eq "process source" ran "$(q np.db "SELECT status FROM sources WHERE name = 'process'")"
assert_ge "process samples" 4 "$(q np.db 'SELECT count(*) FROM process_samples')"
# Every requested source either ran or says why not.
bad=$(q np.db "SELECT name || ':' || status FROM sources WHERE requested = 1 AND
	(status NOT IN ('ran', 'skipped') OR (status = 'skipped' AND coalesce(reason, '') = ''))")
assert_eq "sources without a reason" "" "$bad"
q np.db "SELECT name, status, coalesce(backend, '-'), coalesce(reason, '-') FROM sources" | sed 's/^/    /'
# A skipped source is an event too, and a warning on stderr.
for s in $(q np.db "SELECT name FROM sources WHERE status = 'skipped'"); do
	assert_eq "event for skipped $s" 1 "$(q np.db "SELECT count(*) FROM events WHERE kind = 'source_skipped' AND source = '$s'")"
	grep -q "source '$s' skipped" err.txt || fail "no warning for skipped source $s"
done

# A process of another user (root's): its /proc/PID/io is unreadable, the rest is recorded.
bg sleep 301
asnobody ./cap --pid "$LAST_PID" --duration 1s --interval 500ms -o other.db -q || fail "capture of another user's process exited $?"
assert_ge "samples of root's process" 2 "$(q other.db 'SELECT count(*) FROM process_samples WHERE rss_bytes > 0')"
assert_eq "io unreadable -> NULL" "" "$(q other.db 'SELECT rchar FROM process_samples LIMIT 1')"
exit 0
