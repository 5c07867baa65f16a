#!/usr/bin/python3
"""pg-limit: a Python service (psycopg2, Debian's python3-psycopg2; run with
/usr/bin/python3) whose worker threads each hold one PostgreSQL connection.

    client.py --dsn DSN --workers N [--ramp S] [--retry S]

Workers start one after another over --ramp seconds. Each connects, then runs
short queries on its connection forever. When the server is at its
max_connections, the connect is refused ("FATAL: sorry, too many clients
already"): the worker logs it at ERROR and retries after --retry seconds, as
an app with a naive retry loop does. Log lines go to stdout.
"""
import argparse
import logging
import random
import sys
import threading
import time

import psycopg2


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dsn", required=True)
    ap.add_argument("--workers", type=int, required=True)
    ap.add_argument("--ramp", type=float, default=8.0)
    ap.add_argument("--retry", type=float, default=0.6)
    a = ap.parse_args()
    logging.basicConfig(stream=sys.stdout, level=logging.INFO,
                        format="%(asctime)s.%(msecs)03dZ %(levelname)s %(name)s %(message)s",
                        datefmt="%Y-%m-%dT%H:%M:%S")
    logging.Formatter.converter = time.gmtime
    log = logging.getLogger("jobs")

    def worker(w):
        rng = random.Random()
        while True:
            try:
                conn = psycopg2.connect(a.dsn, connect_timeout=5, application_name="jobs-%d" % w)
            except psycopg2.OperationalError as e:
                msg = " ".join(str(e).split())
                log.error("worker %d: cannot connect to the database: %s", w, msg)
                time.sleep(a.retry * rng.uniform(0.8, 1.2))
                continue
            log.info("worker %d connected", w)
            conn.autocommit = True
            try:
                with conn.cursor() as cur:
                    while True:
                        cur.execute("SELECT pg_sleep(%s), count(*) FROM pg_class", (rng.uniform(0.05, 0.2),))
                        cur.fetchall()
                        time.sleep(rng.uniform(0.1, 0.4))
            except psycopg2.Error as e:
                log.error("worker %d: query failed: %s", w, " ".join(str(e).split()))
                conn.close()

    log.info("started: %d workers", a.workers)
    for w in range(1, a.workers + 1):
        threading.Thread(target=worker, args=(w,), daemon=True).start()
        time.sleep(a.ramp / a.workers)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
