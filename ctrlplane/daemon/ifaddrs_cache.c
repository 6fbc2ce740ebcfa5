/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * getifaddrs() as the daemon's libraries see it: one netlink dump a second
 * at most.  libnice computes every host candidate's priority from the
 * candidate's position in the list of local addresses
 * (nice_candidate_ip_local_preference -> nice_interfaces_get_local_ips),
 * and builds that list with getifaddrs(): a dump of every interface and
 * address over netlink per call set-up, ≈ 5 % of the control thread's
 * set-up cost in perf although the agent's address is given.  Like close()
 * (close_hook.c), the executable's definition comes first in the dynamic
 * linker's search order.
 *
 * The list libc returned is handed out as is, to every caller, for
 * IFADDRS_TTL_MS; each list counts its users and libc frees it when it has
 * been replaced and its last user called freeifaddrs().  Callers never
 * write to the list (POSIX gives them no such right).  A list that is not
 * ours goes to libc's freeifaddrs().  When the table of lists in use is
 * full, calls go straight to libc.
 */
#include <dlfcn.h>
#include <ifaddrs.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "ifaddrs_cache.h"

#define IFADDRS_TTL_MS 1000
#define LISTS 8

struct list {
	struct ifaddrs *head; /* NULL: free slot */
	unsigned users;
	bool current;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct list lists[LISTS];
static int64_t taken_ms; /* when the current list was taken */
static struct tz_ifaddrs_stats stats;

static int (*real_get)(struct ifaddrs **);
static void (*real_free)(struct ifaddrs *);

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool resolve(void)
{
	if (real_get == NULL) {
		real_get = (int (*)(struct ifaddrs **))dlsym(RTLD_NEXT, "getifaddrs");
		real_free = (void (*)(struct ifaddrs *))dlsym(RTLD_NEXT, "freeifaddrs");
	}
	return real_get != NULL && real_free != NULL;
}

static struct list *current(void)
{
	for (int i = 0; i < LISTS; i++)
		if (lists[i].head != NULL && lists[i].current)
			return &lists[i];
	return NULL;
}

static struct list *free_slot(void)
{
	for (int i = 0; i < LISTS; i++)
		if (lists[i].head == NULL)
			return &lists[i];
	return NULL;
}

/* Retire the current list (freed now when nobody uses it). */
static void retire(struct list *l)
{
	l->current = false;
	if (l->users == 0) {
		real_free(l->head);
		l->head = NULL;
	}
}

/* A fresh list from libc into a slot; the slot or NULL (then *ifap is libc's). */
static struct list *refresh(struct ifaddrs **ifap, int *rc)
{
	struct list *l = current();

	if (l != NULL)
		retire(l);
	l = free_slot();
	*rc = real_get(ifap);
	stats.dumps++;
	if (*rc != 0 || l == NULL)
		return NULL;
	*l = (struct list){ .head = *ifap, .current = true };
	taken_ms = now_ms();
	return l;
}

int getifaddrs(struct ifaddrs **ifap)
{
	struct list *l;
	int rc = 0;

	pthread_mutex_lock(&lock);
	if (!resolve()) {
		pthread_mutex_unlock(&lock);
		return -1;
	}
	stats.calls++;
	l = current();
	if (l != NULL && now_ms() - taken_ms < IFADDRS_TTL_MS)
		*ifap = l->head;
	else
		l = refresh(ifap, &rc);
	if (l != NULL)
		l->users++;
	pthread_mutex_unlock(&lock);
	return rc;
}

void freeifaddrs(struct ifaddrs *ifa)
{
	pthread_mutex_lock(&lock);
	if (!resolve()) {
		pthread_mutex_unlock(&lock);
		return;
	}
	for (int i = 0; i < LISTS; i++) {
		struct list *l = &lists[i];

		if (l->head != ifa || ifa == NULL)
			continue;
		if (--l->users == 0 && !l->current) {
			real_free(l->head);
			l->head = NULL;
		}
		pthread_mutex_unlock(&lock);
		return;
	}
	pthread_mutex_unlock(&lock);
	real_free(ifa);
}

void tz_ifaddrs_get_stats(struct tz_ifaddrs_stats *st)
{
	pthread_mutex_lock(&lock);
	*st = stats;
	pthread_mutex_unlock(&lock);
}
