/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vs_pkt: the frame parser. One pass over Ethernet (up to two VLAN tags),
 * ARP or IPv4 and the L4 header: the class of the frame and, for the VIP,
 * its CLUSTERIP flow key (lib/hash). The same parser serves the data path,
 * the benchmarks, the tests and the fuzzers.
 *
 * Nothing here needs the EAL.
 */
#ifndef VS_PKT_H
#define VS_PKT_H

#include <stdbool.h>
#include <stdint.h>

#include "vs_hash.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What the parser found; every frame gets exactly one class. */
enum vs_pkt_class {
	VS_PKT_MALFORMED = 0, /* truncated or inconsistent: count and drop */
	VS_PKT_OTHER,         /* not for the VIP (own address, IPv6, LLDP...): host */
	VS_PKT_ARP,           /* Ethernet/IPv4 ARP, lengths checked */
	VS_PKT_VIP,           /* IPv4 to the VIP, key complete */
	VS_PKT_VIP_FRAG,      /* IPv4 fragment to the VIP; ports only if first */
	VS_PKT_VIP_ICMPERR,   /* ICMP error to the VIP, key from the quoted header */
};

/* pi->flags */
#define VS_PKT_F_FRAG_MF  0x01 /* more fragments */
#define VS_PKT_F_FRAG_OFF 0x02 /* fragment offset != 0 */
#define VS_PKT_F_L4_PORTS 0x04 /* protocol carries CLUSTERIP "ports" */

struct vs_pkt_info {
	struct vs_flow_key key;
	uint16_t l2_len;  /* Ethernet + VLAN tags: offset of the L3 header */
	uint16_t l3_len;  /* IPv4 header length (IHL * 4) */
	uint16_t ip_len;  /* IPv4 total length (<= frame bytes after l2_len) */
	uint16_t ethertype; /* innermost, host order */
	uint8_t proto;    /* IPv4 protocol */
	uint8_t flags;    /* VS_PKT_F_* */
	uint8_t cls;      /* enum vs_pkt_class */
	uint8_t vlans;    /* number of VLAN tags (0..2) */
};

/*
 * Parse one contiguous frame of len bytes. Never reads beyond len, never
 * trusts a length field further than the frame. vip is network order.
 * Returns the class (also stored in pi->cls).
 */
int vs_pkt_parse(const uint8_t *frame, uint32_t len, uint32_t vip,
		 struct vs_pkt_info *pi);

/*
 * The same for the head of a multi-segment packet (a reassembled datagram):
 * headers are read from the first seg_len bytes only, while the IPv4 total
 * length is checked against the whole pkt_len.
 */
int vs_pkt_parse_head(const uint8_t *frame, uint32_t seg_len,
		      uint32_t pkt_len, uint32_t vip, struct vs_pkt_info *pi);

#ifdef __cplusplus
}
#endif

#endif /* VS_PKT_H */
