#!/usr/bin/env python3
"""Slow clients against a running `recsys serve` (issue 18, defect 3).

Opens N clients that trickle a login body (declared 1000 bytes, one byte per
--gap seconds) and N that trickle their request headers, then measures
GET /api/health while they are connected, and how long the server takes to
cut each slow client off. Prints figures; asserts nothing (the behaviour is
tested in tests/server/test_server_hardening.c).

    bench/slow_clients.py --port 8080 [--clients 8] [--gap 0.5] [--probes 20]
"""
import argparse
import socket
import statistics
import threading
import time


def slow_client(port, head, gap, out, i, stop):
    t0 = time.monotonic()
    s = socket.create_connection(("127.0.0.1", port))
    if head:
        s.sendall(b"GET /api/health HTTP/1.1\r\nHost: b\r\n")
    else:
        s.sendall(b"POST /api/login HTTP/1.1\r\nHost: b\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 1000\r\n\r\n{")
    s.settimeout(gap)
    status = "held"
    while not stop.is_set():
        try:
            d = s.recv(4096)
            status = d[:12].decode("ascii", "replace") if d else "closed"
            break
        except socket.timeout:
            try:
                s.sendall(b"X" if head else b" ")
            except OSError:
                status = "closed"
                break
        except OSError:
            status = "closed"
            break
    out[i] = (status, time.monotonic() - t0)
    s.close()


def health(port):
    t0 = time.monotonic()
    s = socket.create_connection(("127.0.0.1", port), timeout=120)
    s.sendall(b"GET /api/health HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n")
    data = b""
    while True:
        d = s.recv(65536)
        if not d:
            break
        data += d
    s.close()
    return data[:12].decode(), time.monotonic() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--gap", type=float, default=0.5)
    ap.add_argument("--probes", type=int, default=20)
    a = ap.parse_args()
    stop = threading.Event()
    out = [None] * (2 * a.clients)
    th = [threading.Thread(target=slow_client, args=(a.port, i >= a.clients, a.gap, out, i, stop))
          for i in range(2 * a.clients)]
    for t in th:
        t.start()
    time.sleep(1.0)
    lat = []
    for _ in range(a.probes):
        status, dt = health(a.port)
        lat.append(dt)
        if not status.endswith("200"):
            print("health answered", status)
    print("health with %d slow-body + %d slow-header clients: median %.1f ms, max %.1f ms (%d probes)"
          % (a.clients, a.clients, 1000 * statistics.median(lat), 1000 * max(lat), a.probes))
    for t in th:
        t.join(timeout=120)
    stop.set()
    for kind, part in (("body", out[:a.clients]), ("header", out[a.clients:])):
        done = [o for o in part if o]
        print("slow %s clients: %s; cut off after median %.1f s (max %.1f s)"
              % (kind, sorted(set(o[0] for o in done)), statistics.median(o[1] for o in done),
                 max(o[1] for o in done)))


if __name__ == "__main__":
    main()
