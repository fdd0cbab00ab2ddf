/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The application state, one per process: the settings, the VIPs, the
 * ports and the workers, and the flags the lcores share. main.c builds it
 * top-down: settings (vs_conf), EAL, vs_app_init, vs_port_init,
 * vs_worker_setup; --bench and the fuzzers build it the same way.
 */
#ifndef VS_APP_H
#define VS_APP_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_lcore.h>

#include "vs_conf.h"
#include "vs_coverage.h"
#include "vs_moves.h"
#include "vs_port.h"
#include "vs_vip.h"
#include "vs_worker.h"

struct vs_app {
	struct vs_conf conf;
	struct vs_vip_table vips;
	struct vs_ports ports;
	/* workers reassemble: always in the product (a VIP that hashes
	 * ports may be added at run time), in --bench when a VIP needs it */
	bool needs_reassembly;
	/* Control (telemetry threads): one change or report at a time. */
	pthread_mutex_t ctl_lock;
	uint64_t tsc_hz;
	/* the coverage monitor: its rings, a monitor per VIP */
	struct vs_coverage cov;
	/* hitless moves: the workers' tables, a VIP's numbers' states */
	struct vs_moves moves;
	/* Shared between lcores (and the signal handler): only through
	 * the functions below, which use atomics. */
	bool quit;            /* every loop stops */
	bool igmp_query_seen; /* a worker saw a query: worker 0 reports */
	uint16_t nb_workers;
	struct vs_worker workers[RTE_MAX_LCORE];
};

extern struct vs_app vs_app;

/*
 * The state from the settings (after the EAL started): the VIPs, and no
 * ports or workers yet. -EINVAL when the settings cannot be run.
 */
int vs_app_init(struct vs_app *a, const struct vs_conf *c);

/*
 * Control side, under a->ctl_lock (vs_app_ctl_lock): add a VIP from the
 * words of a runtime "vip add" ("A.B.C.D/P --node K/N ..."): its address
 * on the host interface, its cluster MAC in the NIC's filter, then the
 * map that names it published. 0, or < 0 with a one-line message in err.
 */
int vs_app_vip_add(struct vs_app *a, const char *args, char *err,
		   size_t errlen);

/*
 * Remove the VIP with address addr (network order): off the host
 * interface, out of the map, and once no worker can see it, its slot
 * freed and its cluster MAC out of the NIC's filter. The last VIP is not
 * removed (-EBUSY: stop the process instead). 0 or < 0, message in err.
 */
int vs_app_vip_del(struct vs_app *a, uint32_t addr, char *err, size_t errlen);

static inline void
vs_app_ctl_lock(struct vs_app *a)
{
	pthread_mutex_lock(&a->ctl_lock);
}

static inline void
vs_app_ctl_unlock(struct vs_app *a)
{
	pthread_mutex_unlock(&a->ctl_lock);
}

/*
 * The main lcore's duties, every ~5 ms (on worker 0 when it is the only
 * lcore): the coverage monitor, the --stats-interval line, and the end of
 * a --replay (every worker idle for 100 ms, GARPs sent), which stops the
 * loops.
 */
void vs_app_tick(struct vs_app *a, uint64_t now);

/* Stop every loop: from a signal handler, the main lcore or a worker. */
static inline void
vs_app_stop(struct vs_app *a)
{
	__atomic_store_n(&a->quit, true, __ATOMIC_RELAXED);
}

static inline bool
vs_app_stopping(const struct vs_app *a)
{
	return __atomic_load_n(&a->quit, __ATOMIC_RELAXED);
}

/* Any worker: an IGMP query was seen, answer it with reports. */
static inline void
vs_app_igmp_query_seen(struct vs_app *a)
{
	__atomic_store_n(&a->igmp_query_seen, true, __ATOMIC_RELAXED);
}

/* Worker 0: was a query seen since the last call? Clears the flag, in
 * one step, so a query seen meanwhile is not lost. */
static inline bool
vs_app_igmp_query_take(struct vs_app *a)
{
	/* a plain load first: the exchange only when there is something */
	return __atomic_load_n(&a->igmp_query_seen, __ATOMIC_RELAXED) &&
	       __atomic_exchange_n(&a->igmp_query_seen, false,
				   __ATOMIC_RELAXED);
}

#endif /* VS_APP_H */
