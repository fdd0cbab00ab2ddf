/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared helpers of the unit tests: a seeded PRNG and a byte-by-byte frame
 * writer. Frames are built here, field by field in network order, never by
 * the code under test.
 */
#ifndef VS_TEST_H
#define VS_TEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <time.h>
#include <cmocka.h>

/* Addresses in host order. */
#define T_VIP_H 0xC0A86464u    /* 192.168.100.100 */
#define T_HOST_H 0xC0A86401u   /* 192.168.100.1, the node's own address */
#define T_CLIENT_H 0xC6336407u /* 198.51.100.7 */
#define T_ROUTER_H 0x0A141E28u /* 10.20.30.40 */

/* VIP in network byte order, built from bytes (independent of the lib). */
static inline uint32_t
t_net32(uint32_t host)
{
	uint8_t b[4] = {
		(uint8_t)(host >> 24),
		(uint8_t)(host >> 16),
		(uint8_t)(host >> 8),
		(uint8_t)host,
	};
	uint32_t v;

	memcpy(&v, b, 4);
	return v;
}

/* A port as the kernel hashes it: the two packet bytes read as a u16. */
static inline uint16_t
t_raw16(uint16_t host)
{
	uint8_t b[2] = {(uint8_t)(host >> 8), (uint8_t)host};
	uint16_t v;

	memcpy(&v, b, 2);
	return v;
}

/* splitmix64 */
static uint64_t t_rng_state __attribute__((unused));

static inline uint64_t
t_rand64(void)
{
	uint64_t z = (t_rng_state += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

static inline uint32_t
t_rand32(void)
{
	return (uint32_t)(t_rand64() >> 32);
}

/* Seed from VS_TEST_SEED or the clock; printed so a failure can be rerun. */
static inline void
t_seed(const char *prog)
{
	const char *s = getenv("VS_TEST_SEED");
	uint64_t seed;

	if (s != NULL && *s != '\0')
		seed = strtoull(s, NULL, 0);
	else
		seed = (uint64_t)time(NULL) ^ ((uint64_t)clock() << 32);
	t_rng_state = seed;
	printf("# %s: VS_TEST_SEED=%llu\n", prog, (unsigned long long)seed);
}

struct tframe {
	uint8_t b[1600];
	uint32_t len;
	uint32_t ip_off; /* IPv4 header offset of the last tf_ipv4() */
	uint32_t l4_off; /* first byte after that IPv4 header */
};

static inline void
tf_u8(struct tframe *f, uint8_t v)
{
	if (f->len >= sizeof(f->b))
		abort();
	f->b[f->len++] = v;
}

static inline void
tf_be16(struct tframe *f, uint16_t v)
{
	tf_u8(f, (uint8_t)(v >> 8));
	tf_u8(f, (uint8_t)v);
}

static inline void
tf_be32(struct tframe *f, uint32_t v)
{
	tf_be16(f, (uint16_t)(v >> 16));
	tf_be16(f, (uint16_t)v);
}

static inline void
tf_bytes(struct tframe *f, const uint8_t *p, size_t n)
{
	while (n--)
		tf_u8(f, *p++);
}

static inline void
tf_fill(struct tframe *f, uint8_t v, size_t n)
{
	while (n--)
		tf_u8(f, v);
}

/* Pad with zeros to at least n bytes (Ethernet minimum frame is 60). */
static inline void
tf_pad(struct tframe *f, uint32_t n)
{
	while (f->len < n)
		tf_u8(f, 0);
}

static const uint8_t t_mac_cluster[6] = {0x01, 0x00, 0x5e, 0x28, 0x64, 0x64};
static const uint8_t t_mac_client[6] = {0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee};
static const uint8_t t_mac_nic[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
static const uint8_t t_mac_bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

/* Ethernet header with ntags VLAN tags (tag i has type tpids[i], VID 10+i). */
static inline void
tf_eth(struct tframe *f, const uint8_t dst[6], const uint8_t src[6],
       const uint16_t *tpids, unsigned int ntags, uint16_t ethertype)
{
	unsigned int i;

	memset(f, 0, sizeof(*f));
	tf_bytes(f, dst, 6);
	tf_bytes(f, src, 6);
	for (i = 0; i < ntags; i++) {
		tf_be16(f, tpids[i]);
		tf_be16(f, (uint16_t)(10 + i)); /* PCP 0, DEI 0, VID */
	}
	tf_be16(f, ethertype);
}

/* IPv4 header; total length and checksum are filled by tf_ipv4_done(). */
static inline void
tf_ipv4(struct tframe *f, uint8_t version, uint8_t ihl, uint16_t frag,
	uint8_t proto, uint32_t src_h, uint32_t dst_h)
{
	unsigned int i;

	f->ip_off = f->len;
	tf_u8(f, (uint8_t)(version << 4 | (ihl & 0xf)));
	tf_u8(f, 0);        /* TOS */
	tf_be16(f, 0);      /* total length, later */
	tf_be16(f, 0x1234); /* id */
	tf_be16(f, frag);   /* flags + fragment offset */
	tf_u8(f, 64);       /* TTL */
	tf_u8(f, proto);
	tf_be16(f, 0); /* checksum, later */
	tf_be32(f, src_h);
	tf_be32(f, dst_h);
	/* Options: NOPs then EOL, (ihl - 5) words. */
	for (i = 20; i < (unsigned int)ihl * 4; i++)
		tf_u8(f, i + 1 == (unsigned int)ihl * 4 ? 0x00 : 0x01);
	f->l4_off = f->len;
}

static inline void
tf_ipv4_set_tot(struct tframe *f, uint16_t tot)
{
	uint32_t o = f->ip_off, sum = 0, hl, i;

	f->b[o + 2] = (uint8_t)(tot >> 8);
	f->b[o + 3] = (uint8_t)tot;
	f->b[o + 10] = 0;
	f->b[o + 11] = 0;
	hl = (f->b[o] & 0xfu) * 4;
	if (hl < 20)
		hl = 20;
	for (i = 0; i < hl; i += 2)
		sum += (uint32_t)f->b[o + i] << 8 | f->b[o + i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	f->b[o + 10] = (uint8_t)(~sum >> 8);
	f->b[o + 11] = (uint8_t)~sum;
}

/* Total length = everything written since the IPv4 header. */
static inline void
tf_ipv4_done(struct tframe *f)
{
	tf_ipv4_set_tot(f, (uint16_t)(f->len - f->ip_off));
}

/* L4 header of a port-carrying protocol, ports at offset 0. */
static inline void
tf_l4_ports(struct tframe *f, uint8_t proto, uint16_t sport, uint16_t dport)
{
	tf_be16(f, sport);
	tf_be16(f, dport);
	switch (proto) {
	case 6: /* TCP: seq, ack, doff 5, SYN, window, csum, urg */
		tf_be32(f, 0x01020304);
		tf_be32(f, 0);
		tf_u8(f, 0x50);
		tf_u8(f, 0x02);
		tf_be16(f, 64240);
		tf_be16(f, 0);
		tf_be16(f, 0);
		break;
	case 17: /* UDP: length, csum, 4 bytes payload */
		tf_be16(f, 12);
		tf_be16(f, 0);
		tf_be32(f, 0xdeadbeef);
		break;
	case 136: /* UDP-Lite: checksum coverage, csum, payload */
		tf_be16(f, 8);
		tf_be16(f, 0);
		tf_be32(f, 0xdeadbeef);
		break;
	case 132: /* SCTP: vtag, csum, INIT chunk header */
		tf_be32(f, 0);
		tf_be32(f, 0);
		tf_u8(f, 1);
		tf_u8(f, 0);
		tf_be16(f, 4);
		break;
	case 33: /* DCCP: doff 4, ccval/cscov, csum, res/type/X=1, 48-bit seq */
		tf_u8(f, 4);
		tf_u8(f, 0);
		tf_be16(f, 0);
		tf_u8(f, 0x01); /* type 0 request, X */
		tf_u8(f, 0);
		tf_be16(f, 0);
		tf_be32(f, 1);
		break;
	default:
		abort();
	}
}

/* Ethernet/IPv4 ARP packet (28 bytes) */
static inline void
tf_arp(struct tframe *f, uint16_t htype, uint16_t ptype, uint8_t hlen,
       uint8_t plen, uint16_t op, const uint8_t sha[6], uint32_t sip_h,
       const uint8_t tha[6], uint32_t tip_h)
{
	tf_be16(f, htype);
	tf_be16(f, ptype);
	tf_u8(f, hlen);
	tf_u8(f, plen);
	tf_be16(f, op);
	tf_bytes(f, sha, 6);
	tf_be32(f, sip_h);
	tf_bytes(f, tha, 6);
	tf_be32(f, tip_h);
}

#endif /* VS_TEST_H */
