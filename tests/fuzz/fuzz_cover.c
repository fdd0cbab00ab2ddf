/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the coverage monitor (lib/cover). One monitor per
 * input, driven by a script of operations:
 *
 *   byte 0  bit 0: cluster key configured; bit 1: number N external;
 *           bits 2-7: N - 1 (N = 1..64)
 *   then records, each one op byte (op & 3) and its operands:
 *     0  raw frame: len (2 bytes, big-endian) and len bytes (or what is
 *        left) to vs_cover_input
 *     1  announcement built from the next 40 bytes (identity, incarnation,
 *        sequence, masks, interval, counts; our settings or not; signed
 *        with our key, another or none) to vs_cover_input: reaches what
 *        lies behind the HMAC check
 *     2  time passes: dt (2 bytes) ms, frames seen/accepted per number
 *        grow; then vs_cover_tick, vs_cover_compute, vs_cover_diff with
 *        the previous result, vs_cover_json, vs_cover_yield/keeper
 *     3  vs_cover_set_state from 24 bytes (invalid ones refused)
 *
 * Checked on every input (abort() otherwise): parse verdicts are known
 * ones and an accepted frame is valid and survives build -> parse
 * unchanged; a tick's frame parses back with our key; the peer table never
 * exceeds VS_COVER_MAX_PEERS; results are sorted, within 1..N, with
 * acc_min <= acc_max; JSON fits VS_COVER_JSON_MAX and is as long as it
 * says; yields are duplicates we hold; counters add up.
 */
#include <errno.h>
#include <string.h>

#include "vs_cover.h"
#include "vs_fuzz.h"

static const uint8_t key[] = "fuzz-cluster-key-0123456789";
static const uint8_t other_key[] = "another-key-9876543210";
static struct vs_cover_key *kours, *kother;

static uint64_t
mask_of(unsigned int n)
{
	return n >= 64 ? UINT64_MAX : (UINT64_C(1) << n) - 1;
}

static void
check_ann(const struct vs_cover_ann *a, struct vs_cover_key *k)
{
	uint8_t buf[VS_COVER_FRAME_MAX];
	struct rte_ether_addr d = {{0x01, 0, 0x5e, 0, 0, 1}};
	struct vs_cover_ann b;
	int len;

	CHECK(a->total_nodes >= 1 && a->total_nodes <= VS_MAX_NODES);
	CHECK(((a->owned | a->draining | a->filling) &
	       ~mask_of(a->total_nodes)) == 0);
	CHECK(!(a->owned & a->draining) && !(a->owned & a->filling) &&
	      !(a->draining & a->filling));
	CHECK(a->interval_ms >= VS_COVER_INTERVAL_MIN &&
	      a->interval_ms <= VS_COVER_INTERVAL_MAX);
	CHECK(a->hmac == (k != NULL));
	len = vs_cover_build(a, &d, &a->id, k, buf, sizeof(buf));
	CHECK(len > 0 && len <= VS_COVER_FRAME_MAX);
	CHECK(vs_cover_parse(buf, (uint32_t)len, k, &b) == VS_COVER_OK);
	CHECK(memcmp(a, &b, sizeof(b)) == 0);
}

static void
check_result(const struct vs_cover_result *r, const struct vs_cover *c,
	     unsigned int nodes)
{
	static char json[VS_COVER_JSON_MAX];
	struct rte_ether_addr id;
	const struct vs_cover_stats *st = vs_cover_get_stats(c);
	uint64_t all = mask_of(nodes), rej = 0, y;
	unsigned int i;
	int n;

	CHECK(r->n_peers <= VS_COVER_MAX_PEERS);
	CHECK(r->total_nodes == nodes);
	for (i = 1; i < r->n_peers; i++)
		CHECK(memcmp(&r->peers[i - 1].id, &r->peers[i].id, 6) < 0);
	CHECK(((r->duplicates | r->holes | r->black_holed |
		r->double_accepted) &
	       ~all) == 0);
	for (i = 0; i < nodes; i++)
		CHECK(r->acc_min[i] <= r->acc_max[i]);
	for (i = nodes; i < VS_MAX_NODES; i++)
		CHECK(r->seen[i] == 0 && r->acc_max[i] == 0);
	n = vs_cover_json(r, json, sizeof(json));
	CHECK(n > 0 && (size_t)n == strlen(json));
	CHECK(json[0] == '{' && json[n - 1] == '}');
	y = vs_cover_yield(r);
	CHECK((y & ~r->duplicates) == 0);
	CHECK((y & ~(r->owned | r->draining | r->filling)) == 0);
	for (i = 1; i <= nodes; i++) {
		n = vs_cover_keeper(r, i, &id);
		CHECK(n == 0 || n == 1 || n == -ENOENT);
	}
	CHECK(vs_cover_keeper(r, nodes + 1, &id) == -EINVAL);
	for (i = 1; i < VS_COVER_VERDICT_MAX; i++)
		rej += st->rejected[i];
	CHECK(st->received == st->accepted + rej);
	CHECK(st->rejected[0] == 0);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	CHECK(vs_cover_key_create(key, sizeof(key) - 1, &kours) == 0);
	CHECK(vs_cover_key_create(other_key, sizeof(other_key) - 1, &kother) ==
	      0);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vs_cover_result res[2];
	static struct vs_cover_event ev[VS_COVER_EVENTS_MAX];
	static uint64_t seen[VS_MAX_NODES], acc[VS_MAX_NODES];
	struct vs_fuzz_in in = {data, size};
	struct vs_cover_cfg cfg;
	struct vs_cover_ann a;
	struct vs_cover *c;
	uint8_t buf[VS_COVER_FRAME_MAX + 64];
	uint64_t t = 1000, o, d, f;
	unsigned int nodes, cur = 0, i, ne, op;
	enum vs_cover_verdict v;
	char line[64];
	bool keyed;
	int len;

	if (size < 1)
		return 0;
	o = vs_fuzz_take(&in, 1);
	keyed = o & 1;
	nodes = (unsigned int)(o >> 2) + 1;
	memset(&cfg, 0, sizeof(cfg));
	cfg.hash.vip = 0x6464a8c0; /* 192.168.100.100 as in memory */
	cfg.hash.total_nodes = (uint16_t)nodes;
	cfg.hash.mode = VS_HASH_SIP_SPT;
	cfg.cluster_mac =
		(struct rte_ether_addr){{0x01, 0, 0x5e, 0x28, 0x64, 0x64}};
	cfg.node_id = (struct rte_ether_addr){{0x02, 0, 0, 0, 0, 0x01}};
	cfg.incarnation = 0x1001;
	cfg.seq0 = 1;
	cfg.interval_ms = 200;
	cfg.external = (o & 2) ? UINT64_C(1) << (nodes - 1) : 0;
	if (keyed) {
		cfg.key = key;
		cfg.key_len = sizeof(key) - 1;
	}
	CHECK(vs_cover_create(&cfg, &c) == 0);
	CHECK(vs_cover_set_state(c, 1, 0, 0) == 0);
	memset(res, 0, sizeof(res));
	memset(seen, 0, sizeof(seen));
	memset(acc, 0, sizeof(acc));

	while (in.n > 0) {
		op = (unsigned int)vs_fuzz_take(&in, 1);
		switch (op & 3) {
		case 0:
			len = (int)vs_fuzz_bytes(&in, buf, sizeof(buf));
			v = vs_cover_parse(buf, (uint32_t)len,
					   keyed ? kours : NULL, &a);
			CHECK(v < VS_COVER_VERDICT_MAX);
			if (v == VS_COVER_OK)
				check_ann(&a, keyed ? kours : NULL);
			v = vs_cover_input(c, buf, (uint32_t)len, t);
			CHECK(v < VS_COVER_VERDICT_MAX);
			break;
		case 1:
			memset(&a, 0, sizeof(a));
			a.vip = (op & 0x80) ? 0x0100000a : cfg.hash.vip;
			a.total_nodes =
				(op & 0x40)
					? (uint16_t)(1 +
						     vs_fuzz_take(&in, 1) % 64)
					: (uint16_t)nodes;
			a.digest = (op & 0x20)
					   ? vs_fuzz_take(&in, 1)
					   : vs_cover_digest(&cfg.hash,
							     &cfg.cluster_mac);
			a.id = (struct rte_ether_addr){{0x02, 0, 0, 0, 0, 0}};
			a.id.addr_bytes[4] =
				(uint8_t)vs_fuzz_take(&in, 1) & 0x3;
			a.id.addr_bytes[5] = (uint8_t)vs_fuzz_take(&in, 1);
			a.incarnation = vs_fuzz_take(&in, 1);
			a.seq = vs_fuzz_take(&in, 2);
			a.interval_ms = VS_COVER_INTERVAL_MIN +
					(uint32_t)vs_fuzz_take(&in, 2) % 2000;
			o = vs_fuzz_take(&in, 8) & mask_of(a.total_nodes);
			d = vs_fuzz_take(&in, 8) & mask_of(a.total_nodes) & ~o;
			f = vs_fuzz_take(&in, 8) & mask_of(a.total_nodes) & ~o &
			    ~d;
			a.owned = o;
			a.draining = d;
			a.filling = f;
			a.period_ms = (uint32_t)vs_fuzz_take(&in, 2);
			for (i = 0; i < a.total_nodes; i++)
				a.accepted[i] =
					(uint32_t)(vs_fuzz_take(&in, 1) *
						   (i + 1) * 97);
			i = (op >> 2) & 3; /* 0, 1: our key; 2 other; 3 none */
			len = vs_cover_build(&a, &cfg.cluster_mac, &a.id,
					     i == 3   ? NULL
					     : i == 2 ? kother
						      : kours,
					     buf, sizeof(buf));
			CHECK(len > 0);
			v = vs_cover_input(c, buf, (uint32_t)len, t);
			CHECK(v < VS_COVER_VERDICT_MAX);
			if (keyed && i == 2)
				CHECK(v == VS_COVER_REJ_BAD_HMAC);
			if (keyed != (i < 2) && i != 2)
				CHECK(v != VS_COVER_OK);
			break;
		case 2:
			t += vs_fuzz_take(&in, 2);
			for (i = 0; i < nodes; i++) {
				uint64_t s = (op >> 2) * (i + 3);

				seen[i] += s;
				acc[i] += (op & 0x80) ? 2 * s : (i & 1) ? s : 0;
			}
			len = vs_cover_tick(c, t, seen, acc, buf, sizeof(buf));
			CHECK(len >= 0);
			if (len > 0) {
				CHECK(vs_cover_parse(buf, (uint32_t)len,
						     keyed ? kours : NULL,
						     &a) == VS_COVER_OK);
				CHECK(a.total_nodes == nodes);
			}
			vs_cover_compute(c, t, &res[cur ^ 1]);
			check_result(&res[cur ^ 1], c, nodes);
			ne = vs_cover_diff(&res[cur], &res[cur ^ 1], ev,
					   VS_COVER_EVENTS_MAX);
			CHECK(ne <= VS_COVER_EVENTS_MAX);
			for (i = 0; i < ne; i++)
				CHECK(vs_cover_event_format(&ev[i], line,
							    sizeof(line)) > 0);
			cur ^= 1;
			break;
		case 3:
			o = vs_fuzz_take(&in, 8);
			d = vs_fuzz_take(&in, 8);
			f = vs_fuzz_take(&in, 8);
			if (vs_cover_set_state(c, o, d, f) == 0)
				CHECK(((o | d | f) & ~mask_of(nodes)) == 0);
			break;
		}
	}
	vs_cover_compute(c, t, &res[0]);
	check_result(&res[0], c, nodes);
	vs_cover_free(c);
	return 0;
}
