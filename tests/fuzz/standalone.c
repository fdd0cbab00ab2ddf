/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * main() for the fuzz targets without libFuzzer (any compiler): runs the
 * inputs named on the command line, files or directories of files, once
 * each. A crash or a failed invariant aborts; exit 1 when there was no
 * input at all.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "vs_fuzz.h"

/* Replay inputs (files, or directories of files) without libFuzzer. */
static int
run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	static uint8_t buf[1 << 20];
	size_t n;

	if (f == NULL) {
		perror(path);
		return 1;
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	return 0;
}

int
main(int argc, char **argv)
{
	int i, files = 0, bad = 0;

	LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++) {
		struct stat st;
		DIR *d;
		struct dirent *e;
		char p[4096];

		if (stat(argv[i], &st) < 0 || !S_ISDIR(st.st_mode)) {
			bad += run_file(argv[i]);
			files++;
			continue;
		}
		d = opendir(argv[i]);
		if (d == NULL)
			continue;
		while ((e = readdir(d)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			snprintf(p, sizeof(p), "%s/%s", argv[i], e->d_name);
			bad += run_file(p);
			files++;
		}
		closedir(d);
	}
	printf("%d inputs run, %d unreadable\n", files, bad);
	return bad || files == 0 ? 1 : 0; /* no corpus is a failure too */
}
