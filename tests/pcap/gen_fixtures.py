#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
Generate the committed pcap fixtures of the 'pcap' test suite:

  tests/pcap/fixture.pcap   NIC-side frames as a switch floods them to every
                            cluster node (VIP 192.168.100.100, cluster MAC
                            01:00:5e:28:64:64), see build() for the mix
  tests/pcap/fixture.json   per-frame label (what the generator meant), used
                            by check_replay.py to cross-check the model
  tests/pcap/demo.pcap      a few hundred TCP connections + ARP + ping for
                            scripts/demo-replay.sh
  tests/pcap/multi.pcap     four VIPs of one NIC with different N, hash
                            modes, seeds and compat (see MULTI_VIPS): each
                            its flows, ICMP errors (some sent to another
                            VIP), fragments, ARP; plus frames for no VIP,
                            for an address added at run time by the tests,
                            and malformed ones
  tests/pcap/multi.json     the VIPs' settings and per-frame labels

Deterministic (fixed seed, fixed timestamps): re-running it rewrites
byte-identical files. Usage: /usr/bin/python3 gen_fixtures.py [OUTDIR]
"""
import json
import os
import random
import struct
import sys

from scapy.all import (ARP, ICMP, IP, IPOption_NOP, IPOption_RR, IPv6,
                       ICMPv6ND_NS, Dot1Q, Ether, Raw, TCP, UDP, raw)
from scapy.layers.l2 import Dot1AD

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import model  # noqa: E402

SEED = 20241122
VIP = "192.168.100.100"
VIP_I = model.ip2int(VIP)
CMAC = "01:00:5e:28:64:64"
ROUTER_MAC = "00:1b:21:0a:0b:01"
ROUTER_IP = "192.168.100.1"
OTHER_NODE_MAC = "02:00:00:00:00:02"
BCAST = "ff:ff:ff:ff:ff:ff"


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.ipid = 1000
        self.frames = []   # bytes
        self.labels = []   # str

    def nid(self):
        self.ipid = (self.ipid + 1) & 0xFFFF
        return self.ipid

    def add(self, fr, label):
        self.frames.append(bytes(fr))
        self.labels.append(label)


def ip_hdr_fix(hdr, tot, flags_off):
    """Rewrite total length / flags+offset of a raw IPv4 header and its
    checksum."""
    h = bytearray(hdr)
    struct.pack_into("!H", h, 2, tot)
    struct.pack_into("!H", h, 6, flags_off)
    struct.pack_into("!H", h, 10, 0)
    struct.pack_into("!H", h, 10, model.csum16(bytes(h)))
    return bytes(h)


def fragment(eth, datagram, sizes):
    """Split an IPv4 datagram (bytes) into fragments with payload sizes
    `sizes` (multiples of 8 except the last). Returns frames."""
    ihl = (datagram[0] & 15) * 4
    hdr, pl = datagram[:ihl], datagram[ihl:]
    out = []
    pos = 0
    for k, sz in enumerate(sizes):
        last = k == len(sizes) - 1
        chunk = pl[pos:] if last else pl[pos:pos + sz]
        fo = (pos // 8) | (0 if last else 0x2000)
        out.append(eth + ip_hdr_fix(hdr, ihl + len(chunk), fo) + chunk)
        pos += len(chunk)
    assert pos == len(pl)
    return out


def build_fixture():
    g = Gen(SEED)
    r = g.r
    eth_vip = Ether(src=ROUTER_MAC, dst=CMAC)

    # ---- clients and flows -------------------------------------------
    clients = set()
    while len(clients) < 90:
        net = r.choice(["10.%d.%d.%d", "172.16.%d.%d", "203.0.113.%d",
                        "198.51.100.%d", "100.64.%d.%d"])
        parts = [r.randint(1, 254) for _ in range(net.count("%d"))]
        clients.add(net % tuple(parts))
    clients = sorted(clients, key=model.ip2int)
    flows = []  # (proto, client, cport, vport)
    used = set()
    while len(flows) < 320:
        c = r.choice(clients)
        proto = "tcp" if r.random() < 0.7 else "udp"
        vport = r.choice([80, 443, 8080, 22] if proto == "tcp" else
                         [53, 5060, 123, 4789])
        cport = r.choice([r.randint(1024, 65535), r.randint(32768, 60999),
                          80, 1025, 53, 5060])
        if (c, cport, proto) in used:
            continue
        used.add((c, cport, proto))
        flows.append((proto, c, cport, vport))

    # Per-flow packet lists, then interleave randomly keeping flow order.
    seqs = []
    for proto, c, cport, vport in flows:
        pk = []
        if proto == "tcp":
            seq = r.getrandbits(32)
            base = eth_vip / IP(src=c, dst=VIP, ttl=r.randint(40, 64))
            pk.append(base / TCP(sport=cport, dport=vport, flags="S", seq=seq,
                                 window=64240, options=[("MSS", 1460)]))
            pk.append(base / TCP(sport=cport, dport=vport, flags="A",
                                 seq=seq + 1, ack=r.getrandbits(32)))
            n = r.randint(1, 3)
            for k in range(n):
                data = bytes(r.getrandbits(8) for _ in range(r.randint(1, 300)))
                pk.append(base / TCP(sport=cport, dport=vport, flags="PA",
                                     seq=seq + 1 + k * 1000, ack=1) / Raw(data))
            pk.append(base / TCP(sport=cport, dport=vport, flags="FA",
                                 seq=seq + 5000, ack=2))
            lab = "vip_tcp"
        else:
            base = eth_vip / IP(src=c, dst=VIP, ttl=57)
            for k in range(r.randint(2, 4)):
                data = bytes(r.getrandbits(8) for _ in range(r.randint(8, 200)))
                pk.append(base / UDP(sport=cport, dport=vport) / Raw(data))
            lab = "vip_udp"
        seqs.append([(p, lab) for p in pk])

    # ICMP echo to the VIP
    for c in r.sample(clients, 20):
        base = eth_vip / IP(src=c, dst=VIP)
        ident = r.getrandbits(16)
        seqs.append([(base / ICMP(type=8, id=ident, seq=s) / Raw(b"ping%02d" % s * 8),
                      "vip_icmp_echo") for s in range(1, 3)])

    # VLAN-tagged VIP frames (single 802.1Q, and QinQ)
    for k, (proto, c, cport, vport) in enumerate(r.sample(flows, 8)):
        l4 = (TCP(sport=cport, dport=vport, flags="A", seq=k, ack=k)
              if proto == "tcp" else UDP(sport=cport, dport=vport) / Raw(b"vlan"))
        if k < 6:
            f = Ether(src=ROUTER_MAC, dst=CMAC) / Dot1Q(vlan=100 + k) / IP(src=c, dst=VIP) / l4
        else:
            f = (Ether(src=ROUTER_MAC, dst=CMAC) / Dot1AD(vlan=10) /
                 Dot1Q(vlan=200 + k) / IP(src=c, dst=VIP) / l4)
        seqs.append([(f, "vip_vlan")])

    # IPv4 with options to the VIP
    for k, (proto, c, cport, vport) in enumerate(r.sample(flows, 5)):
        opts = [IPOption_NOP(), IPOption_NOP(), IPOption_NOP(), IPOption_NOP()] \
            if k % 2 else [IPOption_RR(routers=["10.255.0.1", "10.255.0.2"])]
        l4 = (TCP(sport=cport, dport=vport, flags="A", seq=77 + k)
              if proto == "tcp" else UDP(sport=cport, dport=vport) / Raw(b"opts"))
        seqs.append([(eth_vip / IP(src=c, dst=VIP, options=opts) / l4,
                      "vip_ipopts")])

    # ICMP errors from a router to the VIP quoting VIP:vport -> client:cport
    icmp_kinds = [(3, 4), (3, 4), (3, 4), (3, 3), (3, 1), (11, 0), (11, 0),
                  (11, 1), (12, 0), (12, 0), (3, 4), (3, 13)]
    for (t, code), (proto, c, cport, vport) in zip(icmp_kinds,
                                                   r.sample(flows, len(icmp_kinds))):
        if proto == "tcp":
            q = IP(src=VIP, dst=c, id=g.nid()) / TCP(sport=vport, dport=cport,
                                                     flags="PA", seq=r.getrandbits(32))
        else:
            q = IP(src=VIP, dst=c, id=g.nid()) / UDP(sport=vport, dport=cport) / Raw(b"x" * 40)
        qb = raw(q)[:28 + r.choice([0, 12, 40])]  # header + 8 (or more)
        ic = ICMP(type=t, code=code)
        if (t, code) == (3, 4):
            ic = ICMP(type=3, code=4, nexthopmtu=r.choice([1400, 1280, 576]))
        f = eth_vip / IP(src=r.choice(["10.255.0.1", "10.255.0.2", ROUTER_IP]),
                         dst=VIP, id=g.nid()) / ic / Raw(qb)
        seqs.append([(f, "vip_icmp_err")])
    # an ICMP error to the VIP quoting a packet NOT from the VIP: ordinary
    q = raw(IP(src="192.168.100.10", dst="8.8.8.8") / UDP(sport=5353, dport=53))[:28]
    seqs.append([(eth_vip / IP(src="10.255.0.1", dst=VIP) / ICMP(type=3, code=3) / Raw(q),
                  "vip_icmp_err_foreign")])

    # other protocols to the VIP: ports from SCTP/DCCP/UDP-Lite, SPI from
    # ESP (offset 0) and AH (offset 4), GRE hashes as ports 0/0
    for k, c in enumerate(r.sample(clients, 12)):
        sp, dp = r.randint(1024, 65535), r.choice([80, 5060, 2905])
        spi = r.getrandbits(32)
        kind = k % 6
        if kind == 0:
            l4, proto = struct.pack("!HHII", sp, dp, r.getrandbits(32), 0) + bytes(16), 132
        elif kind == 1:
            l4, proto = struct.pack("!HHBBHI", sp, dp, 3, 0, 0, r.getrandbits(24)) + bytes(8), 33
        elif kind == 2:
            l4, proto = struct.pack("!HHHH", sp, dp, 8, 0) + b"lite", 136
        elif kind == 3:
            l4, proto = struct.pack("!II", spi, 1) + bytes(32), 50
        elif kind == 4:
            l4, proto = struct.pack("!BBHII", 50, 4, 0, spi, 1) + bytes(12) + bytes(16), 51
        else:
            l4, proto = struct.pack("!HH", 0, 0x0800) + bytes(20), 47
        seqs.append([(eth_vip / IP(src=c, dst=VIP, proto=proto) / Raw(l4), "vip_l4misc")])

    # ---- fragmented datagrams to the VIP -------------------------------
    frag_seqs = []
    for k, (proto, c, cport, vport) in enumerate(
            r.sample([f for f in flows if f[0] == "udp"], 14)):
        size = r.randint(1600, 4000)
        data = bytes(r.getrandbits(8) for _ in range(size))
        dg = raw(IP(src=c, dst=VIP, id=g.nid()) / UDP(sport=cport, dport=vport) / Raw(data))
        nfr = r.randint(2, 4)
        plen = len(dg) - 20
        base = ((plen // nfr) + 7) // 8 * 8
        if base > 1480:
            base = 1480
            nfr = (plen + 1479) // 1480
        sizes = [base] * (nfr - 1) + [plen - base * (nfr - 1)]
        frs = fragment(raw(Ether(src=ROUTER_MAC, dst=CMAC, type=0x0800)), dg, sizes)
        if k % 3 == 1:
            frs.reverse()            # out of order: last first
        elif k % 3 == 2:
            r.shuffle(frs)
        frag_seqs.append([(f, "vip_frag") for f in frs])
    # two big pings (ICMP, ports 0/0), fragmented
    for c in r.sample(clients, 2):
        dg = raw(IP(src=c, dst=VIP, id=g.nid()) / ICMP(type=8, id=7, seq=1) /
                 Raw(bytes(range(256)) * 10))
        plen = len(dg) - 20
        frs = fragment(raw(Ether(src=ROUTER_MAC, dst=CMAC, type=0x0800)), dg, [1480, plen - 1480])
        frag_seqs.append([(f, "vip_frag") for f in frs])
    seqs += frag_seqs

    # ---- ARP ----------------------------------------------------------
    arp_seqs = []
    for k, c in enumerate(r.sample(clients, 10)):
        m = "02:00:%02x:%02x:%02x:%02x" % tuple(r.getrandbits(8) for _ in range(4))
        a = ARP(op=1, hwsrc=m, psrc="192.168.100.%d" % (150 + k), hwdst="00:00:00:00:00:00",
                pdst=VIP)
        f = Ether(src=m, dst=BCAST) / a
        if k == 9:
            f = Ether(src=m, dst=BCAST) / Dot1Q(vlan=100) / a
        arp_seqs.append([(raw(f).ljust(60, b"\0"), "arp_req_vip")])
    for k in range(5):
        m = "02:01:00:00:00:%02x" % k
        f = Ether(src=m, dst=BCAST) / ARP(op=1, hwsrc=m, psrc="192.168.100.%d" % (160 + k),
                                          pdst="192.168.100.%d" % (10 + k))
        arp_seqs.append([(raw(f).ljust(60, b"\0"), "arp_req_other")])
    # gratuitous ARP from the VIP by another node
    f = Ether(src=OTHER_NODE_MAC, dst=BCAST) / ARP(op=1, hwsrc=CMAC, psrc=VIP,
                                                   hwdst="00:00:00:00:00:00", pdst=VIP)
    arp_seqs.append([(raw(f).ljust(60, b"\0"), "arp_garp_peer")])
    # ARP replies to the VIP (answers to the host's own requests)
    for k in range(2):
        f = Ether(src=ROUTER_MAC, dst=CMAC) / ARP(op=2, hwsrc=ROUTER_MAC, psrc=ROUTER_IP,
                                                  hwdst=CMAC, pdst=VIP)
        fb = bytearray(raw(f).ljust(60, b"\0"))
        fb[-1] = k  # distinct padding: two distinct frames
        arp_seqs.append([(bytes(fb), "arp_reply_to_vip")])
    seqs += arp_seqs

    # ---- not for the VIP ------------------------------------------------
    oth = []
    for k in range(8):
        f = (Ether(src=ROUTER_MAC, dst="52:54:00:aa:00:%02x" % (k % 3)) /
             IP(src=r.choice(clients), dst="192.168.100.%d" % (10 + k % 3)) /
             TCP(sport=40000 + k, dport=22, flags="A", seq=k))
        oth.append([(f, "other_ipv4")])
    for k in range(3):
        f = (Ether(src="02:01:00:00:00:%02x" % k, dst=BCAST) /
             IP(src="192.168.100.%d" % (160 + k), dst="192.168.100.255") /
             UDP(sport=137, dport=137) / Raw(b"nbns%d" % k))
        oth.append([(f, "other_bcast")])
    f = (Ether(src=ROUTER_MAC, dst="01:00:5e:00:00:01") /
         IP(src=ROUTER_IP, dst="224.0.0.1", ttl=1, options=[IPOption_NOP()] * 4) /
         Raw(b"\x11\x64\xee\x9b\x00\x00\x00\x00"))
    oth.append([(f, "other_mcast")])
    for k in range(3):
        f = (Ether(src="02:01:00:00:01:%02x" % k, dst="33:33:ff:00:00:%02x" % (k + 1)) /
             IPv6(src="fe80::%x" % (k + 10), dst="ff02::1:ff00:%x" % (k + 1)) /
             ICMPv6ND_NS(tgt="fe80::%x" % (k + 1)))
        oth.append([(f, "other_ipv6")])
    lldp = bytes.fromhex("0180c200000e") + bytes.fromhex("001b210a0b01") + b"\x88\xcc" + \
        bytes.fromhex("020704001b210a0b01" "04030573" "31" "060200780000")
    oth.append([(lldp, "other_lldp")])
    seqs += oth

    # ---- interleave ----------------------------------------------------
    queues = [list(s) for s in seqs]
    while queues:
        q = r.choice(queues)
        p, lab = q.pop(0)
        if not isinstance(p, (bytes, bytearray)):
            if IP in p and p[IP].id == 1:   # scapy's default: make every frame unique
                p[IP].id = g.nid()
            p = raw(p)
        g.add(p, lab)
        if not q:
            queues.remove(q)

    # ---- malformed (spread through the capture) -------------------------
    good_tcp = raw(eth_vip / IP(src="10.1.1.1", dst=VIP, id=g.nid()) /
                   TCP(sport=1234, dport=80, flags="S"))
    mal = []
    mal.append(good_tcp[:14 + 10])                       # truncated IP header
    b = bytearray(good_tcp); b[14] = 0x43                 # IHL 3
    mal.append(bytes(b))
    b = bytearray(good_tcp); b[14] = 0x4F                 # IHL 15 > bytes present
    mal.append(bytes(b[:14 + 40]))
    b = bytearray(good_tcp); struct.pack_into("!H", b, 16, 1400)  # tot len > frame
    struct.pack_into("!H", b, 24, 0)
    struct.pack_into("!H", b, 24, model.csum16(bytes(b[14:34])))
    mal.append(bytes(b))
    three = raw(Ether(src=ROUTER_MAC, dst=CMAC) / Dot1AD(vlan=1) / Dot1Q(vlan=2) /
                Dot1Q(vlan=3) / IP(src="10.1.1.2", dst=VIP, id=g.nid()) /
                TCP(sport=1, dport=80))
    mal.append(three)                                      # 3 VLAN tags
    a = bytearray(raw(Ether(src="02:00:00:00:09:09", dst=BCAST) /
                      ARP(op=1, hwsrc="02:00:00:00:09:09", psrc="192.168.100.99",
                          pdst=VIP)))
    a[14 + 5] = 16                                         # ARP plen 16
    mal.append(bytes(a).ljust(60, b"\0"))
    b = bytearray(raw(eth_vip / IP(src="10.1.1.3", dst=VIP, id=g.nid(), proto=6) /
                      Raw(b"\x04")))                        # TCP with 1 byte L4
    mal.append(bytes(b))
    b = bytearray(good_tcp); b[14] = 0x65                  # version 6 in 0x0800
    mal.append(bytes(b))
    mal.append(bytes.fromhex("01005e286464001b210a0b"))   # 11-byte runt
    n = len(g.frames)
    pos = sorted(r.sample(range(n), len(mal)), reverse=True)
    for p, m in zip(pos, mal):
        g.frames.insert(p, m)
        g.labels.insert(p, "malformed")
    return g


def build_demo():
    r = random.Random(SEED + 1)
    eth = Ether(src=ROUTER_MAC, dst=CMAC)
    frames = []
    clients = ["10.20.%d.%d" % (r.randint(0, 255), r.randint(1, 254)) for _ in range(12)]
    conns = []
    used = set()
    while len(conns) < 300:
        c = r.choice(clients)
        sp = r.randint(1024, 65535)
        if sp in used:
            continue
        used.add(sp)
        conns.append((c, sp))
    seqs = []
    ipid = 1
    for c, sp in conns:
        seq = r.getrandbits(32)
        pk = []
        for fl, s, data in (("S", seq, b""), ("A", seq + 1, b""),
                            ("PA", seq + 1, b"GET / HTTP/1.1\r\nHost: vip\r\n\r\n")):
            ipid += 1
            pk.append(raw(eth / IP(src=c, dst=VIP, id=ipid) /
                          TCP(sport=sp, dport=80, flags=fl, seq=s, ack=0 if fl == "S" else 1) /
                          Raw(data)))
        seqs.append(pk)
    for k in range(3):
        m = "02:00:00:00:07:%02x" % k
        seqs.append([raw(Ether(src=m, dst=BCAST) /
                         ARP(op=1, hwsrc=m, psrc="192.168.100.%d" % (50 + k), pdst=VIP)
                         ).ljust(60, b"\0")])
    for c in clients[:4]:
        seqs.append([raw(eth / IP(src=c, dst=VIP, id=5000 + s) / ICMP(id=99, seq=s) / Raw(b"demo"))
                     for s in range(3)])
    while seqs:
        q = r.choice(seqs)
        frames.append(q.pop(0))
        if not q:
            seqs.remove(q)
    return frames


# The VIPs of multi.pcap: settings as dpdk-vipshare takes them (the tests
# pass them on the command line and in a --config file). Distinct N, modes,
# seeds, compat and cluster MACs (one given, three derived).
MULTI_VIPS = [
    {"ip": "192.168.100.100", "prefix": 24, "total": 3, "mode": "sourceip-sourceport",
     "hash_init": 0, "compat": "clusterip", "mac": None, "garp": 2},
    {"ip": "192.168.100.101", "prefix": 24, "total": 2, "mode": "sourceip",
     "hash_init": 0x1234abcd, "compat": "clusterip", "mac": "01:00:5e:00:00:65", "garp": 0},
    {"ip": "10.20.30.40", "prefix": 16, "total": 4, "mode": "sourceip-sourceport-destport",
     "hash_init": 7, "compat": "clusterip", "mac": None, "garp": 1},
    {"ip": "172.16.5.5", "prefix": 24, "total": 3, "mode": "sourceip",
     "hash_init": 0xdeadbeef, "compat": "nft", "mac": None, "garp": 3},
]
# Not a VIP in the fixture's settings: the runtime tests add it.
MULTI_LATE = {"ip": "192.168.100.102", "prefix": 24, "total": 2,
              "mode": "sourceip-sourceport", "hash_init": 5, "compat": "clusterip",
              "mac": None, "garp": 1}


def multi_mac(v):
    return v["mac"] or model.mac_str(model.cluster_mac(model.ip2int(v["ip"])))


def build_multi():
    r = random.Random(SEED + 2)
    frames, labels = [], []
    ipid = [3000]

    def nid():
        ipid[0] = (ipid[0] + 1) & 0xFFFF
        return ipid[0]

    def client():
        return "%d.%d.%d.%d" % (r.choice([10, 100, 198, 203]), r.randint(0, 255),
                                r.randint(0, 255), r.randint(1, 254))

    seqs = []
    vips = MULTI_VIPS + [MULTI_LATE]
    for vi, v in enumerate(vips):
        eth = Ether(src=ROUTER_MAC, dst=multi_mac(v))
        tag = "v%d" % vi
        flows = []
        for k in range(40 if v is not MULTI_LATE else 20):
            proto = "tcp" if k % 4 else "udp"
            flows.append((proto, client(), r.randint(1024, 65535),
                          r.choice([80, 443, 22]) if proto == "tcp" else r.choice([53, 123])))
        for proto, c, cport, vport in flows:
            base = eth / IP(src=c, dst=v["ip"], ttl=60)
            if proto == "tcp":
                seq = r.getrandbits(32)
                pk = [base / TCP(sport=cport, dport=vport, flags="S", seq=seq),
                      base / TCP(sport=cport, dport=vport, flags="A", seq=seq + 1, ack=9),
                      base / TCP(sport=cport, dport=vport, flags="PA", seq=seq + 1, ack=9) /
                      Raw(bytes(r.getrandbits(8) for _ in range(r.randint(1, 120)))),
                      base / TCP(sport=cport, dport=vport, flags="FA", seq=seq + 200, ack=9)]
            else:
                pk = [base / UDP(sport=cport, dport=vport) /
                      Raw(bytes(r.getrandbits(8) for _ in range(r.randint(8, 90))))
                      for _ in range(r.randint(2, 3))]
            seqs.append([(p, tag + "_flow") for p in pk])
        for k in range(3):
            seqs.append([(eth / IP(src=client(), dst=v["ip"]) /
                          ICMP(type=8, id=r.getrandbits(16), seq=k) / Raw(b"multi"),
                          tag + "_echo")])
        for k, (proto, c, cport, vport) in enumerate(flows[:3]):
            l4 = (TCP(sport=cport, dport=vport, flags="A", seq=k) if proto == "tcp"
                  else UDP(sport=cport, dport=vport) / Raw(b"vlan"))
            seqs.append([(Ether(src=ROUTER_MAC, dst=multi_mac(v)) / Dot1Q(vlan=300 + k) /
                          IP(src=c, dst=v["ip"]) / l4, tag + "_vlan")])
        # ICMP errors quoting VIP -> client packets of its flows: most sent
        # to the VIP, two to another VIP (decided by the quoted one's)
        for k, (proto, c, cport, vport) in enumerate(flows[4:10]):
            q = IP(src=v["ip"], dst=c, id=nid()) / (
                TCP(sport=vport, dport=cport, flags="PA", seq=7) if proto == "tcp"
                else UDP(sport=vport, dport=cport) / Raw(b"q" * 16))
            to = v if k < 4 else vips[(vi + 1 + k) % len(MULTI_VIPS)]
            f = (Ether(src=ROUTER_MAC, dst=multi_mac(to)) /
                 IP(src="10.255.0.%d" % (1 + k), dst=to["ip"], id=nid()) /
                 ICMP(type=3, code=4, nexthopmtu=1400) / Raw(raw(q)[:28]))
            seqs.append([(f, tag + ("_icmp_err" if k < 4 else "_icmp_err_cross"))])
        # fragmented UDP datagrams
        for k, (proto, c, cport, vport) in enumerate(
                [fl for fl in flows if fl[0] == "udp"][:4]):
            data = bytes(r.getrandbits(8) for _ in range(r.randint(1600, 3000)))
            dg = raw(IP(src=c, dst=v["ip"], id=nid()) / UDP(sport=cport, dport=vport) /
                     Raw(data))
            plen = len(dg) - 20
            base = ((plen // 2) + 7) // 8 * 8
            frs = fragment(raw(Ether(src=ROUTER_MAC, dst=multi_mac(v), type=0x0800)), dg,
                           [base, plen - base])
            if k % 2:
                frs.reverse()
            seqs.append([(f, tag + "_frag") for f in frs])
        # ARP: requests for the VIP (one tagged), a peer's gratuitous ARP,
        # a reply to the VIP
        for k in range(4):
            m = "02:00:%02x:00:%02x:%02x" % (vi, k, r.getrandbits(8))
            a = ARP(op=1, hwsrc=m, psrc="192.168.100.%d" % (150 + k),
                    hwdst="00:00:00:00:00:00", pdst=v["ip"])
            f = Ether(src=m, dst=BCAST) / (Dot1Q(vlan=100) / a if k == 3 else a)
            seqs.append([(raw(f).ljust(60, b"\0"), tag + "_arp_req")])
        f = Ether(src=OTHER_NODE_MAC, dst=BCAST) / ARP(op=1, hwsrc=multi_mac(v), psrc=v["ip"],
                                                       hwdst="00:00:00:00:00:00", pdst=v["ip"])
        seqs.append([(raw(f).ljust(60, b"\0"), tag + "_arp_garp_peer")])
        f = Ether(src=ROUTER_MAC, dst=multi_mac(v)) / ARP(op=2, hwsrc=ROUTER_MAC, psrc=ROUTER_IP,
                                                          hwdst=multi_mac(v), pdst=v["ip"])
        seqs.append([(raw(f).ljust(60, b"\0"), tag + "_arp_reply_to_vip")])
        # a TCP header cut short: malformed, counted for the VIP
        seqs.append([(raw(eth / IP(src=client(), dst=v["ip"], id=nid(), proto=6) /
                          Raw(b"\x04")), tag + "_malformed")])
    # for no VIP: the node's own address, an ICMP error to a VIP quoting a
    # packet of no VIP, ARP for others, IPv6
    for k in range(6):
        seqs.append([(Ether(src=ROUTER_MAC, dst="52:54:00:aa:00:01") /
                      IP(src=client(), dst="192.168.100.%d" % (10 + k)) /
                      TCP(sport=40000 + k, dport=22, flags="A"), "other_ipv4")])
    q = raw(IP(src="192.168.100.10", dst="8.8.8.8") / UDP(sport=5353, dport=53))[:28]
    seqs.append([(Ether(src=ROUTER_MAC, dst=multi_mac(MULTI_VIPS[2])) /
                  IP(src="10.255.0.9", dst=MULTI_VIPS[2]["ip"]) / ICMP(type=3, code=3) / Raw(q),
                  "v2_icmp_err_foreign")])
    for k in range(3):
        m = "02:01:00:00:00:%02x" % k
        seqs.append([(raw(Ether(src=m, dst=BCAST) /
                          ARP(op=1, hwsrc=m, psrc="192.168.100.%d" % (160 + k),
                              pdst="192.168.100.%d" % (10 + k))).ljust(60, b"\0"),
                      "arp_req_other")])
    seqs.append([(Ether(src="02:01:00:00:01:01", dst="33:33:00:00:00:01") /
                  IPv6(src="fe80::1", dst="ff02::1") / Raw(b"v6"), "other_ipv6")])
    queues = [list(x) for x in seqs]
    while queues:
        q = r.choice(queues)
        p, lab = q.pop(0)
        if not isinstance(p, (bytes, bytearray)):
            if IP in p and p[IP].id == 1:
                p[IP].id = nid()
            p = raw(p)
        frames.append(bytes(p))
        labels.append(lab)
        if not q:
            queues.remove(q)
    # malformed for no VIP, spread through the capture
    good = raw(Ether(src=ROUTER_MAC, dst=multi_mac(MULTI_VIPS[0])) /
               IP(src="10.1.1.1", dst=MULTI_VIPS[0]["ip"], id=nid()) / TCP(sport=1, dport=80))
    mal = [good[:14 + 10], bytes.fromhex("01005e286464001b210a0b")]
    b = bytearray(good)
    b[14] = 0x43
    mal.append(bytes(b))
    pos = sorted(r.sample(range(len(frames)), len(mal)), reverse=True)
    for p, m in zip(pos, mal):
        frames.insert(p, m)
        labels.insert(p, "malformed")
    return frames, labels


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    g = build_fixture()
    model.write_pcap(os.path.join(out, "fixture.pcap"), g.frames)
    with open(os.path.join(out, "fixture.json"), "w") as f:
        json.dump({"vip": VIP, "cluster_mac": CMAC, "seed": SEED,
                   "labels": g.labels}, f, indent=0)
        f.write("\n")
    demo = build_demo()
    model.write_pcap(os.path.join(out, "demo.pcap"), demo)
    mframes, mlabels = build_multi()
    model.write_pcap(os.path.join(out, "multi.pcap"), mframes)
    with open(os.path.join(out, "multi.json"), "w") as f:
        json.dump({"vips": MULTI_VIPS, "late": MULTI_LATE, "seed": SEED + 2,
                   "labels": mlabels}, f, indent=0)
        f.write("\n")
    from collections import Counter
    print("fixture.pcap: %d frames %s" % (len(g.frames), dict(Counter(g.labels))))
    print("demo.pcap: %d frames" % len(demo))
    print("multi.pcap: %d frames, %d VIPs (+1 late)" % (len(mframes), len(MULTI_VIPS)))


if __name__ == "__main__":
    main()
