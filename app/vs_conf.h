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
/* --gro-hold default, microseconds (app/vs_host.h: gro_hold_us) */
#define VS_GRO_HOLD_US 50
/* --burst 1..VS_MAX_BURST: frames per receive burst */
#define VS_MAX_BURST 64

/* --cluster-key: its length in bytes (lib/cover's bounds) */
#define VS_CLUSTER_KEY_MIN 16
#define VS_CLUSTER_KEY_MAX 256

/* VIPs one process serves (the lookup's capacity, lib/vipmap). */
#define VS_MAX_VIPS 64

/* Settings a VIP was given itself, after its --vip or in its [vip]
 * section (vs_vip_conf.given); the others come from the defaults. Once
 * resolved, VS_VIP_GIVEN_MAC also when the defaults gave the MAC (it was
 * not derived from the address). */
#define VS_VIP_GIVEN_NODES 0x01
#define VS_VIP_GIVEN_MODE 0x02
#define VS_VIP_GIVEN_INIT 0x04
#define VS_VIP_GIVEN_COMPAT 0x08
#define VS_VIP_GIVEN_MAC 0x10
#define VS_VIP_GIVEN_GARP 0x20

/* One VIP's settings (--vip, --node, --hashmode, ..., --mac, --garp). */
struct vs_vip_conf {
	struct vs_hash_cfg hash; /* vip, hash_init, total_nodes, mode, compat */
	uint64_t nodes;          /* initial ownership, bit n-1 = node n */
	uint8_t prefix;          /* VIP prefix length on the host port */
	uint8_t given;           /* VS_VIP_GIVEN_* */
	struct rte_ether_addr mac; /* cluster MAC */
	uint32_t garp;             /* gratuitous ARPs at start */
};

/* --bench and its settings: the benchmark mode's own (app/bench.c). */
struct vs_bench_conf {
	bool enabled;
	bool host;        /* --bench-host: into the host stack (bench_host.c) */
	uint32_t seconds; /* per path */
	bool imix;        /* IMIX frame sizes, else 64 bytes */
	uint32_t vips;    /* --bench-vips: at least this many VIPs */
};

struct vs_conf {
	/* Options before the first --vip (a file's keys outside [vip]
	 * sections): what every VIP takes unless it was given its own,
	 * VIPs added at run time included. */
	struct vs_vip_conf vip_defaults;
	/* The VIPs, in the order given (the file's first); after
	 * vs_conf_parse every field of each is set. */
	uint16_t nb_vips;
	struct vs_vip_conf vips[VS_MAX_VIPS];
	char port[VS_NAME_MAX]; /* NIC: "" = first port */
	enum vs_host_kind host_kind;
	char host_arg[VS_NAME_MAX]; /* IFNAME, PATH or port ID/NAME */
	bool no_host_addr;
	bool replay;
	uint32_t idle_sleep_us;
	uint32_t gro_hold_us; /* host port: TCP segments held for GRO, at most */
	bool host_napi; /* vnet: the kernel side receives in a NAPI thread */
	uint32_t stats_interval; /* seconds, 0 = off */
	uint32_t frag_max;       /* datagrams in reassembly, per worker */
	uint32_t frag_timeout_ms;
	uint32_t burst;
	bool igmp_report;       /* IGMP reports for the cluster MACs' groups */
	bool igmp_mrd;          /* RFC 4286 multicast router advertisements */
	uint32_t igmp_interval; /* seconds between them */
	struct vs_bench_conf bench;
	bool check; /* --check: validate, print the settings, exit */
	/* The coverage monitor (app/coverage.c): announcements per VIP to
	 * its cluster MAC every announce_interval_ms; off with --announce
	 * off, and by default under --replay and --bench (no cluster). */
	bool announce;
	bool announce_given;
	uint32_t announce_interval_ms;
	/* --cluster-key FILE: its bytes (one final newline dropped) sign
	 * the announcements (HMAC-SHA256); length 0 = unsigned */
	char cluster_key_file[VS_NAME_MAX];
	uint16_t cluster_key_len;
	uint8_t cluster_key[VS_CLUSTER_KEY_MAX];
	/* Hitless moves (app/moves.c): a drain's default timeout, the new
	 * flows tracked per move and worker, the moves at once */
	uint32_t drain_timeout_s;
	uint32_t move_cap;
	uint32_t move_slots;
};

/* Defaults (IPaddr2's: sourceip-sourceport, hash_init 0). */
void vs_conf_defaults(struct vs_conf *c);

/*
 * Parse the application's arguments (argv[0] is the program name). A
 * --config FILE is read first, then the flags: options before the first
 * --vip override the file's defaults, each --vip adds a VIP, and the
 * per-VIP options (--node, --hashmode, --hash-init, --hash-compat, --mac,
 * --garp) after a --vip are that VIP's own. Every VIP is then resolved
 * (its own settings, else the defaults, else the built-in defaults; the
 * cluster MAC derived from the address when none was given) and checked:
 * nodes given, addresses and cluster MACs distinct, at most VS_MAX_VIPS.
 * Returns 0 on success, 1 when --help or --version was asked (already
 * printed), or -EINVAL with a one-line message in err naming the bad flag
 * or value. --check sets c->check.
 */
int vs_conf_parse(struct vs_conf *c, int argc, char **argv, char *err,
		  size_t errlen);

/*
 * Parse a config file's text (key = value lines, # comments): keys
 * outside sections are defaults ("vip = ADDR" there adds a VIP that takes
 * them, today's single-VIP file), a "[vip A.B.C.D[/PREFIX]]" section adds
 * a VIP whose keys are its own. VIPs are not resolved: vs_conf_parse does.
 */
int vs_conf_parse_text(struct vs_conf *c, const char *text, const char *name,
		       char *err, size_t errlen);

/*
 * A VIP to add at run time (vipshare-ctl vip add): "A.B.C.D[/PREFIX]"
 * followed by per-VIP options ("--node 1/3 --hashmode sourceip", blanks
 * between words, --opt=value allowed), resolved against c's defaults into
 * out. Its duplicates are the caller's to check. 0 or -EINVAL with a
 * one-line message in err.
 */
int vs_conf_parse_vip(const struct vs_conf *c, const char *args,
		      struct vs_vip_conf *out, char *err, size_t errlen);

/* "192.168.100.100/24" for a VIP's settings. */
int vs_conf_vip_format(const struct vs_vip_conf *v, char *buf, size_t size);

void vs_conf_usage(FILE *f, const char *prog);

/* The settings as a config file (what --check prints): the defaults and
 * process-wide keys, then a [vip A.B.C.D/P] section per VIP; read back
 * with --config it gives the same settings. */
void vs_conf_print(FILE *f, const struct vs_conf *c);

#endif /* VS_CONF_H */
