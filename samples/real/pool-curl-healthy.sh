#!/bin/sh
# Healthy control of pool-curl: the same client and limit (40), asked for
# 25-40% of what it can serve; nothing stays pending, nothing fails.
KIND=healthy
EXPECT=
. "$(dirname "$0")/lib.sh"
. "$REAL_DIR/pool-curl/scenario.inc"
scenario_start() { pool_curl_start 25 40; }
real_main "$@"
