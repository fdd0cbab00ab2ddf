/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VIPs: each shared address and everything that is its own: the hash
 * settings, the node numbers this machine holds, the cluster MAC and ARP
 * answers, its prefix on the host port, its announcements (gratuitous
 * ARP, IGMP group).
 *
 * A VIP lives in a slot of the table for its whole life (its per-worker
 * counters are indexed by the slot too); the data path finds it through
 * the VIP map (lib/vipmap: address -> slot), which it loads once per
 * burst. Adding or removing a VIP builds a new map and publishes it with
 * one atomic pointer store; the slot of a removed VIP, and the map that
 * still named it, are reused only after every worker has been through a
 * quiescent state since (DPDK's QSBR RCU): no lock, no atomic RMW on the
 * data path, and the other VIPs' traffic is never held up. Control does
 * not wait for that grace period when it publishes, only when it needs
 * the old map or a retired slot again (the next change), so a change
 * returns at once even while a worker is stuck in a receive call. A VIP's
 * settings do not change while it lives; its ownership set does, through
 * atomics (vs_own).
 */
#ifndef VS_VIP_H
#define VS_VIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_rcu_qsbr.h>

#include "vs_arp.h"
#include "vs_conf.h"
#include "vs_hash.h"
#include "vs_vipmap.h"

struct vs_vip {
	struct vs_hash_cfg hash; /* hash.vip: the address, network order */
	struct vs_own own;       /* node numbers held; changed at run time */
	struct vs_arp_cfg arp;   /* address, cluster MAC, the NIC's MAC */
	uint8_t prefix;          /* on the host port */
	uint8_t slot;            /* its index in the table */
	bool needs_reassembly;   /* port modes: fragments reassembled first */
	bool igmp_report;        /* send reports for igmp_group */
	uint32_t igmp_group;     /* the cluster MAC's group, network order */
	uint32_t garp;           /* gratuitous ARPs at start (the setting) */
	uint32_t garp_left;      /* still to send (worker 0; atomics) */
} __rte_cache_aligned;

_Static_assert(VS_MAX_VIPS <= VS_VIPMAP_MAX, "the VIP map holds every VIP");

enum vs_vip_slot_state {
	VS_VIP_SLOT_FREE = 0,
	VS_VIP_SLOT_LIVE,    /* a VIP, or one being added */
	VS_VIP_SLOT_RETIRED, /* removed; free once its grace period ends */
};

struct vs_vip_table {
	struct vs_vip v[VS_MAX_VIPS]; /* slots */
	/* control only: */
	uint8_t state[VS_MAX_VIPS];       /* enum vs_vip_slot_state */
	uint64_t retired_at[VS_MAX_VIPS]; /* RCU token of the removal */
	/* The published map (the data path loads it) and the spare one the
	 * next change is built in, once no reader can hold it (map_token). */
	struct vs_vipmap *map;
	struct vs_vipmap maps[2];
	uint64_t map_token;
	/* The workers' quiescent-state reports; NULL while no worker runs
	 * the loop that reports them (--bench, fuzzers, before start). */
	struct rte_rcu_qsbr *qsbr;
	/* VIPs added at run time, counted: worker 0 announces them */
	uint32_t added;
	struct rte_ether_addr nic_mac;
	bool igmp_report;
};

/* The VIPs of the settings. -EINVAL when one cannot be set up. */
int vs_vip_table_init(struct vs_vip_table *t, const struct vs_conf *c);

/* The NIC the VIPs are reached through: source of ARP answers. */
void vs_vip_table_set_nic(struct vs_vip_table *t,
			  const struct rte_ether_addr *nic_mac);

/* True when some VIP hashes ports: workers need fragment tables. */
bool vs_vip_table_needs_reassembly(const struct vs_vip_table *t);

/* The published map: once per burst on the data path (RCU reader). */
static inline const struct vs_vipmap *
vs_vip_map(const struct vs_vip_table *t)
{
	return __atomic_load_n(&t->map, __ATOMIC_ACQUIRE);
}

/* The VIP of a slot the map named. */
static inline const struct vs_vip *
vs_vip_at(const struct vs_vip_table *t, unsigned int slot)
{
	return &t->v[slot];
}

/*
 * Control side (one caller at a time: the app's control lock). The VIP
 * with address addr (network order), or NULL.
 */
struct vs_vip *vs_vip_find(struct vs_vip_table *t, uint32_t addr);

/* The only VIP, or NULL when there are none or several. */
struct vs_vip *vs_vip_only(struct vs_vip_table *t);

/*
 * A new VIP in a free slot, not yet published: -EEXIST (message in err)
 * when its address or cluster MAC is another VIP's, -ENOSPC when the
 * table is full, -EINVAL for bad settings. The slot, or < 0.
 */
int vs_vip_prepare(struct vs_vip_table *t, const struct vs_vip_conf *vc,
		   char *err, size_t errlen);

/* Publish the map with the prepared VIP of slot: the data path serves it
 * from its next burst. */
void vs_vip_publish_add(struct vs_vip_table *t, unsigned int slot);

/* Unpublish the VIP of slot; its slot is reused once no worker can still
 * see it (vs_vip_prepare waits for that when it must). */
void vs_vip_remove(struct vs_vip_table *t, unsigned int slot);

/* Undo vs_vip_prepare (the VIP was never published). */
void vs_vip_unprepare(struct vs_vip_table *t, unsigned int slot);

/* "192.168.100.100/24" */
int vs_vip_format(const struct vs_vip *v, char *buf, size_t size);

/* "192.168.100.100" */
int vs_vip_format_addr(const struct vs_vip *v, char *buf, size_t size);

/* "CLUSTERIP nodes=1,3 total_nodes=3 hashmode=... hash_init=0
 * hash_compat=clusterip cluster_mac=01:00:5e:..": CLUSTERIP's settings as
 * iptables -L printed them, under the names of the JSON ("-": no node). */
int vs_vip_status_line(const struct vs_vip *v, char *buf, size_t size);

#endif /* VS_VIP_H */
