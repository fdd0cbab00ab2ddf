/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fast path (vs_pkt_parse_fast) against the generic parser
 * (vs_pkt_parse_head), on many generated frames: every frame the fast path
 * takes must be one the generic parser classes VS_PKT_VIP with the very
 * same result, field by field; every frame the rule below names must be
 * taken (or the fast path is silently slow); no other frame may be.
 *
 * The rule, written here from the bytes, not from the code under test:
 * at least 38 bytes in the first segment (and the packet), bytes 12-13
 * 08 00, byte 14 0x45, no MF flag and offset 0 in bytes 20-21, protocol
 * (byte 23) 6 or 17, a total length (bytes 16-17) from 24 to the packet's
 * length - 14, a destination (bytes 30-33) that is a VIP.
 *
 * Frames: random combinations of the edge cases (VLAN and QinQ tags, ARP,
 * IPv6, other versions and IHLs, fragments and DF, other protocols, total
 * lengths around every bound, VIPs and their neighbours, short frames,
 * segments shorter or longer than the packet), every truncation of TCP and
 * UDP frames to a VIP, and every value of each header byte the rule reads.
 * Each is parsed from an exact-size heap copy (ASan: no overread).
 */
#include "vs_test.h"
#include "vs_pkt.h"

#define N_RANDOM 300000

static const uint32_t vip_h[] = {T_VIP_H, T_VIP_H + 1, 0x0a141e28u,
				 0x0a000001u};
static const unsigned int vip_slot[] = {3, 0, 63, 17};
static struct vs_vipmap vm;
static unsigned long n_fast, n_checked;

static int
setup(void **state)
{
	unsigned int i;

	(void)state;
	vs_vipmap_init(&vm);
	for (i = 0; i < RTE_DIM(vip_h); i++)
		if (vs_vipmap_add(&vm, t_net32(vip_h[i]), vip_slot[i]) != 0)
			return -1;
	return 0;
}

static uint32_t
rd16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static bool
is_vip(const uint8_t *p)
{
	uint32_t a = rd16(p) << 16 | rd16(p + 2);
	unsigned int i;

	for (i = 0; i < RTE_DIM(vip_h); i++)
		if (a == vip_h[i])
			return true;
	return false;
}

/* The rule of the header comment. */
static bool
rule(const uint8_t *f, uint32_t seg_len, uint32_t pkt_len)
{
	uint32_t tot;

	if (seg_len > pkt_len)
		seg_len = pkt_len;
	if (seg_len < 38)
		return false;
	tot = rd16(f + 16);
	return f[12] == 0x08 && f[13] == 0x00 && f[14] == 0x45 &&
	       (rd16(f + 20) & 0x3fff) == 0 && (f[23] == 6 || f[23] == 17) &&
	       tot >= 24 && tot <= pkt_len - 14 && is_vip(f + 30);
}

/* One frame of pkt_len bytes of which the first seg_len are in the
 * segment (seg_len may exceed pkt_len: the parsers clamp it). */
static void
check(const uint8_t *frame, uint32_t seg_len, uint32_t pkt_len)
{
	uint32_t have = seg_len < pkt_len ? seg_len : pkt_len;
	struct vs_pkt_info fast, gen;
	uint8_t *c = malloc(have ? have : 1);
	bool took, want;
	int cls;

	assert_non_null(c);
	memcpy(c, frame, have);
	memset(&fast, 0xa5, sizeof(fast));
	memset(&gen, 0x5a, sizeof(gen));
	/* the exact-size copy holds only the segment's bytes */
	took = vs_pkt_parse_fast(c, have, pkt_len, &vm, &fast);
	cls = vs_pkt_parse_head(c, have, pkt_len, &vm, &gen);
	want = rule(c, have, pkt_len);
	if (took != want)
		fail_msg("fast path %s a frame the rule %s (seg %u pkt %u)",
			 took ? "took" : "left", want ? "takes" : "leaves",
			 seg_len, pkt_len);
	/* the generic parser's own view of the rule */
	if (cls == VS_PKT_VIP && gen.ethertype == 0x0800 && gen.vlans == 0 &&
	    gen.l3_len == 20 && (gen.proto == 6 || gen.proto == 17) &&
	    gen.flags == VS_PKT_F_L4_PORTS)
		assert_true(took);
	if (took) {
		assert_int_equal(cls, VS_PKT_VIP);
		assert_int_equal(fast.cls, gen.cls);
		assert_int_equal(fast.key.saddr, gen.key.saddr);
		assert_int_equal(fast.key.sport, gen.key.sport);
		assert_int_equal(fast.key.dport, gen.key.dport);
		assert_int_equal(fast.l2_len, gen.l2_len);
		assert_int_equal(fast.l3_len, gen.l3_len);
		assert_int_equal(fast.ip_len, gen.ip_len);
		assert_int_equal(fast.ethertype, gen.ethertype);
		assert_int_equal(fast.proto, gen.proto);
		assert_int_equal(fast.flags, gen.flags);
		assert_int_equal(fast.vlans, gen.vlans);
		assert_int_equal(fast.drop, gen.drop);
		assert_int_equal(fast.vip, gen.vip);
		n_fast++;
	}
	n_checked++;
	free(c);
}

/* Both segmentations a frame of len bytes can take here: whole, and cut
 * at a random point (the packet longer than the segment). */
static void
check_both(const struct tframe *f, uint32_t len)
{
	check(f->b, len, len);
	check(f->b, t_rand32() % (len + 1), len);
	check(f->b, len + 1 + t_rand32() % 64, len); /* clamped */
}

/* Mostly the fast path's value (3 in 4), else one of the edge cases. */
static uint32_t
pick(uint32_t usual, const uint32_t *edge, unsigned int n)
{
	if (t_rand32() % 4)
		return usual;
	if (t_rand32() % 8 == 0)
		return t_rand32();
	return edge[t_rand32() % n];
}

/* A frame from random choices among the edge cases; its length. */
static uint32_t
random_frame(struct tframe *f)
{
	static const uint16_t tag_1q[] = {0x8100};
	static const uint16_t tag_qinq[] = {0x88a8, 0x8100};
	static const uint16_t tag_3[] = {0x88a8, 0x8100, 0x8100};
	static const uint32_t ets[] = {0x0806, 0x86dd, 0x0801, 0x0008,
				       0x8100};
	static const uint32_t versions[] = {0, 6, 5, 15};
	static const uint32_t ihls[] = {4, 6, 15, 0, 1};
	static const uint32_t frags[] = {0x4000, 0x2000, 0x0001, 0x1fff,
					 0x8000, 0x6000, 0x4001, 0xa000};
	static const uint32_t protos[] = {17, 132, 33, 136, 50, 51, 1, 0, 255};
	static const uint32_t dsts[] = {T_VIP_H + 1, 0x0a141e28u, 0x0a000001u,
					T_VIP_H + 2, T_VIP_H - 1, T_HOST_H,
					0, 0x0a141e29u};
	static const uint32_t sizes[] = {0, 1, 2};
	const uint16_t *tags = NULL;
	unsigned int ntags = pick(0, sizes, RTE_DIM(sizes)) % 4;
	uint32_t et, ihl, tot, len, version;
	uint8_t proto;

	if (ntags == 1)
		tags = tag_1q;
	else if (ntags == 2)
		tags = tag_qinq;
	else if (ntags == 3)
		tags = tag_3;
	et = pick(0x0800, ets, RTE_DIM(ets)) & 0xffff;
	tf_eth(f, t_mac_cluster, t_mac_client, tags, ntags, (uint16_t)et);
	if (et == 0x0806) {
		tf_arp(f, 1, 0x0800, 6, 4, 1, t_mac_client, T_CLIENT_H,
		       t_mac_bcast, pick(T_VIP_H, dsts, RTE_DIM(dsts)));
		tf_pad(f, 60);
		return f->len;
	}
	version = pick(4, versions, RTE_DIM(versions)) & 0xf;
	ihl = pick(5, ihls, RTE_DIM(ihls)) & 0xf;
	proto = (uint8_t)pick(6, protos, RTE_DIM(protos));
	tf_ipv4(f, (uint8_t)version, (uint8_t)ihl,
		(uint16_t)pick(0, frags, RTE_DIM(frags)), proto, t_rand32(),
		pick(T_VIP_H, dsts, RTE_DIM(dsts)));
	if (proto == 6 || proto == 17 || proto == 132 || proto == 33 ||
	    proto == 136)
		tf_l4_ports(f, proto, (uint16_t)t_rand32(),
			    (uint16_t)t_rand32());
	else
		tf_fill(f, (uint8_t)t_rand32(), t_rand32() % 12);
	tf_fill(f, 0xee, t_rand32() % 4 ? 0 : t_rand32() % 40);
	tf_ipv4_done(f);
	tot = f->len - f->ip_off;
	/* total length: right, or around the bounds */
	switch (t_rand32() % 8) {
	case 0:
		tot = 20 + t_rand32() % 8; /* 20..27: around 24 */
		break;
	case 1:
		tot += t_rand32() % 3; /* beyond the frame by 0..2 */
		break;
	case 2:
		tot = t_rand32() % 65536;
		break;
	case 3:
		tot -= t_rand32() % (tot + 1);
		break;
	default:
		break;
	}
	tf_ipv4_set_tot(f, (uint16_t)tot);
	/* Ethernet pads to 60; sometimes the frame is cut short */
	if (t_rand32() % 2)
		tf_pad(f, 60);
	len = f->len;
	if (t_rand32() % 8 == 0)
		len = t_rand32() % (len + 1);
	return len;
}

static void
test_random(void **state)
{
	struct tframe f;
	unsigned int i;

	(void)state;
	n_fast = n_checked = 0;
	for (i = 0; i < N_RANDOM; i++)
		check_both(&f, random_frame(&f));
	/* the mix reached both sides of every test (most frames are not
	 * fast: the fast ones must still be many) */
	printf("# %lu parses, %lu taken by the fast path\n", n_checked, n_fast);
	assert_true(n_fast > N_RANDOM / 20);
	assert_true(n_fast < n_checked / 2);
}

/* TCP and UDP to each VIP: every prefix, as one segment and as a head
 * whose packet is whole. */
static void
test_truncation(void **state)
{
	struct tframe f;
	unsigned int v, p, len;
	static const uint8_t protos[] = {6, 17};

	(void)state;
	n_fast = 0;
	for (v = 0; v < RTE_DIM(vip_h); v++)
		for (p = 0; p < RTE_DIM(protos); p++) {
			tf_eth(&f, t_mac_cluster, t_mac_client, NULL, 0,
			       0x0800);
			tf_ipv4(&f, 4, 5, 0x4000, protos[p], T_CLIENT_H,
				vip_h[v]);
			tf_l4_ports(&f, protos[p], 40000, 443);
			tf_ipv4_done(&f);
			for (len = 0; len <= f.len; len++) {
				check(f.b, len, len);
				check(f.b, len, f.len);
			}
			/* whole: taken, with the VIP's slot */
			{
				struct vs_pkt_info pi;

				assert_true(vs_pkt_parse_fast(f.b, f.len, f.len,
							      &vm, &pi));
				assert_int_equal(pi.vip, vip_slot[v]);
				assert_int_equal(pi.key.saddr, T_CLIENT_H);
				assert_int_equal(pi.key.sport, t_raw16(40000));
				assert_int_equal(pi.key.dport, t_raw16(443));
			}
		}
	assert_true(n_fast > 0);
}

/* Every value of every byte the rule reads (12-37), in a TCP frame to a
 * VIP padded to 60 bytes and in one that ends with its ports. */
static void
test_bytes(void **state)
{
	struct tframe f;
	unsigned int pad, off, v;

	(void)state;
	for (pad = 0; pad < 2; pad++) {
		tf_eth(&f, t_mac_cluster, t_mac_client, NULL, 0, 0x0800);
		tf_ipv4(&f, 4, 5, 0, 17, T_CLIENT_H, T_VIP_H);
		tf_be16(&f, 53);
		tf_be16(&f, 5353);
		tf_ipv4_done(&f);
		if (pad)
			tf_pad(&f, 60);
		for (off = 12; off < 38; off++) {
			uint8_t keep = f.b[off];

			for (v = 0; v < 256; v++) {
				f.b[off] = (uint8_t)v;
				check(f.b, f.len, f.len);
			}
			f.b[off] = keep;
		}
	}
}

/* VIPs whose addresses share a bucket of the map, so that all but the
 * first sit further along its chain (a lookup that stopped at the first
 * bucket would miss them): each is taken, with its slot and the generic
 * parser's result; an address of the same bucket that is no VIP is not. */
static void
test_chain(void **state)
{
	enum { N_CHAIN = 5 };
	struct vs_vipmap cm;
	uint32_t addr[N_CHAIN + 1]; /* host order; the last is no VIP */
	struct tframe f;
	unsigned int i, k;

	(void)state;
	vs_vipmap_init(&cm);
	for (i = 0; i <= N_CHAIN; i++) {
		do {
			addr[i] = t_rand32();
			for (k = 0; k < i && addr[k] != addr[i]; k++)
				;
		} while (addr[i] == 0 || k < i ||
			 (i && vs_vipmap_bucket(t_net32(addr[i])) !=
				       vs_vipmap_bucket(t_net32(addr[0]))));
		if (i < N_CHAIN)
			assert_int_equal(
				vs_vipmap_add(&cm, t_net32(addr[i]), 10 + i),
				0);
	}
	for (i = 0; i <= N_CHAIN; i++) {
		struct vs_pkt_info fast, gen;
		bool took;

		tf_eth(&f, t_mac_cluster, t_mac_client, NULL, 0, 0x0800);
		tf_ipv4(&f, 4, 5, 0, 6, T_CLIENT_H, addr[i]);
		tf_l4_ports(&f, 6, 40000 + i, 443);
		tf_ipv4_done(&f);
		took = vs_pkt_parse_fast(f.b, f.len, f.len, &cm, &fast);
		assert_int_equal(took, i < N_CHAIN);
		if (!took)
			continue;
		assert_int_equal(vs_pkt_parse_head(f.b, f.len, f.len, &cm,
						   &gen),
				 VS_PKT_VIP);
		assert_int_equal(fast.vip, 10 + i);
		assert_int_equal(gen.vip, 10 + i);
		assert_int_equal(fast.key.saddr, gen.key.saddr);
		assert_int_equal(fast.key.sport, gen.key.sport);
		assert_int_equal(fast.ip_len, gen.ip_len);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_chain),
	};

	t_seed("test_fast");
	return cmocka_run_group_tests_name("fast", tests, setup, NULL);
}
