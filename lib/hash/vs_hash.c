/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vs_hash.h"

int
vs_own_init(struct vs_own *o, unsigned int total_nodes, uint64_t mask)
{
	if (total_nodes < 1 || total_nodes > VS_MAX_NODES)
		return -EINVAL;
	if (total_nodes < 64 && (mask >> total_nodes) != 0)
		return -EINVAL;
	o->total_nodes = (uint16_t)total_nodes;
	__atomic_store_n(&o->mask, mask, __ATOMIC_RELEASE);
	return 0;
}

/* Lock-free read-modify-write: readers never wait, writers retry. */
static int
own_change(struct vs_own *o, unsigned int node, bool add)
{
	uint64_t old, new, bit;

	if (node < 1 || node > o->total_nodes)
		return -EINVAL;
	bit = UINT64_C(1) << (node - 1);
	old = __atomic_load_n(&o->mask, __ATOMIC_RELAXED);
	do {
		if (add && (old & bit))
			return -EEXIST;
		if (!add && !(old & bit))
			return -ENOENT;
		new = add ? old | bit : old & ~bit;
	} while (!__atomic_compare_exchange_n(&o->mask, &old, new, false,
					      __ATOMIC_RELEASE,
					      __ATOMIC_RELAXED));
	return 0;
}

int
vs_own_add(struct vs_own *o, unsigned int node)
{
	return own_change(o, node, true);
}

int
vs_own_del(struct vs_own *o, unsigned int node)
{
	return own_change(o, node, false);
}

int
vs_own_format(uint64_t mask, char *buf, size_t size)
{
	size_t n = 0;
	unsigned int i;
	int w;

	if (size == 0)
		return -ENOSPC;
	buf[0] = '\0';
	for (i = 1; i <= VS_MAX_NODES; i++) {
		if (!vs_own_has(mask, i))
			continue;
		w = snprintf(buf + n, size - n, n ? ",%u" : "%u", i);
		if (w < 0 || (size_t)w >= size - n)
			return -ENOSPC;
		n += (size_t)w;
	}
	return (int)n;
}

static int
parse_node_num(const char *s, const char **end, unsigned int total,
	       unsigned int *out)
{
	unsigned long v;
	char *e;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &e, 10);
	if (errno || v < 1 || v > total)
		return -EINVAL;
	*out = (unsigned int)v;
	*end = e;
	return 0;
}

int
vs_own_parse_list(const char *s, unsigned int total, uint64_t *mask)
{
	unsigned int a, b, i;
	uint64_t m = 0;
	const char *p = s;

	if (total < 1 || total > VS_MAX_NODES || *p == '\0')
		return -EINVAL;
	for (;;) {
		if (parse_node_num(p, &p, total, &a) < 0)
			return -EINVAL;
		b = a;
		if (*p == '-') {
			if (parse_node_num(p + 1, &p, total, &b) < 0 || b < a)
				return -EINVAL;
		}
		for (i = a; i <= b; i++) {
			/* "1,1/3": a typo more likely than a wish */
			if (m & (UINT64_C(1) << (i - 1)))
				return -EEXIST;
			m |= UINT64_C(1) << (i - 1);
		}
		if (*p == '\0')
			break;
		if (*p != ',')
			return -EINVAL;
		p++;
	}
	*mask = m;
	return 0;
}

static const char *const mode_names[] = {
	[VS_HASH_SIP] = "sourceip",
	[VS_HASH_SIP_SPT] = "sourceip-sourceport",
	[VS_HASH_SIP_SPT_DPT] = "sourceip-sourceport-destport",
};

static const char *const compat_names[] = {
	[VS_COMPAT_CLUSTERIP] = "clusterip",
	[VS_COMPAT_NFT] = "nft",
};

/* Index of s in names, or -EINVAL. */
static int
name_parse(const char *const *names, unsigned int n, const char *s)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return (int)i;
	return -EINVAL;
}

int
vs_hash_mode_parse(const char *s)
{
	return name_parse(mode_names, RTE_DIM(mode_names), s);
}

const char *
vs_hash_mode_name(unsigned int mode)
{
	return mode < RTE_DIM(mode_names) ? mode_names[mode] : "?";
}

int
vs_hash_compat_parse(const char *s)
{
	return name_parse(compat_names, RTE_DIM(compat_names), s);
}

const char *
vs_hash_compat_name(unsigned int compat)
{
	return compat < RTE_DIM(compat_names) ? compat_names[compat] : "?";
}
