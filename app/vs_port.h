/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ports: the NIC (one RX/TX queue pair per worker, RSS on addresses, its
 * TSO and checksum offloads where it has them), the host exception port
 * (vs_host.h: a veth or TAP we create with the NIC's MAC and MTU and
 * address ourselves, net_tap, virtio-user, or an existing port), and the
 * mbuf pools their rings draw from. Which lcore polls which queue is the
 * workers' business (vs_worker_setup).
 */
#ifndef VS_PORT_H
#define VS_PORT_H

#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>

#include <rte_ether.h>
#include <rte_mempool.h>

#include "vs_conf.h"
#include "vs_host.h"
#include "vs_vip.h"

struct vs_ports {
	uint16_t nic;       /* RTE_MAX_ETHPORTS: none */
	uint16_t nb_queues; /* NIC queue pairs = host queues */
	struct vs_host host;
	bool allmulti;       /* the NIC takes every multicast frame: no
			      * filter to keep */
	struct vs_wire wire; /* what the host sends, made fit for the NIC */
	struct rte_ether_addr nic_mac;
	struct rte_ether_addr host_mac;
	uint16_t host_mtu; /* datagrams larger go up re-fragmented */
	struct rte_mempool *pool;
	struct rte_mempool *indirect_pool; /* re-fragmentation, rte_gso */
	uint64_t mbuf_in_use_start; /* after start: what the rings hold */
};

/* The host interface's name, "existing port" when we did not create it. */
const char *vs_port_host_name(const struct vs_ports *p);

/* No ports yet: what vs_port_fini may be given before vs_port_init. */
void vs_port_none(struct vs_ports *p);

/*
 * An mbuf pool for nb_queues queue pairs that each hold per_queue mbufs
 * (rings, bursts in flight, what a worker holds), plus the per-lcore
 * caches (pool.c). packed: its objects back to back in one chunk, as an
 * AF_XDP port's UMEM must be (NULL, rte_errno set, when they cannot be).
 */
struct rte_mempool *vs_port_pool_create(const char *name,
					unsigned int nb_queues,
					unsigned int per_queue, bool packed);

/* Whether the AF_XDP PMD's UMEM (the first chunk, populated_size objects
 * long) covers every object of mp. */
bool vs_port_pool_packed(struct rte_mempool *mp);

/*
 * The NIC and the host port, configured and started: up to max_queues
 * queue pairs (fewer when the NIC has fewer: p->nb_queues), pools for
 * their rings plus held_per_queue mbufs a worker may hold (its fragment
 * table), the VIPs' cluster MACs received, the VIPs on a host interface
 * we create (unless --no-host-addr), and the VIPs told the NIC's MAC.
 * -ENODEV when a port named in the settings does not exist.
 */
int vs_port_init(struct vs_ports *p, const struct vs_conf *c,
		 struct vs_vip_table *vips, uint16_t max_queues,
		 unsigned int held_per_queue);

/*
 * The NIC receives frames to exactly these multicast MACs (the VIPs'
 * cluster MACs), or, where it has no filter for them, every multicast
 * frame from then on. 0 or -errno.
 */
int vs_port_mcast_set(struct vs_ports *p, const struct rte_ether_addr *macs,
		      unsigned int n);

/*
 * A VIP's address on the host interface we created, added or removed
 * (netlink); nothing on a host port we did not create. 0 or -errno.
 */
int vs_port_host_addr(struct vs_ports *p, uint32_t addr, uint8_t prefix,
		      bool add);

/* Stop and close what vs_port_init opened (also after it failed). */
void vs_port_fini(struct vs_ports *p);

#endif /* VS_PORT_H */
