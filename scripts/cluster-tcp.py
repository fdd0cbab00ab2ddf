#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""TCP service and clients for the network-namespace cluster (cluster.sh).

  serve --bind VIP --name NAME [--port 80]
      Threaded server: says "NAME\\n" on connect, then answers every line L
      with "NAME L" until EOF; --log FILE appends "CLIENT_IP PORT" per
      connection. One process, no fork per connection (forks are
      slow on a 2-core machine shared with pollers).
  conns --dst VIP --sport-base B --count N [--parallel P] [--timeout T]
      N connections from source ports B..B+N-1 (distinct, fixed: the split is
      reproducible and checkable with vipshare-which). Prints "SPORT NAME" or
      "SPORT FAIL reason" per connection, sorted by port, and a summary line
      "# ok=.. failed=.. seconds=.. per_second=.." on stderr. Only the kernel
      retries (SYN retransmits within --timeout), as a real client would.
  hold --dst VIP --sport S --stop FILE [--interval SEC] [--max-time SEC]
      A long-lived connection: prints the banner, then exchanges a line every
      --interval until FILE exists; prints "hold ok NAME exchanges=K" and exits
      0, or exits 1 at the first error, stalled reply or changed answer.
"""
import argparse
import os
import socket
import socketserver
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

IP_FREEBIND = 15


def serve(a):
    name = a.name.encode()
    log = open(a.log, "a", buffering=1) if a.log else None
    lock = threading.Lock()

    class Handler(socketserver.StreamRequestHandler):
        timeout = a.idle_timeout

        def handle(self):
            if log:
                with lock:
                    log.write(f"{self.client_address[0]} "
                              f"{self.client_address[1]}\n")
            try:
                self.wfile.write(name + b"\n")
                self.wfile.flush()
                for line in self.rfile:
                    self.wfile.write(name + b" " + line)
                    self.wfile.flush()
            except OSError:
                pass

    class Server(socketserver.ThreadingTCPServer):
        allow_reuse_address = True
        daemon_threads = True
        request_queue_size = 256

        def server_bind(self):
            # bind even while the VIP is not (yet, again) on the host port
            self.socket.setsockopt(socket.SOL_IP, IP_FREEBIND, 1)
            super().server_bind()

    with Server((a.bind, a.port), Handler) as srv:
        print(f"serving {a.name} on {a.bind}:{a.port}", flush=True)
        srv.serve_forever()


def one_conn(dst, port, sport, timeout, src):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((src, sport))
        s.settimeout(timeout)
        s.connect((dst, port))
        buf = b""
        while not buf.endswith(b"\n") and len(buf) < 64:
            d = s.recv(64)
            if not d:
                break
            buf += d
        if not buf.endswith(b"\n"):
            return f"{sport} FAIL short-answer:{buf!r}"
        return f"{sport} {buf.decode(errors='replace').strip()}"
    except OSError as e:
        return f"{sport} FAIL {type(e).__name__}:{e.errno if hasattr(e, 'errno') else ''}"
    finally:
        s.close()


def conns(a):
    ports = range(a.sport_base, a.sport_base + a.count)
    t0 = time.monotonic()
    with ThreadPoolExecutor(max_workers=a.parallel) as ex:
        res = list(ex.map(lambda p: one_conn(a.dst, a.port, p, a.timeout,
                                             a.src), ports))
    dt = time.monotonic() - t0
    ok = sum(1 for r in res if " FAIL" not in r)
    for r in res:
        print(r)
    print(f"# ok={ok} failed={len(res) - ok} seconds={dt:.3f} "
          f"per_second={len(res) / dt:.1f}", file=sys.stderr)
    return 0


def hold(a):
    s = socket.create_connection((a.dst, a.port), timeout=a.timeout,
                                 source_address=(a.src, a.sport))
    f = s.makefile("rb")
    banner = f.readline().decode().strip()
    if not banner:
        print("hold FAIL no banner", flush=True)
        return 1
    print(f"hold banner {banner}", flush=True)
    n = 0
    t_end = time.monotonic() + a.max_time
    while not os.path.exists(a.stop):
        if time.monotonic() > t_end:
            print(f"hold FAIL max-time reached exchanges={n}", flush=True)
            return 1
        n += 1
        try:
            s.sendall(f"{n}\n".encode())
            line = f.readline().decode().strip()
        except OSError as e:
            print(f"hold FAIL exchange {n}: {e}", flush=True)
            return 1
        if line != f"{banner} {n}":
            print(f"hold FAIL exchange {n}: got {line!r}", flush=True)
            return 1
        # Every exchange, so a watcher sees progress within one interval.
        print(f"hold exchanges={n}", flush=True)
        time.sleep(a.interval)
    s.close()
    print(f"hold ok {banner} exchanges={n}", flush=True)
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--bind", required=True)
    s.add_argument("--port", type=int, default=80)
    s.add_argument("--name", required=True)
    s.add_argument("--idle-timeout", type=float, default=300)
    s.add_argument("--log", help="append 'CLIENT_IP PORT' per connection")
    c = sub.add_parser("conns")
    c.add_argument("--dst", required=True)
    c.add_argument("--port", type=int, default=80)
    c.add_argument("--src", default="")
    c.add_argument("--sport-base", type=int, required=True)
    c.add_argument("--count", type=int, required=True)
    c.add_argument("--parallel", type=int, default=16)
    c.add_argument("--timeout", type=float, default=10)
    h = sub.add_parser("hold")
    h.add_argument("--dst", required=True)
    h.add_argument("--port", type=int, default=80)
    h.add_argument("--src", default="")
    h.add_argument("--sport", type=int, required=True)
    h.add_argument("--stop", required=True)
    h.add_argument("--interval", type=float, default=0.5)
    h.add_argument("--timeout", type=float, default=10)
    h.add_argument("--max-time", type=float, default=300)
    a = p.parse_args()
    if a.cmd == "serve":
        return serve(a)
    if a.cmd == "conns":
        return conns(a)
    return hold(a)


if __name__ == "__main__":
    sys.exit(main())
