/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: lib/vnet, the virtio_net_hdr that comes with every
 * frame from the kernel side of the host port, and the GRO path into it.
 *
 * Input:
 *   byte 0      bits 0-2: receive checksum flags for the GRO check (none,
 *               L4 good, L4 bad, L4 partial, IP good + L4 good, ...);
 *               bit 3: cut the frame into two mbufs at the head length
 *   byte 1      head length: how many bytes are contiguous (0 = all)
 *   bytes 2-3   extra length (big-endian) the frame claims beyond the bytes
 *               present, when the head is cut: a 64 KB frame from a short
 *               input (the parser must read nothing past the head)
 *   bytes 4-13  the header, native byte order
 *   bytes 14-   the frame
 *
 * Checked on every input (abort() otherwise):
 *   - vs_vnet_parse reads only the head (ASan: an exact-size copy);
 *   - an accepted header describes its frame: headers within the head,
 *     the checksum field within the frame, segments of a GSO frame > 1
 *     with an MSS, at most 64 KB of IPv4 datagram;
 *   - what we write back for it (vs_vnet_info_to_mbuf, then
 *     vs_vnet_hdr_from_mbuf) is accepted again and describes the same
 *     segmentation;
 *   - a partial checksum is completed without error;
 *   - a GRO candidate has the layout GRO needs, and the header we would
 *     give the kernel for it passes our own check.
 * mbufs are laid over exact-size heap buffers, no EAL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_mbuf.h>

#include "vs_fuzz.h"
#include "vs_vnet.h"

#define HDR_OFF 14

struct fm {
	struct rte_mbuf m;
	uint8_t *buf;
};

static void
fm_init(struct fm *f, const uint8_t *data, uint32_t len)
{
	memset(&f->m, 0, sizeof(f->m));
	f->buf = malloc(len ? len : 1);
	CHECK(f->buf != NULL);
	memcpy(f->buf, data, len);
	f->m.buf_addr = f->buf;
	f->m.buf_len = (uint16_t)len;
	f->m.data_off = 0;
	f->m.data_len = (uint16_t)len;
	f->m.pkt_len = len;
	f->m.nb_segs = 1;
	rte_mbuf_refcnt_set(&f->m, 1);
}

static void
fm_free(struct fm *f)
{
	free(f->buf);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static const uint64_t rx_flags[8] = {
	0,
	RTE_MBUF_F_RX_L4_CKSUM_GOOD,
	RTE_MBUF_F_RX_L4_CKSUM_BAD,
	RTE_MBUF_F_RX_L4_CKSUM_NONE,
	RTE_MBUF_F_RX_L4_CKSUM_GOOD | RTE_MBUF_F_RX_IP_CKSUM_GOOD,
	RTE_MBUF_F_RX_IP_CKSUM_GOOD,
	RTE_MBUF_F_RX_IP_CKSUM_BAD,
	RTE_MBUF_F_RX_L4_CKSUM_NONE | RTE_MBUF_F_RX_IP_CKSUM_GOOD,
};

static void
check_info(const struct vs_vnet_info *vi, uint32_t head, uint32_t len)
{
	CHECK(vi->frame_len == len);
	CHECK(vi->segs >= 1);
	CHECK(vi->l2_len >= 14 && vi->l2_len <= VS_VNET_MAX_L2);
	CHECK(vi->l2_len <= head);
	CHECK(len <= VS_VNET_MAX_FRAME);
	if (vi->csum == VS_VNET_CSUM_PARTIAL) {
		CHECK(vi->csum_start >= 14);
		CHECK((uint32_t)vi->csum_start + vi->csum_offset + 2 <= head);
		CHECK((uint32_t)vi->csum_start + vi->csum_offset + 2 <= len);
	}
	if (vi->l4 == VS_VNET_L4_TCP4 || vi->l4 == VS_VNET_L4_UDP4 ||
	    vi->l4 == VS_VNET_L4_TCP6 || vi->l4 == VS_VNET_L4_UDP6) {
		CHECK(vi->l3_len >= 20);
		CHECK(vi->csum == VS_VNET_CSUM_PARTIAL);
		CHECK(vi->csum_start == vi->l2_len + vi->l3_len);
	}
	if (vi->gso == VS_VNET_GSO_NONE) {
		CHECK(vi->segs == 1);
		CHECK(vi->mss == 0);
		return;
	}
	CHECK(vi->gso == VS_VNET_GSO_TCPV4);
	CHECK(vi->mss > 0);
	CHECK(vi->segs > 1);
	CHECK(vi->l4 == VS_VNET_L4_TCP4);
	CHECK(vi->l4_len >= 20 && vi->l4_len <= 60);
	CHECK((uint32_t)vi->l2_len + vi->l3_len + vi->l4_len <= head);
	CHECK((uint32_t)vi->l2_len + vi->l3_len + vi->l4_len < len);
	CHECK(len - vi->l2_len <= 65535);
	CHECK((uint32_t)vi->segs * vi->mss >=
	      len - vi->l2_len - vi->l3_len - vi->l4_len);
}

/* What we would write for it is accepted again, with the same layout. */
static void
check_round_trip(const struct vs_vnet_info *vi, const uint8_t *frame,
		 uint32_t len)
{
	struct vs_vnet_info v2;
	struct vs_vnet_hdr h2;
	struct fm f;

	fm_init(&f, frame, len);
	vs_vnet_info_to_mbuf(vi, &f.m);
	if (vs_vnet_hdr_from_mbuf(&f.m, &h2) == 0) {
		CHECK(vs_vnet_parse(&h2, f.buf, len, len, &v2) == VS_VNET_OK);
		CHECK(v2.gso == vi->gso);
		CHECK(v2.mss == vi->mss);
		CHECK(v2.segs == vi->segs);
		CHECK(v2.l2_len == vi->l2_len);
		if (vi->gso != VS_VNET_GSO_NONE) {
			CHECK(v2.l3_len == vi->l3_len);
			CHECK(v2.l4_len == vi->l4_len);
		}
	} else {
		/* only partial checksums we do not offload are refused */
		CHECK(vi->gso == VS_VNET_GSO_NONE);
	}
	if (vi->csum == VS_VNET_CSUM_PARTIAL)
		CHECK(vs_vnet_csum_complete(&f.m, vi->csum_start,
					    vi->csum_offset) == 0);
	fm_free(&f);
}

/* The GRO check, and the super-frame header path for one frame. */
static void
check_gro(const uint8_t *frame, uint32_t len, uint64_t ol)
{
	struct vs_vnet_info vi;
	struct vs_vnet_hdr h;
	struct fm f;
	int r;

	fm_init(&f, frame, len);
	f.m.ol_flags = ol;
	r = vs_vnet_gro_prep(&f.m);
	CHECK(r == VS_VNET_GRO_OTHER || r == VS_VNET_GRO_CAND ||
	      r == VS_VNET_GRO_TCP);
	if (r != VS_VNET_GRO_CAND) {
		CHECK(f.m.data_len == len); /* untouched */
		fm_free(&f);
		return;
	}
	CHECK(f.m.l2_len == 14 && f.m.l3_len == 20);
	CHECK(f.m.l4_len >= 20 && f.m.l4_len <= 60);
	CHECK(f.m.data_len <= len && f.m.pkt_len == f.m.data_len);
	CHECK(f.m.data_len > 14u + 20 + f.m.l4_len);
	CHECK(vs_vnet_gro_done(&f.m) == 1);
	CHECK(vs_vnet_hdr_from_mbuf(&f.m, &h) == 0);
	CHECK(h.flags == VS_VNET_F_NEEDS_CSUM && h.gso_type == 0);
	CHECK(vs_vnet_parse(&h, f.buf, f.m.data_len, f.m.data_len, &vi) ==
	      VS_VNET_OK);
	CHECK(vi.l4 == VS_VNET_L4_TCP4);
	fm_free(&f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vs_vnet_hdr h;
	struct vs_vnet_info vi;
	const uint8_t *frame;
	uint32_t len, head, extra;
	uint8_t *hc;
	int r;

	if (size < HDR_OFF)
		return 0;
	memcpy(&h, data + 4, sizeof(h));
	frame = data + HDR_OFF;
	len = (uint32_t)(size - HDR_OFF);
	head = data[1] ? RTE_MIN((uint32_t)data[1], len) : len;
	extra = head < len || data[1] ? (uint32_t)(data[2] << 8 | data[3]) : 0;

	/* the head alone is readable; the frame may claim more */
	hc = malloc(head ? head : 1);
	CHECK(hc != NULL);
	memcpy(hc, frame, head);
	r = vs_vnet_parse(&h, hc, head, len + extra, &vi);
	CHECK(r >= 0 && r < VS_VNET_E_MAX);
	CHECK(vs_vnet_err_name((unsigned int)r)[0] != '?');
	if (r == VS_VNET_OK)
		check_info(&vi, head, len + extra);
	free(hc);

	/* the whole frame present: write-back, checksums, GRO */
	if (len <= 65535) {
		r = vs_vnet_parse(&h, frame, len, len, &vi);
		if (r == VS_VNET_OK) {
			check_info(&vi, len, len);
			check_round_trip(&vi, frame, len);
		}
		check_gro(frame, len, rx_flags[data[0] & 7]);
	}
	return 0;
}
