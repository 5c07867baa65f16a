#!/usr/bin/python3
"""log-syslog: a Python service whose errors are shipped one record at a time
(standard library logging.handlers.SysLogHandler over TCP, the per-record,
non-batching kind of shipper) and also written to a log file.

    app.py --syslog-port PORT --log FILE [--rate R]

Its work fails at a rate that wanders around --rate errors per second (a new
level every few seconds, drawn at random), with INFO lines in between. Each
ERROR record goes to the file and, at once, over one TCP connection to the
syslog sink: the bytes to the sink's port follow the error rate, record by
record.
"""
import argparse
import logging
import logging.handlers
import random
import socket
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--syslog-port", type=int, required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--rate", type=float, default=12.0)
    a = ap.parse_args()

    fmt = logging.Formatter("%(asctime)s.%(msecs)03dZ %(levelname)s %(name)s %(message)s",
                            datefmt="%Y-%m-%dT%H:%M:%S")
    fmt.converter = time.gmtime
    fh = logging.FileHandler(a.log)
    fh.setFormatter(fmt)
    sh = logging.handlers.SysLogHandler(address=("127.0.0.1", a.syslog_port),
                                        facility=logging.handlers.SysLogHandler.LOG_LOCAL0,
                                        socktype=socket.SOCK_STREAM)
    sh.setLevel(logging.ERROR)
    sh.setFormatter(logging.Formatter("checkout[%(process)d]: %(levelname)s %(name)s %(message)s"))
    log = logging.getLogger("checkout")
    log.setLevel(logging.INFO)
    log.addHandler(fh)
    log.addHandler(sh)
    log.info("started: shipping errors to syslog at 127.0.0.1:%d", a.syslog_port)

    rng = random.Random()
    begin = time.monotonic()
    nxt = begin
    level_until = 0.0
    rate = a.rate
    n = 0
    while True:
        now = time.monotonic()
        if now >= level_until:
            rate = a.rate * rng.uniform(0.4, 1.6)
            level_until = now + rng.uniform(2.5, 5.0)
        n += 1
        if n % 5 == 0:
            log.info("order %d accepted (%d items)", 100000 + n, rng.randint(1, 9))
        else:
            log.error("order %d failed: payment provider declined card ending %04d (code %s, attempt %d)",
                      100000 + n, rng.randint(0, 9999), rng.choice(["05", "51", "54", "61", "91"]),
                      rng.randint(1, 3))
        # 4 of 5 events are errors: the event rate is rate / 0.8.
        nxt += 0.8 / rate
        if nxt > now:
            time.sleep(nxt - now)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
