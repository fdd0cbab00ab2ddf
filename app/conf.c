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
	bool from_cli; /* a --node on the command line replaces the file's */
	bool cli_nodes_seen;
	unsigned int node_total; /* N of the --node values seen so far */
};

static int
fail(struct parse_ctx *x, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(x->err, x->errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
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

static int
opt_vip(struct parse_ctx *x, const char *name, const char *v)
{
	char buf[64];
	char *slash;
	uint32_t p;

	if (strlen(v) >= sizeof(buf))
		return fail(x, "invalid --%s '%s'", name, v);
	strcpy(buf, v);
	slash = strchr(buf, '/');
	if (slash) {
		*slash++ = '\0';
		if (vs_util_parse_u32(slash, &p) < 0 || p < 1 || p > 32)
			return fail(x, "invalid --%s '%s' (prefix 1..32)", name,
				    v);
		x->c->vip.prefix = (uint8_t)p;
		x->c->vip.prefix_given = true;
	}
	if (vs_util_parse_ipv4(buf, &x->c->vip.hash.vip) < 0)
		return fail(x, "invalid --%s '%s' (expected A.B.C.D[/PREFIX])",
			    name, v);
	x->c->vip.addr_given = true;
	return 0;
}

/* K/N, K,L/N, K-L/N; repeated flags add to the set, N must agree. */
static int
opt_node(struct parse_ctx *x, const char *name, const char *v)
{
	const char *slash = strrchr(v, '/');
	char list[VS_NAME_MAX];
	uint32_t total;
	uint64_t mask;

	if (slash == NULL || (size_t)(slash - v) >= sizeof(list) ||
	    vs_util_parse_u32(slash + 1, &total) < 0 || total < 1 ||
	    total > VS_MAX_NODES)
		return fail(x,
			    "invalid --%s '%s' (expected K[,K...]/N, N 1..%d)",
			    name, v, VS_MAX_NODES);
	memcpy(list, v, (size_t)(slash - v));
	list[slash - v] = '\0';
	if (vs_own_parse_list(list, total, &mask) < 0)
		return fail(x, "invalid --%s '%s' (node numbers 1..%u)", name,
			    v, total);
	if (x->from_cli && !x->cli_nodes_seen) {
		/* flags override the file */
		x->c->vip.nodes = 0;
		x->node_total = 0;
		x->cli_nodes_seen = true;
	}
	if (x->node_total && x->node_total != total)
		return fail(x, "invalid --%s '%s' (total %u differs from %u)",
			    name, v, total, x->node_total);
	x->node_total = total;
	x->c->vip.hash.total_nodes = (uint16_t)total;
	x->c->vip.nodes |= mask;
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
	x->c->vip.hash.mode = (uint8_t)m;
	return 0;
}

static int
opt_compat(struct parse_ctx *x, const char *name, const char *v)
{
	int m = vs_hash_compat_parse(v);

	if (m < 0)
		return fail(x, "invalid --%s '%s' (clusterip or nft)", name, v);
	x->c->vip.hash.compat = (uint8_t)m;
	return 0;
}

static int
opt_hash_init(struct parse_ctx *x, const char *name, const char *v)
{
	if (vs_util_parse_u32(v, &x->c->vip.hash.hash_init) < 0)
		return fail(x, "invalid --%s '%s' (32-bit number)", name, v);
	return 0;
}

static int
opt_mac(struct parse_ctx *x, const char *name, const char *v)
{
	if (vs_arp_parse_mac(v, &x->c->vip.mac) < 0)
		return fail(x,
			    "invalid --%s '%s' (a multicast MAC such as "
			    "01:00:5e:28:64:64)",
			    name, v);
	x->c->vip.mac_given = true;
	return 0;
}

static int
copy_name(struct parse_ctx *x, const char *name, const char *v, char *dst)
{
	if (*v == '\0' || strlen(v) >= VS_NAME_MAX || strpbrk(v, " \t,="))
		return fail(x, "invalid --%s '%s'", name, v);
	strcpy(dst, v);
	return 0;
}

static int
opt_port(struct parse_ctx *x, const char *name, const char *v)
{
	return copy_name(x, name, v, x->c->port);
}

static int
opt_host(struct parse_ctx *x, const char *name, const char *v)
{
	static const struct {
		const char *kw;
		enum vs_host_kind kind;
		const char *def;
	} kinds[] = {
		{"vnet", VS_HOST_VNET, "vs0"},
		{"tap", VS_HOST_TAP, "vs0"},
		{"net_tap", VS_HOST_NET_TAP, "vs0"},
		{"virtio-user", VS_HOST_VIRTIO, "/dev/vhost-net"},
		{"port", VS_HOST_PORT, NULL},
	};
	const char *colon = strchr(v, ':');
	size_t kwlen = colon ? (size_t)(colon - v) : strlen(v);
	unsigned int i;
	struct stat st;

	for (i = 0; i < RTE_DIM(kinds); i++) {
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
U32_OPT(opt_garp, vip.garp, 0, 100)
U32_OPT(opt_idle_sleep, idle_sleep_us, 0, 1000000)
U32_OPT(opt_stats_interval, stats_interval, 0, 86400)
U32_OPT(opt_frag_max, frag_max, 1, 65536)
U32_OPT(opt_frag_timeout, frag_timeout_ms, 1, 60000)
U32_OPT(opt_burst, burst, 1, VS_MAX_BURST)
U32_OPT(opt_bench_seconds, bench.seconds, 1, 3600)
U32_OPT(opt_igmp_interval, igmp_interval, 1, 255)

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
	int (*fn)(struct parse_ctx *x, const char *name, const char *v);
	const char *arg;
	const char *help;
};

static const struct opt opts[] = {
	{"vip", true, opt_vip, "A.B.C.D[/PREFIX]",
	 "the shared address (required); PREFIX for the host port, default 32"},
	{"node", true, opt_node, "K[,K..]/N",
	 "node numbers held by this machine out of N (1..64); repeatable"},
	{"hashmode", true, opt_hashmode, "MODE",
	 "sourceip | sourceip-sourceport (default) | sourceip-sourceport-destport"},
	{"hash-init", true, opt_hash_init, "X",
	 "hash seed, decimal or 0x-hex (default 0)"},
	{"hash-compat", true, opt_compat, "clusterip|nft",
	 "clusterip (iptables CLUSTERIP, default) or nft (source IP only, xt_cluster order)"},
	{"mac", true, opt_mac, "MAC",
	 "cluster multicast MAC (default 01:00:5e + low 23 bits of the VIP)"},
	{"garp", true, opt_garp, "COUNT",
	 "gratuitous ARPs at start, 200 ms apart (default 3)"},
	{"igmp", true, opt_igmp, "LIST",
	 "keep snooping switches flooding the cluster MAC: report,mrd (default) |"
	 " report | mrd | off"},
	{"igmp-interval", true, opt_igmp_interval, "SEC",
	 "repeat IGMP reports / router advertisements every SEC (default 20)"},
	{"port", true, opt_port, "ID|NAME",
	 "the NIC port (default: the first port)"},
	{"host", true, opt_host, "KIND",
	 "the host port: vnet[:IFNAME] (default vnet:vs0: a veth pair, "
	 "offloads) | tap[:IFNAME] (a TAP, offloads) | net_tap[:IFNAME] "
	 "(DPDK's net_tap, none) | virtio-user[:PATH] (vhost-net device, "
	 "default /dev/vhost-net) | port:ID"},
	{"no-host-addr", false, opt_no_host_addr, NULL,
	 "do not put the VIP on the created host interface"},
	{"replay", false, opt_replay, NULL,
	 "stop when the NIC input is exhausted and idle 100 ms; print JSON stats last"},
	{"idle-sleep", true, opt_idle_sleep, "USEC",
	 "sleep this long when a poll finds nothing (default 0: busy polling)"},
	{"stats-interval", true, opt_stats_interval, "SEC",
	 "print statistics every SEC seconds (default 0: only at exit)"},
	{"frag-max", true, opt_frag_max, "N",
	 "datagrams held for reassembly per worker (default 1024)"},
	{"frag-timeout", true, opt_frag_timeout, "MSEC",
	 "drop incomplete datagrams after MSEC (default 1000)"},
	{"burst", true, opt_burst, "N",
	 "frames per receive burst (default 32)"},
	{"bench", false, opt_bench, NULL,
	 "benchmark the steering path on in-memory traffic and exit"},
	{"bench-host", false, opt_bench_host, NULL,
	 "benchmark 64-byte UDP into the host stack through the real host "
	 "port (generated in memory, steered by the workers; the NIC: any "
	 "port, e.g. a net_null vdev) and exit"},
	{"bench-seconds", true, opt_bench_seconds, "S",
	 "benchmark time per run (default 3)"},
	{"bench-size", true, opt_bench_size, "64|imix",
	 "benchmark frame sizes (default 64)"},
	{"config", true, NULL, "FILE",
	 "read settings from FILE (key = value, keys as these flags); flags override"},
	{"check", false, NULL, NULL,
	 "validate the settings, print them as a config file, exit (no EAL)"},
	{"version", false, NULL, NULL, "print the version and exit"},
	{"help", false, NULL, NULL, "show this help"},
};

void
vs_conf_defaults(struct vs_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->vip.hash.mode = VS_HASH_SIP_SPT;
	c->vip.hash.compat = VS_COMPAT_CLUSTERIP;
	c->vip.prefix = 32;
	c->vip.garp = 3;
	c->frag_max = 1024;
	c->frag_timeout_ms = 1000;
	c->burst = 32;
	c->bench.seconds = 3;
	c->igmp_report = true;
	c->igmp_mrd = true;
	c->igmp_interval = 20;
}

void
vs_conf_usage(FILE *f, const char *prog)
{
	unsigned int i;
	char left[64];

	fprintf(f,
		"Usage: %s [EAL options] -- --vip A.B.C.D[/PREFIX] --node K/N [options]\n"
		"       %s --check [--config FILE] [options]\n"
		"Shares a VIP active/active like iptables CLUSTERIP: answers ARP with a\n"
		"multicast cluster MAC, keeps the flows whose hash falls on its node\n"
		"numbers and hands them to the host kernel, drops the rest.\n\nOptions:\n",
		prog, prog);
	for (i = 0; i < RTE_DIM(opts); i++) {
		snprintf(left, sizeof(left), "--%s%s%s", opts[i].name,
			 opts[i].arg ? " " : "",
			 opts[i].arg ? opts[i].arg : "");
		fprintf(f, "  %-30s %s\n", left, opts[i].help);
	}
	fprintf(f,
		"\nWith exactly two EAL ports and neither --port nor --host, port 0 is the\n"
		"NIC and port 1 the host side (offline replay with net_pcap).\n"
		"Runtime control: vipshare-ctl (or dpdk-telemetry.py) /vipshare/... commands.\n");
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
	return o->fn(x, o->name, value);
}

static int
check(struct parse_ctx *x)
{
	struct vs_conf *c = x->c;

	if (!c->vip.addr_given)
		return fail(x, "missing --vip");
	if (c->vip.nodes == 0)
		return fail(x, "missing --node");
	if (!c->vip.mac_given)
		vs_arp_default_mac(c->vip.hash.vip, &c->vip.mac);
	return 0;
}

int
vs_conf_parse_text(struct vs_conf *c, const char *text, const char *name,
		   char *err, size_t errlen)
{
	struct parse_ctx x = {.c = c, .err = err, .errlen = errlen};
	char line[512];
	unsigned int lineno = 0;
	const char *p = text;

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
		if (o == NULL || o->fn == NULL)
			return fail(&x, "%s:%u: unknown key '%s'", name, lineno,
				    k);
		if (!o->has_arg) {
			/* flags: "replay", "replay = yes/true/1" */
			if (*v && strcmp(v, "yes") && strcmp(v, "true") &&
			    strcmp(v, "1"))
				return fail(&x, "%s:%u: invalid %s '%s'", name,
					    lineno, k, v);
			v = NULL;
		}
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

/* What --check prints: every key with its value, flags only when set, the
 * defaults that depend on the EAL's ports as comments. */
void
vs_conf_print(FILE *f, const struct vs_conf *c)
{
	static const char *const host_kw[] = {
		[VS_HOST_TAP] = "tap",
		[VS_HOST_VIRTIO] = "virtio-user",
		[VS_HOST_PORT] = "port",
	};
	const struct vs_vip_conf *v = &c->vip;
	const uint8_t *a = (const uint8_t *)&v->hash.vip;
	const uint8_t *m = v->mac.addr_bytes;
	char nodes[256];

	vs_own_format(v->nodes, nodes, sizeof(nodes));
	fprintf(f, "vip = %u.%u.%u.%u/%u\n", a[0], a[1], a[2], a[3], v->prefix);
	fprintf(f, "node = %s/%u\n", nodes, v->hash.total_nodes);
	fprintf(f, "hashmode = %s\n", vs_hash_mode_name(v->hash.mode));
	fprintf(f, "hash-init = %u\n", v->hash.hash_init);
	fprintf(f, "hash-compat = %s\n", vs_hash_compat_name(v->hash.compat));
	fprintf(f, "mac = %02x:%02x:%02x:%02x:%02x:%02x\n", m[0], m[1], m[2],
		m[3], m[4], m[5]);
	fprintf(f, "garp = %u\n", v->garp);
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
			   "port, else tap:vs0\n");
	else
		fprintf(f, "host = %s:%s\n", host_kw[c->host_kind],
			c->host_arg);
	if (c->no_host_addr)
		fprintf(f, "no-host-addr\n");
	if (c->replay)
		fprintf(f, "replay\n");
	fprintf(f, "idle-sleep = %u\n", c->idle_sleep_us);
	fprintf(f, "stats-interval = %u\n", c->stats_interval);
	fprintf(f, "frag-max = %u\n", c->frag_max);
	fprintf(f, "frag-timeout = %u\n", c->frag_timeout_ms);
	fprintf(f, "burst = %u\n", c->burst);
	if (c->bench.enabled)
		fprintf(f, "bench\n");
	fprintf(f, "bench-seconds = %u\n", c->bench.seconds);
	fprintf(f, "bench-size = %s\n", c->bench.imix ? "imix" : "64");
}

int
vs_conf_parse(struct vs_conf *c, int argc, char **argv, char *err,
	      size_t errlen)
{
	struct parse_ctx x = {
		.c = c, .err = err, .errlen = errlen, .from_cli = true};
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
		const char *a = argv[i], *eq, *val = NULL;
		const struct opt *o;

		if (strncmp(a, "--", 2) != 0 || a[2] == '\0')
			return fail(&x, "unexpected argument '%s'", a);
		eq = strchr(a + 2, '=');
		o = find_opt(a + 2, eq ? (size_t)(eq - a - 2) : strlen(a + 2));
		if (o == NULL)
			return fail(&x, "unknown option '%s'", a);
		if (eq)
			val = eq + 1;
		else if (o->has_arg) {
			if (i + 1 >= argc)
				return fail(&x, "option --%s needs a value",
					    o->name);
			val = argv[++i];
		}
		if (o->fn == NULL) { /* --config, --check: done above */
			if (eq && !o->has_arg)
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
