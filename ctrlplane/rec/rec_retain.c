/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Recording retention (docs/recording.md "Retention"): a thread of its own,
 * "tz-rec-sweep", runs rec_sweep() at start, after a reload, every ten
 * minutes, when a closed recording takes a pool over its size, and when an
 * operator asks (`trapezectl recordings sweep`).  Neither the control loop
 * nor the writer ever lists a directory: the writer only adds the size of
 * what it closed to the pool's total (three stat calls).
 */
#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "rec_pvt.h"
#include "tz_log.h"

#define PERIOD_S (10 * 60)

static struct {
	GMutex lock;
	GCond cond;               /* the thread waits for work, callers for a result */
	GThread *thread;
	struct tz_rec_retain_dir *dirs;
	unsigned n;
	uint64_t *pool_bytes;     /* per dir index: its pool's total (at the pool's first dir) */
	bool want, quit;
	uint64_t asked, done;     /* sweeps asked for / finished */
	uint64_t plan;            /* generation of dirs[] */
	struct tz_rec_retain_stats st;
} S;

/* The index of the first dir of @p i's pool: where its total is kept. */
static unsigned pool_head(unsigned i)
{
	for (unsigned k = 0; k < i; k++)
		if (S.dirs[k].pool == S.dirs[i].pool)
			return k;
	return i;
}

static void account(const struct tz_rec_sweep_result *r)
{
	S.st.sweeps++;
	S.st.deleted_age += r->deleted_age;
	S.st.deleted_size += r->deleted_size;
	S.st.bytes_freed += r->bytes_freed;
	S.st.errors += r->errors;
	S.st.total_bytes = r->total_bytes;
	S.st.total_recordings = r->total_recordings;
	S.st.last = *r;
}

static gpointer sweep_main(gpointer unused)
{
	(void)unused;
	/* housekeeping: the writer, the control loop and the workers go first
	 * (Linux: nice is per thread) */
	if (setpriority(PRIO_PROCESS, (id_t)gettid(), 10) != 0)
		TZ_LOG(CP_SESSION, DEBUG, "recording retention: nice 10: %s", g_strerror(errno));
	g_mutex_lock(&S.lock);
	for (;;) {
		gint64 deadline = g_get_monotonic_time() + PERIOD_S * G_TIME_SPAN_SECOND;
		struct tz_rec_retain_dir *dirs;
		struct tz_rec_sweep_result *res;
		uint64_t asked, plan, *pools;
		unsigned n;

		while (!S.want && !S.quit)
			if (!g_cond_wait_until(&S.cond, &S.lock, deadline))
				break;                  /* the periodic sweep */
		if (S.quit)
			break;
		S.want = false;
		asked = S.asked;
		dirs = g_memdup2(S.dirs, sizeof(*dirs) * S.n);
		n = S.n;
		plan = S.plan;
		g_mutex_unlock(&S.lock);

		res = g_new0(struct tz_rec_sweep_result, 1);
		pools = g_new0(uint64_t, n > 0 ? n : 1);
		/* without limits the sweep only counts what is stored */
		rec_sweep(dirs, n, g_get_real_time() / G_USEC_PER_SEC, rec_is_open, NULL, res, pools);
		g_free(dirs);
		if (res->deleted_age + res->deleted_size + res->errors != 0)
			TZ_LOG(CP_SESSION, NOTICE, "recording retention: deleted %lu recordings past "
			       "max_age_days and %lu over max_total_mb (%lu bytes), %lu errors; %lu "
			       "recordings (%lu bytes) stored", (unsigned long)res->deleted_age,
			       (unsigned long)res->deleted_size, (unsigned long)res->bytes_freed,
			       (unsigned long)res->errors, (unsigned long)res->total_recordings,
			       (unsigned long)res->total_bytes);

		g_mutex_lock(&S.lock);
		account(res);
		if (plan == S.plan)
			memcpy(S.pool_bytes, pools, sizeof(*pools) * n);
		g_free(pools);
		g_free(res);
		S.done = asked;
		g_cond_broadcast(&S.cond);
	}
	g_mutex_unlock(&S.lock);
	return NULL;
}

int tz_rec_retain_set(const struct tz_rec_retain_dir *dirs, unsigned n)
{
	if (!tz_rec_running())
		return -ENOTCONN;
	g_mutex_lock(&S.lock);
	g_free(S.dirs);
	g_free(S.pool_bytes);
	S.dirs = n > 0 ? g_memdup2(dirs, sizeof(*dirs) * n) : NULL;
	S.pool_bytes = g_new0(uint64_t, n > 0 ? n : 1);
	S.n = n;
	S.plan++;
	S.want = true;
	S.asked++;
	if (S.thread == NULL) {
		S.quit = false;
		S.thread = g_thread_try_new("tz-rec-sweep", sweep_main, NULL, NULL);
	}
	g_cond_broadcast(&S.cond);
	g_mutex_unlock(&S.lock);
	return S.thread != NULL ? 0 : -ENOMEM;
}

void rec_retain_stop(void)
{
	g_mutex_lock(&S.lock);
	S.quit = true;
	g_cond_broadcast(&S.cond);
	g_mutex_unlock(&S.lock);
	if (S.thread != NULL)
		g_thread_join(S.thread);
	S.thread = NULL;
	g_free(S.dirs);
	g_free(S.pool_bytes);
	S.dirs = NULL;
	S.pool_bytes = NULL;
	S.n = 0;
	S.want = false;
}

/* Writer thread: add what it closed; a pool over its size gets a sweep. */
void rec_retain_closed(const char *dir, const char *name)
{
	static const char *const ext[] = { "pcap", "wav", "json" };
	uint64_t bytes = 0;

	for (unsigned i = 0; i < G_N_ELEMENTS(ext); i++) {
		char path[1200];
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s.%s", dir, name, ext[i]);
		if (lstat(path, &st) == 0 && S_ISREG(st.st_mode))
			bytes += (uint64_t)st.st_size;
	}
	g_mutex_lock(&S.lock);
	S.st.total_bytes += bytes;
	S.st.total_recordings++;
	for (unsigned i = 0; i < S.n; i++) {
		unsigned h;

		if (strcmp(S.dirs[i].dir, dir) != 0)
			continue;
		h = pool_head(i);
		S.pool_bytes[h] += bytes;
		if (S.dirs[i].max_bytes != 0 && S.pool_bytes[h] > S.dirs[i].max_bytes && !S.want) {
			S.want = true;
			S.asked++;
			g_cond_broadcast(&S.cond);
		}
		break;
	}
	g_mutex_unlock(&S.lock);
}

void tz_rec_retain_stats_get(struct tz_rec_retain_stats *out)
{
	g_mutex_lock(&S.lock);
	*out = S.st;
	g_mutex_unlock(&S.lock);
}

int tz_rec_sweep_now(unsigned wait_ms, struct tz_rec_sweep_result *out)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)wait_ms * 1000;
	uint64_t ticket;
	int rc = 0;

	g_mutex_lock(&S.lock);
	if (S.thread == NULL) {
		g_mutex_unlock(&S.lock);
		return -ENOTCONN;
	}
	S.want = true;
	ticket = ++S.asked;
	g_cond_broadcast(&S.cond);
	while (S.done < ticket && rc == 0)
		if (!g_cond_wait_until(&S.cond, &S.lock, deadline))
			rc = -ETIMEDOUT;
	if (S.done >= ticket)
		rc = 0;
	if (rc == 0)
		*out = S.st.last;
	g_mutex_unlock(&S.lock);
	return rc;
}
