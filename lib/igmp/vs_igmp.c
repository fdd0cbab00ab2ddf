/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>
#include <netinet/igmp.h>
#include <netinet/in.h>

#include <rte_byteorder.h>
#include <rte_ip.h>

#include "vs_igmp.h"

/* RFC 4286 section 3: not in <netinet/igmp.h> */
#define IGMP_MRD_ADVERTISEMENT 0x30
#define IGMP_MRD_QUERY_INTERVAL 125 /* s: the IGMP default */
#define IGMP_MRD_ROBUSTNESS 2       /* the IGMP default */
/* all-snoopers; u: 224 << 24 overflows int */
#define ALL_SNOOPERS RTE_IPV4(224u, 0, 0, 106)
#define IPOPT_ROUTER_ALERT 0x94 /* copied, option 20, RFC 2113 */

int
vs_igmp_mac_group(const struct rte_ether_addr *mac, uint32_t *group)
{
	const uint8_t *b = mac->addr_bytes;

	if (b[0] != 0x01 || b[1] != 0x00 || b[2] != 0x5e || (b[3] & 0x80))
		return -EINVAL;
	*group = rte_cpu_to_be_32(239u << 24 | (uint32_t)b[3] << 16 |
				  (uint32_t)b[4] << 8 | b[5]);
	return 0;
}

/* Ethernet + IPv4 with Router Alert + 8 bytes of IGMP-type message. */
static int
build_igmp(uint8_t *buf, size_t size, const struct rte_ether_addr *src_mac,
	   uint32_t src_ip, uint32_t dst_host, const uint8_t msg[8])
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
	eth->src_addr = *src_mac;
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = 0x46;     /* 24-byte header: Router Alert */
	ip->type_of_service = 0xc0; /* internetwork control */
	ip->total_length = RTE_BE16(24 + 8);
	ip->time_to_live = 1;
	ip->next_proto_id = IPPROTO_IGMP;
	ip->src_addr = src_ip;
	ip->dst_addr = rte_cpu_to_be_32(dst_host);
	opt[0] = IPOPT_ROUTER_ALERT; /* length 4, value 0 */
	opt[1] = 0x04;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	memcpy(igmp, msg, 8);
	ck = (uint16_t)~rte_raw_cksum(igmp, 8);
	memcpy(igmp + 2, &ck, sizeof(ck));
	return VS_IGMP_FRAME_LEN;
}

int
vs_igmp_build_report(uint8_t *buf, size_t size,
		     const struct rte_ether_addr *src_mac, uint32_t src_ip,
		     uint32_t group)
{
	uint8_t msg[8] = {IGMP_V2_MEMBERSHIP_REPORT, 0, 0, 0};

	memcpy(msg + 4, &group, 4);
	return build_igmp(buf, size, src_mac, src_ip, rte_be_to_cpu_32(group),
			  msg);
}

int
vs_igmp_build_mrd_adv(uint8_t *buf, size_t size,
		      const struct rte_ether_addr *src_mac, uint32_t src_ip,
		      uint8_t interval_s)
{
	/* type, advertisement interval, checksum, query interval,
	 * robustness (RFC 4286 section 3) */
	const uint8_t msg[8] = {IGMP_MRD_ADVERTISEMENT,
				interval_s,
				0,
				0,
				0,
				IGMP_MRD_QUERY_INTERVAL,
				0,
				IGMP_MRD_ROBUSTNESS};

	return build_igmp(buf, size, src_mac, src_ip, ALL_SNOOPERS, msg);
}

bool
vs_igmp_is_query(const uint8_t *ip, uint32_t ip_len, uint32_t ihl)
{
	const struct rte_ipv4_hdr *h = (const struct rte_ipv4_hdr *)ip;

	return h->next_proto_id == IPPROTO_IGMP && ip_len >= ihl + 8 &&
	       ip[ihl] == IGMP_MEMBERSHIP_QUERY;
}
