/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control: the successor of /proc/net/ipt_CLUSTERIP/<VIP>.
 * DPDK telemetry commands (dpdk-telemetry.py, vipshare-ctl). ADDR names
 * a VIP; it may be left out while there is exactly one.
 *   /vipshare/vips              the VIPs and their settings, as columns
 *   /vipshare/vip_add,ARGS      add a VIP: "A.B.C.D/P --node K/N [...]"
 *   /vipshare/vip_del,ADDR      remove a VIP
 *   /vipshare/stats[,ADDR]      counters: totals and per VIP, or one VIP's
 *   /vipshare/nodes[,ADDR]      the node numbers held, "1,3"
 *   /vipshare/node_add,[ADDR ]N hold node N from the next burst (+N)
 *   /vipshare/node_del,[ADDR ]N release node N (-N) at once
 *   /vipshare/node_del,[ADDR ]N drain[ SEC]
 *                               drain node N: keep its flows, take no new
 *                               ones, release it when they ended (or after
 *                               SEC, default --drain-timeout). A subcommand
 *                               of node_del: DPDK 22.11 holds 64 telemetry
 *                               commands, and the EAL's and ethdev's leave
 *                               none for another
 *   /vipshare/status[,ADDR]     the iptables -L style status line(s)
 *   /vipshare/coverage[,ADDR]   the coverage monitor's view of a VIP, the
 *                               JSON object of `vipshare-ctl coverage` as
 *                               one string; several VIPs, none named: each
 *                               one's summary ("ok", "hole:3", ...)
 * They run on telemetry threads, one command at a time (the app's control
 * lock); ownership sets change with atomics and VIPs through RCU, so the
 * workers never wait. Replies stay within telemetry's 16 KiB with 64 VIPs
 * (per-VIP values as arrays, a dict holds no dict in DPDK 22.11).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_mempool.h>
#include <rte_telemetry.h>

#include "vs_app.h"
#include "vs_control.h"
#include "vs_log.h"
#include "vs_stats.h"
#include "vs_util.h"

RTE_LOG_REGISTER(vs_logtype_ctl, vipshare.ctl, INFO);

static void
tel_u64(void *ctx, const char *name, uint64_t v)
{
	rte_tel_data_add_dict_u64(ctx, name, v);
}

/* A reply that says what went wrong (vipshare-ctl exits 1). */
static void
refuse(struct rte_tel_data *d, const char *msg)
{
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "ok", 0);
	rte_tel_data_add_dict_string(d, "error", msg);
}

/*
 * The VIP a command is about: the address its parameters start with, or
 * the only VIP when they do not. *rest: what follows the address. NULL
 * with a message in err otherwise.
 */
static struct vs_vip *
pick_vip(struct vs_app *a, const char *params, const char **rest, char *err,
	 size_t errlen)
{
	char word[64];
	size_t n = 0;
	uint32_t addr;
	struct vs_vip *vip;

	if (params) {
		params += strspn(params, " ");
		n = strcspn(params, " ");
	}
	*rest = params;
	if (n && n < sizeof(word) && memchr(params, '.', n)) {
		memcpy(word, params, n);
		word[n] = '\0';
		if (vs_util_parse_ipv4(word, &addr) < 0) {
			snprintf(err, errlen, "'%s' is not an IPv4 address",
				 word);
			return NULL;
		}
		vip = vs_vip_find(&a->vips, addr);
		if (vip == NULL)
			snprintf(err, errlen, "no VIP %s", word);
		*rest = params + n + strspn(params + n, " ");
		return vip;
	}
	vip = vs_vip_only(&a->vips);
	if (vip == NULL)
		snprintf(err, errlen,
			 "%u VIPs: name one (vipshare-ctl --vip ADDR)",
			 a->vips.map->n);
	return vip;
}

static struct rte_tel_data *
u64_array(const uint64_t *v, unsigned int n)
{
	struct rte_tel_data *arr = rte_tel_data_alloc();
	unsigned int i;

	if (arr == NULL)
		return NULL;
	rte_tel_data_start_array(arr, RTE_TEL_U64_VAL);
	for (i = 0; i < n; i++)
		rte_tel_data_add_array_u64(arr, v[i]);
	return arr;
}

static void
add_container(struct rte_tel_data *d, const char *name,
	      struct rte_tel_data *arr)
{
	if (arr && rte_tel_data_add_dict_container(d, name, arr, 0) < 0)
		rte_tel_data_free(arr);
}

/* A VIP's settings as dict members. */
static void
vip_settings(struct rte_tel_data *d, const struct vs_vip *vip)
{
	char buf[256];

	vs_vip_format(vip, buf, sizeof(buf));
	rte_tel_data_add_dict_string(d, "vip", buf);
	vs_own_format(vs_own_load(&vip->own), buf, sizeof(buf));
	rte_tel_data_add_dict_string(d, "nodes", buf);
	rte_tel_data_add_dict_u64(d, "nodes_mask", vs_own_load(&vip->own));
	rte_tel_data_add_dict_u64(d, "total_nodes", vip->hash.total_nodes);
	rte_tel_data_add_dict_string(d, "hashmode",
				     vs_hash_mode_name(vip->hash.mode));
	rte_tel_data_add_dict_u64(d, "hash_init", vip->hash.hash_init);
	rte_tel_data_add_dict_string(d, "hash_compat",
				     vs_hash_compat_name(vip->hash.compat));
	vs_stats_mac(&vip->arp.cluster_mac, buf, sizeof(buf));
	rte_tel_data_add_dict_string(d, "cluster_mac", buf);
}

/* One VIP: its settings, counters, and per node number seen/accepted. */
static void
vip_stats(struct rte_tel_data *d, const struct vs_app *a,
	  const struct vs_vip *vip)
{
	struct vs_vip_stats s;

	vs_stats_vip_sum(a, vip->slot, &s);
	rte_tel_data_start_dict(d);
	vip_settings(d, vip);
	vs_stats_vip_foreach(&s, tel_u64, d);
	vs_coverage_foreach(a, vip->slot, tel_u64, d);
	vs_moves_foreach(a, vip->slot, tel_u64, d);
	add_container(d, "seen", u64_array(s.seen, vip->hash.total_nodes));
	add_container(d, "accepted",
		      u64_array(s.accepted, vip->hash.total_nodes));
}

/* The totals, and per VIP its outcome counters as arrays in the order of
 * "vips". */
static void
all_stats(struct rte_tel_data *d, const struct vs_app *a)
{
	const struct vs_vipmap *vm = a->vips.map;
	struct vs_vip_stats vs[VS_MAX_VIPS];
	struct rte_tel_data *arr;
	uint64_t col[VS_MAX_VIPS];
	char nodes[256], addr[32];
	struct vs_stats s;
	unsigned int i;

	vs_stats_sum(a, &s);
	rte_tel_data_start_dict(d);
	vs_stats_foreach(a, &s, tel_u64, d);
	rte_tel_data_add_dict_u64(d, "mbuf_in_use",
				  rte_mempool_in_use_count(a->ports.pool));
	if (vm->n == 1) {
		/* one VIP: its nodes at the top level, as ever */
		const struct vs_vip *vip = vs_vip_at(&a->vips, vm->slot[0]);

		vs_own_format(vs_own_load(&vip->own), nodes, sizeof(nodes));
		rte_tel_data_add_dict_string(d, "nodes", nodes);
		rte_tel_data_add_dict_u64(d, "total_nodes",
					  vip->hash.total_nodes);
	}
	for (i = 0; i < a->nb_workers; i++)
		col[i] = a->workers[i].st.rx;
	add_container(d, "worker_rx", u64_array(col, a->nb_workers));
	arr = rte_tel_data_alloc();
	if (arr) {
		rte_tel_data_start_array(arr, RTE_TEL_STRING_VAL);
		for (i = 0; i < vm->n; i++) {
			vs_vip_format_addr(vs_vip_at(&a->vips, vm->slot[i]),
					   addr, sizeof(addr));
			rte_tel_data_add_array_string(arr, addr);
		}
		add_container(d, "vips", arr);
	}
	for (i = 0; i < vm->n; i++)
		vs_stats_vip_sum(a, vm->slot[i], &vs[i]);
#define VS_VIP_COLUMN(c)            \
	for (i = 0; i < vm->n; i++) \
		col[i] = vs[i].c;   \
	add_container(d, "vips_" #c, u64_array(col, vm->n));
	VS_VIP_COLUMN(rx)
	VS_VIP_STATS_OUTCOMES(VS_VIP_COLUMN)
#undef VS_VIP_COLUMN
}

static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct vs_app *a = &vs_app;
	const struct vs_vip *vip;
	const char *rest;
	char err[128];

	RTE_SET_USED(cmd);
	vs_app_ctl_lock(a);
	if (params == NULL || params[strspn(params, " ")] == '\0') {
		all_stats(d, a);
	} else {
		vip = pick_vip(a, params, &rest, err, sizeof(err));
		if (vip)
			vip_stats(d, a, vip);
		else
			refuse(d, err);
	}
	vs_app_ctl_unlock(a);
	return 0;
}

/* The numbers in a move, by state: "draining": "2", ... */
static void
move_masks(struct rte_tel_data *d, const struct vs_vip *vip)
{
	static const unsigned int states[] = {
		VS_MOVE_DRAINING, VS_MOVE_FILLING, VS_MOVE_PENDING};
	char buf[256];
	unsigned int i;

	for (i = 0; i < RTE_DIM(states); i++) {
		vs_own_format(vs_moves_state_mask(&vs_app, vip->slot,
						  states[i]),
			      buf, sizeof(buf));
		rte_tel_data_add_dict_string(d, vs_move_state_name(states[i]),
					     buf);
	}
}

static void
nodes_dict(struct rte_tel_data *d, const struct vs_vip *vip, int err,
	   const char *msg)
{
	char buf[256];

	vs_own_format(vs_own_load(&vip->own), buf, sizeof(buf));
	rte_tel_data_start_dict(d);
	/* a string value holds 127 characters: the mask says it all */
	rte_tel_data_add_dict_string(d, "nodes", buf);
	rte_tel_data_add_dict_u64(d, "nodes_mask", vs_own_load(&vip->own));
	rte_tel_data_add_dict_u64(d, "total_nodes", vip->hash.total_nodes);
	vs_vip_format(vip, buf, sizeof(buf));
	rte_tel_data_add_dict_string(d, "vip", buf);
	move_masks(d, vip);
	rte_tel_data_add_dict_u64(d, "ok", err == 0);
	if (err)
		rte_tel_data_add_dict_string(d, "error", msg);
}

static int
tel_nodes(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct vs_app *a = &vs_app;
	const struct vs_vip *vip;
	const char *rest;
	char err[128];

	RTE_SET_USED(cmd);
	vs_app_ctl_lock(a);
	vip = pick_vip(a, params, &rest, err, sizeof(err));
	if (vip)
		nodes_dict(d, vip, 0, NULL);
	else
		refuse(d, err);
	vs_app_ctl_unlock(a);
	return 0;
}

enum node_cmd { NODE_ADD, NODE_DEL, NODE_DRAIN };

static int
node_change(const char *params, struct rte_tel_data *d, enum node_cmd cmd)
{
	struct vs_app *a = &vs_app;
	struct vs_vip *vip;
	const char *rest;
	char msg[160], num[16];
	uint32_t n, secs = 0;
	size_t len;
	int r;

	vs_app_ctl_lock(a);
	vip = pick_vip(a, params, &rest, msg, sizeof(msg));
	if (vip == NULL) {
		refuse(d, msg);
		goto out;
	}
	if (rest && (*rest == '+' || *rest == '-'))
		rest++;
	/* the number, then (drain) the timeout in seconds */
	len = rest ? strcspn(rest, " ") : 0;
	if (len && len < sizeof(num)) {
		memcpy(num, rest, len);
		num[len] = '\0';
		rest += len + strspn(rest + len, " ");
	} else {
		num[0] = '\0';
	}
	if (vs_util_parse_u32(num, &n) < 0 || n < 1 ||
	    n > vip->hash.total_nodes) {
		snprintf(msg, sizeof(msg), "node number must be 1..%u",
			 vip->hash.total_nodes);
		nodes_dict(d, vip, -EINVAL, msg);
		goto out;
	}
	/* "N drain [SEC]": node_del's drain */
	if (cmd == NODE_DEL && !strncmp(rest, "drain", 5) &&
	    (rest[5] == '\0' || rest[5] == ' ')) {
		cmd = NODE_DRAIN;
		rest += 5 + strspn(rest + 5, " ");
	}
	if (*rest && (cmd != NODE_DRAIN || vs_util_parse_u32(rest, &secs) < 0 ||
		      secs < 1 || secs > VS_MOVE_DRAIN_TIMEOUT_MAX_MS / 1000)) {
		if (cmd == NODE_DRAIN)
			snprintf(msg, sizeof(msg),
				 "the drain's timeout must be 1..%u seconds",
				 VS_MOVE_DRAIN_TIMEOUT_MAX_MS / 1000);
		else
			snprintf(msg, sizeof(msg),
				 "unexpected '%.32s' after the node number",
				 rest);
		nodes_dict(d, vip, -EINVAL, msg);
		goto out;
	}
	msg[0] = '\0';
	if (cmd == NODE_ADD)
		r = vs_moves_add(a, vip->slot, n, msg, sizeof(msg));
	else if (cmd == NODE_DEL)
		r = vs_moves_del(a, vip->slot, n, msg, sizeof(msg));
	else
		r = vs_moves_drain(a, vip->slot, n, secs * 1000, msg,
				   sizeof(msg));
	nodes_dict(d, vip, r < 0 ? r : 0, msg);
	if (r >= 0 && cmd == NODE_ADD)
		rte_tel_data_add_dict_string(d, "state",
					     vs_move_state_name((unsigned int)r));
out:
	vs_app_ctl_unlock(a);
	return 0;
}

static int
tel_node_add(const char *cmd, const char *params, struct rte_tel_data *d)
{
	RTE_SET_USED(cmd);
	return node_change(params, d, NODE_ADD);
}

static int
tel_node_del(const char *cmd, const char *params, struct rte_tel_data *d)
{
	RTE_SET_USED(cmd);
	return node_change(params, d, NODE_DEL);
}

/* One VIP (named, or the only one): its line as a string, as ever.
 * Several and none named: one line per VIP, "A.B.C.D/P CLUSTERIP ...". */
static int
tel_status(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct vs_app *a = &vs_app;
	const struct vs_vipmap *vm = a->vips.map;
	const struct vs_vip *vip;
	char line[512], name[32], err[128];
	const char *rest;
	unsigned int i;

	RTE_SET_USED(cmd);
	vs_app_ctl_lock(a);
	if ((params && params[strspn(params, " ")]) || vm->n == 1) {
		vip = pick_vip(a, params, &rest, err, sizeof(err));
		if (vip) {
			vs_vip_status_line(vip, line, sizeof(line));
			rte_tel_data_string(d, line);
		} else {
			refuse(d, err);
		}
	} else {
		rte_tel_data_start_array(d, RTE_TEL_STRING_VAL);
		for (i = 0; i < vm->n; i++) {
			vip = vs_vip_at(&a->vips, vm->slot[i]);
			vs_vip_format(vip, name, sizeof(name));
			vs_vip_status_line(vip, line, sizeof(line));
			snprintf(err, sizeof(err), "%s ", name);
			/* a string value holds RTE_TEL_MAX_STRING_LEN */
			memmove(line + strlen(err), line,
				sizeof(line) - strlen(err));
			memcpy(line, err, strlen(err));
			line[sizeof(line) - 1] = '\0';
			rte_tel_data_add_array_string(d, line);
		}
	}
	vs_app_ctl_unlock(a);
	return 0;
}

static struct rte_tel_data *
str_array(void)
{
	struct rte_tel_data *arr = rte_tel_data_alloc();

	if (arr)
		rte_tel_data_start_array(arr, RTE_TEL_STRING_VAL);
	return arr;
}

/* Every VIP: columns, index i of each is the i-th VIP. The nodes held as
 * a mask (bit n-1 = node n): 64 lists of 64 numbers would not fit the
 * reply, nor one of them an array string (127 characters). */
static int
tel_vips(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct vs_app *a = &vs_app;
	const struct vs_vipmap *vm = a->vips.map;
	struct rte_tel_data *vip, *mode, *compat, *mac;
	uint64_t total[VS_MAX_VIPS], init[VS_MAX_VIPS], mask[VS_MAX_VIPS];
	uint64_t fill[VS_MAX_VIPS], drain[VS_MAX_VIPS];
	char buf[256];
	unsigned int i;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	vs_app_ctl_lock(a);
	vip = str_array();
	mode = str_array();
	compat = str_array();
	mac = str_array();
	for (i = 0; i < vm->n; i++) {
		const struct vs_vip *v = vs_vip_at(&a->vips, vm->slot[i]);

		vs_vip_format(v, buf, sizeof(buf));
		if (vip)
			rte_tel_data_add_array_string(vip, buf);
		mask[i] = vs_own_load(&v->own);
		/* taking over (filling, or waiting to): held for the agent */
		fill[i] = vs_moves_state_mask(a, v->slot, VS_MOVE_FILLING) |
			  vs_moves_state_mask(a, v->slot, VS_MOVE_PENDING);
		drain[i] = vs_moves_state_mask(a, v->slot, VS_MOVE_DRAINING);
		total[i] = v->hash.total_nodes;
		if (mode)
			rte_tel_data_add_array_string(
				mode, vs_hash_mode_name(v->hash.mode));
		init[i] = v->hash.hash_init;
		if (compat)
			rte_tel_data_add_array_string(
				compat, vs_hash_compat_name(v->hash.compat));
		vs_stats_mac(&v->arp.cluster_mac, buf, sizeof(buf));
		if (mac)
			rte_tel_data_add_array_string(mac, buf);
	}
	rte_tel_data_start_dict(d);
	add_container(d, "vip", vip);
	add_container(d, "nodes_mask", u64_array(mask, vm->n));
	add_container(d, "total_nodes", u64_array(total, vm->n));
	add_container(d, "hashmode", mode);
	add_container(d, "hash_init", u64_array(init, vm->n));
	add_container(d, "hash_compat", compat);
	add_container(d, "cluster_mac", mac);
	add_container(d, "filling_mask", u64_array(fill, vm->n));
	add_container(d, "draining_mask", u64_array(drain, vm->n));
	vs_app_ctl_unlock(a);
	return 0;
}

static void
change_reply(struct rte_tel_data *d, int r, const char *err)
{
	if (r < 0) {
		refuse(d, err);
		return;
	}
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "ok", 1);
	rte_tel_data_add_dict_u64(d, "vips", vs_app.vips.map->n);
}

/* The monitor's object as one string (a dict holds no dict in DPDK
 * 22.11; a string holds RTE_TEL_MAX_SINGLE_STRING_LEN, which a cluster of
 * a few nodes needs a tenth of). */
static void
coverage_one(struct rte_tel_data *d, const struct vs_app *a,
	     const struct vs_vip *vip)
{
	static char buf[RTE_TEL_MAX_SINGLE_STRING_LEN];
	char err[128];
	int r = vs_coverage_json(a, vip->slot, buf, sizeof(buf));

	if (r >= 0) {
		rte_tel_data_string(d, buf);
		return;
	}
	if (r == -ENOTSUP)
		snprintf(err, sizeof(err), "announcements are off (--announce)");
	else if (r == -ENOENT)
		snprintf(err, sizeof(err), "no coverage yet: starting");
	else
		snprintf(err, sizeof(err),
			 "the coverage object is larger than telemetry "
			 "carries (%u bytes)",
			 RTE_TEL_MAX_SINGLE_STRING_LEN);
	refuse(d, err);
}

static int
tel_coverage(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct vs_app *a = &vs_app;
	const struct vs_vipmap *vm = a->vips.map;
	const struct vs_vip *vip;
	struct rte_tel_data *addr, *sum;
	char buf[RTE_TEL_MAX_STRING_LEN], err[128];
	const char *rest;
	unsigned int i;

	RTE_SET_USED(cmd);
	vs_app_ctl_lock(a);
	if ((params && params[strspn(params, " ")]) || vm->n == 1) {
		vip = pick_vip(a, params, &rest, err, sizeof(err));
		if (vip)
			coverage_one(d, a, vip);
		else
			refuse(d, err);
		vs_app_ctl_unlock(a);
		return 0;
	}
	/* every VIP: columns, as /vipshare/vips (64 objects would not fit) */
	addr = str_array();
	sum = str_array();
	for (i = 0; i < vm->n; i++) {
		vip = vs_vip_at(&a->vips, vm->slot[i]);
		vs_vip_format_addr(vip, buf, sizeof(buf));
		if (addr)
			rte_tel_data_add_array_string(addr, buf);
		if (vs_coverage_summary(a, vip->slot, buf, sizeof(buf)) < 0)
			snprintf(buf, sizeof(buf), "too many conditions");
		if (sum)
			rte_tel_data_add_array_string(sum, buf);
	}
	rte_tel_data_start_dict(d);
	add_container(d, "vip", addr);
	add_container(d, "coverage", sum);
	vs_app_ctl_unlock(a);
	return 0;
}

static int
tel_vip_add(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct vs_app *a = &vs_app;
	char err[256];
	int r;

	RTE_SET_USED(cmd);
	vs_app_ctl_lock(a);
	r = vs_app_vip_add(a, params ? params : "", err, sizeof(err));
	change_reply(d, r, err);
	vs_app_ctl_unlock(a);
	return 0;
}

static int
tel_vip_del(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct vs_app *a = &vs_app;
	char err[256];
	uint32_t addr;
	int r;

	RTE_SET_USED(cmd);
	vs_app_ctl_lock(a);
	if (params == NULL || vs_util_parse_ipv4(params, &addr) < 0) {
		snprintf(err, sizeof(err),
			 "expected the VIP's address A.B.C.D");
		r = -EINVAL;
	} else {
		r = vs_app_vip_del(a, addr, err, sizeof(err));
	}
	change_reply(d, r, err);
	vs_app_ctl_unlock(a);
	return 0;
}

int
vs_control_init(void)
{
	if (rte_telemetry_register_cmd(
		    "/vipshare/stats", tel_stats,
		    "Counters: totals, per VIP. Parameters: [string vip]") ||
	    rte_telemetry_register_cmd(
		    "/vipshare/nodes", tel_nodes,
		    "Node numbers held. Parameters: [string vip]") ||
	    rte_telemetry_register_cmd(
		    "/vipshare/node_add", tel_node_add,
		    "Hold a node number. Parameters: [string vip] int node") ||
	    rte_telemetry_register_cmd(
		    "/vipshare/node_del", tel_node_del,
		    "Release a node number (drain: when its flows ended). "
		    "Parameters: [string vip] int node [drain [int timeout_s]]") ||
	    rte_telemetry_register_cmd(
		    "/vipshare/status", tel_status,
		    "CLUSTERIP-style status. Parameters: [string vip]") ||
	    rte_telemetry_register_cmd("/vipshare/vips", tel_vips,
				       "The VIPs and their settings.") ||
	    rte_telemetry_register_cmd(
		    "/vipshare/coverage", tel_coverage,
		    "Coverage: peers, duplicates, holes, mismatch. Parameters: "
		    "[string vip]") ||
	    rte_telemetry_register_cmd(
		    "/vipshare/vip_add", tel_vip_add,
		    "Add a VIP. Parameters: A.B.C.D[/P] --node K/N [...]") ||
	    rte_telemetry_register_cmd("/vipshare/vip_del", tel_vip_del,
				       "Remove a VIP. Parameters: A.B.C.D"))
		return -EINVAL;
	return 0;
}
