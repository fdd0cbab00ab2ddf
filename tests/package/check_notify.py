#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
dpdk-vipshare under systemd's Type=notify, without systemd: the daemon
sends READY=1 with its status line on $NOTIFY_SOCKET once it is up (the
control socket answers by then), ignores SIGHUP with a log line (the unit
has no reload) and keeps serving, and sends STOPPING=1 on the way out,
exit 0. Once with an abstract socket ("@name"), once with a path.
  check_notify.py --build DIR [--workdir DIR]
"""
import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(HERE, "..", "pcap"))
from check_replay import (App, Fails, cleanup_prefix, ctl, eal_args,  # noqa: E402
                          fifo_io, open_fifo_writer, prefix)


def recv(sock, timeout):
    sock.settimeout(timeout)
    try:
        return sock.recv(4096).decode()
    except socket.timeout:
        return None


def run(app, work, fails, abstract):
    tag = "abstract" if abstract else "path"
    work = os.path.join(work, tag)
    os.makedirs(work, exist_ok=True)
    fifo, wire, host = fifo_io(work)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    if abstract:
        name = "@vs-notify-%d" % os.getpid()
        sock.bind("\0" + name[1:])
    else:
        name = os.path.join(work, "notify.sock")
        sock.bind(name)
    pfx = prefix("notify")
    cmd = [app.bin] + eal_args(fifo, wire, host, pfx) + [
        "--", "--vip", "192.168.100.100/24", "--node", "2/3", "--replay",
        "--garp", "0", "--igmp", "off"]
    errp = os.path.join(work, "stderr.txt")
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=open(errp, "w"),
                            env=dict(os.environ, NOTIFY_SOCKET=name))
    w = None
    try:
        w = open_fifo_writer(fifo, proc)
        if w is None:
            fails("%s: dpdk-vipshare never opened its input (rc=%s)" % (tag, proc.poll()))
            return
        msg = recv(sock, 60)
        if msg is None:
            fails("%s: no READY=1 within 60 s" % tag)
            return
        print("%s: received %r" % (tag, msg))
        lines = msg.split("\n")
        if "READY=1" not in lines:
            fails("%s: first message is not READY=1: %r" % (tag, msg))
        st = [x for x in lines if x.startswith("STATUS=")]
        want = "STATUS=CLUSTERIP nodes=2 total_nodes=3 hashmode=sourceip-sourceport" \
            " hash_init=0 hash_compat=clusterip cluster_mac=01:00:5e:28:64:64"
        if st != [want]:
            fails("%s: status %r, want %r" % (tag, st, want))
        # ready means serving: the control socket answers at once
        rc, out, err = ctl(app, pfx, "nodes")
        if rc != 0 or out.strip() != "2":
            fails("%s: vipshare-ctl nodes right after READY: rc %d %r %r" % (tag, rc, out, err))
        if abstract:
            proc.send_signal(signal.SIGHUP)
            time.sleep(0.5)
            if proc.poll() is not None:
                fails("SIGHUP ended the daemon (rc=%s)" % proc.returncode)
                return
            rc, out, err = ctl(app, pfx, "nodes")
            if rc != 0 or out.strip() != "2":
                fails("after SIGHUP: vipshare-ctl nodes rc %d %r %r" % (rc, out, err))
            with open(errp) as f:
                hup = [x.strip() for x in f if "SIGHUP" in x]
            print("after SIGHUP: %s" % hup)
            if len(hup) != 1 or "not reloaded" not in hup[0]:
                fails("SIGHUP: want one log line saying settings are not reloaded, got %r" % hup)
            extra = recv(sock, 0.3)
            if extra is not None:
                fails("SIGHUP: unexpected notification %r" % extra)
        # the input ends: --replay stops
        w.close()
        w = None
        msg = recv(sock, 60)
        print("%s: received %r" % (tag, msg))
        if msg is None or "STOPPING=1" not in msg.split("\n"):
            fails("%s: no STOPPING=1 at the end (got %r)" % (tag, msg))
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            fails("%s: no exit after STOPPING=1" % tag)
        if proc.returncode != 0:
            fails("%s: exit %s" % (tag, proc.returncode))
    finally:
        if w is not None:
            w.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        sock.close()
        cleanup_prefix(pfx)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--workdir")
    a = ap.parse_args()
    app = App(a.build)
    if not app.have("bin", "ctl"):
        print("FAIL: not built")
        return 1
    work = a.workdir or os.path.join(a.build, "tests", "package", "work-notify")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    fails = Fails()
    run(app, work, fails, abstract=True)
    run(app, work, fails, abstract=False)
    fails.dump("notify")
    if not fails:
        shutil.rmtree(work, ignore_errors=True)
        print("notify: READY=1 with the status once serving, SIGHUP ignored, STOPPING=1, exit 0")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
