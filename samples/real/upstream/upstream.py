#!/usr/bin/python3
"""A local HTTP upstream for the zoo's client scenarios (standard library only).

    upstream.py --port-file F --counts F [--delay S] [--status N] [--sink]
                [--fast-delay S --fast-for S [--slow-ramp S]]

Listens on 127.0.0.1, port from the kernel (written to --port-file once
listening). Every request is read whole, then answered after --delay seconds
with --status (200 by default) over a keep-alive HTTP/1.1 connection, so a
client waiting for the answer has empty socket queues: the request was read,
the response has not come.

--sink makes it a log sink: it answers at once and counts the bytes it
received (request line, headers and body) — the ground truth for bytes per
shipped log record.

Once a second it rewrites --counts (temp file + rename) with its own ground
truth, one "key value" a line:
    accepted N      connections accepted since start
    open N          connections open now
    max_open N      most connections open at once
    requests N      requests read whole
    answered N      responses written
    bytes_in N      bytes received (request lines, headers, bodies)
"""
import argparse
import os
import signal
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
c = {"accepted": 0, "open": 0, "max_open": 0, "requests": 0, "answered": 0, "bytes_in": 0}


def bump(key, n=1):
    with lock:
        c[key] += n
        if key == "open" and c["open"] > c["max_open"]:
            c["max_open"] = c["open"]


class CountingReader:
    """Wraps the connection's read file to count the bytes the client sent."""

    def __init__(self, f):
        self.f = f

    def readline(self, *a):
        line = self.f.readline(*a)
        bump("bytes_in", len(line))
        return line

    def read(self, *a):
        data = self.f.read(*a)
        bump("bytes_in", len(data))
        return data

    def __getattr__(self, name):
        return getattr(self.f, name)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "zoo-upstream"

    def setup(self):
        super().setup()
        self.rfile = CountingReader(self.rfile)
        bump("accepted")
        bump("open")

    def finish(self):
        try:
            super().finish()
        finally:
            bump("open", -1)

    def log_message(self, *a):
        pass

    def answer(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)
        bump("requests")
        d = current_delay()
        if d > 0:
            time.sleep(d)
        body = b"ok\n" if ARGS.status < 400 else b"upstream failed\n"
        self.send_response(ARGS.status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        bump("answered")

    do_GET = answer
    do_POST = answer
    do_PUT = answer


def current_delay():
    """--delay, or while --fast-for lasts --fast-delay, then a straight rise
    to --delay over --slow-ramp seconds (an upstream that slows down)."""
    el = time.monotonic() - START
    if ARGS.fast_for <= 0 or el >= ARGS.fast_for + ARGS.slow_ramp:
        return ARGS.delay
    if el < ARGS.fast_for:
        return ARGS.fast_delay
    return ARGS.fast_delay + (ARGS.delay - ARGS.fast_delay) * (el - ARGS.fast_for) / ARGS.slow_ramp


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024

    def handle_error(self, request, client_address):
        # A client that gave up (reset, broken pipe) is part of the workload.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def write_counts(path):
    tmp = path + ".tmp"
    with lock:
        text = "".join("%s %d\n" % (k, v) for k, v in c.items())
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, path)


START = time.monotonic()


def main():
    global ARGS
    ap = argparse.ArgumentParser(description="slow or failing local HTTP upstream, or a log sink")
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--counts", required=True)
    ap.add_argument("--delay", type=float, default=0.0)
    ap.add_argument("--status", type=int, default=200)
    ap.add_argument("--fast-delay", type=float, default=0.0)
    ap.add_argument("--fast-for", type=float, default=0.0,
                    help="answer after --fast-delay for this many seconds first, then slow down")
    ap.add_argument("--slow-ramp", type=float, default=15.0,
                    help="seconds over which the delay rises from --fast-delay to --delay")
    ap.add_argument("--sink", action="store_true")
    ARGS = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    if ARGS.sink:
        ARGS.delay = 0.0
    srv = Server(("127.0.0.1", 0), Handler)
    srv.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    tmp = ARGS.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, ARGS.port_file)
    try:
        while True:
            write_counts(ARGS.counts)
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        write_counts(ARGS.counts)


if __name__ == "__main__":
    try:
        main()
    except OSError as e:
        print("upstream: %s" % e, file=sys.stderr)
        sys.exit(1)
