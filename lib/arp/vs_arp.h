/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vs_arp: ARP for a VIP shared behind a multicast cluster MAC.
 *
 * Every node answers ARP requests for the VIP itself; the answer's ARP
 * sender hardware address is the cluster MAC while the Ethernet source stays
 * the node's own unicast MAC (bridges drop frames with a multicast source).
 * ARP the host sends with the VIP as sender gets the same rewrite.
 *
 * No EAL needed: operates on plain byte buffers, which must be 2-byte
 * aligned (mbuf data always is) as rte_arp_hdr requires.
 */
#ifndef VS_ARP_H
#define VS_ARP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_arp.h>
#include <rte_ether.h>

#include "vs_pkt.h"

#ifdef __cplusplus
extern "C" {
#endif

struct vs_arp_cfg {
	uint32_t vip;                      /* network byte order */
	struct rte_ether_addr cluster_mac; /* multicast */
	struct rte_ether_addr nic_mac;     /* the NIC's unicast MAC */
};

enum vs_arp_verdict {
	VS_ARP_MALFORMED = -1, /* not Ethernet/IPv4 ARP or truncated */
	VS_ARP_PASS = 0,       /* leave to the host / send unchanged */
	VS_ARP_REPLY = 1,      /* frame turned into the reply: send to wire */
	VS_ARP_REWRITTEN = 2,  /* sender hw rewritten to the cluster MAC */
};

/* Length of an ARP frame built by vs_arp_build_garp (no VLAN, unpadded). */
#define VS_ARP_FRAME_LEN (RTE_ETHER_HDR_LEN + sizeof(struct rte_arp_hdr))

/*
 * Frame from the wire. If it is an ARP request for the VIP (from anyone but
 * the VIP itself), rewrite it in place into the reply and return
 * VS_ARP_REPLY. VLAN tags in front (l2_len bytes of Ethernet + tags) stay.
 */
int vs_arp_input(const struct vs_arp_cfg *cfg, uint8_t *frame, uint32_t len,
		 uint16_t l2_len);

/*
 * The sender IP (network order) of an ARP frame the parser classified as
 * VS_PKT_ARP (so its ARP header at l2_len is whole): which VIP's rewrite
 * applies on the way out (vs_arp_output).
 */
static inline uint32_t
vs_arp_sender_ip(const uint8_t *frame, uint16_t l2_len)
{
	return VS_PKT_LOAD(rte_be32_t, frame + l2_len +
					       offsetof(struct rte_arp_hdr,
							arp_data.arp_sip));
}

/*
 * Frame from the host. ARP requests and replies whose sender IP is the VIP
 * get their sender hardware address rewritten to the cluster MAC
 * (VS_ARP_REWRITTEN); everything else is left alone (VS_ARP_PASS).
 */
int vs_arp_output(const struct vs_arp_cfg *cfg, uint8_t *frame, uint32_t len,
		  uint16_t l2_len);

/*
 * Gratuitous ARP (a broadcast request for the VIP by the VIP) announcing the
 * cluster MAC. Returns the frame length or -ENOSPC.
 */
int vs_arp_build_garp(const struct vs_arp_cfg *cfg, uint8_t *buf, size_t size);

/*
 * Default cluster MAC of a VIP: 01:00:5E followed by the low 23 bits of the
 * address, the way RFC 1112 maps an IPv4 multicast group, so it always lies
 * in 01:00:5E:00:00:00-01:00:5E:7F:FF:FF. 192.168.100.100 -> 01:00:5E:28:64:64.
 */
void vs_arp_default_mac(uint32_t vip, struct rte_ether_addr *mac);

/*
 * A cluster MAC from text (rte_ether_unformat_addr's syntax:
 * 01:00:5e:28:64:64 or 0100:5e28:6464); -EINVAL on bad syntax, and for a
 * MAC a switch would not flood: unicast or broadcast.
 */
int vs_arp_parse_mac(const char *s, struct rte_ether_addr *mac);

#ifdef __cplusplus
}
#endif

#endif /* VS_ARP_H */
