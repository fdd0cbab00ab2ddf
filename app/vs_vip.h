/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A VIP: the shared address and everything that is its own: the hash
 * settings, the node numbers this machine holds, the cluster MAC and ARP
 * answers, its prefix on the host port, its announcements (gratuitous
 * ARP, IGMP group). The app holds its VIPs in a small table; there is one
 * today, and nothing outside this file assumes so except where the data
 * path picks it (vs_worker_nic_burst).
 */
#ifndef VS_VIP_H
#define VS_VIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_ether.h>

#include "vs_arp.h"
#include "vs_conf.h"
#include "vs_hash.h"

struct vs_vip {
	struct vs_hash_cfg hash; /* hash.vip: the address, network order */
	struct vs_own own;       /* node numbers held; changed at run time */
	struct vs_arp_cfg arp;   /* address, cluster MAC, the NIC's MAC */
	uint8_t prefix;          /* on the host port */
	bool needs_reassembly;   /* port modes: fragments reassembled first */
	uint32_t garp;           /* gratuitous ARPs at start */
	bool igmp_report;        /* send reports for igmp_group */
	uint32_t igmp_group;     /* the cluster MAC's group, network order */
};

#define VS_MAX_VIPS 1

struct vs_vip_table {
	uint16_t n;
	struct vs_vip v[VS_MAX_VIPS];
};

/* The VIPs of the settings. -EINVAL when one cannot be set up. */
int vs_vip_table_init(struct vs_vip_table *t, const struct vs_conf *c);

/* The NIC the VIPs are reached through: source of ARP answers. */
void vs_vip_table_set_nic(struct vs_vip_table *t,
			  const struct rte_ether_addr *nic_mac);

/* True when some VIP hashes ports: workers need fragment tables. */
bool vs_vip_table_needs_reassembly(const struct vs_vip_table *t);

/* "192.168.100.100/24" */
int vs_vip_format(const struct vs_vip *v, char *buf, size_t size);

/* As iptables -L printed CLUSTERIP, with the nodes held. */
int vs_vip_status_line(const struct vs_vip *v, char *buf, size_t size);

#endif /* VS_VIP_H */
