#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
Seed corpora of the fuzz targets, deterministic:
  corpus/frame/  tests/pcap/fixture.pcap in runs of consecutive frames (so
                 fragment sequences stay together), plus the malformed-frame
                 corpus of tests/malformed, in the fuzz_frame record format
  corpus/conf/   valid and invalid command lines and config files
Run: /usr/bin/python3 tests/fuzz/gen_corpus.py   (rewrites both dirs)
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(HERE, "..", "pcap"))
sys.path.insert(0, os.path.join(HERE, "..", "malformed"))
import model  # noqa: E402


def record(fr, flags=0):
    fr = fr[:0xFFFF]
    return struct.pack("!BH", flags, len(fr)) + fr


def frame_seeds():
    frames = model.read_pcap(os.path.join(HERE, "..", "pcap", "fixture.pcap"))
    seeds = []
    run = 16
    for k, i in enumerate(range(0, len(frames), run)):
        # byte 0: hash mode, nft, poison; 1: N-1; 2: ownership mask seed
        hdr = bytes([k % 16, (k % 4) + 1, (0x55, 0x01, 0xFF, 0x02)[k % 4]])
        body = b""
        for j, fr in enumerate(frames[i:i + run]):
            fl = 0
            if j % 5 == 4:
                fl |= 2          # end of burst
            if k % 3 == 1 and j == 8:
                fl |= 0x60       # 60 ms: beyond the 50 ms fragment timeout
            if k % 7 == 3 and j % 4 == 1:
                fl |= 4          # two segments
            body += record(fr, fl)
        seeds.append(hdr + body)
    try:
        import gen_malformed
        groups = gen_malformed.groups()
    except ImportError:
        groups = []
    for k, (name, frs) in enumerate(groups):
        hdr = bytes([(k % 2) | 8, 2, 0x01])
        seeds.append(hdr + b"".join(record(f, 2 if j % 8 == 7 else 0)
                                    for j, f in enumerate(frs[:64])))
    return seeds


CONF_ARGS = [
    "--vip\n192.168.100.100/24\n--node\n1/3",
    "--vip=10.0.0.1\n--node=1,3/3\n--hashmode\nsourceip\n--hash-init\n0x1234abcd",
    "--vip\n10.0.0.1/8\n--node\n1-2/4\n--node\n4/4\n--hash-compat\nnft\n--mac\n01:00:5e:00:00:01",
    "--vip\n10.0.0.1\n--node\n64/64\n--host\ntap:vs1\n--port\n0\n--garp\n0\n--replay",
    "--vip\n10.0.0.1\n--node\n1/2\n--host\nvirtio-user:/dev/vhost-net\n--frag-max\n65536\n"
    "--frag-timeout\n60000\n--burst\n64\n--idle-sleep\n100\n--stats-interval\n1",
    "--vip\n10.0.0.1\n--node\n1/2\n--host\nport:1\n--bench\n--bench-seconds\n1\n--bench-size\nimix\n--no-host-addr",
    "--config\nX\n--node\n2/3",
    "--config=X\n--vip\n1.2.3.4",
    "--vip\n10.0.0.1\n--node\n0/3",
    "--vip\n10.0.0.1\n--node\n4/3",
    "--vip\n10.0.0.1\n--node\n1/65",
    "--vip\n10.0.0.1\n--node\n1/2\n--node\n1/3",
    "--bogus",
    "--vip\n10.0.0.1\n--node\n1/3\n--igmp\nreport,mrd\n--igmp-interval\n20",
]
CONF_FILES = [
    open(os.path.join(HERE, "..", "..", "config", "vipshare.conf.example")).read(),
    "vip = 10.0.0.1\nnode = 2/3\nreplay\nbench = yes\n",
    "vip=10.0.0.1/32 # comment\n\tnode\t=\t1,2/2\r\nhashmode = sourceip\n",
    "frag-max = 0\n",
    "unknown = 1\n",
    "x" * 600 + "\n",
]


def conf_seeds():
    out = []
    for i, a in enumerate(CONF_ARGS):
        out.append(a.encode() + b"\0" + CONF_FILES[i % len(CONF_FILES)].encode())
    for f in CONF_FILES:
        out.append(b"--config\nX\0" + f.encode())
    return out


def write(dirname, seeds):
    d = os.path.join(HERE, "corpus", dirname)
    os.makedirs(d, exist_ok=True)
    # only our own seeds are rewritten: crash-* and the inputs merged in
    # from long fuzzing runs stay
    for f in os.listdir(d):
        if f.startswith("seed-"):
            os.unlink(os.path.join(d, f))
    for i, s in enumerate(seeds):
        with open(os.path.join(d, "seed-%04d" % i), "wb") as f:
            f.write(s)
    print("%s: %d seeds" % (d, len(seeds)))


if __name__ == "__main__":
    write("frame", frame_seeds())
    write("conf", conf_seeds())
