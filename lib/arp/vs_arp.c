/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_byteorder.h>

#include "vs_arp.h"
#include "vs_pkt.h"

/* The ARP header at l2_len, or NULL when the frame holds no whole
 * Ethernet/IPv4 ARP there: lib/pkt's bounds check and ARP check. */
static struct rte_arp_hdr *
arp_hdr(uint8_t *frame, uint32_t len, uint16_t l2_len)
{
	if (l2_len < RTE_ETHER_HDR_LEN)
		return NULL;
	VS_PKT_HDR_OR_RETURN(a, struct rte_arp_hdr, frame, l2_len, len, NULL);
	return vs_pkt_arp_ok(a) ? a : NULL;
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
	sip = d->arp_sip;
	if (a->arp_opcode != RTE_BE16(RTE_ARP_OP_REQUEST) ||
	    d->arp_tip != cfg->vip || sip == cfg->vip)
		/* Not a question for us; a peer's gratuitous ARP neither. */
		return VS_ARP_PASS;

	/* Reply to the asker, from the NIC, naming the cluster MAC. */
	a->arp_opcode = RTE_BE16(RTE_ARP_OP_REPLY);
	d->arp_tha = d->arp_sha;
	d->arp_tip = sip;
	d->arp_sha = cfg->cluster_mac;
	d->arp_sip = cfg->vip;
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
	    a->arp_data.arp_sip != cfg->vip)
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
	a->arp_plen = sizeof(rte_be32_t);
	a->arp_opcode = RTE_BE16(RTE_ARP_OP_REQUEST);
	a->arp_data.arp_sha = cfg->cluster_mac;
	a->arp_data.arp_sip = cfg->vip;
	/* target hw stays zero (RFC 5227 announcement) */
	a->arp_data.arp_tip = cfg->vip;
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
vs_arp_parse_mac(const char *s, struct rte_ether_addr *mac)
{
	struct rte_ether_addr m;

	if (s == NULL || rte_ether_unformat_addr(s, &m) < 0 ||
	    /* a cluster MAC must be multicast so the switch floods it */
	    !rte_is_multicast_ether_addr(&m) || rte_is_broadcast_ether_addr(&m))
		return -EINVAL;
	*mac = m;
	return 0;
}
