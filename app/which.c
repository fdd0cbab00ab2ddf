/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vipshare-which: which node number owns a client? The same hash the data
 * plane runs, for admins and for tests that need an independent answer.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vs_hash.h"
#include "vs_util.h"

static void
usage(FILE *f)
{
	fprintf(f,
		"Usage: vipshare-which --total-nodes N [--hashmode MODE] [--hash-init X]\n"
		"                      [--hash-compat clusterip|nft] [SRC_IP[:SPORT[:DPORT]] ...]\n"
		"Prints the owning node number (1..N) of each client address.\n"
		"Without addresses, reads lines 'SRC_IP [SPORT [DPORT]]' from stdin.\n"
		"  --hashmode     sourceip | sourceip-sourceport (default) |\n"
		"                 sourceip-sourceport-destport\n"
		"  --total-nodes  1..%d (required)\n"
		"  --hash-init    32-bit seed, decimal or 0x-hex (default 0)\n"
		"  --hash-compat  clusterip (iptables CLUSTERIP, default) or nft\n"
		"                 (nft 'jhash ip saddr' / xt_cluster, source IP only)\n"
		"  --version      print the version and exit\n"
		"  --help         show this help\n"
		"Protocols without ports (ICMP, ...) hash with ports 0.\n",
		VS_MAX_NODES);
}

/* One line naming the value and what would have been accepted; exit 2. */
static void __attribute__((noreturn))
bad(const char *what, const char *val, const char *allowed)
{
	fprintf(stderr, "vipshare-which: invalid %s '%s' (%s)\n", what, val,
		allowed);
	exit(2);
}

/* A bad stdin line: its number, what is wrong in it, the line itself. */
static void __attribute__((noreturn))
bad_line(unsigned long n, const char *what, const char *val, const char *line)
{
	fprintf(stderr,
		"vipshare-which: line %lu: invalid %s '%s' in '%s' "
		"(SRC_IP [SPORT [DPORT]], ports 0..65535)\n",
		n, what, val, line);
	exit(2);
}

#define ALLOWED_MODE \
	"sourceip, sourceip-sourceport or sourceip-sourceport-destport"
#define ALLOWED_COMPAT "clusterip or nft"
#define ALLOWED_INIT "0..4294967295, decimal or 0x-hex"
#define ALLOWED_ADDR "A.B.C.D[:SPORT[:DPORT]], ports 0..65535"

static int
parse_port(const char *s, uint16_t *raw)
{
	uint32_t v;

	if (vs_util_parse_u32(s, &v) < 0 || v > 65535)
		return -1;
	/* The kernel hashes the port as it sits in the packet. */
	*raw = rte_cpu_to_be_16((uint16_t)v);
	return 0;
}

/* "A.B.C.D[:SPORT[:DPORT]]" */
static int
parse_tuple(char *s, struct vs_flow_key *k)
{
	char *sp = strchr(s, ':'), *dp = NULL;
	uint32_t ip;

	if (sp) {
		*sp++ = '\0';
		dp = strchr(sp, ':');
		if (dp)
			*dp++ = '\0';
	}
	if (vs_util_parse_ipv4(s, &ip) < 0)
		return -1;
	k->saddr = rte_be_to_cpu_32(ip);
	k->sport = k->dport = 0;
	if (sp && parse_port(sp, &k->sport) < 0)
		return -1;
	if (dp && parse_port(dp, &k->dport) < 0)
		return -1;
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"hashmode", required_argument, NULL, 'm'},
		{"total-nodes", required_argument, NULL, 'n'},
		{"hash-init", required_argument, NULL, 'i'},
		{"hash-compat", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	struct vs_hash_cfg cfg = {.mode = VS_HASH_SIP_SPT};
	struct vs_flow_key k;
	char line[512], total_allowed[32];
	unsigned long lineno = 0;
	uint32_t v;
	int c, r;

	snprintf(total_allowed, sizeof(total_allowed), "1..%d", VS_MAX_NODES);
	/* ':' first: a missing value is told apart from an unknown option */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if ((r = vs_hash_mode_parse(optarg)) < 0)
				bad("--hashmode", optarg, ALLOWED_MODE);
			cfg.mode = (uint8_t)r;
			break;
		case 'n':
			if (vs_util_parse_u32(optarg, &v) < 0 || v < 1 ||
			    v > VS_MAX_NODES)
				bad("--total-nodes", optarg, total_allowed);
			cfg.total_nodes = (uint16_t)v;
			break;
		case 'i':
			if (vs_util_parse_u32(optarg, &cfg.hash_init) < 0)
				bad("--hash-init", optarg, ALLOWED_INIT);
			break;
		case 'c':
			if ((r = vs_hash_compat_parse(optarg)) < 0)
				bad("--hash-compat", optarg, ALLOWED_COMPAT);
			cfg.compat = (uint8_t)r;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("vipshare-which %s\n", VS_VERSION);
			return 0;
		case ':':
			fprintf(stderr,
				"vipshare-which: option '%s' needs a value (%s)\n",
				argv[optind - 1],
				optopt == 'm'   ? ALLOWED_MODE
				: optopt == 'n' ? total_allowed
				: optopt == 'i' ? ALLOWED_INIT
						: ALLOWED_COMPAT);
			return 2;
		default:
			bad("option", argv[optind - 1], "see --help");
		}
	}
	if (cfg.total_nodes == 0) {
		fprintf(stderr, "vipshare-which: --total-nodes is required\n");
		return 2;
	}
	if (optind < argc) {
		for (; optind < argc; optind++) {
			/* parse_tuple cuts its argument; a copy on the stack
			 * (nothing to free when bad() exits) */
			char arg[64];

			if (snprintf(arg, sizeof(arg), "%s", argv[optind]) >=
				    (int)sizeof(arg) ||
			    parse_tuple(arg, &k) < 0)
				bad("address", argv[optind], ALLOWED_ADDR);
			printf("%u\n", vs_hash_node(&cfg, &k));
		}
		return 0;
	}
	while (fgets(line, sizeof(line), stdin)) {
		char copy[sizeof(line)], *ip, *sp, *dp, *extra;
		size_t len = strcspn(line, "\r\n");

		lineno++;
		if (line[len] == '\0' && !feof(stdin)) {
			fprintf(stderr,
				"vipshare-which: line %lu: longer than %zu "
				"characters\n",
				lineno, sizeof(line) - 2);
			return 2;
		}
		line[len] = '\0';
		memcpy(copy, line, len + 1);
		ip = strtok(line, " \t");
		sp = ip ? strtok(NULL, " \t") : NULL;
		dp = sp ? strtok(NULL, " \t") : NULL;
		extra = dp ? strtok(NULL, " \t") : NULL;
		if (ip == NULL) {
			fprintf(stderr,
				"vipshare-which: line %lu: empty (want SRC_IP "
				"[SPORT [DPORT]])\n",
				lineno);
			return 2;
		}
		if (extra)
			bad_line(lineno, "4th field", extra, copy);
		if (vs_util_parse_ipv4(ip, &v) < 0)
			bad_line(lineno, "address", ip, copy);
		k.saddr = rte_be_to_cpu_32(v);
		k.sport = k.dport = 0;
		if (sp && parse_port(sp, &k.sport) < 0)
			bad_line(lineno, "source port", sp, copy);
		if (dp && parse_port(dp, &k.dport) < 0)
			bad_line(lineno, "destination port", dp, copy);
		printf("%u\n", vs_hash_node(&cfg, &k));
	}
	return 0;
}
