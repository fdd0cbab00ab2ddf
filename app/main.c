/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpdk-vipshare: a VIP shared active/active by N machines, the way the
 * iptables CLUSTERIP target did it, in a DPDK poll-mode process.
 *
 * main() reads top-down: settings (conf.c) -> EAL (eal.c) -> app state
 * and VIPs (app.c, vip.c) -> ports (port.c) -> workers (worker.c, the
 * data path) -> loop -> teardown. --bench (bench.c) branches off after
 * the app state; control.c answers telemetry while the loop runs.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_pdump.h>

#include "vs_app.h"
#include "vs_bench.h"
#include "vs_bench_host.h"
#include "vs_control.h"
#include "vs_eal.h"
#include "vs_log.h"
#include "vs_notify.h"
#include "vs_stats.h"

RTE_LOG_REGISTER(vs_logtype_main, vipshare.main, INFO);

static void
on_signal(int sig)
{
	RTE_SET_USED(sig);
	vs_app_stop(&vs_app);
}

/* No reload (docs/install.md): SIGHUP, which would end the process, only
 * says so. write() is async-signal-safe. */
static void
on_hup(int sig)
{
	static const char msg[] =
		VS_PROG ": SIGHUP ignored: settings are not reloaded "
		"(vipshare-ctl add/del changes the nodes, the rest needs a "
		"restart)\n";
	ssize_t n;

	RTE_SET_USED(sig);
	n = write(STDERR_FILENO, msg, sizeof(msg) - 1);
	RTE_SET_USED(n);
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

/* Our own flags; a bad one exits 2 (one line), --help and --version exit
 * 0. --check: the VIPs set up as the daemon would, the settings printed,
 * exit 0; no EAL, no port. */
static void
settings(struct vs_conf *c, int argc, char **argv)
{
	static struct vs_vip_table vips;
	char err[512];
	int r;

	vs_conf_defaults(c);
	r = vs_conf_parse(c, argc, argv, err, sizeof(err));
	if (r == 1)
		exit(0);
	if (r < 0) {
		VS_ERR("%s\n", err);
		exit(2);
	}
	if (c->check) {
		if (vs_vip_table_init(&vips, c) < 0) {
			VS_ERR("invalid --node\n");
			exit(2);
		}
		vs_conf_print(stdout, c);
		exit(0);
	}
}

/* Without "--": only what needs no EAL (--help, --version, --check). */
static bool
eal_free(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h") ||
		    !strncmp(argv[i], "--version", 9) ||
		    !strncmp(argv[i], "--check", 7))
			return true;
	return false;
}

/* The workers' lcores: the worker lcores, or the main lcore alone. */
static uint16_t
worker_lcores(unsigned int *lcores)
{
	unsigned int lc;
	uint16_t n = 0;

	if (rte_lcore_count() == 1) {
		lcores[n++] = rte_get_main_lcore();
		return n;
	}
	RTE_LCORE_FOREACH_WORKER (lc)
		lcores[n++] = lc;
	return n;
}

static void
banner(const struct vs_app *a)
{
	const struct vs_vipmap *vm = vs_vip_map(&a->vips);
	char vip[32], line[512];
	unsigned int i;

	printf("dpdk-vipshare: %u VIP%s, NIC port %u, host port %s (%s), "
	       "%u worker%s\n",
	       vm->n, vm->n > 1 ? "s" : "", a->ports.nic,
	       vs_port_host_name(&a->ports),
	       vs_host_be_name(a->ports.host.conf.be), a->nb_workers,
	       a->nb_workers > 1 ? "s" : "");
	for (i = 0; i < vm->n; i++) {
		const struct vs_vip *v = vs_vip_at(&a->vips, vm->slot[i]);

		vs_vip_format(v, vip, sizeof(vip));
		vs_vip_status_line(v, line, sizeof(line));
		printf("VIP %s %s\n", vip, line);
	}
	fflush(stdout);
}

/* systemd's Type=notify: ready once the ports are up, the VIPs are on the
 * host port and the control socket answers. The status: the VIP's
 * CLUSTERIP line, or with several each VIP's address and nodes (the full
 * lines are vipshare-ctl status's). */
static void
ready(const struct vs_app *a)
{
	const struct vs_vipmap *vm = vs_vip_map(&a->vips);
	char state[4096], nodes[256], addr[32];
	size_t n;
	unsigned int i;

	n = (size_t)snprintf(state, sizeof(state), "READY=1\nSTATUS=");
	if (vm->n == 1) {
		vs_vip_status_line(vs_vip_at(&a->vips, vm->slot[0]), state + n,
				   sizeof(state) - n);
	} else {
		n += (size_t)snprintf(state + n, sizeof(state) - n, "%u VIPs:",
				      vm->n);
		for (i = 0; i < vm->n && n < sizeof(state); i++) {
			const struct vs_vip *v =
				vs_vip_at(&a->vips, vm->slot[i]);

			vs_vip_format_addr(v, addr, sizeof(addr));
			vs_own_format(vs_own_load(&v->own), nodes,
				      sizeof(nodes));
			n += (size_t)snprintf(state + n, sizeof(state) - n,
					      "%s %s %s/%u", i ? "," : "", addr,
					      nodes, v->hash.total_nodes);
		}
	}
	vs_notify(state);
}

/* The workers on their lcores; the main lcore keeps time, or polls too.
 * Until a signal or the end of a replay; < 0 when a worker did not start. */
static int
run(struct vs_app *a)
{
	unsigned int i;
	int r = 0;

	if (rte_lcore_count() == 1)
		return vs_worker_main(&a->workers[0]);
	for (i = 0; i < a->nb_workers; i++) {
		r = rte_eal_remote_launch(vs_worker_main, &a->workers[i],
					  a->workers[i].lcore);
		if (r < 0) {
			VS_LOG(main, ERR, "worker %u on lcore %u: %s\n", i,
			       a->workers[i].lcore, rte_strerror(-r));
			vs_app_stop(a);
			break;
		}
	}
	while (!vs_app_stopping(a)) {
		vs_app_tick(a, rte_rdtsc());
		rte_delay_us_sleep(5 * 1000);
	}
	rte_eal_mp_wait_lcore();
	return r;
}

int
main(int argc, char **argv)
{
	struct vs_app *a = &vs_app;
	unsigned int lcores[RTE_MAX_LCORE];
	struct vs_conf conf;
	int sep, r, ret = 0;
	unsigned int i;

	/* stdout carries the results (JSON last line); logs go to stderr,
	 * timestamped */
	vs_log_init();
	/* the control sockets the EAL creates are owner-only from the start */
	umask(077);
	signal(SIGHUP, on_hup);

	/* Settings first: a typo exits 2 before the EAL takes the NIC.
	 * argv[sep] ("--") stands in for the program name. */
	sep = find_separator(argc, argv);
	if (sep == argc) {
		if (eal_free(argc, argv))
			settings(&conf, argc, argv); /* exits */
		VS_ERR("missing '--' between EAL and application options "
		       "(see --help)\n");
		return 2;
	}
	settings(&conf, argc - sep, argv + sep);

	/* EAL */
	if (vs_eal_init(sep, argv) < 0)
		return 2;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	/* App state: the VIPs */
	if (vs_app_init(a, &conf) < 0) {
		VS_ERR("invalid --node\n");
		return vs_eal_fini(2);
	}
	if (a->conf.bench.enabled)
		return vs_eal_fini(vs_bench_run(a));

	/* Ports: one queue pair per worker lcore */
	r = vs_port_init(&a->ports, &a->conf, &a->vips, worker_lcores(lcores),
			 vs_worker_mbufs_held(a));
	if (r < 0) {
		/* a port that does not exist is a configuration error */
		ret = r == -ENODEV ? 2 : 1;
		goto out;
	}

	/* Workers: queue q on the q-th of those lcores */
	if (vs_worker_setup(a, lcores, a->ports.nb_queues) < 0) {
		ret = 1;
		goto out;
	}
	if (a->conf.bench.host) {
		ret = vs_bench_host_run(a);
		goto out;
	}
	if (rte_pdump_init() < 0)
		VS_LOG(main, WARNING, "dpdk-dumpcap cannot attach: %s\n",
		       rte_strerror(rte_errno));
	/* Coverage: every VIP's monitor announces at once (its first tick),
	 * before the workers accept anything */
	if (vs_coverage_init(a) < 0) {
		ret = 1;
		goto out;
	}
	for (i = 0; i < a->vips.map->n; i++)
		if (vs_coverage_vip_start(a, a->vips.map->slot[i]) < 0) {
			ret = 1;
			goto out;
		}
	/* Moves: a table of new flows per worker, the VIPs' states */
	if (vs_moves_init(a) < 0) {
		ret = 1;
		goto out;
	}
	if (vs_control_init() < 0)
		VS_LOG(main, WARNING, "telemetry commands unavailable\n");
	banner(a);
	ready(a);

	/* Loop, until a signal or the end of a replay */
	if (run(a) < 0)
		ret = 1;
	vs_notify("STOPPING=1");

	/* Teardown: every fragment counted and freed, then the result */
	for (i = 0; i < a->nb_workers; i++)
		vs_worker_drain(&a->workers[i]);
	if (a->conf.replay)
		vs_stats_print_json(a, stdout);
	else
		vs_stats_print_line(a, stdout);
out:
	vs_moves_fini(a);
	vs_coverage_fini(a);
	vs_worker_fini(a);
	vs_port_fini(&a->ports);
	return vs_eal_fini(ret);
}
