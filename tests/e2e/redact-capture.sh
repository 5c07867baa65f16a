# --redact and `casefile-analyze redact`: a capture with every source on
# (sockets, packets, logs with addresses, host names, users and tokens, an
# attachment, a cgroup where one can be made), in a UTS namespace with its own
# host name, of a target running as another user on addresses other than
# 127.0.0.1. The redacted bundle (sqlite3 .dump, raw bytes, the exported pcap
# decoded by tcpdump/tshark, attachment metadata) holds none of the run's
# identifiers; neither does `casefile-analyze redact` of the plain bundle,
# whose findings match the original's. Packets keep headers only: a password
# POSTed over loopback is in no bundle unless --pcap-payload asks.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_root "packet capture, a UTS namespace and a target as another user"
need_cmd sqlite3
need_cmd unshare util-linux
need_cmd setpriv util-linux
[ -x /usr/bin/python3 ] || skip "needs /usr/bin/python3 (apt-get install python3)"

r=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
H="cfhost$r"                                   # the host name, in a UTS namespace
A1="127.77.$((r % 200 + 10)).$((r / 256 % 200 + 10))"   # the server address
A2="127.88.$((r / 65536 % 200 + 10)).$((r % 199 + 20))" # the client's source address
SECRET="hunter2x$r"
TOKEN="tok$r"
U=nobody
D=$(basename "$PWD")                           # every path of the run holds it
chmod 755 .
cat > app.py <<'PY'
import os, socket, sys, threading, time
a1, a2, host, user, token, log = sys.argv[1:7]
secret = os.environ["CF_SECRET"]   # not in the command line: only the packets carry it
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((a1, 0))
srv.listen(64)
port = srv.getsockname()[1]
def serve():
    while True:
        c, _ = srv.accept()
        try:
            c.recv(4096)
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        finally:
            c.close()
threading.Thread(target=serve, daemon=True).start()
f = open(log, "a")
n = 0
while True:
    s = socket.socket()
    s.bind((a2, 0))
    s.connect((a1, port))
    s.sendall(("POST /login HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n\r\npassword=%s"
               % (host, 9 + len(secret), secret)).encode())
    s.recv(4096)
    s.close()
    n += 1
    f.write("2026-01-01T00:00:00Z ERROR login failed for user=%s from %s:%d via %s token=%s n=%d\n"
            % (user, a2, port, host, token, n))
    f.flush()
    time.sleep(0.05)
PY
: > app.log
chown "$U" app.log
printf 'notes for %s at %s\n' "$H" "$A1" > notes.txt

# A cgroup of our own, when this machine lets us make one.
CG=""
for c in /sys/fs/cgroup/cpu /sys/fs/cgroup; do
	if [ -w "$c" ] && mkdir "$c/cfcg$r" 2>/dev/null; then CG="$c/cfcg$r"; break; fi
done
trap 'cleanup; [ -n "$CG" ] && rmdir "$CG" 2>/dev/null' EXIT INT TERM

CF_SECRET=$SECRET bg setpriv --reuid="$U" --regid=nogroup --clear-groups /usr/bin/python3 "$PWD/app.py" \
	"$A1" "$A2" "$H" "$U" "$TOKEN" "$PWD/app.log"
T=$LAST_PID
[ -n "$CG" ] && { echo "$T" > "$CG/cgroup.procs" || CG=""; }
wait_for 20 grep -q "n=3" app.log || fail "the target did not start talking"

# Three captures side by side: plain, --redact, --pcap-payload.
capture() { # NAME ARGS...
	n=$1; shift
	unshare -u sh -c 'hostname "$1"; shift; exec "$@"' sh "$H" \
		"$CAP" -q --pid "$T" --duration 4s --log "$PWD/app.log" --attach "$PWD/notes.txt" "$@" \
		> "$n.out" 2>&1
}
capture plain -o plain.db & P1=$!
capture red --redact -o red.db & P2=$!
capture pay --pcap-payload -o pay.db & P3=$!
_pids="$_pids $P1 $P2 $P3"
wait $P1 || fail "plain capture failed: $(cat plain.out)"
wait $P2 || fail "redacted capture failed: $(cat red.out)"
wait $P3 || fail "payload capture failed: $(cat pay.out)"

printf '%s\n' "$H" "$A1" "$A2" "$D" "$U" "$TOKEN" "$SECRET" > idents.txt
[ -n "$CG" ] && basename "$CG" >> idents.txt

# Every identifier is in the plain bundle (else this test would prove nothing);
# the password is not (headers only) -- packets are there.
dump() { sqlite3 -readonly "$1" .dump > "$1.dump" && tr -c "[:print:]" "\n" < "$1" >> "$1.dump"; }
dump plain.db
for id in "$H" "$A1" "$A2" "$D" "$U" "$TOKEN"; do
	grep -qF "$id" plain.db.dump || fail "'$id' is not even in the plain bundle"
done
assert_ge "packets stored" 20 "$(q plain.db 'SELECT SUM(packets) FROM packet_chunks')"
assert_ge "sockets seen" 1 "$(q plain.db "SELECT COUNT(*) FROM sockets WHERE local_addr = '$A1' OR remote_addr = '$A1'")"
! grep -qF "$SECRET" plain.db.dump || fail "the password is in the plain bundle (payload stored)"
! grep -qaF "$SECRET" plain.db || fail "the password is in the plain bundle's bytes"
[ -n "$CG" ] && { grep -qF "$(basename "$CG")" plain.db.dump || fail "the cgroup is not in the plain bundle"; }

# exported pcaps, decoded: tcpdump (and tshark when present) print addresses
decode() { # BUNDLE -> BUNDLE.pcap.txt
	"$ANA" export-pcap "$1" "$1.pcap" > /dev/null || fail "export-pcap $1 failed"
	: > "$1.pcap.txt"
	if command -v tcpdump > /dev/null; then tcpdump -nn -v -A -r "$1.pcap" >> "$1.pcap.txt" 2>&1; fi
	if command -v tshark > /dev/null; then tshark -V -r "$1.pcap" >> "$1.pcap.txt" 2>&1; fi
	tr -c "[:print:]" "\n" < "$1.pcap" >> "$1.pcap.txt"
}
decode plain.db
grep -qF "$A1" plain.db.pcap.txt || fail "the plain export does not show $A1"
! grep -qF "$SECRET" plain.db.pcap.txt || fail "the password is in the plain export"
decode pay.db
grep -qF "$SECRET" pay.db.pcap.txt || fail "--pcap-payload: the password is not in the export"

# No identifier of the run in a redacted bundle, its export, its attachments.
clean() { # BUNDLE
	dump "$1"
	decode "$1"
	"$ANA" extract "$1" > "$1.att" || fail "extract $1 failed"
	# the attachment itself: text, redacted like the logs
	"$ANA" extract "$1" "$(q "$1" 'SELECT name FROM attachments LIMIT 1')" -o "$1.att.data" > /dev/null \
		|| fail "extract of the attachment of $1 failed"
	grep -q "^notes for host-[0-9a-f]\{16\} at ip-[0-9a-f]\{16\}\$" "$1.att.data" \
		|| fail "$1: attachment not redacted as expected: $(cat "$1.att.data")"
	hits=$(cat "$1.dump" "$1.pcap.txt" "$1.att" "$1.att.data" | grep -F -o -f idents.txt | sort | uniq -c)
	[ -z "$hits" ] || fail "$1 holds identifiers of the run: $hits"
	assert_ge "$1: pseudonymized addresses" 1 "$(q "$1" "SELECT COUNT(*) FROM sockets WHERE local_addr LIKE 'ip-%' OR remote_addr LIKE 'ip-%'")"
	assert_ge "$1: packets" 20 "$(q "$1" 'SELECT SUM(packets) FROM packet_chunks')"
	q "$1" "SELECT value FROM manifest WHERE key = 'host'" | grep -qE '^host-[0-9a-f]{16}$' || fail "$1: host not redacted"
}
clean red.db
[ -f red.db.redact-map.tsv ] || fail "no redaction map next to red.db"
assert_eq "map mode" 600 "$(stat -c %a red.db.redact-map.tsv)"
grep -q "^host	host-[0-9a-f]\{16\}	$H\$" red.db.redact-map.tsv || fail "the host is not in the map"
dups=$(grep -v '^#' red.db.redact-map.tsv | cut -f2 | sort | uniq -d | wc -l)
assert_eq "pseudonyms listed once" 0 "$dups"

"$ANA" redact plain.db -o shared.db > redact.out || fail "casefile-analyze redact failed: $(cat redact.out)"
clean shared.db
assert_eq "copy mode" 600 "$(stat -c %a shared.db.redact-map.tsv)"
"$ANA" summary shared.db > /dev/null || fail "the redacted copy does not pass the analyzer's checks"

# The same findings (rule ids and numbers), on the run and on a bundle with many.
findings() { "$ANA" "$1" --format json 2>/dev/null | /usr/bin/python3 -c '
import json, sys
for f in json.load(sys.stdin)["findings"]:
    print(f["rule"], sorted((k, v) for k, v in f["values"].items() if isinstance(v, (int, float))))' | sort; }
findings plain.db > f.plain
findings shared.db > f.shared
cmp -s f.plain f.shared || fail "findings differ: $(diff f.plain f.shared | head -5)"
"$ANA" redact "$CASEFILE_TOP/tests/bundles/v1-incident.bundle" -o inc.db > /dev/null || fail "redact of the fixture failed"
findings "$CASEFILE_TOP/tests/bundles/v1-incident.bundle" > f.inc
findings inc.db > f.incred
assert_ge "fixture findings" 1 "$(wc -l < f.inc)"
cmp -s f.inc f.incred || fail "fixture findings differ: $(diff f.inc f.incred | head -5)"
exit 0
