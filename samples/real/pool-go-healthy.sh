#!/bin/sh
# Healthy control of pool-go: the same client and cap (7), asked for 25-40%
# of what the pool can serve: connections rise to what the load needs and
# idle between requests; nothing waits, nothing fails.
KIND=healthy
EXPECT=
. "$(dirname "$0")/lib.sh"
. "$REAL_DIR/pool-go/scenario.inc"
scenario_start() { pool_go_start 25 40; }
real_main "$@"
