/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_ip.h>

#include "vs_arp.h"

/* ARP header view at l2_len, or NULL when not Ethernet/IPv4 ARP. */
static struct rte_arp_hdr *
arp_hdr(uint8_t *frame, uint32_t len, uint16_t l2_len)
{
	struct rte_arp_hdr *a;

	if (l2_len < RTE_ETHER_HDR_LEN ||
	    (uint32_t)l2_len + sizeof(*a) > len)
		return NULL;
	a = (struct rte_arp_hdr *)(frame + l2_len);
	if (a->arp_hardware != RTE_BE16(RTE_ARP_HRD_ETHER) ||
	    a->arp_protocol != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
	    a->arp_hlen != RTE_ETHER_ADDR_LEN || a->arp_plen != 4)
		return NULL;
	return a;
}

static inline uint32_t
ld32(const void *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

int
vs_arp_input(const struct vs_arp_cfg *cfg, uint8_t *frame, uint32_t len,
	     uint16_t l2_len)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)frame;
	struct rte_arp_hdr *a = arp_hdr(frame, len, l2_len);
	struct rte_arp_ipv4 *d;
	uint32_t sip;

	if (a == NULL)
		return VS_ARP_MALFORMED;
	d = &a->arp_data;
	sip = ld32(&d->arp_sip);
	if (a->arp_opcode != RTE_BE16(RTE_ARP_OP_REQUEST) ||
	    ld32(&d->arp_tip) != cfg->vip || sip == cfg->vip)
		/* Not a question for us; a peer's gratuitous ARP neither. */
		return VS_ARP_PASS;

	/* Reply to the asker, from the NIC, naming the cluster MAC. */
	a->arp_opcode = RTE_BE16(RTE_ARP_OP_REPLY);
	d->arp_tha = d->arp_sha;
	memcpy(&d->arp_tip, &sip, sizeof(sip));
	d->arp_sha = cfg->cluster_mac;
	memcpy(&d->arp_sip, &cfg->vip, sizeof(cfg->vip));
	eth->dst_addr = d->arp_tha;
	eth->src_addr = cfg->nic_mac;
	return VS_ARP_REPLY;
}

int
vs_arp_output(const struct vs_arp_cfg *cfg, uint8_t *frame, uint32_t len,
	      uint16_t l2_len)
{
	struct rte_arp_hdr *a = arp_hdr(frame, len, l2_len);

	if (a == NULL)
		return VS_ARP_MALFORMED;
	if ((a->arp_opcode != RTE_BE16(RTE_ARP_OP_REQUEST) &&
	     a->arp_opcode != RTE_BE16(RTE_ARP_OP_REPLY)) ||
	    ld32(&a->arp_data.arp_sip) != cfg->vip)
		return VS_ARP_PASS;
	a->arp_data.arp_sha = cfg->cluster_mac;
	return VS_ARP_REWRITTEN;
}

int
vs_arp_build_garp(const struct vs_arp_cfg *cfg, uint8_t *buf, size_t size)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)buf;
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)(eth + 1);

	if (size < VS_ARP_FRAME_LEN)
		return -ENOSPC;
	memset(buf, 0, VS_ARP_FRAME_LEN);
	memset(&eth->dst_addr, 0xff, RTE_ETHER_ADDR_LEN);
	eth->src_addr = cfg->nic_mac;
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP);
	a->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	a->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = RTE_ETHER_ADDR_LEN;
	a->arp_plen = 4;
	a->arp_opcode = RTE_BE16(RTE_ARP_OP_REQUEST);
	a->arp_data.arp_sha = cfg->cluster_mac;
	memcpy(&a->arp_data.arp_sip, &cfg->vip, 4);
	/* target hw stays zero (RFC 5227 announcement) */
	memcpy(&a->arp_data.arp_tip, &cfg->vip, 4);
	return VS_ARP_FRAME_LEN;
}

void
vs_arp_default_mac(uint32_t vip, struct rte_ether_addr *mac)
{
	uint32_t h = rte_be_to_cpu_32(vip);

	mac->addr_bytes[0] = 0x01;
	mac->addr_bytes[1] = 0x00;
	mac->addr_bytes[2] = 0x5e;
	mac->addr_bytes[3] = (uint8_t)((h >> 16) & 0x7f);
	mac->addr_bytes[4] = (uint8_t)(h >> 8);
	mac->addr_bytes[5] = (uint8_t)h;
}

int
vs_arp_mac_group(const struct rte_ether_addr *mac, uint32_t *group)
{
	const uint8_t *b = mac->addr_bytes;

	if (b[0] != 0x01 || b[1] != 0x00 || b[2] != 0x5e || (b[3] & 0x80))
		return -EINVAL;
	*group = rte_cpu_to_be_32(239u << 24 | (uint32_t)b[3] << 16 |
				  (uint32_t)b[4] << 8 | b[5]);
	return 0;
}

int
vs_arp_parse_mac(const char *s, struct rte_ether_addr *mac)
{
	unsigned int b[6];
	char tail;
	int i;

	if (s == NULL || strlen(s) != 17 ||
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &tail) != 6)
		return -EINVAL;
	for (i = 0; i < 6; i++) {
		/* sscanf's %x takes signs and blanks: insist on hex digits */
		const char *p = s + 3 * i;

		if (!((p[0] >= '0' && p[0] <= '9') ||
		      ((p[0] | 0x20) >= 'a' && (p[0] | 0x20) <= 'f')) ||
		    !((p[1] >= '0' && p[1] <= '9') ||
		      ((p[1] | 0x20) >= 'a' && (p[1] | 0x20) <= 'f')) ||
		    (i < 5 && p[2] != ':'))
			return -EINVAL;
		mac->addr_bytes[i] = (uint8_t)b[i];
	}
	/* A cluster MAC must be multicast so the switch floods it. */
	if (!rte_is_multicast_ether_addr(mac) || rte_is_broadcast_ether_addr(mac))
		return -EINVAL;
	return 0;
}

#define IGMP_V2_REPORT   0x16
#define IGMP_QUERY       0x11
#define IGMP_MRD_ADV     0x30
#define ALL_SNOOPERS     RTE_IPV4(224u, 0, 0, 106) /* u: 224 << 24 overflows int */

/* Ethernet + IPv4 with Router Alert + 8 bytes of IGMP-type message. */
static int
build_igmp(const struct vs_arp_cfg *cfg, uint8_t *buf, size_t size,
	   uint32_t dst_host, const uint8_t msg[8])
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)buf;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	uint8_t *opt = (uint8_t *)(ip + 1), *igmp = opt + 4;
	uint16_t ck;

	if (size < VS_IGMP_FRAME_LEN)
		return -ENOSPC;
	memset(buf, 0, VS_IGMP_FRAME_LEN);
	/* 01:00:5e + low 23 bits of the group (RFC 1112) */
	eth->dst_addr.addr_bytes[0] = 0x01;
	eth->dst_addr.addr_bytes[2] = 0x5e;
	eth->dst_addr.addr_bytes[3] = (uint8_t)((dst_host >> 16) & 0x7f);
	eth->dst_addr.addr_bytes[4] = (uint8_t)(dst_host >> 8);
	eth->dst_addr.addr_bytes[5] = (uint8_t)dst_host;
	eth->src_addr = cfg->nic_mac;
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = 0x46;           /* 24-byte header: Router Alert */
	ip->type_of_service = 0xc0;       /* internetwork control */
	ip->total_length = RTE_BE16(24 + 8);
	ip->time_to_live = 1;
	ip->next_proto_id = IPPROTO_IGMP;
	ip->src_addr = cfg->vip;
	ip->dst_addr = rte_cpu_to_be_32(dst_host);
	opt[0] = 0x94;                    /* Router Alert, length 4, value 0 */
	opt[1] = 0x04;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	memcpy(igmp, msg, 8);
	ck = (uint16_t)~rte_raw_cksum(igmp, 8);
	memcpy(igmp + 2, &ck, sizeof(ck));
	return VS_IGMP_FRAME_LEN;
}

int
vs_arp_build_igmp_report(const struct vs_arp_cfg *cfg, uint8_t *buf,
			 size_t size)
{
	uint8_t msg[8] = {IGMP_V2_REPORT, 0, 0, 0};
	uint32_t group;

	if (vs_arp_mac_group(&cfg->cluster_mac, &group) < 0)
		return -EINVAL;
	memcpy(msg + 4, &group, 4);
	return build_igmp(cfg, buf, size, rte_be_to_cpu_32(group), msg);
}

int
vs_arp_build_mrd_adv(const struct vs_arp_cfg *cfg, uint8_t *buf, size_t size,
		     uint8_t interval_s)
{
	/* type, advertisement interval, checksum, query interval 125 s,
	 * robustness 2 (RFC 4286 section 3, IGMP defaults) */
	const uint8_t msg[8] = {IGMP_MRD_ADV, interval_s, 0, 0, 0, 125, 0, 2};

	return build_igmp(cfg, buf, size, ALL_SNOOPERS, msg);
}

bool
vs_arp_is_igmp_query(const uint8_t *ip, uint32_t ip_len, uint32_t ihl)
{
	return ip[9] == IPPROTO_IGMP && ip_len >= ihl + 8 &&
	       ip[ihl] == IGMP_QUERY;
}
