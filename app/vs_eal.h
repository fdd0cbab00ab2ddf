/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The EAL's start and end. The runtime directory (telemetry and
 * multi-process sockets) is made owner-only at start; at the end it and
 * the EAL's hugepage files are removed, so a stopped node keeps nothing.
 */
#ifndef VS_EAL_H
#define VS_EAL_H

/* rte_eal_init on the EAL's arguments; -1 (reported) on failure. */
int vs_eal_init(int argc, char **argv);

/* rte_eal_cleanup and the files; returns ret, for return vs_eal_fini(r). */
int vs_eal_fini(int ret);

#endif /* VS_EAL_H */
