/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vs_igmp: keeping a snooping switch flooding the cluster MAC (frames whose
 * IP destination is the unicast VIP, but whose MAC is multicast):
 *
 * - an IGMPv2 membership report for the group that maps to the cluster MAC
 *   (vs_igmp_mac_group), for switches that forward by MAC;
 * - an RFC 4286 Multicast Router Discovery advertisement to 224.0.0.106,
 *   which makes the port a multicast-router port on switches that forward
 *   by IP destination (the Linux bridge), for about its querier interval;
 * - recognising the queries a querier sends, to answer them.
 *
 * Frames are built into plain buffers: no EAL needed.
 */
#ifndef VS_IGMP_H
#define VS_IGMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_ether.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Ethernet + IPv4 with Router Alert (24 bytes) + an 8-byte IGMP message. */
#define VS_IGMP_FRAME_LEN (RTE_ETHER_HDR_LEN + 24 + 8)

/*
 * The IPv4 multicast group (network order) whose frames a snooping switch
 * sends to a 01:00:5E MAC: 239.x.y.z with the MAC's low 23 bits (RFC 1112
 * maps every group to 01:00:5E + low 23 bits; 239/8 is administratively
 * scoped). -EINVAL for a MAC outside 01:00:5E:00:00:00-7F:FF:FF.
 */
int vs_igmp_mac_group(const struct rte_ether_addr *mac, uint32_t *group);

/*
 * IGMPv2 membership report for group (network order), and RFC 4286 MRD
 * advertisement (interval_s: the advertisement interval field). Both with
 * IPv4 source src_ip (network order), TTL 1 and Router Alert, Ethernet
 * source src_mac. Return the frame length (VS_IGMP_FRAME_LEN) or -ENOSPC.
 */
int vs_igmp_build_report(uint8_t *buf, size_t size,
			 const struct rte_ether_addr *src_mac, uint32_t src_ip,
			 uint32_t group);
int vs_igmp_build_mrd_adv(uint8_t *buf, size_t size,
			  const struct rte_ether_addr *src_mac, uint32_t src_ip,
			  uint8_t interval_s);

/* True for an IGMP membership query (any version) in an IPv4 packet whose
 * header starts at ip (ip_len bytes readable, header ihl bytes). */
bool vs_igmp_is_query(const uint8_t *ip, uint32_t ip_len, uint32_t ihl);

#ifdef __cplusplus
}
#endif

#endif /* VS_IGMP_H */
