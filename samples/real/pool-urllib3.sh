#!/bin/sh
# Incident: Python urllib3 HTTPConnectionPool(maxsize=24, block=True) asked
# for 160-220% of what 24 connections to a 1.2 s upstream can serve.
# Connections rise over a 15 s ramp and hold at 24; the rest block inside the
# process (empty socket queues) and, after 1.5 s (pool_timeout), fail with
# EmptyPoolError and are logged at ERROR. Target: the Python client.
KIND=incident
EXPECT=pool-cap
. "$(dirname "$0")/lib.sh"
. "$REAL_DIR/pool-urllib3/scenario.inc"
scenario_start() { pool_urllib3_start 160 220; }
real_main "$@"
