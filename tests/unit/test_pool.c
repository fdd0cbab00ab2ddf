/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The mbuf pool an AF_XDP port receives into (app/pool.c) is its UMEM: the
 * PMD registers the pool's first memory chunk, populated_size objects long
 * (rte_eth_af_xdp.c, xdp_umem_configure), and the kernel drops and never
 * returns a descriptor beyond it. Under a bare EAL with 4 KB pages
 * (--no-huge, as the tests run), every mbuf of a packed pool must lie in
 * that range, and all of them must be usable; DPDK's default layout is
 * shown not to fit (the cause of a stalled transfer through af_xdp).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "vs_port.h"
#include "vs_test.h"

#define N 3000

/* The PMD's range, computed here: page of the first chunk, then
 * populated_size objects of rte_mempool_calc_obj_size each. */
struct umem {
	uintptr_t base, end;
	unsigned int outside;
};

static void
umem_obj(struct rte_mempool *mp, void *arg, void *obj, unsigned int i)
{
	struct umem *u = arg;
	uintptr_t hdr = (uintptr_t)obj - mp->header_size;
	size_t sz = mp->header_size + mp->elt_size + mp->trailer_size;

	(void)i;
	u->outside += hdr < u->base || hdr + sz > u->end;
}

static unsigned int
outside_umem(struct rte_mempool *mp)
{
	struct rte_mempool_memhdr *mh = STAILQ_FIRST(&mp->mem_list);
	size_t sz = mp->header_size + mp->elt_size + mp->trailer_size;
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	struct umem u;

	u.base = (uintptr_t)mh->addr & ~(page - 1);
	u.end = u.base + ((uintptr_t)mh->addr - u.base) +
		(uintptr_t)mp->populated_size * sz;
	u.outside = 0;
	rte_mempool_obj_iter(mp, umem_obj, &u);
	return u.outside;
}

static void
test_packed_pool_fits_the_umem(void **state)
{
	struct rte_mempool *mp = vs_port_pool_create("t_packed", 1, N, true);
	struct rte_mbuf **m;
	unsigned int n, i;

	(void)state;
	assert_non_null(mp);
	n = mp->size;
	assert_true(n >= N);
	assert_int_equal(mp->populated_size, n);
	assert_int_equal(outside_umem(mp), 0);
	assert_true(vs_port_pool_packed(mp));
	/* every mbuf usable, with the data room of the default pool */
	m = calloc(n, sizeof(*m));
	assert_non_null(m);
	for (i = 0; i < n; i++) {
		m[i] = rte_mbuf_raw_alloc(mp);
		assert_non_null(m[i]);
	}
	assert_null(rte_mbuf_raw_alloc(mp));
	for (i = 0; i < n; i++) {
		assert_int_equal(m[i]->buf_len, RTE_MBUF_DEFAULT_BUF_SIZE);
		assert_ptr_equal(m[i]->pool, mp);
		rte_pktmbuf_reset(m[i]);
		assert_int_equal(rte_pktmbuf_headroom(m[i]),
				 RTE_PKTMBUF_HEADROOM);
		assert_non_null(rte_pktmbuf_append(m[i], 1514));
	}
	rte_pktmbuf_free_bulk(m, n);
	free(m);
	rte_mempool_free(mp);
}

static void
test_default_pool_does_not(void **state)
{
	struct rte_mempool *mp = vs_port_pool_create("t_default", 1, N, false);

	(void)state;
	assert_non_null(mp);
	/* one mbuf per 4 KB page: most of the pool beyond the PMD's range */
	assert_true(outside_umem(mp) > mp->populated_size / 4);
	assert_false(vs_port_pool_packed(mp));
	rte_mempool_free(mp);
}

int
main(void)
{
	char *eal[] = {"test_pool", "-l", "0", "--no-huge", "-m", "128",
		       "--no-pci", "--no-shconf",
		       "--log-level=error"};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_packed_pool_fits_the_umem),
		cmocka_unit_test(test_default_pool_does_not),
	};
	int r;

	if (rte_eal_init((int)RTE_DIM(eal), eal) < 0) {
		fprintf(stderr, "test_pool: EAL init failed\n");
		return 1;
	}
	r = cmocka_run_group_tests(tests, NULL, NULL);
	rte_eal_cleanup();
	return r;
}
