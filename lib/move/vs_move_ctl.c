/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control side of moves: the state of each number of a VIP, the
 * commands, the drain's end and the filler's promotion. Control thread
 * only; the workers see the result through the VIP's ownership set and
 * the view, each changed by single atomic stores in an order that no
 * worker can mistake for a plain owner (see publish_* below).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>

#include "vs_move.h"

static const char *const state_names[] = {
	[VS_MOVE_NONE] = "none",         [VS_MOVE_OWNED] = "owned",
	[VS_MOVE_DRAINING] = "draining", [VS_MOVE_FILLING] = "filling",
	[VS_MOVE_PENDING] = "pending",
};

const char *
vs_move_state_name(unsigned int s)
{
	return s < RTE_DIM(state_names) ? state_names[s] : "?";
}

void
vs_move_cfg_default(struct vs_move_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->drain_timeout_ms = VS_MOVE_DRAIN_TIMEOUT_DEFAULT_MS;
	c->drain_min_ms = VS_MOVE_DRAIN_MIN_DEFAULT_MS;
	c->end = VS_MOVE_END_DIAG;
	c->idle_ms = VS_MOVE_IDLE_DEFAULT_MS;
	c->other_idle_ms = 0;
	c->diag_interval_ms = VS_MOVE_DIAG_INTERVAL_DEFAULT_MS;
	c->pending_ms = VS_MOVE_PENDING_DEFAULT_MS;
}

static bool
cfg_ok(const struct vs_move_cfg *c)
{
	return c->drain_timeout_ms >= 1 &&
	       c->drain_timeout_ms <= VS_MOVE_DRAIN_TIMEOUT_MAX_MS &&
	       c->drain_min_ms <= VS_MOVE_DRAIN_TIMEOUT_MAX_MS &&
	       c->end <= VS_MOVE_END_TIMEOUT && c->idle_ms >= 1 &&
	       c->idle_ms <= VS_MOVE_DRAIN_TIMEOUT_MAX_MS &&
	       c->other_idle_ms <= VS_MOVE_DRAIN_TIMEOUT_MAX_MS &&
	       c->diag_interval_ms >= 10 &&
	       c->diag_interval_ms <= VS_MOVE_DRAIN_TIMEOUT_MAX_MS &&
	       c->pending_ms <= VS_MOVE_DRAIN_TIMEOUT_MAX_MS;
}

int
vs_move_pool_init(struct vs_move_pool *p, struct vs_move_table *const *tables,
		  unsigned int n_tables)
{
	unsigned int i, n;

	if (tables == NULL || n_tables == 0)
		return -EINVAL;
	n = vs_move_table_slots(tables[0]);
	for (i = 1; i < n_tables; i++)
		if (vs_move_table_slots(tables[i]) != n)
			return -EINVAL;
	memset(p, 0, sizeof(*p));
	p->tables = tables;
	p->n_tables = n_tables;
	p->n_slots = n;
	p->next_gen = 1;
	return 0;
}

static uint64_t
bit(unsigned int node)
{
	return UINT64_C(1) << (node - 1);
}

static bool
node_ok(const struct vs_move_vip *mv, unsigned int node)
{
	return node >= 1 && node <= mv->total_nodes;
}

int
vs_move_vip_init(struct vs_move_vip *mv, struct vs_own *own,
		 struct vs_move_pool *pool, const struct vs_move_cfg *cfg)
{
	uint64_t mask;
	unsigned int n;

	if (own == NULL || pool == NULL || cfg == NULL || !cfg_ok(cfg) ||
	    own->total_nodes < 1 || own->total_nodes > VS_MAX_NODES)
		return -EINVAL;
	memset(mv, 0, sizeof(*mv));
	mv->own = own;
	mv->pool = pool;
	mv->cfg = *cfg;
	mv->total_nodes = own->total_nodes;
	mask = vs_own_load(own);
	for (n = 1; n <= mv->total_nodes; n++)
		mv->num[n - 1].state =
			vs_own_has(mask, n) ? VS_MOVE_OWNED : VS_MOVE_NONE;
	return 0;
}

/* A slot for a new move: 0, or -EBUSY when every slot is in use. */
static int
slot_get(struct vs_move_pool *p, struct vs_move_num *nm)
{
	uint64_t all =
		p->n_slots >= 64 ? UINT64_MAX : (UINT64_C(1) << p->n_slots) - 1;
	uint64_t free = all & ~p->busy;

	if (free == 0)
		return -EBUSY;
	nm->slot = (uint8_t)__builtin_ctzll(free);
	nm->gen = p->next_gen++;
	p->busy |= UINT64_C(1) << nm->slot;
	return 0;
}

static void
stats_add(struct vs_move_stats *a, const struct vs_move_stats *b)
{
	const uint64_t *s = (const uint64_t *)b;
	uint64_t *d = (uint64_t *)a;
	size_t i;

	for (i = 0; i < sizeof(*a) / sizeof(uint64_t); i++)
		d[i] += s[i];
}

static void
sum_slot(const struct vs_move_pool *p, const struct vs_move_num *nm,
	 struct vs_move_stats *out)
{
	unsigned int i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < p->n_tables; i++) {
		uint64_t gen;
		const struct vs_move_stats *s =
			vs_move_table_stats(p->tables[i], nm->slot, &gen);

		/* a worker that saw no frame of the move has not taken
		 * the slot yet: nothing of it to add */
		if (s != NULL && gen == nm->gen)
			stats_add(out, s);
	}
}

void
vs_move_sum(const struct vs_move_vip *mv, unsigned int node,
	    struct vs_move_stats *out)
{
	const struct vs_move_num *nm;

	memset(out, 0, sizeof(*out));
	if (!node_ok(mv, node))
		return;
	nm = &mv->num[node - 1];
	if (nm->state == VS_MOVE_DRAINING || nm->state == VS_MOVE_FILLING)
		sum_slot(mv->pool, nm, out);
}

/*
 * Publication. The ownership set (OWNED numbers) and view.moving
 * (DRAINING and FILLING ones) are disjoint words a worker loads once per
 * burst, each at its own moment, and a number in both counts as owned.
 * Every change below is one store, or two whose intermediate state is
 * either "both" (owned: what the node did a moment before, or does a
 * moment after) or "moving": never "neither" for a number that stays
 * held, and never "owned" for one that should not be.
 */
static void
publish_move(struct vs_move_vip *mv, unsigned int node, uint64_t tag)
{
	__atomic_store_n(&mv->view.tag[node - 1], tag, __ATOMIC_RELAXED);
	__atomic_fetch_or(&mv->view.moving, bit(node), __ATOMIC_RELEASE);
}

/* The move of node ended: its counters into st.dp, its slot free. */
static void
end_move(struct vs_move_vip *mv, unsigned int node)
{
	struct vs_move_num *nm = &mv->num[node - 1];
	struct vs_move_stats s;

	__atomic_fetch_and(&mv->view.moving, ~bit(node), __ATOMIC_RELEASE);
	__atomic_fetch_and(&mv->view.unfilled, ~bit(node), __ATOMIC_RELAXED);
	sum_slot(mv->pool, nm, &s);
	stats_add(&mv->st.dp, &s);
	mv->pool->busy &= ~(UINT64_C(1) << nm->slot);
}

static void
event(struct vs_move_event *ev, unsigned int node, unsigned int from,
      unsigned int to, unsigned int why, uint64_t now, uint64_t since,
      int64_t left)
{
	if (ev == NULL)
		return;
	ev->node = (uint8_t)node;
	ev->from = (uint8_t)from;
	ev->to = (uint8_t)to;
	ev->why = (uint8_t)why;
	ev->at_ms = now;
	ev->since_ms = since;
	ev->left = left;
}

static void
enter(struct vs_move_num *nm, unsigned int state, uint64_t now)
{
	nm->state = (uint8_t)state;
	nm->since_ms = now;
}

int
vs_move_drain(struct vs_move_vip *mv, unsigned int node, uint32_t timeout_ms,
	      uint64_t now_ms, struct vs_move_event *ev)
{
	struct vs_move_num *nm;
	uint64_t since;
	uint32_t timeout = timeout_ms ? timeout_ms : mv->cfg.drain_timeout_ms;

	if (!node_ok(mv, node) || timeout > VS_MOVE_DRAIN_TIMEOUT_MAX_MS)
		return -EINVAL;
	nm = &mv->num[node - 1];
	switch (nm->state) {
	case VS_MOVE_NONE:
		return -ENOENT;
	case VS_MOVE_DRAINING:
		return -EALREADY;
	case VS_MOVE_OWNED:
		break;
	default: /* filling, pending: finish that move first */
		return -EBUSY;
	}
	if (slot_get(mv->pool, nm) < 0) {
		mv->st.no_slot++;
		return -EBUSY;
	}
	since = nm->since_ms;
	enter(nm, VS_MOVE_DRAINING, now_ms);
	nm->deadline_ms = now_ms + timeout;
	nm->old_tcp = nm->other = 0;
	nm->old_tcp_ms = nm->other_ms = now_ms;
	nm->diag_ms = 0;
	nm->diag_left = -1;
	nm->diag_err = 0;
	/* unfilled until a peer is seen filling (tick) */
	__atomic_fetch_or(&mv->view.unfilled, bit(node), __ATOMIC_RELAXED);
	/* moving first: in between, owned and moving = still owned */
	publish_move(mv, node, nm->gen << VS_MOVE_TAG_GEN_SHIFT | nm->slot);
	vs_own_del(mv->own, node);
	mv->st.drains++;
	event(ev, node, VS_MOVE_OWNED, VS_MOVE_DRAINING, VS_MOVE_WHY_CMD,
	      now_ms, since, -1);
	return 0;
}

/* NONE or PENDING -> FILLING / OWNED by what the peers say. */
static int
take(struct vs_move_vip *mv, unsigned int node, const struct vs_move_peers *p,
     uint64_t now)
{
	struct vs_move_num *nm = &mv->num[node - 1];

	if (p->draining & bit(node)) {
		if (slot_get(mv->pool, nm) < 0)
			return -EBUSY;
		enter(nm, VS_MOVE_FILLING, now);
		publish_move(mv, node,
			     nm->gen << VS_MOVE_TAG_GEN_SHIFT |
				     VS_MOVE_TAG_FILL | nm->slot);
		mv->st.fills++;
		return VS_MOVE_FILLING;
	}
	enter(nm, VS_MOVE_OWNED, now);
	vs_own_add(mv->own, node);
	return VS_MOVE_OWNED;
}

int
vs_move_add(struct vs_move_vip *mv, unsigned int node,
	    const struct vs_move_peers *p, uint64_t now_ms,
	    struct vs_move_event *ev)
{
	struct vs_move_num *nm;
	uint64_t since;
	int rc;

	if (!node_ok(mv, node) || p == NULL)
		return -EINVAL;
	nm = &mv->num[node - 1];
	if (nm->state != VS_MOVE_NONE)
		return -EEXIST;
	since = nm->since_ms;
	if (!p->known || (p->owned & bit(node))) {
		/* neither owner nor filler until the peers are known and
		 * settled: as owner it would answer a drainer's flows with
		 * RSTs */
		enter(nm, VS_MOVE_PENDING, now_ms);
		rc = VS_MOVE_PENDING;
	} else {
		rc = take(mv, node, p, now_ms);
		if (rc < 0) {
			mv->st.no_slot++;
			return rc;
		}
	}
	event(ev, node, VS_MOVE_NONE, (unsigned int)rc, VS_MOVE_WHY_CMD, now_ms,
	      since, -1);
	return rc;
}

int
vs_move_del(struct vs_move_vip *mv, unsigned int node, uint64_t now_ms,
	    struct vs_move_event *ev)
{
	struct vs_move_num *nm;
	unsigned int from;
	uint64_t since;

	if (!node_ok(mv, node))
		return -EINVAL;
	nm = &mv->num[node - 1];
	from = nm->state;
	since = nm->since_ms;
	switch (from) {
	case VS_MOVE_NONE:
		return -ENOENT;
	case VS_MOVE_OWNED:
		vs_own_del(mv->own, node);
		break;
	case VS_MOVE_DRAINING:
		end_move(mv, node);
		mv->st.drain_del++;
		break;
	case VS_MOVE_FILLING:
		end_move(mv, node);
		mv->st.fill_del++;
		break;
	default: /* pending: nothing published */
		break;
	}
	enter(nm, VS_MOVE_NONE, now_ms);
	event(ev, node, from, VS_MOVE_NONE, VS_MOVE_WHY_CMD, now_ms, since,
	      from == VS_MOVE_DRAINING ? nm->diag_left : -1);
	return 0;
}

uint64_t
vs_move_diag_due(const struct vs_move_vip *mv, uint64_t now_ms)
{
	uint64_t due = 0;
	unsigned int n;

	if (mv->cfg.end != VS_MOVE_END_DIAG)
		return 0;
	for (n = 1; n <= mv->total_nodes; n++) {
		const struct vs_move_num *nm = &mv->num[n - 1];

		if (nm->state == VS_MOVE_DRAINING &&
		    now_ms >= nm->since_ms + mv->cfg.drain_min_ms &&
		    (nm->diag_ms == 0 ||
		     now_ms >= nm->diag_ms + mv->cfg.diag_interval_ms))
			due |= bit(n);
	}
	return due;
}

/* No old TCP frame of the number for idle_ms. */
static bool
idle(const struct vs_move_cfg *c, const struct vs_move_num *nm, uint64_t now)
{
	return now - nm->old_tcp_ms >= c->idle_ms;
}

/* Why a drain may end now (0: not yet). */
static unsigned int
drain_done(const struct vs_move_vip *mv, const struct vs_move_num *nm,
	   uint64_t now)
{
	const struct vs_move_cfg *c = &mv->cfg;
	unsigned int why;

	if (now >= nm->deadline_ms)
		return VS_MOVE_WHY_TIMEOUT;
	if (now < nm->since_ms + c->drain_min_ms)
		return 0;
	switch (c->end) {
	case VS_MOVE_END_DIAG:
		if (nm->diag_err != 0) {
			/* the query fails: the idle rule stands in */
			if (!idle(c, nm, now))
				return 0;
			why = VS_MOVE_WHY_IDLE;
		} else {
			/* a count taken past the minimum, not a guess */
			if (nm->diag_ms == 0 || nm->diag_left != 0)
				return 0;
			why = VS_MOVE_WHY_FLOWS;
		}
		break;
	case VS_MOVE_END_IDLE:
		if (!idle(c, nm, now))
			return 0;
		why = VS_MOVE_WHY_IDLE;
		break;
	default:
		return 0;
	}
	if (c->other_idle_ms && now - nm->other_ms < c->other_idle_ms)
		return 0;
	return why;
}

unsigned int
vs_move_tick(struct vs_move_vip *mv, const struct vs_move_peers *p,
	     const struct vs_move_diag_answer *diag, uint64_t now_ms,
	     struct vs_move_event *ev)
{
	uint64_t unfilled = 0;
	unsigned int n, k = 0, why;
	struct vs_move_stats s;

	if (diag != NULL && diag->asked) {
		mv->st.diag_queries++;
		mv->st.diag_errors += diag->rc != 0;
	}
	for (n = 1; n <= mv->total_nodes; n++) {
		struct vs_move_num *nm = &mv->num[n - 1];
		uint64_t since = nm->since_ms;
		int rc;

		switch (nm->state) {
		case VS_MOVE_DRAINING:
			if (diag != NULL && (diag->asked & bit(n))) {
				nm->diag_ms = now_ms;
				nm->diag_err = diag->rc;
				if (diag->rc == 0)
					nm->diag_left = diag->count[n - 1];
			}
			sum_slot(mv->pool, nm, &s);
			if (s.old_tcp != nm->old_tcp) {
				nm->old_tcp = s.old_tcp;
				nm->old_tcp_ms = now_ms;
			}
			if (s.other != nm->other) {
				nm->other = s.other;
				nm->other_ms = now_ms;
			}
			why = drain_done(mv, nm, now_ms);
			if (why == 0) {
				if (p == NULL || !(p->filling & bit(n)))
					unfilled |= bit(n);
				break;
			}
			end_move(mv, n);
			enter(nm, VS_MOVE_NONE, now_ms);
			if (why == VS_MOVE_WHY_TIMEOUT)
				mv->st.drain_timeout++;
			else if (why == VS_MOVE_WHY_FLOWS)
				mv->st.drain_flows++;
			else
				mv->st.drain_idle++;
			event(&ev[k++], n, VS_MOVE_DRAINING, VS_MOVE_NONE, why,
			      now_ms, since,
			      nm->diag_err == 0 ? nm->diag_left : -1);
			break;
		case VS_MOVE_FILLING:
			/* the drainer let go, or is gone (3 announcements
			 * missed): its flows are over either way, and as
			 * owner we answer their last frames with RST
			 * rather than silence */
			if (p == NULL || !p->known || (p->draining & bit(n)))
				break;
			/* owned first: in between, owned and moving */
			vs_own_add(mv->own, n);
			end_move(mv, n);
			enter(nm, VS_MOVE_OWNED, now_ms);
			mv->st.fill_owned++;
			event(&ev[k++], n, VS_MOVE_FILLING, VS_MOVE_OWNED,
			      VS_MOVE_WHY_NO_DRAINER, now_ms, since, -1);
			break;
		case VS_MOVE_PENDING:
			if (p == NULL || !p->known)
				break;
			/* a live owner that does not drain (yet): wait */
			if ((p->owned & bit(n)) && !(p->draining & bit(n)) &&
			    now_ms < nm->since_ms + mv->cfg.pending_ms)
				break;
			rc = take(mv, n, p, now_ms);
			if (rc < 0)
				break; /* no slot yet: stays pending */
			event(&ev[k++], n, VS_MOVE_PENDING, (unsigned int)rc,
			      VS_MOVE_WHY_PEERS, now_ms, since, -1);
			break;
		default:
			break;
		}
	}
	__atomic_store_n(&mv->view.unfilled, unfilled, __ATOMIC_RELAXED);
	return k;
}

void
vs_move_masks(const struct vs_move_vip *mv, uint64_t *owned, uint64_t *draining,
	      uint64_t *filling)
{
	unsigned int n;

	*owned = *draining = *filling = 0;
	for (n = 1; n <= mv->total_nodes; n++) {
		switch (mv->num[n - 1].state) {
		case VS_MOVE_OWNED:
			*owned |= bit(n);
			break;
		case VS_MOVE_DRAINING:
			*draining |= bit(n);
			break;
		case VS_MOVE_FILLING:
			*filling |= bit(n);
			break;
		default:
			break;
		}
	}
}

static int
fmt(size_t size, int n)
{
	return n < 0 || (size_t)n >= size ? -ENOSPC : n;
}

int
vs_move_event_format(const struct vs_move_event *e, char *buf, size_t size)
{
	double secs = (double)(e->at_ms - e->since_ms) / 1000.0;
	unsigned int k = e->node;
	char left[48] = "";

	if (e->left >= 0)
		snprintf(left, sizeof(left), ", %lld old connections left",
			 (long long)e->left);
	switch (e->why) {
	case VS_MOVE_WHY_CMD:
		if (e->to == VS_MOVE_DRAINING)
			return fmt(size,
				   snprintf(buf, size, "drain %u started", k));
		if (e->to == VS_MOVE_NONE && e->from == VS_MOVE_DRAINING)
			return fmt(size,
				   snprintf(buf, size,
					    "del %u: drain cut after %.1f s%s",
					    k, secs, left));
		if (e->to == VS_MOVE_NONE)
			return fmt(size,
				   snprintf(buf, size, "del %u: was %s", k,
					    vs_move_state_name(e->from)));
		return fmt(
			size,
			snprintf(
				buf, size, "add %u: %s%s", k,
				vs_move_state_name(e->to),
				e->to == VS_MOVE_FILLING ? " (a peer drains it)"
				: e->to == VS_MOVE_PENDING
					? " until the peers are known and settled"
					: ""));
	case VS_MOVE_WHY_FLOWS:
		return fmt(size,
			   snprintf(buf, size,
				    "drain %u ended after %.1f s: its old "
				    "connections ended",
				    k, secs));
	case VS_MOVE_WHY_IDLE:
		return fmt(size,
			   snprintf(buf, size,
				    "drain %u ended after %.1f s: its old "
				    "flows went idle",
				    k, secs));
	case VS_MOVE_WHY_TIMEOUT:
		return fmt(size,
			   snprintf(buf, size,
				    "drain %u ended after %.1f s: timeout%s", k,
				    secs, left));
	case VS_MOVE_WHY_NO_DRAINER:
		return fmt(size,
			   snprintf(buf, size,
				    "fill %u ended after %.1f s: owned (no "
				    "peer drains it)",
				    k, secs));
	case VS_MOVE_WHY_PEERS:
		return fmt(size, snprintf(buf, size,
					  "add %u: %s (the peers are known)", k,
					  vs_move_state_name(e->to)));
	default:
		return -EINVAL;
	}
}
