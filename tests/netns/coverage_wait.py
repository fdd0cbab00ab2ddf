#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Wait until every named node reports the expected coverage.

  coverage_wait.py --nodes 1,2,3 --within S [--since T] [--vip ADDR] KEY=VALUE...

Polls /vipshare/coverage on each node's telemetry socket
(/var/run/dpdk/vsn-nK/dpdk_telemetry.v2) every 50 ms. KEY is one of the
lists of the coverage object (duplicates, holes, black_holed,
double_accepted: node numbers "2" or "2+3" or "" for none; mismatch: the
number of peers listed; peers: the number of live peers); the lists not
given must be empty (peers: not checked). Prints for each node the time at
which it first reported exactly that; exit 0 when every node did within S
seconds of T (wall clock, seconds since the epoch: when the test made the
change; default: now), 1 otherwise (with the last object of the nodes that
did not).
"""
import argparse
import json
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", required=True)
    ap.add_argument("--within", type=float, required=True)
    ap.add_argument("--vip", default="")
    ap.add_argument("--since", type=float, default=0.0)
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
    seen, last = {}, {}
    while len(seen) < len(nodes) and time.time() - t0 < a.within + 1.0:
        for k in nodes:
            if k in seen:
                continue
            try:
                last[k] = query("vsn-n%d" % k, cmd)
            except (OSError, ValueError, KeyError) as e:
                last[k] = "error: %s" % e
                continue
            if matches(last[k], want):
                seen[k] = time.time() - t0
        time.sleep(0.05)
    bad = 0
    for k in nodes:
        if k in seen and seen[k] <= a.within:
            print("node %d: %s after %.2f s" % (k, " ".join(a.want) or "ok", seen[k]))
        else:
            bad += 1
            print("node %d: not %s within %.1f s (%s); last: %s" % (
                k, " ".join(a.want) or "ok", a.within,
                "at %.2f s" % seen[k] if k in seen else "never", json.dumps(last.get(k))))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
