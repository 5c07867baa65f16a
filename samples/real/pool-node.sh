#!/bin/sh
# Incident: Node http.Agent({maxSockets: 100}) at a steady 160-220% of what
# 100 sockets to a 2.5 s upstream can serve, warm on a fast (0.3 s) upstream
# that then slows down: sockets rise from ~25 and hold at 100; the rest queue
# in the agent (empty socket queues) and, after 1.2 s without a socket, are
# abandoned and logged at ERROR. Target: node.
KIND=incident
EXPECT=pool-cap
. "$(dirname "$0")/lib.sh"
. "$REAL_DIR/pool-node/scenario.inc"
scenario_start() { pool_node_start 160 220; }
real_main "$@"
