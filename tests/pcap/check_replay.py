#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
pcap replay tests of dpdk-vipshare against the independent model (model.py).

  check_replay.py [common] selftest              model vs vectors, vs vipshare-which,
                                                 vs fixture labels; checker vs a
                                                 simulated binary (+ injected faults)
  check_replay.py [common] replay --nodes N --hashmode M [--hash-init X] [--queues Q]
  check_replay.py [common] garp
  check_replay.py [common] big [--frames 1000000] [--hashmode M]
  check_replay.py [common] ctl --op add|del
common: --build DIR (meson build dir, default: ../../build relative to here)
        --workdir DIR (scratch, default DIR/tests/pcap/work)

Exit code 0 = pass, 1 = failed assertions (each printed as 'FAIL: ...'),
A binary that is not built is a failure (exit 1): the suite never skips.
"""
import argparse
import json
import os
import random
import shutil
import struct
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, HERE)
import model  # noqa: E402
from model import (ARP, MALFORMED, OTHER, VIP, VIP_FRAG, VIP_ICMPERR,  # noqa: E402
                   classify, mac_str)

VIP_S = "192.168.100.100"
VIP_I = model.ip2int(VIP_S)
CMAC = model.cluster_mac(VIP_I)
BCAST = b"\xff" * 6
FIXTURE = os.path.join(HERE, "fixture.pcap")
LABELS = os.path.join(HERE, "fixture.json")
VECTORS = os.path.join(HERE, "..", "data", "clusterip.tsv")
SKIP = 1  # a missing binary is a failure: suites never skip

COUNTERS = ("rx", "arp_reply", "arp_to_host", "vip_owned", "vip_not_owned",
            "other_to_host", "malformed", "frag_held", "frag_reassembled",
            "frag_owned", "frag_not_owned", "frag_expired", "icmp_err_owned",
            "icmp_err_not_owned", "csum_fixed", "host_rx", "host_to_wire",
            "arp_rewritten", "garp_sent", "tx_wire_drop", "tx_host_drop")
SUM_KEYS = ("arp_reply", "arp_to_host", "vip_owned", "vip_not_owned",
            "other_to_host", "malformed", "frag_held")
# Parts and their sums (docs/design.md, Counters): every malformed frame
# has one reason, every transmit drop one cause.
MALFORMED_WHY = ("malformed_eth_truncated", "malformed_vlan_too_many",
                 "malformed_vlan_truncated", "malformed_arp_truncated",
                 "malformed_arp_not_ipv4", "malformed_ipv4_truncated",
                 "malformed_ipv4_version", "malformed_ipv4_ihl",
                 "malformed_ipv4_total_length", "malformed_l4_truncated",
                 "malformed_icmp_truncated", "malformed_icmp_quote_truncated",
                 "malformed_icmp_quote_bad", "malformed_frag_linearize")
PARTS = {"malformed": MALFORMED_WHY,
         "tx_wire_drop": ("tx_wire_full", "tx_wire_announce_fail"),
         "tx_host_drop": ("tx_host_full", "tx_host_refrag_fail")}
INFO = ("nodes", "total_nodes", "hashmode", "hash_init", "cluster_mac",
        "nic_mac", "host_mac", "mbuf_in_use_start", "mbuf_in_use_end")


class Fails:
    def __init__(self, limit=40):
        self.msgs = []
        self.limit = limit
        self.count = 0

    def __call__(self, msg):
        self.count += 1
        if len(self.msgs) < self.limit:
            self.msgs.append(msg)

    def __bool__(self):
        return self.count > 0

    def dump(self, title):
        for m in self.msgs:
            print("FAIL: %s" % m)
        if self.count > len(self.msgs):
            print("FAIL: ... %d more failures not shown" % (self.count - len(self.msgs)))
        print("%s: %s" % (title, "PASS" if not self.count else "%d FAILURES" % self.count))
        sys.stdout.flush()


def flatten(js):
    """Accept flat or nested ({"counters": {...}, "info": {...}}) JSON.
    "vips" (per VIP: {address: {settings, counters}}) is kept as it is."""
    out = {}
    for k, v in js.items():
        if isinstance(v, dict) and k != "vips":
            out.update(flatten(v))
        else:
            out[k] = v
    return out


def fdesc(i, fr, lab=None):
    inf = classify(fr, VIP_I)
    s = "frame #%d%s len=%d cls=%s" % (i, " (%s)" % lab if lab else "", len(fr), inf.cls)
    if inf.ethertype == 0x0800 and inf.cls not in (MALFORMED,):
        s += " %s->%s id=%d proto=%d" % (model.int2ip(inf.src), model.int2ip(inf.dst),
                                          inf.ipid, inf.proto)
        if inf.cls in (VIP, VIP_ICMPERR):
            s += " key=(%s,%d,%d)" % (model.int2ip(inf.key[0]), inf.key[1], inf.key[2])
        if inf.cls == VIP_FRAG:
            s += " fragoff=%d mf=%d" % (inf.fragoff, inf.mf)
    return s


def norm(fr):
    """Identity of a frame regardless of its Ethernet destination and of
    Ethernet padding behind the IPv4 datagram."""
    inf = classify(fr, VIP_I)
    if inf.ethertype == 0x0800 and inf.cls != MALFORMED:
        return fr[6:inf.l2 + inf.tot]
    return fr[6:]


# ------------------------------------------------------------------ expected
class Expect:
    """What the fixture should produce, from the model."""

    def __init__(self, frames, mode, total, hash_init, labels=None):
        self.frames = frames
        self.labels = labels or [None] * len(frames)
        self.mode, self.total, self.hash_init = mode, total, hash_init
        self.exp = model.expectations(frames, VIP_I, mode, total, hash_init)
        self.reasm = mode != "sourceip"
        self.exact = []        # (idx, owner): VIP frames matched one to one
        self.dgrams = {}       # fid -> dict(owner, idxs, hdr, payload)
        self.arp_req = []      # idx of VIP ARP requests (answered)
        self.to_all = []       # idx of frames every node hands to the host
        self.malformed = []
        self.icmperr = []      # (idx, owner)
        fr_by_fid = defaultdict(list)
        for i, (inf, own) in enumerate(self.exp):
            if inf.cls == MALFORMED:
                self.malformed.append(i)
            elif inf.cls == OTHER:
                self.to_all.append(i)
            elif inf.cls == ARP:
                if inf.arp_op == 1 and inf.arp_tpa == VIP_I and inf.arp_spa != VIP_I:
                    self.arp_req.append(i)
                else:
                    self.to_all.append(i)
            elif inf.cls == VIP_FRAG and self.reasm:
                fr_by_fid[(inf.src, inf.dst, inf.ipid, inf.proto)].append(i)
            else:
                self.exact.append((i, own))
                if inf.cls == VIP_ICMPERR:
                    self.icmperr.append((i, own))
        for fid, idxs in fr_by_fid.items():
            parts = []
            for i in idxs:
                inf = self.exp[i][0]
                ip = frames[i][inf.l2:inf.l2 + inf.tot]
                parts.append((inf.fragoff, inf.mf, ip[inf.ihl:], ip[:inf.ihl]))
            r = model.reassemble(parts)
            assert r is not None, "fixture datagram %r incomplete" % (fid,)
            self.dgrams[fid] = dict(owner=self.exp[idxs[0]][1], idxs=idxs,
                                    hdr=r[0], payload=r[1])
        # datagram fragments in sourceip mode: grouped for the one-node check
        self.frag_groups = defaultdict(list)
        for i, (inf, own) in enumerate(self.exp):
            if inf.cls == VIP_FRAG:
                self.frag_groups[(inf.src, inf.dst, inf.ipid, inf.proto)].append(i)

    def counters(self, nodes):
        """Expected counters of one process owning `nodes` (a set)."""
        c = Counter()
        c["rx"] = len(self.frames)
        c["malformed"] = len(self.malformed)
        for k in MALFORMED_WHY:   # the model's reason for each
            c[k] += 0
        for i in self.malformed:
            c["malformed_" + self.exp[i][0].why] += 1
        c["arp_reply"] = len(self.arp_req)
        for i in self.to_all:
            c["arp_to_host" if self.exp[i][0].cls == ARP else "other_to_host"] += 1
        for i, own in self.exact:
            c["vip_owned" if own in nodes else "vip_not_owned"] += 1
        for i, own in self.icmperr:
            c["icmp_err_owned" if own in nodes else "icmp_err_not_owned"] += 1
        for fid, d in self.dgrams.items():
            c["frag_held"] += len(d["idxs"])
            c["frag_reassembled"] += 1
            c["frag_owned" if d["owner"] in nodes else "frag_not_owned"] += 1
        for k in ("frag_expired", "host_rx", "host_to_wire", "arp_rewritten",
                  "garp_sent", "tx_wire_drop", "tx_host_drop") + \
                PARTS["tx_wire_drop"] + PARTS["tx_host_drop"]:
            c[k] += 0
        for k in ("frag_held", "frag_reassembled", "frag_owned", "frag_not_owned",
                  "icmp_err_owned", "icmp_err_not_owned", "vip_owned", "vip_not_owned",
                  "arp_to_host", "other_to_host"):
            c[k] += 0
        return c


def arp_reply_ok(req, rep, nic_mac):
    """Is `rep` the reply a node must send for request frame `req`?"""
    ri = classify(req, VIP_I)
    pi = classify(rep, VIP_I)
    why = []
    if pi.cls != ARP:
        return ["not an ARP frame"]
    if rep[:6] != req[6:12]:
        why.append("eth dst %s != requester %s" % (mac_str(rep[:6]), mac_str(req[6:12])))
    if rep[6:12] != nic_mac:
        why.append("eth src %s != nic_mac %s" % (mac_str(rep[6:12]), mac_str(nic_mac)))
    if rep[12:ri.l2] != req[12:ri.l2]:
        why.append("VLAN tags/ethertype changed")
    if pi.arp_op != 2:
        why.append("op %s != 2" % pi.arp_op)
    if pi.arp_sha != CMAC:
        why.append("sender hw %s != cluster MAC" % mac_str(pi.arp_sha))
    if pi.arp_spa != VIP_I:
        why.append("sender ip %s != VIP" % model.int2ip(pi.arp_spa))
    if pi.arp_tha != ri.arp_sha:
        why.append("target hw %s != requester %s" % (mac_str(pi.arp_tha), mac_str(ri.arp_sha)))
    if pi.arp_tpa != ri.arp_spa:
        why.append("target ip %s != requester %s" % (model.int2ip(pi.arp_tpa),
                                                     model.int2ip(ri.arp_spa)))
    return why


def is_garp(fr, nic_mac):
    i = classify(fr, VIP_I)
    return (i.cls == ARP and i.arp_op == 1 and i.arp_spa == VIP_I and i.arp_tpa == VIP_I
            and i.arp_sha == CMAC and fr[6:12] == nic_mac and fr[:6] == BCAST)


# ------------------------------------------------------------------ verify
def verify(E, runs, fails, garp=0):
    """runs: {node: dict(js=flat json, host=[frames], wire=[frames])} for
    processes each owning exactly one node number 1..N."""
    N = E.total
    frames = E.frames
    nodes = sorted(runs)
    if nodes != list(range(1, N + 1)):
        fails("runs for nodes %s, expected 1..%d" % (nodes, N))
    # index host outputs
    host_idx = {}
    for k in nodes:
        r = runs[k]
        js = r["js"]
        hm = model.mac_bytes(js.get("host_mac", "00:00:00:00:00:00"))
        r["host_mac_b"] = hm
        r["nic_mac_b"] = model.mac_bytes(js.get("nic_mac", "00:00:00:00:00:00"))
        cnt = Counter()
        for h in r["host"]:
            cnt[norm(h)] += 1
        host_idx[k] = cnt
        r["used"] = Counter()

    # 1. VIP frames: exactly once in the union, on the model's node
    where = {}
    for i, own in E.exact:
        key = norm(frames[i])
        got = [k for k in nodes for _ in range(host_idx[k][key])]
        where[i] = got
        for k in set(got):
            runs[k]["used"][key] += host_idx[k][key]
        d = fdesc(i, frames[i], E.labels[i])
        if not got:
            fails("VIP frame MISSING on every host output: %s; model owner node %d" % (d, own))
        elif len(got) > 1:
            fails("VIP frame delivered %d times (nodes %s): %s; model owner node %d"
                  % (len(got), got, d, own))
        elif got[0] != own:
            fails("VIP frame on WRONG node %d: %s; model owner node %d" % (got[0], d, own))
    # dst MAC / checksums of the delivered VIP frames
    for k in nodes:
        r = runs[k]
        for h in r["host"]:
            inf = classify(h, VIP_I)
            if inf.cls not in (VIP, VIP_ICMPERR, VIP_FRAG):
                continue
            if h[:6] != r["host_mac_b"]:
                fails("node %d: owned VIP frame to host with eth dst %s != host_mac %s: %s"
                      % (k, mac_str(h[:6]), mac_str(r["host_mac_b"]), fdesc(-1, h)))
            ip = h[inf.l2:inf.l2 + inf.tot]
            if not model.ipv4_hdr_ok(ip):
                fails("node %d: bad IPv4 header checksum to host: %s" % (k, fdesc(-1, h)))
            if inf.cls != VIP_FRAG and not model.l4_csum_ok(ip):
                fails("node %d: bad L4 checksum to host: %s" % (k, fdesc(-1, h)))

    # 2. fragmented datagrams
    if E.reasm:
        for fid, d in E.dgrams.items():
            got_nodes = []
            for k in nodes:
                parts = []
                for h in runs[k]["host"]:
                    inf = classify(h, VIP_I)
                    if inf.cls in (VIP, VIP_FRAG, VIP_ICMPERR) and \
                       (inf.src, inf.dst, inf.ipid, inf.proto) == fid:
                        ip = h[inf.l2:inf.l2 + inf.tot]
                        parts.append((inf.fragoff, inf.mf, ip[inf.ihl:], ip[:inf.ihl]))
                        runs[k]["used"][norm(h)] += 1
                        if len(parts) > 1 and inf.tot > 1500:
                            fails("node %d: datagram %s re-fragmented into a %d-byte "
                                  "fragment (> host MTU 1500)" % (k, fid_s(fid), inf.tot))
                if not parts:
                    continue
                got_nodes.append(k)
                rr = model.reassemble(parts)
                tot_pl = sum(len(p[2]) for p in parts)
                if rr is None or tot_pl != len(d["payload"]) or rr[1] != d["payload"]:
                    fails("node %d: datagram %s reaches the host as %d frame(s) that do not "
                          "reassemble to the original %d-byte payload (got %d bytes%s)"
                          % (k, fid_s(fid), len(parts), len(d["payload"]), tot_pl,
                             ", incomplete/overlapping" if rr is None else ""))
                elif d["hdr"][9] == 17 and not model.l4_csum_ok(
                        rebuild(rr[0], rr[1])):
                    fails("node %d: datagram %s: bad UDP checksum after reassembly"
                          % (k, fid_s(fid)))
            if got_nodes != [d["owner"]]:
                fails("fragmented datagram %s (input frames %s, %d bytes): delivered on "
                      "nodes %s, model owner node %d" % (fid_s(fid), d["idxs"],
                                                         len(d["payload"]), got_nodes,
                                                         d["owner"]))
    # all fragments of one datagram on one node only (both modes)
    for fid, idxs in E.frag_groups.items():
        got = set()
        for k in nodes:
            for h in runs[k]["host"]:
                inf = classify(h, VIP_I)
                if inf.ethertype == 0x0800 and inf.cls != MALFORMED and \
                   (inf.src, inf.dst, inf.ipid, inf.proto) == fid:
                    got.add(k)
        if len(got) != 1:
            fails("fragments of datagram %s reached nodes %s (must be exactly one)"
                  % (fid_s(fid), sorted(got)))

    # 3. ICMP errors reach where the quoted connection's own frames went
    flow_nodes = defaultdict(set)
    for i, own in E.exact:
        inf = E.exp[i][0]
        if inf.cls == VIP:
            for k in where.get(i, []):
                flow_nodes[inf.key].add(k)
    for i, own in E.icmperr:
        inf = E.exp[i][0]
        fn = flow_nodes.get(inf.key)
        got = where.get(i, [])
        if fn is None:
            fails("fixture: ICMP error %s quotes no flow of the fixture" % fdesc(i, frames[i]))
        elif set(got) != fn:
            fails("ICMP error %s (quoted %s:%d -> %s:%d) reached nodes %s, the connection's "
                  "client frames reached nodes %s" % (
                      fdesc(i, frames[i]), model.int2ip(inf.quoted[0]), inf.quoted[1],
                      model.int2ip(inf.quoted[2]), inf.quoted[3], got, sorted(fn)))

    # 4. non-VIP frames and non-VIP ARP: host of every node, once
    for i in E.to_all:
        key = norm(frames[i])
        for k in nodes:
            n = host_idx[k][key]
            runs[k]["used"][key] += n
            if n != 1:
                fails("node %d: non-VIP frame seen %d times on host (expected 1): %s"
                      % (k, n, fdesc(i, frames[i], E.labels[i])))
        for k in nodes:
            for h in runs[k]["host"]:
                if norm(h) == key and h[:6] not in (frames[i][:6], runs[k]["host_mac_b"]):
                    fails("node %d: non-VIP frame to host with eth dst %s: %s"
                          % (k, mac_str(h[:6]), fdesc(i, frames[i])))

    # 5. malformed frames nowhere
    for i in E.malformed:
        key = norm(frames[i])
        for k in nodes:
            if host_idx[k][key] or any(w[6:] == frames[i][6:] for w in runs[k]["wire"]):
                fails("node %d: malformed frame forwarded: %s" % (k, fdesc(i, frames[i],
                                                                         E.labels[i])))

    # 6. nothing unexpected on the host
    for k in nodes:
        extra = host_idx[k] - runs[k]["used"]
        for key, n in list(extra.items())[:10]:
            fails("node %d: unexpected frame on host output (x%d): %s"
                  % (k, n, fdesc(-1, b"\0" * 6 + key)))
        if len(extra) > 10:
            fails("node %d: %d more unexpected host frames" % (k, len(extra) - 10))

    # 7. wire: ARP replies for VIP requests only (+ gratuitous ARPs)
    for k in nodes:
        r = runs[k]
        wire = list(r["wire"])
        garps = [w for w in wire if is_garp(w, r["nic_mac_b"])]
        if len(garps) != garp:
            fails("node %d: %d gratuitous ARPs on the wire, expected %d" % (k, len(garps), garp))
        wire = [w for w in wire if not is_garp(w, r["nic_mac_b"])]
        for i in E.arp_req:
            match = [w for w in wire if not arp_reply_ok(frames[i], w, r["nic_mac_b"])]
            if len(match) != 1:
                near = [w for w in wire if classify(w, VIP_I).cls == ARP and
                        classify(w, VIP_I).arp_tpa == classify(frames[i], VIP_I).arp_spa]
                fails("node %d: %d valid ARP replies for %s; %s" % (
                    k, len(match), fdesc(i, frames[i], E.labels[i]),
                    "closest: " + "; ".join(arp_reply_ok(frames[i], near[0], r["nic_mac_b"]))
                    if near else "no reply to that requester"))
            else:
                wire.remove(match[0])
        for w in wire[:10]:
            fails("node %d: unexpected frame on the WIRE output: %s" % (k, fdesc(-1, w)))
        for i in E.arp_req:
            if host_idx[k][norm(frames[i])]:
                fails("node %d: answered VIP ARP request also handed to the host: %s"
                      % (k, fdesc(i, frames[i])))

    # 8. counters and info
    for k in nodes:
        js = runs[k]["js"]
        # the ports' own counters (rte_eth_stats) against the pcap files
        # and our counters: what the NIC received is what we counted
        # (plus what GARP/IGMP added to the wire), nothing missed
        pexp = {"nic_ipackets": js.get("rx"), "nic_opackets": len(runs[k]["wire"]),
                "host_opackets": len(runs[k]["host"]), "nic_imissed": 0,
                "nic_ierrors": 0, "nic_rx_nombuf": 0, "nic_oerrors": 0,
                "host_oerrors": 0}
        for c, v in pexp.items():
            if js.get(c) != v:
                fails("node %d: port counter %s = %s, expected %s" % (k, c, js.get(c), v))
        check_counters(js, E.counters({k}), fails, "node %d" % k, garp=garp)
        check_info(js, fails, "node %d" % k, str(k), E.total, E.mode, E.hash_init)
        hosted = len(runs[k]["host"])
        # frames to the host implied by the counters (datagrams may be split)
        low = js.get("arp_to_host", 0) + js.get("other_to_host", 0) + js.get("vip_owned", 0) \
            + js.get("frag_owned", 0)
        if hosted < low:
            fails("node %d: %d frames on the host output < %d implied by the counters"
                  % (k, hosted, low))


def fid_s(fid):
    return "%s->%s id=%d proto=%d" % (model.int2ip(fid[0]), model.int2ip(fid[1]), fid[2], fid[3])


def rebuild(hdr, payload):
    h = bytearray(hdr)
    struct.pack_into("!H", h, 2, len(hdr) + len(payload))
    struct.pack_into("!H", h, 6, 0)
    return bytes(h) + payload


def check_sums(js, fails, who):
    """The outcomes add up to rx, the parts to their sums."""
    s = sum(js.get(c, 0) for c in SUM_KEYS)
    if js.get("rx") != s:
        fails("%s: counters do not add up: rx=%s != %s = %d" % (
            who, js.get("rx"), "+".join("%s(%s)" % (c, js.get(c)) for c in SUM_KEYS), s))
    for total, parts in PARTS.items():
        missing = [p for p in parts if p not in js]
        if missing:
            fails("%s: JSON lacks %s" % (who, ", ".join(missing)))
        elif js.get(total) != sum(js[p] for p in parts):
            fails("%s: %s=%s != %s" % (who, total, js.get(total),
                                        "+".join("%s(%s)" % (p, js[p]) for p in parts if js[p])))


def check_counters(js, exp, fails, who, garp=0, only=None):
    for c in COUNTERS:
        if c not in js:
            fails("%s: JSON lacks counter '%s'" % (who, c))
    check_sums(js, fails, who)
    exp = Counter(exp)
    exp["garp_sent"] = garp
    for c in (only or exp):
        if c in js and js[c] != exp[c]:
            fails("%s: counter %s = %s, model expects %d" % (who, c, js[c], exp[c]))
    if js.get("mbuf_in_use_end") != js.get("mbuf_in_use_start"):
        fails("%s: mbuf leak: mbuf_in_use_start=%s mbuf_in_use_end=%s" % (
            who, js.get("mbuf_in_use_start"), js.get("mbuf_in_use_end")))


def check_info(js, fails, who, nodes, total, mode, hash_init):
    for c in INFO:
        if c not in js:
            fails("%s: JSON lacks info '%s'" % (who, c))
    if str(js.get("nodes")) != nodes:
        fails("%s: info nodes=%r expected %r" % (who, js.get("nodes"), nodes))
    if js.get("total_nodes") != total and str(js.get("total_nodes")) != str(total):
        fails("%s: info total_nodes=%r expected %d" % (who, js.get("total_nodes"), total))
    if js.get("hashmode") != mode:
        fails("%s: info hashmode=%r expected %r" % (who, js.get("hashmode"), mode))
    hi = js.get("hash_init")
    try:
        hv = int(hi, 0) if isinstance(hi, str) else hi
    except ValueError:
        hv = None
    if hv != hash_init:
        fails("%s: info hash_init=%r expected %d" % (who, hi, hash_init))
    if str(js.get("cluster_mac", "")).lower() != mac_str(CMAC) or \
       js.get("cluster_mac") != str(js.get("cluster_mac", "")).lower():
        fails("%s: info cluster_mac=%r expected %r (lower case)" % (
            who, js.get("cluster_mac"), mac_str(CMAC)))
    for m in ("nic_mac", "host_mac"):
        v = js.get(m, "")
        ok = isinstance(v, str) and v == v.lower() and len(v) == 17
        if ok:
            try:
                model.mac_bytes(v)
            except ValueError:
                ok = False
        if not ok:
            fails("%s: info %s=%r is not an aa:bb:cc:dd:ee:ff string" % (who, m, v))


# ------------------------------------------------------------------ simulator
def simulate(E, k, garp=0, fault=None):
    """A model of the binary for one node: what check_replay expects. Used
    by the self-test to prove the checker accepts a correct binary and
    rejects faulty ones."""
    nic, hm = bytes.fromhex("020000000a01"), bytes.fromhex("020000000b01")
    host, wire = [], []
    for i, (inf, own) in enumerate(E.exp):
        fr = E.frames[i]
        if i in E._arp_set:
            rep = bytearray(fr)
            l2 = inf.l2
            rep[0:6] = fr[6:12]
            rep[6:12] = nic
            struct.pack_into("!H", rep, l2 + 6, 2)
            rep[l2 + 8:l2 + 14] = CMAC
            rep[l2 + 14:l2 + 18] = struct.pack("!I", VIP_I)
            rep[l2 + 18:l2 + 24] = inf.arp_sha
            rep[l2 + 24:l2 + 28] = struct.pack("!I", inf.arp_spa)
            wire.append(bytes(rep))
        elif inf.cls in (OTHER, ARP):
            host.append(fr)
        elif inf.cls == MALFORMED:
            pass
        elif inf.cls == VIP_FRAG and E.reasm:
            pass
        elif own == k:
            host.append(hm + fr[6:inf.l2 + inf.tot])
    if E.reasm:
        for fid, d in E.dgrams.items():
            if d["owner"] != k:
                continue
            ip = rebuild(d["hdr"], d["payload"])
            ip = bytearray(ip)
            struct.pack_into("!H", ip, 10, 0)
            struct.pack_into("!H", ip, 10, model.csum16(bytes(ip[:(ip[0] & 15) * 4])))
            eth = hm + E.frames[d["idxs"][0]][6:14]
            if k != 2 or len(ip) <= 1500:
                host.append(eth + bytes(ip))
                continue
            # node 2 re-fragments to the host MTU, last fragment first
            ihl = (ip[0] & 15) * 4
            pl = bytes(ip[ihl:])
            out = []
            for off in range(0, len(pl), 1480):
                chunk = pl[off:off + 1480]
                h = bytearray(ip[:ihl])
                struct.pack_into("!H", h, 2, ihl + len(chunk))
                struct.pack_into("!H", h, 6, (off // 8) | (0x2000 if off + 1480 < len(pl) else 0))
                struct.pack_into("!H", h, 10, 0)
                struct.pack_into("!H", h, 10, model.csum16(bytes(h)))
                out.append(eth + bytes(h) + chunk)
            host.extend(reversed(out))
    for _ in range(garp):
        a = bytearray(BCAST + nic + b"\x08\x06" + struct.pack("!HHBBH", 1, 0x800, 6, 4, 1))
        a += CMAC + struct.pack("!I", VIP_I) + b"\0" * 6 + struct.pack("!I", VIP_I)
        wire.append(bytes(a))
    js = dict(E.counters({k}))
    js["csum_fixed"] = 0
    js.update(nodes=str(k), total_nodes=E.total, hashmode=E.mode,
              hash_init="0x%08x" % E.hash_init, cluster_mac=mac_str(CMAC),
              nic_mac=mac_str(nic), host_mac=mac_str(hm), mbuf_in_use_start=100,
              mbuf_in_use_end=100, garp_sent=garp)
    if fault == "drop" and k == 1:
        host.pop(len(host) // 2)
    if fault == "dup" and k == 2:
        for h in runs_sim_other(E, 1):
            host.append(h)
            break
    if fault == "mac" and k == 1:
        for j, h in enumerate(host):
            if classify(h, VIP_I).cls == VIP:
                host[j] = CMAC + h[6:]
                break
    if fault == "csum" and k == 1:
        for j, h in enumerate(host):
            inf = classify(h, VIP_I)
            if inf.cls == VIP and inf.proto == 6:
                b = bytearray(h)
                b[inf.l2 + inf.ihl + 16] ^= 0x55
                host[j] = bytes(b)
                break
    if fault == "mal" and k == 3:
        host.append(E.frames[E.malformed[0]])
    if fault == "arp" and k == 2:
        wire = wire[1:]
    if fault == "count" and k == 1:
        js["vip_owned"] += 1
    if fault == "leak" and k == 1:
        js["mbuf_in_use_end"] += 3
    if fault == "fragsplit" and k == 2 and E.reasm:
        for fid, d in E.dgrams.items():
            if d["owner"] == 2 and len(d["payload"]) > 1500:
                for j, h in enumerate(host):
                    inf = classify(h, VIP_I)
                    if (inf.src, inf.dst, inf.ipid, inf.proto) == fid:
                        host.pop(j)
                        break
                break
    # the ports' counters, as the PMD would count what was written
    js.update(nic_ipackets=js["rx"], nic_opackets=len(wire), host_opackets=len(host),
              host_ipackets=0, nic_imissed=0, nic_ierrors=0, nic_rx_nombuf=0,
              nic_oerrors=0, host_oerrors=0)
    if fault == "missed" and k == 3:
        js["nic_imissed"] = 5
    return dict(js=js, host=host, wire=wire)


def runs_sim_other(E, k):
    return [model.cluster_mac(0)[:0] + bytes.fromhex("020000000b01") + E.frames[i][6:]
            for i, own in E.exact if own == k]


# ------------------------------------------------------------------ running
class App:
    def __init__(self, build):
        self.build = build
        self.bin = os.path.join(build, "app", "dpdk-vipshare")
        self.ctl = os.path.join(build, "app", "vipshare-ctl")
        self.which = os.path.join(build, "app", "vipshare-which")

    def have(self, *names):
        return all(os.access(getattr(self, n), os.X_OK) for n in names)


def prefix(tag):
    return "vs-pcap-%d-%s-%d" % (os.getpid(), tag, random.randrange(1 << 30))


def eal_runtime_dir(pfx):
    if os.getuid() == 0:
        base = "/var/run/dpdk"
    else:
        base = os.path.join(os.environ.get("XDG_RUNTIME_DIR", "/tmp"), "dpdk")
    return os.path.join(base, pfx)


def cleanup_prefix(pfx):
    """The EAL leaves its runtime dir (MBs of fbarray files on tmpfs)."""
    shutil.rmtree(eal_runtime_dir(pfx), ignore_errors=True)


# Set from the command line: lcores for the EAL (-l), and whether run_node
# passes the settings as a --config file instead of flags.
LCORES = "0"
VIA_CONFIG = False


def eal_args(inp, wire, host, pfx, host_rx=None):
    """inp/wire/host: one path, or lists of one path per queue (net_pcap
    takes one rx_pcap/tx_pcap per queue)."""
    lst = lambda v: v if isinstance(v, list) else [v]  # noqa: E731
    h = "net_pcap1," + ",".join("tx_pcap=%s" % x for x in lst(host))
    if host_rx:
        h = "net_pcap1,rx_pcap=%s,%s" % (host_rx, h[len("net_pcap1,"):])
    nic = "net_pcap0," + ",".join("rx_pcap=%s" % x for x in lst(inp)) + "," + \
        ",".join("tx_pcap=%s" % x for x in lst(wire))
    lc = ["-l", LCORES]
    if len(lst(inp)) > 1:
        # main lcore + one worker per queue, spread over the CPUs there are
        ncpu = len(os.sched_getaffinity(0))
        lc = ["--lcores", ",".join("%d@%d" % (i, i % ncpu)
                                   for i in range(len(lst(inp)) + 1))]
    return lc + ["--no-huge", "-m", "256", "--no-pci", "--file-prefix", pfx,
            "--log-level=notice", "--vdev", nic, "--vdev", h]


def rss_split(frames, nq):
    """Spread frames over nq queues the way RSS on addresses would: by IPv4
    source + destination (so a datagram's fragments share a queue), other
    frames by their bytes. Order within a queue is kept."""
    import zlib
    out = [[] for _ in range(nq)]
    for fr in frames:
        off, et = 12, None
        for _ in range(4):
            if len(fr) < off + 2:
                break
            et = struct.unpack("!H", fr[off:off + 2])[0]
            if et not in (0x8100, 0x88a8):
                break
            off += 4
        if et == 0x0800 and len(fr) >= off + 22:
            key = fr[off + 14:off + 22]
        else:
            key = fr
        out[zlib.crc32(key) % nq].append(fr)
    return out


def last_json(out):
    for line in reversed(out.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            return json.loads(line)
    raise ValueError("no JSON line in stdout")


def run_node(app, work, inp, node, total, mode, hash_init=0, garp=0, extra=(),
             timeout=120, tag="r", queues=1):
    os.makedirs(work, exist_ok=True)
    wire = os.path.join(work, "%s-n%d-of%d-%s-wire.pcap" % (tag, node, total, mode))
    host = os.path.join(work, "%s-n%d-of%d-%s-host.pcap" % (tag, node, total, mode))
    qin = None
    if queues > 1:
        # one input file per NIC queue, one wire and host output per queue
        qin = [os.path.join(work, "%s-q%d-in.pcap" % (tag, q)) for q in range(queues)]
        for path, fr in zip(qin, rss_split(model.read_pcap(inp), queues)):
            model.write_pcap(path, fr)
        # in the file name only: the directory may hold "-wire" too
        wire = [wire[:-len("-wire.pcap")] + "-q%d-wire.pcap" % q for q in range(queues)]
        host = [host[:-len("-host.pcap")] + "-q%d-host.pcap" % q for q in range(queues)]
    for p in (wire if qin else [wire]) + (host if qin else [host]):
        if os.path.exists(p):
            os.unlink(p)
    pfx = prefix(tag)
    opts = ["--vip", VIP_S + "/24", "--node", "%d/%d" % (node, total),
            "--hashmode", mode, "--replay", "--garp", str(garp), "--igmp", "off"]
    if hash_init:
        opts += ["--hash-init", "0x%x" % hash_init]
    if VIA_CONFIG:
        # the same settings as a config file: key = value, flags as keys
        conf = os.path.join(work, "%s-n%d.conf" % (tag, node))
        with open(conf, "w") as f:
            f.write("# written by check_replay.py\n")
            i = 0
            while i < len(opts):
                key = opts[i][2:]
                if i + 1 < len(opts) and not opts[i + 1].startswith("--"):
                    f.write("%s = %s\n" % (key, opts[i + 1]))
                    i += 2
                else:
                    f.write("%s\n" % key)
                    i += 1
        opts = ["--config", conf]
    cmd = [app.bin] + eal_args(qin or inp, wire, host, pfx) + ["--"] + opts
    cmd += list(extra)
    t0 = time.time()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    finally:
        cleanup_prefix(pfx)
    dt = time.time() - t0
    res = dict(cmd=" ".join(cmd), rc=p.returncode, stdout=p.stdout, stderr=p.stderr,
               secs=dt, wire_path=wire, host_path=host)
    if p.returncode != 0:
        raise RuntimeError("exit %d: %s\nstdout tail:\n%s\nstderr tail:\n%s" % (
            p.returncode, res["cmd"], p.stdout[-2000:], p.stderr[-2000:]))
    res["js"] = flatten(last_json(p.stdout))
    rd = lambda f: model.read_pcap(f) if os.path.exists(f) else []  # noqa: E731
    if qin:
        res["queue_rx"] = [len(model.read_pcap(f)) for f in qin]
        res["host"] = [h for f in host for h in rd(f)]
        res["wire"] = [w for f in wire for w in rd(f)]
    else:
        res["host"], res["wire"] = rd(host), rd(wire)
    return res


def load_fixture():
    frames = model.read_pcap(FIXTURE)
    with open(LABELS) as f:
        labels = json.load(f)["labels"]
    return frames, labels


# ------------------------------------------------------------------ commands
def cmd_selftest(a, app):
    fails = Fails()
    # model vs the reference vectors
    for b in model.check_vectors(VECTORS):
        fails(b)
    frames, labels = load_fixture()
    if len(frames) != len(labels):
        fails("fixture.pcap has %d frames, fixture.json %d labels" % (len(frames), len(labels)))
    # model classification vs what the generator meant
    want = {"vip_tcp": VIP, "vip_udp": VIP, "vip_icmp_echo": VIP, "vip_vlan": VIP,
            "vip_ipopts": VIP, "vip_l4misc": VIP, "vip_icmp_err_foreign": VIP, "vip_icmp_err": VIP_ICMPERR,
            "vip_frag": VIP_FRAG, "malformed": MALFORMED, "arp_req_vip": ARP,
            "arp_req_other": ARP, "arp_garp_peer": ARP, "arp_reply_to_vip": ARP}
    for i, (f, lab) in enumerate(zip(frames, labels)):
        cls = classify(f, VIP_I).cls
        if cls != want.get(lab, OTHER):
            fails("model classifies %s as %s, generator meant %s" % (fdesc(i, f, lab), cls,
                                                                      want.get(lab, OTHER)))
    if len(set(frames)) != len(frames):
        fails("fixture has duplicate frames")
    # model vs vipshare-which on a sample of the fixture's keys (+ random)
    if os.access(app.which, os.X_OK):
        rnd = random.Random(7)
        keys = set()
        for f in frames:
            inf = classify(f, VIP_I)
            if inf.cls in (VIP, VIP_ICMPERR):
                keys.add(inf.key)
        keys = sorted(keys)
        keys += [(rnd.getrandbits(32), rnd.getrandbits(16), rnd.getrandbits(16))
                 for _ in range(300)]
        nchk = 0
        for mode in model.HASHMODES:
            for total, hi in ((2, 0), (3, 0), (3, 0x1234abcd), (16, 0xdeadbeef), (64, 7)):
                inp = "".join("%s %d %d\n" % (model.int2ip(k[0]), k[1], k[2]) for k in keys)
                p = subprocess.run([app.which, "--total-nodes", str(total), "--hashmode", mode,
                                    "--hash-init", "0x%x" % hi], input=inp,
                                   capture_output=True, text=True)
                got = p.stdout.split()
                if p.returncode != 0 or len(got) != len(keys):
                    fails("vipshare-which failed: rc=%d %s" % (p.returncode, p.stderr[:200]))
                    continue
                for k, g in zip(keys, got):
                    nchk += 1
                    m = model.owner(k, mode, total, hi)
                    if int(g) != m:
                        fails("vipshare-which disagrees with model: %s %d %d mode=%s N=%d "
                              "hash_init=0x%x: which=%s model=%d" % (
                                  model.int2ip(k[0]), k[1], k[2], mode, total, hi, g, m))
        print("model vs vipshare-which: %d lookups compared" % nchk)
    else:
        print("NOTE: %s not built, model vs vipshare-which skipped" % app.which)
    # the checker itself: a simulated correct binary passes, faults are caught
    for mode in model.HASHMODES:
        E = Expect(frames, mode, 3, 0, labels)
        E._arp_set = set(E.arp_req)
        f2 = Fails()
        verify(E, {k: simulate(E, k) for k in (1, 2, 3)}, f2)
        if f2:
            for m in f2.msgs[:10]:
                fails("checker rejects the simulated correct binary (%s): %s" % (mode, m))
        owners = Counter(o for _, o in E.exact)
        print("simulated %s N=3: exact VIP frames per node %s, datagrams %d: checker %s"
              % (mode, dict(sorted(owners.items())), len(E.dgrams), "OK" if not f2 else "BAD"))
    E = Expect(frames, "sourceip-sourceport", 3, 0, labels)
    E._arp_set = set(E.arp_req)
    for fault in ("drop", "dup", "mac", "csum", "mal", "arp", "count", "leak", "fragsplit",
                  "missed"):
        f2 = Fails()
        verify(E, {k: simulate(E, k, fault=fault) for k in (1, 2, 3)}, f2)
        print("injected fault %-9s -> %d failures reported%s" % (
            fault, f2.count, (", e.g. " + f2.msgs[0][:150]) if f2.msgs else ""))
        if not f2:
            fails("checker did not detect injected fault '%s'" % fault)
    fails.dump("selftest")
    return 1 if fails else 0


def selfcheck_model(fails):
    for b in model.check_vectors(VECTORS):
        fails("model self-check: " + b)


def cmd_replay(a, app):
    if not app.have("bin"):
        print("FAIL: %s not built" % app.bin)
        return SKIP
    fails = Fails()
    selfcheck_model(fails)
    if fails:
        fails.dump("replay")
        return 1
    frames, labels = load_fixture()
    E = Expect(frames, a.hashmode, a.nodes, a.hash_init, labels)
    runs = {}
    work = os.path.join(a.workdir, "replay")
    for k in range(1, a.nodes + 1):
        try:
            runs[k] = run_node(app, work, FIXTURE, k, a.nodes, a.hashmode, a.hash_init,
                               tag="rp%x" % a.hash_init, queues=a.queues)
        except Exception as e:  # noqa: BLE001
            fails("node %d/%d run failed: %s" % (k, a.nodes, e))
            fails.dump("replay")
            return 1
        r = runs[k]
        print("node %d/%d %s: %.2fs host=%d wire=%d json=%s" % (
            k, a.nodes, a.hashmode, r["secs"], len(r["host"]), len(r["wire"]),
            json.dumps({c: r["js"].get(c) for c in COUNTERS + INFO + ("worker_rx",)
                        if c in r["js"]})))
    verify(E, runs, fails)
    for k, r in runs.items():
        # one worker per NIC queue, each counting exactly its queue's frames
        want = r.get("queue_rx", [len(frames)])
        if r["js"].get("worker_rx") != want:
            fails("node %d: worker_rx=%s, frames per NIC queue %s" % (
                k, r["js"].get("worker_rx"), want))
        if a.queues > 1 and min(want) == 0:
            fails("node %d: the RSS split left a queue empty: %s" % (k, want))
    nmal = labels.count("malformed")
    for k, r in runs.items():
        if r["js"].get("malformed") != nmal:
            fails("node %d: malformed=%s, the generator wrote %d malformed frames"
                  % (k, r["js"].get("malformed"), nmal))
    fails.dump("replay N=%d %s hash_init=0x%x" % (a.nodes, a.hashmode, a.hash_init))
    return 1 if fails else 0


def cmd_garp(a, app):
    if not app.have("bin"):
        print("FAIL: %s not built" % app.bin)
        return SKIP
    fails = Fails()
    frames, labels = load_fixture()
    mode = "sourceip-sourceport"
    E = Expect(frames, mode, 3, 0, labels)
    runs = {}
    for k in (1, 2, 3):
        try:
            runs[k] = run_node(app, os.path.join(a.workdir, "garp"), FIXTURE, k, 3, mode,
                               garp=3, tag="garp")
        except Exception as e:  # noqa: BLE001
            fails("node %d/3 --garp 3 run failed: %s" % (k, e))
            fails.dump("garp")
            return 1
        r = runs[k]
        g = [w for w in r["wire"] if is_garp(w, model.mac_bytes(r["js"].get("nic_mac",
                                                                               "0:0:0:0:0:0")))]
        print("node %d/3 --garp 3: %.2fs wire=%d garps=%d garp_sent=%s" % (
            k, r["secs"], len(r["wire"]), len(g), r["js"].get("garp_sent")))
    verify(E, runs, fails, garp=3)
    fails.dump("garp")
    return 1 if fails else 0


# --- 1M frames
def big_templates(rnd, nflows):
    eth = bytes.fromhex("01005e286464") + bytes.fromhex("001b210a0b01") + b"\x08\x00"

    def ip(src, proto, l4, ipid, fo=0, dst=VIP_I):
        h = bytearray(struct.pack("!BBHHHBBHII", 0x45, 0, 20 + len(l4), ipid, fo, 64, proto, 0,
                                  src, dst))
        struct.pack_into("!H", h, 10, model.csum16(bytes(h)))
        return bytes(h) + l4

    def l4(proto, src, sp, dp, data, dst=VIP_I):
        if proto == 6:
            t = bytearray(struct.pack("!HHIIBBHHH", sp, dp, 1, 0, 0x50, 0x18, 65535, 0, 0) + data)
        else:
            t = bytearray(struct.pack("!HHHH", sp, dp, 8 + len(data), 0) + data)
        ps = struct.pack("!IIBBH", src, dst, 0, proto, len(t))
        struct.pack_into("!H", t, 16 if proto == 6 else 6, model.csum16(ps + bytes(t)))
        return bytes(t)

    vip_t = []  # (bytes, key)
    for n in range(nflows):
        src = (10 << 24) | rnd.getrandbits(24)
        proto = 6 if n % 3 else 17
        sp, dp = rnd.randint(1024, 65535), rnd.choice([80, 443, 53])
        data = bytes(rnd.getrandbits(8) for _ in range(rnd.choice([0, 16, 64])))
        vip_t.append((eth + ip(src, proto, l4(proto, src, sp, dp, data), n & 0xFFFF),
                      (src, sp, dp)))
    other = []
    for n in range(16):
        src = (172 << 24) | (16 << 16) | n
        dst = model.ip2int("192.168.100.%d" % (10 + n % 3))
        other.append(eth[:12] + b"\x08\x00" + ip(src, 6, l4(6, src, 1000 + n, 22, b"", dst),
                                                  n, dst=dst))
    arp = []
    for n in range(8):
        m = bytes([2, 0, 0, 0, 0x44, n])
        arp.append((BCAST + m + b"\x08\x06" + struct.pack("!HHBBH", 1, 0x800, 6, 4, 1) + m +
                    struct.pack("!I", model.ip2int("192.168.100.%d" % (200 + n))) + b"\0" * 6 +
                    struct.pack("!I", VIP_I)).ljust(60, b"\0"))
    mal = [vip_t[0][0][:14 + 12], vip_t[1][0][:14] + b"\x46" + vip_t[1][0][15:14 + 20]]
    # fragmented UDP datagrams: 3 fragments each
    dgs = []
    for n in range(64):
        src = (10 << 24) | (200 << 16) | n
        sp = 20000 + n
        data = bytes(rnd.getrandbits(8) for _ in range(2000))
        u = l4(17, src, sp, 53, data)
        ipid = 0x8000 + n
        fr = []
        off = 0
        for size in (800, 800, len(u) - 1600):
            last = off + size >= len(u)
            fr.append(eth + ip(src, 17, u[off:off + size], ipid,
                               (off // 8) | (0 if last else 0x2000)))
            off += size
        dgs.append((fr, (src, sp, 53)))
    return vip_t, other, arp, mal, dgs


def cmd_big(a, app):
    if not app.have("bin"):
        print("FAIL: %s not built" % app.bin)
        return SKIP
    fails = Fails()
    rnd = random.Random(99)
    t0 = time.time()
    vip_t, other, arp, mal, dgs = big_templates(rnd, 4000)
    os.makedirs(a.workdir, exist_ok=True)
    path = os.path.join(a.workdir, "big-%d.pcap" % a.frames)
    # composition per block of 1000 frames: 960 VIP, 10 other, 10 ARP, 2 malformed,
    # 6 datagrams x 3 fragments = 18
    cnt = Counter()
    owned_tpl = Counter()
    ts = 1700000000
    chunks = []
    vi = 0
    di = 0
    written = 0

    def rec(fr, n):
        return struct.pack("<IIII", ts + n // 1000000, n % 1000000, len(fr), len(fr)) + fr

    while written < a.frames:
        blk = []
        for j in range(960):
            t, key = vip_t[vi % len(vip_t)]
            owned_tpl[vi % len(vip_t)] += 1
            vi += 1
            blk.append(t)
        cnt["vip"] += 960
        for j in range(6):
            fr, key = dgs[di % len(dgs)]
            di += 1
            blk.extend([fr[2], fr[0], fr[1]] if j % 2 else fr)
            cnt["dg_" + str((di - 1) % len(dgs))] += 1
        blk.extend(other[j % len(other)] for j in range(10))
        blk.extend(arp[j % len(arp)] for j in range(10))
        blk.extend(mal)
        cnt["other"] += 10
        cnt["arp"] += 10
        cnt["mal"] += 2
        cnt["frag"] += 18
        for fr in blk:
            chunks.append(rec(fr, written))
            written += 1
    assert written == a.frames, "frames must be a multiple of 1000"
    with open(path, "wb") as f:
        f.write(model.PCAP_GHDR)
        f.write(b"".join(chunks))
    del chunks
    gen_s = time.time() - t0
    print("generated %s: %d frames, %.1f MB in %.1fs" % (path, written,
                                                         os.path.getsize(path) / 1e6, gen_s))
    mode, N, node = a.hashmode, 3, 1
    exp = Counter(rx=written, malformed=cnt["mal"], arp_reply=cnt["arp"],
                  other_to_host=cnt["other"])
    for idx, n in owned_tpl.items():
        own = model.owner(vip_t[idx][1], mode, N)
        exp["vip_owned" if own == node else "vip_not_owned"] += n
    ndg = sum(v for k, v in cnt.items() if k.startswith("dg_"))
    if mode == "sourceip":
        for k, v in cnt.items():
            if k.startswith("dg_"):
                own = model.owner(dgs[int(k[3:])][1], mode, N)
                exp["vip_owned" if own == node else "vip_not_owned"] += 3 * v
    else:
        exp["frag_held"] = 3 * ndg
        exp["frag_reassembled"] = ndg
        for k, v in cnt.items():
            if k.startswith("dg_"):
                own = model.owner(dgs[int(k[3:])][1], mode, N)
                exp["frag_owned" if own == node else "frag_not_owned"] += v
    try:
        r = run_node(app, os.path.join(a.workdir, "big"), path, node, N, mode, tag="big",
                     timeout=600)
    except Exception as e:  # noqa: BLE001
        fails("1M replay failed: %s" % e)
        fails.dump("big")
        return 1
    js = r["js"]
    print("replay of %d frames: %.1fs (%.0f kframes/s); host=%d wire=%d; json=%s" % (
        written, r["secs"], written / r["secs"] / 1e3, len(r["host"]), len(r["wire"]),
        json.dumps({c: js.get(c) for c in COUNTERS + INFO if c in js})))
    check_counters(js, exp, fails, "big node 1/3",
                   only=[c for c in COUNTERS if c not in ("csum_fixed",)])
    want_host = exp["vip_owned"] + exp["other_to_host"]
    if mode != "sourceip":
        # each owned datagram: 1 whole frame or 2 re-fragmented (2000+ bytes)
        got_dg = len(r["host"]) - want_host
        if not (exp["frag_owned"] <= got_dg <= 2 * exp["frag_owned"]):
            fails("host frames %d: %d VIP/other + owned datagrams %d (1..2 frames each)"
                  % (len(r["host"]), want_host, exp["frag_owned"]))
    elif len(r["host"]) != want_host:
        fails("host frames %d != %d expected" % (len(r["host"]), want_host))
    if len(r["wire"]) != exp["arp_reply"]:
        fails("wire frames %d != %d ARP replies" % (len(r["wire"]), exp["arp_reply"]))
    for p in (path, r["host_path"], r["wire_path"]):
        try:
            os.unlink(p)
        except OSError:
            pass
    fails.dump("big %d frames %s" % (written, mode))
    return 1 if fails else 0


# --- runtime control through a FIFO
def ctl(app, pfx, *args, timeout=10):
    p = subprocess.run([app.ctl, "--file-prefix", pfx] + list(args), capture_output=True,
                       text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def ctl_stats(app, pfx):
    rc, out, err = ctl(app, pfx, "stats")
    if rc != 0:
        return None
    try:
        return flatten(last_json(out))
    except ValueError:
        return None


def fifo_io(work):
    """A fresh FIFO for the NIC's input, paths for the wire and host pcaps."""
    os.makedirs(work, exist_ok=True)
    fifo = os.path.join(work, "nic.fifo")
    if os.path.exists(fifo):
        os.unlink(fifo)
    os.mkfifo(fifo)
    return fifo, os.path.join(work, "wire.pcap"), os.path.join(work, "host.pcap")


def spawn(cmd, work):
    """Start cmd, stderr to WORK/stderr.txt, stdout read by a thread:
    (proc, thread, [stdout once it ended], stderr file)."""
    errf = open(os.path.join(work, "stderr.txt"), "w")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=errf, text=True)
    out = []
    rd = threading.Thread(target=lambda: out.append(proc.stdout.read()), daemon=True)
    rd.start()
    return proc, rd, out, errf


def open_fifo_writer(path, proc, timeout=30):
    """Open the FIFO once proc reads it and write the pcap header: the
    writer, or None when proc exited or never opened it."""
    t0 = time.time()
    while time.time() - t0 < timeout:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
            os.set_blocking(fd, True)
            w = os.fdopen(fd, "wb", buffering=0)
            w.write(model.PCAP_GHDR)
            return w
        except OSError:
            if proc.poll() is not None:
                return None
            time.sleep(0.05)
    return None


def wait_stats(app, pfx, proc, done, timeout=30):
    """Poll /vipshare/stats until done(stats): (stats, None), or (None, why)
    when the process exits or the time runs out."""
    t0 = time.time()
    last = None
    while time.time() - t0 < timeout:
        if proc.poll() is not None:
            return None, "process exited (rc=%s)" % proc.returncode
        st = ctl_stats(app, pfx)
        if st is not None:
            last = st
            if done(st):
                return st, None
        time.sleep(0.1)
    return None, "timeout, last stats rx=%s" % (
        last.get("rx") if last else "(vipshare-ctl stats never answered)")


def cmd_ctl(a, app):
    if not app.have("bin", "ctl"):
        print("FAIL: %s or %s not built" % (app.bin, app.ctl))
        return SKIP
    fails = Fails()
    mode, N = "sourceip-sourceport", 3
    frames, labels = load_fixture()
    vip = [f for f in frames if classify(f, VIP_I).cls == VIP]
    rnd = random.Random(5)
    rnd.shuffle(vip)
    # net_pcap reading a FIFO blocks inside pcap_next_ex() in the middle of
    # an rx burst: the frames of a partial burst stay there until more data
    # comes (seen: 500 frames -> rx stuck at 480 with --burst 32). So the
    # first half is a multiple of the burst size (32, and of 64..512).
    half1, half2 = vip[:512], vip[512:1024]
    work = os.path.join(a.workdir, "ctl-" + a.op)
    fifo, wire, host = fifo_io(work)
    pfx = prefix("ctl")
    cmd = [app.bin] + eal_args(fifo, wire, host, pfx) + [
        "--", "--vip", VIP_S + "/24", "--node", "1/%d" % N, "--hashmode", mode,
        "--replay", "--garp", "0", "--igmp", "off"]
    print("start: %s" % " ".join(cmd))
    proc, rd, out_holder, errf = spawn(cmd, work)
    w = None
    try:
        w = open_fifo_writer(fifo, proc)
        if w is None:
            fails("dpdk-vipshare never opened the FIFO %s for reading (rc=%s)" % (fifo, proc.poll()))
            raise StopIteration

        def wait_rx(n, what):
            st, why = wait_stats(app, pfx, proc, lambda st: st.get("rx") == n)
            if st is None:
                fails("%s while waiting for %s" % (why, what))
            return st

        def nodes_is(want):
            rc, out, err = ctl(app, pfx, "nodes")
            if rc != 0 or out.strip() != want:
                fails("vipshare-ctl nodes: rc=%d out=%r err=%r, expected %r" % (
                    rc, out.strip(), err.strip()[:200], want))

        if wait_rx(0, "process up (stats rx == 0)") is None:
            raise StopIteration
        nodes_is("1")
        if a.op == "del":
            rc, out, err = ctl(app, pfx, "add", "2")
            if rc != 0:
                fails("vipshare-ctl add 2 failed rc=%d %s" % (rc, err.strip()[:200]))
            nodes_is("1,2")
        ts = 1700000000 * 1000000
        w.write(b"".join(model.pcap_record(f, ts + i) for i, f in enumerate(half1)))
        st = wait_rx(len(half1), "first half (%d frames) processed" % len(half1))
        if st is None:
            raise StopIteration
        # /vipshare/stats carries the NIC's own counters too
        if st.get("nic_ipackets") != len(half1) or st.get("nic_imissed") != 0:
            fails("/vipshare/stats: nic_ipackets=%s nic_imissed=%s, expected %d and 0"
                  % (st.get("nic_ipackets"), st.get("nic_imissed"), len(half1)))
        if a.op == "add":
            rc, out, err = ctl(app, pfx, "add", "2")
            if rc != 0:
                fails("vipshare-ctl add 2 failed rc=%d %s" % (rc, err.strip()[:200]))
            nodes_is("1,2")
            rc, out, err = ctl(app, pfx, "add", "2")
            if rc == 0:
                fails("vipshare-ctl add 2 twice succeeded (CLUSTERIP: error)")
            want1, want2 = {1}, {1, 2}
        else:
            rc, out, err = ctl(app, pfx, "del", "1")
            if rc != 0:
                fails("vipshare-ctl del 1 failed rc=%d %s" % (rc, err.strip()[:200]))
            nodes_is("2")
            rc, out, err = ctl(app, pfx, "del", "3")
            if rc == 0:
                fails("vipshare-ctl del 3 (not held) succeeded (CLUSTERIP: error)")
            want1, want2 = {1, 2}, {2}
        w.write(b"".join(model.pcap_record(f, ts + 1000 + i) for i, f in enumerate(half2)))
        w.close()
        w = None
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            fails("process did not exit 30 s after the FIFO was closed")
            raise StopIteration
        rd.join(5)
        out = out_holder[0] if out_holder else ""
        if proc.returncode != 0:
            fails("exit code %d" % proc.returncode)
        try:
            js = flatten(last_json(out))
        except ValueError:
            fails("no JSON on stdout: %r" % out[-500:])
            raise StopIteration
        hostf = Counter(norm(h) for h in model.read_pcap(host))
        for part, fl, want in (("first", half1, want1), ("second", half2, want2)):
            for f in fl:
                inf = classify(f, VIP_I)
                own = model.owner(inf.key, mode, N)
                n = hostf[norm(f)]
                if n != (1 if own in want else 0):
                    fails("%s half (owned set %s): frame of node %d seen %d times on host: %s"
                          % (part, sorted(want), own, n, fdesc(-1, f)))
        exp = Counter(rx=len(half1) + len(half2))
        for part, fl, want in (("first", half1, want1), ("second", half2, want2)):
            for f in fl:
                own = model.owner(classify(f, VIP_I).key, mode, N)
                exp["vip_owned" if own in want else "vip_not_owned"] += 1
        check_counters(js, exp, fails, "ctl-%s" % a.op,
                       only=("rx", "vip_owned", "vip_not_owned", "malformed"))
        final_nodes = "1,2" if a.op == "add" else "2"
        if str(js.get("nodes")) != final_nodes:
            fails("final JSON nodes=%r expected %r" % (js.get("nodes"), final_nodes))
        print("ctl-%s: node-2 frames first half %d, second half %d; json=%s" % (
            a.op, sum(1 for f in half1 if model.owner(classify(f, VIP_I).key, mode, N) == 2),
            sum(1 for f in half2 if model.owner(classify(f, VIP_I).key, mode, N) == 2),
            json.dumps({c: js.get(c) for c in ("rx", "vip_owned", "vip_not_owned", "nodes")})))
    except StopIteration:
        pass
    finally:
        if w is not None:
            try:
                w.close()
            except OSError:
                pass
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        errf.close()
        cleanup_prefix(pfx)
    if fails:
        with open(os.path.join(work, "stderr.txt")) as f:
            print("process stderr tail:\n" + f.read()[-1500:])
    fails.dump("ctl %s" % a.op)
    return 1 if fails else 0


def host_frames():
    """Frames the host kernel sends out through the host port."""
    hmac = bytes.fromhex("02aa00000001")
    cmac = bytes.fromhex("02cc00000007")
    rmac = bytes.fromhex("001b210a0b01")
    vip = struct.pack("!I", VIP_I)

    def arp(op, eth_dst, sha, spa, tha, tpa):
        return (eth_dst + hmac + b"\x08\x06" + struct.pack("!HHBBH", 1, 0x800, 6, 4, op) +
                sha + spa + tha + tpa).ljust(60, b"\0")

    def ipv4(dst, proto, l4):
        h = bytearray(struct.pack("!BBHHHBBHII", 0x45, 0, 20 + len(l4), 4242 + len(l4), 0x4000,
                                  64, proto, 0, VIP_I, dst))
        struct.pack_into("!H", h, 10, model.csum16(bytes(h)))
        return bytes(h) + l4
    cl = model.ip2int("10.2.3.4")
    out = [
        # ARP from the VIP: sender hw must become the cluster MAC
        (arp(1, BCAST, hmac, vip, b"\0" * 6, struct.pack("!I", model.ip2int("192.168.100.1"))),
         True),
        (arp(2, cmac, hmac, vip, cmac, struct.pack("!I", model.ip2int("192.168.100.77"))), True),
        (arp(1, BCAST, hmac, vip, b"\0" * 6, vip), True),  # host's own gratuitous ARP
        # ARP from another address of the host: untouched
        (arp(1, BCAST, hmac, struct.pack("!I", model.ip2int("192.168.100.10")), b"\0" * 6,
             struct.pack("!I", model.ip2int("192.168.100.1"))), False),
    ]
    for k in range(3):
        out.append((rmac + hmac + b"\x08\x00" +
                    ipv4(cl + k, 6, struct.pack("!HHIIBBHHH", 80, 40000 + k, 7, 8, 0x50, 0x12,
                                                 65535, 0, 0)), False))
    out.append((rmac + hmac + b"\x86\xdd" + bytes(40), False))
    out.append((rmac + hmac + b"\x81\x00\x00\x64\x08\x06" +
                arp(2, rmac, hmac, vip, rmac, struct.pack("!I", model.ip2int("10.9.9.9")))[14:],
                True))  # VLAN-tagged ARP reply from the VIP
    return out


def cmd_hostside(a, app):
    """Host -> wire: everything goes out, ARP from the VIP gets the cluster
    MAC as sender hardware address, nothing else changes."""
    if not app.have("bin"):
        print("FAIL: %s not built" % app.bin)
        return SKIP
    fails = Fails()
    work = os.path.join(a.workdir, "hostside")
    os.makedirs(work, exist_ok=True)
    frames, labels = load_fixture()
    nic_in = os.path.join(work, "nic.pcap")
    nic_fr = [f for f, l in zip(frames, labels) if l in ("vip_tcp", "arp_req_vip")][:200]
    model.write_pcap(nic_in, nic_fr)
    hf = host_frames()
    host_in = os.path.join(work, "host-in.pcap")
    model.write_pcap(host_in, [f for f, _ in hf])
    wire, host = os.path.join(work, "wire.pcap"), os.path.join(work, "host.pcap")
    for p_ in (wire, host):
        if os.path.exists(p_):
            os.unlink(p_)
    pfx = prefix("hs")
    cmd = [app.bin] + eal_args(nic_in, wire, host, pfx, host_rx=host_in) + [
        "--", "--vip", VIP_S + "/24", "--node", "1/3", "--replay", "--garp", "0", "--igmp", "off"]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    finally:
        cleanup_prefix(pfx)
    if p.returncode != 0:
        fails("exit %d: %s\n%s" % (p.returncode, " ".join(cmd), p.stderr[-1500:]))
        fails.dump("hostside")
        return 1
    js = flatten(last_json(p.stdout))
    wf = model.read_pcap(wire)
    print("hostside: %d host frames in, wire=%d json=%s" % (len(hf), len(wf), json.dumps(
        {c: js.get(c) for c in ("rx", "host_rx", "host_to_wire", "arp_rewritten", "arp_reply",
                                "tx_wire_drop", "mbuf_in_use_start", "mbuf_in_use_end")})))
    nreq = sum(1 for f in nic_fr if classify(f, VIP_I).cls == ARP)
    pool = Counter(wf)
    for i, (f, rew) in enumerate(hf):
        want = f
        if rew:
            inf = classify(f, VIP_I)
            b = bytearray(f)
            b[inf.l2 + 8:inf.l2 + 14] = CMAC
            want = bytes(b)
        if pool[want] == 1:
            pool[want] -= 1
            continue
        fails("host frame #%d (%s) on the wire %d times in the expected form%s" % (
            i, "ARP from the VIP: sender hw must be the cluster MAC" if rew else "unchanged",
            pool[want], "; original form seen %d times" % pool[f] if rew else ""))
    exp = Counter(rx=len(nic_fr), host_rx=len(hf), host_to_wire=len(hf),
                  arp_rewritten=sum(1 for _, r in hf if r), arp_reply=nreq)
    check_counters(js, exp, fails, "hostside",
                   only=("host_rx", "host_to_wire", "arp_rewritten", "arp_reply",
                         "tx_wire_drop", "tx_host_drop"))
    rest = sum(pool.values()) - nreq
    if rest != 0:
        fails("wire has %d frames beyond the host frames and %d ARP replies" % (rest, nreq))
    fails.dump("hostside")
    return 1 if fails else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.normpath(os.path.join(HERE, "..", "..", "build")))
    ap.add_argument("--workdir")
    ap.add_argument("--lcores", default="0",
                    help="EAL -l list; 0-1 = main lcore + one worker")
    ap.add_argument("--via-config", action="store_true",
                    help="pass the node settings as a --config file")
    sp = ap.add_subparsers(dest="cmd", required=True)
    sp.add_parser("selftest")
    p = sp.add_parser("replay")
    p.add_argument("--nodes", type=int, default=3)
    p.add_argument("--hashmode", default="sourceip-sourceport")
    p.add_argument("--hash-init", type=lambda s: int(s, 0), default=0)
    p.add_argument("--queues", type=int, default=1,
                   help="NIC queues (= worker lcores), the fixture spread over them as RSS would")
    sp.add_parser("garp")
    sp.add_parser("hostside")
    p = sp.add_parser("big")
    p.add_argument("--frames", type=int, default=1000000)
    p.add_argument("--hashmode", default="sourceip-sourceport")
    p = sp.add_parser("ctl")
    p.add_argument("--op", choices=("add", "del"), default="add")
    a = ap.parse_args()
    global LCORES, VIA_CONFIG
    LCORES = a.lcores
    VIA_CONFIG = a.via_config
    a.build = os.path.abspath(a.build)
    if not a.workdir:
        a.workdir = os.path.join(a.build, "tests", "pcap", "work")
    app = App(a.build)
    return {"selftest": cmd_selftest, "replay": cmd_replay, "garp": cmd_garp,
            "big": cmd_big, "ctl": cmd_ctl,
            "hostside": cmd_hostside}[a.cmd](a, app)


if __name__ == "__main__":
    sys.exit(main())
