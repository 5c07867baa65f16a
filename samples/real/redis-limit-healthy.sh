#!/bin/sh
# Healthy control of redis-limit: the same maxclients (10-16) and consumer,
# with 3-4 fewer workers than the limit: all connect, nothing is refused.
KIND=healthy
EXPECT=
. "$(dirname "$0")/lib.sh"
. "$REAL_DIR/redis-limit/scenario.inc"
scenario_start() { redis_limit_start -4 -3; }
real_main "$@"
