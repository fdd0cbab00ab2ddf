/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Partition property: with one ownership set per node, every flow is
 * accepted by exactly one node, for every N, mode and compat, under random
 * hash_init. Plus: node always in 1..N up to 64, spread roughly even, and
 * the hash ignores what the mode says it ignores.
 */
#include "vs_test.h"
#include "vs_hash.h"

#define TUPLES_PER_CFG 100000u /* per (N, mode, compat), N = 1..16 */
#define TUPLES_BIG 4000u       /* per (N, mode, compat), N = 17..64 */

static unsigned long total_checked;

static void
partition(unsigned int n, unsigned int mode, unsigned int compat,
	  unsigned int tuples)
{
	struct vs_own own[VS_MAX_NODES + 1];
	uint64_t masks[VS_MAX_NODES + 1];
	unsigned long count[VS_MAX_NODES + 1] = {0};
	struct vs_hash_cfg cfg = {
		.vip = t_net32(T_VIP_H),
		.hash_init = t_rand32(),
		.total_nodes = (uint16_t)n,
		.mode = (uint8_t)mode,
		.compat = (uint8_t)compat,
	};
	unsigned int i, j, node, owners;
	double expect;

	/* node j's machine holds only node j */
	for (j = 1; j <= n; j++) {
		assert_int_equal(vs_own_init(&own[j], n, 0), 0);
		assert_int_equal(vs_own_add(&own[j], j), 0);
		masks[j] = vs_own_load(&own[j]);
	}
	for (i = 0; i < tuples; i++) {
		uint64_t r = t_rand64();
		struct vs_flow_key k = {
			.saddr = (uint32_t)r,
			.sport = (uint16_t)(r >> 32),
			.dport = (uint16_t)(r >> 48),
		};
		struct vs_flow_key k2 = k;

		node = vs_hash_node(&cfg, &k);
		if (node < 1 || node > n)
			fail_msg("N %u mode %u compat %u init 0x%08x: node %u",
				 n, mode, compat, cfg.hash_init, node);
		owners = 0;
		for (j = 1; j <= n; j++)
			owners += vs_own_has(masks[j], node);
		if (owners != 1)
			fail_msg("N %u mode %u compat %u init 0x%08x key "
				 "0x%08x/%04x/%04x: %u owners",
				 n, mode, compat, cfg.hash_init, k.saddr,
				 k.sport, k.dport, owners);
		count[node]++;
		/* what the mode ignores must not move the flow */
		if (compat == VS_COMPAT_NFT || mode == VS_HASH_SIP) {
			k2.sport = (uint16_t)t_rand32();
			k2.dport = (uint16_t)t_rand32();
		} else if (mode == VS_HASH_SIP_SPT) {
			k2.dport = (uint16_t)t_rand32();
		}
		if ((i & 7) == 0)
			assert_int_equal(vs_hash_node(&cfg, &k2), node);
	}
	/* every node gets its share (loose: > 20 sigma at the sizes used) */
	expect = (double)tuples / n;
	if (expect >= 1000)
		for (j = 1; j <= n; j++)
			if (count[j] < expect * 0.8 || count[j] > expect * 1.2)
				fail_msg("N %u mode %u compat %u: node %u got "
					 "%lu of %u",
					 n, mode, compat, j, count[j], tuples);
	total_checked += tuples;
}

static void
test_partition_16(void **state)
{
	unsigned int n, mode, compat;

	(void)state;
	for (compat = 0; compat < 2; compat++)
		for (mode = 0; mode < 3; mode++)
			for (n = 1; n <= 16; n++)
				partition(n, mode, compat, TUPLES_PER_CFG);
	print_message("# %lu tuples checked\n", total_checked);
}

static void
test_partition_64(void **state)
{
	unsigned int n, mode, compat;

	(void)state;
	for (compat = 0; compat < 2; compat++)
		for (mode = 0; mode < 3; mode++)
			for (n = 17; n <= VS_MAX_NODES; n++)
				partition(n, mode, compat, TUPLES_BIG);
}

/* Multiply-shift, not modulo: extremes of the hash map to 1 and N. */
static void
test_node_of(void **state)
{
	unsigned int n, i;

	(void)state;
	for (n = 1; n <= VS_MAX_NODES; n++) {
		assert_int_equal(vs_hash_node_of(0, n), 1);
		assert_int_equal(vs_hash_node_of(UINT32_MAX, n), n);
		/* bucket j starts at ceil(j * 2^32 / n) */
		for (i = 1; i < n; i++) {
			uint64_t start = ((uint64_t)i << 32) / n +
					 ((((uint64_t)i << 32) % n) != 0);

			assert_int_equal(vs_hash_node_of((uint32_t)start, n),
					 i + 1);
			assert_int_equal(
				vs_hash_node_of((uint32_t)(start - 1), n), i);
		}
	}
	/* 2 nodes: the top bit decides, where modulo would use the low bit */
	assert_int_equal(vs_hash_node_of(0x7fffffffu, 2), 1);
	assert_int_equal(vs_hash_node_of(0x80000000u, 2), 2);
	assert_int_equal(vs_hash_node_of(0x00000001u, 2), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_node_of),
		cmocka_unit_test(test_partition_16),
		cmocka_unit_test(test_partition_64),
	};

	t_seed("test_partition");
	return cmocka_run_group_tests_name("partition", tests, NULL, NULL);
}
