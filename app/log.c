/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Timestamps on log lines: rte_log writes to a stdio stream, so the
 * stream is one of ours (fopencookie) that puts the time before each line
 * and writes the line with it in one write(), so that lines of other
 * writers to the same file (the statistics on stdout) never split it.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "vs_log.h"

/* "2026-12-02T00:14:40.123+00:00 " */
#define STAMP_LEN 30

static size_t
stamp(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	n += (size_t)snprintf(buf + n, size - n, ".%03ld", ts.tv_nsec / 1000000);
	/* RFC 3339 wants the offset as +hh:mm, strftime gives +hhmm */
	n += strftime(buf + n, size - n, "%z", &tm);
	if (n == STAMP_LEN - 2 && n + 2 < size) {
		memmove(buf + n - 1, buf + n - 2, 3);
		buf[n - 2] = ':';
		n++;
	}
	buf[n++] = ' ';
	buf[n] = '\0';
	return n;
}

/* systemd's JOURNAL_STREAM names the journal's stream as device:inode. */
static bool
is_journal(int fd)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	return js != NULL && sscanf(js, "%llu:%llu", &dev, &ino) == 2 &&
	       fstat(fd, &st) == 0 && st.st_dev == dev && st.st_ino == ino;
}

struct stamped {
	int fd;
	bool bol; /* the next byte starts a line */
};

static ssize_t
stamped_write(void *cookie, const char *buf, size_t size)
{
	struct stamped *s = cookie;
	size_t done = 0;

	while (done < size) {
		const char *nl = memchr(buf + done, '\n', size - done);
		size_t len = nl ? (size_t)(nl - buf) + 1 - done : size - done;
		char ts[STAMP_LEN + 8];
		struct iovec iov[2];
		int n = 0;

		if (s->bol) {
			iov[n].iov_base = ts;
			iov[n++].iov_len = stamp(ts, sizeof(ts));
		}
		iov[n].iov_base = (void *)(uintptr_t)(buf + done);
		iov[n++].iov_len = len;
		/* a short write to a log is not worth retrying */
		if (writev(s->fd, iov, n) < 0 && errno != EINTR)
			return done ? (ssize_t)done : -1;
		s->bol = nl != NULL;
		done += len;
	}
	return (ssize_t)size;
}

int
vs_log_init(void)
{
	static struct stamped s = {.fd = STDERR_FILENO, .bol = true};
	static const cookie_io_functions_t io = {.write = stamped_write};
	FILE *f;

	if (is_journal(STDERR_FILENO)) {
		rte_openlog_stream(stderr);
		return 0;
	}
	f = fopencookie(&s, "w", io);
	if (f == NULL) {
		rte_openlog_stream(stderr);
		return -errno;
	}
	/* rte_log flushes after each message; lines are whole anyway */
	setvbuf(f, NULL, _IOLBF, 0);
	rte_openlog_stream(f);
	return 0;
}

void
vs_log_stamp(FILE *f)
{
	char ts[STAMP_LEN + 8];

	if (!is_journal(fileno(f))) {
		stamp(ts, sizeof(ts));
		fputs(ts, f);
	}
}

const char *
vs_log_unstamp(const char *line)
{
	/* digits, '-', 'T', ':', '.', '+' then one blank */
	size_t n = strspn(line, "0123456789-T:.+");

	return n == STAMP_LEN - 1 && line[n] == ' ' ? line + n + 1 : line;
}
