/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vs_arp: replies to requests for the VIP, sender rewrite of host ARP,
 * gratuitous ARP, cluster MAC derivation and parsing (test_igmp: the
 * MAC's IPv4 group). Built with ASan/UBSan;
 * frames are exact-size heap copies.
 */
#include "vs_test.h"
#include "vs_arp.h"
#include "vs_pkt.h"

static const uint8_t zero6[6];
static const uint16_t tag_1q[] = {0x8100};
static const uint16_t tag_qinq[] = {0x88a8, 0x8100};

static struct vs_arp_cfg cfg;

static int
setup(void **state)
{
	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.vip = t_net32(T_VIP_H);
	memcpy(cfg.cluster_mac.addr_bytes, t_mac_cluster, 6);
	memcpy(cfg.nic_mac.addr_bytes, t_mac_nic, 6);
	return 0;
}

/* An ARP frame, padded to 60 bytes (+ tags) with a recognisable filler. */
static void
arp_frame(struct tframe *f, const uint16_t *tags, unsigned int ntags,
	  const uint8_t edst[6], const uint8_t esrc[6], uint16_t op,
	  const uint8_t sha[6], uint32_t sip, const uint8_t tha[6],
	  uint32_t tip)
{
	tf_eth(f, edst, esrc, tags, ntags, 0x0806);
	tf_arp(f, 1, 0x0800, 6, 4, op, sha, sip, tha, tip);
	while (f->len < 60 + 4 * ntags)
		tf_u8(f, 0xc5);
}

static uint8_t *
heap_copy(const struct tframe *f, uint32_t len)
{
	uint8_t *b = malloc(len);

	if (b == NULL && len)
		abort();
	memcpy(b, f->b, len);
	return b;
}

static uint16_t
be16_at(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
be32_at(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void
check_reply(unsigned int ntags, const uint16_t *tags)
{
	const uint32_t l2 = 14 + 4 * ntags;
	struct tframe f, want;
	uint8_t *b, *a;
	unsigned int i;

	arp_frame(&f, tags, ntags, t_mac_bcast, t_mac_client, 1, t_mac_client,
		  T_CLIENT_H, zero6, T_VIP_H);
	b = heap_copy(&f, f.len);
	assert_int_equal(vs_arp_input(&cfg, b, f.len, (uint16_t)l2),
			 VS_ARP_REPLY);
	/* Ethernet */
	assert_memory_equal(b, t_mac_client, 6);  /* dst = requester */
	assert_memory_equal(b + 6, t_mac_nic, 6); /* src = our NIC */
	for (i = 0; i < ntags; i++) {             /* tags intact */
		assert_int_equal(be16_at(b + 12 + 4 * i), tags[i]);
		assert_int_equal(be16_at(b + 14 + 4 * i), 10 + i);
	}
	assert_int_equal(be16_at(b + l2 - 2), 0x0806);
	/* ARP */
	a = b + l2;
	assert_int_equal(be16_at(a), 1);          /* htype Ethernet */
	assert_int_equal(be16_at(a + 2), 0x0800); /* ptype IPv4 */
	assert_int_equal(a[4], 6);
	assert_int_equal(a[5], 4);
	assert_int_equal(be16_at(a + 6), 2);           /* reply */
	assert_memory_equal(a + 8, t_mac_cluster, 6);  /* sha = cluster MAC */
	assert_int_equal(be32_at(a + 14), T_VIP_H);    /* sip = VIP */
	assert_memory_equal(a + 18, t_mac_client, 6);  /* tha = requester */
	assert_int_equal(be32_at(a + 24), T_CLIENT_H); /* tip = requester */
	/* padding untouched */
	for (i = l2 + 28; i < f.len; i++)
		assert_int_equal(b[i], 0xc5);
	/* and the whole frame equals an independently built reply */
	arp_frame(&want, tags, ntags, t_mac_client, t_mac_nic, 2, t_mac_cluster,
		  T_VIP_H, t_mac_client, T_CLIENT_H);
	assert_int_equal(want.len, f.len);
	assert_memory_equal(b, want.b, f.len);
	free(b);
}

static void
test_input_reply(void **state)
{
	(void)state;
	check_reply(0, NULL);
	check_reply(1, tag_1q);
	check_reply(2, tag_qinq);
}

/* Frames vs_arp_input must leave alone, byte for byte. */
static void
check_input_pass(const struct tframe *f, uint16_t l2, int want)
{
	uint8_t *b = heap_copy(f, f->len);

	assert_int_equal(vs_arp_input(&cfg, b, f->len, l2), want);
	assert_memory_equal(b, f->b, f->len);
	free(b);
}

static void
test_input_pass(void **state)
{
	struct tframe f;

	(void)state;
	/* request for another address */
	arp_frame(&f, NULL, 0, t_mac_bcast, t_mac_client, 1, t_mac_client,
		  T_CLIENT_H, zero6, T_HOST_H);
	check_input_pass(&f, 14, VS_ARP_PASS);
	arp_frame(&f, tag_1q, 1, t_mac_bcast, t_mac_client, 1, t_mac_client,
		  T_CLIENT_H, zero6, T_VIP_H + 1);
	check_input_pass(&f, 18, VS_ARP_PASS);
	/* gratuitous request from the VIP itself (a peer node) */
	arp_frame(&f, NULL, 0, t_mac_bcast, t_mac_client, 1, t_mac_cluster,
		  T_VIP_H, zero6, T_VIP_H);
	check_input_pass(&f, 14, VS_ARP_PASS);
	/* a reply about the VIP is no question */
	arp_frame(&f, NULL, 0, t_mac_nic, t_mac_client, 2, t_mac_client,
		  T_CLIENT_H, t_mac_nic, T_VIP_H);
	check_input_pass(&f, 14, VS_ARP_PASS);
	/* RARP-ish opcode */
	arp_frame(&f, NULL, 0, t_mac_bcast, t_mac_client, 3, t_mac_client,
		  T_CLIENT_H, zero6, T_VIP_H);
	check_input_pass(&f, 14, VS_ARP_PASS);
}

static void
test_input_malformed(void **state)
{
	struct tframe f;
	uint32_t l;
	unsigned int t;

	(void)state;
	for (t = 0; t < 2; t++) {
		uint16_t l2 = (uint16_t)(14 + 4 * t);

		arp_frame(&f, tag_1q, t, t_mac_bcast, t_mac_client, 1,
			  t_mac_client, T_CLIENT_H, zero6, T_VIP_H);
		/* every truncation short of the 28 ARP bytes */
		for (l = 0; l < l2 + 28u; l++) {
			uint8_t *b = heap_copy(&f, l);

			assert_int_equal(vs_arp_input(&cfg, b, l, l2),
					 VS_ARP_MALFORMED);
			assert_int_equal(vs_arp_output(&cfg, b, l, l2),
					 VS_ARP_MALFORMED);
			assert_memory_equal(b, f.b, l);
			free(b);
		}
		/* exactly 28 ARP bytes, unpadded: a reply */
		{
			uint8_t *b = heap_copy(&f, l2 + 28u);

			assert_int_equal(vs_arp_input(&cfg, b, l2 + 28u, l2),
					 VS_ARP_REPLY);
			free(b);
		}
	}
	/* hlen 8, plen 16, htype 6, ptype IPv6 */
	for (t = 0; t < 4; t++) {
		uint8_t *b;

		arp_frame(&f, NULL, 0, t_mac_bcast, t_mac_client, 1,
			  t_mac_client, T_CLIENT_H, zero6, T_VIP_H);
		tf_fill(&f, 0, 40);
		switch (t) {
		case 0:
			f.b[14 + 4] = 8;
			break;
		case 1:
			f.b[14 + 5] = 16;
			break;
		case 2:
			f.b[14 + 1] = 6;
			break;
		default:
			f.b[14 + 2] = 0x86;
			f.b[14 + 3] = 0xdd;
			break;
		}
		b = heap_copy(&f, f.len);
		assert_int_equal(vs_arp_input(&cfg, b, f.len, 14),
				 VS_ARP_MALFORMED);
		assert_int_equal(vs_arp_output(&cfg, b, f.len, 14),
				 VS_ARP_MALFORMED);
		assert_memory_equal(b, f.b, f.len);
		free(b);
	}
	/* l2_len that cannot be Ethernet */
	arp_frame(&f, NULL, 0, t_mac_bcast, t_mac_client, 1, t_mac_client,
		  T_CLIENT_H, zero6, T_VIP_H);
	check_input_pass(&f, 0, VS_ARP_MALFORMED);
	check_input_pass(&f, 13, VS_ARP_MALFORMED);
	check_input_pass(&f, 40, VS_ARP_MALFORMED);
}

static void
test_output(void **state)
{
	static const uint16_t ops[2] = {1, 2};
	struct tframe f, want;
	unsigned int t, o;

	(void)state;
	for (t = 0; t < 2; t++) {
		uint16_t l2 = (uint16_t)(14 + 4 * t);

		for (o = 0; o < 2; o++) {
			uint8_t *b;

			/* host ARP from the VIP: sha rewritten, only that */
			arp_frame(&f, tag_1q, t, o ? t_mac_client : t_mac_bcast,
				  t_mac_nic, ops[o], t_mac_nic, T_VIP_H,
				  o ? t_mac_client : zero6, T_CLIENT_H);
			want = f;
			memcpy(want.b + l2 + 8, t_mac_cluster, 6);
			b = heap_copy(&f, f.len);
			assert_int_equal(vs_arp_output(&cfg, b, f.len, l2),
					 VS_ARP_REWRITTEN);
			assert_memory_equal(b, want.b, f.len);
			free(b);

			/* from the host's own address: untouched */
			arp_frame(&f, tag_1q, t, o ? t_mac_client : t_mac_bcast,
				  t_mac_nic, ops[o], t_mac_nic, T_HOST_H,
				  o ? t_mac_client : zero6, T_CLIENT_H);
			b = heap_copy(&f, f.len);
			assert_int_equal(vs_arp_output(&cfg, b, f.len, l2),
					 VS_ARP_PASS);
			assert_memory_equal(b, f.b, f.len);
			free(b);

			/* target VIP but sender not: untouched */
			arp_frame(&f, tag_1q, t, t_mac_bcast, t_mac_nic, ops[o],
				  t_mac_nic, T_HOST_H, zero6, T_VIP_H);
			b = heap_copy(&f, f.len);
			assert_int_equal(vs_arp_output(&cfg, b, f.len, l2),
					 VS_ARP_PASS);
			assert_memory_equal(b, f.b, f.len);
			free(b);
		}
		/* other opcodes from the VIP: untouched */
		arp_frame(&f, tag_1q, t, t_mac_bcast, t_mac_nic, 3, t_mac_nic,
			  T_VIP_H, zero6, T_VIP_H);
		check_input_pass(&f, l2, VS_ARP_PASS);
		{
			uint8_t *b = heap_copy(&f, f.len);

			assert_int_equal(vs_arp_output(&cfg, b, f.len, l2),
					 VS_ARP_PASS);
			assert_memory_equal(b, f.b, f.len);
			free(b);
		}
	}
}

static void
test_garp(void **state)
{
	struct tframe want;
	struct vs_pkt_info pi;
	struct vs_vipmap vm;
	uint8_t buf[80], *b;
	int r;

	(void)state;
	memset(buf, 0xee, sizeof(buf));
	r = vs_arp_build_garp(&cfg, buf, sizeof(buf));
	assert_int_equal(r, 42);
	assert_int_equal(VS_ARP_FRAME_LEN, 42);
	assert_memory_equal(buf, t_mac_bcast, 6);
	assert_memory_equal(buf + 6, t_mac_nic, 6);
	assert_int_equal(be16_at(buf + 12), 0x0806);
	assert_int_equal(be16_at(buf + 14), 1);
	assert_int_equal(be16_at(buf + 16), 0x0800);
	assert_int_equal(buf[18], 6);
	assert_int_equal(buf[19], 4);
	assert_int_equal(be16_at(buf + 20), 1);
	assert_memory_equal(buf + 22, t_mac_cluster, 6);
	assert_int_equal(be32_at(buf + 28), T_VIP_H);
	assert_memory_equal(buf + 32, zero6, 6);
	assert_int_equal(be32_at(buf + 38), T_VIP_H);
	for (r = 42; r < (int)sizeof(buf); r++)
		assert_int_equal(buf[r], 0xee);
	tf_eth(&want, t_mac_bcast, t_mac_nic, NULL, 0, 0x0806);
	tf_arp(&want, 1, 0x0800, 6, 4, 1, t_mac_cluster, T_VIP_H, zero6,
	       T_VIP_H);
	assert_memory_equal(buf, want.b, 42);
	/* the parser sees ARP for the VIP; peers' vs_arp_input let it pass */
	assert_int_equal(vs_vipmap_one(&vm, cfg.vip), 0);
	assert_int_equal(vs_pkt_parse(buf, 42, &vm, &pi), VS_PKT_ARP);
	assert_int_equal(pi.vip, 0);
	assert_int_equal(vs_arp_sender_ip(buf, pi.l2_len), cfg.vip);
	assert_int_equal(vs_arp_input(&cfg, buf, 42, 14), VS_ARP_PASS);
	assert_memory_equal(buf, want.b, 42);
	/* exact and short buffers */
	b = malloc(42);
	assert_non_null(b);
	assert_int_equal(vs_arp_build_garp(&cfg, b, 42), 42);
	assert_memory_equal(b, want.b, 42);
	free(b);
	b = malloc(41);
	assert_non_null(b);
	memset(b, 0xee, 41);
	assert_int_equal(vs_arp_build_garp(&cfg, b, 41), -ENOSPC);
	assert_int_equal(vs_arp_build_garp(&cfg, b, 0), -ENOSPC);
	free(b);
}

static void
test_default_mac(void **state)
{
	static const uint8_t want[6] = {0x01, 0x00, 0x5e, 0x28, 0x64, 0x64};
	struct rte_ether_addr mac;
	uint32_t v;
	unsigned int i;

	(void)state;
	vs_arp_default_mac(t_net32(0xC0A86464), &mac);
	assert_memory_equal(mac.addr_bytes, want, 6);
	for (i = 0; i < 100000; i++) {
		const uint8_t *m = mac.addr_bytes;

		v = i < 4 ? (uint32_t[]){0, 0xffffffffu, 0x00800000u,
					 0x7f7fffffu}[i]
			  : t_rand32();
		vs_arp_default_mac(t_net32(v), &mac);
		if (m[0] != 0x01 || m[1] != 0x00 || m[2] != 0x5e ||
		    m[3] > 0x7f ||
		    ((uint32_t)m[3] << 16 | (uint32_t)m[4] << 8 | m[5]) !=
			    (v & 0x7fffff))
			fail_msg("VIP 0x%08x -> %02x:%02x:%02x:%02x:%02x:%02x",
				 v, m[0], m[1], m[2], m[3], m[4], m[5]);
		/* multicast, not broadcast: acceptable as a cluster MAC
		 * (test_igmp: and its group maps back to it) */
		assert_true(m[0] & 1);
	}
}

static void
test_parse_mac(void **state)
{
	static const struct {
		const char *s;
		uint8_t b[6];
	} good[] = {
		{"01:00:5e:28:64:64", {0x01, 0x00, 0x5e, 0x28, 0x64, 0x64}},
		{"01:00:5E:7F:FF:FF", {0x01, 0x00, 0x5e, 0x7f, 0xff, 0xff}},
		{"01:00:5e:00:00:00", {0x01, 0x00, 0x5e, 0x00, 0x00, 0x00}},
		{"33:33:00:00:00:01", {0x33, 0x33, 0x00, 0x00, 0x00, 0x01}},
		{"03:aB:cD:eF:01:23", {0x03, 0xab, 0xcd, 0xef, 0x01, 0x23}},
		{"ff:ff:ff:ff:ff:fe", {0xff, 0xff, 0xff, 0xff, 0xff, 0xfe}},
		/* rte_ether_unformat_addr's other form */
		{"0100:5e28:6464", {0x01, 0x00, 0x5e, 0x28, 0x64, 0x64}},
	};
	static const char *const bad[] = {
		"00:11:22:33:44:55", /* unicast */
		"02:00:5e:00:00:01", /* locally administered unicast */
		"ff:ff:ff:ff:ff:ff", /* broadcast */
		"FF:FF:FF:FF:FF:FF",
		"01:00:5e:00:00",    /* five octets */
		"01:00:5e:00:00:0g", /* not hex */
		" 1:00:5e:00:00:01", /* blank */
		"01:00:5e:00:00: 1",
		"01:00:5e:00:00:01x", /* trailing */
		"01:00:5e:00:00:01 ",
		"01:00:5e:00:00:01:",
		"01:00:5e:00:00:01:02",
		"01-00-5e-00-00-01",
		"01.00.5e.00.00.01",
		"1:0:5e:0:0:1",
		"01:00:5e:00:00:+1",
		"01:00:5e:00:00:-1",
		"+1:00:5e:00:00:01",
		"0x1:00:5e:00:00:1",
		"01:00:5e:00:000:1",
		"010:0:5e:00:00:01",
		"01:00:5e::00:00:01",
		"0000:5e28:6464", /* the other form, unicast */
		"0100.5e28.6464",
		"",
		":",
	};
	struct rte_ether_addr mac;
	unsigned int i;

	(void)state;
	for (i = 0; i < RTE_DIM(good); i++) {
		memset(&mac, 0, sizeof(mac));
		if (vs_arp_parse_mac(good[i].s, &mac) != 0)
			fail_msg("rejected '%s'", good[i].s);
		assert_memory_equal(mac.addr_bytes, good[i].b, 6);
	}
	for (i = 0; i < RTE_DIM(bad); i++) {
		char *s = strdup(bad[i]); /* exact-size heap copy */

		assert_non_null(s);
		if (vs_arp_parse_mac(s, &mac) != -EINVAL)
			fail_msg("accepted '%s'", bad[i]);
		free(s);
	}
	assert_int_equal(vs_arp_parse_mac(NULL, &mac), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_input_reply),
		cmocka_unit_test(test_input_pass),
		cmocka_unit_test(test_input_malformed),
		cmocka_unit_test(test_output),
		cmocka_unit_test(test_garp),
		cmocka_unit_test(test_default_mac),
		cmocka_unit_test(test_parse_mac),
	};

	t_seed("test_arp");
	return cmocka_run_group_tests_name("arp", tests, setup, NULL);
}
