# make static builds a statically linked casefile-capture that captures.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_cmd sqlite3
[ -f /usr/lib/x86_64-linux-gnu/libpcap.a ] || [ -f /usr/lib/aarch64-linux-gnu/libpcap.a ] || skip "no libpcap.a (apt-get install libpcap-dev)"
make -s -C "$CASEFILE_TOP" static SAN= EXTRA_CFLAGS= BUILD="$CASEFILE_TMP/build" BIN="$CASEFILE_TMP/bin" \
	> build.log 2>&1 || { cat build.log; fail "make static failed"; }
bin="$CASEFILE_TMP/bin/casefile-capture-static"
file "$bin" 2>/dev/null | grep -q "statically linked" || ldd "$bin" 2>&1 | grep -q "not a dynamic" || fail "not static"
bg sleep 300
"$bin" --pid "$LAST_PID" --duration 2s --interval 200ms -o s.db -q || fail "static capture exited $?"
assert_eq "integrity" ok "$(q s.db 'PRAGMA integrity_check')"
# a loaded machine may skip tick slots (the schedule is absolute), so ask only for a few
assert_ge "ticks" 3 "$(q s.db 'SELECT count(*) FROM ticks')"
exit 0
