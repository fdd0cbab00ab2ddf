#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Plot scripts/bench-netns.sh's peer figures: each system's median through
the VIP as a share of the plain host's median in the same run.

Reads the "peer MODE METRIC vip|plain VALUE" lines of peer.txt (the script's
VSB_OUT); writes a PNG with one group of bars per figure (connections/s,
upload, download) and one bar per system, and prints the shares.

Usage: plot-peer.py PEER_TXT PNG
"""
import statistics
import sys


def shares(path):
    fig = {}
    for line in open(path):
        w = line.split()
        if len(w) == 5 and w[0] == "peer" and w[3] in ("vip", "plain"):
            try:
                fig.setdefault((w[1], w[2], w[3]), []).append(float(w[4]))
            except ValueError:
                pass
    modes = []
    for (m, _, _) in fig:
        if m not in modes:
            modes.append(m)
    out = {}
    for m in modes:
        for k in ("conns", "up", "down"):
            v, p = fig.get((m, k, "vip")), fig.get((m, k, "plain"))
            if v and p and statistics.median(p) > 0:
                out[(m, k)] = 100 * statistics.median(v) / statistics.median(p)
    return modes, out


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    modes, sh = shares(sys.argv[1])
    for (m, k), v in sh.items():
        print("%s %s %.0f%%" % (m, k, v))
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    labels = {"conns": "TCP connections/s", "up": "iperf3 upload",
              "down": "iperf3 download"}
    keys = list(labels)
    width = 0.8 / max(len(modes), 1)
    fig, ax = plt.subplots(figsize=(7, 3.6))
    for i, m in enumerate(modes):
        ax.bar([j + i * width for j in range(len(keys))],
               [sh.get((m, k), 0) for k in keys], width, label=m)
    ax.axhline(50, color="grey", linestyle="--", linewidth=0.8)
    ax.set_xticks([j + width * (len(modes) - 1) / 2 for j in range(len(keys))])
    ax.set_xticklabels([labels[k] for k in keys])
    ax.set_ylabel("% of the plain veth host, same run")
    ax.set_title("Through the owning node (median of runs)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(sys.argv[2], dpi=100)


if __name__ == "__main__":
    main()
