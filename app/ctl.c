/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vipshare-ctl: talk to a running dpdk-vipshare over its DPDK telemetry
 * socket (the same commands dpdk-telemetry.py can send).
 *
 *   vipshare-ctl [--file-prefix P | --socket PATH] [--vip ADDR] COMMAND
 *   COMMAND: stats | nodes | status | add N | del N | +N | -N
 *            | drain N [--timeout SEC]
 *            | vips | vip add A.B.C.D[/P] [VIP options] | vip del A.B.C.D
 *            | list | raw /vipshare/...
 *
 * Without --file-prefix or --socket, the daemon is found: the one serving
 * --vip ADDR, else the one of prefix "rte", else the only one running.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <unistd.h>

#define BUF_LEN (64 * 1024)
#define MAX_VIPS 64
#define MAX_DAEMONS 64
#define SOCK_NAME "dpdk_telemetry.v2"

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
		"  list         every dpdk-vipshare on this machine: one line per VIP,\n"
		"               its daemon's file prefix first, then as vips (with\n"
		"               --vip: the daemons serving it)\n"
		"  raw CMD      send a telemetry command, print the reply\n"
		"--vip ADDR: the VIP that stats, nodes, status, add, del and drain are\n"
		"about; it\n"
		"may be left out while the daemon has exactly one.\n"
		"The socket is /var/run/dpdk/<P>/dpdk_telemetry.v2 (P: the EAL's\n"
		"--file-prefix). Without --file-prefix and --socket: the daemon serving\n"
		"--vip ADDR, else the one of prefix 'rte', else the only one running.\n"
		"Exit: 0 ok, 1 refused, 2 usage, 3 no daemon.\n");
}

static void __attribute__((noreturn))
die(int code, const char *fmt, const char *arg)
{
	fprintf(stderr, "vipshare-ctl: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(code);
}

/* A connection to the socket at path, or -1. A daemon that stops
 * answering does not hang the tool (nor the agent that runs it). */
static int
try_connect(const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = 10};
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path))
		return -1;
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		close(fd);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static int
connect_sock(const char *path)
{
	struct sockaddr_un sun;
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path))
		die(2, "socket path too long: %s", path);
	fd = try_connect(path);
	if (fd < 0)
		die(3, "cannot connect to %s (is dpdk-vipshare running?)",
		    path);
	return fd;
}

/* Send a command, return the value part of {"<cmd>": VALUE}; NULL with
 * why in *why when there is none. */
static char *
try_query(int fd, const char *cmd, char *buf, const char **why)
{
	ssize_t n;
	char *v, *end;

	if (write(fd, cmd, strlen(cmd)) < 0) {
		*why = "write failed";
		return NULL;
	}
	n = read(fd, buf, BUF_LEN - 1);
	if (n <= 0) {
		*why = "no reply to";
		return NULL;
	}
	buf[n] = '\0';
	v = strchr(buf, ':');
	end = strrchr(buf, '}');
	if (v == NULL || end == NULL || end < v) {
		*why = "unexpected reply to";
		return NULL;
	}
	*end = '\0';
	v++;
	if (strcmp(v, "null") == 0) {
		*why = "command not supported by the daemon:";
		return NULL;
	}
	return v;
}

static char *
query(int fd, const char *cmd, char *buf)
{
	const char *why;
	char *v = try_query(fd, cmd, buf, &why);
	char msg[256];

	if (v == NULL) {
		snprintf(msg, sizeof(msg), "%s %s", why, cmd);
		die(3, "%s", msg);
	}
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

static void print_vips(int fd, char *buf, const char *copy, bool status,
		       const char *pre, const struct in_addr *only);

/* vips: one line per VIP (after pre); status: one status line per VIP. */
static void
list_vips(int fd, char *buf, bool status, const char *pre)
{
	char *v = query(fd, "/vipshare/vips", buf);
	char *copy = strdup(v);

	if (copy == NULL)
		die(3, "out of memory%s", "");
	print_vips(fd, buf, copy, status, pre, NULL);
	free(copy);
}

/* The lines of a /vipshare/vips reply (only ADDR's, if given). */
static void
print_vips(int fd, char *buf, const char *copy, bool status, const char *pre,
	   const struct in_addr *only)
{
	struct in_addr a;
	char col[7][256], nodes[256], addr[64], cmd[128], *line;
	static const char *const keys[] = {
		"vip",       "nodes_mask",  "total_nodes", "hashmode",
		"hash_init", "hash_compat", "cluster_mac"};
	unsigned int i, k;
	size_t n;

	for (i = 0; i < MAX_VIPS; i++) {
		for (k = 0; k < 7; k++)
			if (array_item(copy, keys[k], i, col[k],
				       sizeof(col[k])) < 0)
				break;
		if (k < 7)
			break;
		n = strcspn(col[0], "/");
		if (n >= sizeof(addr))
			n = sizeof(addr) - 1;
		memcpy(addr, col[0], n);
		addr[n] = '\0';
		if (only && (inet_pton(AF_INET, addr, &a) != 1 ||
			     a.s_addr != only->s_addr))
			continue;
		if (!status) {
			char mv[64];

			mask_nodes(col[1], nodes, sizeof(nodes));
			printf("%s%s nodes=%s total_nodes=%s hashmode=%s "
			       "hash_init=%s hash_compat=%s cluster_mac=%s",
			       pre, col[0], nodes[0] ? nodes : "-", col[2],
			       col[3], col[4], col[5], col[6]);
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
		snprintf(cmd, sizeof(cmd), "/vipshare/status,%s", addr);
		line = unquote(query(fd, cmd, buf));
		printf("%s%s %s\n", pre, col[0], line);
	}
	if (i == 0 && strstr(copy, "\"vip\":[") == NULL)
		die(3, "unexpected reply: %s", copy);
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

/* ------------------------------------------------------------------ */
/* Finding the daemons of this machine                                */

struct daemon {
	char prefix[256]; /* the EAL's --file-prefix: its directory's name */
	char *vips;       /* its /vipshare/vips reply (malloc'ed) */
};

/* Where the EAL puts its runtime directories, as it picks it. */
static void
run_base(char *buf, size_t size)
{
	const char *run =
		getuid() == 0 ? "/var/run" : getenv("XDG_RUNTIME_DIR");

	snprintf(buf, size, "%s/dpdk", run ? run : "/tmp");
}

static int
by_prefix(const void *a, const void *b)
{
	return strcmp(((const struct daemon *)a)->prefix,
		      ((const struct daemon *)b)->prefix);
}

/* Every dpdk-vipshare answering on a socket under base (other DPDK
 * programs do not know /vipshare/vips; stale sockets refuse), by prefix. */
static unsigned int
scan(const char *base, struct daemon *d, unsigned int max, char *buf)
{
	DIR *dir = opendir(base);
	struct dirent *e;
	struct stat st;
	unsigned int n = 0;
	char path[512];
	const char *why;
	char *v;
	int fd;

	if (dir == NULL)
		return 0;
	while (n < max && (e = readdir(dir)) != NULL) {
		if (e->d_name[0] == '.' ||
		    strlen(e->d_name) >= sizeof(d[n].prefix) ||
		    snprintf(path, sizeof(path), "%s/%s/" SOCK_NAME, base,
			     e->d_name) >= (int)sizeof(path) ||
		    stat(path, &st) < 0 || !S_ISSOCK(st.st_mode))
			continue;
		fd = try_connect(path);
		if (fd < 0)
			continue;
		if (read(fd, buf, BUF_LEN - 1) > 0 &&
		    (v = try_query(fd, "/vipshare/vips", buf, &why)) != NULL &&
		    strstr(v, "\"vip\":[") != NULL &&
		    (d[n].vips = strdup(v)) != NULL) {
			strcpy(d[n].prefix, e->d_name);
			n++;
		}
		close(fd);
	}
	closedir(dir);
	qsort(d, n, sizeof(*d), by_prefix);
	return n;
}

/* Does the daemon serve the VIP (an address inet_pton read)? */
static bool
serves(const struct daemon *d, const struct in_addr *vip)
{
	char item[64];
	struct in_addr a;
	unsigned int i;

	for (i = 0; i < MAX_VIPS &&
		    array_item(d->vips, "vip", i, item, sizeof(item)) == 0;
	     i++) {
		item[strcspn(item, "/")] = '\0';
		if (inet_pton(AF_INET, item, &a) == 1 &&
		    a.s_addr == vip->s_addr)
			return true;
	}
	return false;
}

/* The socket to talk to when none was named: the daemon serving vip, or
 * the one of prefix "rte" (the EAL's default), or the only one. */
static void
find_daemon(const char *vip, char *path, size_t size, char *buf)
{
	static struct daemon d[MAX_DAEMONS];
	char base[256], names[512] = "";
	unsigned int n, i, hit = 0, which = 0;
	struct in_addr a;
	struct stat st;
	size_t len = 0;

	run_base(base, sizeof(base));
	snprintf(path, size, "%s/rte/" SOCK_NAME, base);
	if (vip == NULL && stat(path, &st) == 0)
		return;
	n = scan(base, d, MAX_DAEMONS, buf);
	if (vip != NULL && inet_pton(AF_INET, vip, &a) == 1) {
		for (i = 0; i < n; i++)
			if (serves(&d[i], &a)) {
				which = i;
				hit++;
				len += (size_t)snprintf(names + len,
					sizeof(names) - len, "%s%s",
					hit > 1 ? ", " : "", d[i].prefix);
				if (len >= sizeof(names))
					len = sizeof(names) - 1;
			}
		if (hit == 0)
			die(3, "no dpdk-vipshare serves %s here "
			       "(vipshare-ctl list)", vip);
		if (hit > 1) {
			char msg[700];

			snprintf(msg, sizeof(msg),
				 "%s is served by several dpdk-vipshare (file "
				 "prefixes %s): give --file-prefix",
				 vip, names);
			die(2, "%s", msg);
		}
	} else if (n == 1) {
		which = 0;
	} else if (n > 1) {
		die(2, "%s dpdk-vipshare run here: give --file-prefix or --vip "
		       "(vipshare-ctl list)", n == 2 ? "two" : "several");
	} else {
		return; /* the default path: "cannot connect" names it */
	}
	snprintf(path, size, "%s/%s/" SOCK_NAME, base, d[which].prefix);
}

/* list: every daemon's VIPs (only those serving vip, if given). */
static void
list_daemons(const char *vip, char *buf)
{
	static struct daemon d[MAX_DAEMONS];
	char base[256], pre[300];
	struct in_addr a;
	unsigned int n, i;

	run_base(base, sizeof(base));
	n = scan(base, d, MAX_DAEMONS, buf);
	if (vip)
		inet_pton(AF_INET, vip, &a);
	for (i = 0; i < n; i++) {
		if (vip && !serves(&d[i], &a))
			continue;
		snprintf(pre, sizeof(pre), "%.255s ", d[i].prefix);
		print_vips(-1, buf, d[i].vips, false, pre, vip ? &a : NULL);
	}
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
	const char *prefix = NULL, *sock = NULL, *verb, *vip = NULL;
	char path[512], cmd[1024], *buf, *v;
	struct in_addr vip_addr;
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
			if (inet_pton(AF_INET, vip, &vip_addr) != 1)
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
	if (prefix != NULL && (strchr(prefix, '/') || *prefix == '\0'))
		die(2, "invalid --file-prefix '%s'", prefix);

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
	} else if (!strcmp(verb, "list")) {
		if (prefix || sock)
			die(2, "list looks at every daemon: no --file-prefix or "
			       "--socket%s", "");
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
	if (!strcmp(verb, "list")) {
		list_daemons(vip, buf);
		free(buf);
		return 0;
	}
	if (sock == NULL && prefix != NULL) {
		run_base(path, sizeof(path));
		n = strlen(path);
		snprintf(path + n, sizeof(path) - n, "/%s/" SOCK_NAME, prefix);
		sock = path;
	} else if (sock == NULL) {
		find_daemon(vip, path, sizeof(path), buf);
		sock = path;
	}
	fd = connect_sock(sock);
	if (read(fd, buf, BUF_LEN - 1) <= 0) /* the server's greeting */
		die(3, "no greeting from %s", sock);

	if (!strcmp(verb, "vips")) {
		list_vips(fd, buf, false, "");
	} else if (!strcmp(verb, "status") && !vip) {
		/* one VIP: its line as ever; several: one line each */
		if (count_vips(fd, buf) == 1)
			printf("%s\n",
			       unquote(query(fd, "/vipshare/status", buf)));
		else
			list_vips(fd, buf, true, "");
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
