/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vs-host-relay: the host port module (app/vs_host.h) alone, without the
 * appliance: an L2 relay between a NIC port and the host port, or a
 * generator of small UDP frames into the host port.
 *
 *   relay   every frame from the NIC (port 0) goes to the host port
 *           (vs_host_tx: GRO into TSO super-frames), every frame from the
 *           host port to the NIC (vs_host_rx, vs_wire_prep: TSO or rte_gso
 *           and software checksums). One queue per lcore. TCP segments
 *           are held for GRO up to --gro-hold microseconds (default 50,
 *           as dpdk-vipshare's; 0: merged only within one burst), written
 *           before an --idle-sleep. vnet: the kernel receives in a NAPI
 *           thread of its own unless --napi off (as dpdk-vipshare's
 *           --host-napi).
 *   --gen S 60-byte UDP frames built in memory, written into the host port
 *           for S seconds by every lcore on its own queue; no NIC needed.
 *
 * Prints "ready IFNAME" once the interface exists (down, no address: the
 * caller configures it), and on SIGINT/SIGTERM (or the end of --gen) one
 * JSON line of counters. Used by tests/host/check_host.sh and
 * scripts/bench-host.sh.
 */
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "vs_host.h"

#define BURST 32
#define OUT_MAX (BURST * VS_HOST_GSO_MAX_SEGS)

static volatile bool quit;
static struct vs_host host;
static struct vs_wire wire;
static uint16_t nic = RTE_MAX_ETHPORTS;
static struct rte_mempool *pool, *ipool;
static uint32_t idle_us;
static uint32_t gro_hold_us = VS_HOST_GRO_HOLD_US;
static bool napi = true;
static double gen_secs;
static uint32_t gen_src, gen_dst;

struct lstate {
	uint16_t q;
	uint64_t nic_rx, nic_tx, nic_tx_drop, gen_sent;
	uint64_t tsc;
	struct vs_wire_stats ws;
} __rte_cache_aligned;

static struct lstate ls[RTE_MAX_LCORE];

static void
on_signal(int sig)
{
	RTE_SET_USED(sig);
	quit = true;
}

static void
nic_send(struct lstate *l, struct rte_mbuf **out, uint16_t n)
{
	uint16_t sent = 0, tries = 0;

	while (sent < n && tries++ < 64)
		sent += rte_eth_tx_burst(nic, l->q, out + sent, n - sent);
	l->nic_tx += sent;
	if (sent < n) {
		l->nic_tx_drop += n - sent;
		rte_pktmbuf_free_bulk(out + sent, n - sent);
	}
}

static int
relay_main(void *arg)
{
	struct lstate *l = arg;
	struct rte_mbuf *pkts[BURST], *out[OUT_MAX];
	uint16_t n, m, i, no;

	while (!quit) {
		n = rte_eth_rx_burst(nic, l->q, pkts, BURST);
		if (n) {
			l->nic_rx += n;
			vs_host_tx(&host, l->q, pkts, n);
		}
		m = vs_host_rx(&host, l->q, pkts, BURST);
		for (i = no = 0; i < m; i++) {
			if (OUT_MAX - no < VS_HOST_GSO_MAX_SEGS) {
				nic_send(l, out, no);
				no = 0;
			}
			no = (uint16_t)(no +
					vs_wire_prep(&wire, pkts[i], out + no,
						     OUT_MAX - no, &l->ws));
		}
		if (no)
			nic_send(l, out, no);
		vs_host_tx_flush(&host, l->q, rte_rdtsc(),
				 n == 0 && m == 0 && idle_us);
		if (n == 0 && m == 0 && idle_us)
			rte_delay_us_sleep(idle_us);
	}
	return 0;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* 60-byte UDP to gen_dst:9999, source address and port varied per frame. */
static void
gen_frame(uint8_t *f, uint32_t i)
{
	uint32_t src = ntohl(gen_src) + (i & 0xff);
	uint32_t sum = 0, k;

	memset(f, 0, 60);
	memcpy(f, host.mac.addr_bytes, 6);
	f[6] = 0x02;
	f[11] = 0x01;
	put16(f + 12, 0x0800);
	f[14] = 0x45;
	put16(f + 16, 46);
	put16(f + 20, 0x4000);
	f[22] = 64;
	f[23] = 17;
	put16(f + 26, (uint16_t)(src >> 16));
	put16(f + 28, (uint16_t)src);
	memcpy(f + 30, &gen_dst, 4);
	for (k = 14; k < 34; k += 2)
		sum += (uint32_t)f[k] << 8 | f[k + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	put16(f + 24, (uint16_t)~sum);
	put16(f + 34, (uint16_t)(1024 + (i >> 8) % 4096));
	put16(f + 36, 9999);
	put16(f + 38, 26); /* checksum 0: none, as IPv4 allows */
}

static int
gen_main(void *arg)
{
	struct lstate *l = arg;
	struct rte_mbuf *pkts[BURST];
	uint64_t end, t0;
	uint32_t i = l->q * 7919u;
	uint16_t k;

	t0 = rte_rdtsc();
	end = t0 + (uint64_t)(gen_secs * rte_get_tsc_hz());
	while (!quit && rte_rdtsc() < end) {
		if (rte_pktmbuf_alloc_bulk(pool, pkts, BURST) != 0)
			continue;
		for (k = 0; k < BURST; k++) {
			uint8_t *p = (uint8_t *)rte_pktmbuf_append(pkts[k], 60);

			gen_frame(p, i++);
		}
		vs_host_tx(&host, l->q, pkts, BURST);
		l->gen_sent += BURST;
		/* answers (ICMP errors, ARP) must not pile up */
		k = vs_host_rx(&host, l->q, pkts, BURST);
		rte_pktmbuf_free_bulk(pkts, k);
	}
	l->tsc = rte_rdtsc() - t0;
	return 0;
}

static int
nic_setup(uint16_t nq, uint16_t mtu)
{
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	uint16_t q;
	int r;

	memset(&conf, 0, sizeof(conf));
	r = rte_eth_dev_info_get(nic, &info);
	if (r < 0)
		return r;
	conf.txmode.offloads = vs_wire_tx_offloads(info.tx_offload_capa);
	r = rte_eth_dev_configure(nic, nq, nq, &conf);
	for (q = 0; r == 0 && q < nq; q++)
		r = rte_eth_rx_queue_setup(nic, q, 1024, 0, NULL, pool);
	for (q = 0; r == 0 && q < nq; q++)
		r = rte_eth_tx_queue_setup(nic, q, 1024, 0, NULL);
	if (r == 0)
		r = rte_eth_dev_start(nic);
	if (r == 0)
		r = vs_wire_init(&wire, conf.txmode.offloads, mtu,
				 info.tx_desc_lim.nb_mtu_seg_max
					 ? info.tx_desc_lim.nb_mtu_seg_max
					 : 1,
				 pool, ipool);
	return r;
}

static void
usage(void)
{
	fprintf(stderr,
		"usage: vs-host-relay [EAL] -- [--host vnet|tapv|tap] "
		"[--ifname NAME] [--mtu N] [--idle-sleep US] [--gro-hold US] "
		"[--napi on|off] "
		"[--gen SECONDS --gen-dst A.B.C.D --gen-src A.B.C.D]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"host", required_argument, NULL, 'h'},
		{"ifname", required_argument, NULL, 'i'},
		{"mtu", required_argument, NULL, 'm'},
		{"idle-sleep", required_argument, NULL, 's'},
		{"gro-hold", required_argument, NULL, 'H'},
		{"napi", required_argument, NULL, 'N'},
		{"gen", required_argument, NULL, 'g'},
		{"gen-dst", required_argument, NULL, 'd'},
		{"gen-src", required_argument, NULL, 'S'},
		{NULL, 0, NULL, 0},
	};
	struct vs_host_conf hc;
	struct vs_host_stats hs;
	struct vs_wire_stats ws;
	struct rte_eth_stats es;
	unsigned int lc, nq, i = 0, e;
	uint64_t nic_rx = 0, nic_tx = 0, nic_drop = 0, sent = 0, tsc = 0;
	uint16_t mtu = 1500;
	int r, o;

	r = rte_eal_init(argc, argv);
	if (r < 0)
		return 1;
	argc -= r;
	argv += r;
	memset(&hc, 0, sizeof(hc));
	hc.be = VS_HOST_BE_VNET;
	snprintf(hc.ifname, sizeof(hc.ifname), "vs0");
	inet_pton(AF_INET, "192.168.100.100", &gen_dst);
	inet_pton(AF_INET, "10.1.0.0", &gen_src);
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'h':
			if (!strcmp(optarg, "vnet"))
				hc.be = VS_HOST_BE_VNET;
			else if (!strcmp(optarg, "tapv"))
				hc.be = VS_HOST_BE_TAPV;
			else if (!strcmp(optarg, "tap"))
				hc.be = VS_HOST_BE_ETH;
			else
				usage();
			break;
		case 'i':
			snprintf(hc.ifname, sizeof(hc.ifname), "%s", optarg);
			break;
		case 'm':
			mtu = (uint16_t)atoi(optarg);
			break;
		case 's':
			idle_us = (uint32_t)atoi(optarg);
			break;
		case 'H':
			gro_hold_us = (uint32_t)atoi(optarg);
			break;
		case 'N':
			if (strcmp(optarg, "on") && strcmp(optarg, "off"))
				usage();
			napi = !strcmp(optarg, "on");
			break;
		case 'g':
			gen_secs = atof(optarg);
			break;
		case 'd':
			if (inet_pton(AF_INET, optarg, &gen_dst) != 1)
				usage();
			break;
		case 'S':
			if (inet_pton(AF_INET, optarg, &gen_src) != 1)
				usage();
			break;
		default:
			usage();
		}
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	nq = rte_lcore_count();
	pool = rte_pktmbuf_pool_create("relay", 16384 + nq * 2048, 256, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	ipool = rte_pktmbuf_pool_create("relay_ind", 8192, 256, 0, 0, 0);
	if (pool == NULL || ipool == NULL)
		return 1;
	if (gen_secs == 0) {
		if (rte_eth_dev_count_avail() < 1) {
			fprintf(stderr, "vs-host-relay: no NIC port\n");
			return 2;
		}
		nic = 0;
		rte_eth_macaddr_get(nic, &hc.mac);
		r = nic_setup((uint16_t)nq, mtu);
		if (r < 0) {
			fprintf(stderr, "vs-host-relay: NIC: %s\n",
				rte_strerror(-r));
			return 1;
		}
	} else {
		rte_ether_unformat_addr("02:00:00:00:00:02", &hc.mac);
	}
	hc.mtu = mtu;
	hc.nb_queues = (uint16_t)nq;
	hc.gro_hold_us = gro_hold_us;
	hc.napi = napi;
	hc.pool = pool;
	hc.port = RTE_MAX_ETHPORTS;
	if (hc.be == VS_HOST_BE_ETH) {
		char mac[RTE_ETHER_ADDR_FMT_SIZE];

		rte_ether_format_addr(mac, sizeof(mac), &hc.mac);
		snprintf(hc.devname, sizeof(hc.devname), "net_tap_%s",
			 hc.ifname);
		snprintf(hc.devargs, sizeof(hc.devargs), "iface=%s,mac=%s",
			 hc.ifname, mac);
	}
	r = vs_host_create(&host, &hc);
	if (r < 0) {
		fprintf(stderr, "vs-host-relay: host port: %s\n", strerror(-r));
		return 1;
	}
	r = vs_host_up(&host, 0, 0, false);
	if (r < 0) {
		fprintf(stderr, "vs-host-relay: up: %s\n", strerror(-r));
		vs_host_destroy(&host);
		return 1;
	}
	printf("ready %s %s\n", hc.ifname, vs_host_be_name(hc.be));
	fflush(stdout);
	if (gen_secs > 0) /* let the caller give the interface its address */
		rte_delay_us_sleep(2000 * 1000);
	RTE_LCORE_FOREACH (lc) {
		ls[lc].q = (uint16_t)i++;
		if (lc != rte_get_main_lcore())
			rte_eal_remote_launch(gen_secs > 0 ? gen_main
							   : relay_main,
					      &ls[lc], lc);
	}
	if (gen_secs > 0)
		gen_main(&ls[rte_get_main_lcore()]);
	else
		relay_main(&ls[rte_get_main_lcore()]);
	quit = true;
	rte_eal_mp_wait_lcore();

	memset(&ws, 0, sizeof(ws));
	RTE_LCORE_FOREACH (lc) {
		nic_rx += ls[lc].nic_rx;
		nic_tx += ls[lc].nic_tx;
		nic_drop += ls[lc].nic_tx_drop;
		sent += ls[lc].gen_sent;
		tsc = RTE_MAX(tsc, ls[lc].tsc);
#define WS_SUM(n) ws.n += ls[lc].ws.n;
		VS_WIRE_STATS(WS_SUM)
#undef WS_SUM
	}
	vs_host_stats(&host, &hs);
	memset(&es, 0, sizeof(es));
	if (nic < RTE_MAX_ETHPORTS)
		rte_eth_stats_get(nic, &es);
	printf("{\"host\":\"%s\",\"queues\":%u,\"nic_rx\":%" PRIu64
	       ",\"nic_tx\":%" PRIu64 ",\"nic_tx_drop\":%" PRIu64
	       ",\"gen_offered\":%" PRIu64 ",\"gen_seconds\":%.6f",
	       vs_host_be_name(hc.be), nq, nic_rx, nic_tx, nic_drop, sent,
	       tsc ? (double)tsc / rte_get_tsc_hz() : 0.0);
#define PJ(n) printf(",\"" #n "\":%" PRIu64, (uint64_t)hs.n);
	VS_HOST_STATS(PJ)
#undef PJ
#define PW(n) printf(",\"" #n "\":%" PRIu64, (uint64_t)ws.n);
	VS_WIRE_STATS(PW)
#undef PW
	printf(",\"nic_imissed\":%" PRIu64 ",\"nic_ierrors\":%" PRIu64
	       ",\"nic_nombuf\":%" PRIu64,
	       es.imissed, es.ierrors, es.rx_nombuf);
	printf(",\"vnet_err\":{");
	for (e = 1; e < VS_VNET_E_MAX; e++)
		printf("%s\"%s\":%" PRIu64, e > 1 ? "," : "",
		       vs_vnet_err_name(e), hs.vnet_err[e]);
	printf("}}\n");
	fflush(stdout);
	vs_host_destroy(&host);
	if (nic < RTE_MAX_ETHPORTS) {
		rte_eth_dev_stop(nic);
		rte_eth_dev_close(nic);
	}
	rte_eal_cleanup();
	return 0;
}
