/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The application state: built from the settings, ticked by the main
 * lcore.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>

#include "vs_app.h"
#include "vs_stats.h"

struct vs_app vs_app;

#define REPLAY_IDLE_MS 100

int
vs_app_init(struct vs_app *a, const struct vs_conf *c)
{
	memset(a, 0, sizeof(*a));
	a->conf = *c;
	vs_port_none(&a->ports);
	if (vs_vip_table_init(&a->vips, c) < 0)
		return -EINVAL;
	a->needs_reassembly = vs_vip_table_needs_reassembly(&a->vips);
	a->tsc_hz = rte_get_tsc_hz();
	return 0;
}

void
vs_app_tick(struct vs_app *a, uint64_t now)
{
	static uint64_t next_stats;
	unsigned int i;

	if (a->conf.stats_interval && now >= next_stats) {
		if (next_stats)
			vs_stats_print_line(a, stdout);
		next_stats = now + a->conf.stats_interval * a->tsc_hz;
	}
	if (!a->conf.replay)
		return;
	/* Replay ends when every worker has seen nothing for 100 ms. */
	for (i = 0; i < a->nb_workers; i++) {
		const struct vs_worker *w = &a->workers[i];
		uint64_t since =
			__atomic_load_n(&w->idle_since, __ATOMIC_RELAXED);

		if (since == 0 ||
		    __atomic_load_n(&w->garp_left, __ATOMIC_RELAXED) ||
		    now - since < a->tsc_hz * REPLAY_IDLE_MS / 1000)
			return;
	}
	vs_app_stop(a);
}
