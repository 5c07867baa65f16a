#!/usr/bin/python3
"""A local syslog-over-TCP sink for the zoo (standard library only).

    sink.py --port-file F --counts F

Listens on 127.0.0.1 (port from the kernel, written to --port-file once
listening), reads every connection to its end and counts what arrived; never
answers. Once a second it rewrites --counts (temp file + rename), one
"key value" a line: accepted, open, bytes_in, records (messages framed by a
NUL byte, as Python's SysLogHandler sends them over TCP, or by a newline).
"""
import argparse
import os
import signal
import socket
import sys
import threading
import time

lock = threading.Lock()
c = {"accepted": 0, "open": 0, "bytes_in": 0, "records": 0}


def serve(conn):
    with lock:
        c["accepted"] += 1
        c["open"] += 1
    try:
        while True:
            data = conn.recv(65536)
            if not data:
                break
            with lock:
                c["bytes_in"] += len(data)
                c["records"] += data.count(b"\0") or data.count(b"\n")
    except OSError:
        pass
    finally:
        conn.close()
        with lock:
            c["open"] -= 1


def write_counts(path):
    with lock:
        text = "".join("%s %d\n" % kv for kv in c.items())
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.rename(path + ".tmp", path)


def main():
    ap = argparse.ArgumentParser(description="syslog-over-TCP sink that counts bytes")
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--counts", required=True)
    a = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *x: sys.exit(0))
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(128)

    def accept():
        while True:
            conn, _ = s.accept()
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    with open(a.port_file + ".tmp", "w") as f:
        f.write("%d\n" % s.getsockname()[1])
    os.rename(a.port_file + ".tmp", a.port_file)
    try:
        while True:
            write_counts(a.counts)
            time.sleep(1)
    finally:
        write_counts(a.counts)


if __name__ == "__main__":
    main()
