/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hitless moves, wired (vs_moves.h; docs/design.md, "Hitless moves").
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "vs_app.h"
#include "vs_log.h"
#include "vs_moves.h"

RTE_LOG_REGISTER(vs_logtype_move, vipshare.move, INFO);

/* the control tick's period */
#define TICK_MS 10
/* the peers are known once the monitor has heard this many intervals */
#define KNOWN_INTERVALS 3

static uint64_t
ms_of(const struct vs_app *a, uint64_t tsc)
{
	return tsc / (a->tsc_hz / 1000);
}

static uint64_t
now_ms(const struct vs_app *a)
{
	return ms_of(a, rte_rdtsc());
}

static void *
diag_main(void *arg)
{
	struct vs_moves *m = arg;
	unsigned int i;

	pthread_mutex_lock(&m->diag_lock);
	while (!m->diag_quit) {
		struct vs_moves_diag *d = NULL;
		struct vs_hash_cfg h;
		uint32_t count[VS_MAX_NODES];
		uint64_t asked;
		int rc;

		for (i = 0; i < VS_MAX_VIPS && d == NULL; i++)
			if (m->diag[i].asked)
				d = &m->diag[i];
		if (d == NULL) {
			pthread_cond_wait(&m->diag_cond, &m->diag_lock);
			continue;
		}
		d->asked = false;
		d->busy = true;
		h = d->hash;
		asked = d->ans.asked;
		pthread_mutex_unlock(&m->diag_lock);
		memset(count, 0, sizeof(count));
		/* blocks up to about 2 s: never on the tick */
		rc = vs_move_diag_count(&h, asked, count);
		pthread_mutex_lock(&m->diag_lock);
		/* a VIP removed meanwhile cleared busy: the answer is void */
		if (d->busy) {
			d->busy = false;
			d->answered = true;
			d->ans.rc = rc;
			memcpy(d->ans.count, count, sizeof(count));
		}
	}
	pthread_mutex_unlock(&m->diag_lock);
	return NULL;
}

int
vs_moves_init(struct vs_app *a)
{
	struct vs_moves *m = &a->moves;
	size_t size;
	unsigned int i;
	int r;

	vs_move_cfg_default(&m->cfg);
	m->cfg.drain_timeout_ms = a->conf.drain_timeout_s * 1000;
	vs_move_table_cfg_default(&m->tcfg);
	m->tcfg.cap = a->conf.move_cap;
	m->tcfg.slots = a->conf.move_slots;
	size = vs_move_table_size(&m->tcfg);
	if (size == 0)
		return -EINVAL;
	for (i = 0; i < a->nb_workers; i++) {
		struct vs_move_table_cfg c = m->tcfg;
		void *mem;

		if (getrandom(&c.seed, sizeof(c.seed), 0) != sizeof(c.seed))
			c.seed = (uint32_t)rte_rdtsc();
		mem = rte_zmalloc_socket(
			"vs_move_table", size, RTE_CACHE_LINE_SIZE,
			(int)rte_lcore_to_socket_id(a->workers[i].lcore));
		if (mem == NULL ||
		    vs_move_table_init(mem, size, &c, &m->tables[i]) < 0) {
			rte_free(mem);
			VS_LOG(move, ERR, "move tables: out of memory (%zu bytes "
					  "a worker)\n",
			       size);
			return -ENOMEM;
		}
		a->workers[i].move_table = m->tables[i];
	}
	r = vs_move_pool_init(&m->pool, m->tables, a->nb_workers);
	if (r < 0)
		return r;
	m->vip = rte_zmalloc("vs_move_vip", VS_MAX_VIPS * sizeof(*m->vip),
			     RTE_CACHE_LINE_SIZE);
	if (m->vip == NULL)
		return -ENOMEM;
	pthread_mutex_init(&m->diag_lock, NULL);
	pthread_cond_init(&m->diag_cond, NULL);
	if (pthread_create(&m->diag_thread, NULL, diag_main, m) != 0) {
		VS_LOG(move, ERR, "inet_diag thread not started\n");
		return -ENOMEM;
	}
	m->diag_running = true;
	m->enabled = true;
	for (i = 0; i < a->vips.map->n; i++)
		vs_moves_vip_start(a, a->vips.map->slot[i]);
	return 0;
}

void
vs_moves_fini(struct vs_app *a)
{
	struct vs_moves *m = &a->moves;
	unsigned int i;

	if (m->diag_running) {
		pthread_mutex_lock(&m->diag_lock);
		m->diag_quit = true;
		pthread_cond_signal(&m->diag_cond);
		pthread_mutex_unlock(&m->diag_lock);
		pthread_join(m->diag_thread, NULL);
		m->diag_running = false;
	}
	m->enabled = false;
	__atomic_store_n(&m->active, 0, __ATOMIC_RELEASE);
	for (i = 0; i < a->nb_workers; i++) {
		a->workers[i].move_table = NULL;
		rte_free(m->tables[i]);
		m->tables[i] = NULL;
	}
	rte_free(m->vip);
	m->vip = NULL;
}

void
vs_moves_vip_start(struct vs_app *a, unsigned int slot)
{
	struct vs_moves *m = &a->moves;

	if (!m->enabled)
		return;
	/* the set's numbers are OWNED, the rest NONE; the view empty (a
	 * worker may still read the slot's previous view: its tags are
	 * stale, and stale tags leave the tables alone) */
	vs_move_vip_init(&m->vip[slot], &a->vips.v[slot].own, &m->pool,
			 &m->cfg);
	m->vip_start_ms[slot] = now_ms(a);
}

static void
ctl_add(struct vs_move_ctl_stats *d, const struct vs_move_ctl_stats *s)
{
	const uint64_t *from = (const uint64_t *)s;
	uint64_t *to = (uint64_t *)d;
	size_t i;

	_Static_assert(sizeof(*s) % sizeof(uint64_t) == 0,
		       "counters only");
	for (i = 0; i < sizeof(*s) / sizeof(uint64_t); i++)
		to[i] += from[i];
}

static void
deactivate(struct vs_moves *m, unsigned int slot)
{
	if (!m->vip_active[slot])
		return;
	m->vip_active[slot] = false;
	__atomic_fetch_sub(&m->active, 1, __ATOMIC_RELEASE);
}

void
vs_moves_vip_stop(struct vs_app *a, unsigned int slot)
{
	struct vs_moves *m = &a->moves;
	struct vs_move_vip *mv;
	unsigned int n;

	if (!m->enabled)
		return;
	mv = &m->vip[slot];
	/* every move ends: slots back to the pool, counters kept */
	for (n = 1; n <= mv->total_nodes; n++)
		if (mv->num[n - 1].state != VS_MOVE_NONE &&
		    mv->num[n - 1].state != VS_MOVE_OWNED)
			vs_move_del(mv, n, now_ms(a), NULL);
	ctl_add(&m->gone, &mv->st);
	memset(&mv->st, 0, sizeof(mv->st));
	pthread_mutex_lock(&m->diag_lock);
	memset(&m->diag[slot], 0, sizeof(m->diag[slot]));
	pthread_mutex_unlock(&m->diag_lock);
	deactivate(m, slot);
}

/* Some number of the VIP drains, fills or waits. */
static bool
busy(const struct vs_move_vip *mv)
{
	unsigned int n;

	for (n = 1; n <= mv->total_nodes; n++)
		if (mv->num[n - 1].state >= VS_MOVE_DRAINING)
			return true;
	return false;
}

/*
 * Before a command may publish a move: the workers take the move path
 * from their next burst on. Waiting for each worker's next quiescent
 * state (it reports one per loop iteration, or is offline asleep) makes
 * sure none still runs a burst that skips the move view.
 */
static void
activate(struct vs_app *a, unsigned int slot)
{
	struct vs_moves *m = &a->moves;

	if (m->vip_active[slot])
		return;
	m->vip_active[slot] = true;
	__atomic_fetch_add(&m->active, 1, __ATOMIC_RELEASE);
	if (a->vips.qsbr)
		rte_rcu_qsbr_synchronize(a->vips.qsbr, RTE_QSBR_THRID_INVALID);
}

static void
settle(struct vs_app *a, unsigned int slot)
{
	if (!busy(&a->moves.vip[slot]))
		deactivate(&a->moves, slot);
}

/* One line per change (log.c stamps it with the time, or the journal
 * does). */
static void
log_event(const struct vs_app *a, unsigned int slot,
	  const struct vs_move_event *e, uint32_t timeout_ms)
{
	char name[32], what[160];
	int n;

	vs_vip_format_addr(&a->vips.v[slot], name, sizeof(name));
	n = vs_move_event_format(e, what, sizeof(what));
	if (n < 0)
		n = snprintf(what, sizeof(what), "?");
	if (timeout_ms && e->to == VS_MOVE_DRAINING)
		snprintf(what + n, sizeof(what) - (size_t)n,
			 " (timeout %" PRIu32 " s)", timeout_ms / 1000);
	VS_LOG(move, NOTICE, "move %s: %s\n", name, what);
}

/* What the coverage monitor says of the live peers with our settings. */
static void
peers_of(const struct vs_app *a, unsigned int slot, uint64_t now,
	 struct vs_move_peers *p)
{
	uint64_t age = now - a->moves.vip_start_ms[slot];
	int r;

	memset(p, 0, sizeof(*p));
	r = vs_coverage_peer_masks(a, slot, &p->owned, &p->draining,
				   &p->filling);
	if (r == -ENOTSUP) {
		p->known = true; /* no monitor: no peers to wait for */
		return;
	}
	p->known = r == 0 &&
		   age >= (uint64_t)KNOWN_INTERVALS *
				  a->conf.announce_interval_ms;
}

static const char *
why_not(int r, const char *what)
{
	switch (r) {
	case -ENOENT:
		return "not held";
	case -EALREADY:
		return "already draining";
	case -EEXIST:
		return "already held";
	case -EBUSY:
		return what;
	default:
		return strerror(-r);
	}
}

int
vs_moves_drain(struct vs_app *a, unsigned int slot, unsigned int node,
	       uint32_t timeout_ms, char *msg, size_t size)
{
	struct vs_moves *m = &a->moves;
	struct vs_move_vip *mv = &m->vip[slot];
	struct vs_move_event ev;
	bool owned;
	int r;

	if (!m->enabled) {
		snprintf(msg, size, "moves are not available here");
		return -ENOTSUP;
	}
	if (node < 1 || node > mv->total_nodes) {
		snprintf(msg, size, "node number must be 1..%u",
			 mv->total_nodes);
		return -EINVAL;
	}
	owned = mv->num[node - 1].state == VS_MOVE_OWNED;
	if (owned)
		activate(a, slot);
	r = vs_move_drain(mv, node, timeout_ms, now_ms(a), &ev);
	if (r < 0) {
		snprintf(msg, size, "node %u %s", node,
			 why_not(r, owned ? "cannot drain: every move slot "
					    "is in use"
					  : "is in a move: finish it first"));
		settle(a, slot);
		return r;
	}
	log_event(a, slot, &ev, timeout_ms ? timeout_ms
					   : m->cfg.drain_timeout_ms);
	return 0;
}

int
vs_moves_add(struct vs_app *a, unsigned int slot, unsigned int node,
	     char *msg, size_t size)
{
	struct vs_moves *m = &a->moves;
	struct vs_move_vip *mv = &m->vip[slot];
	struct vs_move_peers p;
	struct vs_move_event ev;
	uint64_t now = now_ms(a);
	int r;

	if (!m->enabled) {
		r = vs_own_add(&a->vips.v[slot].own, node);
		if (r == -EEXIST)
			snprintf(msg, size, "node %u already held", node);
		return r < 0 ? r : VS_MOVE_OWNED;
	}
	if (node < 1 || node > mv->total_nodes) {
		snprintf(msg, size, "node number must be 1..%u",
			 mv->total_nodes);
		return -EINVAL;
	}
	if (mv->num[node - 1].state != VS_MOVE_NONE) {
		snprintf(msg, size, "node %u already held (%s)", node,
			 vs_move_state_name(mv->num[node - 1].state));
		return -EEXIST;
	}
	peers_of(a, slot, now, &p);
	/* it may become a fill or wait: the workers must look */
	if (!p.known || (p.owned | p.draining) >> (node - 1) & 1)
		activate(a, slot);
	r = vs_move_add(mv, node, &p, now, &ev);
	if (r < 0) {
		snprintf(msg, size, "node %u %s", node,
			 why_not(r, "cannot fill: every move slot is in use"));
		settle(a, slot);
		return r;
	}
	log_event(a, slot, &ev, 0);
	settle(a, slot);
	return r;
}

int
vs_moves_del(struct vs_app *a, unsigned int slot, unsigned int node,
	     char *msg, size_t size)
{
	struct vs_moves *m = &a->moves;
	struct vs_move_event ev;
	int r;

	if (!m->enabled) {
		r = vs_own_del(&a->vips.v[slot].own, node);
		if (r == -ENOENT)
			snprintf(msg, size, "node %u not held", node);
		return r;
	}
	r = vs_move_del(&m->vip[slot], node, now_ms(a), &ev);
	if (r < 0) {
		snprintf(msg, size, "node %u %s", node, why_not(r, ""));
		return r;
	}
	log_event(a, slot, &ev, 0);
	settle(a, slot);
	return 0;
}

/* A VIP's tick: the diag answer in, a new query out, the states on. */
static void
vip_tick(struct vs_app *a, unsigned int slot, uint64_t now)
{
	struct vs_moves *m = &a->moves;
	struct vs_move_vip *mv = &m->vip[slot];
	struct vs_moves_diag *d = &m->diag[slot];
	struct vs_move_event ev[VS_MOVE_EVENTS_MAX];
	struct vs_move_diag_answer ans;
	struct vs_move_peers p;
	unsigned int k, i;
	uint64_t due;

	ans.asked = 0;
	pthread_mutex_lock(&m->diag_lock);
	if (d->answered) {
		ans = d->ans;
		d->answered = false;
	} else if (!d->asked && !d->busy) {
		due = vs_move_diag_due(mv, now);
		if (due) {
			d->hash = a->vips.v[slot].hash;
			d->ans.asked = due;
			d->asked = true;
			pthread_cond_signal(&m->diag_cond);
		}
	}
	pthread_mutex_unlock(&m->diag_lock);
	peers_of(a, slot, now, &p);
	k = vs_move_tick(mv, &p, ans.asked ? &ans : NULL, now, ev);
	for (i = 0; i < k; i++)
		log_event(a, slot, &ev[i], 0);
	if (k)
		settle(a, slot);
}

void
vs_moves_tick(struct vs_app *a, uint64_t now_tsc)
{
	struct vs_moves *m = &a->moves;
	uint64_t now = ms_of(a, now_tsc);
	const struct vs_vipmap *vm;
	unsigned int i;

	if (!m->enabled || now < m->next_tick_ms)
		return;
	if (pthread_mutex_trylock(&a->ctl_lock) != 0)
		return;
	m->next_tick_ms = now + TICK_MS;
	vm = a->vips.map;
	for (i = 0; i < vm->n; i++)
		if (m->vip_active[vm->slot[i]])
			vip_tick(a, vm->slot[i], now);
	vs_app_ctl_unlock(a);
}

void
vs_moves_masks(const struct vs_app *a, unsigned int slot, uint64_t *owned,
	       uint64_t *draining, uint64_t *filling)
{
	if (!a->moves.enabled) {
		*owned = vs_own_load(&a->vips.v[slot].own);
		*draining = *filling = 0;
		return;
	}
	vs_move_masks(&a->moves.vip[slot], owned, draining, filling);
}

uint64_t
vs_moves_state_mask(const struct vs_app *a, unsigned int slot,
		    unsigned int state)
{
	const struct vs_move_vip *mv;
	uint64_t mask = 0;
	unsigned int n;

	if (!a->moves.enabled)
		return state == VS_MOVE_OWNED ? vs_own_load(&a->vips.v[slot].own)
					      : 0;
	mv = &a->moves.vip[slot];
	for (n = 1; n <= mv->total_nodes; n++)
		if (mv->num[n - 1].state == state)
			mask |= UINT64_C(1) << (n - 1);
	return mask;
}

static void
dp_add(struct vs_move_stats *d, const struct vs_move_stats *s)
{
	const uint64_t *from = (const uint64_t *)s;
	uint64_t *to = (uint64_t *)d;
	size_t i;

	for (i = 0; i < sizeof(*s) / sizeof(uint64_t); i++)
		to[i] += from[i];
}

/* A VIP's moves in progress: their counters and their table entries. */
static void
vip_live(const struct vs_app *a, unsigned int slot, uint64_t now,
	 struct vs_move_stats *dp, struct vs_move_usage *u)
{
	const struct vs_moves *m = &a->moves;
	const struct vs_move_vip *mv = &m->vip[slot];
	struct vs_move_stats s;
	unsigned int n, w;

	for (n = 1; n <= mv->total_nodes; n++) {
		const struct vs_move_num *nm = &mv->num[n - 1];

		if (nm->state != VS_MOVE_DRAINING &&
		    nm->state != VS_MOVE_FILLING)
			continue;
		vs_move_sum(mv, n, &s);
		dp_add(dp, &s);
		/* read while the workers write: a gauge, not exact */
		for (w = 0; w < a->nb_workers; w++) {
			struct vs_move_usage one;
			uint64_t gen;

			if (vs_move_table_stats(m->tables[w], nm->slot, &gen) ==
				    NULL ||
			    gen != nm->gen ||
			    vs_move_table_usage(m->tables[w], nm->slot, now,
						&one) < 0)
				continue;
			u->embryonic += one.embryonic;
			u->established += one.established;
			u->closing += one.closing;
		}
	}
}

static void
emit(const struct vs_move_ctl_stats *c, const struct vs_move_stats *dp,
     const struct vs_move_usage *u, uint64_t cap, uint64_t stale,
     void (*fn)(void *ctx, const char *name, uint64_t v), void *ctx)
{
#define C(x) fn(ctx, "move_" #x, c->x);
	C(drains)
	C(drain_flows)
	C(drain_idle)
	C(drain_timeout)
	C(drain_del)
	C(fills)
	C(fill_owned)
	C(fill_del)
	C(no_slot)
	C(diag_queries)
	C(diag_errors)
#undef C
#define D(x) fn(ctx, "move_" #x, dp->x);
	D(frames)
	D(new_frames)
	D(old_tcp)
	D(other)
	D(refs)
	D(new_flows)
	D(syn_again)
	D(established)
	D(closed)
	D(expired)
	D(evicted)
	D(table_full)
	D(syn_before_fill)
#undef D
	if (stale != UINT64_MAX)
		fn(ctx, "move_stale", stale);
	fn(ctx, "move_table_embryonic", u->embryonic);
	fn(ctx, "move_table_established", u->established);
	fn(ctx, "move_table_closing", u->closing);
	fn(ctx, "move_table_cap", cap);
}

void
vs_moves_foreach(const struct vs_app *a, int slot,
		 void (*fn)(void *ctx, const char *name, uint64_t v), void *ctx)
{
	const struct vs_moves *m = &a->moves;
	struct vs_move_ctl_stats c;
	struct vs_move_stats dp;
	struct vs_move_usage u;
	/* stale frames are counted per table: totals only */
	uint64_t now = now_ms(a), stale = slot < 0 ? 0 : UINT64_MAX, cap = 0;
	unsigned int i;

	memset(&c, 0, sizeof(c));
	memset(&dp, 0, sizeof(dp));
	memset(&u, 0, sizeof(u));
	if (m->enabled) {
		/* entries one move may hold: cap per worker */
		cap = (uint64_t)vs_move_table_cap(m->tables[0]) * a->nb_workers;
		if (slot >= 0) {
			c = m->vip[slot].st;
			vip_live(a, (unsigned int)slot, now, &dp, &u);
		} else {
			const struct vs_vipmap *vm = a->vips.map;

			c = m->gone;
			for (i = 0; i < vm->n; i++) {
				ctl_add(&c, &m->vip[vm->slot[i]].st);
				vip_live(a, vm->slot[i], now, &dp, &u);
			}
			for (i = 0; i < a->nb_workers; i++)
				stale += vs_move_table_stale(m->tables[i]);
		}
		/* ended moves' data-plane counters are in c.dp */
		dp_add(&dp, &c.dp);
	}
	emit(&c, &dp, &u, cap, stale, fn, ctx);
}
