/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vs_igmp: the IGMPv2 report and the RFC 4286 MRD advertisement, byte by
 * byte against frames built here field by field; query recognition; the
 * cluster MAC -> group mapping. Built with ASan/UBSan; exact-size buffers.
 */
#include <errno.h>

#include "vs_test.h"
#include "vs_arp.h"
#include "vs_igmp.h"
#include "vs_pkt.h"

/* One's complement sum of 16-bit big-endian words, folded and inverted. */
static uint16_t
t_csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* The frame both messages are: Ethernet to dst_h's group MAC, IPv4 from
 * the VIP with Router Alert, TTL 1, then the 8-byte message. */
static void
igmp_frame(struct tframe *f, uint32_t dst_h, const uint8_t msg[8])
{
	const uint8_t dmac[6] = {0x01,
				 0x00,
				 0x5e,
				 (uint8_t)(dst_h >> 16 & 0x7f),
				 (uint8_t)(dst_h >> 8),
				 (uint8_t)dst_h};
	uint16_t ck;

	tf_eth(f, dmac, t_mac_nic, NULL, 0, 0x0800);
	f->ip_off = f->len;
	tf_u8(f, 0x46); /* version 4, IHL 6 */
	tf_u8(f, 0xc0); /* internetwork control */
	tf_be16(f, 24 + 8);
	tf_be16(f, 0); /* id */
	tf_be16(f, 0); /* no fragments */
	tf_u8(f, 1);   /* TTL */
	tf_u8(f, 2);   /* IGMP */
	tf_be16(f, 0); /* checksum, below */
	tf_be32(f, T_VIP_H);
	tf_be32(f, dst_h);
	tf_be32(f, 0x94040000); /* Router Alert */
	ck = t_csum(f->b + f->ip_off, 24);
	f->b[f->ip_off + 10] = (uint8_t)(ck >> 8);
	f->b[f->ip_off + 11] = (uint8_t)ck;
	tf_bytes(f, msg, 8);
	ck = t_csum(f->b + f->len - 8, 8);
	f->b[f->len - 6] = (uint8_t)(ck >> 8);
	f->b[f->len - 5] = (uint8_t)ck;
}

static struct rte_ether_addr nic;

static int
setup(void **state)
{
	(void)state;
	memcpy(nic.addr_bytes, t_mac_nic, 6);
	return 0;
}

static void
test_report(void **state)
{
	const uint32_t group_h = 0xEF286464; /* 239.40.100.100 */
	const uint8_t msg[8] = {0x16, 0, 0, 0, 0xef, 0x28, 0x64, 0x64};
	struct vs_pkt_info pi;
	struct vs_vipmap vm;
	struct tframe want;
	uint8_t *b;

	(void)state;
	igmp_frame(&want, group_h, msg);
	assert_int_equal(want.len, VS_IGMP_FRAME_LEN);
	b = malloc(VS_IGMP_FRAME_LEN);
	assert_non_null(b);
	assert_int_equal(vs_igmp_build_report(b, VS_IGMP_FRAME_LEN, &nic,
					      t_net32(T_VIP_H),
					      t_net32(group_h)),
			 VS_IGMP_FRAME_LEN);
	assert_memory_equal(b, want.b, want.len);
	/* an ordinary IPv4 frame to the parser, not for the VIP */
	assert_int_equal(vs_vipmap_one(&vm, t_net32(T_VIP_H)), 0);
	assert_int_equal(vs_pkt_parse(b, VS_IGMP_FRAME_LEN, &vm, &pi),
			 VS_PKT_OTHER);
	assert_int_equal(pi.proto, 2);
	assert_int_equal(pi.l3_len, 24);
	assert_false(vs_igmp_is_query(b + 14, 32, 24));
	assert_int_equal(vs_igmp_build_report(b, VS_IGMP_FRAME_LEN - 1, &nic,
					      t_net32(T_VIP_H),
					      t_net32(group_h)),
			 -ENOSPC);
	free(b);
}

static void
test_mrd_adv(void **state)
{
	/* to all-snoopers 224.0.0.106: interval, query interval 125 s,
	 * robustness 2 (RFC 4286 section 3) */
	const uint8_t msg[8] = {0x30, 20, 0, 0, 0, 125, 0, 2};
	const uint8_t snoopers[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x6a};
	struct tframe want;
	uint8_t *b;

	(void)state;
	igmp_frame(&want, 0xE000006A, msg);
	b = malloc(VS_IGMP_FRAME_LEN);
	assert_non_null(b);
	assert_int_equal(vs_igmp_build_mrd_adv(b, VS_IGMP_FRAME_LEN, &nic,
					       t_net32(T_VIP_H), 20),
			 VS_IGMP_FRAME_LEN);
	assert_memory_equal(b, want.b, want.len);
	assert_memory_equal(b, snoopers, 6);
	assert_int_equal(
		vs_igmp_build_mrd_adv(b, 0, &nic, t_net32(T_VIP_H), 20),
		-ENOSPC);
	free(b);
}

/* Queries of every version are queries; reports, short ones and other
 * protocols are not. */
static void
test_is_query(void **state)
{
	struct tframe f;
	unsigned int ihl, len;

	(void)state;
	for (ihl = 5; ihl <= 6; ihl++) {
		tf_eth(&f, t_mac_bcast, t_mac_client, NULL, 0, 0x0800);
		tf_ipv4(&f, 4, (uint8_t)ihl, 0, 2, T_ROUTER_H, 0xE0000001);
		tf_u8(&f, 0x11); /* membership query */
		tf_u8(&f, 100);
		tf_be16(&f, 0);
		tf_be32(&f, 0); /* general */
		tf_ipv4_done(&f);
		for (len = 0; len <= f.len - 14; len++) {
			uint8_t *b = malloc(len ? len : 1);

			assert_non_null(b);
			memcpy(b, f.b + 14, len);
			/* the caller has checked the IPv4 header is there */
			if (len >= ihl * 4)
				assert_int_equal(
					vs_igmp_is_query(b, len, ihl * 4),
					len >= ihl * 4 + 8);
			free(b);
		}
		f.b[f.l4_off] = 0x16; /* a report */
		assert_false(vs_igmp_is_query(f.b + 14, f.len - 14, ihl * 4));
		f.b[f.l4_off] = 0x11;
		f.b[f.ip_off + 9] = 17; /* not IGMP */
		assert_false(vs_igmp_is_query(f.b + 14, f.len - 14, ihl * 4));
	}
}

static void
test_mac_group(void **state)
{
	static const uint8_t bad[][6] = {
		{0x01, 0x00, 0x5e, 0x80, 0x00, 0x01}, /* beyond the IPv4 map */
		{0x01, 0x00, 0x5e, 0xff, 0xff, 0xff},
		{0x01, 0x00, 0x5f, 0x00, 0x00, 0x01},
		{0x33, 0x33, 0x00, 0x00, 0x00, 0x01},
		{0x00, 0x11, 0x22, 0x33, 0x44, 0x55},
		{0x03, 0x00, 0x5e, 0x00, 0x00, 0x01},
		{0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
	};
	struct rte_ether_addr mac, back;
	uint32_t g, v;
	unsigned int i;

	(void)state;
	memcpy(mac.addr_bytes, (const uint8_t[6]){1, 0, 0x5e, 0x7f, 0xff, 0xff},
	       6);
	assert_int_equal(vs_igmp_mac_group(&mac, &g), 0);
	assert_int_equal(g, t_net32(0xEF7FFFFFu));
	memcpy(mac.addr_bytes, (const uint8_t[6]){1, 0, 0x5e, 0, 0, 0}, 6);
	assert_int_equal(vs_igmp_mac_group(&mac, &g), 0);
	assert_int_equal(g, t_net32(0xEF000000u));
	for (i = 0; i < RTE_DIM(bad); i++) {
		memcpy(mac.addr_bytes, bad[i], 6);
		g = 0x12345678;
		assert_int_equal(vs_igmp_mac_group(&mac, &g), -EINVAL);
		assert_int_equal(g, 0x12345678);
	}
	/* every VIP's default cluster MAC has a group, which maps back */
	for (i = 0; i < 100000; i++) {
		v = i < 4 ? (uint32_t[]){0, 0xffffffffu, 0x00800000u,
					 0x7f7fffffu}[i]
			  : t_rand32();
		vs_arp_default_mac(t_net32(v), &mac);
		assert_int_equal(vs_igmp_mac_group(&mac, &g), 0);
		assert_int_equal(g, t_net32(0xEF000000u | (v & 0x7fffff)));
		vs_arp_default_mac(g, &back);
		assert_memory_equal(back.addr_bytes, mac.addr_bytes, 6);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report),
		cmocka_unit_test(test_mrd_adv),
		cmocka_unit_test(test_is_query),
		cmocka_unit_test(test_mac_group),
	};

	t_seed("test_igmp");
	return cmocka_run_group_tests_name("igmp", tests, setup, NULL);
}
