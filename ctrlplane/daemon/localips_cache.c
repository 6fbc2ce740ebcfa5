/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nice_interfaces_get_local_ips() as libnice sees it inside the daemon: one
 * real listing a second at most.  libnice computes every host candidate's
 * local preference from the position of its address in that list, so each
 * agent's gathering builds it: getifaddrs() (cached, ifaddrs_cache.c), then
 * getnameinfo() per address, which for an IPv6 link-local address opens a
 * socket for if_indextoname() — ≈ 2.3 % of the control thread per set-up
 * at 100 set-ups/s (perf).  libnice calls the function through its PLT, so
 * the executable's definition comes first, as with getifaddrs and close.
 *
 * Each caller gets its own copy (it frees the list and the strings); an
 * interface change is seen up to LOCALIPS_TTL_MS late, as with getifaddrs.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>
#include <time.h>

#include "localips_cache.h"

#define LOCALIPS_TTL_MS 1000

GList *nice_interfaces_get_local_ips(gboolean include_loopback);

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static GList *(*source)(gboolean);
static int64_t (*clock_ms)(void);
static GList *cached[2];   /* by include_loopback */
static int64_t taken[2];
static bool valid[2];
static struct tz_localips_stats stats;

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void forget(void)
{
	for (int i = 0; i < 2; i++) {
		g_list_free_full(cached[i], g_free);
		cached[i] = NULL;
		valid[i] = false;
	}
}

void tz_localips_set_source(GList *(*get)(gboolean include_loopback),
			    int64_t (*now_ms)(void))
{
	pthread_mutex_lock(&lock);
	source = get;
	clock_ms = now_ms;
	forget();
	pthread_mutex_unlock(&lock);
}

static GList *(*resolve(void))(gboolean)
{
	if (source == NULL)
		source = (GList * (*)(gboolean)) dlsym(RTLD_NEXT, "nice_interfaces_get_local_ips");
	return source;
}

static GList *copy(GList *l)
{
	return g_list_copy_deep(l, (GCopyFunc)(void (*)(void))g_strdup, NULL);
}

GList *nice_interfaces_get_local_ips(gboolean include_loopback)
{
	int i = include_loopback ? 1 : 0;
	int64_t now;
	GList *out;

	pthread_mutex_lock(&lock);
	if (resolve() == NULL) {
		pthread_mutex_unlock(&lock);
		return NULL;
	}
	stats.calls++;
	now = (clock_ms != NULL ? clock_ms : mono_ms)();
	if (!valid[i] || now - taken[i] >= LOCALIPS_TTL_MS) {
		g_list_free_full(cached[i], g_free);
		cached[i] = source(include_loopback);
		taken[i] = now;
		valid[i] = true;
		stats.queries++;
	}
	out = copy(cached[i]);
	pthread_mutex_unlock(&lock);
	return out;
}

void tz_localips_get_stats(struct tz_localips_stats *st)
{
	pthread_mutex_lock(&lock);
	*st = stats;
	pthread_mutex_unlock(&lock);
}
