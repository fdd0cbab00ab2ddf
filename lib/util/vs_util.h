/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vs_util: small string parsers shared by the command-line tools and the
 * config loader. Strict: the whole string or nothing, -EINVAL otherwise.
 */
#ifndef VS_UTIL_H
#define VS_UTIL_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Unsigned 32-bit number, decimal or 0x-hex, whole string. 0 or -EINVAL. */
int vs_util_parse_u32(const char *s, uint32_t *out);

/* Dotted quad to network order. 0 or -EINVAL. */
int vs_util_parse_ipv4(const char *s, uint32_t *out);

#ifdef __cplusplus
}
#endif

#endif /* VS_UTIL_H */
