/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ownership set: init/add/del/format/parse_list semantics, and lock-free
 * updates seen by a concurrent reader.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>

#include "vs_test.h"
#include "vs_hash.h"

static void
test_init(void **state)
{
	struct vs_own o;

	(void)state;
	assert_int_equal(vs_own_init(&o, 0, 0), -EINVAL);
	assert_int_equal(vs_own_init(&o, 65, 0), -EINVAL);
	assert_int_equal(vs_own_init(&o, 3, 0x8), -EINVAL); /* node 4 of 3 */
	assert_int_equal(vs_own_init(&o, 1, 0x2), -EINVAL);
	assert_int_equal(vs_own_init(&o, 63, UINT64_C(1) << 63), -EINVAL);
	assert_int_equal(vs_own_init(&o, 3, 0x5), 0);
	assert_int_equal(o.total_nodes, 3);
	assert_int_equal(vs_own_load(&o), 0x5);
	assert_int_equal(vs_own_init(&o, 64, UINT64_MAX), 0);
	assert_int_equal(vs_own_load(&o), UINT64_MAX);
	assert_int_equal(vs_own_init(&o, 1, 0), 0);
	assert_int_equal(vs_own_load(&o), 0);
}

static void
test_add_del(void **state)
{
	struct vs_own o;
	unsigned int n;

	(void)state;
	assert_int_equal(vs_own_init(&o, 3, 0x4), 0); /* holds 3 */
	assert_int_equal(vs_own_add(&o, 3), -EEXIST);
	assert_int_equal(vs_own_load(&o), 0x4);
	assert_int_equal(vs_own_add(&o, 1), 0);
	assert_int_equal(vs_own_load(&o), 0x5);
	assert_int_equal(vs_own_add(&o, 1), -EEXIST);
	assert_int_equal(vs_own_add(&o, 0), -EINVAL);
	assert_int_equal(vs_own_add(&o, 4), -EINVAL);
	assert_int_equal(vs_own_add(&o, 64), -EINVAL);
	assert_int_equal(vs_own_add(&o, 65), -EINVAL);
	assert_int_equal(vs_own_add(&o, UINT32_MAX), -EINVAL);
	assert_int_equal(vs_own_load(&o), 0x5);
	assert_int_equal(vs_own_del(&o, 2), -ENOENT);
	assert_int_equal(vs_own_del(&o, 0), -EINVAL);
	assert_int_equal(vs_own_del(&o, 4), -EINVAL);
	assert_int_equal(vs_own_del(&o, 3), 0);
	assert_int_equal(vs_own_load(&o), 0x1);
	assert_int_equal(vs_own_del(&o, 3), -ENOENT);
	assert_int_equal(vs_own_del(&o, 1), 0);
	assert_int_equal(vs_own_load(&o), 0);
	assert_int_equal(vs_own_del(&o, 1), -ENOENT);
	assert_true(!vs_own_has(vs_own_load(&o), 1));

	/* all 64 */
	assert_int_equal(vs_own_init(&o, 64, 0), 0);
	for (n = 1; n <= 64; n++) {
		assert_int_equal(vs_own_add(&o, n), 0);
		assert_true(vs_own_has(vs_own_load(&o), n));
	}
	assert_int_equal(vs_own_load(&o), UINT64_MAX);
	assert_int_equal(vs_own_add(&o, 64), -EEXIST);
	for (n = 64; n >= 1; n--) {
		assert_int_equal(vs_own_del(&o, n), 0);
		assert_false(vs_own_has(vs_own_load(&o), n));
	}
	assert_int_equal(vs_own_load(&o), 0);
}

static void
test_format(void **state)
{
	char buf[256], want[256];
	uint64_t m;
	unsigned int i, it;
	size_t n;
	int r;

	(void)state;
	assert_int_equal(vs_own_format(0x5, buf, sizeof(buf)), 3);
	assert_string_equal(buf, "1,3");
	assert_int_equal(vs_own_format(0, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	assert_int_equal(vs_own_format(1, buf, sizeof(buf)), 1);
	assert_string_equal(buf, "1");
	assert_int_equal(vs_own_format(UINT64_C(1) << 63, buf, sizeof(buf)), 2);
	assert_string_equal(buf, "64");
	/* sizes: "1,3" needs 4 bytes */
	assert_int_equal(vs_own_format(0x5, buf, 4), 3);
	assert_string_equal(buf, "1,3");
	assert_int_equal(vs_own_format(0x5, buf, 3), -ENOSPC);
	assert_int_equal(vs_own_format(0x5, buf, 1), -ENOSPC);
	assert_int_equal(vs_own_format(0x5, buf, 0), -ENOSPC);
	assert_int_equal(vs_own_format(0, buf, 1), 0);
	/* random masks against an independent rendering */
	for (it = 0; it < 2000; it++) {
		char *hb;

		m = it == 0 ? UINT64_MAX : t_rand64() & t_rand64();
		n = 0;
		want[0] = '\0';
		for (i = 0; i < 64; i++)
			if (m >> i & 1)
				n += (size_t)sprintf(want + n, "%s%u",
						     n ? "," : "", i + 1);
		r = vs_own_format(m, buf, sizeof(buf));
		assert_int_equal(r, (int)n);
		assert_string_equal(buf, want);
		/* exact-size heap buffer: fits; one byte less: -ENOSPC */
		hb = malloc(n + 1);
		assert_non_null(hb);
		assert_int_equal(vs_own_format(m, hb, n + 1), (int)n);
		assert_string_equal(hb, want);
		if (n > 0)
			assert_int_equal(vs_own_format(m, hb, n), -ENOSPC);
		free(hb);
	}
}

static void
test_parse_list(void **state)
{
	static const struct {
		const char *s;
		unsigned int total;
		uint64_t mask;
	} good[] = {
		{"1,3", 3, 0x5},
		{"1-3,5", 5, 0x17},
		{"2", 2, 0x2},
		{"1", 1, 0x1},
		{"3,1", 3, 0x5},
		{"1-1", 4, 0x1},
		{"16", 16, 0x8000},
		{"1-64", 64, UINT64_MAX},
		{"64", 64, UINT64_C(1) << 63},
		{"1,2,3,4,5,6,7,8", 8, 0xff},
		{"2-4,7-8", 8, 0xce},
	};
	static const struct {
		const char *s;
		unsigned int total;
	} bad[] = {
		{"", 4},
		{"0", 4},
		{"5", 4},
		{"1-5", 4},
		{"3-1", 4},
		{"1,", 4},
		{",1", 4},
		{"1,,2", 4},
		{"1-", 4},
		{"-1", 4},
		{" 1", 4},
		{"1 ", 4},
		{"a", 4},
		{"1-2-3", 4},
		{"+1", 4},
		{"1-+2", 4},
		{"1;2", 4},
		{"0x1", 4},
		{"65", 64},
		{"1", 0},
		{"1", 65},
		{"99999999999999999999", 64},
		{"4294967297", 64},
		{"1.0", 4},
	};
	uint64_t m;
	unsigned int i;
	char buf[256];

	(void)state;
	for (i = 0; i < RTE_DIM(good); i++) {
		m = 0xdead;
		if (vs_own_parse_list(good[i].s, good[i].total, &m) != 0)
			fail_msg("rejected '%s' (total %u)", good[i].s,
				 good[i].total);
		if (m != good[i].mask)
			fail_msg("'%s' -> 0x%llx, want 0x%llx", good[i].s,
				 (unsigned long long)m,
				 (unsigned long long)good[i].mask);
	}
	for (i = 0; i < RTE_DIM(bad); i++)
		if (vs_own_parse_list(bad[i].s, bad[i].total, &m) != -EINVAL)
			fail_msg("accepted '%s' (total %u)", bad[i].s,
				 bad[i].total);
	/* a number twice, alone or in a range */
	{
		static const char *const twice[] = {"1,1", "1-2,2", "2,1-3",
						    "1-3,2-4"};

		for (i = 0; i < RTE_DIM(twice); i++)
			if (vs_own_parse_list(twice[i], 4, &m) != -EEXIST)
				fail_msg("'%s' not refused as a duplicate",
					 twice[i]);
	}
	/* format and parse are inverse */
	for (i = 0; i < 2000; i++) {
		uint64_t back = 0;

		m = t_rand64() | 1;
		assert_true(vs_own_format(m, buf, sizeof(buf)) > 0);
		assert_int_equal(vs_own_parse_list(buf, 64, &back), 0);
		assert_int_equal(back, m);
	}
}

/* Concurrency: writers toggle nodes while a reader checks invariants. */
#define CC_TOTAL 8
#define CC_ITERS 200000
#define CC_LIMIT_NS (15ull * 1000000000ull)

struct cc_writer {
	struct vs_own *o;
	unsigned int lo, hi; /* nodes this writer toggles */
	uint64_t seed;
	uint64_t mine; /* what it believes it holds */
	unsigned long errors;
	unsigned long done;
	int *active; /* writers still running */
	unsigned long *reader_loads;
};

struct cc_reader {
	struct vs_own *o;
	volatile int *stop;
	int *active;
	int started;
	unsigned long loads, loads_during, missing_1, above_total;
	uint64_t seen_or;
};

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void *
cc_write(void *arg)
{
	struct cc_writer *w = arg;
	uint64_t s = w->seed, t0 = now_ns();
	unsigned long i;

	__atomic_fetch_add(w->active, 1, __ATOMIC_RELEASE);
	for (i = 0; i < CC_ITERS; i++) {
		unsigned int n;
		uint64_t bit;
		int r;

		s = s * 6364136223846793005ull + 1442695040888963407ull;
		n = w->lo + (unsigned int)((s >> 33) % (w->hi - w->lo + 1));
		bit = UINT64_C(1) << (n - 1);
		if (w->mine & bit) {
			r = vs_own_del(w->o, n);
			if (r != 0)
				w->errors++;
			/* a second delete must see it gone */
			if ((i & 63) == 0 && vs_own_del(w->o, n) != -ENOENT)
				w->errors++;
		} else {
			r = vs_own_add(w->o, n);
			if (r != 0)
				w->errors++;
			if ((i & 63) == 0 && vs_own_add(w->o, n) != -EEXIST)
				w->errors++;
		}
		w->mine ^= bit;
		/* never touches node 1 or anything out of range */
		if ((i & 1023) == 0) {
			/* let the reader run even on a busy machine: wait
			 * (bounded) until it made progress */
			unsigned long seen = __atomic_load_n(w->reader_loads,
							     __ATOMIC_RELAXED);
			uint64_t tw = now_ns();

			while (__atomic_load_n(w->reader_loads,
					       __ATOMIC_RELAXED) == seen &&
			       now_ns() - tw < 10000000ull)
				sched_yield();
			if (vs_own_add(w->o, CC_TOTAL + 1) != -EINVAL ||
			    vs_own_del(w->o, 0) != -EINVAL)
				w->errors++;
			if (now_ns() - t0 > CC_LIMIT_NS)
				break;
		}
	}
	w->done = i;
	__atomic_fetch_sub(w->active, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void *
cc_read(void *arg)
{
	struct cc_reader *r = arg;
	uint64_t t0 = now_ns();

	while (!__atomic_load_n(r->stop, __ATOMIC_ACQUIRE)) {
		uint64_t m = vs_own_load(r->o);

		__atomic_store_n(&r->loads, r->loads + 1, __ATOMIC_RELAXED);
		if (__atomic_load_n(r->active, __ATOMIC_ACQUIRE) > 0)
			r->loads_during++;
		__atomic_store_n(&r->started, 1, __ATOMIC_RELEASE);
		r->seen_or |= m;
		if (!vs_own_has(m, 1))
			r->missing_1++;
		if (m >> CC_TOTAL)
			r->above_total++;
		if ((r->loads & 4095) == 0 && now_ns() - t0 > CC_LIMIT_NS)
			break;
	}
	return NULL;
}

static void
run_concurrent(unsigned int nwriters)
{
	struct cc_writer w[2];
	struct cc_reader rd;
	pthread_t tw[2], tr;
	volatile int stop = 0;
	int active = 0;
	struct vs_own o;
	uint64_t want = 1;
	unsigned int i;

	assert_int_equal(vs_own_init(&o, CC_TOTAL, 0x1), 0); /* node 1 */
	memset(&rd, 0, sizeof(rd));
	rd.o = &o;
	rd.stop = &stop;
	rd.active = &active;
	assert_int_equal(pthread_create(&tr, NULL, cc_read, &rd), 0);
	/* writers start once the reader is reading */
	while (!__atomic_load_n(&rd.started, __ATOMIC_ACQUIRE))
		sched_yield();
	for (i = 0; i < nwriters; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].o = &o;
		w[i].seed = t_rand64();
		w[i].active = &active;
		w[i].reader_loads = &rd.loads;
		if (nwriters == 1) {
			w[i].lo = 2;
			w[i].hi = 8;
		} else {
			/* disjoint halves: lost CAS updates would show */
			w[i].lo = i ? 6 : 2;
			w[i].hi = i ? 8 : 5;
		}
		assert_int_equal(pthread_create(&tw[i], NULL, cc_write, &w[i]),
				 0);
	}
	for (i = 0; i < nwriters; i++)
		assert_int_equal(pthread_join(tw[i], NULL), 0);
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	assert_int_equal(pthread_join(tr, NULL), 0);

	for (i = 0; i < nwriters; i++) {
		print_message("# writer %u: %lu iterations, %lu errors\n", i,
			      w[i].done, w[i].errors);
		assert_int_equal(w[i].errors, 0);
		assert_int_equal(w[i].done, CC_ITERS);
		want |= w[i].mine;
	}
	print_message("# reader: %lu loads, %lu while writing\n", rd.loads,
		      rd.loads_during);
	assert_true(rd.loads_during > 0);
	assert_int_equal(rd.missing_1, 0);
	assert_int_equal(rd.above_total, 0);
	assert_int_equal(rd.seen_or >> CC_TOTAL, 0);
	assert_int_equal(vs_own_load(&o), want);
	assert_true(vs_own_has(vs_own_load(&o), 1));
}

static void
test_concurrent_1w(void **state)
{
	(void)state;
	run_concurrent(1);
}

static void
test_concurrent_2w(void **state)
{
	(void)state;
	run_concurrent(2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_add_del),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_parse_list),
		cmocka_unit_test(test_concurrent_1w),
		cmocka_unit_test(test_concurrent_2w),
	};

	t_seed("test_own");
	return cmocka_run_group_tests_name("own", tests, NULL, NULL);
}
