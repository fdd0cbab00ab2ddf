/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * --bench-host: 64-byte UDP into the host stack through the real host port
 * (bench_host.c), the rate counted by the kernel.
 */
#ifndef VS_BENCH_HOST_H
#define VS_BENCH_HOST_H

struct vs_app;

/* On an app whose ports and workers are set up; the exit code. */
int vs_bench_host_run(struct vs_app *a);

#endif /* VS_BENCH_HOST_H */
