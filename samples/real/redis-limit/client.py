#!/usr/bin/python3
"""redis-limit: a Python job consumer (redis-py, Debian's python3-redis; run
with /usr/bin/python3) whose worker threads each hold one redis connection
and wait for jobs with BLPOP.

    client.py --port PORT --workers N [--ramp S] [--retry S]

Workers start one after another over --ramp seconds. When the server is at
its maxclients, it answers a new connection with "ERR max number of clients
reached" and closes it: the worker logs that at ERROR and retries after
--retry seconds. Log lines go to stdout.
"""
import argparse
import logging
import random
import sys
import threading
import time

import redis


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--workers", type=int, required=True)
    ap.add_argument("--ramp", type=float, default=8.0)
    ap.add_argument("--retry", type=float, default=0.5)
    a = ap.parse_args()
    logging.basicConfig(stream=sys.stdout, level=logging.INFO,
                        format="%(asctime)s.%(msecs)03dZ %(levelname)s %(name)s %(message)s",
                        datefmt="%Y-%m-%dT%H:%M:%S")
    logging.Formatter.converter = time.gmtime
    log = logging.getLogger("consumer")

    def worker(w):
        rng = random.Random()
        while True:
            r = None
            try:
                # One dedicated connection, opened here (redis-py checks it
                # at once: a refusal surfaces as ConnectionError).
                r = redis.Redis(host="127.0.0.1", port=a.port, socket_connect_timeout=3,
                                single_connection_client=True)
                r.ping()
            except redis.RedisError as e:
                log.error("worker %d: cannot connect to redis: %s", w, e)
                if r is not None:
                    r.close()
                time.sleep(a.retry * rng.uniform(0.8, 1.2))
                continue
            log.info("worker %d connected", w)
            try:
                while True:
                    job = r.blpop(["jobs"], timeout=1)
                    if job:
                        log.info("worker %d: job %s", w, job[1][:40])
            except redis.RedisError as e:
                log.error("worker %d: lost redis: %s", w, e)
                r.close()

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
