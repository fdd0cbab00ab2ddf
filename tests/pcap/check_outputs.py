#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
What dpdk-vipshare and vipshare-ctl print, against docs/design.md.

One daemon (net_pcap on a FIFO, two VIPs, --stats-interval 1, --replay):
- every key of every JSON it emits (the --replay JSON, each /vipshare/
  telemetry reply, refusals included) is a key of a "| key |" table of
  docs/design.md's Counters and Runtime control sections, and every key of
  those tables is emitted (malformed_<reason> and vips_<counter> expanded
  from the reason table and the per-VIP keys);
- the key=value lines use the JSON's names: the --stats-interval line's keys
  are keys of the --replay JSON, the status and vips lines' keys are a
  VIP's keys, the same ones in the same order;
- vipshare-ctl list prints, for this daemon, its file prefix and each of
  its vips lines (only the VIP's with --vip); --vip ADDR without
  --file-prefix finds the daemon serving ADDR, and exits 3 for an address
  nobody serves.
  check_outputs.py --build DIR [--workdir DIR]
"""
import argparse
import json
import os
import random
import re
import shutil
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)
import check_replay as cr  # noqa: E402

DESIGN = os.path.join(HERE, "..", "..", "docs", "design.md")


def documented():
    """(keys, patterns): the first-column keys of the "| key |" tables in
    the Counters and Runtime control sections; patterns: those with a
    <placeholder>, as regular expressions."""
    with open(DESIGN, encoding="utf-8") as f:
        text = f.read()
    start = text.index("\n## Counters")
    end = text.index("\n## ", text.index("\n## Runtime control") + 1)
    keys, reasons, kind = set(), set(), None
    for ln in text[start:end].splitlines():
        if not ln.startswith("|"):
            kind = None
            continue
        cells = [c.strip() for c in ln.strip("|").split("|")]
        if kind is None:
            kind = cells[0]
            continue
        if set(cells[0]) <= set("- "):
            continue
        names = re.findall(r"`([a-z_<>0-9]+)`", cells[0])
        if kind == "key":
            keys.update(names)
        elif kind == "reason":
            reasons.update(names)
    pats = {}
    for k in [k for k in keys if "<" in k]:
        keys.discard(k)
        if k == "malformed_<reason>":
            keys.update("malformed_" + r for r in reasons)
        else:
            pats[k] = re.compile("^" + re.sub(r"<[a-z]+>", "[a-z0-9_]+", k) + "$")
    return keys, pats


def json_keys(obj, out, where):
    """Every key of a JSON value, into out {key: where}; a "vips" object
    (the --replay JSON's, by address) contributes its members' keys."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.setdefault(k, where)
            if k == "vips" and isinstance(v, dict):
                for addr, per in v.items():
                    json_keys(per, out, where + " vips." + addr)
            else:
                json_keys(v, out, where)
    elif isinstance(obj, list):
        for v in obj:
            json_keys(v, out, where)


def kv_keys(line):
    return [w.split("=", 1)[0] for w in line.split() if "=" in w]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--workdir")
    a = ap.parse_args()
    app = cr.App(a.build)
    if not app.have("bin", "ctl"):
        print("FAIL: not built")
        return 1
    work = a.workdir or os.path.join(a.build, "tests", "pcap", "work-outputs")
    shutil.rmtree(work, ignore_errors=True)
    fails = cr.Fails()
    fifo, wire, host = cr.fifo_io(work)
    pfx = cr.prefix("out")
    # addresses no other test on this machine uses: the daemon is found by
    # them
    r = random.randrange(1, 250)
    v1, v2, v3, nobody = ("10.77.%d.%d" % (r, i) for i in (1, 2, 3, 4))
    cmd = [app.bin] + cr.eal_args(fifo, wire, host, pfx) + [
        "--", "--garp", "0", "--replay", "--stats-interval", "1",
        "--vip", v1 + "/24", "--node", "1,3/3", "--vip", v2, "--node", "2/2",
        "--hashmode", "sourceip", "--hash-compat", "nft"]
    proc, rd, out, errf = cr.spawn(cmd, work)
    emitted = {}
    w = None

    def ctl(*args):
        return cr.ctl(app, pfx, *args)

    def ctl_any(*args):
        """vipshare-ctl without --file-prefix"""
        p = cr.subprocess.run([app.ctl] + list(args), capture_output=True, text=True,
                              timeout=30)
        return p.returncode, p.stdout, p.stderr

    fed = [0]

    def feed(n=32):
        """n ARP requests for an address that is no VIP (to the host),
        and wait until they are counted: a worker blocked on the FIFO
        neither answers a VIP change nor prints its statistics line."""
        arp = (b"\xff" * 6 + b"\x02\x00\x00\x00\x00\x09" + b"\x08\x06" +
               b"\x00\x01\x08\x00\x06\x04\x00\x01" + b"\x02\x00\x00\x00\x00\x09" +
               bytes([10, 78, 0, 9]) + b"\x00" * 6 + bytes([10, 78, 0, 10]))
        arp += b"\x00" * (60 - len(arp))
        w.write(b"".join(cr.model.pcap_record(arp, 1700000000 * 1000000 + fed[0] + i)
                         for i in range(n)))
        fed[0] += n
        st, why = cr.wait_stats(app, pfx, proc, lambda s: s.get("rx") == fed[0])
        if st is None:
            fails("%s while waiting for rx = %d" % (why, fed[0]))
            raise StopIteration

    def raw(c):
        rc, o, e = ctl("raw", c)
        try:
            return json.loads(o) if rc == 0 else None
        except ValueError:
            fails("raw %s: not JSON: %r" % (c, o[:200]))
            return None

    try:
        w = cr.open_fifo_writer(fifo, proc)
        if w is None:
            fails("dpdk-vipshare never opened its input (rc=%s)" % proc.poll())
            raise StopIteration
        st, why = cr.wait_stats(app, pfx, proc, lambda s: True)
        if st is None:
            fails("no stats: %s" % why)
            raise StopIteration
        # every telemetry reply, and a refusal
        for c in ("/vipshare/stats", "/vipshare/stats," + v1, "/vipshare/nodes," + v2,
                  "/vipshare/node_add,%s 1" % v1, "/vipshare/vips",
                  "/vipshare/vip_add,%s --node 1/2" % v3, "/vipshare/vip_del," + v3,
                  "/vipshare/nodes," + nobody):
            js = raw(c)
            feed()
            if js is None:
                fails("no reply to %s" % c)
            else:
                json_keys(js, emitted, c)
        if "error" not in emitted:
            fails("a refused node_add gave no 'error'")
        # the text lines
        rc, o, e = ctl("vips")
        vips = [ln for ln in o.splitlines() if ln]
        rc2, o2, e2 = ctl("status")
        status = [ln for ln in o2.splitlines() if ln]
        rc3, o3, e3 = ctl("--vip", v1, "status")
        if rc or rc2 or rc3 or len(vips) != 2 or len(status) != 2:
            fails("vips/status: rc %d %d %d, %r %r" % (rc, rc2, rc3, vips, status))
        else:
            vk = [kv_keys(ln) for ln in vips]
            sk = [kv_keys(ln) for ln in status] + [kv_keys(o3)]
            if any(k != vk[0] for k in vk + sk):
                fails("the vips and status lines' keys differ: %r, %r" % (vk, sk))
            if not o3.startswith("CLUSTERIP "):
                fails("--vip status: %r" % o3)
            for ln in vips + status + [o3]:
                for k in kv_keys(ln):
                    emitted.setdefault("line:" + k, "vips/status: " + ln)
            # the status of V1 and its vips line say the same
            line1 = [ln for ln in vips if ln.startswith(v1 + "/24 ")]
            if not line1 or line1[0].split(" ", 1)[1] != o3.strip().split(" ", 1)[1]:
                fails("vips line %r and status %r of %s differ" % (line1, o3, v1))
            # list: this daemon's lines, its prefix first
            rc, o, e = ctl_any("list")
            mine = [ln for ln in o.splitlines() if ln.startswith(pfx + " ")]
            if rc != 0 or mine != [pfx + " " + ln for ln in vips]:
                fails("list: rc %d, this daemon's lines %r, want %r" % (
                    rc, mine, [pfx + " " + ln for ln in vips]))
            rc, o, e = ctl_any("--vip", v2, "list")
            want = [pfx + " " + ln for ln in vips if ln.startswith(v2 + "/")]
            if rc != 0 or o.splitlines() != want:
                fails("list --vip %s: rc %d %r, want %r" % (v2, rc, o, want))
            # found by its VIP, without --file-prefix
            rc, o, e = ctl_any("--vip", v1, "nodes")
            if rc != 0 or o.strip() != "1,3":
                fails("--vip %s nodes without --file-prefix: rc %d %r %r" % (v1, rc, o, e))
            rc, o, e = ctl_any("--vip", nobody, "nodes")
            if rc != 3 or nobody not in e:
                fails("--vip %s (nobody's) nodes: rc %d %r, want 3" % (nobody, rc, e))
            rc, o, e = ctl_any("--file-prefix", pfx, "list")
            if rc != 2:
                fails("list --file-prefix: rc %d, want 2" % rc)
        # one VIP left: its settings at the top level of the JSON
        rc, o, e = ctl("vip", "del", v2)
        feed()
        js = raw("/vipshare/stats")
        if rc != 0 or js is None or "nodes" not in js:
            fails("one VIP left: rc %d, stats %r" % (rc, (js or {}).keys()))
        elif js:
            json_keys(js, emitted, "/vipshare/stats (one VIP)")
        t0 = time.time()
        while time.time() - t0 < 2.5:  # two --stats-interval lines
            feed()
            time.sleep(0.2)
    except StopIteration:
        pass
    finally:
        if w is not None:
            w.close()
        try:
            proc.wait(timeout=60)
        except Exception:
            proc.kill()
            proc.wait()
        rd.join(10)
        errf.close()
        cr.cleanup_prefix(pfx)
    text = out[0] if out else ""
    try:
        final = cr.last_json(text)
        json_keys(final, emitted, "--replay JSON")
    except ValueError:
        final = {}
        fails("no --replay JSON (rc %s): %r" % (proc.returncode, text[-300:]))
    stats_lines = [ln for ln in text.splitlines() if " stats: " in " " + ln]
    if not stats_lines:
        fails("no --stats-interval line in %r" % text[-300:])
    for ln in stats_lines[:1]:
        body = ln[ln.index("stats: ") + 7:]
        for k in kv_keys(body):
            if k not in final:
                fails("stats line key %r is no key of the --replay JSON" % k)
            emitted.setdefault("line:" + k, "stats line")
    per_vip = set()
    for v in final.get("vips", {}).values():
        per_vip |= set(v)
    for k, where in emitted.items():
        if k.startswith("line:") and where.startswith("vips/status") and \
                k[5:] not in per_vip | {"vip"}:
            fails("vips/status key %r is no per-VIP JSON key" % k[5:])

    keys, pats = documented()
    names = {k[5:] if k.startswith("line:") else k: w for k, w in emitted.items()}
    for k, where in sorted(names.items()):
        if k not in keys and not any(p.match(k) for p in pats.values()):
            fails("key %r (%s) is not documented in docs/design.md" % (k, where))
    for k in sorted(keys - set(names)):
        fails("docs/design.md documents %r, which nothing emitted" % k)
    for k, p in pats.items():
        if not any(p.match(n) for n in names):
            fails("docs/design.md documents %r, which nothing emitted" % k)
    print("outputs: %d keys emitted, %d documented (+%d patterns)" % (
        len(names), len(keys), len(pats)))
    fails.dump("outputs")
    if not fails:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
