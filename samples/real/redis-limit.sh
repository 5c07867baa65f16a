#!/bin/sh
# Incident: a server-side connection limit. redis-server with maxclients
# 10-16 and a redis-py job consumer with 2-4 more worker threads than that,
# each holding a connection in BLPOP. Connections rise over an 8 s ramp and
# hold at maxclients; the workers left out are refused ("ERR max number of
# clients reached") and log it at ERROR while retrying. Target: the consumer.
KIND=incident
EXPECT=pool-cap
. "$(dirname "$0")/lib.sh"
. "$REAL_DIR/redis-limit/scenario.inc"
scenario_start() { redis_limit_start 2 4; }
real_main "$@"
