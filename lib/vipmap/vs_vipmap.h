/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vs_vipmap: which VIP an IPv4 address is, searched once per frame.
 *
 * A VIP's state lives in a slot (0..VS_VIPMAP_MAX-1) that the appliance
 * keeps for the VIP's life; the map takes an address to that slot. It is a
 * small open-addressing hash table: 256 buckets of 8 bytes (2 KiB, in L1
 * beside the data path's other state) for at most 64 VIPs, so at most a
 * quarter full: a VIP is found at its first probe in the common case and
 * an address that is no VIP ends at an empty bucket after ~1.2 probes on
 * average. The bucket is the top 8 bits of a multiplicative hash of the
 * address as it sits in the packet, which spreads consecutive VIPs
 * (x.y.z.100, .101, ...) over distinct buckets.
 *
 * A map is built once and then only read: the appliance changes its VIPs
 * by building a new map (vs_vipmap_add, vs_vipmap_copy_without) and
 * publishing it (RCU), so readers need no lock and no atomics. Pure, no
 * EAL: the parser (lib/pkt), the tests and the fuzzers use it directly.
 */
#ifndef VS_VIPMAP_H
#define VS_VIPMAP_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* VIPs per map: slots 0..VS_VIPMAP_MAX-1. */
#define VS_VIPMAP_MAX 64
/* Buckets (a power of two, 4x VS_VIPMAP_MAX: never more than 1/4 full). */
#define VS_VIPMAP_BUCKETS 256
/* "No VIP": what a lookup of an address that is no VIP returns. */
#define VS_VIPMAP_NONE 0xff

struct vs_vipmap_ent {
	uint32_t addr; /* network order; 0 in an empty bucket */
	uint8_t slot;  /* VS_VIPMAP_NONE in an empty bucket */
	uint8_t pad[3];
};

struct vs_vipmap {
	struct vs_vipmap_ent ent[VS_VIPMAP_BUCKETS];
	/* the VIPs in the order they were added: for walking them */
	uint32_t n;
	uint32_t addr[VS_VIPMAP_MAX];
	uint8_t slot[VS_VIPMAP_MAX];
};

static inline uint32_t
vs_vipmap_bucket(uint32_t addr)
{
	/* Fibonacci hashing; the top bits of the product depend on every
	 * byte of the address */
	return (addr * UINT32_C(0x9e3779b1)) >> 24;
}

/*
 * The slot of the VIP with address addr (network order), or
 * VS_VIPMAP_NONE. Address 0 is never a VIP: it meets an empty bucket's
 * addr and returns that bucket's VS_VIPMAP_NONE.
 */
static inline unsigned int
vs_vipmap_lookup(const struct vs_vipmap *m, uint32_t addr)
{
	uint32_t b = vs_vipmap_bucket(addr);

	for (;;) {
		const struct vs_vipmap_ent *e = &m->ent[b];

		if (e->addr == addr)
			return e->slot;
		if (e->slot == VS_VIPMAP_NONE)
			return VS_VIPMAP_NONE;
		b = (b + 1) & (VS_VIPMAP_BUCKETS - 1);
	}
}

/* An empty map. */
void vs_vipmap_init(struct vs_vipmap *m);

/*
 * Add the VIP addr (network order, not 0) in slot (< VS_VIPMAP_MAX).
 * -EINVAL for address 0 or a slot out of range, -EEXIST when the address
 * or the slot is in the map already, -ENOSPC when it holds VS_VIPMAP_MAX.
 */
int vs_vipmap_add(struct vs_vipmap *m, uint32_t addr, unsigned int slot);

/*
 * dst = src without the VIP addr, the others in their order (dst and src
 * distinct). -ENOENT (dst = src) when addr is no VIP of src.
 */
int vs_vipmap_copy_without(struct vs_vipmap *dst, const struct vs_vipmap *src,
			   uint32_t addr);

/* A map of one VIP in slot 0 (tests, tools): vs_vipmap_add's errors. */
int vs_vipmap_one(struct vs_vipmap *m, uint32_t addr);

#ifdef __cplusplus
}
#endif

#endif /* VS_VIPMAP_H */
