#!/bin/sh
# Healthy control of pg-limit: the same server limit (5-9) and client, with
# 2-3 fewer workers than max_connections: every worker connects, nothing is
# refused.
KIND=healthy
EXPECT=
. "$(dirname "$0")/lib.sh"
. "$REAL_DIR/pg-limit/scenario.inc"
scenario_start() { pg_limit_start -3 -2; }
real_main "$@"
