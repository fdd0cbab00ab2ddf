/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * host_kern.c: the kernel-interface backends of the host port (vs_host.h):
 * vnet (veth + AF_PACKET + PACKET_VNET_HDR) and tapv (TAP + IFF_VNET_HDR).
 */
#ifndef VS_HOST_KERN_H
#define VS_HOST_KERN_H

#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <rte_mbuf.h>

#include "vs_host.h"

#include "vs_log.h"

/* registered in host_kern.c: VS_LOG(host, ...) */
extern int vs_logtype_host;

/* messages and iovecs per transmit call */
#define VS_HOST_TX_MSGS 64
#define VS_HOST_TX_IOVS 1024

struct vs_host_queue {
	int fd;
	bool polled;       /* eth: a receive queue of the port */
	uint16_t rx_segs;  /* receive buffers per slot */
	uint16_t rx_ready; /* leading slots with all their buffers */
	struct vs_host_stats st;
	struct rte_mempool *pool;
	/* GRO held across vs_host_tx calls (host.c) */
	void *gro;          /* rte_gro context (heavyweight mode) */
	uint64_t gro_mask;  /* flows held: a bit per hash of the 4-tuple */
	uint64_t gro_since; /* TSC when the oldest held segment came */
	uint16_t gro_held;  /* segments in the table */
	/* receive: slot s reads into rx_hdr[s] and rx_buf[s * rx_segs ...] */
	uint16_t rx_used[VS_HOST_BURST]; /* buffers taken from the slot */
	struct vs_vnet_hdr rx_hdr[VS_HOST_BURST];
	struct mmsghdr rx_msg[VS_HOST_BURST];
	struct rte_mbuf **rx_buf;
	struct iovec *rx_iov; /* [s * (rx_segs + 1) + j] */
	/* transmit */
	struct rte_mbuf *tx_m[VS_HOST_TX_MSGS];
	uint16_t tx_wire[VS_HOST_TX_MSGS];
	struct vs_vnet_hdr tx_hdr[VS_HOST_TX_MSGS];
	struct mmsghdr tx_msg[VS_HOST_TX_MSGS];
	struct iovec tx_iov[VS_HOST_TX_IOVS];
} __rte_cache_aligned;

/* Receive buffers held per queue, for mbufs of data_room bytes. */
unsigned int vs_hk_mbufs_held(uint32_t data_room);
int vs_hk_create(struct vs_host *h);
void vs_hk_destroy(struct vs_host *h);
uint16_t vs_hk_rx(struct vs_host *h, struct vs_host_queue *qu,
		  struct rte_mbuf **pkts, uint16_t n);
void vs_hk_tx(struct vs_host *h, struct vs_host_queue *qu,
	      struct rte_mbuf **pkts, uint16_t n);
/* vnet, IFNAME up: its NAPI in a kernel thread (0), else as it was
 * (-errno, said in the log). */
int vs_hk_napi(struct vs_host *h);
/* Up, and the address (network order) with its prefix when addr. */
int vs_hk_if_up(const char *ifname, uint32_t vip, uint8_t prefix, bool addr);

#endif /* VS_HOST_KERN_H */
