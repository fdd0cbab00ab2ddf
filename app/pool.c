/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The mbuf pools of the ports (vs_port.h), apart from the rest of port.c so
 * that tests/unit/test_pool.c checks their layout under a bare EAL.
 *
 * A pool an AF_XDP port receives into is its UMEM: the PMD registers with
 * the kernel the first memory chunk of the pool, populated_size objects
 * long, back to back. DPDK's default layout does not fit that under
 * --no-huge (or a page smaller than an mbuf's object): no object crosses
 * a page, so one 4 KB page holds one mbuf, the objects span 1.7 times what
 * the PMD registers, and the kernel silently drops (never completes) a fill
 * or transmit descriptor beyond it. Each such mbuf is lost; under load the
 * pool runs dry and both ports stop receiving. Such a pool is laid out
 * packed: the kernel reaches it by virtual address, no device DMAs into it,
 * so its objects need not be IOVA-contiguous.
 */
#include <errno.h>
#include <stdint.h>

#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mbuf_pool_ops.h>
#include <rte_mempool.h>

#include "vs_port.h"

#define MBUF_CACHE 256

/* Objects back to back in one chunk: the UMEM the AF_XDP PMD registers. */
static struct rte_mempool *
pool_create_packed(const char *name, unsigned int n, int socket)
{
	struct rte_pktmbuf_pool_private priv = {
		.mbuf_data_room_size = RTE_MBUF_DEFAULT_BUF_SIZE,
	};
	struct rte_mempool *mp;
	int r;

	mp = rte_mempool_create_empty(
		name, n, sizeof(struct rte_mbuf) + RTE_MBUF_DEFAULT_BUF_SIZE,
		MBUF_CACHE, sizeof(priv), socket,
		RTE_MEMPOOL_F_NO_IOVA_CONTIG);
	if (mp == NULL)
		return NULL;
	r = rte_mempool_set_ops_byname(mp, rte_mbuf_best_mempool_ops(), NULL);
	if (r == 0) {
		rte_pktmbuf_pool_init(mp, &priv);
		r = rte_mempool_populate_default(mp);
		if (r >= 0 && (r != (int)n || !vs_port_pool_packed(mp)))
			r = -ENOSPC; /* not in one piece: no UMEM */
	}
	if (r < 0) {
		rte_mempool_free(mp);
		rte_errno = -r;
		return NULL;
	}
	rte_mempool_obj_iter(mp, rte_pktmbuf_init, NULL);
	return mp;
}

struct pack_span {
	uintptr_t base, end;
	size_t obj;
};

static void
pack_span_obj(struct rte_mempool *mp, void *arg, void *obj, unsigned int i)
{
	struct pack_span *s = arg;
	uintptr_t hdr = (uintptr_t)obj - mp->header_size;

	(void)i;
	if (hdr + s->obj > s->end)
		s->end = hdr + s->obj;
}

bool
vs_port_pool_packed(struct rte_mempool *mp)
{
	struct rte_mempool_memhdr *mh = STAILQ_FIRST(&mp->mem_list);
	struct pack_span s;

	if (mh == NULL || mp->nb_mem_chunks != 1)
		return false;
	/* what the AF_XDP PMD registers: from the chunk's page on, one
	 * object size per populated object */
	s.base = (uintptr_t)mh->addr;
	s.obj = rte_mempool_calc_obj_size(mp->elt_size, mp->flags, NULL);
	s.end = s.base;
	rte_mempool_obj_iter(mp, pack_span_obj, &s);
	return s.end - s.base <= (uintptr_t)mp->populated_size * s.obj;
}

struct rte_mempool *
vs_port_pool_create(const char *name, unsigned int nb_queues,
		    unsigned int per_queue, bool packed)
{
	unsigned int n;

	/* and slack for the per-lcore caches */
	n = nb_queues * per_queue + (rte_lcore_count() + 1) * MBUF_CACHE + 1024;
	if (packed)
		return pool_create_packed(name, n, (int)rte_socket_id());
	return rte_pktmbuf_pool_create(name, n, MBUF_CACHE, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE,
				       (int)rte_socket_id());
}
