#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Summarise scripts/bench-steer.sh results and plot them.

Reads DIR/vipshare-{64,imix}-N.txt (dpdk-vipshare --bench output, JSON on
the last line) and DIR/testpmd-{1,2}-N.txt (dpdk-testpmd io forwarding with
--stats-period 1), prints a side-by-side table of the medians over the
invocations, writes DIR/summary.json and, with --png, a plot of Mpps
against lcores (steering against io-forward and testpmd).

Usage: plot-bench.py --results DIR [--png FILE]
"""
import argparse
import glob
import json
import os
import re
import statistics
import sys


def med(v):
    return statistics.median(v) if v else float("nan")


def load_vipshare(d, size):
    runs = []
    for f in sorted(glob.glob(os.path.join(d, "vipshare-%s-*.txt" % size))):
        with open(f) as fh:
            lines = fh.read().rstrip("\n").split("\n")
        try:
            runs.append(json.loads(lines[-1]))
        except ValueError:
            print("plot-bench: %s: no JSON on the last line" % f,
                  file=sys.stderr)
    return runs


def summarise_vipshare(runs):
    """Median over the invocations of every per-lcore-count figure."""
    out = {}
    for j in runs:
        for r in j["scaling"]:
            out.setdefault(r["lcores"], []).append(r)
    rows = []
    for n in sorted(out):
        rs = out[n]
        row = {"lcores": n, "invocations": len(rs)}
        for k in ["steer_mpps_per_lcore", "iofwd_mpps_per_lcore",
                  "steer_mpps_total", "iofwd_mpps_total", "ratio",
                  "cycles_per_frame", "iofwd_cycles_per_frame"]:
            row[k] = round(med([r[k] for r in rs]), 3)
        row["steer_mpps_per_lcore_min"] = min(r["steer_mpps_per_lcore"] for r in rs)
        row["steer_mpps_per_lcore_max"] = max(r["steer_mpps_per_lcore"] for r in rs)
        row["ratio_min"] = min(r["ratio"] for r in rs)
        row["ratio_max"] = max(r["ratio"] for r in rs)
        rows.append(row)
    return rows


PPS = re.compile(r"Rx-pps:\s+(\d+)")


def testpmd_mpps(f):
    """Median of the per-second samples (sum over the ports), skipping the
    start-up ones."""
    with open(f) as fh:
        vals = [int(x) for x in PPS.findall(fh.read())]
    samples = [vals[i] + vals[i + 1] for i in range(0, len(vals) - 1, 2)]
    samples = [s for s in samples if s > 0][1:]
    return med(samples) / 1e6 if samples else None


def load_testpmd(d):
    res = {}
    for f in sorted(glob.glob(os.path.join(d, "testpmd-*-*.txt"))):
        fc = int(os.path.basename(f).split("-")[1])
        v = testpmd_mpps(f)
        if v is not None:
            res.setdefault(fc, []).append(v)
    return {fc: {"lcores": fc, "invocations": len(v),
                 "mpps_total": round(med(v), 3),
                 "mpps_per_lcore": round(med(v) / fc, 3)}
            for fc, v in sorted(res.items())}


def plot(summary, png):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    style = {"64": "o", "imix": "s"}
    for size, rows in summary["vipshare"].items():
        if not rows:
            continue
        x = [r["lcores"] for r in rows]
        ax1.plot(x, [r["steer_mpps_total"] for r in rows], "-" + style[size],
                 color="tab:red", label="steer, %s mix" % size,
                 alpha=1 if size == "64" else 0.6)
        ax1.plot(x, [r["iofwd_mpps_total"] for r in rows], "--" + style[size],
                 color="tab:blue", label="io-fwd, %s mix" % size,
                 alpha=1 if size == "64" else 0.6)
        ax2.plot(x, [r["ratio"] for r in rows], "-" + style[size],
                 color="tab:red" if size == "64" else "tab:orange",
                 label="steer / io-fwd, %s mix" % size)
    tp = summary["testpmd"]
    if tp:
        x = sorted(int(k) for k in tp)
        ax1.plot(x, [tp[str(k)]["mpps_total"] for k in x], ":^",
                 color="tab:green",
                 label="dpdk-testpmd io (net_null)")
    ax1.plot([1, 2], [37, 74], color="grey", lw=0.8, ls="-.",
             label="target 37 Mpps/lcore")
    ax1.set_xlabel("lcores")
    ax1.set_ylabel("Mpps (all lcores)")
    ax1.set_xticks([1, 2])
    ax1.set_ylim(bottom=0)
    ax1.grid(alpha=0.3)
    ax1.legend(fontsize=8)
    ax1.set_title("Mpps against lcores (medians)")
    ax2.axhline(0.85, color="grey", lw=0.8, ls="-.", label="target 0.85")
    ax2.set_xlabel("lcores")
    ax2.set_ylabel("steer Mpps / io-fwd Mpps (same run)")
    ax2.set_xticks([1, 2])
    ax2.set_ylim(0, 1.05)
    ax2.grid(alpha=0.3)
    ax2.legend(fontsize=8)
    ax2.set_title("steering against io-forward")
    fig.suptitle("dpdk-vipshare --bench (2-core VM, shared)", fontsize=10)
    fig.tight_layout()
    fig.savefig(png, dpi=110)
    print("plot-bench: wrote %s" % png, file=sys.stderr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", required=True)
    ap.add_argument("--png")
    a = ap.parse_args()
    summary = {"vipshare": {}, "testpmd": {}}
    for size in ["64", "imix"]:
        summary["vipshare"][size] = summarise_vipshare(
            load_vipshare(a.results, size))
    summary["testpmd"] = {str(k): v for k, v in load_testpmd(a.results).items()}

    print("%-4s %-6s %11s %11s %7s %9s %9s %11s %11s" % (
        "mix", "lcores", "steer", "io-fwd", "ratio", "steer", "io-fwd",
        "steer", "testpmd io"))
    print("%-4s %-6s %11s %11s %7s %9s %9s %11s %11s" % (
        "", "", "Mpps/lcore", "Mpps/lcore", "", "cyc/frame", "cyc/frame",
        "Mpps total", "Mpps/lcore"))
    for size, rows in summary["vipshare"].items():
        for r in rows:
            tp = summary["testpmd"].get(str(r["lcores"]))
            print("%-4s %-6d %11.2f %11.2f %7.3f %9.1f %9.1f %11.2f %11s" % (
                size, r["lcores"], r["steer_mpps_per_lcore"],
                r["iofwd_mpps_per_lcore"], r["ratio"], r["cycles_per_frame"],
                r["iofwd_cycles_per_frame"], r["steer_mpps_total"],
                "%.2f" % tp["mpps_per_lcore"] if tp and size == "64" else "-"))
    print("(medians over the invocations; testpmd: io forwarding between two "
          "net_null copy=1 size=64 ports, sum of both ports' Rx-pps per "
          "forwarding lcore)")
    with open(os.path.join(a.results, "summary.json"), "w") as fh:
        json.dump(summary, fh, indent=1)
    if a.png:
        plot(summary, a.png)
    print(json.dumps(summary, separators=(",", ":")))


if __name__ == "__main__":
    main()
