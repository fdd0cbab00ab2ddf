#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The exception path's offloads, through the node that owns the client in a
# 2-node cluster (scripts/cluster.sh, sourceip): the client sends 24 MB to a
# server on the VIP and gets 24 MB back, over one TCP connection.
#
# Asserted:
#   - the bytes arrive intact both ways (SHA-256 on each side);
#   - GRO into the node's kernel was used (host_tx_super > 0, more wire
#     frames than writes) and TSO out of it (host_rx_super > 0, and the
#     super-frames went out as wire frames: wire_tso_sw or wire_tso_nic,
#     wire_segs > host_rx_super);
#   - no checksum errors in the node's kernel nor the client's
#     (TcpInCsumErrors, UdpInCsumErrors), no header or super-frame drops
#     (host_vnet_bad, host_too_long, host_gso_unsupported, wire_tso_drop);
#   - the counters still add up (the outcomes to rx);
#   - TCP segments held for GRO (--gro-hold) are neither stuck nor overtaken
#     (tests/host/hold_probe.py, the client on one CPU, the node
#     idle-sleeping: what it holds goes before each sleep): a segment
#     followed at once by a PSH segment of its flow reaches the server first
#     (no TcpExtTCPOFOQueue on the node); a lone segment with nothing after
#     it reaches the node's kernel (its RST comes back within 1 s).
#
# Usage: test_offload.sh BUILD_DIR PMD [QUEUES]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

BUILD=$(cd "${1:?usage: test_offload.sh BUILD_DIR PMD [QUEUES]}" && pwd)
PMD=${2:-af_xdp}
QUEUES=${3:-1}
netns_prereqs "$BUILD"
command -v nstat >/dev/null || fatal "missing nstat (iproute2)"
netns_lock
work=$(mktemp -d /tmp/vsn-offload.XXXXXX)
trap 'cluster_cleanup $? "$work"' EXIT

export VSN_BUILD=$BUILD VSN_PMD=$PMD VSN_QUEUES=$QUEUES VSN_HASHMODE=sourceip \
	VSN_IDLE_SLEEP=20 VSN_SNOOP=0 VSN_APP_ARGS="--igmp off"
"$CLUSTER" up 2
owner=$("$BUILD/app/vipshare-which" --total-nodes 2 --hashmode sourceip $CLIENT)
say "node $owner owns the client ($PMD, $QUEUES queue(s))"

cat >"$work/xfer.py" <<'PY'
import hashlib, os, socket, sys
N = 24 << 20
mode, addr = sys.argv[1], sys.argv[2]
def drain(c, h):
    got = 0
    while got < N:
        b = c.recv(1 << 16)
        if not b:
            break
        h.update(b)
        got += len(b)
    return got
if mode == "server":
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, 5001))
    s.listen(1)
    print("listening", flush=True)
    c, _ = s.accept()
    h = hashlib.sha256()
    print("server received %d %s" % (drain(c, h), h.hexdigest()), flush=True)
    data = os.urandom(N)
    print("server sent %d %s" % (N, hashlib.sha256(data).hexdigest()), flush=True)
    c.sendall(data)
    c.shutdown(socket.SHUT_WR)
    c.recv(1)
else:
    c = socket.create_connection((addr, 5001), timeout=60)
    data = os.urandom(N)
    print("client sent %d %s" % (N, hashlib.sha256(data).hexdigest()), flush=True)
    c.sendall(data)
    h = hashlib.sha256()
    print("client received %d %s" % (drain(c, h), h.hexdigest()), flush=True)
    c.close()
PY

csum_errors() {
	ip netns exec "$1" nstat -az TcpInCsumErrors UdpInCsumErrors |
		awk '/InCsumErrors/ {s += $2} END {print s + 0}'
}
e_node0=$(csum_errors "vsn-n$owner")
e_cli0=$(csum_errors vsn-c)

ip netns exec "vsn-n$owner" python3 "$work/xfer.py" server $VIP >"$work/server.out" 2>&1 &
srv=$!
for _ in $(seq 100); do grep -q listening "$work/server.out" && break; sleep 0.1; done
check "transfer completed" timeout 150 ip netns exec vsn-c \
	python3 "$work/xfer.py" client $VIP >"$work/client.out" 2>&1
wait "$srv" || true
cat "$work/client.out" "$work/server.out"
field() { awk -v w="$2" '$0 ~ w {print $3 " " $4}' "$1"; }
up_sent=$(field "$work/client.out" "client sent")
up_recv=$(field "$work/server.out" "server received")
dn_sent=$(field "$work/server.out" "server sent")
dn_recv=$(field "$work/client.out" "client received")
check "upload intact" test -n "$up_sent" -a "$up_sent" = "$up_recv"
check "download intact" test -n "$dn_sent" -a "$dn_sent" = "$dn_recv"
check "no checksum errors in the node's kernel" \
	test "$(csum_errors "vsn-n$owner")" = "$e_node0"
check "no checksum errors in the client's kernel" \
	test "$(csum_errors vsn-c)" = "$e_cli0"

"$CLUSTER" ctl "$owner" stats >"$work/stats.json"
# the host port's and the ports' own counters, for a failure's reader
python3 - "$work/stats.json" <<'PY' || true
import json, sys
d = json.load(open(sys.argv[1]))
d = d.get("/vipshare/stats", d)
print("node counters: " + " ".join("%s=%s" % (k, v) for k, v in sorted(d.items())
      if isinstance(v, int) and v and (k.startswith(("host_", "nic_", "wire_", "tx_")))))
PY
check "the offload counters" python3 - "$work/stats.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d = d.get("/vipshare/stats", d)
bad = []
def need(cond, what):
    if not cond:
        bad.append(what)
need(d["host_tx_super"] > 0, "GRO super-frames into the kernel (host_tx_super)")
need(d["host_tx_wire"] > d["host_opackets"], "more wire frames than writes")
need(d["host_rx_super"] > 0, "TSO super-frames from the kernel (host_rx_super)")
need(d["wire_tso_sw"] + d["wire_tso_nic"] >= d["host_rx_super"] > 0 and
     d["wire_segs"] > d["host_rx_super"], "super-frames made wire frames")
for k in ("host_vnet_bad", "host_too_long", "host_gso_unsupported",
          "wire_tso_drop", "malformed"):
    need(d[k] == 0, "%s = %d" % (k, d[k]))
outcomes = sum(d[k] for k in ("arp_reply", "arp_to_host", "vip_owned",
               "vip_not_owned", "other_to_host", "malformed", "frag_held",
               "announce_rx"))
need(outcomes == d["rx"], "outcomes add up to rx")
print("node: tx_wire_drop %d tx_wire_full %d tx_host_drop %d nic_oerrors %d" % (d["tx_wire_drop"], d["tx_wire_full"], d["tx_host_drop"], d["nic_oerrors"]))
print("node: rx %d, to the host %d wire frames in %d writes (%d GRO "
      "super-frames); from the host %d frames (%d TSO super-frames) = %d "
      "wire frames out" % (d["rx"], d["host_tx_wire"], d["host_opackets"],
      d["host_tx_super"], d["host_ipackets"], d["host_rx_super"],
      d["host_to_wire"]))
for b in bad:
    print("  " + b)
sys.exit(1 if bad else 0)
PY

# segments held for GRO: released, in order
ofo() { ip netns exec "vsn-n$owner" nstat -az TcpExtTCPOFOQueue | awk '/TCPOFOQueue/ {s += $2} END {print s + 0}'; }
probe=$(dirname "$0")/../host/hold_probe.py
ofo0=$(ofo)
ip netns exec "vsn-n$owner" python3 "$probe" server $VIP 5002 >"$work/probe-srv.out" 2>&1 &
srv=$!
for _ in $(seq 100); do grep -q listening "$work/probe-srv.out" && break; sleep 0.1; done
check "held segments released (hold_probe)" timeout 60 ip netns exec vsn-c \
	taskset -c 1 python3 "$probe" client $VIP 5002 --rounds 20 --stray-timeout-ms 1000
wait "$srv" || true
check "held segments in order (TcpExtTCPOFOQueue +$(($(ofo) - ofo0)))" test "$(ofo)" = "$ofo0"

[ "$FAILS" -eq 0 ] || exit 1
say "PASS"
