/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Settings of one dpdk-vipshare process, from the command line (after the
 * EAL's "--") and an optional --config file. Parsing needs no EAL, so the
 * fuzzers and unit tests call it directly.
 */
#ifndef VS_CONF_H
#define VS_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_ether.h>

#include "vs_hash.h"

/* The host port (app/vs_host.h), by --host KIND[:ARG]. */
enum vs_host_kind {
	VS_HOST_AUTO = 0, /* two EAL ports: port 1; else vnet:vs0 */
	VS_HOST_VNET,     /* veth pair + AF_PACKET, virtio_net_hdr */
	VS_HOST_TAP,      /* TAP + IFF_VNET_HDR */
	VS_HOST_NET_TAP,  /* DPDK's net_tap PMD (no offloads) */
	VS_HOST_VIRTIO,
	VS_HOST_PORT,
};

/* The interface a kind creates has a name of IFNAMSIZ - 1 at most. */
static inline bool
vs_host_kind_is_if(enum vs_host_kind k)
{
	return k == VS_HOST_VNET || k == VS_HOST_TAP || k == VS_HOST_NET_TAP;
}

#define VS_NAME_MAX 128
/* --burst 1..VS_MAX_BURST: frames per receive burst */
#define VS_MAX_BURST 64

/* One VIP's settings (--vip, --node, --hashmode, ..., --mac, --garp). */
struct vs_vip_conf {
	struct vs_hash_cfg hash; /* vip, hash_init, total_nodes, mode, compat */
	uint64_t nodes;          /* initial ownership, bit n-1 = node n */
	uint8_t prefix;          /* VIP prefix length on the host port */
	bool addr_given;
	bool prefix_given;
	bool mac_given;
	struct rte_ether_addr mac; /* cluster MAC */
	uint32_t garp;             /* gratuitous ARPs at start */
};

/* --bench and its settings: the benchmark mode's own (app/bench.c). */
struct vs_bench_conf {
	bool enabled;
	bool host;        /* --bench-host: into the host stack (bench_host.c) */
	uint32_t seconds; /* per path */
	bool imix;        /* IMIX frame sizes, else 64 bytes */
};

struct vs_conf {
	struct vs_vip_conf vip; /* the one VIP */
	char port[VS_NAME_MAX]; /* NIC: "" = first port */
	enum vs_host_kind host_kind;
	char host_arg[VS_NAME_MAX]; /* IFNAME, PATH or port ID/NAME */
	bool no_host_addr;
	bool replay;
	uint32_t idle_sleep_us;
	uint32_t stats_interval; /* seconds, 0 = off */
	uint32_t frag_max;       /* datagrams in reassembly, per worker */
	uint32_t frag_timeout_ms;
	uint32_t burst;
	bool igmp_report;       /* IGMP reports for the cluster MACs' groups */
	bool igmp_mrd;          /* RFC 4286 multicast router advertisements */
	uint32_t igmp_interval; /* seconds between them */
	struct vs_bench_conf bench;
	bool check; /* --check: validate, print the settings, exit */
};

/* Defaults (IPaddr2's: sourceip-sourceport, hash_init 0). */
void vs_conf_defaults(struct vs_conf *c);

/*
 * Parse the application's arguments (argv[0] is the program name). A
 * --config FILE is read first, then the flags override it. Returns 0 on
 * success, 1 when --help or --version was asked (already printed), or
 * -EINVAL with a one-line message in err naming the bad flag or value.
 * --check sets c->check.
 */
int vs_conf_parse(struct vs_conf *c, int argc, char **argv, char *err,
		  size_t errlen);

/* Parse a config file's text (key = value lines, # comments). */
int vs_conf_parse_text(struct vs_conf *c, const char *text, const char *name,
		       char *err, size_t errlen);

void vs_conf_usage(FILE *f, const char *prog);

/* The settings as a config file (what --check prints). */
void vs_conf_print(FILE *f, const struct vs_conf *c);

#endif /* VS_CONF_H */
