/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Logging: one dynamic log type per module, registered in the file that
 * owns it (RTE_LOG_REGISTER(vs_logtype_port, vipshare.port, INFO) in
 * port.c, ...), so --log-level=vipshare.port:debug reaches exactly that
 * module. VS_LOG(port, ERR, ...) logs under vs_logtype_port.
 *
 * Every message of the program starts with VS_PROG ": ", before the EAL
 * starts (VS_ERR) as after it (VS_LOG). Log lines, the EAL's included,
 * and the periodic statistics line start with a timestamp, unless they go
 * to the journal, which stamps them itself.
 */
#ifndef VS_LOG_H
#define VS_LOG_H

#include <stdio.h>

#include <rte_log.h>

#define VS_PROG "dpdk-vipshare"

#define VS_LOG(type, lvl, ...) \
	rte_log(RTE_LOG_##lvl, vs_logtype_##type, VS_PROG ": " __VA_ARGS__)

/* A one-line error on stderr, without the EAL's logging (no timestamp):
 * bad settings, before anything runs. */
#define VS_ERR(...) fprintf(stderr, VS_PROG ": " __VA_ARGS__)

/* rte_log's stream: stderr with timestamps. 0 or negative errno (then
 * plain stderr). */
int vs_log_init(void);

/* Writes the timestamp and a blank to f, unless f is the journal. */
void vs_log_stamp(FILE *f);

/* line without the timestamp vs_log_init's stream put before it. */
const char *vs_log_unstamp(const char *line);

#endif /* VS_LOG_H */
