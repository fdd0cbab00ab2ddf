/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hitless moves (lib/move), piece by piece: the move's view of hand-built
 * frames (at every truncation, exact-size heap copies under ASan); the
 * new-flow table's life cycle, timeouts, bounds and eviction order under
 * a SYN flood; slots and generations; the drainer's and filler's
 * decisions; every state transition and refusal of the control side and
 * what it publishes; the drain's end rules; the inet_diag request byte by
 * byte and the parser on hand-built netlink answers, hashed against the
 * reference vectors of tests/data/clusterip.tsv.
 */
#include <errno.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "vs_test.h"
#include "vs_move.h"

#define NOW0 UINT64_C(1000000) /* any start: nothing assumes 0 */

/* ---------------------------------------------------------------- */
/* helpers                                                           */
/* ---------------------------------------------------------------- */

static struct vs_move_table *
table(uint32_t cap, uint32_t slots)
{
	struct vs_move_table_cfg c;
	struct vs_move_table *t = NULL;

	vs_move_table_cfg_default(&c);
	c.cap = cap;
	c.slots = slots;
	c.embryonic_ms = 5000;
	c.idle_ms = 60000;
	c.linger_ms = 2000;
	c.seed = 0x5eed;
	assert_int_equal(vs_move_table_create(&c, &t), 0);
	return t;
}

static uint64_t
tag(uint64_t gen, bool fill, unsigned int slot)
{
	return gen << VS_MOVE_TAG_GEN_SHIFT | (fill ? VS_MOVE_TAG_FILL : 0) |
	       slot;
}

static struct vs_move_frame
tcp(uint32_t saddr_h, uint16_t sport, uint16_t dport, uint8_t flags)
{
	struct vs_move_frame f;

	memset(&f, 0, sizeof(f));
	f.key.saddr = saddr_h;
	f.key.sport = t_raw16(sport);
	f.key.dport = t_raw16(dport);
	f.kind = VS_MOVE_TCP;
	f.flags = flags;
	return f;
}

static struct vs_move_frame
ref(uint32_t saddr_h, uint16_t sport, uint16_t dport)
{
	struct vs_move_frame f = tcp(saddr_h, sport, dport, 0);

	f.kind = VS_MOVE_TCP_REF;
	return f;
}

#define SYN VS_MOVE_SYN
#define ACK VS_MOVE_ACK
#define FIN VS_MOVE_FIN
#define RST VS_MOVE_RST

/* classify as a drainer's table would (role only changes counters) */
static bool
cls(struct vs_move_table *t, uint64_t tg, struct vs_move_frame f, uint64_t now)
{
	return vs_move_classify(t, tg, false, &f, now);
}

/* ---------------------------------------------------------------- */
/* the move's view of a frame                                        */
/* ---------------------------------------------------------------- */

static void
build_tcp(struct tframe *f, uint16_t frag, uint8_t flags, uint32_t l4_bytes)
{
	uint32_t start;

	tf_eth(f, t_mac_cluster, t_mac_client, NULL, 0, 0x0800);
	tf_ipv4(f, 4, 5, frag, 6, T_CLIENT_H, T_VIP_H);
	start = f->len;
	tf_l4_ports(f, 6, 40000, 443);
	f->b[start + 13] = flags;
	f->len = start + l4_bytes; /* cut (or keep) the TCP header */
	tf_ipv4_done(f);
}

/* parse an exact-size copy, then the move's view of it */
static int
view_of(const struct tframe *f, uint32_t len, struct vs_move_frame *mf)
{
	uint8_t *copy = malloc(len ? len : 1);
	struct vs_pkt_info pi;
	struct vs_vipmap vm;
	int c;

	assert_non_null(copy);
	assert_int_equal(vs_vipmap_one(&vm, t_net32(T_VIP_H)), 0);
	memcpy(copy, f->b, len);
	c = vs_pkt_parse(copy, len, &vm, &pi);
	if (c == VS_PKT_VIP || c == VS_PKT_VIP_FRAG || c == VS_PKT_VIP_ICMPERR)
		vs_move_frame_of(copy, len, &pi, mf);
	free(copy);
	return c;
}

static void
test_frame_of(void **state)
{
	struct vs_move_frame mf;
	struct tframe f;
	uint32_t len, l4;

	(void)state;
	/* TCP: flags from byte 13 of the header, key as the parser's */
	build_tcp(&f, 0, SYN | ACK, 20);
	assert_int_equal(view_of(&f, f.len, &mf), VS_PKT_VIP);
	assert_int_equal(mf.kind, VS_MOVE_TCP);
	assert_int_equal(mf.flags, SYN | ACK);
	assert_int_equal(mf.key.saddr, T_CLIENT_H);
	assert_int_equal(mf.key.sport, t_raw16(40000));
	assert_int_equal(mf.key.dport, t_raw16(443));
	/* every cut: the flags need 14 bytes of TCP, the key 4 */
	for (l4 = 4; l4 <= 20; l4++) {
		build_tcp(&f, 0, FIN, l4);
		memset(&mf, 0xee, sizeof(mf));
		assert_int_equal(view_of(&f, f.len, &mf), VS_PKT_VIP);
		assert_int_equal(mf.kind,
				 l4 >= 14 ? VS_MOVE_TCP : VS_MOVE_TCP_REF);
		if (l4 >= 14)
			assert_int_equal(mf.flags, FIN);
	}
	/* a frame cut below its IP total length is malformed: never read */
	build_tcp(&f, 0, SYN, 20);
	for (len = 0; len < f.len; len++)
		assert_int_equal(view_of(&f, len, &mf), VS_PKT_MALFORMED);
	/* first fragment (MF) with its header: TCP; a later one: OTHER */
	build_tcp(&f, 0x2000, SYN, 20);
	assert_int_equal(view_of(&f, f.len, &mf), VS_PKT_VIP_FRAG);
	assert_int_equal(mf.kind, VS_MOVE_TCP);
	build_tcp(&f, 0x0003, SYN, 20);
	assert_int_equal(view_of(&f, f.len, &mf), VS_PKT_VIP_FRAG);
	assert_int_equal(mf.kind, VS_MOVE_OTHER);
	/* UDP */
	tf_eth(&f, t_mac_cluster, t_mac_client, NULL, 0, 0x0800);
	tf_ipv4(&f, 4, 5, 0, 17, T_CLIENT_H, T_VIP_H);
	tf_l4_ports(&f, 17, 5353, 53);
	tf_ipv4_done(&f);
	assert_int_equal(view_of(&f, f.len, &mf), VS_PKT_VIP);
	assert_int_equal(mf.kind, VS_MOVE_OTHER);
}

/* ICMP error (frag needed) quoting the VIP's packet of a connection */
static void
build_icmp_err(struct tframe *f, uint8_t qproto, uint16_t qfrag)
{
	tf_eth(f, t_mac_cluster, t_mac_client, NULL, 0, 0x0800);
	tf_ipv4(f, 4, 5, 0, 1, T_ROUTER_H, T_VIP_H);
	tf_u8(f, 3); /* destination unreachable */
	tf_u8(f, 4); /* fragmentation needed */
	tf_be16(f, 0);
	tf_be32(f, 1400);
	tf_u8(f, 0x45);
	tf_u8(f, 0);
	tf_be16(f, 1500);
	tf_be16(f, 1);
	tf_be16(f, qfrag);
	tf_u8(f, 64);
	tf_u8(f, qproto);
	tf_be16(f, 0);
	tf_be32(f, T_VIP_H);
	tf_be32(f, T_CLIENT_H);
	tf_be16(f, 443);   /* the VIP's port */
	tf_be16(f, 40000); /* the client's */
	tf_be32(f, 0);
	tf_ipv4_done(f);
}

static void
test_frame_of_icmp(void **state)
{
	struct vs_move_frame mf;
	struct tframe f;

	(void)state;
	build_icmp_err(&f, 6, 0);
	assert_int_equal(view_of(&f, f.len, &mf), VS_PKT_VIP_ICMPERR);
	assert_int_equal(mf.kind, VS_MOVE_TCP_REF);
	/* the client's own key: its address, its port, the VIP's port */
	assert_int_equal(mf.key.saddr, T_CLIENT_H);
	assert_int_equal(mf.key.sport, t_raw16(40000));
	assert_int_equal(mf.key.dport, t_raw16(443));
	build_icmp_err(&f, 17, 0);
	assert_int_equal(view_of(&f, f.len, &mf), VS_PKT_VIP_ICMPERR);
	assert_int_equal(mf.kind, VS_MOVE_OTHER);
	/* a quoted non-first fragment has no ports: nothing to look up */
	build_icmp_err(&f, 6, 0x0010);
	assert_int_equal(view_of(&f, f.len, &mf), VS_PKT_VIP_ICMPERR);
	assert_int_equal(mf.kind, VS_MOVE_OTHER);
}

/* ---------------------------------------------------------------- */
/* the table                                                         */
/* ---------------------------------------------------------------- */

static void
test_config(void **state)
{
	struct vs_move_table_cfg c;
	struct vs_move_table *t;
	static uint8_t mem[1 << 16] __attribute__((aligned(64)));

	(void)state;
	vs_move_table_cfg_default(&c);
	assert_int_equal(c.slots, VS_MOVE_SLOTS_DEFAULT);
	assert_int_equal(c.cap, VS_MOVE_CAP_DEFAULT);
	c.cap = 100; /* rounded up to 128 */
	c.slots = 3;
	assert_int_equal(vs_move_table_init(mem, sizeof(mem), &c, &t), 0);
	assert_int_equal(vs_move_table_cap(t), 128);
	assert_int_equal(vs_move_table_slots(t), 3);
	assert_true(vs_move_table_size(&c) >= 3 * 128 * 16);
	assert_int_equal(vs_move_table_init(mem + 8, sizeof(mem) - 8, &c, &t),
			 -EINVAL); /* unaligned */
	assert_int_equal(
		vs_move_table_init(mem, vs_move_table_size(&c) - 1, &c, &t),
		-EINVAL);
	c.cap = VS_MOVE_CAP_MIN - 1;
	assert_int_equal(vs_move_table_size(&c), 0);
	c.cap = VS_MOVE_CAP_MAX + 1;
	assert_int_equal(vs_move_table_create(&c, &t), -EINVAL);
	c.cap = 64;
	c.slots = 0;
	assert_int_equal(vs_move_table_create(&c, &t), -EINVAL);
	c.slots = VS_MOVE_SLOTS_MAX + 1;
	assert_int_equal(vs_move_table_create(&c, &t), -EINVAL);
	c.slots = 1;
	c.linger_ms = 0;
	assert_int_equal(vs_move_table_create(&c, &t), -EINVAL);
	vs_move_table_free(NULL);
}

static void
test_life_cycle(void **state)
{
	struct vs_move_table *t = table(1024, 2);
	uint64_t tg = tag(1, false, 0), now = NOW0;
	const struct vs_move_stats *st = vs_move_table_stats(t, 0, NULL);
	uint32_t c = T_CLIENT_H;
	struct vs_move_usage u;

	(void)state;
	/* not a pure SYN: old, nothing tracked */
	assert_false(cls(t, tg, tcp(c, 1000, 80, ACK), now));
	assert_false(cls(t, tg, tcp(c, 1000, 80, SYN | ACK), now));
	assert_false(cls(t, tg, tcp(c, 1000, 80, SYN | RST), now));
	assert_false(cls(t, tg, tcp(c, 1000, 80, SYN | FIN), now));
	assert_int_equal(st->new_flows, 0);
	/* SYN: new from then on; a retry is counted, not tracked twice */
	assert_true(cls(t, tg, tcp(c, 1000, 80, SYN), now));
	assert_true(cls(t, tg, tcp(c, 1000, 80, SYN), now + 1000));
	assert_int_equal(st->new_flows, 1);
	assert_int_equal(st->syn_again, 1);
	vs_move_table_usage(t, 0, now + 1000, &u);
	assert_int_equal(u.embryonic, 1);
	/* the same addresses, another port: another flow (old) */
	assert_false(cls(t, tg, tcp(c, 1001, 80, ACK), now));
	assert_false(cls(t, tg, tcp(c, 1000, 81, ACK), now));
	assert_false(cls(t, tg, tcp(c + 1, 1000, 80, ACK), now));
	/* the handshake's ACK establishes it */
	assert_true(cls(t, tg, tcp(c, 1000, 80, ACK), now + 1001));
	assert_int_equal(st->established, 1);
	vs_move_table_usage(t, 0, now + 1001, &u);
	assert_int_equal(u.established, 1);
	assert_int_equal(u.embryonic, 0);
	/* ICMP errors follow it, without changing it */
	assert_true(cls(t, tg, ref(c, 1000, 80), now + 1002));
	assert_false(cls(t, tg, ref(c, 1002, 80), now + 1002));
	assert_int_equal(st->refs, 2);
	/* a late duplicate SYN does not make it embryonic (evictable) */
	assert_true(cls(t, tg, tcp(c, 1000, 80, SYN), now + 1003));
	vs_move_table_usage(t, 0, now + 1003, &u);
	assert_int_equal(u.established, 1);
	/* FIN: closing, lingers 2 s from its last frame */
	assert_true(cls(t, tg, tcp(c, 1000, 80, FIN | ACK), now + 2000));
	assert_int_equal(st->closed, 1);
	assert_true(cls(t, tg, tcp(c, 1000, 80, ACK), now + 4000));  /* +2000 */
	assert_true(cls(t, tg, ref(c, 1000, 80), now + 6000));       /* +2000 */
	assert_false(cls(t, tg, tcp(c, 1000, 80, ACK), now + 8001)); /* gone */
	assert_int_equal(st->expired, 1);
	/* a SYN after the FIN reuses the tuple: a new flow again */
	assert_true(cls(t, tg, tcp(c, 1000, 80, SYN), now + 9000));
	assert_true(cls(t, tg, tcp(c, 1000, 80, FIN), now + 9100));
	assert_true(cls(t, tg, tcp(c, 1000, 80, SYN), now + 9200));
	vs_move_table_usage(t, 0, now + 9200, &u);
	assert_int_equal(u.embryonic, 1);
	/* RST lingers too, and a flow that goes on (blind RST refused by
	 * the host) stays new */
	assert_true(cls(t, tg, tcp(c, 2000, 80, SYN), now));
	assert_true(cls(t, tg, tcp(c, 2000, 80, ACK), now + 10));
	assert_true(cls(t, tg, tcp(c, 2000, 80, RST), now + 20));
	assert_true(cls(t, tg, tcp(c, 2000, 80, ACK), now + 1500));
	assert_true(cls(t, tg, tcp(c, 2000, 80, ACK), now + 3400));
	assert_false(cls(t, tg, tcp(c, 2000, 80, ACK), now + 5401));
	/* not TCP: old, counted */
	{
		struct vs_move_frame o = tcp(c, 53, 53, 0);

		o.kind = VS_MOVE_OTHER;
		assert_false(vs_move_classify(t, tg, false, &o, now));
		assert_int_equal(st->other, 1);
	}
	assert_int_equal(st->frames, st->new_frames + st->old_tcp + st->other);
	vs_move_table_free(t);
}

static void
test_timeouts(void **state)
{
	struct vs_move_table *t = table(64, 1);
	uint64_t tg = tag(1, false, 0), now = NOW0;

	(void)state;
	/* embryonic: 5 s from its last SYN, exactly */
	assert_true(cls(t, tg, tcp(1, 1, 1, SYN), now));
	assert_true(cls(t, tg, ref(1, 1, 1), now + 5000));
	assert_true(cls(t, tg, tcp(2, 1, 1, SYN), now));
	assert_false(cls(t, tg, ref(2, 1, 1), now + 5001));
	/* established: 60 s idle */
	assert_true(cls(t, tg, tcp(3, 1, 1, SYN), now));
	assert_true(cls(t, tg, tcp(3, 1, 1, ACK), now + 1));
	assert_true(cls(t, tg, tcp(3, 1, 1, ACK), now + 60001));
	assert_false(cls(t, tg, tcp(3, 1, 1, ACK), now + 120002));
	/* the clock is taken modulo 2^32 ms: a move across the wrap */
	now = UINT64_C(0xffffffff) - 100;
	assert_true(cls(t, tg, tcp(4, 1, 1, SYN), now));
	assert_true(cls(t, tg, tcp(4, 1, 1, ACK), now + 200));
	assert_true(cls(t, tg, tcp(4, 1, 1, ACK), now + 60200));
	vs_move_table_free(t);
}

/* the n-th flood source: distinct, in 203.0.113.0/24-ish space */
static uint32_t
flood_src(unsigned int i)
{
	return 0xCB007100u + i;
}

static void
test_flood_small(void **state)
{
	/* cap 16: two buckets, every flow competes for the same 16 ways */
	struct vs_move_table *t = table(16, 1);
	uint64_t tg = tag(7, false, 0), now = NOW0;
	const struct vs_move_stats *st = vs_move_table_stats(t, 0, NULL);
	struct vs_move_usage u;
	unsigned int i;

	(void)state;
	/* 8 established, 4 closing */
	for (i = 0; i < 12; i++) {
		assert_true(cls(t, tg, tcp(10, (uint16_t)i, 80, SYN), now));
		assert_true(cls(t, tg, tcp(10, (uint16_t)i, 80, ACK), now));
	}
	for (i = 8; i < 12; i++)
		assert_true(cls(t, tg, tcp(10, (uint16_t)i, 80, FIN | ACK),
				now + i));
	/* a flood: each SYN 1 ms after the last */
	for (i = 0; i < 1000; i++) {
		now++;
		assert_true(cls(t, tg,
				tcp(flood_src(i), (uint16_t)(i + 1), 80, SYN),
				now));
		vs_move_table_usage(t, 0, now, &u);
		assert_true(u.embryonic + u.established + u.closing <= 16);
	}
	/* the 4 free ways went first, then embryonic entries were evicted
	 * (never an established one); closing entries only once no
	 * embryonic was left: here never */
	vs_move_table_usage(t, 0, now, &u);
	assert_int_equal(u.established, 8);
	assert_int_equal(u.closing, 4);
	assert_int_equal(u.embryonic, 4);
	assert_int_equal(st->evicted, 1000 - 4);
	for (i = 0; i < 8; i++)
		assert_true(cls(t, tg, ref(10, (uint16_t)i, 80), now));
	/* oldest first: the 4 most recent flood SYNs are the survivors */
	for (i = 0; i < 1000; i++)
		assert_int_equal(cls(t, tg,
				     ref(flood_src(i), (uint16_t)(i + 1), 80),
				     now),
				 i >= 996);
	/* establish those 4: now a SYN can only evict closing entries,
	 * the oldest first (flows 8, 9, 10, 11 closed in that order) */
	for (i = 996; i < 1000; i++)
		assert_true(cls(t, tg,
				tcp(flood_src(i), (uint16_t)(i + 1), 80, ACK),
				now));
	for (i = 0; i < 4; i++) {
		assert_true(cls(t, tg, tcp(20, (uint16_t)i, 80, SYN), now));
		assert_false(cls(t, tg, ref(10, (uint16_t)(8 + i), 80), now));
		if (i < 3)
			assert_true(cls(t, tg, ref(10, (uint16_t)(9 + i), 80),
					now));
		assert_true(cls(t, tg, tcp(20, (uint16_t)i, 80, ACK), now));
	}
	/* 16 established: a new flow finds no room, and stays old */
	assert_false(cls(t, tg, tcp(30, 1, 80, SYN), now));
	assert_int_equal(st->table_full, 1);
	vs_move_table_usage(t, 0, now, &u);
	assert_int_equal(u.established, 16);
	/* until established ones time out (60 s idle) */
	now += 60001;
	assert_true(cls(t, tg, tcp(30, 1, 80, SYN), now));
	vs_move_table_free(t);
}

static void
test_flood_large(void **state)
{
	struct vs_move_table *t = table(1024, 2);
	uint64_t tg = tag(3, true, 1), now = NOW0;
	const struct vs_move_stats *st = vs_move_table_stats(t, 1, NULL);
	struct vs_move_usage u;
	unsigned int i, lost = 0;

	(void)state;
	/* 300 established flows (under a third of the table) */
	for (i = 0; i < 300; i++) {
		assert_true(
			cls(t, tg, tcp(0x0A000000 + i, 5000, 443, SYN), now));
		assert_true(cls(t, tg, tcp(0x0A000000 + i, 5000, 443, ACK),
				now + 1));
	}
	/* 100 000 spoofed SYNs within 2 s */
	for (i = 0; i < 100000; i++) {
		struct vs_move_frame f =
			tcp(t_rand32(), (uint16_t)t_rand32(), 443, SYN);

		if (i % 50 == 0)
			now++;
		(void)cls(t, tg, f, now);
	}
	vs_move_table_usage(t, 1, now, &u);
	assert_true(u.embryonic + u.established + u.closing <= 1024);
	assert_int_equal(u.established, 300);
	for (i = 0; i < 300; i++)
		lost += !cls(t, tg, tcp(0x0A000000 + i, 5000, 443, ACK), now);
	assert_int_equal(lost, 0);
	assert_true(st->evicted > 90000);
	/* a few SYNs may land in two buckets full of established flows */
	assert_true(st->table_full < 100);
	printf("# flood: 100000 SYNs, evicted %llu, table_full %llu\n",
	       (unsigned long long)st->evicted,
	       (unsigned long long)st->table_full);
	vs_move_table_free(t);
}

static void
test_sweep(void **state)
{
	struct vs_move_table *t = table(256, 2);
	uint64_t now = NOW0;
	struct vs_move_usage u;
	unsigned int i, freed = 0, n;

	(void)state;
	for (i = 0; i < 100; i++)
		(void)cls(t, tag(1, false, 0), tcp(i, 1, 1, SYN), now);
	for (i = 0; i < 50; i++)
		(void)cls(t, tag(2, true, 1), tcp(i, 1, 1, SYN), now);
	/* nothing expired yet */
	assert_int_equal(vs_move_table_sweep(t, now + 5000, 1000), 0);
	/* a budget of 10 buckets reclaims at most 80 entries */
	/* 64 buckets in all, 10 a call: every one seen in 7 calls */
	for (i = 0; i < 7; i++) {
		n = vs_move_table_sweep(t, now + 5001, 10);
		assert_true(n <= 10 * VS_MOVE_WAYS);
		freed += n;
	}
	assert_int_equal(freed, 150);
	vs_move_table_usage(t, 0, now + 5001, &u);
	assert_int_equal(u.embryonic + u.expired, 0);
	assert_int_equal(vs_move_table_stats(t, 0, NULL)->expired, 100);
	assert_int_equal(vs_move_table_stats(t, 1, NULL)->expired, 50);
	vs_move_table_free(t);
}

static void
test_generations(void **state)
{
	struct vs_move_table *t = table(64, 2);
	uint64_t now = NOW0, gen;
	const struct vs_move_stats *st;

	(void)state;
	assert_true(cls(t, tag(5, false, 0), tcp(1, 1, 1, SYN), now));
	st = vs_move_table_stats(t, 0, &gen);
	assert_int_equal(gen, 5);
	assert_int_equal(st->new_flows, 1);
	/* a new move on the slot: emptied, counters anew */
	assert_false(cls(t, tag(6, true, 0), ref(1, 1, 1), now));
	st = vs_move_table_stats(t, 0, &gen);
	assert_int_equal(gen, 6);
	assert_int_equal(st->new_flows, 0);
	assert_int_equal(st->refs, 1);
	/* the ended move's view: stale, the slot left alone */
	assert_false(cls(t, tag(5, false, 0), tcp(2, 1, 1, SYN), now));
	assert_int_equal(vs_move_table_stale(t), 1);
	assert_int_equal(vs_move_table_stats(t, 0, &gen)->frames, 1);
	assert_int_equal(gen, 6);
	/* tags the control never writes */
	assert_false(cls(t, tag(9, false, 2), tcp(2, 1, 1, SYN), now));
	assert_false(cls(t, tag(0, false, 1), tcp(2, 1, 1, SYN), now));
	assert_int_equal(vs_move_table_stale(t), 3);
	assert_null(vs_move_table_stats(t, 2, NULL));
	vs_move_table_free(t);
}

static void
test_accept_roles(void **state)
{
	struct vs_move_table *ta = table(64, 1), *tb = table(64, 1);
	struct vs_move_view va, vb;
	struct vs_move_frame syn = tcp(9, 9, 80, SYN), ack = tcp(9, 9, 80, ACK),
			     old = tcp(8, 8, 80, ACK);
	uint64_t now = NOW0;

	(void)state;
	memset(&va, 0, sizeof(va));
	memset(&vb, 0, sizeof(vb));
	va.moving = vb.moving = UINT64_C(1) << 1; /* number 2 */
	va.tag[1] = tag(1, false, 0);
	vb.tag[1] = tag(1, true, 0);
	va.unfilled = UINT64_C(1) << 1;
	assert_true(vs_move_view_moving(&va) == 2);
	/* no filler yet: the drainer drops the SYN and counts it */
	assert_false(vs_move_accept(ta, &va, 2, &syn, now));
	assert_int_equal(vs_move_table_stats(ta, 0, NULL)->syn_before_fill, 1);
	/* now filled: the retry is taken by the filler, dropped by the
	 * drainer, not counted */
	va.unfilled = 0;
	assert_false(vs_move_accept(ta, &va, 2, &syn, now + 1000));
	assert_true(vs_move_accept(tb, &vb, 2, &syn, now + 1000));
	assert_int_equal(vs_move_table_stats(ta, 0, NULL)->syn_before_fill, 1);
	assert_false(vs_move_accept(ta, &va, 2, &ack, now + 1001));
	assert_true(vs_move_accept(tb, &vb, 2, &ack, now + 1001));
	/* an old flow: the drainer's */
	assert_true(vs_move_accept(ta, &va, 2, &old, now + 1002));
	assert_false(vs_move_accept(tb, &vb, 2, &old, now + 1002));
	/* the filler never counts syn_before_fill */
	vb.unfilled = UINT64_MAX;
	syn.key.sport = 10;
	assert_true(vs_move_accept(tb, &vb, 2, &syn, now + 1003));
	assert_int_equal(vs_move_table_stats(tb, 0, NULL)->syn_before_fill, 0);
	vs_move_table_free(ta);
	vs_move_table_free(tb);
}

/* ---------------------------------------------------------------- */
/* control                                                           */
/* ---------------------------------------------------------------- */

struct ctl {
	struct vs_move_table *t[2];
	struct vs_move_pool pool;
	struct vs_own own;
	struct vs_move_vip mv;
	struct vs_move_event ev[VS_MOVE_EVENTS_MAX];
};

static void
ctl_init(struct ctl *c, unsigned int total, uint64_t owned, unsigned int slots)
{
	struct vs_move_cfg cfg;

	memset(c, 0, sizeof(*c));
	c->t[0] = table(64, slots);
	c->t[1] = table(64, slots);
	assert_int_equal(vs_move_pool_init(&c->pool, c->t, 2), 0);
	assert_int_equal(vs_own_init(&c->own, total, owned), 0);
	vs_move_cfg_default(&cfg);
	assert_int_equal(vs_move_vip_init(&c->mv, &c->own, &c->pool, &cfg), 0);
}

static void
ctl_fini(struct ctl *c)
{
	vs_move_table_free(c->t[0]);
	vs_move_table_free(c->t[1]);
}

/* What is published agrees with the states: own = OWNED, moving =
 * DRAINING | FILLING (disjoint), tags name a busy slot with the role. */
static void
check_published(const struct ctl *c)
{
	uint64_t o, d, f, own = vs_own_load(&c->own);
	unsigned int n;

	vs_move_masks(&c->mv, &o, &d, &f);
	assert_int_equal(own, o);
	assert_int_equal(c->mv.view.moving, d | f);
	assert_int_equal(own & c->mv.view.moving, 0);
	assert_int_equal(d & f, 0);
	assert_int_equal(c->mv.view.unfilled & ~d, 0);
	for (n = 1; n <= c->mv.total_nodes; n++) {
		uint64_t tg = c->mv.view.tag[n - 1];

		if (!((d | f) >> (n - 1) & 1))
			continue;
		assert_int_equal(tg & VS_MOVE_TAG_SLOT, c->mv.num[n - 1].slot);
		assert_int_equal(tg >> VS_MOVE_TAG_GEN_SHIFT,
				 c->mv.num[n - 1].gen);
		assert_int_equal(!!(tg & VS_MOVE_TAG_FILL), (f >> (n - 1)) & 1);
		assert_true(c->pool.busy >> (tg & VS_MOVE_TAG_SLOT) & 1);
	}
}

static const struct vs_move_peers no_peers = {.known = true};
static const struct vs_move_peers unknown = {.known = false};

static struct vs_move_peers
peers(uint64_t draining, uint64_t filling)
{
	struct vs_move_peers p = {
		.known = true, .draining = draining, .filling = filling};

	return p;
}

static void
test_ctl_init(void **state)
{
	struct ctl c;
	struct vs_move_cfg cfg;

	(void)state;
	ctl_init(&c, 4, 0x5, 2);
	assert_int_equal(c.mv.num[0].state, VS_MOVE_OWNED);
	assert_int_equal(c.mv.num[1].state, VS_MOVE_NONE);
	assert_int_equal(c.mv.num[2].state, VS_MOVE_OWNED);
	check_published(&c);
	vs_move_cfg_default(&cfg);
	cfg.end = 3;
	assert_int_equal(vs_move_vip_init(&c.mv, &c.own, &c.pool, &cfg),
			 -EINVAL);
	vs_move_cfg_default(&cfg);
	cfg.diag_interval_ms = 5;
	assert_int_equal(vs_move_vip_init(&c.mv, &c.own, &c.pool, &cfg),
			 -EINVAL);
	assert_int_equal(vs_move_pool_init(&c.pool, c.t, 0), -EINVAL);
	{
		struct vs_move_table *mixed[2] = {c.t[0], table(64, 3)};

		assert_int_equal(vs_move_pool_init(&c.pool, mixed, 2), -EINVAL);
		vs_move_table_free(mixed[1]);
	}
	assert_string_equal(vs_move_state_name(VS_MOVE_FILLING), "filling");
	assert_string_equal(vs_move_state_name(99), "?");
	ctl_fini(&c);
}

static void
test_ctl_drain(void **state)
{
	struct ctl c;
	uint64_t now = NOW0;

	(void)state;
	ctl_init(&c, 3, 0x3, 1);
	assert_int_equal(vs_move_drain(&c.mv, 0, 0, now, NULL), -EINVAL);
	assert_int_equal(vs_move_drain(&c.mv, 4, 0, now, NULL), -EINVAL);
	assert_int_equal(vs_move_drain(&c.mv, 1,
				       VS_MOVE_DRAIN_TIMEOUT_MAX_MS + 1, now,
				       NULL),
			 -EINVAL);
	assert_int_equal(vs_move_drain(&c.mv, 3, 0, now, NULL), -ENOENT);
	assert_int_equal(vs_move_drain(&c.mv, 2, 0, now, c.ev), 0);
	assert_int_equal(c.ev[0].from, VS_MOVE_OWNED);
	assert_int_equal(c.ev[0].to, VS_MOVE_DRAINING);
	assert_int_equal(c.mv.num[1].state, VS_MOVE_DRAINING);
	assert_int_equal(c.mv.num[1].deadline_ms,
			 now + VS_MOVE_DRAIN_TIMEOUT_DEFAULT_MS);
	assert_int_equal(vs_own_load(&c.own), 0x1);
	assert_int_equal(c.mv.view.moving, 0x2);
	assert_int_equal(c.mv.view.unfilled, 0x2); /* nobody fills yet */
	check_published(&c);
	assert_int_equal(vs_move_drain(&c.mv, 2, 0, now, NULL), -EALREADY);
	/* one slot only: a second move is refused, counted */
	assert_int_equal(vs_move_drain(&c.mv, 1, 5000, now, NULL), -EBUSY);
	assert_int_equal(c.mv.st.no_slot, 1);
	assert_int_equal(c.mv.num[0].state, VS_MOVE_OWNED);
	check_published(&c);
	/* del cuts the drain, the slot is free again, a new generation */
	assert_int_equal(vs_move_del(&c.mv, 2, now + 10, c.ev), 0);
	assert_int_equal(c.ev[0].from, VS_MOVE_DRAINING);
	assert_int_equal(c.mv.st.drain_del, 1);
	check_published(&c);
	assert_int_equal(vs_move_drain(&c.mv, 1, 5000, now + 20, NULL), 0);
	assert_int_equal(c.mv.num[0].deadline_ms, now + 5020);
	assert_int_equal(c.mv.num[0].gen, 2);
	check_published(&c);
	/* a filling or pending number cannot be drained */
	assert_int_equal(vs_move_add(&c.mv, 3, &unknown, now, NULL),
			 VS_MOVE_PENDING);
	assert_int_equal(vs_move_drain(&c.mv, 3, 0, now, NULL), -EBUSY);
	ctl_fini(&c);
}

static void
test_ctl_add_del(void **state)
{
	struct ctl c;
	uint64_t now = NOW0;
	struct vs_move_peers p;

	(void)state;
	ctl_init(&c, 4, 0x1, 2);
	assert_int_equal(vs_move_add(&c.mv, 0, &no_peers, now, NULL), -EINVAL);
	assert_int_equal(vs_move_add(&c.mv, 5, &no_peers, now, NULL), -EINVAL);
	assert_int_equal(vs_move_add(&c.mv, 2, NULL, now, NULL), -EINVAL);
	assert_int_equal(vs_move_add(&c.mv, 1, &no_peers, now, NULL), -EEXIST);
	/* nobody drains 2: owned, as today */
	assert_int_equal(vs_move_add(&c.mv, 2, &no_peers, now, c.ev),
			 VS_MOVE_OWNED);
	assert_int_equal(c.ev[0].to, VS_MOVE_OWNED);
	assert_int_equal(vs_own_load(&c.own), 0x3);
	check_published(&c);
	/* a peer drains 3: filling (not owned) */
	p = peers(0x4, 0);
	assert_int_equal(vs_move_add(&c.mv, 3, &p, now, c.ev), VS_MOVE_FILLING);
	assert_int_equal(c.ev[0].to, VS_MOVE_FILLING);
	assert_int_equal(vs_own_load(&c.own), 0x3);
	assert_int_equal(c.mv.view.moving, 0x4);
	assert_true(c.mv.view.tag[2] & VS_MOVE_TAG_FILL);
	assert_int_equal(c.mv.view.unfilled, 0);
	check_published(&c);
	assert_int_equal(vs_move_add(&c.mv, 3, &p, now, NULL), -EEXIST);
	/* peers not known yet: pending, nothing published */
	assert_int_equal(vs_move_add(&c.mv, 4, &unknown, now, c.ev),
			 VS_MOVE_PENDING);
	assert_int_equal(vs_own_load(&c.own) & 0x8, 0);
	assert_int_equal(c.mv.view.moving & 0x8, 0);
	assert_int_equal(vs_move_add(&c.mv, 4, &no_peers, now, NULL), -EEXIST);
	check_published(&c);
	/* del from each state */
	assert_int_equal(vs_move_del(&c.mv, 4, now, c.ev), 0);
	assert_int_equal(c.ev[0].from, VS_MOVE_PENDING);
	assert_int_equal(vs_move_del(&c.mv, 3, now, c.ev), 0);
	assert_int_equal(c.ev[0].from, VS_MOVE_FILLING);
	assert_int_equal(c.mv.st.fill_del, 1);
	assert_int_equal(c.pool.busy, 0);
	assert_int_equal(vs_move_del(&c.mv, 2, now, c.ev), 0);
	assert_int_equal(c.ev[0].from, VS_MOVE_OWNED);
	assert_int_equal(vs_move_del(&c.mv, 2, now, NULL), -ENOENT);
	assert_int_equal(vs_move_del(&c.mv, 9, now, NULL), -EINVAL);
	check_published(&c);
	assert_int_equal(vs_own_load(&c.own), 0x1);
	/* no slot for a fill: refused, nothing changed */
	assert_int_equal(vs_move_drain(&c.mv, 1, 0, now, NULL), 0);
	p = peers(0xe, 0);
	assert_int_equal(vs_move_add(&c.mv, 2, &p, now, NULL), VS_MOVE_FILLING);
	assert_int_equal(vs_move_add(&c.mv, 3, &p, now, NULL), -EBUSY);
	assert_int_equal(c.mv.num[2].state, VS_MOVE_NONE);
	assert_int_equal(c.mv.st.no_slot, 1);
	check_published(&c);
	ctl_fini(&c);
}

static void
test_ctl_tick_fill(void **state)
{
	struct ctl c;
	uint64_t now = NOW0;
	struct vs_move_peers p = peers(0x2, 0);
	unsigned int k;

	(void)state;
	ctl_init(&c, 3, 0x0, 2);
	/* pending until the peers are known, then filling */
	assert_int_equal(vs_move_add(&c.mv, 2, &unknown, now, NULL),
			 VS_MOVE_PENDING);
	assert_int_equal(vs_move_tick(&c.mv, &unknown, NULL, now + 10, c.ev),
			 0);
	assert_int_equal(vs_move_tick(&c.mv, &p, NULL, now + 600, c.ev), 1);
	assert_int_equal(c.ev[0].from, VS_MOVE_PENDING);
	assert_int_equal(c.ev[0].to, VS_MOVE_FILLING);
	assert_int_equal(c.ev[0].why, VS_MOVE_WHY_PEERS);
	check_published(&c);
	/* a live peer owns 1: pending, until it drains 1 ... */
	p.owned = 0x1;
	assert_int_equal(vs_move_add(&c.mv, 1, &p, now, NULL), VS_MOVE_PENDING);
	assert_int_equal(vs_move_tick(&c.mv, &p, NULL, now + 100, c.ev), 0);
	p.owned = 0;
	p.draining = 0x3;
	assert_int_equal(vs_move_tick(&c.mv, &p, NULL, now + 200, c.ev), 1);
	assert_int_equal(c.ev[0].to, VS_MOVE_FILLING);
	assert_int_equal(vs_move_del(&c.mv, 1, now + 200, NULL), 0);
	/* ... or until the wait is over (600 ms): owned regardless */
	p.owned = 0x1;
	p.draining = 0x2;
	assert_int_equal(vs_move_add(&c.mv, 1, &p, now + 300, NULL),
			 VS_MOVE_PENDING);
	assert_int_equal(vs_move_tick(&c.mv, &p, NULL, now + 899, c.ev), 0);
	assert_int_equal(vs_move_tick(&c.mv, &p, NULL, now + 900, c.ev), 1);
	assert_int_equal(c.ev[0].to, VS_MOVE_OWNED);
	assert_int_equal(vs_move_del(&c.mv, 1, now + 900, NULL), 0);
	p.owned = 0;
	check_published(&c);
	/* and pending -> owned when nobody drains */
	assert_int_equal(vs_move_add(&c.mv, 3, &unknown, now, NULL),
			 VS_MOVE_PENDING);
	assert_int_equal(vs_move_tick(&c.mv, &p, NULL, now + 610, c.ev), 1);
	assert_int_equal(c.ev[0].to, VS_MOVE_OWNED);
	check_published(&c);
	/* filling while the drainer drains, or while we cannot tell */
	assert_int_equal(vs_move_tick(&c.mv, &p, NULL, now + 800, c.ev), 0);
	assert_int_equal(vs_move_tick(&c.mv, &unknown, NULL, now + 810, c.ev),
			 0);
	assert_int_equal(vs_move_tick(&c.mv, NULL, NULL, now + 820, c.ev), 0);
	assert_int_equal(c.mv.num[1].state, VS_MOVE_FILLING);
	/* the drainer released it (or is gone): owned */
	k = vs_move_tick(&c.mv, &no_peers, NULL, now + 5000, c.ev);
	assert_int_equal(k, 1);
	assert_int_equal(c.ev[0].from, VS_MOVE_FILLING);
	assert_int_equal(c.ev[0].to, VS_MOVE_OWNED);
	assert_int_equal(c.ev[0].why, VS_MOVE_WHY_NO_DRAINER);
	assert_int_equal(c.ev[0].since_ms, now + 600);
	assert_int_equal(vs_own_load(&c.own), 0x6);
	assert_int_equal(c.mv.view.moving, 0);
	assert_int_equal(c.pool.busy, 0);
	assert_int_equal(c.mv.st.fill_owned, 1);
	check_published(&c);
	ctl_fini(&c);
}

/* frames of the move through worker w's table */
static void
frames(struct ctl *c, unsigned int node, unsigned int w, unsigned int n,
       bool tcp_frames, uint64_t now)
{
	struct vs_move_frame f = tcp(77, 7, 7, ACK);
	unsigned int i;

	if (!tcp_frames)
		f.kind = VS_MOVE_OTHER;
	for (i = 0; i < n; i++)
		(void)vs_move_accept(c->t[w], &c->mv.view, node, &f, now);
}

static void
test_ctl_drain_end_diag(void **state)
{
	struct ctl c;
	uint64_t t0 = NOW0, now;
	struct vs_move_diag_answer a;
	struct vs_move_peers p = peers(0, 0x2);
	unsigned int k;

	(void)state;
	ctl_init(&c, 3, 0x3, 2);
	assert_int_equal(vs_move_drain(&c.mv, 2, 0, t0, NULL), 0);
	/* before the minimum (1 s): no query due, no end */
	assert_int_equal(vs_move_diag_due(&c.mv, t0 + 999), 0);
	memset(&a, 0, sizeof(a));
	assert_int_equal(vs_move_tick(&c.mv, &p, &a, t0 + 999, c.ev), 0);
	/* the filler is seen: no longer unfilled */
	assert_int_equal(c.mv.view.unfilled, 0);
	/* due at the minimum; 3 old connections left: going on */
	assert_int_equal(vs_move_diag_due(&c.mv, t0 + 1000), 0x2);
	a.asked = 0x2;
	a.count[1] = 3;
	assert_int_equal(vs_move_tick(&c.mv, &p, &a, t0 + 1000, c.ev), 0);
	assert_int_equal(c.mv.st.diag_queries, 1);
	/* not due again before the interval */
	assert_int_equal(vs_move_diag_due(&c.mv, t0 + 1499), 0);
	assert_int_equal(vs_move_diag_due(&c.mv, t0 + 1500), 0x2);
	/* a failing query: the idle rule (60 s without an old frame)
	 * stands in; old frames keep it going */
	a.rc = -EPERM;
	for (now = t0 + 1500; now < t0 + 61500; now += 500) {
		frames(&c, 2, (now / 500) & 1, 1, true, now);
		assert_int_equal(vs_move_tick(&c.mv, &p, &a, now, c.ev), 0);
	}
	assert_int_equal(c.mv.st.diag_errors, 120);
	/* the query works again: 0 left, the drain ends */
	a.rc = 0;
	a.count[1] = 0;
	now += 500;
	k = vs_move_tick(&c.mv, &p, &a, now, c.ev);
	assert_int_equal(k, 1);
	assert_int_equal(c.ev[0].why, VS_MOVE_WHY_FLOWS);
	assert_int_equal(c.ev[0].to, VS_MOVE_NONE);
	assert_int_equal(c.ev[0].left, 0);
	assert_int_equal(c.mv.st.drain_flows, 1);
	/* its counters went into st.dp: 120 old TCP frames */
	assert_int_equal(c.mv.st.dp.old_tcp, 120);
	assert_int_equal(c.mv.st.dp.frames, 120);
	assert_int_equal(c.pool.busy, 0);
	assert_int_equal(vs_own_load(&c.own), 0x1);
	check_published(&c);
	ctl_fini(&c);
}

static void
test_ctl_drain_end_rules(void **state)
{
	struct ctl c;
	uint64_t t0 = NOW0;
	struct vs_move_diag_answer a;
	struct vs_move_cfg cfg;
	char line[128];

	(void)state;
	/* the diag fallback: a query that fails, no old frames: idle ends
	 * it 60 s after the start */
	ctl_init(&c, 3, 0x3, 2);
	assert_int_equal(vs_move_drain(&c.mv, 1, 0, t0, NULL), 0);
	memset(&a, 0, sizeof(a));
	a.asked = 1;
	a.rc = -ENOENT;
	assert_int_equal(vs_move_tick(&c.mv, &no_peers, &a, t0 + 59999, c.ev),
			 0);
	assert_int_equal(vs_move_tick(&c.mv, &no_peers, NULL, t0 + 60000, c.ev),
			 1);
	assert_int_equal(c.ev[0].why, VS_MOVE_WHY_IDLE);
	assert_int_equal(c.ev[0].left, -1);
	assert_true(vs_move_event_format(&c.ev[0], line, sizeof(line)) > 0);
	assert_string_equal(line, "drain 1 ended after 60.0 s: its old flows "
				  "went idle");
	/* no answer at all: nothing but the timeout */
	assert_int_equal(vs_move_drain(&c.mv, 2, 10000, t0, NULL), 0);
	assert_int_equal(vs_move_tick(&c.mv, &no_peers, NULL, t0 + 9999, c.ev),
			 0);
	assert_int_equal(vs_move_tick(&c.mv, &no_peers, NULL, t0 + 10000, c.ev),
			 1);
	assert_int_equal(c.ev[0].why, VS_MOVE_WHY_TIMEOUT);
	assert_int_equal(c.mv.st.drain_timeout, 1);
	ctl_fini(&c);

	/* END_IDLE with other_idle_ms: old TCP frames and UDP hold it */
	ctl_init(&c, 3, 0x3, 2);
	vs_move_cfg_default(&cfg);
	cfg.end = VS_MOVE_END_IDLE;
	cfg.idle_ms = 3000;
	cfg.other_idle_ms = 5000;
	assert_int_equal(vs_move_vip_init(&c.mv, &c.own, &c.pool, &cfg), 0);
	assert_int_equal(vs_move_diag_due(&c.mv, t0 + 5000), 0);
	assert_int_equal(vs_move_drain(&c.mv, 2, 0, t0, NULL), 0);
	frames(&c, 2, 0, 3, true, t0 + 1000);
	assert_int_equal(vs_move_tick(&c.mv, &no_peers, NULL, t0 + 1000, c.ev),
			 0);
	frames(&c, 2, 1, 1, false, t0 + 2000);
	assert_int_equal(vs_move_tick(&c.mv, &no_peers, NULL, t0 + 2000, c.ev),
			 0);
	/* TCP idle since 1000 (3 s at 4000), UDP since 2000 (5 s at 7000) */
	assert_int_equal(vs_move_tick(&c.mv, &no_peers, NULL, t0 + 6999, c.ev),
			 0);
	assert_int_equal(vs_move_tick(&c.mv, &no_peers, NULL, t0 + 7000, c.ev),
			 1);
	assert_int_equal(c.ev[0].why, VS_MOVE_WHY_IDLE);
	assert_int_equal(c.mv.st.dp.other, 1);
	ctl_fini(&c);

	/* END_TIMEOUT: the timeout and nothing else, left count kept */
	ctl_init(&c, 3, 0x3, 2);
	vs_move_cfg_default(&cfg);
	cfg.end = VS_MOVE_END_TIMEOUT;
	assert_int_equal(vs_move_vip_init(&c.mv, &c.own, &c.pool, &cfg), 0);
	assert_int_equal(vs_move_drain(&c.mv, 1, 2000, t0, NULL), 0);
	assert_int_equal(vs_move_diag_due(&c.mv, t0 + 1500), 0);
	assert_int_equal(vs_move_tick(&c.mv, &no_peers, NULL, t0 + 1999, c.ev),
			 0);
	assert_int_equal(vs_move_tick(&c.mv, &no_peers, NULL, t0 + 2000, c.ev),
			 1);
	assert_int_equal(c.ev[0].why, VS_MOVE_WHY_TIMEOUT);
	ctl_fini(&c);

	/* a timeout with connections left says how many */
	ctl_init(&c, 3, 0x3, 2);
	assert_int_equal(vs_move_drain(&c.mv, 1, 3000, t0, NULL), 0);
	memset(&a, 0, sizeof(a));
	a.asked = 1;
	a.count[0] = 4;
	assert_int_equal(vs_move_tick(&c.mv, &no_peers, &a, t0 + 2000, c.ev),
			 0);
	assert_int_equal(vs_move_tick(&c.mv, &no_peers, NULL, t0 + 3000, c.ev),
			 1);
	assert_int_equal(c.ev[0].left, 4);
	assert_true(vs_move_event_format(&c.ev[0], line, sizeof(line)) > 0);
	assert_string_equal(line, "drain 1 ended after 3.0 s: timeout, 4 old "
				  "connections left");
	assert_int_equal(vs_move_event_format(&c.ev[0], line, 10), -ENOSPC);
	ctl_fini(&c);
}

static void
test_ctl_events(void **state)
{
	struct vs_move_event e = {.node = 2, .at_ms = 12345, .since_ms = 45};
	char b[128];

	(void)state;
	e.from = VS_MOVE_OWNED;
	e.to = VS_MOVE_DRAINING;
	vs_move_event_format(&e, b, sizeof(b));
	assert_string_equal(b, "drain 2 started");
	e.from = VS_MOVE_NONE;
	e.to = VS_MOVE_FILLING;
	vs_move_event_format(&e, b, sizeof(b));
	assert_string_equal(b, "add 2: filling (a peer drains it)");
	e.to = VS_MOVE_PENDING;
	vs_move_event_format(&e, b, sizeof(b));
	assert_string_equal(b, "add 2: pending until the peers are known "
			       "and settled");
	e.from = VS_MOVE_DRAINING;
	e.to = VS_MOVE_NONE;
	e.left = 2;
	vs_move_event_format(&e, b, sizeof(b));
	assert_string_equal(b, "del 2: drain cut after 12.3 s, 2 old "
			       "connections left");
	e.why = VS_MOVE_WHY_FLOWS;
	vs_move_event_format(&e, b, sizeof(b));
	assert_string_equal(b, "drain 2 ended after 12.3 s: its old "
			       "connections ended");
	e.why = VS_MOVE_WHY_NO_DRAINER;
	e.from = VS_MOVE_FILLING;
	e.to = VS_MOVE_OWNED;
	vs_move_event_format(&e, b, sizeof(b));
	assert_string_equal(b, "fill 2 ended after 12.3 s: owned (no peer "
			       "drains it)");
	e.why = 99;
	assert_int_equal(vs_move_event_format(&e, b, sizeof(b)), -EINVAL);
}

/* Random commands and ticks: what is published always matches the
 * states, slots are never shared, generations grow. */
static void
test_ctl_random(void **state)
{
	struct ctl c;
	uint64_t now = NOW0, last_gen = 0;
	unsigned int i, n;

	(void)state;
	ctl_init(&c, 8, 0x0f, 3);
	for (i = 0; i < 20000; i++) {
		struct vs_move_peers p = {
			.known = t_rand32() % 4 != 0,
			.owned = t_rand64() & 0xff,
			.draining = t_rand64() & 0xff,
			.filling = t_rand64() & 0xff,
		};
		struct vs_move_diag_answer a;
		uint64_t busy = 0;
		int rc;

		n = 1 + t_rand32() % 8;
		now += t_rand32() % 2000;
		switch (t_rand32() % 5) {
		case 0:
			rc = vs_move_drain(&c.mv, n, t_rand32() % 20000, now,
					   c.ev);
			break;
		case 1:
			rc = vs_move_add(&c.mv, n, &p, now, c.ev);
			break;
		case 2:
			rc = vs_move_del(&c.mv, n, now, c.ev);
			break;
		default:
			memset(&a, 0, sizeof(a));
			a.asked = vs_move_diag_due(&c.mv, now);
			a.rc = t_rand32() % 3 == 0 ? -EIO : 0;
			for (n = 0; n < 8; n++)
				a.count[n] = t_rand32() % 2;
			rc = (int)vs_move_tick(&c.mv, &p, &a, now, c.ev);
			assert_true(rc >= 0 && rc <= 8);
			break;
		}
		(void)rc;
		check_published(&c);
		for (n = 1; n <= 8; n++) {
			const struct vs_move_num *nm = &c.mv.num[n - 1];

			if (nm->state != VS_MOVE_DRAINING &&
			    nm->state != VS_MOVE_FILLING)
				continue;
			assert_false(busy >> nm->slot & 1);
			busy |= UINT64_C(1) << nm->slot;
			assert_true(nm->gen > 0 && nm->gen < c.pool.next_gen);
		}
		assert_int_equal(busy, c.pool.busy);
		assert_true(c.pool.next_gen > last_gen);
		last_gen = c.pool.next_gen - 1;
	}
	ctl_fini(&c);
}

/* ---------------------------------------------------------------- */
/* inet_diag                                                         */
/* ---------------------------------------------------------------- */

/* little-endian host fields, as netlink carries them */
static void
tf_le16(struct tframe *f, uint16_t v)
{
	tf_u8(f, (uint8_t)v);
	tf_u8(f, (uint8_t)(v >> 8));
}

static void
tf_le32(struct tframe *f, uint32_t v)
{
	tf_le16(f, (uint16_t)v);
	tf_le16(f, (uint16_t)(v >> 16));
}

static void
test_diag_request(void **state)
{
	struct tframe want;
	uint8_t buf[VS_MOVE_DIAG_REQ_LEN + 8];
	int len, i;

	(void)state;
	memset(&want, 0, sizeof(want));
	/* nlmsghdr */
	tf_le32(&want, 92);     /* length */
	tf_le16(&want, 20);     /* SOCK_DIAG_BY_FAMILY */
	tf_le16(&want, 0x301);  /* NLM_F_REQUEST | NLM_F_DUMP */
	tf_le32(&want, 0xabcd); /* seq */
	tf_le32(&want, 0);      /* pid */
	/* inet_diag_req_v2 */
	tf_u8(&want, 10); /* AF_INET6 */
	tf_u8(&want, 6);  /* TCP */
	tf_u8(&want, 0);  /* no extensions */
	tf_u8(&want, 0);
	/* states: all but LISTEN (10), TIME_WAIT (6), CLOSE (7) */
	tf_le32(&want, 0x1ffe & ~(1u << 10 | 1u << 6 | 1u << 7));
	tf_fill(&want, 0, 48); /* socket id: any */
	/* rtattr INET_DIAG_REQ_BYTECODE (1), 4 + 16 bytes */
	tf_le16(&want, 20);
	tf_le16(&want, 1);
	/* op: S_COND (7 in the UAPI enum), yes 16 (accept), no 20 (reject) */
	tf_u8(&want, 7);
	tf_u8(&want, 16);
	tf_le16(&want, 20);
	/* hostcond: AF_INET, /32, pad, port -1 */
	tf_u8(&want, 2);
	tf_u8(&want, 32);
	tf_le16(&want, 0);
	tf_le32(&want, 0xffffffff);
	tf_be32(&want, T_VIP_H);
	assert_int_equal(want.len, VS_MOVE_DIAG_REQ_LEN);

	len = vs_move_diag_request(AF_INET6, t_net32(T_VIP_H), 0xabcd, buf,
				   sizeof(buf));
	assert_int_equal(len, VS_MOVE_DIAG_REQ_LEN);
	for (i = 0; i < len; i++)
		if (buf[i] != want.b[i])
			fail_msg("request byte %d: 0x%02x, want 0x%02x", i,
				 buf[i], want.b[i]);
	len = vs_move_diag_request(AF_INET, t_net32(T_VIP_H), 1, buf,
				   sizeof(buf));
	assert_int_equal(len, VS_MOVE_DIAG_REQ_LEN);
	assert_int_equal(buf[16], 2);
	assert_int_equal(vs_move_diag_request(AF_UNIX, 0, 1, buf, sizeof(buf)),
			 -EINVAL);
	assert_int_equal(vs_move_diag_request(AF_INET, 0, 1, buf,
					      VS_MOVE_DIAG_REQ_LEN - 1),
			 -ENOSPC);
}

/* From tests/data/clusterip.tsv: TCP rows, their node by the kernel's
 * algorithm (the peer is the row's source, our port its dst_port). */
struct vec {
	int mode;
	uint32_t src_h;
	uint16_t sport, dport;
	unsigned int total;
	uint32_t init;
	unsigned int node;
};

static const struct vec vecs[] = {
	{VS_HASH_SIP, 0xC0A80101, 0, 0, 2, 0, 2},             /* 192.168.1.1 */
	{VS_HASH_SIP, 0x0A000002, 0, 0, 3, 0, 2},             /* 10.0.0.2 */
	{VS_HASH_SIP, 0xCB00714D, 0, 0, 5, 0xdeadbeef, 2},    /* 203.0.113.77 */
	{VS_HASH_SIP_SPT, 0xC0A80101, 1024, 80, 2, 0, 1},     /* 192.168.1.1 */
	{VS_HASH_SIP_SPT, 0xC0A80101, 1025, 80, 2, 0, 2},     /* 192.168.1.1 */
	{VS_HASH_SIP_SPT, 0xC0A80101, 40000, 443, 3, 0, 2},   /* 192.168.1.1 */
	{VS_HASH_SIP_SPT, 0xAC10000A, 65535, 22, 16, 7, 14},  /* 172.16.0.10 */
	{VS_HASH_SIP_SPT, 0xCB007109, 33333, 25, 9, 0x63, 5}, /* 203.0.113.9 */
	{VS_HASH_SIP_SPT_DPT, 0xC0A80101, 1024, 80, 2, 0, 2},
	{VS_HASH_SIP_SPT_DPT, 0xC0A80101, 1024, 443, 3, 0, 3},
	{VS_HASH_SIP_SPT_DPT, 0xAC1FFFFE, 49152, 3306, 16, 0, 11},
	{VS_HASH_SIP_SPT_DPT, 0x5DB8D822, 60000, 443, 13, 0x80000000, 13},
	{VS_HASH_SIP_SPT_DPT, 0x08080404, 443, 60000, 2, 0, 1}, /* 8.8.4.4 */
};

/* One inet_diag answer message, field by field. */
static void
diag_msg(struct tframe *f, uint32_t seq, uint8_t family, uint8_t state,
	 uint16_t local_port, uint16_t peer_port, const uint32_t local_h[4],
	 const uint32_t peer_h[4], uint32_t extra)
{
	unsigned int i;

	tf_le32(f, 16 + 72 + extra);
	tf_le16(f, 20); /* SOCK_DIAG_BY_FAMILY */
	tf_le16(f, 2);  /* NLM_F_MULTI */
	tf_le32(f, seq);
	tf_le32(f, 0);
	tf_u8(f, family);
	tf_u8(f, state);
	tf_u8(f, 0); /* timer */
	tf_u8(f, 0); /* retrans */
	tf_be16(f, local_port);
	tf_be16(f, peer_port);
	for (i = 0; i < 4; i++)
		tf_be32(f, local_h[i]);
	for (i = 0; i < 4; i++)
		tf_be32(f, peer_h[i]);
	tf_le32(f, 0);          /* interface */
	tf_le32(f, 0x12345678); /* cookie */
	tf_le32(f, 0x9abcdef0);
	tf_le32(f, 0); /* expires, rqueue, wqueue, uid, inode */
	tf_le32(f, 0);
	tf_le32(f, 0);
	tf_le32(f, 1000);
	tf_le32(f, 4242);
	tf_fill(f, 0xaa, extra); /* attributes we do not read */
}

static void
v4(uint32_t a_h, uint32_t out[4])
{
	out[0] = a_h;
	out[1] = out[2] = out[3] = 0;
}

static void
mapped(uint32_t a_h, uint32_t out[4])
{
	out[0] = out[1] = 0;
	out[2] = 0xffff;
	out[3] = a_h;
}

static void
done_msg(struct tframe *f, uint32_t seq, int32_t err)
{
	tf_le32(f, 20);
	tf_le16(f, 3); /* NLMSG_DONE */
	tf_le16(f, 2);
	tf_le32(f, seq);
	tf_le32(f, 0);
	tf_le32(f, (uint32_t)err);
}

static int
parse(const struct tframe *f, uint32_t len, uint32_t seq,
      const struct vs_hash_cfg *h, uint64_t numbers,
      struct vs_move_diag_acc *acc)
{
	uint8_t *copy = malloc(len ? len : 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, f->b, len);
	rc = vs_move_diag_parse(copy, len, seq, h, numbers, acc);
	free(copy);
	return rc;
}

static void
test_diag_parse_vectors(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < RTE_DIM(vecs); i++) {
		const struct vec *v = &vecs[i];
		struct vs_hash_cfg h = {
			.vip = t_net32(T_VIP_H),
			.hash_init = v->init,
			.total_nodes = (uint16_t)v->total,
			.mode = (uint8_t)v->mode,
		};
		uint32_t l[4], p[4];
		struct vs_move_diag_acc acc;
		struct tframe f;
		unsigned int n;

		memset(&f, 0, sizeof(f));
		memset(&acc, 0, sizeof(acc));
		/* the connection, as IPv4 and as a dual-stack socket */
		v4(T_VIP_H, l);
		v4(v->src_h, p);
		diag_msg(&f, 7, AF_INET, 1, v->dport, v->sport, l, p, 0);
		mapped(T_VIP_H, l);
		mapped(v->src_h, p);
		diag_msg(&f, 7, AF_INET6, 8 /* CLOSE_WAIT */, v->dport,
			 v->sport, l, p, 12);
		assert_int_equal(parse(&f, f.len, 7, &h, UINT64_MAX, &acc), 0);
		for (n = 1; n <= v->total; n++)
			assert_int_equal(acc.count[n - 1],
					 n == v->node ? 2 : 0);
		assert_int_equal(acc.sockets, 2);
		/* numbers not asked for are not counted, still seen */
		memset(&acc, 0, sizeof(acc));
		assert_int_equal(parse(&f, f.len, 7, &h,
				       ~(UINT64_C(1) << (v->node - 1)), &acc),
				 0);
		assert_int_equal(acc.count[v->node - 1], 0);
		assert_int_equal(acc.sockets, 2);
	}
}

static void
test_diag_parse_filter(void **state)
{
	struct vs_hash_cfg h = {
		.vip = t_net32(T_VIP_H),
		.total_nodes = 1,
		.mode = VS_HASH_SIP_SPT,
	};
	uint32_t l[4], p[4], l6[4] = {0x20010db8, 0, 0, 1},
			     p6[4] = {0x20010db8, 0, 0, 2};
	struct vs_move_diag_acc acc;
	struct tframe f;
	unsigned int st;

	(void)state;
	memset(&f, 0, sizeof(f));
	memset(&acc, 0, sizeof(acc));
	v4(T_VIP_H, l);
	v4(T_CLIENT_H, p);
	/* every TCP state: counted but LISTEN, TIME_WAIT, CLOSE */
	for (st = 1; st <= 12; st++)
		diag_msg(&f, 1, AF_INET, (uint8_t)st, 80, 1234, l, p, 0);
	assert_int_equal(parse(&f, f.len, 1, &h, 1, &acc), 0);
	assert_int_equal(acc.count[0], 9);
	assert_int_equal(acc.skipped, 3);
	/* another local address, a true IPv6 socket, a mapped socket of
	 * another address, a mapped local with a v6 peer: skipped */
	memset(&f, 0, sizeof(f));
	memset(&acc, 0, sizeof(acc));
	v4(T_HOST_H, l);
	diag_msg(&f, 1, AF_INET, 1, 80, 1234, l, p, 0);
	diag_msg(&f, 1, AF_INET6, 1, 80, 1234, l6, p6, 0);
	mapped(T_HOST_H, l);
	mapped(T_CLIENT_H, p);
	diag_msg(&f, 1, AF_INET6, 1, 80, 1234, l, p, 0);
	mapped(T_VIP_H, l);
	diag_msg(&f, 1, AF_INET6, 1, 80, 1234, l, p6, 0);
	diag_msg(&f, 1, 17 /* AF_PACKET */, 1, 80, 1234, l, p, 0);
	/* another request's answer: ignored altogether */
	v4(T_VIP_H, l);
	v4(T_CLIENT_H, p);
	diag_msg(&f, 2, AF_INET, 1, 80, 1234, l, p, 0);
	done_msg(&f, 1, 0);
	assert_int_equal(parse(&f, f.len, 1, &h, 1, &acc), 1);
	assert_int_equal(acc.count[0], 0);
	assert_int_equal(acc.skipped, 5);
	assert_int_equal(acc.sockets, 0);
}

static void
test_diag_parse_errors(void **state)
{
	struct vs_hash_cfg h = {
		.vip = t_net32(T_VIP_H),
		.total_nodes = 3,
		.mode = VS_HASH_SIP_SPT,
	};
	uint32_t l[4], p[4];
	struct vs_move_diag_acc acc;
	struct tframe f, g;
	uint32_t len;
	int rc;

	(void)state;
	v4(T_VIP_H, l);
	v4(T_CLIENT_H, p);
	/* two messages then DONE; every cut is refused or incomplete */
	memset(&f, 0, sizeof(f));
	diag_msg(&f, 5, AF_INET, 1, 80, 1, l, p, 3); /* 91: padded 92 */
	tf_fill(&f, 0, 1);
	diag_msg(&f, 5, AF_INET, 1, 80, 2, l, p, 0);
	done_msg(&f, 5, 0);
	memset(&acc, 0, sizeof(acc));
	assert_int_equal(parse(&f, f.len, 5, &h, 7, &acc), 1);
	assert_int_equal(acc.sockets, 2);
	for (len = 0; len < f.len; len++) {
		memset(&acc, 0, sizeof(acc));
		rc = parse(&f, len, 5, &h, 7, &acc);
		/* whole messages so far: 0 (more to come), else refused */
		if (len == 0 || len == 91 || len == 92 || len == 92 + 88)
			assert_int_equal(rc, 0);
		else
			assert_int_equal(rc, -EBADMSG);
	}
	/* a message shorter than an inet_diag_msg */
	memset(&g, 0, sizeof(g));
	tf_le32(&g, 16 + 20);
	tf_le16(&g, 20);
	tf_le16(&g, 2);
	tf_le32(&g, 5);
	tf_le32(&g, 0);
	tf_fill(&g, 0, 20);
	assert_int_equal(parse(&g, g.len, 5, &h, 7, &acc), -EBADMSG);
	/* a length below the header */
	memset(&g, 0, sizeof(g));
	tf_le32(&g, 8);
	tf_fill(&g, 0, 12);
	assert_int_equal(parse(&g, g.len, 5, &h, 7, &acc), -EBADMSG);
	/* the kernel's error */
	memset(&g, 0, sizeof(g));
	tf_le32(&g, 16 + 4 + 16);
	tf_le16(&g, 2); /* NLMSG_ERROR */
	tf_le16(&g, 0);
	tf_le32(&g, 5);
	tf_le32(&g, 0);
	tf_le32(&g, (uint32_t)-EPERM);
	tf_fill(&g, 0, 16);
	assert_int_equal(parse(&g, g.len, 5, &h, 7, &acc), -EPERM);
	/* an acknowledgement (error 0): not an answer to a dump */
	g.b[16] = g.b[17] = g.b[18] = g.b[19] = 0;
	assert_int_equal(parse(&g, g.len, 5, &h, 7, &acc), -EBADMSG);
	/* the dump's own error in DONE, and an interrupted dump */
	memset(&g, 0, sizeof(g));
	done_msg(&g, 5, -EINTR);
	assert_int_equal(parse(&g, g.len, 5, &h, 7, &acc), -EINTR);
	memset(&g, 0, sizeof(g));
	done_msg(&g, 5, -65536); /* not an errno: refused as such */
	assert_int_equal(parse(&g, g.len, 5, &h, 7, &acc), -EBADMSG);
	memset(&g, 0, sizeof(g));
	diag_msg(&g, 5, AF_INET, 1, 80, 1, l, p, 0);
	g.b[6] |= 0x10; /* NLM_F_DUMP_INTR */
	assert_int_equal(parse(&g, g.len, 5, &h, 7, &acc), -EINTR);
	/* noise of another type is skipped */
	memset(&g, 0, sizeof(g));
	tf_le32(&g, 16);
	tf_le16(&g, 1); /* NLMSG_NOOP */
	tf_le16(&g, 0);
	tf_le32(&g, 5);
	tf_le32(&g, 0);
	done_msg(&g, 5, 0);
	assert_int_equal(parse(&g, g.len, 5, &h, 7, &acc), 1);
}

/* Fuzz-ish: random bytes never read beyond the buffer (ASan). */
static void
test_diag_parse_random(void **state)
{
	struct vs_hash_cfg h = {
		.vip = t_net32(T_VIP_H),
		.total_nodes = 5,
		.mode = VS_HASH_SIP_SPT_DPT,
	};
	struct vs_move_diag_acc acc;
	struct tframe f;
	unsigned int i, j;

	(void)state;
	for (i = 0; i < 20000; i++) {
		uint32_t l[4], p[4];
		uint32_t len;

		memset(&f, 0, sizeof(f));
		v4(T_VIP_H, l);
		v4(t_rand32(), p);
		diag_msg(&f, 1, AF_INET, 1, 80, (uint16_t)t_rand32(), l, p, 0);
		diag_msg(&f, 1, AF_INET6, 1, 80, 2, l, p, 0);
		for (j = 0; j < 4; j++)
			f.b[t_rand32() % f.len] = (uint8_t)t_rand32();
		len = t_rand32() % (f.len + 1);
		memset(&acc, 0, sizeof(acc));
		(void)parse(&f, len, 1, &h, UINT64_MAX, &acc);
		assert_true(acc.sockets + acc.skipped <= 2);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame_of),
		cmocka_unit_test(test_frame_of_icmp),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_life_cycle),
		cmocka_unit_test(test_timeouts),
		cmocka_unit_test(test_flood_small),
		cmocka_unit_test(test_flood_large),
		cmocka_unit_test(test_sweep),
		cmocka_unit_test(test_generations),
		cmocka_unit_test(test_accept_roles),
		cmocka_unit_test(test_ctl_init),
		cmocka_unit_test(test_ctl_drain),
		cmocka_unit_test(test_ctl_add_del),
		cmocka_unit_test(test_ctl_tick_fill),
		cmocka_unit_test(test_ctl_drain_end_diag),
		cmocka_unit_test(test_ctl_drain_end_rules),
		cmocka_unit_test(test_ctl_events),
		cmocka_unit_test(test_ctl_random),
		cmocka_unit_test(test_diag_request),
		cmocka_unit_test(test_diag_parse_vectors),
		cmocka_unit_test(test_diag_parse_filter),
		cmocka_unit_test(test_diag_parse_errors),
		cmocka_unit_test(test_diag_parse_random),
	};

	t_seed("test_move");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
