#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
The control (telemetry) and multi-process sockets of dpdk-vipshare are
owner-only: the EAL runtime directory is 0700 and every socket in it 0600,
even when the process runs under umask 000 and the directory already
existed with mode 0755. Also checks that another user cannot connect.
  check_sockets.py --build DIR [--workdir DIR]
"""
import argparse
import os
import shutil
import stat
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(HERE, "..", "pcap"))
from check_replay import (App, Fails, cleanup_prefix, eal_args,  # noqa: E402
                          eal_runtime_dir, open_fifo_writer, prefix, wait_stats)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--workdir")
    a = ap.parse_args()
    app = App(a.build)
    if not app.have("bin", "ctl"):
        print("FAIL: not built")
        return 1
    work = a.workdir or os.path.join(a.build, "tests", "malformed", "work-sockets")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    fails = Fails()
    fifo = os.path.join(work, "nic.fifo")
    os.mkfifo(fifo)
    pfx = prefix("sock")
    rdir = eal_runtime_dir(pfx)
    os.makedirs(rdir, exist_ok=True)
    os.chmod(rdir, 0o755)             # left behind, too open
    cmd = [app.bin] + eal_args(fifo, os.path.join(work, "w.pcap"),
                               os.path.join(work, "h.pcap"), pfx) + [
        "--", "--vip", "192.168.100.100/24", "--node", "1/3", "--replay", "--garp", "0"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                            stderr=open(os.path.join(work, "stderr.txt"), "w"),
                            preexec_fn=lambda: os.umask(0))
    w = None
    try:
        w = open_fifo_writer(fifo, proc)
        if w is None:
            fails("dpdk-vipshare never opened its input (rc=%s)" % proc.poll())
            raise StopIteration
        wait_stats(app, pfx, proc, lambda st: True)
        st = os.stat(rdir)
        print("%s: mode %o uid %d" % (rdir, stat.S_IMODE(st.st_mode), st.st_uid))
        if stat.S_IMODE(st.st_mode) != 0o700 or st.st_uid != os.getuid():
            fails("runtime dir %s mode %o uid %d, want 0700 uid %d" % (
                rdir, stat.S_IMODE(st.st_mode), st.st_uid, os.getuid()))
        socks = 0
        for n in sorted(os.listdir(rdir)):
            p = os.path.join(rdir, n)
            s = os.lstat(p)
            if not stat.S_ISSOCK(s.st_mode):
                continue
            socks += 1
            print("%s: mode %o" % (n, stat.S_IMODE(s.st_mode)))
            if stat.S_IMODE(s.st_mode) & 0o077:
                fails("socket %s mode %o: group/other bits set" % (p, stat.S_IMODE(s.st_mode)))
        if not os.path.exists(os.path.join(rdir, "dpdk_telemetry.v2")):
            fails("no telemetry socket in %s" % rdir)
        if socks == 0:
            fails("no sockets found in %s" % rdir)
        if os.getuid() == 0:
            # another user must not reach the control socket
            code = ("import socket,sys\ns=socket.socket(socket.AF_UNIX,socket.SOCK_SEQPACKET)\n"
                    "try:\n s.connect(sys.argv[1]); print('connected')\nexcept OSError as e:"
                    "\n print('refused', e.errno)")
            r = subprocess.run(["/usr/bin/python3", "-c", code,
                                os.path.join(rdir, "dpdk_telemetry.v2")],
                               capture_output=True, text=True, timeout=30,
                               user=65534, group=65534)
            print("as nobody: %s" % r.stdout.strip())
            if "refused" not in r.stdout:
                fails("user nobody could connect to the telemetry socket: %s %s" % (
                    r.stdout, r.stderr))
    except StopIteration:
        pass
    finally:
        if w is not None:
            w.close()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        cleanup_prefix(pfx)
    if proc.returncode != 0:
        fails("dpdk-vipshare exit %s" % proc.returncode)
    fails.dump("sockets")
    if not fails:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
