#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
Seed corpora of the fuzz targets, deterministic:
  corpus/frame/  tests/pcap/fixture.pcap in runs of consecutive frames (so
                 fragment sequences stay together), plus the malformed-frame
                 corpus of tests/malformed, tests/pcap/multi.pcap with the
                 runtime VIP toggled, and frames on both sides of each of
                 the data path's fast-path tests, in the fuzz_frame record
                 format
  corpus/conf/   valid and invalid command lines and config files
  corpus/cover/  fuzz_cover scripts: announcements (built here from the
                 layout of docs/design.md, signed or not), clock ticks,
                 state changes, broken frames
  corpus/move/   fuzz_move scripts: whole moves (drain on A, fill on B in
                 the same moment, handshakes, data, FIN/RST, UDP, ICMP
                 references, time steps to the drain's end), SYN floods
                 on small tables, inet_diag answers, raw frames
  corpus/vnet/   virtio_net_hdr + frame inputs of fuzz_vnet: TSO
                 super-frames, partial checksums, GRO candidates, lies
Run: /usr/bin/python3 tests/fuzz/gen_corpus.py [frame] [conf] [cover] [move] [vnet]
     (rewrites the seed-* files of the dirs named, all by default)
"""
import hashlib
import hmac
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(HERE, "..", "pcap"))
sys.path.insert(0, os.path.join(HERE, "..", "malformed"))
import model  # noqa: E402


def record(fr, flags=0):
    fr = fr[:0xFFFF]
    return struct.pack("!BH", flags, len(fr)) + fr


def frame_seeds():
    frames = model.read_pcap(os.path.join(HERE, "..", "pcap", "fixture.pcap"))
    seeds = []
    run = 16
    for k, i in enumerate(range(0, len(frames), run)):
        # byte 0: hash mode, nft, poison; 1: N-1; 2: ownership mask seed
        hdr = bytes([k % 16, (k % 4) + 1, (0x55, 0x01, 0xFF, 0x02)[k % 4]])
        body = b""
        for j, fr in enumerate(frames[i:i + run]):
            fl = 0
            if j % 5 == 4:
                fl |= 2          # end of burst
            if k % 3 == 1 and j == 8:
                fl |= 0x60       # 60 ms: beyond the 50 ms fragment timeout
            if k % 7 == 3 and j % 4 == 1:
                fl |= 4          # two segments
            body += record(fr, fl)
        seeds.append(hdr + body)
    try:
        import gen_malformed
        groups = gen_malformed.groups()
    except ImportError:
        groups = []
    for k, (name, frs) in enumerate(groups):
        hdr = bytes([(k % 2) | 8, 2, 0x01])
        seeds.append(hdr + b"".join(record(f, 2 if j % 8 == 7 else 0)
                                    for j, f in enumerate(frs[:64])))
    # several VIPs: tests/pcap/multi.pcap in runs, the runtime VIP toggled
    # (flag bit 3) now and then, the second VIP's modes from byte 0
    multi = model.read_pcap(os.path.join(HERE, "..", "pcap", "multi.pcap"))
    for k, i in enumerate(range(0, len(multi), 24)):
        hdr = bytes([(k % 3) | ((k % 3) << 4) | (0x40 if k % 4 == 3 else 0),
                     (k % 4) + 1, (0x55, 0x0f, 0xff, 0x03)[k % 4]])
        body = b""
        for j, fr in enumerate(multi[i:i + 24]):
            fl = 2 if j % 6 == 5 else 0
            if j in (3, 15) or (k % 5 == 2 and j == 9):
                fl |= 8          # the runtime VIP in or out
            if k % 4 == 1 and j == 12:
                fl |= 0x60       # past the fragment timeout
            body += record(fr, fl)
        seeds.append(hdr + body)
    # the fast path's edges (issue 18): frames on both sides of each of
    # its tests, whole and in two segments
    for k, fl in enumerate((0, 4, 2, 6)):
        hdr = bytes([k | (k << 4), (k % 3) + 2, (0x55, 0x01, 0xFF, 0x02)[k]])
        seeds.append(hdr + b"".join(record(f, fl) for f in fast_edges()))
    return seeds


def fast_edges():
    """Frames around each test of the data path's fast path."""
    import gen_malformed as g
    vip2 = model.ip2int("10.20.30.40")
    c = g.client(7)
    out = []
    for proto, l4 in ((6, g.tcp(40000, 80)), (17, g.udp(53, 5353))):
        ok = g.ipv4(c, g.VIP, proto, l4)
        out.append(g.eth(g.CMAC, 0x0800) + ok)                 # taken
        out.append(g.eth(g.CMAC, 0x0800) +
                   g.ipv4(c, g.VIP, proto, l4, flags_off=0x4000))  # DF
        out.append(g.eth(g.CMAC, 0x0800) +
                   g.ipv4(c, g.VIP, proto, l4, flags_off=0x2000))  # MF
        out.append(g.eth(g.CMAC, 0x0800) +
                   g.ipv4(c, g.VIP, proto, l4, flags_off=0x0003))  # offset
        out.append(g.eth(g.CMAC, 0x0800) +
                   g.ipv4(c, g.VIP, proto, l4, ihl=6, opts=b"\1\1\1\0"))
        out.append(g.eth(g.CMAC, 0x0800, ((0x8100, 10),)) + ok)  # VLAN
        out.append(g.eth(g.CMAC, 0x0800) + g.ipv4(c, vip2, proto, l4))
        out.append(g.eth(g.CMAC, 0x0800) +
                   g.ipv4(c, model.ip2int("192.168.100.99"), proto, l4))
        for tot in (23, 24, 25, 20 + len(l4), 21 + len(l4)):
            fr = g.eth(g.CMAC, 0x0800) + g.ipv4(c, g.VIP, proto, l4, tot=tot)
            out.append(fr)
            out.append(fr + b"\0" * max(0, 60 - len(fr)))    # padded
        fr = g.eth(g.CMAC, 0x0800) + ok
        out.append(fr[:37])
        out.append(fr[:38])
    out.append(g.eth(g.CMAC, 0x0800) +
               g.ipv4(c, g.VIP, 132, struct.pack("!HHII", 5000, 80, 0, 0)))
    return out


CONF_ARGS = [
    "--vip\n192.168.100.100/24\n--node\n1/3",
    "--vip=10.0.0.1\n--node=1,3/3\n--hashmode\nsourceip\n--hash-init\n0x1234abcd",
    "--vip\n10.0.0.1/8\n--node\n1-2/4\n--node\n4/4\n--hash-compat\nnft\n--mac\n01:00:5e:00:00:01",
    "--vip\n10.0.0.1\n--node\n64/64\n--host\ntap:vs1\n--port\n0\n--garp\n0\n--replay",
    "--vip\n10.0.0.1\n--node\n1/2\n--host\nvirtio-user:/dev/vhost-net\n--frag-max\n65536\n"
    "--frag-timeout\n60000\n--burst\n64\n--idle-sleep\n100\n--stats-interval\n1",
    "--vip\n10.0.0.1\n--node\n1/2\n--host\nport:1\n--bench\n--bench-seconds\n1\n--bench-size\nimix\n--no-host-addr",
    "--config\nX\n--node\n2/3",
    "--config=X\n--vip\n1.2.3.4",
    "--vip\n10.0.0.1\n--node\n0/3",
    "--vip\n10.0.0.1\n--node\n4/3",
    "--vip\n10.0.0.1\n--node\n1/65",
    "--vip\n10.0.0.1\n--node\n1/2\n--node\n1/3",
    "--bogus",
    "--vip\n10.0.0.1\n--node\n1/3\n--igmp\nreport,mrd\n--igmp-interval\n20",
]
CONF_FILES = [
    open(os.path.join(HERE, "..", "..", "config", "vipshare.conf.example")).read(),
    "vip = 10.0.0.1\nnode = 2/3\nreplay\nbench = yes\n",
    "vip=10.0.0.1/32 # comment\n\tnode\t=\t1,2/2\r\nhashmode = sourceip\n",
    "frag-max = 0\n",
    "unknown = 1\n",
    "x" * 600 + "\n",
]


# several VIPs: command lines (the file part is then a runtime "vip add"'s
# words too) and files with [vip] sections
CONF_MULTI = [
    ("--hashmode\nsourceip\n--vip\n192.168.100.100/24\n--node\n1/3\n--vip\n"
     "192.168.100.101/24\n--node\n2/2\n--hashmode\nsourceip-sourceport\n--mac\n"
     "01:00:5e:00:00:65",
     "192.168.100.102/24 --node 1/3 --hashmode sourceip-sourceport-destport --garp 0"),
    ("--node\n1/3\n--vip\n10.0.0.1\n--vip\n11.128.0.1",
     "10.0.0.2 --node=2/3 --hash-compat nft --hash-init 0x10"),
    ("--node\n1/3\n--vip\n10.0.0.1\n--vip\n10.0.0.1/32", "10.0.0.1 --port 0"),
    ("--config\nX\n--vip\n10.9.9.9\n--node\n1/1",
     "hashmode = sourceip\nnode = 1/3\nvip = 192.168.100.100/24\n"
     "[vip 192.168.100.101/24]\nnode = 2/2\nmac = 01:00:5e:00:00:65\n"
     "[vip 10.1.2.3]\nhash-init = 7\n"),
    ("--config\nX", "node = 1/3\n[vip 10.0.0.1]\nport = 0\n"),
    ("--config\nX", "node = 1/3\n[vip 10.0.0.1\n"),
    ("--bench\n--bench-vips\n64\n--vip\n10.0.0.1\n--node\n1/2", "10.0.0.9 --node 1/2"),
]


def conf_seeds():
    out = []
    for i, a in enumerate(CONF_ARGS):
        out.append(a.encode() + b"\0" + CONF_FILES[i % len(CONF_FILES)].encode())
    for f in CONF_FILES:
        out.append(b"--config\nX\0" + f.encode())
    for a, f in CONF_MULTI:
        out.append(a.encode() + b"\0" + f.encode())
    return out


# fuzz_cover: the monitor is 02:00:00:00:00:01 for VIP 192.168.100.100,
# cluster MAC 01:00:5e:28:64:64, sourceip-sourceport, seed 0, N from byte 0
COVER_KEY = b"fuzz-cluster-key-0123456789"
COVER_VIP = bytes([192, 168, 100, 100])
COVER_MAC = bytes([0x01, 0x00, 0x5e, 0x28, 0x64, 0x64])


def cover_digest(n, mode=1, compat=0, seed=0):
    rec = (b"VSD1" + COVER_VIP +
           struct.pack(">HBBI", n, 0 if compat == 1 else mode, compat, seed) +
           COVER_MAC)
    return hashlib.sha256(rec).digest()[:8]


def cover_frame(n, ident, inc, seq, owned=0, draining=0, filling=0,
                counts=None, key=None, interval=200, period=200, tags=0,
                digest=None):
    counts = counts or [0] * n
    plen = 76 + 4 * n + (32 if key else 0)
    pay = (struct.pack(">HBBHBB", 0x5653, 1, 1 if key else 0, plen, n, 0) +
           COVER_VIP + struct.pack(">I", interval) +
           (digest or cover_digest(n)) + bytes([2, 0, 0, 0, 0, ident]) +
           b"\0\0" + struct.pack(">QQQQQI", inc, seq, owned, draining,
                                  filling, period) +
           b"".join(struct.pack(">I", c & 0xffffffff) for c in counts))
    if key:
        pay += hmac.new(key, b"\x88\xb5" + pay, hashlib.sha256).digest()
    eth = COVER_MAC + bytes([2, 0, 0, 0, 0, ident])
    for t in range(tags):
        eth += struct.pack(">HH", 0x8100, 10 + t)
    return eth + b"\x88\xb5" + pay


def op_frame(fr):
    return b"\x00" + struct.pack(">H", len(fr)) + fr


def op_tick(dt, frames=4, double=False):
    return bytes([2 | (frames & 0x1f) << 2 | (0x80 if double else 0)]) + \
        struct.pack(">H", dt)


def op_state(o, d=0, f=0):
    return b"\x03" + struct.pack(">QQQ", o, d, f)


def cover_seeds():
    seeds = []
    for keyed in (0, 1):
        key = COVER_KEY if keyed else None
        for n in (1, 3, 4, 64):
            cfg = bytes([keyed | (n - 1) << 2])
            body = op_tick(0)
            # peers 2..4 (as many as numbers) each own one number;
            # with n = 3: 1/3, 2/3, 2/3 then fixed
            for r in range(12):
                for p in range(2, min(n, 3) + 2):
                    own = 1 << ((p - 1) % n)
                    if n == 3 and p == 3 and r < 6:
                        own = 2
                    acc = [(r * 1000 * (i + 1)) if own >> i & 1 else 0
                           for i in range(n)]
                    body += op_frame(cover_frame(
                        n, p, 0x100 + p, 1000 + r, owned=own,
                        counts=acc, key=key, tags=r % 3))
                body += op_tick(200 + r % 7, frames=r + 3, double=r > 8)
            body += op_state((1 << n) - 2 if n > 1 else 1)
            body += op_tick(200) + op_tick(700) + op_tick(2000)
            seeds.append(cfg + body)
    # replays, a restart, draining/filling, mismatched settings
    cfg = bytes([0 | 2 << 2])
    body = op_tick(0)
    body += op_frame(cover_frame(3, 2, 7, 50, owned=2))
    body += op_frame(cover_frame(3, 2, 7, 50, owned=2))
    body += op_frame(cover_frame(3, 2, 8, 10, owned=4))
    body += op_frame(cover_frame(3, 2, 9, 99999, draining=2))
    body += op_frame(cover_frame(3, 3, 5, 1, filling=2))
    body += op_frame(cover_frame(3, 4, 5, 1, owned=7, digest=cover_digest(3, seed=7)))
    body += op_frame(cover_frame(4, 5, 5, 1, owned=8))
    body += op_frame(cover_frame(3, 1, 0x1001, 1))
    body += op_tick(200) + op_tick(650) + op_tick(10)
    seeds.append(cfg + body)
    # broken frames: every truncation of a valid signed one, bad fields
    fr = cover_frame(3, 2, 7, 50, owned=2, key=COVER_KEY)
    body = op_tick(0)
    for cut in (0, 13, 14, 15, 16, 17, 20, 89, len(fr) - 1):
        body += op_frame(fr[:cut])
    for off, val in ((14, 0x57), (16, 2), (18, 0), (20, 0), (20, 65),
                     (17, 3), (21, 1), (29, 1), (81, 0xff), (13, 0xb6)):
        b = bytearray(fr)
        b[off] = val
        body += op_frame(bytes(b))
    seeds.append(bytes([1 | 2 << 2]) + body)
    # scripted announcements (op 1), all key selectors
    body = op_tick(0)
    for sel in range(4):
        body += bytes([1 | sel << 2]) + bytes([2, 3, 1]) + \
            struct.pack(">HH", 5, 150) + struct.pack(">QQQ", 2, 4, 0) + \
            struct.pack(">H", 200) + bytes([9, 8, 7])
        body += op_tick(200)
    seeds.append(bytes([1 | 2 << 2]) + body)
    seeds.append(bytes([0 | 2 << 2]) + body)
    return seeds


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def tcp4(plen, flags=0x10, seq=1000, full=True, tags=0, proto=6):
    """Ethernet (tags) + IPv4 + TCP (or UDP) with plen payload bytes."""
    l4h = 20 if proto == 6 else 8
    eth = bytes.fromhex("020000000002" "020000000001")
    eth += b"\x81\x00\x00\x64" * tags + b"\x08\x00"
    tot = 20 + l4h + plen
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, tot, 7, 0x4000, 64, proto, 0,
                     bytes([198, 51, 100, 7]), bytes([192, 168, 100, 100]))
    ip = ip[:10] + struct.pack("!H", 0xFFFF - csum(ip)) + ip[12:]
    pay = bytes((i * 7 + 1) & 0xFF for i in range(plen))
    if proto == 6:
        l4 = struct.pack("!HHIIBBHHH", 40000, 80, seq, 1, 0x50, flags, 512, 0, 0)
        off = 16
    else:
        l4 = struct.pack("!HHHH", 40000, 53, 8 + plen, 0)
        off = 6
    ph = ip[12:20] + struct.pack("!BBH", 0, proto, l4h + plen)
    if full:
        c = 0xFFFF - csum(ph + l4 + pay)
    else:
        c = csum(ph)
    l4 = l4[:off] + struct.pack("!H", c or 0xFFFF) + l4[off + 2:]
    return eth + ip + l4 + pay


def vnet_in(fr, flags=0, gso=0, hlen=0, gsz=0, cs=0, co=0, ol=0, head=0,
            extra=0):
    return (bytes([ol, head]) + struct.pack("!H", extra) +
            struct.pack("=BBHHHH", flags, gso, hlen, gsz, cs, co) + fr)


def vnet_seeds():
    s = []
    big = tcp4(6000, full=False)
    s.append(vnet_in(big, 1, 1, 54, 1448, 34, 16))          # TSO
    s.append(vnet_in(big, 1, 0x81, 54, 1448, 34, 16))       # TSO + ECN
    s.append(vnet_in(tcp4(3000, full=False, tags=1), 1, 1, 58, 1000, 38, 16))
    s.append(vnet_in(big[:200], 1, 1, 54, 1448, 34, 16, head=60,
                     extra=65535 - 186))                    # 64 KB claimed
    s.append(vnet_in(big[:200], 1, 1, 54, 1448, 34, 16, head=60,
                     extra=65535))                          # too long
    s.append(vnet_in(tcp4(100, 0x18, full=False), 1, 0, 0, 0, 34, 16))
    s.append(vnet_in(tcp4(100, full=False, proto=17), 1, 0, 0, 0, 34, 6))
    s.append(vnet_in(tcp4(100, full=True), 2))              # DATA_VALID
    s.append(vnet_in(tcp4(100), 0))
    s.append(vnet_in(big, 1, 4, 54, 1448, 34, 16))          # TCPv6: no
    s.append(vnet_in(big, 1, 1, 54, 0, 34, 16))             # gso_size 0
    s.append(vnet_in(big, 0, 1, 54, 1448, 34, 16))          # no NEEDS_CSUM
    s.append(vnet_in(big, 1, 1, 9999, 1448, 34, 16))        # hdr_len
    s.append(vnet_in(big, 1, 1, 54, 1448, 33, 16))          # csum_start
    s.append(vnet_in(big, 7, 1, 54, 1448, 34, 16))          # flags
    # GRO candidates: complete, partial, NIC-verified, corrupted
    for ol in (0, 1, 3, 4):
        s.append(vnet_in(tcp4(1448, full=True), ol=ol))
    s.append(vnet_in(tcp4(1448, full=False), ol=0))
    bad = bytearray(tcp4(1448, full=True))
    bad[100] ^= 1
    s.append(vnet_in(bytes(bad), ol=0))
    s.append(vnet_in(tcp4(1, full=True) + b"\xee" * 5, ol=0))  # padding
    return s


# fuzz_move: the flows of number k (N numbers, sourceip-sourceport, seed
# 0) among the fuzzer's pools: address 198.51.0.a, port 1000 + p (the key
# holds the port as the raw word the fuzzer writes).
def move_flows(n, k, count):
    out = []
    for a in range(256):
        for p in range(256):
            if model.node_of(model.jhash_2words(0xC6330000 + a, 1000 + p,
                                                0), n) == k:
                out.append((a, p))
                if len(out) == count:
                    return out
    return out


MV_SYN, MV_ACK, MV_FIN, MV_RST = 0x02, 0x10, 0x01, 0x04


def mv_kf(kind, flags):
    """the fuzzer's kind/flags byte: kind = b % 3, flags = b >> 2 & 0x3f"""
    for b in range(256):
        if b % 3 == kind and (b >> 2) & 0x3F == flags:
            return b
    raise ValueError((kind, flags))


def mv_frame(flow, kind=1, flags=MV_ACK, lost_a=0, lost_b=0):
    return bytes([0 | lost_a << 3 | lost_b << 4, flow[0], flow[1],
                  mv_kf(kind, flags)])


def mv_tick(dt, diag=0, sweep=4):
    return bytes([1 | sweep << 3, diag]) + struct.pack(">H", dt)


def mv_cmd(node, cmd, k, tmo=0):
    """node 0 = A, 1 = B; cmd 0 drain, 1 add, 2 del"""
    return bytes([(2 + node) | cmd << 3, k - 1, tmo])


def diag_msg(seq, family, state, lport, pport, local, peer):
    if family == 2:
        src = struct.pack(">I", local) + bytes(12)
        dst = struct.pack(">I", peer) + bytes(12)
    else:
        src = bytes(10) + b"\xff\xff" + struct.pack(">I", local)
        dst = bytes(10) + b"\xff\xff" + struct.pack(">I", peer)
    body = bytes([family, state, 0, 0]) + struct.pack(">HH", lport, pport)
    body += src + dst + struct.pack("<IIIIIIII", 0, 1, 2, 0, 0, 0, 0, 42)
    return struct.pack("<IHHII", 16 + len(body), 20, 2, seq, 0) + body


def move_seeds():
    seeds = []
    vip = 0xC0A86464
    for n, cap16, end in ((3, 0, 3), (3, 1, 0), (2, 0, 1), (5, 0, 2)):
        k = 2
        hdr = bytes([(n - 1) | cap16 << 3 | end << 4])
        flows = move_flows(n, k, 24)
        body = mv_tick(100)
        # old flows talk before the move
        for f in flows[:6]:
            body += mv_frame(f)
        # the move: A drains, B fills, at the same moment
        body += mv_cmd(0, 0, k, 50) + mv_cmd(1, 1, k)
        for f in flows[:6]:
            body += mv_frame(f)
        for i, f in enumerate(flows[6:18]):
            body += mv_frame(f, flags=MV_SYN)
            body += mv_frame(f, flags=MV_ACK)
            body += mv_frame(f, kind=2)
            if i % 3 == 0:
                body += mv_frame(f, flags=MV_FIN | MV_ACK)
            if i % 4 == 1:
                body += mv_frame(f, flags=MV_RST)
            if i % 5 == 2:
                body += mv_frame(f, flags=MV_SYN, lost_b=1)
            body += mv_frame(f, kind=0)
        body += mv_tick(600, diag=0) + mv_tick(600, diag=0)
        for f in flows[:18]:
            body += mv_frame(f)
        body += mv_tick(2000, diag=0) + mv_tick(6000, diag=0xff)
        body += mv_cmd(1, 0, k, 10) + mv_cmd(0, 1, k)
        body += mv_tick(700) + mv_cmd(0, 2, k) + mv_tick(300)
        seeds.append(hdr + body)
    # a SYN flood on 16-entry tables, established flows among it
    hdr = bytes([2 | 1 << 3])
    flows = move_flows(3, 2, 120)
    body = mv_cmd(0, 0, 2) + mv_cmd(1, 1, 2)
    for f in flows[:6]:
        body += mv_frame(f, flags=MV_SYN) + mv_frame(f, flags=MV_ACK)
    for f in flows[6:]:
        body += mv_frame(f, flags=MV_SYN)
    for f in flows[:6]:
        body += mv_frame(f)
    body += mv_tick(4000) + mv_tick(30000)
    seeds.append(hdr + body)
    # pending adds, refusals, every command on every state
    hdr = bytes([3])
    body = b""
    for k in (1, 2, 3, 4):
        for node in (0, 1):
            for cmd in (0, 1, 2, 0, 1):
                body += mv_cmd(node, cmd, k, k * 7)
        body += mv_tick(250, diag=k)
    seeds.append(hdr + body)
    # inet_diag answers: whole, cut, other sequence, errors
    m = b"".join(diag_msg(5, fam, st, 443, 40000 + st, vip, 0xC6336407)
                 for fam in (2, 10) for st in (1, 6, 8, 10))
    done = struct.pack("<IHHIIi", 20, 3, 2, 5, 0, 0)
    err = struct.pack("<IHHIIi", 36, 2, 0, 5, 0, -1) + bytes(16)
    for blob in (m + done, m[:100], err, diag_msg(6, 2, 1, 1, 2, vip, 9)):
        seeds.append(bytes([2]) + bytes([4 | 5 << 3]) +
                     struct.pack(">H", len(blob)) + blob)
    # raw frames through the parser and the move's view
    tcp = (b"\x01\x00\x5e\x28\x64\x64" + b"\x02\xaa\xbb\xcc\xdd\xee" +
           b"\x08\x00" + bytes([0x45, 0, 0, 40, 0, 1, 0, 0, 64, 6, 0, 0]) +
           struct.pack(">II", 0xC6336407, vip) +
           struct.pack(">HHIIBBHHH", 40000, 443, 1, 0, 0x50, 0x02, 1000,
                       0, 0))
    icmp = (tcp[:14] + bytes([0x45, 0, 0, 56, 0, 1, 0, 0, 64, 1, 0, 0]) +
            struct.pack(">II", 0x0A141E28, vip) +
            bytes([3, 4, 0, 0, 0, 0, 5, 0xdc]) +
            bytes([0x45, 0, 5, 0xdc, 0, 1, 0x40, 0, 64, 6, 0, 0]) +
            struct.pack(">II", vip, 0xC6336407) +
            struct.pack(">HHI", 443, 40000, 0))
    body = b""
    for fr in (tcp, tcp[:50], icmp, icmp[:60]):
        body += bytes([5]) + struct.pack(">H", len(fr)) + fr
    body += bytes([6]) + struct.pack(">I", vip) + bytes([6 | 8]) + \
        struct.pack(">I", vip) + bytes([6 | 0x10, 0, 0, 0, 0]) + \
        bytes([6 | 0x20, 1, 2, 3, 4])
    seeds.append(bytes([2]) + body)
    return seeds


def write(dirname, seeds):
    d = os.path.join(HERE, "corpus", dirname)
    os.makedirs(d, exist_ok=True)
    # only our own seeds are rewritten: crash-* and the inputs merged in
    # from long fuzzing runs stay
    for f in os.listdir(d):
        if f.startswith("seed-"):
            os.unlink(os.path.join(d, f))
    for i, s in enumerate(seeds):
        with open(os.path.join(d, "seed-%04d" % i), "wb") as f:
            f.write(s)
    print("%s: %d seeds" % (d, len(seeds)))


if __name__ == "__main__":
    which = sys.argv[1:] or ["frame", "conf", "cover", "move", "vnet"]
    if "frame" in which:
        write("frame", frame_seeds())
    if "conf" in which:
        write("conf", conf_seeds())
    if "cover" in which:
        write("cover", cover_seeds())
    if "move" in which:
        write("move", move_seeds())
    if "vnet" in which:
        write("vnet", vnet_seeds())
