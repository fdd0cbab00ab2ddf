#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""vipshare-which against the reference vectors, and its error handling.

usage: test_which.py VIPSHARE_WHICH CLUSTERIP_TSV
"""
import subprocess
import sys

PORT_PROTOS = {"tcp", "udp", "sctp", "dccp", "udplite"}
MIN_ROWS = 30
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg)


def run(exe, args, stdin=None):
    p = subprocess.run([exe] + args, input=stdin, capture_output=True,
                       text=True, timeout=30)
    return p.returncode, p.stdout, p.stderr


def load(path):
    rows = []
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\r\n")
            if not line or line.startswith("#") or line.startswith("mode\t"):
                continue
            c = line.split("\t")
            if len(c) != 10:
                raise SystemExit("%s:%d: %d fields" % (path, lineno, len(c)))
            ports = c[4] in PORT_PROTOS
            rows.append({
                "line": lineno, "mode": c[0], "ip": c[1],
                "sport": int(c[2]) if ports else 0,
                "dport": int(c[3]) if ports else 0,
                "total": int(c[5]), "init": int(c[6], 16),
                "node": int(c[8]), "node_nft": int(c[9]),
            })
    return rows


def check_vectors(exe, rows):
    for r in rows:
        tup = "%s:%d:%d" % (r["ip"], r["sport"], r["dport"])
        for compat, want in (("clusterip", r["node"]), ("nft", r["node_nft"])):
            # hash-init alternately in hex and decimal; compat given or default
            init = ("0x%x" % r["init"]) if r["line"] % 2 else str(r["init"])
            args = ["--total-nodes", str(r["total"]), "--hashmode", r["mode"],
                    "--hash-init", init]
            if compat == "nft" or r["line"] % 3:
                args += ["--hash-compat", compat]
            rc, out, err = run(exe, args + [tup])
            if rc != 0 or out != "%d\n" % want or err:
                fail("line %d %s: rc %d out %r err %r, want %d" %
                     (r["line"], compat, rc, out, err, want))
    # batch mode: one process per configuration, all its rows on stdin
    groups = {}
    for r in rows:
        for compat in ("clusterip", "nft"):
            key = (r["mode"], r["total"], r["init"], compat)
            groups.setdefault(key, []).append(r)
    nlines = 0
    for (mode, total, init, compat), rs in sorted(groups.items()):
        lines = ""
        want = ""
        for i, r in enumerate(rs):
            # vary the form: "ip", "ip sport", "ip sport dport", tabs
            if r["sport"] == 0 and r["dport"] == 0 and i % 2:
                lines += "%s\n" % r["ip"]
            elif r["dport"] == 0 and i % 2:
                lines += "%s\t%d\n" % (r["ip"], r["sport"])
            else:
                lines += "%s %d\t%d\n" % (r["ip"], r["sport"], r["dport"])
            want += "%d\n" % (r["node"] if compat == "clusterip"
                              else r["node_nft"])
        rc, out, err = run(exe, ["--total-nodes", str(total), "--hashmode",
                                 mode, "--hash-init", "0x%08x" % init,
                                 "--hash-compat", compat], lines)
        nlines += len(rs)
        if rc != 0 or out != want or err:
            fail("batch %s N=%d init=0x%x %s: rc %d out %r err %r, want %r" %
                 (mode, total, init, compat, rc, out, err, want))
    # all rows in one argv call per config as well
    for (mode, total, init, compat), rs in sorted(groups.items()):
        tups = ["%s:%d:%d" % (r["ip"], r["sport"], r["dport"]) for r in rs]
        want = "".join("%d\n" % (r["node"] if compat == "clusterip"
                                 else r["node_nft"]) for r in rs)
        rc, out, err = run(exe, ["--total-nodes", str(total), "--hashmode",
                                 mode, "--hash-init", str(init),
                                 "--hash-compat", compat] + tups)
        if rc != 0 or out != want or err:
            fail("argv batch %s N=%d %s: rc %d out %r" %
                 (mode, total, compat, rc, out))
    print("# %d rows, %d batch lines checked" % (len(rows), nlines))


def check_errors(exe):
    base = ["--total-nodes", "4"]
    # (args, stdin, words the single stderr line must contain)
    cases = [
        (["--total-nodes", "0", "1.2.3.4"], None, ["--total-nodes", "'0'"]),
        (["--total-nodes", "65", "1.2.3.4"], None, ["--total-nodes", "'65'"]),
        (["--total-nodes", "x", "1.2.3.4"], None, ["--total-nodes", "'x'"]),
        (["--total-nodes", "-1", "1.2.3.4"], None, ["--total-nodes", "'-1'"]),
        (["--total-nodes", "", "1.2.3.4"], None, ["--total-nodes"]),
        (["--total-nodes", "4294967297", "1.2.3.4"], None,
         ["--total-nodes", "4294967297"]),
        (base + ["--hashmode", "foo", "1.2.3.4"], None, ["--hashmode", "foo"]),
        (base + ["--hashmode", "", "1.2.3.4"], None, ["--hashmode"]),
        (base + ["--hash-init", "-1", "1.2.3.4"], None,
         ["--hash-init", "'-1'"]),
        (base + ["--hash-init", "0x100000000", "1.2.3.4"], None,
         ["--hash-init", "0x100000000"]),
        (base + ["--hash-init", "zz", "1.2.3.4"], None, ["--hash-init", "zz"]),
        (base + ["--hash-compat", "x", "1.2.3.4"], None,
         ["--hash-compat", "'x'"]),
        (base + ["--hash-compat", "NFT", "1.2.3.4"], None,
         ["--hash-compat", "NFT"]),
        (base + ["1.2.3"], None, ["address", "1.2.3"]),
        (base + ["256.1.1.1"], None, ["address", "256.1.1.1"]),
        (base + ["1.2.3.4:70000"], None, ["address", "1.2.3.4:70000"]),
        (base + ["1.2.3.4:x"], None, ["address", "1.2.3.4:x"]),
        (base + ["1.2.3.4:80:-1"], None, ["address", "1.2.3.4:80:-1"]),
        (base + ["--foo", "1.2.3.4"], None, ["option", "--foo"]),
        (base + ["-x", "1.2.3.4"], None, ["option", "-x"]),
        (base + ["--hashmode"], None, ["--hashmode"]),
        (["1.2.3.4"], None, ["--total-nodes"]),
        (base, "1.2.3\n", ["1.2.3"]),
        (base, "1.2.3.4 70000\n", ["1.2.3.4"]),
        (base, "1.2.3.4 1 2 3\n", ["1.2.3.4"]),
        # a bad value lists what is allowed
        (base + ["--hashmode", "SOURCEIP", "1.2.3.4"], None,
         ["--hashmode", "'SOURCEIP'", "sourceip,", "sourceip-sourceport ",
          "sourceip-sourceport-destport"]),
        (base + ["--hash-compat", "iptables", "1.2.3.4"], None,
         ["--hash-compat", "'iptables'", "clusterip", "nft"]),
        (["--total-nodes", "65", "1.2.3.4"], None, ["'65'", "1..64"]),
        (base + ["--hash-init", "zz", "1.2.3.4"], None,
         ["'zz'", "4294967295", "0x"]),
        (base + ["1.2.3.4:70000"], None, ["'1.2.3.4:70000'", "0..65535"]),
        # a missing value: named as missing, with what is allowed
        (base + ["--hashmode"], None,
         ["'--hashmode'", "needs a value", "sourceip-sourceport-destport"]),
        (base + ["--hash-compat"], None, ["'--hash-compat'", "nft"]),
        (["--total-nodes"], None, ["'--total-nodes'", "1..64"]),
        # a bad stdin line: its number, the field, the line
        (base, "1.2.3\n", ["line 1:", "address '1.2.3'"]),
        (base, "1.2.3.4 70000\n", ["line 1:", "source port '70000'",
                                    "'1.2.3.4 70000'"]),
        (base, "1.2.3.4 1 x\n", ["line 1:", "destination port 'x'"]),
        (base, "1.2.3.4 1 2 3\n", ["line 1:", "'3'", "'1.2.3.4 1 2 3'"]),
        (base, "\n", ["line 1:", "empty"]),
        (base, " \t\r\n", ["line 1:", "empty"]),
        (base, "1.2.3.4 " + " " * 600 + "\n", ["line 1:", "longer than"]),
    ]
    for args, stdin, words in cases:
        rc, out, err = run(exe, args, stdin if stdin is not None else "")
        lines = err.splitlines()
        ok = (rc == 2 and len(lines) == 1 and err.endswith("\n") and
              all(w in lines[0] for w in words) and out == "")
        if not ok:
            fail("%r stdin %r: rc %d stdout %r stderr %r (want rc 2, one "
                 "line naming %r)" % (args, stdin, rc, out, err, words))
    # the answers before a bad line are printed; the error names its line
    for bad_at in (2, 5):
        good = ["10.0.0.%d %d" % (i, 1000 + i) for i in range(1, 8)]
        lines = list(good)
        lines[bad_at - 1] = "10.0.0.%d 1 2 3" % bad_at
        rc, out, err = run(exe, base, "\n".join(lines) + "\n")
        rc1, want, _ = run(exe, base, "\n".join(good[:bad_at - 1]) + "\n")
        errl = err.splitlines()
        if rc != 2 or out != want or len(errl) != 1 or \
                not errl[0].startswith("vipshare-which: line %d: " % bad_at):
            fail("bad line %d of %d: rc %d stdout %r (want %r) stderr %r" %
                 (bad_at, len(lines), rc, out, want, err))
    # sanity of the good path around the bad values
    for args in (["--total-nodes", "1"], ["--total-nodes", "64"],
                 ["--total-nodes", "0x10"],
                 ["--total-nodes", "4", "--hash-init", "0xffffffff"],
                 ["--total-nodes", "4", "--hash-init", "4294967295"]):
        rc, out, err = run(exe, args + ["1.2.3.4:1:2"])
        n = int(args[1], 0)
        if rc != 0 or err or not out.strip().isdigit() or \
                not 1 <= int(out) <= n:
            fail("%r: rc %d out %r err %r" % (args, rc, out, err))
    rc, out, err = run(exe, ["--help"])
    if rc != 0 or "Usage" not in out:
        fail("--help: rc %d" % rc)


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    exe, tsv = sys.argv[1], sys.argv[2]
    rows = load(tsv)
    if len(rows) < MIN_ROWS:
        fail("only %d vector rows in %s" % (len(rows), tsv))
    check_vectors(exe, rows)
    check_errors(exe)
    if failures:
        print("%d failures" % len(failures))
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
