/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vs_vnet: virtio_net_hdr checks against the frame, translation to and from
 * mbuf offload fields, the GRO path into the kernel (DPDK's own
 * rte_gro_reassemble_burst between vs_vnet_gro_prep and vs_vnet_gro_done)
 * and the software checksums of the path out.
 *
 * Frames are built here byte by byte; checksums are checked with the plain
 * RFC 1071 loop below, not with the library's code. Built with ASan/UBSan;
 * the parser sees exact-size heap copies. mbufs are laid over plain memory
 * (no EAL, no pool): nothing here frees them.
 */
#include "vs_test.h"

#include <rte_gro.h>
#include <rte_mbuf.h>

#include "vs_vnet.h"

#define MSS 1448
#define BIG (VS_VNET_MAX_FRAME + 64)

static const uint8_t mac_a[6] = {0x02, 0, 0, 0, 0, 0x0a};
static const uint8_t mac_b[6] = {0x02, 0, 0, 0, 0, 0x0b};

/* ---- independent helpers ------------------------------------------- */

static uint32_t
sum16(const uint8_t *p, size_t n, uint32_t s)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t
fold16(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
wr32(uint8_t *p, uint32_t v)
{
	wr16(p, (uint16_t)(v >> 16));
	wr16(p + 2, (uint16_t)v);
}

/* Pseudo-header sum (host order, folded) of the IPv4 datagram at ip. */
static uint16_t
phdr4(const uint8_t *ip)
{
	uint32_t ihl = (ip[0] & 0xfu) * 4u, s = 0;

	s = sum16(ip + 12, 8, s);
	s += ip[9];
	s += rd16(ip + 2) - ihl;
	return fold16(s);
}

static bool
ip_csum_ok(const uint8_t *ip)
{
	return fold16(sum16(ip, (ip[0] & 0xfu) * 4u, 0)) == 0xffff;
}

/* The L4 checksum of the datagram at ip, over a flat copy of the L4 bytes. */
static bool
l4_csum_ok(const uint8_t *ip, const uint8_t *l4, size_t l4len)
{
	return fold16(sum16(l4, l4len, phdr4(ip))) == 0xffff;
}

static void
ip_fill_csum(uint8_t *ip)
{
	wr16(ip + 10, 0);
	wr16(ip + 10, (uint16_t)~fold16(sum16(ip, (ip[0] & 0xfu) * 4u, 0)));
}

/* Complete TCP/UDP checksum over a flat datagram (field at off). */
static void
l4_fill_csum(uint8_t *ip, unsigned int off)
{
	uint32_t ihl = (ip[0] & 0xfu) * 4u, l4len = rd16(ip + 2) - ihl;
	uint16_t c;

	wr16(ip + ihl + off, 0);
	c = (uint16_t)~fold16(sum16(ip + ihl, l4len, phdr4(ip)));
	wr16(ip + ihl + off, c ? c : 0xffff);
}

static uint8_t
pay(uint32_t i)
{
	return (uint8_t)(i * 7 + (i >> 8) * 13 + 1);
}

/*
 * Ethernet (ntags VLAN tags) + IPv4 (DF, id) + TCP (doff 5 + opt words,
 * flags) + payload bytes pay(seq_off + i). Returns the length.
 */
static uint32_t
build_tcp4(uint8_t *f, unsigned int ntags, uint32_t seq, uint32_t plen,
	   uint8_t flags, uint16_t id, unsigned int optwords, bool csum)
{
	uint32_t o = 12, i, ihl = 20, doff = 20 + 4 * optwords;
	uint8_t *ip, *th;

	memcpy(f, mac_b, 6);
	memcpy(f + 6, mac_a, 6);
	for (i = 0; i < ntags; i++) {
		wr16(f + o, 0x8100);
		wr16(f + o + 2, (uint16_t)(100 + i));
		o += 4;
	}
	wr16(f + o, 0x0800);
	o += 2;
	ip = f + o;
	memset(ip, 0, ihl);
	ip[0] = 0x45;
	wr16(ip + 2, (uint16_t)(ihl + doff + plen));
	wr16(ip + 4, id);
	wr16(ip + 6, 0x4000);
	ip[8] = 64;
	ip[9] = 6;
	wr32(ip + 12, 0xc6336407); /* 198.51.100.7 */
	wr32(ip + 16, 0xc0a86464); /* 192.168.100.100 */
	th = ip + ihl;
	memset(th, 0, doff);
	wr16(th, 40000);
	wr16(th + 2, 5201);
	wr32(th + 4, seq);
	wr32(th + 8, 0x11223344);
	th[12] = (uint8_t)((doff / 4) << 4);
	th[13] = flags;
	wr16(th + 14, 512);
	for (i = 0; i < optwords; i++) { /* NOP NOP timestamp-ish filler */
		th[20 + 4 * i] = 1;
		th[21 + 4 * i] = 1;
		th[22 + 4 * i] = (uint8_t)(0x30 + i);
		th[23 + 4 * i] = 0x40;
	}
	for (i = 0; i < plen; i++)
		th[doff + i] = pay(seq - 1000 + i);
	ip_fill_csum(ip);
	if (csum)
		l4_fill_csum(ip, 16);
	else /* partial: the pseudo-header sum, as the kernel leaves it */
		wr16(th + 16, phdr4(ip));
	return o + ihl + doff + plen;
}

static uint8_t *
heap_copy(const uint8_t *b, size_t n)
{
	uint8_t *p = malloc(n ? n : 1);

	if (p == NULL)
		abort();
	memcpy(p, b, n);
	return p;
}

static struct vs_vnet_hdr
hdr(uint8_t flags, uint8_t gso, uint16_t hlen, uint16_t gso_size, uint16_t cs,
    uint16_t co)
{
	struct vs_vnet_hdr h = {flags, gso, hlen, gso_size, cs, co};

	return h;
}

static int
parse_exact(const struct vs_vnet_hdr *h, const uint8_t *f, uint32_t len,
	    struct vs_vnet_info *vi)
{
	uint8_t *c = heap_copy(f, len);
	int r = vs_vnet_parse(h, c, len, len, vi);

	free(c);
	return r;
}

/* ---- mbufs over plain memory ---------------------------------------- */

struct tmbuf {
	struct rte_mbuf m;
	uint8_t buf[2048 + RTE_PKTMBUF_HEADROOM];
};

static void
tm_init(struct tmbuf *t)
{
	memset(&t->m, 0, sizeof(t->m));
	t->m.buf_addr = t->buf;
	t->m.buf_len = sizeof(t->buf);
	t->m.data_off = RTE_PKTMBUF_HEADROOM;
	t->m.nb_segs = 1;
	t->m.port = 0;
	rte_mbuf_refcnt_set(&t->m, 1);
}

static struct rte_mbuf *
tm_frame(struct tmbuf *t, const uint8_t *f, uint32_t len)
{
	tm_init(t);
	if (len > 2048)
		abort();
	memcpy(t->buf + RTE_PKTMBUF_HEADROOM, f, len);
	t->m.data_len = (uint16_t)len;
	t->m.pkt_len = len;
	return &t->m;
}

/* Split f over n mbufs at the given cut points (ascending). */
static struct rte_mbuf *
tm_chain(struct tmbuf *t, unsigned int n, const uint8_t *f, uint32_t len,
	 const uint32_t *cuts)
{
	uint32_t from = 0, to;
	unsigned int i;

	for (i = 0; i < n; i++) {
		to = i + 1 < n ? cuts[i] : len;
		tm_init(&t[i]);
		t[i].m.data_off = i ? 0 : RTE_PKTMBUF_HEADROOM;
		memcpy((uint8_t *)t[i].m.buf_addr + t[i].m.data_off, f + from,
		       to - from);
		t[i].m.data_len = (uint16_t)(to - from);
		t[i].m.next = i + 1 < n ? &t[i + 1].m : NULL;
		from = to;
	}
	t[0].m.nb_segs = (uint16_t)n;
	t[0].m.pkt_len = len;
	return &t[0].m;
}

/* Flatten a chain into out; returns its length. */
static uint32_t
tm_flat(const struct rte_mbuf *m, uint8_t *out)
{
	uint32_t n = 0;

	for (; m != NULL; m = m->next) {
		memcpy(out + n, rte_pktmbuf_mtod(m, const uint8_t *),
		       m->data_len);
		n += m->data_len;
	}
	return n;
}

/* ---- parse: accepted headers ----------------------------------------- */

static uint8_t big[BIG];

static void
test_err_names(void **state)
{
	unsigned int i, j;

	(void)state;
	assert_string_equal(vs_vnet_err_name(0), "ok");
	assert_string_equal(vs_vnet_err_name(VS_VNET_E_MAX), "?");
	for (i = 1; i < VS_VNET_E_MAX; i++) {
		assert_non_null(vs_vnet_err_name(i));
		assert_string_not_equal(vs_vnet_err_name(i), "?");
		for (j = 1; j < i; j++)
			assert_string_not_equal(vs_vnet_err_name(i),
						vs_vnet_err_name(j));
	}
	assert_string_equal(vs_vnet_err_name(VS_VNET_E_too_long), "too_long");
}

static void
test_parse_tso4(void **state)
{
	struct vs_vnet_info vi;
	struct vs_vnet_hdr h;
	unsigned int tags;

	(void)state;
	for (tags = 0; tags <= 2; tags++) {
		uint32_t l2 = 14 + 4 * tags;
		uint32_t len =
			build_tcp4(big, tags, 1000, 10000, 0x18, 1, 3, false);

		h = hdr(VS_VNET_F_NEEDS_CSUM, VS_VNET_GSO_TCPV4,
			(uint16_t)(l2 + 32 + 20), MSS, (uint16_t)(l2 + 20), 16);
		assert_int_equal(parse_exact(&h, big, len, &vi), 0);
		assert_int_equal(vi.gso, VS_VNET_GSO_TCPV4);
		assert_int_equal(vi.l2_len, l2);
		assert_int_equal(vi.l3_len, 20);
		assert_int_equal(vi.l4_len, 32);
		assert_int_equal(vi.mss, MSS);
		assert_int_equal(vi.segs, 7); /* ceil(10000 / 1448) */
		assert_int_equal(vi.csum, VS_VNET_CSUM_PARTIAL);
		assert_int_equal(vi.l4, VS_VNET_L4_TCP4);
		assert_int_equal(vi.ecn, 0);
		assert_int_equal(vi.frame_len, len);
		/* hdr_len is a hint: 0 and anything up to the frame pass */
		h.hdr_len = 0;
		assert_int_equal(parse_exact(&h, big, len, &vi), 0);
		h.hdr_len = (uint16_t)len;
		assert_int_equal(parse_exact(&h, big, len, &vi), 0);
		/* ECN */
		h.gso_type = VS_VNET_GSO_TCPV4 | VS_VNET_GSO_ECN;
		assert_int_equal(parse_exact(&h, big, len, &vi), 0);
		assert_int_equal(vi.ecn, 1);
	}
}

static void
test_parse_tso4_one_segment(void **state)
{
	struct vs_vnet_info vi;
	struct vs_vnet_hdr h;
	uint32_t len = build_tcp4(big, 0, 1000, MSS, 0x10, 1, 0, false);

	(void)state;
	/* as the kernel: a GSO frame no longer than one segment is none */
	h = hdr(VS_VNET_F_NEEDS_CSUM, VS_VNET_GSO_TCPV4, 54, MSS, 34, 16);
	assert_int_equal(parse_exact(&h, big, len, &vi), 0);
	assert_int_equal(vi.gso, VS_VNET_GSO_NONE);
	assert_int_equal(vi.segs, 1);
	assert_int_equal(vi.csum, VS_VNET_CSUM_PARTIAL);
	assert_int_equal(vi.l4, VS_VNET_L4_TCP4);
	h.gso_size = MSS - 1;
	assert_int_equal(parse_exact(&h, big, len, &vi), 0);
	assert_int_equal(vi.gso, VS_VNET_GSO_TCPV4);
	assert_int_equal(vi.segs, 2);
}

/* 64 KB of IPv4 datagram exactly is fine, one more byte is too long. */
static void
test_parse_64k(void **state)
{
	struct vs_vnet_info vi;
	struct vs_vnet_hdr h;
	uint32_t len = build_tcp4(big, 0, 1000, 65535 - 40, 0x10, 1, 0, false);

	(void)state;
	assert_int_equal(len, 14 + 65535);
	h = hdr(VS_VNET_F_NEEDS_CSUM, VS_VNET_GSO_TCPV4, 54, MSS, 34, 16);
	assert_int_equal(parse_exact(&h, big, len, &vi), 0);
	assert_int_equal(vi.segs, (65535 - 40 + MSS - 1) / MSS);
	/* one byte more than an IPv4 datagram holds: the total length
	 * field cannot say it */
	big[len] = 0;
	assert_int_equal(parse_exact(&h, big, len + 1, &vi),
			 VS_VNET_E_too_long);
	/* the same without GSO */
	h = hdr(0, 0, 0, 0, 0, 0);
	assert_int_equal(parse_exact(&h, big, len + 1, &vi),
			 VS_VNET_E_too_long);
	/* and any frame beyond the largest one with two tags */
	memset(big, 0, 14);
	wr16(big + 12, 0x88cc); /* not IPv4 */
	assert_int_equal(parse_exact(&h, big, VS_VNET_MAX_FRAME, &vi), 0);
	assert_int_equal(parse_exact(&h, big, VS_VNET_MAX_FRAME + 1, &vi),
			 VS_VNET_E_too_long);
}

static void
test_parse_partial(void **state)
{
	struct vs_vnet_info vi;
	struct vs_vnet_hdr h;
	uint8_t f[200];
	uint32_t len = build_tcp4(f, 1, 1000, 30, 0x18, 1, 0, false);

	(void)state;
	h = hdr(VS_VNET_F_NEEDS_CSUM, 0, 0, 0, 38, 16);
	assert_int_equal(parse_exact(&h, f, len, &vi), 0);
	assert_int_equal(vi.gso, VS_VNET_GSO_NONE);
	assert_int_equal(vi.csum, VS_VNET_CSUM_PARTIAL);
	assert_int_equal(vi.l4, VS_VNET_L4_TCP4);
	assert_int_equal(vi.l2_len, 18);
	assert_int_equal(vi.l3_len, 20);
	assert_int_equal(vi.csum_start, 38);
	assert_int_equal(vi.csum_offset, 16);
	/* UDP over IPv4 */
	f[18 + 9] = 17;
	h.csum_offset = 6;
	assert_int_equal(parse_exact(&h, f, len, &vi), 0);
	assert_int_equal(vi.l4, VS_VNET_L4_UDP4);
	/* an offset we do not know: generic, completed in software */
	h.csum_offset = 2;
	assert_int_equal(parse_exact(&h, f, len, &vi), 0);
	assert_int_equal(vi.l4, VS_VNET_L4_OTHER);
	assert_int_equal(vi.csum, VS_VNET_CSUM_PARTIAL);
	/* IPv4 length not the frame's (padding): generic too */
	h.csum_offset = 6;
	assert_int_equal(parse_exact(&h, f, len - 1, &vi), 0);
	assert_int_equal(vi.l4, VS_VNET_L4_OTHER);
	/* DATA_VALID */
	h = hdr(VS_VNET_F_DATA_VALID, 0, 0, 0, 0, 0);
	assert_int_equal(parse_exact(&h, f, len, &vi), 0);
	assert_int_equal(vi.csum, VS_VNET_CSUM_VALID);
}

static void
test_parse_partial_ipv6(void **state)
{
	struct vs_vnet_info vi;
	struct vs_vnet_hdr h;
	uint8_t f[14 + 40 + 28];
	unsigned int i;

	(void)state;
	memcpy(f, mac_b, 6);
	memcpy(f + 6, mac_a, 6);
	wr16(f + 12, 0x86dd);
	memset(f + 14, 0, 40);
	f[14] = 0x60;
	wr16(f + 18, 28);
	f[20] = 6;
	f[21] = 64;
	for (i = 0; i < 28; i++)
		f[54 + i] = (uint8_t)i;
	h = hdr(VS_VNET_F_NEEDS_CSUM, 0, 0, 0, 54, 16);
	assert_int_equal(parse_exact(&h, f, sizeof(f), &vi), 0);
	assert_int_equal(vi.l4, VS_VNET_L4_TCP6);
	assert_int_equal(vi.l3_len, 40);
	f[20] = 17;
	h.csum_offset = 6;
	assert_int_equal(parse_exact(&h, f, sizeof(f), &vi), 0);
	assert_int_equal(vi.l4, VS_VNET_L4_UDP6);
	f[20] = 58; /* ICMPv6, offset 2: generic */
	h.csum_offset = 2;
	assert_int_equal(parse_exact(&h, f, sizeof(f), &vi), 0);
	assert_int_equal(vi.l4, VS_VNET_L4_OTHER);
	/* TSO over IPv6 is not ours */
	h = hdr(VS_VNET_F_NEEDS_CSUM, VS_VNET_GSO_TCPV6, 74, 1000, 54, 16);
	assert_int_equal(parse_exact(&h, f, sizeof(f), &vi),
			 VS_VNET_E_gso_unsupported);
}

/* ---- parse: rejected headers ---------------------------------------- */

struct bad_case {
	const char *what;
	struct vs_vnet_hdr h;
	int err;
};

static void
test_parse_bad_headers(void **state)
{
	/* a 10000-byte TSO frame, l2 14, IPv4 20, TCP 20: csum at 34+16 */
	static const struct bad_case cases[] = {
		{"unknown flag",
		 {0x04 | 1, 1, 54, MSS, 34, 16},
		 VS_VNET_E_bad_flags},
		{"NEEDS_CSUM and DATA_VALID",
		 {3, 1, 54, MSS, 34, 16},
		 VS_VNET_E_bad_flags},
		{"gso type 2", {1, 2, 54, MSS, 34, 16}, VS_VNET_E_bad_gso_type},
		{"gso type 6", {1, 6, 54, MSS, 34, 16}, VS_VNET_E_bad_gso_type},
		{"gso type 0x7f",
		 {1, 0x7f, 54, MSS, 34, 16},
		 VS_VNET_E_bad_gso_type},
		{"ECN without GSO",
		 {1, 0x80, 54, 0, 34, 16},
		 VS_VNET_E_bad_gso_type},
		{"UFO", {1, 3, 54, MSS, 34, 16}, VS_VNET_E_gso_unsupported},
		{"TCPv6", {1, 4, 54, MSS, 34, 16}, VS_VNET_E_gso_unsupported},
		{"UDP_L4", {1, 5, 54, MSS, 34, 16}, VS_VNET_E_gso_unsupported},
		{"GSO without NEEDS_CSUM",
		 {0, 1, 54, MSS, 34, 16},
		 VS_VNET_E_bad_csum_offset},
		{"GSO, DATA_VALID",
		 {2, 1, 54, MSS, 34, 16},
		 VS_VNET_E_bad_csum_offset},
		{"csum_start in IP header",
		 {1, 1, 54, MSS, 33, 16},
		 VS_VNET_E_bad_csum_offset},
		{"csum_offset of UDP",
		 {1, 1, 54, MSS, 34, 6},
		 VS_VNET_E_bad_csum_offset},
		{"csum_start in Ethernet",
		 {1, 0, 54, 0, 13, 0},
		 VS_VNET_E_bad_csum_offset},
		{"csum field beyond frame",
		 {1, 0, 54, 0, 10000, 16},
		 VS_VNET_E_bad_csum_offset},
		{"csum_offset huge",
		 {1, 0, 54, 0, 34, 0xffff},
		 VS_VNET_E_bad_csum_offset},
		{"hdr_len beyond frame",
		 {1, 1, 10055, MSS, 34, 16},
		 VS_VNET_E_bad_hdr_len},
		{"gso_size 0", {1, 1, 54, 0, 34, 16}, VS_VNET_E_bad_gso_size},
		{"gso_size over 64 KB with headers",
		 {1, 1, 54, 65535 - 39, 34, 16},
		 VS_VNET_E_bad_gso_size},
	};
	struct vs_vnet_info vi;
	uint32_t len = build_tcp4(big, 0, 1000, 10000 - 40, 0x10, 1, 0, false);
	size_t i;

	(void)state;
	assert_int_equal(len, 10014);
	for (i = 0; i < RTE_DIM(cases); i++) {
		int r = parse_exact(&cases[i].h, big, len, &vi);

		if (r != cases[i].err)
			fail_msg("%s: got %s, want %s", cases[i].what,
				 vs_vnet_err_name((unsigned int)r),
				 vs_vnet_err_name((unsigned int)cases[i].err));
	}
}

/* The frame does not match what a GSO TCPv4 header says. */
static void
test_parse_lying_frames(void **state)
{
	const struct vs_vnet_hdr h = {1, 1, 54, MSS, 34, 16};
	struct vs_vnet_info vi;
	uint32_t len;

	(void)state;
#define FRESH() (len = build_tcp4(big, 0, 1000, 5000, 0x10, 1, 0, false))
	FRESH();
	assert_int_equal(parse_exact(&h, big, len, &vi), 0);
	FRESH();
	big[14 + 9] = 17; /* UDP */
	assert_int_equal(parse_exact(&h, big, len, &vi),
			 VS_VNET_E_bad_gso_frame);
	FRESH();
	wr16(big + 12, 0x86dd); /* IPv6 ethertype */
	assert_int_equal(parse_exact(&h, big, len, &vi),
			 VS_VNET_E_bad_gso_frame);
	FRESH();
	big[14] = 0x65; /* version 6 */
	assert_int_equal(parse_exact(&h, big, len, &vi),
			 VS_VNET_E_bad_gso_frame);
	FRESH();
	big[14] = 0x44; /* IHL 4 */
	assert_int_equal(parse_exact(&h, big, len, &vi),
			 VS_VNET_E_bad_gso_frame);
	FRESH();
	wr16(big + 20, 0x2000); /* MF */
	assert_int_equal(parse_exact(&h, big, len, &vi),
			 VS_VNET_E_bad_gso_frame);
	FRESH();
	wr16(big + 20, 0x0001); /* an offset */
	assert_int_equal(parse_exact(&h, big, len, &vi),
			 VS_VNET_E_bad_gso_frame);
	FRESH();
	big[34 + 12] = 0x40; /* doff 4 */
	assert_int_equal(parse_exact(&h, big, len, &vi),
			 VS_VNET_E_bad_gso_frame);
	FRESH();
	wr16(big + 16, (uint16_t)(len - 14 - 1)); /* total length short */
	assert_int_equal(parse_exact(&h, big, len, &vi), VS_VNET_E_bad_ip_len);
	FRESH();
	wr16(big + 16, (uint16_t)(len - 14 + 1));
	assert_int_equal(parse_exact(&h, big, len, &vi), VS_VNET_E_bad_ip_len);
	/* headers only, no payload */
	len = build_tcp4(big, 0, 1000, 0, 0x10, 1, 0, false);
	assert_int_equal(parse_exact(&h, big, len, &vi),
			 VS_VNET_E_bad_gso_frame);
	/* runts: hdr_len already says they are too short, and without it */
	assert_int_equal(parse_exact(&h, big, 13, &vi), VS_VNET_E_bad_hdr_len);
	{
		const struct vs_vnet_hdr h0 = {0, 0, 0, 0, 0, 0};

		assert_int_equal(parse_exact(&h0, big, 13, &vi),
				 VS_VNET_E_runt);
		assert_int_equal(parse_exact(&h0, big, 0, &vi), VS_VNET_E_runt);
		assert_int_equal(parse_exact(&h0, big, 14, &vi), 0);
	}
#undef FRESH
}

/* Headers not in the contiguous head: refused, never read past it. */
static void
test_parse_short_head(void **state)
{
	const struct vs_vnet_hdr h = {1, 1, 54, MSS, 34, 16};
	struct vs_vnet_info vi;
	uint32_t len = build_tcp4(big, 0, 1000, 5000, 0x10, 1, 0, false);
	uint32_t head;

	(void)state;
	for (head = 0; head < 54; head++) {
		uint8_t *c = heap_copy(big, head);
		int r = vs_vnet_parse(&h, c, head, len, &vi);

		free(c);
		assert_int_not_equal(r, 0);
	}
	{
		uint8_t *c = heap_copy(big, 54);

		assert_int_equal(vs_vnet_parse(&h, c, 54, len, &vi), 0);
		free(c);
	}
}

/* ---- mbuf translation ------------------------------------------------ */

static void
test_info_to_mbuf(void **state)
{
	struct tmbuf t;
	struct vs_vnet_info vi;
	struct vs_vnet_hdr h = {1, 1, 66, MSS, 34, 16};
	uint32_t len = build_tcp4(big, 0, 1000, 1900, 0x10, 1, 3, false);
	struct rte_mbuf *m;

	(void)state;
	assert_int_equal(parse_exact(&h, big, len, &vi), 0);
	m = tm_frame(&t, big, len);
	m->ol_flags = RTE_MBUF_F_RX_L4_CKSUM_GOOD; /* kept */
	vs_vnet_info_to_mbuf(&vi, m);
	assert_true(m->ol_flags & RTE_MBUF_F_TX_TCP_SEG);
	assert_true(m->ol_flags & RTE_MBUF_F_TX_IPV4);
	assert_true(m->ol_flags & RTE_MBUF_F_TX_IP_CKSUM);
	assert_int_equal(m->ol_flags & RTE_MBUF_F_TX_L4_MASK,
			 RTE_MBUF_F_TX_TCP_CKSUM);
	assert_true(m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_GOOD);
	assert_int_equal(m->tso_segsz, MSS);
	assert_int_equal(m->l2_len, 14);
	assert_int_equal(m->l3_len, 20);
	assert_int_equal(m->l4_len, 32);

	/* round trip: the header written back describes the same frame */
	{
		struct vs_vnet_hdr h2;
		struct vs_vnet_info vi2;

		assert_int_equal(vs_vnet_hdr_from_mbuf(m, &h2), 0);
		assert_int_equal(h2.flags, VS_VNET_F_NEEDS_CSUM);
		assert_int_equal(h2.gso_type, VS_VNET_GSO_TCPV4);
		assert_int_equal(h2.gso_size, MSS);
		assert_int_equal(h2.hdr_len, 66);
		assert_int_equal(h2.csum_start, 34);
		assert_int_equal(h2.csum_offset, 16);
		assert_int_equal(parse_exact(&h2, big, len, &vi2), 0);
		assert_memory_equal(&vi, &vi2, sizeof(vi));
	}

	/* partial UDP over IPv4: a checksum offload, no TSO */
	h = hdr(1, 0, 0, 0, 34, 6);
	big[14 + 9] = 17;
	assert_int_equal(parse_exact(&h, big, len, &vi), 0);
	vs_vnet_info_to_mbuf(&vi, m);
	assert_false(m->ol_flags & RTE_MBUF_F_TX_TCP_SEG);
	assert_int_equal(m->ol_flags & RTE_MBUF_F_TX_L4_MASK,
			 RTE_MBUF_F_TX_UDP_CKSUM);
	assert_int_equal(m->tso_segsz, 0);
	/* nothing to do */
	h = hdr(0, 0, 0, 0, 0, 0);
	assert_int_equal(parse_exact(&h, big, len, &vi), 0);
	vs_vnet_info_to_mbuf(&vi, m);
	assert_int_equal(m->ol_flags &
				 (RTE_MBUF_F_TX_TCP_SEG |
				  RTE_MBUF_F_TX_L4_MASK | RTE_MBUF_F_TX_IPV4),
			 0);
	assert_true(m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_GOOD);
}

static void
test_hdr_from_mbuf(void **state)
{
	struct tmbuf t;
	struct vs_vnet_hdr h;
	uint8_t f[200];
	uint32_t len = build_tcp4(f, 0, 1000, 100, 0x18, 1, 0, false);
	struct rte_mbuf *m = tm_frame(&t, f, len);

	(void)state;
	m->l2_len = 14;
	m->l3_len = 20;
	m->l4_len = 20;
	assert_int_equal(vs_vnet_hdr_from_mbuf(m, &h), 0);
	assert_int_equal(h.flags | h.gso_type | h.hdr_len | h.gso_size |
				 h.csum_start | h.csum_offset,
			 0);
	m->ol_flags = RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_CKSUM;
	assert_int_equal(vs_vnet_hdr_from_mbuf(m, &h), 0);
	assert_int_equal(h.flags, VS_VNET_F_NEEDS_CSUM);
	assert_int_equal(h.gso_type, 0);
	assert_int_equal(h.csum_start, 34);
	assert_int_equal(h.csum_offset, 16);
	m->ol_flags = RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_UDP_CKSUM;
	assert_int_equal(vs_vnet_hdr_from_mbuf(m, &h), 0);
	assert_int_equal(h.csum_offset, 6);
	/* what the kernel cannot be told */
	m->ol_flags = RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_SCTP_CKSUM;
	assert_int_equal(vs_vnet_hdr_from_mbuf(m, &h), -EINVAL);
	assert_int_equal(h.flags, 0);
	m->ol_flags = RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_TCP_SEG;
	m->tso_segsz = MSS;
	assert_int_equal(vs_vnet_hdr_from_mbuf(m, &h), -EINVAL);
	m->ol_flags = RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_SEG;
	m->tso_segsz = 0;
	assert_int_equal(vs_vnet_hdr_from_mbuf(m, &h), -EINVAL);
	assert_int_equal(h.gso_type, 0);
}

/* ---- checksums over chains ------------------------------------------- */

/* Odd and even cut points: the result must not depend on them. */
static void
test_csum_complete_chain(void **state)
{
	static const uint32_t cuts[][3] = {
		{100, 201, 777},  {55, 56, 57},    {1000, 1001, 1003},
		{60, 1500, 2001}, {99, 100, 1999},
	};
	struct tmbuf t[4];
	uint8_t f[2100], out[2100];
	uint32_t len;
	size_t i;

	(void)state;
	for (i = 0; i < RTE_DIM(cuts); i++) {
		struct rte_mbuf *m;

		len = build_tcp4(f, 0, 1000, 2001, 0x18, 1, 0, false);
		m = tm_chain(t, 4, f, len, cuts[i]);
		assert_int_equal(vs_vnet_csum_complete(m, 34, 16), 0);
		assert_int_equal(tm_flat(m, out), len);
		assert_true(ip_csum_ok(out + 14));
		if (!l4_csum_ok(out + 14, out + 34, len - 34))
			fail_msg("cuts %u %u %u: bad TCP checksum", cuts[i][0],
				 cuts[i][1], cuts[i][2]);
		/* the same bytes as a complete checksum built flat */
		build_tcp4(f, 0, 1000, 2001, 0x18, 1, 0, true);
		assert_memory_equal(out, f, len);
	}
	/* field outside the first segment, range outside the frame */
	{
		const uint32_t c[1] = {40};
		struct rte_mbuf *m;

		len = build_tcp4(f, 0, 1000, 100, 0x18, 1, 0, false);
		m = tm_chain(t, 2, f, len, c);
		assert_int_equal(vs_vnet_csum_complete(m, 34, 16), -EINVAL);
		assert_int_equal(vs_vnet_csum_complete(m, len + 1, 0), -EINVAL);
	}
}

/* A UDP sum of zero goes out as 0xffff. */
static void
test_csum_complete_udp_zero(void **state)
{
	struct tmbuf t;
	uint8_t f[64];
	struct rte_mbuf *m;
	uint32_t s;

	(void)state;
	/* UDP header + 2 payload bytes chosen so that the sum is 0xffff */
	memset(f, 0, sizeof(f));
	wr16(f + 12, 0x0800);
	f[14] = 0x45;
	wr16(f + 16, 20 + 10);
	f[14 + 8] = 64;
	f[14 + 9] = 17;
	wr32(f + 26, 0x0a000001);
	wr32(f + 30, 0x0a000002);
	wr16(f + 34, 1000);
	wr16(f + 36, 2000);
	wr16(f + 38, 10);
	wr16(f + 40, 0);
	s = fold16(sum16(f + 34, 8, phdr4(f + 14)));
	wr16(f + 42, (uint16_t)(0xffff - s)); /* total sum 0xffff */
	wr16(f + 40, phdr4(f + 14));          /* partial */
	m = tm_frame(&t, f, 44);
	assert_int_equal(vs_vnet_csum_complete(m, 34, 6), 0);
	assert_int_equal(rd16(rte_pktmbuf_mtod(m, uint8_t *) + 40), 0xffff);
}

static void
test_seg_finish(void **state)
{
	const uint32_t cut[1] = {54 + 3}; /* payload split at an odd point */
	struct tmbuf t[2];
	uint8_t f[1600], out[1600];
	struct rte_mbuf *m;
	uint32_t len;

	(void)state;
	len = build_tcp4(f, 0, 5000, 1000, 0x98 /* CWR|ACK|PSH */, 7, 0, true);
	wr16(f + 24, 0xdead); /* garbage IP checksum */
	wr16(f + 50, 0xbeef); /* garbage TCP checksum */
	m = tm_chain(t, 2, f, len, cut);
	m->l2_len = 14;
	m->l3_len = 20;
	m->l4_len = 20;
	m->ol_flags = RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_CKSUM;
	assert_int_equal(vs_vnet_seg_finish(m, true), 0);
	assert_int_equal(
		m->ol_flags & (RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_L4_MASK), 0);
	tm_flat(m, out);
	assert_int_equal(out[34 + 13], 0x18); /* CWR cleared */
	assert_true(ip_csum_ok(out + 14));
	assert_true(l4_csum_ok(out + 14, out + 34, len - 34));
	/* CWR kept for the first segment */
	len = build_tcp4(f, 0, 5000, 1000, 0x98, 7, 0, true);
	m = tm_chain(t, 2, f, len, cut);
	m->l2_len = 14;
	m->l3_len = 20;
	assert_int_equal(vs_vnet_seg_finish(m, false), 0);
	tm_flat(m, out);
	assert_int_equal(out[34 + 13], 0x98);
	assert_memory_equal(out, f, len);
	/* IPv4 length not the segment's */
	wr16(rte_pktmbuf_mtod(m, uint8_t *) + 16, (uint16_t)(len - 14 + 2));
	assert_int_equal(vs_vnet_seg_finish(m, false), -EINVAL);
}

/* ---- into the kernel: GRO candidates and super-frames --------------- */

#define NSEG 12

static struct tmbuf segs[NSEG + 4];

static bool
prep_frame(unsigned int i, const uint8_t *f, uint32_t len, uint64_t ol)
{
	struct rte_mbuf *m = tm_frame(&segs[i], f, len);
	int r;

	m->ol_flags = ol;
	r = vs_vnet_gro_prep(m);
	/* everything here is TCP over IPv4 unless the test made it UDP */
	if (r != VS_VNET_GRO_CAND)
		assert_int_equal(r, f[23] == 6 && len >= 54
					    ? VS_VNET_GRO_TCP
					    : VS_VNET_GRO_OTHER);
	return r == VS_VNET_GRO_CAND;
}

static void
test_gro_candidates(void **state)
{
	uint8_t f[1600];
	uint32_t len;
	struct rte_mbuf *m;

	(void)state;
	len = build_tcp4(f, 0, 1000, MSS, 0x10, 1, 0, true);
	assert_true(prep_frame(0, f, len, 0)); /* verified here */
	m = &segs[0].m;
	assert_int_equal(m->l2_len, 14);
	assert_int_equal(m->l3_len, 20);
	assert_int_equal(m->l4_len, 20);
	assert_int_equal(m->packet_type, RTE_PTYPE_L2_ETHER |
						 RTE_PTYPE_L3_IPV4 |
						 RTE_PTYPE_L4_TCP);
	/* corrupted payload, checksum unknown: not merged */
	f[100] ^= 1;
	assert_false(prep_frame(0, f, len, 0));
	/* ... unless the NIC says good (then it is the NIC's word) */
	assert_true(prep_frame(0, f, len,
			       RTE_MBUF_F_RX_L4_CKSUM_GOOD |
				       RTE_MBUF_F_RX_IP_CKSUM_GOOD));
	assert_false(prep_frame(0, f, len, RTE_MBUF_F_RX_L4_CKSUM_BAD));
	f[100] ^= 1;
	assert_false(prep_frame(0, f, len, RTE_MBUF_F_RX_L4_CKSUM_BAD));
	/* bad IPv4 header checksum */
	f[24] ^= 1;
	assert_false(prep_frame(0, f, len, 0));
	f[24] ^= 1;
	/* partial (pseudo-header sum in the field) */
	len = build_tcp4(f, 0, 1000, MSS, 0x10, 1, 0, false);
	assert_true(prep_frame(0, f, len, 0));
	/* flags other than ACK, options on IP, VLAN, no payload, UDP */
	len = build_tcp4(f, 0, 1000, MSS, 0x18, 1, 0, true);
	assert_false(prep_frame(0, f, len, 0));
	len = build_tcp4(f, 0, 1000, MSS, 0x11, 1, 0, true);
	assert_false(prep_frame(0, f, len, 0));
	len = build_tcp4(f, 1, 1000, MSS, 0x10, 1, 0, true);
	assert_false(prep_frame(0, f, len, 0));
	len = build_tcp4(f, 0, 1000, 0, 0x10, 1, 0, true);
	assert_false(prep_frame(0, f, len, 0));
	len = build_tcp4(f, 0, 1000, 100, 0x10, 1, 0, true);
	f[14 + 9] = 17;
	assert_false(prep_frame(0, f, len, 0));
	/* ECN: ECT passes, CE (congestion experienced) is kept apart */
	len = build_tcp4(f, 0, 1000, 100, 0x10, 1, 0, true);
	f[15] = 0x02;
	ip_fill_csum(f + 14);
	assert_true(prep_frame(0, f, len, 0));
	f[15] = 0x03;
	ip_fill_csum(f + 14);
	assert_false(prep_frame(0, f, len, 0));
	/* a fragment */
	len = build_tcp4(f, 0, 1000, 100, 0x10, 1, 0, true);
	wr16(f + 20, 0x2000);
	ip_fill_csum(f + 14);
	assert_false(prep_frame(0, f, len, 0));
	/* IPv4 length beyond the frame */
	len = build_tcp4(f, 0, 1000, 100, 0x10, 1, 0, true);
	assert_false(prep_frame(0, f, len - 1, 0));
	/* padding is trimmed: 1-byte payload in a 60-byte frame */
	len = build_tcp4(f, 0, 1000, 1, 0x10, 1, 0, true);
	assert_int_equal(len, 55);
	memset(f + len, 0xee, 5);
	assert_true(prep_frame(0, f, 60, 0));
	assert_int_equal(segs[0].m.data_len, 55);
	assert_int_equal(segs[0].m.pkt_len, 55);
	/* two segments: not for GRO */
	{
		const uint32_t c[1] = {100};

		len = build_tcp4(f, 0, 1000, MSS, 0x10, 1, 0, true);
		m = tm_chain(segs, 2, f, len, c);
		assert_int_equal(vs_vnet_gro_prep(m), VS_VNET_GRO_TCP);
	}
}

/*
 * NSEG in-order segments of one flow (ACK only, MSS each, the last one
 * shorter), mixed complete and partial checksums: DPDK's GRO merges them
 * into one chain; gro_done makes it a TSO request whose header the kernel
 * will accept, and the bytes are the segments' payloads in order.
 */
static void
test_gro_merge(void **state)
{
	struct rte_gro_param p = {
		.gro_types = RTE_GRO_TCP_IPV4,
		.max_flow_num = 64,
		.max_item_per_flow = 64,
	};
	struct rte_mbuf *pkts[NSEG + 1];
	static uint8_t f[1600], flat[NSEG * 1600];
	struct vs_vnet_hdr h;
	struct vs_vnet_info vi;
	uint32_t i, len, total = 0, seq = 1000, last = 700;
	uint16_t n;
	uint8_t *ip;

	(void)state;
	for (i = 0; i < NSEG; i++) {
		uint32_t plen = i + 1 < NSEG ? MSS : last;

		len = build_tcp4(f, 0, seq, plen, 0x10, (uint16_t)(5 + i), 0,
				 i % 3 != 0);
		assert_true(prep_frame(i, f, len, 0));
		pkts[i] = &segs[i].m;
		seq += plen;
		total += plen;
	}
	n = rte_gro_reassemble_burst(pkts, NSEG, &p);
	assert_int_equal(n, 1);
	assert_int_equal(pkts[0]->nb_segs, NSEG);
	assert_int_equal(vs_vnet_gro_done(pkts[0]), NSEG);
	assert_true(pkts[0]->ol_flags & RTE_MBUF_F_TX_TCP_SEG);
	assert_int_equal(pkts[0]->tso_segsz, MSS);
	len = tm_flat(pkts[0], flat);
	assert_int_equal(len, 54 + total);
	ip = flat + 14;
	assert_int_equal(rd16(ip + 2), 40 + total);
	assert_true(ip_csum_ok(ip));
	assert_int_equal(rd16(ip + 4), 5); /* the first segment's id */
	assert_int_equal(rd16(flat + 34 + 16), phdr4(ip)); /* partial */
	for (i = 0; i < total; i++)
		if (flat[54 + i] != pay(i))
			fail_msg("payload byte %u", i);
	/* the header we will write, and that the kernel-side check accepts */
	assert_int_equal(vs_vnet_hdr_from_mbuf(pkts[0], &h), 0);
	assert_int_equal(h.gso_type, VS_VNET_GSO_TCPV4);
	assert_int_equal(h.gso_size, MSS);
	assert_int_equal(h.hdr_len, 54);
	assert_int_equal(parse_exact(&h, flat, len, &vi), 0);
	assert_int_equal(vi.segs, NSEG);
	/* completing the partial sum gives the checksum of the whole */
	{
		uint32_t s;

		wr16(flat + 34 + 16, 0);
		s = fold16(sum16(ip + 20, len - 34, phdr4(ip)));
		wr16(flat + 34 + 16, (uint16_t)~s);
		assert_true(l4_csum_ok(ip, ip + 20, len - 34));
	}
}

/* A gap, a PSH segment and a second flow: GRO keeps them apart. */
static void
test_gro_runs(void **state)
{
	struct rte_gro_param p = {
		.gro_types = RTE_GRO_TCP_IPV4,
		.max_flow_num = 64,
		.max_item_per_flow = 64,
	};
	struct rte_mbuf *pkts[8];
	uint8_t f[1600];
	uint32_t len;
	unsigned int i, k = 0;
	uint16_t n, segs_total = 0;

	(void)state;
	/* flow A: 1000, 2448, (gap) 5344 ; flow B (other port): 2 in order */
	len = build_tcp4(f, 0, 1000, MSS, 0x10, 1, 0, true);
	assert_true(prep_frame(k, f, len, 0));
	pkts[k] = &segs[k].m;
	k++;
	len = build_tcp4(f, 0, 1000 + MSS, MSS, 0x10, 2, 0, true);
	assert_true(prep_frame(k, f, len, 0));
	pkts[k] = &segs[k].m;
	k++;
	len = build_tcp4(f, 0, 1000 + 3 * MSS, MSS, 0x10, 4, 0, true);
	assert_true(prep_frame(k, f, len, 0));
	pkts[k] = &segs[k].m;
	k++;
	for (i = 0; i < 2; i++) {
		len = build_tcp4(f, 0, 9000 + i * 500, 500, 0x10, 9, 0, true);
		f[34 + 1] ^= 1; /* destination port 5200 */
		f[34 + 16] = 0;
		f[34 + 17] = 0;
		l4_fill_csum(f + 14, 16);
		assert_true(prep_frame(k, f, len, 0));
		pkts[k] = &segs[k].m;
		k++;
	}
	n = rte_gro_reassemble_burst(pkts, (uint16_t)k, &p);
	assert_int_equal(n, 3);
	for (i = 0; i < n; i++)
		segs_total = (uint16_t)(segs_total + vs_vnet_gro_done(pkts[i]));
	assert_int_equal(segs_total, 5);
	/* the single one is a verified frame handed on as partial */
	for (i = 0; i < n; i++) {
		if (pkts[i]->nb_segs == 1) {
			assert_false(pkts[i]->ol_flags & RTE_MBUF_F_TX_TCP_SEG);
			assert_int_equal(pkts[i]->ol_flags &
						 RTE_MBUF_F_TX_L4_MASK,
					 RTE_MBUF_F_TX_TCP_CKSUM);
		} else {
			assert_true(pkts[i]->ol_flags & RTE_MBUF_F_TX_TCP_SEG);
		}
	}
}

static void
test_mark_partial(void **state)
{
	struct tmbuf t;
	uint8_t f[200];
	uint32_t len;
	struct rte_mbuf *m;

	(void)state;
	len = build_tcp4(f, 0, 1000, 100, 0x18, 1, 0, false);
	m = tm_frame(&t, f, len);
	assert_true(vs_vnet_mark_partial(m, 14, 20, 6, len - 34));
	assert_int_equal(m->ol_flags & RTE_MBUF_F_TX_L4_MASK,
			 RTE_MBUF_F_TX_TCP_CKSUM);
	assert_true(m->ol_flags & RTE_MBUF_F_TX_IPV4);
	len = build_tcp4(f, 0, 1000, 100, 0x18, 1, 0, true);
	m = tm_frame(&t, f, len);
	assert_false(vs_vnet_mark_partial(m, 14, 20, 6, len - 34));
	assert_int_equal(m->ol_flags, 0);
	/* UDP: partial marked, 0 (no checksum) left alone */
	len = build_tcp4(f, 0, 1000, 100, 0x18, 1, 0, false);
	f[14 + 9] = 17;
	ip_fill_csum(f + 14);
	wr16(f + 34 + 6, phdr4(f + 14));
	m = tm_frame(&t, f, len);
	assert_true(vs_vnet_mark_partial(m, 14, 20, 17, len - 34));
	assert_int_equal(m->ol_flags & RTE_MBUF_F_TX_L4_MASK,
			 RTE_MBUF_F_TX_UDP_CKSUM);
	wr16(f + 34 + 6, 0);
	m = tm_frame(&t, f, len);
	assert_false(vs_vnet_mark_partial(m, 14, 20, 17, len - 34));
	/* too short for the header */
	m = tm_frame(&t, f, len);
	assert_false(vs_vnet_mark_partial(m, 14, 20, 6, 19));
	assert_false(vs_vnet_mark_partial(m, 14, 20, 1, 100));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_err_names),
		cmocka_unit_test(test_parse_tso4),
		cmocka_unit_test(test_parse_tso4_one_segment),
		cmocka_unit_test(test_parse_64k),
		cmocka_unit_test(test_parse_partial),
		cmocka_unit_test(test_parse_partial_ipv6),
		cmocka_unit_test(test_parse_bad_headers),
		cmocka_unit_test(test_parse_lying_frames),
		cmocka_unit_test(test_parse_short_head),
		cmocka_unit_test(test_info_to_mbuf),
		cmocka_unit_test(test_hdr_from_mbuf),
		cmocka_unit_test(test_csum_complete_chain),
		cmocka_unit_test(test_csum_complete_udp_zero),
		cmocka_unit_test(test_seg_finish),
		cmocka_unit_test(test_gro_candidates),
		cmocka_unit_test(test_gro_merge),
		cmocka_unit_test(test_gro_runs),
		cmocka_unit_test(test_mark_partial),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
