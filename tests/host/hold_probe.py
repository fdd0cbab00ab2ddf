#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""
hold_probe.py: TCP segments the host port holds for GRO (--gro-hold) must
neither stay stuck nor be overtaken. Over one connection, ROUNDS rounds:

  stuck  the client writes exactly two full segments with MSG_MORE: two
         segments of ACK alone, which the host port may hold and merge,
         and nothing after them. Only the hold's own bound can release
         them (a retransmission would be held just the same).
  order  the same two segments, then at once a small write that goes out
         with PSH: a segment of the same flow that may not merge, which
         must reach the kernel after the two held ones.

The server answers each round with one byte once it has all of it; the
client prints the round trip of each kind (milliseconds) and fails if one
takes longer than --max-ms. Reordering shows in the server kernel's
TcpExtTCPOFOQueue, which the caller reads.

  hold_probe.py server ADDR PORT
  hold_probe.py client ADDR PORT [--rounds N] [--max-ms MS]
"""
import argparse
import socket
import statistics
import sys
import time

SMALL = 100


def recv_exact(c, n):
    got = 0
    while got < n:
        b = c.recv(n - got)
        if not b:
            raise EOFError("connection closed after %d of %d bytes" % (got, n))
        got += len(b)


def server(addr, port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(1)
    print("listening", flush=True)
    c, _ = s.accept()
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    head = b""
    while not head.endswith(b"\n"):
        head += c.recv(1)
    mss, rounds = (int(x) for x in head.split())
    c.sendall(b"r")
    for i in range(rounds):
        recv_exact(c, 2 * mss + (SMALL if i % 2 else 0))
        c.sendall(b"k")
    c.recv(1)


def client(addr, port, rounds, max_ms):
    c = socket.create_connection((addr, port), timeout=5)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    mss = c.getsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG)
    c.sendall(b"%d %d\n" % (mss, rounds))
    if c.recv(1) != b"r":
        sys.exit("hold_probe: no start from the server")
    bulk = b"x" * (2 * mss)
    small = b"y" * SMALL
    ms = {"stuck": [], "order": []}
    for i in range(rounds):
        kind = "order" if i % 2 else "stuck"
        t0 = time.monotonic()
        try:
            c.sendall(bulk, socket.MSG_MORE)
            if kind == "order":
                c.sendall(small)
            if c.recv(1) != b"k":
                sys.exit("hold_probe: round %d (%s): bad answer" % (i, kind))
        except socket.timeout:
            print("hold_probe: round %d (%s): no answer in 5 s: segments "
                  "stuck" % (i, kind), flush=True)
            sys.exit(1)
        ms[kind].append((time.monotonic() - t0) * 1000)
    c.sendall(b"e")
    worst = 0.0
    for kind, v in ms.items():
        print("hold_probe: %s mss=%d rounds=%d median %.2f ms max %.2f ms"
              % (kind, mss, len(v), statistics.median(v), max(v)), flush=True)
        worst = max(worst, max(v))
    if worst > max_ms:
        print("hold_probe: a round took %.1f ms > %d ms" % (worst, max_ms))
        sys.exit(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["server", "client"])
    ap.add_argument("addr")
    ap.add_argument("port", type=int)
    ap.add_argument("--rounds", type=int, default=40)
    ap.add_argument("--max-ms", type=int, default=1000)
    a = ap.parse_args()
    if a.mode == "server":
        server(a.addr, a.port)
    else:
        client(a.addr, a.port, a.rounds, a.max_ms)


if __name__ == "__main__":
    main()
