/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reference vectors (tests/data/clusterip.tsv, path in argv[1] or
 * VS_VECTORS): vs_hash_key gives hash32, vs_hash_node gives node (clusterip)
 * and node_nft (nft); the same through vs_pkt_parse of a frame built from
 * the row.
 */
#include <arpa/inet.h>
#include <errno.h>

#include "vs_test.h"
#include "vs_hash.h"
#include "vs_pkt.h"

#define MAX_ROWS 4096
#define MIN_ROWS 30

struct row {
	unsigned int line;
	unsigned int mode;
	uint32_t src_h;
	uint16_t sport, dport;
	uint8_t proto;
	bool ports; /* protocol hashes its ports */
	unsigned int total;
	uint32_t hash_init;
	uint32_t hash32;
	unsigned int node, node_nft;
};

static struct row rows[MAX_ROWS];
static unsigned int n_rows;
static const char *vec_path;

static const struct {
	const char *name;
	uint8_t proto;
	bool ports;
} protos[] = {
	{"tcp", 6, true},   {"udp", 17, true},      {"sctp", 132, true},
	{"dccp", 33, true}, {"udplite", 136, true}, {"icmp", 1, false},
};

static const char *const modes[] = {
	"sourceip",
	"sourceip-sourceport",
	"sourceip-sourceport-destport",
};

static unsigned long
num(const char *s, int base, unsigned long max, unsigned int line)
{
	unsigned long v;
	char *e;

	errno = 0;
	v = strtoul(s, &e, base);
	if (errno || *s == '\0' || *e != '\0' || v > max)
		fail_msg("%s:%u: bad number '%s'", vec_path, line, s);
	return v;
}

static int
load_vectors(void **state)
{
	char buf[1024], *f[16], *p;
	unsigned int line = 0, nf, i;
	struct in_addr a;
	FILE *fp;

	(void)state;
	fp = fopen(vec_path, "r");
	if (fp == NULL) {
		print_error("cannot open %s: %s\n", vec_path, strerror(errno));
		return -1;
	}
	while (fgets(buf, sizeof(buf), fp)) {
		struct row *r = &rows[n_rows];

		line++;
		buf[strcspn(buf, "\r\n")] = '\0';
		if (buf[0] == '#' || buf[0] == '\0' ||
		    strncmp(buf, "mode\t", 5) == 0)
			continue;
		nf = 0;
		for (p = strtok(buf, "\t"); p && nf < 16;
		     p = strtok(NULL, "\t"))
			f[nf++] = p;
		if (nf != 10) {
			print_error("%s:%u: %u fields\n", vec_path, line, nf);
			fclose(fp);
			return -1;
		}
		if (n_rows == MAX_ROWS)
			break;
		memset(r, 0, sizeof(*r));
		r->line = line;
		r->mode = 99;
		for (i = 0; i < 3; i++)
			if (strcmp(f[0], modes[i]) == 0)
				r->mode = i;
		if (inet_pton(AF_INET, f[1], &a) != 1 || r->mode == 99) {
			print_error("%s:%u: bad mode/address\n", vec_path,
				    line);
			fclose(fp);
			return -1;
		}
		r->src_h = ntohl(a.s_addr);
		r->sport = (uint16_t)num(f[2], 10, 65535, line);
		r->dport = (uint16_t)num(f[3], 10, 65535, line);
		r->proto = 0;
		for (i = 0; i < RTE_DIM(protos); i++)
			if (strcmp(f[4], protos[i].name) == 0) {
				r->proto = protos[i].proto;
				r->ports = protos[i].ports;
			}
		if (r->proto == 0) {
			print_error("%s:%u: protocol %s\n", vec_path, line,
				    f[4]);
			fclose(fp);
			return -1;
		}
		r->total = (unsigned int)num(f[5], 10, VS_MAX_NODES, line);
		r->hash_init = (uint32_t)num(f[6], 16, UINT32_MAX, line);
		r->hash32 = (uint32_t)num(f[7], 16, UINT32_MAX, line);
		r->node = (unsigned int)num(f[8], 10, VS_MAX_NODES, line);
		r->node_nft = (unsigned int)num(f[9], 10, VS_MAX_NODES, line);
		n_rows++;
	}
	fclose(fp);
	printf("# %u vector rows from %s\n", n_rows, vec_path);
	return 0;
}

static struct vs_flow_key
row_key(const struct row *r)
{
	struct vs_flow_key k = {
		.saddr = r->src_h,
		.sport = r->ports ? t_raw16(r->sport) : 0,
		.dport = r->ports ? t_raw16(r->dport) : 0,
	};

	return k;
}

static struct vs_hash_cfg
row_cfg(const struct row *r, uint8_t compat)
{
	struct vs_hash_cfg c = {
		.vip = t_net32(T_VIP_H),
		.hash_init = r->hash_init,
		.total_nodes = (uint16_t)r->total,
		.mode = (uint8_t)r->mode,
		.compat = compat,
	};

	return c;
}

static void
test_enough_rows(void **state)
{
	(void)state;
	if (n_rows < MIN_ROWS)
		fail_msg("only %u vector rows parsed from %s (need >= %u)",
			 n_rows, vec_path, MIN_ROWS);
}

/* The table is self-consistent: node is the multiply-shift of hash32. */
static void
test_table_consistent(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < n_rows; i++) {
		const struct row *r = &rows[i];
		unsigned int n =
			(unsigned int)(((uint64_t)r->hash32 * r->total) >> 32) +
			1;

		if (n != r->node)
			fail_msg("line %u: table node %u != %u", r->line,
				 r->node, n);
		assert_in_range(r->node_nft, 1, r->total);
	}
}

static void
test_vectors_key(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < n_rows; i++) {
		const struct row *r = &rows[i];
		struct vs_flow_key k = row_key(r);
		struct vs_hash_cfg c = row_cfg(r, VS_COMPAT_CLUSTERIP);
		struct vs_hash_cfg cn = row_cfg(r, VS_COMPAT_NFT);
		uint32_t h = vs_hash_key(&c, &k);
		unsigned int n = vs_hash_node(&c, &k);
		unsigned int nn = vs_hash_node(&cn, &k);

		if (h != r->hash32 || n != r->node || nn != r->node_nft)
			fail_msg("line %u: hash32 0x%08x (want 0x%08x) node %u "
				 "(want %u) node_nft %u (want %u)",
				 r->line, h, r->hash32, n, r->node, nn,
				 r->node_nft);
		assert_int_equal(vs_hash_node_of(h, r->total), r->node);
	}
}

/* End to end: a frame client -> VIP built from the row, parsed. */
static void
test_vectors_frames(void **state)
{
	struct vs_vipmap vm;
	struct vs_pkt_info pi;
	struct tframe f;
	unsigned int i;

	(void)state;
	assert_int_equal(vs_vipmap_one(&vm, t_net32(T_VIP_H)), 0);
	for (i = 0; i < n_rows; i++) {
		const struct row *r = &rows[i];
		struct vs_flow_key k = row_key(r);
		struct vs_hash_cfg c = row_cfg(r, VS_COMPAT_CLUSTERIP);
		struct vs_hash_cfg cn = row_cfg(r, VS_COMPAT_NFT);
		int cls;

		tf_eth(&f, t_mac_cluster, t_mac_client, NULL, 0, 0x0800);
		tf_ipv4(&f, 4, 5, 0x4000, r->proto, r->src_h, T_VIP_H);
		if (r->proto == 1) {
			/* echo request; id/seq carry the row's "ports",
			 * which ICMP must not hash */
			tf_u8(&f, 8);
			tf_u8(&f, 0);
			tf_be16(&f, 0);
			tf_be16(&f, r->sport);
			tf_be16(&f, r->dport);
			tf_be32(&f, 0x61626364);
		} else {
			tf_l4_ports(&f, r->proto, r->sport, r->dport);
		}
		tf_ipv4_done(&f);
		tf_pad(&f, 60);
		cls = vs_pkt_parse(f.b, f.len, &vm, &pi);
		if (cls != VS_PKT_VIP)
			fail_msg("line %u: class %d", r->line, cls);
		assert_int_equal(pi.key.saddr, k.saddr);
		assert_int_equal(pi.key.sport, k.sport);
		assert_int_equal(pi.key.dport, k.dport);
		assert_int_equal(vs_hash_key(&c, &pi.key), r->hash32);
		assert_int_equal(vs_hash_node(&c, &pi.key), r->node);
		assert_int_equal(vs_hash_node(&cn, &pi.key), r->node_nft);
	}
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_enough_rows),
		cmocka_unit_test(test_table_consistent),
		cmocka_unit_test(test_vectors_key),
		cmocka_unit_test(test_vectors_frames),
	};

	vec_path = argc > 1 ? argv[1] : getenv("VS_VECTORS");
	if (vec_path == NULL) {
		fprintf(stderr, "usage: %s clusterip.tsv\n", argv[0]);
		return 1;
	}
	return cmocka_run_group_tests_name("vectors", tests, load_vectors,
					   NULL);
}
