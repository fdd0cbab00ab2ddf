/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vipshare-ctl: talk to a running dpdk-vipshare over its DPDK telemetry
 * socket (the same commands dpdk-telemetry.py can send).
 *
 *   vipshare-ctl [--file-prefix P | --socket PATH] stats|nodes|status
 *   vipshare-ctl [...] add N | del N | +N | -N
 *   vipshare-ctl [...] raw /vipshare/...
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define BUF_LEN (64 * 1024)

static void
usage(FILE *f)
{
	fprintf(f,
		"Usage: vipshare-ctl [--file-prefix P | --socket PATH] COMMAND\n"
		"       vipshare-ctl --version | --help\n"
		"Commands:\n"
		"  stats        counters as one JSON object\n"
		"  nodes        node numbers held, e.g. 1,3\n"
		"  status       CLUSTERIP-style status line\n"
		"  add N | +N   hold node number N (error if already held)\n"
		"  del N | -N   release node number N (error if not held)\n"
		"  raw CMD      send a telemetry command, print the reply\n"
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

/* "key":"value" or "key":number from a flat JSON object, into out. */
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
	} else {
		n = strcspn(p, ",}");
	}
	if (n >= size)
		n = size - 1;
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"file-prefix", required_argument, NULL, 'p'},
		{"socket", required_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	const char *prefix = "rte", *sock = NULL, *verb;
	char path[512], cmd[256], *buf, *v, nodes[256], ok[8], err[256];
	int c, fd;

	opterr = 0;
	/* "+" : stop at the first command word, so "-2" is not an option */
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			prefix = optarg;
			break;
		case 's':
			sock = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("vipshare-ctl %s\n", VS_VERSION);
			return 0;
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

	if (!strcmp(verb, "stats") || !strcmp(verb, "nodes") ||
	    !strcmp(verb, "status")) {
		snprintf(cmd, sizeof(cmd), "/vipshare/%s", verb);
	} else if (!strcmp(verb, "add") || !strcmp(verb, "del")) {
		if (optind >= argc)
			die(2, "%s needs a node number", verb);
		snprintf(cmd, sizeof(cmd), "/vipshare/node_%s,%s", verb,
			 argv[optind++]);
	} else if ((verb[0] == '+' || verb[0] == '-') && verb[1] >= '0' &&
		   verb[1] <= '9') {
		snprintf(cmd, sizeof(cmd), "/vipshare/node_%s,%s",
			 verb[0] == '+' ? "add" : "del", verb + 1);
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
	v = query(fd, cmd, buf);
	close(fd);

	if (!strcmp(verb, "stats") || !strcmp(verb, "raw")) {
		printf("%s\n", v);
	} else if (!strcmp(verb, "status")) {
		/* a JSON string: drop the quotes */
		size_t n = strlen(v);

		if (n >= 2 && v[0] == '"')
			v[n - 1] = '\0', v++;
		printf("%s\n", v);
	} else {
		if (field(v, "nodes", nodes, sizeof(nodes)) < 0)
			die(3, "unexpected reply: %s", v);
		if (field(v, "ok", ok, sizeof(ok)) == 0 &&
		    strcmp(ok, "1") != 0) {
			if (field(v, "error", err, sizeof(err)) < 0)
				snprintf(err, sizeof(err), "refused");
			fprintf(stderr, "vipshare-ctl: %s (nodes: %s)\n", err,
				nodes[0] ? nodes : "none");
			free(buf);
			return 1;
		}
		printf("%s\n", nodes);
	}
	free(buf);
	return 0;
}
