/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The data plane of a move: the per-worker table of new flows.
 *
 * One table per worker, one slot per move (a VIP's number in a move),
 * each slot a fixed array of buckets of VS_MOVE_WAYS entries. A flow may
 * sit in either of two buckets (the less loaded one is taken at insert),
 * so a lookup reads two buckets and never more: bounded work, no
 * allocation, no lock (a worker is the only writer of its table).
 *
 * Entries expire lazily (an expired entry found on the way is reclaimed)
 * and by vs_move_table_sweep between bursts. A slot is emptied in O(1)
 * when a new move takes it: its epoch grows, and entries of another
 * epoch are free.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include <rte_common.h>
#include <rte_ip.h>
#include <rte_jhash.h>

#include "vs_move.h"

enum {
	E_FREE = 0,
	E_EMBRYONIC, /* SYN seen, nothing else yet */
	E_ESTABLISHED,
	E_CLOSING, /* FIN or RST seen: lingers */
};

#define STATE_BITS 2
#define STATE_MASK ((1u << STATE_BITS) - 1)
#define EPOCH_MAX (UINT32_MAX >> STATE_BITS)

/* 16 bytes: a bucket of 8 is two cache lines. */
struct entry {
	uint64_t key;  /* client address << 32 | sport << 16 | dport */
	uint32_t last; /* ms of its last frame (while embryonic: its last
			* SYN), truncated: ages are taken modulo 2^32 */
	uint32_t tag;  /* epoch << STATE_BITS | state */
};

struct bucket {
	struct entry e[VS_MOVE_WAYS];
} __rte_aligned(64);

struct slot {
	uint64_t gen;   /* the move it serves (0: none yet) */
	uint32_t epoch; /* entries of another epoch are free */
	uint32_t used;  /* entries held (expired ones until reclaimed) */
	uint32_t sweep; /* next bucket vs_move_table_sweep looks at */
	bool fill;      /* the move's role here */
	struct vs_move_stats st;
	struct bucket *b;
};

struct vs_move_table {
	uint32_t n_slots;
	uint32_t cap;
	uint32_t mask; /* buckets per slot - 1 */
	uint32_t seed;
	uint32_t timeout[4]; /* per state, ms */
	uint32_t sweep_slot;
	bool own_mem;
	uint64_t stale;
	struct slot slot[VS_MOVE_SLOTS_MAX];
};

void
vs_move_table_cfg_default(struct vs_move_table_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->slots = VS_MOVE_SLOTS_DEFAULT;
	c->cap = VS_MOVE_CAP_DEFAULT;
	c->embryonic_ms = VS_MOVE_EMBRYONIC_MS_DEFAULT;
	c->idle_ms = VS_MOVE_IDLE_MS_DEFAULT;
	c->linger_ms = VS_MOVE_LINGER_MS_DEFAULT;
}

/* Timeouts beyond a day are refused: entry ages are signed 32-bit ms
 * (24 days), and the sweep must see an entry long before that. */
#define TIMEOUT_MAX_MS (24u * 3600 * 1000)

static bool
cfg_ok(const struct vs_move_table_cfg *c)
{
	return c->slots >= 1 && c->slots <= VS_MOVE_SLOTS_MAX &&
	       c->cap >= VS_MOVE_CAP_MIN && c->cap <= VS_MOVE_CAP_MAX &&
	       c->embryonic_ms >= 1 && c->embryonic_ms <= TIMEOUT_MAX_MS &&
	       c->idle_ms >= 1 && c->idle_ms <= TIMEOUT_MAX_MS &&
	       c->linger_ms >= 1 && c->linger_ms <= TIMEOUT_MAX_MS;
}

static size_t
buckets_bytes(const struct vs_move_table_cfg *c)
{
	return (size_t)rte_align32pow2(c->cap) / VS_MOVE_WAYS *
	       sizeof(struct bucket);
}

size_t
vs_move_table_size(const struct vs_move_table_cfg *cfg)
{
	if (!cfg_ok(cfg))
		return 0;
	return RTE_ALIGN_CEIL(sizeof(struct vs_move_table), 64) +
	       cfg->slots * buckets_bytes(cfg);
}

int
vs_move_table_init(void *mem, size_t size, const struct vs_move_table_cfg *cfg,
		   struct vs_move_table **out)
{
	size_t need = vs_move_table_size(cfg);
	struct vs_move_table *t = mem;
	uint8_t *b;
	unsigned int i;

	if (need == 0 || mem == NULL || size < need ||
	    ((uintptr_t)mem & 63) != 0)
		return -EINVAL;
	memset(mem, 0, need); /* every entry free */
	t->n_slots = cfg->slots;
	t->cap = rte_align32pow2(cfg->cap);
	t->mask = t->cap / VS_MOVE_WAYS - 1;
	t->seed = cfg->seed;
	t->timeout[E_EMBRYONIC] = cfg->embryonic_ms;
	t->timeout[E_ESTABLISHED] = cfg->idle_ms;
	t->timeout[E_CLOSING] = cfg->linger_ms;
	b = (uint8_t *)mem + RTE_ALIGN_CEIL(sizeof(*t), 64);
	for (i = 0; i < t->n_slots; i++) {
		t->slot[i].b = (struct bucket *)(b + i * buckets_bytes(cfg));
		t->slot[i].epoch = 1;
	}
	*out = t;
	return 0;
}

int
vs_move_table_create(const struct vs_move_table_cfg *cfg,
		     struct vs_move_table **out)
{
	size_t size = vs_move_table_size(cfg);
	void *mem;
	int rc;

	if (size == 0)
		return -EINVAL;
	mem = aligned_alloc(64, RTE_ALIGN_CEIL(size, 64));
	if (mem == NULL)
		return -ENOMEM;
	rc = vs_move_table_init(mem, size, cfg, out);
	if (rc < 0) {
		free(mem);
		return rc;
	}
	(*out)->own_mem = true;
	return 0;
}

void
vs_move_table_free(struct vs_move_table *t)
{
	if (t != NULL && t->own_mem)
		free(t);
}

unsigned int
vs_move_table_slots(const struct vs_move_table *t)
{
	return t->n_slots;
}

uint32_t
vs_move_table_cap(const struct vs_move_table *t)
{
	return t->cap;
}

uint64_t
vs_move_table_stale(const struct vs_move_table *t)
{
	return t->stale;
}

const struct vs_move_stats *
vs_move_table_stats(const struct vs_move_table *t, unsigned int slot,
		    uint64_t *gen)
{
	if (slot >= t->n_slots)
		return NULL;
	if (gen != NULL)
		*gen = t->slot[slot].gen;
	return &t->slot[slot].st;
}

/* A new move takes the slot: O(1), entries of the old epoch are free. */
static void
slot_reset(struct vs_move_table *t, struct slot *s, uint64_t gen, bool fill)
{
	s->gen = gen;
	s->fill = fill;
	s->used = 0;
	s->sweep = 0;
	memset(&s->st, 0, sizeof(s->st));
	if (++s->epoch > EPOCH_MAX) {
		/* once in 2^30 moves of one slot: clear it for real */
		memset(s->b, 0, (size_t)(t->mask + 1) * sizeof(struct bucket));
		s->epoch = 1;
	}
}

static inline unsigned int
e_state(const struct entry *e, uint32_t epoch)
{
	return (e->tag >> STATE_BITS) == epoch ? e->tag & STATE_MASK : E_FREE;
}

static inline void
e_set(struct entry *e, uint32_t epoch, unsigned int state)
{
	e->tag = epoch << STATE_BITS | state;
}

/* Ages are signed: a frame stamped a little before the entry's last
 * one (another clock reading) is young, not 49 days old. */
static inline int32_t
e_age(const struct entry *e, uint32_t now)
{
	return (int32_t)(now - e->last);
}

static inline bool
e_expired(const struct vs_move_table *t, const struct entry *e,
	  unsigned int state, uint32_t now)
{
	return e_age(e, now) > (int32_t)t->timeout[state];
}

/* Free an expired entry met on the way. */
static inline void
reclaim(struct slot *s, struct entry *e)
{
	e->tag = 0;
	s->used--;
	s->st.expired++;
}

static inline void
bucket_pair(const struct vs_move_table *t, uint64_t key, uint32_t *b1,
	    uint32_t *b2)
{
	uint32_t h =
		rte_jhash_2words((uint32_t)(key >> 32), (uint32_t)key, t->seed);

	*b1 = h & t->mask;
	*b2 = rte_jhash_1word(h, t->seed ^ 0x9e3779b9u) & t->mask;
	if (*b2 == *b1) /* two distinct buckets: mask >= 1 */
		*b2 = *b1 ^ 1;
}

/*
 * One pass over the flow's two buckets: its live entry (NULL when none),
 * expired entries reclaimed, and for an insert the free ways of each
 * bucket and the eviction victim (the oldest embryonic entry, else the
 * oldest closing one; never an established one).
 */
struct scan {
	struct entry *hit;
	struct entry *free[2];
	unsigned int n_free[2];
	struct entry *victim;
	unsigned int victim_state;
	int32_t victim_age;
};

static struct entry *
scan_pair(struct vs_move_table *t, struct slot *s, uint64_t key, uint32_t now,
	  struct scan *sc)
{
	uint32_t bi[2];
	unsigned int i, w;

	bucket_pair(t, key, &bi[0], &bi[1]);
	memset(sc, 0, sizeof(*sc));
	for (i = 0; i < 2; i++) {
		struct bucket *b = &s->b[bi[i]];

		for (w = 0; w < VS_MOVE_WAYS; w++) {
			struct entry *e = &b->e[w];
			unsigned int st = e_state(e, s->epoch);
			int32_t age;

			if (st != E_FREE && e_expired(t, e, st, now)) {
				reclaim(s, e);
				st = E_FREE;
			}
			if (st == E_FREE) {
				if (sc->n_free[i]++ == 0)
					sc->free[i] = e;
				continue;
			}
			if (e->key == key) {
				sc->hit = e;
				return e;
			}
			if (st == E_ESTABLISHED)
				continue;
			/* embryonic before closing, then the oldest */
			age = e_age(e, now);
			if (sc->victim == NULL || st < sc->victim_state ||
			    (st == sc->victim_state && age > sc->victim_age)) {
				sc->victim = e;
				sc->victim_state = st;
				sc->victim_age = age;
			}
		}
	}
	return NULL;
}

/* Room for a new flow: the less loaded bucket's free way, else the
 * victim's place. NULL: both buckets hold established entries only. */
static struct entry *
take_way(struct slot *s, struct scan *sc)
{
	if (sc->n_free[0] || sc->n_free[1]) {
		s->used++;
		return sc->n_free[1] > sc->n_free[0] ? sc->free[1]
						     : sc->free[0];
	}
	if (sc->victim != NULL)
		s->st.evicted++;
	return sc->victim;
}

bool
vs_move_classify(struct vs_move_table *t, uint64_t tag, bool unfilled,
		 const struct vs_move_frame *f, uint64_t now_ms)
{
	unsigned int idx = tag & VS_MOVE_TAG_SLOT;
	uint64_t gen = tag >> VS_MOVE_TAG_GEN_SHIFT;
	uint32_t now = (uint32_t)now_ms;
	struct vs_move_stats *st;
	struct entry *e;
	struct slot *s;
	struct scan sc;
	uint64_t key;
	bool syn;

	if (unlikely(idx >= t->n_slots || gen == 0)) {
		t->stale++; /* not a tag the control side writes */
		return false;
	}
	s = &t->slot[idx];
	if (unlikely(s->gen != gen)) {
		if (gen < s->gen) {
			/* an ended move's view, the slot reused since */
			t->stale++;
			return false;
		}
		slot_reset(t, s, gen, tag & VS_MOVE_TAG_FILL);
	}
	st = &s->st;
	st->frames++;
	if (f->kind == VS_MOVE_OTHER) {
		st->other++;
		return false;
	}
	key = (uint64_t)f->key.saddr << 32 | (uint32_t)f->key.sport << 16 |
	      f->key.dport;
	e = scan_pair(t, s, key, now, &sc);
	if (f->kind != VS_MOVE_TCP) { /* an ICMP error, a cut fragment */
		st->refs++;
		if (e != NULL) {
			st->new_frames++;
			return true;
		}
		st->old_tcp++;
		return false;
	}
	/* A pure SYN opens a connection; SYN with ACK answers one the host
	 * opened (the drainer's), SYN with RST or FIN is junk. */
	syn = (f->flags & (VS_MOVE_SYN | VS_MOVE_ACK | VS_MOVE_RST |
			   VS_MOVE_FIN)) == VS_MOVE_SYN;
	if (e != NULL) {
		unsigned int es = e_state(e, s->epoch);

		if (syn) {
			st->syn_again++;
			st->syn_before_fill += !s->fill && unfilled;
			/* a SYN after FIN/RST: the tuple reused. An
			 * established entry stays so (a late duplicate SYN
			 * must not make it evictable). */
			if (es == E_CLOSING)
				e_set(e, s->epoch, E_EMBRYONIC);
		} else if (f->flags & (VS_MOVE_FIN | VS_MOVE_RST)) {
			/* RST lingers too: a blind RST the host refuses
			 * (RFC 5961) must not hand the flow to the drainer */
			if (es != E_CLOSING) {
				st->closed++;
				e_set(e, s->epoch, E_CLOSING);
			}
		} else if (es == E_EMBRYONIC) {
			st->established++;
			e_set(e, s->epoch, E_ESTABLISHED);
		}
		e->last = now;
		st->new_frames++;
		return true;
	}
	if (!syn) {
		st->old_tcp++;
		return false;
	}
	e = take_way(s, &sc);
	if (e == NULL) {
		st->table_full++;
		st->old_tcp++;
		return false;
	}
	e->key = key;
	e->last = now;
	e_set(e, s->epoch, E_EMBRYONIC);
	st->new_flows++;
	st->new_frames++;
	/* the drainer drops it and nobody takes it: the client retries */
	st->syn_before_fill += !s->fill && unfilled;
	return true;
}

unsigned int
vs_move_table_sweep(struct vs_move_table *t, uint64_t now_ms,
		    unsigned int buckets)
{
	uint32_t now = (uint32_t)now_ms;
	unsigned int done = 0, freed = 0, tries = 0;

	while (done < buckets && tries < t->n_slots) {
		struct slot *s = &t->slot[t->sweep_slot];
		unsigned int w;

		if (s->gen == 0 || s->used == 0) {
			/* nothing to reclaim here: next slot */
			t->sweep_slot = (t->sweep_slot + 1) % t->n_slots;
			tries++;
			continue;
		}
		tries = 0;
		for (w = 0; w < VS_MOVE_WAYS; w++) {
			struct entry *e = &s->b[s->sweep].e[w];
			unsigned int st = e_state(e, s->epoch);

			if (st != E_FREE && e_expired(t, e, st, now)) {
				reclaim(s, e);
				freed++;
			}
		}
		done++;
		if (++s->sweep > t->mask) {
			s->sweep = 0;
			t->sweep_slot = (t->sweep_slot + 1) % t->n_slots;
		}
	}
	return freed;
}

int
vs_move_table_usage(const struct vs_move_table *t, unsigned int slot,
		    uint64_t now_ms, struct vs_move_usage *u)
{
	const struct slot *s;
	uint32_t now = (uint32_t)now_ms, b;
	unsigned int w;

	if (slot >= t->n_slots)
		return -EINVAL;
	s = &t->slot[slot];
	memset(u, 0, sizeof(*u));
	for (b = 0; b <= t->mask; b++)
		for (w = 0; w < VS_MOVE_WAYS; w++) {
			const struct entry *e = &s->b[b].e[w];
			unsigned int st = e_state(e, s->epoch);

			if (st == E_FREE)
				continue;
			if (e_expired(t, e, st, now))
				u->expired++;
			else if (st == E_EMBRYONIC)
				u->embryonic++;
			else if (st == E_ESTABLISHED)
				u->established++;
			else
				u->closing++;
		}
	return 0;
}

void
vs_move_frame_of(const uint8_t *frame, uint32_t seg_len,
		 const struct vs_pkt_info *pi, struct vs_move_frame *mf)
{
	uint32_t l4 = (uint32_t)pi->l2_len + pi->l3_len;
	uint32_t end = RTE_MIN(seg_len, (uint32_t)pi->l2_len + pi->ip_len);

	mf->key = pi->key;
	mf->flags = 0;
	mf->kind = VS_MOVE_OTHER;
	if (pi->cls == VS_PKT_VIP_ICMPERR) {
		/* the quoted header follows the 8-byte ICMP header; the
		 * parser checked that it is whole */
		const uint8_t *q = frame + l4 + 8;

		if (l4 + 8 + sizeof(struct rte_ipv4_hdr) <= end &&
		    q[offsetof(struct rte_ipv4_hdr, next_proto_id)] ==
			    IPPROTO_TCP &&
		    (VS_PKT_LOAD(rte_be16_t, q + offsetof(struct rte_ipv4_hdr,
							  fragment_offset)) &
		     RTE_BE16(RTE_IPV4_HDR_OFFSET_MASK)) == 0)
			mf->kind = VS_MOVE_TCP_REF;
		return;
	}
	if (pi->proto != IPPROTO_TCP || (pi->flags & VS_PKT_F_FRAG_OFF) ||
	    !(pi->flags & VS_PKT_F_L4_PORTS))
		return;
	if (l4 + 14 <= end) {
		mf->kind = VS_MOVE_TCP;
		mf->flags = frame[l4 + 13];
	} else {
		mf->kind = VS_MOVE_TCP_REF;
	}
}
