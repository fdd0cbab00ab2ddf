#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
What dpdk-vipshare says, through the real binary:
 - a bad EAL option: exit 2, nothing on stdout, exactly one line on stderr,
   ours ("dpdk-vipshare: "), naming the option; none of the EAL's usage;
 - an EAL failure that is not an option (a device it cannot parse): exit 2,
   the last stderr line ours and naming the device;
 - the EAL's own -h: its usage still reaches stdout, exit 0;
 - a replay: every stderr line starts with a timestamp (RFC 3339, within
   the run's time), our lines with "dpdk-vipshare: " after it and no other
   program prefix; the periodic statistics line timestamped the same way;
 - stderr that is the journal (JOURNAL_STREAM names it): no timestamps.
  check_messages.py --build DIR --workdir DIR
"""
import argparse
import datetime
import os
import re
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "..", "pcap", "fixture.pcap")
APP = ["--", "--vip", "192.168.100.100/24", "--node", "1/3"]
STAMP = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d) ")
fails = []


def fail(msg):
    fails.append(msg)
    print("FAIL: " + msg)


def run(args, env=None, stderr=subprocess.PIPE, timeout=60):
    return subprocess.run(args, stdout=subprocess.PIPE, stderr=stderr,
                          text=True, timeout=timeout, env=env)


def stamp_time(line):
    m = STAMP.match(line)
    if not m:
        return None
    return datetime.datetime.fromisoformat(m.group(1)).timestamp()


def rm_prefix(pfx):
    shutil.rmtree("/var/run/dpdk/" + pfx, ignore_errors=True)


def check_bad_eal_options(binary, pfx):
    # (EAL arguments, what the one line must name)
    cases = [
        (["--no-such-eal-option"], "'--no-such-eal-option'"),
        (["-l", "0", "--no-huge=1"], "'--no-huge'"),
        (["-l", "0", "--no-huge", "--proc-type=bogus"], "process type"),
        (["-l", "0,9999"], "core"),
        (["-l"], None),
    ]
    for eal, name in cases:
        p = run([binary] + eal + ["--file-prefix", pfx] + APP)
        lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
        what = "EAL %r" % eal
        if p.returncode != 2:
            fail("%s: exit %d, want 2" % (what, p.returncode))
        if p.stdout:
            fail("%s: stdout %r, want nothing" % (what, p.stdout[:200]))
        if len(lines) != 1:
            fail("%s: %d stderr lines, want 1: %r" % (what, len(lines), p.stderr[:400]))
        if not lines:
            continue
        if not lines[-1].startswith("dpdk-vipshare: invalid EAL options: "):
            fail("%s: last line not ours: %r" % (what, lines[-1]))
        if name and name not in lines[-1]:
            fail("%s: %r does not name %s" % (what, lines[-1], name))
        if "Usage" in p.stderr or "EAL common options" in p.stderr:
            fail("%s: the EAL's usage came through" % what)
    rm_prefix(pfx)


def check_eal_failure(binary, pfx):
    """Not an option the EAL's parser refuses: its log stays, ours last."""
    eal = ["-l", "0", "--no-huge", "-m", "64", "--no-pci", "--file-prefix", pfx,
           "--vdev", "net_nosuchdriver0"]
    p = run([binary] + eal + APP)
    rm_prefix(pfx)
    lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
    if p.returncode != 2 or not lines or \
            not lines[-1].startswith("dpdk-vipshare: EAL initialisation failed: ") or \
            "net_nosuchdriver0" not in lines[-1]:
        fail("unknown vdev: exit %d, stderr %r (want 2, last line ours naming "
             "the device)" % (p.returncode, p.stderr[-400:]))


def check_eal_help(binary):
    p = run([binary, "-h"] + APP)
    if p.returncode != 0 or "--file-prefix" not in p.stdout:
        fail("EAL -h: exit %d, stdout %r (want 0 and the EAL's usage)" %
             (p.returncode, p.stdout[:200]))


def replay_args(binary, pfx, work, extra):
    return [binary, "-l", "0", "--no-huge", "-m", "256", "--no-pci",
            "--file-prefix", pfx,
            "--vdev", "net_pcap0,rx_pcap=%s,tx_pcap=%s" % (FIXTURE, os.path.join(work, "w.pcap")),
            "--vdev", "net_pcap1,tx_pcap=%s" % os.path.join(work, "h.pcap"),
            "--"] + APP[1:] + extra


def check_replay_lines(binary, pfx, work):
    t0 = time.time()
    p = run(replay_args(binary, pfx, work, ["--replay"]))
    t1 = time.time()
    rm_prefix(pfx)
    lines = p.stderr.splitlines()
    if p.returncode != 0 or len(lines) < 3:
        fail("replay: exit %d, stderr %r" % (p.returncode, p.stderr[-400:]))
        return
    ours = 0
    for ln in lines:
        t = stamp_time(ln)
        if t is None or not t0 - 1 <= t <= t1 + 1:
            fail("replay: stderr line without a timestamp of the run: %r" % ln)
            continue
        msg = ln[STAMP.match(ln).end():]
        if re.search(r"(?<!dpdk-)vipshare: ", msg):
            fail("replay: program prefix other than 'dpdk-vipshare: ': %r" % ln)
        ours += msg.startswith("dpdk-vipshare: ")
    if ours == 0:
        fail("replay: no line of ours on stderr at all: %r" % p.stderr[-400:])
    # stdout: the banner lines and the JSON, untouched
    if not p.stdout.splitlines()[-1].startswith("{"):
        fail("replay: stdout does not end with the JSON: %r" % p.stdout[-200:])


def check_stats_line(binary, pfx, work):
    """--stats-interval 1 without --replay: the process runs until SIGTERM."""
    args = replay_args(binary, pfx, work, ["--stats-interval", "1", "--idle-sleep", "1000"])
    t0 = time.time()
    errpath = os.path.join(work, "stats.err")
    with open(errpath, "w") as errf:
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=errf, text=True)
    # the EAL's start takes its time on a loaded machine: count from the
    # worker's start, then two intervals and a half
    for _ in range(600):
        with open(errpath) as f:
            if "dpdk-vipshare: worker 0" in f.read() or proc.poll() is not None:
                break
        time.sleep(0.1)
    time.sleep(3.5)
    proc.send_signal(signal.SIGTERM)
    try:
        out, _ = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    with open(errpath) as f:
        err = f.read()
    t1 = time.time()
    rm_prefix(pfx)
    stats = [ln for ln in out.splitlines() if "stats: rx=" in ln]
    # one a second while it ran (the first after a second), one at exit
    if proc.returncode != 0 or len(stats) < 3:
        fail("stats: exit %d, %d stats lines (want >= 3): %r %r" % (
            proc.returncode, len(stats), out[-300:], err[-300:]))
    last = t0 - 1
    for ln in stats:
        t = stamp_time(ln)
        if t is None or not last <= t <= t1 + 1 or \
                not ln[STAMP.match(ln).end():].startswith("stats: rx="):
            fail("stats: line without a timestamp of the run, in order: %r" % ln)
        else:
            last = t


def check_journal(binary, pfx, work):
    """systemd's journal stamps lines itself: no second timestamp there."""
    path = os.path.join(work, "journal.err")
    with open(path, "w") as f:
        st = os.fstat(f.fileno())
        env = dict(os.environ, JOURNAL_STREAM="%d:%d" % (st.st_dev, st.st_ino))
        p = run(replay_args(binary, pfx, work, ["--replay"]), env=env, stderr=f)
    rm_prefix(pfx)
    with open(path) as f:
        lines = f.read().splitlines()
    stamped = [ln for ln in lines if STAMP.match(ln)]
    if p.returncode != 0 or not any("dpdk-vipshare: " in ln for ln in lines) or stamped:
        fail("journal: exit %d, %d stamped lines of %d: %r" % (
            p.returncode, len(stamped), len(lines), lines[:3]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--workdir", required=True)
    a = ap.parse_args()
    binary = os.path.join(a.build, "app", "dpdk-vipshare")
    os.makedirs(a.workdir, exist_ok=True)
    pfx = "vsmsg-%d" % os.getpid()
    check_bad_eal_options(binary, pfx)
    check_eal_help(binary)
    if os.geteuid() != 0:
        # the EAL's runtime directory and memory need root (CI runs as root)
        fail("the EAL runs below need root")
    else:
        check_eal_failure(binary, pfx)
        check_replay_lines(binary, pfx, a.workdir)
        check_stats_line(binary, pfx, a.workdir)
        check_journal(binary, pfx, a.workdir)
    print("messages: %s" % ("PASS" if not fails else "%d FAILURES" % len(fails)))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
