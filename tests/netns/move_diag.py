#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
Run inside a fresh network namespace (test_move_diag.sh): real TCP
sockets on the VIP in the states the drainer must count, and those it
must not, then move_diag_probe (vs_move_diag_count: netlink inet_diag)
under several hash settings, against the per-number counts this script
computes with the pcap model's own jhash (tests/pcap/model.py).

  counted:  connections accepted on VIP:443 (IPv4 listener), on VIP:8443
            through a dual-stack [::] listener (IPv4-mapped sockets),
            ones the client closed first (CLOSE_WAIT on our side), an
            outbound connection from the VIP
  ignored:  listeners, TIME_WAIT (we closed first, the client too),
            connections on another local address (127.0.0.1), the
            clients' own sockets
usage: move_diag.py PROBE VIP
"""
import os
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "pcap"))
import model  # noqa: E402

probe, vip = sys.argv[1], sys.argv[2]
CLIENTS = ["10.9.0.%d" % i for i in range(1, 5)]
OUT_PEER = ("10.9.0.9", 7000)

keep = []       # every socket, kept open
counted = []    # (peer address, peer port, our port) of counted sockets


def listener(family, addr, port, v6only=None):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if v6only is not None:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, v6only)
    s.bind((addr, port))
    s.listen(128)
    keep.append(s)
    return s


def connect(src, sport, dst, dport):
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    c.bind((src, sport))
    c.connect((dst, dport))
    return c


l4 = listener(socket.AF_INET, vip, 443)
l6 = listener(socket.AF_INET6, "::", 8443, v6only=0)
lo = listener(socket.AF_INET, "127.0.0.1", 443)
lout = listener(socket.AF_INET, OUT_PEER[0], OUT_PEER[1])

port = 20000
for i in range(60):
    src = CLIENTS[i % len(CLIENTS)]
    port += 7
    kind = i % 6
    if kind == 5:  # another local address: ignored
        c = connect(src, port, "127.0.0.1", 443)
        keep += [c, lo.accept()[0]]
        continue
    dport = 8443 if kind in (1, 3) else 443
    c = connect(src, port, vip, dport)
    s, _ = (l6 if dport == 8443 else l4).accept()
    if kind == 4:
        # we close first, then the client: TIME_WAIT on our side
        s.close()
        time.sleep(0.01)
        c.close()
        continue
    if kind == 2:
        # the client closes first: CLOSE_WAIT on our side, counted
        c.close()
    else:
        keep.append(c)
    keep.append(s)
    counted.append((src, port, dport))

# outbound from the VIP
o = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
o.bind((vip, 33333))
o.connect(OUT_PEER)
keep += [o, lout.accept()[0]]
counted.append((OUT_PEER[0], OUT_PEER[1], 33333))
time.sleep(0.2)

fails = 0
for mode, total, init, compat in (
        ("sourceip-sourceport", 3, 0, "clusterip"),
        ("sourceip-sourceport", 5, 0xdeadbeef, "clusterip"),
        ("sourceip-sourceport-destport", 4, 7, "clusterip"),
        ("sourceip", 2, 0, "clusterip"),
        ("sourceip", 3, 0x1234, "nft")):
    want = [0] * total
    for a, sp, dp in counted:
        if compat == "nft":
            n = model.node_of(model.nft_hash(model.ip2int(a), init), total)
        else:
            n = model.owner((model.ip2int(a), sp, dp), mode, total, init)
        want[n - 1] += 1
    out = subprocess.run([probe, vip, str(total), mode, hex(init), compat],
                         capture_output=True, text=True, timeout=20)
    got = [int(x) for x in out.stdout.split()] if out.returncode == 0 else None
    ok = got == want
    fails += not ok
    print("%s: %s N=%d init=%#x %s: probe %s, expected %s (%d sockets)" %
          ("ok" if ok else "FAIL", mode, total, init, compat,
           got if got is not None else out.stderr.strip(), want,
           len(counted)))
sys.exit(1 if fails else 0)
