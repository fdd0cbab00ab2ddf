/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Coverage monitor (lib/cover): the announcement frame byte by byte (built
 * here from the documented layout, digests and HMAC checked against
 * vectors computed independently with Python's hashlib/hmac), every
 * rejection reason, replay rules, the peer table's bounds and liveness,
 * duplicates/holes/mismatch, the tie-break, events and the JSON contract.
 */
#include <errno.h>

#include "vs_test.h"
#include "vs_cover.h"

#define KEY "0123456789abcdef-cluster-key"
#define KEY_LEN (sizeof(KEY) - 1)
#define SEQ0 UINT64_C(1700000000000)

static struct vs_cover_key *tkey;   /* KEY */
static struct vs_cover_key *tother; /* another key */

static int
keys_setup(void **state)
{
	(void)state;
	assert_int_equal(
		vs_cover_key_create((const uint8_t *)KEY, KEY_LEN, &tkey), 0);
	assert_int_equal(
		vs_cover_key_create((const uint8_t *)"another-key-0123456", 19,
				    &tother),
		0);
	return 0;
}

static int
keys_teardown(void **state)
{
	(void)state;
	vs_cover_key_free(tkey);
	vs_cover_key_free(tother);
	return 0;
}

static void
tf_be64(struct tframe *f, uint64_t v)
{
	tf_be32(f, (uint32_t)(v >> 32));
	tf_be32(f, (uint32_t)v);
}

static struct rte_ether_addr
mac(uint8_t last)
{
	struct rte_ether_addr m = {{0x02, 0x00, 0x00, 0x00, 0x00, last}};

	return m;
}

static struct rte_ether_addr
cluster_mac(void)
{
	struct rte_ether_addr m = {{0x01, 0x00, 0x5e, 0x28, 0x64, 0x64}};

	assert_memory_equal(m.addr_bytes, t_mac_cluster, 6);
	return m;
}

static void
cfg_init(struct vs_cover_cfg *c, uint8_t id, unsigned int n, bool key)
{
	memset(c, 0, sizeof(*c));
	c->hash.vip = t_net32(T_VIP_H);
	c->hash.total_nodes = (uint16_t)n;
	c->hash.mode = VS_HASH_SIP_SPT;
	c->hash.compat = VS_COMPAT_CLUSTERIP;
	c->cluster_mac = cluster_mac();
	c->node_id = mac(id);
	c->incarnation = 0x1000 + id;
	c->seq0 = SEQ0 + id;
	c->interval_ms = 200;
	if (key) {
		c->key = (const uint8_t *)KEY;
		c->key_len = KEY_LEN;
	}
}

static struct vs_cover *
monitor(uint8_t id, unsigned int n, bool key)
{
	struct vs_cover_cfg cfg;
	struct vs_cover *c = NULL;

	cfg_init(&cfg, id, n, key);
	assert_int_equal(vs_cover_create(&cfg, &c), 0);
	return c;
}

/* An announcement as another node would send it, settings as cfg_init. */
static void
ann_init(struct vs_cover_ann *a, uint8_t id, unsigned int n)
{
	struct vs_hash_cfg h = {
		.vip = t_net32(T_VIP_H),
		.total_nodes = (uint16_t)n,
		.mode = VS_HASH_SIP_SPT,
		.compat = VS_COMPAT_CLUSTERIP,
	};
	struct rte_ether_addr cm = cluster_mac();

	memset(a, 0, sizeof(*a));
	a->vip = h.vip;
	a->total_nodes = (uint16_t)n;
	a->interval_ms = 200;
	a->digest = vs_cover_digest(&h, &cm);
	a->id = mac(id);
	a->incarnation = 0x1000 + id;
	a->seq = SEQ0 + id;
}

/* Through the frame: build (signed or not) and vs_cover_input. */
static enum vs_cover_verdict
feed(struct vs_cover *c, const struct vs_cover_ann *a, bool key, uint64_t t)
{
	uint8_t buf[VS_COVER_FRAME_MAX];
	struct rte_ether_addr cm = cluster_mac();
	int len;

	len = vs_cover_build(a, &cm, &a->id, key ? tkey : NULL, buf,
			     sizeof(buf));
	assert_true(len > 0);
	return vs_cover_input(c, buf, (uint32_t)len, t);
}

/* ------------------------------------------------------------------ */
/* Frame */

static void
test_digest(void **state)
{
	struct vs_hash_cfg h = {
		.vip = t_net32(T_VIP_H),
		.total_nodes = 3,
		.mode = VS_HASH_SIP_SPT,
		.compat = VS_COMPAT_CLUSTERIP,
	};
	struct rte_ether_addr cm = cluster_mac();
	struct rte_ether_addr cm2 = {{0x01, 0x00, 0x5e, 0x00, 0x00, 0x01}};
	struct vs_hash_cfg x;
	uint64_t d;

	(void)state;
	/* Python: sha256(b"VSD1" + vip + pack(">HBBI", N, mode, compat,
	 * seed) + mac)[:8] */
	d = vs_cover_digest(&h, &cm);
	assert_true(d == UINT64_C(0x873d6db0dc8cf813));
	x = h;
	x.compat = VS_COMPAT_NFT;
	assert_true(vs_cover_digest(&x, &cm) == UINT64_C(0x88a81f461a98f733));
	x.mode = VS_HASH_SIP; /* nft ignores the mode: same digest */
	assert_true(vs_cover_digest(&x, &cm) == UINT64_C(0x88a81f461a98f733));
	x.vip = t_net32(0x0A000001);
	x.total_nodes = 64;
	x.mode = VS_HASH_SIP_SPT_DPT;
	x.compat = VS_COMPAT_CLUSTERIP;
	x.hash_init = 0x1234abcd;
	assert_true(vs_cover_digest(&x, &cm2) == UINT64_C(0xe0f3cf588953d201));
	/* each setting changes it */
	x = h;
	x.vip ^= 1;
	assert_true(vs_cover_digest(&x, &cm) != d);
	x = h;
	x.total_nodes = 4;
	assert_true(vs_cover_digest(&x, &cm) != d);
	x = h;
	x.mode = VS_HASH_SIP;
	assert_true(vs_cover_digest(&x, &cm) != d);
	x = h;
	x.hash_init = 1;
	assert_true(vs_cover_digest(&x, &cm) != d);
	assert_true(vs_cover_digest(&h, &cm2) != d);
}

/* The frame of docs/design.md, written field by field. */
static void
expected_frame(struct tframe *f, bool hmac)
{
	static const uint8_t id[6] = {0x02, 0, 0, 0, 0, 0x01};
	static const uint8_t digest[8] = {0x87, 0x3d, 0x6d, 0xb0,
					  0xdc, 0x8c, 0xf8, 0x13};

	tf_eth(f, t_mac_cluster, id, NULL, 0, 0x88B5);
	tf_be16(f, 0x5653);     /* "VS" */
	tf_u8(f, 1);            /* version */
	tf_u8(f, hmac ? 1 : 0); /* flags */
	tf_be16(f, 76 + 12 + (hmac ? 32 : 0));
	tf_u8(f, 3); /* N */
	tf_u8(f, 0);
	tf_be32(f, T_VIP_H);
	tf_be32(f, 200); /* interval */
	tf_bytes(f, digest, 8);
	tf_bytes(f, id, 6);
	tf_be16(f, 0);
	tf_be64(f, UINT64_C(0x0123456789abcdef));
	tf_be64(f, SEQ0);
	tf_be64(f, 1);   /* owned {1} */
	tf_be64(f, 2);   /* draining {2} */
	tf_be64(f, 4);   /* filling {3} */
	tf_be32(f, 201); /* period */
	tf_be32(f, 10);
	tf_be32(f, 20);
	tf_be32(f, 30);
}

static void
vector_ann(struct vs_cover_ann *a)
{
	ann_init(a, 1, 3);
	a->incarnation = UINT64_C(0x0123456789abcdef);
	a->seq = SEQ0;
	a->owned = 1;
	a->draining = 2;
	a->filling = 4;
	a->period_ms = 201;
	a->accepted[0] = 10;
	a->accepted[1] = 20;
	a->accepted[2] = 30;
}

static void
test_build_layout(void **state)
{
	/* Python: hmac.new(KEY, b"\x88\xb5" + payload, sha256) */
	static const uint8_t mac_vec[32] = {
		0x13, 0x22, 0x1a, 0x0b, 0x29, 0xf3, 0x2c, 0x54,
		0xb8, 0x3a, 0xfa, 0x5a, 0x99, 0x0e, 0xc2, 0x0c,
		0x85, 0x15, 0x4e, 0xde, 0xdb, 0x4c, 0xcb, 0xf6,
		0xef, 0x58, 0xfc, 0xf0, 0x79, 0xc2, 0x25, 0xb9,
	};
	struct rte_ether_addr cm = cluster_mac(), src = mac(1);
	struct vs_cover_ann a;
	struct tframe f;
	uint8_t buf[VS_COVER_FRAME_MAX];
	int len;

	(void)state;
	vector_ann(&a);
	expected_frame(&f, false);
	len = vs_cover_build(&a, &cm, &src, NULL, buf, sizeof(buf));
	assert_int_equal(len, 14 + 88);
	assert_int_equal(f.len, 14 + 88);
	assert_memory_equal(buf, f.b, f.len);

	expected_frame(&f, true);
	tf_bytes(&f, mac_vec, 32);
	len = vs_cover_build(&a, &cm, &src, tkey, buf, sizeof(buf));
	assert_int_equal(len, 14 + 120);
	assert_int_equal(f.len, 14 + 120);
	assert_memory_equal(buf, f.b, f.len);

	/* no room: -ENOSPC, bad fields: -EINVAL */
	assert_int_equal(vs_cover_build(&a, &cm, &src, NULL, buf, 101),
			 -ENOSPC);
	a.owned = 3; /* overlaps draining */
	assert_int_equal(vs_cover_build(&a, &cm, &src, NULL, buf, sizeof(buf)),
			 -EINVAL);
	vector_ann(&a);
	a.filling = 8; /* node 4 of 3 */
	assert_int_equal(vs_cover_build(&a, &cm, &src, NULL, buf, sizeof(buf)),
			 -EINVAL);
	vector_ann(&a);
	a.interval_ms = VS_COVER_INTERVAL_MIN - 1;
	assert_int_equal(vs_cover_build(&a, &cm, &src, NULL, buf, sizeof(buf)),
			 -EINVAL);
	/* the largest frame fits VS_COVER_FRAME_MAX exactly */
	ann_init(&a, 1, 64);
	len = vs_cover_build(&a, &cm, &src, tkey, buf, sizeof(buf));
	assert_int_equal(len, VS_COVER_FRAME_MAX);
}

/* Parse an exact-size heap copy: ASan catches any read beyond len. */
static enum vs_cover_verdict
parse_copy(const uint8_t *b, uint32_t len, bool key, struct vs_cover_ann *a)
{
	uint8_t *p = malloc(len ? len : 1);
	enum vs_cover_verdict v;

	assert_non_null(p);
	memcpy(p, b, len);
	v = vs_cover_parse(p, len, key ? tkey : NULL, a);
	free(p);
	return v;
}

static void
test_parse_roundtrip(void **state)
{
	static const uint16_t tpids[2] = {0x88A8, 0x8100};
	struct rte_ether_addr cm = cluster_mac(), src = mac(1);
	struct vs_cover_ann a, b;
	struct tframe f;
	uint8_t buf[VS_COVER_FRAME_MAX];
	int len, k, tags;

	(void)state;
	for (k = 0; k < 2; k++) {
		vector_ann(&a);
		len = vs_cover_build(&a, &cm, &src, k ? tkey : NULL, buf,
				     sizeof(buf));
		assert_true(len > 0);
		assert_int_equal(parse_copy(buf, (uint32_t)len, k, &b),
				 VS_COVER_OK);
		a.hmac = k;
		assert_memory_equal(&a, &b, sizeof(a));
		/* Ethernet padding after it is ignored */
		memcpy(f.b, buf, (size_t)len);
		memset(f.b + len, 0xee, 20);
		assert_int_equal(parse_copy(f.b, (uint32_t)len + 20, k, &b),
				 VS_COVER_OK);
		/* one and two VLAN tags: the HMAC covers from our ethertype */
		for (tags = 1; tags <= 2; tags++) {
			tf_eth(&f, t_mac_cluster, src.addr_bytes,
			       tpids + 2 - tags, (unsigned int)tags, 0x88B5);
			tf_bytes(&f, buf + 14, (size_t)len - 14);
			assert_int_equal(parse_copy(f.b, f.len, k, &b),
					 VS_COVER_OK);
			assert_memory_equal(&a, &b, sizeof(a));
		}
	}
	/* three tags: the third is not skipped, so not our ethertype */
	tf_eth(&f, t_mac_cluster, src.addr_bytes, tpids, 2, 0x8100);
	tf_be16(&f, 12);
	tf_be16(&f, 0x88B5);
	tf_bytes(&f, buf + 14, 88);
	assert_int_equal(parse_copy(f.b, f.len, false, &b),
			 VS_COVER_REJ_ETHERTYPE);
}

static void
test_parse_rejects(void **state)
{
	struct rte_ether_addr cm = cluster_mac(), src = mac(1);
	struct vs_cover_ann a, b;
	uint8_t buf[VS_COVER_FRAME_MAX], t[VS_COVER_FRAME_MAX];
	enum vs_cover_verdict v;
	uint32_t len, i;
	int k;

	(void)state;
	for (k = 0; k < 2; k++) {
		vector_ann(&a);
		len = (uint32_t)vs_cover_build(&a, &cm, &src, k ? tkey : NULL,
					       buf, sizeof(buf));
		/* every truncation is rejected, never read beyond */
		for (i = 0; i < len; i++) {
			v = parse_copy(buf, i, k, &b);
			assert_int_equal(v, VS_COVER_REJ_TRUNCATED);
		}
		/* key on one side only */
		assert_int_equal(parse_copy(buf, len, !k, &b),
				 k ? VS_COVER_REJ_UNEXPECTED_HMAC
				   : VS_COVER_REJ_NO_HMAC);
	}
	/* signed frame: any bit flipped from the ethertype on is bad_hmac
	 * (or caught before: ethertype, magic, version, length, N) */
	vector_ann(&a);
	len = (uint32_t)vs_cover_build(&a, &cm, &src, tkey, buf, sizeof(buf));
	for (i = 12; i < len; i++) {
		memcpy(t, buf, len);
		t[i] ^= 0x10;
		v = parse_copy(t, len, true, &b);
		if (i >= 14 + 8 || i == 14 + 7)
			assert_int_equal(v, VS_COVER_REJ_BAD_HMAC);
		else
			assert_int_not_equal(v, VS_COVER_OK);
	}
	/* the Ethernet addresses are outside the HMAC */
	memcpy(t, buf, len);
	t[0] ^= 1;
	t[11] ^= 1;
	assert_int_equal(parse_copy(t, len, true, &b), VS_COVER_OK);
	/* a different key */
	v = vs_cover_parse(buf, len, tother, &b);
	assert_int_equal(v, VS_COVER_REJ_BAD_HMAC);

	/* unsigned frame: each header field */
	len = (uint32_t)vs_cover_build(&a, &cm, &src, NULL, buf, sizeof(buf));
#define MUT(off, val, want)                                            \
	do {                                                           \
		memcpy(t, buf, len);                                   \
		t[14 + (off)] = (val);                                 \
		assert_int_equal(parse_copy(t, len, false, &b), want); \
	} while (0)
	memcpy(t, buf, len);
	t[13] = 0xB6;
	assert_int_equal(parse_copy(t, len, false, &b), VS_COVER_REJ_ETHERTYPE);
	MUT(0, 'W', VS_COVER_REJ_MAGIC);
	MUT(1, 'T', VS_COVER_REJ_MAGIC);
	MUT(2, 0, VS_COVER_REJ_VERSION);
	MUT(2, 2, VS_COVER_REJ_VERSION);
	MUT(5, 87, VS_COVER_REJ_LENGTH); /* length 88 -> 87 */
	MUT(5, 89, VS_COVER_REJ_LENGTH);
	MUT(4, 1, VS_COVER_REJ_LENGTH);    /* 344 */
	MUT(6, 0, VS_COVER_REJ_FIELD);     /* N = 0 */
	MUT(6, 65, VS_COVER_REJ_FIELD);    /* N = 65 */
	MUT(6, 4, VS_COVER_REJ_LENGTH);    /* N = 4 with 3 counts */
	MUT(3, 2, VS_COVER_REJ_FIELD);     /* unknown flag */
	MUT(7, 1, VS_COVER_REJ_FIELD);     /* reserved */
	MUT(31, 1, VS_COVER_REJ_FIELD);    /* reserved */
	MUT(15, 49, VS_COVER_REJ_FIELD);   /* interval 49 ms */
	MUT(55, 3, VS_COVER_REJ_FIELD);    /* owned {1,2} & draining {2} */
	MUT(71, 5, VS_COVER_REJ_FIELD);    /* filling {1,3} & owned {1} */
	MUT(63, 10, VS_COVER_REJ_FIELD);   /* draining {2,4} of 3 */
	MUT(47, 0x10, VS_COVER_OK);        /* seq: any value is fine */
	MUT(24, 0x03, VS_COVER_REJ_FIELD); /* multicast identity */
	memcpy(t, buf, len);
	memset(t + 14 + 24, 0, 6); /* zero identity */
	assert_int_equal(parse_copy(t, len, false, &b), VS_COVER_REJ_FIELD);
	memcpy(t, buf, len);
	t[14 + 14] = 0xEA;
	t[14 + 15] = 0x60; /* interval 60000 ms */
	assert_int_equal(parse_copy(t, len, false, &b), VS_COVER_OK);
	t[14 + 15] = 0x61; /* 60001 ms */
	assert_int_equal(parse_copy(t, len, false, &b), VS_COVER_REJ_FIELD);
#undef MUT
	/* N = 64 claimed in a short frame: the count array is not trusted */
	memcpy(t, buf, len);
	t[14 + 6] = 64;
	t[14 + 4] = (76 + 256) >> 8;
	t[14 + 5] = (76 + 256) & 0xff;
	assert_int_equal(parse_copy(t, len, false, &b), VS_COVER_REJ_TRUNCATED);
	assert_string_equal(vs_cover_verdict_name(VS_COVER_REJ_BAD_HMAC),
			    "bad_hmac");
	assert_string_equal(vs_cover_verdict_name(999), "unknown");
}

/* ------------------------------------------------------------------ */
/* Table and replay */

static void
test_create_invalid(void **state)
{
	struct vs_cover_cfg cfg;
	struct vs_cover *c = NULL;

	(void)state;
	cfg_init(&cfg, 1, 0, false);
	assert_int_equal(vs_cover_create(&cfg, &c), -EINVAL);
	cfg_init(&cfg, 1, 65, false);
	assert_int_equal(vs_cover_create(&cfg, &c), -EINVAL);
	cfg_init(&cfg, 1, 3, false);
	cfg.interval_ms = 49;
	assert_int_equal(vs_cover_create(&cfg, &c), -EINVAL);
	cfg_init(&cfg, 1, 3, false);
	cfg.external = 8;
	assert_int_equal(vs_cover_create(&cfg, &c), -EINVAL);
	cfg_init(&cfg, 1, 3, false);
	cfg.node_id = cluster_mac();
	assert_int_equal(vs_cover_create(&cfg, &c), -EINVAL);
	cfg_init(&cfg, 1, 3, true);
	cfg.key_len = VS_COVER_KEY_MIN - 1;
	assert_int_equal(vs_cover_create(&cfg, &c), -EINVAL);
	cfg_init(&cfg, 1, 3, false);
	cfg.key_len = 20; /* NULL key */
	assert_int_equal(vs_cover_create(&cfg, &c), -EINVAL);
	assert_null(c);
	{
		static const uint8_t big[VS_COVER_KEY_MAX + 1];
		struct vs_cover_key *k = NULL;

		assert_int_equal(vs_cover_key_create(big, 15, &k), -EINVAL);
		assert_int_equal(vs_cover_key_create(big, sizeof(big), &k),
				 -EINVAL);
		assert_int_equal(vs_cover_key_create(NULL, 20, &k), -EINVAL);
		assert_null(k);
		assert_int_equal(vs_cover_key_create(big, sizeof(big) - 1, &k),
				 0);
		vs_cover_key_free(k);
		vs_cover_key_free(NULL);
	}
	c = monitor(1, 3, false);
	assert_int_equal(vs_cover_set_state(c, 1, 1, 0), -EINVAL);
	assert_int_equal(vs_cover_set_state(c, 8, 0, 0), -EINVAL);
	assert_int_equal(vs_cover_set_state(c, 1, 2, 4), 0);
	vs_cover_free(c);
	vs_cover_free(NULL);
}

static void
test_replay(void **state)
{
	struct vs_cover_result r;
	struct vs_cover_ann a;
	const struct vs_cover_stats *st;
	struct vs_cover *c;
	int k;

	(void)state;
	for (k = 0; k < 2; k++) {
		c = monitor(1, 3, k);
		ann_init(&a, 2, 3);
		a.owned = 2;
		assert_int_equal(feed(c, &a, k, 1000), VS_COVER_OK);
		/* the same frame again, or an older one: replay */
		assert_int_equal(feed(c, &a, k, 1010), VS_COVER_REJ_REPLAY);
		a.seq--;
		a.owned = 4;
		assert_int_equal(feed(c, &a, k, 1020), VS_COVER_REJ_REPLAY);
		vs_cover_compute(c, 1020, &r);
		assert_int_equal(r.n_peers, 1);
		assert_true(r.peers[0].owned == 2); /* not acted on */
		a.seq += 2;
		assert_int_equal(feed(c, &a, k, 1200), VS_COVER_OK);
		/* restart: new incarnation, sequence from a later clock */
		ann_init(&a, 2, 3);
		a.incarnation = 0x2222;
		a.seq = SEQ0 + 60000;
		a.owned = 1;
		assert_int_equal(feed(c, &a, k, 1300), VS_COVER_OK);
		vs_cover_compute(c, 1300, &r);
		assert_true(r.peers[0].incarnation == 0x2222);
		/* the old incarnation's frames now: replays while live */
		ann_init(&a, 2, 3);
		a.seq = SEQ0 + 100;
		assert_int_equal(feed(c, &a, k, 1400), VS_COVER_REJ_REPLAY);
		/* once the entry went silent: still with a key; without a
		 * key (nothing to protect) a new incarnation is taken */
		assert_int_equal(feed(c, &a, k, 1300 + 601),
				 k ? VS_COVER_REJ_REPLAY : VS_COVER_OK);
		/* forgotten after VS_COVER_FORGET_MS of silence */
		a.seq = 5;
		a.incarnation = 0x3333;
		assert_int_equal(feed(c, &a, k, 2000 + VS_COVER_FORGET_MS),
				 VS_COVER_OK);
		/* own frame looped back; someone else with our identity */
		ann_init(&a, 1, 3);
		assert_int_equal(feed(c, &a, k, 1000000), VS_COVER_REJ_SELF);
		a.incarnation++;
		assert_int_equal(feed(c, &a, k, 1000000),
				 VS_COVER_REJ_ID_CONFLICT);
		/* another VIP */
		ann_init(&a, 3, 3);
		a.vip = t_net32(T_HOST_H);
		assert_int_equal(feed(c, &a, k, 1000000), VS_COVER_REJ_VIP);
		st = vs_cover_get_stats(c);
		assert_int_equal(st->received, 11);
		assert_int_equal(st->accepted, k ? 4 : 5);
		assert_int_equal(st->rejected[VS_COVER_REJ_REPLAY], k ? 4 : 3);
		assert_int_equal(st->rejected[VS_COVER_REJ_SELF], 1);
		assert_int_equal(st->rejected[VS_COVER_REJ_ID_CONFLICT], 1);
		assert_int_equal(st->rejected[VS_COVER_REJ_VIP], 1);
		vs_cover_free(c);
	}
}

/* Forged frames (another key, or unsigned) are counted, never acted on. */
static void
test_forged(void **state)
{
	struct rte_ether_addr cm = cluster_mac();
	struct vs_cover_result r;
	struct vs_cover_ann a;
	uint8_t buf[VS_COVER_FRAME_MAX];
	struct vs_cover *c;
	int len;

	(void)state;
	c = monitor(1, 3, true);
	ann_init(&a, 2, 3);
	a.owned = 2;
	len = vs_cover_build(&a, &cm, &a.id, tother, buf, sizeof(buf));
	assert_int_equal(vs_cover_input(c, buf, (uint32_t)len, 100),
			 VS_COVER_REJ_BAD_HMAC);
	assert_int_equal(feed(c, &a, false, 100), VS_COVER_REJ_NO_HMAC);
	vs_cover_compute(c, 100, &r);
	assert_int_equal(r.n_peers, 0);
	assert_int_equal(vs_cover_get_stats(c)->rejected[VS_COVER_REJ_BAD_HMAC],
			 1);
	assert_int_equal(vs_cover_get_stats(c)->rejected[VS_COVER_REJ_NO_HMAC],
			 1);
	assert_int_equal(vs_cover_get_stats(c)->accepted, 0);
	vs_cover_free(c);
}

static void
test_liveness(void **state)
{
	struct vs_cover_result r;
	struct vs_cover_ann a;
	struct vs_cover *c;

	(void)state;
	c = monitor(1, 3, false);
	assert_int_equal(vs_cover_set_state(c, 1, 0, 0), 0);
	ann_init(&a, 2, 3);
	a.owned = 2;
	assert_int_equal(feed(c, &a, false, 10000), VS_COVER_OK);
	ann_init(&a, 3, 3);
	a.owned = 4;
	a.interval_ms = 1000; /* its own interval counts, not ours */
	assert_int_equal(feed(c, &a, false, 10000), VS_COVER_OK);
	vs_cover_compute(c, 10000 + 3 * 200, &r);
	assert_int_equal(r.n_peers, 2);
	assert_true(r.holes == 0);
	assert_true(r.peers[0].age_ms == 600);
	vs_cover_compute(c, 10000 + 3 * 200 + 1, &r);
	assert_int_equal(r.n_peers, 1);
	assert_true(r.holes == 2);
	vs_cover_compute(c, 10000 + 3 * 1000, &r);
	assert_int_equal(r.n_peers, 1);
	assert_true(r.holes == 2);
	vs_cover_compute(c, 10000 + 3 * 1000 + 1, &r);
	assert_int_equal(r.n_peers, 0);
	assert_true(r.holes == 6);
	/* it comes back with its next frame */
	a.seq++;
	assert_int_equal(feed(c, &a, false, 20000), VS_COVER_OK);
	vs_cover_compute(c, 20000, &r);
	assert_true(r.holes == 2);
	vs_cover_free(c);
}

/* 64 live peers fill the table; a 65th is refused, none is evicted;
 * silent ones make room, the longest silent first. */
static void
test_table_bounds(void **state)
{
	struct vs_cover_result r;
	struct vs_cover_ann a;
	struct vs_cover *c;
	unsigned int i;

	(void)state;
	c = monitor(200, 3, false);
	for (i = 0; i < VS_COVER_MAX_PEERS; i++) {
		ann_init(&a, (uint8_t)(i + 1), 3);
		a.interval_ms = 1000;
		assert_int_equal(feed(c, &a, false, 1000 + i), VS_COVER_OK);
	}
	ann_init(&a, 100, 3);
	assert_int_equal(feed(c, &a, false, 1100), VS_COVER_REJ_TABLE_FULL);
	vs_cover_compute(c, 1100, &r);
	assert_int_equal(r.n_peers, VS_COVER_MAX_PEERS);
	/* peers 1..10 keep announcing, the others go silent */
	for (i = 0; i < 10; i++) {
		ann_init(&a, (uint8_t)(i + 1), 3);
		a.seq += 1;
		a.interval_ms = 1000;
		assert_int_equal(feed(c, &a, false, 4000 + i), VS_COVER_OK);
	}
	vs_cover_compute(c, 4100, &r);
	assert_int_equal(r.n_peers, 10);
	/* newcomers take the silent slots (peer 11, silent longest, first) */
	ann_init(&a, 100, 3);
	assert_int_equal(feed(c, &a, false, 4100), VS_COVER_OK);
	ann_init(&a, 11, 3);
	a.incarnation = 99; /* after its slot went: a fresh entry */
	a.seq = 1;
	assert_int_equal(feed(c, &a, false, 4100), VS_COVER_OK);
	ann_init(&a, 13, 3);
	a.seq = 1; /* silent but remembered: replay */
	a.interval_ms = 1000;
	assert_int_equal(feed(c, &a, false, 4100), VS_COVER_REJ_REPLAY);
	vs_cover_compute(c, 4100, &r);
	assert_int_equal(r.n_peers, 12);
	assert_int_equal(
		vs_cover_get_stats(c)->rejected[VS_COVER_REJ_TABLE_FULL], 1);
	vs_cover_free(c);
}

/* ------------------------------------------------------------------ */
/* Coverage */

/* Three monitors on a "bridge": every frame to every other node. */
static void
exchange(struct vs_cover **m, unsigned int nm, uint64_t t, bool key)
{
	uint64_t zero[VS_MAX_NODES] = {0};
	uint8_t buf[VS_COVER_FRAME_MAX];
	unsigned int i, j;
	int len;

	for (i = 0; i < nm; i++) {
		len = vs_cover_tick(m[i], t, zero, zero, buf, sizeof(buf));
		assert_true(len >= 0);
		if (len == 0)
			continue;
		assert_int_equal(buf[14 + 3], key); /* signed iff keyed */
		for (j = 0; j < nm; j++)
			if (j != i)
				assert_int_equal(vs_cover_input(m[j], buf,
								(uint32_t)len,
								t),
						 VS_COVER_OK);
	}
}

static void
test_dup_hole(void **state)
{
	struct vs_cover *m[3];
	struct vs_cover_result r;
	uint64_t t;
	unsigned int i;
	int k;

	(void)state;
	for (k = 0; k < 2; k++) {
		for (i = 0; i < 3; i++)
			m[i] = monitor((uint8_t)(i + 1), 3, k);
		/* nodes 1/3, 2/3, 2/3 */
		assert_int_equal(vs_cover_set_state(m[0], 1, 0, 0), 0);
		assert_int_equal(vs_cover_set_state(m[1], 2, 0, 0), 0);
		assert_int_equal(vs_cover_set_state(m[2], 2, 0, 0), 0);
		for (t = 0; t <= 400; t += 10)
			exchange(m, 3, t, k);
		for (i = 0; i < 3; i++) {
			vs_cover_compute(m[i], t, &r);
			assert_int_equal(r.n_peers, 2);
			assert_true(r.duplicates == 2);
			assert_true(r.holes == 4);
		}
		/* fixed: the third takes 3 instead of 2 */
		assert_int_equal(vs_cover_set_state(m[2], 4, 0, 0), 0);
		for (; t <= 800; t += 10)
			exchange(m, 3, t, k);
		for (i = 0; i < 3; i++) {
			vs_cover_compute(m[i], t, &r);
			assert_true(r.duplicates == 0);
			assert_true(r.holes == 0);
		}
		/* node 3 dies: its number is a hole once 3 intervals pass */
		for (; t <= 1800; t += 10) {
			exchange(m, 2, t, k);
			vs_cover_compute(m[0], t, &r);
			/* last frame of node 3 at 800 */
			assert_true(r.holes == (t > 800 + 600 ? 4u : 0u));
		}
		for (i = 0; i < 3; i++)
			vs_cover_free(m[i]);
	}
}

/* Number classes by who holds it how (docs/design.md): T = owners +
 * fillers take new flows, U = owners + drainers established ones;
 * duplicate when T >= 2 or U >= 2, hole when T = 0. */
static void
test_roles(void **state)
{
	static const struct {
		uint8_t self, p1, p2; /* 0 none, 'o', 'd', 'f' */
		bool dup, hole;
	} cases[] = {
		{0, 0, 0, false, true},
		{'o', 0, 0, false, false},
		{0, 'o', 0, false, false},
		{'o', 'o', 0, true, false},
		{0, 'o', 'o', true, false},
		{'d', 'f', 0, false, false}, /* a move */
		{0, 'd', 'f', false, false},
		{'d', 0, 0, false, true},  /* new flows refused */
		{0, 'f', 0, false, false}, /* drain over, filler alone */
		{'o', 'f', 0, true, false},
		{'o', 'd', 0, true, false},
		{'d', 'd', 0, true, true},
		{'f', 'f', 0, true, false},
		{'d', 'f', 'f', true, false},
		{'d', 'd', 'f', true, false},
		{'o', 'd', 'f', true, false},
	};
	struct vs_cover_result r;
	struct vs_cover_ann a;
	struct vs_cover *c;
	unsigned int i, p;

	(void)state;
	for (i = 0; i < RTE_DIM(cases); i++) {
		const uint8_t roles[3] = {cases[i].self, cases[i].p1,
					  cases[i].p2};

		c = monitor(1, 2, false);
		/* number 1 as in the case; number 2 owned by self */
		assert_int_equal(vs_cover_set_state(c, 2 | (roles[0] == 'o'),
						    roles[0] == 'd',
						    roles[0] == 'f'),
				 0);
		for (p = 1; p < 3; p++) {
			ann_init(&a, (uint8_t)(p + 1), 2);
			a.owned = roles[p] == 'o';
			a.draining = roles[p] == 'd';
			a.filling = roles[p] == 'f';
			assert_int_equal(feed(c, &a, false, 100), VS_COVER_OK);
		}
		vs_cover_compute(c, 100, &r);
		assert_int_equal(r.n_peers, 2);
		assert_int_equal(!!(r.duplicates & 1), cases[i].dup);
		assert_int_equal(!!(r.holes & 1), cases[i].hole);
		assert_true((r.duplicates | r.holes) >> 1 == 0);
		vs_cover_free(c);
	}
}

static void
test_mismatch_external(void **state)
{
	struct vs_cover_result r;
	struct vs_cover_cfg cfg;
	struct vs_cover_ann a;
	struct vs_hash_cfg h;
	struct rte_ether_addr cm = cluster_mac();
	struct vs_cover *c;

	(void)state;
	c = monitor(1, 3, false);
	assert_int_equal(vs_cover_set_state(c, 1, 0, 0), 0);
	ann_init(&a, 2, 3);
	a.owned = 2;
	assert_int_equal(feed(c, &a, false, 100), VS_COVER_OK);
	/* node 3 runs another hash_init: excluded from duplicates/holes,
	 * listed in mismatch */
	ann_init(&a, 3, 3);
	h.vip = a.vip;
	h.total_nodes = 3;
	h.mode = VS_HASH_SIP_SPT;
	h.compat = VS_COMPAT_CLUSTERIP;
	h.hash_init = 7;
	a.digest = vs_cover_digest(&h, &cm);
	a.owned = 6;
	assert_int_equal(feed(c, &a, false, 100), VS_COVER_OK);
	/* and node 4 thinks N = 4 */
	ann_init(&a, 4, 4);
	a.owned = 8;
	assert_int_equal(feed(c, &a, false, 100), VS_COVER_OK);
	vs_cover_compute(c, 100, &r);
	assert_int_equal(r.n_peers, 3);
	assert_false(r.peers[0].mismatch);
	assert_true(r.peers[1].mismatch);
	assert_true(r.peers[2].mismatch);
	assert_true(r.duplicates == 0);
	assert_true(r.holes == 4);
	vs_cover_free(c);

	/* number 3 held by a node that does not announce (kernel peer) */
	cfg_init(&cfg, 1, 3, false);
	cfg.external = 4;
	assert_int_equal(vs_cover_create(&cfg, &c), 0);
	assert_int_equal(vs_cover_set_state(c, 1, 0, 0), 0);
	ann_init(&a, 2, 3);
	a.owned = 2;
	assert_int_equal(feed(c, &a, false, 100), VS_COVER_OK);
	vs_cover_compute(c, 100, &r);
	assert_true(r.holes == 0 && r.duplicates == 0);
	a.owned = 6;
	a.seq++;
	assert_int_equal(feed(c, &a, false, 200), VS_COVER_OK);
	vs_cover_compute(c, 200, &r);
	assert_true(r.duplicates == 4);
	vs_cover_free(c);
}

/* ------------------------------------------------------------------ */
/* Tie-break */

static void
test_tiebreak(void **state)
{
	struct vs_cover_result r;
	struct rte_ether_addr id, m1 = mac(1), m2 = mac(2), m3 = mac(3);

	(void)state;
	memset(&r, 0, sizeof(r));
	r.total_nodes = 4;
	r.id = m2;
	r.owned = 1 | 2; /* self: owns 1, 2 */
	r.draining = 4;  /* drains 3 */
	r.n_peers = 2;
	r.peers[0].id = m1;
	r.peers[0].owned = 1;   /* 1: owned by m1 and self */
	r.peers[0].filling = 4; /* 3: m1 fills what self drains: fine */
	r.peers[1].id = m3;
	r.peers[1].owned = 2;   /* 2: owned by self and m3 */
	r.peers[1].filling = 8; /* 4: filled by m3 alone */
	r.duplicates = 1 | 2;
	/* 1: m1 < m2 keeps it, self yields; 2: self < m3 keeps */
	assert_true(vs_cover_yield(&r) == 1);
	assert_int_equal(vs_cover_keeper(&r, 1, &id), 0);
	assert_true(rte_is_same_ether_addr(&id, &m1));
	assert_int_equal(vs_cover_keeper(&r, 2, &id), 0);
	assert_true(rte_is_same_ether_addr(&id, &m2));
	assert_int_equal(vs_cover_keeper(&r, 4, &id), 0);
	assert_true(rte_is_same_ether_addr(&id, &m3));
	assert_int_equal(vs_cover_keeper(&r, 5, &id), -EINVAL);
	assert_int_equal(vs_cover_keeper(&r, 0, &id), -EINVAL);
	r.peers[1].filling = 0;
	assert_int_equal(vs_cover_keeper(&r, 4, &id), -ENOENT);

	/* an owner beats a filler even with a higher identity */
	memset(&r, 0, sizeof(r));
	r.total_nodes = 1;
	r.id = m1;
	r.filling = 1;
	r.n_peers = 1;
	r.peers[0].id = m3;
	r.peers[0].owned = 1;
	r.duplicates = 1;
	assert_true(vs_cover_yield(&r) == 1);
	/* ... and a drainer yields to an owner */
	r.filling = 0;
	r.draining = 1;
	assert_true(vs_cover_yield(&r) == 1);
	/* two fillers: the lowest identity keeps */
	r.draining = 0;
	r.filling = 1;
	r.peers[0].owned = 0;
	r.peers[0].filling = 1;
	assert_true(vs_cover_yield(&r) == 0);
	r.id = mac(4);
	assert_true(vs_cover_yield(&r) == 1);
	/* a mismatched peer is not a holder */
	r.peers[0].mismatch = true;
	assert_true(vs_cover_yield(&r) == 0);
	/* an external holder always keeps */
	r.peers[0].mismatch = false;
	r.peers[0].filling = 0;
	r.id = m1;
	r.filling = 0;
	r.owned = 1;
	r.external = 1;
	assert_true(vs_cover_yield(&r) == 1);
	assert_int_equal(vs_cover_keeper(&r, 1, &id), 1);
	/* not a duplicate: nothing to yield */
	r.duplicates = 0;
	assert_true(vs_cover_yield(&r) == 0);
}

/* ------------------------------------------------------------------ */
/* Events and JSON */

static void
test_diff(void **state)
{
	struct vs_cover_result a, b;
	struct vs_cover_event ev[VS_COVER_EVENTS_MAX];
	char s[64];
	unsigned int n;

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	b.duplicates = 2;
	b.holes = 4;
	b.n_peers = 2;
	b.peers[0].id = mac(2);
	b.peers[1].id = mac(3);
	b.peers[1].mismatch = true;
	n = vs_cover_diff(&a, &b, ev, RTE_DIM(ev));
	assert_int_equal(n, 5);
	assert_int_equal(vs_cover_event_format(&ev[0], s, sizeof(s)), 19);
	assert_string_equal(s, "duplicate 2 started");
	vs_cover_event_format(&ev[1], s, sizeof(s));
	assert_string_equal(s, "hole 3 started");
	vs_cover_event_format(&ev[2], s, sizeof(s));
	assert_string_equal(s, "peer 02:00:00:00:00:02 appeared");
	vs_cover_event_format(&ev[3], s, sizeof(s));
	assert_string_equal(s, "peer 02:00:00:00:00:03 appeared");
	vs_cover_event_format(&ev[4], s, sizeof(s));
	assert_string_equal(s, "mismatch 02:00:00:00:00:03 started");
	assert_int_equal(vs_cover_event_format(&ev[4], s, 10), -ENOSPC);
	assert_int_equal(vs_cover_diff(&b, &b, ev, RTE_DIM(ev)), 0);
	/* all ends: the peers go, 3 fixed, 2 now black-holed */
	a = b;
	b.holes = 0;
	b.black_holed = 2;
	b.peers[0] = b.peers[1];
	b.peers[0].mismatch = false;
	b.n_peers = 1;
	n = vs_cover_diff(&a, &b, ev, RTE_DIM(ev));
	assert_int_equal(n, 4);
	vs_cover_event_format(&ev[0], s, sizeof(s));
	assert_string_equal(s, "black_holed 2 started");
	vs_cover_event_format(&ev[1], s, sizeof(s));
	assert_string_equal(s, "hole 3 ended");
	vs_cover_event_format(&ev[2], s, sizeof(s));
	assert_string_equal(s, "peer 02:00:00:00:00:02 gone");
	vs_cover_event_format(&ev[3], s, sizeof(s));
	assert_string_equal(s, "mismatch 02:00:00:00:00:03 ended");
	/* max respected */
	assert_int_equal(vs_cover_diff(&a, &b, ev, 2), 2);
}

static void
test_json(void **state)
{
	/* written from the contract of the issue, not from our output */
	static const char want[] =
		"{\"vip\": \"192.168.100.100\", \"self\": {"
		"\"id\": \"02:00:00:00:00:01\", "
		"\"incarnation\": \"0x0000000000001001\", "
		"\"seq\": 1700000000001, \"interval_ms\": 200, "
		"\"total_nodes\": 3, \"digest\": \"0x873d6db0dc8cf813\", "
		"\"owned\": [1, 2], \"draining\": [], \"filling\": [], "
		"\"external\": [], \"window_ms\": 0}, "
		"\"peers\": ["
		"{\"id\": \"02:00:00:00:00:02\", \"owned\": [2], "
		"\"draining\": [], \"filling\": [], \"age_ms\": 50}, "
		"{\"id\": \"02:00:00:00:00:03\", \"owned\": [1, 2, 3], "
		"\"draining\": [], \"filling\": [], \"age_ms\": 50}], "
		"\"duplicates\": [2], \"holes\": [3], "
		"\"mismatch\": [\"02:00:00:00:00:03\"], "
		"\"black_holed\": [], \"double_accepted\": []}";
	struct vs_cover_result r;
	struct vs_cover_ann a;
	struct vs_cover *c;
	char buf[4096];
	size_t i;
	int n;

	(void)state;
	c = monitor(1, 3, false);
	assert_int_equal(vs_cover_set_state(c, 3, 0, 0), 0);
	ann_init(&a, 3, 3);
	a.owned = 7;
	a.digest ^= 1; /* mismatched */
	assert_int_equal(feed(c, &a, false, 100), VS_COVER_OK);
	ann_init(&a, 2, 3);
	a.owned = 2;
	assert_int_equal(feed(c, &a, false, 100), VS_COVER_OK);
	vs_cover_compute(c, 150, &r);
	assert_int_equal(r.n_peers, 2);
	n = vs_cover_json(&r, buf, sizeof(buf));
	assert_int_equal(n, (int)strlen(want));
	assert_string_equal(buf, want);
	/* every shorter buffer: -ENOSPC, NUL-terminated, no overflow */
	for (i = 0; i <= (size_t)n; i++) {
		char *p = malloc(i ? i : 1);

		assert_non_null(p);
		assert_int_equal(vs_cover_json(&r, p, i), -ENOSPC);
		if (i > 0)
			assert_int_equal(p[0], '\0');
		free(p);
	}
	vs_cover_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_digest),
		cmocka_unit_test(test_build_layout),
		cmocka_unit_test(test_parse_roundtrip),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_create_invalid),
		cmocka_unit_test(test_replay),
		cmocka_unit_test(test_forged),
		cmocka_unit_test(test_liveness),
		cmocka_unit_test(test_table_bounds),
		cmocka_unit_test(test_dup_hole),
		cmocka_unit_test(test_roles),
		cmocka_unit_test(test_mismatch_external),
		cmocka_unit_test(test_tiebreak),
		cmocka_unit_test(test_diff),
		cmocka_unit_test(test_json),
	};

	t_seed("test_cover");
	return cmocka_run_group_tests(tests, keys_setup, keys_teardown);
}
