/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vs_gen: the benchmarks' traffic. One deterministic frame mix (fixed PRNG
 * seed: the same frames on every run) for both the appliance's --bench
 * and the library micro-benchmark bench-steer, and the median the
 * benchmarks report. Setup code, never on a timed path; no
 * EAL needed.
 *
 * The mix, per frame: 85% TCP (75%) or UDP to the VIP from a random client
 * in 10.0.0.0/8 (10% of them VLAN-tagged, 1% QinQ), 5% ARP requests for
 * the VIP, 3% ICMP fragmentation-needed errors quoting a VIP -> client TCP
 * header, 2% UDP datagrams to the VIP in two fragments (a pair of frames),
 * 5% not for the VIP (another IPv4 address of the host, or IPv6). Frames
 * to the VIP go to the cluster MAC, the rest to the NIC's MAC. With
 * several VIPs, the frames take them in turn.
 */
#ifndef VS_GEN_H
#define VS_GEN_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Smallest slot for each mix: frames up to 60 bytes, or IMIX up to 1514. */
#define VS_GEN_SLOT_64 128
#define VS_GEN_SLOT_IMIX 2048

struct vs_gen_cfg {
	uint32_t vip;                      /* host order */
	struct rte_ether_addr cluster_mac; /* destination of the VIP's frames */
	struct rte_ether_addr nic_mac;     /* destination of the others */
	bool imix; /* 7:4:1 of 60, 590 and 1514-byte VIP TCP/UDP frames */
	/* More VIPs (0: one): frame i is for VIP i mod (nb_more + 1), the
	 * first being vip; the mix is otherwise the same frames */
	unsigned int nb_more;
	const uint32_t *more_vips; /* host order */
	const struct rte_ether_addr *more_macs;
};

struct vs_gen_mix {
	/* given: n frames in slots of slot bytes, zeroed (the padding) */
	uint8_t *buf;
	uint16_t *len;
	uint32_t n, slot;
	/* what was generated */
	uint64_t bytes;
	uint32_t n_l4, n_vlan, n_arp, n_icmperr, n_frag, n_other;
};

/*
 * Fill m->buf and m->len with the mix (from the fixed seed: the same
 * frames for the same n and cfg). -EINVAL when a slot is too small.
 */
int vs_gen_mix_build(struct vs_gen_mix *m, const struct vs_gen_cfg *cfg);

/* Median of the first n (1..VS_GEN_MEDIAN_MAX) values; v is not changed. */
#define VS_GEN_MEDIAN_MAX 128
double vs_gen_median(const double *v, unsigned int n);

#ifdef __cplusplus
}
#endif

#endif /* VS_GEN_H */
