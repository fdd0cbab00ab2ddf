/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The application state: built from the settings, ticked by the main
 * lcore; VIPs added and removed at run time.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>

#include "vs_app.h"
#include "vs_log.h"
#include "vs_stats.h"

RTE_LOG_REGISTER(vs_logtype_app, vipshare.app, INFO);

struct vs_app vs_app;

#define REPLAY_IDLE_MS 100

int
vs_app_init(struct vs_app *a, const struct vs_conf *c)
{
	memset(a, 0, sizeof(*a));
	a->conf = *c;
	pthread_mutex_init(&a->ctl_lock, NULL);
	vs_port_none(&a->ports);
	if (vs_vip_table_init(&a->vips, c) < 0)
		return -EINVAL;
	a->needs_reassembly =
		!c->bench.enabled || vs_vip_table_needs_reassembly(&a->vips);
	a->tsc_hz = rte_get_tsc_hz();
	return 0;
}

/* The cluster MACs the NIC must receive: the published VIPs', but the
 * one of slot skip, plus extra (when not NULL). */
static int
mcast_set(struct vs_app *a, int skip, const struct rte_ether_addr *extra)
{
	const struct vs_vipmap *m = a->vips.map;
	struct rte_ether_addr macs[VS_MAX_VIPS + 1];
	unsigned int i, n = 0;

	for (i = 0; i < m->n; i++)
		if (m->slot[i] != skip)
			macs[n++] = a->vips.v[m->slot[i]].arp.cluster_mac;
	if (extra)
		macs[n++] = *extra;
	return vs_port_mcast_set(&a->ports, macs, n);
}

int
vs_app_vip_add(struct vs_app *a, const char *args, char *err, size_t errlen)
{
	struct vs_vip_conf vc;
	struct vs_vip *vip;
	char name[32], nodes[256];
	unsigned int i;
	int slot, r;

	r = vs_conf_parse_vip(&a->conf, args, &vc, err, errlen);
	if (r < 0)
		return r;
	if (vs_hash_needs_ports(&vc.hash) && !a->needs_reassembly) {
		snprintf(err, errlen, "no fragment tables for a port mode");
		return -ENOTSUP;
	}
	slot = vs_vip_prepare(&a->vips, &vc, err, errlen);
	if (slot < 0)
		return slot;
	vip = &a->vips.v[slot];
	vs_vip_format(vip, name, sizeof(name));
	/* a reused slot starts from zero; no worker writes it now */
	for (i = 0; i < a->nb_workers; i++)
		memset(&a->workers[i].vst[slot], 0,
		       sizeof(a->workers[i].vst[slot]));
	/* the host must own the address before frames for it go up */
	if (!a->conf.no_host_addr) {
		r = vs_port_host_addr(&a->ports, vip->hash.vip, vip->prefix,
				      true);
		if (r < 0) {
			snprintf(err, errlen, "VIP %s: host address: %s", name,
				 strerror(-r));
			vs_vip_unprepare(&a->vips, (unsigned int)slot);
			return r;
		}
	}
	r = mcast_set(a, -1, &vip->arp.cluster_mac);
	if (r < 0)
		VS_LOG(app, WARNING,
		       "VIP %s: NIC multicast filter not updated (%s)\n", name,
		       strerror(-r));
	vs_vip_publish_add(&a->vips, (unsigned int)slot);
	vs_moves_vip_start(a, (unsigned int)slot);
	if (vs_coverage_vip_start(a, (unsigned int)slot) < 0)
		VS_LOG(app, WARNING, "VIP %s: no coverage monitor\n", name);
	vs_own_format(vs_own_load(&vip->own), nodes, sizeof(nodes));
	VS_LOG(app, NOTICE, "VIP %s added: nodes %s of %u, %s%s, seed %u\n",
	       name, nodes[0] ? nodes : "none", vip->hash.total_nodes,
	       vs_hash_mode_name(vip->hash.mode),
	       vip->hash.compat == VS_COMPAT_NFT ? " (nft)" : "",
	       vip->hash.hash_init);
	return 0;
}

int
vs_app_vip_del(struct vs_app *a, uint32_t addr, char *err, size_t errlen)
{
	struct vs_vip *vip = vs_vip_find(&a->vips, addr);
	const uint8_t *b = (const uint8_t *)&addr;
	char name[32];
	int r;

	if (vip == NULL) {
		snprintf(err, errlen, "no VIP %u.%u.%u.%u", b[0], b[1], b[2],
			 b[3]);
		return -ENOENT;
	}
	vs_vip_format(vip, name, sizeof(name));
	if (a->vips.map->n == 1) {
		snprintf(err, errlen,
			 "%s is the last VIP: stop the process instead", name);
		return -EBUSY;
	}
	/* Off the host first: until the map stops naming it, frames for it
	 * still go up, and a host without the address drops them rather
	 * than every node answering. */
	if (!a->conf.no_host_addr) {
		r = vs_port_host_addr(&a->ports, vip->hash.vip, vip->prefix,
				      false);
		if (r < 0 && r != -EADDRNOTAVAIL)
			VS_LOG(app, WARNING, "VIP %s: host address: %s\n", name,
			       strerror(-r));
	}
	r = mcast_set(a, vip->slot, NULL);
	if (r < 0)
		VS_LOG(app, WARNING,
		       "VIP %s: NIC multicast filter not updated (%s)\n", name,
		       strerror(-r));
	vs_coverage_vip_stop(a, vip->slot);
	vs_moves_vip_stop(a, vip->slot);
	vs_vip_remove(&a->vips, vip->slot);
	VS_LOG(app, NOTICE, "VIP %s removed\n", name);
	return 0;
}

void
vs_app_tick(struct vs_app *a, uint64_t now)
{
	static uint64_t next_stats;
	unsigned int i;

	vs_coverage_tick(a, now);
	vs_moves_tick(a, now);
	if (a->conf.stats_interval && now >= next_stats) {
		if (next_stats)
			vs_stats_print_line(a, stdout);
		next_stats = now + a->conf.stats_interval * a->tsc_hz;
	}
	if (!a->conf.replay)
		return;
	/* Replay ends when every worker has seen nothing for 100 ms and
	 * every VIP's gratuitous ARPs went out. */
	for (i = 0; i < VS_MAX_VIPS; i++)
		if (__atomic_load_n(&a->vips.v[i].garp_left, __ATOMIC_RELAXED))
			return;
	for (i = 0; i < a->nb_workers; i++) {
		const struct vs_worker *w = &a->workers[i];
		uint64_t since =
			__atomic_load_n(&w->idle_since, __ATOMIC_RELAXED);

		if (since == 0 ||
		    now - since < a->tsc_hz * REPLAY_IDLE_MS / 1000)
			return;
	}
	vs_app_stop(a);
}
