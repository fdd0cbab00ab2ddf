/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * --bench-host: small frames into the host stack through the real host
 * port, at the rate the appliance can hand them over.
 *
 * The appliance is set up as for production (vs_port_init: the host port
 * of --host, the VIP on it; workers as vs_worker_setup makes them), but
 * the NIC's receive is stood in for by frames built in memory: 64-byte UDP
 * datagrams to VIP:9999 from 256 addresses of the VIP's subnet, to the
 * cluster MAC, as a NIC's DMA would deliver them (bulk allocation, copy).
 * Every worker lcore steers them with the real data path
 * (vs_worker_nic_burst: parse, hash, ownership, vs_host_tx) for
 * --bench-seconds, and polls the host port as vs_worker_main does. The
 * generator is therefore not a separate process or a wire: what limits the
 * rate is the data path and the host port.
 *
 * What the kernel counted is read from its UDP statistics in this network
 * namespace (UdpInDatagrams + RcvbufErrors: datagrams that reached the UDP
 * layer, whether or not the socket had room), with a socket bound to
 * VIP:9999 that never reads. Hold every node number (--node 1/1) for all
 * frames to be owned. The NIC port only needs to exist (--vdev net_null0).
 *
 * stdout: a line per lcore, then one JSON object on the last line.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_memcpy.h>

#include "vs_app.h"
#include "vs_bench_host.h"
#include "vs_host.h"
#include "vs_log.h"
#include "vs_stats.h"

#define FRAME_LEN 60 /* 64 bytes on the wire with the FCS */
#define TEMPLATES 256
#define UDP_PORT 9999

RTE_LOG_REGISTER(vs_logtype_bench_host, vipshare.bench_host, INFO);

static uint8_t tmpl[TEMPLATES][FRAME_LEN];

struct bh_lcore {
	struct vs_worker *w;
	uint64_t frames, cycles, alloc_fail;
} __rte_cache_aligned;

static struct bh_lcore bhl[RTE_MAX_LCORE];
static uint64_t bh_start, bh_cycles;

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* The traffic goes to the first VIP (of --vip, or of the file). */
static const struct vs_vip *
first_vip(const struct vs_app *a)
{
	return vs_vip_at(&a->vips, vs_vip_map(&a->vips)->slot[0]);
}

/* UDP to VIP:9999 from host i of the VIP's /24 (never the VIP itself). */
static void
templates_build(const struct vs_app *a)
{
	const struct vs_vip *vip = first_vip(a);
	uint32_t dst = rte_be_to_cpu_32(vip->hash.vip), i, k, sum;

	for (i = 0; i < TEMPLATES; i++) {
		uint8_t *f = tmpl[i];
		uint32_t src = (dst & 0xffffff00u) | (i ? i : 1);

		if (src == dst)
			src ^= 0x80;
		memset(f, 0, FRAME_LEN);
		memcpy(f, vip->arp.cluster_mac.addr_bytes, 6);
		f[6] = 0x02;
		f[11] = (uint8_t)i;
		put16(f + 12, 0x0800);
		f[14] = 0x45;
		put16(f + 16, FRAME_LEN - 14);
		put16(f + 18, (uint16_t)i);
		put16(f + 20, 0x4000);
		f[22] = 64;
		f[23] = IPPROTO_UDP;
		put16(f + 26, (uint16_t)(src >> 16));
		put16(f + 28, (uint16_t)src);
		put16(f + 30, (uint16_t)(dst >> 16));
		put16(f + 32, (uint16_t)dst);
		for (k = 14, sum = 0; k < 34; k += 2)
			sum += (uint32_t)f[k] << 8 | f[k + 1];
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		put16(f + 24, (uint16_t)~sum);
		put16(f + 34, (uint16_t)(1024 + i));
		put16(f + 36, UDP_PORT);
		put16(f + 38, FRAME_LEN - 34); /* checksum 0: none (IPv4) */
	}
}

static int
bh_lcore_main(void *arg)
{
	struct vs_app *a = arg;
	struct bh_lcore *l = &bhl[rte_lcore_id()];
	const uint16_t burst = (uint16_t)a->conf.burst;
	struct rte_mbuf *pkts[VS_MAX_BURST];
	uint64_t now, t0, end, frames = 0, fail = 0;
	uint32_t idx = 0;
	uint16_t i, n;

	if (l->w == NULL)
		return 0;
	while ((now = rte_rdtsc()) < bh_start)
		rte_pause();
	t0 = now;
	end = bh_start + bh_cycles;
	while (now < end && !vs_app_stopping(a)) {
		if (unlikely(rte_pktmbuf_alloc_bulk(a->ports.pool, pkts,
						    burst) != 0)) {
			fail++;
		} else {
			for (i = 0; i < burst; i++) {
				struct rte_mbuf *m = pkts[i];

				rte_memcpy(rte_pktmbuf_mtod(m, void *),
					   tmpl[idx], FRAME_LEN);
				m->data_len = m->pkt_len = FRAME_LEN;
				m->ol_flags = RTE_MBUF_F_RX_IP_CKSUM_GOOD |
					      RTE_MBUF_F_RX_L4_CKSUM_GOOD;
				idx = (idx + 1) % TEMPLATES;
			}
			vs_worker_nic_burst(l->w, pkts, burst, now);
			frames += burst;
		}
		/* what the kernel answers (ICMP, ARP) goes out as usual */
		if (l->w->host_rx) {
			n = vs_host_rx(&a->ports.host, l->w->q, pkts, burst);
			if (n)
				vs_worker_host_burst(l->w, pkts, n);
		}
		now = rte_rdtsc();
		vs_worker_housekeeping(l->w, now);
	}
	l->frames = frames;
	l->cycles = now - t0;
	l->alloc_fail = fail;
	return 0;
}

/* UdpInDatagrams + RcvbufErrors of this namespace; -1 when unreadable. */
static int64_t
udp_reached(void)
{
	char line[1024], names[1024];
	int64_t in = -1, rcvbuf = -1;
	FILE *f = fopen("/proc/net/snmp", "r");

	if (f == NULL)
		return -1;
	names[0] = '\0';
	while (fgets(line, sizeof(line), f) != NULL) {
		char *sn, *sv, *n, *v;

		if (strncmp(line, "Udp:", 4) != 0)
			continue;
		if (names[0] == '\0') {
			snprintf(names, sizeof(names), "%s", line);
			continue;
		}
		n = strtok_r(names, " \n", &sn);
		v = strtok_r(line, " \n", &sv);
		while (n != NULL && v != NULL) {
			if (strcmp(n, "InDatagrams") == 0)
				in = strtoll(v, NULL, 10);
			else if (strcmp(n, "RcvbufErrors") == 0)
				rcvbuf = strtoll(v, NULL, 10);
			n = strtok_r(NULL, " \n", &sn);
			v = strtok_r(NULL, " \n", &sv);
		}
		break;
	}
	fclose(f);
	return in < 0 || rcvbuf < 0 ? -1 : in + rcvbuf;
}

/* A socket on VIP:9999 that never reads, so that datagrams reach UDP. */
static int
sink_open(const struct vs_app *a)
{
	struct sockaddr_in sin;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), one = 1;
	int big = 8 << 20;

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(UDP_PORT);
	sin.sin_addr.s_addr = first_vip(a)->hash.vip;
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

int
vs_bench_host_run(struct vs_app *a)
{
	struct vs_host_stats h0, h1;
	struct vs_stats s;
	uint64_t frames = 0, fail = 0, cycles = 0;
	int64_t u0, u1;
	double secs;
	unsigned int i, lc;
	int fd, r;

	templates_build(a);
	fd = sink_open(a);
	if (fd < 0) {
		VS_LOG(bench_host, ERR,
		       "bench-host: no socket on the VIP: %s "
		       "(--no-host-addr?)\n",
		       strerror(-fd));
		return 1;
	}
	/* no gratuitous ARPs or IGMP into the measurement */
	for (i = 0; i < VS_MAX_VIPS; i++)
		a->vips.v[i].garp_left = 0;
	for (i = 0; i < a->nb_workers; i++) {
		a->workers[i].announce = false;
		bhl[a->workers[i].lcore].w = &a->workers[i];
	}
	/* let the interface settle (IPv4 up, routes) */
	rte_delay_us_sleep(200 * 1000);
	vs_host_stats(&a->ports.host, &h0);
	u0 = udp_reached();
	bh_cycles = (uint64_t)a->conf.bench.seconds * a->tsc_hz;
	bh_start = rte_rdtsc() + a->tsc_hz / 50;
	r = rte_eal_mp_remote_launch(bh_lcore_main, a, CALL_MAIN);
	if (r < 0)
		VS_LOG(bench_host, ERR, "bench-host: lcores not launched: %s\n",
		       rte_strerror(-r));
	rte_eal_mp_wait_lcore();
	/* what is still in the kernel's backlog lands within ms */
	rte_delay_us_sleep(100 * 1000);
	u1 = udp_reached();
	vs_host_stats(&a->ports.host, &h1);
	close(fd);
	vs_stats_sum(a, &s);
	RTE_LCORE_FOREACH (lc) {
		const struct bh_lcore *l = &bhl[lc];

		if (l->w == NULL)
			continue;
		printf("bench-host: lcore %u (worker %u): %" PRIu64
		       " frames in %.3f s = %.3f Mpps%s\n",
		       lc, l->w->q, l->frames,
		       (double)l->cycles / (double)a->tsc_hz,
		       l->cycles ? (double)l->frames * (double)a->tsc_hz /
					   (double)l->cycles / 1e6
				 : 0.0,
		       l->alloc_fail ? " (bursts without mbufs)" : "");
		frames += l->frames;
		fail += l->alloc_fail;
		cycles = RTE_MAX(cycles, l->cycles);
	}
	secs = cycles ? (double)cycles / (double)a->tsc_hz : 1.0;
	printf("bench-host: %u worker lcore(s), host port %s: offered %.3f "
	       "Mpps, to the host %.3f Mpps, into the UDP layer %.3f Mpps "
	       "(%.3f per worker lcore), dropped %" PRIu64 "\n",
	       a->nb_workers, vs_host_be_name(a->ports.host.conf.be),
	       (double)frames / secs / 1e6,
	       (double)(h1.host_tx_wire - h0.host_tx_wire) / secs / 1e6,
	       u0 >= 0 && u1 >= 0 ? (double)(u1 - u0) / secs / 1e6 : -1.0,
	       u0 >= 0 && u1 >= 0
		       ? (double)(u1 - u0) / secs / 1e6 / a->nb_workers
		       : -1.0,
	       s.tx_host_drop);
	printf("{\"bench\":\"host\",\"host\":\"%s\",\"lcores\":%u,"
	       "\"seconds\":%.3f,\"offered\":%" PRIu64 ",\"to_host\":%" PRIu64
	       ",\"udp_reached\":%" PRId64 ",\"tx_host_drop\":%" PRIu64
	       ",\"vip_owned\":%" PRIu64 ",\"vip_not_owned\":%" PRIu64
	       ",\"alloc_fail\":%" PRIu64 ",\"offered_mpps\":%.3f,"
	       "\"udp_mpps\":%.3f,\"udp_mpps_per_lcore\":%.3f}\n",
	       vs_host_be_name(a->ports.host.conf.be), a->nb_workers, secs,
	       frames, h1.host_tx_wire - h0.host_tx_wire,
	       u0 >= 0 && u1 >= 0 ? u1 - u0 : -1, s.tx_host_drop, s.vip_owned,
	       s.vip_not_owned, fail, (double)frames / secs / 1e6,
	       u0 >= 0 && u1 >= 0 ? (double)(u1 - u0) / secs / 1e6 : -1.0,
	       u0 >= 0 && u1 >= 0
		       ? (double)(u1 - u0) / secs / 1e6 / a->nb_workers
		       : -1.0);
	fflush(stdout);
	return u0 >= 0 && u1 >= 0 && frames > 0 ? 0 : 1;
}
