/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Settings (app/conf.c): what --check prints (vs_conf_print) read back with
 * --config gives the same settings, for several VIPs with their own and
 * default settings. The expected values are written here from the flags
 * given, the derived cluster MACs computed from the address bytes.
 */
#include <errno.h>
#include <unistd.h>

#include "vs_test.h"
#include "vs_conf.h"

struct want_vip {
	uint8_t a[4]; /* address */
	uint8_t prefix;
	uint64_t nodes;
	uint16_t total;
	uint8_t mode;
	uint32_t init;
	uint8_t compat;
	uint8_t mac[6]; /* all zero: derived from the address */
	uint32_t garp;
};

static void
check_vip(const struct vs_vip_conf *v, const struct want_vip *w)
{
	const uint8_t *a = (const uint8_t *)&v->hash.vip;
	uint8_t mac[6] = {0};

	assert_memory_equal(a, w->a, 4);
	assert_int_equal(v->prefix, w->prefix);
	assert_int_equal(v->nodes, w->nodes);
	assert_int_equal(v->hash.total_nodes, w->total);
	assert_int_equal(v->hash.mode, w->mode);
	assert_int_equal(v->hash.hash_init, w->init);
	assert_int_equal(v->hash.compat, w->compat);
	assert_int_equal(v->garp, w->garp);
	if (memcmp(w->mac, mac, 6) == 0) {
		/* 01:00:5e and the address's low 23 bits */
		mac[0] = 0x01;
		mac[2] = 0x5e;
		mac[3] = w->a[1] & 0x7f;
		mac[4] = w->a[2];
		mac[5] = w->a[3];
	} else {
		memcpy(mac, w->mac, 6);
	}
	assert_memory_equal(v->mac.addr_bytes, mac, 6);
}

/* vs_conf_print into a string (malloc'ed). */
static char *
print_conf(const struct vs_conf *c)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	vs_conf_print(f, c);
	assert_int_equal(fclose(f), 0);
	assert_non_null(text);
	return text;
}

/* text written to a file, read back as "-- --config FILE" alone. */
static void
load_printed(const char *text, struct vs_conf *c)
{
	char path[] = "/tmp/vs-test-conf-XXXXXX", err[512] = "";
	char *argv[] = {"--", "--config", path, NULL};
	int fd = mkstemp(path), r;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	vs_conf_defaults(c);
	r = vs_conf_parse(c, 3, argv, err, sizeof(err));
	unlink(path);
	if (r != 0)
		fail_msg("--config of --check's output: %s\n%s", err, text);
}

static void
parse_args(struct vs_conf *c, char **argv)
{
	char err[512] = "";
	int argc = 0;

	while (argv[argc])
		argc++;
	vs_conf_defaults(c);
	if (vs_conf_parse(c, argc, argv, err, sizeof(err)) != 0)
		fail_msg("parse: %s", err);
}

/* Every field a VIP runs with, and the process-wide ones, agree. */
static void
assert_same(const struct vs_conf *a, const struct vs_conf *b)
{
	const struct vs_vip_conf *da = &a->vip_defaults,
				 *db = &b->vip_defaults;
	const uint8_t kept = VS_VIP_GIVEN_NODES | VS_VIP_GIVEN_MAC;
	unsigned int i;

	assert_int_equal(a->nb_vips, b->nb_vips);
	for (i = 0; i < a->nb_vips; i++) {
		const struct vs_vip_conf *x = &a->vips[i], *y = &b->vips[i];

		assert_memory_equal(&x->hash, &y->hash, sizeof(x->hash));
		assert_int_equal(x->nodes, y->nodes);
		assert_int_equal(x->prefix, y->prefix);
		assert_int_equal(x->garp, y->garp);
		assert_memory_equal(&x->mac, &y->mac, sizeof(x->mac));
	}
	/* the defaults (what a runtime vip add takes) */
	assert_int_equal(da->given & kept, db->given & kept);
	if (da->given & VS_VIP_GIVEN_NODES) {
		assert_int_equal(da->nodes, db->nodes);
		assert_int_equal(da->hash.total_nodes, db->hash.total_nodes);
	}
	if (da->given & VS_VIP_GIVEN_MAC)
		assert_memory_equal(&da->mac, &db->mac, sizeof(da->mac));
	assert_int_equal(da->hash.mode, db->hash.mode);
	assert_int_equal(da->hash.hash_init, db->hash.hash_init);
	assert_int_equal(da->hash.compat, db->hash.compat);
	assert_int_equal(da->garp, db->garp);
	assert_string_equal(a->port, b->port);
	assert_int_equal(a->host_kind, b->host_kind);
	assert_string_equal(a->host_arg, b->host_arg);
	assert_int_equal(a->no_host_addr, b->no_host_addr);
	assert_int_equal(a->replay, b->replay);
	assert_int_equal(a->idle_sleep_us, b->idle_sleep_us);
	assert_int_equal(a->gro_hold_us, b->gro_hold_us);
	assert_int_equal(a->host_napi, b->host_napi);
	assert_int_equal(a->stats_interval, b->stats_interval);
	assert_int_equal(a->frag_max, b->frag_max);
	assert_int_equal(a->frag_timeout_ms, b->frag_timeout_ms);
	assert_int_equal(a->burst, b->burst);
	assert_int_equal(a->igmp_report, b->igmp_report);
	assert_int_equal(a->igmp_mrd, b->igmp_mrd);
	assert_int_equal(a->igmp_interval, b->igmp_interval);
	assert_int_equal(a->bench.enabled, b->bench.enabled);
	assert_int_equal(a->bench.seconds, b->bench.seconds);
	assert_int_equal(a->bench.imix, b->bench.imix);
	assert_int_equal(a->bench.vips, b->bench.vips);
}

/* Parse, print, read back, print again: same settings, same text. */
static void
round_trip(struct vs_conf *c, struct vs_conf *back)
{
	char *t1 = print_conf(c), *t2;

	load_printed(t1, back);
	assert_same(c, back);
	t2 = print_conf(back);
	assert_string_equal(t1, t2);
	free(t1);
	free(t2);
}

static struct vs_conf conf, back;

/* Three VIPs: defaults before the first --vip, each VIP's own after it,
 * one taking the default nodes; process-wide keys changed too. */
static void
test_three_vips(void **state)
{
	char *argv[] = {
		"--", "--hashmode", "sourceip", "--hash-init", "0x1234",
		"--garp", "5", "--node", "2/4", "--igmp", "report",
		"--igmp-interval", "7", "--burst", "16", "--host", "tap:vs7",
		"--port", "net_x", "--no-host-addr", "--idle-sleep", "50",
		"--gro-hold", "120", "--host-napi", "off",
		"--stats-interval", "2", "--frag-max", "99",
		"--frag-timeout", "321", "--bench-size", "imix",
		"--vip", "192.168.100.100/24", "--node", "1,3/3",
		"--vip", "10.20.30.40", "--node", "2/2", "--hash-compat", "nft",
		"--mac", "01:00:5e:00:00:65",
		"--vip", "192.168.100.101/25", "--hash-init", "7", "--garp",
		"0", "--hashmode", "sourceip-sourceport-destport", NULL};
	const struct want_vip want[] = {
		{{192, 168, 100, 100}, 24, 0x5, 3, VS_HASH_SIP, 0x1234,
		 VS_COMPAT_CLUSTERIP, {0}, 5},
		{{10, 20, 30, 40}, 32, 0x2, 2, VS_HASH_SIP, 0x1234,
		 VS_COMPAT_NFT, {0x01, 0x00, 0x5e, 0x00, 0x00, 0x65}, 5},
		{{192, 168, 100, 101}, 25, 0x2, 4, VS_HASH_SIP_SPT_DPT, 7,
		 VS_COMPAT_CLUSTERIP, {0}, 0},
	};
	struct vs_vip_conf added[2];
	char err[256];
	unsigned int i;

	(void)state;
	parse_args(&conf, argv);
	assert_int_equal(conf.nb_vips, 3);
	for (i = 0; i < 3; i++)
		check_vip(&conf.vips[i], &want[i]);
	round_trip(&conf, &back);
	for (i = 0; i < 3; i++)
		check_vip(&back.vips[i], &want[i]);
	assert_string_equal(back.port, "net_x");
	assert_int_equal(back.host_kind, VS_HOST_TAP);
	assert_string_equal(back.host_arg, "vs7");
	assert_true(back.no_host_addr);
	assert_true(back.igmp_report);
	assert_false(back.igmp_mrd);
	assert_int_equal(back.igmp_interval, 7);
	assert_int_equal(back.burst, 16);
	assert_int_equal(back.idle_sleep_us, 50);
	assert_int_equal(back.gro_hold_us, 120);
	assert_false(back.host_napi);
	assert_int_equal(back.stats_interval, 2);
	assert_int_equal(back.frag_max, 99);
	assert_int_equal(back.frag_timeout_ms, 321);
	assert_true(back.bench.imix);
	/* a VIP added at run time takes the same defaults from both */
	assert_int_equal(vs_conf_parse_vip(&conf, "192.168.100.102/24",
					   &added[0], err, sizeof(err)),
			 0);
	assert_int_equal(vs_conf_parse_vip(&back, "192.168.100.102/24",
					   &added[1], err, sizeof(err)),
			 0);
	check_vip(&added[1],
		  &(struct want_vip){{192, 168, 100, 102}, 24, 0x2, 4,
				     VS_HASH_SIP, 0x1234, VS_COMPAT_CLUSTERIP,
				     {0}, 5});
	assert_memory_equal(&added[0], &added[1], sizeof(added[0]));
}

/* Every --host kind --check prints reads back as the same kind and
 * argument (a kind missing from the printer printed "(null)"). */
static void
test_host_kinds(void **state)
{
	static const struct {
		const char *arg;
		enum vs_host_kind kind;
		const char *name;
	} k[] = {
		{"vnet", VS_HOST_VNET, "vs0"},
		{"vnet:h1", VS_HOST_VNET, "h1"},
		{"tap:t2", VS_HOST_TAP, "t2"},
		{"net_tap:n3", VS_HOST_NET_TAP, "n3"},
		{"port:2", VS_HOST_PORT, "2"},
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < RTE_DIM(k); i++) {
		char *argv[] = {"--", "--vip", "10.0.0.1", "--node", "1/2",
				"--host", (char *)(uintptr_t)k[i].arg, NULL};

		parse_args(&conf, argv);
		assert_int_equal(conf.host_kind, k[i].kind);
		round_trip(&conf, &back);
		assert_int_equal(back.host_kind, k[i].kind);
		assert_string_equal(back.host_arg, k[i].name);
	}
}

/* The example, from a file with [vip] sections; then with flags:
 * a --vip on the command line replaces the file's VIPs (every one, its
 * sections too), the file's defaults stay. */
static void
test_file_and_flags(void **state)
{
	static const char file[] =
		"hashmode = sourceip\n"
		"vip = 192.168.100.100/24\n"
		"node = 1/3\n"
		"[vip 192.168.100.101/24]\n"
		"node = 2/2\n"
		"hashmode = sourceip-sourceport\n"
		"mac = 01:00:5e:00:00:65\n";
	char path[] = "/tmp/vs-test-conf-XXXXXX";
	char *argv_file[] = {"--", "--config", path, "--replay", NULL};
	char *argv[] = {"--", "--config", path, "--vip", "192.168.100.102",
			"--node", "3/3", "--replay", NULL};
	char *argv2[] = {"--", "--config", path,	  "--node",
			 "1/2", "--vip",    "192.168.100.101", "--vip",
			 "10.1.1.1/24", NULL};
	const struct want_vip want[] = {
		{{192, 168, 100, 100}, 24, 0x1, 3, VS_HASH_SIP, 0,
		 VS_COMPAT_CLUSTERIP, {0}, 3},
		{{192, 168, 100, 101}, 24, 0x2, 2, VS_HASH_SIP_SPT, 0,
		 VS_COMPAT_CLUSTERIP, {0x01, 0x00, 0x5e, 0x00, 0x00, 0x65}, 3},
	};
	const struct want_vip flags = {{192, 168, 100, 102}, 32, 0x4, 3,
				       VS_HASH_SIP, 0, VS_COMPAT_CLUSTERIP,
				       {0}, 3};
	/* the file's defaults (sourceip), the command line's nodes; nothing
	 * of the file's [vip 192.168.100.101/24] section */
	const struct want_vip flags2[] = {
		{{192, 168, 100, 101}, 32, 0x1, 2, VS_HASH_SIP, 0,
		 VS_COMPAT_CLUSTERIP, {0}, 3},
		{{10, 1, 1, 1}, 24, 0x1, 2, VS_HASH_SIP, 0,
		 VS_COMPAT_CLUSTERIP, {0}, 3},
	};
	unsigned int i;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, file, sizeof(file) - 1),
			 (ssize_t)sizeof(file) - 1);
	close(fd);
	parse_args(&conf, argv_file);
	assert_int_equal(conf.nb_vips, 2);
	for (i = 0; i < 2; i++)
		check_vip(&conf.vips[i], &want[i]);
	round_trip(&conf, &back);
	assert_true(back.replay);

	parse_args(&conf, argv);
	assert_int_equal(conf.nb_vips, 1);
	check_vip(&conf.vips[0], &flags);
	round_trip(&conf, &back);
	assert_true(back.replay);

	parse_args(&conf, argv2);
	unlink(path);
	assert_int_equal(conf.nb_vips, 2);
	for (i = 0; i < 2; i++)
		check_vip(&conf.vips[i], &flags2[i]);
	round_trip(&conf, &back);
}

/* --bench-vips: the padded VIPs are printed and read back as they are. */
static void
test_bench_vips(void **state)
{
	char *argv[] = {"--", "--bench", "--bench-vips", "4", "--vip",
			"10.0.0.1/8", "--node", "1/2", "--vip", "10.0.0.3",
			"--node", "2/2", NULL};
	const uint8_t last[4][4] = {{10, 0, 0, 1}, {10, 0, 0, 3},
				    {10, 0, 0, 2}, {10, 0, 0, 4}};
	unsigned int i;

	(void)state;
	parse_args(&conf, argv);
	assert_int_equal(conf.nb_vips, 4);
	for (i = 0; i < 4; i++)
		assert_memory_equal(&conf.vips[i].hash.vip, last[i], 4);
	round_trip(&conf, &back);
	assert_true(back.bench.enabled);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_three_vips),
		cmocka_unit_test(test_host_kinds),
		cmocka_unit_test(test_file_and_flags),
		cmocka_unit_test(test_bench_vips),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
