/* SPDX-License-Identifier: BSD-3-Clause */
#include <netinet/in.h>
#include <netinet/ip_icmp.h>

#include <rte_common.h>
#include <rte_icmp.h>
#include <rte_ip.h>

#include "vs_pkt.h"

static const char *const drop_names[] = {[VS_PKT_DROP_NONE] = "none",
#define VS_PKT_DROP_NAME(e, n) [VS_PKT_DROP_##e] = #n,
					 VS_PKT_DROPS(VS_PKT_DROP_NAME)
#undef VS_PKT_DROP_NAME
};

const char *
vs_pkt_drop_name(unsigned int why)
{
	return why < RTE_DIM(drop_names) ? drop_names[why] : "?";
}

static inline int
drop(struct vs_pkt_info *pi, enum vs_pkt_drop why)
{
	pi->drop = (uint8_t)why;
	return VS_PKT_MALFORMED;
}

static inline bool
icmp_is_error(uint8_t type)
{
	return type == ICMP_DEST_UNREACH || type == ICMP_TIME_EXCEEDED ||
	       type == ICMP_PARAMETERPROB;
}

/*
 * Key of an ICMP error from the IPv4 header it quotes (qlen bytes at q).
 * The quoted packet is one we sent (VIP -> client), so swap source and
 * destination: the key is then the one the client's own packets of that
 * connection hash to, and the VIP is the quoted source's. Returns the
 * class.
 */
static int
parse_icmp_err(const uint8_t *q, uint32_t qlen, const struct vs_vipmap *vips,
	       struct vs_pkt_info *pi)
{
	unsigned int qvip;
	uint32_t qihl;
	int poff;

	VS_PKT_HDR_OR_RETURN(qip, const struct rte_ipv4_hdr, q, 0, qlen,
			     drop(pi, VS_PKT_DROP_ICMP_QUOTE_TRUNCATED));
	if ((qip->version_ihl >> 4) != IPVERSION)
		return drop(pi, VS_PKT_DROP_ICMP_QUOTE_BAD);
	qihl = rte_ipv4_hdr_len(qip);
	if (qihl < sizeof(*qip))
		return drop(pi, VS_PKT_DROP_ICMP_QUOTE_BAD);
	if (qihl > qlen)
		return drop(pi, VS_PKT_DROP_ICMP_QUOTE_TRUNCATED);
	qvip = vs_vipmap_lookup(vips, qip->src_addr);
	if (qvip == VS_VIPMAP_NONE)
		/* Not about a connection of a VIP: an ordinary ICMP packet to
		 * its destination VIP, hashed like the kernel would, on its
		 * own source, ports 0. */
		return VS_PKT_VIP;
	pi->key.saddr = rte_be_to_cpu_32(qip->dst_addr);
	pi->key.sport = 0;
	pi->key.dport = 0;
	poff = vs_hash_ports_offset(qip->next_proto_id);
	/* A quoted non-first fragment carries no ports: hash 0/0. */
	if (poff >= 0 &&
	    (qip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_OFFSET_MASK)) == 0) {
		VS_PKT_HDR_OR_RETURN(
			qp, const struct vs_hash_ports, q,
			qihl + (uint32_t)poff, qlen,
			drop(pi, VS_PKT_DROP_ICMP_QUOTE_TRUNCATED));
		pi->key.sport = qp->dst;
		pi->key.dport = qp->src;
	}
	pi->vip = (uint8_t)qvip;
	return VS_PKT_VIP_ICMPERR;
}

static inline int
parse_core(const uint8_t *f, uint32_t avail, uint32_t total,
	   const struct vs_vipmap *vips, struct vs_pkt_info *pi)
{
	uint32_t off, ihl, tot, l4len;
	unsigned int vip;
	const uint8_t *l4;
	rte_be16_t et, frag;
	int poff;

	pi->flags = 0;
	pi->vlans = 0;
	pi->proto = 0;
	pi->l3_len = 0;
	pi->ip_len = 0;
	pi->drop = VS_PKT_DROP_NONE;
	pi->vip = VS_VIPMAP_NONE;
	pi->key.saddr = 0;
	pi->key.sport = 0;
	pi->key.dport = 0;

	VS_PKT_HDR_OR_RETURN(eth, const struct rte_ether_hdr, f, 0, avail,
			     drop(pi, VS_PKT_DROP_ETH_TRUNCATED));
	et = VS_PKT_FIELD(eth, struct rte_ether_hdr, ether_type);
	off = sizeof(*eth);
	while (unlikely(et == RTE_BE16(RTE_ETHER_TYPE_VLAN) ||
			et == RTE_BE16(RTE_ETHER_TYPE_QINQ))) {
		if (pi->vlans == VS_PKT_MAX_VLANS)
			return drop(pi, VS_PKT_DROP_VLAN_TOO_MANY);
		VS_PKT_HDR_OR_RETURN(vh, const struct rte_vlan_hdr, f, off,
				     avail,
				     drop(pi, VS_PKT_DROP_VLAN_TRUNCATED));
		et = vh->eth_proto;
		off += sizeof(*vh);
		pi->vlans++;
	}
	pi->l2_len = (uint16_t)off;
	pi->ethertype = rte_be_to_cpu_16(et);

	if (unlikely(et == RTE_BE16(RTE_ETHER_TYPE_ARP))) {
		VS_PKT_HDR_OR_RETURN(arp, const struct rte_arp_hdr, f, off,
				     avail,
				     drop(pi, VS_PKT_DROP_ARP_TRUNCATED));
		if (!vs_pkt_arp_ok(arp))
			return drop(pi, VS_PKT_DROP_ARP_NOT_IPV4);
		pi->vip = (uint8_t)vs_vipmap_lookup(
			vips, VS_PKT_LOAD(rte_be32_t,
					  (const uint8_t *)arp +
						  offsetof(struct rte_arp_hdr,
							   arp_data.arp_tip)));
		return VS_PKT_ARP;
	}
	if (et != RTE_BE16(RTE_ETHER_TYPE_IPV4))
		return VS_PKT_OTHER;

	VS_PKT_HDR_OR_RETURN(ip, const struct rte_ipv4_hdr, f, off, avail,
			     drop(pi, VS_PKT_DROP_IPV4_TRUNCATED));
	/* version 4 and IHL >= 5: 0x45..0x4f, one compare */
	if (unlikely((uint8_t)(ip->version_ihl - RTE_IPV4_VHL_DEF) >
		     RTE_IPV4_HDR_IHL_MASK - RTE_IPV4_MIN_IHL))
		return drop(pi, (ip->version_ihl >> 4) != IPVERSION
					? VS_PKT_DROP_IPV4_VERSION
					: VS_PKT_DROP_IPV4_IHL);
	ihl = rte_ipv4_hdr_len(ip);
	tot = rte_be_to_cpu_16(ip->total_length);
	/* total covers what follows, in this segment or the next ones */
	if (unlikely(tot < ihl || tot > total - off))
		return drop(pi, VS_PKT_DROP_IPV4_TOTAL_LENGTH);
	if (unlikely(off + ihl > avail))
		return drop(pi, VS_PKT_DROP_IPV4_TRUNCATED);
	pi->l3_len = (uint16_t)ihl;
	pi->ip_len = (uint16_t)tot;
	pi->proto = ip->next_proto_id;
	vip = vs_vipmap_lookup(vips, ip->dst_addr);
	if (vip == VS_VIPMAP_NONE)
		return VS_PKT_OTHER;
	pi->vip = (uint8_t)vip;

	pi->key.saddr = rte_be_to_cpu_32(ip->src_addr);
	frag = ip->fragment_offset;
	if (unlikely(frag & RTE_BE16(RTE_IPV4_HDR_MF_FLAG |
				     RTE_IPV4_HDR_OFFSET_MASK))) {
		if (frag & RTE_BE16(RTE_IPV4_HDR_MF_FLAG))
			pi->flags |= VS_PKT_F_FRAG_MF;
		if (frag & RTE_BE16(RTE_IPV4_HDR_OFFSET_MASK)) {
			/* No L4 header here: the datagram's first fragment
			 * decides (after reassembly or by source IP). */
			pi->flags |= VS_PKT_F_FRAG_OFF;
			return VS_PKT_VIP_FRAG;
		}
	}

	/* L4 bytes we may read: within the IP datagram and the segment. */
	l4 = f + off + ihl;
	l4len = RTE_MIN(off + tot, avail) - off - ihl;
	poff = vs_hash_ports_offset(pi->proto);
	if (poff >= 0) {
		VS_PKT_HDR_OR_RETURN(pp, const struct vs_hash_ports, l4, poff,
				     l4len, drop(pi, VS_PKT_DROP_L4_TRUNCATED));
		pi->flags |= VS_PKT_F_L4_PORTS;
		pi->key.sport = pp->src;
		pi->key.dport = pp->dst;
	} else if (pi->proto == IPPROTO_ICMP) {
		VS_PKT_HDR_OR_RETURN(icmp, const struct rte_icmp_hdr, l4, 0,
				     l4len,
				     drop(pi, VS_PKT_DROP_ICMP_TRUNCATED));
		if (icmp_is_error(icmp->icmp_type) &&
		    !(pi->flags & VS_PKT_F_FRAG_MF))
			return parse_icmp_err((const uint8_t *)(icmp + 1),
					      l4len - sizeof(*icmp), vips, pi);
	}
	return (pi->flags & VS_PKT_F_FRAG_MF) ? VS_PKT_VIP_FRAG : VS_PKT_VIP;
}

int
vs_pkt_parse(const uint8_t *frame, uint32_t len, const struct vs_vipmap *vips,
	     struct vs_pkt_info *pi)
{
	pi->cls = (uint8_t)parse_core(frame, len, len, vips, pi);
	return pi->cls;
}

int
vs_pkt_parse_head(const uint8_t *frame, uint32_t seg_len, uint32_t pkt_len,
		  const struct vs_vipmap *vips, struct vs_pkt_info *pi)
{
	if (seg_len > pkt_len)
		seg_len = pkt_len;
	pi->cls = (uint8_t)parse_core(frame, seg_len, pkt_len, vips, pi);
	return pi->cls;
}
