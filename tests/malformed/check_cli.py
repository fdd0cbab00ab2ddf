#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
Strict options, through the real binary (it exits before EAL init on a bad
flag, so this needs no ports, no memory and no root):
for every option `dpdk-vipshare --help` lists, every bad value in BAD is
refused with exit 2 and exactly one line on stderr naming the option, both
as a command-line flag and as a --config key; unknown options and keys,
missing values, values given to plain flags, and node numbers out of range
are refused the same way; the good values are accepted (checked with
--help appended: parse ok, exit 0 before the EAL).
An option in --help without an entry in BAD fails the test: add one.
  check_cli.py --build DIR
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

BASE = ["--vip", "192.168.100.100/24", "--node", "1/3"]

# option -> (bad values, a good value or None for plain flags)
BAD = {
    "vip": (["300.1.1.1", "1.2.3.4/33", "1.2.3.4/0", "1.2.3", "x", "1.2.3.4/", ""], "10.0.0.1/8"),
    "node": (["0/3", "4/3", "1/65", "1/0", "1", "/3", "a/3", "1-/3", "3-1/3", "1,,2/3",
              "1/3x", "-1/3", "65/64"], "1-2,3/3"),
    "hashmode": (["bogus", "", "SOURCEIP"], "sourceip"),
    "hash-init": (["-1", "0x1ffffffff", "4294967296", "12a", "0x", "0x0x1", " 1", ""], "0xdeadbeef"),
    "hash-compat": (["iptables", ""], "nft"),
    "mac": (["02:00:00:00:00:01", "ff:ff:ff:ff:ff:ff", "zz:00:5e:00:00:01", "01:00:5e:00:00",
             "01:00:5e:00:00:01:02", "1:0:5e:0:0:1", ""], "01:00:5e:01:02:03"),
    "garp": (["101", "-1", "x", ""], "0"),
    "igmp": (["bogus", "report,", ",mrd", "report,bogus", ""], "off"),
    "igmp-interval": (["0", "256", "x"], "5"),
    "port": (["", "a b", "a,b", "a=b", "x" * 200], "0"),
    "host": (["bogus", "tap:", "tap:waytoolonginterfacename", "port", "port:", "virtio-user:",
              "tap:a b", "virtio-user:/nonexistent/vhost-net", "virtio-user:/tmp"]
             # the vhost-kernel device must exist (it does not on every kernel)
             + ([] if os.path.exists("/dev/vhost-net") else ["virtio-user"]),
             "tap:vs9"),
    "idle-sleep": (["1000001", "-1", "x"], "10"),
    "stats-interval": (["86401", "x"], "1"),
    "frag-max": (["0", "65537", "x"], "16"),
    "frag-timeout": (["0", "60001", "x"], "100"),
    "burst": (["0", "65", "x"], "64"),
    "bench-seconds": (["0", "3601", "x"], "1"),
    "bench-size": (["128", "", "IMIX"], "imix"),
    "config": (["/nonexistent/vipshare.conf"], None),
    "no-host-addr": ([], None),
    "replay": ([], None),
    "bench": ([], None),
    "bench-host": ([], None),
    "help": ([], None),
    "check": ([], None),
    "version": ([], None),
}
FLAGS = ("no-host-addr", "replay", "bench", "bench-host")
# command-line only: no value, and not keys of a --config file
CLI_ONLY = ("check", "version", "help")


class Runner:
    def __init__(self, binary):
        self.bin = binary
        self.fails = []
        self.runs = 0

    def run(self, app_args):
        self.runs += 1
        # EAL options that would fail if the EAL ever started: proves the
        # refusal happens before it.
        p = subprocess.run([self.bin, "--no-such-eal-option", "--"] + app_args,
                           capture_output=True, text=True, timeout=30)
        return p.returncode, p.stdout, p.stderr

    def refused(self, what, app_args, name):
        rc, out, err = self.run(app_args)
        lines = [ln for ln in err.splitlines() if ln.strip()]
        if rc != 2:
            self.fails.append("%s: exit %d, want 2 (stderr %r)" % (what, rc, err[-300:]))
        elif len(lines) != 1:
            self.fails.append("%s: %d stderr lines, want 1: %r" % (what, len(lines), err[-300:]))
        elif name not in lines[0]:
            self.fails.append("%s: message does not name %r: %r" % (what, name, lines[0]))

    def accepted(self, what, app_args):
        rc, out, err = self.run(app_args + ["--help"])
        if rc != 0:
            self.fails.append("%s: refused (exit %d): %r" % (what, rc, err[-300:]))


def conf_file(tmp, lines):
    fd, path = tempfile.mkstemp(dir=tmp, suffix=".conf")
    with os.fdopen(fd, "w") as f:
        f.write("".join(ln + "\n" for ln in lines))
    return path


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--workdir", help="unused (temporary files only)")
    a = ap.parse_args()
    binary = os.path.join(a.build, "app", "dpdk-vipshare")
    if not os.access(binary, os.X_OK):
        print("FAIL: %s not built" % binary)
        return 1
    r = Runner(binary)
    helptext = subprocess.run([binary, "--help"], capture_output=True, text=True).stdout
    opts = re.findall(r"^  --([a-z0-9-]+)", helptext, re.M)
    if len(opts) < 10:
        print("FAIL: could not read the options from --help")
        return 1
    for o in opts:
        if o not in BAD:
            r.fails.append("option --%s has no bad values in check_cli.py: add them" % o)
    with tempfile.TemporaryDirectory(prefix="vsh-cli-") as tmp:
        for o in opts:
            bad, good = BAD.get(o, ([], None))
            for v in bad:
                r.refused("--%s %r" % (o, v), BASE + ["--" + o, v], "--" + o)
                r.refused("--%s=%r" % (o, v), BASE + ["--%s=%s" % (o, v)], "--" + o)
                if o != "config" and v == v.strip():  # the file trims blanks
                    key = o if o not in ("vip", "node") else o
                    lines = ["vip = 192.168.100.100/24", "node = 1/3"]
                    if o in ("vip", "node"):
                        lines = [ln for ln in lines if not ln.startswith(o)]
                    p = conf_file(tmp, lines + ["%s = %s" % (key, v)])
                    r.refused("config %s = %r" % (o, v), ["--config", p], o)
            if good is not None:
                r.accepted("--%s %s" % (o, good), BASE + ["--" + o, good])
                p = conf_file(tmp, ["vip = 192.168.100.100/24", "node = 1/3",
                                    "%s = %s" % (o, good)])
                if o not in ("config", "help"):
                    r.accepted("config %s = %s" % (o, good), ["--config", p])
            if good is not None and o not in ("config", "help"):
                r.refused("--%s without a value" % o, BASE + ["--" + o], "--" + o)
        for f in FLAGS:
            if f in opts:
                r.refused("--%s=1" % f, BASE + ["--%s=1" % f], "--" + f)
                p = conf_file(tmp, ["vip = 192.168.100.100", "node = 1/3", "%s = maybe" % f])
                r.refused("config %s = maybe" % f, ["--config", p], f)
                p = conf_file(tmp, ["vip = 192.168.100.100", "node = 1/3", "%s = yes" % f])
                r.accepted("config %s = yes" % f, ["--config", p])
        for u in ("--bogus", "--vipx", "-v", "--", "stray", "--VIP"):
            r.refused("unknown %r" % u, BASE + [u, "1"] if u == "--bogus" else BASE + [u],
                      u if u != "--" else "'--'")
        p = conf_file(tmp, ["vip = 192.168.100.100", "node = 1/3", "bogus = 1"])
        r.refused("config unknown key", ["--config", p], "bogus")
        p = conf_file(tmp, ["vip = 192.168.100.100", "node = 1/3", "config = /etc/x"])
        r.refused("config key 'config'", ["--config", p], "config")
        for o in CLI_ONLY:
            if o == "help":
                continue
            r.refused("--%s=1" % o, BASE + ["--%s=1" % o], "--" + o)
            p = conf_file(tmp, ["vip = 192.168.100.100", "node = 1/3", "%s = yes" % o])
            r.refused("config key %r" % o, ["--config", p], o)
        # --check: exit 2 and one line on a bad value, the settings on a
        # good one, with or without the EAL part (which never starts)
        r.refused("--check with a bad --vip", ["--check", "--vip", "1.2.3", "--node", "1/3"],
                  "--vip")
        for pre in (["--no-such-eal-option", "--"], []):
            r.runs += 1
            pc = subprocess.run([binary] + pre + ["--check"] + BASE + ["--hashmode", "sourceip"],
                                capture_output=True, text=True, timeout=30)
            want = ["vip = 192.168.100.100/24", "node = 1/3", "hashmode = sourceip"]
            got = pc.stdout.splitlines()
            if pc.returncode != 0 or pc.stderr or any(w not in got for w in want):
                r.fails.append("--check %s: exit %d, stdout %r, stderr %r" % (
                    pre, pc.returncode, pc.stdout[:200], pc.stderr[-200:]))
            r.runs += 1
            pv = subprocess.run([binary] + pre + ["--version"], capture_output=True, text=True,
                                timeout=30)
            if pv.returncode != 0 or not pv.stdout.startswith("dpdk-vipshare "):
                r.fails.append("--version %s: exit %d, %r" % (pre, pv.returncode, pv.stdout))
        r.refused("missing --vip", ["--node", "1/3"], "--vip")
        r.refused("missing --node", ["--vip", "10.0.0.1"], "--node")
        r.refused("node totals differ", BASE + ["--node", "2/4"], "--node")
        r.refused("node > N", ["--vip", "10.0.0.1", "--node", "4/3"], "--node")
        r.refused("N > 64", ["--vip", "10.0.0.1", "--node", "1/65"], "--node")
        r.refused("N = 0", ["--vip", "10.0.0.1", "--node", "1/0"], "--node")
        r.accepted("N = 64, node 64", ["--vip", "10.0.0.1", "--node", "64/64"])
    for f in r.fails[:60]:
        print("FAIL: %s" % f)
    print("cli: %d runs of dpdk-vipshare over %d options: %s" % (
        r.runs, len(opts), "PASS" if not r.fails else "%d FAILURES" % len(r.fails)))
    return 1 if r.fails else 0


if __name__ == "__main__":
    sys.exit(main())
