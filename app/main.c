/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpdk-vipshare: a VIP shared active/active by N machines, the way the
 * iptables CLUSTERIP target did it, in a DPDK poll-mode process.
 *
 *   main()          options (conf.c), EAL, ports (port.c), workers (worker.c)
 *   control.c       telemetry commands, counters, status line, and
 *                   vs_main_tick(): statistics interval, end of a --replay
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_pdump.h>

#include "vs_app.h"

static void
on_signal(int sig)
{
	RTE_SET_USED(sig);
	vs_app.quit = true;
}

/*
 * The EAL's runtime directory (/var/run/dpdk/<prefix> as root) holds the
 * telemetry socket (vipshare-ctl: node_add/node_del) and the multi-process
 * socket. DPDK creates the directory 0700 but binds the sockets with the
 * process umask (0777 under umask 0), and keeps a directory that already
 * existed as it is: make both owner-only, whatever was there before.
 */
static void
runtime_dir_private(void)
{
	const char *dir = rte_eal_get_runtime_dir();
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d;

	if (chmod(dir, 0700) < 0)
		VS_LOG(main, WARNING, "chmod 0700 %s: %s\n", dir, strerror(errno));
	d = opendir(dir);
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		struct stat st;

		if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >=
		    (int)sizeof(path) || lstat(path, &st) < 0 ||
		    !S_ISSOCK(st.st_mode))
			continue;
		if (chmod(path, 0600) < 0)
			VS_LOG(main, WARNING, "chmod 0600 %s: %s\n", path,
			       strerror(errno));
	}
	closedir(d);
}

/*
 * rte_eal_cleanup() leaves the runtime directory behind (some MB of memory
 * maps on tmpfs per run): remove what the EAL put there, then the directory.
 */
static void
runtime_dir_remove(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d;

	if (dir[0] == '\0' || (d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' ||
		    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >=
		    (int)sizeof(path))
			continue;
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

/*
 * The EAL also leaves its hugepage files (<prefix>map_N on every hugetlbfs
 * mount) behind, and with them the pages: a stopped node would keep its
 * memory until the next start with the same prefix. Remove ours once the
 * memory is unmapped; without hugepages there are none.
 */
static void
hugepage_files_remove(const char *prefix)
{
	size_t plen = strlen(prefix);
	char path[PATH_MAX], mnt[PATH_MAX], type[64];
	struct dirent *e;
	FILE *m;
	DIR *d;

	if (plen == 0 || (m = fopen("/proc/mounts", "r")) == NULL)
		return;
	while (fscanf(m, "%*s %4095s %63s %*[^\n]", mnt, type) == 2) {
		if (strcmp(type, "hugetlbfs") != 0 || (d = opendir(mnt)) == NULL)
			continue;
		while ((e = readdir(d)) != NULL) {
			/* exactly <prefix>map_<digits>: not a longer prefix's */
			const char *n = e->d_name;

			if (strncmp(n, prefix, plen) != 0 ||
			    strncmp(n + plen, "map_", 4) != 0 ||
			    n[plen + 4] < '0' || n[plen + 4] > '9' ||
			    strspn(n + plen + 4, "0123456789") !=
				    strlen(n + plen + 4) ||
			    snprintf(path, sizeof(path), "%s/%s", mnt, n) >=
				    (int)sizeof(path))
				continue;
			unlink(path);
		}
		closedir(d);
	}
	fclose(m);
}

static char rundir[PATH_MAX];

static int
finish(int ret)
{
	/* a secondary process (dpdk-dumpcap) never owns the files */
	bool primary = rte_eal_process_type() == RTE_PROC_PRIMARY;
	const char *prefix = strrchr(rundir, '/');

	rte_eal_cleanup();
	if (primary && prefix != NULL)
		hugepage_files_remove(prefix + 1);
	runtime_dir_remove(rundir);
	return ret;
}

/* Split argv at "--": EAL before, ours after. Returns the index or argc. */
static int
find_separator(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0)
			return i;
	return argc;
}

static void
app_config(struct vs_app *a, int argc, char **argv)
{
	char err[512];
	int r;

	vs_conf_defaults(&a->conf);
	r = vs_conf_parse(&a->conf, argc, argv, err, sizeof(err));
	if (r == 1)
		exit(0);
	if (r < 0) {
		fprintf(stderr, "dpdk-vipshare: %s\n", err);
		exit(2);
	}
	a->hash = a->conf.hash;
	a->arp.vip = a->hash.vip;
	a->arp.cluster_mac = a->conf.mac;
	if (vs_own_init(&a->own, a->hash.total_nodes, a->conf.nodes) < 0) {
		fprintf(stderr, "dpdk-vipshare: invalid --node\n");
		exit(2);
	}
}

int
main(int argc, char **argv)
{
	struct vs_app *a = &vs_app;
	char line[512];
	int sep, r, ret = 0;
	unsigned int i;

	/* stdout carries the results (JSON last line); logs go to stderr */
	rte_openlog_stream(stderr);
	/* the control sockets the EAL creates are owner-only from the start */
	umask(077);
	sep = find_separator(argc, argv);
	if (sep == argc) {
		for (i = 1; i < (unsigned int)argc; i++)
			if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
				vs_conf_usage(stdout, "dpdk-vipshare");
				return 0;
			}
		fprintf(stderr, "dpdk-vipshare: missing '--' between EAL and "
			"application options (see --help)\n");
		return 2;
	}
	/* Our own flags first: a typo exits 2 before the EAL takes the NIC.
	 * argv[sep] ("--") stands in for the program name. */
	app_config(a, argc - sep, argv + sep);
	r = rte_eal_init(sep, argv);
	if (r < 0) {
		fprintf(stderr, "dpdk-vipshare: EAL initialisation failed: %s\n",
			rte_strerror(rte_errno));
		return 2;
	}
	runtime_dir_private();
	strlcpy(rundir, rte_eal_get_runtime_dir(), sizeof(rundir));
	a->tsc_hz = rte_get_tsc_hz();
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	if (a->conf.bench) {
		ret = vs_bench_run(a);
		return finish(ret);
	}

	r = vs_port_init(a);
	if (r < 0) {
		/* a port that does not exist is a configuration error */
		ret = r == -ENODEV ? 2 : 1;
		goto out;
	}
	rte_pdump_init();
	if (vs_control_init(a) < 0)
		VS_LOG(ctl, WARNING, "telemetry commands unavailable\n");

	vs_status_line(a, line, sizeof(line));
	printf("dpdk-vipshare: VIP %u.%u.%u.%u/%u NIC port %u, host port %u "
	       "(%s), %u worker%s\n%s\n",
	       ((uint8_t *)&a->hash.vip)[0], ((uint8_t *)&a->hash.vip)[1],
	       ((uint8_t *)&a->hash.vip)[2], ((uint8_t *)&a->hash.vip)[3],
	       a->conf.prefix, a->nic, a->host,
	       a->host_created ? a->host_ifname : "existing port",
	       a->nb_workers, a->nb_workers > 1 ? "s" : "", line);
	fflush(stdout);

	if (rte_lcore_count() == 1) {
		vs_worker_main(&a->workers[0]);
	} else {
		for (i = 0; i < a->nb_workers; i++)
			rte_eal_remote_launch(vs_worker_main, &a->workers[i],
					      a->workers[i].lcore);
		while (!a->quit) {
			vs_main_tick(rte_rdtsc());
			rte_delay_us_sleep(10 * 1000);
		}
		rte_eal_mp_wait_lcore();
	}

	for (i = 0; i < a->nb_workers; i++)
		vs_worker_drain(&a->workers[i]);
	if (a->conf.replay)
		vs_stats_print_json(a, stdout);
	else
		vs_stats_print_line(a, stdout);
out:
	vs_port_fini(a);
	return finish(ret);
}
