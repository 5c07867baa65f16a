#!/bin/sh
# Healthy control for error-log-amplification (the cause reversed): a Python
# client (urllib3, pool of 64: room to spare) POSTs ~1.5 KB orders at a rate
# that wanders around 6-10/s to an upstream that fails them (504 after 1.5 s),
# and logs each failure at ERROR. No log shipping at all: the traffic comes
# first and causes the errors, so error-log-amplification must not fire.
# Target: the Python client.
KIND=healthy
EXPECT=
. "$(dirname "$0")/lib.sh"
. "$REAL_DIR/upstream/zoo.inc"

scenario_start() {
	zoo_need_pymod urllib3 python3-urllib3
	zoo_upstream upstream --delay 1.5 --status 504
	rate=$(shuf -i 6-10 -n 1)
	real_bg client /usr/bin/python3 "$REAL_DIR/pool-urllib3/client.py" --url "http://127.0.0.1:$UP_PORT/orders" \
		--cap 64 --rate "$rate" --wait 5 --body 1500 --wander
	real_out TARGET_PID "$REAL_PID"
	zoo_wait_log "$RUN/client.out"
	real_out PORT_UPSTREAM "$UP_PORT"
	real_out RATE "$rate"
	real_out UPSTREAM_COUNTS "$UP_COUNTS"
	real_out LOG "$RUN/client.out"
	real_out CAPTURE_S 25
}
real_main "$@"
