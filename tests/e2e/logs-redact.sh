# --redact keeps addresses, host names, e-mails and tokens of the logs out
# of the bundle; the mapping goes to a separate 0600 file.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_cmd sqlite3

bg "$S/logspam" --rate 30 --messages 5 --duration 30 --output app.log
spam=$LAST_PID
wait_for 5 test -s app.log || fail "logspam wrote nothing"
"$CAP" -q --pid "$spam" --duration 4s --log "$PWD/app.log" --log-since 1h --redact -o b.db \
	|| fail "capture failed"
[ -f b.db.redact-map.tsv ] || fail "no redaction map next to the bundle"
assert_eq "map mode" 600 "$(stat -c %a b.db.redact-map.tsv)"
assert_ge "examples stored" 5 "$(q b.db "SELECT COUNT(*) FROM fingerprint_examples")"

# Secrets that were in the log: none may be anywhere in the bundle file.
grep -o 'token=[A-Za-z0-9]*' app.log | cut -d= -f2 | head -n 20 > tokens.txt
# (10.0.0.1 is left out: the schema's comments show '::ffff:10.0.0.1' as an example)
grep -oE '10\.0\.[0-9]+\.[0-9]+' app.log | grep -vx '10\.0\.0\.1' | sort -u | head -n 20 > ips.txt
grep -oE 'user[0-9]+@example\.com' app.log | sort -u | head -n 20 > emails.txt
assert_ge "secrets to look for" 5 "$(cat tokens.txt | wc -l)"
for pat in example.com logging.svc.cluster.local; do
	! grep -aq "$pat" b.db || fail "'$pat' found in the bundle"
done
grep -aqF -f tokens.txt b.db && fail "a token is in the bundle"
grep -aqF -f ips.txt b.db && fail "an address is in the bundle"
grep -aqF -f emails.txt b.db && fail "an e-mail is in the bundle"
# The manifest names the host by pseudonym only.
q b.db "SELECT value FROM manifest WHERE key = 'host'" | grep -qE '^host-[0-9a-f]{16}$' || fail "host name not redacted"
assert_eq "host in map" 1 "$(grep -c "^host	.*	$(uname -n)\$" b.db.redact-map.tsv)"
# ... and the map has them, consistently, once each.
grep -qE '^ip	ip-[0-9a-f]{16}	10\.0\.[0-9]+\.[0-9]+$' b.db.redact-map.tsv || fail "no address in the map"
grep -qE '^email	email-[0-9a-f]{16}	user[0-9]+@example\.com$' b.db.redact-map.tsv || fail "no e-mail in the map"
dups=$(grep -v '^#' b.db.redact-map.tsv | cut -f2 | sort | uniq -d | wc -l)
assert_eq "pseudonyms listed once" 0 "$dups"
# Patterns survive: the same address in two examples is the same pseudonym.
assert_ge "pseudonyms in examples" 5 "$(q b.db "SELECT COUNT(*) FROM fingerprint_examples WHERE text LIKE '%ip-%:9243%' OR text LIKE '%host-%' OR text LIKE '%email-%'")"
exit 0
