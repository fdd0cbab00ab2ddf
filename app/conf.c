/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Command line and config file. One table of options serves both, so a key
 * in the file means exactly what the flag means.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <rte_version.h>

#include "vs_arp.h"
#include "vs_conf.h"
#include "vs_util.h"

#define CONF_FILE_MAX (64 * 1024)

struct parse_ctx {
	struct vs_conf *c;
	char *err;
	size_t errlen;
	/* the settings per-VIP options go to: the defaults, or the VIP of
	 * the last --vip / [vip] section */
	struct vs_vip_conf *cur;
	bool from_cli; /* a --node on the command line before any
			       * --vip replaces the file's default nodes */
	bool cli_nodes_seen;
	bool cli_vip_seen; /* the first --vip on the command line drops
			    * the file's VIPs: it replaces them */
	bool vip_only; /* vs_conf_parse_vip: per-VIP options only */
};

static int
fail(struct parse_ctx *x, const char *fmt, ...)
{
	va_list ap;

	char *p;

	va_start(ap, fmt);
	vsnprintf(x->err, x->errlen, fmt, ap);
	va_end(ap);
	/* one line, whatever a value held (a newline, an escape) */
	for (p = x->err; *p; p++)
		if ((unsigned char)*p < ' ' || *p == 0x7f)
			*p = '?';
	return -EINVAL;
}

/* s for a message: bytes that are no printable ASCII as \xNN (a UTF-8
 * BOM or a typographic dash pasted into a key or flag shows). */
static const char *
shown(const char *s, char *buf, size_t size)
{
	size_t n = 0;

	for (; *s && n + 5 < size; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch < ' ' || ch >= 0x7f)
			n += (size_t)snprintf(buf + n, size - n, "\\x%02x", ch);
		else
			buf[n++] = (char)ch;
	}
	buf[n] = '\0';
	return buf;
}

static int
u32_range(struct parse_ctx *x, const char *name, const char *v, uint32_t lo,
	  uint32_t hi, uint32_t *out)
{
	uint32_t n;

	if (vs_util_parse_u32(v, &n) < 0 || n < lo || n > hi)
		return fail(x, "invalid --%s '%s' (expected %u..%u)", name, v,
			    lo, hi);
	*out = n;
	return 0;
}

int
vs_conf_vip_format(const struct vs_vip_conf *v, char *buf, size_t size)
{
	const uint8_t *b = (const uint8_t *)&v->hash.vip;

	return snprintf(buf, size, "%u.%u.%u.%u/%u", b[0], b[1], b[2], b[3],
			v->prefix);
}

/* a (host order) is no 0/8, loopback 127/8, multicast 224/4, class E
 * 240/4 or broadcast address (255.255.255.255 is in class E). */
static bool
unicast_host(uint32_t a)
{
	uint8_t first = (uint8_t)(a >> 24);

	return first != 0 && first != 127 && first < 224;
}

/* A.B.C.D[/PREFIX] into v (address and prefix only). */
static int
parse_addr(struct parse_ctx *x, const char *name, const char *v,
	   struct vs_vip_conf *vc)
{
	char buf[64];
	char *slash;
	uint32_t p = 32;

	if (strlen(v) >= sizeof(buf))
		return fail(x, "invalid --%s '%s'", name, v);
	strcpy(buf, v);
	slash = strchr(buf, '/');
	if (slash) {
		*slash++ = '\0';
		if (vs_util_parse_u32(slash, &p) < 0 || p < 1 || p > 32)
			return fail(x, "invalid --%s '%s' (prefix 1..32)", name,
				    v);
	}
	if (vs_util_parse_ipv4(buf, &vc->hash.vip) < 0)
		return fail(x, "invalid --%s '%s' (expected A.B.C.D[/PREFIX])",
			    name, v);
	/* 0.0.0.0 stands for "no address" on the host and in the VIP map;
	 * loopback, multicast, class E and broadcast addresses are no
	 * unicast address a gateway could send a flow to */
	if (!unicast_host(rte_be_to_cpu_32(vc->hash.vip)))
		return fail(x, "invalid --%s '%s' (not a unicast host address)",
			    name, v);
	vc->prefix = (uint8_t)p;
	return 0;
}

/* A new VIP: its address, its own settings still to come. */
static int
add_vip(struct parse_ctx *x, const char *name, const char *v,
	struct vs_vip_conf **out)
{
	struct vs_conf *c = x->c;
	struct vs_vip_conf vc;
	int r;

	memset(&vc, 0, sizeof(vc));
	r = parse_addr(x, name, v, &vc);
	if (r < 0)
		return r;
	if (c->nb_vips == VS_MAX_VIPS)
		return fail(x, "invalid --%s '%s': more than %d VIPs", name, v,
			    VS_MAX_VIPS);
	c->vips[c->nb_vips] = vc;
	*out = &c->vips[c->nb_vips++];
	return 0;
}

/* --vip: a VIP; the per-VIP options after it are its own. */
static int
opt_vip(struct parse_ctx *x, const char *name, const char *v)
{
	/* like any flag overrides its key, the command line's VIPs are the
	 * VIPs: the file's (its [vip] sections and vip keys) are dropped,
	 * its defaults stay */
	if (x->from_cli && !x->cli_vip_seen) {
		x->c->nb_vips = 0;
		x->cli_vip_seen = true;
	}
	return add_vip(x, name, v, &x->cur);
}

/* K/N, K,L/N, K-L/N; repeated flags add to the set, N must agree. The
 * first --node of a VIP replaces the nodes it would take from the
 * defaults. */
static int
opt_node(struct parse_ctx *x, const char *name, const char *v)
{
	const char *slash = strrchr(v, '/');
	struct vs_vip_conf *vc = x->cur;
	char list[VS_NAME_MAX];
	uint32_t total;
	uint64_t mask;
	int r;

	if (slash == NULL || (size_t)(slash - v) >= sizeof(list) ||
	    vs_util_parse_u32(slash + 1, &total) < 0 || total < 1 ||
	    total > VS_MAX_NODES)
		return fail(x,
			    "invalid --%s '%s' (expected K[,K...]/N, N 1..%d)",
			    name, v, VS_MAX_NODES);
	memcpy(list, v, (size_t)(slash - v));
	list[slash - v] = '\0';
	r = vs_own_parse_list(list, total, &mask);
	if (r == -EEXIST)
		return fail(x, "invalid --%s '%s' (a node number given twice)",
			    name, v);
	if (r < 0)
		return fail(x, "invalid --%s '%s' (node numbers 1..%u)", name,
			    v, total);
	if (vc == &x->c->vip_defaults && x->from_cli && !x->cli_nodes_seen) {
		/* flags override the file */
		vc->given &= (uint8_t)~VS_VIP_GIVEN_NODES;
		x->cli_nodes_seen = true;
	}
	if (!(vc->given & VS_VIP_GIVEN_NODES)) {
		vc->nodes = 0;
		vc->hash.total_nodes = (uint16_t)total;
		vc->given |= VS_VIP_GIVEN_NODES;
	} else if (vc->hash.total_nodes != total) {
		return fail(x, "invalid --%s '%s' (total %u differs from %u)",
			    name, v, total, vc->hash.total_nodes);
	}
	vc->nodes |= mask;
	return 0;
}

static int
opt_hashmode(struct parse_ctx *x, const char *name, const char *v)
{
	int m = vs_hash_mode_parse(v);

	if (m < 0)
		return fail(x,
			    "invalid --%s '%s' (sourceip, sourceip-sourceport"
			    " or sourceip-sourceport-destport)",
			    name, v);
	x->cur->hash.mode = (uint8_t)m;
	x->cur->given |= VS_VIP_GIVEN_MODE;
	return 0;
}

static int
opt_compat(struct parse_ctx *x, const char *name, const char *v)
{
	int m = vs_hash_compat_parse(v);

	if (m < 0)
		return fail(x, "invalid --%s '%s' (clusterip or nft)", name, v);
	x->cur->hash.compat = (uint8_t)m;
	x->cur->given |= VS_VIP_GIVEN_COMPAT;
	return 0;
}

static int
opt_hash_init(struct parse_ctx *x, const char *name, const char *v)
{
	if (vs_util_parse_u32(v, &x->cur->hash.hash_init) < 0)
		return fail(x, "invalid --%s '%s' (32-bit number)", name, v);
	x->cur->given |= VS_VIP_GIVEN_INIT;
	return 0;
}

static int
opt_mac(struct parse_ctx *x, const char *name, const char *v)
{
	if (vs_arp_parse_mac(v, &x->cur->mac) < 0)
		return fail(x,
			    "invalid --%s '%s' (a multicast MAC such as "
			    "01:00:5e:28:64:64)",
			    name, v);
	x->cur->given |= VS_VIP_GIVEN_MAC;
	return 0;
}

static int
copy_name(struct parse_ctx *x, const char *name, const char *v, char *dst)
{
	const char *p;

	/* what a config file line can hold (and --check print): no blank,
	 * control character, comment or quote (a file's quotes are
	 * dropped) */
	for (p = v; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			break;
	if (*v == '\0' || *p || strlen(v) >= VS_NAME_MAX ||
	    strpbrk(v, ",=#\"'"))
		return fail(x, "invalid --%s '%s'", name, v);
	strcpy(dst, v);
	return 0;
}

static int
opt_port(struct parse_ctx *x, const char *name, const char *v)
{
	return copy_name(x, name, v, x->c->port);
}

/* --host's kinds: what it parses and what --check prints, one table. */
static const struct host_kind {
	const char *kw;
	enum vs_host_kind kind;
	const char *def;
} host_kinds[] = {
	{"vnet", VS_HOST_VNET, "vs0"},
	{"tap", VS_HOST_TAP, "vs0"},
	{"net_tap", VS_HOST_NET_TAP, "vs0"},
	{"virtio-user", VS_HOST_VIRTIO, "/dev/vhost-net"},
	{"port", VS_HOST_PORT, NULL},
};

static const char *
host_kw(enum vs_host_kind k)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(host_kinds); i++)
		if (host_kinds[i].kind == k)
			return host_kinds[i].kw;
	return NULL;
}

static int
opt_host(struct parse_ctx *x, const char *name, const char *v)
{
	const struct host_kind *kinds = host_kinds;
	const char *colon = strchr(v, ':');
	size_t kwlen = colon ? (size_t)(colon - v) : strlen(v);
	unsigned int i;
	struct stat st;

	for (i = 0; i < RTE_DIM(host_kinds); i++) {
		if (strlen(kinds[i].kw) != kwlen ||
		    strncmp(v, kinds[i].kw, kwlen) != 0)
			continue;
		if (colon == NULL && kinds[i].def == NULL)
			break;
		x->c->host_kind = kinds[i].kind;
		if (copy_name(x, name, colon ? colon + 1 : kinds[i].def,
			      x->c->host_arg) < 0)
			break;
		/* interface names are at most IFNAMSIZ-1 */
		if (vs_host_kind_is_if(kinds[i].kind) &&
		    strlen(x->c->host_arg) > 15)
			break;
		/* virtio-user here is the vhost-kernel backend: without the
		 * device the PMD fails later with a less helpful message */
		if (kinds[i].kind == VS_HOST_VIRTIO &&
		    (stat(x->c->host_arg, &st) < 0 || !S_ISCHR(st.st_mode)))
			return fail(x,
				    "invalid --%s '%s': %s is not a character "
				    "device (no vhost_net in this kernel?)",
				    name, v, x->c->host_arg);
		return 0;
	}
	return fail(x,
		    "invalid --%s '%s' (vnet[:IFNAME], tap[:IFNAME], "
		    "net_tap[:IFNAME], virtio-user[:PATH] or port:ID)",
		    name, v);
}

#define U32_OPT(fn, field, lo, hi)                                          \
	static int fn(struct parse_ctx *x, const char *name, const char *v) \
	{                                                                   \
		return u32_range(x, name, v, lo, hi, &x->c->field);         \
	}
U32_OPT(opt_idle_sleep, idle_sleep_us, 0, 1000000)
U32_OPT(opt_gro_hold, gro_hold_us, 0, 10000)
U32_OPT(opt_stats_interval, stats_interval, 0, 86400)
U32_OPT(opt_frag_max, frag_max, 1, 65536)
U32_OPT(opt_frag_timeout, frag_timeout_ms, 1, 60000)
U32_OPT(opt_burst, burst, 1, VS_MAX_BURST)
U32_OPT(opt_bench_seconds, bench.seconds, 1, 3600)
U32_OPT(opt_bench_vips, bench.vips, 1, VS_MAX_VIPS)
U32_OPT(opt_igmp_interval, igmp_interval, 1, 255)

static int
opt_garp(struct parse_ctx *x, const char *name, const char *v)
{
	int r = u32_range(x, name, v, 0, 100, &x->cur->garp);

	if (r == 0)
		x->cur->given |= VS_VIP_GIVEN_GARP;
	return r;
}

/* report,mrd | report | mrd | off */
static int
opt_igmp(struct parse_ctx *x, const char *name, const char *v)
{
	bool report = false, mrd = false;
	const char *p = v;

	if (strcmp(v, "off") != 0) {
		for (;;) {
			size_t n = strcspn(p, ",");

			if (n == 6 && strncmp(p, "report", 6) == 0)
				report = true;
			else if (n == 3 && strncmp(p, "mrd", 3) == 0)
				mrd = true;
			else
				return fail(x,
					    "invalid --%s '%s' (report,mrd | "
					    "report | mrd | off)",
					    name, v);
			if (p[n] == '\0')
				break;
			p += n + 1;
		}
	}
	x->c->igmp_report = report;
	x->c->igmp_mrd = mrd;
	return 0;
}

static int
opt_bench_size(struct parse_ctx *x, const char *name, const char *v)
{
	if (strcmp(v, "64") == 0)
		x->c->bench.imix = false;
	else if (strcmp(v, "imix") == 0)
		x->c->bench.imix = true;
	else
		return fail(x, "invalid --%s '%s' (64 or imix)", name, v);
	return 0;
}

U32_OPT(opt_announce_interval, announce_interval_ms, 50, 60000)
U32_OPT(opt_drain_timeout, drain_timeout_s, 1, 86400)
U32_OPT(opt_move_cap, move_cap, 16, 4194304)
U32_OPT(opt_move_slots, move_slots, 1, 64)

/* on|off into *b */
static int
on_off(struct parse_ctx *x, const char *name, const char *v, bool *b)
{
	if (strcmp(v, "on") != 0 && strcmp(v, "off") != 0)
		return fail(x, "invalid --%s '%s' (on or off)", name, v);
	*b = strcmp(v, "on") == 0;
	return 0;
}

static int
opt_announce(struct parse_ctx *x, const char *name, const char *v)
{
	int r = on_off(x, name, v, &x->c->announce);

	x->c->announce_given = r == 0;
	return r;
}

static int
opt_host_napi(struct parse_ctx *x, const char *name, const char *v)
{
	return on_off(x, name, v, &x->c->host_napi);
}

/* The key's bytes, one final newline dropped (a key written with echo or
 * "openssl rand -hex 32 > FILE" is the hex text). */
static int
opt_cluster_key(struct parse_ctx *x, const char *name, const char *v)
{
	struct vs_conf *c = x->c;
	uint8_t buf[VS_CLUSTER_KEY_MAX + 2];
	size_t n;
	FILE *f;

	if (*v == '\0' || strlen(v) >= sizeof(c->cluster_key_file))
		return fail(x, "invalid --%s '%s'", name, v);
	f = fopen(v, "rb");
	if (f == NULL)
		return fail(x, "invalid --%s '%s': %s", name, v,
			    strerror(errno));
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (n && buf[n - 1] == '\n')
		n--;
	if (n < VS_CLUSTER_KEY_MIN || n > VS_CLUSTER_KEY_MAX)
		return fail(x,
			    "invalid --%s '%s': the key must be %u..%u bytes",
			    name, v, VS_CLUSTER_KEY_MIN, VS_CLUSTER_KEY_MAX);
	memcpy(c->cluster_key, buf, n);
	c->cluster_key_len = (uint16_t)n;
	strcpy(c->cluster_key_file, v);
	return 0;
}

#define FLAG_OPT(fn, field)                                                 \
	static int fn(struct parse_ctx *x, const char *name, const char *v) \
	{                                                                   \
		(void)name;                                                 \
		(void)v;                                                    \
		x->c->field = true;                                         \
		return 0;                                                   \
	}
FLAG_OPT(opt_no_host_addr, no_host_addr)
FLAG_OPT(opt_replay, replay)
FLAG_OPT(opt_bench, bench.enabled)
FLAG_OPT(opt_bench_host, bench.host)

struct opt {
	const char *name;
	bool has_arg;
	bool per_vip; /* after a --vip: that VIP's own; before: default */
	int (*fn)(struct parse_ctx *x, const char *name, const char *v);
	const char *arg;
	const char *help;
};

/* clang-format off */
#define PER_VIP true
#define GLOBAL false
static const struct opt opts[] = {
	{"vip", true, GLOBAL, opt_vip, "A.B.C.D[/PREFIX]",
	 "a shared address (required, repeatable, up to 64); PREFIX for the "
	 "host port, default 32; on the command line, the VIPs replace "
	 "--config's"},
	{"node", true, PER_VIP, opt_node, "K[,K..]/N",
	 "node numbers held by this machine out of N (1..64); repeatable"},
	{"hashmode", true, PER_VIP, opt_hashmode, "MODE",
	 "sourceip | sourceip-sourceport (default) | sourceip-sourceport-destport"},
	{"hash-init", true, PER_VIP, opt_hash_init, "X",
	 "hash seed, decimal or 0x-hex (default 0)"},
	{"hash-compat", true, PER_VIP, opt_compat, "clusterip|nft",
	 "clusterip (iptables CLUSTERIP, default) or nft (source IP only, xt_cluster order)"},
	{"mac", true, PER_VIP, opt_mac, "MAC",
	 "cluster multicast MAC (default 01:00:5e + low 23 bits of the VIP)"},
	{"garp", true, PER_VIP, opt_garp, "COUNT",
	 "gratuitous ARPs at start, 200 ms apart (default 3)"},
	{"igmp", true, GLOBAL, opt_igmp, "LIST",
	 "keep snooping switches flooding the cluster MAC: report,mrd (default) |"
	 " report | mrd | off"},
	{"igmp-interval", true, GLOBAL, opt_igmp_interval, "SEC",
	 "repeat IGMP reports / router advertisements every SEC (default 20)"},
	{"port", true, GLOBAL, opt_port, "ID|NAME",
	 "the NIC port (default: the first port)"},
	{"host", true, GLOBAL, opt_host, "KIND",
	 "the host port: vnet[:IFNAME] (default vnet:vs0: a veth pair, "
	 "offloads) | tap[:IFNAME] (a TAP, offloads) | net_tap[:IFNAME] "
	 "(DPDK's net_tap, none) | virtio-user[:PATH] (vhost-net device, "
	 "default /dev/vhost-net) | port:ID"},
	{"host-napi", true, GLOBAL, opt_host_napi, "on|off",
	 "vnet: the kernel takes frames from the host port in a NAPI thread "
	 "of its own (GRO and threaded NAPI on IFNAME), off the workers' "
	 "cores (default on; off: in the workers' sends)"},
	{"no-host-addr", false, GLOBAL, opt_no_host_addr, NULL,
	 "do not put the VIPs on the created host interface"},
	{"replay", false, GLOBAL, opt_replay, NULL,
	 "stop when the NIC input is exhausted and idle 100 ms; print JSON stats last"},
	{"idle-sleep", true, GLOBAL, opt_idle_sleep, "USEC",
	 "sleep this long when a poll finds nothing (default 0: busy polling)"},
	{"gro-hold", true, GLOBAL, opt_gro_hold, "USEC",
	 "hold TCP segments for the host port's GRO across bursts, the oldest "
	 "at most USEC (0..10000, default 50; 0: merge within one burst)"},
	{"stats-interval", true, GLOBAL, opt_stats_interval, "SEC",
	 "print statistics every SEC seconds (default 0: only at exit)"},
	{"frag-max", true, GLOBAL, opt_frag_max, "N",
	 "datagrams held for reassembly per worker (default 1024)"},
	{"frag-timeout", true, GLOBAL, opt_frag_timeout, "MSEC",
	 "drop incomplete datagrams after MSEC (default 1000)"},
	{"burst", true, GLOBAL, opt_burst, "N",
	 "frames per receive burst (default 32)"},
	{"announce", true, GLOBAL, opt_announce, "on|off",
	 "coverage announcements to every VIP's cluster MAC (default on; off "
	 "under --replay and --bench)"},
	{"announce-interval", true, GLOBAL, opt_announce_interval, "MS",
	 "announce every MS milliseconds, 50..60000 (default 200)"},
	{"cluster-key", true, GLOBAL, opt_cluster_key, "FILE",
	 "sign announcements with the key in FILE (16..256 bytes), drop "
	 "unsigned and forged ones"},
	{"drain-timeout", true, GLOBAL, opt_drain_timeout, "SEC",
	 "a drain without a timeout of its own ends after SEC at the latest, "
	 "1..86400 (default 300)"},
	{"move-cap", true, GLOBAL, opt_move_cap, "N",
	 "new flows tracked per move and worker, 16..4194304, rounded up to "
	 "a power of two (default 16384; 16 bytes each)"},
	{"move-slots", true, GLOBAL, opt_move_slots, "N",
	 "moves (drains and fills) at once on this node, all VIPs together, "
	 "1..64 (default 8)"},
	{"bench", false, GLOBAL, opt_bench, NULL,
	 "benchmark the steering path on in-memory traffic and exit (not with "
	 "--replay, --port or --host)"},
	{"bench-host", false, GLOBAL, opt_bench_host, NULL,
	 "benchmark 64-byte UDP into the host stack through the real host "
	 "port (generated in memory, steered by the workers; the NIC: any "
	 "port, e.g. a net_null vdev) and exit"},
	{"bench-seconds", true, GLOBAL, opt_bench_seconds, "S",
	 "benchmark time per run (default 3)"},
	{"bench-size", true, GLOBAL, opt_bench_size, "64|imix",
	 "benchmark frame sizes (default 64)"},
	{"bench-vips", true, GLOBAL, opt_bench_vips, "N",
	 "benchmark with N VIPs (1..64, default 1): the --vip ones, then "
	 "addresses after the first with its settings"},
	{"config", true, GLOBAL, NULL, "FILE",
	 "read settings from FILE (key = value, keys as these flags, "
	 "[vip A.B.C.D/P] sections); flags override, a --vip replaces the "
	 "file's VIPs"},
	{"check", false, GLOBAL, NULL, NULL,
	 "validate the settings, print them as a config file, exit (no EAL)"},
	{"version", false, GLOBAL, NULL, NULL, "print the version and exit"},
	{"help", false, GLOBAL, NULL, NULL, "show this help"},
};
/* clang-format on */

void
vs_conf_defaults(struct vs_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->vip_defaults.hash.mode = VS_HASH_SIP_SPT;
	c->vip_defaults.hash.compat = VS_COMPAT_CLUSTERIP;
	c->vip_defaults.prefix = 32;
	c->vip_defaults.garp = 3;
	c->frag_max = 1024;
	c->frag_timeout_ms = 1000;
	c->burst = 32;
	c->gro_hold_us = VS_GRO_HOLD_US;
	c->host_napi = true;
	c->bench.seconds = 3;
	c->bench.vips = 1;
	c->igmp_report = true;
	c->igmp_mrd = true;
	c->igmp_interval = 20;
	c->announce = true;
	c->announce_interval_ms = 200;
	c->drain_timeout_s = 300;
	c->move_cap = 16384;
	c->move_slots = 8;
}

/* help's text from column col to 79, broken at blanks */
#define HELP_COL 29
#define HELP_WIDTH 80

static void
wrap(FILE *f, const char *text, unsigned int col)
{
	const char *p = text;
	unsigned int at = col;

	while (*p) {
		size_t w = strcspn(p, " ");

		if (at > col && at + 1 + w > HELP_WIDTH - 1) {
			fprintf(f, "\n%*s", (int)col, "");
			at = col;
		}
		if (at > col) {
			fputc(' ', f);
			at++;
		}
		fprintf(f, "%.*s", (int)w, p);
		at += (unsigned int)w;
		p += w;
		p += strspn(p, " ");
	}
	fputc('\n', f);
}

void
vs_conf_usage(FILE *f, const char *prog)
{
	unsigned int i;
	char left[64];

	fprintf(f,
		"Usage: %s [EAL options] -- [defaults]\n"
		"           --vip A.B.C.D[/PREFIX] --node K/N [VIP options]\n"
		"           [--vip ... [VIP options]] [options]\n"
		"       %s --check [--config FILE] [options]\n"
		"Shares VIPs active/active like iptables CLUSTERIP: answers ARP with a\n"
		"multicast cluster MAC per VIP, keeps the flows whose hash falls on its\n"
		"node numbers and hands them to the host kernel, drops the rest.\n"
		"VIP options (--node, --hashmode, --hash-init, --hash-compat, --mac,\n"
		"--garp) after a --vip are that VIP's; before the first --vip they are\n"
		"the defaults of every VIP (and of VIPs added at run time).\n"
		"Flags override --config's keys; a --vip on the command line replaces\n"
		"the file's VIPs (its defaults stay).\n\nOptions:\n",
		prog, prog);
	for (i = 0; i < RTE_DIM(opts); i++) {
		snprintf(left, sizeof(left), "--%s%s%s", opts[i].name,
			 opts[i].arg ? " " : "",
			 opts[i].arg ? opts[i].arg : "");
		if (strlen(left) + 3 > HELP_COL)
			fprintf(f, "  %s\n%*s", left, HELP_COL, "");
		else
			fprintf(f, "  %-*s", HELP_COL - 2, left);
		wrap(f, opts[i].help, HELP_COL);
	}
	fprintf(f,
		"\nWith exactly two EAL ports and neither --port nor --host, port 0 is\n"
		"the NIC and port 1 the host side (offline replay with net_pcap).\n"
		"Runtime control: vipshare-ctl (or dpdk-telemetry.py) /vipshare/...\n"
		"commands.\n");
}

static const struct opt *
find_opt(const char *name, size_t len)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(opts); i++)
		if (strlen(opts[i].name) == len &&
		    strncmp(opts[i].name, name, len) == 0)
			return &opts[i];
	return NULL;
}

/* Apply one "name" [value] pair; value may be NULL for flags. */
static int
apply(struct parse_ctx *x, const struct opt *o, const char *value)
{
	if (o->has_arg && value == NULL)
		return fail(x, "option --%s needs a value", o->name);
	if (!o->has_arg && value != NULL)
		return fail(x, "option --%s takes no value", o->name);
	if (x->vip_only && !o->per_vip)
		return fail(x, "option --%s is not a VIP's", o->name);
	return o->fn(x, o->name, value);
}

/* A VIP's settings: its own, else the defaults'; the cluster MAC derived
 * from the address when neither gave one. */
static void
resolve(struct vs_vip_conf *v, const struct vs_vip_conf *d)
{
	uint8_t given = v->given;

	if (!(given & VS_VIP_GIVEN_NODES)) {
		v->nodes = d->nodes;
		v->hash.total_nodes = d->hash.total_nodes;
	}
	if (!(given & VS_VIP_GIVEN_MODE))
		v->hash.mode = d->hash.mode;
	if (!(given & VS_VIP_GIVEN_INIT))
		v->hash.hash_init = d->hash.hash_init;
	if (!(given & VS_VIP_GIVEN_COMPAT))
		v->hash.compat = d->hash.compat;
	/* nft hashes the source address only: say so, unless a mode was
	 * given (check_compat refuses a port mode with it) */
	if (v->hash.compat == VS_COMPAT_NFT &&
	    !((given | d->given) & VS_VIP_GIVEN_MODE))
		v->hash.mode = VS_HASH_SIP;
	if (!(given & VS_VIP_GIVEN_GARP))
		v->garp = d->garp;
	if (!(given & VS_VIP_GIVEN_MAC)) {
		if (d->given & VS_VIP_GIVEN_MAC) {
			v->mac = d->mac;
			/* a MAC was given, not derived (check_distinct) */
			v->given |= VS_VIP_GIVEN_MAC;
		} else {
			vs_arp_default_mac(v->hash.vip, &v->mac);
		}
	}
}

/* No VIP without node numbers: a VIP with none would drop all its
 * traffic from the start. */
static int
check_nodes(struct parse_ctx *x, const struct vs_vip_conf *v, bool name_it)
{
	char a[32];

	if (v->nodes != 0)
		return 0;
	if (!name_it)
		return fail(x, "missing --node");
	vs_conf_vip_format(v, a, sizeof(a));
	return fail(x, "missing --node for --vip %s", a);
}

/* --bench-vips N: VIPs after the first, with its settings, at the next
 * free addresses (own cluster MACs derived from them). */
static int
bench_pad(struct parse_ctx *x)
{
	struct vs_conf *c = x->c;
	uint32_t a = rte_be_to_cpu_32(c->vips[0].hash.vip);
	unsigned int i;

	while (c->nb_vips < c->bench.vips) {
		struct vs_vip_conf v = c->vips[0];
		bool taken = false;

		a++;
		for (i = 0; i < c->nb_vips; i++)
			taken |= rte_be_to_cpu_32(c->vips[i].hash.vip) == a;
		if (taken || a == 0)
			continue;
		v.hash.vip = rte_cpu_to_be_32(a);
		v.given &= (uint8_t)~VS_VIP_GIVEN_MAC;
		vs_arp_default_mac(v.hash.vip, &v.mac);
		c->vips[c->nb_vips++] = v;
	}
	return 0;
}

/* Two VIPs with one address, or with one cluster MAC (given or derived:
 * the low 23 bits of two addresses may agree), cannot be told apart. */
static int
check_distinct(struct parse_ctx *x, const struct vs_vip_conf *v, unsigned int n)
{
	char a[32], b[32], m[RTE_ETHER_ADDR_FMT_SIZE];
	unsigned int i, j;

	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++) {
			vs_conf_vip_format(&v[i], a, sizeof(a));
			vs_conf_vip_format(&v[j], b, sizeof(b));
			if (v[i].hash.vip == v[j].hash.vip)
				return fail(x, "duplicate --vip: %s and %s", a,
					    b);
			if (!rte_is_same_ether_addr(&v[i].mac, &v[j].mac))
				continue;
			rte_ether_format_addr(m, sizeof(m), &v[i].mac);
			if ((v[i].given | v[j].given) & VS_VIP_GIVEN_MAC)
				return fail(
					x, "duplicate --mac %s: VIPs %s and %s",
					m, a, b);
			return fail(x,
				    "--vip %s and %s derive the same cluster "
				    "MAC %s: give one a --mac",
				    a, b, m);
		}
	return 0;
}

/* The nft recipe hashes the source address only: a port mode with it
 * would be reported and never applied. */
static int
check_compat(struct parse_ctx *x, const struct vs_vip_conf *v)
{
	char a[32];

	if (v->hash.compat != VS_COMPAT_NFT || v->hash.mode == VS_HASH_SIP)
		return 0;
	vs_conf_vip_format(v, a, sizeof(a));
	return fail(x,
		    "invalid --hashmode %s for --vip %s: --hash-compat nft "
		    "hashes the source address only (--hashmode sourceip)",
		    vs_hash_mode_name(v->hash.mode), a);
}

/* Options that exclude each other, refused before the EAL takes the
 * NIC: --bench makes its own traffic on in-memory ports, --bench-host its
 * own into the real host port; either ends the run without serving. */
static int
check_modes(struct parse_ctx *x)
{
	const struct vs_conf *c = x->c;

	if (c->bench.host && c->replay)
		return fail(x, "--bench-host and --replay exclude each other "
			       "(the benchmark makes its own traffic)");
	if (!c->bench.enabled)
		return 0;
	if (c->bench.host)
		return fail(x, "--bench and --bench-host exclude each other "
			       "(one benchmark a run)");
	if (c->replay)
		return fail(x, "--bench and --replay exclude each other "
			       "(the benchmark makes its own traffic)");
	if (c->port[0])
		return fail(x, "--bench and --port exclude each other (the "
			       "benchmark runs on in-memory ports)");
	if (c->host_kind != VS_HOST_AUTO)
		return fail(x, "--bench and --host exclude each other (the "
			       "benchmark runs on in-memory ports)");
	return 0;
}

static int
check(struct parse_ctx *x)
{
	struct vs_conf *c = x->c;
	unsigned int i;
	int r;

	r = check_modes(x);
	if (r < 0)
		return r;
	if (c->nb_vips == 0)
		return fail(x, "missing --vip");
	for (i = 0; i < c->nb_vips; i++) {
		resolve(&c->vips[i], &c->vip_defaults);
		r = check_nodes(x, &c->vips[i], c->nb_vips > 1);
		if (r == 0)
			r = check_compat(x, &c->vips[i]);
		if (r < 0)
			return r;
	}
	if (c->bench.enabled)
		bench_pad(x);
	/* offline there is no cluster to announce to */
	if (!c->announce_given && (c->replay || c->bench.enabled))
		c->announce = false;
	return check_distinct(x, c->vips, c->nb_vips);
}

/* A value in matching double or single quotes loses them; a quote at
 * one end only is an error (-EINVAL). */
static int
unquote(char **v)
{
	size_t n = strlen(*v);
	char q = **v;

	if (q != '"' && q != '\'' && (n == 0 || ((*v)[n - 1] != '"' &&
						  (*v)[n - 1] != '\'')))
		return 0;
	if (n < 2 || (*v)[n - 1] != q || (q != '"' && q != '\''))
		return -EINVAL;
	(*v)[n - 1] = '\0';
	(*v)++;
	return 0;
}

/* "[vip A.B.C.D/P]": a section, the VIP its keys are for. */
static int
section(struct parse_ctx *x, char *line, const char *name, unsigned int lineno)
{
	char *end = strchr(line, ']');
	char *k, *v;
	int r;

	if (end == NULL || end[1 + strspn(end + 1, " \t\r")] != '\0')
		return fail(x, "%s:%u: invalid section '%s'", name, lineno,
			    line);
	*end = '\0';
	k = line + 1 + strspn(line + 1, " \t");
	v = k + strcspn(k, " \t");
	if (v - k != 3 || strncmp(k, "vip", 3) != 0 ||
	    v[strspn(v, " \t")] == '\0')
		return fail(x,
			    "%s:%u: unknown section '[%s]' (expected [vip "
			    "A.B.C.D/PREFIX])",
			    name, lineno, k);
	v += strspn(v, " \t");
	v[strcspn(v, " \t")] = '\0';
	if (unquote(&v) < 0)
		return fail(x, "%s:%u: [vip]: unbalanced quote in '%s'", name,
			    lineno, v);
	r = add_vip(x, "vip", v, &x->cur);
	if (r < 0) {
		char msg[256];

		snprintf(msg, sizeof(msg), "%s", x->err);
		return fail(x, "%s:%u: %s", name, lineno, msg);
	}
	return 0;
}

int
vs_conf_parse_text(struct vs_conf *c, const char *text, const char *name,
		   char *err, size_t errlen)
{
	struct parse_ctx x = {
		.c = c, .err = err, .errlen = errlen, .cur = &c->vip_defaults};
	struct vs_vip_conf *unused;
	char line[512], shownk[160];
	unsigned int lineno = 0;
	const char *p = text;

	/* a UTF-8 byte order mark, as some editors write one */
	if (strncmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	while (*p) {
		size_t n = strcspn(p, "\n");
		char *k, *v, *e;
		const struct opt *o;
		int r;

		lineno++;
		if (n >= sizeof(line))
			return fail(&x, "%s:%u: line too long", name, lineno);
		memcpy(line, p, n);
		line[n] = '\0';
		p += n + (p[n] == '\n');
		if ((e = strchr(line, '#')) != NULL)
			*e = '\0';
		k = line + strspn(line, " \t\r");
		if (*k == '\0')
			continue;
		if (*k == '[') {
			r = section(&x, k, name, lineno);
			if (r < 0)
				return r;
			continue;
		}
		e = k + strcspn(k, " \t\r=");
		v = e + strspn(e, " \t\r");
		if (*v == '=')
			v++;
		*e = '\0';
		v += strspn(v, " \t\r");
		e = v + strlen(v);
		while (e > v &&
		       (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			*--e = '\0';
		o = find_opt(k, strlen(k));
		if (o == NULL && *k == '-' &&
		    (o = find_opt(k + strspn(k, "-"),
				  strlen(k + strspn(k, "-")))) != NULL &&
		    o->fn != NULL)
			return fail(&x,
				    "%s:%u: unknown key '%s' (keys are written "
				    "without dashes: %s)",
				    name, lineno, k, o->name);
		if (o == NULL || o->fn == NULL ||
		    (x.cur != &c->vip_defaults && !o->per_vip))
			return fail(&x, "%s:%u: unknown key '%s'%s", name,
				    lineno, shown(k, shownk, sizeof(shownk)),
				    o && o->fn ? " in a [vip] section" : "");
		/* "value" or 'value', as in shell and systemd files */
		if (unquote(&v) < 0)
			return fail(&x, "%s:%u: %s: unbalanced quote in '%s'",
				    name, lineno, k, v);
		if (!o->has_arg) {
			/* flags: "replay", "replay = yes/true/1" */
			if (*v && strcmp(v, "yes") && strcmp(v, "true") &&
			    strcmp(v, "1"))
				return fail(&x, "%s:%u: invalid %s '%s'", name,
					    lineno, k, v);
			v = NULL;
		}
		/* outside sections, "vip = ADDR" is a VIP taking the
		 * defaults (the single-VIP file of old) */
		if (o->fn == opt_vip)
			r = v ? add_vip(&x, o->name, v, &unused)
			      : apply(&x, o, v);
		else
			r = apply(&x, o, v);
		if (r < 0) {
			char msg[256];

			snprintf(msg, sizeof(msg), "%s", err);
			return fail(&x, "%s:%u: %s", name, lineno, msg);
		}
	}
	return 0;
}

static int
load_file(struct vs_conf *c, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;
	int r;

	if (f == NULL) {
		snprintf(err, errlen, "invalid --config '%s': %s", path,
			 strerror(errno));
		return -EINVAL;
	}
	buf = malloc(CONF_FILE_MAX + 1);
	if (buf == NULL) {
		fclose(f);
		snprintf(err, errlen, "--config: out of memory");
		return -EINVAL;
	}
	n = fread(buf, 1, CONF_FILE_MAX + 1, f);
	if (ferror(f)) { /* a directory opens, and fails to read (EISDIR) */
		snprintf(err, errlen, "invalid --config '%s': %s", path,
			 strerror(errno));
		fclose(f);
		free(buf);
		return -EINVAL;
	}
	fclose(f);
	if (n > CONF_FILE_MAX || memchr(buf, '\0', n)) {
		free(buf);
		snprintf(err, errlen,
			 "invalid --config '%s': not a text file "
			 "of at most %d bytes",
			 path, CONF_FILE_MAX);
		return -EINVAL;
	}
	buf[n] = '\0';
	r = vs_conf_parse_text(c, buf, path, err, errlen);
	free(buf);
	return r;
}

/* An argument that is no --option: "-vip" or "\u2014vip" (a dash a
 * word processor made) for --vip is named as such. */
static int
not_an_option(struct parse_ctx *x, const char *a)
{
	static const char *const dashes[] = {"-", "\xe2\x80\x93",
					     "\xe2\x80\x94", "\xe2\x88\x92"};
	char buf[160];
	unsigned int i;

	for (i = 0; i < RTE_DIM(dashes); i++) {
		size_t d = strlen(dashes[i]);
		const char *name = a + d, *eq;

		if (strncmp(a, dashes[i], d) != 0)
			continue;
		if (i > 0 && strncmp(name, dashes[i], d) == 0)
			name += d;
		eq = strchr(name, '=');
		if (find_opt(name, eq ? (size_t)(eq - name) : strlen(name)))
			return fail(x,
				    "unknown option '%s' (options start with "
				    "two ASCII dashes: --%.*s)",
				    shown(a, buf, sizeof(buf)),
				    (int)(eq ? eq - name : (int)strlen(name)),
				    name);
	}
	return fail(x, "unexpected argument '%s'", shown(a, buf, sizeof(buf)));
}

/* One "--name[=value]" of args[i] (taking args[i+1] as the value when the
 * option has one): the option and its value. */
static int
next_opt(struct parse_ctx *x, int argc, char **argv, int *i,
	 const struct opt **o, const char **val)
{
	const char *a = argv[*i], *eq;

	*val = NULL;
	if (strncmp(a, "--", 2) != 0 || a[2] == '\0')
		return not_an_option(x, a);
	eq = strchr(a + 2, '=');
	*o = find_opt(a + 2, eq ? (size_t)(eq - a - 2) : strlen(a + 2));
	if (*o == NULL) {
		char buf[160];

		return fail(x, "unknown option '%s'",
			    shown(a, buf, sizeof(buf)));
	}
	if (eq)
		*val = eq + 1;
	else if ((*o)->has_arg) {
		if (*i + 1 >= argc)
			return fail(x, "option --%s needs a value", (*o)->name);
		*val = argv[++*i];
	}
	return 0;
}

static void
print_mac(FILE *f, const char *pre, const struct rte_ether_addr *mac,
	  const char *post)
{
	const uint8_t *m = mac->addr_bytes;

	fprintf(f, "%smac = %02x:%02x:%02x:%02x:%02x:%02x%s\n", pre, m[0],
		m[1], m[2], m[3], m[4], m[5], post);
}

/* A VIP's keys, or the defaults'. The defaults have nodes and a MAC only
 * when given; a VIP's MAC derived from its address is a comment, so that
 * reading the output back derives it again. */
static void
print_vip_keys(FILE *f, const struct vs_vip_conf *v, bool is_default)
{
	char nodes[256];

	if (v->hash.total_nodes && (!is_default ||
				    (v->given & VS_VIP_GIVEN_NODES))) {
		vs_own_format(v->nodes, nodes, sizeof(nodes));
		fprintf(f, "node = %s/%u\n", nodes, v->hash.total_nodes);
	}
	fprintf(f, "hashmode = %s\n", vs_hash_mode_name(v->hash.mode));
	fprintf(f, "hash-init = %u\n", v->hash.hash_init);
	fprintf(f, "hash-compat = %s\n", vs_hash_compat_name(v->hash.compat));
	if (v->given & VS_VIP_GIVEN_MAC)
		print_mac(f, "", &v->mac, "");
	else if (!is_default)
		print_mac(f, "# ", &v->mac, " (from the address)");
	fprintf(f, "garp = %u\n", v->garp);
}

/* What --check prints: the defaults of every VIP and the process-wide
 * keys, then a [vip A.B.C.D/P] section per VIP with all its settings;
 * flags only when set, the defaults that depend on the EAL's ports as
 * comments. Read back with --config it gives the same settings. */
void
vs_conf_print(FILE *f, const struct vs_conf *c)
{
	char a[32];
	unsigned int i;

	fprintf(f, "# defaults of every VIP (and of VIPs added at run time)\n");
	print_vip_keys(f, &c->vip_defaults, true);
	fprintf(f, "igmp = %s\n",
		c->igmp_report ? (c->igmp_mrd ? "report,mrd" : "report")
			       : (c->igmp_mrd ? "mrd" : "off"));
	fprintf(f, "igmp-interval = %u\n", c->igmp_interval);
	if (c->port[0])
		fprintf(f, "port = %s\n", c->port);
	else
		fprintf(f, "# port: the first EAL port\n");
	if (c->host_kind == VS_HOST_AUTO)
		fprintf(f, "# host: port 1 with exactly two EAL ports and no "
			   "port, else vnet:vs0\n");
	else
		fprintf(f, "host = %s:%s\n", host_kw(c->host_kind),
			c->host_arg);
	if (c->no_host_addr)
		fprintf(f, "no-host-addr\n");
	if (c->replay)
		fprintf(f, "replay\n");
	fprintf(f, "idle-sleep = %u\n", c->idle_sleep_us);
	fprintf(f, "gro-hold = %u\n", c->gro_hold_us);
	fprintf(f, "host-napi = %s\n", c->host_napi ? "on" : "off");
	fprintf(f, "stats-interval = %u\n", c->stats_interval);
	fprintf(f, "frag-max = %u\n", c->frag_max);
	fprintf(f, "frag-timeout = %u\n", c->frag_timeout_ms);
	fprintf(f, "burst = %u\n", c->burst);
	if (c->bench.enabled)
		fprintf(f, "bench\n");
	fprintf(f, "bench-seconds = %u\n", c->bench.seconds);
	fprintf(f, "bench-size = %s\n", c->bench.imix ? "imix" : "64");
	fprintf(f, "bench-vips = %u\n", c->bench.vips);
	fprintf(f, "announce = %s\n", c->announce ? "on" : "off");
	fprintf(f, "announce-interval = %u\n", c->announce_interval_ms);
	if (c->cluster_key_len)
		fprintf(f, "cluster-key = %s\n", c->cluster_key_file);
	fprintf(f, "drain-timeout = %u\n", c->drain_timeout_s);
	fprintf(f, "move-cap = %u\n", c->move_cap);
	fprintf(f, "move-slots = %u\n", c->move_slots);
	for (i = 0; i < c->nb_vips; i++) {
		vs_conf_vip_format(&c->vips[i], a, sizeof(a));
		fprintf(f, "\n[vip %s]\n", a);
		print_vip_keys(f, &c->vips[i], false);
	}
}

int
vs_conf_parse(struct vs_conf *c, int argc, char **argv, char *err,
	      size_t errlen)
{
	struct parse_ctx x = {.c = c,
			      .err = err,
			      .errlen = errlen,
			      .cur = &c->vip_defaults,
			      .from_cli = true};
	int i, r;

	/* The file first, so that flags override it. */
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			vs_conf_usage(stdout, "dpdk-vipshare");
			return 1;
		}
		if (strcmp(a, "--version") == 0) {
			printf("dpdk-vipshare %s (%s)\n", VS_VERSION,
			       rte_version());
			return 1;
		}
		if (strcmp(a, "--check") == 0)
			c->check = true;
		if (strncmp(a, "--config=", 9) == 0)
			r = load_file(c, a + 9, err, errlen);
		else if (strcmp(a, "--config") == 0 && i + 1 < argc)
			r = load_file(c, argv[++i], err, errlen);
		else
			continue;
		if (r < 0)
			return r;
	}
	for (i = 1; i < argc; i++) {
		const struct opt *o;
		const char *val;

		r = next_opt(&x, argc, argv, &i, &o, &val);
		if (r < 0)
			return r;
		if (o->fn == NULL) { /* --config, --check: done above */
			if (val != NULL && !o->has_arg)
				return fail(&x, "option --%s takes no value",
					    o->name);
			continue;
		}
		r = apply(&x, o, val);
		if (r < 0)
			return r;
	}
	return check(&x);
}

int
vs_conf_parse_vip(const struct vs_conf *c, const char *args,
		  struct vs_vip_conf *out, char *err, size_t errlen)
{
	struct vs_conf tmp;
	struct parse_ctx x = {.c = &tmp,
			      .err = err,
			      .errlen = errlen,
			      .cur = NULL,
			      .vip_only = true};
	char buf[512], *argv[64], *save = NULL, *t;
	int argc = 0, i, r;

	if (args == NULL || strlen(args) >= sizeof(buf))
		return fail(&x, "expected A.B.C.D[/PREFIX] [--node K/N] "
				"[--hashmode ...]");
	strcpy(buf, args);
	for (t = strtok_r(buf, " \t\r\n", &save); t != NULL;
	     t = strtok_r(NULL, " \t\r\n", &save)) {
		if (argc == (int)RTE_DIM(argv))
			return fail(&x, "too many words");
		argv[argc++] = t;
	}
	if (argc == 0 || strncmp(argv[0], "--", 2) == 0)
		return fail(&x, "expected A.B.C.D[/PREFIX] first");
	/* only the defaults matter: the VIP is resolved against them */
	memset(&tmp, 0, sizeof(tmp));
	tmp.vip_defaults = c->vip_defaults;
	r = add_vip(&x, "vip", argv[0], &x.cur);
	if (r < 0)
		return r;
	for (i = 1; i < argc; i++) {
		const struct opt *o;
		const char *val;

		r = next_opt(&x, argc, argv, &i, &o, &val);
		if (r < 0)
			return r;
		if (o->fn == NULL || o->fn == opt_vip)
			return fail(&x, "option --%s is not a VIP's", o->name);
		r = apply(&x, o, val);
		if (r < 0)
			return r;
	}
	resolve(x.cur, &tmp.vip_defaults);
	r = check_nodes(&x, x.cur, true);
	if (r == 0)
		r = check_compat(&x, x.cur);
	if (r < 0)
		return r;
	*out = *x.cur;
	return 0;
}
