#!/bin/sh
# Incident: libcurl multi with CURLMOPT_MAX_HOST_CONNECTIONS 40 asked for
# 160-220% of what 40 connections to a 1.5 s upstream can serve. Connections
# rise over a 15 s ramp and hold at 40; the other transfers stay pending
# inside the process (empty socket queues) and, after 1 s, are abandoned and
# logged at ERROR. Target: the C client.
KIND=incident
EXPECT=pool-cap
. "$(dirname "$0")/lib.sh"
. "$REAL_DIR/pool-curl/scenario.inc"
scenario_start() { pool_curl_start 160 220; }
real_main "$@"
