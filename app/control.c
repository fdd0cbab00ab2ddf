/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control: the successor of /proc/net/ipt_CLUSTERIP/<VIP>.
 * DPDK telemetry commands (dpdk-telemetry.py, vipshare-ctl):
 *   /vipshare/stats            counters (same keys as the --replay JSON)
 *   /vipshare/nodes            the node numbers held, "1,3"
 *   /vipshare/node_add,N       hold node N from the next burst (+N)
 *   /vipshare/node_del,N       release node N (-N)
 *   /vipshare/status           the iptables -L style status line
 * They run on the telemetry thread; the ownership set is changed with
 * atomics, so workers never wait.
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

static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct vs_app *a = &vs_app;
	const struct vs_vip *vip = &a->vips.v[0];
	struct rte_tel_data *wrx;
	char nodes[256];
	struct vs_stats s;
	unsigned int i;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	vs_stats_sum(a, &s);
	vs_own_format(vs_own_load(&vip->own), nodes, sizeof(nodes));
	rte_tel_data_start_dict(d);
	vs_stats_foreach(a, &s, tel_u64, d);
	rte_tel_data_add_dict_u64(d, "mbuf_in_use",
				  rte_mempool_in_use_count(a->ports.pool));
	rte_tel_data_add_dict_string(d, "nodes", nodes);
	rte_tel_data_add_dict_u64(d, "total_nodes", vip->hash.total_nodes);
	wrx = rte_tel_data_alloc();
	if (wrx != NULL) {
		rte_tel_data_start_array(wrx, RTE_TEL_U64_VAL);
		for (i = 0; i < a->nb_workers; i++)
			rte_tel_data_add_array_u64(wrx, a->workers[i].st.rx);
		if (rte_tel_data_add_dict_container(d, "worker_rx", wrx, 0) < 0)
			rte_tel_data_free(wrx);
	}
	return 0;
}

static void
nodes_dict(struct rte_tel_data *d, int err, const char *msg)
{
	const struct vs_vip *vip = &vs_app.vips.v[0];
	char nodes[256];

	vs_own_format(vs_own_load(&vip->own), nodes, sizeof(nodes));
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "nodes", nodes);
	rte_tel_data_add_dict_u64(d, "total_nodes", vip->hash.total_nodes);
	rte_tel_data_add_dict_u64(d, "ok", err == 0);
	if (err)
		rte_tel_data_add_dict_string(d, "error", msg);
}

static int
tel_nodes(const char *cmd, const char *params, struct rte_tel_data *d)
{
	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	nodes_dict(d, 0, NULL);
	return 0;
}

static int
node_change(const char *params, struct rte_tel_data *d, bool add)
{
	struct vs_vip *vip = &vs_app.vips.v[0];
	char msg[96];
	uint32_t n;
	int r;

	if (params && (*params == '+' || *params == '-'))
		params++;
	if (params == NULL || vs_util_parse_u32(params, &n) < 0 || n < 1 ||
	    n > vip->hash.total_nodes) {
		snprintf(msg, sizeof(msg), "node number must be 1..%u",
			 vip->hash.total_nodes);
		nodes_dict(d, -EINVAL, msg);
		return 0;
	}
	r = add ? vs_own_add(&vip->own, n) : vs_own_del(&vip->own, n);
	if (r == -EEXIST)
		snprintf(msg, sizeof(msg), "node %u already held", n);
	else if (r == -ENOENT)
		snprintf(msg, sizeof(msg), "node %u not held", n);
	else
		VS_LOG(ctl, NOTICE, "node %u %s\n", n,
		       add ? "added" : "removed");
	nodes_dict(d, r, msg);
	return 0;
}

static int
tel_node_add(const char *cmd, const char *params, struct rte_tel_data *d)
{
	RTE_SET_USED(cmd);
	return node_change(params, d, true);
}

static int
tel_node_del(const char *cmd, const char *params, struct rte_tel_data *d)
{
	RTE_SET_USED(cmd);
	return node_change(params, d, false);
}

static int
tel_status(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char line[512];

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	vs_vip_status_line(&vs_app.vips.v[0], line, sizeof(line));
	rte_tel_data_string(d, line);
	return 0;
}

int
vs_control_init(void)
{
	if (rte_telemetry_register_cmd(
		    "/vipshare/stats", tel_stats,
		    "Counters. Every NIC frame is counted in one outcome.") ||
	    rte_telemetry_register_cmd("/vipshare/nodes", tel_nodes,
				       "Node numbers held by this machine.") ||
	    rte_telemetry_register_cmd(
		    "/vipshare/node_add", tel_node_add,
		    "Hold a node number. Parameters: int node") ||
	    rte_telemetry_register_cmd(
		    "/vipshare/node_del", tel_node_del,
		    "Release a node number. Parameters: int node") ||
	    rte_telemetry_register_cmd("/vipshare/status", tel_status,
				       "CLUSTERIP-style status line."))
		return -EINVAL;
	return 0;
}
