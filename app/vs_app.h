/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpdk-vipshare application state shared by main, ports, workers and
 * control. Read top-down: main.c -> port.c -> worker.c -> control.c.
 */
#ifndef VS_APP_H
#define VS_APP_H

#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>

#include <rte_ether.h>
#include <rte_ip_frag.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_mempool.h>

#include "vs_arp.h"
#include "vs_conf.h"
#include "vs_hash.h"
#include "vs_igmp.h"
#include "vs_pkt.h"
#include "vs_util.h"

extern int vs_logtype_main;
extern int vs_logtype_port;
extern int vs_logtype_ctl;
#define VS_LOG(type, lvl, ...) \
	rte_log(RTE_LOG_##lvl, vs_logtype_##type, "vipshare: " __VA_ARGS__)

/*
 * Every frame received from the NIC lands in exactly one of the first
 * group, so they add up to rx. The rest describe what happened next.
 */
#define VS_STATS_OUTCOMES(X) \
	X(arp_reply)        /* ARP request for the VIP answered to the wire */ \
	X(arp_to_host)      /* any other ARP */ \
	X(vip_owned)        /* VIP frame of one of our nodes: to the host */ \
	X(vip_not_owned)    /* VIP frame of another node: dropped */ \
	X(other_to_host)    /* not for the VIP: to the host */ \
	X(malformed)        /* counted and dropped */ \
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
	X(host_rx)          /* frames from the host port */ \
	X(host_to_wire)     /* ... sent out the NIC */ \
	X(arp_rewritten)    /* host ARP with the VIP as sender: cluster MAC */ \
	X(garp_sent) \
	X(igmp_sent)        /* IGMP reports and MRD advertisements */ \
	X(igmp_queries)     /* IGMP queries seen (answered by a report) */ \
	X(tx_wire_drop)     /* NIC transmit queue full */ \
	X(tx_host_drop)     /* host transmit queue full or re-fragmenting failed */

#define VS_STATS_ALL(X) X(rx) VS_STATS_OUTCOMES(X) VS_STATS_DETAIL(X)

struct vs_stats {
#define VS_STAT_FIELD(n) uint64_t n;
	VS_STATS_ALL(VS_STAT_FIELD)
#undef VS_STAT_FIELD
};

#define VS_MAX_BURST 64

/* One per data-plane lcore: NIC RX/TX queue q and host RX/TX queue q. */
struct vs_worker {
	struct vs_stats st;
	uint64_t idle_since;   /* TSC of the first empty poll in a row, 0 busy */
	uint64_t garp_next;
	uint32_t garp_left;
	uint64_t mcast_next;   /* next IGMP report / MRD advertisement */
	uint16_t q;
	bool host_rx;          /* this worker polls host RX queue q */
	bool main_duties;      /* single lcore: also run vs_main_tick() */
	bool mcast;            /* this worker sends IGMP / MRD */
	unsigned int lcore;
	struct rte_ip_frag_tbl *frag_tbl;
	uint64_t frag_next_expire;
	struct rte_ip_frag_death_row dr;
} __rte_cache_aligned;

struct vs_app {
	struct vs_conf conf;
	struct vs_hash_cfg hash;
	struct vs_own own;
	struct vs_arp_cfg arp;
	uint16_t nic;
	uint16_t host;
	bool host_created;     /* we created the host port (TAP/virtio-user) */
	char host_ifname[IF_NAMESIZE];
	char host_devname[64];
	struct rte_ether_addr host_mac;
	uint16_t host_mtu;
	uint16_t nb_workers;
	bool needs_reassembly;
	struct rte_mempool *pool;
	struct rte_mempool *indirect_pool; /* re-fragmentation */
	uint64_t mbuf_in_use_start;
	uint64_t tsc_hz;
	volatile bool quit;
	volatile bool igmp_query_seen; /* any worker: answer with a report */
	struct vs_worker workers[RTE_MAX_LCORE];
};

extern struct vs_app vs_app;

/* main.c: stats interval, replay end; 0 or 1 when it is time to stop */
void vs_main_tick(uint64_t now);

/* port.c */
int vs_port_init(struct vs_app *a);
void vs_port_fini(struct vs_app *a);

/* worker.c */
int vs_worker_main(void *arg);
/* One burst from the NIC / from the host: steer, transmit, free. */
void vs_worker_nic_burst(struct vs_worker *w, struct rte_mbuf **pkts,
			 uint16_t nb, uint64_t now);
void vs_worker_host_burst(struct vs_worker *w, struct rte_mbuf **pkts,
			  uint16_t nb);
void vs_worker_drain(struct vs_worker *w);

/* bench.c: --bench, returns the exit code */
int vs_bench_run(struct vs_app *a);

/* control.c */
void vs_stats_sum(const struct vs_app *a, struct vs_stats *s);
void vs_stats_print_json(const struct vs_app *a, FILE *f);
void vs_stats_print_line(const struct vs_app *a, FILE *f);
int vs_status_line(const struct vs_app *a, char *buf, size_t size);
int vs_control_init(struct vs_app *a);

#endif /* VS_APP_H */
