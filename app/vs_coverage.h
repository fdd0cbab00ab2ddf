/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The coverage monitor wired to the ports (lib/cover does the rest):
 * one monitor per VIP, run by the main lcore's tick. Announcements
 * (ethertype 0x88B5) the workers receive come to it through a ring, the
 * ones it builds go out through worker 0's NIC queue through another:
 * the data path only counts frames per node number (vs_vip_stats.seen,
 * .accepted) and hands over the few 0x88B5 frames.
 *
 * Everything here but the rings runs under the app's control lock: the
 * tick takes it with trylock (control may hold it while it waits for the
 * workers, and with one lcore the tick runs on worker 0), the telemetry
 * commands and VIP changes take it as they always do.
 */
#ifndef VS_COVERAGE_H
#define VS_COVERAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_ring.h>

#include "vs_cover.h"

struct vs_app;
struct vs_coverage_vip;

/* Frames the rings hold: a flood beyond this is counted and dropped. */
#define VS_COVERAGE_RING 256

struct vs_coverage {
	bool enabled;
	struct rte_ring *rx; /* workers -> tick: received announcements */
	struct rte_ring *tx; /* tick -> worker 0: announcements to send */
	/* parses before the frame's VIP is known (the monitors hold their
	 * own copy of the key) */
	struct vs_cover_key *key;
	/* frames no VIP's monitor took: parse rejections, unknown VIP */
	struct vs_cover_stats unrouted;
	/* the removed VIPs' counters, so that the totals never go down */
	struct vs_cover_stats gone;
	uint64_t gone_tx_fail;
	struct vs_coverage_vip *vip[VS_MAX_VIPS]; /* by slot */
};

/* Counters of the totals and of one VIP, by name: announce_sent, ... */
#define VS_COVERAGE_STATS(X)                                            \
	X(announce_sent)     /* built and handed to worker 0 */         \
	X(announce_tx_fail)  /* ... no mbuf, ring full */               \
	X(announce_received) /* 0x88B5 frames the monitor examined */  \
	X(announce_accepted) /* ... that updated a peer table */       \
	X(announce_rejected) /* ... counted and ignored: the sum of */ \
	X(announce_missed)   /* peers' announcements never received */

/*
 * The rings and the parse key (after the ports, before the workers).
 * Nothing when --announce off. 0 or -ENOMEM / -EINVAL.
 */
int vs_coverage_init(struct vs_app *a);
void vs_coverage_fini(struct vs_app *a);

/* A VIP's monitor, when it is added (slot live, settings final) / when
 * it goes. Control lock held. */
int vs_coverage_vip_start(struct vs_app *a, unsigned int slot);
void vs_coverage_vip_stop(struct vs_app *a, unsigned int slot);

/* The main lcore, every few ms: received frames in, announcements out,
 * the coverage computed and its changes logged. */
void vs_coverage_tick(struct vs_app *a, uint64_t now_tsc);

/* Worker 0, between bursts: send what the tick built on NIC queue q.
 * The number the queue did not take (freed). */
unsigned int vs_coverage_send(struct vs_app *a, uint16_t q);

/*
 * Control lock held. The `vipshare-ctl coverage` object of a VIP (the
 * contract of lib/cover's vs_cover_json, plus "yield": the numbers this
 * node loses the tie-break for, and "summary"). Its length, -ENOENT
 * before the first result, -ENOTSUP when announcements are off, -ENOSPC.
 */
int vs_coverage_json(const struct vs_app *a, unsigned int slot, char *buf,
		     size_t size);

/* "ok", or the conditions: "duplicate:2+4,hole:3,mismatch,black_holed:1,
 * double_accepted:5", "yield:2" when this node loses a duplicate's
 * tie-break; "starting" before the first result, "off". */
int vs_coverage_summary(const struct vs_app *a, unsigned int slot, char *buf,
			size_t size);

/* A number drained and not filled is a hole only after this long. */
#define VS_COVERAGE_DRAIN_GRACE_MS 2000

/*
 * The union of the live peers' masks with our settings (mismatched peers
 * left out), as of the last result. 0, -ENOENT before the first result,
 * -ENOTSUP when announcements are off. Control lock held.
 */
int vs_coverage_peer_masks(const struct vs_app *a, unsigned int slot,
			   uint64_t *owned, uint64_t *draining,
			   uint64_t *filling);

/* Counters (VS_COVERAGE_STATS and announce_rejected_<reason>) of one VIP
 * (slot >= 0) or the totals (slot < 0, the removed VIPs' and the frames
 * no VIP took included). Control lock held, or the loops stopped. */
void vs_coverage_foreach(const struct vs_app *a, int slot,
			 void (*fn)(void *ctx, const char *name, uint64_t v),
			 void *ctx);

#endif /* VS_COVERAGE_H */
