/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The EAL's start and end, and the files it leaves behind: its runtime
 * directory (sockets made owner-only) and its hugepage files.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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

/*
 * What the EAL writes while it starts is held back: on a bad option it
 * prints its whole usage (about a hundred lines) on stdout around its
 * complaint on stderr. fds 1 and 2 point at memory files during
 * rte_eal_init; afterwards the text goes where it was going, or, on a bad
 * option, is summed up in one line that comes last.
 */
struct held {
	int fd;    /* 1 or 2 */
	int saved; /* the real one, -1 when not holding */
	int mem;
};

static struct held held[2] = {
	{.fd = STDOUT_FILENO, .saved = -1, .mem = -1},
	{.fd = STDERR_FILENO, .saved = -1, .mem = -1},
};

static void
flush_all(void)
{
	fflush(stdout);
	fflush(stderr);
	if (rte_log_get_stream() != NULL)
		fflush(rte_log_get_stream());
}

static void
hold_start(void)
{
	unsigned int i;

	flush_all();
	for (i = 0; i < RTE_DIM(held); i++) {
		struct held *h = &held[i];

		h->mem = memfd_create("vs-eal-init", MFD_CLOEXEC);
		if (h->mem < 0)
			continue;
		h->saved = fcntl(h->fd, F_DUPFD_CLOEXEC, 3);
		if (h->saved < 0 || dup2(h->mem, h->fd) < 0) {
			if (h->saved >= 0)
				close(h->saved);
			close(h->mem);
			h->saved = h->mem = -1;
		}
	}
}

/* The real fds back; the memory files stay readable. */
static void
hold_stop(void)
{
	unsigned int i;

	flush_all();
	for (i = 0; i < RTE_DIM(held); i++)
		if (held[i].saved >= 0) {
			dup2(held[i].saved, held[i].fd);
			close(held[i].saved);
			held[i].saved = -1;
		}
}

/* What was held on fd (1 or 2), NUL-terminated, or NULL; free() it. */
static char *
held_text(unsigned int i)
{
	off_t n;
	char *t;

	if (held[i].mem < 0 || (n = lseek(held[i].mem, 0, SEEK_END)) < 0 ||
	    (t = malloc((size_t)n + 1)) == NULL)
		return NULL;
	if (pread(held[i].mem, t, (size_t)n, 0) != n) {
		free(t);
		return NULL;
	}
	t[n] = '\0';
	return t;
}

/* What was held, written where it was going; the memory files closed. */
static void
held_release(bool write_out)
{
	unsigned int i;

	hold_stop();
	for (i = 0; i < RTE_DIM(held); i++) {
		char *t = write_out ? held_text(i) : NULL;

		if (t != NULL) {
			size_t len = strlen(t), done = 0;
			ssize_t w;

			while (done < len &&
			       (w = write(held[i].fd, t + done, len - done)) > 0)
				done += (size_t)w;
			free(t);
		}
		if (held[i].mem >= 0)
			close(held[i].mem);
		held[i].mem = -1;
	}
}

/* The EAL ends some options (-h) with exit(): let their text out. */
static void
held_at_exit(void)
{
	if (held[0].saved >= 0 || held[1].saved >= 0)
		held_release(true);
}

/*
 * Stopped (systemd's start timeout) or crashed (rte_panic) while the EAL
 * starts: what it said so far is the diagnosis, let it out, then die of
 * the signal. Only async-signal-safe calls.
 */
static const int held_signals[] = {SIGTERM, SIGINT, SIGQUIT,
				   SIGABRT, SIGSEGV, SIGBUS};
static struct sigaction held_old[RTE_DIM(held_signals)];

static void
held_on_signal(int sig)
{
	char buf[4096];
	unsigned int i;
	off_t off;
	ssize_t n;

	for (i = 0; i < RTE_DIM(held); i++) {
		if (held[i].saved < 0 || dup2(held[i].saved, held[i].fd) < 0)
			continue;
		for (off = 0; (n = pread(held[i].mem, buf, sizeof(buf), off)) > 0;
		     off += n)
			if (write(held[i].fd, buf, (size_t)n) != n)
				break;
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
held_signals_set(bool on)
{
	struct sigaction sa = {.sa_handler = held_on_signal};
	unsigned int i;

	for (i = 0; i < RTE_DIM(held_signals); i++)
		if (on)
			sigaction(held_signals[i], &sa, &held_old[i]);
		else
			sigaction(held_signals[i], &held_old[i], NULL);
}

/* Appends s (without a trailing '.') to a "; "-separated list, once. */
static void
reason_add(char *buf, size_t size, const char *s, size_t len)
{
	size_t n = strlen(buf);

	while (len && (s[len - 1] == '.' || s[len - 1] == ' '))
		len--;
	if (len == 0 || n + len + 3 >= size)
		return;
	if (n) {
		/* the EAL and getopt both say some things twice */
		char *p = strstr(buf, "; ");
		const char *item = buf;

		for (;;) {
			size_t il = p ? (size_t)(p - item) : strlen(item);

			if (il == len && strncmp(item, s, len) == 0)
				return;
			if (p == NULL)
				break;
			item = p + 2;
			p = strstr(item, "; ");
		}
		strcat(buf, "; ");
	}
	strncat(buf, s, len);
}

#define EAL_BAD_ARGS "Invalid 'command line' arguments"

/*
 * The EAL's complaints in what it wrote on stderr: getopt's lines
 * ("PROG: unrecognized option '--x'") and its own log lines, but for the
 * inventory it takes at start ("Detected ...") and its "FATAL:" copies.
 * Returns true when it found the arguments bad.
 */
static bool
eal_reasons(const char *text, const char *prog, char *buf, size_t size)
{
	size_t plen = strlen(prog);
	bool bad_args = false;
	const char *l, *e;

	buf[0] = '\0';
	for (l = text; *l; l = *e ? e + 1 : e) {
		e = strchr(l, '\n');
		if (e == NULL)
			e = l + strlen(l);
		if (strncmp(l, prog, plen) == 0 && l[plen] == ':' &&
		    l[plen + 1] == ' ') {
			reason_add(buf, size, l + plen + 2,
				   (size_t)(e - l) - plen - 2);
			continue;
		}
		l = vs_log_unstamp(l);
		if (strncmp(l, "EAL: ", 5) != 0)
			continue;
		l += 5;
		if (strncmp(l, EAL_BAD_ARGS, strlen(EAL_BAD_ARGS)) == 0 ||
		    strncmp(l, "FATAL: " EAL_BAD_ARGS,
			    strlen("FATAL: " EAL_BAD_ARGS)) == 0) {
			bad_args = true;
			continue;
		}
		if (strncmp(l, "Detected ", 9) == 0 ||
		    strncmp(l, "FATAL: ", 7) == 0)
			continue;
		reason_add(buf, size, l, (size_t)(e - l));
	}
	return bad_args;
}

/* The last line the EAL logged, without "EAL: " and the final '.'. */
static bool
last_eal_line(const char *text, char *buf, size_t size)
{
	const char *l, *e, *last = NULL;
	size_t len = 0;

	for (l = text; *l; l = *e ? e + 1 : e) {
		const char *m = vs_log_unstamp(l);

		e = strchr(l, '\n');
		if (e == NULL)
			e = l + strlen(l);
		if (strncmp(m, "EAL: ", 5) == 0 && e > m + 5) {
			last = m + 5;
			len = (size_t)(e - last);
		}
	}
	buf[0] = '\0';
	if (last != NULL)
		reason_add(buf, size, last, len);
	return buf[0] != '\0';
}

int
vs_eal_init(int argc, char **argv)
{
	static bool at_exit;
	char why[512];
	char *err;
	int r;

	if (!at_exit)
		at_exit = atexit(held_at_exit) == 0;
	hold_start();
	held_signals_set(true);
	r = rte_eal_init(argc, argv);
	held_signals_set(false);
	if (r >= 0) {
		held_release(true);
		runtime_dir_private();
		strlcpy(rundir, rte_eal_get_runtime_dir(), sizeof(rundir));
		return 0;
	}
	r = rte_errno;
	hold_stop();
	err = held_text(1);
	if (err != NULL && eal_reasons(err, argv[0], why, sizeof(why))) {
		/* a bad option: its usage text and inventory are noise */
		held_release(false);
		VS_ERR("invalid EAL options: %s (EAL options come before "
		       "'--': see dpdk-vipshare(8))\n",
		       why[0] ? why : rte_strerror(r));
	} else {
		/* anything else: what the EAL said, then its last word */
		held_release(true);
		if (err != NULL && last_eal_line(err, why, sizeof(why)))
			VS_ERR("EAL initialisation failed: %s (%s)\n", why,
			       rte_strerror(r));
		else
			VS_ERR("EAL initialisation failed: %s\n",
			       rte_strerror(r));
	}
	free(err);
	return -1;
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
