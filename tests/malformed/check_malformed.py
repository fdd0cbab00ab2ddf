#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
Hostile input through the real dpdk-vipshare (net_pcap replay).

  check_malformed.py [common] replay   the corpus of gen_malformed.py, nodes
                                       1..3 of 3, port mode and sourceip
  check_malformed.py [common] bounds   fragment table bound and expiry while
                                       running (FIFO input, vipshare-ctl stats)
  check_malformed.py [common] flood    ARP flood and fragment flood with valid
                                       frames among and after them
common: --build DIR (meson build dir), --workdir DIR (scratch)

Oracle: tests/pcap/model.py. Checked: exit 0, outcomes add up to rx, the
class counts the model predicts, each malformed_* reason counter equal to
the number of frames gen_malformed.py built to break that way (and they add
up to malformed), no not-owned VIP frame on the host port,
fragments all accounted for (frag_held = frag_done + frag_expired), mbufs
all back (mbuf_in_use_end == mbuf_in_use_start). Fails (exit 1) when not built.
"""
import argparse
import os
import shutil
import struct
import subprocess
import sys
import time
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(HERE, "..", "pcap"))
sys.path.insert(0, HERE)
import model  # noqa: E402
import gen_malformed as gm  # noqa: E402
from check_replay import (MALFORMED_WHY, App, Fails, check_sums,  # noqa: E402
                          cleanup_prefix, ctl_stats, eal_args, fifo_io, flatten,
                          last_json, open_fifo_writer, prefix, run_node, spawn,
                          wait_stats)
from model import ARP, MALFORMED, OTHER, VIP, VIP_FRAG, VIP_ICMPERR  # noqa: E402

VIP_S = "192.168.100.100"
VIP_I = gm.VIP
SKIP = 1  # a missing binary is a failure: suites never skip


def common_checks(js, fails, who, nframes):
    if js["rx"] != nframes:
        fails("%s: rx %d != %d frames sent" % (who, js["rx"], nframes))
    check_sums(js, fails, who)
    if js["frag_held"] != js["frag_done"] + js["frag_expired"]:
        fails("%s: frag_held %d != frag_done %d + frag_expired %d" % (
            who, js["frag_held"], js["frag_done"], js["frag_expired"]))
    if js["frag_in_table"] != 0:
        fails("%s: frag_in_table %d at exit" % (who, js["frag_in_table"]))
    if js["mbuf_in_use_end"] != js["mbuf_in_use_start"]:
        fails("%s: mbufs in use %d at exit, %d at start" % (
            who, js["mbuf_in_use_end"], js["mbuf_in_use_start"]))
    if js["frag_owned"] + js["frag_not_owned"] + js["frag_bad"] != js["frag_reassembled"]:
        fails("%s: reassembled datagrams not all decided" % who)


def host_checks(host, frames, node, total, mode, fails, who):
    """No frame of another node's share reaches the host."""
    E = model.expectations(frames, VIP_I, mode, total)
    first_owner = {}
    for inf, own in E:
        if inf.cls == VIP_FRAG and inf.fragoff == 0:
            first_owner[(inf.src, inf.ipid, inf.proto)] = own
    for i, fr in enumerate(host):
        inf = model.classify(fr, VIP_I)
        if inf.cls in (VIP, VIP_ICMPERR):
            own = model.owner(inf.key, mode, total)
        elif inf.cls == VIP_FRAG:
            if mode == "sourceip":
                own = model.owner((inf.src, 0, 0), mode, total)
            else:   # re-fragmented by us: its datagram's first fragment
                own = first_owner.get((inf.src, inf.ipid, inf.proto))
        elif inf.cls == MALFORMED and len(fr) > 2048:
            # net_pcap's TX writes a long chained mbuf cut short (seen:
            # 65521 -> 16128 bytes): judge it by its headers, zero-padded
            tot = struct.unpack_from("!H", fr, 16)[0] if len(fr) >= 18 else 0
            inf = model.classify(fr + bytes(max(0, 14 + tot - len(fr))), VIP_I)
            if inf.cls in (VIP, VIP_ICMPERR):
                own = model.owner(inf.key, mode, total)
            else:
                fails("%s: host frame #%d is malformed (len %d)" % (who, i, len(fr)))
                continue
        elif inf.cls == MALFORMED:
            fails("%s: host frame #%d is malformed (len %d)" % (who, i, len(fr)))
            continue
        else:
            continue
        if own != node:
            fails("%s: host frame #%d (%s, len %d) belongs to node %s" % (
                who, i, inf.cls, len(fr), own))


def model_counts(frames, node, total, mode):
    E = model.expectations(frames, VIP_I, mode, total)
    c = Counter()
    for inf, own in E:
        c[inf.cls] += 1
        if inf.cls in (VIP, VIP_ICMPERR) or (mode == "sourceip" and inf.cls == VIP_FRAG):
            c["owned" if own == node else "not_owned"] += 1
    return c


def cmd_replay(a, app):
    fails = Fails()
    frames = gm.all_frames()
    # why each malformed frame is: from the generator, which built it so;
    # the model (written from the rules, not from the generator) must agree
    reasons = gm.all_reasons()
    why = Counter("malformed_" + w for w in reasons if w)
    for k, (fr, w) in enumerate(zip(frames, reasons)):
        if model.classify(fr, VIP_I).why != w:
            fails("frame #%d (len %d): the model says %s, the generator %s" % (
                k, len(fr), model.classify(fr, VIP_I).why, w))
    os.makedirs(a.workdir, exist_ok=True)
    inp = os.path.join(a.workdir, "malformed.pcap")
    model.write_pcap(inp, frames)
    total = 3
    for mode in ("sourceip-sourceport", "sourceip"):
        for node in range(1, total + 1):
            who = "node %d/%d %s" % (node, total, mode)
            r = run_node(app, a.workdir, inp, node, total, mode,
                         extra=("--frag-max", "4"), timeout=300, tag="mal")
            js = r["js"]
            common_checks(js, fails, who, len(frames))
            c = model_counts(frames, node, total, mode)
            exp = {"malformed": c[MALFORMED], "other_to_host": c[OTHER],
                   "vip_owned": c["owned"], "vip_not_owned": c["not_owned"]}
            exp["frag_held"] = c[VIP_FRAG] if mode != "sourceip" else 0
            got_arp = js["arp_reply"] + js["arp_to_host"]
            if got_arp != c[ARP]:
                fails("%s: ARP outcomes %d != %d ARP frames" % (who, got_arp, c[ARP]))
            for k, v in exp.items():
                if js[k] != v:
                    fails("%s: %s = %d, model says %d" % (who, k, js[k], v))
            for k in MALFORMED_WHY:
                if js.get(k) != why[k]:
                    fails("%s: %s = %s, the generator made %d such frames" % (
                        who, k, js.get(k), why[k]))
            host_checks(r["host"], frames, node, total, mode, fails, who)
            print("%s: rx=%d malformed=%d owned=%d not_owned=%d frag_held=%d "
                  "frag_expired=%d host=%d (%.1fs)" % (
                      who, js["rx"], js["malformed"], js["vip_owned"],
                      js["vip_not_owned"], js["frag_held"], js["frag_expired"],
                      len(r["host"]), r["secs"]))
    fails.dump("malformed replay")
    return 1 if fails else 0


def cmd_bounds(a, app):
    """--frag-max 8, --frag-timeout 100 ms, --burst 1, input from a FIFO:
    40 datagrams that never complete; the table holds at most 8 while
    running; after 0.5 s and more input, all have expired in flight."""
    if not app.have("bin", "ctl"):
        print("FAIL: dpdk-vipshare or vipshare-ctl not built")
        return SKIP
    fails = Fails()
    work = a.workdir
    fifo, wire, host = fifo_io(work)
    pfx = prefix("bounds")
    cmd = [app.bin] + eal_args(fifo, wire, host, pfx) + [
        "--", "--vip", VIP_S + "/24", "--node", "1/3", "--replay", "--garp", "0",
        "--frag-max", "8", "--frag-timeout", "100", "--burst", "1"]
    incomplete = []
    for i in range(40):
        incomplete += gm.frags(gm.client(500 + i), 2000 + i, 17,
                               gm.udp(7, 8, b"f" * 2000), [(0, 1480)], mf_last=True)
    padding = [gm.vip_tcp(600 + i, b"pad") for i in range(8)]
    proc, rd, out, errf = spawn(cmd, work)

    def wait_rx(n):
        return wait_stats(app, pfx, proc, lambda st: st.get("rx", 0) >= n, timeout=60)[0]

    try:
        w = open_fifo_writer(fifo, proc)
        if w is None:
            fails("dpdk-vipshare never opened the FIFO (rc=%s)" % proc.poll())
            raise StopIteration
        ts = 1700000000 * 1000000
        for k, fr in enumerate(incomplete):
            w.write(model.pcap_record(fr, ts + k))
        st = wait_rx(len(incomplete))
        if st is None:
            fails("rx never reached %d" % len(incomplete))
            raise StopIteration
        if st["frag_in_table"] > 8:
            fails("frag_in_table %d > --frag-max 8 while running" % st["frag_in_table"])
        if st["frag_held"] != 40 or st["frag_expired"] < 32:
            fails("table full: frag_held %d (40), frag_expired %d (>= 32 dropped)" % (
                st["frag_held"], st["frag_expired"]))
        print("after 40 first fragments: frag_in_table=%d frag_expired=%d" % (
            st["frag_in_table"], st["frag_expired"]))
        time.sleep(0.5)   # 5 x --frag-timeout
        for k, fr in enumerate(padding):
            w.write(model.pcap_record(fr, ts + 1000 + k))
        st = wait_rx(len(incomplete) + len(padding))
        time.sleep(0.3)   # the worker's expiry pass runs every 100 ms
        st = ctl_stats(app, pfx) or st
        if st is None:
            fails("rx never reached %d" % (len(incomplete) + len(padding)))
        else:
            print("after %.1f s and more input: frag_in_table=%d frag_expired=%d" % (
                0.8, st["frag_in_table"], st["frag_expired"]))
            if st["frag_in_table"] != 0 or st["frag_expired"] != 40:
                fails("after the timeout: frag_in_table %d (0), frag_expired %d (40)" % (
                    st["frag_in_table"], st["frag_expired"]))
    except StopIteration:
        pass
    finally:
        try:
            if w is not None:
                w.close()
        except Exception:
            pass
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            fails("dpdk-vipshare did not stop after EOF")
        rd.join(5)
        cleanup_prefix(pfx)
        errf.close()
    if proc.returncode != 0:
        fails("exit %s; stderr in %s" % (proc.returncode, errf.name))
    else:
        js = flatten(last_json(out[0] if out else ""))
        common_checks(js, fails, "bounds", len(incomplete) + len(padding))
        if js["vip_owned"] + js["vip_not_owned"] != len(padding):
            fails("padding frames not all decided")
    fails.dump("fragment table bounds")
    return 1 if fails else 0


def cmd_flood(a, app):
    fails = Fails()
    node, total, mode = 1, 3, "sourceip-sourceport"
    valid, tags = [], []
    i = 0
    while len(valid) < 300:      # owned frames, each with a marker
        tag = b"VALID%05d" % i
        fr = gm.vip_tcp(10000 + i, tag)
        i += 1
        inf = model.classify(fr, VIP_I)
        if model.owner(inf.key, mode, total) == node:
            valid.append(fr)
            tags.append(tag)
    arp = []
    for k in range(a.arp):
        tpa = VIP_I if k % 3 else model.ip2int("10.200.0.%d" % (1 + k % 200))
        arp.append(gm.eth(gm.BCAST, 0x0806) + gm.arp(
            1, struct.pack("!IH", k, 0x0200)[::-1][:6], gm.client(k), b"\0" * 6, tpa))
    frag = []
    pl = gm.udp(9, 9, b"F" * 1600)
    for k in range(a.frags):
        s = gm.client(k % 5000)
        if k % 4 == 3:    # overlapping pair of one datagram
            frag += gm.frags(s, k & 0xFFFF, 17, pl, [(0, 1000), (504, 1000)], mf_last=True)
        else:             # first fragments that never complete
            frag += gm.frags(s, k & 0xFFFF, 17, pl, [(0, 1480)], mf_last=True)
    frames = []
    vi = 0
    for flood in (arp, frag):
        for k, fr in enumerate(flood):
            frames.append(fr)
            if k % 1000 == 999 and vi < 200:
                frames.append(valid[vi])
                vi += 1
    frames += valid[vi:]
    os.makedirs(a.workdir, exist_ok=True)
    inp = os.path.join(a.workdir, "flood.pcap")
    model.write_pcap(inp, frames)
    r = run_node(app, a.workdir, inp, node, total, mode,
                 extra=("--frag-max", "64"), timeout=600, tag="flood")
    js = r["js"]
    common_checks(js, fails, "flood", len(frames))
    marks = Counter()
    for fr in r["host"]:
        p = fr.find(b"VALID")
        if p >= 0:
            marks[fr[p:p + 10]] += 1
    missing = [k for k in range(len(valid)) if marks[tags[k]] != 1]
    if missing:
        fails("%d of %d valid owned frames did not reach the host exactly once "
              "(first: #%d)" % (len(missing), len(valid), missing[0]))
    if js["tx_host_drop"] or js["tx_wire_drop"]:
        fails("transmit drops: host %d wire %d" % (js["tx_host_drop"], js["tx_wire_drop"]))
    want_reply = sum(1 for k in range(a.arp) if k % 3)
    if js["arp_reply"] != want_reply:
        fails("arp_reply %d != %d requests for the VIP" % (js["arp_reply"], want_reply))
    print("flood: %d frames (%d ARP, %d fragments, %d valid) in %.1fs: arp_reply=%d "
          "frag_held=%d frag_expired=%d valid at host=%d mbufs %d/%d" % (
              len(frames), len(arp), len(frag), len(valid), r["secs"], js["arp_reply"],
              js["frag_held"], js["frag_expired"], len(valid) - len(missing),
              js["mbuf_in_use_start"], js["mbuf_in_use_end"]))
    for p in (inp, r["host_path"], r["wire_path"]):
        try:
            os.unlink(p)
        except OSError:
            pass
    fails.dump("flood")
    return 1 if fails else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.normpath(os.path.join(HERE, "..", "..", "build")))
    ap.add_argument("--workdir")
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("replay")
    sub.add_parser("bounds")
    f = sub.add_parser("flood")
    f.add_argument("--arp", type=int, default=60000)
    f.add_argument("--frags", type=int, default=60000)
    a = ap.parse_args()
    a.workdir = a.workdir or os.path.join(a.build, "tests", "malformed", "work-" + a.cmd)
    app = App(a.build)
    if not app.have("bin"):
        print("FAIL: %s not built" % app.bin)
        return SKIP
    shutil.rmtree(a.workdir, ignore_errors=True)
    rc = {"replay": cmd_replay, "bounds": cmd_bounds, "flood": cmd_flood}[a.cmd](a, app)
    if rc == 0:
        shutil.rmtree(a.workdir, ignore_errors=True)
    return rc


if __name__ == "__main__":
    sys.exit(main())
