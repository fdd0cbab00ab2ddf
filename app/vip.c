/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VIPs from the settings: hash, ownership, ARP and IGMP per VIP.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>

#include "vs_igmp.h"
#include "vs_log.h"
#include "vs_vip.h"

RTE_LOG_REGISTER(vs_logtype_vip, vipshare.vip, INFO);

static int
vip_init(struct vs_vip *v, const struct vs_vip_conf *vc, bool igmp_report)
{
	char name[32];

	memset(v, 0, sizeof(*v));
	v->hash = vc->hash;
	if (vs_own_init(&v->own, v->hash.total_nodes, vc->nodes) < 0)
		return -EINVAL;
	v->arp.vip = v->hash.vip;
	v->arp.cluster_mac = vc->mac;
	v->prefix = vc->prefix;
	v->needs_reassembly = vs_hash_needs_ports(&v->hash);
	v->garp = vc->garp;
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
	t->n = 0;
	if (vip_init(&t->v[0], &c->vip, c->igmp_report) < 0)
		return -EINVAL;
	t->n = 1;
	return 0;
}

void
vs_vip_table_set_nic(struct vs_vip_table *t,
		     const struct rte_ether_addr *nic_mac)
{
	unsigned int i;

	for (i = 0; i < t->n; i++)
		t->v[i].arp.nic_mac = *nic_mac;
}

bool
vs_vip_table_needs_reassembly(const struct vs_vip_table *t)
{
	unsigned int i;

	for (i = 0; i < t->n; i++)
		if (t->v[i].needs_reassembly)
			return true;
	return false;
}

int
vs_vip_format(const struct vs_vip *v, char *buf, size_t size)
{
	const uint8_t *b = (const uint8_t *)&v->hash.vip;

	return snprintf(buf, size, "%u.%u.%u.%u/%u", b[0], b[1], b[2], b[3],
			v->prefix);
}

int
vs_vip_status_line(const struct vs_vip *v, char *buf, size_t size)
{
	char nodes[256], mac[RTE_ETHER_ADDR_FMT_SIZE];

	vs_own_format(vs_own_load(&v->own), nodes, sizeof(nodes));
	/* DPDK's format is iptables' (upper case) */
	rte_ether_format_addr(mac, sizeof(mac), &v->arp.cluster_mac);
	return snprintf(buf, size,
			"CLUSTERIP hashmode=%s clustermac=%s "
			"total_nodes=%u local_nodes=%s hash_init=%u%s",
			vs_hash_mode_name(v->hash.mode), mac,
			v->hash.total_nodes, nodes, v->hash.hash_init,
			v->hash.compat == VS_COMPAT_NFT ? " hash_compat=nft"
							: "");
}
