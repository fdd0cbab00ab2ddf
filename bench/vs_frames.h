/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frame-building helpers shared by the two benchmarks (bench/bench-steer.c,
 * the library micro-benchmark, and app/bench.c, the appliance's --bench):
 * a deterministic PRNG, big-endian writers for Ethernet/IPv4 headers, the
 * ARP and ICMP-error frames both mixes contain, and the median of the runs.
 * Setup code, never on a timed path.
 */
#ifndef VS_FRAMES_H
#define VS_FRAMES_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_ether.h>
#include <rte_ip.h>

/* xorshift64*: the same mix on every run. One state per including file. */
static uint64_t vs_frames_rng = 0x9e3779b97f4a7c15ULL;

static inline uint32_t
rnd(void)
{
	vs_frames_rng ^= vs_frames_rng >> 12;
	vs_frames_rng ^= vs_frames_rng << 25;
	vs_frames_rng ^= vs_frames_rng >> 27;
	return (uint32_t)((vs_frames_rng * 0x2545f4914f6cdd1dULL) >> 32);
}

static inline void
st16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
st32(uint8_t *p, uint32_t v)
{
	st16(p, (uint16_t)(v >> 16));
	st16(p + 2, (uint16_t)v);
}

/* A random client in 10.0.0.0/8: never the VIP, never multicast. */
static inline uint32_t
rnd_client(void)
{
	return 0x0a000000u | (rnd() & 0x00ffffffu);
}

static inline uint16_t
rnd_service_port(void)
{
	static const uint16_t ports[] = {80, 443, 443, 443, 53, 8080, 22};

	return ports[rnd() % RTE_DIM(ports)];
}

/* Ethernet header with 0..2 VLAN tags (QinQ outer); returns the L3 offset. */
static inline uint32_t
put_eth(uint8_t *f, const uint8_t dst[6], const uint8_t src[6],
	unsigned int vlans, uint16_t ethertype)
{
	uint32_t off = 12;

	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	if (vlans == 2) {
		st16(f + off, 0x88a8);
		st16(f + off + 2, (uint16_t)(rnd() & 0xfff));
		off += 4;
	}
	if (vlans >= 1) {
		st16(f + off, 0x8100);
		st16(f + off + 2, (uint16_t)(rnd() & 0xfff));
		off += 4;
	}
	st16(f + off, ethertype);
	return off + 2;
}

/* 20-byte IPv4 header with a valid checksum. */
static inline void
put_ipv4(uint8_t *ip, uint16_t tot, uint8_t proto, uint16_t id,
	 uint16_t frag, uint32_t src, uint32_t dst)
{
	ip[0] = 0x45;
	ip[1] = 0;
	st16(ip + 2, tot);
	st16(ip + 4, id);
	st16(ip + 6, frag);
	ip[8] = 64;
	ip[9] = proto;
	st16(ip + 10, 0);
	st32(ip + 12, src);
	st32(ip + 16, dst);
	st16(ip + 10, rte_ipv4_cksum((const struct rte_ipv4_hdr *)ip));
}

/* Broadcast ARP who-has VIP from a random client with MAC src. */
static inline uint32_t
put_arp_request(uint8_t *f, const uint8_t src[6], uint32_t vip)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	uint32_t off = put_eth(f, bcast, src, 0, RTE_ETHER_TYPE_ARP);
	uint8_t *a = f + off;

	st16(a, 1);
	st16(a + 2, RTE_ETHER_TYPE_IPV4);
	a[4] = 6;
	a[5] = 4;
	st16(a + 6, 1); /* request */
	memcpy(a + 8, src, 6);
	st32(a + 14, rnd_client());
	memset(a + 18, 0, 6);
	st32(a + 24, vip);
	return off + 28;
}

/* ICMP fragmentation-needed quoting a VIP -> client TCP segment. */
static inline uint32_t
put_icmp_frag_needed(uint8_t *f, const uint8_t dst[6], const uint8_t src[6],
		     uint32_t vip)
{
	uint32_t off = put_eth(f, dst, src, 0, RTE_ETHER_TYPE_IPV4);
	uint8_t *icmp = f + off + 20, *q = icmp + 8;

	put_ipv4(f + off, 20 + 8 + 20 + 8, IPPROTO_ICMP, (uint16_t)rnd(), 0,
		 0x0a0000fe, vip);
	icmp[0] = 3;
	icmp[1] = 4;
	st16(icmp + 2, 0);
	st16(icmp + 4, 0);
	st16(icmp + 6, 1400);
	put_ipv4(q, 1500, IPPROTO_TCP, (uint16_t)rnd(), 0x4000, vip,
		 rnd_client());
	st16(q + 20, rnd_service_port());
	st16(q + 22, (uint16_t)(1024 + rnd() % 64512));
	st32(q + 24, rnd());
	return off + 20 + 8 + 20 + 8;
}

static inline int
vs_cmp_double(const void *x, const void *y)
{
	double p = *(const double *)x, q = *(const double *)y;

	return (p > q) - (p < q);
}

/* Median of the first n (1..VS_MEDIAN_MAX) values; v is not changed. */
#define VS_MEDIAN_MAX 128
static inline double
vs_median(const double *v, unsigned int n)
{
	double t[VS_MEDIAN_MAX];

	n = RTE_MIN(n, (unsigned int)VS_MEDIAN_MAX);
	memcpy(t, v, n * sizeof(*v));
	qsort(t, n, sizeof(*t), vs_cmp_double);
	return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

#endif /* VS_FRAMES_H */
