#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
Malformed-frame corpus for dpdk-vipshare, deterministic (struct only, no
scapy, fixed seeds). groups() returns [(name, [frame, ...]), ...]:

  truncated-*      valid ARP/TCP/UDP/ICMP/ICMP-error/VLAN frames cut at every
                   length (every layer boundary and everything in between)
  ihl-*            IHL 0..4, IHL beyond the frame, beyond the total length
  totlen-*         total length > frame, < IHL, 0
  zero-length      empty and 1-byte frames
  vlan-deep        3, 4 and 8 stacked VLAN/QinQ tags
  arp-lengths      ARP with wrong hlen/plen/htype/ptype, truncated
  icmp-*           errors quoting truncated, bad-IHL, non-IPv4 and nested
                   ICMP errors; errors that are themselves fragments
  frag-*           overlapping, duplicate, bad offsets, past 64 KB, never
                   complete, too many fragments, MF on the last one
  oversize         frames larger than an mbuf's 2048-byte data room
  valid            ordinary owned/not-owned traffic (so outcomes mix)

Every frame comes with the reason it is malformed (None for a good one),
known from what it was built to break: labelled_groups(), all_reasons().

  gen_malformed.py OUT.pcap     writes all groups, in order, to one pcap
"""
import os
import random
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(HERE, "..", "pcap"))
import model  # noqa: E402

VIP = model.ip2int("192.168.100.100")
CMAC = model.cluster_mac(VIP)
SRC_MAC = bytes.fromhex("020000000a01")
BCAST = b"\xff" * 6


def eth(dst, et, tags=()):
    h = dst + SRC_MAC
    for tpid, vid in tags:
        h += struct.pack("!HH", tpid, vid)
    return h + struct.pack("!H", et)


def ipv4(src, dst, proto, payload, ipid=1, flags_off=0, ihl=5, tot=None,
         opts=b"", ttl=64):
    hl = ihl * 4
    if tot is None:
        tot = 20 + len(opts) + len(payload)
    h = struct.pack("!BBHHHBBHII", 0x40 | (ihl & 15), 0, tot & 0xFFFF, ipid,
                    flags_off, ttl, proto, 0, src, dst) + opts
    if 20 <= hl <= len(h):
        c = model.csum16(h[:hl])
        h = h[:10] + struct.pack("!H", c) + h[12:]
    return h + payload


def tcp(sp, dp, data=b""):
    return struct.pack("!HHIIBBHHH", sp, dp, 1, 0, 0x50, 0x02, 65535, 0, 0) + data


def udp(sp, dp, data=b""):
    return struct.pack("!HHHH", sp, dp, 8 + len(data), 0) + data


def icmp(typ, code, rest=b"\0\0\0\0", data=b""):
    return struct.pack("!BBH", typ, code, 0) + rest + data


def arp(op, sha, spa, tha, tpa, htype=1, ptype=0x0800, hlen=6, plen=4):
    return struct.pack("!HHBBH", htype, ptype, hlen, plen, op) + sha + \
        struct.pack("!I", spa) + tha + struct.pack("!I", tpa)


def client(i):
    return model.ip2int("10.%d.%d.%d" % (1 + i % 200, (i >> 8) & 255, 1 + i % 250))


def vip_tcp(i, data=b"", **kw):
    return eth(CMAC, 0x0800) + ipv4(client(i), VIP, 6, tcp(40000 + i, 80, data), **kw)


def frags(src, ipid, proto, payload, pieces, mf_last=False, tags=()):
    """pieces: list of (offset_bytes, length); offset must be /8 to be valid
    but we pass what we want. Returns frames."""
    out = []
    for k, (off, ln) in enumerate(pieces):
        last = k == len(pieces) - 1
        mf = 0 if (last and not mf_last) else 0x2000
        fo = mf | ((off // 8) & 0x1FFF)
        out.append(eth(CMAC, 0x0800, tags) +
                   ipv4(src, VIP, proto, payload[off:off + ln], ipid=ipid, flags_off=fo))
    return out


def cut_why(n, l2, arp_frame=False):
    """Why the first n bytes of a good frame, whose L3 header starts at l2
    and whose IPv4 total length covers the rest, are malformed: the layer
    the cut falls in (the parser's order, docs/design.md)."""
    if n < 14:
        return "eth_truncated"
    if n < l2:
        return "vlan_truncated"
    if arp_frame:
        return "arp_truncated"
    if n < l2 + 20:
        return "ipv4_truncated"
    return "ipv4_total_length"


def labelled_groups():
    """[(name, [(frame, why), ...]), ...]: why is the reason the frame is
    malformed (the malformed_<why> counter), None for a good one. Known by
    construction: from what each frame was built to break."""
    rnd = random.Random(20240601)
    G = []

    # --- truncated at every length of a set of valid frames
    # name: (frame, offset of L3, ARP?)
    base = {
        "arp": (eth(BCAST, 0x0806) + arp(1, SRC_MAC, client(1), b"\0" * 6, VIP), 14, True),
        "tcp": (vip_tcp(2, b"hello"), 14, False),
        "udp-vlan": (eth(CMAC, 0x8100, ())[:12] + struct.pack("!HH", 0x8100, 5) +
                     struct.pack("!H", 0x0800) + ipv4(client(3), VIP, 17, udp(5353, 53, b"q" * 12)),
                     18, False),
        "qinq-tcp": (eth(CMAC, 0x0800, ((0x88A8, 7), (0x8100, 9))) +
                     ipv4(client(4), VIP, 6, tcp(1234, 443)), 22, False),
        "icmp-echo": (eth(CMAC, 0x0800) + ipv4(client(5), VIP, 1, icmp(8, 0, data=b"x" * 8)),
                      14, False),
        "icmp-err": (eth(CMAC, 0x0800) + ipv4(client(6), VIP, 1, icmp(
            3, 4, struct.pack("!HH", 0, 1400),
            ipv4(VIP, client(6), 6, tcp(80, 40006))[:28])), 14, False),
        "ah": (eth(CMAC, 0x0800) + ipv4(client(7), VIP, 51, b"\x04\x04\0\0" + b"SPI!" + b"\0" * 16),
               14, False),
        "ipopts": (eth(CMAC, 0x0800) + ipv4(client(8), VIP, 17, udp(1, 2), ihl=6,
                                            opts=b"\x01\x01\x01\x00"), 14, False),
    }
    for name, (fr, l2, is_arp) in base.items():
        G.append(("truncated-" + name, [(fr[:n], cut_why(n, l2, is_arp)) for n in range(len(fr))] +
                  [(fr, None)]))

    # --- IHL
    g = []
    for ihl in range(0, 16):
        # a 20-byte header and 20 bytes of TCP (total length 40) whose IHL
        # says 0..60: < 5 bad; 10 leaves no ports; > 10 beyond the total
        why = "ipv4_ihl" if ihl < 5 else "l4_truncated" if ihl == 10 else \
            "ipv4_total_length" if ihl > 10 else None
        g.append((eth(CMAC, 0x0800) + ipv4(client(10 + ihl), VIP, 6, tcp(1000 + ihl, 80), ihl=ihl),
                  why))
        # header claims more than the frame / than the total length (20)
        why = "ipv4_ihl" if ihl < 5 else "l4_truncated" if ihl == 5 else "ipv4_total_length"
        g.append((eth(CMAC, 0x0800) + ipv4(client(30 + ihl), VIP, 6, b"", ihl=ihl, tot=20), why))
    G.append(("ihl", g))

    # --- total length, of 40 bytes of IPv4 + TCP
    g = []
    for tot in (0, 1, 19, 20, 39, 41, 60, 1500, 65535):
        bad = tot < 20 or tot > 40
        # to the VIP, 20: a TCP datagram without ports
        why = "ipv4_total_length" if bad else "l4_truncated" if tot == 20 else None
        g.append((eth(CMAC, 0x0800) + ipv4(client(50), VIP, 6, tcp(5000, 80), tot=tot), why))
        # to another address: no ports looked for
        g.append((eth(CMAC, 0x0800) + ipv4(client(51), model.ip2int("10.9.9.9"), 6,
                                           tcp(5000, 80), tot=tot),
                  "ipv4_total_length" if bad else None))
    G.append(("totlen", g))

    G.append(("zero-length", [(b"", "eth_truncated"), (b"\x01", "eth_truncated"),
                              (eth(CMAC, 0x0800)[:13], "eth_truncated")]))

    # --- deep VLAN stacks (2 supported)
    g = []
    for depth in (3, 4, 8):
        tags = [(0x88A8 if d % 2 == 0 else 0x8100, d) for d in range(depth)]
        g.append((eth(CMAC, 0x0800, tags) + ipv4(client(60 + depth), VIP, 6, tcp(1, 80)),
                  "vlan_too_many"))
        g.append((eth(BCAST, 0x0806, tags) + arp(1, SRC_MAC, client(1), b"\0" * 6, VIP),
                  "vlan_too_many"))
    g.append((eth(CMAC, 0x8100)[:12] + b"\x81\x00" * 40, "vlan_too_many"))  # tags to the end
    G.append(("vlan-deep", g))

    # --- ARP with wrong lengths
    g = []
    for ht, pt, hl, pl in ((1, 0x0800, 6, 4), (1, 0x0800, 8, 4), (1, 0x0800, 6, 16),
                           (1, 0x0800, 0, 0), (6, 0x0800, 6, 4), (1, 0x86DD, 6, 4),
                           (1, 0x0800, 255, 255)):
        a = arp(1, SRC_MAC, client(2), b"\0" * 6, VIP, ht, pt, hl, pl)
        good = (ht, pt, hl, pl) == (1, 0x0800, 6, 4)
        g.append((eth(BCAST, 0x0806) + a, None if good else "arp_not_ipv4"))
        g.append((eth(BCAST, 0x0806) + a[:20], "arp_truncated"))
    g.append((eth(BCAST, 0x0806) + arp(1, SRC_MAC, VIP, b"\0" * 6, VIP), None))   # peer GARP
    g.append((eth(BCAST, 0x0806) + arp(7, SRC_MAC, client(2), b"\0" * 6, VIP), None))  # odd op
    G.append(("arp-lengths", g))

    # --- ICMP errors with odd quotes (quoted TCP needs its ports: 24 bytes)
    g = []
    q_ok = ipv4(VIP, client(70), 6, tcp(80, 41000))
    quotes = [
        (q_ok[:19], "icmp_quote_truncated"), (q_ok[:20], "icmp_quote_truncated"),
        (q_ok[:23], "icmp_quote_truncated"), (q_ok[:24], None), (q_ok[:28], None),
        (bytes([0x4F]) + q_ok[1:28], "icmp_quote_truncated"),        # IHL 15 > quote
        (bytes([0x44]) + q_ok[1:28], "icmp_quote_bad"),              # IHL 4
        (bytes([0x60]) + q_ok[1:28], "icmp_quote_bad"),              # IPv6 version
        # quoted ICMP, a quoted non-first fragment: no ports to need
        (ipv4(VIP, client(71), 1, icmp(3, 1, data=ipv4(client(71), VIP, 6, tcp(1, 2))[:28]))[:28],
         None),
        (ipv4(VIP, client(72), 1, icmp(11, 0))[:21], None),          # nested, cut
        (ipv4(VIP, client(73), 6, tcp(80, 41001), flags_off=0x2000 | 10)[:20], None),  # quoted frag
        (ipv4(client(74), client(75), 6, tcp(80, 41002))[:28], None),  # not from the VIP
    ]
    for k, (q, why) in enumerate(quotes):
        for typ in (3, 11, 12):
            g.append((eth(CMAC, 0x0800) + ipv4(client(80 + k), VIP, 1, icmp(typ, 0, data=q)), why))
    # error messages that are themselves fragments
    body = icmp(3, 4, data=q_ok[:28])
    g += [(f, None) for f in frags(client(99), 777, 1, body, [(0, 16), (16, len(body) - 16)])]
    g.append((eth(CMAC, 0x0800) + ipv4(client(98), VIP, 1, icmp(3, 4)[:6]),   # < 8 bytes
              "icmp_truncated"))
    G.append(("icmp", g))

    # --- fragments: each one well-formed; what is wrong is the datagram
    pl = tcp(33000, 80, bytes(rnd.randrange(256) for _ in range(3000)))
    g = []
    s = client(120)
    g += frags(s, 1, 6, pl, [(0, 1480), (1000, 1480), (1480, 1480)])        # overlap
    g += frags(s, 2, 6, pl, [(0, 1480), (0, 1480), (1480, 1480), (2960, 60)])  # duplicate
    g += frags(s, 3, 6, pl, [(0, 1480), (1483, 1000)])                     # offset not /8
    g += frags(s, 4, 6, pl, [(1480, 1480), (2960, 60)])                    # no first
    g += frags(s, 5, 6, pl, [(0, 1480), (1480, 1480)], mf_last=True)       # never ends
    g += frags(s, 6, 6, pl, [(0, 8)] + [(8 * k, 8) for k in range(1, 20)])  # too many
    g += frags(s, 7, 6, pl, [(0, 7)])                                      # 7-byte MF
    big = pl * 23  # ~69 KB: past 64 KB
    g += frags(s, 8, 6, big, [(k * 1480, 1480) for k in range(45)])
    last = eth(CMAC, 0x0800) + ipv4(s, VIP, 6, b"z" * 1000, ipid=9,
                                    flags_off=0x1FFF)                      # 65528 + 1000
    g.append(last)
    g += frags(s, 10, 6, pl, [(0, 1480), (1480, 1480), (2960, 60)])        # valid, complete
    g += frags(s, 11, 6, pl, [(1480, 1480), (0, 1480), (2960, 60)])        # reordered
    g += frags(s, 12, 17, udp(5, 6, b"u" * 100), [(0, 4)])                 # first < ports
    g += frags(s, 13, 6, pl, [(0, 1480), (1480, 1480), (2960, 60)], tags=((0x8100, 3),))
    for i in range(40):                                                    # never complete
        g += frags(client(200 + i), 1000 + i, 17, udp(7, 8, b"f" * 2000), [(0, 1480)],
                   mf_last=True)
    G.append(("frag", [(f, None) for f in g]))

    # --- larger than an mbuf (2048 bytes of data room): good, but chained
    g = []
    for n in (2049, 3000, 9000, 16000, 65535 - 14):
        pl = tcp(20000 + n % 1000, 80, b"J" * (n - 14 - 20 - 20))
        g.append(eth(CMAC, 0x0800) + ipv4(client(300 + n % 97), VIP, 6, pl))
        g.append(eth(BCAST, 0x86DD) + b"\0" * (n - 14))
    G.append(("oversize", [(f, None) for f in g]))

    # --- ordinary traffic in between
    g = []
    for i in range(64):
        g.append(vip_tcp(400 + i, b"ok"))
        g.append(eth(BCAST, 0x0806) + arp(1, SRC_MAC, client(400 + i), b"\0" * 6, VIP))
    G.append(("valid", [(f, None) for f in g]))
    return G


def groups():
    """[(name, [frame, ...]), ...]"""
    return [(name, [f for f, _ in g]) for name, g in labelled_groups()]


def all_frames():
    return [f for _, g in groups() for f in g]


def all_reasons():
    """Per frame of all_frames(): why it is malformed, or None."""
    return [why for _, g in labelled_groups() for _, why in g]


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: gen_malformed.py OUT.pcap")
    fr = all_frames()
    model.write_pcap(sys.argv[1], fr)
    print("%s: %d frames" % (sys.argv[1], len(fr)))
