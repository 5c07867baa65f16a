#!/bin/sh
# The control: the same service, libraries and error rate, against an
# Elasticsearch that answers at once without errors, and the error rate of a
# service that mostly works (2 a second). Log shipping works; the rules must
# stay silent.
KIND=healthy
EXPECT=
ES_MODE=healthy
: "${SEED_RATE:=2}"
. "$(dirname "$0")/lib.sh"
. "$REAL_DIR/seed-node/scenario.inc"
real_main "$@"
