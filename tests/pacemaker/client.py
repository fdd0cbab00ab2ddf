#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""TCP client of the pacemaker suite, run in the client namespace.

Every node serves "NAME\\n" on VIP:80. The client connects from chosen source
ports, one per node number (bucket), so it knows which node number each
connection hashes to (ports picked with vipshare-which beforehand).

  client.py round SRC VIP PORTFILE [--rounds R] [--timeout S]
      R rounds, one connection per bucket each (concurrently); prints
      "bucket answer" lines (answer "-" when it failed).
  client.py until-all SRC VIP PORTFILE --deadline S [--timeout S]
      rounds every 0.3 s until one where every bucket answers; prints
      "elapsed SECONDS" and the answers, exit 1 at the deadline.
PORTFILE: lines "bucket port", many ports per bucket; each is used once
(PORTFILE.used counts the rounds done by earlier runs).
"""
import socket
import sys
import threading
import time


def load_ports(path):
    """Ports per bucket, minus those used by earlier runs (PATH.used)."""
    ports = {}
    with open(path) as f:
        for line in f:
            b, p = line.split()
            ports.setdefault(int(b), []).append(int(p))
    try:
        with open(path + ".used") as f:
            used = int(f.read())
    except (OSError, ValueError):
        used = 0
    return {b: v[used:] for b, v in ports.items()}, used


def save_used(path, used):
    with open(path + ".used", "w") as f:
        f.write("%d\n" % used)


def connect(src, vip, sport, timeout):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.settimeout(timeout)
    try:
        s.bind((src, sport))
        s.connect((vip, 80))
        data = b""
        while not data.endswith(b"\n"):
            chunk = s.recv(64)
            if not chunk:
                break
            data += chunk
        name = data.decode().strip()
        return name or "-"
    except OSError:
        return "-"
    finally:
        s.close()


def one_round(src, vip, ports, timeout):
    res = {}

    def run(b, p):
        res[b] = connect(src, vip, p, timeout)

    ts = []
    for b in sorted(ports):
        p = ports[b].pop(0)
        t = threading.Thread(target=run, args=(b, p))
        t.start()
        ts.append(t)
    for t in ts:
        t.join()
    return res


def main():
    args = sys.argv[1:]
    mode, src, vip, pfile = args[:4]
    opts = dict(zip(args[4::2], args[5::2]))
    timeout = float(opts.get("--timeout", "2"))
    ports, used = load_ports(pfile)
    if mode == "round":
        for _ in range(int(opts.get("--rounds", "1"))):
            res = one_round(src, vip, ports, timeout)
            used += 1
            save_used(pfile, used)
            for b in sorted(res):
                print(b, res[b])
        return 0
    if mode == "until-all":
        deadline = float(opts["--deadline"])
        t0 = time.monotonic()
        while True:
            res = one_round(src, vip, ports, timeout)
            used += 1
            save_used(pfile, used)
            el = time.monotonic() - t0
            if all(v != "-" for v in res.values()):
                print("elapsed %.1f" % el)
                for b in sorted(res):
                    print(b, res[b])
                return 0
            if el > deadline:
                print("elapsed %.1f" % el)
                for b in sorted(res):
                    print(b, res[b])
                return 1
            time.sleep(0.3)
    print("unknown mode", mode, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
