# With the sockets source running, the auto filter takes the target's sockets
# from that source's dump of the last tick: it follows a connection the target
# opens after the capture started without a dump or an fd link read of its
# own after the first refresh (at open, before any tick). In a network
# namespace of its own: no other socket appears there.
SOURCES=packets,sockets
. "$CASEFILE_TOP/tests/e2e/packets-auto.inc"
# Only the filter at open (no tick yet) read the tables and links itself;
# every refresh after came from the sockets source's dump.
reads=$(echo "$refresh" | sed -n 's/^\([0-9]*\) read every.*/\1/p')
links=$(echo "$refresh" | sed -n 's/.*; \([0-9]*\) fd links read.*/\1/p')
viewed=$(echo "$refresh" | sed -n 's/.*; \([0-9]*\) from the sockets source.*/\1/p')
assert_eq "refreshes that read every link ($refresh)" 1 "$reads"
assert_le "fd links read by the filter ($refresh; $F fds)" "$F" "$links"
assert_ge "refreshes from the sockets source's dump ($refresh)" 1 "$viewed"
# and the sockets source saw the connection the filter followed
assert_ge "the new connection in the sockets table" 1 \
	"$(q b.db "SELECT count(*) FROM sockets WHERE local_port = $EPH AND remote_port = $SPORT")"
exit 0
