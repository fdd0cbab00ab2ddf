/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "vs_pkt.h"

#define ETH_HLEN      14
#define ETHTYPE_IPV4  0x0800
#define ETHTYPE_ARP   0x0806
#define ETHTYPE_VLAN  0x8100
#define ETHTYPE_QINQ  0x88a8
#define VS_MAX_VLANS  2

/* Unaligned loads: frames may start anywhere in the mbuf. */
static inline uint16_t
ld_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
ld_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* A port word as the kernel reads it: the raw u16 in CPU order. */
static inline uint16_t
ld_raw16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint32_t
ld_raw32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline bool
icmp_is_error(uint8_t type)
{
	/* destination unreachable, time exceeded, parameter problem */
	return type == 3 || type == 11 || type == 12;
}

/*
 * Key of an ICMP error from the IPv4 header it quotes. The quoted packet is
 * one we sent (VIP -> client), so swap source and destination: the key is
 * then the one the client's own packets of that connection hash to.
 * Returns the class.
 */
static int
parse_icmp_err(const uint8_t *q, uint32_t qlen, uint32_t vip,
	       struct vs_pkt_info *pi)
{
	uint32_t qihl;
	int poff;

	if (qlen < 20 || (q[0] >> 4) != 4)
		return VS_PKT_MALFORMED;
	qihl = (q[0] & 0xfu) * 4;
	if (qihl < 20 || qihl > qlen)
		return VS_PKT_MALFORMED;
	if (ld_raw32(q + 12) != vip)
		/* Not about a connection of the VIP: an ordinary ICMP packet,
		 * hashed like the kernel would, on its own source, ports 0. */
		return VS_PKT_VIP;
	pi->key.saddr = ld_be32(q + 16);
	pi->key.sport = 0;
	pi->key.dport = 0;
	poff = vs_hash_ports_offset(q[9]);
	/* A quoted non-first fragment carries no ports: hash 0/0. */
	if (poff >= 0 && (ld_be16(q + 6) & 0x1fff) == 0) {
		if (qihl + (uint32_t)poff + 4 > qlen)
			return VS_PKT_MALFORMED;
		pi->key.sport = ld_raw16(q + qihl + poff + 2);
		pi->key.dport = ld_raw16(q + qihl + poff);
	}
	return VS_PKT_VIP_ICMPERR;
}

static inline int
parse_core(const uint8_t *f, uint32_t avail, uint32_t total, uint32_t vip,
	   struct vs_pkt_info *pi)
{
	uint32_t off = ETH_HLEN, ihl, tot, lim, l4len;
	const uint8_t *ip, *l4;
	uint16_t et, frag;
	int poff;

	pi->flags = 0;
	pi->vlans = 0;
	pi->proto = 0;
	pi->l3_len = 0;
	pi->ip_len = 0;
	pi->key.saddr = 0;
	pi->key.sport = 0;
	pi->key.dport = 0;
	if (unlikely(avail < ETH_HLEN))
		return VS_PKT_MALFORMED;
	et = ld_be16(f + 12);
	while (unlikely(et == ETHTYPE_VLAN || et == ETHTYPE_QINQ)) {
		if (pi->vlans == VS_MAX_VLANS || avail < off + 4)
			return VS_PKT_MALFORMED;
		et = ld_be16(f + off + 2);
		off += 4;
		pi->vlans++;
	}
	pi->l2_len = (uint16_t)off;
	pi->ethertype = et;

	if (unlikely(et == ETHTYPE_ARP)) {
		const uint8_t *a = f + off;

		/* Ethernet/IPv4 ARP only: htype 1, ptype 0x0800, 6, 4. */
		if (avail < off + 28 || ld_be16(a) != 1 ||
		    ld_be16(a + 2) != ETHTYPE_IPV4 || a[4] != 6 || a[5] != 4)
			return VS_PKT_MALFORMED;
		return VS_PKT_ARP;
	}
	if (et != ETHTYPE_IPV4)
		return VS_PKT_OTHER;

	if (unlikely(avail < off + 20))
		return VS_PKT_MALFORMED;
	ip = f + off;
	ihl = (ip[0] & 0xfu) * 4;
	tot = ld_be16(ip + 2);
	if (unlikely((ip[0] >> 4) != 4 || ihl < 20 || tot < ihl ||
		     tot > total - off || off + ihl > avail))
		return VS_PKT_MALFORMED;
	pi->l3_len = (uint16_t)ihl;
	pi->ip_len = (uint16_t)tot;
	pi->proto = ip[9];
	if (ld_raw32(ip + 16) != vip)
		return VS_PKT_OTHER;

	pi->key.saddr = ld_be32(ip + 12);
	frag = ld_be16(ip + 6);
	if (unlikely(frag & 0x3fff)) {
		pi->flags |= (frag & 0x2000) ? VS_PKT_F_FRAG_MF : 0;
		if (frag & 0x1fff) {
			/* No L4 header here: the datagram's first fragment
			 * decides (after reassembly or by source IP). */
			pi->flags |= VS_PKT_F_FRAG_OFF;
			return VS_PKT_VIP_FRAG;
		}
	}

	/* Bytes of L4 we may read: within the IP datagram and the buffer. */
	lim = off + tot < avail ? off + tot : avail;
	l4 = ip + ihl;
	l4len = lim - off - ihl;
	poff = vs_hash_ports_offset(pi->proto);
	if (poff >= 0) {
		if (unlikely(l4len < (uint32_t)poff + 4))
			return VS_PKT_MALFORMED;
		pi->flags |= VS_PKT_F_L4_PORTS;
		pi->key.sport = ld_raw16(l4 + poff);
		pi->key.dport = ld_raw16(l4 + poff + 2);
	} else if (pi->proto == 1) {
		if (unlikely(l4len < 8))
			return VS_PKT_MALFORMED;
		if (icmp_is_error(l4[0]) && !(pi->flags & VS_PKT_F_FRAG_MF))
			return parse_icmp_err(l4 + 8, l4len - 8, vip, pi);
	}
	return (pi->flags & VS_PKT_F_FRAG_MF) ? VS_PKT_VIP_FRAG : VS_PKT_VIP;
}

int
vs_pkt_parse(const uint8_t *frame, uint32_t len, uint32_t vip,
	     struct vs_pkt_info *pi)
{
	pi->cls = (uint8_t)parse_core(frame, len, len, vip, pi);
	return pi->cls;
}

int
vs_pkt_parse_head(const uint8_t *frame, uint32_t seg_len, uint32_t pkt_len,
		  uint32_t vip, struct vs_pkt_info *pi)
{
	if (seg_len > pkt_len)
		seg_len = pkt_len;
	pi->cls = (uint8_t)parse_core(frame, seg_len, pkt_len, vip, pi);
	return pi->cls;
}

