/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vs_hash: flow key -> CLUSTERIP node, and the local ownership set.
 *
 * Bit-compatible with Linux ipt_CLUSTERIP (4.1-6.2): the source address is
 * hashed in host order (ntohl), the two 16-bit "port" words are fed raw, as
 * they sit in the packet, and the 32-bit hash is mapped to 1..N by
 * multiply-shift (reciprocal_scale), not modulo.
 *
 * Nothing here needs the EAL: unit tests and fuzzers call it directly.
 */
#ifndef VS_HASH_H
#define VS_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include <rte_byteorder.h>
#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_jhash.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The kernel allowed 16; the mapping is the same for any N, we allow 64 so
 * the ownership set is one 64-bit word. */
#define VS_MAX_NODES 64

enum vs_hash_mode {
	VS_HASH_SIP = 0,         /* sourceip */
	VS_HASH_SIP_SPT = 1,     /* sourceip-sourceport */
	VS_HASH_SIP_SPT_DPT = 2, /* sourceip-sourceport-destport */
};

enum vs_hash_compat {
	VS_COMPAT_CLUSTERIP = 0, /* iptables CLUSTERIP */
	VS_COMPAT_NFT =
		1, /* nft 'jhash ip saddr' / xt_cluster: source IP only */
};

struct vs_hash_cfg {
	uint32_t vip; /* network byte order */
	uint32_t hash_init;
	uint16_t total_nodes; /* 1..VS_MAX_NODES */
	uint8_t mode;         /* enum vs_hash_mode */
	uint8_t compat;       /* enum vs_hash_compat */
};

/*
 * Flow key exactly as CLUSTERIP feeds jhash: saddr in host order, ports as
 * the raw 16-bit words read from the packet (network order bytes).
 */
struct vs_flow_key {
	uint32_t saddr;
	uint16_t sport;
	uint16_t dport;
};

/*
 * The 32 bits CLUSTERIP hashes as the "ports" of a protocol, as they sit in
 * its header (the kernel's union of a __be32 and two __be16).
 */
struct vs_hash_ports {
	rte_be16_t src;
	rte_be16_t dst;
} __rte_packed;

/*
 * Offset of the CLUSTERIP "ports" inside the L4 header for a protocol, or -1
 * when the protocol hashes as ports 0/0 (kernel proto_ports_offset()).
 */
static inline int
vs_hash_ports_offset(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_DCCP:
	case IPPROTO_ESP: /* the SPI */
	case IPPROTO_SCTP:
	case IPPROTO_UDPLITE:
		return 0;
	case IPPROTO_AH: /* the SPI, after next header, length, reserved */
		return 4;
	default:
		return -1;
	}
}

/* The 32-bit hash of a key under cfg's mode, hash_init and compat. */
static inline uint32_t
vs_hash_key(const struct vs_hash_cfg *cfg, const struct vs_flow_key *k)
{
	if (unlikely(cfg->compat == VS_COMPAT_NFT))
		/* nft's jhash reads the 4 address bytes as a little-endian
		 * word on every CPU: the byte-reversed host-order address. */
		return rte_jhash_1word(rte_bswap32(k->saddr), cfg->hash_init);
	switch (cfg->mode) {
	case VS_HASH_SIP_SPT:
		return rte_jhash_2words(k->saddr, k->sport, cfg->hash_init);
	case VS_HASH_SIP_SPT_DPT:
		return rte_jhash_3words(k->saddr, k->sport, k->dport,
					cfg->hash_init);
	default:
		return rte_jhash_1word(k->saddr, cfg->hash_init);
	}
}

/* Node number 1..total for a hash value (kernel reciprocal_scale + 1). */
static inline unsigned int
vs_hash_node_of(uint32_t hash, unsigned int total)
{
	return (unsigned int)(((uint64_t)hash * total) >> 32) + 1;
}

static inline unsigned int
vs_hash_node(const struct vs_hash_cfg *cfg, const struct vs_flow_key *k)
{
	return vs_hash_node_of(vs_hash_key(cfg, k), cfg->total_nodes);
}

/* True when the mode needs L4 ports, so fragments must be reassembled. */
static inline bool
vs_hash_needs_ports(const struct vs_hash_cfg *cfg)
{
	return cfg->compat == VS_COMPAT_CLUSTERIP && cfg->mode != VS_HASH_SIP;
}

/*
 * Ownership: the set of node numbers this machine answers for, one bit per
 * node (bit n-1 = node n). Control threads change it with atomic
 * read-modify-write; data-plane lcores load it once per burst, lock-free.
 */
struct vs_own {
	uint64_t mask;
	uint16_t total_nodes;
};

int vs_own_init(struct vs_own *o, unsigned int total_nodes, uint64_t mask);
/* -EINVAL: out of 1..total; -EEXIST: already held. */
int vs_own_add(struct vs_own *o, unsigned int node);
/* -EINVAL: out of 1..total; -ENOENT: not held. */
int vs_own_del(struct vs_own *o, unsigned int node);
/* "1,3" (empty string for no nodes). Returns length or -ENOSPC. */
int vs_own_format(uint64_t mask, char *buf, size_t size);
/* Parse "1,3" / "1-3" list of nodes into *mask, each in 1..total.
 * -EINVAL: not such a list; -EEXIST: a number given twice. */
int vs_own_parse_list(const char *s, unsigned int total, uint64_t *mask);

static inline uint64_t
vs_own_load(const struct vs_own *o)
{
	return __atomic_load_n(&o->mask, __ATOMIC_ACQUIRE);
}

static inline bool
vs_own_has(uint64_t mask, unsigned int node)
{
	return (mask >> (node - 1)) & 1;
}

/* Names of the modes as iptables and IPaddr2 spell them. */
int vs_hash_mode_parse(const char *s); /* enum or -EINVAL */
const char *vs_hash_mode_name(unsigned int mode);
int vs_hash_compat_parse(const char *s); /* enum or -EINVAL */
const char *vs_hash_compat_name(unsigned int compat);

#ifdef __cplusplus
}
#endif

#endif /* VS_HASH_H */
