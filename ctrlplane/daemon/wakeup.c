/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control loop's stale self-wake-ups, drained before each iteration.
 *
 * GLib (2.74) signals a context's wake-up eventfd every time a descriptor is
 * added to its poll set -- also from the thread that runs the loop, and also
 * when it re-adds the descriptors of each source it has just dispatched
 * (unblock_source).  So every iteration that dispatches a socket's source
 * leaves the wake-up signalled, and the next poll returns at once: a second,
 * empty iteration that walks every source of every call again.  perf counted
 * ~300 wake-up writes and ~100 loop iterations per call set-up.
 *
 * A signal written before an iteration's prepare step is stale: whatever
 * another thread changed before signalling (a source attached, a ready time
 * set) is seen by that prepare step anyway.  So the loop drains the eventfd
 * just before each iteration; a signal written after that still wakes the
 * poll, as before.
 *
 * GLib does not tell which descriptor is its wake-up: tz_wakeup_find() signals
 * it (g_main_context_wakeup) and looks for the one eventfd of the process
 * whose counter rose, twice in a row.  If that is not clear-cut, nothing is
 * drained and the loop behaves as before.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wake_mute.h"
#include "wakeup.h"

#define MAX_EVENTFDS 4096
#define ROUNDS 2
#define TRIES 5

static int wake_fd = -1;
static uint64_t drains, drained;

struct efd {
	int fd;
	uint64_t count;
};

static bool is_eventfd(int fd)
{
	char path[64], link[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return false;
	link[n] = '\0';
	return strcmp(link, "anon_inode:[eventfd]") == 0;
}

/* The counter of eventfd @p fd (fdinfo "eventfd-count:", hex), or -errno. */
static int eventfd_count(int fd, uint64_t *out)
{
	char path[64], line[128];
	FILE *f;
	int rc = -ENOENT;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (f == NULL)
		return -errno;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "eventfd-count:", 14) == 0) {
			*out = strtoull(line + 14, NULL, 16);
			rc = 0;
			break;
		}
	}
	fclose(f);
	return rc;
}

static size_t list_eventfds(struct efd *v, size_t cap)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	size_t n = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL && n < cap) {
		char *end;
		long fd = strtol(e->d_name, &end, 10);

		if (*end != '\0' || fd < 0 || fd == dirfd(d) || !is_eventfd((int)fd))
			continue;
		v[n].fd = (int)fd;
		if (eventfd_count((int)fd, &v[n].count) == 0)
			n++;
	}
	closedir(d);
	return n;
}

/* One round: the eventfd whose counter g_main_context_wakeup() raised, if
 * exactly one rose; -1 otherwise. */
static int one_round(GMainContext *ctx, struct efd *v, size_t n)
{
	int found = -1;

	g_main_context_wakeup(ctx);
	for (size_t i = 0; i < n; i++) {
		uint64_t now;

		if (eventfd_count(v[i].fd, &now) != 0 || now == v[i].count)
			continue;
		if (now < v[i].count || found >= 0)
			return -1; /* read meanwhile, or two rose */
		found = v[i].fd;
	}
	return found;
}

int tz_wakeup_find(GMainContext *ctx)
{
	struct efd *v = calloc(MAX_EVENTFDS, sizeof(*v));
	int rc = -ENOENT;

	if (v == NULL)
		return -ENOMEM;
	for (int t = 0; t < TRIES && rc != 0; t++) {
		int fd = -1, r;

		for (r = 0; r < ROUNDS; r++) {
			size_t n = list_eventfds(v, MAX_EVENTFDS);
			int got = one_round(ctx, v, n);

			if (got < 0 || (fd >= 0 && got != fd))
				break;
			fd = got;
		}
		if (r == ROUNDS) {
			int fl = fcntl(fd, F_GETFL);

			/* GLib's eventfd is non-blocking; a read must never wait */
			if (fl >= 0 && (fl & O_NONBLOCK) != 0) {
				wake_fd = fd;
				rc = 0;
			}
		}
	}
	free(v);
	if (rc == 0)
		tz_wakeup_drain(); /* our own test signals */
	return rc;
}

void tz_wakeup_drain(void)
{
	uint64_t v;

	tz_wake_mute_rearm();
	if (wake_fd < 0)
		return;
	drains++;
	if (tz_wake_mute_loop_unwritten(wake_fd))
		return; /* nothing written since the last drain (wake_mute.c) */
	if (read(wake_fd, &v, sizeof(v)) == (ssize_t)sizeof(v))
		drained++;
}

void tz_wakeup_forget(void)
{
	wake_fd = -1;
}

int tz_wakeup_fd(void)
{
	return wake_fd;
}

void tz_wakeup_get_stats(uint64_t *n_drains, uint64_t *n_drained)
{
	*n_drains = drains;
	*n_drained = drained;
}
