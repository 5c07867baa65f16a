# The zoo (issue 14): samples/real/pool-urllib3.sh and its healthy control; see
# tests/e2e/real-pool.inc for what is asserted.
. "$CASEFILE_TOP/tests/e2e/lib.sh"
. "$CASEFILE_TOP/tests/e2e/real-lib.inc"
. "$CASEFILE_TOP/tests/e2e/real-pool.inc"
need_cmd sqlite3
pool_test pool-urllib3
exit 0
