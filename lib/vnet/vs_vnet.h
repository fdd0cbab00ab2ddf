/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vs_vnet: the virtio_net_hdr that travels with every frame between us and a
 * kernel interface driven with offloads (AF_PACKET + PACKET_VNET_HDR, or a
 * TAP with IFF_VNET_HDR), and its translation to and from mbuf offload
 * fields.
 *
 *   kernel -> us    vs_vnet_parse() checks the header against the frame it
 *                   precedes (a malformed or lying header is an error code,
 *                   never trusted), vs_vnet_info_to_mbuf() turns it into TX
 *                   offload requests for the NIC (TSO, L4 checksum).
 *   us -> kernel    vs_vnet_gro_prep() picks the TCP segments DPDK's GRO may
 *                   coalesce (checksum known good, or partial), and
 *                   vs_vnet_gro_done() turns what GRO merged into a TSO
 *                   super-frame; vs_vnet_hdr_from_mbuf() writes the header.
 *
 * The header is in native byte order: the legacy virtio layout AF_PACKET and
 * TAP use unless told otherwise. No EAL needed: only the mbuf structure and
 * DPDK's inline header helpers are used, so unit tests and the fuzzer call
 * everything directly.
 */
#ifndef VS_VNET_H
#define VS_VNET_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#ifdef __cplusplus
extern "C" {
#endif

/* struct virtio_net_hdr, without the num_buffers of the mergeable layout */
struct vs_vnet_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;     /* a hint: length of the headers */
	uint16_t gso_size;    /* payload bytes per segment (MSS) */
	uint16_t csum_start;  /* where the checksummed range starts */
	uint16_t csum_offset; /* where the checksum goes, from csum_start */
} __attribute__((__packed__));

#define VS_VNET_HDR_LEN 10

#define VS_VNET_F_NEEDS_CSUM 0x01 /* partial checksum: complete it */
#define VS_VNET_F_DATA_VALID 0x02 /* checksum already verified */

#define VS_VNET_GSO_NONE 0
#define VS_VNET_GSO_TCPV4 1
#define VS_VNET_GSO_UDP 3
#define VS_VNET_GSO_TCPV6 4
#define VS_VNET_GSO_UDP_L4 5
#define VS_VNET_GSO_ECN 0x80 /* TCP: CWR only on the first segment */

/* An IPv4 datagram is at most 64 KB; a frame adds Ethernet and two tags. */
#define VS_VNET_MAX_L2 (14 + 2 * 4)
#define VS_VNET_MAX_FRAME (VS_VNET_MAX_L2 + 65535)
/* Longest Ethernet + IPv4 + TCP header we handle (options included). */
#define VS_VNET_MAX_HDR (VS_VNET_MAX_L2 + 60 + 60)

/*
 * Why a frame from the kernel is dropped: a header that does not describe
 * the frame is "lying" (bad_*), one we understand but cannot send is
 * gso_unsupported; too_long is a frame beyond an IPv4 datagram's 64 KB
 * (or cut short by the receive buffers: truncated).
 */
#define VS_VNET_ERRORS(X)                                                      \
	X(bad_flags)       /* unknown flag bits, or NEEDS_CSUM + DATA_VALID */ \
	X(bad_gso_type)    /* unknown GSO type */                              \
	X(gso_unsupported) /* TCPv6, UFO, UDP segmentation: not ours to do */  \
	X(bad_csum_offset) /* csum_start/csum_offset outside the frame or */   \
			   /* not where the frame's TCP checksum is (GSO) */   \
	X(bad_hdr_len)     /* hdr_len beyond the frame */                      \
	X(bad_gso_size)    /* zero, or segments over 64 KB */                  \
	X(bad_gso_frame)   /* GSO TCPv4, but not an IPv4/TCP frame */          \
	X(bad_ip_len)      /* IPv4 total length is not the frame's */          \
	X(runt)            /* shorter than its Ethernet header and tags */     \
	X(too_long)        /* over 64 KB of IPv4 datagram */                   \
	X(truncated)       /* longer than our receive buffers (I/O layer) */

enum vs_vnet_err {
	VS_VNET_OK = 0,
#define VS_VNET_ERR_ENUM(n) VS_VNET_E_##n,
	VS_VNET_ERRORS(VS_VNET_ERR_ENUM)
#undef VS_VNET_ERR_ENUM
	VS_VNET_E_MAX
};

/* "bad_flags", ...; "ok" for 0, "?" out of range. */
const char *vs_vnet_err_name(unsigned int err);

/* Checksum state of a frame from the kernel. */
enum vs_vnet_csum {
	VS_VNET_CSUM_DONE = 0, /* complete in the frame (or none) */
	VS_VNET_CSUM_PARTIAL,  /* csum_start/offset: to be completed */
	VS_VNET_CSUM_VALID,    /* the kernel says it is verified */
};

/* Where a partial checksum sits, when it is one we can offload. */
enum vs_vnet_l4 {
	VS_VNET_L4_OTHER = 0, /* generic: complete in software */
	VS_VNET_L4_TCP4,
	VS_VNET_L4_UDP4,
	VS_VNET_L4_TCP6,
	VS_VNET_L4_UDP6,
};

struct vs_vnet_info {
	uint32_t frame_len;
	uint16_t l2_len;      /* Ethernet + tags */
	uint16_t l3_len;      /* IPv4 header (GSO, L4 TCP4/UDP4/TCP6/UDP6) */
	uint16_t l4_len;      /* TCP header (GSO) */
	uint16_t csum_start;  /* PARTIAL */
	uint16_t csum_offset; /* PARTIAL */
	uint16_t mss;         /* GSO: payload bytes per segment */
	uint16_t segs;        /* frames on the wire this one stands for */
	uint8_t gso;          /* VS_VNET_GSO_NONE or VS_VNET_GSO_TCPV4 */
	uint8_t ecn;          /* GSO with VS_VNET_GSO_ECN */
	uint8_t csum;         /* enum vs_vnet_csum */
	uint8_t l4;           /* enum vs_vnet_l4, for PARTIAL */
};

/*
 * Check the header h of a frame from the kernel: frame_len bytes in all, the
 * first head_len of them contiguous at frame (the headers must be there).
 * Reads nothing beyond head_len. Returns 0 and fills vi, or a positive
 * enum vs_vnet_err.
 */
int vs_vnet_parse(const struct vs_vnet_hdr *h, const uint8_t *frame,
		  uint32_t head_len, uint32_t frame_len,
		  struct vs_vnet_info *vi);

/*
 * Offload requests for the NIC from a parsed header: TSO (RTE_MBUF_F_TX_TCP_SEG,
 * tso_segsz, IPv4 and TCP checksums) for GSO, an L4 checksum offload for a
 * partial TCP/UDP checksum, nothing otherwise. Lengths l2/l3/l4 set. The
 * checksum field of a partial frame already holds the pseudo-header sum
 * with the length, as both the kernel and DPDK's non-TSO offload expect.
 */
void vs_vnet_info_to_mbuf(const struct vs_vnet_info *vi, struct rte_mbuf *m);

/*
 * Complete a partial checksum in software over the whole (possibly
 * chained) mbuf: sum from start to the end, folded, stored at start +
 * offset (0 becomes 0xffff, as the kernel does). start + offset + 2 must
 * lie in the first segment; 0 or -EINVAL.
 */
int vs_vnet_csum_complete(struct rte_mbuf *m, uint32_t start, uint32_t offset);

/*
 * A segment rte_gso cut from a TSO super-frame (headers copied, lengths,
 * sequence numbers and IP IDs updated, but no checksums): the IPv4 header
 * checksum and the TCP checksum over the chain are computed, and with
 * clear_cwr (the super-frame carried VS_VNET_GSO_ECN, the segment is not
 * the first) CWR is cleared first. The TX offload flags are cleared: the
 * segment is final. 0 or -EINVAL.
 */
int vs_vnet_seg_finish(struct rte_mbuf *seg, bool clear_cwr);

/*
 * The header for a frame going to the kernel, from its TX offload flags:
 * RTE_MBUF_F_TX_TCP_SEG (IPv4) -> GSO TCPv4 + NEEDS_CSUM, TCP or UDP
 * checksum offload -> NEEDS_CSUM, none -> all zero. Returns 0 or -EINVAL
 * (flags the kernel cannot be given: the header is then all zero).
 */
int vs_vnet_hdr_from_mbuf(const struct rte_mbuf *m, struct vs_vnet_hdr *h);

/* vs_vnet_gro_prep() verdicts */
enum vs_vnet_gro {
	VS_VNET_GRO_OTHER = 0, /* not TCP over IPv4 */
	VS_VNET_GRO_CAND,      /* may be merged */
	VS_VNET_GRO_TCP,       /* TCP over IPv4, but not to be merged */
};

/*
 * Into the kernel. For a frame from the NIC, decide whether DPDK's GRO may
 * coalesce it: one segment, untagged Ethernet, IPv4 without options or
 * fragmentation and not marked CE, TCP with exactly ACK set and a
 * payload, lengths consistent, and the checksums known good: marked good by the NIC,
 * verified here in software, or partial (the pseudo-header sum in the TCP
 * checksum field, as veth and bridges hand frames on: the kernel's own
 * CHECKSUM_PARTIAL, data never on a wire). GRO neither checks nor
 * recomputes checksums, and a merged frame goes to the kernel as
 * CHECKSUM_PARTIAL, which it trusts: a corrupted segment must never get in.
 * A candidate gets l2/l3/l4_len and packet_type (and loses its Ethernet
 * padding); anything else is left untouched. A TCP segment that is not a
 * candidate (PSH, FIN, ...) must not overtake the candidates before it.
 */
int vs_vnet_gro_prep(struct rte_mbuf *m);

/*
 * After GRO, for each candidate: a merged frame (nb_segs > 1) gets its IPv4
 * checksum recomputed and becomes a TSO request (RTE_MBUF_F_TX_TCP_SEG,
 * tso_segsz = its largest segment's payload, the TCP field = pseudo-header
 * sum); a frame left alone becomes a TCP checksum-offload request (its
 * checksum was verified: the kernel need not do it again). Returns the
 * number of wire frames in m.
 */
uint16_t vs_vnet_gro_done(struct rte_mbuf *m);

/*
 * For a frame to the kernel that is not a GRO candidate: an IPv4 TCP/UDP
 * frame whose checksum field holds exactly the pseudo-header sum (partial,
 * from a veth or bridge) becomes an L4 checksum-offload request, so that the
 * kernel completes it instead of dropping it. pl3 is the IPv4 header at
 * l2_len, l4_len the bytes from the L4 header to the end of the datagram.
 * Returns true when marked.
 */
bool vs_vnet_mark_partial(struct rte_mbuf *m, uint16_t l2_len, uint16_t l3_len,
			  uint8_t proto, uint32_t l4_bytes);

#ifdef __cplusplus
}
#endif

#endif /* VS_VNET_H */
