/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * /proc/self/task/<tid>/stat (proc(5)), the few fields `show process` needs.
 * The line is "tid (comm) state ppid pgrp session tty_nr tpgid flags minflt
 * cminflt majflt cmajflt utime stime ...": utime and stime are the 12th and
 * 13th fields after the closing parenthesis of comm.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procstat.h"

#define UTIME_FIELD 12   /* counted from the state field, which is field 1 */

/* A decimal number at *p (no sign); advances *p.  -EINVAL if none or too big. */
static int parse_u64(const char **p, const char *end, uint64_t *v)
{
	const char *s = *p;
	uint64_t x = 0;

	if (s == end || *s < '0' || *s > '9')
		return -EINVAL;
	for (; s < end && *s >= '0' && *s <= '9'; s++) {
		if (x > (UINT64_MAX - 9) / 10)
			return -EINVAL;
		x = x * 10 + (uint64_t)(*s - '0');
	}
	*p = s;
	*v = x;
	return 0;
}

int tz_procstat_parse(const char *buf, size_t len, struct tz_procstat *out)
{
	const char *end = buf + len, *p = buf, *open, *close = NULL;
	uint64_t v;
	size_t n;

	memset(out, 0, sizeof(*out));
	if (parse_u64(&p, end, &v) != 0 || v == 0 || v > 0x7fffffff)
		return -EINVAL;
	out->tid = (int)v;
	if (end - p < 2 || p[0] != ' ' || p[1] != '(')
		return -EINVAL;
	open = p + 2;
	for (const char *q = open; q < end; q++)
		if (*q == ')')
			close = q;
	if (close == NULL)
		return -EINVAL;
	n = (size_t)(close - open);
	if (n >= sizeof(out->comm))
		n = sizeof(out->comm) - 1;
	memcpy(out->comm, open, n);
	for (size_t i = 0; i < n; i++)   /* a name is shown, never trusted */
		if ((unsigned char)out->comm[i] < 0x20 || (unsigned char)out->comm[i] >= 0x7f)
			out->comm[i] = '?';
	p = close + 1;
	/* field 1 is the state (one character), then numbers */
	for (int field = 1; field <= UTIME_FIELD + 1; field++) {
		if (p == end || *p != ' ')
			return -EINVAL;
		p++;
		if (field == 1) {
			if (p == end || *p == ' ')
				return -EINVAL;
			p++;
			continue;
		}
		if (p < end && *p == '-')   /* tty_nr, tpgid may be -1 */
			p++;
		if (parse_u64(&p, end, &v) != 0)
			return -EINVAL;
		if (field == UTIME_FIELD)
			out->utime_ticks = v;
		else if (field == UTIME_FIELD + 1)
			out->stime_ticks = v;
	}
	return 0;
}

int tz_procstat_threads(struct tz_procstat *out, size_t max)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -errno;
	while ((size_t)n < max && (e = readdir(d)) != NULL) {
		char path[64], buf[1024];
		ssize_t len;
		int fd;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%.20s/stat", e->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;   /* the thread ended meanwhile */
		len = read(fd, buf, sizeof(buf));
		close(fd);
		if (len > 0 && tz_procstat_parse(buf, (size_t)len, &out[n]) == 0)
			n++;
	}
	closedir(d);
	return n;
}

int tz_procstat_worker_lcore(const char *comm)
{
	static const char *const prefixes[] = { "rte-worker-", "lcore-worker-", "dpdk-worker" };

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t n = strlen(prefixes[i]);
		char *end;
		long v;

		if (strncmp(comm, prefixes[i], n) != 0)
			continue;
		if (comm[n] < '0' || comm[n] > '9')
			return -1;
		v = strtol(comm + n, &end, 10);
		return *end == '\0' && v < 1024 ? (int)v : -1;
	}
	return -1;
}
