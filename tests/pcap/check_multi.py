#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
Several VIPs on one NIC, against the independent model (model.py).

  check_multi.py [common] replay [--via-config]
      tests/pcap/multi.pcap (four VIPs with different N, hash modes, seeds,
      compat and cluster MACs, see gen_fixtures.py) replayed once per node
      number 1..4 (VIP v holds number (run-1) mod N_v + 1, every VIP's
      settings on one command line, defaults before the first --vip, or
      in a --config file with [vip] sections), with host-side ARP from
      every VIP. Checked per run, each VIP by its own settings: every VIP
      frame on the host iff the model says that VIP's node is held,
      datagrams reassembled (port modes) or frame by frame (sourceip, nft),
      ICMP errors by the VIP they quote, frames for no VIP to the host
      once, malformed nowhere; ARP requests answered with the VIP's own
      cluster MAC, the host's ARP from a VIP rewritten to that VIP's MAC,
      gratuitous ARPs and IGMP reports per VIP (its MAC, its group), one
      MRD; the totals and every VIP's counters (seen/accepted per node
      number included) as the model counts them. Across the runs, per VIP:
      the partition property (runs 1..N_v: every frame of the VIP on
      exactly one host).
  check_multi.py [common] telemetry
      64 VIPs holding 64 numbers each: every reply whole within 16 KiB,
      vipshare-ctl vips/status/nodes print them in full, a 65th refused.
  check_multi.py [common] ctl
      Runtime: a daemon with two VIPs reads a FIFO; between thirds of the
      traffic, vipshare-ctl adds a third VIP (vip add) and removes the
      second (vip del); each third is checked against the model with the
      VIPs of its time; the first VIP loses no frame; refusals (duplicate
      address or MAC, the last VIP, no --vip with several) exit 1.
common: --build DIR, --workdir DIR
"""
import argparse
import json
import os
import struct
import subprocess
import sys
import time
from collections import Counter, defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)
import model  # noqa: E402
from model import ARP, MALFORMED, OTHER, VIP, VIP_FRAG, VIP_ICMPERR, classify  # noqa: E402
import check_replay as cr  # noqa: E402

FIXTURE = os.path.join(HERE, "multi.pcap")
SETTINGS = os.path.join(HERE, "multi.json")
BCAST = b"\xff" * 6
ROUTER_MAC = bytes.fromhex("001b210a0b01")
HOST_MAC = bytes.fromhex("02aa00000001")
VIP_COUNTERS = ("rx", "arp_reply", "arp_to_host", "vip_owned", "vip_not_owned", "malformed",
                "frag_held", "frag_owned", "frag_not_owned", "icmp_err_owned",
                "icmp_err_not_owned", "csum_fixed", "arp_rewritten", "garp_sent", "igmp_sent")
VIP_OUTCOMES = ("arp_reply", "arp_to_host", "vip_owned", "vip_not_owned", "malformed",
                "frag_held")
TOTALS = ("rx", "arp_reply", "arp_to_host", "vip_owned", "vip_not_owned", "other_to_host",
          "malformed", "frag_held", "frag_reassembled", "frag_owned", "frag_not_owned",
          "frag_bad", "frag_expired", "icmp_err_owned", "icmp_err_not_owned", "host_rx",
          "host_to_wire", "arp_rewritten", "garp_sent", "igmp_sent", "tx_wire_drop",
          "tx_host_drop")


class Vip:
    """One VIP's settings (multi.json), in the model's terms."""

    def __init__(self, d):
        self.ip = d["ip"]
        self.i = model.ip2int(d["ip"])
        self.prefix = d["prefix"]
        self.total = d["total"]
        self.mode = d["mode"]
        self.hash_init = d["hash_init"]
        self.compat = d["compat"]
        self.garp = d["garp"]
        self.mac = model.mac_bytes(d["mac"]) if d["mac"] else model.cluster_mac(self.i)
        self.s = dict(mode=self.mode, total=self.total, hash_init=self.hash_init,
                      compat=self.compat)
        self.reasm = model.needs_reassembly(self.s)

    def group(self):
        """The IPv4 group the cluster MAC maps to: 239 + its low 23 bits."""
        return (239 << 24) | ((self.mac[3] & 0x7F) << 16) | (self.mac[4] << 8) | self.mac[5]


def load():
    with open(SETTINGS) as f:
        js = json.load(f)
    return (model.read_pcap(FIXTURE), js["labels"], [Vip(d) for d in js["vips"]],
            Vip(js["late"]))


# Defaults before the first --vip, each VIP only what differs: the
# command line exercises both.
DEFAULTS = {"hashmode": "sourceip-sourceport", "hash-init": "0", "garp": "3",
            "hash-compat": "clusterip"}


def vip_opts(v, node):
    """A VIP's own options (those that differ from DEFAULTS)."""
    o = [("node", "%d/%d" % (node, v.total))]
    if v.mode != DEFAULTS["hashmode"]:
        o.append(("hashmode", v.mode))
    if v.hash_init:
        o.append(("hash-init", "0x%x" % v.hash_init))
    if v.compat != "clusterip":
        o.append(("hash-compat", v.compat))
    if v.mac != model.cluster_mac(v.i):
        o.append(("mac", model.mac_str(v.mac)))
    if str(v.garp) != DEFAULTS["garp"]:
        o.append(("garp", str(v.garp)))
    return o


def cmdline(vips, nodes):
    args = []
    for k, val in DEFAULTS.items():
        args += ["--" + k, val]
    for v in vips:
        args += ["--vip", "%s/%d" % (v.ip, v.prefix)]
        for k, val in vip_opts(v, nodes[v.i]):
            args += ["--" + k, val]
    return args


def config_text(vips, nodes):
    lines = ["# written by check_multi.py"] + ["%s = %s" % kv for kv in DEFAULTS.items()]
    for v in vips:
        lines.append("[vip %s/%d]" % (v.ip, v.prefix))
        lines += ["%s = %s" % kv for kv in vip_opts(v, nodes[v.i])]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ host side
def arp_frame(op, dst, sha, spa, tha, tpa, vlan=None):
    l2 = dst + HOST_MAC + (b"\x81\x00" + struct.pack("!H", vlan) if vlan else b"")
    return (l2 + b"\x08\x06" + struct.pack("!HHBBH", 1, 0x800, 6, 4, op) + sha +
            struct.pack("!I", spa) + tha + struct.pack("!I", tpa)).ljust(60, b"\0")


def host_frames(vips, late):
    """What the host sends: ARP from every VIP (and the late one, and an
    address of no VIP), an IPv4 frame: (frame, VIP int whose MAC the ARP
    sender must get, or None)."""
    out = []
    router = model.ip2int("192.168.100.1")
    for v in vips + [late]:
        out.append((arp_frame(1, BCAST, HOST_MAC, v.i, b"\0" * 6, router), v.i))
        out.append((arp_frame(2, ROUTER_MAC, HOST_MAC, v.i, ROUTER_MAC, router, vlan=7), v.i))
    out.append((arp_frame(1, BCAST, HOST_MAC, model.ip2int("192.168.100.10"), b"\0" * 6,
                          router), None))
    ip = bytearray(struct.pack("!BBHHHBBHII", 0x45, 0, 28, 1, 0, 64, 17, 0, vips[0].i, router))
    struct.pack_into("!H", ip, 10, model.csum16(bytes(ip)))
    out.append((ROUTER_MAC + HOST_MAC + b"\x08\x00" + bytes(ip) + bytes(8), None))
    return out


def rewritten(f, mac):
    inf = classify(f, 0)
    b = bytearray(f)
    b[inf.l2 + 8:inf.l2 + 14] = mac
    return bytes(b)


# ------------------------------------------------------------------ the model
class Expect:
    """What one process holding held[vip int] = node set must do with the
    frames, the VIPs being `vips` (each decides its frames by its own
    settings)."""

    def __init__(self, frames, vips, held, host_in=(), late=None):
        self.frames = frames
        self.vips = {v.i: v for v in vips}
        self.held = held
        self.host = Counter()      # normalized frames expected on the host
        self.not_host = []         # VIP frames that must not go up
        self.dgrams = []           # (fid, vip, owner, payload) port-mode datagrams
        self.arp_req = []          # (frame, Vip) answered
        self.c = Counter()
        self.pv = {v.i: Counter() for v in vips}
        self.seen = {v.i: Counter() for v in vips}
        self.decided = []          # (kind, id, vip, owner): for the partition
        vset = set(self.vips)
        self.infos = [classify(f, vset) for f in frames]
        first = {}
        frags = defaultdict(list)
        for idx, inf in enumerate(self.infos):
            if inf.cls == VIP_FRAG and self.vips[inf.vip].reasm:
                fid = (inf.src, inf.dst, inf.ipid, inf.proto)
                frags[fid].append(idx)
                if inf.fragoff == 0:
                    first[fid] = inf.key
        self.c["rx"] = len(frames)
        for idx, inf in enumerate(self.infos):
            f = frames[idx]
            pv = self.pv.get(inf.vip)
            if pv is not None:
                pv["rx"] += 1
            if inf.cls == MALFORMED:
                self.c["malformed"] += 1
                if pv is not None:
                    pv["malformed"] += 1
            elif inf.cls == OTHER:
                self.c["other_to_host"] += 1
                self.host[cr.norm(f)] += 1
            elif inf.cls == ARP:
                if pv is not None and inf.arp_op == 1 and inf.arp_spa != inf.vip:
                    self.c["arp_reply"] += 1
                    pv["arp_reply"] += 1
                    self.arp_req.append((f, self.vips[inf.vip]))
                else:
                    self.c["arp_to_host"] += 1
                    if pv is not None:
                        pv["arp_to_host"] += 1
                    self.host[cr.norm(f)] += 1
            elif inf.cls == VIP_FRAG and self.vips[inf.vip].reasm:
                self.c["frag_held"] += 1
                pv["frag_held"] += 1
            else:
                v = self.vips[inf.vip]
                own = model.owner_of(inf.key, v.s)
                mine = own in held[v.i]
                self.seen[v.i][own] += 1
                self.decided.append(("frame", cr.norm(f), v.i, own))
                k = "vip_owned" if mine else "vip_not_owned"
                self.c[k] += 1
                pv[k] += 1
                if inf.cls == VIP_ICMPERR:
                    k = "icmp_err_owned" if mine else "icmp_err_not_owned"
                    self.c[k] += 1
                    pv[k] += 1
                if mine:
                    self.host[cr.norm(f)] += 1
                else:
                    self.not_host.append(f)
        for fid, idxs in frags.items():
            inf0 = self.infos[idxs[0]]
            v = self.vips[inf0.dst]
            parts = []
            for idx in idxs:
                inf = self.infos[idx]
                ip = frames[idx][inf.l2:inf.l2 + inf.tot]
                parts.append((inf.fragoff, inf.mf, ip[inf.ihl:], ip[:inf.ihl]))
            r = model.reassemble(parts)
            assert r is not None and fid in first, "fixture datagram incomplete"
            own = model.owner_of(first[fid], v.s)
            mine = own in held[v.i]
            self.seen[v.i][own] += 1
            self.decided.append(("dgram", fid, v.i, own))
            self.dgrams.append((fid, v, own, r[1]))
            self.c["frag_reassembled"] += 1
            k = "frag_owned" if mine else "frag_not_owned"
            self.c[k] += 1
            self.pv[v.i][k] += 1
        # the host side
        self.host_in = list(host_in)
        self.c["host_rx"] = self.c["host_to_wire"] = len(self.host_in)
        for f, vi in self.host_in:
            if vi in self.pv:
                self.c["arp_rewritten"] += 1
                self.pv[vi]["arp_rewritten"] += 1

    def accepted(self, vi):
        return Counter({n: c for n, c in self.seen[vi].items() if n in self.held[vi]})


# ------------------------------------------------------------------ checks
def frame_desc(f, vset):
    inf = classify(f, vset)
    s = "len=%d cls=%s" % (len(f), inf.cls)
    if inf.ethertype == 0x0800 and inf.cls != MALFORMED:
        s += " %s->%s id=%d proto=%d" % (model.int2ip(inf.src), model.int2ip(inf.dst), inf.ipid,
                                         inf.proto)
        if inf.vip is not None:
            s += " vip=%s key=(%s,%d,%d)" % (model.int2ip(inf.vip), model.int2ip(inf.key[0]),
                                             inf.key[1], inf.key[2])
    return s


def check_host(E, host, host_mac, fails, who):
    """Every expected frame once, nothing else; datagrams whole; VIP
    frames addressed to the host port's MAC."""
    vset = set(E.vips)
    fids = {d[0] for d in E.dgrams}
    got = Counter()
    dg_got = defaultdict(list)
    for h in host:
        inf = classify(h, vset)
        if inf.cls in (VIP, VIP_FRAG, VIP_ICMPERR):
            if h[:6] != host_mac:
                fails("%s: VIP frame to the host with destination %s, not the host "
                      "port's %s: %s" % (who, model.mac_str(h[:6]), model.mac_str(host_mac),
                                         frame_desc(h, vset)))
            fid = (inf.src, inf.dst, inf.ipid, inf.proto)
            if fid in fids:
                ip = h[inf.l2:inf.l2 + inf.tot]
                dg_got[fid].append((inf.fragoff, inf.mf, ip[inf.ihl:], ip[:inf.ihl]))
                continue
        got[cr.norm(h)] += 1
    for key, n in E.host.items():
        if got[key] != n:
            fails("%s: frame on the host %d times, expected %d: %s" % (
                who, got[key], n, frame_desc(b"\0" * 6 + key, vset)))
    for key, n in (got - E.host).items():
        fails("%s: unexpected frame on the host (x%d): %s" % (who, n,
                                                              frame_desc(b"\0" * 6 + key, vset)))
    for fid, v, own, payload in E.dgrams:
        parts = dg_got.get(fid, [])
        if own in E.held[v.i]:
            r = model.reassemble(parts) if parts else None
            if r is None or r[1] != payload:
                fails("%s: datagram %s of VIP %s (node %d) not delivered whole (%d parts)" % (
                    who, cr.fid_s(fid), v.ip, own, len(parts)))
        elif parts:
            fails("%s: datagram %s of VIP %s is node %d's, not ours, yet delivered" % (
                who, cr.fid_s(fid), v.ip, own))
    return got, dg_got


def arp_reply_ok(req, rep, v, nic_mac):
    ri = classify(req, v.i)
    pi = classify(rep, v.i)
    return (pi.cls == ARP and rep[:6] == req[6:12] and rep[6:12] == nic_mac and
            rep[12:ri.l2] == req[12:ri.l2] and pi.arp_op == 2 and pi.arp_sha == v.mac and
            pi.arp_spa == v.i and pi.arp_tha == ri.arp_sha and pi.arp_tpa == ri.arp_spa)


def check_wire(E, wire, nic_mac, fails, who, garp=True, igmp=True):
    """ARP replies with each VIP's MAC, host frames (ARP rewritten to the
    sender VIP's MAC), GARPs and IGMP reports per VIP, one MRD."""
    left = list(wire)

    def take(pred, what, n=1):
        hits = [w for w in left if pred(w)]
        if len(hits) != n:
            fails("%s: %d wire frames for %s, expected %d" % (who, len(hits), what, n))
        for w in hits[:n]:
            left.remove(w)

    for req, v in E.arp_req:
        take(lambda w, req=req, v=v: arp_reply_ok(req, w, v, nic_mac),
             "the ARP reply (MAC %s) to %s" % (model.mac_str(v.mac), frame_desc(req, v.i)))
    for f, vi in E.host_in:
        want = rewritten(f, E.vips[vi].mac) if vi in E.vips else f
        take(lambda w, want=want: w == want,
             "host frame %s" % ("rewritten to VIP %s's MAC" % model.int2ip(vi)
                                if vi in E.vips else "unchanged"))
    for v in E.vips.values():
        if garp:
            g = (BCAST + nic_mac + b"\x08\x06" + struct.pack("!HHBBH", 1, 0x800, 6, 4, 1) +
                 v.mac + struct.pack("!I", v.i) + b"\0" * 6 + struct.pack("!I", v.i))
            take(lambda w, g=g: w == g, "gratuitous ARPs of %s" % v.ip, v.garp)
        if igmp:
            grp = v.group()

            def is_report(w, v=v, grp=grp):
                return (len(w) >= 14 + 24 + 8 and w[12:14] == b"\x08\x00" and
                        w[:6] == bytes([1, 0, 0x5E, (grp >> 16) & 0x7F, (grp >> 8) & 255,
                                        grp & 255]) and
                        struct.unpack("!II", w[26:34]) == (v.i, grp) and w[23] == 2 and
                        w[14 + 24] == 0x16 and struct.unpack("!I", w[14 + 28:14 + 32])[0] == grp)
            take(is_report, "the IGMP report of %s for %s" % (v.ip, model.int2ip(grp)))
    if igmp:
        take(lambda w: len(w) >= 34 and w[30:34] == bytes([224, 0, 0, 106]) and w[23] == 2,
             "the MRD advertisement")
    for w in left[:5]:
        fails("%s: unexpected frame on the wire: %s" % (who, frame_desc(w, set(E.vips))))


def check_counters(E, js, fails, who, garp=True, igmp=True, only_vips=None):
    exp = Counter(E.c)
    if garp:
        for v in E.vips.values():
            exp["garp_sent"] += v.garp
            E.pv[v.i]["garp_sent"] = v.garp
    if igmp:
        exp["igmp_sent"] = len(E.vips) + 1
        for v in E.vips.values():
            E.pv[v.i]["igmp_sent"] = 1
    for k in TOTALS:
        if js.get(k) != exp[k]:
            fails("%s: total %s = %s, model %d" % (who, k, js.get(k), exp[k]))
    cr.check_sums(js, fails, who)
    if js.get("mbuf_in_use_end") != js.get("mbuf_in_use_start"):
        fails("%s: mbuf leak %s -> %s" % (who, js.get("mbuf_in_use_start"),
                                          js.get("mbuf_in_use_end")))
    jv = js.get("vips", {})
    want = only_vips if only_vips is not None else list(E.vips)
    if sorted(jv) != sorted(model.int2ip(i) for i in want):
        fails("%s: JSON vips %s, expected %s" % (who, sorted(jv),
                                                 sorted(model.int2ip(i) for i in want)))
    for vi in want:
        v = E.vips[vi]
        d = jv.get(v.ip, {})
        for k in VIP_COUNTERS:
            if d.get(k) != E.pv[vi][k]:
                fails("%s: VIP %s %s = %s, model %d" % (who, v.ip, k, d.get(k), E.pv[vi][k]))
        if d.get("rx") != sum(d.get(k, 0) for k in VIP_OUTCOMES):
            fails("%s: VIP %s outcomes do not add up to its rx: %s" % (who, v.ip, d))
        seen = [E.seen[vi][n] for n in range(1, v.total + 1)]
        acc = [E.accepted(vi)[n] for n in range(1, v.total + 1)]
        if d.get("seen") != seen or d.get("accepted") != acc:
            fails("%s: VIP %s seen %s accepted %s, model %s %s" % (
                who, v.ip, d.get("seen"), d.get("accepted"), seen, acc))
        nodes = ",".join(str(n) for n in sorted(E.held[vi]))
        settings = dict(prefix=v.prefix, nodes=nodes, total_nodes=v.total,
                        hashmode=v.mode, hash_compat=v.compat, hash_init=v.hash_init,
                        cluster_mac=model.mac_str(v.mac))
        for k, val in settings.items():
            if d.get(k) != val:
                fails("%s: VIP %s %s = %r, expected %r" % (who, v.ip, k, d.get(k), val))


# ------------------------------------------------------------------ replay
def run(app, work, tag, args, host_in):
    os.makedirs(work, exist_ok=True)
    wire, host = (os.path.join(work, "%s-%s.pcap" % (tag, x)) for x in ("wire", "host"))
    hin = os.path.join(work, "%s-host-in.pcap" % tag)
    model.write_pcap(hin, [f for f, _ in host_in])
    for p in (wire, host):
        if os.path.exists(p):
            os.unlink(p)
    pfx = cr.prefix(tag)
    cmd = [app.bin] + cr.eal_args(FIXTURE, wire, host, pfx, host_rx=hin) + ["--"] + args + [
        "--replay", "--igmp", "report,mrd"]
    t0 = time.time()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    finally:
        cr.cleanup_prefix(pfx)
    if p.returncode != 0:
        raise RuntimeError("exit %d: %s\n%s" % (p.returncode, " ".join(cmd), p.stderr[-2000:]))
    js = cr.flatten(cr.last_json(p.stdout))
    return dict(js=js, host=model.read_pcap(host), wire=model.read_pcap(wire),
                secs=time.time() - t0, cmd=" ".join(cmd))


def cmd_replay(a, app):
    if not app.have("bin"):
        print("FAIL: %s not built" % app.bin)
        return 1
    fails = cr.Fails()
    frames, labels, vips, late = load()
    if len(set(frames)) != len(frames):
        fails("multi.pcap has duplicate frames")
    hin = host_frames(vips, late)
    nmax = max(v.total for v in vips)
    delivered = defaultdict(lambda: defaultdict(set))  # vip -> id -> runs
    allE = {}
    for j in range(1, nmax + 1):
        nodes = {v.i: (j - 1) % v.total + 1 for v in vips}
        held = {vi: {n} for vi, n in nodes.items()}
        E = Expect(frames, vips, held, hin)
        allE[j] = E
        args = cmdline(vips, nodes)
        if a.via_config:
            conf = os.path.join(a.workdir, "multi-%d.conf" % j)
            os.makedirs(a.workdir, exist_ok=True)
            with open(conf, "w") as f:
                f.write(config_text(vips, nodes))
            args = ["--config", conf]
        who = "run %d (%s)" % (j, " ".join("%s:%d/%d" % (v.ip, nodes[v.i], v.total)
                                           for v in vips))
        try:
            r = run(app, a.workdir, "m%d" % j, args, hin)
        except Exception as e:  # noqa: BLE001
            fails("%s failed: %s" % (who, e))
            break
        print("%s: %.2fs host=%d wire=%d rx=%s" % (who, r["secs"], len(r["host"]),
                                                   len(r["wire"]), r["js"].get("rx")))
        nic = model.mac_bytes(r["js"].get("nic_mac", "00:00:00:00:00:00"))
        hmac = model.mac_bytes(r["js"].get("host_mac", "00:00:00:00:00:00"))
        got, dg_got = check_host(E, r["host"], hmac, fails, who)
        check_wire(E, r["wire"], nic, fails, who)
        check_counters(E, r["js"], fails, who)
        for kind, ident, vi, own in E.decided:
            on = got[ident] > 0 if kind == "frame" else bool(dg_got.get(ident))
            if on:
                delivered[vi][(kind, ident)].add(j)
    # the partition property, per VIP, over the runs holding 1..N
    for v in vips:
        runs = set(range(1, v.total + 1))
        n_ok = 0
        for kind, ident, vi, own in allE[1].decided:
            if vi != v.i:
                continue
            where = delivered[vi][(kind, ident)] & runs
            if len(where) != 1:
                fails("partition, VIP %s: %s %s delivered by nodes %s of 1..%d" % (
                    v.ip, kind, frame_desc(b"\0" * 6 + ident, set(allE[1].vips))
                    if kind == "frame" else cr.fid_s(ident), sorted(where), v.total))
            else:
                n_ok += 1
        print("partition VIP %s (N=%d, %s%s, seed 0x%x): %d decisions each on exactly one node"
              % (v.ip, v.total, v.mode if v.compat == "clusterip" else "nft",
                 ", reassembly" if v.reasm else "", v.hash_init, n_ok))
        if n_ok == 0:
            fails("partition, VIP %s: no decision checked" % v.ip)
    fails.dump("multi replay%s" % (" (config)" if a.via_config else ""))
    return 1 if fails else 0


# ------------------------------------------------------------------ runtime
def cmd_ctl(a, app):
    if not app.have("bin", "ctl"):
        print("FAIL: %s or %s not built" % (app.bin, app.ctl))
        return 1
    fails = cr.Fails()
    frames, labels, vips, late = load()
    v0, v1 = vips[0], vips[1]
    # unfragmented traffic of v0, v1 and the late VIP, ARP included, and
    # frames for no VIP: thirds, each a multiple of the 32-frame burst
    # (net_pcap on a FIFO holds a partial burst back)
    pool = [f for f, lab in zip(frames, labels)
            if not lab.endswith("_frag") and lab != "malformed" and
            (lab.startswith(("v0_", "v1_", "v4_", "other", "arp_req_other")))]
    third = (len(pool) // 3) // 32 * 32
    parts = [pool[:third], pool[third:2 * third], pool[2 * third:3 * third]]
    sets = [[v0, v1], [v0, v1, late], [v0, late]]
    held = {v0.i: {1}, v1.i: {2}, late.i: {1}}
    work = os.path.join(a.workdir, "multi-ctl")
    fifo, wire, host = cr.fifo_io(work)
    pfx = cr.prefix("mctl")
    # --garp 0 before the first --vip: a default, so every VIP's
    args = ["--garp", "0", "--vip", "%s/%d" % (v0.ip, v0.prefix), "--node", "1/%d" % v0.total,
            "--vip", "%s/%d" % (v1.ip, v1.prefix), "--node", "2/%d" % v1.total,
            "--hashmode", v1.mode, "--hash-init", "0x%x" % v1.hash_init,
            "--mac", model.mac_str(v1.mac)]
    cmd = [app.bin] + cr.eal_args(fifo, wire, host, pfx) + ["--"] + args + [
        "--replay", "--igmp", "off"]
    print("start: %s" % " ".join(cmd))
    proc, rd, out_holder, errf = cr.spawn(cmd, work)
    w = None
    total = 0

    def ctl(*args, want=0):
        rc, out, err = cr.ctl(app, pfx, *args)
        if rc != want:
            fails("vipshare-ctl %s: exit %d (want %d): %s %s" % (
                " ".join(args), rc, want, out.strip()[:200], err.strip()[:200]))
        return out

    def feed(fl, base):
        nonlocal total
        w.write(b"".join(model.pcap_record(f, base + i) for i, f in enumerate(fl)))
        total += len(fl)
        st, why = cr.wait_stats(app, pfx, proc, lambda st: st.get("rx") == total)
        if st is None:
            fails("%s while waiting for rx = %d" % (why, total))
            raise StopIteration
        return st

    try:
        w = cr.open_fifo_writer(fifo, proc)
        if w is None:
            fails("dpdk-vipshare never opened the FIFO")
            raise StopIteration
        st, why = cr.wait_stats(app, pfx, proc, lambda st: st.get("rx") == 0)
        if st is None:
            fails("process not up: %s" % why)
            raise StopIteration
        # several VIPs and no --vip: refused, naming the way out
        ctl("nodes", want=1)
        ctl("add", "3", want=1)
        if ctl("--vip", v1.ip, "nodes").strip() != "2":
            fails("--vip %s nodes is not 2" % v1.ip)
        feed(parts[0], 1700000000 * 1000000)
        ctl("vip", "add", "%s/%d" % (late.ip, late.prefix), "--node", "1/%d" % late.total,
            "--hashmode", late.mode, "--hash-init", "0x%x" % late.hash_init,
            "--garp", "0")
        # refused: the same address again, another VIP's MAC, the last VIP
        # later; bad words
        ctl("vip", "add", late.ip, "--node", "1/2", want=1)
        ctl("vip", "add", "192.168.100.200", "--node", "1/2", "--mac",
            model.mac_str(v1.mac), want=1)
        ctl("vip", "add", "192.168.100.201", "--node", "1/2", "--port", "0", want=1)
        ctl("vip", "add", "192.168.100.202", want=1)  # no nodes: the defaults have none
        lines = ctl("vips").strip().splitlines()
        if [ln.split()[0] for ln in lines] != ["%s/%d" % (v.ip, v.prefix) for v in sets[1]]:
            fails("vips after add: %r" % lines)
        elif "hash_init=%d" % late.hash_init not in lines[2] or "nodes=1 " not in lines[2]:
            fails("vips line of the added VIP: %r" % lines[2])
        feed(parts[1], 1700000001 * 1000000)
        ctl("vip", "del", v1.ip)
        ctl("vip", "del", v1.ip, want=1)
        ctl("--vip", v1.ip, "nodes", want=1)
        feed(parts[2], 1700000002 * 1000000)
        ctl("vip", "del", late.ip)
        ctl("vip", "del", v0.ip, want=1)   # the last VIP stays
        if ctl("nodes").strip() != "1":
            fails("one VIP left: nodes without --vip")
        w.close()
        w = None
        proc.wait(timeout=30)
        rd.join(5)
        out = out_holder[0] if out_holder else ""
        if proc.returncode != 0:
            fails("exit code %d" % proc.returncode)
        js = cr.flatten(cr.last_json(out))
    except StopIteration:
        js = None
    except subprocess.TimeoutExpired:
        fails("process did not exit 30 s after the FIFO closed")
        js = None
    finally:
        if w is not None:
            w.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        errf.close()
        cr.cleanup_prefix(pfx)
    if js is not None:
        hostf = model.read_pcap(host)
        wiref = model.read_pcap(wire)
        exps = [Expect(parts[k], sets[k], held) for k in range(3)]
        # each third against the model with the VIPs of its time
        want = sum((E.host for E in exps), Counter())
        got = Counter(cr.norm(h) for h in hostf)
        for key, n in (want - got).items():
            fails("missing on the host (x%d): %s" % (n, frame_desc(b"\0" * 6 + key, set())))
        for key, n in (got - want).items():
            fails("unexpected on the host (x%d): %s" % (n, frame_desc(b"\0" * 6 + key, set())))
        nreq = 0
        for k, E in enumerate(exps):
            for req, v in E.arp_req:
                nreq += 1
                if sum(1 for x in wiref if arp_reply_ok(req, x, v, model.mac_bytes(
                        js.get("nic_mac")))) != 1:
                    fails("third %d: no ARP reply with %s's MAC to %s" % (
                        k + 1, v.ip, frame_desc(req, v.i)))
        if len(wiref) != nreq:
            fails("wire: %d frames, %d ARP replies expected" % (len(wiref), nreq))
        tot = sum((E.c for E in exps), Counter())
        for k in ("rx", "arp_reply", "arp_to_host", "vip_owned", "vip_not_owned",
                  "other_to_host", "icmp_err_owned", "icmp_err_not_owned"):
            if js.get(k) != tot[k]:
                fails("total %s = %s, model %d" % (k, js.get(k), tot[k]))
        cr.check_sums(js, fails, "ctl")
        # v0 throughout: every frame of it counted and decided
        pv0 = sum((E.pv[v0.i] for E in exps), Counter())
        d0 = js.get("vips", {}).get(v0.ip, {})
        for k in ("rx", "vip_owned", "vip_not_owned", "arp_reply", "arp_to_host"):
            if d0.get(k) != pv0[k]:
                fails("VIP %s (never touched) %s = %s, model %d" % (v0.ip, k, d0.get(k), pv0[k]))
        if sorted(js.get("vips", {})) != [v0.ip]:
            fails("final vips %s, expected only %s" % (sorted(js.get("vips", {})), v0.ip))
        n_late = sum(1 for E in exps[1:] for inf in E.infos if inf.vip == late.i)
        n_v1_gone = sum(1 for inf in exps[2].infos if inf.cls == OTHER and
                        inf.dst == v1.i)
        print("ctl: thirds of %d frames; %s frames decided %d (owned %d); late VIP's frames "
              "decided after its add %d; %d frames of the removed VIP went up as other" % (
                  third, v0.ip, pv0["vip_owned"] + pv0["vip_not_owned"], pv0["vip_owned"],
                  n_late, n_v1_gone))
        if n_late == 0 or n_v1_gone == 0:
            fails("the thirds do not exercise the add and the del")
    if fails:
        with open(os.path.join(work, "stderr.txt")) as f:
            print("process stderr tail:\n" + f.read()[-1500:])
    fails.dump("multi ctl")
    return 1 if fails else 0


# ------------------------------------------------------------------ limits
def cmd_telemetry(a, app):
    """64 VIPs, each holding all 64 numbers with the longest settings: every
    reply is whole JSON within DPDK telemetry's 16 KiB, and vipshare-ctl
    prints every VIP in full (nodes from the mask, status one query per
    VIP); a 65th VIP is refused."""
    if not app.have("bin", "ctl"):
        print("FAIL: %s or %s not built" % (app.bin, app.ctl))
        return 1
    fails = cr.Fails()
    work = os.path.join(a.workdir, "telemetry")
    os.makedirs(work, exist_ok=True)
    pfx = cr.prefix("tel")
    args = ["--garp", "0", "--igmp", "off", "--idle-sleep", "1000", "--node", "1-64/64",
            "--hashmode", "sourceip-sourceport-destport", "--hash-init", "4294967295",
            "--hash-compat", "clusterip"]
    for k in range(64):
        args += ["--vip", "10.%d.%d.%d/24" % (k, 255 - k, 200 + k % 50)]
    cmd = [app.bin, "-l", "0", "--no-huge", "-m", "256", "--no-pci", "--file-prefix", pfx,
           "--log-level=notice", "--vdev", "net_null0", "--vdev", "net_null1", "--"] + args
    proc, rd, out_holder, errf = cr.spawn(cmd, work)
    all_nodes = ",".join(str(n) for n in range(1, 65))
    try:
        st, why = cr.wait_stats(app, pfx, proc, lambda st: "rx" in st)
        if st is None:
            fails("not up: %s" % why)
            raise StopIteration
        for c in ("/vipshare/stats", "/vipshare/vips", "/vipshare/status",
                  "/vipshare/stats,10.3.252.203", "/vipshare/nodes,10.3.252.203"):
            rc, out, err = cr.ctl(app, pfx, "raw", c)
            size = len(out.strip())
            try:
                js = json.loads(out)
            except ValueError:
                js = None
            print("%s: %d bytes" % (c, size))
            if rc != 0 or js is None or size > 16 * 1024:
                fails("%s: rc %d, %d bytes, %s" % (c, rc, size,
                                                   "valid JSON" if js else "not JSON"))
            elif c == "/vipshare/stats" and (len(js.get("vips", [])) != 64 or
                                             len(js.get("vips_rx", [])) != 64):
                fails("%s: not 64 VIPs: %s" % (c, out[:300]))
            elif c == "/vipshare/vips" and (len(js.get("vip", [])) != 64 or
                                            js.get("nodes_mask", [0])[0] != (1 << 64) - 1):
                fails("%s: not 64 VIPs holding 1..64: %s" % (c, out[:300]))
            elif c.startswith("/vipshare/stats,") and (len(js.get("seen", [])) != 64):
                fails("%s: seen has not 64 numbers: %s" % (c, out[:300]))
        rc, out, err = cr.ctl(app, pfx, "vips")
        lines = out.strip().splitlines()
        if rc != 0 or len(lines) != 64 or any(
                ("nodes=%s " % all_nodes) not in ln or "hash_init=4294967295" not in ln
                for ln in lines):
            fails("vipshare-ctl vips: rc %d, %d lines: %r" % (rc, len(lines), lines[:1]))
        rc, out, err = cr.ctl(app, pfx, "status")
        lines = out.strip().splitlines()
        if rc != 0 or len(lines) != 64 or any(
                ("CLUSTERIP nodes=%s " % all_nodes) not in ln or " hash_init=4294967295 " not in ln
                for ln in lines):
            fails("vipshare-ctl status: rc %d, %d lines: %r" % (rc, len(lines), lines[:1]))
        rc, out, err = cr.ctl(app, pfx, "--vip", "10.63.192.213", "nodes")
        if rc != 0 or out.strip() != all_nodes:
            fails("vipshare-ctl --vip ... nodes: %r" % out)
        rc, out, err = cr.ctl(app, pfx, "vip", "add", "10.200.0.1", "--node", "1/2")
        if rc != 1 or "64" not in err:
            fails("a 65th VIP: rc %d %r" % (rc, err))
    except StopIteration:
        pass
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        errf.close()
        cr.cleanup_prefix(pfx)
    fails.dump("multi telemetry")
    return 1 if fails else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.normpath(os.path.join(HERE, "..", "..", "build")))
    ap.add_argument("--workdir")
    sp = ap.add_subparsers(dest="cmd", required=True)
    p = sp.add_parser("replay")
    p.add_argument("--via-config", action="store_true")
    sp.add_parser("ctl")
    sp.add_parser("telemetry")
    a = ap.parse_args()
    a.build = os.path.abspath(a.build)
    if not a.workdir:
        a.workdir = os.path.join(a.build, "tests", "pcap", "work-multi")
    app = cr.App(a.build)
    return {"replay": cmd_replay, "ctl": cmd_ctl, "telemetry": cmd_telemetry}[a.cmd](a, app)


if __name__ == "__main__":
    sys.exit(main())
