/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Workers: the data path. Worker q polls NIC RX queue q (and host RX
 * queue q when there is one) and transmits on NIC/host TX queue q:
 * nothing is shared between workers, nothing is locked.
 */
#ifndef VS_WORKER_H
#define VS_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_ip_frag.h>
#include <rte_mbuf.h>

#include "vs_move.h"
#include "vs_stats.h"
#include "vs_vip.h"

struct vs_app;

struct vs_worker {
	struct vs_stats st;
	/* per VIP slot (VS_MAX_VIPS): the VIPs' own counters */
	struct vs_vip_stats *vst;
	uint64_t idle_since; /* TSC of the first empty poll in a row, 0 busy */
	uint64_t garp_next;
	bool garp_active;    /* some VIP has gratuitous ARPs to send */
	bool announce;       /* this worker sends GARPs (worker 0) */
	uint32_t added_seen; /* VIPs added at run time, as last seen */
	uint64_t mcast_next; /* next IGMP report / MRD advertisement */
	uint16_t q;
	bool host_rx;     /* this worker polls host RX queue q */
	bool main_duties; /* on the main lcore: also run vs_app_tick() */
	bool mcast;       /* this worker sends IGMP / MRD */
	unsigned int lcore;
	struct rte_ip_frag_tbl *frag_tbl; /* port modes: reassembly */
	uint64_t frag_next_expire;
	struct rte_ip_frag_death_row dr;
	/* hitless moves: this worker's new flows (NULL: no moves here) */
	struct vs_move_table *move_table;
	uint64_t move_sweep_next; /* TSC */
} __rte_cache_aligned;

/* Mbufs one worker may hold besides its rings: its fragment table. */
unsigned int vs_worker_mbufs_held(const struct vs_app *a);

/*
 * Workers 0..nb-1: worker q on lcores[q] serves queue pair q of the ports
 * (a->ports), with its per-VIP counters and its fragment table (when VIPs
 * may reassemble) on that lcore's socket; worker 0 also announces (GARP,
 * IGMP). The RCU state the workers report quiescence to is made here
 * (a->vips.qsbr). The product, --bench and the fuzzers all set up their
 * workers here.
 */
int vs_worker_setup(struct vs_app *a, const unsigned int *lcores, uint16_t nb);

/* Free the fragment tables, counters and RCU state (after
 * vs_worker_drain). */
void vs_worker_fini(struct vs_app *a);

/*
 * A worker's timers, between bursts: gratuitous ARPs, IGMP reports and
 * router advertisements, fragment expiry (every 100 ms).
 */
void vs_worker_housekeeping(struct vs_worker *w, uint64_t now);

/* The poll loop of an lcore (rte_eal_remote_launch), until vs_app_stop.
 * It reports a quiescent state (RCU) once per iteration and is offline
 * while it sleeps (--idle-sleep) and once it returns. */
int vs_worker_main(void *arg);

/* One burst from the NIC / from the host: steer, transmit, free. */
void vs_worker_nic_burst(struct vs_worker *w, struct rte_mbuf **pkts,
			 uint16_t nb, uint64_t now);
void vs_worker_host_burst(struct vs_worker *w, struct rte_mbuf **pkts,
			  uint16_t nb);

/* After the loops stopped: drop what is still held for reassembly, so
 * every mbuf is back in the pool and every fragment counted. */
void vs_worker_drain(struct vs_worker *w);

#endif /* VS_WORKER_H */
