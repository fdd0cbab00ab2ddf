/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench-steer: micro-benchmark of the library steering path, no EAL.
 *
 * Builds the frame mix of lib/gen in memory (the one dpdk-vipshare --bench
 * steers, 64-byte frames) and times, per frame,
 * vs_pkt_parse + vs_hash_node + the ownership check, for every hash mode,
 * against a baseline that only reads each frame's ethertype. The TSC is
 * calibrated against CLOCK_MONOTONIC (rte_get_tsc_hz() needs the EAL).
 * Prints a table, then one JSON line.
 *
 * Usage: bench-steer [--frames N] [--iters N] [--runs N]
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>

#include "vs_arp.h"
#include "vs_gen.h"
#include "vs_hash.h"
#include "vs_pkt.h"
#include "vs_util.h"

#define BURST 32 /* ownership mask reloaded once per burst */
#define MAX_RUNS 99

static const uint32_t VIP_HOST = 0xc0a86464; /* 192.168.100.100 */

/* The compiler must not drop the work: every result ends up here. */
static volatile uint64_t sink;

/* The VIP alone in the map the parser looks frames up in. */
static struct vs_vipmap vipmap;

/* The 64-byte mix of lib/gen, as dpdk-vipshare --bench steers it. */
static int
mix_build(struct vs_gen_mix *m, uint32_t n)
{
	struct vs_gen_cfg cfg = {.vip = VIP_HOST};

	vs_arp_default_mac(rte_cpu_to_be_32(VIP_HOST), &cfg.cluster_mac);
	rte_ether_unformat_addr("02:76:73:62:00:01", &cfg.nic_mac);
	m->n = n;
	m->slot = VS_GEN_SLOT_64;
	m->buf = aligned_alloc(64, (size_t)n * m->slot);
	m->len = calloc(n, sizeof(*m->len));
	if (m->buf == NULL || m->len == NULL)
		return -ENOMEM;
	memset(m->buf, 0, (size_t)n * m->slot);
	return vs_gen_mix_build(m, &cfg);
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* TSC ticks per second, against CLOCK_MONOTONIC over ~100 ms. */
static double
tsc_calibrate(void)
{
	uint64_t t0, c0, t1, c1;

	t0 = now_ns();
	c0 = rte_rdtsc();
	do {
		t1 = now_ns();
	} while (t1 - t0 < 100000000ull);
	c1 = rte_rdtsc();
	return (double)(c1 - c0) * 1e9 / (double)(t1 - t0);
}

/* Baseline: touch each frame, read its ethertype. */
static uint64_t
run_baseline(const struct vs_gen_mix *m, uint32_t iters)
{
	uint64_t acc = 0;
	uint32_t it, i;

	for (it = 0; it < iters; it++)
		for (i = 0; i < m->n; i++) {
			const uint8_t *f = m->buf + (size_t)i * m->slot;

			acc += (uint32_t)(f[12] << 8 | f[13]) + m->len[i];
		}
	return acc;
}

/* The steering decision for every frame: parse, hash, owned? */
static uint64_t
run_steer(const struct vs_gen_mix *m, uint32_t iters,
	  const struct vs_hash_cfg *cfg, const struct vs_own *own)
{
	struct vs_pkt_info pi;
	uint64_t acc = 0, mask = 0;
	uint32_t it, i;

	for (it = 0; it < iters; it++)
		for (i = 0; i < m->n; i++) {
			const uint8_t *f = m->buf + (size_t)i * m->slot;
			int cls;

			if ((i % BURST) == 0)
				mask = vs_own_load(own);
			cls = vs_pkt_parse(f, m->len[i], &vipmap, &pi);
			switch (cls) {
			case VS_PKT_VIP:
			case VS_PKT_VIP_ICMPERR:
			case VS_PKT_VIP_FRAG: {
				/* (The appliance reassembles fragments in port
				 * modes first; here they hash as parsed.) */
				unsigned int node = vs_hash_node(cfg, &pi.key);

				acc += vs_own_has(mask, node) ? node : 0x100;
				break;
			}
			default:
				acc += (uint64_t)cls << 16;
			}
		}
	return acc;
}

struct row {
	const char *name;
	int baseline;
	struct vs_hash_cfg cfg;
	double ns[MAX_RUNS], cyc[MAX_RUNS];
	double ns_med, cyc_med, cyc_min;
};

static int
parse_num(const char *opt, const char *s, uint32_t lo, uint32_t hi,
	  uint32_t *out)
{
	if (vs_util_parse_u32(s, out) < 0 || *out < lo || *out > hi) {
		fprintf(stderr, "bench-steer: invalid %s '%s' (%u..%u)\n", opt,
			s, lo, hi);
		return -1;
	}
	return 0;
}

/* Sanity: the parser sees the classes the generator meant. */
static void
print_classes(const struct vs_gen_mix *m)
{
	unsigned int cnt[VS_PKT_VIP_ICMPERR + 1] = {0};
	struct vs_pkt_info pi;
	uint32_t i;

	for (i = 0; i < m->n; i++)
		cnt[vs_pkt_parse(m->buf + (size_t)i * m->slot, m->len[i],
				 &vipmap, &pi)]++;
	printf("mix: %u frames: generated %u TCP/UDP to the VIP (%u VLAN-tagged), "
	       "%u ARP, %u ICMP errors, %u fragments (in pairs), %u not for "
	       "the VIP\n",
	       m->n, m->n_l4, m->n_vlan, m->n_arp, m->n_icmperr, m->n_frag,
	       m->n_other);
	printf("parsed as: VIP %u, VIP_ICMPERR %u, VIP_FRAG %u, ARP %u, "
	       "OTHER %u, MALFORMED %u\n",
	       cnt[VS_PKT_VIP], cnt[VS_PKT_VIP_ICMPERR], cnt[VS_PKT_VIP_FRAG],
	       cnt[VS_PKT_ARP], cnt[VS_PKT_OTHER], cnt[VS_PKT_MALFORMED]);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"frames", required_argument, NULL, 'f'},
		{"iters", required_argument, NULL, 'i'},
		{"runs", required_argument, NULL, 'r'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	uint32_t nframes = 4096, iters = 1000, runs = 5,
		 vip = rte_cpu_to_be_32(VIP_HOST);
	struct row rows[] = {
		{.name = "baseline (ethertype)", .baseline = 1},
		{.name = "sourceip", .cfg = {.mode = VS_HASH_SIP}},
		{.name = "sourceip-sourceport",
		 .cfg = {.mode = VS_HASH_SIP_SPT}},
		{.name = "sourceip-sourceport-destport",
		 .cfg = {.mode = VS_HASH_SIP_SPT_DPT}},
		{.name = "nft (jhash ip saddr)",
		 .cfg = {.compat = VS_COMPAT_NFT}},
	};
	struct vs_own own;
	struct vs_gen_mix m = {0};
	double tsc_hz;
	unsigned int r, k;
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (parse_num("--frames", optarg, 1, 1u << 20,
				      &nframes))
				return 2;
			break;
		case 'i':
			if (parse_num("--iters", optarg, 1, 1u << 20, &iters))
				return 2;
			break;
		case 'r':
			if (parse_num("--runs", optarg, 1, MAX_RUNS, &runs))
				return 2;
			break;
		case 'h':
			printf("Usage: bench-steer [--frames N] [--iters N] [--runs N]\n"
			       "Times vs_pkt_parse + vs_hash_node + ownership over a\n"
			       "frame mix (default 4096 frames x 1000 iterations, median\n"
			       "of 5 runs) for each hash mode, and a baseline.\n");
			return 0;
		default:
			fprintf(stderr,
				"bench-steer: bad option (see --help)\n");
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "bench-steer: unexpected argument '%s'\n",
			argv[optind]);
		return 2;
	}
	if (mix_build(&m, nframes) < 0) {
		fprintf(stderr, "bench-steer: out of memory\n");
		return 1;
	}
	/* 3 nodes, this machine owns node 1, as in the seed's cluster. */
	if (vs_own_init(&own, 3, 1) < 0)
		return 1;
	for (k = 0; k < RTE_DIM(rows); k++) {
		rows[k].cfg.vip = vip;
		rows[k].cfg.total_nodes = 3;
	}
	if (vs_vipmap_one(&vipmap, vip) < 0)
		return 1;
	print_classes(&m);
	tsc_hz = tsc_calibrate();
	printf("TSC %.1f MHz (calibrated against CLOCK_MONOTONIC); "
	       "%u frames x %u iterations per run, median of %u runs\n",
	       tsc_hz / 1e6, nframes, iters, runs);

	/* Warm up caches and branch predictors once. */
	sink += run_baseline(&m, 1);
	sink += run_steer(&m, 1, &rows[1].cfg, &own);

	/* Interleave the rows within each run: drift in machine load (the
	 * cores are shared) then spreads over all rows alike. */
	for (r = 0; r < runs; r++)
		for (k = 0; k < RTE_DIM(rows); k++) {
			uint64_t t0, t1, c0, c1, acc;
			double frames = (double)nframes * iters;

			t0 = now_ns();
			c0 = rte_rdtsc();
			if (rows[k].baseline)
				acc = run_baseline(&m, iters);
			else
				acc = run_steer(&m, iters, &rows[k].cfg, &own);
			c1 = rte_rdtsc();
			t1 = now_ns();
			sink += acc;
			rows[k].ns[r] = (double)(t1 - t0) / frames;
			rows[k].cyc[r] = (double)(c1 - c0) / frames;
		}

	printf("\n%-30s %10s %12s %14s %11s\n", "path", "ns/frame",
	       "cycles/frame", "over baseline", "best run");
	for (k = 0; k < RTE_DIM(rows); k++) {
		rows[k].ns_med = vs_gen_median(rows[k].ns, runs);
		rows[k].cyc_med = vs_gen_median(rows[k].cyc, runs);
		rows[k].cyc_min = rows[k].cyc[0];
		for (r = 1; r < runs; r++)
			if (rows[k].cyc[r] < rows[k].cyc_min)
				rows[k].cyc_min = rows[k].cyc[r];
	}
	for (k = 0; k < RTE_DIM(rows); k++) {
		printf("%-30s %10.2f %12.1f", rows[k].name, rows[k].ns_med,
		       rows[k].cyc_med);
		if (rows[k].baseline)
			printf(" %14s", "-");
		else
			printf(" %14.1f", rows[k].cyc_med - rows[0].cyc_med);
		printf(" %11.1f\n", rows[k].cyc_min);
	}
	printf("(medians of the runs; cycles are TSC ticks at the constant TSC\n"
	       " rate; best run = fewest cycles/frame of any run)\n\n");

	printf("{\"bench\":\"bench-steer\",\"frames\":%u,\"iters\":%u,"
	       "\"runs\":%u,\"tsc_mhz\":%.1f,\"results\":[",
	       nframes, iters, runs, tsc_hz / 1e6);
	for (k = 0; k < RTE_DIM(rows); k++)
		printf("%s{\"path\":\"%s\",\"ns_per_frame\":%.3f,"
		       "\"cycles_per_frame\":%.2f,\"cycles_best\":%.2f}",
		       k ? "," : "",
		       rows[k].baseline ? "baseline"
		       : rows[k].cfg.compat == VS_COMPAT_NFT
			       ? "nft"
			       : vs_hash_mode_name(rows[k].cfg.mode),
		       rows[k].ns_med, rows[k].cyc_med, rows[k].cyc_min);
	printf("]}\n");
	free(m.buf);
	free(m.len);
	return 0;
}
