/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the fuzz targets and their standalone driver share: the libFuzzer
 * entry points and CHECK(), which aborts (a finding) when an invariant of
 * the code under test fails.
 */
#ifndef VS_FUZZ_H
#define VS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A fuzz input read as a script: numbers and byte strings off its front,
 * zeros once it is used up. */
struct vs_fuzz_in {
	const uint8_t *p;
	size_t n;
};

/* The next `bytes` bytes as a big-endian number. */
static inline uint64_t
vs_fuzz_take(struct vs_fuzz_in *in, unsigned int bytes)
{
	uint64_t v = 0;

	while (bytes--) {
		v <<= 8;
		if (in->n) {
			v |= *in->p++;
			in->n--;
		}
	}
	return v;
}

/* A byte string: its length (2 bytes), then that many bytes (or what
 * is left, at most size) copied into buf. Returns the bytes copied. */
static inline size_t
vs_fuzz_bytes(struct vs_fuzz_in *in, uint8_t *buf, size_t size)
{
	size_t len = (size_t)vs_fuzz_take(in, 2);

	if (len > in->n)
		len = in->n;
	if (len > size)
		len = size;
	memcpy(buf, in->p, len);
	in->p += len;
	in->n -= len;
	return len;
}

#define CHECK(cond)                                                      \
	do {                                                             \
		if (!(cond)) {                                           \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", \
				__FILE__, __LINE__, #cond);              \
			abort();                                         \
		}                                                        \
	} while (0)

#endif /* VS_FUZZ_H */
