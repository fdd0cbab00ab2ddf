/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * --bench: the steering path (vs_worker_nic_burst) at line rate on
 * in-memory traffic (lib/gen), next to an io-forward of the same frames.
 * Its settings are the vs_bench_conf of vs_conf.
 */
#ifndef VS_BENCH_H
#define VS_BENCH_H

struct vs_app;

/* Run the benchmark on an initialised app (vs_app_init); the exit code. */
int vs_bench_run(struct vs_app *a);

#endif /* VS_BENCH_H */
