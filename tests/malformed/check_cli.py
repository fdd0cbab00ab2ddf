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
VIPs that are no unicast host address, a node number given twice, a
directory as --config and --hash-compat nft with a port --hashmode are
refused too. vipshare-ctl: usage errors (an option without its value, a bad
node number) exit 2 with one line, before a daemon is asked; "-2" is the
command. Several VIPs: duplicate addresses, duplicate cluster MACs (given, from
the defaults, or derived from two addresses with the same low 23 bits),
bad per-VIP options before the first --vip (defaults), a VIP without
nodes, more than 64 VIPs, and the same in --config [vip] sections, are
refused with one line naming the option (and both VIPs); good multi-VIP
command lines and files are accepted; a command-line --vip replaces the
file's VIPs (--check shows which). --bench and --replay, --port or --host
exclude each other. Config files: quoted values and a UTF-8 byte order mark
are read, keys and flags with wrong dashes ("-vip", an em dash) named.
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
    # no unicast host address: this network, loopback, multicast, class E,
    # broadcast
    "vip": (["300.1.1.1", "1.2.3.4/33", "1.2.3.4/0", "1.2.3", "x", "1.2.3.4/", "",
             "0.0.0.0", "0.1.2.3", "127.0.0.1", "224.0.0.1", "239.255.255.255/24",
             "240.0.0.1", "255.255.255.255/24"], "10.0.0.1/8"),
    "node": (["0/3", "4/3", "1/65", "1/0", "1", "/3", "a/3", "1-/3", "3-1/3", "1,,2/3",
              "1/3x", "-1/3", "65/64", "1,1/3", "1-2,2/3"], "1-2,3/3"),
    "hashmode": (["bogus", "", "SOURCEIP"], "sourceip"),
    "hash-init": (["-1", "0x1ffffffff", "4294967296", "12a", "0x", "0x0x1", " 1", ""], "0xdeadbeef"),
    "hash-compat": (["iptables", ""], "nft"),
    "mac": (["02:00:00:00:00:01", "ff:ff:ff:ff:ff:ff", "zz:00:5e:00:00:01", "01:00:5e:00:00",
             "01:00:5e:00:00:01:02", "1:0:5e:0:0:1", ""], "01:00:5e:01:02:03"),
    "garp": (["101", "-1", "x", ""], "0"),
    "igmp": (["bogus", "report,", ",mrd", "report,bogus", ""], "off"),
    "igmp-interval": (["0", "256", "x"], "5"),
    "port": (["", "a b", "a,b", "a=b", "a\tb", "x" * 200, "a'", 'a"b'], "0"),
    "host": (["bogus", "tap:", "tap:waytoolonginterfacename", "port", "port:", "virtio-user:",
              "tap:a b", "virtio-user:/nonexistent/vhost-net", "virtio-user:/tmp"]
             # the vhost-kernel device must exist (it does not on every kernel)
             + ([] if os.path.exists("/dev/vhost-net") else ["virtio-user"]),
             "tap:vs9"),
    "idle-sleep": (["1000001", "-1", "x"], "10"),
    "gro-hold": (["10001", "-1", "x"], "100"),
    "host-napi": (["yes", "ON", "1", ""], "off"),
    "stats-interval": (["86401", "x"], "1"),
    "frag-max": (["0", "65537", "x"], "16"),
    "frag-timeout": (["0", "60001", "x"], "100"),
    "burst": (["0", "65", "x"], "64"),
    "bench-seconds": (["0", "3601", "x"], "1"),
    "bench-size": (["128", "", "IMIX"], "imix"),
    "bench-vips": (["0", "65", "x", ""], "64"),
    "announce": (["yes", "ON", "1", ""], "off"),
    "announce-interval": (["49", "60001", "0", "x", ""], "1000"),
    "drain-timeout": (["0", "86401", "x", ""], "60"),
    "move-cap": (["15", "4194305", "x", ""], "256"),
    "move-slots": (["0", "65", "x", ""], "2"),
    # key files of a bad length: below (key_files)
    "cluster-key": (["/nonexistent/cluster.key", "", "/"], None),
    "config": (["/nonexistent/vipshare.conf", "/"], None),
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


def key_files(r, tmp):
    """--cluster-key: 16..256 bytes once one final newline is dropped; the
    settings printed by --check name the file."""
    def key(n, tail=b""):
        path = os.path.join(tmp, "key%d%s" % (n, "nl" if tail else ""))
        with open(path, "wb") as f:
            f.write(b"k" * n + tail)
        return path
    for p in (key(15), key(257), key(15, b"\n"), key(0), key(257, b"\n")):
        r.refused("--cluster-key of %d bytes" % os.path.getsize(p),
                  BASE + ["--cluster-key", p], "--cluster-key")
        c = conf_file(tmp, ["vip = 192.168.100.100", "node = 1/3", "cluster-key = " + p])
        r.refused("config cluster-key of %d bytes" % os.path.getsize(p), ["--config", c],
                  "cluster-key")
    for p in (key(16), key(16, b"\n"), key(256), key(256, b"\n")):
        r.runs += 1
        pc = subprocess.run([r.bin, "--check"] + BASE + ["--cluster-key", p],
                            capture_output=True, text=True, timeout=30)
        if pc.returncode != 0 or "cluster-key = %s" % p not in pc.stdout.splitlines():
            r.fails.append("--cluster-key of %d bytes: exit %d, %r" % (
                os.path.getsize(p), pc.returncode, (pc.stdout + pc.stderr)[-300:]))


def refused_both(r, what, args, name, a, b):
    """Refused, one line naming the option and both VIPs."""
    rc, out, err = r.run(args)
    lines = [ln for ln in err.splitlines() if ln.strip()]
    if rc != 2 or len(lines) != 1:
        r.fails.append("%s: exit %d, %d lines, want 2 and 1: %r" % (what, rc, len(lines),
                                                                 err[-300:]))
    elif name not in lines[0] or a not in lines[0] or b not in lines[0]:
        r.fails.append("%s: message does not name %r, %s and %s: %r" % (what, name, a, b,
                                                                         lines[0]))


def multi_vip(r, tmp):
    V1, V2 = "192.168.100.100", "192.168.100.101"
    # the example, and defaults / per-VIP in both orders
    r.accepted("two VIPs (issue example)",
               ["--hashmode", "sourceip", "--vip", V1 + "/24", "--node", "1/3", "--vip",
                V2 + "/24", "--node", "2/2", "--hashmode", "sourceip-sourceport",
                "--mac", "01:00:5e:00:00:65"])
    r.accepted("defaults before, nodes after", ["--node", "1/3", "--vip", V1, "--vip", V2])
    r.accepted("64 VIPs", ["--node", "1/2"] + sum((["--vip", "10.0.0.%d" % (1 + i)]
                                                   for i in range(64)), []))
    many = ["--node", "1/2"] + sum((["--vip", "10.0.0.%d" % (1 + i)] for i in range(65)), [])
    r.refused("65 VIPs", many, "--vip")
    refused_both(r, "same address twice", ["--node", "1/3", "--vip", V1 + "/24", "--vip",
                                           V1 + "/32"], "--vip", V1 + "/24", V1 + "/32")
    refused_both(r, "same given MAC", ["--node", "1/3", "--vip", V1, "--mac",
                                       "01:00:5e:01:02:03", "--vip", V2, "--mac",
                                       "01:00:5e:01:02:03"], "--mac", V1, V2)
    refused_both(r, "a default MAC for two VIPs", ["--node", "1/3", "--mac", "01:00:5e:01:02:03",
                                                   "--vip", V1, "--vip", V2], "--mac", V1, V2)
    # 10.0.0.1 and 11.128.0.1 share the low 23 bits: 01:00:5e:00:00:01
    refused_both(r, "same derived MAC", ["--node", "1/3", "--vip", "10.0.0.1", "--vip",
                                         "11.128.0.1"], "--mac", "10.0.0.1", "11.128.0.1")
    r.accepted("derived MACs apart by a --mac", ["--node", "1/3", "--vip", "10.0.0.1", "--vip",
                                                 "11.128.0.1", "--mac", "01:00:5e:7f:00:01"])
    refused_both(r, "given MAC = another's derived", ["--node", "1/3", "--vip", V1, "--vip", V2,
                                                      "--mac", "01:00:5e:28:64:64"],
                 "--mac", V1, V2)
    # bad per-VIP options before any --vip name the option
    for opt, bad in (("node", "4/3"), ("hashmode", "x"), ("hash-init", "-1"),
                     ("hash-compat", "x"), ("mac", "02:00:00:00:00:01"), ("garp", "101")):
        r.refused("default --%s %s" % (opt, bad), ["--" + opt, bad, "--vip", V1, "--node", "1/3"],
                  "--" + opt)
    r.refused("a VIP without nodes", ["--vip", V1, "--node", "1/3", "--vip", V2], "--node")
    r.refused("node totals differ within a VIP", ["--vip", V1, "--node", "1/3", "--vip", V2,
                                                  "--node", "1/2", "--node", "2/3"], "--node")
    r.refused("address 0.0.0.0", ["--vip", "0.0.0.0", "--node", "1/3"], "--vip")
    # config files: defaults, the old single VIP key, sections
    good = ["hashmode = sourceip", "node = 1/3", "vip = " + V1 + "/24",
            "[vip %s/24]" % V2, "node = 2/2", "hashmode = sourceip-sourceport",
            "mac = 01:00:5e:00:00:65", "[vip 10.1.2.3]", "hash-init = 7"]
    r.accepted("config with sections", ["--config", conf_file(tmp, good)])
    r.accepted("config + command-line VIP", ["--config", conf_file(tmp, good), "--vip",
                                             "10.9.9.9", "--node", "1/1"])
    # a command-line --vip replaces the file's VIPs (all of them: its vip key
    # and its sections); the file's defaults stay
    sects = check_sections(r, "config + command-line VIP",
                           ["--config", conf_file(tmp, good), "--vip", "10.9.9.9", "--node", "1/1"])
    if sects is not None:
        if sorted(sects) != ["10.9.9.9/32"]:
            r.fails.append("config + command-line VIP: VIPs %s, want only 10.9.9.9/32 "
                           "(the command line replaces the file's)" % sorted(sects))
        elif "hashmode = sourceip" not in sects["10.9.9.9/32"]:
            r.fails.append("config + command-line VIP: the file's default hashmode lost: %r"
                           % sects["10.9.9.9/32"])
    sects = check_sections(r, "config + two command-line VIPs",
                           ["--config", conf_file(tmp, good), "--node", "2/2", "--vip", V1,
                            "--vip", "10.9.9.9"])
    if sects is not None and sorted(sects) != sorted([V1 + "/32", "10.9.9.9/32"]):
        r.fails.append("config + two command-line VIPs: VIPs %s, want %s/32 and 10.9.9.9/32"
                       % (sorted(sects), V1))
    sects = check_sections(r, "config alone", ["--config", conf_file(tmp, good)])
    if sects is not None and sorted(sects) != sorted([V1 + "/24", V2 + "/24", "10.1.2.3/32"]):
        r.fails.append("config alone: VIPs %s, want the file's three" % sorted(sects))
    bad = [
        (["node = 1/3", "vip = " + V1, "[vip %s]" % V1], "vip", "duplicate in file"),
        (["node = 1/3", "[vip %s]" % V1, "mac = 01:00:5e:01:01:01", "[vip %s]" % V2,
          "mac = 01:00:5e:01:01:01"], "mac", "duplicate MAC in file"),
        (["node = 1/3", "[vip %s]" % V1, "port = 0"], "port", "global key in a section"),
        (["node = 1/3", "[vip %s]" % V1, "vip = " + V2], "vip", "vip key in a section"),
        (["node = 1/3", "[vip]"], "vip", "section without address"),
        (["node = 1/3", "[vip 1.2.3]"], "vip", "section with a bad address"),
        (["node = 1/3", "[vips %s]" % V1], "vips", "unknown section"),
        (["node = 1/3", "[vip %s" % V1], "vip", "unclosed section"),
        (["[vip %s]" % V1, "node = 4/3"], "node", "bad node in a section"),
        (["[vip %s]" % V1, "node = 1/3", "[vip %s]" % V2], "node", "section without nodes"),
    ]
    for lines, name, what in bad:
        r.refused("config: " + what, ["--config", conf_file(tmp, lines)], name)
    # the shipped example, and with its [vip] section uncommented
    example = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "config",
                           "vipshare.conf.example")
    r.accepted("config/vipshare.conf.example", ["--config", example])
    with open(example) as f:
        text = f.read()
    sec = text.replace("#[vip", "[vip").replace("#node = 2/2", "node = 2/2").replace(
        "#hashmode = sourceip\n", "hashmode = sourceip\n").replace(
        "#mac = 01:00:5e:00:00:65", "mac = 01:00:5e:00:00:65")
    if sec.count("[vip") != 1 or "\nnode = 2/2" not in sec:
        r.fails.append("config example: no [vip] section to uncomment")
    p = conf_file(tmp, sec.splitlines())
    r.accepted("config example with its [vip] section", ["--config", p])
    # the same address in the file and on the command line: the command
    # line's replaces the file's, no duplicate
    sects = check_sections(r, "file VIP = command-line VIP",
                           ["--config", conf_file(tmp, ["node = 1/3", "vip = " + V1 + "/24"]),
                            "--vip", V1])
    if sects is not None and sorted(sects) != [V1 + "/32"]:
        r.fails.append("file VIP = command-line VIP: VIPs %s, want %s/32" % (sorted(sects), V1))


def check_sections(r, what, args):
    """--check's [vip] sections: {"A.B.C.D/P": [lines]}, None (failure
    noted) when it does not exit 0."""
    r.runs += 1
    p = subprocess.run([r.bin, "--check"] + args, capture_output=True, text=True, timeout=30)
    if p.returncode != 0:
        r.fails.append("%s: --check exit %d: %r" % (what, p.returncode, p.stderr[-300:]))
        return None
    sects, cur = {}, None
    for ln in p.stdout.splitlines():
        m = re.match(r"^\[vip (\S+)\]$", ln)
        if m:
            cur = sects.setdefault(m.group(1), [])
        elif cur is not None and ln:
            cur.append(ln)
    return sects


def modes(r, tmp):
    """Options that exclude each other: refused before the EAL, one line
    naming both."""
    for other, val in (("replay", None), ("port", "0"), ("host", "tap:vs9")):
        extra = ["--" + other] + ([val] if val else [])
        for order in (["--bench"] + extra, extra + ["--bench"]):
            r.refused("--bench with --%s (%s)" % (other, " ".join(order)), BASE + order,
                      "--bench")
            r.refused("--bench with --%s names it" % other, BASE + order, "--" + other)
        key = other + (" = " + val if val else "")
        r.refused("config: bench with %s" % other,
                  ["--config", conf_file(tmp, ["vip = 10.0.0.1", "node = 1/2", "bench", key])],
                  "--" + other)
    for a, b in (("bench", "bench-host"), ("bench-host", "replay")):
        for order in (["--" + a, "--" + b], ["--" + b, "--" + a]):
            r.refused("--%s with --%s" % (a, b), BASE + order, "--" + a)
            r.refused("--%s with --%s names it" % (a, b), BASE + order, "--" + b)
    r.accepted("--bench with its own options",
               BASE + ["--bench", "--bench-vips", "2", "--bench-size", "imix"])


def file_syntax(r, tmp):
    """Config files as admins write them: quoted values, a UTF-8 byte order
    mark, and keys or flags with the wrong dashes named."""
    V = "192.168.100.100"
    for q in ('"', "'"):
        sects = check_sections(r, "quoted values %s" % q, ["--config", conf_file(tmp, [
            "vip = %s%s/24%s" % (q, V, q), "node = %s1/3%s" % (q, q),
            "hashmode = %ssourceip%s  # a comment" % (q, q), "[vip %s10.0.0.9%s]" % (q, q)])])
        if sects is not None and (sorted(sects) != sorted([V + "/24", "10.0.0.9/32"]) or
                                  "hashmode = sourceip" not in sects[V + "/24"] or
                                  "node = 1/3" not in sects[V + "/24"]):
            r.fails.append("quoted values %s: sections %r" % (q, sects))
    for bad in ('vip = "%s/24' % V, "vip = %s/24'" % V, 'vip = \'%s/24"' % V, 'vip = "'):
        r.refused("config: unbalanced quote %r" % bad,
                  ["--config", conf_file(tmp, ["node = 1/3", bad])], "quote")
    # a byte order mark before the first key
    fd, path = tempfile.mkstemp(dir=tmp, suffix=".conf")
    with os.fdopen(fd, "wb") as f:
        f.write(b"\xef\xbb\xbfvip = " + V.encode() + b"/24\nnode = 1/3\n")
    sects = check_sections(r, "UTF-8 byte order mark", ["--config", path])
    if sects is not None and sorted(sects) != [V + "/24"]:
        r.fails.append("UTF-8 byte order mark: sections %r" % sects)
    # a BOM elsewhere is a byte of the key, shown as such
    fd, path = tempfile.mkstemp(dir=tmp, suffix=".conf")
    with os.fdopen(fd, "wb") as f:
        f.write(b"node = 1/3\n\xef\xbb\xbfvip = " + V.encode() + b"\n")
    r.refused("config: a BOM inside", ["--config", path], "\\xef\\xbb\\xbfvip")
    for key in ("-vip", "--vip"):
        r.refused("config key %r" % key, ["--config", conf_file(
            tmp, ["node = 1/3", "%s = %s" % (key, V)])], "without dashes: vip")
    for flag in ("-vip", "-node", "\u2014vip", "\u2013node", "-vip=" + V):
        name = "--" + flag.lstrip("-\u2013\u2014").split("=")[0]
        r.refused("flag %r" % flag, BASE + [flag, "10.0.0.2"], "two ASCII dashes: " + name)
    r.refused("a newline in a value", BASE + ["--hashmode", "source\nip"], "--hashmode")


def ctl_usage(r, ctl):
    """vipshare-ctl: usage errors exit 2 with one line before any daemon is
    asked (no socket here, which would be exit 3); "-2" is a command."""
    sock = "/nonexistent/vs-cli/dpdk_telemetry.v2"
    bad = [(["--file-prefix"], "--file-prefix"), (["--socket"], "--socket"),
           (["--vip"], "--vip"), (["-x"], "-x"), (["--bogus"], "--bogus"),
           (["add", "x"], "'x'"), (["add", "0"], "'0'"), (["add", "65"], "'65'"),
           (["del", "1x"], "'1x'"), (["-0"], "'0'"), (["+65"], "'65'"),
           (["add"], "add"), (["bogus"], "bogus"),
           # an address inet_pton refuses; list takes no socket
           (["--vip", "1.2.3", "nodes"], "1.2.3"), (["--vip", "1.2.3.256", "nodes"], "256"),
           (["list"], "list")]
    for args, name in bad:
        r.runs += 1
        p = subprocess.run([ctl, "--socket", sock] + args, capture_output=True, text=True,
                           timeout=10)
        lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
        if p.returncode != 2 or len(lines) != 1 or name not in lines[0]:
            r.fails.append("vipshare-ctl %s: exit %d, want 2 and one line naming %s: %r" % (
                " ".join(args), p.returncode, name, p.stderr[-200:]))
    # good command words reach the (missing) daemon: exit 3
    for args in (["-2"], ["+2"], ["add", "2"], ["del", "64"], ["--vip", "10.0.0.1", "-2"]):
        r.runs += 1
        p = subprocess.run([ctl, "--socket", sock] + args, capture_output=True, text=True,
                           timeout=10)
        if p.returncode != 3 or sock not in p.stderr:
            r.fails.append("vipshare-ctl %s: exit %d, want 3 (no daemon): %r" % (
                " ".join(args), p.returncode, p.stderr[-200:]))


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
        key_files(r, tmp)
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
            want = ["[vip 192.168.100.100/24]", "node = 1/3", "hashmode = sourceip"]
            got = pc.stdout.splitlines()
            if pc.returncode != 0 or pc.stderr or any(w not in got for w in want):
                r.fails.append("--check %s: exit %d, stdout %r, stderr %r" % (
                    pre, pc.returncode, pc.stdout[:200], pc.stderr[-200:]))
            r.runs += 1
            pv = subprocess.run([binary] + pre + ["--version"], capture_output=True, text=True,
                                timeout=30)
            if pv.returncode != 0 or not pv.stdout.startswith("dpdk-vipshare "):
                r.fails.append("--version %s: exit %d, %r" % (pre, pv.returncode, pv.stdout))
        # '#' starts a comment in a file (there "a#b" is "a"): a name with
        # one could not be written to a config file, --check's output
        r.refused("--port a#b", BASE + ["--port", "a#b"], "--port")
        r.refused("--host tap:a#b", BASE + ["--host", "tap:a#b"], "--host")
        r.refused("missing --vip", ["--node", "1/3"], "--vip")
        r.refused("missing --node", ["--vip", "10.0.0.1"], "--node")
        r.refused("node totals differ", BASE + ["--node", "2/4"], "--node")
        r.refused("node > N", ["--vip", "10.0.0.1", "--node", "4/3"], "--node")
        r.refused("N > 64", ["--vip", "10.0.0.1", "--node", "1/65"], "--node")
        r.refused("N = 0", ["--vip", "10.0.0.1", "--node", "1/0"], "--node")
        r.accepted("N = 64, node 64", ["--vip", "10.0.0.1", "--node", "64/64"])
        # nft hashes the source address only: a port mode with it is
        # refused, without a mode it is sourceip (and --check says so)
        for m in ("sourceip-sourceport", "sourceip-sourceport-destport"):
            r.refused("nft with --hashmode " + m,
                      BASE + ["--hash-compat", "nft", "--hashmode", m], "--hashmode")
            r.refused("nft with a default --hashmode " + m,
                      ["--hashmode", m] + BASE + ["--hash-compat", "nft"], "--hashmode")
        r.runs += 1
        pc = subprocess.run([binary, "--check"] + BASE + ["--hash-compat", "nft"],
                            capture_output=True, text=True, timeout=30)
        sect = pc.stdout.split("[vip 192.168.100.100/24]")[-1].splitlines()
        if pc.returncode != 0 or "hashmode = sourceip" not in sect:
            r.fails.append("--hash-compat nft alone: exit %d, section %r" % (pc.returncode, sect))
        multi_vip(r, tmp)
        modes(r, tmp)
        file_syntax(r, tmp)
    ctl_usage(r, os.path.join(a.build, "app", "vipshare-ctl"))
    for f in r.fails[:60]:
        print("FAIL: %s" % f)
    print("cli: %d runs of dpdk-vipshare over %d options: %s" % (
        r.runs, len(opts), "PASS" if not r.fails else "%d FAILURES" % len(r.fails)))
    return 1 if r.fails else 0


if __name__ == "__main__":
    sys.exit(main())
