/* SPDX-License-Identifier: BSD-3-Clause */
/* vs_util_parse_u32, vs_util_parse_ipv4, hash mode and compat names. */
#include <errno.h>

#include "vs_test.h"
#include "vs_hash.h"
#include "vs_util.h"

static void
test_parse_u32(void **state)
{
	static const struct {
		const char *s;
		uint32_t v;
	} good[] = {
		{"0", 0},
		{"1", 1},
		{"42", 42},
		{"007", 7},
		{"010", 10},
		{"4294967295", UINT32_MAX},
		{"0x0", 0},
		{"0x1", 1},
		{"0xffffffff", UINT32_MAX},
		{"0XFFFFFFFF", UINT32_MAX},
		{"0xdeadBEEF", 0xdeadbeef},
		{"0x00000000ffffffff", UINT32_MAX},
		{"00000000000000000000000000012", 12},
	};
	static const char *const bad[] = {
		"",
		"-1",
		"+1",
		" 1",
		"1 ",
		"\t1",
		"1\n",
		"0x",
		"0X",
		"x1",
		"0x ",
		"0x-1",
		"0x+1",
		"0x 1",
		"4294967296",
		"0x100000000",
		"18446744073709551615",
		"18446744073709551616",
		"99999999999999999999999",
		"1.5",
		"1e3",
		"abc",
		"0xg",
		"0x1g",
		"12a",
		"-0",
		"--1",
		"0b1",
		"1,000",
	};
	unsigned int i;
	uint32_t v;

	(void)state;
	for (i = 0; i < RTE_DIM(good); i++) {
		v = 0x5a5a5a5a;
		if (vs_util_parse_u32(good[i].s, &v) != 0 || v != good[i].v)
			fail_msg("'%s' -> %u, want %u", good[i].s, v,
				 good[i].v);
	}
	for (i = 0; i < RTE_DIM(bad); i++) {
		char *s = strdup(bad[i]);

		assert_non_null(s);
		if (vs_util_parse_u32(s, &v) != -EINVAL)
			fail_msg("accepted '%s' (-> %u)", bad[i], v);
		free(s);
	}
	assert_int_equal(vs_util_parse_u32(NULL, &v), -EINVAL);
	/* random round trips, decimal and hex */
	for (i = 0; i < 20000; i++) {
		uint32_t x = t_rand32() >> (t_rand32() & 31);
		char b[32];

		snprintf(b, sizeof(b), (i & 1) ? "0x%x" : "%u", x);
		assert_int_equal(vs_util_parse_u32(b, &v), 0);
		assert_int_equal(v, x);
	}
}

static void
test_parse_ipv4(void **state)
{
	static const struct {
		const char *s;
		uint32_t host;
	} good[] = {
		{"192.168.100.100", 0xC0A86464}, {"0.0.0.0", 0},
		{"255.255.255.255", 0xffffffff}, {"10.0.0.1", 0x0A000001},
		{"1.2.3.4", 0x01020304},
	};
	static const char *const bad[] = {
		"",          "1.2.3",     "1.2.3.4.5",  "256.0.0.1",
		"1.2.3.256", " 1.2.3.4",  "1.2.3.4 ",   "1.2.3.4\n",
		"1..2.3",    "1.2.3.",    ".1.2.3",     "a.b.c.d",
		"1.2.3.-4",  "0x1.2.3.4", "1.2.3.4/24", "1.2.3.4:80",
		"::1",       "1234",      "01.2.3.4",   "-1.2.3.4",
	};
	unsigned int i;
	uint32_t v;

	(void)state;
	for (i = 0; i < RTE_DIM(good); i++) {
		v = 0x5a5a5a5a;
		if (vs_util_parse_ipv4(good[i].s, &v) != 0)
			fail_msg("rejected '%s'", good[i].s);
		/* network order: first octet in the first byte */
		assert_int_equal(v, t_net32(good[i].host));
	}
	for (i = 0; i < RTE_DIM(bad); i++)
		if (vs_util_parse_ipv4(bad[i], &v) != -EINVAL)
			fail_msg("accepted '%s'", bad[i]);
	assert_int_equal(vs_util_parse_ipv4(NULL, &v), -EINVAL);
}

static void
test_mode_compat(void **state)
{
	static const char *const modes[] = {
		"sourceip",
		"sourceip-sourceport",
		"sourceip-sourceport-destport",
	};
	static const char *const bad_modes[] = {
		"",
		"SourceIP",
		"sourceip ",
		" sourceip",
		"sourceip-",
		"sourceip-sourceport-",
		"sourceip-sourceport-destport-x",
		"foo",
		"0",
		"1",
		"sourceport",
		"sourceip-destport",
		"sourceip\n",
	};
	static const char *const bad_compat[] = {
		"",  "x", "NFT",      "nft ",     "clusterip ", "Clusterip",
		"0", "1", "iptables", "nftables", "xt_cluster",
	};
	unsigned int i;

	(void)state;
	assert_int_equal(VS_HASH_SIP, 0);
	assert_int_equal(VS_HASH_SIP_SPT, 1);
	assert_int_equal(VS_HASH_SIP_SPT_DPT, 2);
	for (i = 0; i < RTE_DIM(modes); i++) {
		assert_int_equal(vs_hash_mode_parse(modes[i]), (int)i);
		assert_string_equal(vs_hash_mode_name(i), modes[i]);
	}
	assert_string_equal(vs_hash_mode_name(3), "?");
	assert_string_equal(vs_hash_mode_name(UINT32_MAX), "?");
	for (i = 0; i < RTE_DIM(bad_modes); i++)
		if (vs_hash_mode_parse(bad_modes[i]) != -EINVAL)
			fail_msg("mode '%s' accepted", bad_modes[i]);

	assert_int_equal(vs_hash_compat_parse("clusterip"),
			 VS_COMPAT_CLUSTERIP);
	assert_int_equal(vs_hash_compat_parse("nft"), VS_COMPAT_NFT);
	assert_string_equal(vs_hash_compat_name(VS_COMPAT_CLUSTERIP),
			    "clusterip");
	assert_string_equal(vs_hash_compat_name(VS_COMPAT_NFT), "nft");
	assert_string_equal(vs_hash_compat_name(2), "?");
	for (i = 0; i < RTE_DIM(bad_compat); i++)
		if (vs_hash_compat_parse(bad_compat[i]) != -EINVAL)
			fail_msg("compat '%s' accepted", bad_compat[i]);
}

/*
 * strtoull(base 16) takes an optional "0x" of its own: "0x0x10" once parsed
 * as 16. "Whole string" means these must be rejected.
 */
static void
test_double_0x(void **state)
{
	static const char *const bad[] = {"0x0x10", "0X0x1", "0x0X1"};
	unsigned int i;
	uint32_t v;

	(void)state;
	for (i = 0; i < RTE_DIM(bad); i++) {
		v = 0;
		if (vs_util_parse_u32(bad[i], &v) != -EINVAL)
			fail_msg("accepted '%s' (-> %u)", bad[i], v);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_u32),
		cmocka_unit_test(test_parse_ipv4),
		cmocka_unit_test(test_mode_compat),
		cmocka_unit_test(test_double_0x),
	};

	t_seed("test_util");
	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
