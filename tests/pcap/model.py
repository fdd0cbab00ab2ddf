#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
Independent model of iptables CLUSTERIP node selection, used as the oracle
of the pcap replay tests. Written from the published algorithms (Bob
Jenkins' lookup3 final mix as used by the Linux kernel's jhash_*words, the
CLUSTERIP key extraction and reciprocal_scale), NOT from our C code.

Also: a tiny pcap reader/writer, frame classification, IPv4/TCP/UDP
checksum helpers and a reassembler, all in plain Python (no scapy) so the
checker stays fast.
"""
import struct

M32 = 0xFFFFFFFF
JHASH_INITVAL = 0xDEADBEEF

HASHMODES = ("sourceip", "sourceip-sourceport", "sourceip-sourceport-destport")


# ---------------------------------------------------------------- jhash
def _rol32(x, k):
    x &= M32
    return ((x << k) | (x >> (32 - k))) & M32


def _jhash_final(a, b, c):
    c ^= b; c = (c - _rol32(b, 14)) & M32
    a ^= c; a = (a - _rol32(c, 11)) & M32
    b ^= a; b = (b - _rol32(a, 25)) & M32
    c ^= b; c = (c - _rol32(b, 16)) & M32
    a ^= c; a = (a - _rol32(c, 4)) & M32
    b ^= a; b = (b - _rol32(a, 14)) & M32
    c ^= b; c = (c - _rol32(b, 24)) & M32
    return a, b, c


def _jhash_nwords(a, b, c, initval):
    a = (a + initval) & M32
    b = (b + initval) & M32
    c = (c + initval) & M32
    return _jhash_final(a, b, c)[2]


def jhash_3words(a, b, c, initval):
    return _jhash_nwords(a, b, c, (initval + JHASH_INITVAL + (3 << 2)) & M32)


def jhash_2words(a, b, initval):
    return _jhash_nwords(a, b, 0, (initval + JHASH_INITVAL + (2 << 2)) & M32)


def jhash_1word(a, initval):
    return _jhash_nwords(a, 0, 0, (initval + JHASH_INITVAL + (1 << 2)) & M32)


def node_of(h, total):
    """reciprocal_scale(hash, total) + 1"""
    return ((h * total) >> 32) + 1


def raw_port(p):
    """A port as the kernel feeds it to jhash on little-endian x86: the
    network-order u16 loaded as a CPU word (port 80 -> 0x5000)."""
    return ((p & 0xFF) << 8) | (p >> 8)


def ip2int(s):
    a, b, c, d = (int(x) for x in s.split("."))
    return (a << 24) | (b << 16) | (c << 8) | d


def int2ip(v):
    return "%d.%d.%d.%d" % (v >> 24, (v >> 16) & 255, (v >> 8) & 255, v & 255)


def clusterip_hash(mode, saddr, sport, dport, hash_init):
    """saddr: host-order int; sport/dport: port numbers as humans write
    them (converted to raw words here)."""
    if mode == "sourceip":
        return jhash_1word(saddr, hash_init)
    if mode == "sourceip-sourceport":
        return jhash_2words(saddr, raw_port(sport), hash_init)
    if mode == "sourceip-sourceport-destport":
        return jhash_3words(saddr, raw_port(sport), raw_port(dport), hash_init)
    raise ValueError(mode)


def nft_hash(saddr, hash_init):
    """nft 'jhash ip saddr': the address bytes as a little-endian word."""
    return jhash_1word(struct.unpack("<I", struct.pack(">I", saddr))[0],
                       hash_init)


def owner(key, mode, total, hash_init=0):
    saddr, sport, dport = key
    return node_of(clusterip_hash(mode, saddr, sport, dport, hash_init), total)


def owner_of(key, vs):
    """The node of a key under one VIP's settings vs: a dict with mode,
    total, hash_init and compat ("clusterip" or "nft": the source address
    only, as nft's jhash reads it)."""
    if vs.get("compat", "clusterip") == "nft":
        return node_of(nft_hash(key[0], vs["hash_init"]), vs["total"])
    return owner(key, vs["mode"], vs["total"], vs["hash_init"])


def needs_reassembly(vs):
    """Port modes of CLUSTERIP decide a datagram by its first fragment."""
    return vs.get("compat", "clusterip") == "clusterip" and vs["mode"] != "sourceip"


# "Ports" offset per IP protocol (kernel proto_ports_offset).
PORT_OFFSET = {6: 0, 17: 0, 33: 0, 50: 0, 132: 0, 136: 0, 51: 4}
PROTO_NUM = {"tcp": 6, "udp": 17, "dccp": 33, "sctp": 132, "udplite": 136,
             "icmp": 1, "esp": 50, "ah": 51}


def check_vectors(path):
    """Return a list of disagreement strings (empty = all rows agree)."""
    bad = []
    rows = 0
    with open(path) as f:
        hdr = None
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            cols = line.rstrip("\n").split("\t")
            if hdr is None:
                hdr = cols
                continue
            r = dict(zip(hdr, cols))
            rows += 1
            proto = PROTO_NUM[r["proto"]]
            sp, dp = int(r["src_port"]), int(r["dst_port"])
            if proto not in PORT_OFFSET:
                sp = dp = 0
            hi = int(r["hash_init"], 0)
            tot = int(r["total_nodes"])
            sa = ip2int(r["src_ip"])
            h = clusterip_hash(r["mode"], sa, sp, dp, hi)
            n = node_of(h, tot)
            nn = node_of(nft_hash(sa, hi), tot)
            if h != int(r["hash32"], 16) or n != int(r["node"]) or \
               nn != int(r["node_nft"]):
                bad.append("vector %s: model hash32=0x%08x node=%d nft=%d" %
                           ("\t".join(cols), h, n, nn))
    if rows == 0:
        bad.append("no vector rows read from %s" % path)
    return bad


# ---------------------------------------------------------------- pcap io
PCAP_GHDR = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)


def pcap_record(data, ts_us):
    return struct.pack("<IIII", ts_us // 1000000, ts_us % 1000000,
                       len(data), len(data)) + data


def write_pcap(path, frames, t0=1700000000 * 1000000, step=10):
    with open(path, "wb") as f:
        f.write(PCAP_GHDR)
        for i, fr in enumerate(frames):
            f.write(pcap_record(fr, t0 + i * step))


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return []
    magic = struct.unpack("<I", data[:4])[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        e = "<"
    elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
        e = ">"
    else:
        raise ValueError("%s: not a pcap file" % path)
    out = []
    off = 24
    n = len(data)
    while off + 16 <= n:
        _, _, caplen, _ = struct.unpack_from(e + "IIII", data, off)
        off += 16
        out.append(data[off:off + caplen])
        off += caplen
    return out


# ---------------------------------------------------------------- checksums
def csum16(b):
    if len(b) & 1:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ipv4_hdr_ok(ip):
    ihl = (ip[0] & 15) * 4
    return csum16(ip[:ihl]) == 0


def l4_csum_ok(ip):
    """ip: a whole (unfragmented) IPv4 datagram. True if TCP/UDP checksum
    is valid (UDP checksum 0 = none = ok); True for other protocols."""
    ihl = (ip[0] & 15) * 4
    tot = struct.unpack_from("!H", ip, 2)[0]
    proto = ip[9]
    l4 = ip[ihl:tot]
    if proto not in (6, 17):
        return True
    if proto == 17 and len(l4) >= 8 and struct.unpack_from("!H", l4, 6)[0] == 0:
        return True
    pseudo = ip[12:20] + struct.pack("!BBH", 0, proto, len(l4))
    return csum16(pseudo + l4) == 0


# ---------------------------------------------------------------- parsing
MALFORMED, OTHER, ARP, VIP, VIP_FRAG, VIP_ICMPERR = (
    "malformed", "other", "arp", "vip", "vip_frag", "vip_icmperr")


class Info:
    __slots__ = ("cls", "why", "key", "l2", "vlans", "ihl", "tot", "proto", "mf",
                 "fragoff", "ipid", "src", "dst", "arp_op", "arp_spa",
                 "arp_tpa", "arp_sha", "arp_tha", "ethertype", "quoted", "vip")

    def __init__(self):
        self.cls = None
        self.why = None
        self.key = (0, 0, 0)
        self.l2 = 14
        self.vlans = 0
        self.ihl = self.tot = self.proto = 0
        self.mf = False
        self.fragoff = 0
        self.ipid = 0
        self.src = self.dst = 0
        self.arp_op = None
        self.arp_spa = self.arp_tpa = 0
        self.arp_sha = self.arp_tha = b""
        self.ethertype = 0
        self.quoted = None
        self.vip = None


def bad(i, why):
    """i is malformed, for the reason why (the malformed_<why> counter)."""
    i.cls = MALFORMED
    i.why = why
    return i


def _is_vip(a, vips):
    return a == vips if isinstance(vips, int) else a in vips


def classify(fr, vip):
    """Classify a frame the way CLUSTERIP-on-DPDK must see it.
    vip: host-order int, or a collection of them (several VIPs).
    key = (saddr, sport, dport) with ports as numbers. info.vip: the VIP
    whose settings decide the frame: the destination, the quoted source of
    an ICMP error, the target of ARP; a malformed frame's destination when
    it was read; None otherwise.
    Rules: up to 2 VLAN tags (0x8100/0x88a8); Ethernet/IPv4 ARP with
    6/4 lengths else malformed; IPv4 header sanity (version 4, IHL >= 5,
    IHL*4 <= total length <= bytes present, header present); non-VIP
    destination -> other; to the VIP: fragments (MF or offset), ICMP errors
    (3, 11, 12) quoting a packet from the VIP keyed by the quoted
    (dst, dport, sport); ports from the L4 header (must be present).
    A malformed frame's why is the first rule it breaks, in that order."""
    i = Info()
    n = len(fr)
    if n < 14:
        return bad(i, "eth_truncated")
    et = struct.unpack_from("!H", fr, 12)[0]
    off = 14
    while et in (0x8100, 0x88A8):
        if i.vlans == 2:
            return bad(i, "vlan_too_many")
        if n < off + 4:
            return bad(i, "vlan_truncated")
        et = struct.unpack_from("!H", fr, off + 2)[0]
        off += 4
        i.vlans += 1
    i.l2 = off
    i.ethertype = et
    if et == 0x0806:
        if n < off + 28:
            return bad(i, "arp_truncated")
        htype, ptype, hl, pl, op = struct.unpack_from("!HHBBH", fr, off)
        if htype != 1 or ptype != 0x0800 or hl != 6 or pl != 4:
            return bad(i, "arp_not_ipv4")
        i.arp_op = op
        i.arp_sha = fr[off + 8:off + 14]
        i.arp_spa = struct.unpack_from("!I", fr, off + 14)[0]
        i.arp_tha = fr[off + 18:off + 24]
        i.arp_tpa = struct.unpack_from("!I", fr, off + 24)[0]
        if _is_vip(i.arp_tpa, vip):
            i.vip = i.arp_tpa
        i.cls = ARP
        return i
    if et != 0x0800:
        i.cls = OTHER
        return i
    if n < off + 20:
        return bad(i, "ipv4_truncated")
    ip = fr[off:]
    ver, ihl = ip[0] >> 4, (ip[0] & 15) * 4
    tot = struct.unpack_from("!H", ip, 2)[0]
    if ver != 4:
        return bad(i, "ipv4_version")
    if ihl < 20:
        return bad(i, "ipv4_ihl")
    if tot < ihl or tot > n - off:
        return bad(i, "ipv4_total_length")
    if ihl > n - off:
        return bad(i, "ipv4_truncated")
    i.ihl, i.tot, i.proto = ihl, tot, ip[9]
    i.ipid = struct.unpack_from("!H", ip, 4)[0]
    i.src, i.dst = struct.unpack_from("!II", ip, 12)
    if not _is_vip(i.dst, vip):
        i.cls = OTHER
        return i
    i.vip = i.dst
    fw = struct.unpack_from("!H", ip, 6)[0]
    i.mf = bool(fw & 0x2000)
    i.fragoff = (fw & 0x1FFF) * 8
    if i.fragoff:
        i.key = (i.src, 0, 0)
        i.cls = VIP_FRAG
        return i
    l4 = ip[ihl:tot]
    po = PORT_OFFSET.get(i.proto)
    sp = dp = 0
    if po is not None:
        if len(l4) < po + 4:
            return bad(i, "l4_truncated")
        sp, dp = struct.unpack_from("!HH", l4, po)
    elif i.proto == 1:
        if len(l4) < 8:
            return bad(i, "icmp_truncated")
        if l4[0] in (3, 11, 12) and not i.mf:
            q = l4[8:]
            if len(q) < 20:
                return bad(i, "icmp_quote_truncated")
            if q[0] >> 4 != 4:
                return bad(i, "icmp_quote_bad")
            qihl = (q[0] & 15) * 4
            if qihl < 20:
                return bad(i, "icmp_quote_bad")
            if qihl > len(q):
                return bad(i, "icmp_quote_truncated")
            qsrc, qdst = struct.unpack_from("!II", q, 12)
            if _is_vip(qsrc, vip):
                qp = PORT_OFFSET.get(q[9])
                qsp = qdp = 0
                qfo = struct.unpack_from("!H", q, 6)[0] & 0x1FFF
                if qp is not None and qfo == 0:
                    if len(q) < qihl + qp + 4:
                        return bad(i, "icmp_quote_truncated")
                    qsp, qdp = struct.unpack_from("!HH", q, qihl + qp)
                # swapped: the client's view of the connection
                i.key = (qdst, qdp, qsp)
                i.quoted = (qsrc, qsp, qdst, qdp, q[9])
                i.vip = qsrc
                i.cls = VIP_ICMPERR
                return i
    i.key = (i.src, sp, dp)
    i.cls = VIP_FRAG if i.mf else VIP
    return i


def frag_id(fr, info):
    """Datagram identity of a fragment: (src, dst, id, proto)."""
    return (info.src, info.dst, info.ipid, info.proto)


def expectations(frames, vip, mode, total, hash_init=0):
    """Per input frame: (info, owner-or-None). Port modes: every fragment
    gets the owner of its datagram (key from the offset-0 fragment);
    sourceip: each fragment on its own (source IP only). Non-VIP frames and
    ARP: None (all nodes), malformed: None."""
    infos = [classify(f, vip) for f in frames]
    first_key = {}
    for inf in infos:
        if inf.cls == VIP_FRAG and inf.fragoff == 0:
            first_key[(inf.src, inf.dst, inf.ipid, inf.proto)] = inf.key
    out = []
    for inf in infos:
        own = None
        if inf.cls in (VIP, VIP_ICMPERR):
            own = owner(inf.key, mode, total, hash_init)
        elif inf.cls == VIP_FRAG:
            if mode == "sourceip":
                own = owner((inf.src, 0, 0), mode, total, hash_init)
            else:
                k = first_key.get((inf.src, inf.dst, inf.ipid, inf.proto))
                own = owner(k, mode, total, hash_init) if k else None
        out.append((inf, own))
    return out


def reassemble(frags):
    """frags: list of (fragoff, mf, ip-payload-bytes, ip-header-bytes).
    Returns (header-of-first, payload) or None if incomplete/overlapping."""
    frags = sorted(frags, key=lambda x: x[0])
    if not frags or frags[0][0] != 0 or frags[-1][1]:
        return None
    pos = 0
    buf = b""
    for fo, mf, pl, hdr in frags:
        if fo != pos:
            return None
        buf += pl
        pos += len(pl)
    return frags[0][3], buf


def mac_str(b):
    return ":".join("%02x" % x for x in b)


def mac_bytes(s):
    return bytes(int(x, 16) for x in s.split(":"))


def cluster_mac(vip):
    return bytes([0x01, 0x00, 0x5E, (vip >> 16) & 0x7F, (vip >> 8) & 0xFF,
                  vip & 0xFF])


if __name__ == "__main__":
    import os
    import sys
    p = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "data", "clusterip.tsv")
    bad = check_vectors(p)
    for b in bad:
        print("FAIL", b)
    print("model vs vectors: %s" % ("OK" if not bad else "%d disagreements" % len(bad)))
    sys.exit(1 if bad else 0)
