# The auto filter follows a connection the target opens after the capture
# started: the refresh that finds its socket in the tables reads the link of
# the new fd (the fds it knew are not read again) and the filter names it.
# In a network namespace of its own: no other socket appears there.
SOURCES=packets
. "$CASEFILE_TOP/tests/e2e/packets-auto.inc"
# The first refresh read every link (the F fds but the new one); the one
# that found the new socket read only the links of fds whose socket it did
# not know: the new one and those that are no socket (stdio), not the 21
# sockets it knew. Every link each time would be 2F - 1.
reads=$(echo "$refresh" | sed -n 's/^\([0-9]*\) read every.*/\1/p')
links=$(echo "$refresh" | sed -n 's/.*; \([0-9]*\) fd links read.*/\1/p')
case "$refresh" in *" 0 only those of new fds"*) fail "no refresh read only the new fds: $refresh" ;; esac
assert_eq "refreshes that read every link" 1 "$reads"
assert_le "fd links read in all ($refresh; $F fds)" $((2 * F - 21)) "$links"
exit 0
