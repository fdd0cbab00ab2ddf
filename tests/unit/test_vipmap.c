/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The VIP map (lib/vipmap): every VIP added is found in its slot, no other
 * address is, whatever the addresses (random, consecutive, colliding in
 * their bucket) and however full; errors; removal keeps the others; the
 * probes stay short at 64 VIPs (the data path's budget).
 */
#include <errno.h>

#include <rte_common.h>

#include "vs_test.h"
#include "vs_vipmap.h"

/* A reference: linear search over what was added. */
struct ref {
	unsigned int n;
	uint32_t addr[VS_VIPMAP_MAX];
	unsigned int slot[VS_VIPMAP_MAX];
};

static unsigned int
ref_lookup(const struct ref *r, uint32_t a)
{
	unsigned int i;

	for (i = 0; i < r->n; i++)
		if (r->addr[i] == a)
			return r->slot[i];
	return VS_VIPMAP_NONE;
}

/* Every address of r is found, and 2000 others (and their neighbours,
 * and 0) give what r says. */
static void
check_against(const struct vs_vipmap *m, const struct ref *r)
{
	unsigned int i;

	assert_int_equal(m->n, r->n);
	for (i = 0; i < r->n; i++) {
		assert_int_equal(vs_vipmap_lookup(m, r->addr[i]), r->slot[i]);
		assert_int_equal(vs_vipmap_lookup(m, r->addr[i] + 1),
				 ref_lookup(r, r->addr[i] + 1));
		assert_int_equal(vs_vipmap_lookup(m, r->addr[i] ^ 0x01000000u),
				 ref_lookup(r, r->addr[i] ^ 0x01000000u));
	}
	for (i = 0; i < 2000; i++) {
		uint32_t a = t_rand32();

		assert_int_equal(vs_vipmap_lookup(m, a), ref_lookup(r, a));
	}
	assert_int_equal(vs_vipmap_lookup(m, 0), VS_VIPMAP_NONE);
}

/* n addresses: random, consecutive (network order, as VIPs of one subnet
 * are), or all in one bucket. */
static void
fill(struct vs_vipmap *m, struct ref *r, unsigned int n, int kind)
{
	bool used[VS_VIPMAP_MAX] = {false};
	unsigned int i;
	uint32_t a = 0;

	vs_vipmap_init(m);
	r->n = 0;
	for (i = 0; i < n; i++) {
		unsigned int slot;

		do
			slot = t_rand32() % VS_VIPMAP_MAX;
		while (used[slot]);
		if (kind == 0) {
			do
				a = t_rand32();
			while (a == 0 || ref_lookup(r, a) != VS_VIPMAP_NONE);
		} else if (kind == 1) {
			a = t_net32(0xc0a86400u + 10 + i);
		} else {
			/* same top byte of the product: one bucket */
			do
				a = t_rand32();
			while (a == 0 || ref_lookup(r, a) != VS_VIPMAP_NONE ||
			       (r->n && vs_vipmap_bucket(a) !=
						vs_vipmap_bucket(r->addr[0])));
		}
		assert_int_equal(vs_vipmap_add(m, a, slot), 0);
		used[slot] = true;
		r->addr[r->n] = a;
		r->slot[r->n++] = slot;
		/* the walk list is the order added */
		assert_int_equal(m->addr[i], a);
		assert_int_equal(m->slot[i], slot);
	}
}

static void
test_lookup(void **state)
{
	static const unsigned int sizes[] = {0, 1, 2, 4, 17, 63, 64};
	struct vs_vipmap m;
	struct ref r;
	unsigned int i, kind, round;

	(void)state;
	for (round = 0; round < 20; round++)
		for (kind = 0; kind < 3; kind++)
			for (i = 0; i < RTE_DIM(sizes); i++) {
				/* a full bucket chain: 8 are enough */
				if (kind == 2 && sizes[i] > 8)
					continue;
				fill(&m, &r, sizes[i], kind);
				check_against(&m, &r);
			}
}

static void
test_errors(void **state)
{
	struct vs_vipmap m;
	struct ref r;

	(void)state;
	vs_vipmap_init(&m);
	assert_int_equal(vs_vipmap_add(&m, 0, 0), -EINVAL);
	assert_int_equal(vs_vipmap_add(&m, 1, VS_VIPMAP_MAX), -EINVAL);
	assert_int_equal(vs_vipmap_add(&m, 1, VS_VIPMAP_NONE), -EINVAL);
	assert_int_equal(vs_vipmap_add(&m, 1, 3), 0);
	assert_int_equal(vs_vipmap_add(&m, 1, 4), -EEXIST); /* address */
	assert_int_equal(vs_vipmap_add(&m, 2, 3), -EEXIST); /* slot */
	assert_int_equal(m.n, 1);
	assert_int_equal(vs_vipmap_lookup(&m, 2), VS_VIPMAP_NONE);
	/* full: 64 VIPs in 64 slots, nothing more goes in */
	fill(&m, &r, VS_VIPMAP_MAX, 0);
	assert_true(vs_vipmap_add(&m, 0x0f0f0f0fu, 0) < 0);
	assert_int_equal(m.n, VS_VIPMAP_MAX);
	check_against(&m, &r);
	assert_int_equal(vs_vipmap_one(&m, 0), -EINVAL);
	assert_int_equal(vs_vipmap_one(&m, t_net32(T_VIP_H)), 0);
	assert_int_equal(vs_vipmap_lookup(&m, t_net32(T_VIP_H)), 0);
	assert_int_equal(m.n, 1);
}

/* Removing one of 64 frees its slot for another address. */
static void
test_full(void **state)
{
	struct vs_vipmap m, m2;
	unsigned int i;

	(void)state;
	vs_vipmap_init(&m);
	for (i = 0; i < VS_VIPMAP_MAX; i++)
		assert_int_equal(vs_vipmap_add(&m, t_net32(0x0a000001u + i), i),
				 0);
	assert_int_equal(vs_vipmap_copy_without(&m2, &m, t_net32(0x0a000005u)),
			 0);
	assert_int_equal(m2.n, VS_VIPMAP_MAX - 1);
	assert_int_equal(vs_vipmap_add(&m2, t_net32(0x0b000001u), 4), 0);
	assert_int_equal(vs_vipmap_lookup(&m2, t_net32(0x0b000001u)), 4);
	assert_int_equal(vs_vipmap_lookup(&m2, t_net32(0x0a000005u)),
			 VS_VIPMAP_NONE);
	for (i = 0; i < VS_VIPMAP_MAX; i++)
		if (i != 4)
			assert_int_equal(
				vs_vipmap_lookup(&m2, t_net32(0x0a000001u + i)),
				i);
	/* removing what is not there: -ENOENT, the copy whole */
	assert_int_equal(vs_vipmap_copy_without(&m2, &m, t_net32(0x0c000001u)),
			 -ENOENT);
	assert_int_equal(m2.n, VS_VIPMAP_MAX);
	assert_int_equal(vs_vipmap_lookup(&m2, t_net32(0x0a000005u)), 4);
}

/* Removing VIPs one at a time keeps every other one, in order. */
static void
test_copy_without(void **state)
{
	struct vs_vipmap a, b;
	struct ref r;
	unsigned int i, k, round;

	(void)state;
	for (round = 0; round < 50; round++) {
		fill(&a, &r, 1 + t_rand32() % VS_VIPMAP_MAX, round % 2);
		while (r.n) {
			k = t_rand32() % r.n;
			assert_int_equal(
				vs_vipmap_copy_without(&b, &a, r.addr[k]), 0);
			for (i = k; i + 1 < r.n; i++) {
				r.addr[i] = r.addr[i + 1];
				r.slot[i] = r.slot[i + 1];
			}
			r.n--;
			check_against(&b, &r);
			for (i = 0; i < r.n; i++) {
				assert_int_equal(b.addr[i], r.addr[i]);
				assert_int_equal(b.slot[i], r.slot[i]);
			}
			a = b;
		}
	}
}

/* The data path's budget: 64 VIPs of one /24 are each found at the first
 * probe (their last bytes land in distinct buckets); with random ones too
 * an average lookup of a VIP or of another address takes under 1.5. */
static void
test_probes(void **state)
{
	struct vs_vipmap m;
	struct ref r;
	unsigned int kind, i, b, p, worst = 0;
	uint64_t hit = 0, miss = 0;
	const unsigned int misses = 100000;

	(void)state;
	for (kind = 0; kind < 2; kind++) {
		fill(&m, &r, VS_VIPMAP_MAX, kind);
		for (i = 0; i < r.n; i++) {
			b = vs_vipmap_bucket(r.addr[i]);
			for (p = 1; m.ent[b].addr != r.addr[i]; p++)
				b = (b + 1) & (VS_VIPMAP_BUCKETS - 1);
			hit += p;
			if (kind == 1)
				worst = p > worst ? p : worst;
		}
		for (i = 0; i < misses; i++) {
			uint32_t a = t_rand32();

			b = vs_vipmap_bucket(a);
			for (p = 1; m.ent[b].slot != VS_VIPMAP_NONE; p++)
				b = (b + 1) & (VS_VIPMAP_BUCKETS - 1);
			miss += p;
		}
	}
	printf("# 64 VIPs: worst hit in a /24 %u probe(s), mean hit %.2f, mean "
	       "miss %.2f\n",
	       worst, (double)hit / (2 * VS_VIPMAP_MAX),
	       (double)miss / (2 * misses));
	assert_int_equal(worst, 1);
	assert_true(hit < 1.5 * 2 * VS_VIPMAP_MAX);
	assert_true(miss < 1.5 * 2 * misses);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_copy_without),
		cmocka_unit_test(test_probes),
	};

	t_seed("test_vipmap");
	return cmocka_run_group_tests_name("vipmap", tests, NULL, NULL);
}
