/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VIPs: from the settings and at run time; hash, ownership, ARP and IGMP
 * per VIP; the map the data path looks them up in, published by RCU.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>

#include "vs_igmp.h"
#include "vs_log.h"
#include "vs_stats.h"
#include "vs_vip.h"

RTE_LOG_REGISTER(vs_logtype_vip, vipshare.vip, INFO);

static int
vip_init(struct vs_vip *v, const struct vs_vip_conf *vc, bool igmp_report,
	 const struct rte_ether_addr *nic_mac, unsigned int slot)
{
	char name[32];

	memset(v, 0, sizeof(*v));
	v->hash = vc->hash;
	if (vs_own_init(&v->own, v->hash.total_nodes, vc->nodes) < 0)
		return -EINVAL;
	v->slot = (uint8_t)slot;
	v->arp.vip = v->hash.vip;
	v->arp.cluster_mac = vc->mac;
	v->arp.nic_mac = *nic_mac;
	v->prefix = vc->prefix;
	v->needs_reassembly = vs_hash_needs_ports(&v->hash);
	v->garp = vc->garp;
	v->garp_left = vc->garp;
	v->igmp_report = igmp_report;
	if (igmp_report &&
	    vs_igmp_mac_group(&v->arp.cluster_mac, &v->igmp_group) < 0) {
		vs_vip_format(v, name, sizeof(name));
		VS_LOG(vip, NOTICE,
		       "VIP %s: cluster MAC outside "
		       "01:00:5e:00:00:00-7f:ff:ff maps to no IPv4 group: no "
		       "IGMP reports\n",
		       name);
		v->igmp_report = false;
	}
	return 0;
}

int
vs_vip_table_init(struct vs_vip_table *t, const struct vs_conf *c)
{
	unsigned int i;

	memset(t, 0, sizeof(*t));
	t->igmp_report = c->igmp_report;
	vs_vipmap_init(&t->maps[0]);
	vs_vipmap_init(&t->maps[1]);
	if (c->nb_vips > VS_MAX_VIPS)
		return -EINVAL;
	for (i = 0; i < c->nb_vips; i++) {
		if (vip_init(&t->v[i], &c->vips[i], c->igmp_report, &t->nic_mac,
			     i) < 0 ||
		    vs_vipmap_add(&t->maps[0], c->vips[i].hash.vip, i) < 0)
			return -EINVAL;
		t->state[i] = VS_VIP_SLOT_LIVE;
	}
	t->map = &t->maps[0];
	return 0;
}

void
vs_vip_table_set_nic(struct vs_vip_table *t,
		     const struct rte_ether_addr *nic_mac)
{
	unsigned int i;

	t->nic_mac = *nic_mac;
	for (i = 0; i < VS_MAX_VIPS; i++)
		t->v[i].arp.nic_mac = *nic_mac;
}

bool
vs_vip_table_needs_reassembly(const struct vs_vip_table *t)
{
	const struct vs_vipmap *m = t->map;
	unsigned int i;

	for (i = 0; i < m->n; i++)
		if (t->v[m->slot[i]].needs_reassembly)
			return true;
	return false;
}

struct vs_vip *
vs_vip_find(struct vs_vip_table *t, uint32_t addr)
{
	unsigned int slot = vs_vipmap_lookup(t->map, addr);

	return slot == VS_VIPMAP_NONE ? NULL : &t->v[slot];
}

struct vs_vip *
vs_vip_only(struct vs_vip_table *t)
{
	return t->map->n == 1 ? &t->v[t->map->slot[0]] : NULL;
}

int
vs_vip_prepare(struct vs_vip_table *t, const struct vs_vip_conf *vc, char *err,
	       size_t errlen)
{
	const struct vs_vipmap *m = t->map;
	char a[32], b[32], mac[RTE_ETHER_ADDR_FMT_SIZE];
	unsigned int i, slot;

	vs_conf_vip_format(vc, a, sizeof(a));
	for (i = 0; i < m->n; i++) {
		const struct vs_vip *o = &t->v[m->slot[i]];

		vs_vip_format(o, b, sizeof(b));
		if (o->hash.vip == vc->hash.vip) {
			snprintf(err, errlen, "VIP %s exists (%s)", a, b);
			return -EEXIST;
		}
		if (rte_is_same_ether_addr(&o->arp.cluster_mac, &vc->mac)) {
			rte_ether_format_addr(mac, sizeof(mac), &vc->mac);
			snprintf(err, errlen,
				 "cluster MAC %s of %s is VIP %s's: give "
				 "--mac",
				 mac, a, b);
			return -EEXIST;
		}
	}
	/* a free slot, else the one retired first: its grace period is the
	 * likeliest to be over */
	slot = VS_MAX_VIPS;
	for (i = 0; i < VS_MAX_VIPS && slot == VS_MAX_VIPS; i++)
		if (t->state[i] == VS_VIP_SLOT_FREE)
			slot = i;
	for (i = 0; i < VS_MAX_VIPS && slot == VS_MAX_VIPS; i++)
		if (t->state[i] == VS_VIP_SLOT_RETIRED)
			slot = i;
	for (i = slot + 1; i < VS_MAX_VIPS; i++)
		if (t->state[slot] == VS_VIP_SLOT_RETIRED &&
		    t->state[i] == VS_VIP_SLOT_RETIRED &&
		    t->retired_at[i] < t->retired_at[slot])
			slot = i;
	if (slot == VS_MAX_VIPS) {
		snprintf(err, errlen, "%d VIPs already", VS_MAX_VIPS);
		return -ENOSPC;
	}
	/* no worker may still hold the slot's old VIP */
	if (t->state[slot] == VS_VIP_SLOT_RETIRED && t->qsbr)
		rte_rcu_qsbr_check(t->qsbr, t->retired_at[slot], true);
	t->state[slot] = VS_VIP_SLOT_FREE;
	if (vip_init(&t->v[slot], vc, t->igmp_report, &t->nic_mac, slot) < 0) {
		snprintf(err, errlen, "VIP %s: invalid nodes", a);
		return -EINVAL;
	}
	t->state[slot] = VS_VIP_SLOT_LIVE;
	return (int)slot;
}

void
vs_vip_unprepare(struct vs_vip_table *t, unsigned int slot)
{
	t->state[slot] = VS_VIP_SLOT_FREE;
}

/* Publish m (the spare map): readers see it from their next burst. The
 * map it replaces is the spare once every worker has been through a
 * quiescent state: the token says when (spare() waits for it). */
static void
publish(struct vs_vip_table *t, struct vs_vipmap *m)
{
	__atomic_store_n(&t->map, m, __ATOMIC_RELEASE);
	if (t->qsbr)
		t->map_token = rte_rcu_qsbr_start(t->qsbr);
}

/* The map not published, to build the next one in: once no worker can
 * still be reading it (usually long since). */
static struct vs_vipmap *
spare(struct vs_vip_table *t)
{
	if (t->qsbr && t->map_token)
		rte_rcu_qsbr_check(t->qsbr, t->map_token, true);
	return t->map == &t->maps[0] ? &t->maps[1] : &t->maps[0];
}

void
vs_vip_publish_add(struct vs_vip_table *t, unsigned int slot)
{
	struct vs_vipmap *m = spare(t);

	*m = *t->map;
	vs_vipmap_add(m, t->v[slot].hash.vip, slot);
	publish(t, m);
	__atomic_fetch_add(&t->added, 1, __ATOMIC_RELEASE);
}

void
vs_vip_remove(struct vs_vip_table *t, unsigned int slot)
{
	struct vs_vipmap *m = spare(t);

	vs_vipmap_copy_without(m, t->map, t->v[slot].hash.vip);
	__atomic_store_n(&t->v[slot].garp_left, 0, __ATOMIC_RELAXED);
	publish(t, m);
	/* workers may still hold the slot until the grace period ends */
	if (t->qsbr) {
		t->state[slot] = VS_VIP_SLOT_RETIRED;
		t->retired_at[slot] = t->map_token;
	} else {
		t->state[slot] = VS_VIP_SLOT_FREE;
	}
}

int
vs_vip_format(const struct vs_vip *v, char *buf, size_t size)
{
	const uint8_t *b = (const uint8_t *)&v->hash.vip;

	return snprintf(buf, size, "%u.%u.%u.%u/%u", b[0], b[1], b[2], b[3],
			v->prefix);
}

int
vs_vip_format_addr(const struct vs_vip *v, char *buf, size_t size)
{
	const uint8_t *b = (const uint8_t *)&v->hash.vip;

	return snprintf(buf, size, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
}

int
vs_vip_status_line(const struct vs_vip *v, char *buf, size_t size)
{
	char nodes[256], mac[RTE_ETHER_ADDR_FMT_SIZE];

	vs_own_format(vs_own_load(&v->own), nodes, sizeof(nodes));
	vs_stats_mac(&v->arp.cluster_mac, mac, sizeof(mac));
	/* the keys and order of vipshare-ctl vips, the names of the JSON
	 * (docs/design.md) */
	return snprintf(buf, size,
			"CLUSTERIP nodes=%s total_nodes=%u hashmode=%s "
			"hash_init=%u hash_compat=%s cluster_mac=%s",
			nodes[0] ? nodes : "-", v->hash.total_nodes,
			vs_hash_mode_name(v->hash.mode), v->hash.hash_init,
			vs_hash_compat_name(v->hash.compat), mac);
}
