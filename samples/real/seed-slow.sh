#!/bin/sh
# The seed incident with the seed's own libraries: winston-elasticsearch with
# `buffering: false` (one bulk request per log record) and its client's agent
# (maxSockets 256), against an Elasticsearch that answers bulk requests after
# 20 s. ~18 error lines a second need ~360 requests in flight: the pool stops
# at 256, the rest wait inside the process (with queues empty: the demand is
# requests in flight and the error lines).
# As in the seed, the service scrapes many services (100 loops, the same 18
# errors/s) and outgrows its container's CPU quota: once its pool is full, a
# cgroup quota of 12 ms of CPU per second (root only; skips otherwise). Each
# event loop turn then runs ~100 due timers and their logging before it polls
# its sockets again, so the answers sit unread in the receive queues
# (stuck-receive-queues, all at the same size), and the agent's timeouts do not
# fire before they are read (the cap holds).
KIND=incident
EXPECT=pool-cap,stuck-receive-queues,cpu-throttling
ES_MODE=slow
: "${FAKE_ES_DELAY_MS:=20000}"
: "${SEED_BUFFERING:=0}"
: "${SEED_SERVICES:=100}"
: "${SEED_CPU_MS:=12}"
: "${SEED_WARM_CONNS:=256}"
. "$(dirname "$0")/lib.sh"
. "$REAL_DIR/seed-node/scenario.inc"
CAPTURE_S=40
real_main "$@"
