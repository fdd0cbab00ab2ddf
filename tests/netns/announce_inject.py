#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Hostile announcements for the coverage test, from the client namespace.

  announce_inject.py IFACE MODE COUNT

Captures one real announcement (ethertype 0x88B5) on IFACE, then sends
COUNT frames made from it, 2 ms apart:
  replay    the frame unchanged (signed or not: an old sequence number)
  forge     its owned mask changed and sequence number advanced, signature
            left as it was (a forgery without the key)
  unsigned  the HMAC removed (flag and length fixed), sequence advanced
  flood     COUNT peers: each frame with another random identity and a
            newer sequence number (unsigned frames only: tests a cluster
            without a key)
  twin      one peer, 00:00:00:00:00:01 (it wins every tie-break), that
            holds what the sender holds: COUNT announcements, one per
            interval (200 ms), newer sequence numbers (unsigned only)
Prints the captured sender's identity (bytes 38..43 of the frame; offsets
in docs/design.md, "Announcements").
"""
import os
import random
import socket
import struct
import sys
import time

ETH_P = 0x88B5
OFF_FLAGS, OFF_LEN, OFF_ID, OFF_SEQ, OFF_OWNED = 17, 18, 38, 54, 62


def capture(iface, timeout=5.0):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P))
    s.bind((iface, 0))
    s.settimeout(timeout)
    try:
        while True:
            f = s.recv(2048)
            if len(f) > OFF_OWNED + 8 and f[12:14] == b"\x88\xb5":
                return f
    finally:
        s.close()


def main():
    iface, mode, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    f = bytearray(capture(iface))
    length = struct.unpack_from(">H", f, OFF_LEN)[0]
    f = f[:14 + length]  # padding off
    sender = ":".join("%02x" % b for b in f[OFF_ID:OFF_ID + 6])
    seq = struct.unpack_from(">Q", f, OFF_SEQ)[0]
    out = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    out.bind((iface, 0))
    rnd = random.Random(os.getpid())
    for i in range(count):
        g = bytearray(f)
        if mode == "forge":
            struct.pack_into(">Q", g, OFF_SEQ, seq + 100000 + i)
            g[OFF_OWNED + 7] ^= 0x01
        elif mode == "unsigned":
            if not g[OFF_FLAGS] & 1:
                sys.exit("the captured frame is not signed")
            g[OFF_FLAGS] &= 0xFE
            struct.pack_into(">H", g, OFF_LEN, length - 32)
            g = g[:14 + length - 32]
            struct.pack_into(">Q", g, OFF_SEQ, seq + 100000 + i)
        elif mode == "flood":
            if g[OFF_FLAGS] & 1:
                sys.exit("flood: the cluster signs its announcements")
            ident = bytes([0x02 | (rnd.randrange(256) & 0xFC)]) + \
                bytes(rnd.randrange(256) for _ in range(5))
            g[OFF_ID:OFF_ID + 6] = ident
            g[6:12] = ident
            struct.pack_into(">Q", g, OFF_SEQ, seq + i)
        elif mode == "twin":
            if g[OFF_FLAGS] & 1:
                sys.exit("twin: the cluster signs its announcements")
            ident = bytes([0, 0, 0, 0, 0, 1])
            g[OFF_ID:OFF_ID + 6] = ident
            g[6:12] = ident
            struct.pack_into(">Q", g, OFF_SEQ, seq + i)
        elif mode != "replay":
            sys.exit("unknown mode " + mode)
        out.send(bytes(g))
        time.sleep(0.2 if mode == "twin" else 0.002)
    print(sender)


if __name__ == "__main__":
    main()
