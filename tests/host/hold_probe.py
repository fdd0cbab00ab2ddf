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
  stray   ROUNDS single TCP segments of ACK alone with a payload (what
          the host port holds), written with a raw socket to a port of
          ADDR where nothing listens, nothing after them: only the hold's
          own bound releases each, and the kernel behind the host port
          answers it with a RST, which the client waits for. (Linux's own
          sockets end every write with a PSH segment, which may not merge
          and flushes what is held before it.)

The client prints each kind's round trips (milliseconds) and fails when a
round gets no answer in 5 s (--stray-timeout-ms for a stray segment's RST).

  hold_probe.py server ADDR PORT
  hold_probe.py client ADDR PORT [--rounds N] [--stray-timeout-ms MS]
"""
import argparse
import os
import select
import socket
import statistics
import struct
import sys
import time

SMALL = 100
STRAY_PORT = 5003  # nothing listens there


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


def answer(c, what):
    try:
        if c.recv(1) != b"k":
            sys.exit("hold_probe: %s: bad answer" % what)
    except socket.timeout:
        print("hold_probe: %s: no answer in 5 s: segments stuck" % what,
              flush=True)
        sys.exit(1)


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def stray(src, dst, sport, seq):
    """An ACK segment with 100 bytes of payload, checksum complete."""
    payload = b"s" * SMALL
    hdr = struct.pack("!HHIIBBHHH", sport, STRAY_PORT, seq, 1, 5 << 4,
                      0x10, 65535, 0, 0)
    ph = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack(
        "!BBH", 0, socket.IPPROTO_TCP, len(hdr) + len(payload))
    c = csum(ph + hdr + payload)
    return hdr[:16] + struct.pack("!H", c) + hdr[18:] + payload


def rst_for(r, sport, deadline):
    """Wait for the RST from STRAY_PORT to sport; False at the deadline."""
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([r], [], [], left)[0]:
            return False
        pkt = r.recv(2048)
        ihl = (pkt[0] & 0xf) * 4
        sp, dp = struct.unpack("!HH", pkt[ihl:ihl + 4])
        if sp == STRAY_PORT and dp == sport and pkt[ihl + 13] & 0x04:
            return True


def client(addr, port, rounds, stray_timeout_ms):
    ms = {"order": [], "stray": []}
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
    src = c.getsockname()[0]
    c.sendall(b"e")
    c.close()
    w = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
    r = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
    for i in range(rounds):
        sport = 40000 + (os.getpid() + i) % 20000
        t0 = time.monotonic()
        w.sendto(stray(src, addr, sport, 1000 * i), (addr, 0))
        if not rst_for(r, sport, t0 + stray_timeout_ms / 1000):
            print("hold_probe: stray segment %d: no RST in %d ms: held "
                  "segment stuck" % (i, stray_timeout_ms), flush=True)
            sys.exit(1)
        ms["stray"].append((time.monotonic() - t0) * 1000)
    for kind, v in ms.items():
        print("hold_probe: %s mss=%d rounds=%d median %.2f ms max %.2f ms"
              % (kind, mss, len(v), statistics.median(v), max(v)), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["server", "client"])
    ap.add_argument("addr")
    ap.add_argument("port", type=int)
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--stray-timeout-ms", type=int, default=5000)
    a = ap.parse_args()
    if a.mode == "server":
        server(a.addr, a.port)
    else:
        client(a.addr, a.port, a.rounds, a.stray_timeout_ms)


if __name__ == "__main__":
    main()
