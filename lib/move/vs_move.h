/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vs_move: hitless planned moves of a node number between machines.
 *
 * Node number K of a VIP moves from machine A (the drainer) to machine B
 * (the filler). Both see every frame of K (they share the cluster MAC), so
 * both can sort K's TCP flows the same way without talking to each other:
 * a flow whose SYN (without ACK, RST or FIN) a node saw after its move of
 * K began is NEW
 * and belongs to B; every other frame of K is OLD and stays with A. Each
 * keeps a table of the new flows; A drops their frames, B accepts exactly
 * theirs. A releases K when the flows it already carries have ended (the
 * host kernel's sockets, through inet_diag) or at a timeout; B owns K once
 * A no longer announces it as draining. docs/design.md, "Hitless moves",
 * has the rule, the states, the timers and the bounded cases.
 *
 * Three parts, all free of the EAL:
 *   data plane  one struct vs_move_table per worker (no locks, nothing
 *               allocated per frame, bounded work per frame), read through
 *               a per-VIP struct vs_move_view the control thread publishes;
 *               vs_move_accept() decides a frame of a number in a move;
 *   control     per VIP a struct vs_move_vip: the state of each number,
 *               the commands (vs_move_drain/add/del) and vs_move_tick()
 *               (timers, the drain's end, the filler's promotion), which
 *               keep the VIP's ownership set and the view in step;
 *   inet_diag   the drain's end: the request, the parser and the hash
 *               filter (pure), and vs_move_diag_count(), the netlink I/O.
 */
#ifndef VS_MOVE_H
#define VS_MOVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vs_hash.h"
#include "vs_pkt.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Data plane                                                          */
/* ------------------------------------------------------------------ */

/* How a frame of a number in a move is sorted (vs_move_frame_of). */
enum vs_move_kind {
	VS_MOVE_OTHER = 0, /* not TCP, or a TCP fragment without the TCP
			    * header: always OLD (the drainer's) */
	VS_MOVE_TCP,       /* TCP with its flags: tracked */
	VS_MOVE_TCP_REF,   /* names a TCP flow without carrying its flags
			    * (an ICMP error quoting one; a first fragment
			    * cut before the flags): looked up only */
};

/* TCP flags (byte 13 of the header). */
#define VS_MOVE_FIN 0x01
#define VS_MOVE_SYN 0x02
#define VS_MOVE_RST 0x04
#define VS_MOVE_ACK 0x10

struct vs_move_frame {
	struct vs_flow_key key; /* the parser's: client address, ports raw */
	uint8_t kind;           /* enum vs_move_kind */
	uint8_t flags;          /* VS_MOVE_TCP: the TCP flags */
};

/*
 * The move's view of a frame the parser classed VS_PKT_VIP,
 * VS_PKT_VIP_ICMPERR or VS_PKT_VIP_FRAG (seg_len: bytes of frame readable;
 * a reassembled datagram's head segment will do).
 */
void vs_move_frame_of(const uint8_t *frame, uint32_t seg_len,
		      const struct vs_pkt_info *pi, struct vs_move_frame *mf);

/* Entries per bucket; a flow may sit in either of two buckets. */
#define VS_MOVE_WAYS 8
/* Moves one table serves at once (its slots). */
#define VS_MOVE_SLOTS_MAX 64
#define VS_MOVE_SLOTS_DEFAULT 8
/* Entries per slot: per number in a move, per worker. */
#define VS_MOVE_CAP_MIN (2 * VS_MOVE_WAYS)
#define VS_MOVE_CAP_MAX (1u << 22)
#define VS_MOVE_CAP_DEFAULT 16384
/*
 * Timeouts of the entries (ms), from the flow's last frame. Embryonic
 * (SYN seen, nothing else): the client's SYN retries and the server's
 * SYN-ACK retries (63 s). Established: the default drain's length.
 * Closing: after its FIN or RST.
 */
#define VS_MOVE_EMBRYONIC_MS_DEFAULT 64000
#define VS_MOVE_IDLE_MS_DEFAULT 300000
#define VS_MOVE_LINGER_MS_DEFAULT 10000

struct vs_move_table_cfg {
	uint32_t slots;        /* 1..VS_MOVE_SLOTS_MAX */
	uint32_t cap;          /* entries per slot, CAP_MIN..CAP_MAX, rounded
				* up to a power of two */
	uint32_t embryonic_ms; /* >= 1; the three timeouts must be equal
				* on every node */
	uint32_t idle_ms;
	uint32_t linger_ms;
	uint32_t seed; /* bucket hash seed: random per table */
};

/* Defaults (slots, cap, timeouts); the caller sets the seed. */
void vs_move_table_cfg_default(struct vs_move_table_cfg *c);

/*
 * Counters of one move (one slot of one worker's table); the control
 * sums them over the workers. frames = new_frames + old_tcp + other. The
 * drainer accepts old_tcp + other, the filler new_frames.
 */
struct vs_move_stats {
	uint64_t frames;      /* frames of the number decided by the table */
	uint64_t new_frames;  /* ... of tracked (new) flows: the filler's */
	uint64_t old_tcp;     /* ... TCP of untracked flows: the drainer's */
	uint64_t other;       /* ... not TCP (or no TCP header): drainer's */
	uint64_t refs;        /* of new_frames + old_tcp: ICMP errors and
				* fragments looked up (VS_MOVE_TCP_REF) */
	uint64_t new_flows;   /* SYNs that started tracking a flow */
	uint64_t syn_again;   /* SYNs of a tracked flow (retries, reuse) */
	uint64_t established; /* tracked flows past their SYN */
	uint64_t closed;      /* tracked flows that sent FIN or RST */
	uint64_t expired;     /* entries ended by their timeout */
	uint64_t evicted;     /* entries evicted for a SYN: embryonic ones,
				* else closing ones, never established */
	uint64_t table_full;  /* new flows not tracked: both buckets held
				* established entries only. Such a flow is
				* OLD on every node (the drainer's) */
	uint64_t syn_before_fill; /* drainer: SYNs of new flows dropped
				   * while no peer filled the number (the
				   * client retries; counted per SYN) */
};

struct vs_move_table;

/* Bytes vs_move_table_init needs for cfg (0: cfg invalid). */
size_t vs_move_table_size(const struct vs_move_table_cfg *cfg);
/* Lay a table out in mem (size bytes, 64-byte aligned, any content),
 * e.g. hugepage memory on the worker's socket. 0 or -EINVAL. */
int vs_move_table_init(void *mem, size_t size,
		       const struct vs_move_table_cfg *cfg,
		       struct vs_move_table **out);
/* The same in memory of its own (aligned_alloc). 0, -EINVAL, -ENOMEM. */
int vs_move_table_create(const struct vs_move_table_cfg *cfg,
			 struct vs_move_table **out);
void vs_move_table_free(struct vs_move_table *t);

/*
 * What the workers read of a VIP's moves, published by the control side
 * (struct vs_move_vip). moving and the VIP's ownership set are disjoint:
 * a worker loads both once per burst and tests the frame's number in
 * their union (the one test it makes today); only a frame of a number in
 * moving costs more (vs_move_accept).
 */
struct vs_move_view {
	uint64_t moving;   /* numbers in a move here: bit n-1 */
	uint64_t unfilled; /* of the drained ones: no peer fills them yet */
	/* per number in a move: gen << 8 | fill << 7 | slot; written before
	 * the number's bit in moving is set, unchanged while it is set */
	uint64_t tag[VS_MAX_NODES];
};

#define VS_MOVE_TAG_FILL 0x80u
#define VS_MOVE_TAG_SLOT 0x7fu
#define VS_MOVE_TAG_GEN_SHIFT 8

static inline uint64_t
vs_move_view_moving(const struct vs_move_view *v)
{
	return __atomic_load_n(&v->moving, __ATOMIC_ACQUIRE);
}

/*
 * Sort one frame of a number in a move through the table of the worker
 * that received it: returns true when the flow is NEW (tracked), false
 * when OLD; updates the table. unfilled: the number is in v->unfilled.
 * Bounded work: two buckets of VS_MOVE_WAYS entries.
 */
bool vs_move_classify(struct vs_move_table *t, uint64_t tag, bool unfilled,
		      const struct vs_move_frame *f, uint64_t now_ms);

/*
 * The data plane's decision for a frame whose number (1..N) is in the
 * view's moving mask: true to accept it (hand it to the host). The
 * drainer accepts OLD frames, the filler NEW ones.
 */
static inline bool
vs_move_accept(struct vs_move_table *t, const struct vs_move_view *v,
	       unsigned int node, const struct vs_move_frame *f,
	       uint64_t now_ms)
{
	uint64_t tag = __atomic_load_n(&v->tag[node - 1], __ATOMIC_RELAXED);
	bool unfilled = (__atomic_load_n(&v->unfilled, __ATOMIC_RELAXED) >>
			 (node - 1)) &
			1;

	return vs_move_classify(t, tag, unfilled, f, now_ms) ==
	       !!(tag & VS_MOVE_TAG_FILL);
}

/*
 * Housekeeping between bursts: reclaim the expired entries of up to
 * buckets buckets (round robin over the slots in use), so that gauges
 * stay true and a quiet table empties. Returns the entries reclaimed.
 */
unsigned int vs_move_table_sweep(struct vs_move_table *t, uint64_t now_ms,
				 unsigned int buckets);

/*
 * A slot's counters and its move's generation (0: never used). Another
 * thread may read them while the worker writes (plain 64-bit counters,
 * like the worker's others).
 */
const struct vs_move_stats *vs_move_table_stats(const struct vs_move_table *t,
						unsigned int slot,
						uint64_t *gen);

/* Entries of a slot by state, now (walks the slot: tests and tools, on
 * the worker's thread or with the worker stopped). */
struct vs_move_usage {
	uint32_t embryonic, established, closing, expired;
};
int vs_move_table_usage(const struct vs_move_table *t, unsigned int slot,
			uint64_t now_ms, struct vs_move_usage *u);

/* Slots and entries per slot of a table. */
unsigned int vs_move_table_slots(const struct vs_move_table *t);
uint32_t vs_move_table_cap(const struct vs_move_table *t);
/* Frames seen through an ended move's view (a worker that had not yet
 * loaded the new view): taken as OLD, the table left alone. */
uint64_t vs_move_table_stale(const struct vs_move_table *t);

/* ------------------------------------------------------------------ */
/* Control: the states of a VIP's numbers                              */
/* ------------------------------------------------------------------ */

/* State of a number on this node. */
enum vs_move_state {
	VS_MOVE_NONE = 0, /* not held */
	VS_MOVE_OWNED,    /* every flow of it */
	VS_MOVE_DRAINING, /* the flows it already carries; released at the
			   * drain's end */
	VS_MOVE_FILLING,  /* the new flows; owned once no live peer drains
			   * it */
	VS_MOVE_PENDING,  /* added while the peers were not known yet, or
			   * while a live peer owned it (it may be draining
			   * it this very moment): nothing yet; FILLING or
			   * OWNED once that is settled */
};

/* "none", "owned", "draining", "filling", "pending" */
const char *vs_move_state_name(unsigned int s);

/* How a drain ends (besides its timeout, which always ends it). */
enum vs_move_end {
	VS_MOVE_END_DIAG = 0, /* the host's TCP sockets (inet_diag) of the
			       * number are gone; the idle rule when the
			       * query fails */
	VS_MOVE_END_IDLE,     /* no OLD TCP frame for idle_ms (services in
			       * another network namespace) */
	VS_MOVE_END_TIMEOUT,  /* only the timeout */
};

#define VS_MOVE_DRAIN_TIMEOUT_DEFAULT_MS 300000
#define VS_MOVE_DRAIN_TIMEOUT_MAX_MS (24u * 3600 * 1000)
/* Not released before this: handshakes in flight when the drain began
 * (SYN cookies leave no socket to count) complete on the drainer. */
#define VS_MOVE_DRAIN_MIN_DEFAULT_MS 1000
#define VS_MOVE_IDLE_DEFAULT_MS 60000
#define VS_MOVE_DIAG_INTERVAL_DEFAULT_MS 500
/* 3 announcement intervals: the time a dead peer stays live */
#define VS_MOVE_PENDING_DEFAULT_MS 600

struct vs_move_cfg {
	uint32_t drain_timeout_ms; /* default for drains without their own */
	uint32_t drain_min_ms;
	uint8_t end;               /* enum vs_move_end */
	uint32_t idle_ms;          /* END_IDLE, and END_DIAG's fallback */
	uint32_t other_idle_ms;    /* > 0: the drain also waits until no
				    * non-TCP frame of the number came for
				    * this long; 0: non-TCP moves at the
				    * drain's end whatever it carries */
	uint32_t diag_interval_ms; /* between inet_diag queries */
	uint32_t pending_ms;       /* add K while a live peer owns K: how long
				    * to wait for it to announce K draining
				    * before owning K regardless */
};

void vs_move_cfg_default(struct vs_move_cfg *c);

/*
 * What the VIPs of a node share: the workers' tables (one per worker,
 * all with the same slot count) and which of their slots are in use. A
 * move holds one slot, on every worker, from its start to its end.
 * Generations only grow, so a worker that still holds an ended move's
 * view (for the rest of a burst) sees a stale tag and leaves the slot
 * alone. Control thread only.
 */
struct vs_move_pool {
	struct vs_move_table *const *tables;
	unsigned int n_tables;
	unsigned int n_slots;
	uint64_t busy;     /* bit s: slot s in use */
	uint64_t next_gen; /* the next move's generation (from 1) */
};

/* 0, or -EINVAL (no tables, or tables with different slot counts). */
int vs_move_pool_init(struct vs_move_pool *p,
		      struct vs_move_table *const *tables,
		      unsigned int n_tables);

/* What the coverage monitor says of the live peers with our settings. */
struct vs_move_peers {
	bool known;        /* heard for long enough to be complete (3
			    * announcement intervals since the start), or
			    * no monitor at all (then no peers) */
	uint64_t owned;    /* numbers some live peer owns */
	uint64_t draining; /* numbers some live peer drains */
	uint64_t filling;  /* numbers some live peer fills */
};

struct vs_move_num {
	uint8_t state; /* enum vs_move_state */
	uint8_t slot;
	uint64_t gen;
	uint64_t since_ms;    /* entered this state */
	uint64_t deadline_ms; /* DRAINING: released at the latest then */
	/* DRAINING, the end rules */
	uint64_t old_tcp, other; /* frame totals at the last tick */
	uint64_t old_tcp_ms;     /* last tick they grew (since_ms at first) */
	uint64_t other_ms;
	uint64_t diag_ms;  /* last inet_diag answer (0: none yet) */
	int64_t diag_left; /* its count of old connections, -1: none */
	int diag_err;      /* the last query's error, 0 */
};

/* Counters of a VIP's moves (control side). */
struct vs_move_ctl_stats {
	uint64_t drains;         /* drains started */
	uint64_t drain_flows;    /* ... ended: old flows ended (inet_diag) */
	uint64_t drain_idle;     /* ... ended: no old frame for idle_ms */
	uint64_t drain_timeout;  /* ... ended at their timeout */
	uint64_t drain_del;      /* ... cut by del */
	uint64_t fills;          /* fills started */
	uint64_t fill_owned;     /* ... ended: owned (no live drainer) */
	uint64_t fill_del;       /* ... cut by del */
	uint64_t no_slot;        /* moves refused: every slot in use */
	uint64_t diag_queries;   /* inet_diag answers taken in */
	uint64_t diag_errors;    /* ... failed queries */
	struct vs_move_stats dp; /* the data plane's, of ended moves */
};

struct vs_move_vip {
	struct vs_move_view view; /* the workers read it */
	struct vs_own *own;       /* the VIP's ownership set: OWNED numbers */
	struct vs_move_pool *pool;
	uint16_t total_nodes;
	struct vs_move_cfg cfg;
	struct vs_move_num num[VS_MAX_NODES];
	struct vs_move_ctl_stats st;
};

/*
 * Take over a VIP's ownership set: its numbers are OWNED, the rest NONE.
 * own stays the set the data plane reads; from now on change it only
 * through these functions.
 */
int vs_move_vip_init(struct vs_move_vip *mv, struct vs_own *own,
		     struct vs_move_pool *pool, const struct vs_move_cfg *cfg);

/* Why a number changed state. */
enum vs_move_why {
	VS_MOVE_WHY_CMD = 0,    /* drain, add or del */
	VS_MOVE_WHY_FLOWS,      /* drain ended: the old connections ended */
	VS_MOVE_WHY_IDLE,       /* drain ended: no old frame for idle_ms */
	VS_MOVE_WHY_TIMEOUT,    /* drain ended: timeout */
	VS_MOVE_WHY_NO_DRAINER, /* fill ended: no live peer drains it */
	VS_MOVE_WHY_PEERS,      /* pending ended: the peers are known, and
				 * none owns it (or the wait is over) */
};

struct vs_move_event {
	uint8_t node;
	uint8_t from, to; /* enum vs_move_state */
	uint8_t why;      /* enum vs_move_why */
	uint64_t at_ms;
	uint64_t since_ms; /* when `from` began */
	int64_t left;      /* drain ended: old connections still open by the
			    * last query, -1 unknown */
};

/* Events one call can return (every number changing at once). */
#define VS_MOVE_EVENTS_MAX VS_MAX_NODES

/*
 * drain K: OWNED -> DRAINING, for timeout_ms (0: the VIP's default).
 * 0, or -EINVAL (K or timeout out of range), -ENOENT (not held),
 * -EALREADY (draining), -EBUSY (filling or pending: finish that first;
 * or no free slot).
 */
int vs_move_drain(struct vs_move_vip *mv, unsigned int node,
		  uint32_t timeout_ms, uint64_t now_ms,
		  struct vs_move_event *ev);

/*
 * add K: NONE -> FILLING when a live peer drains K, -> OWNED when none
 * does, -> PENDING when the peers are not known yet or a live peer owns
 * K (a drain on it may not have been announced yet: `drain` on A then
 * `add` on B can come within one announcement interval). Returns the new
 * state, or -EINVAL, -EEXIST (held in any state), -EBUSY (a fill with no
 * free slot).
 */
int vs_move_add(struct vs_move_vip *mv, unsigned int node,
		const struct vs_move_peers *p, uint64_t now_ms,
		struct vs_move_event *ev);

/* del K: any held state -> NONE at once (today's meaning: the flows it
 * carries break). 0, -EINVAL, -ENOENT. */
int vs_move_del(struct vs_move_vip *mv, unsigned int node, uint64_t now_ms,
		struct vs_move_event *ev);

/*
 * Numbers whose drain wants an inet_diag count now (END_DIAG, past the
 * minimum, interval elapsed); the caller runs vs_move_diag_count on them
 * and hands the answer to vs_move_tick.
 */
uint64_t vs_move_diag_due(const struct vs_move_vip *mv, uint64_t now_ms);

/* An inet_diag answer for vs_move_tick: rc 0 with count[n-1] for the
 * numbers asked, or the query's -errno. */
struct vs_move_diag_answer {
	uint64_t asked; /* the numbers queried (0: no answer this tick) */
	int rc;
	uint32_t count[VS_MAX_NODES];
};

/*
 * The control thread's tick (every few ms): take in the inet_diag answer
 * (diag may be NULL), end drains, resolve pending numbers, promote
 * fillers, refresh view.unfilled. The workers' counters drive the idle
 * rules; an ended move's counters are added to st.dp. Fills ev (room for
 * VS_MOVE_EVENTS_MAX) with the changes; returns their count.
 */
unsigned int vs_move_tick(struct vs_move_vip *mv, const struct vs_move_peers *p,
			  const struct vs_move_diag_answer *diag,
			  uint64_t now_ms, struct vs_move_event *ev);

/* The masks to announce (vs_cover_set_state). */
void vs_move_masks(const struct vs_move_vip *mv, uint64_t *owned,
		   uint64_t *draining, uint64_t *filling);

/* A move's counters summed over the workers' tables (zero when the
 * number is in no move). */
void vs_move_sum(const struct vs_move_vip *mv, unsigned int node,
		 struct vs_move_stats *out);

/* "drain 2 started (timeout 300 s)", "drain 2 ended after 12.3 s: old
 * connections ended", ... The caller adds the time and the VIP. Returns
 * the length or -ENOSPC. */
int vs_move_event_format(const struct vs_move_event *e, char *buf, size_t size);

/* ------------------------------------------------------------------ */
/* inet_diag: the drainer's old TCP connections                        */
/* ------------------------------------------------------------------ */

/* TCP states counted: all but LISTEN, TIME_WAIT and CLOSE (the kernel's
 * TCPF_* bits; SYN_RECV includes the request sockets). */
#define VS_MOVE_DIAG_STATES                                          \
	((1u << 1) | (1u << 2) | (1u << 3) | (1u << 4) | (1u << 5) | \
	 (1u << 8) | (1u << 9) | (1u << 11) | (1u << 12))
/* A request's length (netlink header, inet_diag_req_v2, filter). */
#define VS_MOVE_DIAG_REQ_LEN 92

/*
 * A SOCK_DIAG_BY_FAMILY dump request for TCP sockets of family
 * (AF_INET, or AF_INET6 for IPv4-mapped sockets of dual-stack services)
 * in the counted states whose local address is vip (network order, a
 * bytecode filter). Returns the length or -EINVAL / -ENOSPC.
 */
int vs_move_diag_request(int family, uint32_t vip, uint32_t seq, void *buf,
			 size_t size);

/* A dump's running count. */
struct vs_move_diag_acc {
	uint32_t count[VS_MAX_NODES]; /* per number asked */
	uint32_t sockets;             /* messages on the VIP, counted state */
	uint32_t skipped;             /* messages of other addresses/states */
};

/*
 * Parse one datagram of a dump's answer (len bytes), adding to acc the
 * sockets whose local address is h->vip (IPv4, or IPv4-mapped IPv6), in
 * a counted state, whose peer (address, port) and local port hash under
 * h to a number in numbers. Messages of another sequence number are
 * ignored. Returns 1 when the dump is complete (NLMSG_DONE), 0 when more
 * is to come, the kernel's -errno (NLMSG_ERROR), or -EBADMSG.
 */
int vs_move_diag_parse(const void *buf, size_t len, uint32_t seq,
		       const struct vs_hash_cfg *h, uint64_t numbers,
		       struct vs_move_diag_acc *acc);

/*
 * The netlink I/O: dump the host's TCP sockets on h->vip (IPv4 and
 * IPv4-mapped IPv6) and count those of each number in numbers into
 * count[n-1]. Blocking, at most about 2 s. 0 or -errno.
 */
int vs_move_diag_count(const struct vs_hash_cfg *h, uint64_t numbers,
		       uint32_t count[VS_MAX_NODES]);

#ifdef __cplusplus
}
#endif

#endif /* VS_MOVE_H */
