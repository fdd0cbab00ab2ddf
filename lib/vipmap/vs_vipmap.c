/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include "vs_vipmap.h"

void
vs_vipmap_init(struct vs_vipmap *m)
{
	unsigned int i;

	memset(m, 0, sizeof(*m));
	for (i = 0; i < VS_VIPMAP_BUCKETS; i++)
		m->ent[i].slot = VS_VIPMAP_NONE;
}

int
vs_vipmap_add(struct vs_vipmap *m, uint32_t addr, unsigned int slot)
{
	uint32_t b, i;

	if (addr == 0 || slot >= VS_VIPMAP_MAX)
		return -EINVAL;
	for (i = 0; i < m->n; i++)
		if (m->addr[i] == addr || m->slot[i] == slot)
			return -EEXIST;
	if (m->n == VS_VIPMAP_MAX)
		return -ENOSPC;
	/* at most 1/4 full: an empty bucket is always found */
	for (b = vs_vipmap_bucket(addr); m->ent[b].slot != VS_VIPMAP_NONE;
	     b = (b + 1) & (VS_VIPMAP_BUCKETS - 1))
		;
	m->ent[b].addr = addr;
	m->ent[b].slot = (uint8_t)slot;
	m->addr[m->n] = addr;
	m->slot[m->n] = (uint8_t)slot;
	m->n++;
	return 0;
}

int
vs_vipmap_copy_without(struct vs_vipmap *dst, const struct vs_vipmap *src,
		       uint32_t addr)
{
	uint32_t i;
	int found = 0;

	/* rebuilt, not patched: linear probing needs no tombstones then */
	vs_vipmap_init(dst);
	for (i = 0; i < src->n; i++) {
		if (src->addr[i] == addr) {
			found = 1;
			continue;
		}
		vs_vipmap_add(dst, src->addr[i], src->slot[i]);
	}
	return found ? 0 : -ENOENT;
}

int
vs_vipmap_one(struct vs_vipmap *m, uint32_t addr)
{
	vs_vipmap_init(m);
	return vs_vipmap_add(m, addr, 0);
}
