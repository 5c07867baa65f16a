# --attach stores files whole; extract writes them back byte for byte.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_cmd sqlite3

head -c 3000000 /dev/urandom > profile.cpuprofile
printf 'maxSockets: 256\n' > config.yaml
mkdir sub && printf 'other\n' > sub/config.yaml
bg sleep 3600
"$CAP" -q --pid "$LAST_PID" --duration 2s --attach profile.cpuprofile --attach config.yaml \
	--attach sub/config.yaml -o b.db || fail "capture failed"

"$ANA" extract b.db > list.txt || fail "list failed"
grep -q "^profile.cpuprofile	3000000	$(sha256sum profile.cpuprofile | cut -d' ' -f1)	" list.txt \
	|| fail "listing: $(cat list.txt)"
grep -q "^config.yaml.2	" list.txt || fail "clashing names not made unique: $(cat list.txt)"

mkdir out && cd out
"$ANA" extract ../b.db profile.cpuprofile || fail "extract failed"
cmp profile.cpuprofile ../profile.cpuprofile || fail "extracted file differs"
"$ANA" extract ../b.db config.yaml.2 -o c2 && cmp c2 ../sub/config.yaml || fail "second config differs"
"$ANA" extract ../b.db config.yaml -o - | cmp - ../config.yaml || fail "extract to stdout differs"
# Never overwrite silently; unknown names fail clearly.
if "$ANA" extract ../b.db profile.cpuprofile 2>err.txt; then fail "overwrote without --force"; fi
grep -q "exists" err.txt || fail "no message: $(cat err.txt)"
"$ANA" extract --force ../b.db profile.cpuprofile || fail "--force failed"
"$ANA" extract ../b.db nosuch 2>/dev/null; assert_eq "unknown name exit" 2 $?
# A damaged blob is refused and leaves no file behind.
cd .. && cp b.db bad.db
sqlite3 bad.db "UPDATE attachments SET data = zeroblob(16) || substr(data, 17) WHERE name = 'config.yaml'" 2>/dev/null \
	|| sqlite3 bad.db "UPDATE attachments SET sha256 = '00' WHERE name = 'config.yaml'"
"$ANA" extract bad.db config.yaml -o bad.out 2>/dev/null; assert_eq "damaged exit" 3 $?
[ ! -e bad.out ] || fail "a damaged attachment left a file"
exit 0
