/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vipshare-ctl: talk to a running dpdk-vipshare over its DPDK telemetry
 * socket (the same commands dpdk-telemetry.py can send).
 *
 *   vipshare-ctl [--file-prefix P | --socket PATH] [--vip ADDR] COMMAND
 *   COMMAND: stats | nodes | status | add N | del N | +N | -N
 *            | drain N [--timeout SEC]
 *            | vips | vip add A.B.C.D[/P] [VIP options] | vip del A.B.C.D
 *            | raw /vipshare/...
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define BUF_LEN (64 * 1024)
#define MAX_VIPS 64

static void
usage(FILE *f)
{
	fprintf(f,
		"Usage: vipshare-ctl [--file-prefix P | --socket PATH] [--vip ADDR] COMMAND\n"
		"       vipshare-ctl --version | --help\n"
		"Commands:\n"
		"  stats        counters as one JSON object (no --vip: totals and per VIP)\n"
		"  nodes        node numbers held, e.g. 1,3\n"
		"  status       CLUSTERIP-style status line (no --vip and several VIPs:\n"
		"               one line per VIP, its address first)\n"
		"  add N | +N   hold node number N (error if already held)\n"
		"  del N | -N   release node number N at once (error if not held);\n"
		"               its connections break\n"
		"  drain N [--timeout SEC]\n"
		"               hitless move of N away: keep the flows N carries,\n"
		"               take no new ones, release N when they ended or after\n"
		"               SEC (default: the daemon's --drain-timeout, 300).\n"
		"               `add N` on the machine taking N over, while this one\n"
		"               drains it, takes N's new flows (fill) and owns N once\n"
		"               the drain ended\n"
		"  vips         one line per VIP: address/prefix, nodes, N, hash mode,\n"
		"               seed, compat, cluster MAC (then the numbers filling\n"
		"               or draining, when there are)\n"
		"  vip add A.B.C.D[/PREFIX] [--node K/N] [--hashmode M] [--hash-init X]\n"
		"          [--hash-compat C] [--mac MAC] [--garp COUNT]\n"
		"               serve another VIP (settings not given: the daemon's\n"
		"               defaults, its VIP options before the first VIP)\n"
		"  vip del A.B.C.D  stop serving a VIP (not the last one)\n"
		"  coverage     the coverage monitor's JSON object: peers, duplicates,\n"
		"               holes, mismatch, black_holed, double_accepted (no\n"
		"               --vip and several VIPs: one summary line per VIP)\n"
		"  raw CMD      send a telemetry command, print the reply\n"
		"--vip ADDR: the VIP that stats, nodes, status, add, del and drain are\n"
		"about; it\n"
		"may be left out while the daemon has exactly one.\n"
		"The socket is /var/run/dpdk/<P>/dpdk_telemetry.v2 (P defaults to\n"
		"'rte', the EAL's --file-prefix). Exit: 0 ok, 1 refused, 2 usage,\n"
		"3 no daemon.\n");
}

static void __attribute__((noreturn))
die(int code, const char *fmt, const char *arg)
{
	fprintf(stderr, "vipshare-ctl: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(code);
}

static int
connect_sock(const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path))
		die(2, "socket path too long: %s", path);
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		die(3, "cannot connect to %s (is dpdk-vipshare running?)",
		    path);
	return fd;
}

/* Send a command, return the value part of {"<cmd>": VALUE}. */
static char *
query(int fd, const char *cmd, char *buf)
{
	ssize_t n;
	char *v, *end;

	if (write(fd, cmd, strlen(cmd)) < 0)
		die(3, "write: %s", strerror(errno));
	n = read(fd, buf, BUF_LEN - 1);
	if (n <= 0)
		die(3, "no reply to %s", cmd);
	buf[n] = '\0';
	v = strchr(buf, ':');
	end = strrchr(buf, '}');
	if (v == NULL || end == NULL || end < v)
		die(3, "unexpected reply: %s", buf);
	*end = '\0';
	v++;
	if (strcmp(v, "null") == 0)
		die(3, "command not supported by the daemon: %s", cmd);
	return v;
}

/* The JSON value of key in a JSON object (top level or not: the replies'
 * keys are distinct), as text: a string without its quotes, else up to
 * the next ',', '}' or ']' (an array: from its '[' to its ']'). */
static int
field(const char *json, const char *key, char *out, size_t size)
{
	char pat[64];
	const char *p;
	size_t n;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(json, pat);
	if (p == NULL)
		return -1;
	p += strlen(pat);
	if (*p == '"') {
		p++;
		n = strcspn(p, "\"");
	} else if (*p == '[') {
		n = strcspn(p, "]") + 1;
	} else {
		n = strcspn(p, ",}");
	}
	if (n >= size)
		n = size - 1;
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

/* Element idx of the array under key (strings without quotes; the
 * replies' strings hold no quote or backslash). */
static int
array_item(const char *json, const char *key, unsigned int idx, char *out,
	   size_t size)
{
	char pat[64];
	const char *p;
	unsigned int i;
	size_t n;

	snprintf(pat, sizeof(pat), "\"%s\":[", key);
	p = strstr(json, pat);
	if (p == NULL)
		return -1;
	p += strlen(pat);
	for (i = 0;; i++) {
		p += strspn(p, " ");
		if (*p == ']' || *p == '\0')
			return -1;
		if (*p == '"') {
			n = strcspn(p + 1, "\"");
			if (i == idx) {
				p++;
				break;
			}
			p += n + 2;
		} else {
			n = strcspn(p, ",]");
			if (i == idx)
				break;
			p += n;
		}
		p += strspn(p, " ");
		if (*p != ',')
			return -1;
		p++;
	}
	if (n >= size)
		n = size - 1;
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

/* "1,3" from a mask of node numbers (bit n-1 = node n). */
static void
mask_nodes(const char *mask, char *out, size_t size)
{
	uint64_t m = strtoull(mask, NULL, 10);
	size_t n = 0;
	unsigned int i;

	out[0] = '\0';
	for (i = 0; i < 64 && n < size; i++)
		if (m >> i & 1)
			n += (size_t)snprintf(out + n, size - n,
					      n ? ",%u" : "%u", i + 1);
}

/* Refused: the daemon's message, exit 1. */
static void
check_ok(const char *v)
{
	char ok[8], err[256];

	if (field(v, "ok", ok, sizeof(ok)) == 0 && strcmp(ok, "1") != 0) {
		if (field(v, "error", err, sizeof(err)) < 0)
			snprintf(err, sizeof(err), "refused");
		die(1, "%s", err);
	}
}

/* The nodes of a nodes/node_add/node_del reply, "-" when none. */
static void
print_nodes(const char *v)
{
	char mask[32], nodes[256], err[256];

	if (field(v, "nodes_mask", mask, sizeof(mask)) < 0) {
		check_ok(v);
		die(3, "unexpected reply: %s", v);
	}
	mask_nodes(mask, nodes, sizeof(nodes));
	if (field(v, "ok", err, sizeof(err)) == 0 && strcmp(err, "1") != 0) {
		if (field(v, "error", err, sizeof(err)) < 0)
			snprintf(err, sizeof(err), "refused");
		fprintf(stderr, "vipshare-ctl: %s (nodes: %s)\n", err,
			nodes[0] ? nodes : "none");
		exit(1);
	}
	printf("%s\n", nodes);
}

/* After the nodes held, the numbers in a move, one line each state:
 * "draining: 2" (none: nothing, so that `nodes` prints what it did). */
static void
print_moves(const char *v)
{
	static const char *const states[] = {"draining", "filling", "pending"};
	char nodes[256];
	unsigned int i;

	for (i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		if (field(v, states[i], nodes, sizeof(nodes)) == 0 && nodes[0])
			printf("%s: %s\n", states[i], nodes);
}

/* A JSON string value: drop the quotes. */
static char *
unquote(char *v)
{
	size_t n = strlen(v);

	if (n >= 2 && v[0] == '"') {
		v[n - 1] = '\0';
		v++;
	}
	return v;
}

/* A JSON string's text, escapes undone, in place. */
static char *
unescape(char *v)
{
	char *r, *w;

	v = unquote(v);
	for (r = w = v; *r; r++) {
		if (*r == '\\' && r[1]) {
			r++;
			*w++ = *r == 'n' ? '\n' : *r == 't' ? '\t' : *r;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
	return v;
}

/* coverage: a VIP's object (a string in the reply), or per VIP its
 * summary: "ADDR ok". */
static void
print_coverage(char *v)
{
	char addr[64], sum[256];
	unsigned int i;

	if (*v == '"') {
		printf("%s\n", unescape(v));
		return;
	}
	check_ok(v);
	for (i = 0; i < MAX_VIPS; i++) {
		if (array_item(v, "vip", i, addr, sizeof(addr)) < 0 ||
		    array_item(v, "coverage", i, sum, sizeof(sum)) < 0)
			break;
		printf("%s %s\n", addr, sum);
	}
	if (i == 0)
		die(3, "unexpected reply: %s", v);
}

/* vips: one line per VIP; status: one status line per VIP. */
static void
list_vips(int fd, char *buf, bool status)
{
	char *v, col[7][256], nodes[256], addr[64], cmd[128], *line;
	static const char *const keys[] = {
		"vip",       "nodes_mask",  "total_nodes", "hashmode",
		"hash_init", "hash_compat", "cluster_mac"};
	char *copy;
	unsigned int i, k;
	size_t n;

	v = query(fd, "/vipshare/vips", buf);
	copy = strdup(v);
	if (copy == NULL)
		die(3, "out of memory%s", "");
	for (i = 0; i < MAX_VIPS; i++) {
		for (k = 0; k < 7; k++)
			if (array_item(copy, keys[k], i, col[k],
				       sizeof(col[k])) < 0)
				break;
		if (k < 7)
			break;
		if (!status) {
			char mv[64];

			mask_nodes(col[1], nodes, sizeof(nodes));
			printf("%s nodes=%s total_nodes=%s hashmode=%s "
			       "hash_init=%s hash_compat=%s cluster_mac=%s",
			       col[0], nodes[0] ? nodes : "-", col[2], col[3],
			       col[4], col[5], col[6]);
			/* numbers in a move, when there are */
			if (array_item(copy, "filling_mask", i, mv,
				       sizeof(mv)) == 0) {
				mask_nodes(mv, nodes, sizeof(nodes));
				if (nodes[0])
					printf(" filling=%s", nodes);
			}
			if (array_item(copy, "draining_mask", i, mv,
				       sizeof(mv)) == 0) {
				mask_nodes(mv, nodes, sizeof(nodes));
				if (nodes[0])
					printf(" draining=%s", nodes);
			}
			putchar('\n');
			continue;
		}
		n = strcspn(col[0], "/");
		if (n >= sizeof(addr))
			n = sizeof(addr) - 1;
		memcpy(addr, col[0], n);
		addr[n] = '\0';
		snprintf(cmd, sizeof(cmd), "/vipshare/status,%s", addr);
		line = unquote(query(fd, cmd, buf));
		printf("%s %s\n", col[0], line);
	}
	if (i == 0 && strstr(copy, "\"vip\":[") == NULL)
		die(3, "unexpected reply: %s", copy);
	free(copy);
}

/* The number of VIPs the daemon serves. */
static unsigned int
count_vips(int fd, char *buf)
{
	char item[64];
	char *v = query(fd, "/vipshare/vips", buf);
	unsigned int n = 0;

	while (n < MAX_VIPS && array_item(v, "vip", n, item, sizeof(item)) == 0)
		n++;
	return n;
}

/* "+2", "-2": a node number to add or drop, not an option. */
static bool
node_word(const char *w)
{
	return (w[0] == '+' || w[0] == '-') && w[1] >= '0' && w[1] <= '9';
}

/* A node number as the daemon takes it (1..64), checked here so that a
 * bad one is a usage error (2) whether or not a daemon runs. */
static const char *
node_arg(const char *n)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(n, &end, 10);
	if (n[0] < '0' || n[0] > '9' || *end != '\0' || errno || v < 1 ||
	    v > 64)
		die(2, "invalid node number '%s' (1..64)", n);
	return n;
}

/* A drain's timeout: 1..86400 seconds. */
static void
timeout_arg(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno || v < 1 ||
	    v > 86400)
		die(2, "invalid --timeout '%s' (1..86400 seconds)", s);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"file-prefix", required_argument, NULL, 'p'},
		{"socket", required_argument, NULL, 's'},
		{"vip", required_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	const char *prefix = "rte", *sock = NULL, *verb, *vip = NULL;
	char path[512], cmd[1024], *buf, *v;
	int c, fd;
	size_t n;

	opterr = 0;
	/* "+": stop at the first command word; "-2" is one (node_word);
	 * ":": a missing value is told apart from an unknown option */
	while ((optind >= argc || !node_word(argv[optind])) &&
	       (c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			prefix = optarg;
			break;
		case 's':
			sock = optarg;
			break;
		case 'v':
			vip = optarg;
			if (*vip == '\0' || strlen(vip) > 15 ||
			    strspn(vip, "0123456789.") != strlen(vip))
				die(2, "invalid --vip '%s' (A.B.C.D)", vip);
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("vipshare-ctl %s\n", VS_VERSION);
			return 0;
		case ':':
			die(2, "option '%s' needs a value", argv[optind - 1]);
		default:
			die(2, "invalid option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		die(2, "missing command (see --help)%s", "");
	verb = argv[optind++];
	if (sock == NULL) {
		const char *run =
			getuid() == 0 ? "/var/run" : getenv("XDG_RUNTIME_DIR");

		if (strchr(prefix, '/') || *prefix == '\0')
			die(2, "invalid --file-prefix '%s'", prefix);
		snprintf(path, sizeof(path), "%s/dpdk/%s/dpdk_telemetry.v2",
			 run ? run : "/tmp", prefix);
		sock = path;
	}

	/* the telemetry command, or an empty one for what needs several */
	cmd[0] = '\0';
	if (!strcmp(verb, "stats") || !strcmp(verb, "nodes")) {
		snprintf(cmd, sizeof(cmd), "/vipshare/%s%s%s", verb,
			 vip ? "," : "", vip ? vip : "");
	} else if (!strcmp(verb, "status")) {
		if (vip)
			snprintf(cmd, sizeof(cmd), "/vipshare/status,%s", vip);
	} else if (!strcmp(verb, "add") || !strcmp(verb, "del")) {
		if (optind >= argc)
			die(2, "%s needs a node number", verb);
		snprintf(cmd, sizeof(cmd), "/vipshare/node_%s,%s%s%s", verb,
			 vip ? vip : "", vip ? " " : "",
			 node_arg(argv[optind++]));
	} else if (!strcmp(verb, "drain")) {
		const char *k, *secs = NULL;

		if (optind >= argc || !strncmp(argv[optind], "--", 2))
			die(2, "drain needs a node number%s", "");
		k = node_arg(argv[optind++]);
		if (optind < argc && (!strcmp(argv[optind], "--timeout") ||
				      !strncmp(argv[optind], "--timeout=", 10))) {
			secs = strchr(argv[optind], '=');
			if (secs)
				secs++;
			else if (optind + 1 < argc)
				secs = argv[++optind];
			else
				die(2, "option '--timeout' needs a value%s", "");
			optind++;
			timeout_arg(secs);
		}
		snprintf(cmd, sizeof(cmd), "/vipshare/node_del,%s%s%s drain%s%s",
			 vip ? vip : "", vip ? " " : "", k, secs ? " " : "",
			 secs ? secs : "");
	} else if (node_word(verb)) {
		snprintf(cmd, sizeof(cmd), "/vipshare/node_%s,%s%s%s",
			 verb[0] == '+' ? "add" : "del", vip ? vip : "",
			 vip ? " " : "", node_arg(verb + 1));
	} else if (!strcmp(verb, "coverage")) {
		snprintf(cmd, sizeof(cmd), "/vipshare/coverage%s%s",
			 vip ? "," : "", vip ? vip : "");
	} else if (!strcmp(verb, "vips")) {
		if (vip)
			die(2, "vips lists every VIP: no --vip%s", "");
	} else if (!strcmp(verb, "vip")) {
		const char *sub = optind < argc ? argv[optind++] : "";

		if (strcmp(sub, "add") && strcmp(sub, "del"))
			die(2, "vip add|del, not '%s'", sub);
		if (optind >= argc)
			die(2, "vip %s needs an address", sub);
		n = (size_t)snprintf(cmd, sizeof(cmd), "/vipshare/vip_%s,",
				     sub);
		/* the words, blank-separated, as the daemon splits them */
		for (; optind < argc; optind++) {
			if (strpbrk(argv[optind], " \t\n") || n >= sizeof(cmd))
				die(2, "invalid argument '%s'", argv[optind]);
			n += (size_t)snprintf(cmd + n, sizeof(cmd) - n, "%s%s",
					      argv[optind],
					      optind + 1 < argc ? " " : "");
			if (!strcmp(sub, "del") && optind + 1 < argc)
				die(2, "unexpected argument '%s'",
				    argv[optind + 1]);
		}
		if (n >= sizeof(cmd))
			die(2, "arguments too long%s", "");
	} else if (!strcmp(verb, "raw")) {
		if (optind >= argc)
			die(2, "raw needs a command%s", "");
		snprintf(cmd, sizeof(cmd), "%s", argv[optind++]);
	} else {
		die(2, "unknown command '%s'", verb);
	}
	if (optind < argc)
		die(2, "unexpected argument '%s'", argv[optind]);

	buf = malloc(BUF_LEN);
	if (buf == NULL)
		die(3, "out of memory%s", "");
	fd = connect_sock(sock);
	if (read(fd, buf, BUF_LEN - 1) <= 0) /* the server's greeting */
		die(3, "no greeting from %s", sock);

	if (!strcmp(verb, "vips")) {
		list_vips(fd, buf, false);
	} else if (!strcmp(verb, "status") && !vip) {
		/* one VIP: its line as ever; several: one line each */
		if (count_vips(fd, buf) == 1)
			printf("%s\n",
			       unquote(query(fd, "/vipshare/status", buf)));
		else
			list_vips(fd, buf, true);
	} else {
		v = query(fd, cmd, buf);
		if (!strcmp(verb, "raw")) {
			printf("%s\n", v);
		} else if (!strcmp(verb, "stats")) {
			check_ok(v);
			printf("%s\n", v);
		} else if (!strcmp(verb, "status")) {
			if (*v == '{')
				check_ok(v);
			printf("%s\n", unquote(v));
		} else if (!strcmp(verb, "vip")) {
			check_ok(v);
		} else if (!strcmp(verb, "coverage")) {
			print_coverage(v);
		} else {
			print_nodes(v);
			print_moves(v);
		}
	}
	close(fd);
	free(buf);
	return 0;
}
