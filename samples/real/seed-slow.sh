#!/bin/sh
# The seed incident with the seed's own libraries: winston-elasticsearch with
# `buffering: false` (one bulk request per log record) and its client's agent
# (maxSockets 256), against an Elasticsearch that answers bulk requests after
# 20 s. ~18 error lines a second need ~360 requests in flight: the pool stops
# at 256, the rest wait inside the process (with queues empty: the demand is
# requests in flight and the error lines).
KIND=incident
EXPECT=pool-cap
ES_MODE=slow
: "${FAKE_ES_DELAY_MS:=20000}"
: "${SEED_BUFFERING:=0}"
. "$(dirname "$0")/lib.sh"
. "$REAL_DIR/seed-node/scenario.inc"
CAPTURE_S=40
real_main "$@"
