/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: raw frames through the real data path.
 *
 * LLVMFuzzerInitialize starts the EAL without files (--no-huge --no-shconf,
 * two net_null vdevs: port 0 = NIC, port 1 = host) and sets the app up
 * exactly as dpdk-vipshare does (vs_app_init, vs_port_init,
 * vs_worker_setup: one worker on the main lcore), with three VIPs:
 * 192.168.100.100/24 (the fixtures' first VIP), 10.20.30.40/16 (one of
 * tests/pcap/multi.pcap's) and 192.168.100.10 (an address fixture.pcap
 * sends other frames and ARP to).
 * Each input is then a short capture:
 *
 *   byte 0      hash mode of the first VIP (bits 0-1), nft compat (bit
 *               2), poison (bit 3): poison = tailroom of every frame made
 *               unaddressable for ASan (host MTU raised so nothing is
 *               re-fragmented into a recycled, still poisoned mbuf); else
 *               host MTU 1500; bits 4-5 and 6: the second VIP's mode and
 *               compat
 *   byte 1      total nodes - 1 (mod 64) of the first VIP; the second's
 *               is bits 0-2 + 1
 *   byte 2      ownership mask seed (the third VIP holds 1 of 1)
 *   records     [flags u8][len u16 BE][len bytes] ...
 *     flags bit 0    from the host port (vs_worker_host_burst)
 *     flags bit 1    end the burst after this frame
 *     flags bit 2    split into two segments at an arbitrary point
 *     flags bit 3    before this frame, end the burst and add the VIP
 *                    192.168.100.101 (multi.pcap's second;
 *                    sourceip-sourceport-destport, 2/3) at run time, or
 *                    remove it when it is there
 *                    (vs_app_vip_add / vs_app_vip_del: fragments of it
 *                    may be held, its slot is reused)
 *     flags bits 4-7 advance the clock by that many 10 ms steps first
 *                    (fragment timeout is 50 ms) and run the worker's
 *                    housekeeping, which expires old datagrams
 *
 * Frames longer than one mbuf's data room are chained like net_pcap does.
 * After every burst and at the end of the input (after vs_worker_drain) the
 * invariants are checked and abort() on failure:
 *   - the outcomes add up to rx, the malformed reasons to malformed, the
 *     transmit drop reasons to their drops; frag_held = frag_done +
 *     frag_expired + in table (and in table = 0 after draining);
 *   - the fragment table never holds more than --frag-max datagrams;
 *   - every mbuf is back in the pool (mempool in use = start);
 *   - per VIP: its outcomes add up to its rx, its decisions per node
 *     number (seen) to its owned and not owned frames and datagrams, its
 *     accepted ones to its owned; the VIPs' owned, not owned and held
 *     frames add up to the totals (while no VIP was removed).
 * The parser and ARP code also see an exact-size heap copy of every frame,
 * so ASan catches any overread there too, and on it the fast path
 * (vs_pkt_parse_fast) is checked against the generic parser: a frame it
 * takes must parse the same, field by field, both ways (the data path
 * runs the fast path first on every frame it receives).
 *
 * Without libFuzzer (gcc builds) standalone.c provides a main() that
 * runs the inputs named on the command line (files or directories): the
 * corpus becomes a regression test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ip_frag.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <rte_ip.h>

#include "vs_app.h"
#include "vs_fuzz.h"
#include "vs_worker.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VS_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define VS_ASAN 1
#endif
#ifdef VS_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define FRAG_MAX 8
#define FRAG_TIMEOUT_MS 50
#define MAX_FRAME 16384
#define MAX_SEGS 16

static struct vs_worker *w;
static struct vs_vip *vips[3]; /* the VIPs of the settings */
static bool removed;           /* a runtime VIP was removed: its counts
				   are gone from the per-VIP sums */
static uint64_t now;
static uint16_t nic_mtu;

static struct rte_mbuf *poisoned[VS_MAX_BURST * MAX_SEGS];
static unsigned int n_poisoned;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct vs_app *a = &vs_app;
	unsigned int lcore;
	struct vs_conf conf;
	char prefix[64], err[256];
	/* no announcements: each input's frames are all that happens */
	char *app_argv[] = {"--",
			    "--garp",
			    "0",
			    "--igmp",
			    "off",
			    "--frag-max",
			    "8",
			    "--frag-timeout",
			    "50",
			    "--vip",
			    "192.168.100.100/24",
			    "--node",
			    "1/3",
			    "--vip",
			    "10.20.30.40/16",
			    "--node",
			    "1/2",
			    "--vip",
			    "192.168.100.10/32",
			    "--node",
			    "1/1",
			    NULL};
	char *eal[] = {"fuzz_frame",    "-l",          "0",
		       "--no-huge",     "-m",          "256",
		       "--no-pci",      "--no-shconf", "--no-telemetry",
		       "--file-prefix", prefix,        "--log-level",
		       "error",         "--vdev",      "net_null0",
		       "--vdev",        "net_null1",   NULL};
	int r;

	(void)argc;
	(void)argv;
	snprintf(prefix, sizeof(prefix), "vsh-fuzz-%d", (int)getpid());
	if (rte_eal_init((int)RTE_DIM(eal) - 1, eal) < 0) {
		fprintf(stderr, "fuzz_frame: EAL init failed\n");
		exit(1);
	}
	/* --no-shconf: the runtime directory stays empty, leave no trace */
	rmdir(rte_eal_get_runtime_dir());
	vs_conf_defaults(&conf);
	r = vs_conf_parse(&conf, (int)RTE_DIM(app_argv) - 1, app_argv, err,
			  sizeof(err));
	if (r != 0) {
		fprintf(stderr, "fuzz_frame: %s\n", err);
		exit(1);
	}
	if (vs_app_init(a, &conf) < 0)
		exit(1);
	a->tsc_hz = 1000000; /* our clock: 1 tick = 1 us */
	lcore = rte_get_main_lcore();
	if (vs_port_init(&a->ports, &a->conf, &a->vips, 1,
			 vs_worker_mbufs_held(a)) < 0 ||
	    vs_worker_setup(a, &lcore, a->ports.nb_queues) < 0 ||
	    a->nb_workers != 1 || a->workers[0].frag_tbl == NULL) {
		fprintf(stderr, "fuzz_frame: set-up failed\n");
		exit(1);
	}
	w = &a->workers[0];
	for (r = 0; r < 3; r++)
		vips[r] = &a->vips.v[r];
	nic_mtu = a->ports.host_mtu;
	now = 1;
	return 0;
}

static bool
all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

/* Each live VIP's counters, and theirs against the totals. */
static void
check_vip_counters(void)
{
	const struct vs_vipmap *vm = vs_vip_map(&vs_app.vips);
	const struct vs_stats *s = &w->st;
	uint64_t owned = 0, not_owned = 0, held = 0, reply = 0, rx = 0;
	unsigned int i, n;

	for (i = 0; i < vm->n; i++) {
		const struct vs_vip_stats *v = &w->vst[vm->slot[i]];
		uint64_t out = 0, seen = 0, acc = 0;

#define ADD(c) out += v->c;
		VS_VIP_STATS_OUTCOMES(ADD)
#undef ADD
		CHECK(out == v->rx);
		for (n = 0; n < VS_MAX_NODES; n++) {
			CHECK(v->accepted[n] <= v->seen[n]);
			seen += v->seen[n];
			acc += v->accepted[n];
		}
		CHECK(seen == v->vip_owned + v->vip_not_owned + v->frag_owned +
				      v->frag_not_owned);
		CHECK(acc == v->vip_owned + v->frag_owned);
		CHECK(v->icmp_err_owned <= v->vip_owned);
		CHECK(v->icmp_err_not_owned <= v->vip_not_owned);
		owned += v->vip_owned;
		not_owned += v->vip_not_owned;
		held += v->frag_held;
		reply += v->arp_reply;
		rx += v->rx;
	}
	CHECK(rx <= s->rx);
	if (removed)
		return;
	CHECK(owned == s->vip_owned);
	CHECK(not_owned == s->vip_not_owned);
	CHECK(held == s->frag_held);
	CHECK(reply == s->arp_reply);
}

/* Flag bit 3: the runtime VIP in if it is out, out if it is in. */
static void
toggle_vip(void)
{
	static const char add[] = "192.168.100.101/24 --node 2/3 --hashmode "
				  "sourceip-sourceport-destport";
	uint32_t addr = RTE_BE32(RTE_IPV4(192u, 168, 100, 101));
	char err[256];

	if (vs_vip_find(&vs_app.vips, addr) == NULL) {
		if (vs_app_vip_add(&vs_app, add, err, sizeof(err)) < 0) {
			fprintf(stderr, "fuzz_frame: %s\n", err);
			abort();
		}
	} else {
		if (vs_app_vip_del(&vs_app, addr, err, sizeof(err)) < 0) {
			fprintf(stderr, "fuzz_frame: %s\n", err);
			abort();
		}
		removed = true;
	}
}

static void
check_counters(bool drained)
{
	const struct vs_stats *s = &w->st;
	uint64_t out = 0, why = 0;
	unsigned int r;

#define ADD(n) out += s->n;
	VS_STATS_OUTCOMES(ADD)
#undef ADD
	CHECK(out == s->rx);
	/* every malformed frame has exactly one reason */
	for (r = 0; r < VS_PKT_DROP_MAX; r++)
		why += s->malformed_why[r];
	CHECK(s->malformed_why[VS_PKT_DROP_NONE] == 0);
	CHECK(why + s->malformed_frag_linearize == s->malformed);
	CHECK(s->tx_host_full + s->tx_host_refrag_fail == s->tx_host_drop);
	CHECK(s->tx_wire_full + s->tx_wire_announce_fail == s->tx_wire_drop);
	CHECK(s->frag_held >= s->frag_done + s->frag_expired);
	/* at most FRAG_MAX datagrams of at most MAX_FRAG fragments each */
	CHECK(s->frag_held - s->frag_done - s->frag_expired <=
	      (uint64_t)FRAG_MAX * RTE_LIBRTE_IP_FRAG_MAX_FRAG);
	if (drained)
		CHECK(s->frag_held == s->frag_done + s->frag_expired);
	CHECK(s->frag_owned + s->frag_not_owned + s->frag_bad ==
	      s->frag_reassembled);
	/* the death row lives at the end of workers[0]: an overflow of it
	 * would spill into the unused workers[1] */
	CHECK(all_zero(&vs_app.workers[1], sizeof(vs_app.workers[1])));
	check_vip_counters();
}

/*
 * The fast path against the generic parser on the same bytes, as one
 * segment of seg of the packet's len bytes: a frame it takes, the generic
 * parser classes VS_PKT_VIP with the very same result.
 */
static void
fast_vs_generic(const uint8_t *c, uint32_t seg, uint32_t len,
		const struct vs_vipmap *vm)
{
	struct vs_pkt_info f, g;

	if (!vs_pkt_parse_fast(c, seg, len, vm, &f))
		return;
	CHECK(vs_pkt_parse_head(c, seg, len, vm, &g) == VS_PKT_VIP);
	CHECK(f.cls == g.cls && f.key.saddr == g.key.saddr &&
	      f.key.sport == g.key.sport && f.key.dport == g.key.dport &&
	      f.l2_len == g.l2_len && f.l3_len == g.l3_len &&
	      f.ip_len == g.ip_len && f.ethertype == g.ethertype &&
	      f.proto == g.proto && f.flags == g.flags && f.vlans == g.vlans &&
	      f.drop == g.drop && f.vip == g.vip);
}

/* An exact-size heap copy through the parser and ARP: ASan sees overreads */
static void
heap_parse(const uint8_t *d, uint16_t len)
{
	const struct vs_vipmap *vm = vs_vip_map(&vs_app.vips);
	const struct vs_vip *vip = vips[0];
	struct vs_pkt_info pi;
	uint8_t *c = malloc(len ? len : 1);

	if (c == NULL)
		abort();
	memcpy(c, d, len);
	fast_vs_generic(c, len, len, vm);
	fast_vs_generic(c, len / 2, len, vm);
	if (vs_pkt_parse(c, len, vm, &pi) == VS_PKT_ARP) {
		CHECK(pi.l2_len + 28u <= len);
		if (pi.vip != VS_VIPMAP_NONE)
			vip = vs_vip_at(&vs_app.vips, pi.vip);
		if (vs_arp_input(&vip->arp, c, len, pi.l2_len) ==
		    VS_ARP_MALFORMED)
			abort(); /* the parser said Ethernet/IPv4 ARP */
		vs_arp_output(&vip->arp, c, len, pi.l2_len);
	} else if (pi.cls != VS_PKT_MALFORMED && pi.cls != VS_PKT_OTHER) {
		CHECK(pi.l2_len + (uint32_t)pi.ip_len <= len);
		CHECK(pi.l3_len >= 20 && pi.l3_len <= pi.ip_len);
		/* the VIP named is one of the map's */
		CHECK(pi.vip < VS_MAX_VIPS &&
		      vs_vipmap_lookup(
			      vm, vs_vip_at(&vs_app.vips, pi.vip)->hash.vip) ==
			      pi.vip);
	}
	if (pi.cls == VS_PKT_OTHER)
		CHECK(pi.vip == VS_VIPMAP_NONE);
	vs_pkt_parse_head(c, len / 2, len, vm, &pi);
	free(c);
}

static void
poison_tail(struct rte_mbuf *m)
{
	uint8_t *end = rte_pktmbuf_mtod_offset(m, uint8_t *, m->data_len);
	uint8_t *lim = (uint8_t *)m->buf_addr + m->buf_len;

	if (n_poisoned == RTE_DIM(poisoned))
		return;
	POISON(end, (size_t)(lim - end));
	poisoned[n_poisoned++] = m;
}

static void
unpoison_all(void)
{
	unsigned int i;

	for (i = 0; i < n_poisoned; i++)
		UNPOISON(poisoned[i]->buf_addr, poisoned[i]->buf_len);
	n_poisoned = 0;
}

/* One frame into (possibly chained) mbufs; NULL when the pool is dry. */
static struct rte_mbuf *
make_mbuf(const uint8_t *d, uint16_t len, bool split, uint16_t split_at,
	  bool poison)
{
	struct rte_mempool *mp = vs_app.ports.pool;
	struct rte_mbuf *head = NULL, *prev = NULL;
	uint16_t off = 0;
	int seg = 0;

	do {
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
		uint16_t room, n;

		if (m == NULL) {
			rte_pktmbuf_free(head);
			return NULL;
		}
		UNPOISON(m->buf_addr, m->buf_len);
		room = rte_pktmbuf_tailroom(m);
		n = (uint16_t)RTE_MIN((uint32_t)room, (uint32_t)(len - off));
		if (split && seg == 0 && split_at < n)
			n = split_at;
		memcpy(rte_pktmbuf_append(m, n), d + off, n);
		off = (uint16_t)(off + n);
		if (head == NULL) {
			head = m;
		} else {
			prev->next = m;
			head->nb_segs++;
			head->pkt_len += n;
		}
		prev = m;
		seg++;
	} while (off < len && seg < MAX_SEGS);
	if (off < len) { /* too long: shorten (MAX_FRAME keeps us off it) */
		rte_pktmbuf_free(head);
		return NULL;
	}
	if (poison)
		for (prev = head; prev; prev = prev->next)
			poison_tail(prev);
	return head;
}

static void
burst(struct rte_mbuf **pkts, uint16_t n, struct rte_mbuf **hpkts, uint16_t hn)
{
	if (n)
		vs_worker_nic_burst(w, pkts, n, now);
	if (hn)
		vs_worker_host_burst(w, hpkts, hn);
	unpoison_all();
	check_counters(false);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vs_app *a = &vs_app;
	struct vs_vip *vip = vips[0], *vip2 = vips[1];
	struct rte_mbuf *pkts[VS_MAX_BURST], *hpkts[VS_MAX_BURST];
	uint16_t n = 0, hn = 0;
	uint64_t mask;
	unsigned int total;
	size_t off = 3;
	bool poison;

	if (size < 3)
		return -1;
	vip->hash.mode = (uint8_t)(data[0] & 3) % 3;
	vip->hash.compat = (data[0] & 4) ? VS_COMPAT_NFT : VS_COMPAT_CLUSTERIP;
	vip->needs_reassembly = vs_hash_needs_ports(&vip->hash);
	poison = (data[0] & 8) != 0;
	a->ports.host_mtu = poison ? UINT16_MAX : nic_mtu;
	total = (data[1] & 63) + 1;
	mask = data[2] * UINT64_C(0x0101010101010101);
	if (total < 64)
		mask &= (UINT64_C(1) << total) - 1;
	vip->hash.total_nodes = (uint16_t)total;
	if (vs_own_init(&vip->own, total, mask) < 0)
		abort();
	vip2->hash.mode = (uint8_t)((data[0] >> 4) & 3) % 3;
	vip2->hash.compat =
		(data[0] & 0x40) ? VS_COMPAT_NFT : VS_COMPAT_CLUSTERIP;
	vip2->needs_reassembly = vs_hash_needs_ports(&vip2->hash);
	vip2->hash.total_nodes = (uint16_t)((data[1] & 7) + 1);
	if (vs_own_init(&vip2->own, vip2->hash.total_nodes,
			(uint64_t)(data[2] >> 3) &
				((UINT64_C(1) << vip2->hash.total_nodes) - 1)) <
	    0)
		abort();
	/* every input starts from the three VIPs and zero counters */
	if (vs_vip_find(&a->vips, RTE_BE32(RTE_IPV4(192u, 168, 100, 101))))
		toggle_vip();
	removed = false;
	memset(&w->st, 0, sizeof(w->st));
	memset(w->vst, 0, VS_MAX_VIPS * sizeof(*w->vst));

	while (off + 3 <= size) {
		uint8_t fl = data[off];
		uint16_t len = (uint16_t)(data[off + 1] << 8 | data[off + 2]);
		struct rte_mbuf *m;

		off += 3;
		if (len > size - off)
			len = (uint16_t)(size - off);
		if (len > MAX_FRAME)
			len = MAX_FRAME;
		if (fl >> 4) {
			/* time passes: flush, then the worker's timers */
			burst(pkts, n, hpkts, hn);
			n = hn = 0;
			now += (uint64_t)(fl >> 4) * 10000;
			vs_worker_housekeeping(w, now);
		}
		if (fl & 8) {
			/* between bursts, as control's changes come */
			burst(pkts, n, hpkts, hn);
			n = hn = 0;
			toggle_vip();
		}
		heap_parse(data + off, len);
		m = make_mbuf(data + off, len, fl & 4,
			      (uint16_t)(fl * 37 + len), poison);
		off += len;
		if (m == NULL)
			abort(); /* the pool must never run dry */
		if (fl & 1)
			hpkts[hn++] = m;
		else
			pkts[n++] = m;
		if ((fl & 2) || n == VS_MAX_BURST || hn == VS_MAX_BURST) {
			burst(pkts, n, hpkts, hn);
			n = hn = 0;
		}
	}
	burst(pkts, n, hpkts, hn);
	vs_worker_drain(w);
	check_counters(true);
	CHECK(rte_mempool_in_use_count(a->ports.pool) ==
	      a->ports.mbuf_in_use_start);
	now += 1000000; /* next input: nothing left to expire */
	return 0;
}
