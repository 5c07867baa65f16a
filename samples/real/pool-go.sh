#!/bin/sh
# Incident: a Go net/http client (Transport.MaxConnsPerHost 7) asked for
# 160-220% of what 7 connections to a 0.4 s upstream can serve. Connections
# rise over a 15 s ramp and hold at 7; the rest wait inside the process
# (empty socket queues) and, after 1 s without a connection, fail and are
# logged at ERROR. Target: the Go client.
KIND=incident
EXPECT=pool-cap
. "$(dirname "$0")/lib.sh"
. "$REAL_DIR/pool-go/scenario.inc"
scenario_start() { pool_go_start 160 220; }
real_main "$@"
