/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Counters. Each worker keeps its own (no sharing, no atomics); readers
 * add them up. Every name here is a key of /vipshare/stats and of the
 * --replay JSON; docs/design.md says what each counts.
 */
#ifndef VS_STATS_H
#define VS_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_ether.h>

#include "vs_hash.h"
#include "vs_host.h"
#include "vs_pkt.h"

/*
 * Every frame received from the NIC lands in exactly one of the first
 * group, so they add up to rx. The rest describe what happened next.
 */
/* clang-format off */
#define VS_STATS_OUTCOMES(X) \
	X(arp_reply)        /* ARP request for the VIP answered to the wire */ \
	X(arp_to_host)      /* any other ARP */ \
	X(vip_owned)        /* VIP frame of one of our nodes: to the host */ \
	X(vip_not_owned)    /* VIP frame of another node: dropped */ \
	X(other_to_host)    /* not for the VIP: to the host */ \
	X(announce_rx)      /* coverage announcement (0x88B5): to the monitor */ \
	X(malformed)        /* dropped: the sum of the malformed_* below */ \
	X(frag_held)        /* VIP fragment taken for reassembly */

#define VS_STATS_DETAIL(X) \
	X(frag_reassembled) /* datagrams completed */ \
	X(frag_owned)       /* ... of ours, to the host */ \
	X(frag_not_owned)   /* ... of another node, dropped */ \
	X(frag_bad)         /* ... unparseable once whole, dropped */ \
	X(frag_done)        /* fragments that went into completed datagrams */ \
	X(frag_expired)     /* fragments dropped: timeout, table full, invalid */ \
	X(frag_out)         /* fragments sent to the host after re-fragmenting */ \
	X(icmp_err_owned)   /* ICMP errors steered by their quoted header */ \
	X(icmp_err_not_owned) \
	X(csum_fixed)       /* partial L4 checksums completed */ \
	X(host_rx)          /* frames from the host port (a super-frame: 1) */ \
	X(host_to_wire)     /* wire frames from the host sent out the NIC */ \
	X(arp_rewritten)    /* host ARP with the VIP as sender: cluster MAC */ \
	X(garp_sent) \
	X(igmp_sent)        /* IGMP reports and MRD advertisements */ \
	X(igmp_queries)     /* IGMP queries seen (answered by a report) */ \
	X(announce_rx_drop) /* ... dropped: announcements off, ring full */ \
	X(tx_wire_drop)     /* not sent to the NIC: the two below */ \
	X(tx_wire_full)     /* ... NIC transmit queue full */ \
	X(tx_wire_announce_fail) /* ... GARP/IGMP/MRD/coverage: no mbuf, queue full */ \
	X(tx_host_drop)     /* not sent to the host: the two below */ \
	X(tx_host_full)     /* ... host transmit queue full */ \
	X(tx_host_refrag_fail) /* ... re-fragmenting failed (no mbufs) */ \
	X(malformed_frag_linearize) /* a chained fragment not linearized */
/* clang-format on */

#define VS_STATS_ALL(X) X(rx) VS_STATS_OUTCOMES(X) VS_STATS_DETAIL(X)

/*
 * Per VIP, per worker, in the VIP's slot (zeroed when a slot is reused).
 * A frame counts for the VIP whose settings decide it (pi->vip: the
 * destination's, the quoted source's for an ICMP error, the target's for
 * ARP); its outcomes add up to its rx. Frames for no VIP are only in the
 * totals.
 */
/* clang-format off */
#define VS_VIP_STATS_OUTCOMES(X) \
	X(arp_reply)        /* ARP request for it answered */ \
	X(arp_to_host)      /* other ARP whose target is it */ \
	X(vip_owned) \
	X(vip_not_owned) \
	X(malformed)        /* to it, malformed past its IPv4 header */ \
	X(frag_held)

#define VS_VIP_STATS_DETAIL(X) \
	X(frag_owned)       /* reassembled datagrams decided by it */ \
	X(frag_not_owned) \
	X(icmp_err_owned) \
	X(icmp_err_not_owned) \
	X(csum_fixed) \
	X(arp_rewritten)    /* host ARP with it as sender */ \
	X(garp_sent) \
	X(igmp_sent)        /* reports for its group */
/* clang-format on */

#define VS_VIP_STATS_ALL(X) \
	X(rx) VS_VIP_STATS_OUTCOMES(X) VS_VIP_STATS_DETAIL(X)

struct vs_vip_stats {
#define VS_STAT_FIELD(n) uint64_t n;
	VS_VIP_STATS_ALL(VS_STAT_FIELD)
#undef VS_STAT_FIELD
	/*
	 * Per node number n (index n-1), every ownership decision of this
	 * VIP: seen = decided (frames, ICMP errors, whole datagrams; owned
	 * or not), accepted = of those, ours. The coverage monitor's data
	 * plane check reads them.
	 */
	uint64_t seen[VS_MAX_NODES];
	uint64_t accepted[VS_MAX_NODES];
} __rte_cache_aligned;

struct vs_stats {
#define VS_STAT_FIELD(n) uint64_t n;
	VS_STATS_ALL(VS_STAT_FIELD)
#undef VS_STAT_FIELD
	/* malformed frames by the parser's reason (lib/pkt): the keys
	 * malformed_<vs_pkt_drop_name()>; [VS_PKT_DROP_NONE] stays 0 */
	uint64_t malformed_why[VS_PKT_DROP_MAX];
	/* super-frames from the host made fit for the NIC (vs_wire_prep) */
	struct vs_wire_stats wire;
};

struct vs_app;

/* The workers' counters added up. */
void vs_stats_sum(const struct vs_app *a, struct vs_stats *s);

/* One VIP's (slot's) counters, the workers' added up. */
void vs_stats_vip_sum(const struct vs_app *a, unsigned int slot,
		      struct vs_vip_stats *s);

/* A VIP's outcomes add up to its rx. */
bool vs_stats_vip_consistent(const struct vs_vip_stats *s);

/* Every counter of a VIP by name (not seen/accepted): fn(ctx, name, v). */
void vs_stats_vip_foreach(const struct vs_vip_stats *s,
			  void (*fn)(void *ctx, const char *name, uint64_t v),
			  void *ctx);

/*
 * The rules the counters keep: the outcomes add up to rx, the malformed_*
 * reasons to malformed, the tx_*_full and _fail counters to their drops,
 * and no more fragments done or expired than held.
 */
bool vs_stats_consistent(const struct vs_stats *s);

/* Every counter of s by name (malformed_* included): fn(ctx, name, v). */
void vs_stats_foreach_counter(const struct vs_stats *s,
			      void (*fn)(void *ctx, const char *name,
					 uint64_t v),
			      void *ctx);

/*
 * Every number the reports give, by name, in the order of the JSON:
 * the counters of s, the ports' own counters (nic_*, host_*) and
 * frag_in_table; fn(ctx, name, value) for each. The --replay JSON and the
 * telemetry command are built on it.
 */
void vs_stats_foreach(const struct vs_app *a, const struct vs_stats *s,
		      void (*fn)(void *ctx, const char *name, uint64_t v),
		      void *ctx);

/* A MAC as the reports write it: lower case, colons. */
void vs_stats_mac(const struct rte_ether_addr *mac, char *buf, size_t size);

/* The --replay result: counters, port counters, settings, one line. */
void vs_stats_print_json(const struct vs_app *a, FILE *f);

/* The --stats-interval line. */
void vs_stats_print_line(const struct vs_app *a, FILE *f);

#endif /* VS_STATS_H */
