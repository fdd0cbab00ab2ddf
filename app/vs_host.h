/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The host port: the exception path between the workers and the node's
 * kernel, one queue per worker.
 *
 *   vnet (default)  a veth pair: IFNAME (default vs0) in our network
 *                   namespace, its peer in a private namespace of ours that
 *                   dies with the process (and the pair with it); frames
 *                   cross as AF_PACKET with PACKET_VNET_HDR, batched
 *                   (sendmmsg/recvmmsg), one socket per queue (PACKET_FANOUT
 *                   by flow hash when there are several).
 *   tapv            a TAP with IFF_VNET_HDR + TUNSETOFFLOAD, one file
 *                   descriptor per queue (IFF_MULTI_QUEUE), one readv/writev
 *                   per frame. Measured against vnet (docs/design.md).
 *   eth             an ethdev port: net_tap, virtio-user (offloads asked for
 *                   where it has them) or an existing port:ID.
 *
 * Into the kernel (vs_host_tx): where the kernel side takes offloads, the
 * TCP segments are coalesced with DPDK's GRO, held across bursts up to
 * gro_hold_us, into one TSO super-frame per flow run (vs_vnet_gro_prep
 * decides which may be), written with a virtio_net_hdr. Out of the kernel (vs_host_rx): the kernel hands us
 * TSO super-frames and partial checksums, read into mbuf chains; its header
 * is checked (vs_vnet_parse) and becomes TX offload requests, which
 * vs_wire_prep turns into frames the NIC can send (its TSO and checksum
 * offloads, else rte_gso and software checksums).
 */
#ifndef VS_HOST_H
#define VS_HOST_H

#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>

#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_gso.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "vs_vnet.h"

/* frames per kernel call, and receive slots per queue */
#define VS_HOST_BURST 32
/* TSO super-frames the kernel may hand us are capped at this many
 * segments (gso_max_segs of the interface): the most vs_wire_prep makes */
#define VS_HOST_GSO_MAX_SEGS 64
/* TCP segments a queue holds for GRO across calls of vs_host_tx */
#define VS_HOST_GRO_HOLD 128
/* gro_hold_us as dpdk-vipshare's --gro-hold has it by default */
#define VS_HOST_GRO_HOLD_US 50

enum vs_host_be {
	VS_HOST_BE_VNET = 0, /* veth + AF_PACKET + PACKET_VNET_HDR */
	VS_HOST_BE_TAPV,     /* TAP + IFF_VNET_HDR */
	VS_HOST_BE_ETH,      /* an ethdev port */
};

struct vs_host_conf {
	enum vs_host_be be;
	char ifname[IF_NAMESIZE];  /* vnet, tapv: the kernel interface */
	struct rte_ether_addr mac; /* vnet, tapv: the NIC's */
	uint16_t mtu;              /* vnet, tapv: the NIC's */
	uint16_t nb_queues;        /* one per worker */
	/* GRO: hold TCP segments across bursts this long at most (0: merge
	 * only within one vs_host_tx call) */
	uint32_t gro_hold_us;
	/* vnet: IFNAME receives in a NAPI kernel thread (vs_hk_napi) */
	bool napi;
	struct rte_mempool *pool;
	/* eth: an existing port, or a vdev to create (net_tap, virtio_user) */
	uint16_t port; /* RTE_MAX_ETHPORTS: create devname */
	char devname[64];
	char devargs[512];
};

/*
 * Per-queue counters. "Frames" are what crossed the kernel boundary: a
 * super-frame counts once, the wire frames it stands for separately.
 */
#define VS_HOST_STATS(X)                                                       \
	X(host_rx)        /* frames read from the kernel */                    \
	X(host_rx_super)  /* ... of which TSO super-frames */                  \
	X(host_rx_nombuf) /* receive buffers not refilled: fewer reads */      \
	X(host_vnet_bad)  /* header malformed or lying: dropped */             \
	X(host_gso_unsupported) /* GSO we cannot send (TCPv6, UDP): dropped */ \
	X(host_too_long) /* over 64 KB of datagram, or cut short: dropped */   \
	X(host_tx)       /* frames written to the kernel */                    \
	X(host_tx_super) /* ... of which GRO super-frames */                   \
	X(host_tx_wire)  /* wire frames in what was written */                 \
	X(host_tx_drop)  /* wire frames refused or not taken: dropped */

struct vs_host_stats {
#define VS_HOST_STAT_FIELD(n) uint64_t n;
	VS_HOST_STATS(VS_HOST_STAT_FIELD)
#undef VS_HOST_STAT_FIELD
	uint64_t vnet_err[VS_VNET_E_MAX]; /* receive drops by reason */
};

struct vs_host_queue;

struct vs_host {
	struct vs_host_conf conf;
	uint16_t port;        /* eth */
	bool created;         /* we made the interface / vdev: we remove it */
	bool offloads;        /* the kernel side takes super-frames: GRO on */
	bool eth_rx_offloads; /* eth: LRO / partial checksums come back */
	bool napi;            /* vnet: conf.napi asked for and in place */
	int ifindex;          /* vnet, tapv: IFNAME's */
	int ns_fd;            /* vnet: our private namespace, -1 */
	uint64_t gro_hold_tsc; /* conf.gro_hold_us in TSC cycles */
	struct rte_ether_addr mac; /* of IFNAME, as set */
	struct vs_host_queue *q[RTE_MAX_LCORE];
};

/*
 * Mbufs a backend holds per queue besides its rings (the kernel backends'
 * receive buffers: 64 KB per slot), for mbufs of data_room bytes.
 */
unsigned int vs_host_mbufs_held(enum vs_host_be be, uint32_t data_room);
/* Create the interface (down, no address), its queues and buffers. */
int vs_host_create(struct vs_host *h, const struct vs_host_conf *c);
/* The interface's MTU (0: unknown). */
uint16_t vs_host_mtu(const struct vs_host *h);
/* Up; with addr, the VIP/prefix (network order) on it. */
int vs_host_up(struct vs_host *h, uint32_t vip, uint8_t prefix, bool addr);
/* The kernel interface we created for h; -ENOENT for a port we did not
 * create, or one without a kernel interface. */
int vs_host_ifname(const struct vs_host *h, char name[IF_NAMESIZE]);
/* Close everything; the interface (and the VIP on it) is removed. */
void vs_host_destroy(struct vs_host *h);

/* Does queue q receive? (an eth port may have fewer receive queues) */
bool vs_host_rx_queue(const struct vs_host *h, uint16_t q);
/* Frames from the kernel, TX offload requests set (see vs_wire_prep). */
uint16_t vs_host_rx(struct vs_host *h, uint16_t q, struct rte_mbuf **pkts,
		    uint16_t n);
/*
 * Frames to the kernel, all consumed. Where the kernel side takes
 * super-frames, the TCP segments that may merge are held in the queue's
 * GRO table across calls, like NAPI's GRO across polls: until the oldest
 * has waited gro_hold_us, the table holds VS_HOST_GRO_HOLD segments, or a
 * frame of a held flow that may not merge comes (it goes after them). The
 * number of wire frames dropped (kernel full or refusing).
 */
uint64_t vs_host_tx(struct vs_host *h, uint16_t q, struct rte_mbuf **pkts,
		    uint16_t n);
/*
 * Write what queue q holds once the oldest held segment is gro_hold_us old
 * (now: the caller's rte_rdtsc()), or at once with force (the caller is
 * about to sleep). Called on every pass of the polling loop, so nothing
 * waits longer than the bound plus one pass. Wire frames dropped.
 */
uint64_t vs_host_tx_flush(struct vs_host *h, uint16_t q, uint64_t now,
			  bool force);
/* Counters summed over the queues. */
void vs_host_stats(const struct vs_host *h, struct vs_host_stats *s);
const char *vs_host_be_name(enum vs_host_be be);

/*
 * To the wire: what the host gave us with offload requests becomes frames
 * the NIC sends, by its own TSO/checksum offloads where it has them, else
 * segmented here (rte_gso) with checksums in software.
 */
#define VS_WIRE_STATS(X)                                                   \
	X(wire_tso_nic)  /* super-frames the NIC segments (TSO) */         \
	X(wire_tso_sw)   /* super-frames segmented here (rte_gso) */       \
	X(wire_segs)     /* wire frames made of super-frames, by either */ \
	X(wire_csum_sw)  /* L4 checksums completed in software */          \
	X(wire_tso_drop) /* super-frames the NIC cannot take: dropped */

struct vs_wire_stats {
#define VS_WIRE_STAT_FIELD(n) uint64_t n;
	VS_WIRE_STATS(VS_WIRE_STAT_FIELD)
#undef VS_WIRE_STAT_FIELD
};

struct vs_wire {
	bool tso, ip_csum, tcp_csum, udp_csum, multi_seg;
	uint16_t mtu;
	uint16_t max_segs; /* NIC: mbuf segments per frame */
	struct rte_gso_ctx gso;
};

/* TX offloads worth enabling on a NIC with these capabilities. */
uint64_t vs_wire_tx_offloads(uint64_t tx_capa);
/* enabled = the NIC's configured txmode.offloads. */
int vs_wire_init(struct vs_wire *w, uint64_t enabled, uint16_t mtu,
		 uint16_t max_segs, struct rte_mempool *direct,
		 struct rte_mempool *indirect);
/*
 * One frame from the host: up to max frames for the NIC in out (returned;
 * 0 = dropped and counted). m is consumed either way.
 */
uint16_t vs_wire_prep(const struct vs_wire *w, struct rte_mbuf *m,
		      struct rte_mbuf **out, uint16_t max,
		      struct vs_wire_stats *st);

#endif /* VS_HOST_H */
