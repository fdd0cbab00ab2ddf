/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Coverage monitor, in a simulated cluster: nodes with their own clocks'
 * phases and intervals exchange real announcement frames (with delays,
 * optional loss) while traffic to the cluster MAC is counted per number by
 * every node, as the data path will. Checked: a healthy cluster never
 * flags black_holed/double_accepted (steady, bursty, adversarially timed
 * bursts, mixed intervals, frame and announcement loss); a black hole and
 * a double acceptance are flagged on every node within 2 s and clear
 * within 2 s of the fix; and a flood of random announcements keeps the
 * peer table bounded without evicting the live peers.
 */
#include <errno.h>

#include "vs_test.h"
#include "vs_cover.h"

#define MAXN 4
#define QLEN 512
#define TICK_MS 10 /* the control thread's period */

struct node {
	struct vs_cover *c;
	bool alive;
	uint64_t start;           /* first tick */
	uint64_t accept;          /* numbers it really accepts */
	unsigned int loss_pm;     /* frames it misses, per mille */
	unsigned int ann_loss_pm; /* announcements it misses */
	uint64_t seen[VS_MAX_NODES], acc[VS_MAX_NODES];
	struct vs_cover_result r;
	bool evaluated;     /* window_ms > 0 once */
	uint64_t last_sent; /* time of its last announcement */
	uint64_t last_gone; /* last time it missed a peer */
};

struct msg {
	uint64_t at;
	int from;
	unsigned int done; /* nodes that took it in */
	uint32_t len;
	uint8_t b[VS_COVER_FRAME_MAX];
};

enum traffic {
	STEADY,
	BURSTY,
	RARE_BURSTS,
	LIGHT,
	ONE_BURST
};

struct sim {
	unsigned int nn, total;
	struct node n[MAXN];
	struct msg q[QLEN];
	unsigned int nq;
	enum traffic traffic;
	unsigned int rate; /* frames per ms per number (STEADY) */
	bool no_struct;    /* run_clean: skip duplicates/holes checks ... */
	bool gone_ok;      /* ... and data-plane flags of a node that lost
			    * a peer (3 announcements missed) < 2.5 s ago */
	uint32_t imax;     /* longest interval */
	int delay;         /* on the wire, ms; -1: 0-3 at random */
	uint64_t burst_at; /* ONE_BURST: 10000 frames of number 2 then */
	uint64_t t;
};

static struct rte_ether_addr
mac(uint8_t last)
{
	struct rte_ether_addr m = {{0x02, 0x00, 0x00, 0x00, 0x00, last}};

	return m;
}

static void
sim_init(struct sim *s, unsigned int nn, unsigned int total,
	 const uint32_t *intervals, enum traffic tr)
{
	struct vs_cover_cfg cfg;
	unsigned int i;

	memset(s, 0, sizeof(*s));
	s->nn = nn;
	s->total = total;
	s->traffic = tr;
	s->rate = 20;
	s->delay = -1;
	for (i = 0; i < nn; i++) {
		struct node *x = &s->n[i];

		memset(&cfg, 0, sizeof(cfg));
		cfg.hash.vip = t_net32(T_VIP_H);
		cfg.hash.total_nodes = (uint16_t)total;
		cfg.hash.mode = VS_HASH_SIP_SPT;
		memcpy(cfg.cluster_mac.addr_bytes, t_mac_cluster, 6);
		cfg.node_id = mac((uint8_t)(i + 1));
		cfg.incarnation = t_rand64();
		cfg.seq0 = 1700000000000ull + i;
		cfg.interval_ms = intervals ? intervals[i] : 200;
		if (cfg.interval_ms > s->imax)
			s->imax = cfg.interval_ms;
		assert_int_equal(vs_cover_create(&cfg, &x->c), 0);
		/* node i+1 owns number i+1 (the last one owns the rest) */
		x->accept = UINT64_C(1) << i;
		if (i == nn - 1)
			x->accept =
				((total >= 64 ? 0 : UINT64_C(1) << total) - 1) &
				~((UINT64_C(1) << i) - 1);
		assert_int_equal(vs_cover_set_state(x->c, x->accept, 0, 0), 0);
		x->alive = true;
		/* random phase: the nodes' intervals are not aligned */
		x->start = t_rand32() % 200;
	}
}

static void
sim_free(struct sim *s)
{
	unsigned int i;

	for (i = 0; i < s->nn; i++)
		vs_cover_free(s->n[i].c);
}

static unsigned int
frames_now(struct sim *s, unsigned int num)
{
	switch (s->traffic) {
	case STEADY:
		return s->rate - 2 + t_rand32() % 5;
	case BURSTY: /* on average 10/ms, in bursts of up to 1000 */
		return t_rand32() % 50 == 0 ? t_rand32() % 1000 : 0;
	case RARE_BURSTS: /* one big burst every ~1.3 s per number */
		return t_rand32() % 1300 == 0 ? 5000 + t_rand32() % 5000 : 0;
	case LIGHT: /* 20 frames/s: below the minimum sample */
		return t_rand32() % 50 == 0;
	case ONE_BURST:
		return s->t == s->burst_at && num == 1 ? 10000 : 0;
	}
	return 0;
}

static void
sim_ms(struct sim *s)
{
	unsigned int i, j, k;
	int len;

	/* announcements: each node's control thread takes in, at its tick
	 * (every TICK_MS), those that arrived (after 0-3 ms on the wire),
	 * stamped with the tick's time as the wiring will */
	for (j = 0; j < s->nn; j++) {
		struct node *x = &s->n[j];

		if (!x->alive || s->t < x->start || (s->t - x->start) % TICK_MS)
			continue;
		for (k = 0; k < s->nq; k++) {
			struct msg *m = &s->q[k];

			if (m->at > s->t || (int)j == m->from ||
			    (m->done >> j & 1))
				continue;
			m->done |= 1u << j;
			if (x->ann_loss_pm &&
			    t_rand32() % 1000 < x->ann_loss_pm)
				continue;
			assert_int_equal(
				vs_cover_input(x->c, m->b, m->len, s->t),
				VS_COVER_OK);
		}
	}
	/* forget those every other live node has taken in */
	for (k = 0; k < s->nq;) {
		unsigned int want = 0;

		for (j = 0; j < s->nn; j++)
			if (s->n[j].alive && (int)j != s->q[k].from)
				want |= 1u << j;
		if ((s->q[k].done & want) == want)
			s->q[k] = s->q[--s->nq];
		else
			k++;
	}
	/* traffic of this ms: every node sees every frame */
	for (k = 0; k < s->total; k++) {
		unsigned int f = frames_now(s, k);

		if (f == 0)
			continue;
		for (i = 0; i < s->nn; i++) {
			struct node *x = &s->n[i];
			unsigned int got = f, l;

			/* counting starts with the first tick (the wiring
			 * ticks before its workers start) */
			if (!x->alive || s->t < x->start)
				continue;
			if (x->loss_pm)
				for (l = 0; l < f; l++)
					got -= t_rand32() % 1000 < x->loss_pm;
			x->seen[k] += got;
			if (x->accept >> k & 1)
				x->acc[k] += got;
		}
	}
	/* control threads, every TICK_MS from each node's start */
	for (i = 0; i < s->nn; i++) {
		struct node *x = &s->n[i];

		if (!x->alive || s->t < x->start || (s->t - x->start) % TICK_MS)
			continue;
		assert_true(s->nq < QLEN);
		len = vs_cover_tick(x->c, s->t, x->seen, x->acc, s->q[s->nq].b,
				    VS_COVER_FRAME_MAX);
		assert_true(len >= 0);
		if (len > 0) {
			s->q[s->nq].len = (uint32_t)len;
			s->q[s->nq].from = (int)i;
			s->q[s->nq].at =
				s->t + (s->delay < 0 ? t_rand32() % 4
						     : (unsigned int)s->delay);
			s->q[s->nq].done = 0;
			s->nq++;
			x->last_sent = s->t;
		}
		vs_cover_compute(x->c, s->t, &x->r);
		if (x->r.window_ms > 0)
			x->evaluated = true;
		if (x->r.n_peers + 1 < s->nn)
			x->last_gone = s->t;
	}
	s->t++;
}

/* Run until t_end; fail on any flag (structural ones once every node
 * had time to hear the others). Every node must have judged a window,
 * except those in skip (mask of node indexes: not checked). */
static void
run_clean_skip(struct sim *s, uint64_t t_end, unsigned int skip)
{
	unsigned int i;

	while (s->t < t_end) {
		sim_ms(s);
		for (i = 0; i < s->nn; i++) {
			const struct vs_cover_result *r = &s->n[i].r;

			if (s->gone_ok && s->n[i].last_gone + 2500 > s->t)
				continue;
			if (r->black_holed || r->double_accepted)
				fail_msg("t=%llu node %u: black_holed %#llx "
					 "double %#llx (window %u ms)",
					 (unsigned long long)s->t, i + 1,
					 (unsigned long long)r->black_holed,
					 (unsigned long long)r->double_accepted,
					 r->window_ms);
			if (s->t > 2000 && !s->no_struct)
				assert_true(r->duplicates == 0 &&
					    r->holes == 0);
		}
	}
	for (i = 0; i < s->nn; i++)
		if (!(skip >> i & 1))
			assert_true(s->n[i].evaluated);
}

static void
run_clean(struct sim *s, uint64_t t_end)
{
	run_clean_skip(s, t_end, 0);
}

/* Run until every live node shows (want) mask bits in *field, or 5 s. */
static uint64_t
run_until(struct sim *s, size_t field, uint64_t bits, bool want)
{
	uint64_t t0 = s->t;
	unsigned int i, ok;

	while (s->t < t0 + 5000) {
		sim_ms(s);
		for (i = ok = 0; i < s->nn; i++) {
			const uint8_t *p = (const uint8_t *)&s->n[i].r + field;
			uint64_t m;

			memcpy(&m, p, sizeof(m));
			if (!s->n[i].alive || ((m & bits) == bits) == want)
				ok++;
		}
		if (ok == s->nn)
			return s->t - t0;
	}
	for (i = 0; i < s->nn; i++)
		for (ok = 0; ok < s->total; ok++)
			printf("# node %u number %u: window %u ms seen %llu "
			       "accepted %llu..%llu\n",
			       i + 1, ok + 1, s->n[i].r.window_ms,
			       (unsigned long long)s->n[i].r.seen[ok],
			       (unsigned long long)s->n[i].r.acc_min[ok],
			       (unsigned long long)s->n[i].r.acc_max[ok]);
	fail_msg("condition %s not reached on every node within 5 s",
		 want ? "start" : "end");
	return 0;
}

static void
healthy(unsigned int nn, unsigned int total, const uint32_t *iv,
	enum traffic tr, uint64_t ms)
{
	struct sim s;

	sim_init(&s, nn, total, iv, tr);
	run_clean(&s, ms);
	sim_free(&s);
}

static void
test_healthy_steady(void **state)
{
	(void)state;
	healthy(3, 3, NULL, STEADY, 60000);
}

static void
test_healthy_bursty(void **state)
{
	(void)state;
	healthy(3, 5, NULL, BURSTY, 60000);
}

/* Bursts of 5000-10000 frames at random instants, seconds apart: the
 * worst case for misaligned windows. acc_max >= seen >= acc_min holds. */
static void
test_healthy_rare_bursts(void **state)
{
	(void)state;
	healthy(3, 3, NULL, RARE_BURSTS, 120000);
}

static void
test_healthy_mixed_intervals(void **state)
{
	static const uint32_t iv[4] = {100, 200, 300, 500};

	(void)state;
	healthy(4, 4, iv, STEADY, 40000);
	healthy(4, 4, iv, BURSTY, 40000);
}

/* A peer's interval over ~7 of ours cannot be placed on our intervals:
 * that node does not judge (window_ms 0), never guesses. The slow node
 * judges fine. */
static void
test_interval_spread(void **state)
{
	static const uint32_t iv[2] = {50, 1000};
	struct sim s;

	(void)state;
	sim_init(&s, 2, 2, iv, STEADY);
	run_clean_skip(&s, 30000, 1);
	assert_int_equal(s.n[0].r.window_ms, 0);
	assert_true(s.n[1].r.window_ms >= 6000);
	sim_free(&s);
}

/*
 * Each node misses 5% of the frames: never a flag. Then also 10% of the
 * announcements: cumulative counts make up for the lost ones, so no flag
 * either, except where 3 were lost in a row: that peer is gone (a hole)
 * and, not reporting, may also look black-holed until it is back.
 */
static void
test_healthy_lossy(void **state)
{
	struct sim s;
	unsigned int i, k;

	(void)state;
	for (k = 0; k < 2; k++) {
		sim_init(&s, 3, 3, NULL, STEADY);
		s.rate = 5;
		s.no_struct = s.gone_ok = k == 1;
		for (i = 0; i < 3; i++) {
			s.n[i].loss_pm = 50;
			s.n[i].ann_loss_pm = k ? 100 : 0;
		}
		run_clean(&s, 30000);
		sim_free(&s);
	}
}

#define F_BLACK offsetof(struct vs_cover_result, black_holed)
#define F_DOUBLE offsetof(struct vs_cover_result, double_accepted)
#define F_HOLES offsetof(struct vs_cover_result, holes)

/*
 * At the default 200 ms interval the whole chain (this, the control
 * thread's 10 ms tick, vipshare-ctl) must stay within the 2 s: the
 * library gets 1.7 s. The window and the wait for reports scale with the
 * longest interval, and so does the bound.
 */
static void
check_latency(const struct sim *s, const char *what, uint64_t ms)
{
	printf("# %s (longest interval %u ms): %llu ms\n", what, s->imax,
	       (unsigned long long)ms);
	assert_true(ms <= 1700 * s->imax / 200);
}

/*
 * A fault on number 2, then its fix, in 10 clusters with random phases:
 * black hole = node 2 stops accepting 2 but still claims it; double =
 * node 3 accepts 2 too without claiming it (node 1 sees two peers accept
 * it). Only that flag shows, on every node; no structural condition.
 */
static void
fault(bool dbl, const uint32_t *iv)
{
	const char *name = dbl ? "double_accepted 2" : "black_holed 2";
	size_t field = dbl ? F_DOUBLE : F_BLACK;
	char what[64];
	struct sim s;
	uint64_t ms;
	unsigned int rep, i;

	for (rep = 0; rep < 10; rep++) {
		sim_init(&s, 3, 3, iv, STEADY);
		run_clean(&s, 5000 + t_rand32() % 1000);
		if (dbl)
			s.n[2].accept |= 2;
		else
			s.n[1].accept = 0;
		ms = run_until(&s, field, 2, true);
		snprintf(what, sizeof(what), "%s shown", name);
		check_latency(&s, what, ms);
		for (i = 0; i < 3; i++) {
			const struct vs_cover_result *r = &s.n[i].r;

			assert_true((dbl ? r->black_holed
					 : r->double_accepted) == 0);
			assert_true(r->holes == 0 && r->duplicates == 0);
		}
		if (dbl)
			s.n[2].accept &= ~UINT64_C(2);
		else
			s.n[1].accept = 2;
		ms = run_until(&s, field, 2, false);
		snprintf(what, sizeof(what), "%s cleared", name);
		check_latency(&s, what, ms);
		run_clean(&s, s.t + 5000);
		sim_free(&s);
	}
}

static void
test_black_holed(void **state)
{
	static const uint32_t iv[3] = {100, 200, 300};

	(void)state;
	fault(false, NULL);
	fault(false, iv);
}

static void
test_double_accepted(void **state)
{
	static const uint32_t iv[3] = {100, 200, 300};

	(void)state;
	fault(true, NULL);
	fault(true, iv);
}

/* A node killed: its number becomes a hole (3 intervals) and, frames
 * still arriving for it, black-holed. */
static void
test_killed(void **state)
{
	struct sim s;
	uint64_t ms;

	(void)state;
	sim_init(&s, 3, 3, NULL, STEADY);
	run_clean(&s, 5000);
	s.n[2].alive = false;
	ms = run_until(&s, F_HOLES, 4, true);
	check_latency(&s, "hole 3 after kill", ms);
	/* not before 3 missed intervals of 200 ms */
	assert_true(s.t - 1 - s.n[2].last_sent > 600);
	ms = run_until(&s, F_BLACK, 4, true);
	printf("# black_holed 3 after kill: +%llu ms\n",
	       (unsigned long long)ms);
	assert_true(s.n[0].r.n_peers == 1);
	sim_free(&s);
}

/*
 * The timing slack: node 2 announces 2 ms before node 1's interval ends,
 * the frame takes 3 ms, node 1's control thread takes it in at its next
 * tick, 10 ms later. A burst in those last 2 ms is in node 2's next count,
 * which node 1 stamps after its interval: without the slack that count
 * would not overlap the interval that holds the burst, and node 2's
 * number would look black-holed.
 */
static void
test_timing_slack(void **state)
{
	struct sim s;
	unsigned int k;

	(void)state;
	for (k = 0; k < 5; k++) {
		sim_init(&s, 2, 2, NULL, ONE_BURST);
		s.delay = 3;
		s.n[0].start = 0;   /* intervals end at 200, 400, ... */
		s.n[1].start = 198; /* announces at 198, 398, ... */
		s.burst_at = 2399 + 200 * k;
		run_clean(&s, 6000);
		sim_free(&s);
	}
}

/* Too few frames to judge: no flag either way. */
static void
test_light_traffic(void **state)
{
	struct sim s;

	(void)state;
	sim_init(&s, 3, 3, NULL, LIGHT);
	run_clean(&s, 5000);
	s.n[1].accept = 0;
	s.n[2].accept |= 1;
	run_clean(&s, 20000);
	sim_free(&s);
}

/* A flood of random announcements (random identities, intervals,
 * settings, counts) mixed with three real peers: the table never holds
 * more than VS_COVER_MAX_PEERS, the real peers are never pushed out. With
 * a key, nothing of the flood gets in at all. */
static char json[VS_COVER_JSON_MAX];

static void
flood(bool key)
{
	static const uint8_t k[] = "0123456789abcdef-cluster-key";
	struct vs_cover_key *kk, *attacker;
	struct vs_cover_cfg cfg;
	struct vs_cover_result r;
	struct vs_cover_ann a, real[3];
	struct rte_ether_addr cm;
	uint8_t buf[VS_COVER_FRAME_MAX];
	struct vs_cover *c;
	uint64_t t, zero[VS_MAX_NODES] = {0};
	unsigned int i, j, n, found;
	int len;

	memset(&cfg, 0, sizeof(cfg));
	cfg.hash.vip = t_net32(T_VIP_H);
	cfg.hash.total_nodes = 4;
	memcpy(cfg.cluster_mac.addr_bytes, t_mac_cluster, 6);
	cm = cfg.cluster_mac;
	cfg.node_id = mac(1);
	cfg.incarnation = 1;
	cfg.interval_ms = 200;
	if (key) {
		cfg.key = k;
		cfg.key_len = sizeof(k) - 1;
	}
	assert_int_equal(vs_cover_create(&cfg, &c), 0);
	assert_int_equal(vs_cover_set_state(c, 1, 0, 0), 0);
	assert_int_equal(vs_cover_key_create(k, sizeof(k) - 1, &kk), 0);
	assert_int_equal(
		vs_cover_key_create((const uint8_t *)"attacker-key-0123456789",
				    23, &attacker),
		0);
	for (i = 0; i < 3; i++) {
		memset(&real[i], 0, sizeof(real[i]));
		real[i].vip = cfg.hash.vip;
		real[i].total_nodes = 4;
		real[i].interval_ms = 200;
		real[i].digest = vs_cover_digest(&cfg.hash, &cm);
		real[i].id = mac((uint8_t)(i + 2));
		real[i].incarnation = 7;
		real[i].seq = 1;
		real[i].owned = UINT64_C(2) << i;
	}
	for (t = 0, n = 0; t < 20000; t++) {
		if (t % 10 == 0) {
			len = vs_cover_tick(c, t, zero, zero, buf, sizeof(buf));
			assert_true(len >= 0);
		}
		if (t % 200 == 0)
			for (i = 0; i < 3; i++) {
				real[i].seq++;
				real[i].period_ms = t ? 200 : 0;
				len = vs_cover_build(&real[i], &cm, &real[i].id,
						     key ? kk : NULL, buf,
						     sizeof(buf));
				assert_true(len > 0);
				assert_int_equal(vs_cover_input(c, buf,
								(uint32_t)len,
								t),
						 VS_COVER_OK);
			}
		/* 10 flood frames per ms */
		for (j = 0; j < 10; j++, n++) {
			memset(&a, 0, sizeof(a));
			a.vip = cfg.hash.vip;
			a.total_nodes = (uint16_t)(1 + t_rand32() % 64);
			a.interval_ms = VS_COVER_INTERVAL_MIN +
					t_rand32() % (VS_COVER_INTERVAL_MAX -
						      VS_COVER_INTERVAL_MIN);
			a.digest = t_rand32() % 2 ? real[0].digest : t_rand64();
			if (a.digest == real[0].digest)
				a.total_nodes = 4;
			a.id = mac(0);
			a.id.addr_bytes[1] = (uint8_t)t_rand32();
			a.id.addr_bytes[2] = (uint8_t)t_rand32();
			a.id.addr_bytes[3] = (uint8_t)t_rand32();
			a.incarnation = t_rand64();
			a.seq = t_rand64();
			a.owned = t_rand64() &
				  ((a.total_nodes >= 64
					    ? 0
					    : UINT64_C(1) << a.total_nodes) -
				   1);
			a.period_ms = t_rand32() % 100000;
			for (i = 0; i < a.total_nodes; i++)
				a.accepted[i] = t_rand32();
			/* forged: signed with the wrong key, or not at all */
			len = vs_cover_build(&a, &cm, &a.id,
					     key && j % 2 ? attacker : NULL,
					     buf, sizeof(buf));
			assert_true(len > 0);
			if (j == 9) /* and some random garbage */
				for (i = 14; i < (unsigned int)len; i++)
					if (t_rand32() % 8 == 0)
						buf[i] = (uint8_t)t_rand32();
			vs_cover_input(c, buf, (uint32_t)len, t);
		}
		if (t % 100 == 50) {
			vs_cover_compute(c, t, &r);
			assert_true(r.n_peers <= VS_COVER_MAX_PEERS);
			if (key)
				assert_int_equal(r.n_peers, 3);
			for (i = found = 0; i < r.n_peers; i++)
				for (j = 0; j < 3; j++)
					found += rte_is_same_ether_addr(
						&r.peers[i].id, &real[j].id);
			assert_int_equal(found, 3);
			/* the table is (about) full of the flood's live
			 * entries: it was not allowed to grow */
			if (!key && t > 1000)
				assert_true(r.n_peers >= 60);
			assert_true(vs_cover_json(&r, json, sizeof(json)) > 0);
		}
	}
	printf("# flood (%s): %u frames, %llu accepted, %llu table_full, "
	       "%llu bad_hmac\n",
	       key ? "key" : "no key", n,
	       (unsigned long long)vs_cover_get_stats(c)->accepted,
	       (unsigned long long)vs_cover_get_stats(c)
		       ->rejected[VS_COVER_REJ_TABLE_FULL],
	       (unsigned long long)vs_cover_get_stats(c)
		       ->rejected[VS_COVER_REJ_BAD_HMAC]);
	if (key)
		assert_int_equal(vs_cover_get_stats(c)->accepted, 3 * 100);
	vs_cover_free(c);
	vs_cover_key_free(kk);
	vs_cover_key_free(attacker);
}

static void
test_flood(void **state)
{
	struct vs_cover_result r;

	(void)state;
	flood(false);
	flood(true);
	/* 64 peers with every list full: the largest JSON fits */
	memset(&r, 0, sizeof(r));
	r.total_nodes = 64;
	r.owned = r.duplicates = r.holes = UINT64_MAX;
	r.black_holed = r.double_accepted = UINT64_MAX;
	r.n_peers = VS_COVER_MAX_PEERS;
	for (unsigned int i = 0; i < r.n_peers; i++) {
		r.peers[i].owned = r.peers[i].draining = UINT64_MAX;
		r.peers[i].age_ms = UINT64_MAX;
		r.peers[i].mismatch = true;
	}
	r.peers[0].age_ms = UINT64_MAX;
	memset(r.peers[0].id.addr_bytes, 0xff, 6);
	r.window_ms = UINT32_MAX;
	r.seq = r.incarnation = r.digest = UINT64_MAX;
	r.interval_ms = UINT32_MAX;
	r.total_nodes = UINT16_MAX;
	r.vip = UINT32_MAX;
	r.draining = r.filling = r.external = UINT64_MAX;
	for (unsigned int i = 0; i < r.n_peers; i++)
		r.peers[i].filling = UINT64_MAX;
	printf("# largest JSON: %d bytes\n",
	       vs_cover_json(&r, json, sizeof(json)));
	assert_true(vs_cover_json(&r, json, sizeof(json)) > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_healthy_steady),
		cmocka_unit_test(test_healthy_bursty),
		cmocka_unit_test(test_healthy_rare_bursts),
		cmocka_unit_test(test_healthy_mixed_intervals),
		cmocka_unit_test(test_interval_spread),
		cmocka_unit_test(test_healthy_lossy),
		cmocka_unit_test(test_black_holed),
		cmocka_unit_test(test_double_accepted),
		cmocka_unit_test(test_killed),
		cmocka_unit_test(test_light_traffic),
		cmocka_unit_test(test_timing_slack),
		cmocka_unit_test(test_flood),
	};

	t_seed("test_cover_dp");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
