#!/usr/bin/python3
"""pool-urllib3: a Python service calling one upstream through urllib3's
blocking pool, as apps configure it (Debian's python3-urllib3; run with
/usr/bin/python3).

    client.py --url http://127.0.0.1:PORT/ --cap 24 --rate 45 --wait 1.5 --ramp 15

Requests arrive at --rate per second (after a --ramp from 5% of it) and are
handed to a thread pool (as a threaded server hands out incoming work). HTTPConnectionPool(maxsize=cap,
block=True) lets at most --cap connections exist; a request that finds them
all busy waits inside the process (the sockets' queues stay empty) for up to
--wait seconds (pool_timeout), then fails with EmptyPoolError and is logged at
ERROR. Log lines go to stdout.
"""
import argparse
import concurrent.futures
import logging
import random
import sys
import threading
import time

import urllib3
from urllib3.exceptions import EmptyPoolError, HTTPError


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--cap", type=int, default=24)
    ap.add_argument("--rate", type=float, default=45.0)
    ap.add_argument("--wait", type=float, default=1.5)
    ap.add_argument("--body", type=int, default=0,
                    help="POST a JSON body of about this many bytes instead of GET")
    ap.add_argument("--wander", action="store_true",
                    help="the rate wanders between 40%% and 160%% of --rate, a new level every few seconds")
    ap.add_argument("--ramp", type=float, default=0.0,
                    help="rise from 5%% of --rate to --rate over this many seconds")
    a = ap.parse_args()
    logging.basicConfig(stream=sys.stdout, level=logging.INFO,
                        format="%(asctime)s.%(msecs)03dZ %(levelname)s %(name)s %(message)s",
                        datefmt="%Y-%m-%dT%H:%M:%S")
    logging.Formatter.converter = time.gmtime
    # urllib3's own warnings (pool full, retries) would double every line.
    logging.getLogger("urllib3").setLevel(logging.CRITICAL)
    log = logging.getLogger("orders")

    pool = urllib3.connectionpool.connection_from_url(
        a.url, maxsize=a.cap, block=True, retries=False,
        timeout=urllib3.Timeout(connect=2.0, read=30.0))
    counts = {"ok": 0, "failed": 0}
    lock = threading.Lock()

    def one(n):
        try:
            if a.body:
                body = ('{"order": %d, "items": "%s"}' % (n, "x" * max(a.body - 30, 0))).encode()
                r = pool.request("POST", a.url, body=body, pool_timeout=a.wait, preload_content=True,
                                 headers={"Content-Type": "application/json"})
            else:
                r = pool.request("GET", a.url, pool_timeout=a.wait, preload_content=True)
            with lock:
                counts["ok"] += 1
            if r.status >= 400:
                log.error("request %d: upstream answered %d", n, r.status)
        except EmptyPoolError:
            with lock:
                counts["failed"] += 1
            log.error("request %d failed: no connection free in the pool of %d within %.1fs",
                      n, a.cap, a.wait)
        except HTTPError as e:
            with lock:
                counts["failed"] += 1
            log.error("request %d failed: %s", n, e)

    # Enough workers that the pool, not the threads, is the limit: the
    # waiters are bounded by rate x wait.
    workers = int(a.cap + a.rate * (a.wait + 1)) + 8
    ex = concurrent.futures.ThreadPoolExecutor(max_workers=workers)
    log.info("started: pool of %d, %.1f requests/s to %s, %d workers", a.cap, a.rate, a.url, workers)
    begin = nxt = time.monotonic()
    rng = random.Random()
    level, level_until = 1.0, 0.0
    n = 0
    last_stats = nxt
    while True:
        n += 1
        ex.submit(one, n)
        now = time.monotonic()
        r = a.rate
        if now - begin < a.ramp:
            r *= 0.05 + 0.95 * (now - begin) / a.ramp
        if a.wander:
            if now >= level_until:
                level, level_until = rng.uniform(0.4, 1.6), now + rng.uniform(2.5, 5.0)
            r *= level
        nxt += 1.0 / r
        if now - last_stats >= 10:
            last_stats = now
            with lock:
                log.info("%d requests ok, %d failed", counts["ok"], counts["failed"])
        if nxt > now:
            time.sleep(nxt - now)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
