/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * --bench: the appliance's steering path at line rate, next to a plain
 * io-forward of the same frames, in the same process.
 *
 * No real ports: two net_null vdevs stand for the NIC (ARP replies go out
 * there; the io-forward baseline transmits everything there) and the host
 * port (what the steering hands to the kernel). Both free what they are
 * given, like a wire. Receiving is stood in for by what a NIC's DMA does:
 * allocate a burst of mbufs in bulk and copy frames in, from a mix of
 * templates built once in memory. Per burst the two paths then do
 *
 *   io-forward: rte_eth_tx_burst(NIC, q, burst)       (no parsing)
 *   steer:      vs_worker_nic_burst(w, burst, now)   (the real data path:
 *               parse, ARP, hash, ownership, reassembly, tx host/NIC, free)
 *
 * so the difference is the steering. Every participating lcore (workers
 * first, then the main lcore) runs one loop on its own queue; lcore counts
 * go from 1 to all. The two paths are interleaved: runs x (io-fwd slice,
 * steer slice), order alternating, --bench-seconds per path in total, and
 * the tables show the median of the runs. Counters of the steering slices
 * must add up to the frames generated (checked and reported).
 *
 * stdout: a human table, then one JSON object on the last line.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_bus_vdev.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_ip_frag.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_memcpy.h>

#include "vs_app.h"
#include "vs_bench.h"
#include "vs_gen.h"
#include "vs_log.h"
#include "vs_stats.h"

RTE_LOG_REGISTER(vs_logtype_bench, vipshare.bench, INFO);

#define BENCH_RUNS 5u
#define MIX_FRAMES 4096
#define CHECK_EVERY 16 /* bursts between end-of-slice checks */
#define NULL_RING 512  /* descriptors of the null ports' queues */
#define NIC_DEV "net_null_vsb_nic"
#define HOST_DEV "net_null_vsb_host"

enum {
	PATH_IOFWD = 0,
	PATH_STEER = 1,
	NB_PATHS
};
static const char *const path_name[NB_PATHS] = {"io-fwd", "steer"};

/* ------------------------------------------------------------------ */
/* The frame mix (lib/gen)                                             */

static struct vs_gen_mix mix;

static uint32_t more_vips[VS_MAX_VIPS];
static struct rte_ether_addr more_macs[VS_MAX_VIPS];

/* The mix, its VIP frames spread over every VIP in turn. */
static int
mix_build(struct vs_gen_mix *m, const struct vs_app *a, bool imix)
{
	const struct vs_vipmap *vm = vs_vip_map(&a->vips);
	const struct vs_vip *vip = vs_vip_at(&a->vips, vm->slot[0]);
	struct vs_gen_cfg cfg = {
		.vip = rte_be_to_cpu_32(vip->hash.vip),
		.cluster_mac = vip->arp.cluster_mac,
		.nic_mac = a->ports.nic_mac,
		.imix = imix,
		.nb_more = vm->n - 1,
		.more_vips = more_vips,
		.more_macs = more_macs,
	};
	unsigned int i;

	for (i = 1; i < vm->n; i++) {
		vip = vs_vip_at(&a->vips, vm->slot[i]);
		more_vips[i - 1] = rte_be_to_cpu_32(vip->hash.vip);
		more_macs[i - 1] = vip->arp.cluster_mac;
	}

	m->n = MIX_FRAMES;
	m->slot = imix ? VS_GEN_SLOT_IMIX : VS_GEN_SLOT_64;
	m->buf = rte_zmalloc("vsb_mix", (size_t)m->n * m->slot, 64);
	m->len = rte_zmalloc("vsb_len", m->n * sizeof(*m->len), 64);
	if (m->buf == NULL || m->len == NULL)
		return -ENOMEM;
	return vs_gen_mix_build(m, &cfg);
}

/* ------------------------------------------------------------------ */
/* Ports                                                               */

static int
null_port(const char *name, uint16_t nb_q, struct rte_mempool *pool,
	  uint16_t *port)
{
	struct rte_eth_conf conf;
	uint16_t q;
	int r;

	r = rte_eal_hotplug_add("vdev", name, "copy=0,size=64");
	if (r < 0 || rte_eth_dev_get_port_by_name(name, port) < 0) {
		VS_LOG(bench, ERR, "bench: cannot create %s: %s\n", name,
		       rte_strerror(-r));
		return r < 0 ? r : -ENODEV;
	}
	memset(&conf, 0, sizeof(conf));
	r = rte_eth_dev_configure(*port, nb_q, nb_q, &conf);
	for (q = 0; r == 0 && q < nb_q; q++)
		r = rte_eth_rx_queue_setup(*port, q, NULL_RING, SOCKET_ID_ANY,
					   NULL, pool);
	for (q = 0; r == 0 && q < nb_q; q++)
		r = rte_eth_tx_queue_setup(*port, q, NULL_RING, SOCKET_ID_ANY,
					   NULL);
	if (r == 0)
		r = rte_eth_dev_start(*port);
	if (r < 0)
		VS_LOG(bench, ERR, "bench: %s setup: %s\n", name,
		       rte_strerror(-r));
	return r;
}

/* ------------------------------------------------------------------ */
/* The loops                                                           */

struct slot_result {
	uint64_t frames;
	uint64_t cycles;
	uint64_t alloc_fail;
};

struct bench_lcore {
	bool active;
	struct vs_worker *w;
	uint32_t idx; /* next template */
	struct slot_result res;
} __rte_cache_aligned;

static struct bench_lcore blc[RTE_MAX_LCORE];
static int cur_path;
static uint64_t slice_start, slice_cycles;
static uint64_t steer_generated; /* frames handed to the steering */

/* The NIC's DMA, for both paths alike: bulk allocation, copy in. */
static inline int
fill_burst(struct rte_mempool *pool, struct rte_mbuf **pkts, uint16_t n,
	   uint32_t *idx)
{
	uint32_t i, k = *idx;

	if (unlikely(rte_pktmbuf_alloc_bulk(pool, pkts, n) != 0))
		return -1;
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		uint16_t len = mix.len[k];

		rte_memcpy(rte_pktmbuf_mtod(m, void *),
			   mix.buf + (size_t)k * mix.slot, len);
		m->data_len = len;
		m->pkt_len = len;
		m->port = 0;
		m->ol_flags = RTE_MBUF_F_RX_IP_CKSUM_GOOD |
			      RTE_MBUF_F_RX_L4_CKSUM_GOOD;
		if (++k == mix.n)
			k = 0;
	}
	*idx = k;
	return 0;
}

static int
bench_lcore_main(void *arg)
{
	struct vs_app *a = arg;
	struct bench_lcore *bl = &blc[rte_lcore_id()];
	struct rte_mbuf *pkts[VS_MAX_BURST];
	const uint16_t burst = (uint16_t)a->conf.burst;
	const bool steer = cur_path == PATH_STEER;
	struct vs_worker *w = bl->w;
	uint64_t now, t0, end, frames = 0, fail = 0;
	uint32_t idx = bl->idx, b;
	uint16_t k;

	if (!bl->active)
		return 0;
	while ((now = rte_rdtsc()) < slice_start)
		rte_pause();
	t0 = now;
	end = slice_start + slice_cycles;
	do {
		for (b = 0; b < CHECK_EVERY; b++) {
			now = rte_rdtsc(); /* as the worker's poll loop does */
			if (unlikely(fill_burst(a->ports.pool, pkts, burst,
						&idx))) {
				fail++;
				continue;
			}
			if (steer) {
				vs_worker_nic_burst(w, pkts, burst, now);
			} else {
				k = rte_eth_tx_burst(a->ports.nic, w->q, pkts,
						     burst);
				if (unlikely(k < burst))
					rte_pktmbuf_free_bulk(&pkts[k],
							      burst - k);
			}
			frames += burst;
		}
		now = rte_rdtsc();
		if (steer) /* as vs_worker_main between bursts */
			vs_worker_housekeeping(w, now);
	} while (now < end && !vs_app_stopping(a));
	bl->idx = idx;
	bl->res.frames = frames;
	bl->res.cycles = now - t0;
	bl->res.alloc_fail = fail;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Results                                                             */

struct row {
	unsigned int lcores;
	double mpps_lcore[NB_PATHS][BENCH_RUNS]; /* mean over the lcores */
	double cyc[NB_PATHS][BENCH_RUNS];        /* TSC cycles per frame */
	double mpps_total[NB_PATHS][BENCH_RUNS];
	double med_mpps_lcore[NB_PATHS], med_cyc[NB_PATHS];
	double med_mpps_total[NB_PATHS], best_mpps_lcore[NB_PATHS];
	double ratio;
};

static double
maxd(const double *v, unsigned int n)
{
	double m = v[0];
	unsigned int i;

	for (i = 1; i < n; i++)
		if (v[i] > m)
			m = v[i];
	return m;
}

/*
 * One slice of path on the active lcores, all starting together (in 20
 * ms). Lcores that cannot be launched stop the benchmark (exit 1).
 */
static void
launch_slice(struct vs_app *a, int path, uint64_t cycles)
{
	int r;

	cur_path = path;
	slice_cycles = cycles;
	slice_start = rte_rdtsc() + a->tsc_hz / 50;
	r = rte_eal_mp_remote_launch(bench_lcore_main, a, CALL_MAIN);
	if (r < 0) {
		VS_LOG(bench, ERR, "bench: lcores not launched: %s\n",
		       rte_strerror(-r));
		vs_app_stop(a);
	}
	rte_eal_mp_wait_lcore();
}

/* Run one slice of a path on the first n lcores of order[]. */
static void
run_slice(struct vs_app *a, const unsigned int *order, unsigned int n, int path,
	  double seconds, struct row *row, unsigned int run)
{
	double sum_mpps = 0, sum_cyc = 0;
	uint64_t frames = 0;
	unsigned int i;

	for (i = 0; i < RTE_MAX_LCORE; i++)
		blc[i].active = false;
	for (i = 0; i < n; i++) {
		blc[order[i]].active = true;
		memset(&blc[order[i]].res, 0, sizeof(blc[order[i]].res));
	}
	launch_slice(a, path, (uint64_t)(seconds * (double)a->tsc_hz));
	for (i = 0; i < n; i++) {
		const struct slot_result *r = &blc[order[i]].res;
		double s = (double)r->cycles / (double)a->tsc_hz;

		if (r->alloc_fail)
			VS_LOG(bench, WARNING,
			       "bench: lcore %u: %" PRIu64
			       " bursts without mbufs\n",
			       order[i], r->alloc_fail);
		frames += r->frames;
		sum_mpps += r->frames ? (double)r->frames / s / 1e6 : 0;
		sum_cyc +=
			r->frames ? (double)r->cycles / (double)r->frames : 0;
	}
	if (path == PATH_STEER)
		steer_generated += frames;
	row->mpps_total[path][run] = sum_mpps;
	row->mpps_lcore[path][run] = sum_mpps / n;
	row->cyc[path][run] = sum_cyc / n;
}

static bool
counters_check(const struct vs_stats *s, FILE *f)
{
	uint64_t outcomes = 0;
	bool ok;

#define ADD(n) outcomes += s->n;
	VS_STATS_OUTCOMES(ADD)
#undef ADD
	ok = s->rx == steer_generated && vs_stats_consistent(s) &&
	     s->frag_held == s->frag_done + s->frag_expired &&
	     s->malformed == 0 && s->tx_host_drop == 0 &&
	     s->tx_wire_drop == 0 && s->vip_owned > 0 && s->vip_not_owned > 0;
	fprintf(f,
		"counters: generated %" PRIu64 ", rx %" PRIu64
		", outcomes %" PRIu64 " (vip_owned %" PRIu64
		", vip_not_owned %" PRIu64 ", arp_reply %" PRIu64
		", arp_to_host %" PRIu64 ", other_to_host %" PRIu64
		", frag_held %" PRIu64 ", malformed %" PRIu64
		"); fragments: %" PRIu64 " reassembled, %" PRIu64
		" expired; %s\n",
		steer_generated, s->rx, outcomes, s->vip_owned,
		s->vip_not_owned, s->arp_reply, s->arp_to_host,
		s->other_to_host, s->frag_held, s->malformed,
		s->frag_reassembled, s->frag_expired,
		ok ? "they add up" : "MISMATCH");
	return ok;
}

static void
json_counter(void *f, const char *name, uint64_t v)
{
	fprintf(f, ",\"%s\":%" PRIu64, name, v);
}

static void
json_row(FILE *f, const struct row *r)
{
	fprintf(f,
		"{\"lcores\":%u,\"steer_mpps_per_lcore\":%.3f,"
		"\"iofwd_mpps_per_lcore\":%.3f,\"steer_mpps_total\":%.3f,"
		"\"iofwd_mpps_total\":%.3f,\"ratio\":%.4f,"
		"\"cycles_per_frame\":%.2f,\"iofwd_cycles_per_frame\":%.2f,"
		"\"steer_runs\":[",
		r->lcores, r->med_mpps_lcore[PATH_STEER],
		r->med_mpps_lcore[PATH_IOFWD], r->med_mpps_total[PATH_STEER],
		r->med_mpps_total[PATH_IOFWD], r->ratio, r->med_cyc[PATH_STEER],
		r->med_cyc[PATH_IOFWD]);
	for (unsigned int i = 0; i < BENCH_RUNS; i++)
		fprintf(f, "%s%.3f", i ? "," : "",
			r->mpps_lcore[PATH_STEER][i]);
	fprintf(f, "],\"iofwd_runs\":[");
	for (unsigned int i = 0; i < BENCH_RUNS; i++)
		fprintf(f, "%s%.3f", i ? "," : "",
			r->mpps_lcore[PATH_IOFWD][i]);
	fprintf(f, "]}");
}

/* ------------------------------------------------------------------ */

/*
 * In-memory ports, a fixed NIC MAC (the host port carries the same), and
 * the workers as the product sets them up, one per lcore of order[].
 */
static int
bench_setup(struct vs_app *a, const unsigned int *order, uint16_t nb)
{
	struct vs_ports *p = &a->ports;
	struct vs_host_conf hc;
	uint16_t i;
	int r;

	vs_port_none(p);
	rte_ether_unformat_addr("02:76:73:62:00:01", &p->nic_mac);
	p->host_mac = p->nic_mac;
	p->host_mtu = RTE_ETHER_MTU;
	p->nb_queues = nb;
	vs_vip_table_set_nic(&a->vips, &p->nic_mac);
	p->pool = vs_port_pool_create("vsb_mbuf", nb,
				      8 * VS_MAX_BURST + 2 * NULL_RING +
					      vs_worker_mbufs_held(a),
				      false);
	if (p->pool == NULL)
		return -ENOMEM;
	r = null_port(NIC_DEV, nb, p->pool, &p->nic);
	if (r < 0)
		return r;
	/* the host port through its module, as the product has it */
	memset(&hc, 0, sizeof(hc));
	hc.be = VS_HOST_BE_ETH;
	hc.port = RTE_MAX_ETHPORTS;
	hc.nb_queues = nb;
	hc.pool = p->pool;
	snprintf(hc.devname, sizeof(hc.devname), "%s", HOST_DEV);
	snprintf(hc.devargs, sizeof(hc.devargs), "copy=0,size=64");
	r = vs_host_create(&p->host, &hc);
	if (r < 0)
		return r;
	r = vs_worker_setup(a, order, nb);
	if (r < 0)
		return r;
	/* nothing to announce on in-memory ports */
	for (i = 0; i < nb; i++) {
		a->workers[i].announce = false;
		a->workers[i].mcast = false;
	}
	for (i = 0; i < VS_MAX_VIPS; i++)
		a->vips.v[i].garp_left = 0;
	return 0;
}

static void
bench_teardown(struct vs_app *a)
{
	vs_worker_fini(a);
	if (rte_eth_dev_is_valid_port(a->ports.nic)) {
		rte_eth_dev_stop(a->ports.nic);
		rte_eth_dev_close(a->ports.nic);
		rte_eal_hotplug_remove("vdev", NIC_DEV);
	}
	vs_host_destroy(&a->ports.host);
	rte_free(mix.buf);
	rte_free(mix.len);
}

int
vs_bench_run(struct vs_app *a)
{
	unsigned int order[RTE_MAX_LCORE], nlc = 0, lc, i, n, run;
	struct row rows[RTE_MAX_LCORE];
	const struct row *top;
	struct vs_stats s;
	double per_path, slice;
	char nodes[256];
	const struct vs_vipmap *vm = vs_vip_map(&a->vips);
	const struct vs_vip *vip = vs_vip_at(&a->vips, vm->slot[0]);
	bool imix = a->conf.bench.imix, ok;
	int r, ret = 0;

	/* worker lcores first, the main lcore last */
	RTE_LCORE_FOREACH_WORKER (lc)
		order[nlc++] = lc;
	order[nlc++] = rte_get_main_lcore();
	r = bench_setup(a, order, (uint16_t)nlc);
	if (r < 0) {
		bench_teardown(a);
		return 1;
	}
	for (i = 0; i < nlc; i++) {
		blc[order[i]].w = &a->workers[i];
		blc[order[i]].idx = (i * 997) % MIX_FRAMES;
	}
	if (mix_build(&mix, a, imix) < 0) {
		VS_LOG(bench, ERR, "bench: out of memory for the frame mix\n");
		bench_teardown(a);
		return 1;
	}
	vs_own_format(vs_own_load(&vip->own), nodes, sizeof(nodes));
	per_path = a->conf.bench.seconds;
	slice = per_path / BENCH_RUNS;
	printf("dpdk-vipshare --bench: %s mix of %u frames (mean %.0f bytes): "
	       "%u TCP/UDP to the VIP (%u VLAN-tagged), %u ARP, %u ICMP errors, "
	       "%u fragments (in pairs), %u not for the VIP\n",
	       imix ? "IMIX" : "64-byte", mix.n, (double)mix.bytes / mix.n,
	       mix.n_l4, mix.n_vlan, mix.n_arp, mix.n_icmperr, mix.n_frag,
	       mix.n_other);
	printf("%u VIP%s (the frames to a VIP take them in turn); first VIP: "
	       "hash %s%s, nodes %s of %u; burst %u; lcores %u (workers "
	       "first, then main); %u runs x %.2f s per path, io-fwd and steer "
	       "interleaved; TSC %.1f MHz\n",
	       vm->n, vm->n > 1 ? "s" : "",
	       vip->hash.compat == VS_COMPAT_NFT
		       ? "nft"
		       : vs_hash_mode_name(vip->hash.mode),
	       a->needs_reassembly ? " (reassembly on)" : "", nodes,
	       vip->hash.total_nodes, a->conf.burst, nlc, BENCH_RUNS, slice,
	       a->tsc_hz / 1e6);
	fflush(stdout);

	/* warm-up: caches, mempool caches, fragment tables */
	for (i = 0; i < nlc; i++)
		blc[order[i]].active = true;
	launch_slice(a, PATH_STEER, a->tsc_hz / 20);
	for (i = 0; i < nlc; i++)
		steer_generated += blc[order[i]].res.frames;

	memset(rows, 0, sizeof(rows));
	for (n = 1; n <= nlc && !vs_app_stopping(a); n++) {
		struct row *rw = &rows[n - 1];

		rw->lcores = n;
		for (run = 0; run < BENCH_RUNS && !vs_app_stopping(a); run++) {
			int first = run % 2 ? PATH_STEER : PATH_IOFWD;

			run_slice(a, order, n, first, slice, rw, run);
			run_slice(a, order, n, !first, slice, rw, run);
		}
		for (int p = 0; p < NB_PATHS; p++) {
			rw->med_mpps_lcore[p] =
				vs_gen_median(rw->mpps_lcore[p], BENCH_RUNS);
			rw->med_mpps_total[p] =
				vs_gen_median(rw->mpps_total[p], BENCH_RUNS);
			rw->med_cyc[p] = vs_gen_median(rw->cyc[p], BENCH_RUNS);
			rw->best_mpps_lcore[p] =
				maxd(rw->mpps_lcore[p], BENCH_RUNS);
		}
		rw->ratio = rw->med_mpps_lcore[PATH_IOFWD] > 0
				    ? rw->med_mpps_lcore[PATH_STEER] /
					      rw->med_mpps_lcore[PATH_IOFWD]
				    : 0;
	}
	if (vs_app_stopping(a)) {
		bench_teardown(a);
		return 1;
	}
	for (i = 0; i < nlc; i++)
		vs_worker_drain(&a->workers[i]);

	printf("\n%-6s %-7s %11s %11s %13s %13s %7s\n", "lcores", "path",
	       "Mpps total", "Mpps/lcore", "cycles/frame", "best Mpps/lc",
	       "ratio");
	for (n = 0; n < nlc; n++) {
		const struct row *rw = &rows[n];

		for (int p = 0; p < NB_PATHS; p++) {
			printf("%-6u %-7s %11.2f %11.2f %13.1f %13.2f",
			       rw->lcores, path_name[p], rw->med_mpps_total[p],
			       rw->med_mpps_lcore[p], rw->med_cyc[p],
			       rw->best_mpps_lcore[p]);
			if (p == PATH_STEER)
				printf(" %7.3f\n", rw->ratio);
			else
				printf(" %7s\n", "");
		}
	}
	printf("(medians of %u runs; cycles are TSC ticks per frame per lcore; "
	       "ratio = steer / io-fwd Mpps per lcore)\n",
	       BENCH_RUNS);

	vs_stats_sum(a, &s);
	ok = counters_check(&s, stdout);
	if (!ok)
		ret = 1;

	top = &rows[nlc - 1];
	printf("{\"bench\":\"dpdk-vipshare\",\"mix\":\"%s\",\"vips\":%u,"
	       "\"mean_frame_bytes\":%.1f,\"hashmode\":\"%s\",\"compat\":\"%s\",\"nodes\":\"%s/%u\","
	       "\"burst\":%u,\"runs\":%u,\"seconds_per_path\":%.2f,"
	       "\"tsc_mhz\":%.1f,\"lcores\":%u,\"steer_mpps_per_lcore\":%.3f,"
	       "\"iofwd_mpps_per_lcore\":%.3f,\"ratio\":%.4f,"
	       "\"cycles_per_frame\":%.2f,\"iofwd_cycles_per_frame\":%.2f,"
	       "\"scaling\":[",
	       imix ? "imix" : "64", vm->n, (double)mix.bytes / mix.n,
	       vs_hash_mode_name(vip->hash.mode),
	       vs_hash_compat_name(vip->hash.compat), nodes,
	       vip->hash.total_nodes, a->conf.burst, BENCH_RUNS, per_path,
	       a->tsc_hz / 1e6, nlc, top->med_mpps_lcore[PATH_STEER],
	       top->med_mpps_lcore[PATH_IOFWD], top->ratio,
	       top->med_cyc[PATH_STEER], top->med_cyc[PATH_IOFWD]);
	for (n = 0; n < nlc; n++) {
		if (n)
			putchar(',');
		json_row(stdout, &rows[n]);
	}
	printf("],\"counters\":{\"generated\":%" PRIu64, steer_generated);
	vs_stats_foreach_counter(&s, json_counter, stdout);
	printf("},\"counters_ok\":%s}\n", ok ? "true" : "false");
	fflush(stdout);
	bench_teardown(a);
	return ret;
}
