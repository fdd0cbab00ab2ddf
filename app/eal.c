/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The EAL's start and end, and the files it leaves behind: its runtime
 * directory (sockets made owner-only) and its hugepage files.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_string_fns.h>

#include "vs_eal.h"
#include "vs_log.h"

RTE_LOG_REGISTER(vs_logtype_eal, vipshare.eal, INFO);

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
		VS_LOG(eal, WARNING, "chmod 0700 %s: %s\n", dir,
		       strerror(errno));
	d = opendir(dir);
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		struct stat st;

		if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >=
			    (int)sizeof(path) ||
		    lstat(path, &st) < 0 || !S_ISSOCK(st.st_mode))
			continue;
		if (chmod(path, 0600) < 0)
			VS_LOG(eal, WARNING, "chmod 0600 %s: %s\n", path,
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
		if (strcmp(type, "hugetlbfs") != 0 ||
		    (d = opendir(mnt)) == NULL)
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

int
vs_eal_init(int argc, char **argv)
{
	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr,
			"dpdk-vipshare: EAL initialisation failed: %s\n",
			rte_strerror(rte_errno));
		return -1;
	}
	runtime_dir_private();
	strlcpy(rundir, rte_eal_get_runtime_dir(), sizeof(rundir));
	return 0;
}

int
vs_eal_fini(int ret)
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
