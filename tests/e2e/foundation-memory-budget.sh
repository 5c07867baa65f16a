#!/bin/sh
# --mem-budget: over budget, the capture stops one optional source per 10 s
# window, the packet source first (its kernel ring, 32 MiB by default, is
# mapped into our RSS: stopping anything else first frees nothing that shows),
# and records why; the other sources go on.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
need_root "packet capture"
bg sleep 3600
T=$LAST_PID
"$CAP" -q --pid "$T" --interval 1s --duration 12s --mem-budget 8M -o b.db || fail "capture exited $?"
[ "$(q b.db "SELECT status FROM sources WHERE name = 'packets'")" = stopped ] ||
	[ "$(q b.db "SELECT status FROM sources WHERE name = 'packets'")" = ran ] ||
	skip "the packet source did not run: $(q b.db "SELECT reason FROM sources WHERE name = 'packets'")"
assert_eq "first source stopped for memory" packets \
	"$(q b.db "SELECT source FROM events WHERE kind = 'backoff' ORDER BY rowid LIMIT 1")"
assert_eq "packets status" stopped "$(q b.db "SELECT status FROM sources WHERE name = 'packets'")"
assert_eq "sockets still ran" ran "$(q b.db "SELECT status FROM sources WHERE name = 'sockets'")"
assert_ge "ticks after the back-off" 12 "$(q b.db "SELECT COUNT(*) FROM ticks")"
