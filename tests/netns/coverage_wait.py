#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Wait until every named node reports the expected coverage.

  coverage_wait.py --nodes 1,2,3 --within S [--since T] [--vip ADDR]
                   [--logs DIR --offsets K:BYTES,...] KEY=VALUE...

Polls /vipshare/coverage on each node's telemetry socket
(/var/run/dpdk/vsn-nK/dpdk_telemetry.v2) every 50 ms. KEY is one of the
lists of the coverage object (duplicates, holes, black_holed,
double_accepted: node numbers "2" or "2+3" or "" for none; mismatch: the
number of peers listed; peers: the number of live peers); the lists not
given must be empty (peers: not checked).

Two things are checked per node: that it reports exactly that (the poller
gives it REACH extra seconds: on a loaded machine a telemetry round trip or
this script's own start can take seconds, which says nothing about the
daemon), and how long the daemon took. With --logs, the time is the
daemon's own: the wall-clock stamp of the last "coverage VIP: ..." line it
logged (DIR/nK.log, from byte K:BYTES on, the size when the change was
made) up to the moment the poller saw the state -- the moment the state
reached what is expected, since each change of it is logged; no line: it
did not change (0 s). Without --logs, the time the poller first saw it.
Either is counted from T (--since: wall clock, seconds since the epoch, when
the test made the change; default: now). Exit 0 when every node reports it
and took at most S seconds, 1 otherwise (with the last object, or the
events, of the nodes that did not).
"""
import argparse
import calendar
import json
import os
import re
import socket
import sys
import time

LISTS = ("duplicates", "holes", "black_holed", "double_accepted")


def query(prefix, cmd):
    path = "/var/run/dpdk/%s/dpdk_telemetry.v2" % prefix
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(2)
    try:
        s.connect(path)
        s.recv(4096)  # the greeting
        s.send(cmd.encode())
        reply = json.loads(s.recv(65536).decode())
    finally:
        s.close()
    v = reply[cmd.split(",")[0]]
    return json.loads(v) if isinstance(v, str) else v


def matches(obj, want):
    if not isinstance(obj, dict) or "holes" not in obj:
        return False
    for k in LISTS:
        if obj[k] != want.get(k, []):
            return False
    if obj["mismatch"].__len__() != want.get("mismatch", 0):
        return False
    if "peers" in want and len(obj["peers"]) != want["peers"]:
        return False
    return True


# "2026-12-02T01:02:03.456+00:00 dpdk-vipshare: coverage 192.168.100.100:
#  duplicate 2 started" (the daemon stamps every log line, local time)
EVENT = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d{3})([+-])(\d\d):(\d\d) "
                   r"\S+: coverage (\S+): (.*)")


def events(path, offset, vip):
    """The coverage events logged from byte offset on: (time, text)."""
    try:
        with open(path, "rb") as f:
            if os.fstat(f.fileno()).st_size < offset:
                offset = 0  # a new log
            f.seek(offset)
            data = f.read().decode(errors="replace")
    except OSError:
        return []
    out = []
    for line in data.splitlines():
        m = EVENT.search(line)
        if not m or (vip and m.group(6) != vip):
            continue
        t = calendar.timegm(time.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S"))
        off = (int(m.group(4)) * 3600 + int(m.group(5)) * 60) * (
            -1 if m.group(3) == "-" else 1)
        out.append((t - off + int(m.group(2)) / 1000.0, m.group(7)))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", required=True)
    ap.add_argument("--within", type=float, required=True)
    ap.add_argument("--vip", default="")
    ap.add_argument("--since", type=float, default=0.0)
    ap.add_argument("--reach", type=float, default=8.0)
    ap.add_argument("--logs", default="")
    ap.add_argument("--offsets", default="")
    ap.add_argument("want", nargs="*")
    a = ap.parse_args()
    want = {}
    for kv in a.want:
        k, v = kv.split("=", 1)
        if k in LISTS:
            want[k] = [int(x) for x in v.split("+")] if v else []
        elif k in ("mismatch", "peers"):
            want[k] = int(v)
        else:
            ap.error("unknown key %s" % k)
    nodes = [int(k) for k in a.nodes.split(",")]
    cmd = "/vipshare/coverage" + ("," + a.vip if a.vip else "")
    t0 = a.since or time.time()
    offsets = {}
    for kv in filter(None, a.offsets.split(",")):
        k, v = kv.split(":")
        offsets[int(k)] = int(v)
    seen, last = {}, {}
    while len(seen) < len(nodes) and time.time() - t0 < a.within + a.reach:
        for k in nodes:
            if k in seen:
                continue
            try:
                last[k] = query("vsn-n%d" % k, cmd)
            except (OSError, ValueError, KeyError) as e:
                last[k] = "error: %s" % e
                continue
            if matches(last[k], want):
                seen[k] = time.time()
        time.sleep(0.05)
    bad = 0
    what = " ".join(a.want) or "ok"
    for k in nodes:
        if k not in seen:
            bad += 1
            print("node %d: never reported %s (polled %.1f s); last: %s" % (
                k, what, a.within + a.reach, json.dumps(last.get(k))))
            continue
        if a.logs:
            ev = [e for e in events(os.path.join(a.logs, "n%d.log" % k),
                                    offsets.get(k, 0), a.vip)
                  if e[0] <= seen[k] + 0.001]
            took = max(0.0, ev[-1][0] - t0) if ev else 0.0
            how = "daemon's log: %s" % ("; ".join(
                "%s at %+.2f s" % (e[1], e[0] - t0) for e in ev) or "no change")
        else:
            took = seen[k] - t0
            how = "poller"
        ok = took <= a.within
        bad += not ok
        print("node %d: %s %s after %.2f s (%s; poller saw it at %.2f s)" % (
            k, what, "" if ok else "NOT within %.1f s," % a.within, took, how,
            seen[k] - t0))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
