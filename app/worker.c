/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The data path. Each worker polls NIC RX queue q and host RX queue q:
 *
 *   NIC -> fast path: untagged IPv4 TCP/UDP to a VIP, not a fragment
 *                -> its hash -> ours? host : free
 *       -> otherwise parse (the destination picks the VIP: one map lookup)
 *                -> ARP request for a VIP -> reply out the NIC
 *                -> other ARP, not-VIP      -> host
 *                -> VIP (or its ICMP error) -> its hash -> ours? host : drop
 *                -> VIP fragment (port modes) -> reassemble -> same
 *                -> malformed               -> count, drop
 *   host -> ARP from a VIP gets its cluster MAC -> NIC (TSO super-frames
 *           from the host: the NIC's TSO, else cut by rte_gso)
 *
 * What goes to the host leaves through vs_host_tx, which merges TCP runs
 * into super-frames (GRO) where the host port takes them, holding segments
 * across bursts: the housekeeping of every pass writes what has waited
 * --gro-hold, and a worker about to sleep writes all it holds.
 * No locks, no allocation per frame (bar re-fragmenting oversize datagrams
 * and segmenting super-frames); the VIP map is loaded once per burst (RCU),
 * a VIP's ownership set once per frame of that VIP.
 */
#include <errno.h>

#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "vs_app.h"
#include "vs_host.h"
#include "vs_igmp.h"
#include "vs_log.h"
#include "vs_worker.h"

RTE_LOG_REGISTER(vs_logtype_worker, vipshare.worker, INFO);

#define PREFETCH_OFFSET 4
/* room for a burst plus one datagram re-fragmented to the host MTU */
#define TXBUF_LEN (VS_MAX_BURST + 64)
/* housekeeping: fragment expiry every 100 ms; GARPs 200 ms apart */
#define EXPIRE_PER_S 10
#define GARP_PER_S 5

struct txbuf {
	uint16_t n;
	struct rte_mbuf *m[TXBUF_LEN];
};

/* Transmit what b holds; free what the queue did not take. The number
 * not taken. */
static inline uint16_t
tx_flush(uint16_t port, uint16_t q, struct txbuf *b, uint64_t *sent)
{
	uint16_t k, lost;

	if (b->n == 0)
		return 0;
	k = rte_eth_tx_burst(port, q, b->m, b->n);
	if (sent)
		*sent += k;
	lost = b->n - k;
	if (unlikely(lost))
		rte_pktmbuf_free_bulk(&b->m[k], lost);
	b->n = 0;
	return lost;
}

static inline void
flush_host(struct vs_worker *w, struct txbuf *b)
{
	uint64_t lost;

	if (b->n == 0)
		return;
	lost = vs_host_tx(&vs_app.ports.host, w->q, b->m, b->n);
	b->n = 0;
	if (unlikely(lost)) {
		w->st.tx_host_full += lost;
		w->st.tx_host_drop += lost;
	}
}

static inline void
hold_flush(struct vs_worker *w, uint64_t now, bool force)
{
	uint64_t lost = vs_host_tx_flush(&vs_app.ports.host, w->q, now, force);

	if (unlikely(lost)) {
		w->st.tx_host_full += lost;
		w->st.tx_host_drop += lost;
	}
}

static inline void
flush_wire(struct vs_worker *w, struct txbuf *b, uint64_t *sent)
{
	uint16_t lost = tx_flush(vs_app.ports.nic, w->q, b, sent);

	if (unlikely(lost)) {
		w->st.tx_wire_full += lost;
		w->st.tx_wire_drop += lost;
	}
}

static inline void
tx_add(struct txbuf *b, struct rte_mbuf *m)
{
	b->m[b->n++] = m;
}

/*
 * Frames not ours, back to their pool. Nearly all are as the PMD handed
 * them over: direct, one segment, referenced once, from one pool. Those
 * go back with one rte_mempool_put_bulk, where rte_pktmbuf_free_bulk
 * would walk each as a chain and sort it by pool (callgrind: ~42
 * instructions a frame freed there, ~20 fewer here). A packet of one
 * segment has no next (the mbuf rules), so its second cache line is not
 * read. Any other goes through rte_pktmbuf_free.
 */
static __rte_always_inline void
free_dropped(struct txbuf *b)
{
	struct rte_mempool *mp = b->m[0]->pool;
	uint16_t i, k = 0;

	for (i = 0; i < b->n; i++) {
		struct rte_mbuf *m = b->m[i];

		if (likely(m->pool == mp && m->nb_segs == 1 &&
			   rte_mbuf_refcnt_read(m) == 1 && RTE_MBUF_DIRECT(m)))
			b->m[k++] = m;
		else
			rte_pktmbuf_free(m);
	}
	rte_mempool_put_bulk(mp, (void **)b->m, k);
	b->n = 0;
}

/* A NIC burst's two main outputs, indexed by "ours?" (no branch). */
enum { OUT_FREE = 0, OUT_HOST = 1 };

/* Frames that reached us through a cluster MAC must look unicast to the
 * host: the kernel's TCP drops frames received as multicast. Frames to a
 * VIP know their VIP; others (a peer's announcement, a frame for another
 * address sent to a cluster MAC) are matched against every VIP's. */
static inline void
to_host_addr(struct rte_mbuf *m, const struct vs_vipmap *vm,
	     const struct vs_vip *vip)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	const struct vs_vip_table *t = &vs_app.vips;
	unsigned int i;

	if (!rte_is_multicast_ether_addr(&eth->dst_addr) ||
	    rte_is_broadcast_ether_addr(&eth->dst_addr))
		return;
	if (vip &&
	    rte_is_same_ether_addr(&eth->dst_addr, &vip->arp.cluster_mac)) {
		eth->dst_addr = vs_app.ports.host_mac;
		return;
	}
	for (i = 0; i < vm->n; i++)
		if (rte_is_same_ether_addr(
			    &eth->dst_addr,
			    &vs_vip_at(t, vm->slot[i])->arp.cluster_mac)) {
			eth->dst_addr = vs_app.ports.host_mac;
			return;
		}
}

/*
 * veth and bridges hand over TCP/UDP with only the pseudo-header sum in
 * the checksum field (CHECKSUM_PARTIAL); af_packet/af_xdp pass that on and
 * the host kernel would drop it. Complete it. A finished checksum that
 * happens to equal the pseudo-header sum is recomputed to the same value.
 * Rare (NICs report checksums good): out of line, and given a copy of pi,
 * so that the caller's stays in registers (callgrind: 8 instructions a
 * frame).
 */
static __rte_noinline void
csum_complete(struct vs_worker *w, struct vs_vip_stats *vs, struct rte_mbuf *m,
	      const struct vs_pkt_info pi)
{
	struct rte_ipv4_hdr *ip;
	uint16_t cur, phdr, full;
	uint8_t *l4, *field;
	uint32_t l4len;

	if (m->nb_segs != 1)
		return;
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, pi.l2_len);
	l4 = (uint8_t *)ip + pi.l3_len;
	l4len = pi.ip_len - pi.l3_len;
	if (pi.proto == IPPROTO_TCP && l4len >= sizeof(struct rte_tcp_hdr))
		field = l4 + offsetof(struct rte_tcp_hdr, cksum);
	else if (pi.proto == IPPROTO_UDP &&
		 l4len >= sizeof(struct rte_udp_hdr))
		field = l4 + offsetof(struct rte_udp_hdr, dgram_cksum);
	else
		return;
	memcpy(&cur, field, sizeof(cur));
	phdr = rte_ipv4_phdr_cksum(ip, 0);
	if (cur == 0 || cur != phdr)
		return;
	memset(field, 0, sizeof(cur));
	full = rte_ipv4_udptcp_cksum(ip, l4);
	memcpy(field, &full, sizeof(full));
	w->st.csum_fixed++;
	vs->csum_fixed++;
}

/*
 * A frame of a number in a move here (draining or filling): the worker's
 * table of new flows sorts it (lib/move). Out of line: only the move
 * variant of the burst loop, and only for such frames, comes here.
 */
static __rte_noinline bool
move_decide(struct vs_worker *w, const struct rte_mbuf *m,
	    const struct vs_pkt_info *pi, unsigned int n, uint64_t now_ms)
{
	struct vs_move_frame mf;

	vs_move_frame_of(rte_pktmbuf_mtod(m, const uint8_t *), m->data_len, pi,
			 &mf);
	return vs_move_accept(w->move_table, &vs_app.moves.vip[pi->vip].view,
			      n, &mf, now_ms);
}

/*
 * An owned frame whose checksum the NIC did not find good (the caller
 * tests that). A host port with offloads takes a partial checksum as it
 * is (the kernel's own CHECKSUM_PARTIAL): mark it instead of computing it.
 */
static inline void
csum_partial(struct vs_worker *w, struct vs_vip_stats *vs,
	     struct rte_mbuf *m, const struct vs_pkt_info *pi)
{
	if (!vs_app.ports.host.offloads) {
		csum_complete(w, vs, m, *pi);
		return;
	}
	if (vs_vnet_mark_partial(m, pi->l2_len, pi->l3_len, pi->proto,
				 (uint32_t)pi->ip_len - pi->l3_len)) {
		w->st.csum_fixed++;
		vs->csum_fixed++;
	}
}

/*
 * The ownership decision for a frame (or a whole datagram) of vip: its
 * node number, counted as seen and, when this machine takes it, accepted
 * (the coverage monitor's per-number counts). The ownership set is loaded
 * here, per frame: changes of one VIP's set touch nothing of another's.
 * moves (a constant in each variant of the burst loop): some VIP has a
 * number in a move, so a number not owned may be one, and its frame is
 * decided by the move (docs/design.md, "Hitless moves"); the variant
 * without moves is the data path as it was, instruction for instruction.
 */
static __rte_always_inline bool
decide(struct vs_worker *w, struct vs_vip_stats *vs, const struct vs_vip *vip,
       const struct vs_pkt_info *pi, const struct rte_mbuf *m,
       const bool moves, uint64_t now_ms)
{
	unsigned int n = vs_hash_node(&vip->hash, &pi->key);
	bool own = vs_own_has(vs_own_load(&vip->own), n);

	if (moves && !own &&
	    vs_own_has(vs_move_view_moving(&vs_app.moves.vip[pi->vip].view),
		       n))
		own = move_decide(w, m, pi, n, now_ms);
	vs->seen[n - 1]++;
	vs->accepted[n - 1] += own;
	return own;
}

/*
 * A frame of vip decided: ours to the host, the rest to be freed. Which
 * of the two is a coin toss per frame ((N-1)/N not ours): taken without a
 * branch, so no misprediction. Dropped frames get the host MAC too (they
 * are freed: it costs one store, a branch would cost more).
 */
static __rte_always_inline void
vip_frame(struct vs_worker *w, struct rte_mbuf *m, const struct vs_vip *vip,
	  const struct vs_pkt_info *pi, struct txbuf *out, const bool moves,
	  uint64_t now_ms)
{
	struct vs_vip_stats *vs = &w->vst[pi->vip];
	bool own;

	vs->rx++;
	own = decide(w, vs, vip, pi, m, moves, now_ms);
	vs->vip_owned += own;
	vs->vip_not_owned += !own;
	w->st.vip_owned += own;
	w->st.vip_not_owned += !own;
	rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->dst_addr =
		vs_app.ports.host_mac;
	tx_add(&out[own], m); /* out[OUT_HOST] or out[OUT_FREE] */
	if (unlikely((m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) !=
		     RTE_MBUF_F_RX_L4_CKSUM_GOOD) &&
	    own && pi->flags & VS_PKT_F_L4_PORTS &&
	    !(pi->flags & VS_PKT_F_FRAG_MF))
		csum_partial(w, vs, m, pi);
	if (unlikely(pi->cls == VS_PKT_VIP_ICMPERR)) {
		w->st.icmp_err_owned += own;
		vs->icmp_err_owned += own;
		w->st.icmp_err_not_owned += !own;
		vs->icmp_err_not_owned += !own;
	}
}

/* A whole datagram larger than the host MTU: cut it again. */
static void
refragment(struct vs_worker *w, struct rte_mbuf *m, uint16_t l2_len,
	   struct txbuf *host)
{
	const struct vs_ports *p = &vs_app.ports;
	struct rte_mbuf *out[64];
	uint8_t l2[RTE_ETHER_HDR_LEN + 8];
	int32_t n, i;

	if (host->n + RTE_DIM(out) > TXBUF_LEN)
		flush_host(w, host);
	memcpy(l2, rte_pktmbuf_mtod(m, void *), l2_len);
	rte_pktmbuf_adj(m, l2_len);
	n = rte_ipv4_fragment_packet(m, out, RTE_DIM(out), p->host_mtu, p->pool,
				     p->indirect_pool);
	rte_pktmbuf_free(m); /* fragments hold their own references */
	if (n < 0) {
		w->st.tx_host_refrag_fail++;
		w->st.tx_host_drop++;
		return;
	}
	for (i = 0; i < n; i++) {
		struct rte_mbuf *f = out[i];
		uint8_t *d = (uint8_t *)rte_pktmbuf_prepend(f, l2_len);
		struct rte_ipv4_hdr *ip;

		if (d == NULL) { /* no headroom for the Ethernet header */
			rte_pktmbuf_free(f);
			w->st.tx_host_refrag_fail++;
			w->st.tx_host_drop++;
			continue;
		}
		memcpy(d, l2, l2_len);
		ip = (struct rte_ipv4_hdr *)(d + l2_len);
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		tx_add(host, f);
		w->st.frag_out++;
	}
}

static void
frag_gc(struct vs_worker *w)
{
	if (w->dr.cnt == 0)
		return;
	w->st.frag_expired += w->dr.cnt;
	rte_ip_frag_free_death_row(&w->dr, PREFETCH_OFFSET);
}

/*
 * Port modes hash the ports of the whole datagram, which only its first
 * fragment carries: reassemble (per worker; RSS on addresses only keeps a
 * datagram's fragments on one queue), then decide once for all of it, by
 * the settings of the datagram's VIP as the map names it now (the VIP of
 * its fragments may have been removed, or re-added, meanwhile).
 * Out of line: inlined into the burst loop it costs every frame a spilled
 * register (callgrind) for the few that are fragments.
 */
static __rte_noinline void
frag_frame(struct vs_worker *w, struct rte_mbuf *m, const struct vs_vipmap *vm,
	   const struct vs_pkt_info *pi, uint64_t now, struct txbuf *host,
	   bool moves, uint64_t now_ms)
{
	const struct vs_ports *p = &vs_app.ports;
	struct vs_vip_stats *vs = &w->vst[pi->vip];
	const struct vs_vip *vip;
	struct vs_pkt_info whole;
	struct rte_ipv4_hdr *ip;
	struct rte_mbuf *d;
	uint16_t l2_len = pi->l2_len;

	vs->rx++;
	/* One segment per fragment, so that a datagram's segments count its
	 * fragments; a fragment larger than an mbuf is not from our MTU. */
	if (unlikely(m->nb_segs > 1) && rte_pktmbuf_linearize(m) < 0) {
		rte_pktmbuf_free(m);
		w->st.malformed++;
		w->st.malformed_frag_linearize++;
		vs->malformed++;
		return;
	}
	w->st.frag_held++;
	vs->frag_held++;
	/* DPDK does not bound the death row: empty it before it could
	 * overflow (one fragment can retire a whole datagram). */
	if (unlikely(w->dr.cnt > RTE_IP_FRAG_DEATH_ROW_MBUF_LEN -
					 (RTE_LIBRTE_IP_FRAG_MAX_FRAG + 1)))
		frag_gc(w);
	m->l2_len = pi->l2_len;
	m->l3_len = pi->l3_len;
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, pi->l2_len);
	d = rte_ipv4_frag_reassemble_packet(w->frag_tbl, &w->dr, m, now, ip);
	if (d == NULL)
		return;
	w->st.frag_reassembled++;
	w->st.frag_done += d->nb_segs;
	/* offsets can claim more than an IPv4 datagram holds */
	if (unlikely(d->pkt_len - l2_len > UINT16_MAX) ||
	    (vs_pkt_parse_head(rte_pktmbuf_mtod(d, uint8_t *), d->data_len,
			       d->pkt_len, vm, &whole) != VS_PKT_VIP &&
	     whole.cls != VS_PKT_VIP_ICMPERR)) {
		rte_pktmbuf_free(d);
		w->st.frag_bad++;
		return;
	}
	vip = vs_vip_at(&vs_app.vips, whole.vip);
	vs = &w->vst[whole.vip];
	if (!decide(w, vs, vip, &whole, d, moves, now_ms)) {
		rte_pktmbuf_free(d);
		w->st.frag_not_owned++;
		vs->frag_not_owned++;
		return;
	}
	w->st.frag_owned++;
	vs->frag_owned++;
	rte_pktmbuf_mtod(d, struct rte_ether_hdr *)->dst_addr = p->host_mac;
	ip = rte_pktmbuf_mtod_offset(d, struct rte_ipv4_hdr *, l2_len);
	if (d->pkt_len - l2_len > p->host_mtu) {
		refragment(w, d, l2_len, host);
		return;
	}
	ip->hdr_checksum = 0; /* rewritten by reassembly */
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	tx_add(host, d);
}

/* ARP from the wire: a request for a VIP is answered with its cluster
 * MAC; everything else goes up. */
static inline void
arp_frame(struct vs_worker *w, struct rte_mbuf *m, const struct vs_vipmap *vm,
	  const struct vs_pkt_info *pi, struct txbuf *host, struct txbuf *wire)
{
	const struct vs_vip *vip = NULL;
	struct vs_vip_stats *vs = NULL;

	if (pi->vip != VS_VIPMAP_NONE) {
		vip = vs_vip_at(&vs_app.vips, pi->vip);
		vs = &w->vst[pi->vip];
		vs->rx++;
		if (vs_arp_input(&vip->arp, rte_pktmbuf_mtod(m, uint8_t *),
				 m->data_len, pi->l2_len) == VS_ARP_REPLY) {
			tx_add(wire, m);
			w->st.arp_reply++;
			vs->arp_reply++;
			return;
		}
		vs->arp_to_host++;
	}
	to_host_addr(m, vm, vip);
	tx_add(host, m);
	w->st.arp_to_host++;
}

/* A peer's coverage announcement: to the main lcore's monitor, never to
 * the host; dropped (and counted) when announcements are off or the ring
 * is full (a flood). */
static __rte_noinline void
announce_frame(struct vs_worker *w, struct rte_mbuf *m, struct txbuf *drop)
{
	struct rte_ring *r = vs_app.cov.rx;

	w->st.announce_rx++;
	if (r == NULL || rte_ring_mp_enqueue(r, m) < 0) {
		tx_add(drop, m);
		w->st.announce_rx_drop++;
	}
}

static __rte_always_inline void
steer(struct vs_worker *w, struct rte_mbuf *m, const struct vs_vipmap *vm,
      uint64_t now, struct txbuf *out, struct txbuf *wire, const bool moves,
      uint64_t now_ms)
{
	struct txbuf *host = &out[OUT_HOST], *drop = &out[OUT_FREE];
	struct vs_pkt_info pi;
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
	const struct vs_vip *vip;

	switch (vs_pkt_parse_head(d, m->data_len, m->pkt_len, vm, &pi)) {
	case VS_PKT_VIP:
	case VS_PKT_VIP_ICMPERR:
		vip_frame(w, m, vs_vip_at(&vs_app.vips, pi.vip), &pi, out, moves, now_ms);
		return;
	case VS_PKT_VIP_FRAG:
		vip = vs_vip_at(&vs_app.vips, pi.vip);
		if (vip->needs_reassembly)
			frag_frame(w, m, vm, &pi, now, host, moves, now_ms);
		else
			vip_frame(w, m, vip, &pi, out, moves, now_ms);
		return;
	case VS_PKT_ARP:
		arp_frame(w, m, vm, &pi, host, wire);
		return;
	case VS_PKT_OTHER:
		if (unlikely(pi.ethertype == VS_COVER_ETHERTYPE)) {
			announce_frame(w, m, drop);
			return;
		}
		if (unlikely(pi.proto == IPPROTO_IGMP) &&
		    vs_igmp_is_query(d + pi.l2_len,
				     RTE_MIN((uint32_t)pi.ip_len,
					     (uint32_t)m->data_len - pi.l2_len),
				     pi.l3_len)) {
			w->st.igmp_queries++;
			vs_app_igmp_query_seen(&vs_app);
		}
		to_host_addr(m, vm, NULL);
		tx_add(host, m);
		w->st.other_to_host++;
		return;
	default:
		tx_add(drop, m);
		w->st.malformed++;
		w->st.malformed_why[pi.drop]++;
		if (pi.vip != VS_VIPMAP_NONE) {
			w->vst[pi.vip].rx++;
			w->vst[pi.vip].malformed++;
		}
		return;
	}
}

/* Frames the fast path leaves: the generic parser and the rest, out of
 * line, one copy per variant of the burst loop. */
static __rte_noinline void
steer_one(struct vs_worker *w, struct rte_mbuf *m, const struct vs_vipmap *vm,
	  uint64_t now, struct txbuf *out, struct txbuf *wire)
{
	steer(w, m, vm, now, out, wire, false, 0);
}

static __rte_noinline void
steer_one_moves(struct vs_worker *w, struct rte_mbuf *m,
		const struct vs_vipmap *vm, uint64_t now, struct txbuf *out,
		struct txbuf *wire, uint64_t now_ms)
{
	steer(w, m, vm, now, out, wire, true, now_ms);
}

/*
 * One burst from the NIC. moves: the variant for while some VIP has a
 * number in a move (a constant: the compiler makes two loops, and the one
 * without moves is the fast path as it was); now_ms its clock.
 */
static __rte_always_inline void
nic_burst(struct vs_worker *w, struct rte_mbuf **pkts, uint16_t nb,
	  uint64_t now, const bool moves, uint64_t now_ms)
{
	/* the VIPs, as published when the burst began (RCU) */
	const struct vs_vipmap *vm = vs_vip_map(&vs_app.vips);
	struct txbuf out[2], wire;
	struct vs_pkt_info pi;
	struct rte_mbuf *m;
	uint8_t *d;
	uint16_t i;

	out[OUT_FREE].n = out[OUT_HOST].n = wire.n = 0;
	for (i = 0; i < PREFETCH_OFFSET && i < nb; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	for (i = 0; i < nb; i++) {
		if (i + PREFETCH_OFFSET < nb)
			rte_prefetch0(rte_pktmbuf_mtod(
				pkts[i + PREFETCH_OFFSET], void *));
		m = pkts[i];
		d = rte_pktmbuf_mtod(m, uint8_t *);
		if (likely(vs_pkt_parse_fast(d, m->data_len, m->pkt_len, vm,
					     &pi)))
			vip_frame(w, m, vs_vip_at(&vs_app.vips, pi.vip), &pi,
				  out, moves, now_ms);
		else if (moves)
			steer_one_moves(w, m, vm, now, out, &wire, now_ms);
		else
			steer_one(w, m, vm, now, out, &wire);
	}
	w->st.rx += nb;
	if (out[OUT_FREE].n)
		free_dropped(&out[OUT_FREE]);
	flush_host(w, &out[OUT_HOST]);
	flush_wire(w, &wire, NULL);
	frag_gc(w);
}

/* While some VIP has a number in a move: each frame of such a number
 * goes through the worker's table of new flows. */
static __rte_noinline void
nic_burst_moves(struct vs_worker *w, struct rte_mbuf **pkts, uint16_t nb,
		uint64_t now)
{
	nic_burst(w, pkts, nb, now, true, now / (vs_app.tsc_hz / 1000));
}

/* No move anywhere: the data path as it was. */
static __rte_noinline void
nic_burst_plain(struct vs_worker *w, struct rte_mbuf **pkts, uint16_t nb,
		uint64_t now)
{
	nic_burst(w, pkts, nb, now, false, 0);
}

void
vs_worker_nic_burst(struct vs_worker *w, struct rte_mbuf **pkts, uint16_t nb,
		    uint64_t now)
{
	/* one load and one branch a burst: no move, no cost per frame */
	if (unlikely(vs_moves_active(&vs_app.moves)))
		nic_burst_moves(w, pkts, nb, now);
	else
		nic_burst_plain(w, pkts, nb, now);
}

/* Wire frames in m: a TSO super-frame is cut by the NIC. */
static inline uint32_t
wire_frames(const struct rte_mbuf *m)
{
	uint32_t hdrs = (uint32_t)m->l2_len + m->l3_len + m->l4_len;

	if (!(m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) || m->tso_segsz == 0 ||
	    m->pkt_len <= hdrs)
		return 1;
	return (m->pkt_len - hdrs + m->tso_segsz - 1) / m->tso_segsz;
}

/* What the host sent, out the NIC; host_to_wire and the drops count the
 * frames on the wire, not the super-frames handed to a TSO NIC. */
static void
flush_host_wire(struct vs_worker *w, struct txbuf *b, bool tso)
{
	uint32_t total = 0, lost = 0;
	uint16_t i, k;

	if (b->n == 0)
		return;
	if (likely(!tso)) {
		flush_wire(w, b, &w->st.host_to_wire);
		return;
	}
	for (i = 0; i < b->n; i++)
		total += wire_frames(b->m[i]);
	k = rte_eth_tx_burst(vs_app.ports.nic, w->q, b->m, b->n);
	for (i = k; i < b->n; i++)
		lost += wire_frames(b->m[i]);
	if (unlikely(k < b->n)) {
		rte_pktmbuf_free_bulk(&b->m[k], b->n - k);
		w->st.tx_wire_full += lost;
		w->st.tx_wire_drop += lost;
	}
	w->st.host_to_wire += total - lost;
	b->n = 0;
}

void
vs_worker_host_burst(struct vs_worker *w, struct rte_mbuf **pkts, uint16_t nb)
{
	const struct vs_vipmap *vm = vs_vip_map(&vs_app.vips);
	struct vs_pkt_info pi;
	struct txbuf wire;
	bool tso = false;
	unsigned int slot;
	uint16_t i;

	wire.n = 0;
	for (i = 0; i < nb; i++) {
		struct rte_mbuf *m = pkts[i];
		uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);

		/* The host is trusted: everything goes out, only ARP from
		 * a VIP is touched. */
		if (vs_pkt_parse(d, m->data_len, vm, &pi) == VS_PKT_ARP) {
			slot = vs_vipmap_lookup(vm,
						vs_arp_sender_ip(d, pi.l2_len));
			if (slot != VS_VIPMAP_NONE &&
			    vs_arp_output(&vs_vip_at(&vs_app.vips, slot)->arp,
					  d, m->data_len,
					  pi.l2_len) == VS_ARP_REWRITTEN) {
				w->st.arp_rewritten++;
				w->vst[slot].arp_rewritten++;
			}
		}
		/* room for a super-frame cut into its segments */
		if (TXBUF_LEN - wire.n < VS_HOST_GSO_MAX_SEGS) {
			flush_host_wire(w, &wire, tso);
			tso = false;
		}
		tso |= (m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) != 0;
		wire.n += vs_wire_prep(&vs_app.ports.wire, m, &wire.m[wire.n],
				       TXBUF_LEN - wire.n, &w->st.wire);
	}
	w->st.host_rx += nb;
	flush_host_wire(w, &wire, tso);
}

/* A GARP/IGMP/MRD frame that could not be built or sent. */
static void
announce_fail(struct vs_worker *w, struct rte_mbuf *m)
{
	rte_pktmbuf_free(m);
	w->st.tx_wire_announce_fail++;
	w->st.tx_wire_drop++;
}

/*
 * Gratuitous ARPs: one round, one per VIP that has some left (its --garp
 * at start, or when it is added at run time). The main lcore reads the
 * counts (vs_app_tick); control zeroes them when a VIP goes.
 */
static void
send_garp(struct vs_worker *w, const struct vs_vipmap *vm, uint64_t now)
{
	struct vs_app *a = &vs_app;
	bool more = false;
	unsigned int i;

	/* replay: back to back; live: 200 ms apart like IPaddr2's send_arp */
	w->garp_next = now + (a->conf.replay ? 0 : a->tsc_hz / GARP_PER_S);
	for (i = 0; i < vm->n; i++) {
		struct vs_vip *vip = &a->vips.v[vm->slot[i]];
		uint32_t left =
			__atomic_load_n(&vip->garp_left, __ATOMIC_RELAXED);
		struct rte_mbuf *m;
		char *p;

		if (left == 0)
			continue;
		__atomic_store_n(&vip->garp_left, left - 1, __ATOMIC_RELAXED);
		more |= left > 1;
		m = rte_pktmbuf_alloc(a->ports.pool);
		p = m ? rte_pktmbuf_append(m, VS_ARP_FRAME_LEN) : NULL;
		if (p == NULL ||
		    vs_arp_build_garp(&vip->arp, (uint8_t *)p,
				      VS_ARP_FRAME_LEN) < 0 ||
		    rte_eth_tx_burst(a->ports.nic, w->q, &m, 1) != 1) {
			announce_fail(w, m);
			continue;
		}
		w->st.garp_sent++;
		w->vst[vip->slot].garp_sent++;
	}
	w->garp_active = more;
}

/* An IGMP report for a VIP's group (mrd false) or an MRD advertisement
 * (from the VIP's address) out the NIC. */
static void
send_igmp(struct vs_worker *w, const struct vs_vip *vip, bool mrd)
{
	const struct vs_app *a = &vs_app;
	struct rte_mbuf *m = rte_pktmbuf_alloc(a->ports.pool);
	char *p = m ? rte_pktmbuf_append(m, VS_IGMP_FRAME_LEN) : NULL;
	int len;

	if (p == NULL)
		len = -ENOSPC;
	else if (mrd)
		len = vs_igmp_build_mrd_adv((uint8_t *)p, VS_IGMP_FRAME_LEN,
					    &a->ports.nic_mac, vip->hash.vip,
					    (uint8_t)a->conf.igmp_interval);
	else
		len = vs_igmp_build_report((uint8_t *)p, VS_IGMP_FRAME_LEN,
					   &a->ports.nic_mac, vip->hash.vip,
					   vip->igmp_group);
	if (len < 0 || rte_eth_tx_burst(a->ports.nic, w->q, &m, 1) != 1) {
		announce_fail(w, m);
		return;
	}
	w->st.igmp_sent++;
	if (!mrd)
		w->vst[vip->slot].igmp_sent++;
}

/*
 * Snooping switches stop flooding the cluster MAC once a querier runs:
 * keep our port a listener of every VIP's group (a report per VIP) and a
 * router port (MRD: one per port, it is the port that becomes a router
 * port, for every group), periodically and in answer to queries. A VIP
 * added at run time is reported at once (report is true).
 */
static void
send_mcast(struct vs_worker *w, const struct vs_vipmap *vm, uint64_t now,
	   bool report)
{
	struct vs_app *a = &vs_app;
	bool query = vs_app_igmp_query_take(a) || report;
	unsigned int i;

	if (!query && now < w->mcast_next)
		return;
	for (i = 0; i < vm->n; i++)
		if (a->vips.v[vm->slot[i]].igmp_report)
			send_igmp(w, &a->vips.v[vm->slot[i]], false);
	/* from the first VIP's address */
	if (a->conf.igmp_mrd && !query && vm->n)
		send_igmp(w, &a->vips.v[vm->slot[0]], true);
	if (!query)
		w->mcast_next = now + a->conf.igmp_interval * a->tsc_hz;
}

void
vs_worker_housekeeping(struct vs_worker *w, uint64_t now)
{
	const struct vs_vipmap *vm = vs_vip_map(&vs_app.vips);
	bool added = false;

	/* TCP segments held for GRO: written once the oldest is old enough */
	hold_flush(w, now, false);
	if (w->announce) {
		/* VIPs added at run time: announce them */
		uint32_t n =
			__atomic_load_n(&vs_app.vips.added, __ATOMIC_ACQUIRE);

		if (unlikely(n != w->added_seen)) {
			w->added_seen = n;
			w->garp_active = true;
			added = true;
		}
		if (unlikely(w->garp_active) && now >= w->garp_next)
			send_garp(w, vm, now);
	}
	if (w->mcast)
		send_mcast(w, vm, now, added);
	if (w->announce && vs_app.cov.tx) {
		unsigned int lost = vs_coverage_send(&vs_app, w->q);

		w->st.tx_wire_announce_fail += lost;
		w->st.tx_wire_drop += lost;
	}
	/* expired new flows of the moves in progress, a few buckets at a
	 * time (every 10 ms) */
	if (w->move_table && now >= w->move_sweep_next &&
	    vs_moves_active(&vs_app.moves)) {
		vs_move_table_sweep(w->move_table,
				    now / (vs_app.tsc_hz / 1000), 64);
		w->move_sweep_next = now + vs_app.tsc_hz / 100;
	}
	if (w->frag_tbl && now >= w->frag_next_expire) {
		rte_ip_frag_table_del_expired_entries(w->frag_tbl, &w->dr, now);
		frag_gc(w);
		w->frag_next_expire = now + vs_app.tsc_hz / EXPIRE_PER_S;
	}
}

int
vs_worker_main(void *arg)
{
	struct vs_worker *w = arg;
	const struct vs_app *a = &vs_app;
	struct rte_rcu_qsbr *qsbr = a->vips.qsbr;
	const uint16_t burst = (uint16_t)a->conf.burst;
	const uint64_t tick_every = a->tsc_hz / 200;
	struct rte_mbuf *pkts[VS_MAX_BURST];
	uint64_t now, next_tick = 0;
	uint16_t n1, n2;

	VS_LOG(worker, INFO, "worker %u on lcore %u: NIC queue %u%s\n", w->q,
	       w->lcore, w->q, w->host_rx ? ", host queue" : "");
	/* RCU reader: the VIP map and the VIPs it names, between quiescent
	 * states; one report per iteration, nothing held across it */
	rte_rcu_qsbr_thread_register(qsbr, w->q);
	rte_rcu_qsbr_thread_online(qsbr, w->q);
	while (!vs_app_stopping(a)) {
		now = rte_rdtsc();
		n1 = rte_eth_rx_burst(a->ports.nic, w->q, pkts, burst);
		if (n1)
			vs_worker_nic_burst(w, pkts, n1, now);
		n2 = 0;
		if (w->host_rx) {
			n2 = vs_host_rx(&vs_app.ports.host, w->q, pkts, burst);
			if (n2)
				vs_worker_host_burst(w, pkts, n2);
		}
		vs_worker_housekeeping(w, now);
		rte_rcu_qsbr_quiescent(qsbr, w->q);
		/* with a single lcore, the main duties run here */
		if (w->main_duties && now >= next_tick) {
			vs_app_tick(&vs_app, now);
			next_tick = now + tick_every;
		}
		/* idle_since: read by the main lcore (vs_app_tick) */
		if (n1 == 0 && n2 == 0) {
			if (w->idle_since == 0)
				__atomic_store_n(&w->idle_since, now,
						 __ATOMIC_RELAXED);
			if (a->conf.idle_sleep_us) {
				/* nothing held waits out a sleep (NAPI
				 * flushes GRO when a poll finds no more) */
				hold_flush(w, now, true);
				/* asleep, it holds nothing: control need
				 * not wait for it */
				rte_rcu_qsbr_thread_offline(qsbr, w->q);
				rte_delay_us_sleep(a->conf.idle_sleep_us);
				rte_rcu_qsbr_thread_online(qsbr, w->q);
			}
		} else if (w->idle_since) {
			__atomic_store_n(&w->idle_since, 0, __ATOMIC_RELAXED);
		}
	}
	rte_rcu_qsbr_thread_offline(qsbr, w->q);
	rte_rcu_qsbr_thread_unregister(qsbr, w->q);
	return 0;
}

void
vs_worker_drain(struct vs_worker *w)
{
	if (w->frag_tbl == NULL)
		return;
	do {
		frag_gc(w);
		rte_ip_frag_table_del_expired_entries(w->frag_tbl, &w->dr,
						      UINT64_MAX);
	} while (w->dr.cnt);
}

unsigned int
vs_worker_mbufs_held(const struct vs_app *a)
{
	/* the coverage rings' are shared: counted for every worker, more
	 * than enough */
	return (a->needs_reassembly
			? a->conf.frag_max * RTE_LIBRTE_IP_FRAG_MAX_FRAG
			: 0) +
	       (a->conf.announce ? 2 * VS_COVERAGE_RING : 0);
}

int
vs_worker_setup(struct vs_app *a, const unsigned int *lcores, uint16_t nb)
{
	/* fragments expire after --frag-timeout, in TSC cycles */
	const uint64_t ttl = a->tsc_hz * a->conf.frag_timeout_ms / 1000;
	size_t qsize = rte_rcu_qsbr_get_memsize(nb);
	uint16_t i;

	a->nb_workers = nb;
	for (i = 0; i < nb; i++) {
		struct vs_worker *w = &a->workers[i];
		int socket = (int)rte_lcore_to_socket_id(lcores[i]);

		w->q = i;
		w->lcore = lcores[i];
		w->host_rx = vs_host_rx_queue(&a->ports.host, i);
		w->main_duties = lcores[i] == rte_get_main_lcore();
		w->vst = rte_zmalloc_socket("vs_vip_stats",
					    VS_MAX_VIPS * sizeof(*w->vst),
					    RTE_CACHE_LINE_SIZE, socket);
		if (w->vst == NULL) {
			VS_LOG(worker, ERR, "VIP counters: out of memory\n");
			return -ENOMEM;
		}
		if (a->needs_reassembly) {
			w->frag_tbl = rte_ip_frag_table_create(
				rte_align32pow2(a->conf.frag_max), 4,
				a->conf.frag_max, ttl, socket);
			if (w->frag_tbl == NULL) {
				VS_LOG(worker, ERR,
				       "fragment table: out of "
				       "memory\n");
				return -ENOMEM;
			}
		}
	}
	a->vips.qsbr = rte_zmalloc("vs_qsbr", qsize, RTE_CACHE_LINE_SIZE);
	if (a->vips.qsbr == NULL || rte_rcu_qsbr_init(a->vips.qsbr, nb) < 0) {
		VS_LOG(worker, ERR, "RCU state: out of memory\n");
		return -ENOMEM;
	}
	/* worker 0 announces the VIPs (their GARPs are pending) */
	a->workers[0].announce = true;
	a->workers[0].garp_active = true;
	a->workers[0].mcast = a->conf.igmp_report || a->conf.igmp_mrd;
	return 0;
}

void
vs_worker_fini(struct vs_app *a)
{
	unsigned int i;

	for (i = 0; i < a->nb_workers; i++) {
		if (a->workers[i].frag_tbl) {
			rte_ip_frag_table_destroy(a->workers[i].frag_tbl);
			a->workers[i].frag_tbl = NULL;
		}
		rte_free(a->workers[i].vst);
		a->workers[i].vst = NULL;
	}
	/* nothing waits on it any more: the loops ended */
	rte_free(a->vips.qsbr);
	a->vips.qsbr = NULL;
}
