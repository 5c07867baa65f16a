#!/bin/sh
# Healthy control of pool-node: the same client and maxSockets (100), asked
# for 25-40% of what it can serve once the upstream slowed down; nothing
# queues, nothing fails.
KIND=healthy
EXPECT=
. "$(dirname "$0")/lib.sh"
. "$REAL_DIR/pool-node/scenario.inc"
scenario_start() { pool_node_start 25 40; }
real_main "$@"
