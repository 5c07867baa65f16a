# The redaction map and the outputs of redaction: --redact-map needs
# --redact; a map someone else prepared is refused, never truncated or
# reused; the default file name carries the host's pseudonym; `casefile-analyze
# redact` never writes over its input or an existing file without --force.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_root "a UTS namespace and files owned by another user"
need_cmd sqlite3
need_cmd unshare util-linux
chmod 755 .

bg sleep 600
T=$LAST_PID

"$CAP" -q --pid "$T" --duration 1s --redact-map m.tsv -o a.db 2> err.txt && fail "--redact-map without --redact was accepted"
grep -q "needs --redact" err.txt || fail "no reason given: $(cat err.txt)"
[ ! -e m.tsv ] && [ ! -e a.db ] || fail "files left behind by a refused command line"
"$CAP" -q --pid "$T" --duration 1s --redact --pcap-payload -o a.db 2> /dev/null && fail "--pcap-payload with --redact was accepted"

# Another user's map waiting at the default place: refused, left as it was, no bundle.
echo "planted by nobody" > b.db.redact-map.tsv
chown nobody b.db.redact-map.tsv
chmod 644 b.db.redact-map.tsv
sum=$(sha256sum < b.db.redact-map.tsv)
"$CAP" -q --pid "$T" --duration 1s --redact -o b.db 2> err.txt && fail "a planted map was reused"
grep -q "already exists" err.txt || fail "no reason given: $(cat err.txt)"
assert_eq "planted map unchanged" "$sum" "$(sha256sum < b.db.redact-map.tsv)"
assert_eq "planted map owner" nobody "$(stat -c %U b.db.redact-map.tsv)"
[ ! -e b.db ] || fail "a bundle was written without its map"
# ... and a symlink there is not followed.
ln -s /etc/passwd c.db.redact-map.tsv
sum=$(sha256sum < /etc/passwd)
"$CAP" -q --pid "$T" --duration 1s --redact -o c.db 2> /dev/null && fail "a symlinked map was followed"
assert_eq "link target unchanged" "$sum" "$(sha256sum < /etc/passwd)"

# The default name: the host's pseudonym, never its name.
H="cfmaphost$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')"
mkdir def && chmod 755 def
(cd def && unshare -u sh -c 'hostname "$1"; shift; exec "$@"' sh "$H" "$CAP" -q --pid "$T" --duration 1s --redact) \
	|| fail "capture with the default name failed"
n=$(ls def | grep -c '\.db$')
assert_eq "bundles made" 1 "$n"
f=$(ls def | grep '\.db$')
case "$f" in casefile-host-????????????????-sleep-*) ;; *) fail "default name '$f' has no host pseudonym" ;; esac
! ls def | grep -qF "$H" || fail "the host name is in a file name: $(ls def)"
[ -f "def/$f.redact-map.tsv" ] || fail "no map beside the default-named bundle"
! sqlite3 -readonly "def/$f" .dump | grep -qF "$H" || fail "the host name is in the bundle"

# Two attachments with one base name: both stored, under distinct pseudonyms.
mkdir -p sub && echo one > a.txt && echo two > sub/a.txt
"$CAP" -q --pid "$T" --duration 1s --redact --attach "$PWD/a.txt" --attach "$PWD/sub/a.txt" -o att.db \
	|| fail "capture with two attachments failed"
assert_eq "attachments" 2 "$(q att.db 'SELECT COUNT(DISTINCT name) FROM attachments')"
! sqlite3 -readonly att.db .dump | grep -q -e 'a\.txt' -e '/sub/' || fail "attachment names in the clear"

# casefile-analyze redact: never over its input, never over a file without --force.
cp "def/$f" in.db
sum=$(sha256sum < in.db)
"$ANA" redact in.db -o in.db 2> err.txt && fail "redact wrote over its input"
"$ANA" redact in.db -o ./in.db --force 2> /dev/null && fail "redact --force wrote over its input"
ln -s in.db alias.db
"$ANA" redact in.db -o alias.db --force 2> /dev/null && fail "redact wrote over its input through a symlink"
assert_eq "input unchanged" "$sum" "$(sha256sum < in.db)"
echo keep > out.db
"$ANA" redact in.db -o out.db 2> err.txt && fail "redact replaced a file without --force"
assert_eq "existing output kept" keep "$(cat out.db)"
"$ANA" redact in.db -o out.db --force > /dev/null || fail "redact --force failed"
"$ANA" summary out.db > /dev/null || fail "the copy does not read back"
assert_eq "copy mode" 600 "$(stat -c %a out.db.redact-map.tsv)"
# the map is never reused either
"$ANA" redact in.db -o out2.db --map out.db.redact-map.tsv 2> /dev/null && fail "redact reused an existing map"
[ ! -e out2.db ] || fail "a copy was written without its map"
"$ANA" redact in.db -o out2.db --map in.db 2> /dev/null && fail "redact wrote its map over the input"
assert_eq "input unchanged" "$sum" "$(sha256sum < in.db)"
exit 0
