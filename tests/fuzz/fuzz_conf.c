/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the command line and config file parser (app/conf.c).
 *
 * Input: ARGS '\0' FILE. FILE is parsed with vs_conf_parse_text, then
 * written to a temporary file; ARGS, split at newlines, is given to
 * vs_conf_parse as argv (every --config value is redirected to that file,
 * so the loader is fuzzed too and nothing else on disk is read).
 *
 * Checked on every input (abort() otherwise):
 *   - failure: -EINVAL with a non-empty one-line message;
 *   - success: the result is one main() can run with: 1..VS_MAX_VIPS
 *     VIPs, each with a node set non-empty and within 1..N, N 1..64, a
 *     multicast cluster MAC, addresses and cluster MACs all distinct,
 *     every number within the range the option table promises;
 *   - the same for the FILE part taken as the words of a runtime
 *     "vip add" (vs_conf_parse_vip) against the parsed defaults;
 *   - success: what --check prints (vs_conf_print), read back with
 *     --config, gives the same VIPs, defaults and process-wide settings,
 *     and prints the same text again.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vs_conf.h"
#include "vs_fuzz.h"

#define MAX_ARGS 64

static char tmp_path[64];

static void
remove_tmp(void)
{
	unlink(tmp_path);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int fd;

	(void)argc;
	(void)argv;
	snprintf(tmp_path, sizeof(tmp_path), "/tmp/vsh-fuzz-conf-XXXXXX");
	fd = mkstemp(tmp_path);
	if (fd < 0) {
		perror("mkstemp");
		exit(1);
	}
	close(fd);
	atexit(remove_tmp);
	return 0;
}

static void
check_err(int r, const char *err)
{
	CHECK(r == -EINVAL);
	CHECK(err[0] != '\0');
	CHECK(strchr(err, '\n') == NULL);
}

/* Settings of one VIP (or the defaults): within the table's ranges. */
static void
check_vip(const struct vs_vip_conf *v)
{
	CHECK(v->garp <= 100);
	CHECK(v->prefix >= 1 && v->prefix <= 32);
	CHECK(v->hash.mode <= VS_HASH_SIP_SPT_DPT);
	CHECK(v->hash.compat <= VS_COMPAT_NFT);
}

/* A resolved VIP: runnable. */
static void
check_resolved(const struct vs_vip_conf *v)
{
	check_vip(v);
	CHECK(v->hash.vip != 0);
	CHECK(v->nodes != 0);
	CHECK(v->hash.total_nodes >= 1 && v->hash.total_nodes <= 64);
	if (v->hash.total_nodes < 64)
		CHECK((v->nodes >> v->hash.total_nodes) == 0);
	CHECK(rte_is_multicast_ether_addr(&v->mac));
}

static void
check_conf(const struct vs_conf *c, bool complete)
{
	unsigned int i, j;

	CHECK(c->frag_max >= 1 && c->frag_max <= 65536);
	CHECK(c->frag_timeout_ms >= 1 && c->frag_timeout_ms <= 60000);
	CHECK(c->burst >= 1 && c->burst <= 64);
	CHECK(c->idle_sleep_us <= 1000000);
	CHECK(c->stats_interval <= 86400);
	CHECK(c->bench.seconds >= 1 && c->bench.seconds <= 3600);
	CHECK(c->bench.vips >= 1 && c->bench.vips <= VS_MAX_VIPS);
	check_vip(&c->vip_defaults);
	CHECK(c->nb_vips <= VS_MAX_VIPS);
	for (i = 0; i < c->nb_vips; i++) {
		CHECK(c->vips[i].hash.vip != 0);
		CHECK(c->vips[i].prefix >= 1 && c->vips[i].prefix <= 32);
	}
	CHECK(memchr(c->port, '\0', sizeof(c->port)) != NULL);
	CHECK(memchr(c->host_arg, '\0', sizeof(c->host_arg)) != NULL);
	if (vs_host_kind_is_if(c->host_kind))
		CHECK(strlen(c->host_arg) >= 1 && strlen(c->host_arg) <= 15);
	if (!complete)
		return;
	CHECK(c->nb_vips >= 1);
	for (i = 0; i < c->nb_vips; i++) {
		check_resolved(&c->vips[i]);
		for (j = i + 1; j < c->nb_vips; j++) {
			CHECK(c->vips[i].hash.vip != c->vips[j].hash.vip);
			CHECK(!rte_is_same_ether_addr(&c->vips[i].mac,
						      &c->vips[j].mac));
		}
	}
}

/* vs_conf_print into a malloc'ed string. */
static char *
print_conf(const struct vs_conf *c)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (f == NULL)
		abort();
	vs_conf_print(f, c);
	if (fclose(f) != 0 || text == NULL)
		abort();
	return text;
}

/* --check's output read back: the same settings, the same text. */
static void
check_round_trip(const struct vs_conf *a)
{
	const struct vs_vip_conf *da = &a->vip_defaults, *db;
	const uint8_t kept = VS_VIP_GIVEN_NODES | VS_VIP_GIVEN_MAC;
	static struct vs_conf b;
	char err[512] = "", *argv[] = {"--", "--config", tmp_path, NULL};
	char *t1 = print_conf(a), *t2;
	unsigned int i;
	FILE *f;

	f = fopen(tmp_path, "wb");
	if (f == NULL)
		abort();
	fwrite(t1, 1, strlen(t1), f);
	fclose(f);
	vs_conf_defaults(&b);
	CHECK(vs_conf_parse(&b, 3, argv, err, sizeof(err)) == 0);
	CHECK(a->nb_vips == b.nb_vips);
	for (i = 0; i < a->nb_vips; i++) {
		const struct vs_vip_conf *x = &a->vips[i], *y = &b.vips[i];

		CHECK(memcmp(&x->hash, &y->hash, sizeof(x->hash)) == 0);
		CHECK(x->nodes == y->nodes && x->prefix == y->prefix);
		CHECK(x->garp == y->garp);
		CHECK(rte_is_same_ether_addr(&x->mac, &y->mac));
	}
	db = &b.vip_defaults;
	CHECK((da->given & kept) == (db->given & kept));
	if (da->given & VS_VIP_GIVEN_NODES)
		CHECK(da->nodes == db->nodes &&
		      da->hash.total_nodes == db->hash.total_nodes);
	if (da->given & VS_VIP_GIVEN_MAC)
		CHECK(rte_is_same_ether_addr(&da->mac, &db->mac));
	CHECK(da->hash.mode == db->hash.mode &&
	      da->hash.hash_init == db->hash.hash_init &&
	      da->hash.compat == db->hash.compat && da->garp == db->garp);
	CHECK(strcmp(a->port, b.port) == 0 && a->host_kind == b.host_kind &&
	      strcmp(a->host_arg, b.host_arg) == 0);
	CHECK(a->no_host_addr == b.no_host_addr && a->replay == b.replay);
	CHECK(a->idle_sleep_us == b.idle_sleep_us &&
	      a->stats_interval == b.stats_interval &&
	      a->frag_max == b.frag_max &&
	      a->frag_timeout_ms == b.frag_timeout_ms && a->burst == b.burst);
	CHECK(a->igmp_report == b.igmp_report && a->igmp_mrd == b.igmp_mrd &&
	      a->igmp_interval == b.igmp_interval);
	CHECK(a->bench.enabled == b.bench.enabled &&
	      a->bench.seconds == b.bench.seconds &&
	      a->bench.imix == b.bench.imix && a->bench.vips == b.bench.vips);
	t2 = print_conf(&b);
	CHECK(strcmp(t1, t2) == 0);
	free(t1);
	free(t2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vs_conf c;
	char err[512];
	char *buf, *args, *file, *argv[MAX_ARGS + 1];
	char cfg_eq[sizeof(tmp_path) + 16];
	const uint8_t *z;
	size_t alen;
	int argc = 0, r, i;
	FILE *f;

	if (size > 70000)
		return -1;
	buf = malloc(size + 2);
	if (buf == NULL)
		abort();
	memcpy(buf, data, size);
	buf[size] = buf[size + 1] = '\0';
	z = memchr(data, '\0', size);
	alen = z ? (size_t)(z - data) : size;
	args = buf;
	file = buf + alen + (z != NULL); /* NUL-terminated either way */

	/* the file part on its own */
	vs_conf_defaults(&c);
	err[0] = '\0';
	r = vs_conf_parse_text(&c, file, "fuzz.conf", err, sizeof(err));
	if (r < 0)
		check_err(r, err);
	else
		check_conf(&c, false);

	/* argv: "prog" then ARGS split at newlines */
	/* the file is read only through --config: write it only then */
	if (memmem(args, alen, "--config", 8) != NULL) {
		f = fopen(tmp_path, "wb");
		if (f == NULL)
			abort();
		fwrite(file, 1, strlen(file), f);
		fclose(f);
	}
	snprintf(cfg_eq, sizeof(cfg_eq), "--config=%s", tmp_path);
	argv[argc++] = "--";
	for (char *p = args; argc < MAX_ARGS;) {
		char *nl = strchr(p, '\n');

		if (nl)
			*nl = '\0';
		if (strncmp(p, "--config=", 9) == 0)
			p = cfg_eq;
		else if (argc > 1 && strcmp(argv[argc - 1], "--config") == 0)
			p = tmp_path;
		argv[argc++] = p;
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	argv[argc] = NULL;
	for (i = 0; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--version") == 0)
			goto out; /* prints to stdout, returns 1: not interesting */
	vs_conf_defaults(&c);
	err[0] = '\0';
	r = vs_conf_parse(&c, argc, argv, err, sizeof(err));
	if (r < 0)
		check_err(r, err);
	else
		check_conf(&c, true);
	if (r == 0)
		check_round_trip(&c);
	if (r == 0) {
		/* the file's text as the words of a runtime "vip add" */
		struct vs_vip_conf vc;

		err[0] = '\0';
		r = vs_conf_parse_vip(&c, file, &vc, err, sizeof(err));
		if (r < 0)
			check_err(r, err);
		else
			check_resolved(&vc);
	}
	unlink(tmp_path); /* libFuzzer may end with _Exit: leave nothing */
out:
	free(buf);
	return 0;
}
