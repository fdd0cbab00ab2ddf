/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Counters: the workers' added up, with the ports' own, as the --replay
 * JSON and the --stats-interval line. The telemetry command
 * (control.c) gives the same names.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_mempool.h>

#include "vs_app.h"
#include "vs_log.h"
#include "vs_stats.h"

void
vs_stats_sum(const struct vs_app *a, struct vs_stats *s)
{
	unsigned int i, r;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < a->nb_workers; i++) {
		const struct vs_stats *w = &a->workers[i].st;
#define VS_STAT_ADD(n) s->n += w->n;
		VS_STATS_ALL(VS_STAT_ADD)
#undef VS_STAT_ADD
		for (r = 0; r < VS_PKT_DROP_MAX; r++)
			s->malformed_why[r] += w->malformed_why[r];
#define VS_WIRE_ADD(n) s->wire.n += w->wire.n;
		VS_WIRE_STATS(VS_WIRE_ADD)
#undef VS_WIRE_ADD
	}
}

void
vs_stats_vip_sum(const struct vs_app *a, unsigned int slot,
		 struct vs_vip_stats *s)
{
	unsigned int i, n;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < a->nb_workers; i++) {
		const struct vs_vip_stats *w = &a->workers[i].vst[slot];

#define VS_STAT_ADD(c) s->c += w->c;
		VS_VIP_STATS_ALL(VS_STAT_ADD)
#undef VS_STAT_ADD
		for (n = 0; n < VS_MAX_NODES; n++) {
			s->seen[n] += w->seen[n];
			s->accepted[n] += w->accepted[n];
		}
	}
}

bool
vs_stats_vip_consistent(const struct vs_vip_stats *s)
{
	uint64_t outcomes = 0;

#define VS_STAT_ADD(c) outcomes += s->c;
	VS_VIP_STATS_OUTCOMES(VS_STAT_ADD)
#undef VS_STAT_ADD
	return outcomes == s->rx;
}

void
vs_stats_vip_foreach(const struct vs_vip_stats *s,
		     void (*fn)(void *ctx, const char *name, uint64_t v),
		     void *ctx)
{
#define VS_STAT_FN(c) fn(ctx, #c, s->c);
	VS_VIP_STATS_ALL(VS_STAT_FN)
#undef VS_STAT_FN
}

bool
vs_stats_consistent(const struct vs_stats *s)
{
	uint64_t outcomes = 0, malformed = s->malformed_frag_linearize;
	unsigned int r;

#define VS_STAT_ADD(n) outcomes += s->n;
	VS_STATS_OUTCOMES(VS_STAT_ADD)
#undef VS_STAT_ADD
	for (r = VS_PKT_DROP_NONE + 1; r < VS_PKT_DROP_MAX; r++)
		malformed += s->malformed_why[r];
	return outcomes == s->rx && malformed == s->malformed &&
	       s->malformed_why[VS_PKT_DROP_NONE] == 0 &&
	       s->tx_wire_drop == s->tx_wire_full + s->tx_wire_announce_fail &&
	       s->tx_host_drop == s->tx_host_full + s->tx_host_refrag_fail &&
	       s->frag_held >= s->frag_done + s->frag_expired;
}

void
vs_stats_foreach_counter(const struct vs_stats *s,
			 void (*fn)(void *ctx, const char *name, uint64_t v),
			 void *ctx)
{
	char name[64];
	unsigned int r;

#define VS_STAT_FN(n) fn(ctx, #n, s->n);
	VS_STATS_ALL(VS_STAT_FN)
#undef VS_STAT_FN
	for (r = VS_PKT_DROP_NONE + 1; r < VS_PKT_DROP_MAX; r++) {
		snprintf(name, sizeof(name), "malformed_%s",
			 vs_pkt_drop_name(r));
		fn(ctx, name, s->malformed_why[r]);
	}
#define VS_WIRE_FN(n) fn(ctx, #n, s->wire.n);
	VS_WIRE_STATS(VS_WIRE_FN)
#undef VS_WIRE_FN
}

/*
 * The NIC's own counters (rte_eth_stats): what our counters cannot see,
 * frames the NIC dropped because a worker fell behind (imissed) or found
 * no mbuf (rx_nombuf). Zero for a port that cannot say.
 */
#define VS_NIC_STATS(X) \
	X(ipackets) X(imissed) X(ierrors) X(rx_nombuf) X(opackets) X(oerrors)

static void
port_stats(const struct vs_app *a, struct rte_eth_stats *nic,
	   struct vs_host_stats *host)
{
	memset(nic, 0, sizeof(*nic));
	if (a->ports.nic < RTE_MAX_ETHPORTS)
		rte_eth_stats_get(a->ports.nic, nic);
	vs_host_stats(&a->ports.host, host);
}

/*
 * The host port's, from its module (vs_host.h): frames across the kernel
 * boundary (a super-frame once), super-frames each way and the wire frames
 * they carried, and the frames from the kernel dropped by reason.
 */
static void
host_stats_foreach(const struct vs_host_stats *h,
		   void (*fn)(void *ctx, const char *name, uint64_t v),
		   void *ctx)
{
	char name[64];
	unsigned int e;

	fn(ctx, "host_ipackets", h->host_rx);
	fn(ctx, "host_opackets", h->host_tx);
	fn(ctx, "host_oerrors", h->host_tx_drop);
	fn(ctx, "host_rx_super", h->host_rx_super);
	fn(ctx, "host_tx_super", h->host_tx_super);
	fn(ctx, "host_tx_wire", h->host_tx_wire);
	fn(ctx, "host_rx_nombuf", h->host_rx_nombuf);
	fn(ctx, "host_vnet_bad", h->host_vnet_bad);
	fn(ctx, "host_gso_unsupported", h->host_gso_unsupported);
	fn(ctx, "host_too_long", h->host_too_long);
	for (e = VS_VNET_OK + 1; e < VS_VNET_E_MAX; e++) {
		snprintf(name, sizeof(name), "host_vnet_%s",
			 vs_vnet_err_name(e));
		fn(ctx, name, h->vnet_err[e]);
	}
}

void
vs_stats_foreach(const struct vs_app *a, const struct vs_stats *s,
		 void (*fn)(void *ctx, const char *name, uint64_t v), void *ctx)
{
	struct rte_eth_stats nic;
	struct vs_host_stats host;

	port_stats(a, &nic, &host);
	vs_stats_foreach_counter(s, fn, ctx);
#define VS_NIC_FN(n) fn(ctx, "nic_" #n, nic.n);
	VS_NIC_STATS(VS_NIC_FN)
#undef VS_NIC_FN
	host_stats_foreach(&host, fn, ctx);
	/* fragments sitting in the reassembly tables now */
	fn(ctx, "frag_in_table", s->frag_held - s->frag_done - s->frag_expired);
	/* the coverage monitor's: every VIP's and what none took */
	vs_coverage_foreach(a, -1, fn, ctx);
	/* hitless moves: every VIP's, the removed ones' included */
	vs_moves_foreach(a, -1, fn, ctx);
}

void
vs_stats_mac(const struct rte_ether_addr *mac, char *buf, size_t size)
{
	char *p;

	rte_ether_format_addr(buf, (uint16_t)size, mac);
	for (p = buf; *p; p++)
		*p = (char)tolower((unsigned char)*p);
}

static void
json_u64(void *ctx, const char *name, uint64_t v)
{
	fprintf(ctx, "\"%s\":%" PRIu64 ",", name, v);
}

static void
json_array(FILE *f, const char *name, const uint64_t *v, unsigned int n)
{
	unsigned int i;

	fprintf(f, "\"%s\":[", name);
	for (i = 0; i < n; i++)
		fprintf(f, "%s%" PRIu64, i ? "," : "", v[i]);
	fputc(']', f);
}

/* A VIP's settings as JSON members (no braces), trailing comma. */
static void
json_vip_settings(FILE *f, const struct vs_vip *vip, bool with_prefix)
{
	char nodes[256], cmac[RTE_ETHER_ADDR_FMT_SIZE];

	vs_own_format(vs_own_load(&vip->own), nodes, sizeof(nodes));
	vs_stats_mac(&vip->arp.cluster_mac, cmac, sizeof(cmac));
	if (with_prefix)
		fprintf(f, "\"prefix\":%u,", vip->prefix);
	fprintf(f,
		"\"nodes\":\"%s\",\"total_nodes\":%u,\"hashmode\":\"%s\","
		"\"hash_compat\":\"%s\",\"hash_init\":%u,\"cluster_mac\":\"%s\",",
		nodes, vip->hash.total_nodes, vs_hash_mode_name(vip->hash.mode),
		vs_hash_compat_name(vip->hash.compat), vip->hash.hash_init,
		cmac);
}

/* "vips": {"A.B.C.D": {settings, counters, seen, accepted}, ...} */
static void
json_vips(const struct vs_app *a, FILE *f)
{
	const struct vs_vipmap *vm = vs_vip_map(&a->vips);
	struct vs_vip_stats vs;
	char addr[32];
	unsigned int i;

	fputs("\"vips\":{", f);
	for (i = 0; i < vm->n; i++) {
		const struct vs_vip *vip = vs_vip_at(&a->vips, vm->slot[i]);

		vs_vip_format_addr(vip, addr, sizeof(addr));
		vs_stats_vip_sum(a, vip->slot, &vs);
		fprintf(f, "%s\"%s\":{", i ? "," : "", addr);
		json_vip_settings(f, vip, true);
		vs_stats_vip_foreach(&vs, json_u64, f);
		vs_coverage_foreach(a, vip->slot, json_u64, f);
		vs_moves_foreach(a, vip->slot, json_u64, f);
		json_array(f, "seen", vs.seen, vip->hash.total_nodes);
		fputc(',', f);
		json_array(f, "accepted", vs.accepted, vip->hash.total_nodes);
		fputc('}', f);
	}
	fputs("},", f);
}

void
vs_stats_print_json(const struct vs_app *a, FILE *f)
{
	const struct vs_vipmap *vm = vs_vip_map(&a->vips);
	char nmac[RTE_ETHER_ADDR_FMT_SIZE], hmac[RTE_ETHER_ADDR_FMT_SIZE];
	struct vs_stats s;
	unsigned int i;

	vs_stats_sum(a, &s);
	vs_stats_mac(&a->ports.nic_mac, nmac, sizeof(nmac));
	vs_stats_mac(&a->ports.host_mac, hmac, sizeof(hmac));
	fputc('{', f);
	vs_stats_foreach(a, &s, json_u64, f);
	/* one VIP: its settings at the top level, as before there were
	 * several; every VIP's under "vips" */
	if (vm->n == 1)
		json_vip_settings(f, vs_vip_at(&a->vips, vm->slot[0]), false);
	json_vips(a, f);
	fprintf(f,
		"\"nic_mac\":\"%s\",\"host_mac\":\"%s\","
		"\"mbuf_in_use_start\":%" PRIu64 ",\"mbuf_in_use_end\":%u,"
		"\"worker_rx\":[",
		nmac, hmac, a->ports.mbuf_in_use_start,
		rte_mempool_in_use_count(a->ports.pool));
	/* per worker (= NIC queue): shows how RSS spreads the load */
	for (i = 0; i < a->nb_workers; i++)
		fprintf(f, "%s%" PRIu64, i ? "," : "", a->workers[i].st.rx);
	fputs("]}\n", f);
	fflush(f);
}

void
vs_stats_print_line(const struct vs_app *a, FILE *f)
{
	struct rte_eth_stats nic;
	struct vs_host_stats host;
	struct vs_stats s;

	vs_stats_sum(a, &s);
	port_stats(a, &nic, &host);
	vs_log_stamp(f);
	/* the JSON's keys and values: the outcomes (they add up to rx),
	 * datagrams, what the host sent, every loss, the host port's
	 * super-frames (GRO into the kernel, TSO out of it) and refusals */
	fprintf(f,
		"stats: rx=%" PRIu64 " arp_reply=%" PRIu64 " arp_to_host=%" PRIu64
		" vip_owned=%" PRIu64 " vip_not_owned=%" PRIu64
		" other_to_host=%" PRIu64 " malformed=%" PRIu64
		" frag_held=%" PRIu64 " frag_owned=%" PRIu64
		" frag_not_owned=%" PRIu64 " host_to_wire=%" PRIu64
		" tx_wire_drop=%" PRIu64 " tx_host_drop=%" PRIu64
		" wire_tso_drop=%" PRIu64 " nic_imissed=%" PRIu64
		" nic_rx_nombuf=%" PRIu64 " host_tx_super=%" PRIu64
		" host_rx_super=%" PRIu64 " host_vnet_bad=%" PRIu64
		" host_gso_unsupported=%" PRIu64 " host_too_long=%" PRIu64 "\n",
		s.rx, s.arp_reply, s.arp_to_host, s.vip_owned, s.vip_not_owned,
		s.other_to_host, s.malformed, s.frag_held, s.frag_owned,
		s.frag_not_owned, s.host_to_wire, s.tx_wire_drop,
		s.tx_host_drop, s.wire.wire_tso_drop, nic.imissed,
		nic.rx_nombuf, host.host_tx_super, host.host_rx_super,
		host.host_vnet_bad, host.host_gso_unsupported,
		host.host_too_long);
	fflush(f);
}
