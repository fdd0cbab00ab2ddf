#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""IGMP keep-alive frames on the wire output of an offline replay.

dpdk-vipshare keeps snooping switches flooding the cluster MAC with IGMPv2
reports for the group mapped to it (sent at start and in answer to a query)
and RFC 4286 Multicast Router Discovery advertisements. Replays a capture
holding one IGMP query with each --igmp setting and checks, with scapy as
the independent decoder, what reaches the wire: exact fields and checksums.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

from scapy.all import ARP, IP, TCP, Ether, rdpcap, wrpcap  # noqa: E402
from scapy.contrib.igmp import IGMP  # noqa: E402

VIP = "192.168.100.100"
CMAC = "01:00:5e:28:64:64"
GROUP = "239.40.100.100"  # 239 + low 23 bits of the cluster MAC


def frames():
    out = []
    for i in range(20):
        out.append(Ether(dst=CMAC, src="02:00:00:00:01:01") /
                   IP(src="10.1.0.%d" % (i + 1), dst=VIP) /
                   TCP(sport=40000 + i, dport=80, flags="S"))
    # a general query from a querier on the segment
    out.append(Ether(dst="01:00:5e:00:00:01", src="02:00:00:00:09:09") /
               IP(src="192.168.100.250", dst="224.0.0.1", ttl=1,
                  options=[b"\x94\x04\x00\x00"]) /
               IGMP(type=0x11, mrcode=100, gaddr="0.0.0.0"))
    return out


def run(binary, work, igmp, n, extra=()):
    inp = os.path.join(work, "in.pcap")
    wire = os.path.join(work, "wire-%d.pcap" % n)
    host = os.path.join(work, "host-%d.pcap" % n)
    prefix = "vs-igmp-%d-%d" % (os.getpid(), n)
    cmd = [binary, "-l", "0", "--no-huge", "-m", "256", "--no-pci",
           "--file-prefix", prefix, "--log-level", "notice",
           "--vdev", "net_pcap0,rx_pcap=%s,tx_pcap=%s" % (inp, wire),
           "--vdev", "net_pcap1,tx_pcap=%s" % host,
           "--", "--vip", VIP + "/24", "--node", "1/3", "--replay",
           "--garp", "0", "--igmp", igmp] + list(extra)
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    finally:
        shutil.rmtree("/var/run/dpdk/" + prefix, ignore_errors=True)
    if p.returncode != 0:
        sys.exit("FAIL: --igmp %s exited %d: %s" % (igmp, p.returncode,
                                                   p.stderr[-2000:]))
    stats = json.loads(p.stdout.strip().splitlines()[-1])
    run.stderr = p.stderr
    return stats, rdpcap(wire)


def router_alert(ip):
    return any(bytes(o)[:2] == b"\x94\x04" for o in ip.options)


def csum_ok(data):
    """RFC 1071: the one's-complement sum over data, checksum included."""
    if len(data) % 2:
        data += b"\0"
    s = sum(int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data), 2))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s == 0xffff


def checked(pkt, what):
    """Fields every keep-alive frame shares; checksums recomputed by scapy."""
    errs = []
    ip = pkt[IP]
    if pkt[Ether].src == CMAC or int(pkt[Ether].src.split(":")[0], 16) & 1:
        errs.append("multicast Ethernet source")
    if ip.src != VIP or ip.ttl != 1 or not router_alert(ip):
        errs.append("src/ttl/router alert: %s %d %s" % (ip.src, ip.ttl,
                                                       ip.options))
    raw_ip = bytes(ip)
    if not csum_ok(raw_ip[:ip.ihl * 4]):
        errs.append("IP checksum")
    payload = raw_ip[ip.ihl * 4:ip.len]
    if not csum_ok(payload):
        errs.append("IGMP checksum")
    if errs:
        sys.exit("FAIL: %s frame: %s" % (what, "; ".join(errs)))
    return payload


def classify(wire):
    reports, mrds, other = [], [], []
    for pkt in wire:
        if IP in pkt and pkt[IP].proto == 2:
            payload = bytes(pkt[IP])[pkt[IP].ihl * 4:pkt[IP].len]
            if payload[0] == 0x16:
                reports.append(pkt)
            elif payload[0] == 0x30:
                mrds.append(pkt)
            else:
                other.append(pkt)
        elif not (ARP in pkt):
            other.append(pkt)
    return reports, mrds, other


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--workdir", required=True)
    a = ap.parse_args()
    binary = os.path.join(a.build, "app", "dpdk-vipshare")
    os.makedirs(a.workdir, exist_ok=True)
    wrpcap(os.path.join(a.workdir, "in.pcap"), frames())

    # default: report + mrd
    stats, wire = run(binary, a.workdir, "report,mrd", 0)
    reports, mrds, other = classify(wire)
    if other:
        sys.exit("FAIL: unexpected frames on the wire: %r" % other[:3])
    # one at start, one answering the query
    if len(reports) != 2 or len(mrds) != 1:
        sys.exit("FAIL: expected 2 reports and 1 MRD advertisement, got "
                 "%d and %d" % (len(reports), len(mrds)))
    for r in reports:
        pl = checked(r, "report")
        if r[Ether].dst != CMAC or r[IP].dst != GROUP or \
           bytes(pl[4:8]) != bytes(map(int, GROUP.split("."))):
            sys.exit("FAIL: report addressed %s/%s group %s" % (
                r[Ether].dst, r[IP].dst, pl[4:8].hex()))
    for m in mrds:
        pl = checked(m, "MRD")
        if m[Ether].dst != "01:00:5e:00:00:6a" or m[IP].dst != "224.0.0.106" \
           or pl[1] != 20 or pl[4:8] != b"\x00\x7d\x00\x02":
            sys.exit("FAIL: MRD advertisement fields %s" % pl.hex())
    if stats["igmp_sent"] != 3 or stats["igmp_queries"] != 1:
        sys.exit("FAIL: igmp_sent %d igmp_queries %d" % (
            stats["igmp_sent"], stats["igmp_queries"]))
    # the query itself still reaches the host (the kernel may want it)
    if stats["other_to_host"] != 1:
        sys.exit("FAIL: query not delivered to the host")

    stats, wire = run(binary, a.workdir, "mrd", 1)
    reports, mrds, other = classify(wire)
    if reports or len(mrds) != 1:
        sys.exit("FAIL: --igmp mrd sent %d reports, %d MRD" % (
            len(reports), len(mrds)))

    stats, wire = run(binary, a.workdir, "report", 2)
    reports, mrds, other = classify(wire)
    if len(reports) != 2 or mrds:
        sys.exit("FAIL: --igmp report sent %d reports, %d MRD" % (
            len(reports), len(mrds)))

    stats, wire = run(binary, a.workdir, "off", 3)
    reports, mrds, other = classify(wire)
    if reports or mrds or stats["igmp_sent"]:
        sys.exit("FAIL: --igmp off still sent IGMP")
    # A cluster MAC outside 01:00:5e:00:00:00-7f:ff:ff (IPaddr2's own, from
    # an md5) maps to no IPv4 group: no reports, MRD only, said at start.
    stats, wire = run(binary, a.workdir, "report,mrd", 4,
                      ["--mac", "a1:8f:2c:11:22:33"])
    reports, mrds, other = classify(wire)
    if reports or len(mrds) != 1 or stats["igmp_sent"] != 1 or \
            "maps to no IPv4 group: no IGMP reports" not in run.stderr:
        sys.exit("FAIL: MAC outside 01:00:5e: %d reports, %d MRD, igmp_sent "
                 "%d, stderr %r" % (len(reports), len(mrds),
                                    stats["igmp_sent"], run.stderr[-300:]))
    print("igmp: report,mrd / mrd / report / off / MAC outside 01:00:5e "
          "all as expected")


if __name__ == "__main__":
    main()
