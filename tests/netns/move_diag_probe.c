/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * move_diag_probe VIP TOTAL MODE HASH_INIT COMPAT: what the drainer's
 * inet_diag query (vs_move_diag_count) finds in this network namespace:
 * the TCP connections of VIP per node number, one line "c1 c2 ... cN".
 * Exit 1 with the error when the query fails, 2 on bad arguments.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vs_move.h"

int
main(int argc, char **argv)
{
	uint32_t count[VS_MAX_NODES];
	struct vs_hash_cfg h;
	struct in_addr a;
	unsigned int n;
	int rc, m, c;

	if (argc != 6 || inet_pton(AF_INET, argv[1], &a) != 1) {
		fprintf(stderr, "usage: %s VIP TOTAL MODE HASH_INIT COMPAT\n",
			argv[0]);
		return 2;
	}
	memset(&h, 0, sizeof(h));
	h.vip = a.s_addr;
	h.total_nodes = (uint16_t)atoi(argv[2]);
	m = vs_hash_mode_parse(argv[3]);
	c = vs_hash_compat_parse(argv[5]);
	if (h.total_nodes < 1 || h.total_nodes > VS_MAX_NODES || m < 0 ||
	    c < 0) {
		fprintf(stderr, "%s: bad settings\n", argv[0]);
		return 2;
	}
	h.mode = (uint8_t)m;
	h.compat = (uint8_t)c;
	h.hash_init = (uint32_t)strtoul(argv[4], NULL, 0);
	rc = vs_move_diag_count(&h, UINT64_MAX, count);
	if (rc < 0) {
		fprintf(stderr, "%s: %s\n", argv[0], strerror(-rc));
		return 1;
	}
	for (n = 0; n < h.total_nodes; n++)
		printf(n ? " %u" : "%u", count[n]);
	printf("\n");
	return 0;
}
