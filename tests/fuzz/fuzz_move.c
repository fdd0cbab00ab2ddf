/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: hitless moves (lib/move). Two nodes, A (holds every
 * number at first) and B (holds none), one worker each, driven by a
 * script:
 *
 *   byte 0  bits 0-2: N - 1 (N = 1..8); bit 3: entries per move 16 (else
 *           64); bits 4-5: how a drain ends (enum vs_move_end, 3 = DIAG)
 *   then records, each one op byte (op & 7) and its operands:
 *     0  a frame of a flow from small pools (so flows meet in buckets):
 *        address (1), port (1), kind and flags (1); op bit 3: A misses
 *        it, bit 4: B misses it; through each node's data path
 *     1  time passes: dt (2 bytes) ms, then both control ticks with what
 *        the other node holds now, A's inet_diag answered from a byte
 *        (an error when 0xff), and a sweep
 *     2  a command on A, 3 on B: number (1), command (op bits 3-4: drain,
 *        add, del), drain timeout (1, x 100 ms)
 *     4  raw bytes (len 2 + bytes) to the inet_diag parser
 *     5  raw bytes (len 2 + bytes) as a frame: parser, the move's view
 *        of it, decided by A's table
 *     6  an inet_diag request built and its header read back
 *
 * Checked on every input (abort() otherwise): the ownership set and the
 * view always agree with the states (disjoint, tags naming the number's
 * slot and role, slots never shared); a node accepts no frame of a number
 * it does not hold and every frame of one it owns; tables stay within
 * their bounds and their counters add up; inserting a flow never removes
 * a live established entry; and while A's drain and B's fill of a number
 * began at the same moment and neither has missed a frame of it since,
 * exactly one of them accepts each of its frames (identical tables sort
 * identically). The parser's counts never exceed the messages it read.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "vs_fuzz.h"
#include "vs_move.h"

#define NODES 2
#define NMAX 8

struct fnode {
	struct vs_move_table *t;
	struct vs_move_pool pool;
	struct vs_own own;
	struct vs_move_vip mv;
};

static struct fnode nd[NODES];
static struct vs_move_table *scratch; /* op 5's frames: not the nodes' */
static struct vs_hash_cfg hcfg;
static struct vs_vipmap vmap; /* hcfg.vip alone */
/* per number: A's drain and B's fill began together (no frame of it in
 * between), and neither node missed a frame of it since */
static bool twin[NMAX + 1];
static uint64_t drain_at[NMAX + 1];
static bool frames_since_drain[NMAX + 1];

static void
check_node(const struct fnode *n, uint64_t now)
{
	uint64_t o, d, f, own = vs_own_load(&n->own), busy = 0;
	uint64_t moving = vs_move_view_moving(&n->mv.view);
	unsigned int k, s;

	vs_move_masks(&n->mv, &o, &d, &f);
	CHECK(own == o);
	CHECK(moving == (d | f));
	CHECK((own & moving) == 0 && (d & f) == 0);
	CHECK((n->mv.view.unfilled & ~d) == 0);
	for (k = 1; k <= n->mv.total_nodes; k++) {
		const struct vs_move_num *nm = &n->mv.num[k - 1];
		uint64_t tg = n->mv.view.tag[k - 1];

		CHECK(nm->state <= VS_MOVE_PENDING);
		if (!((moving >> (k - 1)) & 1))
			continue;
		CHECK((tg & VS_MOVE_TAG_SLOT) == nm->slot);
		CHECK(tg >> VS_MOVE_TAG_GEN_SHIFT == nm->gen);
		CHECK(!!(tg & VS_MOVE_TAG_FILL) == ((f >> (k - 1)) & 1));
		CHECK(!((busy >> nm->slot) & 1));
		busy |= UINT64_C(1) << nm->slot;
		CHECK(nm->gen >= 1 && nm->gen < n->pool.next_gen);
	}
	CHECK(busy == n->pool.busy);
	for (s = 0; s < vs_move_table_slots(n->t); s++) {
		const struct vs_move_stats *st =
			vs_move_table_stats(n->t, s, NULL);
		struct vs_move_usage u;

		CHECK(st->frames == st->new_frames + st->old_tcp + st->other);
		CHECK(st->refs <= st->new_frames + st->old_tcp);
		CHECK(st->syn_before_fill <= st->new_flows + st->syn_again);
		CHECK(vs_move_table_usage(n->t, s, now, &u) == 0);
		CHECK(u.embryonic + u.established + u.closing + u.expired <=
		      vs_move_table_cap(n->t));
	}
}

/* One node's data path for a frame; *held: the number is held at all. */
static bool
rx(struct fnode *n, const struct vs_move_frame *f, unsigned int k, uint64_t now)
{
	uint64_t own = vs_own_load(&n->own);
	uint64_t moving = vs_move_view_moving(&n->mv.view);
	struct vs_move_usage before, after;
	unsigned int slot = n->mv.num[k - 1].slot;
	uint64_t gen;
	bool syn, acc;

	if (!vs_own_has(own | moving, k))
		return false;
	if (vs_own_has(own, k))
		return true;
	syn = f->kind == VS_MOVE_TCP &&
	      (f->flags & (VS_MOVE_SYN | VS_MOVE_ACK | VS_MOVE_RST |
			   VS_MOVE_FIN)) == VS_MOVE_SYN;
	vs_move_table_usage(n->t, slot, now, &before);
	vs_move_table_stats(n->t, slot, &gen);
	acc = vs_move_accept(n->t, &n->mv.view, k, f, now);
	vs_move_table_usage(n->t, slot, now, &after);
	/* an insert evicts embryonic or closing entries, never a live
	 * established one (unless the slot was just reset for this move:
	 * then it starts empty) */
	if (syn && gen == n->mv.num[k - 1].gen)
		CHECK(after.established >= before.established);
	return acc;
}

static struct vs_move_peers
peers_of(unsigned int i)
{
	struct vs_move_peers p = {.known = true};

	vs_move_masks(&nd[1 - i].mv, &p.owned, &p.draining, &p.filling);
	return p;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vs_fuzz_in in = {data, size};
	struct vs_move_table_cfg tc;
	struct vs_move_event ev[VS_MOVE_EVENTS_MAX];
	struct vs_move_cfg mc;
	uint64_t now = 1000;
	unsigned int nodes, i, k, op;
	uint8_t buf[2048];
	char line[160];
	int rc;

	if (size < 1)
		return 0;
	op = (unsigned int)vs_fuzz_take(&in, 1);
	nodes = 1 + (op & 7);
	vs_move_table_cfg_default(&tc);
	tc.cap = (op & 8) ? 16 : 64;
	tc.slots = 2;
	tc.embryonic_ms = 3000;
	tc.idle_ms = 20000;
	tc.linger_ms = 1000;
	tc.seed = 0x1234; /* the same on both: identical tables */
	vs_move_cfg_default(&mc);
	mc.end = (op >> 4) & 3;
	if (mc.end > VS_MOVE_END_TIMEOUT)
		mc.end = VS_MOVE_END_DIAG;
	mc.idle_ms = 5000;
	mc.other_idle_ms = (op & 0x40) ? 2000 : 0;
	memset(&hcfg, 0, sizeof(hcfg));
	hcfg.vip = 0x6464a8c0;
	vs_vipmap_one(&vmap, hcfg.vip);
	hcfg.total_nodes = (uint16_t)nodes;
	hcfg.mode = VS_HASH_SIP_SPT;
	for (i = 0; i < NODES; i++) {
		CHECK(vs_move_table_create(&tc, &nd[i].t) == 0);
		CHECK(vs_move_pool_init(&nd[i].pool, &nd[i].t, 1) == 0);
		CHECK(vs_own_init(&nd[i].own, nodes,
				  i == 0 ? (UINT64_C(1) << nodes) - 1 : 0) ==
		      0);
		CHECK(vs_move_vip_init(&nd[i].mv, &nd[i].own, &nd[i].pool,
				       &mc) == 0);
	}
	CHECK(vs_move_table_create(&tc, &scratch) == 0);
	memset(twin, 0, sizeof(twin));
	memset(drain_at, 0, sizeof(drain_at));
	memset(frames_since_drain, 0, sizeof(frames_since_drain));

	while (in.n > 0) {
		op = (unsigned int)vs_fuzz_take(&in, 1);
		switch (op & 7) {
		case 0: {
			struct vs_move_frame f;
			bool acc[NODES], seen[NODES];
			unsigned int kf;

			memset(&f, 0, sizeof(f));
			f.key.saddr =
				0xC6330000u + (uint32_t)vs_fuzz_take(&in, 1);
			f.key.sport = (uint16_t)(1000 + vs_fuzz_take(&in, 1));
			f.key.dport = (op & 0x20) ? 443 : 80;
			kf = (unsigned int)vs_fuzz_take(&in, 1);
			f.kind = (uint8_t)(kf % 3);
			f.flags = (uint8_t)(kf >> 2 & 0x3f);
			k = vs_hash_node(&hcfg, &f.key);
			frames_since_drain[k] = true;
			for (i = 0; i < NODES; i++) {
				seen[i] = !((op >> (3 + i)) & 1);
				acc[i] = seen[i] && rx(&nd[i], &f, k, now);
				/* never a number not held; all of an owned */
				if (nd[i].mv.num[k - 1].state == VS_MOVE_NONE ||
				    nd[i].mv.num[k - 1].state ==
					    VS_MOVE_PENDING)
					CHECK(!acc[i]);
				if (seen[i] &&
				    nd[i].mv.num[k - 1].state == VS_MOVE_OWNED)
					CHECK(acc[i]);
			}
			if (twin[k] && (!seen[0] || !seen[1]))
				twin[k] = false;
			if (twin[k])
				CHECK(acc[0] + acc[1] == 1);
			break;
		}
		case 1: {
			struct vs_move_diag_answer a;
			unsigned int c = (unsigned int)vs_fuzz_take(&in, 1);

			now += vs_fuzz_take(&in, 2);
			for (i = 0; i < NODES; i++) {
				struct vs_move_peers p = peers_of(i);
				unsigned int n, e;

				memset(&a, 0, sizeof(a));
				a.asked = vs_move_diag_due(&nd[i].mv, now);
				a.rc = c == 0xff ? -EIO : 0;
				for (n = 0; n < NMAX; n++)
					a.count[n] = (c >> (n & 7)) & 1;
				n = vs_move_tick(&nd[i].mv, &p, &a, now, ev);
				CHECK(n <= nodes);
				for (e = 0; e < n; e++) {
					CHECK(ev[e].node >= 1 &&
					      ev[e].node <= nodes);
					CHECK(vs_move_event_format(
						      &ev[e], line,
						      sizeof(line)) > 0);
					twin[ev[e].node] = false;
				}
				(void)vs_move_table_sweep(nd[i].t, now,
							  op >> 3);
			}
			break;
		}
		case 2:
		case 3: {
			unsigned int who = (op & 7) - 2;
			unsigned int cmd = (op >> 3) & 3;
			uint32_t tmo;
			struct vs_move_peers p = peers_of(who);

			k = 1 + (unsigned int)vs_fuzz_take(&in, 1) % nodes;
			tmo = (uint32_t)vs_fuzz_take(&in, 1) * 100;
			if (cmd == 0)
				rc = vs_move_drain(&nd[who].mv, k, tmo, now,
						   ev);
			else if (cmd == 1)
				rc = vs_move_add(&nd[who].mv, k, &p, now, ev);
			else
				rc = vs_move_del(&nd[who].mv, k, now, ev);
			if (rc >= 0)
				CHECK(vs_move_event_format(&ev[0], line,
							   sizeof(line)) > 0);
			if (rc < 0)
				CHECK(rc == -EINVAL || rc == -ENOENT ||
				      rc == -EALREADY || rc == -EBUSY ||
				      rc == -EEXIST);
			/* twins: B fills K at the very moment A drains it */
			if (rc >= 0)
				twin[k] = false;
			if (who == 0 && cmd == 0 && rc == 0) {
				drain_at[k] = now;
				frames_since_drain[k] = false;
			}
			if (who == 1 && cmd == 1 && rc == VS_MOVE_FILLING &&
			    drain_at[k] == now && !frames_since_drain[k] &&
			    nd[0].mv.num[k - 1].state == VS_MOVE_DRAINING)
				twin[k] = true;
			break;
		}
		case 4: {
			struct vs_move_diag_acc acc;
			size_t len = vs_fuzz_bytes(&in, buf, sizeof(buf));

			memset(&acc, 0, sizeof(acc));
			rc = vs_move_diag_parse(buf, len, op >> 3, &hcfg,
						UINT64_MAX, &acc);
			CHECK(rc <= 1 && rc > -4096);
			CHECK((acc.sockets + acc.skipped) * (16 + 72) <= len);
			for (k = 0; k < VS_MAX_NODES; k++)
				CHECK(k < nodes || acc.count[k] == 0);
			break;
		}
		case 5: {
			struct vs_pkt_info pi;
			struct vs_move_frame mf;
			size_t len = vs_fuzz_bytes(&in, buf, sizeof(buf));
			int cls;

			cls = vs_pkt_parse(buf, (uint32_t)len, &vmap, &pi);
			if (cls != VS_PKT_VIP && cls != VS_PKT_VIP_FRAG &&
			    cls != VS_PKT_VIP_ICMPERR)
				break;
			vs_move_frame_of(buf, (uint32_t)len, &pi, &mf);
			CHECK(mf.kind <= VS_MOVE_TCP_REF);
			CHECK(mf.kind == VS_MOVE_TCP || mf.flags == 0);
			(void)vs_move_classify(scratch,
					       UINT64_C(1) << 16 | (op >> 7),
					       false, &mf, now);
			break;
		}
		case 6: {
			uint32_t v = (uint32_t)vs_fuzz_take(&in, 4);
			int fam = (op & 8)      ? AF_INET6
				  : (op & 0x10) ? 99
						: AF_INET;
			uint32_t l;

			rc = vs_move_diag_request(fam, v, op, buf,
						  (op & 0x20) ? 10
							      : sizeof(buf));
			if (fam == 99)
				CHECK(rc == -EINVAL);
			else if (op & 0x20)
				CHECK(rc == -ENOSPC);
			else {
				CHECK(rc == VS_MOVE_DIAG_REQ_LEN);
				memcpy(&l, buf, 4);
				CHECK(l == VS_MOVE_DIAG_REQ_LEN);
				CHECK(memcmp(buf + rc - 4, &v, 4) == 0);
			}
			break;
		}
		default:
			break;
		}
		for (i = 0; i < NODES; i++)
			check_node(&nd[i], now);
	}
	for (i = 0; i < NODES; i++)
		vs_move_table_free(nd[i].t);
	vs_move_table_free(scratch);
	return 0;
}
