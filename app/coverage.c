/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The coverage monitor, per VIP, on the main lcore (vs_coverage.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>

#include "vs_app.h"
#include "vs_coverage.h"
#include "vs_log.h"
#include "vs_moves.h"

RTE_LOG_REGISTER(vs_logtype_cover, vipshare.coverage, INFO);

struct vs_coverage_vip {
	struct vs_cover *mon;
	uint64_t tx_fail;
	bool have;  /* cur holds a result */
	bool heard; /* a peer's announcement came since the last compute */
	uint64_t yield;
	/* numbers some live node drains: since when (hole grace) */
	uint64_t drained;
	uint64_t drained_ms[VS_MAX_NODES];
	struct vs_cover_result cur, prev;
	uint8_t frame[VS_COVER_FRAME_MAX];
};

static uint64_t
now_ms(const struct vs_app *a, uint64_t tsc)
{
	return tsc / (a->tsc_hz / 1000);
}

/* Wall clock in ms: the first sequence number, above any a previous
 * incarnation of this node could have sent (one per >= 50 ms). */
static uint64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int
vs_coverage_init(struct vs_app *a)
{
	struct vs_coverage *cv = &a->cov;
	char name[RTE_RING_NAMESIZE];
	int r;

	if (!a->conf.announce)
		return 0;
	snprintf(name, sizeof(name), "vs_cov_rx");
	cv->rx = rte_ring_create(name, VS_COVERAGE_RING, SOCKET_ID_ANY,
				 RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "vs_cov_tx");
	cv->tx = rte_ring_create(name, VS_COVERAGE_RING, SOCKET_ID_ANY,
				 RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (cv->rx == NULL || cv->tx == NULL) {
		VS_LOG(cover, ERR, "coverage rings: %s\n",
		       rte_strerror(rte_errno));
		return -ENOMEM;
	}
	if (a->conf.cluster_key_len) {
		r = vs_cover_key_create(a->conf.cluster_key,
					a->conf.cluster_key_len, &cv->key);
		if (r < 0)
			return r;
	}
	cv->enabled = true;
	return 0;
}

static void
free_ring(struct rte_ring *r)
{
	struct rte_mbuf *m;

	if (r == NULL)
		return;
	while (rte_ring_dequeue(r, (void **)&m) == 0)
		rte_pktmbuf_free(m);
	rte_ring_free(r);
}

void
vs_coverage_fini(struct vs_app *a)
{
	struct vs_coverage *cv = &a->cov;
	unsigned int i;

	for (i = 0; i < VS_MAX_VIPS; i++)
		vs_coverage_vip_stop(a, i);
	free_ring(cv->rx);
	free_ring(cv->tx);
	cv->rx = cv->tx = NULL;
	vs_cover_key_free(cv->key);
	cv->key = NULL;
	cv->enabled = false;
}

int
vs_coverage_vip_start(struct vs_app *a, unsigned int slot)
{
	struct vs_coverage *cv = &a->cov;
	const struct vs_vip *vip = &a->vips.v[slot];
	struct vs_cover_cfg cfg = {0};
	struct vs_coverage_vip *v;
	char name[32];
	int r;

	if (!cv->enabled)
		return 0;
	v = rte_zmalloc("vs_cov_vip", sizeof(*v), RTE_CACHE_LINE_SIZE);
	if (v == NULL)
		return -ENOMEM;
	cfg.hash = vip->hash;
	cfg.cluster_mac = vip->arp.cluster_mac;
	cfg.node_id = a->ports.nic_mac;
	if (getrandom(&cfg.incarnation, sizeof(cfg.incarnation), 0) !=
	    sizeof(cfg.incarnation))
		cfg.incarnation = rte_rdtsc() ^ wall_ms() << 20;
	cfg.seq0 = wall_ms();
	cfg.interval_ms = a->conf.announce_interval_ms;
	if (a->conf.cluster_key_len) {
		cfg.key = a->conf.cluster_key;
		cfg.key_len = a->conf.cluster_key_len;
	}
	r = vs_cover_create(&cfg, &v->mon);
	if (r < 0) {
		vs_vip_format(vip, name, sizeof(name));
		VS_LOG(cover, ERR, "VIP %s: coverage monitor: %s\n", name,
		       strerror(-r));
		rte_free(v);
		return r;
	}
	cv->vip[slot] = v;
	return 0;
}

static void
stats_add(struct vs_cover_stats *d, const struct vs_cover_stats *s)
{
	unsigned int i;

	d->sent += s->sent;
	d->tx_fail += s->tx_fail;
	d->received += s->received;
	d->accepted += s->accepted;
	d->missed += s->missed;
	for (i = 0; i < VS_COVER_VERDICT_MAX; i++)
		d->rejected[i] += s->rejected[i];
}

void
vs_coverage_vip_stop(struct vs_app *a, unsigned int slot)
{
	struct vs_coverage *cv = &a->cov;
	struct vs_coverage_vip *v = cv->vip[slot];

	if (v == NULL)
		return;
	stats_add(&cv->gone, vs_cover_get_stats(v->mon));
	cv->gone_tx_fail += v->tx_fail;
	vs_cover_free(v->mon);
	rte_free(v);
	cv->vip[slot] = NULL;
}

/* A condition started or ended: one line (stamped like every log line,
 * or by the journal). */
static void
log_event(const struct vs_vip *vip, const struct vs_cover_event *e)
{
	char name[32], what[96];

	vs_vip_format_addr(vip, name, sizeof(name));
	if (vs_cover_event_format(e, what, sizeof(what)) < 0)
		snprintf(what, sizeof(what), "?");
	if (e->start && e->cond != VS_COVER_COND_PEER)
		VS_LOG(cover, WARNING, "coverage %s: %s\n", name, what);
	else
		VS_LOG(cover, NOTICE, "coverage %s: %s\n", name, what);
}

/* Received announcements: parsed once with the cluster key, then given
 * to the monitor of the VIP they name. */
static void
take_input(struct vs_app *a, uint64_t ms)
{
	struct vs_coverage *cv = &a->cov;
	struct rte_mbuf *m[32];
	struct vs_cover_ann ann;
	unsigned int n, i;

	do {
		n = rte_ring_sc_dequeue_burst(cv->rx, (void **)m, RTE_DIM(m),
					      NULL);
		for (i = 0; i < n; i++) {
			enum vs_cover_verdict r;
			struct vs_vip *vip;

			if (m[i]->nb_segs > 1 && rte_pktmbuf_linearize(m[i]))
				r = VS_COVER_REJ_TRUNCATED;
			else
				r = vs_cover_parse(
					rte_pktmbuf_mtod(m[i], uint8_t *),
					m[i]->data_len, cv->key, &ann);
			rte_pktmbuf_free(m[i]);
			if (r != VS_COVER_OK) {
				vs_cover_stats_count(&cv->unrouted, r);
				continue;
			}
			vip = vs_vip_find(&a->vips, ann.vip);
			if (vip == NULL || cv->vip[vip->slot] == NULL) {
				vs_cover_stats_count(&cv->unrouted,
						     VS_COVER_REJ_VIP);
				continue;
			}
			if (vs_cover_update(cv->vip[vip->slot]->mon, &ann,
					    ms) == VS_COVER_OK)
				cv->vip[vip->slot]->heard = true;
		}
	} while (n == RTE_DIM(m));
}

/* The VIP's per-number totals, summed over the workers: only the N
 * entries the monitor reads. */
static void
totals(const struct vs_app *a, unsigned int slot, unsigned int nodes,
       uint64_t *seen, uint64_t *acc)
{
	unsigned int w, n;

	memset(seen, 0, nodes * sizeof(*seen));
	memset(acc, 0, nodes * sizeof(*acc));
	for (w = 0; w < a->nb_workers; w++) {
		const struct vs_vip_stats *s = &a->workers[w].vst[slot];

		for (n = 0; n < nodes; n++) {
			seen[n] += s->seen[n];
			acc[n] += s->accepted[n];
		}
	}
}

static void
send_frame(struct vs_app *a, struct vs_coverage_vip *v, int len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(a->ports.pool);
	char *p = m ? rte_pktmbuf_append(m, (uint16_t)len) : NULL;

	if (p == NULL) {
		rte_pktmbuf_free(m);
		v->tx_fail++;
		return;
	}
	memcpy(p, v->frame, (size_t)len);
	if (rte_ring_sp_enqueue(a->cov.tx, m) < 0) {
		rte_pktmbuf_free(m);
		v->tx_fail++;
	}
}

/*
 * A drain begins before its filler can announce: `drain K` on A, then
 * `add K` on B, which announces filling at its next interval. A number
 * some live node drains and nobody takes new flows of is a hole only once
 * it has been so for VS_COVERAGE_DRAIN_GRACE_MS: time for the add and an
 * announcement. Its new connections' SYNs are dropped meanwhile (the
 * clients retry after 1 s; counted as move_syn_before_fill).
 */
static void
drain_grace(struct vs_coverage_vip *v, uint64_t ms)
{
	struct vs_cover_result *r = &v->cur;
	uint64_t draining = r->draining, young = 0, fresh;
	unsigned int i, n;

	for (i = 0; i < r->n_peers; i++)
		if (!r->peers[i].mismatch)
			draining |= r->peers[i].draining;
	fresh = draining & ~v->drained;
	v->drained = draining;
	for (n = 0; n < VS_MAX_NODES; n++) {
		if (fresh >> n & 1)
			v->drained_ms[n] = ms;
		if ((draining >> n & 1) &&
		    ms - v->drained_ms[n] < VS_COVERAGE_DRAIN_GRACE_MS)
			young |= UINT64_C(1) << n;
	}
	r->holes &= ~young;
}

int
vs_coverage_peer_masks(const struct vs_app *a, unsigned int slot,
		       uint64_t *owned, uint64_t *draining, uint64_t *filling)
{
	const struct vs_coverage_vip *v = a->cov.vip[slot];
	unsigned int i;

	*owned = *draining = *filling = 0;
	if (!a->cov.enabled)
		return -ENOTSUP;
	if (v == NULL || !v->have)
		return -ENOENT;
	for (i = 0; i < v->cur.n_peers; i++) {
		const struct vs_cover_peer_info *p = &v->cur.peers[i];

		if (p->mismatch)
			continue;
		*owned |= p->owned;
		*draining |= p->draining;
		*filling |= p->filling;
	}
	return 0;
}

static void
vip_tick(struct vs_app *a, unsigned int slot, uint64_t ms)
{
	struct vs_coverage_vip *v = a->cov.vip[slot];
	const struct vs_vip *vip = &a->vips.v[slot];
	unsigned int nodes = vip->hash.total_nodes;
	uint64_t seen[VS_MAX_NODES], acc[VS_MAX_NODES];
	struct vs_cover_event ev[VS_COVER_EVENTS_MAX];
	unsigned int i, n;
	int len;

	uint64_t owned, draining, filling;

	/* announced from the next interval on */
	vs_moves_masks(a, slot, &owned, &draining, &filling);
	vs_cover_set_state(v->mon, owned, draining, filling);
	totals(a, slot, nodes, seen, acc);
	len = vs_cover_tick(v->mon, ms, seen, acc, v->frame, sizeof(v->frame));
	if (len > 0)
		send_frame(a, v, len);
	else if (!v->heard)
		return;
	/* an interval closed, or a peer's report let the data-plane window
	 * move on (waiting for our next interval would add up to one to
	 * every condition's time): the coverage as it stands now */
	v->heard = false;
	v->prev = v->cur;
	if (!v->have)
		memset(&v->prev, 0, sizeof(v->prev));
	vs_cover_compute(v->mon, ms, &v->cur);
	drain_grace(v, ms);
	v->have = true;
	v->yield = vs_cover_yield(&v->cur);
	n = vs_cover_diff(&v->prev, &v->cur, ev, RTE_DIM(ev));
	for (i = 0; i < n; i++)
		log_event(vip, &ev[i]);
}

void
vs_coverage_tick(struct vs_app *a, uint64_t now_tsc)
{
	const struct vs_vipmap *vm;
	uint64_t ms = now_ms(a, now_tsc);
	unsigned int i;

	if (!a->cov.enabled || pthread_mutex_trylock(&a->ctl_lock) != 0)
		return;
	take_input(a, ms);
	vm = a->vips.map;
	for (i = 0; i < vm->n; i++)
		if (a->cov.vip[vm->slot[i]])
			vip_tick(a, vm->slot[i], ms);
	vs_app_ctl_unlock(a);
}

unsigned int
vs_coverage_send(struct vs_app *a, uint16_t q)
{
	struct rte_mbuf *m[16];
	unsigned int n;
	uint16_t k;

	n = rte_ring_sc_dequeue_burst(a->cov.tx, (void **)m, RTE_DIM(m), NULL);
	if (n == 0)
		return 0;
	k = rte_eth_tx_burst(a->ports.nic, q, m, (uint16_t)n);
	if (k < n)
		rte_pktmbuf_free_bulk(&m[k], n - k);
	return n - k;
}

/* "2+4" */
static size_t
fmt_nodes(char *buf, size_t size, uint64_t mask)
{
	size_t len = 0;
	unsigned int n;

	buf[0] = '\0';
	for (n = 0; n < VS_MAX_NODES && len < size; n++)
		if (mask >> n & 1)
			len += (size_t)snprintf(buf + len, size - len,
						len ? "+%u" : "%u", n + 1);
	return len;
}

static void
add_cond(char *buf, size_t size, size_t *len, const char *name, uint64_t mask,
	 bool with_nodes)
{
	char nodes[256];

	if (*len >= size)
		return;
	if (with_nodes)
		fmt_nodes(nodes, sizeof(nodes), mask);
	*len += (size_t)snprintf(buf + *len, size - *len, "%s%s%s%s",
				 *len ? "," : "", name, with_nodes ? ":" : "",
				 with_nodes ? nodes : "");
}

int
vs_coverage_summary(const struct vs_app *a, unsigned int slot, char *buf,
		    size_t size)
{
	const struct vs_coverage_vip *v = a->cov.vip[slot];
	const struct vs_cover_result *r;
	bool mismatch = false;
	size_t len = 0;
	unsigned int i;

	if (!a->cov.enabled)
		return snprintf(buf, size, "off");
	if (v == NULL || !v->have)
		return snprintf(buf, size, "starting");
	r = &v->cur;
	for (i = 0; i < r->n_peers; i++)
		mismatch |= r->peers[i].mismatch;
	buf[0] = '\0';
	if (r->duplicates)
		add_cond(buf, size, &len, "duplicate", r->duplicates, true);
	if (r->holes)
		add_cond(buf, size, &len, "hole", r->holes, true);
	if (mismatch)
		add_cond(buf, size, &len, "mismatch", 0, false);
	if (r->black_holed)
		add_cond(buf, size, &len, "black_holed", r->black_holed, true);
	if (r->double_accepted)
		add_cond(buf, size, &len, "double_accepted",
			 r->double_accepted, true);
	if (v->yield)
		add_cond(buf, size, &len, "yield", v->yield, true);
	if (len == 0)
		return snprintf(buf, size, "ok");
	return len < size ? (int)len : -ENOSPC;
}

int
vs_coverage_json(const struct vs_app *a, unsigned int slot, char *buf,
		 size_t size)
{
	const struct vs_coverage_vip *v = a->cov.vip[slot];
	char sum[512];
	size_t len;
	int r;
	unsigned int n;
	bool first = true;

	if (!a->cov.enabled)
		return -ENOTSUP;
	if (v == NULL || !v->have)
		return -ENOENT;
	r = vs_cover_json(&v->cur, buf, size);
	if (r < 0)
		return r;
	/* the contract's object, then ours: "yield", "summary" */
	len = (size_t)r - 1; /* over its closing brace */
	r = snprintf(buf + len, size - len, ", \"yield\": [");
	len += r > 0 ? (size_t)r : 0;
	for (n = 0; n < VS_MAX_NODES && len < size; n++)
		if (v->yield >> n & 1) {
			r = snprintf(buf + len, size - len,
				     first ? "%u" : ", %u", n + 1);
			len += r > 0 ? (size_t)r : 0;
			first = false;
		}
	vs_coverage_summary(a, slot, sum, sizeof(sum));
	if (len < size) {
		r = snprintf(buf + len, size - len, "], \"summary\": \"%s\"}",
			     sum);
		len += r > 0 ? (size_t)r : 0;
	}
	if (len >= size)
		return -ENOSPC;
	return (int)len;
}

static void
emit(const struct vs_cover_stats *s, uint64_t tx_fail,
     void (*fn)(void *ctx, const char *name, uint64_t v), void *ctx)
{
	char name[64];
	uint64_t rej = 0;
	unsigned int i;

	for (i = 1; i < VS_COVER_VERDICT_MAX; i++)
		rej += s->rejected[i];
	fn(ctx, "announce_sent", s->sent);
	fn(ctx, "announce_tx_fail", tx_fail);
	fn(ctx, "announce_received", s->received);
	fn(ctx, "announce_accepted", s->accepted);
	fn(ctx, "announce_rejected", rej);
	fn(ctx, "announce_missed", s->missed);
	for (i = 1; i < VS_COVER_VERDICT_MAX; i++) {
		snprintf(name, sizeof(name), "announce_rejected_%s",
			 vs_cover_verdict_name(i));
		fn(ctx, name, s->rejected[i]);
	}
}

void
vs_coverage_foreach(const struct vs_app *a, int slot,
		    void (*fn)(void *ctx, const char *name, uint64_t v),
		    void *ctx)
{
	const struct vs_coverage *cv = &a->cov;
	struct vs_cover_stats s;
	uint64_t tx_fail = 0;
	unsigned int i;

	memset(&s, 0, sizeof(s));
	if (slot >= 0) {
		if (cv->vip[slot]) {
			s = *vs_cover_get_stats(cv->vip[slot]->mon);
			tx_fail = cv->vip[slot]->tx_fail;
		}
		emit(&s, tx_fail, fn, ctx);
		return;
	}
	stats_add(&s, &cv->unrouted);
	stats_add(&s, &cv->gone);
	tx_fail = cv->gone_tx_fail;
	for (i = 0; i < VS_MAX_VIPS; i++)
		if (cv->vip[i]) {
			stats_add(&s, vs_cover_get_stats(cv->vip[i]->mon));
			tx_fail += cv->vip[i]->tx_fail;
		}
	emit(&s, tx_fail, fn, ctx);
}
