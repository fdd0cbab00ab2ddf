/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Logging: one dynamic log type per module, registered in the file that
 * owns it (RTE_LOG_REGISTER(vs_logtype_port, vipshare.port, INFO) in
 * port.c, ...), so --log-level=vipshare.port:debug reaches exactly that
 * module. VS_LOG(port, ERR, ...) logs under vs_logtype_port.
 */
#ifndef VS_LOG_H
#define VS_LOG_H

#include <rte_log.h>

#define VS_LOG(type, lvl, ...) \
	rte_log(RTE_LOG_##lvl, vs_logtype_##type, "vipshare: " __VA_ARGS__)

#endif /* VS_LOG_H */
