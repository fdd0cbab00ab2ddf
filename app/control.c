/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control and statistics: the successor of /proc/net/ipt_CLUSTERIP/<VIP>.
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
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_mempool.h>
#include <rte_telemetry.h>

#include "vs_app.h"

RTE_LOG_REGISTER(vs_logtype_main, vipshare.main, INFO);
RTE_LOG_REGISTER(vs_logtype_port, vipshare.port, INFO);
RTE_LOG_REGISTER(vs_logtype_ctl, vipshare.ctl, INFO);

struct vs_app vs_app;

#define REPLAY_IDLE_MS 100

static uint64_t next_stats;

/* Main-lcore duties, every ~10 ms (from a worker when there is one lcore). */
void
vs_main_tick(uint64_t now)
{
	struct vs_app *a = &vs_app;
	unsigned int i;

	if (a->conf.stats_interval && now >= next_stats) {
		if (next_stats)
			vs_stats_print_line(a, stdout);
		next_stats = now + a->conf.stats_interval * a->tsc_hz;
	}
	if (!a->conf.replay)
		return;
	/* Replay ends when every worker has seen nothing for 100 ms. */
	for (i = 0; i < a->nb_workers; i++) {
		uint64_t since = a->workers[i].idle_since;

		if (since == 0 || a->workers[i].garp_left ||
		    now - since < a->tsc_hz * REPLAY_IDLE_MS / 1000)
			return;
	}
	a->quit = true;
}


void
vs_stats_sum(const struct vs_app *a, struct vs_stats *s)
{
	unsigned int i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < a->nb_workers; i++) {
		const struct vs_stats *w = &a->workers[i].st;
#define VS_STAT_ADD(n) s->n += w->n;
		VS_STATS_ALL(VS_STAT_ADD)
#undef VS_STAT_ADD
	}
}

/* Fragments sitting in the reassembly tables now. */
static uint64_t
frag_in_table(const struct vs_stats *s)
{
	return s->frag_held - s->frag_done - s->frag_expired;
}

/*
 * The ports' own counters (rte_eth_stats): what our counters cannot see,
 * frames the NIC dropped because a worker fell behind (imissed) or found
 * no mbuf (rx_nombuf). Zero for a port that cannot say.
 */
#define VS_PORT_STATS(X)                                                   \
	X(nic, ipackets) X(nic, imissed) X(nic, ierrors) X(nic, rx_nombuf) \
	X(nic, opackets) X(nic, oerrors)                                   \
	X(host, ipackets) X(host, opackets) X(host, oerrors)

static void
port_stats(const struct vs_app *a, struct rte_eth_stats *nic,
	   struct rte_eth_stats *host)
{
	memset(nic, 0, sizeof(*nic));
	memset(host, 0, sizeof(*host));
	if (a->nic < RTE_MAX_ETHPORTS)
		rte_eth_stats_get(a->nic, nic);
	if (a->host < RTE_MAX_ETHPORTS)
		rte_eth_stats_get(a->host, host);
}

static void
mac_str(const struct rte_ether_addr *m, char *buf, size_t size)
{
	snprintf(buf, size, "%02x:%02x:%02x:%02x:%02x:%02x", m->addr_bytes[0],
		 m->addr_bytes[1], m->addr_bytes[2], m->addr_bytes[3],
		 m->addr_bytes[4], m->addr_bytes[5]);
}

void
vs_stats_print_json(const struct vs_app *a, FILE *f)
{
	char nodes[256], cmac[24], nmac[24], hmac[24];
	struct rte_eth_stats nic, host;
	struct vs_stats s;
	unsigned int i;

	vs_stats_sum(a, &s);
	port_stats(a, &nic, &host);
	vs_own_format(vs_own_load(&a->own), nodes, sizeof(nodes));
	mac_str(&a->arp.cluster_mac, cmac, sizeof(cmac));
	mac_str(&a->arp.nic_mac, nmac, sizeof(nmac));
	mac_str(&a->host_mac, hmac, sizeof(hmac));
	fputc('{', f);
#define VS_STAT_JSON(n) fprintf(f, "\"" #n "\":%" PRIu64 ",", s.n);
	VS_STATS_ALL(VS_STAT_JSON)
#undef VS_STAT_JSON
#define VS_PORT_JSON(p, n) fprintf(f, "\"" #p "_" #n "\":%" PRIu64 ",", p.n);
	VS_PORT_STATS(VS_PORT_JSON)
#undef VS_PORT_JSON
	fprintf(f, "\"frag_in_table\":%" PRIu64 ",\"nodes\":\"%s\","
		"\"total_nodes\":%u,\"hashmode\":\"%s\",\"hash_compat\":\"%s\","
		"\"hash_init\":%u,\"cluster_mac\":\"%s\",\"nic_mac\":\"%s\","
		"\"host_mac\":\"%s\",\"mbuf_in_use_start\":%" PRIu64 ","
		"\"mbuf_in_use_end\":%u,\"worker_rx\":[",
		frag_in_table(&s), nodes, a->hash.total_nodes,
		vs_hash_mode_name(a->hash.mode),
		vs_hash_compat_name(a->hash.compat), a->hash.hash_init, cmac,
		nmac, hmac, a->mbuf_in_use_start,
		rte_mempool_in_use_count(a->pool));
	/* per worker (= NIC queue): shows how RSS spreads the load */
	for (i = 0; i < a->nb_workers; i++)
		fprintf(f, "%s%" PRIu64, i ? "," : "", a->workers[i].st.rx);
	fputs("]}\n", f);
	fflush(f);
}

void
vs_stats_print_line(const struct vs_app *a, FILE *f)
{
	struct rte_eth_stats nic, host;
	struct vs_stats s;

	vs_stats_sum(a, &s);
	port_stats(a, &nic, &host);
	fprintf(f, "stats: rx=%" PRIu64 " owned=%" PRIu64 " not_owned=%" PRIu64
		" other=%" PRIu64 " arp_reply=%" PRIu64 " malformed=%" PRIu64
		" frag_held=%" PRIu64 " host_to_wire=%" PRIu64 " drops=%" PRIu64
		" nic_missed=%" PRIu64 "\n", s.rx, s.vip_owned + s.frag_owned,
		s.vip_not_owned + s.frag_not_owned,
		s.other_to_host + s.arp_to_host, s.arp_reply, s.malformed,
		s.frag_held, s.host_to_wire, s.tx_wire_drop + s.tx_host_drop,
		nic.imissed + nic.rx_nombuf);
	fflush(f);
}

int
vs_status_line(const struct vs_app *a, char *buf, size_t size)
{
	char nodes[256];
	const uint8_t *m = a->arp.cluster_mac.addr_bytes;

	vs_own_format(vs_own_load(&a->own), nodes, sizeof(nodes));
	/* as iptables -L printed CLUSTERIP, with all local nodes */
	return snprintf(buf, size, "CLUSTERIP hashmode=%s clustermac="
			"%02X:%02X:%02X:%02X:%02X:%02X total_nodes=%u "
			"local_nodes=%s hash_init=%u%s",
			vs_hash_mode_name(a->hash.mode), m[0], m[1], m[2], m[3],
			m[4], m[5], a->hash.total_nodes, nodes,
			a->hash.hash_init,
			a->hash.compat == VS_COMPAT_NFT ? " hash_compat=nft" : "");
}

static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct vs_app *a = &vs_app;
	struct rte_eth_stats nic, host;
	struct rte_tel_data *wrx;
	char nodes[256];
	struct vs_stats s;
	unsigned int i;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	vs_stats_sum(a, &s);
	port_stats(a, &nic, &host);
	vs_own_format(vs_own_load(&a->own), nodes, sizeof(nodes));
	rte_tel_data_start_dict(d);
#define VS_STAT_TEL(n) rte_tel_data_add_dict_u64(d, #n, s.n);
	VS_STATS_ALL(VS_STAT_TEL)
#undef VS_STAT_TEL
#define VS_PORT_TEL(p, n) rte_tel_data_add_dict_u64(d, #p "_" #n, p.n);
	VS_PORT_STATS(VS_PORT_TEL)
#undef VS_PORT_TEL
	rte_tel_data_add_dict_u64(d, "frag_in_table", frag_in_table(&s));
	rte_tel_data_add_dict_u64(d, "mbuf_in_use",
				  rte_mempool_in_use_count(a->pool));
	rte_tel_data_add_dict_string(d, "nodes", nodes);
	rte_tel_data_add_dict_u64(d, "total_nodes", a->hash.total_nodes);
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
	const struct vs_app *a = &vs_app;
	char nodes[256];

	vs_own_format(vs_own_load(&a->own), nodes, sizeof(nodes));
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "nodes", nodes);
	rte_tel_data_add_dict_u64(d, "total_nodes", a->hash.total_nodes);
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
	struct vs_app *a = &vs_app;
	char msg[96];
	uint32_t n;
	int r;

	if (params && (*params == '+' || *params == '-'))
		params++;
	if (params == NULL || vs_util_parse_u32(params, &n) < 0 || n < 1 ||
	    n > a->hash.total_nodes) {
		snprintf(msg, sizeof(msg), "node number must be 1..%u",
			 a->hash.total_nodes);
		nodes_dict(d, -EINVAL, msg);
		return 0;
	}
	r = add ? vs_own_add(&a->own, n) : vs_own_del(&a->own, n);
	if (r == -EEXIST)
		snprintf(msg, sizeof(msg), "node %u already held", n);
	else if (r == -ENOENT)
		snprintf(msg, sizeof(msg), "node %u not held", n);
	else
		VS_LOG(ctl, NOTICE, "node %u %s\n", n, add ? "added" : "removed");
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
	vs_status_line(&vs_app, line, sizeof(line));
	rte_tel_data_string(d, line);
	return 0;
}

int
vs_control_init(struct vs_app *a)
{
	RTE_SET_USED(a);
	if (rte_telemetry_register_cmd("/vipshare/stats", tel_stats,
			"Counters. Every NIC frame is counted in one outcome.") ||
	    rte_telemetry_register_cmd("/vipshare/nodes", tel_nodes,
			"Node numbers held by this machine.") ||
	    rte_telemetry_register_cmd("/vipshare/node_add", tel_node_add,
			"Hold a node number. Parameters: int node") ||
	    rte_telemetry_register_cmd("/vipshare/node_del", tel_node_del,
			"Release a node number. Parameters: int node") ||
	    rte_telemetry_register_cmd("/vipshare/status", tel_status,
			"CLUSTERIP-style status line."))
		return -EINVAL;
	return 0;
}
