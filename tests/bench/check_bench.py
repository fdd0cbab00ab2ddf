#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Run dpdk-vipshare --bench --bench-seconds 1 and check its output.

Checks that the last stdout line is one JSON object with the documented
keys, that every lcore count from 1 to all was measured, that frames were
steered and that the steering counters add up (every generated frame lands
in exactly one outcome; fragments held = reassembled + expired). No timing
assertion: the machine may be loaded.

Usage: check_bench.py --binary PATH [--lcores L] [-- EXTRA APP OPTIONS]
Options after '--' replace the default --vip/--node (extra flags may
override single ones). Exit 0 pass, 1 fail, 77 skip.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

OUTCOMES = ["arp_reply", "arp_to_host", "vip_owned", "vip_not_owned",
            "other_to_host", "malformed", "frag_held"]
KEYS = ["steer_mpps_per_lcore", "iofwd_mpps_per_lcore", "ratio",
        "cycles_per_frame", "lcores"]


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--lcores", default="0")
    ap.add_argument("extra", nargs="*")
    a = ap.parse_args()
    if not os.access(a.binary, os.X_OK):
        print("FAIL: %s not built" % a.binary)  # suites never skip
        sys.exit(1)
    prefix = "vsb-test-%d" % os.getpid()
    cmd = [a.binary, "--no-huge", "-m", "256", "--no-pci", "-l", a.lcores,
           "--file-prefix", prefix, "--log-level", "lib.*:warning", "--",
           "--vip", "192.168.100.100"] + \
        ([] if "--node" in a.extra else ["--node", "1/3"]) + \
        ["--bench", "--bench-seconds", "1"] + a.extra
    print(" ".join(cmd))
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=90, text=True)
    finally:
        shutil.rmtree("/var/run/dpdk/" + prefix, ignore_errors=True)
    sys.stdout.write(p.stdout)
    if p.returncode != 0:
        sys.stdout.write(p.stderr[-3000:])
        fail("exit code %d" % p.returncode)
    lines = p.stdout.rstrip("\n").split("\n")
    try:
        j = json.loads(lines[-1])
    except ValueError as e:
        fail("last line is not JSON: %s" % e)
    if not isinstance(j, dict):
        fail("last line is not a JSON object")
    for k in KEYS:
        if not isinstance(j.get(k), (int, float)):
            fail("missing or non-numeric key %s" % k)
    nl = len(a.lcores.split(",")) if "-" not in a.lcores else \
        int(a.lcores.split("-")[1]) - int(a.lcores.split("-")[0]) + 1
    if j["lcores"] != nl:
        fail("lcores %s, expected %d" % (j["lcores"], nl))
    rows = j.get("scaling")
    if [r["lcores"] for r in rows] != list(range(1, nl + 1)):
        fail("scaling rows %s" % [r["lcores"] for r in rows])
    for r in rows:
        if not (r["steer_mpps_per_lcore"] > 0 and
                r["iofwd_mpps_per_lcore"] > 0 and r["cycles_per_frame"] > 0):
            fail("row without measurement: %s" % r)
    c = j["counters"]
    if c["rx"] <= 0 or c["rx"] != c["generated"]:
        fail("rx %d != generated %d" % (c["rx"], c["generated"]))
    if sum(c[k] for k in OUTCOMES) != c["rx"]:
        fail("outcomes %d != rx %d" % (sum(c[k] for k in OUTCOMES), c["rx"]))
    if c["frag_held"] != c["frag_done"] + c["frag_expired"]:
        fail("fragments held %d != done %d + expired %d" %
             (c["frag_held"], c["frag_done"], c["frag_expired"]))
    for k in ["vip_owned", "vip_not_owned", "arp_reply", "other_to_host"]:
        if c[k] <= 0:
            fail("no frame counted as %s" % k)
    if c["malformed"] or c["tx_host_drop"] or c["tx_wire_drop"]:
        fail("malformed or transmit drops: %s" % c)
    # the parts of those sums are there, and zero too
    parts = [k for k in c if k.startswith("malformed_")] + \
        ["tx_wire_full", "tx_wire_announce_fail", "tx_host_full", "tx_host_refrag_fail"]
    if len(parts) < 18 or any(c.get(k) != 0 for k in parts):
        fail("drop reasons missing or not zero: %s" % {k: c.get(k) for k in parts})
    if j.get("counters_ok") is not True:
        fail("counters_ok is not true")
    print("PASS: %d frames steered, %d lcores, ratio %.3f" %
          (c["rx"], j["lcores"], j["ratio"]))


if __name__ == "__main__":
    main()
