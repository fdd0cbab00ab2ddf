/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "vs_gen.h"

#define RNG_SEED 0x9e3779b97f4a7c15ULL
#define OTHER_HOST RTE_IPV4(192u, 168, 100, 2) /* not the VIP */
#define CLIENT_ROUTER RTE_IPV4(10u, 0, 0, 254) /* sends the ICMP errors */
#define ETHER_MIN_NOFCS ((uint32_t)(RTE_ETHER_MIN_LEN - RTE_ETHER_CRC_LEN))

/* The source of every frame: the clients' router */
static const struct rte_ether_addr peer_mac = {
	.addr_bytes = {0x02, 0x00, 0x00, 0x00, 0x00, 0xfe}};

struct gen {
	uint64_t rng;
	const struct vs_gen_cfg *cfg;
	uint32_t vip; /* the VIP of the frame being made (host order) */
	struct rte_ether_addr cluster_mac;
};

/* xorshift64*: the same mix on every run. */
static uint32_t
rnd(struct gen *g)
{
	g->rng ^= g->rng >> 12;
	g->rng ^= g->rng << 25;
	g->rng ^= g->rng >> 27;
	return (uint32_t)((g->rng * 0x2545f4914f6cdd1dULL) >> 32);
}

/* A random client in 10.0.0.0/8: never the VIP, never multicast. */
static uint32_t
rnd_client(struct gen *g)
{
	return 0x0a000000u | (rnd(g) & 0x00ffffffu);
}

static uint16_t
rnd_service_port(struct gen *g)
{
	static const uint16_t ports[] = {80, 443, 443, 443, 53, 8080, 22};

	return ports[rnd(g) % RTE_DIM(ports)];
}

static uint16_t
rnd_client_port(struct gen *g)
{
	return (uint16_t)(1024 + rnd(g) % 64512);
}

static void
put_be16(uint8_t *p, uint16_t v)
{
	rte_be16_t be = rte_cpu_to_be_16(v);

	memcpy(p, &be, sizeof(be));
}

/* Ethernet header with 0..2 VLAN tags (QinQ outer); returns the L3 offset. */
static uint32_t
put_eth(struct gen *g, uint8_t *f, const struct rte_ether_addr *dst,
	const struct rte_ether_addr *src, unsigned int vlans,
	uint16_t ethertype)
{
	static const uint16_t tpid[2] = {RTE_ETHER_TYPE_QINQ,
					 RTE_ETHER_TYPE_VLAN};
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)f;
	uint32_t type_off = offsetof(struct rte_ether_hdr, ether_type);
	unsigned int i;

	eth->dst_addr = *dst;
	eth->src_addr = *src;
	/* each tag: its TPID in the type field, then TCI and the next type */
	for (i = 2 - vlans; i < 2; i++) {
		struct rte_vlan_hdr *vh =
			(struct rte_vlan_hdr *)(f + type_off + 2);

		put_be16(f + type_off, tpid[i]);
		vh->vlan_tci = rte_cpu_to_be_16((uint16_t)(rnd(g) & 0xfff));
		type_off += sizeof(*vh);
	}
	put_be16(f + type_off, ethertype);
	return type_off + 2;
}

/* 20-byte IPv4 header (addresses in host order) with a valid checksum. */
static void
put_ipv4(uint8_t *p, uint16_t tot, uint8_t proto, uint16_t id, uint16_t frag,
	 uint32_t src, uint32_t dst)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;

	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(tot);
	ip->packet_id = rte_cpu_to_be_16(id);
	ip->fragment_offset = rte_cpu_to_be_16(frag);
	ip->time_to_live = 64;
	ip->next_proto_id = proto;
	ip->src_addr = rte_cpu_to_be_32(src);
	ip->dst_addr = rte_cpu_to_be_32(dst);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

/* IMIX 7:4:1 of 64, 594 and 1518-byte frames (FCS not stored). */
static uint32_t
frame_len(struct gen *g)
{
	uint32_t r;

	if (!g->cfg->imix)
		return ETHER_MIN_NOFCS;
	r = rnd(g) % 12;
	return r < 7 ? 60 : r < 11 ? 590 : 1514;
}

/* TCP (75%) or UDP to the VIP from a random client. */
static uint32_t
gen_l4(struct gen *g, uint8_t *f, unsigned int vlans)
{
	uint32_t off = put_eth(g, f, &g->cluster_mac, &peer_mac, vlans,
			       RTE_ETHER_TYPE_IPV4);
	uint8_t proto = (rnd(g) % 4) ? IPPROTO_TCP : IPPROTO_UDP;
	uint32_t hl = proto == IPPROTO_TCP ? sizeof(struct rte_tcp_hdr)
					   : sizeof(struct rte_udp_hdr);
	uint32_t flen = frame_len(g), iplen, src;
	uint8_t *l4 = f + off + sizeof(struct rte_ipv4_hdr);
	uint16_t id, sport, dport;

	iplen = flen > off + 20 + hl ? flen - off : 20 + hl;
	src = rnd_client(g);
	id = (uint16_t)rnd(g);
	put_ipv4(f + off, (uint16_t)iplen, proto, id, RTE_IPV4_HDR_DF_FLAG, src,
		 g->vip);
	sport = rnd_client_port(g);
	dport = rnd_service_port(g);
	if (proto == IPPROTO_TCP) {
		struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)l4;

		th->src_port = rte_cpu_to_be_16(sport);
		th->dst_port = rte_cpu_to_be_16(dport);
		th->sent_seq = rte_cpu_to_be_32(rnd(g));
		th->recv_ack = rte_cpu_to_be_32(rnd(g));
		th->data_off = 5 << 4;
		th->tcp_flags = RTE_TCP_ACK_FLAG;
		th->rx_win = RTE_BE16(65535);
	} else {
		struct rte_udp_hdr *uh = (struct rte_udp_hdr *)l4;

		uh->src_port = rte_cpu_to_be_16(sport);
		uh->dst_port = rte_cpu_to_be_16(dport);
		uh->dgram_len = rte_cpu_to_be_16((uint16_t)(iplen - 20));
	}
	return off + iplen;
}

/* A UDP datagram to the VIP in two 32-byte fragments, f then f2. */
static uint32_t
gen_frag_pair(struct gen *g, uint8_t *f, uint8_t *f2, uint32_t *len2)
{
	const uint16_t half = 32;
	uint32_t src = rnd_client(g), off;
	uint16_t id = (uint16_t)rnd(g);
	struct rte_udp_hdr *uh;

	off = put_eth(g, f, &g->cluster_mac, &peer_mac, 0, RTE_ETHER_TYPE_IPV4);
	put_ipv4(f + off, 20 + half, IPPROTO_UDP, id, RTE_IPV4_HDR_MF_FLAG, src,
		 g->vip);
	uh = (struct rte_udp_hdr *)(f + off + 20);
	uh->src_port = rte_cpu_to_be_16(rnd_client_port(g));
	uh->dst_port = RTE_BE16(53);
	uh->dgram_len = rte_cpu_to_be_16(2 * half);
	memset(uh + 1, 0x5a, half - sizeof(*uh));
	off = put_eth(g, f2, &g->cluster_mac, &peer_mac, 0,
		      RTE_ETHER_TYPE_IPV4);
	put_ipv4(f2 + off, 20 + half, IPPROTO_UDP, id,
		 half / RTE_IPV4_HDR_OFFSET_UNITS, src, g->vip);
	memset(f2 + off + 20, 0xa5, half);
	*len2 = off + 20 + half;
	return off + 20 + half;
}

/* Not for the VIP: another IPv4 address of the host, or IPv6. */
static uint32_t
gen_other(struct gen *g, uint8_t *f)
{
	uint32_t off, src;
	uint16_t id;

	if (rnd(g) & 1) {
		struct rte_tcp_hdr *th;

		off = put_eth(g, f, &g->cfg->nic_mac, &peer_mac, 0,
			      RTE_ETHER_TYPE_IPV4);
		src = rnd_client(g);
		id = (uint16_t)rnd(g);
		put_ipv4(f + off, 40, IPPROTO_TCP, id, RTE_IPV4_HDR_DF_FLAG,
			 src, OTHER_HOST);
		th = (struct rte_tcp_hdr *)(f + off + 20);
		memset(th, 0, sizeof(*th));
		th->data_off = 5 << 4;
		return off + 40;
	}
	off = put_eth(g, f, &g->cfg->nic_mac, &peer_mac, 0,
		      RTE_ETHER_TYPE_IPV6);
	memset(f + off, 0, 40);
	f[off] = 0x60;             /* version 6 */
	f[off + 6] = IPPROTO_NONE; /* next header */
	return off + 40;
}

/* Broadcast ARP who-has VIP from a random client. */
static uint32_t
gen_arp_request(struct gen *g, uint8_t *f)
{
	struct rte_ether_addr bcast;
	struct rte_arp_hdr *a;
	uint32_t off;

	memset(&bcast, 0xff, sizeof(bcast));
	off = put_eth(g, f, &bcast, &peer_mac, 0, RTE_ETHER_TYPE_ARP);
	a = (struct rte_arp_hdr *)(f + off);
	a->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	a->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = RTE_ETHER_ADDR_LEN;
	a->arp_plen = 4;
	a->arp_opcode = RTE_BE16(RTE_ARP_OP_REQUEST);
	a->arp_data.arp_sha = peer_mac;
	a->arp_data.arp_sip = rte_cpu_to_be_32(rnd_client(g));
	memset(&a->arp_data.arp_tha, 0, sizeof(a->arp_data.arp_tha));
	a->arp_data.arp_tip = rte_cpu_to_be_32(g->vip);
	return off + sizeof(*a);
}

/* ICMP fragmentation-needed quoting a VIP -> client TCP segment. */
static uint32_t
gen_icmp_frag_needed(struct gen *g, uint8_t *f)
{
	uint32_t off = put_eth(g, f, &g->cluster_mac, &peer_mac, 0,
			       RTE_ETHER_TYPE_IPV4);
	const uint16_t len = 20 + sizeof(struct rte_icmp_hdr) + 20 + 8;
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)(f + off + 20);
	uint8_t *q = (uint8_t *)(icmp + 1);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(q + 20);
	uint32_t client;
	uint16_t id;

	put_ipv4(f + off, len, IPPROTO_ICMP, (uint16_t)rnd(g), 0, CLIENT_ROUTER,
		 g->vip);
	icmp->icmp_type = ICMP_DEST_UNREACH;
	icmp->icmp_code = ICMP_FRAG_NEEDED;
	icmp->icmp_cksum = 0;
	icmp->icmp_ident = 0;               /* unused */
	icmp->icmp_seq_nb = RTE_BE16(1400); /* next-hop MTU */
	client = rnd_client(g);
	id = (uint16_t)rnd(g);
	put_ipv4(q, 1500, IPPROTO_TCP, id, RTE_IPV4_HDR_DF_FLAG, g->vip,
		 client);
	/* the first 8 bytes of the quoted TCP header: ports, sequence */
	th->src_port = rte_cpu_to_be_16(rnd_service_port(g));
	th->dst_port = rte_cpu_to_be_16(rnd_client_port(g));
	th->sent_seq = rte_cpu_to_be_32(rnd(g));
	return off + len;
}

int
vs_gen_mix_build(struct vs_gen_mix *m, const struct vs_gen_cfg *cfg)
{
	struct gen g = {.rng = RNG_SEED, .cfg = cfg};
	uint32_t i, r, l, l2;
	uint8_t *f;

	if (m->slot < (cfg->imix ? VS_GEN_SLOT_IMIX : VS_GEN_SLOT_64))
		return -EINVAL;
	m->bytes = 0;
	m->n_l4 = m->n_vlan = m->n_arp = m->n_icmperr = m->n_frag = 0;
	m->n_other = 0;
	for (i = 0; i < m->n; i++) {
		/* VIPs in turn, by position: the random stream, hence every
		 * other property of the mix, does not depend on their number */
		unsigned int k = i % (cfg->nb_more + 1);

		g.vip = k ? cfg->more_vips[k - 1] : cfg->vip;
		g.cluster_mac = k ? cfg->more_macs[k - 1] : cfg->cluster_mac;
		f = m->buf + (size_t)i * m->slot;
		r = rnd(&g) % 1000;
		if (r < 850) {
			unsigned int v = 0;

			r = rnd(&g) % 100; /* 10% VLAN-tagged, 1% QinQ */
			if (r < 1)
				v = 2;
			else if (r < 10)
				v = 1;
			l = gen_l4(&g, f, v);
			m->n_l4++;
			m->n_vlan += v != 0;
		} else if (r < 900) {
			l = gen_arp_request(&g, f);
			m->n_arp++;
		} else if (r < 930) {
			l = gen_icmp_frag_needed(&g, f);
			m->n_icmperr++;
		} else if (r < 950 && i + 1 < m->n) {
			l = gen_frag_pair(&g, f, f + m->slot, &l2);
			m->len[i + 1] = (uint16_t)RTE_MAX(l2, ETHER_MIN_NOFCS);
			m->bytes += m->len[i + 1];
			m->n_frag += 2;
			m->len[i] = (uint16_t)RTE_MAX(l, ETHER_MIN_NOFCS);
			m->bytes += m->len[i];
			i++;
			continue;
		} else {
			l = gen_other(&g, f);
			m->n_other++;
		}
		m->len[i] = (uint16_t)RTE_MAX(l, ETHER_MIN_NOFCS);
		m->bytes += m->len[i];
	}
	return 0;
}

static int
cmp_double(const void *x, const void *y)
{
	double p = *(const double *)x, q = *(const double *)y;

	return (p > q) - (p < q);
}

double
vs_gen_median(const double *v, unsigned int n)
{
	double t[VS_GEN_MEDIAN_MAX];

	n = RTE_MIN(n, (unsigned int)VS_GEN_MEDIAN_MAX);
	if (n == 0)
		return 0;
	memcpy(t, v, n * sizeof(*v));
	qsort(t, n, sizeof(*t), cmp_double);
	return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}
