#!/bin/sh
# Incident: a server-side connection limit. PostgreSQL with max_connections
# 5-9 and a Python service (psycopg2) with 3-5 more worker threads than that,
# each wanting its own connection. Connections rise over an 8 s ramp and hold
# at max_connections; the workers left out are refused ("FATAL: sorry, too
# many clients already") and log it at ERROR several times a second while
# retrying. Target: the Python service.
KIND=incident
EXPECT=pool-cap
. "$(dirname "$0")/lib.sh"
. "$REAL_DIR/pg-limit/scenario.inc"
scenario_start() { pg_limit_start 3 5; }
real_main "$@"
