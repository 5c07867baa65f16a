#!/bin/sh
# The seed incident with the seed's own libraries and their defaults
# (winston-elasticsearch buffering, flush every 2 s, up to 400 retries),
# against an Elasticsearch that answers every bulk with 503 after a second:
# the shipper puts the failed records back into its buffer and sends the
# whole, growing buffer again; error lines stay at ~18/s while the bytes to the
# log port follow the accumulated lines, and every failure starts one more
# flush loop (connections and fds grow too; fd-growth and a growing pool-cap
# show in some 40 s captures, not all, so they are not expected).
KIND=incident
EXPECT=error-log-amplification,memory-growth
ES_MODE=error
CAPTURE_S=40
: "${SEED_WARM_BULKS:=40}"
. "$(dirname "$0")/lib.sh"
. "$REAL_DIR/seed-node/scenario.inc"
real_main "$@"
