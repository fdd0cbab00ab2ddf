#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Clients and watchers for the hitless-move test (test_move.sh).

  hold --dst VIP --ports P,P,.. --stop FILE --out FILE [--interval S]
      One connection from each source port to VIP:80 (the cluster's
      service, which says its node's name, then echoes lines with it).
      Every --interval, each sends a line and must get it back with the
      banner it got at first, within 3 s. --out (rewritten every 0.5 s, then
      at the end): {"PORT": {"banner", "n" (exchanges), "err" (the first
      error: "reset", "stall", "closed", "answer:..."; "" none), "last"
      (wall clock of its last good exchange)}}. Once FILE exists every
      connection is closed (FIN), "closed_at" is added, exit 0.
  flood --dst VIP --count N --seconds S
      N TCP SYNs to VIP:80 from random addresses of 10.99.0.0/16 and random
      ports, spread over S seconds (a raw socket: nothing answers them).
  conns --dst VIP --ports P,P,..
      One short connection from each source port: prints "PORT BANNER"
      (the node's name) or "PORT FAIL reason".
  watch --nodes 1,2,3 --stop FILE --out FILE
      Polls every node's /vipshare/coverage every 100 ms until FILE exists;
      --out: {"polls": N, "bad": [[time, node, "duplicates"|"holes",
      [numbers]], ...]} (only the first 50 bad ones kept).
  logtime FILE REGEX
      The wall clock (seconds since the epoch, UTC) of the first "move"
      line of a daemon log FILE matching REGEX; nothing when none does.
"""
import argparse
import calendar
import json
import os
import random
import re
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from coverage_wait import query  # noqa: E402 (the telemetry round trip)


def write_json(path, obj):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f)
    os.replace(tmp, path)


def hold(a):
    ports = [int(p) for p in a.ports.split(",")]
    conns = {}
    st = {}
    for p in ports:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((a.src, p))
        s.settimeout(10)
        st[p] = {"banner": "", "n": 0, "err": "", "last": 0.0}
        try:
            s.connect((a.dst, 80))
            f = s.makefile("rb")
            st[p]["banner"] = f.readline().decode().strip()
            conns[p] = (s, f)
        except OSError as e:
            st[p]["err"] = "connect:%s" % e
            s.close()
    t_write = 0.0
    t_end = time.monotonic() + a.max_time
    n = 0
    while not os.path.exists(a.stop) and time.monotonic() < t_end:
        n += 1
        for p, (s, f) in list(conns.items()):
            if st[p]["err"]:
                continue
            try:
                s.settimeout(3)
                s.sendall(b"%d\n" % n)
                line = f.readline().decode().strip()
            except ConnectionResetError:
                st[p]["err"] = "reset"
                continue
            except socket.timeout:
                st[p]["err"] = "stall"
                continue
            except OSError as e:
                st[p]["err"] = "error:%s" % e
                continue
            if not line:
                st[p]["err"] = "closed"
            elif line != "%s %d" % (st[p]["banner"], n):
                st[p]["err"] = "answer:%s" % line[:40]
            else:
                st[p]["n"] += 1
                st[p]["last"] = time.time()
        if time.monotonic() - t_write >= 0.5:
            write_json(a.out, st)
            t_write = time.monotonic()
        time.sleep(a.interval)
    # close: FIN, then wait for the server's FIN (its socket goes away)
    for p, (s, f) in conns.items():
        try:
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass
    closed_at = time.time()
    deadline = time.monotonic() + 3
    for p, (s, f) in conns.items():
        try:
            s.settimeout(max(0.1, deadline - time.monotonic()))
            s.recv(64)
        except OSError:
            pass
        s.close()
    out = dict(st)
    out["closed_at"] = closed_at
    write_json(a.out, out)
    return 0


def conns(a):
    for p in [int(x) for x in a.ports.split(",")]:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((a.src, p))
            s.settimeout(10)
            s.connect((a.dst, 80))
            banner = s.makefile("rb").readline().decode().strip()
            print("%d %s" % (p, banner or "FAIL no-banner"), flush=True)
        except OSError as e:
            print("%d FAIL %s" % (p, type(e).__name__), flush=True)
        finally:
            s.close()
    return 0


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def flood(a):
    dst = socket.inet_aton(a.dst)
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    rnd = random.Random(a.seed)
    per = a.seconds / max(1, a.count)
    t0 = time.monotonic()
    sent = 0
    for i in range(a.count):
        src = socket.inet_aton("10.99.%d.%d" % (rnd.randrange(256),
                                                 rnd.randrange(1, 255)))
        sport = rnd.randrange(1024, 65536)
        seq = rnd.randrange(1 << 32)
        tcp = struct.pack("!HHIIBBHHH", sport, 80, seq, 0, 5 << 4, 0x02,
                          64240, 0, 0)
        ph = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
        tcp = tcp[:16] + struct.pack("!H", csum(ph + tcp)) + tcp[18:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp),
                         rnd.randrange(65536), 0, 64, 6, 0, src, dst)
        try:
            s.sendto(ip + tcp, (a.dst, 0))
            sent += 1
        except OSError:
            pass
        # pace: the machine is shared
        ahead = t0 + (i + 1) * per - time.monotonic()
        if ahead > 0:
            time.sleep(ahead)
    print("flood sent=%d seconds=%.2f" % (sent, time.monotonic() - t0))
    return 0 if sent == a.count else 1


def watch(a):
    nodes = [int(k) for k in a.nodes.split(",")]
    polls, bad = 0, []
    while not os.path.exists(a.stop):
        for k in nodes:
            try:
                c = query("vsn-n%d" % k, "/vipshare/coverage")
            except (OSError, ValueError, KeyError):
                continue
            if not isinstance(c, dict) or "holes" not in c:
                continue
            polls += 1
            for key in ("duplicates", "holes"):
                if c[key] and len(bad) < 50:
                    bad.append([time.time(), k, key, c[key]])
        write_json(a.out, {"polls": polls, "bad": bad})
        time.sleep(0.1)
    write_json(a.out, {"polls": polls, "bad": bad})
    return 0


def logtime(a):
    pat = re.compile(a.regex)
    # log.c's stamp: 2026-12-02T04:28:13.965+00:00 dpdk-vipshare: move ...
    stamp = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d{3})"
                       r"([+-])(\d\d):(\d\d) \S+: move ")
    with open(a.file, errors="replace") as f:
        for line in f:
            m = stamp.search(line)
            if m and pat.search(line):
                t = calendar.timegm(time.strptime(m.group(1),
                                                  "%Y-%m-%dT%H:%M:%S"))
                off = (int(m.group(4)) * 3600 + int(m.group(5)) * 60) * (
                    -1 if m.group(3) == "-" else 1)
                print("%.3f" % (t - off + int(m.group(2)) / 1000))
                break
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    h = sub.add_parser("hold")
    h.add_argument("--dst", required=True)
    h.add_argument("--src", default="")
    h.add_argument("--ports", required=True)
    h.add_argument("--stop", required=True)
    h.add_argument("--out", required=True)
    h.add_argument("--interval", type=float, default=0.2)
    h.add_argument("--max-time", type=float, default=300)
    f = sub.add_parser("flood")
    f.add_argument("--dst", required=True)
    f.add_argument("--count", type=int, required=True)
    f.add_argument("--seconds", type=float, default=2.0)
    f.add_argument("--seed", type=int, default=15)
    c = sub.add_parser("conns")
    c.add_argument("--dst", required=True)
    c.add_argument("--src", default="")
    c.add_argument("--ports", required=True)
    w = sub.add_parser("watch")
    w.add_argument("--nodes", required=True)
    w.add_argument("--stop", required=True)
    w.add_argument("--out", required=True)
    t = sub.add_parser("logtime")
    t.add_argument("file")
    t.add_argument("regex")
    a = ap.parse_args()
    return {"hold": hold, "flood": flood, "conns": conns,
            "watch": watch, "logtime": logtime}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
