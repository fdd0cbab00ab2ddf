#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""
hold_probe.py: TCP segments the host port holds for GRO (--gro-hold) must
neither stay stuck nor be overtaken.

  order   one connection, ROUNDS rounds: two full segments then at once a
          small write. Linux sends the last segment of each write with
          PSH, which may not merge: it must reach the kernel after the
          held segments before it. The server answers each round with one
          byte; reordering shows in the server kernel's TcpExtTCPOFOQueue
          (the caller reads it).
  flight  ROUNDS fresh connections, each writing 64 KB: the first flight
          is the initial window's segments without PSH (the write goes on
          past them), held, with nothing after them until they are
          acknowledged. Only the hold's own bound can release them; a
          retransmission (the minimum RTO is 200 ms) would release them
          late. The server answers each connection with one byte once it
          has all 64 KB.

The client prints each kind's round trips (milliseconds) and fails when a
round gets no answer in 5 s or the median of the flights exceeds
--max-median-ms.

  hold_probe.py server ADDR PORT
  hold_probe.py client ADDR PORT [--rounds N] [--max-median-ms MS]
"""
import argparse
import socket
import statistics
import sys
import time

SMALL = 100
FLIGHT = 64 << 10


def recv_exact(c, n):
    got = 0
    while got < n:
        b = c.recv(min(n - got, 1 << 16))
        if not b:
            raise EOFError("connection closed after %d of %d bytes" % (got, n))
        got += len(b)


def server(addr, port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(4)
    print("listening", flush=True)
    c, _ = s.accept()
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    head = b""
    while not head.endswith(b"\n"):
        head += c.recv(1)
    mss, rounds = (int(x) for x in head.split())
    c.sendall(b"r")
    for _ in range(rounds):
        recv_exact(c, 2 * mss + SMALL)
        c.sendall(b"k")
    c.recv(1)
    c.close()
    for _ in range(rounds):
        c, _ = s.accept()
        recv_exact(c, FLIGHT)
        c.sendall(b"k")
        c.recv(1)
        c.close()


def answer(c, what):
    try:
        if c.recv(1) != b"k":
            sys.exit("hold_probe: %s: bad answer" % what)
    except socket.timeout:
        print("hold_probe: %s: no answer in 5 s: segments stuck" % what,
              flush=True)
        sys.exit(1)


def client(addr, port, rounds, max_median_ms):
    ms = {"order": [], "flight": []}
    c = socket.create_connection((addr, port), timeout=5)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    mss = c.getsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG)
    c.sendall(b"%d %d\n" % (mss, rounds))
    if c.recv(1) != b"r":
        sys.exit("hold_probe: no start from the server")
    bulk, small = b"x" * (2 * mss), b"y" * SMALL
    for i in range(rounds):
        t0 = time.monotonic()
        c.sendall(bulk)
        c.sendall(small)
        answer(c, "order round %d" % i)
        ms["order"].append((time.monotonic() - t0) * 1000)
    c.sendall(b"e")
    c.close()
    data = b"z" * FLIGHT
    for i in range(rounds):
        t0 = time.monotonic()
        c = socket.create_connection((addr, port), timeout=5)
        c.sendall(data)
        answer(c, "flight %d" % i)
        ms["flight"].append((time.monotonic() - t0) * 1000)
        c.sendall(b"e")
        c.close()
    for kind, v in ms.items():
        print("hold_probe: %s mss=%d rounds=%d median %.2f ms max %.2f ms"
              % (kind, mss, len(v), statistics.median(v), max(v)), flush=True)
    med = statistics.median(ms["flight"])
    if med > max_median_ms:
        print("hold_probe: flights took %.1f ms (median) > %d ms: held "
              "segments released late" % (med, max_median_ms))
        sys.exit(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["server", "client"])
    ap.add_argument("addr")
    ap.add_argument("port", type=int)
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--max-median-ms", type=int, default=100)
    a = ap.parse_args()
    if a.mode == "server":
        server(a.addr, a.port)
    else:
        client(a.addr, a.port, a.rounds, a.max_median_ms)


if __name__ == "__main__":
    main()
