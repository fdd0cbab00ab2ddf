/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vs_cover: the coverage monitor. Every node announces, per VIP, what it
 * holds; every node keeps a table of its peers and computes from it which
 * node numbers are held twice (duplicates), by nobody (holes), which peers
 * run other settings (mismatch), and, from per-number frame counts, which
 * numbers' frames nobody accepts (black_holed) or two accept
 * (double_accepted). docs/design.md, "Coverage monitor", has the frame
 * format byte by byte, the timers and what each condition means.
 *
 * Pure library: no EAL, no mempool, no thread of its own. The control
 * thread owns a struct vs_cover and calls, all with its own monotonic
 * clock in milliseconds (never compared with another node's):
 *
 *   vs_cover_tick()    every few ms: when an interval is due, takes the
 *                      per-number frame totals (seen, accepted; summed
 *                      over the workers' plain counters) and returns the
 *                      announcement frame to send to the cluster MAC;
 *   vs_cover_input()   for each frame of ethertype 0x88B5 received;
 *   vs_cover_compute() after a tick: the coverage, as a vs_cover_result;
 *   vs_cover_diff()    previous vs new result: conditions that started or
 *                      ended, for the log;
 *   vs_cover_json()    the result as the `vipshare-ctl coverage` object.
 *
 * Not thread-safe: one thread per struct vs_cover.
 */
#ifndef VS_COVER_H
#define VS_COVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_ether.h>

#include "vs_hash.h"

#ifdef __cplusplus
extern "C" {
#endif

/* IEEE Std 802 "Local Experimental Ethertype 1": for private protocols on
 * a LAN, never assigned to a public one. */
#define VS_COVER_ETHERTYPE 0x88B5
#define VS_COVER_MAGIC 0x5653 /* "VS" */
#define VS_COVER_VERSION 1

/* Announcement payload (after the ethertype): fixed part, then one 32-bit
 * count per node number 1..N, then the HMAC when flagged. */
#define VS_COVER_FIXED_LEN 76
#define VS_COVER_HMAC_LEN 32 /* HMAC-SHA256, not truncated */
#define VS_COVER_FLAG_HMAC 0x01
/* Longest frame vs_cover_build writes (untagged, N = 64, HMAC). */
#define VS_COVER_FRAME_MAX                                           \
	(RTE_ETHER_HDR_LEN + VS_COVER_FIXED_LEN + 4 * VS_MAX_NODES + \
	 VS_COVER_HMAC_LEN)

#define VS_COVER_INTERVAL_MIN 50    /* ms */
#define VS_COVER_INTERVAL_MAX 60000 /* ms */
#define VS_COVER_INTERVAL_DEFAULT 200
#define VS_COVER_KEY_MIN 16 /* bytes of cluster key */
#define VS_COVER_KEY_MAX 256
/* A peer is gone when nothing came for this many of ITS intervals. */
#define VS_COVER_MISSED 3
/* Peers remembered, live or not (bounded against floods). */
#define VS_COVER_MAX_PEERS 64
/* A silent peer's entry (its last sequence number: replay protection) is
 * forgotten after this long, or earlier when its slot is needed. */
#define VS_COVER_FORGET_MS (10 * 60 * 1000)

/* Data-plane check (see docs/design.md for why these values). */
#define VS_COVER_WINDOW_MIN_MS 1000 /* window >= this ... */
#define VS_COVER_WINDOW_INTERVALS 6 /* ... and >= 6 longest intervals */
#define VS_COVER_SLACK_MS 20        /* timing slack around a peer sample */
#define VS_COVER_MIN_SEEN 50        /* frames of a number in the window */

/* Verdict of parsing / taking in an announcement. 0 = accepted. */
enum vs_cover_verdict {
	VS_COVER_OK = 0,
	VS_COVER_REJ_TRUNCATED, /* frame shorter than its headers/length */
	VS_COVER_REJ_ETHERTYPE, /* not 0x88B5 (after up to 2 VLAN tags) */
	VS_COVER_REJ_MAGIC,     /* not "VS" */
	VS_COVER_REJ_VERSION,   /* another format version */
	VS_COVER_REJ_LENGTH,    /* length field != fixed + 4N (+ HMAC) */
	VS_COVER_REJ_FIELD,     /* N, flags, reserved, interval or masks */
	VS_COVER_REJ_NO_HMAC,   /* key configured, frame not signed */
	VS_COVER_REJ_UNEXPECTED_HMAC, /* signed, no key configured */
	VS_COVER_REJ_BAD_HMAC,        /* signature does not verify */
	VS_COVER_REJ_VIP,             /* announcement for another VIP */
	VS_COVER_REJ_SELF,            /* our own announcement came back */
	VS_COVER_REJ_ID_CONFLICT,     /* our identity, another incarnation */
	VS_COVER_REJ_REPLAY,          /* sequence number not newer */
	VS_COVER_REJ_TABLE_FULL, /* new peer, every slot held by a live one */
	VS_COVER_VERDICT_MAX
};

/* "truncated", "bad_hmac", ... (the stats key suffix); "ok" for 0. */
const char *vs_cover_verdict_name(unsigned int v);

/* Counters the app adds to its stats. accepted = received - rejected. */
struct vs_cover_stats {
	uint64_t sent;     /* announcements built by vs_cover_tick */
	uint64_t tx_fail;  /* ... the caller could not send (it counts) */
	uint64_t received; /* frames given to vs_cover_input */
	uint64_t accepted; /* ... that updated the peer table */
	uint64_t missed;   /* announcements of known peers never received
			     * (gaps in their sequence numbers) */
	uint64_t rejected[VS_COVER_VERDICT_MAX]; /* [0] unused */
};

/* Count a verdict (for callers that parse before routing to a VIP). */
void vs_cover_stats_count(struct vs_cover_stats *s, unsigned int verdict);

/*
 * Settings digest: what must agree across the cluster (VIP, N, hash mode,
 * hash_init, compat, cluster MAC). The first 8 bytes, read big-endian, of
 * SHA-256 over a fixed 22-byte record:
 *   "VSD1" | VIP (4, network order) | N (2, big-endian) | mode (1) |
 *   compat (1) | hash_init (4, big-endian) | cluster MAC (6)
 * with mode written as 0 under compat nft (which ignores it), so that two
 * settings that split traffic identically have the same digest.
 */
uint64_t vs_cover_digest(const struct vs_hash_cfg *h,
			 const struct rte_ether_addr *cluster_mac);

/* One announcement, decoded. Masks: bit n-1 = node number n. */
struct vs_cover_ann {
	uint32_t vip;             /* network order */
	uint16_t total_nodes;     /* N, 1..64 */
	uint32_t interval_ms;     /* the sender's announcement interval */
	uint64_t digest;          /* vs_cover_digest of its settings */
	struct rte_ether_addr id; /* stable identity: its NIC MAC */
	uint64_t incarnation;     /* random, chosen when it started */
	uint64_t seq;             /* +1 per announcement, across restarts too */
	uint64_t owned;           /* accepts every flow of these */
	uint64_t draining;        /* keeps established flows, refuses new */
	uint64_t filling;         /* takes new flows, leaves established */
	uint32_t period_ms;       /* since its previous announcement; 0 in
				  * its first (informational) */
	/* [n-1]: frames of n it accepted since this incarnation's first
	 * announcement, modulo 2^32. Cumulative, so that the difference
	 * between any two announcements received is exact even when some
	 * in between were lost. */
	uint32_t accepted[VS_MAX_NODES];
	bool hmac; /* was / is to be signed */
};

/*
 * A cluster key, ready to sign and verify (HMAC-SHA256 with the key
 * schedule done once: a forged frame costs ~1.4 us, not ~6). Not
 * thread-safe: one thread uses a key at a time.
 */
struct vs_cover_key;

/* 0, -EINVAL (length outside KEY_MIN..KEY_MAX) or -ENOMEM. */
int vs_cover_key_create(const uint8_t *key, size_t len,
			struct vs_cover_key **out);
void vs_cover_key_free(struct vs_cover_key *k);

/*
 * Write an announcement frame (dst = cluster MAC, src = the node's NIC
 * MAC, untagged, signed when key is not NULL). Returns its length or
 * -EINVAL (fields out of range) / -ENOSPC.
 */
int vs_cover_build(const struct vs_cover_ann *a,
		   const struct rte_ether_addr *dst,
		   const struct rte_ether_addr *src, struct vs_cover_key *key,
		   uint8_t *buf, size_t size);

/*
 * Parse one contiguous frame of len bytes. Never reads beyond len, trusts
 * no length or count field further than the frame; bytes after the
 * announcement (Ethernet padding) are ignored. With a key the frame must
 * carry a valid HMAC, without one it must carry none. Returns VS_COVER_OK
 * with *a filled, or the rejection reason.
 */
enum vs_cover_verdict vs_cover_parse(const uint8_t *frame, uint32_t len,
				     struct vs_cover_key *key,
				     struct vs_cover_ann *a);

struct vs_cover_cfg {
	struct vs_hash_cfg hash; /* VIP, N, mode, seed, compat */
	struct rte_ether_addr cluster_mac;
	struct rte_ether_addr node_id; /* NIC MAC: unicast, not zero */
	uint64_t incarnation;          /* random, chosen at start */
	uint64_t seq0; /* first sequence number: wall clock ms at start */
	uint32_t interval_ms; /* VS_COVER_INTERVAL_MIN..MAX */
	uint64_t external;    /* numbers held by nodes that do not announce */
	const uint8_t *key;   /* cluster key, NULL: none */
	size_t key_len;       /* 0 or KEY_MIN..KEY_MAX */
};

struct vs_cover;

/* Allocate a monitor (control path only). 0, -EINVAL or -ENOMEM. */
int vs_cover_create(const struct vs_cover_cfg *cfg, struct vs_cover **out);
void vs_cover_free(struct vs_cover *c);

/*
 * What this node holds now (announced from the next interval on). Masks
 * within 1..N and pairwise disjoint, else -EINVAL.
 */
int vs_cover_set_state(struct vs_cover *c, uint64_t owned, uint64_t draining,
		       uint64_t filling);

/*
 * Call every few ms (<= 10 ms apart, so announcements leave on time).
 * seen[n-1] / accepted[n-1]: totals since start, summed over the workers,
 * of VIP frames hashed to number n / of those this node accepted (the
 * caller reads its workers' plain counters; only deltas are used). When an
 * announcement is due: closes the interval and writes the frame into buf;
 * returns its length (send it to the cluster MAC), 0 when not due,
 * -ENOSPC. The first call announces at once: make it before the workers
 * start accepting.
 */
int vs_cover_tick(struct vs_cover *c, uint64_t now_ms, const uint64_t *seen,
		  const uint64_t *accepted, uint8_t *buf, size_t size);

/* A received frame (ethertype 0x88B5), at local time rx_ms (within 10 ms
 * of its arrival: the data-plane check allows 20 ms of timing slack):
 * parse with the monitor's key, then vs_cover_update. Counts the
 * verdict. */
enum vs_cover_verdict vs_cover_input(struct vs_cover *c, const uint8_t *frame,
				     uint32_t len, uint64_t rx_ms);

/* A parsed announcement (for callers that route by VIP after
 * vs_cover_parse; they count the parse verdicts themselves). Counts. */
enum vs_cover_verdict vs_cover_update(struct vs_cover *c,
				      const struct vs_cover_ann *a,
				      uint64_t rx_ms);

const struct vs_cover_stats *vs_cover_get_stats(const struct vs_cover *c);
/* The monitor's key (NULL: none), to parse with before routing. */
struct vs_cover_key *vs_cover_get_key(const struct vs_cover *c);

struct vs_cover_peer_info {
	struct rte_ether_addr id;
	uint64_t incarnation;
	uint64_t seq;
	uint64_t digest;
	uint64_t owned, draining, filling;
	uint64_t age_ms; /* since its last announcement */
	uint32_t interval_ms;
	uint16_t total_nodes;
	bool mismatch; /* digest differs from ours */
};

struct vs_cover_result {
	/* self */
	uint32_t vip; /* network order */
	uint16_t total_nodes;
	struct rte_ether_addr id;
	uint64_t incarnation, digest;
	uint64_t seq; /* the next one it will send */
	uint32_t interval_ms;
	uint64_t owned, draining, filling, external;
	/* live peers, sorted by id */
	unsigned int n_peers;
	struct vs_cover_peer_info peers[VS_COVER_MAX_PEERS];
	/* conditions: masks, bit n-1 = number n */
	uint64_t duplicates, holes, black_holed, double_accepted;
	/* the data-plane window: its length (0: not evaluated: too little
	 * history yet) and per number n-1 the frames seen in it and the
	 * frames accepted, summed over the nodes, at least / at most */
	uint32_t window_ms;
	uint64_t seen[VS_MAX_NODES];
	uint64_t acc_min[VS_MAX_NODES];
	uint64_t acc_max[VS_MAX_NODES];
};

/*
 * Expire peers and compute the coverage at now_ms into *r (about 5 KiB:
 * not for the stack of a small thread). Keeps the data-plane flags'
 * hysteresis in c, so call it once per tick, not per reader: readers
 * (telemetry, vipshare-ctl) format the last result.
 */
void vs_cover_compute(struct vs_cover *c, uint64_t now_ms,
		      struct vs_cover_result *r);

/*
 * The deterministic tie-break of duplicates: among the live holders of a
 * number (self included; peers with another digest are not holders), the
 * ones taking new flows (owned, filling) keep one and the ones taking
 * established flows (owned, draining) keep one: an owner before a filler
 * or drainer, then the lowest identity (the 6 MAC bytes compared in
 * order). A number declared external is kept by its external holder.
 * Returns the numbers of r->duplicates this node must give up.
 */
uint64_t vs_cover_yield(const struct vs_cover_result *r);

/* The keeper of a number by that rule (of the new-flow takers when two or
 * more take them, else of the established-flow takers): 0 with *id, 1 when
 * the keeper is external, -ENOENT when nobody holds it, -EINVAL. */
int vs_cover_keeper(const struct vs_cover_result *r, unsigned int node,
		    struct rte_ether_addr *id);

/* Condition changes between two results, for the log. */
enum vs_cover_cond {
	VS_COVER_COND_DUPLICATE,
	VS_COVER_COND_HOLE,
	VS_COVER_COND_BLACK_HOLED,
	VS_COVER_COND_DOUBLE_ACCEPTED,
	VS_COVER_COND_MISMATCH, /* a peer's digest differs */
	VS_COVER_COND_PEER,     /* a peer appeared (start) / went (end) */
};

struct vs_cover_event {
	uint8_t cond;               /* enum vs_cover_cond */
	bool start;                 /* started, or ended */
	uint8_t node;               /* number, for the per-number ones */
	struct rte_ether_addr peer; /* for MISMATCH and PEER */
};

/* Enough for any pair of results. */
#define VS_COVER_EVENTS_MAX (4 * VS_MAX_NODES + 4 * VS_COVER_MAX_PEERS)

/* Fills ev (numbers ascending, then peers by id); returns the count. A
 * zeroed prev (n_peers 0, no masks) is the state before the first. */
unsigned int vs_cover_diff(const struct vs_cover_result *prev,
			   const struct vs_cover_result *cur,
			   struct vs_cover_event *ev, unsigned int max);

/* "duplicate 2 started", "peer 02:00:00:00:00:01 gone", ... Returns the
 * length or -ENOSPC. */
int vs_cover_event_format(const struct vs_cover_event *e, char *buf,
			  size_t size);

/* Enough for any result (64 peers with every list full: ~55 KB); a
 * realistic cluster needs well under 2 KB. */
#define VS_COVER_JSON_MAX 65536

/*
 * The `vipshare-ctl coverage` object (one line, no newline):
 * {"vip": "...", "self": {...}, "peers": [{"id": "...", "owned": [..],
 *  "draining": [..], "filling": [..], "age_ms": N}, ...], "duplicates": [..],
 *  "holes": [..], "mismatch": ["<peer id>", ...], "black_holed": [..],
 *  "double_accepted": [..]}
 * Returns the length (without the NUL) or -ENOSPC.
 */
int vs_cover_json(const struct vs_cover_result *r, char *buf, size_t size);

/* "aa:bb:cc:dd:ee:ff" into buf (>= 18 bytes). */
void vs_cover_id_format(const struct rte_ether_addr *id, char *buf);

#ifdef __cplusplus
}
#endif

#endif /* VS_COVER_H */
