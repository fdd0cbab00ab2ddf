/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vs_util.h"

int
vs_util_parse_u32(const char *s, uint32_t *out)
{
	unsigned long long v;
	int base = 10;
	char *e;

	if (s == NULL)
		return -EINVAL;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	/* strtoull would accept signs, blanks and a second 0x: digits only */
	if (*s == '\0' ||
	    s[strspn(s, base == 16 ? "0123456789abcdefABCDEF" : "0123456789")])
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &e, base);
	if (errno || *e != '\0' || v > UINT32_MAX)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

int
vs_util_parse_ipv4(const char *s, uint32_t *out)
{
	struct in_addr a;

	if (s == NULL || inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*out = a.s_addr;
	return 0;
}
