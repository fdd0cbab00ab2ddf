/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vs_pkt: the frame parser. One pass over Ethernet (up to two VLAN tags),
 * ARP or IPv4 and the L4 header gives the class of the frame, which VIP it
 * is for (one lookup in the VIP map, lib/vipmap), for a VIP frame its
 * CLUSTERIP flow key (lib/hash), and for a malformed frame the reason.
 * The same parser serves the data path, the benchmarks, the tests and the
 * fuzzers; lib/arp reaches its headers the same way.
 *
 * Headers are DPDK's (rte_ether.h, rte_ip.h, rte_arp.h, rte_icmp.h): they
 * are header-only, nothing here needs the EAL.
 */
#ifndef VS_PKT_H
#define VS_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "vs_hash.h"
#include "vs_vipmap.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What the parser found; every frame gets exactly one class. */
enum vs_pkt_class {
	VS_PKT_MALFORMED = 0, /* truncated or inconsistent: count, drop */
	VS_PKT_OTHER,         /* not for a VIP (IPv6, LLDP...): host */
	VS_PKT_ARP,           /* Ethernet/IPv4 ARP, lengths checked */
	VS_PKT_VIP,           /* IPv4 to a VIP, key complete */
	VS_PKT_VIP_FRAG,      /* fragment to a VIP; ports if first */
	VS_PKT_VIP_ICMPERR,   /* ICMP error quoting a VIP's packet */
};

/*
 * Why a frame is malformed (pi->drop), in the order the parser checks:
 * the first that applies. The names are the counters' (malformed_NAME).
 */
/* clang-format off */
#define VS_PKT_DROPS(X)                                                     \
	X(ETH_TRUNCATED, eth_truncated)     /* < 14 bytes */                \
	X(VLAN_TOO_MANY, vlan_too_many)     /* a third VLAN/QinQ tag */     \
	X(VLAN_TRUNCATED, vlan_truncated)   /* a tag cut short */           \
	X(ARP_TRUNCATED, arp_truncated)     /* < 28 bytes of ARP */         \
	X(ARP_NOT_IPV4, arp_not_ipv4)       /* not htype 1/ptype IPv4/6/4 */ \
	X(IPV4_TRUNCATED, ipv4_truncated)   /* < 20 bytes, or options cut */ \
	X(IPV4_VERSION, ipv4_version)       /* version != 4 */              \
	X(IPV4_IHL, ipv4_ihl)               /* IHL < 5 */                   \
	X(IPV4_TOTAL_LENGTH, ipv4_total_length) /* < IHL*4 or > frame */    \
	X(L4_TRUNCATED, l4_truncated)       /* datagram ends in the ports */ \
	X(ICMP_TRUNCATED, icmp_truncated)   /* < 8 bytes of ICMP */         \
	X(ICMP_QUOTE_TRUNCATED, icmp_quote_truncated) /* quoted IPv4 header \
							 or ports cut */    \
	X(ICMP_QUOTE_BAD, icmp_quote_bad)   /* quoted version/IHL wrong */
/* clang-format on */

enum vs_pkt_drop {
	VS_PKT_DROP_NONE = 0,
#define VS_PKT_DROP_ENUM(e, n) VS_PKT_DROP_##e,
	VS_PKT_DROPS(VS_PKT_DROP_ENUM)
#undef VS_PKT_DROP_ENUM
	VS_PKT_DROP_MAX
};

/* "eth_truncated" ...; "none" for VS_PKT_DROP_NONE, "?" beyond the list. */
const char *vs_pkt_drop_name(unsigned int why);

/* pi->flags */
#define VS_PKT_F_FRAG_MF 0x01  /* more fragments */
#define VS_PKT_F_FRAG_OFF 0x02 /* fragment offset != 0 */
#define VS_PKT_F_L4_PORTS 0x04 /* protocol carries CLUSTERIP "ports" */

/* Tags the parser walks (802.1ad outer + 802.1Q inner). */
#define VS_PKT_MAX_VLANS 2

struct vs_pkt_info {
	struct vs_flow_key key;
	uint16_t l2_len; /* Ethernet + VLAN tags: offset of the L3 header */
	uint16_t l3_len; /* IPv4 header length (IHL * 4) */
	uint16_t ip_len; /* IPv4 total length (<= frame bytes after l2_len) */
	uint16_t ethertype; /* innermost, host order */
	uint8_t proto;      /* IPv4 protocol */
	uint8_t flags;      /* VS_PKT_F_* */
	uint8_t cls;        /* enum vs_pkt_class */
	uint8_t vlans;      /* number of VLAN tags (0..VS_PKT_MAX_VLANS) */
	uint8_t drop;       /* enum vs_pkt_drop: why, when cls is MALFORMED */
	/*
	 * The VIP (its slot in the map) whose settings decide the frame, or
	 * VS_VIPMAP_NONE: the destination's for VIP and VIP_FRAG, the quoted
	 * source's for VIP_ICMPERR, the ARP target's for ARP; for a
	 * MALFORMED frame the destination's when the rule it broke comes
	 * after the destination was read (l4_truncated, icmp_*), even for
	 * an ICMP error quoting another VIP.
	 */
	uint8_t vip;
};

/*
 * The one unaligned load: a T at p, whatever p's alignment. Frames may
 * start at any address (a capture, a test's copy); memcpy compiles to a
 * plain load.
 */
#define VS_PKT_LOAD(T, p)                                   \
	__extension__({                                     \
		T vs_pkt_v_;                                \
		memcpy(&vs_pkt_v_, (p), sizeof(vs_pkt_v_)); \
		vs_pkt_v_;                                  \
	})

/*
 * Field f of the header of type T at p, through VS_PKT_LOAD: no member
 * access through a pointer that may be odd, for the headers DPDK aligns
 * to 2 bytes (rte_ether_hdr, rte_arp_hdr). The packed ones (IPv4, VLAN,
 * ICMP) are read through their members.
 */
#define VS_PKT_FIELD(p, T, f)                  \
	VS_PKT_LOAD(__typeof__(((T *)(p))->f), \
		    (const uint8_t *)(p) + offsetof(T, f))

/*
 * The one bounds-checked way to a header (after GLB director's
 * SAFELY_GET_HEADER_OR_RETURN): declares var, a T * to the header at
 * offset off of buf, or returns ret from the calling function when the
 * avail bytes of buf end before the header does.
 */
#define VS_PKT_HDR_OR_RETURN(var, T, buf, off, avail, ret)               \
	T *var = (T *)((buf) + (off));                                   \
	if (unlikely((uint32_t)(off) + sizeof(T) > (uint32_t)(avail))) { \
		return (ret);                                            \
	}

/*
 * The one ARP check, the parser's and lib/arp's: Ethernet/IPv4 ARP
 * (htype 1, ptype IPv4, hlen 6, plen 4). a: a whole rte_arp_hdr.
 */
static inline bool
vs_pkt_arp_ok(const struct rte_arp_hdr *a)
{
	return VS_PKT_FIELD(a, struct rte_arp_hdr, arp_hardware) ==
		       RTE_BE16(RTE_ARP_HRD_ETHER) &&
	       VS_PKT_FIELD(a, struct rte_arp_hdr, arp_protocol) ==
		       RTE_BE16(RTE_ETHER_TYPE_IPV4) &&
	       VS_PKT_FIELD(a, struct rte_arp_hdr, arp_hlen) ==
		       RTE_ETHER_ADDR_LEN &&
	       VS_PKT_FIELD(a, struct rte_arp_hdr, arp_plen) ==
		       sizeof(rte_be32_t);
}

/*
 * Parse one contiguous frame of len bytes against the VIPs of vips. Never
 * reads beyond len, never trusts a length field further than the frame.
 * Returns the class (also stored in pi->cls).
 */
int vs_pkt_parse(const uint8_t *frame, uint32_t len,
		 const struct vs_vipmap *vips, struct vs_pkt_info *pi);

/*
 * The same for the head of a multi-segment packet (a reassembled datagram):
 * headers are read from the first seg_len bytes only, while the IPv4 total
 * length is checked against the whole pkt_len.
 */
int vs_pkt_parse_head(const uint8_t *frame, uint32_t seg_len, uint32_t pkt_len,
		      const struct vs_vipmap *vips, struct vs_pkt_info *pi);

/* Bytes the fast path reads: Ethernet, a 20-byte IPv4 header, the ports. */
#define VS_PKT_FAST_LEN \
	((uint32_t)(RTE_ETHER_HDR_LEN + sizeof(struct rte_ipv4_hdr) + 4))

/*
 * The fast path's test, for the frame most traffic is: untagged IPv4 with
 * a 20-byte header, TCP or UDP, not a fragment, to a VIP, its ports inside
 * the datagram and the segment. For such a frame it fills *pi exactly as
 * vs_pkt_parse_head() does (class VS_PKT_VIP) and returns true; for any
 * other it returns false, leaves *pi unspecified, and the generic parser
 * decides. Arguments as vs_pkt_parse_head()'s. Inline: the data path runs
 * it on every frame first. tests/unit/test_fast.c and the frame fuzzer
 * hold it to the generic parser.
 */
static inline bool
vs_pkt_parse_fast(const uint8_t *f, uint32_t seg_len, uint32_t pkt_len,
		  const struct vs_vipmap *vips, struct vs_pkt_info *pi)
{
	const uint8_t *ip = f + RTE_ETHER_HDR_LEN;
	const uint8_t *l4 = ip + sizeof(struct rte_ipv4_hdr);
	const uint32_t ipv4_ihl5 =
		(uint32_t)RTE_ETHER_TYPE_IPV4 << 16 | RTE_IPV4_VHL_DEF << 8;
	uint32_t w12, tot;
	unsigned int vip;
	uint8_t proto;
	bool fast;

	if (unlikely(RTE_MIN(seg_len, pkt_len) < VS_PKT_FAST_LEN))
		return false;
	/*
	 * The tests, combined without branches: one branch for the frame,
	 * not one per test (the mix of TCP and UDP alone would mispredict
	 * a branch of its own).
	 * One load for the ethertype and the byte after it: IPv4, version 4
	 * with IHL 5.
	 */
	w12 = VS_PKT_LOAD(uint32_t,
			  f + offsetof(struct rte_ether_hdr, ether_type));
	fast = (w12 & RTE_BE32(0xffffff00)) == RTE_BE32(ipv4_ihl5);
	/* not a fragment (DF may be set) */
	fast &= (VS_PKT_FIELD(ip, struct rte_ipv4_hdr, fragment_offset) &
		 RTE_BE16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) ==
		0;
	proto = VS_PKT_FIELD(ip, struct rte_ipv4_hdr, next_proto_id);
	fast &= (proto == IPPROTO_TCP) | (proto == IPPROTO_UDP);
	/* the ports inside the datagram (total length >= 24), the datagram
	 * inside the packet: 24 <= tot <= pkt_len - 14, in one compare */
	tot = rte_be_to_cpu_16(
		VS_PKT_FIELD(ip, struct rte_ipv4_hdr, total_length));
	fast &= tot - (VS_PKT_FAST_LEN - RTE_ETHER_HDR_LEN) <=
		pkt_len - VS_PKT_FAST_LEN;
	if (!fast)
		return false;
	vip = vs_vipmap_lookup(vips,
			       VS_PKT_FIELD(ip, struct rte_ipv4_hdr, dst_addr));
	if (vip == VS_VIPMAP_NONE)
		return false;
	pi->key.saddr = rte_be_to_cpu_32(
		VS_PKT_FIELD(ip, struct rte_ipv4_hdr, src_addr));
	/* TCP and UDP begin alike: source port, destination port */
	pi->key.sport = VS_PKT_FIELD(l4, struct rte_udp_hdr, src_port);
	pi->key.dport = VS_PKT_FIELD(l4, struct rte_udp_hdr, dst_port);
	pi->l2_len = RTE_ETHER_HDR_LEN;
	pi->l3_len = sizeof(struct rte_ipv4_hdr);
	pi->ip_len = (uint16_t)tot;
	pi->ethertype = RTE_ETHER_TYPE_IPV4;
	pi->proto = proto;
	pi->flags = VS_PKT_F_L4_PORTS;
	pi->cls = VS_PKT_VIP;
	pi->vlans = 0;
	pi->drop = VS_PKT_DROP_NONE;
	pi->vip = (uint8_t)vip;
	return true;
}

#ifdef __cplusplus
}
#endif

#endif /* VS_PKT_H */
