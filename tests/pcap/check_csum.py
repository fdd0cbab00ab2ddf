#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Partial TCP/UDP checksums are completed before frames reach the host.

veth and Linux bridges hand over frames whose L4 checksum field holds only
the pseudo-header sum (CHECKSUM_PARTIAL); af_packet/af_xdp pass them on as
they are and the host kernel would drop them. Replays such frames (and, as
controls, frames with a full checksum, a wrong one, and UDP without a
checksum) through node 1 of 1 and checks, with scapy recomputing every
checksum independently, what reaches the host.
"""
import argparse
import json
import os
import shutil
import struct
import subprocess
import sys

from scapy.all import IP, TCP, UDP, Ether, Raw, rdpcap, wrpcap

VIP = "192.168.100.100"
CMAC = "01:00:5e:28:64:64"


def fold(s):
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def pseudo_sum(ip_src, ip_dst, proto, l4len):
    """The non-complemented pseudo-header sum, as Linux leaves it."""
    b = (bytes(map(int, ip_src.split("."))) + bytes(map(int, ip_dst.split("."))) +
         struct.pack("!BBH", 0, proto, l4len))
    return fold(sum(struct.unpack("!6H", b)))


def frame(l4, src, sport, csum_kind):
    """csum_kind: partial | full | bad | none (UDP only)."""
    pkt = Ether(dst=CMAC, src="02:00:00:00:00:01") / IP(src=src, dst=VIP)
    if l4 == "tcp":
        pkt = pkt / TCP(sport=sport, dport=80, flags="PA", seq=1000) / Raw(b"x" * 100)
        off = 16
    else:
        pkt = pkt / UDP(sport=sport, dport=53) / Raw(b"y" * 60)
        off = 6
    raw = bytearray(bytes(pkt))  # scapy filled in full checksums
    l4start = 14 + 20
    l4len = len(raw) - l4start
    if csum_kind == "partial":
        v = pseudo_sum(src, VIP, 6 if l4 == "tcp" else 17, l4len)
        raw[l4start + off:l4start + off + 2] = struct.pack("!H", v)
    elif csum_kind == "bad":
        raw[l4start + off] ^= 0x5a
    elif csum_kind == "none":
        raw[l4start + off:l4start + off + 2] = b"\0\0"
    return Ether(bytes(raw))


def l4_ok(pkt):
    """Recompute with scapy: delete the field, rebuild, compare."""
    ip = pkt[IP]
    layer = TCP if TCP in pkt else UDP
    got = pkt[layer].chksum
    if layer is UDP and got == 0:
        return "none"
    fresh = IP(bytes(ip))
    del fresh[layer].chksum
    want = IP(bytes(fresh))[layer].chksum
    return "ok" if got == want else "bad"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--workdir", required=True)
    a = ap.parse_args()
    os.makedirs(a.workdir, exist_ok=True)
    binary = os.path.join(a.build, "app", "dpdk-vipshare")

    cases = []  # (frame, expected host checksum state)
    port = 20000
    for l4 in ("tcp", "udp"):
        for kind, want in (("partial", "ok"), ("full", "ok"), ("bad", "bad")):
            for i in range(5):
                port += 1
                cases.append((frame(l4, "10.7.%d.%d" % (i, port % 250 + 1), port, kind),
                              want, l4, kind))
    for i in range(3):
        port += 1
        cases.append((frame("udp", "10.8.0.%d" % (i + 1), port, "none"), "none",
                      "udp", "none"))
    inp = os.path.join(a.workdir, "in.pcap")
    wire = os.path.join(a.workdir, "wire.pcap")
    host = os.path.join(a.workdir, "host.pcap")
    wrpcap(inp, [c[0] for c in cases])
    prefix = "vs-csum-%d" % os.getpid()
    cmd = [binary, "-l", "0", "--no-huge", "-m", "256", "--no-pci",
           "--file-prefix", prefix, "--log-level", "notice",
           "--vdev", "net_pcap0,rx_pcap=%s,tx_pcap=%s" % (inp, wire),
           "--vdev", "net_pcap1,tx_pcap=%s" % host,
           "--", "--vip", VIP + "/24", "--node", "1/1", "--replay",
           "--garp", "0", "--igmp", "off"]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    finally:
        shutil.rmtree("/var/run/dpdk/" + prefix, ignore_errors=True)
    if p.returncode != 0:
        sys.exit("FAIL: exit %d: %s" % (p.returncode, p.stderr[-2000:]))
    stats = json.loads(p.stdout.strip().splitlines()[-1])
    out = rdpcap(host)
    if len(out) != len(cases):
        sys.exit("FAIL: %d frames reached the host, %d sent" % (len(out), len(cases)))
    fails = []
    for (sent, want, l4, kind), got in zip(cases, out):
        state = l4_ok(got)
        if state != want:
            fails.append("%s %s sport %d: host checksum %s, want %s" % (
                l4, kind, sent[IP].payload.sport, state, want))
        # nothing but the checksum (and the destination MAC) may change
        a_ = bytearray(bytes(sent)[14:])
        b_ = bytearray(bytes(got)[14:])
        off = 20 + (16 if l4 == "tcp" else 6)
        a_[off:off + 2] = b_[off:off + 2] = b"\0\0"
        if a_ != b_:
            fails.append("%s %s: payload changed" % (l4, kind))
    partial = sum(1 for c in cases if c[3] == "partial")
    if stats["csum_fixed"] != partial:
        fails.append("csum_fixed %d, want %d" % (stats["csum_fixed"], partial))
    if fails:
        sys.exit("FAIL: " + "\nFAIL: ".join(fails))
    print("csum: %d partial checksums completed; full, bad and absent ones untouched"
          % partial)


if __name__ == "__main__":
    main()
