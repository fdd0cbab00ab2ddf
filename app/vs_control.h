/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Runtime control over DPDK telemetry (/vipshare/stats, nodes, node_add,
 * node_del, status): vipshare-ctl and dpdk-telemetry.py talk to these.
 */
#ifndef VS_CONTROL_H
#define VS_CONTROL_H

/* Register the /vipshare/... commands. -EINVAL when telemetry refuses. */
int vs_control_init(void);

#endif /* VS_CONTROL_H */
