/* SPDX-License-Identifier: BSD-3-Clause */
/* --bench: placeholder until the benchmark mode lands. */
#include <stdio.h>

#include "vs_app.h"

int
vs_bench_run(struct vs_app *a)
{
	RTE_SET_USED(a);
	fprintf(stderr, "dpdk-vipshare: --bench is not implemented yet\n");
	return 1;
}
