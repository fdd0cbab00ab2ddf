/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vs_vnet: virtio_net_hdr <-> frame <-> mbuf offload fields. See vs_vnet.h.
 */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "vs_vnet.h"

#define ETH_IPV4 0x0800
#define ETH_IPV6 0x86dd
#define PROTO_TCP 6
#define PROTO_UDP 17
#define TCP_CSUM_OFF 16
#define UDP_CSUM_OFF 6
#define TCP_FLAG_CWR 0x80

#define TX_OFFLOADS                                      \
	(RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_L4_MASK | \
	 RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IPV6)

static const char *const err_names[VS_VNET_E_MAX] = {
	[VS_VNET_OK] = "ok",
#define VS_VNET_ERR_NAME(n) [VS_VNET_E_##n] = #n,
	VS_VNET_ERRORS(VS_VNET_ERR_NAME)
#undef VS_VNET_ERR_NAME
};

const char *
vs_vnet_err_name(unsigned int err)
{
	return err < VS_VNET_E_MAX ? err_names[err] : "?";
}

static inline uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/*
 * One's complement sum of native-order 16-bit words, 32 bits at a time into
 * a 64-bit accumulator; the caller folds. An odd tail byte counts as the
 * first byte of a word, as in DPDK's __rte_raw_cksum.
 */
static uint64_t
raw_sum(const uint8_t *p, size_t len, uint64_t sum)
{
	uint32_t w[8];
	uint16_t h;

	while (len >= sizeof(w)) {
		memcpy(w, p, sizeof(w));
		sum += (uint64_t)w[0] + w[1] + w[2] + w[3] + w[4] + w[5] +
		       w[6] + w[7];
		p += sizeof(w);
		len -= sizeof(w);
	}
	while (len >= 4) {
		memcpy(w, p, 4);
		sum += w[0];
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		memcpy(&h, p, 2);
		sum += h;
		p += 2;
		len -= 2;
	}
	if (len) {
		h = 0;
		memcpy(&h, p, 1);
		sum += h;
	}
	return sum;
}

static inline uint16_t
fold(uint64_t sum)
{
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/*
 * Folded raw sum of len bytes from off across a chain. A segment that
 * starts at an odd position of the range has its words byte-swapped: the
 * sum is folded to 16 bits first (DPDK 22.11's rte_raw_cksum_mbuf swaps the
 * unfolded sum and loses its carries there). -1 when the range is not in m.
 */
static int
chain_sum(const struct rte_mbuf *m, uint32_t off, uint32_t len, uint16_t *out)
{
	uint64_t sum = 0;
	uint32_t done = 0;

	if ((uint64_t)off + len > m->pkt_len)
		return -1;
	for (; m != NULL && done < len; m = m->next) {
		uint32_t n;
		uint16_t s;

		if (off >= m->data_len) {
			off -= m->data_len;
			continue;
		}
		n = RTE_MIN((uint32_t)m->data_len - off, len - done);
		s = fold(raw_sum(
			rte_pktmbuf_mtod_offset(m, const uint8_t *, off), n,
			0));
		if (done & 1)
			s = rte_bswap16(s);
		sum += s;
		done += n;
		off = 0;
	}
	if (done != len)
		return -1;
	*out = fold(sum);
	return 0;
}

static inline uint16_t
ipv4_hdr_csum(const uint8_t *ip, uint32_t ihl)
{
	return (uint16_t)~fold(raw_sum(ip, ihl, 0));
}

/* Ethernet plus up to two VLAN tags: the L3 offset and ethertype. */
static int
l2_parse(const uint8_t *f, uint32_t head, uint16_t *l2, uint16_t *type)
{
	uint32_t off = 12;
	uint16_t t;
	int tags = 0;

	if (head < 14)
		return -1;
	t = be16(f + 12);
	off = 14;
	while ((t == 0x8100 || t == 0x88a8 || t == 0x9100) && tags < 2) {
		if (head < off + 4)
			return -1;
		t = be16(f + off + 2);
		off += 4;
		tags++;
	}
	*l2 = (uint16_t)off;
	*type = t;
	return 0;
}

/* Where a partial checksum sits, when it is a TCP/UDP one we can offload. */
static uint8_t
partial_l4(const uint8_t *f, uint32_t head, uint32_t frame_len, uint16_t l2,
	   uint16_t type, uint16_t cs, uint16_t co, uint16_t *l3_len)
{
	const uint8_t *ip = f + l2;
	uint8_t proto;

	if (type == ETH_IPV4 && head >= (uint32_t)l2 + 20 &&
	    (ip[0] >> 4) == 4) {
		uint32_t ihl = (ip[0] & 0xfu) * 4u;

		if (ihl < 20 || cs != l2 + ihl ||
		    (uint32_t)l2 + be16(ip + 2) != frame_len)
			return VS_VNET_L4_OTHER;
		proto = ip[9];
		*l3_len = (uint16_t)ihl;
		if (proto == PROTO_TCP && co == TCP_CSUM_OFF)
			return VS_VNET_L4_TCP4;
		if (proto == PROTO_UDP && co == UDP_CSUM_OFF)
			return VS_VNET_L4_UDP4;
		return VS_VNET_L4_OTHER;
	}
	if (type == ETH_IPV6 && head >= (uint32_t)l2 + 40 &&
	    (ip[0] >> 4) == 6) {
		if (cs != l2 + 40 ||
		    (uint32_t)l2 + 40 + be16(ip + 4) != frame_len)
			return VS_VNET_L4_OTHER;
		proto = ip[6];
		*l3_len = 40;
		if (proto == PROTO_TCP && co == TCP_CSUM_OFF)
			return VS_VNET_L4_TCP6;
		if (proto == PROTO_UDP && co == UDP_CSUM_OFF)
			return VS_VNET_L4_UDP6;
	}
	return VS_VNET_L4_OTHER;
}

/* GSO TCPv4: the frame must be exactly what the header says. */
static int
parse_tso4(const struct vs_vnet_hdr *h, const uint8_t *f, uint32_t head,
	   uint32_t frame_len, uint16_t l2, uint16_t type,
	   struct vs_vnet_info *vi)
{
	const uint8_t *ip = f + l2, *th;
	uint32_t ihl, doff, hdrs, payload;

	if (type != ETH_IPV4 || head < (uint32_t)l2 + 20 || (ip[0] >> 4) != 4)
		return VS_VNET_E_bad_gso_frame;
	ihl = (ip[0] & 0xfu) * 4u;
	if (ihl < 20 || head < l2 + ihl + 20 || ip[9] != PROTO_TCP ||
	    (be16(ip + 6) & 0x3fff) != 0) /* MF or an offset: a fragment */
		return VS_VNET_E_bad_gso_frame;
	th = ip + ihl;
	doff = (uint32_t)(th[12] >> 4) * 4u;
	hdrs = l2 + ihl + doff;
	if (doff < 20 || head < hdrs)
		return VS_VNET_E_bad_gso_frame;
	if (!(h->flags & VS_VNET_F_NEEDS_CSUM) || h->csum_start != l2 + ihl ||
	    h->csum_offset != TCP_CSUM_OFF)
		return VS_VNET_E_bad_csum_offset;
	if (frame_len - l2 > 65535)
		return VS_VNET_E_too_long;
	if (be16(ip + 2) != frame_len - l2)
		return VS_VNET_E_bad_ip_len;
	if (frame_len <= hdrs)
		return VS_VNET_E_bad_gso_frame;
	payload = frame_len - hdrs;
	if (h->gso_size == 0 || ihl + doff + h->gso_size > 65535)
		return VS_VNET_E_bad_gso_size;
	vi->l3_len = (uint16_t)ihl;
	vi->l4_len = (uint16_t)doff;
	vi->l4 = VS_VNET_L4_TCP4;
	vi->segs = (uint16_t)((payload + h->gso_size - 1) / h->gso_size);
	if (vi->segs > 1) { /* else not really GSO: one frame, partial */
		vi->gso = VS_VNET_GSO_TCPV4;
		vi->ecn = (h->gso_type & VS_VNET_GSO_ECN) != 0;
		vi->mss = h->gso_size;
	}
	return VS_VNET_OK;
}

int
vs_vnet_parse(const struct vs_vnet_hdr *h, const uint8_t *frame,
	      uint32_t head_len, uint32_t frame_len, struct vs_vnet_info *vi)
{
	const uint8_t gso = h->gso_type & (uint8_t)~VS_VNET_GSO_ECN;
	uint16_t l2 = 0, type = 0;

	memset(vi, 0, sizeof(*vi));
	vi->frame_len = frame_len;
	vi->segs = 1;
	if (head_len > frame_len)
		head_len = frame_len;
	if ((h->flags & ~(VS_VNET_F_NEEDS_CSUM | VS_VNET_F_DATA_VALID)) ||
	    (h->flags & VS_VNET_F_NEEDS_CSUM &&
	     h->flags & VS_VNET_F_DATA_VALID))
		return VS_VNET_E_bad_flags;
	switch (gso) {
	case VS_VNET_GSO_NONE:
		if (h->gso_type & VS_VNET_GSO_ECN)
			return VS_VNET_E_bad_gso_type;
		break;
	case VS_VNET_GSO_TCPV4:
		break;
	case VS_VNET_GSO_UDP:
	case VS_VNET_GSO_TCPV6:
	case VS_VNET_GSO_UDP_L4:
		return VS_VNET_E_gso_unsupported;
	default:
		return VS_VNET_E_bad_gso_type;
	}
	if (frame_len > VS_VNET_MAX_FRAME)
		return VS_VNET_E_too_long;
	if (h->hdr_len > frame_len)
		return VS_VNET_E_bad_hdr_len;
	if (l2_parse(frame, head_len, &l2, &type) < 0)
		return VS_VNET_E_runt;
	vi->l2_len = l2;
	if (h->flags & VS_VNET_F_DATA_VALID)
		vi->csum = VS_VNET_CSUM_VALID;
	if (h->flags & VS_VNET_F_NEEDS_CSUM) {
		uint32_t end = (uint32_t)h->csum_start + h->csum_offset + 2;

		/* the field must be in the contiguous head, the range
		 * must not start inside the Ethernet header */
		if (h->csum_start < 14 || end > frame_len || end > head_len)
			return VS_VNET_E_bad_csum_offset;
		vi->csum = VS_VNET_CSUM_PARTIAL;
		vi->csum_start = h->csum_start;
		vi->csum_offset = h->csum_offset;
	}
	if (gso == VS_VNET_GSO_TCPV4)
		return parse_tso4(h, frame, head_len, frame_len, l2, type, vi);
	if (type == ETH_IPV4 && frame_len - l2 > 65535)
		return VS_VNET_E_too_long;
	if (vi->csum == VS_VNET_CSUM_PARTIAL)
		vi->l4 = partial_l4(frame, head_len, frame_len, l2, type,
				    h->csum_start, h->csum_offset, &vi->l3_len);
	return VS_VNET_OK;
}

void
vs_vnet_info_to_mbuf(const struct vs_vnet_info *vi, struct rte_mbuf *m)
{
	uint64_t ol = 0;

	m->l2_len = vi->l2_len;
	m->l3_len = vi->l3_len;
	m->l4_len = vi->l4_len;
	m->tso_segsz = 0;
	if (vi->gso == VS_VNET_GSO_TCPV4) {
		ol = RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_IPV4 |
		     RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_TCP_CKSUM;
		m->tso_segsz = vi->mss;
	} else if (vi->csum == VS_VNET_CSUM_PARTIAL) {
		switch (vi->l4) {
		case VS_VNET_L4_TCP4:
			ol = RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_CKSUM;
			break;
		case VS_VNET_L4_UDP4:
			ol = RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_UDP_CKSUM;
			break;
		case VS_VNET_L4_TCP6:
			ol = RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_TCP_CKSUM;
			break;
		case VS_VNET_L4_UDP6:
			ol = RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_UDP_CKSUM;
			break;
		default:
			break;
		}
	}
	m->ol_flags = (m->ol_flags & ~TX_OFFLOADS) | ol;
}

int
vs_vnet_csum_complete(struct rte_mbuf *m, uint32_t start, uint32_t offset)
{
	uint16_t sum, c;

	if (start + offset + 2 > m->data_len || start > m->pkt_len ||
	    chain_sum(m, start, m->pkt_len - start, &sum) < 0)
		return -EINVAL;
	c = (uint16_t)~sum;
	if (c == 0)
		c = 0xffff;
	memcpy(rte_pktmbuf_mtod_offset(m, uint8_t *, start + offset), &c,
	       sizeof(c));
	return 0;
}

int
vs_vnet_seg_finish(struct rte_mbuf *seg, bool clear_cwr)
{
	struct rte_ipv4_hdr *ip;
	uint32_t l4 = (uint32_t)seg->l2_len + seg->l3_len;
	uint8_t *th;
	uint16_t phdr;

	if (seg->l3_len < 20 || l4 + 20 > seg->data_len)
		return -EINVAL;
	ip = rte_pktmbuf_mtod_offset(seg, struct rte_ipv4_hdr *, seg->l2_len);
	th = (uint8_t *)ip + seg->l3_len;
	if (seg->l2_len + (uint32_t)rte_be_to_cpu_16(ip->total_length) !=
	    seg->pkt_len)
		return -EINVAL;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = ipv4_hdr_csum((const uint8_t *)ip, seg->l3_len);
	if (clear_cwr)
		th[13] &= (uint8_t)~TCP_FLAG_CWR;
	phdr = rte_ipv4_phdr_cksum(ip, 0);
	memcpy(th + TCP_CSUM_OFF, &phdr, sizeof(phdr));
	seg->ol_flags &= ~TX_OFFLOADS;
	return vs_vnet_csum_complete(seg, l4, TCP_CSUM_OFF);
}

int
vs_vnet_hdr_from_mbuf(const struct rte_mbuf *m, struct vs_vnet_hdr *h)
{
	const uint64_t ol = m->ol_flags;
	uint32_t start = (uint32_t)m->l2_len + m->l3_len;

	memset(h, 0, sizeof(*h));
	if (ol & RTE_MBUF_F_TX_TCP_SEG) {
		if (!(ol & RTE_MBUF_F_TX_IPV4) || m->tso_segsz == 0 ||
		    m->l4_len < 20 || start + m->l4_len > m->data_len)
			return -EINVAL;
		h->flags = VS_VNET_F_NEEDS_CSUM;
		h->gso_type = VS_VNET_GSO_TCPV4;
		h->gso_size = m->tso_segsz;
		h->hdr_len = (uint16_t)(start + m->l4_len);
		h->csum_start = (uint16_t)start;
		h->csum_offset = TCP_CSUM_OFF;
		return 0;
	}
	switch (ol & RTE_MBUF_F_TX_L4_MASK) {
	case RTE_MBUF_F_TX_L4_NO_CKSUM:
		return 0;
	case RTE_MBUF_F_TX_TCP_CKSUM:
		h->csum_offset = TCP_CSUM_OFF;
		break;
	case RTE_MBUF_F_TX_UDP_CKSUM:
		h->csum_offset = UDP_CSUM_OFF;
		break;
	default: /* SCTP's CRC32c is no inet checksum */
		return -EINVAL;
	}
	if (start + h->csum_offset + 2 > m->data_len) {
		h->csum_offset = 0;
		return -EINVAL;
	}
	h->flags = VS_VNET_F_NEEDS_CSUM;
	h->csum_start = (uint16_t)start;
	h->hdr_len = (uint16_t)(start + h->csum_offset + 2);
	return 0;
}

int
vs_vnet_gro_prep(struct rte_mbuf *m)
{
	const uint64_t ol = m->ol_flags;
	struct rte_ipv4_hdr *ip;
	uint8_t *d, *th;
	uint32_t len, tot, doff;
	uint16_t field, phdr;

	if (m->data_len < 14 + 20 + 20)
		return VS_VNET_GRO_OTHER;
	d = rte_pktmbuf_mtod(m, uint8_t *);
	len = m->data_len;
	if (be16(d + 12) != ETH_IPV4 || (d[14] >> 4) != 4 ||
	    d[14 + 9] != PROTO_TCP)
		return VS_VNET_GRO_OTHER;
	if (m->nb_segs != 1 || d[14] != 0x45)
		return VS_VNET_GRO_TCP;
	ip = (struct rte_ipv4_hdr *)(d + 14);
	tot = be16(d + 16);
	th = d + 34;
	doff = (uint32_t)(th[12] >> 4) * 4u;
	/* no fragment; exactly ACK (the only flags 22.11's GRO merges); a
	 * payload; the datagram within the frame; not marked CE (GRO keys on
	 * addresses, ports and ACK only: a congestion mark would be lost in
	 * the merged header) */
	if ((be16(d + 20) & 0x3fff) != 0 || th[13] != RTE_TCP_ACK_FLAG ||
	    doff < 20 || 20 + doff >= tot || 14 + tot > len ||
	    (d[15] & 0x3) == 0x3)
		return VS_VNET_GRO_TCP;
	if ((ol & RTE_MBUF_F_RX_IP_CKSUM_MASK) != RTE_MBUF_F_RX_IP_CKSUM_GOOD &&
	    fold(raw_sum(d + 14, 20, 0)) != 0xffff)
		return VS_VNET_GRO_TCP;
	switch (ol & RTE_MBUF_F_RX_L4_CKSUM_MASK) {
	case RTE_MBUF_F_RX_L4_CKSUM_GOOD:
	case RTE_MBUF_F_RX_L4_CKSUM_NONE: /* partial, data verified */
		break;
	case RTE_MBUF_F_RX_L4_CKSUM_BAD:
		return VS_VNET_GRO_TCP;
	default:
		memcpy(&field, th + TCP_CSUM_OFF, sizeof(field));
		phdr = rte_ipv4_phdr_cksum(ip, 0);
		if (field != phdr &&
		    fold((uint64_t)phdr + raw_sum(th, tot - 20, 0)) != 0xffff)
			return VS_VNET_GRO_TCP;
	}
	if (len > 14 + tot)
		rte_pktmbuf_trim(m, (uint16_t)(len - 14 - tot));
	m->l2_len = 14;
	m->l3_len = 20;
	m->l4_len = (uint16_t)doff;
	m->packet_type =
		RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV4 | RTE_PTYPE_L4_TCP;
	return VS_VNET_GRO_CAND;
}

uint16_t
vs_vnet_gro_done(struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip =
		rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, m->l2_len);
	uint8_t *th = (uint8_t *)ip + m->l3_len;
	uint32_t hdrs = (uint32_t)m->l2_len + m->l3_len + m->l4_len;
	uint16_t phdr, mss = (uint16_t)(m->data_len - hdrs);
	const struct rte_mbuf *s;
	uint64_t ol = RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_CKSUM;

	if (m->nb_segs > 1) {
		/* GRO rewrote the total length, not the checksum */
		ip->hdr_checksum = 0;
		ip->hdr_checksum =
			ipv4_hdr_csum((const uint8_t *)ip, m->l3_len);
		for (s = m->next; s != NULL; s = s->next)
			mss = RTE_MAX(mss, s->data_len);
		m->tso_segsz = mss;
		ol |= RTE_MBUF_F_TX_TCP_SEG;
	}
	phdr = rte_ipv4_phdr_cksum(ip, 0);
	memcpy(th + TCP_CSUM_OFF, &phdr, sizeof(phdr));
	m->ol_flags = (m->ol_flags & ~TX_OFFLOADS) | ol;
	return m->nb_segs;
}

bool
vs_vnet_mark_partial(struct rte_mbuf *m, uint16_t l2_len, uint16_t l3_len,
		     uint8_t proto, uint32_t l4_bytes)
{
	const struct rte_ipv4_hdr *ip;
	uint16_t field, phdr, off;
	uint64_t l4;

	if (proto == PROTO_TCP && l4_bytes >= 20) {
		off = TCP_CSUM_OFF;
		l4 = RTE_MBUF_F_TX_TCP_CKSUM;
	} else if (proto == PROTO_UDP && l4_bytes >= 8) {
		off = UDP_CSUM_OFF;
		l4 = RTE_MBUF_F_TX_UDP_CKSUM;
	} else {
		return false;
	}
	if ((uint32_t)l2_len + l3_len + off + 2 > m->data_len)
		return false;
	ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, l2_len);
	memcpy(&field, (const uint8_t *)ip + l3_len + off, sizeof(field));
	phdr = rte_ipv4_phdr_cksum(ip, 0);
	if (field == 0 || field != phdr)
		return false;
	m->l2_len = l2_len;
	m->l3_len = l3_len;
	m->ol_flags = (m->ol_flags & ~TX_OFFLOADS) | RTE_MBUF_F_TX_IPV4 | l4;
	return true;
}
