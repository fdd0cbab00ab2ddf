/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Coverage monitor: announcements, peer table, coverage, JSON.
 * See vs_cover.h for the API and docs/design.md for the design.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/sha.h>

#include "vs_cover.h"

/* Payload offsets (after the ethertype); all fields big-endian. */
#define OFF_MAGIC 0
#define OFF_VERSION 2
#define OFF_FLAGS 3
#define OFF_LENGTH 4
#define OFF_NODES 6
#define OFF_RSVD1 7
#define OFF_VIP 8
#define OFF_INTERVAL 12
#define OFF_DIGEST 16
#define OFF_ID 24
#define OFF_RSVD2 30
#define OFF_INCARNATION 32
#define OFF_SEQ 40
#define OFF_OWNED 48
#define OFF_DRAINING 56
#define OFF_FILLING 64
#define OFF_PERIOD 72
#define OFF_COUNTS VS_COVER_FIXED_LEN

/* History of our own intervals ("bins") and of peer samples over them. */
#define BINS 64 /* ring of bins: the window and the lag fit in it */
#define SPANS 8 /* a peer sample may overlap up to 8 of our bins */

static const char *const verdict_names[VS_COVER_VERDICT_MAX] = {
	[VS_COVER_OK] = "ok",
	[VS_COVER_REJ_TRUNCATED] = "truncated",
	[VS_COVER_REJ_ETHERTYPE] = "ethertype",
	[VS_COVER_REJ_MAGIC] = "magic",
	[VS_COVER_REJ_VERSION] = "version",
	[VS_COVER_REJ_LENGTH] = "length",
	[VS_COVER_REJ_FIELD] = "field",
	[VS_COVER_REJ_NO_HMAC] = "no_hmac",
	[VS_COVER_REJ_UNEXPECTED_HMAC] = "unexpected_hmac",
	[VS_COVER_REJ_BAD_HMAC] = "bad_hmac",
	[VS_COVER_REJ_VIP] = "other_vip",
	[VS_COVER_REJ_SELF] = "self",
	[VS_COVER_REJ_ID_CONFLICT] = "id_conflict",
	[VS_COVER_REJ_REPLAY] = "replay",
	[VS_COVER_REJ_TABLE_FULL] = "table_full",
};

const char *
vs_cover_verdict_name(unsigned int v)
{
	return v < VS_COVER_VERDICT_MAX ? verdict_names[v] : "unknown";
}

void
vs_cover_stats_count(struct vs_cover_stats *s, unsigned int verdict)
{
	s->received++;
	if (verdict == VS_COVER_OK)
		s->accepted++;
	else if (verdict < VS_COVER_VERDICT_MAX)
		s->rejected[verdict]++;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static void
put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static uint64_t
get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

static uint64_t
nodes_mask(unsigned int n)
{
	return n >= 64 ? UINT64_MAX : (UINT64_C(1) << n) - 1;
}

uint64_t
vs_cover_digest(const struct vs_hash_cfg *h,
		const struct rte_ether_addr *cluster_mac)
{
	uint8_t rec[22], md[SHA256_DIGEST_LENGTH];

	memcpy(rec, "VSD1", 4);
	memcpy(rec + 4, &h->vip, 4); /* already network order */
	put16(rec + 8, h->total_nodes);
	rec[10] = h->compat == VS_COMPAT_NFT ? 0 : h->mode;
	rec[11] = h->compat;
	put32(rec + 12, h->hash_init);
	memcpy(rec + 16, cluster_mac->addr_bytes, 6);
	SHA256(rec, sizeof(rec), md);
	return get64(md);
}

static size_t
payload_len(unsigned int nodes, bool hmac)
{
	return VS_COVER_FIXED_LEN + 4 * nodes + (hmac ? VS_COVER_HMAC_LEN : 0);
}

struct vs_cover_key {
	EVP_MAC_CTX *ctx; /* keyed once; re-initialised per message */
};

int
vs_cover_key_create(const uint8_t *key, size_t len, struct vs_cover_key **out)
{
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(
			OSSL_MAC_PARAM_DIGEST, (char *)(uintptr_t) "SHA256", 0),
		OSSL_PARAM_construct_end(),
	};
	struct vs_cover_key *k;
	EVP_MAC *mac;

	if (key == NULL || len < VS_COVER_KEY_MIN || len > VS_COVER_KEY_MAX)
		return -EINVAL;
	k = calloc(1, sizeof(*k));
	if (k == NULL)
		return -ENOMEM;
	mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (mac != NULL)
		k->ctx = EVP_MAC_CTX_new(mac);
	EVP_MAC_free(mac); /* the context holds its own reference */
	if (k->ctx == NULL || !EVP_MAC_init(k->ctx, key, len, params)) {
		vs_cover_key_free(k);
		return -ENOMEM;
	}
	*out = k;
	return 0;
}

void
vs_cover_key_free(struct vs_cover_key *k)
{
	if (k == NULL)
		return;
	EVP_MAC_CTX_free(k->ctx); /* cleanses the key */
	free(k);
}

/* HMAC-SHA256 over the ethertype and the payload up to the HMAC. */
static void
sign(struct vs_cover_key *k, const uint8_t *from, size_t len, uint8_t *md)
{
	size_t md_len = 0;

	if (!EVP_MAC_init(k->ctx, NULL, 0, NULL) ||
	    !EVP_MAC_update(k->ctx, from, len) ||
	    !EVP_MAC_final(k->ctx, md, &md_len, VS_COVER_HMAC_LEN) ||
	    md_len != VS_COVER_HMAC_LEN)
		memset(md, 0, VS_COVER_HMAC_LEN); /* never verifies */
}

static bool
masks_ok(uint64_t owned, uint64_t draining, uint64_t filling,
	 unsigned int nodes)
{
	uint64_t all = nodes_mask(nodes);

	if ((owned | draining | filling) & ~all)
		return false;
	return !(owned & draining) && !(owned & filling) &&
	       !(draining & filling);
}

int
vs_cover_build(const struct vs_cover_ann *a, const struct rte_ether_addr *dst,
	       const struct rte_ether_addr *src, struct vs_cover_key *key,
	       uint8_t *buf, size_t size)
{
	bool hmac = key != NULL;
	size_t plen, n;
	uint8_t *p;

	if (a->total_nodes < 1 || a->total_nodes > VS_MAX_NODES ||
	    a->interval_ms < VS_COVER_INTERVAL_MIN ||
	    a->interval_ms > VS_COVER_INTERVAL_MAX ||
	    !masks_ok(a->owned, a->draining, a->filling, a->total_nodes))
		return -EINVAL;
	plen = payload_len(a->total_nodes, hmac);
	if (size < RTE_ETHER_HDR_LEN + plen)
		return -ENOSPC;
	memcpy(buf, dst->addr_bytes, 6);
	memcpy(buf + 6, src->addr_bytes, 6);
	put16(buf + 12, VS_COVER_ETHERTYPE);
	p = buf + RTE_ETHER_HDR_LEN;
	memset(p, 0, VS_COVER_FIXED_LEN);
	put16(p + OFF_MAGIC, VS_COVER_MAGIC);
	p[OFF_VERSION] = VS_COVER_VERSION;
	p[OFF_FLAGS] = hmac ? VS_COVER_FLAG_HMAC : 0;
	put16(p + OFF_LENGTH, (uint16_t)plen);
	p[OFF_NODES] = (uint8_t)a->total_nodes;
	memcpy(p + OFF_VIP, &a->vip, 4);
	put32(p + OFF_INTERVAL, a->interval_ms);
	put64(p + OFF_DIGEST, a->digest);
	memcpy(p + OFF_ID, a->id.addr_bytes, 6);
	put64(p + OFF_INCARNATION, a->incarnation);
	put64(p + OFF_SEQ, a->seq);
	put64(p + OFF_OWNED, a->owned);
	put64(p + OFF_DRAINING, a->draining);
	put64(p + OFF_FILLING, a->filling);
	put32(p + OFF_PERIOD, a->period_ms);
	for (n = 0; n < a->total_nodes; n++)
		put32(p + OFF_COUNTS + 4 * n, a->accepted[n]);
	if (hmac) {
		n = plen - VS_COVER_HMAC_LEN;
		sign(key, p - 2, n + 2, p + n);
	}
	return (int)(RTE_ETHER_HDR_LEN + plen);
}

enum vs_cover_verdict
vs_cover_parse(const uint8_t *frame, uint32_t len, struct vs_cover_key *key,
	       struct vs_cover_ann *a)
{
	uint8_t md[VS_COVER_HMAC_LEN];
	uint32_t off = 12, avail, plen, n, nodes;
	const uint8_t *p;
	uint16_t et;
	int tags;

	/* up to two VLAN tags (802.1Q / 802.1ad) before our ethertype */
	for (tags = 0;; tags++) {
		if (len < off + 2)
			return VS_COVER_REJ_TRUNCATED;
		et = get16(frame + off);
		if ((et != RTE_ETHER_TYPE_VLAN && et != RTE_ETHER_TYPE_QINQ) ||
		    tags == 2)
			break;
		off += 4;
	}
	if (et != VS_COVER_ETHERTYPE)
		return VS_COVER_REJ_ETHERTYPE;
	off += 2;
	p = frame + off;
	avail = len - off;
	if (avail < OFF_VERSION + 1)
		return VS_COVER_REJ_TRUNCATED;
	if (get16(p + OFF_MAGIC) != VS_COVER_MAGIC)
		return VS_COVER_REJ_MAGIC;
	if (p[OFF_VERSION] != VS_COVER_VERSION)
		return VS_COVER_REJ_VERSION;
	if (avail < VS_COVER_FIXED_LEN)
		return VS_COVER_REJ_TRUNCATED;
	nodes = p[OFF_NODES];
	if (nodes < 1 || nodes > VS_MAX_NODES)
		return VS_COVER_REJ_FIELD;
	plen = get16(p + OFF_LENGTH);
	if (plen != payload_len(nodes, p[OFF_FLAGS] & VS_COVER_FLAG_HMAC))
		return VS_COVER_REJ_LENGTH;
	if (plen > avail)
		return VS_COVER_REJ_TRUNCATED;
	/* authenticity before meaning: a forged frame is "bad_hmac" */
	if (p[OFF_FLAGS] & VS_COVER_FLAG_HMAC) {
		if (key == NULL)
			return VS_COVER_REJ_UNEXPECTED_HMAC;
		n = plen - VS_COVER_HMAC_LEN;
		sign(key, p - 2, n + 2, md);
		if (CRYPTO_memcmp(md, p + n, VS_COVER_HMAC_LEN) != 0)
			return VS_COVER_REJ_BAD_HMAC;
	} else if (key != NULL) {
		return VS_COVER_REJ_NO_HMAC;
	}
	memset(a, 0, sizeof(*a));
	a->hmac = p[OFF_FLAGS] & VS_COVER_FLAG_HMAC;
	a->total_nodes = (uint16_t)nodes;
	memcpy(&a->vip, p + OFF_VIP, 4);
	a->interval_ms = get32(p + OFF_INTERVAL);
	a->digest = get64(p + OFF_DIGEST);
	memcpy(a->id.addr_bytes, p + OFF_ID, 6);
	a->incarnation = get64(p + OFF_INCARNATION);
	a->seq = get64(p + OFF_SEQ);
	a->owned = get64(p + OFF_OWNED);
	a->draining = get64(p + OFF_DRAINING);
	a->filling = get64(p + OFF_FILLING);
	a->period_ms = get32(p + OFF_PERIOD);
	for (n = 0; n < nodes; n++)
		a->accepted[n] = get32(p + OFF_COUNTS + 4 * n);
	if ((p[OFF_FLAGS] & ~VS_COVER_FLAG_HMAC) || p[OFF_RSVD1] ||
	    get16(p + OFF_RSVD2) || a->interval_ms < VS_COVER_INTERVAL_MIN ||
	    a->interval_ms > VS_COVER_INTERVAL_MAX ||
	    !masks_ok(a->owned, a->draining, a->filling, nodes) ||
	    rte_is_multicast_ether_addr(&a->id) ||
	    rte_is_zero_ether_addr(&a->id))
		return VS_COVER_REJ_FIELD;
	return VS_COVER_OK;
}

/* ------------------------------------------------------------------ */
/* The monitor */

struct peer {
	bool used;
	struct rte_ether_addr id;
	uint64_t incarnation;
	uint64_t seq;
	uint64_t last_ms; /* local time of its last accepted announcement */
	uint64_t digest;
	uint64_t owned, draining, filling;
	uint32_t interval_ms;
	uint16_t total_nodes;
	/* its cumulative accepted counts at totals_rx (matched peers), the
	 * first ones at base_rx: what it accepted before is unknown */
	bool have_totals;
	uint64_t totals_rx, base_rx;
	uint32_t totals[VS_MAX_NODES];
};

struct vs_cover {
	struct vs_cover_cfg cfg; /* cfg.key is not kept */
	struct vs_cover_key *key;
	uint64_t digest;
	uint64_t owned, draining, filling;
	uint64_t seq; /* next sequence number to send */
	struct vs_cover_stats stats;
	struct peer peers[VS_COVER_MAX_PEERS];

	/*
	 * Data-plane history. Bin j is our interval j: it ends at bin_end
	 * [j % BINS], begins where bin j-1 ended (bin 0 at origin). Bins
	 * 0..cur-1 are closed, cur is open. Per bin and number: frames we
	 * saw (seen), frames we accepted (self), and the peers' accepted
	 * counts whose sample ends in bin j2 and begins in bin j2-s
	 * (hist[j2][s]). Slots of bins older than cur + 2 - BINS are reused.
	 */
	bool started;
	uint64_t origin;    /* start of bin 0 = first tick */
	uint64_t last_tick; /* start of the open bin */
	uint64_t cur;
	uint64_t blind_until; /* windows must begin after this bin */
	bool blind;
	uint64_t prev_seen[VS_MAX_NODES];
	uint64_t prev_acc[VS_MAX_NODES];
	uint32_t acc_total[VS_MAX_NODES]; /* announced, mod 2^32 */
	uint64_t dp_black, dp_double;     /* flags now (hysteresis) */
	uint64_t bin_end[BINS];
	uint16_t nodes;
	uint32_t *seen; /* [BINS][nodes] */
	uint32_t *self; /* [BINS][nodes] */
	uint32_t *hist; /* [BINS][SPANS][nodes] */
	uint32_t data[];
};

int
vs_cover_create(const struct vs_cover_cfg *cfg, struct vs_cover **out)
{
	const struct vs_hash_cfg *h = &cfg->hash;
	size_t cells;
	struct vs_cover *c;

	if (h->total_nodes < 1 || h->total_nodes > VS_MAX_NODES ||
	    h->mode > VS_HASH_SIP_SPT_DPT || h->compat > VS_COMPAT_NFT ||
	    cfg->interval_ms < VS_COVER_INTERVAL_MIN ||
	    cfg->interval_ms > VS_COVER_INTERVAL_MAX ||
	    (cfg->external & ~nodes_mask(h->total_nodes)) ||
	    rte_is_multicast_ether_addr(&cfg->node_id) ||
	    rte_is_zero_ether_addr(&cfg->node_id) ||
	    (cfg->key_len > 0 &&
	     (cfg->key == NULL || cfg->key_len < VS_COVER_KEY_MIN ||
	      cfg->key_len > VS_COVER_KEY_MAX)))
		return -EINVAL;
	cells = (size_t)BINS * h->total_nodes * (2 + SPANS);
	c = calloc(1, sizeof(*c) + cells * sizeof(uint32_t));
	if (c == NULL)
		return -ENOMEM;
	c->cfg = *cfg;
	c->cfg.key = NULL;
	if (cfg->key_len > 0 &&
	    vs_cover_key_create(cfg->key, cfg->key_len, &c->key) < 0) {
		free(c);
		return -ENOMEM;
	}
	c->nodes = h->total_nodes;
	c->digest = vs_cover_digest(h, &cfg->cluster_mac);
	c->seq = cfg->seq0;
	c->seen = c->data;
	c->self = c->seen + (size_t)BINS * c->nodes;
	c->hist = c->self + (size_t)BINS * c->nodes;
	*out = c;
	return 0;
}

void
vs_cover_free(struct vs_cover *c)
{
	if (c == NULL)
		return;
	vs_cover_key_free(c->key);
	free(c);
}

int
vs_cover_set_state(struct vs_cover *c, uint64_t owned, uint64_t draining,
		   uint64_t filling)
{
	if (!masks_ok(owned, draining, filling, c->nodes))
		return -EINVAL;
	c->owned = owned;
	c->draining = draining;
	c->filling = filling;
	return 0;
}

const struct vs_cover_stats *
vs_cover_get_stats(const struct vs_cover *c)
{
	return &c->stats;
}

struct vs_cover_key *
vs_cover_get_key(const struct vs_cover *c)
{
	return c->key;
}

static uint32_t *
seen_at(struct vs_cover *c, uint64_t j)
{
	return c->seen + (j % BINS) * c->nodes;
}

static uint32_t *
self_at(struct vs_cover *c, uint64_t j)
{
	return c->self + (j % BINS) * c->nodes;
}

static uint32_t *
hist_at(struct vs_cover *c, uint64_t j2, unsigned int s)
{
	return c->hist + ((j2 % BINS) * SPANS + s) * c->nodes;
}

static uint64_t
bin_start(const struct vs_cover *c, uint64_t j)
{
	return j == 0 ? c->origin : c->bin_end[(j - 1) % BINS];
}

static uint32_t
sat32(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

static void
clear_bin(struct vs_cover *c, uint64_t j)
{
	memset(seen_at(c, j), 0, c->nodes * sizeof(uint32_t));
	memset(self_at(c, j), 0, c->nodes * sizeof(uint32_t));
	memset(hist_at(c, j, 0), 0, SPANS * c->nodes * sizeof(uint32_t));
}

static void
take_totals(struct vs_cover *c, const uint64_t *seen, const uint64_t *acc,
	    uint32_t *dseen, uint32_t *dacc)
{
	unsigned int n;

	for (n = 0; n < c->nodes; n++) {
		/* counters only grow; a smaller total (reset) is a new base */
		if (dseen != NULL)
			dseen[n] = seen[n] > c->prev_seen[n]
					   ? sat32(seen[n] - c->prev_seen[n])
					   : 0;
		if (dacc != NULL)
			dacc[n] = acc[n] > c->prev_acc[n]
					  ? sat32(acc[n] - c->prev_acc[n])
					  : 0;
		c->prev_seen[n] = seen[n];
		c->prev_acc[n] = acc[n];
	}
}

int
vs_cover_tick(struct vs_cover *c, uint64_t now_ms, const uint64_t *seen,
	      const uint64_t *accepted, uint8_t *buf, size_t size)
{
	struct vs_cover_ann a;
	unsigned int n;
	uint64_t j;
	int len;

	if (size < RTE_ETHER_HDR_LEN + payload_len(c->nodes, c->key != NULL))
		return -ENOSPC;
	memset(&a, 0, sizeof(a));
	if (!c->started) {
		/* counting starts now: the first announcement has no counts */
		take_totals(c, seen, accepted, NULL, NULL);
		c->started = true;
		c->origin = c->last_tick = now_ms;
		c->cur = 0;
	} else {
		if (now_ms < c->last_tick + c->cfg.interval_ms)
			return 0;
		j = c->cur;
		take_totals(c, seen, accepted, seen_at(c, j), self_at(c, j));
		for (n = 0; n < c->nodes; n++)
			c->acc_total[n] += self_at(c, j)[n]; /* wraps */
		a.period_ms = sat32(now_ms - c->last_tick);
		c->bin_end[j % BINS] = now_ms;
		c->last_tick = now_ms;
		c->cur = j + 1;
		/* peers may already write into bin cur + 1 (see take_sample) */
		clear_bin(c, j + 2);
	}
	a.vip = c->cfg.hash.vip;
	a.total_nodes = c->nodes;
	a.interval_ms = c->cfg.interval_ms;
	a.digest = c->digest;
	a.id = c->cfg.node_id;
	a.incarnation = c->cfg.incarnation;
	a.seq = c->seq;
	a.owned = c->owned;
	a.draining = c->draining;
	a.filling = c->filling;
	memcpy(a.accepted, c->acc_total, c->nodes * sizeof(uint32_t));
	len = vs_cover_build(&a, &c->cfg.cluster_mac, &c->cfg.node_id, c->key,
			     buf, size);
	if (len > 0) {
		c->seq++;
		c->stats.sent++;
	}
	return len;
}

static bool
peer_live(const struct peer *p, uint64_t now)
{
	return p->used &&
	       now - p->last_ms <= (uint64_t)VS_COVER_MISSED * p->interval_ms;
}

/* Bin holding local time t (bins are (start, end]); cur when t is in the
 * open bin; -1 when t is not after the start of the oldest bin kept. */
static int64_t
bin_of(const struct vs_cover *c, uint64_t t)
{
	uint64_t j = c->cur, oldest = c->cur + 2 > BINS ? c->cur + 2 - BINS : 0;

	for (;;) {
		if (t > bin_start(c, j))
			return (int64_t)j;
		if (j == oldest)
			return -1;
		j--;
	}
}

/*
 * Place a matched peer's counts over our bins: the frames it accepted
 * between two of its announcements we received, at local times from and
 * rx, widened by the slack on both sides (delays, jitter). j2 is the bin
 * holding the end: the open one, or the next when our interval may close
 * before rx + slack (it never closes before it is due).
 */
static void
take_sample(struct vs_cover *c, const uint32_t *counts, uint64_t from,
	    uint64_t rx)
{
	uint64_t lo, hi, j2;
	int64_t j1;
	uint32_t *h;
	unsigned int n;

	if (!c->started)
		return;
	hi = rx + VS_COVER_SLACK_MS;
	lo = from > VS_COVER_SLACK_MS ? from - VS_COVER_SLACK_MS : 0;
	j2 = hi >= c->last_tick + c->cfg.interval_ms ? c->cur + 1 : c->cur;
	j1 = bin_of(c, lo);
	if (j1 < 0 || j2 - (uint64_t)j1 >= SPANS) {
		/* longer than we can place exactly: no window may include
		 * any bin it might cover (dropping it could fake a black
		 * hole, guessing could fake a double) */
		if (!c->blind || c->blind_until < j2)
			c->blind_until = j2;
		c->blind = true;
		return;
	}
	h = hist_at(c, j2, (unsigned int)(j2 - (uint64_t)j1));
	for (n = 0; n < c->nodes; n++)
		h[n] = sat32((uint64_t)h[n] + counts[n]);
}

/* The peer's counts since its last announcement we took in. */
static void
peer_counts(struct vs_cover *c, struct peer *p, const struct vs_cover_ann *a,
	    bool same_incarnation, uint64_t rx)
{
	uint32_t d[VS_MAX_NODES];
	unsigned int n;

	if (a->digest != c->digest) {
		p->have_totals = false;
		return;
	}
	if (same_incarnation && p->have_totals && rx >= p->totals_rx) {
		for (n = 0; n < c->nodes; n++)
			d[n] = a->accepted[n] - p->totals[n]; /* mod 2^32 */
		take_sample(c, d, p->totals_rx, rx);
	} else {
		p->base_rx = rx; /* a new baseline */
	}
	memcpy(p->totals, a->accepted, c->nodes * sizeof(uint32_t));
	p->totals_rx = rx;
	p->have_totals = true;
}

static struct peer *
peer_find(struct vs_cover *c, const struct rte_ether_addr *id)
{
	unsigned int i;

	for (i = 0; i < VS_COVER_MAX_PEERS; i++)
		if (c->peers[i].used &&
		    rte_is_same_ether_addr(&c->peers[i].id, id))
			return &c->peers[i];
	return NULL;
}

/* A free slot, else the silent peer heard least recently; never a live
 * one (a flood of new identities cannot push out the real peers). */
static struct peer *
peer_alloc(struct vs_cover *c, uint64_t now)
{
	struct peer *best = NULL;
	unsigned int i;

	for (i = 0; i < VS_COVER_MAX_PEERS; i++) {
		struct peer *p = &c->peers[i];

		if (!p->used)
			return p;
		if (!peer_live(p, now) &&
		    (best == NULL || p->last_ms < best->last_ms))
			best = p;
	}
	return best;
}

static enum vs_cover_verdict
admit(struct vs_cover *c, const struct vs_cover_ann *a, uint64_t rx)
{
	struct peer *p;
	bool fresh = false, same;

	if (a->vip != c->cfg.hash.vip)
		return VS_COVER_REJ_VIP;
	if (rte_is_same_ether_addr(&a->id, &c->cfg.node_id))
		return a->incarnation == c->cfg.incarnation
			       ? VS_COVER_REJ_SELF
			       : VS_COVER_REJ_ID_CONFLICT;
	p = peer_find(c, &a->id);
	if (p != NULL && rx >= p->last_ms &&
	    rx - p->last_ms > VS_COVER_FORGET_MS)
		memset(p, 0, sizeof(*p)); /* silent for long: forgotten */
	else if (p != NULL && a->seq <= p->seq &&
		 (a->incarnation == p->incarnation || c->key != NULL ||
		  peer_live(p, rx)))
		/*
		 * Not newer. Sequence numbers start at the sender's clock in
		 * ms, so they grow across its restarts too: an older
		 * incarnation's frames are replays. Without a key (no
		 * protection from forgery anyway) a new incarnation is
		 * accepted once the old one went silent, so that a node
		 * whose clock went back is not locked out.
		 */
		return VS_COVER_REJ_REPLAY;
	if (p == NULL || !p->used) {
		if (p == NULL)
			p = peer_alloc(c, rx);
		if (p == NULL)
			return VS_COVER_REJ_TABLE_FULL;
		memset(p, 0, sizeof(*p));
		p->used = true;
		p->id = a->id;
		fresh = true;
	}
	same = !fresh && a->incarnation == p->incarnation &&
	       p->digest == a->digest;
	if (same && a->seq - p->seq > 1)
		c->stats.missed += RTE_MIN(a->seq - p->seq - 1, UINT64_C(1000));
	peer_counts(c, p, a, same, rx);
	p->incarnation = a->incarnation;
	p->seq = a->seq;
	p->last_ms = rx > p->last_ms ? rx : p->last_ms;
	p->digest = a->digest;
	p->owned = a->owned;
	p->draining = a->draining;
	p->filling = a->filling;
	p->interval_ms = a->interval_ms;
	p->total_nodes = a->total_nodes;
	return VS_COVER_OK;
}

enum vs_cover_verdict
vs_cover_update(struct vs_cover *c, const struct vs_cover_ann *a,
		uint64_t rx_ms)
{
	enum vs_cover_verdict v = admit(c, a, rx_ms);

	vs_cover_stats_count(&c->stats, v);
	return v;
}

enum vs_cover_verdict
vs_cover_input(struct vs_cover *c, const uint8_t *frame, uint32_t len,
	       uint64_t rx_ms)
{
	struct vs_cover_ann a;
	enum vs_cover_verdict v;

	v = vs_cover_parse(frame, len, c->key, &a);
	if (v != VS_COVER_OK) {
		vs_cover_stats_count(&c->stats, v);
		return v;
	}
	return vs_cover_update(c, &a, rx_ms);
}

/* ------------------------------------------------------------------ */
/* Coverage */

static int
id_cmp(const struct rte_ether_addr *x, const struct rte_ether_addr *y)
{
	return memcmp(x->addr_bytes, y->addr_bytes, RTE_ETHER_ADDR_LEN);
}

static void
structural(struct vs_cover_result *r)
{
	unsigned int n, i, takers_new, takers_est;
	uint64_t bit;

	r->duplicates = r->holes = 0;
	for (n = 0; n < r->total_nodes; n++) {
		bit = UINT64_C(1) << n;
		/* new flows: owners and fillers; established: owners and
		 * drainers. An external holder is an owner. */
		takers_new = !!((r->owned | r->filling | r->external) & bit);
		takers_est = !!((r->owned | r->draining | r->external) & bit);
		for (i = 0; i < r->n_peers; i++) {
			const struct vs_cover_peer_info *p = &r->peers[i];

			if (p->mismatch)
				continue;
			takers_new += !!((p->owned | p->filling) & bit);
			takers_est += !!((p->owned | p->draining) & bit);
		}
		if (takers_new >= 2 || takers_est >= 2)
			r->duplicates |= bit;
		if (takers_new == 0)
			r->holes |= bit;
	}
}

/*
 * The data-plane windows: whole bins of ours ending at J2, the newest bin
 * every live matched peer has reported past (so no sample still to come
 * can overlap it), grown one bin at a time into the past. Per number:
 * seen = our frames in the window; accepted at least = our own + samples
 * entirely inside; at most = our own + samples overlapping it. Every
 * frame we saw in the window is inside a sample overlapping it, and every
 * frame of a sample inside it is one we saw in it: so with each frame
 * accepted once, acc_max >= seen >= acc_min whatever the phases, however
 * bursty the traffic (up to frame loss) and however short the window.
 *
 * The black-hole check counts generously (acc_max), which stays exact on
 * any window: per number it takes the shortest window that holds
 * MIN_SEEN of its frames (so a hole shows once that many frames went
 * unaccepted, not after half of a long window), at most the long one. The
 * double check counts sparingly (acc_min loses up to a sample at each
 * edge), so it needs the long window: max(WINDOW_MIN_MS, WINDOW_INTERVALS
 * x the longest interval). Flags come with margins and hysteresis.
 */
static void
black_check(struct vs_cover *c, unsigned int n, uint64_t sn, uint64_t amax)
{
	uint64_t bit = UINT64_C(1) << n;

	if (c->cfg.external & bit)
		amax += sn; /* not ours to see: assume it takes all it gets */
	/* under half accepted, even counting generously; ends at three
	 * quarters */
	if (c->dp_black & bit) {
		if (sn < VS_COVER_MIN_SEEN / 2 || 4 * amax >= 3 * sn)
			c->dp_black &= ~bit;
	} else if (sn >= VS_COVER_MIN_SEEN && 2 * amax < sn) {
		c->dp_black |= bit;
	}
}

static void
data_plane(struct vs_cover *c, uint64_t now, struct vs_cover_result *r)
{
	uint64_t horizon = UINT64_MAX, begin = 0, oldest, j1, j2, jw, win, len;
	uint64_t seen[VS_MAX_NODES], amin[VS_MAX_NODES], amax[VS_MAX_NODES];
	uint64_t bseen[VS_MAX_NODES], bmax[VS_MAX_NODES];
	uint64_t judged = 0, bit;
	uint32_t imax = c->cfg.interval_ms;
	unsigned int i, n, s;
	bool full = false;

	r->window_ms = 0;
	memset(r->seen, 0, sizeof(r->seen));
	memset(r->acc_min, 0, sizeof(r->acc_min));
	memset(r->acc_max, 0, sizeof(r->acc_max));
	if (!c->started || c->cur == 0)
		goto none;
	for (i = 0; i < VS_COVER_MAX_PEERS; i++) {
		const struct peer *p = &c->peers[i];

		if (!peer_live(p, now) || p->digest != c->digest)
			continue;
		if (p->last_ms < horizon)
			horizon = p->last_ms;
		/* its counts before its first announcement we took in are
		 * unknown: the window begins after it */
		if (p->base_rx + VS_COVER_SLACK_MS > begin)
			begin = p->base_rx + VS_COVER_SLACK_MS;
		if (p->interval_ms > imax)
			imax = p->interval_ms;
	}
	win = (uint64_t)imax * VS_COVER_WINDOW_INTERVALS;
	if (win < VS_COVER_WINDOW_MIN_MS)
		win = VS_COVER_WINDOW_MIN_MS;
	/* a peer's next sample may reach back to its last one minus slack,
	 * minus jitter: one more slack */
	horizon = horizon > 2 * VS_COVER_SLACK_MS
			  ? horizon - 2 * VS_COVER_SLACK_MS
			  : 0;
	oldest = c->cur + 2 > BINS ? c->cur + 2 - BINS : 0;
	if (c->blind && c->blind_until + 1 > oldest)
		oldest = c->blind_until + 1;
	j2 = c->cur - 1;
	while (j2 >= oldest && c->bin_end[j2 % BINS] > horizon) {
		if (j2 == oldest)
			goto none;
		j2--;
	}
	if (j2 < oldest || bin_start(c, j2) < begin)
		goto none;

	/* the window j2..j2: our bin, the samples overlapping it (ending in
	 * it or later, beginning in it or earlier), those inside it */
	memset(seen, 0, c->nodes * sizeof(seen[0]));
	memset(amin, 0, c->nodes * sizeof(amin[0]));
	memset(amax, 0, c->nodes * sizeof(amax[0]));
	for (jw = j2; jw <= j2 + SPANS - 1 && jw <= c->cur + 1; jw++)
		for (s = (unsigned int)(jw - j2); s < SPANS && s <= jw; s++) {
			const uint32_t *h = hist_at(c, jw, s);

			for (n = 0; n < c->nodes; n++)
				amax[n] += h[n];
		}
	for (n = 0; n < c->nodes; n++)
		amin[n] = hist_at(c, j2, 0)[n];
	for (j1 = j2;; j1--) {
		const uint32_t *se = seen_at(c, j1), *sf = self_at(c, j1);

		if (j1 < j2) {
			/* one bin earlier: the samples ending in it overlap,
			 * those beginning in it (and ending by j2) are
			 * inside */
			for (s = 0; s < SPANS && s <= j1; s++) {
				const uint32_t *h = hist_at(c, j1, s);

				for (n = 0; n < c->nodes; n++)
					amax[n] += h[n];
			}
			for (s = 0; s < SPANS && j1 + s <= j2; s++) {
				const uint32_t *h = hist_at(c, j1 + s, s);

				for (n = 0; n < c->nodes; n++)
					amin[n] += h[n];
			}
		}
		for (n = 0; n < c->nodes; n++) {
			seen[n] += se[n];
			amin[n] += sf[n];
			amax[n] += sf[n];
		}
		len = c->bin_end[j2 % BINS] - bin_start(c, j1);
		full = len >= win;
		/* a number is judged on the first window with enough of its
		 * frames, or on the longest */
		for (n = 0; n < c->nodes; n++) {
			bit = UINT64_C(1) << n;
			if (judged & bit)
				continue;
			if (seen[n] >= VS_COVER_MIN_SEEN || full) {
				bseen[n] = seen[n];
				bmax[n] = amax[n];
				judged |= bit;
			}
		}
		if (full)
			break;
		/* judged at all only with a long window's history (after a
		 * start, a peer's return): until then an unheard peer's
		 * frames would look unaccepted */
		if (j1 == oldest || bin_start(c, j1 - 1) < begin)
			goto none;
	}
	for (n = 0; n < c->nodes; n++)
		black_check(c, n, bseen[n], bmax[n]);
	r->window_ms = sat32(len);
	for (n = 0; n < c->nodes; n++) {
		uint64_t sn = seen[n];

		bit = UINT64_C(1) << n;
		if (c->cfg.external & bit) {
			/* not ours to see: assume it takes all it gets */
			amin[n] += sn;
			amax[n] += sn;
		}
		r->seen[n] = sn;
		r->acc_min[n] = amin[n];
		r->acc_max[n] = amax[n];
		/* double: 1.2 x seen accepted, even counting sparingly
		 * (twice over gives >= 2 (W - 2I - 2 slack) / W = 1.27 at
		 * W = 6I whatever the phases); ends under 1.1 x */
		if (c->dp_double & bit) {
			if (sn < VS_COVER_MIN_SEEN / 2 ||
			    10 * amin[n] < 11 * sn)
				c->dp_double &= ~bit;
		} else if (sn >= VS_COVER_MIN_SEEN && 5 * amin[n] >= 6 * sn) {
			c->dp_double |= bit;
		}
	}
	r->black_holed = c->dp_black;
	r->double_accepted = c->dp_double;
	return;
none:
	/* nothing to judge by: unknown is not broken */
	c->dp_black = c->dp_double = 0;
	r->black_holed = r->double_accepted = 0;
}

static int
peer_info_cmp(const void *x, const void *y)
{
	return id_cmp(&((const struct vs_cover_peer_info *)x)->id,
		      &((const struct vs_cover_peer_info *)y)->id);
}

void
vs_cover_compute(struct vs_cover *c, uint64_t now_ms, struct vs_cover_result *r)
{
	unsigned int i;

	memset(r, 0, sizeof(*r));
	r->vip = c->cfg.hash.vip;
	r->total_nodes = c->nodes;
	r->id = c->cfg.node_id;
	r->incarnation = c->cfg.incarnation;
	r->seq = c->seq;
	r->digest = c->digest;
	r->interval_ms = c->cfg.interval_ms;
	r->owned = c->owned;
	r->draining = c->draining;
	r->filling = c->filling;
	r->external = c->cfg.external;
	for (i = 0; i < VS_COVER_MAX_PEERS; i++) {
		struct peer *p = &c->peers[i];
		struct vs_cover_peer_info *q;

		if (p->used && now_ms >= p->last_ms &&
		    now_ms - p->last_ms > VS_COVER_FORGET_MS)
			memset(p, 0, sizeof(*p));
		if (!peer_live(p, now_ms))
			continue;
		q = &r->peers[r->n_peers++];
		q->id = p->id;
		q->incarnation = p->incarnation;
		q->seq = p->seq;
		q->digest = p->digest;
		q->owned = p->owned;
		q->draining = p->draining;
		q->filling = p->filling;
		q->age_ms = now_ms >= p->last_ms ? now_ms - p->last_ms : 0;
		q->interval_ms = p->interval_ms;
		q->total_nodes = p->total_nodes;
		q->mismatch = p->digest != c->digest;
	}
	qsort(r->peers, r->n_peers, sizeof(r->peers[0]), peer_info_cmp);
	structural(r);
	data_plane(c, now_ms, r);
}

/* ------------------------------------------------------------------ */
/* Tie-break */

/* A holder of a number in one role set: rank 0 owner, 1 other role. */
struct cand {
	bool any;
	bool external;
	unsigned int rank;
	struct rte_ether_addr id;
};

static void
cand_offer(struct cand *k, unsigned int rank, const struct rte_ether_addr *id)
{
	if (k->external)
		return;
	if (!k->any || rank < k->rank ||
	    (rank == k->rank && id_cmp(id, &k->id) < 0)) {
		k->any = true;
		k->rank = rank;
		k->id = *id;
	}
}

/* Keepers of number bit among new-flow and established-flow takers, and
 * how many of each there are. */
static void
keepers(const struct vs_cover_result *r, uint64_t bit, struct cand *knew,
	struct cand *kest, unsigned int *nnew, unsigned int *nest)
{
	unsigned int i;

	memset(knew, 0, sizeof(*knew));
	memset(kest, 0, sizeof(*kest));
	*nnew = *nest = 0;
	if (r->external & bit) {
		knew->any = knew->external = kest->any = kest->external = true;
		(*nnew)++;
		(*nest)++;
	}
	for (i = 0; i <= r->n_peers; i++) {
		const struct rte_ether_addr *id;
		uint64_t o, d, f;

		if (i == r->n_peers) { /* self */
			id = &r->id;
			o = r->owned;
			d = r->draining;
			f = r->filling;
		} else {
			if (r->peers[i].mismatch)
				continue;
			id = &r->peers[i].id;
			o = r->peers[i].owned;
			d = r->peers[i].draining;
			f = r->peers[i].filling;
		}
		if ((o | f) & bit) {
			cand_offer(knew, (o & bit) ? 0 : 1, id);
			(*nnew)++;
		}
		if ((o | d) & bit) {
			cand_offer(kest, (o & bit) ? 0 : 1, id);
			(*nest)++;
		}
	}
}

uint64_t
vs_cover_yield(const struct vs_cover_result *r)
{
	struct cand knew, kest;
	unsigned int n, nnew, nest;
	uint64_t bit, mine, out = 0;

	for (n = 0; n < r->total_nodes; n++) {
		bit = UINT64_C(1) << n;
		if (!(r->duplicates & bit))
			continue;
		keepers(r, bit, &knew, &kest, &nnew, &nest);
		mine = r->owned | r->filling;
		if (nnew >= 2 && (mine & bit) &&
		    (knew.external ||
		     !rte_is_same_ether_addr(&knew.id, &r->id)))
			out |= bit;
		mine = r->owned | r->draining;
		if (nest >= 2 && (mine & bit) &&
		    (kest.external ||
		     !rte_is_same_ether_addr(&kest.id, &r->id)))
			out |= bit;
	}
	return out;
}

int
vs_cover_keeper(const struct vs_cover_result *r, unsigned int node,
		struct rte_ether_addr *id)
{
	struct cand knew, kest, *k;
	unsigned int nnew, nest;

	if (node < 1 || node > r->total_nodes)
		return -EINVAL;
	keepers(r, UINT64_C(1) << (node - 1), &knew, &kest, &nnew, &nest);
	k = nnew >= 2 || nest < 2 ? &knew : &kest;
	if (!k->any)
		k = k == &knew ? &kest : &knew;
	if (!k->any)
		return -ENOENT;
	if (k->external)
		return 1;
	*id = k->id;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Events */

static const char *const cond_names[] = {
	[VS_COVER_COND_DUPLICATE] = "duplicate",
	[VS_COVER_COND_HOLE] = "hole",
	[VS_COVER_COND_BLACK_HOLED] = "black_holed",
	[VS_COVER_COND_DOUBLE_ACCEPTED] = "double_accepted",
	[VS_COVER_COND_MISMATCH] = "mismatch",
	[VS_COVER_COND_PEER] = "peer",
};

static bool
has_peer(const struct vs_cover_result *r, const struct rte_ether_addr *id,
	 bool *mismatch)
{
	unsigned int i;

	for (i = 0; i < r->n_peers; i++)
		if (rte_is_same_ether_addr(&r->peers[i].id, id)) {
			*mismatch = r->peers[i].mismatch;
			return true;
		}
	return false;
}

static void
emit(struct vs_cover_event *ev, unsigned int max, unsigned int *k,
     unsigned int cond, bool start, unsigned int node,
     const struct rte_ether_addr *peer)
{
	if (*k >= max)
		return;
	memset(&ev[*k], 0, sizeof(ev[*k]));
	ev[*k].cond = (uint8_t)cond;
	ev[*k].start = start;
	ev[*k].node = (uint8_t)node;
	if (peer != NULL)
		ev[*k].peer = *peer;
	(*k)++;
}

/* Peers of a (sorted) that are not in b, or whose mismatch differs. */
static void
peer_changes(const struct vs_cover_result *a, const struct vs_cover_result *b,
	     bool start, struct vs_cover_event *ev, unsigned int max,
	     unsigned int *k)
{
	unsigned int i;
	bool mm;

	for (i = 0; i < a->n_peers; i++) {
		const struct vs_cover_peer_info *p = &a->peers[i];

		if (!has_peer(b, &p->id, &mm)) {
			emit(ev, max, k, VS_COVER_COND_PEER, start, 0, &p->id);
			if (p->mismatch)
				emit(ev, max, k, VS_COVER_COND_MISMATCH, start,
				     0, &p->id);
		} else if (start && mm != p->mismatch) {
			emit(ev, max, k, VS_COVER_COND_MISMATCH, p->mismatch, 0,
			     &p->id);
		}
	}
}

unsigned int
vs_cover_diff(const struct vs_cover_result *prev,
	      const struct vs_cover_result *cur, struct vs_cover_event *ev,
	      unsigned int max)
{
	const uint64_t pm[] = {prev->duplicates, prev->holes, prev->black_holed,
			       prev->double_accepted};
	const uint64_t cm[] = {cur->duplicates, cur->holes, cur->black_holed,
			       cur->double_accepted};
	unsigned int k = 0, n, i;

	for (n = 0; n < VS_MAX_NODES; n++)
		for (i = 0; i < RTE_DIM(pm); i++) {
			uint64_t bit = UINT64_C(1) << n;

			if ((pm[i] ^ cm[i]) & bit)
				emit(ev, max, &k, VS_COVER_COND_DUPLICATE + i,
				     !!(cm[i] & bit), n + 1, NULL);
		}
	peer_changes(prev, cur, false, ev, max, &k); /* gone */
	peer_changes(cur, prev, true, ev, max, &k);  /* new, changed */
	return k;
}

void
vs_cover_id_format(const struct rte_ether_addr *id, char *buf)
{
	const uint8_t *b = id->addr_bytes;

	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2],
		 b[3], b[4], b[5]);
}

int
vs_cover_event_format(const struct vs_cover_event *e, char *buf, size_t size)
{
	char id[18];
	int n;

	if (e->cond == VS_COVER_COND_PEER) {
		vs_cover_id_format(&e->peer, id);
		n = snprintf(buf, size, "peer %s %s", id,
			     e->start ? "appeared" : "gone");
	} else if (e->cond == VS_COVER_COND_MISMATCH) {
		vs_cover_id_format(&e->peer, id);
		n = snprintf(buf, size, "mismatch %s %s", id,
			     e->start ? "started" : "ended");
	} else if (e->cond < RTE_DIM(cond_names)) {
		n = snprintf(buf, size, "%s %u %s", cond_names[e->cond],
			     e->node, e->start ? "started" : "ended");
	} else {
		n = snprintf(buf, size, "unknown condition %u", e->cond);
	}
	return n < 0 || (size_t)n >= size ? -ENOSPC : n;
}

/* ------------------------------------------------------------------ */
/* JSON */

struct out {
	char *buf;
	size_t size, len;
	bool full;
};

static void __rte_format_printf(2, 3)
	out_printf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->size - o->len)
		o->full = true;
	else
		o->len += (size_t)n;
}

static void
out_list(struct out *o, const char *key, uint64_t mask)
{
	unsigned int n;
	bool first = true;

	out_printf(o, "\"%s\": [", key);
	for (n = 0; n < VS_MAX_NODES; n++)
		if (mask >> n & 1) {
			out_printf(o, first ? "%u" : ", %u", n + 1);
			first = false;
		}
	out_printf(o, "]");
}

int
vs_cover_json(const struct vs_cover_result *r, char *buf, size_t size)
{
	struct out o = {.buf = buf, .size = size};
	const uint8_t *v = (const uint8_t *)&r->vip;
	char id[18];
	unsigned int i;
	bool first;

	if (size == 0)
		return -ENOSPC;
	buf[0] = '\0';
	vs_cover_id_format(&r->id, id);
	out_printf(&o,
		   "{\"vip\": \"%u.%u.%u.%u\", \"self\": {\"id\": \"%s\", "
		   "\"incarnation\": \"0x%016" PRIx64 "\", \"seq\": %" PRIu64
		   ", \"interval_ms\": %u, \"total_nodes\": %u, "
		   "\"digest\": \"0x%016" PRIx64 "\", ",
		   v[0], v[1], v[2], v[3], id, r->incarnation, r->seq,
		   r->interval_ms, r->total_nodes, r->digest);
	out_list(&o, "owned", r->owned);
	out_printf(&o, ", ");
	out_list(&o, "draining", r->draining);
	out_printf(&o, ", ");
	out_list(&o, "filling", r->filling);
	out_printf(&o, ", ");
	out_list(&o, "external", r->external);
	out_printf(&o, ", \"window_ms\": %u}, \"peers\": [", r->window_ms);
	for (i = 0; i < r->n_peers; i++) {
		const struct vs_cover_peer_info *p = &r->peers[i];

		vs_cover_id_format(&p->id, id);
		out_printf(&o, "%s{\"id\": \"%s\", ", i ? ", " : "", id);
		out_list(&o, "owned", p->owned);
		out_printf(&o, ", ");
		out_list(&o, "draining", p->draining);
		out_printf(&o, ", ");
		out_list(&o, "filling", p->filling);
		out_printf(&o, ", \"age_ms\": %" PRIu64 "}", p->age_ms);
	}
	out_printf(&o, "], ");
	out_list(&o, "duplicates", r->duplicates);
	out_printf(&o, ", ");
	out_list(&o, "holes", r->holes);
	out_printf(&o, ", \"mismatch\": [");
	first = true;
	for (i = 0; i < r->n_peers; i++) {
		if (!r->peers[i].mismatch)
			continue;
		vs_cover_id_format(&r->peers[i].id, id);
		out_printf(&o, first ? "\"%s\"" : ", \"%s\"", id);
		first = false;
	}
	out_printf(&o, "], ");
	out_list(&o, "black_holed", r->black_holed);
	out_printf(&o, ", ");
	out_list(&o, "double_accepted", r->double_accepted);
	out_printf(&o, "}");
	if (o.full) {
		buf[0] = '\0';
		return -ENOSPC;
	}
	return (int)o.len;
}
