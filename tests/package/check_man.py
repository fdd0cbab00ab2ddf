#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The manual pages say what the programs do.

For dpdk-vipshare(8), vipshare-ctl(8) and vipshare-which(1): the options the
page's OPTIONS section lists are exactly the --options the program's --help
names outside its Commands block (both directions), and vipshare-ctl's
COMMANDS are the commands of that block, with the same --arguments; every
--help line fits 80 columns; README.md's option table names the options
of dpdk-vipshare --help. For ocf_vipshare_dpdk-vipshare(7): the parameters (names, order,
required, reloadable, defaults) and actions are those of the agent's meta-data.

  check_man.py --man-dir DIR --bin-dir DIR --agent AGENT [--shellfuncs S]

Pages may be gzipped (an unpacked package). S: "real" (resource-agents'
ocf-shellfuncs, required), "auto" (real when installed, else the build's
stand-in, man/ocf-stub), or a directory. Exit 0 all agree, 1 otherwise.
"""
import argparse
import gzip
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
STUB = os.path.join(HERE, "..", "..", "man", "ocf-stub")
REAL = "/usr/lib/ocf/lib/heartbeat"

failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg)


def read_page(man_dir, name):
    for cand in (name, name + ".gz"):
        sub = "man" + name.rsplit(".", 1)[1]
        for path in (os.path.join(man_dir, cand), os.path.join(man_dir, sub, cand)):
            if os.path.exists(path):
                opener = gzip.open if path.endswith(".gz") else open
                with opener(path, "rt", encoding="utf-8") as f:
                    return f.read()
    fail("no page %s under %s" % (name, man_dir))
    return None


def plain(roff):
    """Text of a roff line without font changes and escapes."""
    s = re.sub(r"\\f[BIRP]", "", roff)
    s = s.replace("\\-", "-").replace("\\&", "").replace("\\e", "\\")
    return s


def section(page, title):
    """The lines of one .SH section."""
    out, inside = [], False
    for line in page.splitlines():
        if line.startswith(".SH"):
            inside = line[3:].strip().strip('"') == title
            continue
        if inside:
            out.append(line)
    if not out:
        fail("no section %s" % title)
    return out


def terms(lines):
    """Definition-list terms of a scdoc page: the text line before '.RS 4'."""
    return [plain(lines[i]) for i in range(len(lines) - 1)
            if lines[i + 1] == ".RS 4" and not lines[i].startswith(".")]


def long_opts(text):
    return set(re.findall(r"(?<![\w-])--([a-z][a-z0-9-]*)", text))


def run_help(binary):
    r = subprocess.run([binary, "--help"], capture_output=True, text=True,
                       timeout=30)
    if r.returncode != 0:
        fail("%s --help exited %d: %s" % (binary, r.returncode, r.stderr.strip()))
    # a terminal's 80 columns, tabs as 8
    wide = [ln for ln in r.stdout.splitlines() if len(ln.expandtabs(8)) > 80]
    for ln in wide:
        fail("%s --help: a line of %d columns (80 at most): %r"
             % (os.path.basename(binary), len(ln.expandtabs(8)), ln))
    if not wide:
        print("ok: %s --help fits 80 columns (%d lines)"
              % (os.path.basename(binary), len(r.stdout.splitlines())))
    return r.stdout


def compare(what, page_set, help_set, page="the manual page"):
    only_page = sorted(page_set - help_set)
    only_help = sorted(help_set - page_set)
    if only_page:
        fail("%s: in %s, not in --help: %s" % (what, page, ", ".join(only_page)))
    if only_help:
        fail("%s: in --help, not in %s: %s" % (what, page, ", ".join(only_help)))
    if not only_page and not only_help:
        print("ok: %s: %d agree (%s)" % (what, len(page_set), " ".join(sorted(page_set))))


def check_program(args, prog, page_name):
    page = read_page(args.man_dir, page_name)
    if page is None:
        return
    text = run_help(os.path.join(args.bin_dir, prog))
    # --help: "Commands:" then one "  word [ARGS]  description" line per
    # command, its continuation lines indented further ("[...]" ones more
    # arguments); the options are named outside that block
    hc, inside, outside, cmd_text = set(), False, [], []
    for line in text.splitlines():
        if line.startswith("Commands:"):
            inside = True
        elif inside and line.startswith("  ") and line.strip():
            if line[2] != " ":
                hc.add(line.split()[0])
                cmd_text.append(re.split(r"\s{2,}", line.strip())[0])
            elif line.strip().startswith("["):
                cmd_text.append(line.strip())
        else:
            inside = False
            outside.append(line)
    opts = set()
    for t in terms(section(page, "OPTIONS")):
        opts |= long_opts(t.split(" ")[0])
    compare(page_name + " options", opts, long_opts("\n".join(outside)))
    if prog == "dpdk-vipshare":
        check_readme(long_opts("\n".join(outside)))
    if prog == "vipshare-ctl":
        cmd_terms = terms(section(page, "COMMANDS"))
        cmds = {t.split()[0].rstrip(",") for t in cmd_terms}
        compare(page_name + " commands", cmds, hc)
        # the commands' own arguments are on the page's command lines
        compare(page_name + " command arguments",
                long_opts("\n".join(cmd_terms)), long_opts("\n".join(cmd_text)))


def check_readme(help_opts):
    """README's option table: the first column of its "| `--..." rows
    names exactly the options of dpdk-vipshare --help."""
    path = os.path.join(HERE, "..", "..", "README.md")
    with open(path, encoding="utf-8") as f:
        rows = [ln.split("|")[1] for ln in f if ln.startswith("| `--")]
    compare("README.md option table", long_opts("\n".join(rows)), help_opts, "README.md")


def meta_data(agent, shellfuncs):
    if shellfuncs == "real":
        if not os.path.exists(os.path.join(REAL, "ocf-shellfuncs")):
            fail("resource-agents' %s/ocf-shellfuncs is missing" % REAL)
            return None
        d = REAL
    elif shellfuncs == "auto":
        d = REAL if os.path.exists(os.path.join(REAL, "ocf-shellfuncs")) else STUB
    else:
        d = shellfuncs
    print("meta-data with %s/ocf-shellfuncs" % d)
    env = dict(os.environ, OCF_ROOT="/usr/lib/ocf", OCF_FUNCTIONS_DIR=d)
    r = subprocess.run(["bash", agent, "meta-data"], capture_output=True,
                       text=True, env=env, timeout=30)
    if r.returncode != 0:
        fail("%s meta-data exited %d: %s" % (agent, r.returncode, r.stderr.strip()))
        return None
    return ET.fromstring(r.stdout)


def check_agent(args):
    name = "ocf_vipshare_dpdk-vipshare.7"
    page = read_page(args.man_dir, name)
    md = meta_data(args.agent, args.shellfuncs)
    if page is None or md is None:
        return
    want = []
    for p in md.findall("parameters/parameter"):
        c = p.find("content")
        want.append((p.get("name"), p.get("required") == "1",
                     p.get("reloadable") == "1",
                     (c.get("default") or "") if c is not None else ""))
    got = []
    lines = section(page, "SUPPORTED PARAMETERS")
    for i, line in enumerate(lines):
        m = re.match(r"\\fB(.*?)\\fR \\- ", line)
        if not (m and i and lines[i - 1] == ".PP"):
            continue
        attrs = ""
        for later in lines[i + 1:]:
            if later.startswith("(") and later.endswith(")"):
                attrs = plain(later)
                break
        d = re.search(r'default "(.*)"\)$', attrs)
        got.append((plain(m.group(1)), attrs.startswith("(required"),
                    "reloadable, " in attrs, d.group(1) if d else ""))
    if got != want:
        fail("%s parameters differ from the meta-data:\n  page:      %s\n  meta-data: %s"
             % (name, got, want))
    else:
        print("ok: %s: %d parameters agree with the meta-data (names, order, "
              "required, reloadable, defaults)" % (name, len(got)))
    acts = [a.get("name") for a in md.findall("actions/action")]
    lines = section(page, "SUPPORTED ACTIONS")
    pa = [plain(re.match(r"\\fB(.*?)\\fR", lines[i + 1]).group(1))
          for i in range(len(lines) - 1) if lines[i].startswith(".IP")]
    if pa != acts:
        fail("%s actions %s, meta-data %s" % (name, pa, acts))
    else:
        print("ok: %s: actions agree (%s)" % (name, " ".join(acts)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--man-dir", required=True)
    ap.add_argument("--bin-dir", required=True)
    ap.add_argument("--agent", required=True)
    ap.add_argument("--shellfuncs", default="auto")
    args = ap.parse_args()
    check_program(args, "dpdk-vipshare", "dpdk-vipshare.8")
    check_program(args, "vipshare-ctl", "vipshare-ctl.8")
    check_program(args, "vipshare-which", "vipshare-which.1")
    check_agent(args)
    if failures:
        print("%d failure(s)" % len(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
