/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hitless moves wired to the app (lib/move does the rest): a table of new
 * flows per worker, a struct vs_move_vip per VIP slot over the VIP's
 * ownership set, the commands (drain, add, del), the control tick and an
 * inet_diag thread that counts the drainer's old connections off the tick.
 *
 * The workers take the move path (vs_move_accept for a frame of a number
 * in a move) only while some VIP has a number draining, filling or
 * pending (active > 0); otherwise the data path is the one without moves,
 * instruction for instruction. Control raises active, and waits for every
 * worker's next quiescent state, before it publishes a move, so no worker
 * can see a number leave the ownership set while it still skips the move
 * view.
 *
 * Everything but active and the tables runs under the app's control lock.
 */
#ifndef VS_MOVES_H
#define VS_MOVES_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_lcore.h>

#include "vs_move.h"

struct vs_app;

/* A VIP's pending inet_diag query (the diag thread answers it). */
struct vs_moves_diag {
	struct vs_hash_cfg hash;
	bool asked;  /* waiting for the thread */
	bool busy;   /* the thread runs it */
	bool answered;
	struct vs_move_diag_answer ans;
};

struct vs_moves {
	bool enabled;
	/* VIP slots with a number in a move or pending: the workers take
	 * the move path while it is not 0 (atomics) */
	uint32_t active;
	bool vip_active[VS_MAX_VIPS];
	struct vs_move_table_cfg tcfg;
	struct vs_move_cfg cfg;
	struct vs_move_table *tables[RTE_MAX_LCORE]; /* by worker */
	struct vs_move_pool pool;
	struct vs_move_vip *vip;     /* [VS_MAX_VIPS], by VIP slot */
	uint64_t vip_start_ms[VS_MAX_VIPS];
	uint64_t next_tick_ms;
	/* removed VIPs' counters, so that the totals never go down */
	struct vs_move_ctl_stats gone;
	/* the inet_diag thread */
	pthread_t diag_thread;
	bool diag_running, diag_quit;
	pthread_mutex_t diag_lock;
	pthread_cond_t diag_cond;
	struct vs_moves_diag diag[VS_MAX_VIPS];
};

/* Tables for the workers (after vs_worker_setup), the VIPs' states, the
 * diag thread. 0 or -ENOMEM. */
int vs_moves_init(struct vs_app *a);
void vs_moves_fini(struct vs_app *a);

/* A VIP added (its ownership set final) / removed. Control lock held. */
void vs_moves_vip_start(struct vs_app *a, unsigned int slot);
void vs_moves_vip_stop(struct vs_app *a, unsigned int slot);

/*
 * Commands, control lock held. Return what lib/move's do (add: the new
 * state), with a one-line message in msg when they refuse.
 */
int vs_moves_drain(struct vs_app *a, unsigned int slot, unsigned int node,
		   uint32_t timeout_ms, char *msg, size_t size);
int vs_moves_add(struct vs_app *a, unsigned int slot, unsigned int node,
		 char *msg, size_t size);
int vs_moves_del(struct vs_app *a, unsigned int slot, unsigned int node,
		 char *msg, size_t size);

/* The main lcore, every few ms (trylock on the control lock). */
void vs_moves_tick(struct vs_app *a, uint64_t now_tsc);

/* What to announce for a VIP (its numbers by state). Control lock held. */
void vs_moves_masks(const struct vs_app *a, unsigned int slot,
		    uint64_t *owned, uint64_t *draining, uint64_t *filling);

/* A VIP's numbers in a state, as a mask (control lock held). */
uint64_t vs_moves_state_mask(const struct vs_app *a, unsigned int slot,
			     unsigned int state);

/*
 * Counters: a VIP's (slot >= 0) or the totals (slot < 0, removed VIPs
 * included): move_drains, ..., move_new_flows, ..., and the tables'
 * gauges move_table_entries (entries held now, summed over the workers'
 * slots of the moves in progress) and move_table_cap.
 */
void vs_moves_foreach(const struct vs_app *a, int slot,
		      void (*fn)(void *ctx, const char *name, uint64_t v),
		      void *ctx);

/* The worker's move path is on (once per burst). */
static inline bool
vs_moves_active(const struct vs_moves *m)
{
	return __atomic_load_n(&m->active, __ATOMIC_ACQUIRE) != 0;
}

#endif /* VS_MOVES_H */
