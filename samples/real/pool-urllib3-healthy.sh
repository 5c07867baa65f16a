#!/bin/sh
# Healthy control of pool-urllib3: the same client and pool (24), asked for
# 25-40% of what it can serve; nothing waits, nothing fails.
KIND=healthy
EXPECT=
. "$(dirname "$0")/lib.sh"
. "$REAL_DIR/pool-urllib3/scenario.inc"
scenario_start() { pool_urllib3_start 25 40; }
real_main "$@"
