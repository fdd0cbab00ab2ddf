/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The host port (vs_host.h): the backends behind one interface, the GRO
 * step into the kernel, and vs_wire_prep on the way out to the NIC.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_bus_vdev.h>
#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_gro.h>
#include <rte_gso.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_net.h>

#include "vs_host.h"
#include "vs_host_kern.h"

#define ETH_NB_DESC 1024

const char *
vs_host_be_name(enum vs_host_be be)
{
	switch (be) {
	case VS_HOST_BE_VNET:
		return "vnet";
	case VS_HOST_BE_TAPV:
		return "tapv";
	default:
		return "eth";
	}
}

/* ------------------------------------------------------------------ */
/* eth: an ethdev port                                                */

/*
 * Offloads: where the port has them (virtio-user over vhost-net), it takes
 * TSO super-frames and partial checksums and hands back LRO frames; net_tap
 * would only segment super-frames again in software, so nothing is asked.
 */
static int
eth_setup(struct vs_host *h)
{
	const struct vs_host_conf *c = &h->conf;
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	uint16_t nb_rxd = ETH_NB_DESC, nb_txd = ETH_NB_DESC, q, nb_rx;
	const uint64_t want_tx = RTE_ETH_TX_OFFLOAD_TCP_TSO |
				 RTE_ETH_TX_OFFLOAD_TCP_CKSUM |
				 RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
	const uint64_t want_rx = RTE_ETH_RX_OFFLOAD_TCP_LRO |
				 RTE_ETH_RX_OFFLOAD_TCP_CKSUM |
				 RTE_ETH_RX_OFFLOAD_UDP_CKSUM;
	int r;

	r = rte_eth_dev_info_get(h->port, &info);
	if (r < 0)
		return r;
	if (info.max_tx_queues < c->nb_queues) {
		VS_LOG(host, ERR,
			"host port has %u TX queues for %u workers: use "
			"fewer lcores\n",
			info.max_tx_queues, c->nb_queues);
		return -ENOTSUP;
	}
	nb_rx = RTE_MIN(c->nb_queues, info.max_rx_queues);
	memset(&conf, 0, sizeof(conf));
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	if (strncmp(info.driver_name, "net_tap", 7) != 0 &&
	    (info.tx_offload_capa & want_tx) == want_tx &&
	    conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_MULTI_SEGS) {
		conf.txmode.offloads |= want_tx;
		h->offloads = true;
	}
	if (strncmp(info.driver_name, "net_tap", 7) != 0 &&
	    (info.rx_offload_capa & want_rx) == want_rx &&
	    info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER) {
		conf.rxmode.offloads |= want_rx | RTE_ETH_RX_OFFLOAD_SCATTER;
		conf.rxmode.max_lro_pkt_size = RTE_MIN(
			info.max_lro_pkt_size, (uint32_t)VS_VNET_MAX_FRAME);
		h->eth_rx_offloads = true;
	}
	r = rte_eth_dev_configure(h->port, nb_rx, c->nb_queues, &conf);
	if (r < 0)
		return r;
	r = rte_eth_dev_adjust_nb_rx_tx_desc(h->port, &nb_rxd, &nb_txd);
	if (r < 0)
		return r;
	for (q = 0; q < nb_rx; q++) {
		r = rte_eth_rx_queue_setup(h->port, q, nb_rxd,
					   rte_eth_dev_socket_id(h->port), NULL,
					   c->pool);
		if (r < 0)
			return r;
	}
	for (q = 0; q < c->nb_queues; q++) {
		r = rte_eth_tx_queue_setup(h->port, q, nb_txd,
					   rte_eth_dev_socket_id(h->port),
					   NULL);
		if (r < 0)
			return r;
	}
	/* the host must not send what the NIC cannot carry */
	if (h->created && c->mtu)
		rte_eth_dev_set_mtu(h->port, c->mtu);
	r = rte_eth_dev_start(h->port);
	if (r < 0)
		return r;
	rte_eth_macaddr_get(h->port, &h->mac);
	/* queues past the port's receive queues are not polled */
	for (q = 0; q < c->nb_queues; q++) {
		h->q[q] = rte_zmalloc("vs_host_q", sizeof(*h->q[q]),
				      RTE_CACHE_LINE_SIZE);
		if (h->q[q] == NULL)
			return -ENOMEM;
		h->q[q]->fd = -1;
		h->q[q]->polled = q < nb_rx;
	}
	return 0;
}

static int
eth_create(struct vs_host *h)
{
	const struct vs_host_conf *c = &h->conf;
	int r;

	h->port = c->port;
	if (h->port >= RTE_MAX_ETHPORTS) {
		r = rte_eal_hotplug_add("vdev", c->devname, c->devargs);
		if (r < 0) {
			VS_LOG(host, ERR, "cannot create host port %s (%s): %s\n",
				c->devname, c->devargs, rte_strerror(-r));
			return r;
		}
		h->created = true;
		if (rte_eth_dev_get_port_by_name(c->devname, &h->port) < 0)
			return -ENODEV;
	}
	r = eth_setup(h);
	if (r < 0)
		VS_LOG(host, ERR, "host port %u setup: %s\n", h->port,
			rte_strerror(-r));
	return r;
}

static void
eth_destroy(struct vs_host *h)
{
	unsigned int q;

	if (h->port < RTE_MAX_ETHPORTS && rte_eth_dev_is_valid_port(h->port)) {
		rte_eth_dev_stop(h->port);
		rte_eth_dev_close(h->port);
	}
	/* closing our TAP removes the interface, and the VIP with it */
	if (h->created)
		rte_eal_hotplug_remove("vdev", h->conf.devname);
	for (q = 0; q < RTE_DIM(h->q); q++) {
		rte_free(h->q[q]);
		h->q[q] = NULL;
	}
	h->created = false;
}

/*
 * LRO frames and partial checksums from the port: the same check and the
 * same offload requests as a virtio_net_hdr from a kernel interface.
 */
static bool
eth_rx_offload(struct vs_host_queue *qu, struct rte_mbuf *m)
{
	const uint64_t l4 = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;
	struct rte_net_hdr_lens hl;
	struct vs_vnet_hdr vh;
	struct vs_vnet_info vi;
	uint32_t ptype;
	int err;

	if (!(m->ol_flags & RTE_MBUF_F_RX_LRO) &&
	    l4 != RTE_MBUF_F_RX_L4_CKSUM_NONE)
		return true;
	memset(&vh, 0, sizeof(vh));
	ptype = rte_net_get_ptype(m, &hl, RTE_PTYPE_ALL_MASK);
	vh.flags = VS_VNET_F_NEEDS_CSUM;
	vh.csum_start = (uint16_t)(hl.l2_len + hl.l3_len);
	if ((ptype & RTE_PTYPE_L4_MASK) == RTE_PTYPE_L4_TCP)
		vh.csum_offset = 16;
	else if ((ptype & RTE_PTYPE_L4_MASK) == RTE_PTYPE_L4_UDP)
		vh.csum_offset = 6;
	else
		vh.flags = 0; /* the PMD completed it, or nothing to do */
	if (m->ol_flags & RTE_MBUF_F_RX_LRO) {
		vh.gso_type = RTE_ETH_IS_IPV4_HDR(ptype) ? VS_VNET_GSO_TCPV4
							 : VS_VNET_GSO_TCPV6;
		vh.gso_size = m->tso_segsz;
	}
	err = vs_vnet_parse(&vh, rte_pktmbuf_mtod(m, uint8_t *), m->data_len,
			    m->pkt_len, &vi);
	if (err != VS_VNET_OK) {
		qu->st.vnet_err[err]++;
		if (err == VS_VNET_E_gso_unsupported)
			qu->st.host_gso_unsupported++;
		else if (err == VS_VNET_E_too_long)
			qu->st.host_too_long++;
		else
			qu->st.host_vnet_bad++;
		return false;
	}
	vs_vnet_info_to_mbuf(&vi, m);
	qu->st.host_rx_super += vi.gso != VS_VNET_GSO_NONE;
	return true;
}

/* ------------------------------------------------------------------ */
/* GRO across bursts                                                  */

/*
 * GRO held across calls. The table is always flushed whole, never in part:
 * rte_gro then hands flows back in the order they first came and each
 * flow's segments in sequence order, so nothing of one flow overtakes
 * another segment of it. A frame that may not merge overtakes held
 * segments only of other flows: gro_mask has a bit per held 4-tuple hash,
 * and a frame whose bit is set flushes the table before it goes (a
 * collision flushes early, never late).
 */
static inline uint64_t
gro_flow_bit(const struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *ip;
	uint32_t l3, ports;

	if (m->data_len < sizeof(struct rte_ether_hdr) + sizeof(*ip))
		return ~0ULL;
	ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *,
				     sizeof(struct rte_ether_hdr));
	l3 = sizeof(struct rte_ether_hdr) + rte_ipv4_hdr_len(ip);
	/* a fragment has no ports to tell its flow by */
	if (m->data_len < l3 + sizeof(ports) ||
	    (ip->fragment_offset &
	     rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)))
		return ~0ULL;
	memcpy(&ports, rte_pktmbuf_mtod_offset(m, const uint8_t *, l3),
	       sizeof(ports));
	return 1ULL << (((ip->src_addr ^ ip->dst_addr ^ ports) * 0x9e3779b1u) >>
			26);
}

/* Everything held, merged, appended to out. */
static uint16_t
gro_flush_held(struct vs_host_queue *qu, struct rte_mbuf **out, uint16_t no)
{
	uint16_t k, i;

	if (qu->gro_held == 0)
		return no;
	k = rte_gro_timeout_flush(qu->gro, 0, RTE_GRO_TCP_IPV4, &out[no],
				  VS_HOST_GRO_HOLD);
	for (i = 0; i < k; i++)
		vs_vnet_gro_done(out[no + i]);
	qu->gro_held = 0;
	qu->gro_mask = 0;
	return no + k;
}

/* Candidates into the table (it has room for them: the caller saw to it). */
static uint16_t
gro_hold(struct vs_host_queue *qu, struct rte_mbuf **cand, uint16_t nc,
	 struct rte_mbuf **out, uint16_t no, uint64_t now)
{
	uint16_t k, i;

	if (nc == 0)
		return no;
	if (qu->gro_held == 0)
		qu->gro_since = now;
	k = rte_gro_reassemble(cand, nc, qu->gro);
	qu->gro_held = (uint16_t)(qu->gro_held + nc - k);
	if (unlikely(k)) {
		/* cannot happen (vs_vnet_gro_prep picked what GRO takes, the
		 * table has room): send them after what is held */
		no = gro_flush_held(qu, out, no);
		for (i = 0; i < k; i++)
			out[no++] = cand[i];
	}
	return no;
}

/* The queues' GRO tables, where the kernel side takes super-frames. */
static int
gro_create(struct vs_host *h)
{
	struct rte_gro_param gp = {
		.gro_types = RTE_GRO_TCP_IPV4,
		/* items and flows alike: one of each per held segment */
		.max_flow_num = VS_HOST_GRO_HOLD,
		.max_item_per_flow = 1,
		.socket_id = (uint16_t)rte_socket_id(),
	};
	unsigned int q;

	h->gro_hold_tsc = rte_get_tsc_hz() * h->conf.gro_hold_us / 1000000;
	if (!h->offloads)
		return 0;
	for (q = 0; q < h->conf.nb_queues; q++) {
		h->q[q]->gro = rte_gro_ctx_create(&gp);
		if (h->q[q]->gro == NULL)
			return -ENOMEM;
	}
	return 0;
}

/* What the tables hold is freed, never written: the port is going. */
static void
gro_destroy(struct vs_host *h)
{
	struct rte_mbuf *out[VS_HOST_GRO_HOLD];
	unsigned int q;
	uint16_t k;

	for (q = 0; q < RTE_DIM(h->q); q++) {
		if (h->q[q] == NULL || h->q[q]->gro == NULL)
			continue;
		k = gro_flush_held(h->q[q], out, 0);
		rte_pktmbuf_free_bulk(out, k);
		rte_gro_ctx_destroy(h->q[q]->gro);
		h->q[q]->gro = NULL;
	}
}

/* ------------------------------------------------------------------ */
/* the interface                                                      */

int
vs_host_create(struct vs_host *h, const struct vs_host_conf *c)
{
	int r;

	memset(h, 0, sizeof(*h));
	h->conf = *c;
	h->port = RTE_MAX_ETHPORTS;
	h->ns_fd = -1;
	if (c->nb_queues == 0 || c->nb_queues > RTE_MAX_LCORE)
		return -EINVAL;
	r = c->be == VS_HOST_BE_ETH ? eth_create(h) : vs_hk_create(h);
	if (r == 0)
		r = gro_create(h);
	if (r < 0)
		vs_host_destroy(h);
	return r;
}

unsigned int
vs_host_mbufs_held(enum vs_host_be be, uint32_t data_room)
{
	return VS_HOST_GRO_HOLD +
	       (be == VS_HOST_BE_ETH ? 0 : vs_hk_mbufs_held(data_room));
}

uint16_t
vs_host_mtu(const struct vs_host *h)
{
	uint16_t mtu = 0;

	if (h->conf.be != VS_HOST_BE_ETH)
		return h->conf.mtu;
	if (h->port < RTE_MAX_ETHPORTS &&
	    rte_eth_dev_get_mtu(h->port, &mtu) < 0)
		mtu = 0;
	return mtu;
}

int
vs_host_ifname(const struct vs_host *h, char name[IF_NAMESIZE])
{
	struct rte_eth_dev_info info;

	/* a port we did not create is the operator's to configure */
	if (!h->created)
		return -ENOENT;
	if (h->conf.ifname[0]) {
		snprintf(name, IF_NAMESIZE, "%s", h->conf.ifname);
		return 0;
	}
	if (rte_eth_dev_info_get(h->port, &info) < 0 || info.if_index == 0 ||
	    if_indextoname(info.if_index, name) == NULL)
		return -ENOENT;
	return 0;
}

int
vs_host_up(struct vs_host *h, uint32_t vip, uint8_t prefix, bool addr)
{
	char name[IF_NAMESIZE];
	int r;

	if (vs_host_ifname(h, name) < 0)
		return 0;
	r = vs_hk_if_up(name, vip, prefix, addr);
	/* not fatal: the host port works as before without it */
	if (r == 0 && h->conf.be == VS_HOST_BE_VNET && h->conf.napi && !h->napi)
		vs_hk_napi(h);
	return r;
}

bool
vs_host_rx_queue(const struct vs_host *h, uint16_t q)
{
	return h->q[q] != NULL && h->q[q]->polled;
}

void
vs_host_destroy(struct vs_host *h)
{
	gro_destroy(h);
	if (h->conf.be == VS_HOST_BE_ETH)
		eth_destroy(h);
	else
		vs_hk_destroy(h);
}

uint16_t
vs_host_rx(struct vs_host *h, uint16_t q, struct rte_mbuf **pkts, uint16_t n)
{
	struct vs_host_queue *qu = h->q[q];
	uint16_t k, i, j;

	if (h->conf.be != VS_HOST_BE_ETH)
		return vs_hk_rx(h, qu, pkts, n);
	if (!qu->polled)
		return 0;
	k = rte_eth_rx_burst(h->port, q, pkts, n);
	qu->st.host_rx += k;
	if (!h->eth_rx_offloads)
		return k;
	for (i = j = 0; i < k; i++) {
		if (eth_rx_offload(qu, pkts[i]))
			pkts[j++] = pkts[i];
		else
			rte_pktmbuf_free(pkts[i]);
	}
	return j;
}

static void
be_tx(struct vs_host *h, struct vs_host_queue *qu, uint16_t q,
      struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t k, i;

	if (h->conf.be != VS_HOST_BE_ETH) {
		vs_hk_tx(h, qu, pkts, n);
		return;
	}
	k = rte_eth_tx_burst(h->port, q, pkts, n);
	for (i = 0; i < k; i++) {
		uint16_t w = pkts[i]->ol_flags & RTE_MBUF_F_TX_TCP_SEG
				     ? pkts[i]->nb_segs
				     : 1;

		qu->st.host_tx_wire += w;
		qu->st.host_tx_super += w > 1;
	}
	qu->st.host_tx += k;
	for (i = k; i < n; i++) {
		qu->st.host_tx_drop += pkts[i]->ol_flags & RTE_MBUF_F_TX_TCP_SEG
					       ? pkts[i]->nb_segs
					       : 1;
		rte_pktmbuf_free(pkts[i]);
	}
}

uint64_t
vs_host_tx(struct vs_host *h, uint16_t q, struct rte_mbuf **pkts, uint16_t n)
{
	struct vs_host_queue *qu = h->q[q];
	const uint64_t dropped = qu->st.host_tx_drop;
	struct rte_mbuf *out[n + VS_HOST_GRO_HOLD], *cand[n];
	uint64_t now;
	uint16_t i, no = 0, nc = 0;

	if (n == 0)
		return 0;
	if (qu->gro == NULL) {
		be_tx(h, qu, q, pkts, n);
		return qu->st.host_tx_drop - dropped;
	}
	now = rte_rdtsc();
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		switch (vs_vnet_gro_prep(m)) {
		case VS_VNET_GRO_CAND:
			if (qu->gro_held + nc == VS_HOST_GRO_HOLD) {
				no = gro_hold(qu, cand, nc, out, no, now);
				no = gro_flush_held(qu, out, no);
				nc = 0;
			}
			cand[nc++] = m;
			qu->gro_mask |= gro_flow_bit(m);
			continue;
		case VS_VNET_GRO_TCP:
			/* after what is held of its flow, never before */
			if (qu->gro_mask & gro_flow_bit(m)) {
				no = gro_hold(qu, cand, nc, out, no, now);
				no = gro_flush_held(qu, out, no);
				nc = 0;
			}
			break;
		default: /* not TCP over untagged IPv4: never held */
			break;
		}
		out[no++] = m;
	}
	no = gro_hold(qu, cand, nc, out, no, now);
	if (qu->gro_held && now - qu->gro_since >= h->gro_hold_tsc)
		no = gro_flush_held(qu, out, no);
	if (no)
		be_tx(h, qu, q, out, no);
	return qu->st.host_tx_drop - dropped;
}

uint64_t
vs_host_tx_flush(struct vs_host *h, uint16_t q, uint64_t now, bool force)
{
	struct vs_host_queue *qu = h->q[q];
	struct rte_mbuf *out[VS_HOST_GRO_HOLD];
	uint64_t dropped;
	uint16_t no;

	/* signed: now may predate the oldest (read before the burst) */
	if (likely(qu->gro_held == 0) ||
	    (!force &&
	     (int64_t)(now - qu->gro_since) < (int64_t)h->gro_hold_tsc))
		return 0;
	dropped = qu->st.host_tx_drop;
	no = gro_flush_held(qu, out, 0);
	be_tx(h, qu, q, out, no);
	return qu->st.host_tx_drop - dropped;
}

void
vs_host_stats(const struct vs_host *h, struct vs_host_stats *s)
{
	unsigned int q, e;

	memset(s, 0, sizeof(*s));
	for (q = 0; q < RTE_DIM(h->q); q++) {
		const struct vs_host_stats *t;

		if (h->q[q] == NULL)
			continue;
		t = &h->q[q]->st;
#define VS_HOST_STAT_SUM(n) s->n += t->n;
		VS_HOST_STATS(VS_HOST_STAT_SUM)
#undef VS_HOST_STAT_SUM
		for (e = 0; e < VS_VNET_E_MAX; e++)
			s->vnet_err[e] += t->vnet_err[e];
	}
}

/* ------------------------------------------------------------------ */
/* to the wire                                                        */

uint64_t
vs_wire_tx_offloads(uint64_t capa)
{
	const uint64_t want =
		RTE_ETH_TX_OFFLOAD_MULTI_SEGS | RTE_ETH_TX_OFFLOAD_IPV4_CKSUM |
		RTE_ETH_TX_OFFLOAD_TCP_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
	uint64_t r = capa & want;

	/* TSO only with what it needs: IPv4 and TCP checksums per segment */
	if ((capa & RTE_ETH_TX_OFFLOAD_TCP_TSO) &&
	    (r & (RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM |
		  RTE_ETH_TX_OFFLOAD_MULTI_SEGS)) ==
		    (RTE_ETH_TX_OFFLOAD_IPV4_CKSUM |
		     RTE_ETH_TX_OFFLOAD_TCP_CKSUM |
		     RTE_ETH_TX_OFFLOAD_MULTI_SEGS))
		r |= RTE_ETH_TX_OFFLOAD_TCP_TSO;
	return r;
}

int
vs_wire_init(struct vs_wire *w, uint64_t enabled, uint16_t mtu,
	     uint16_t max_segs, struct rte_mempool *direct,
	     struct rte_mempool *indirect)
{
	memset(w, 0, sizeof(*w));
	w->tso = enabled & RTE_ETH_TX_OFFLOAD_TCP_TSO;
	w->ip_csum = enabled & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
	w->tcp_csum = enabled & RTE_ETH_TX_OFFLOAD_TCP_CKSUM;
	w->udp_csum = enabled & RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
	w->multi_seg = enabled & RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	w->mtu = mtu;
	w->max_segs = max_segs ? max_segs : 1;
	w->gso.direct_pool = direct;
	w->gso.indirect_pool = indirect;
	w->gso.gso_types = RTE_ETH_TX_OFFLOAD_TCP_TSO;
	w->gso.flag = 0; /* IP IDs incremented, as the kernel's TSO does */
	return direct != NULL && indirect != NULL ? 0 : -EINVAL;
}

/* A frame the NIC takes as one: linear unless it does chains. */
static bool
wire_shape(const struct vs_wire *w, struct rte_mbuf *m)
{
	if (m->nb_segs == 1 || (w->multi_seg && m->nb_segs <= w->max_segs))
		return true;
	return rte_pktmbuf_linearize(m) == 0;
}

static uint16_t
wire_tso(const struct vs_wire *w, struct rte_mbuf *m, struct rte_mbuf **out,
	 uint16_t max, struct vs_wire_stats *st)
{
	const uint32_t hdrs = (uint32_t)m->l2_len + m->l3_len + m->l4_len;
	const uint32_t payload = m->pkt_len - hdrs;
	const uint16_t segs =
		(uint16_t)((payload + m->tso_segsz - 1) / m->tso_segsz);
	struct rte_ipv4_hdr *ip =
		rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, m->l2_len);
	struct rte_gso_ctx ctx = w->gso;
	bool cwr;
	int n, i, k = 0;

	/* segments beyond the MTU: the kernel said an MSS we cannot send */
	if (m->l3_len + m->l4_len + m->tso_segsz > w->mtu)
		goto drop;
	if (w->tso && m->nb_segs <= w->max_segs) {
		uint16_t phdr = rte_ipv4_phdr_cksum(ip, RTE_MBUF_F_TX_TCP_SEG);

		/* DPDK's TSO convention: pseudo-header without the length */
		memcpy((uint8_t *)ip + m->l3_len + 16, &phdr, sizeof(phdr));
		ip->hdr_checksum = 0;
		st->wire_tso_nic++;
		st->wire_segs += segs;
		out[0] = m;
		return 1;
	}
	ctx.gso_size = (uint16_t)(hdrs + m->tso_segsz);
	cwr = ((const uint8_t *)ip)[m->l3_len + 13] & 0x80;
	n = rte_gso_segment(m, &ctx, out, max);
	if (n <= 0) {
		if (n == 0 && vs_vnet_seg_finish(m, false) == 0 &&
		    wire_shape(w, m)) { /* one segment after all */
			out[0] = m;
			st->wire_segs++;
			return 1;
		}
		goto drop;
	}
	rte_pktmbuf_free(m); /* the segments hold what they need */
	for (i = 0; i < n; i++) {
		if (vs_vnet_seg_finish(out[i], cwr && i > 0) < 0 ||
		    !wire_shape(w, out[i])) {
			rte_pktmbuf_free(out[i]);
			continue;
		}
		out[k++] = out[i];
	}
	st->wire_tso_sw++;
	st->wire_segs += (uint64_t)k;
	st->wire_tso_drop += k < n;
	return (uint16_t)k;
drop:
	st->wire_tso_drop++;
	rte_pktmbuf_free(m);
	return 0;
}

uint16_t
vs_wire_prep(const struct vs_wire *w, struct rte_mbuf *m, struct rte_mbuf **out,
	     uint16_t max, struct vs_wire_stats *st)
{
	const uint64_t ol = m->ol_flags;
	uint64_t l4 = ol & RTE_MBUF_F_TX_L4_MASK;

	if (ol & RTE_MBUF_F_TX_TCP_SEG)
		return wire_tso(w, m, out, max, st);
	if (l4 != RTE_MBUF_F_TX_L4_NO_CKSUM &&
	    !((l4 == RTE_MBUF_F_TX_TCP_CKSUM && w->tcp_csum) ||
	      (l4 == RTE_MBUF_F_TX_UDP_CKSUM && w->udp_csum))) {
		/* the field holds the pseudo-header sum: finish it here */
		vs_vnet_csum_complete(m, (uint32_t)m->l2_len + m->l3_len,
				      l4 == RTE_MBUF_F_TX_TCP_CKSUM ? 16 : 6);
		m->ol_flags &= ~(RTE_MBUF_F_TX_L4_MASK | RTE_MBUF_F_TX_IPV4 |
				 RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_IP_CKSUM);
		st->wire_csum_sw++;
	}
	if (!wire_shape(w, m)) {
		rte_pktmbuf_free(m);
		st->wire_tso_drop++;
		return 0;
	}
	out[0] = m;
	return 1;
}
