/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-call GMainContexts, dispatched by readiness (see ctxhub.h).
 *
 * The hub owns an epoll descriptor, polled by one source of the main
 * context, and a binary heap of members keyed by their next timeout.  A
 * member is a context the hub runs by hand: acquire, prepare, query (its
 * descriptors get the events epoll reported in this round, none otherwise:
 * epoll is level-triggered, what is left unread is reported again), check,
 * dispatch; then prepare and query again to learn its descriptors (added,
 * changed or deleted in epoll by difference) and its next timeout (the
 * heap).  Each context's own wake-up eventfd is never watched: the hub runs
 * the member's context only on its thread, and whatever changes a member's
 * sources from outside its dispatch calls tz_ctxhub_touch().
 *
 * A descriptor number belongs to at most one member at a time (the table
 * indexed by descriptor says which); a member gives its descriptors up in
 * tz_ctxhub_remove(), before its owner closes them.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "ctxhub.h"
#include "evpoll.h"
#include "wake_mute.h"

#define MEMBER_FDS 8     /* descriptors a member may have registered */
#define EVENTS_MAX 256   /* epoll events taken per hub dispatch */

struct tz_ctxhub_member {
	GMainContext *ctx;
	int wake_fd;                /* the context's wake-up descriptor: not watched */
	int fds[MEMBER_FDS];        /* registered now */
	unsigned n_fds;
	int64_t deadline;           /* µs (monotonic), -1: none */
	size_t heap_pos;            /* SIZE_MAX: not in the heap */
	uint32_t refs;              /* the hub's, and a pending run's or sync's */
	uint32_t run_round;         /* round in which it is queued to run */
	bool dirty, dead;
};

struct fdent {
	struct tz_ctxhub_member *m; /* the member that registered it, or NULL */
	uint32_t events;            /* epoll events registered */
	uint32_t round;             /* hub round in which epoll reported it */
	uint32_t revents;
	tz_ctxhub_peek_fn peek;
	void *peek_arg;
};

static struct {
	GSource *src;
	gpointer tag;
	int epfd;
	uint32_t round;
	struct fdent *fdt;
	size_t n_fdt;
	struct tz_ctxhub_member **heap;
	size_t n_heap, cap_heap;
	GPtrArray *dirty;           /* members to sync before the next poll */
	GPtrArray *run;             /* members to run in this dispatch */
	GPollFD *pfds;
	gint cap_pfds;
	struct tz_ctxhub_stats st;
} hub = { .epfd = -1 };

static void member_unref(struct tz_ctxhub_member *m)
{
	if (--m->refs != 0)
		return;
	g_main_context_unref(m->ctx);
	g_free(m);
}

/* --- the timer heap (min-heap on deadline) --- */

static void heap_set(size_t i, struct tz_ctxhub_member *m)
{
	hub.heap[i] = m;
	m->heap_pos = i;
}

static void heap_up(size_t i)
{
	struct tz_ctxhub_member *m = hub.heap[i];

	while (i > 0 && hub.heap[(i - 1) / 2]->deadline > m->deadline) {
		heap_set(i, hub.heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_set(i, m);
}

static void heap_down(size_t i)
{
	struct tz_ctxhub_member *m = hub.heap[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= hub.n_heap)
			break;
		if (c + 1 < hub.n_heap && hub.heap[c + 1]->deadline < hub.heap[c]->deadline)
			c++;
		if (hub.heap[c]->deadline >= m->deadline)
			break;
		heap_set(i, hub.heap[c]);
		i = c;
	}
	heap_set(i, m);
}

static void heap_remove(struct tz_ctxhub_member *m)
{
	size_t i = m->heap_pos;
	struct tz_ctxhub_member *last;

	if (i == SIZE_MAX)
		return;
	m->heap_pos = SIZE_MAX;
	last = hub.heap[--hub.n_heap];
	if (last == m)
		return;
	heap_set(i, last);
	heap_up(i);
	heap_down(last->heap_pos);
}

static int heap_update(struct tz_ctxhub_member *m, int64_t deadline)
{
	m->deadline = deadline;
	if (deadline < 0) {
		heap_remove(m);
		return 0;
	}
	if (m->heap_pos != SIZE_MAX) {
		heap_up(m->heap_pos);
		heap_down(m->heap_pos);
		return 0;
	}
	if (hub.n_heap == hub.cap_heap) {
		size_t cap = hub.cap_heap != 0 ? hub.cap_heap * 2 : 256;
		void *h = realloc(hub.heap, cap * sizeof(*hub.heap));

		if (h == NULL)
			return -ENOMEM;
		hub.heap = h;
		hub.cap_heap = cap;
	}
	heap_set(hub.n_heap++, m);
	heap_up(m->heap_pos);
	return 0;
}

/* --- descriptors --- */

static int grow_fdt(int fd)
{
	size_t n = hub.n_fdt;
	struct fdent *t;

	if ((size_t)fd < n)
		return 0;
	while (n <= (size_t)fd)
		n = n != 0 ? n * 2 : 1024;
	t = realloc(hub.fdt, n * sizeof(*t));
	if (t == NULL)
		return -ENOMEM;
	memset(t + hub.n_fdt, 0, (n - hub.n_fdt) * sizeof(*t));
	hub.fdt = t;
	hub.n_fdt = n;
	return 0;
}

static void fd_forget(int fd)
{
	struct fdent *e = &hub.fdt[fd];

	/* fails harmlessly when the file is already closed */
	epoll_ctl(hub.epfd, EPOLL_CTL_DEL, fd, NULL);
	hub.st.ctl++;
	e->m = NULL;
	e->events = 0;
	hub.st.fds--;
}

/* Register @p fd for @p m with @p events (new, or changed events). */
static int fd_register(struct tz_ctxhub_member *m, int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };
	struct fdent *e;

	if (grow_fdt(fd) != 0)
		return -ENOMEM;
	e = &hub.fdt[fd];
	if (e->m == m && e->events == events)
		return 0;
	hub.st.ctl++;
	if (e->m != NULL) {
		/* ENOENT: closed and reused behind the owner's back */
		if (epoll_ctl(hub.epfd, EPOLL_CTL_MOD, fd, &ev) != 0 &&
		    (errno != ENOENT || epoll_ctl(hub.epfd, EPOLL_CTL_ADD, fd, &ev) != 0))
			return -errno;
	} else {
		if (epoll_ctl(hub.epfd, EPOLL_CTL_ADD, fd, &ev) != 0 &&
		    (errno != EEXIST || epoll_ctl(hub.epfd, EPOLL_CTL_MOD, fd, &ev) != 0))
			return -errno;
		hub.st.fds++;
	}
	e->m = m;
	e->events = events;
	return 0;
}

static bool listed(const GPollFD *p, gint n, int fd)
{
	for (gint i = 0; i < n; i++)
		if (p[i].fd == fd)
			return true;
	return false;
}

static bool has_fd(const int *a, unsigned n, int fd)
{
	for (unsigned i = 0; i < n; i++)
		if (a[i] == fd)
			return true;
	return false;
}

/* Register @p p[i] (its first listing; events merged over all of them). */
static void sync_one(struct tz_ctxhub_member *m, const GPollFD *p, gint n, gint i)
{
	int fd = p[i].fd;
	uint32_t ev = 0;

	if (fd < 0 || fd == m->wake_fd || listed(p, i, fd))
		return;
	for (gint j = i; j < n; j++)
		if (p[j].fd == fd)
			ev |= tz_evpoll_to_epoll(p[j].events);
	if (fd_register(m, fd, ev) != 0) {
		hub.st.errors++;
		return;
	}
	if (has_fd(m->fds, m->n_fds, fd))
		return;
	if (m->n_fds < MEMBER_FDS) {
		m->fds[m->n_fds++] = fd;
		return;
	}
	fd_forget(fd);  /* more than a member may have: not watched */
	hub.st.errors++;
}

/* Make epoll watch exactly @p m's descriptors in @p p. */
static void sync_fds(struct tz_ctxhub_member *m, const GPollFD *p, gint n)
{
	unsigned k = 0;

	for (unsigned i = 0; i < m->n_fds; i++) {
		int fd = m->fds[i];

		if (listed(p, n, fd) && hub.fdt[fd].m == m)
			m->fds[k++] = fd;
		else if (hub.fdt[fd].m == m)
			fd_forget(fd);
	}
	m->n_fds = k;
	for (gint i = 0; i < n; i++)
		sync_one(m, p, n, i);
}

static void forget_all(struct tz_ctxhub_member *m)
{
	for (unsigned i = 0; i < m->n_fds; i++)
		if (hub.fdt[m->fds[i]].m == m)
			fd_forget(m->fds[i]);
	m->n_fds = 0;
}

/* --- running a member --- */

/* The member's poll records after a prepare: into hub.pfds; the count. */
static gint query(struct tz_ctxhub_member *m, gint prio, gint *timeout)
{
	gint n;

	for (;;) {
		n = g_main_context_query(m->ctx, prio, timeout, hub.pfds, hub.cap_pfds);
		if (n <= hub.cap_pfds)
			return n;
		hub.pfds = g_renew(GPollFD, hub.pfds, n);
		hub.cap_pfds = n;
	}
}

/* Read @p m's descriptors and next timeout again (context acquired). */
static void sync_member(struct tz_ctxhub_member *m)
{
	gint prio, timeout, n;

	g_main_context_prepare(m->ctx, &prio);
	n = query(m, prio, &timeout);
	sync_fds(m, hub.pfds, n);
	if (heap_update(m, timeout < 0 ? -1 : g_get_monotonic_time() + (int64_t)timeout * 1000) != 0)
		hub.st.errors++;
	hub.st.syncs++;
}

/* One iteration of @p m's context: the descriptors epoll reported in this
 * round are ready, the others not. */
static void run_member(struct tz_ctxhub_member *m)
{
	gint prio, timeout, n;

	if (!g_main_context_acquire(m->ctx))
		return;
	g_main_context_prepare(m->ctx, &prio);
	n = query(m, prio, &timeout);
	for (gint i = 0; i < n; i++) {
		int fd = hub.pfds[i].fd;
		const struct fdent *e = fd >= 0 && (size_t)fd < hub.n_fdt ? &hub.fdt[fd] : NULL;

		hub.pfds[i].revents = 0;
		if (e != NULL && e->m == m && e->round == hub.round)
			hub.pfds[i].revents = tz_evpoll_to_poll(e->revents) &
					      (hub.pfds[i].events | G_IO_ERR | G_IO_HUP);
	}
	if (g_main_context_check(m->ctx, prio, hub.pfds, n))
		g_main_context_dispatch(m->ctx);
	hub.st.runs++;
	if (!m->dead)
		sync_member(m);
	g_main_context_release(m->ctx);
}

static void queue_run(struct tz_ctxhub_member *m)
{
	if (m->dead || m->run_round == hub.round)
		return;
	m->run_round = hub.round;
	m->refs++;
	g_ptr_array_add(hub.run, m);
}

/* Members whose descriptor epoll reports ready; peek hooks first. */
static void collect_ready(void)
{
	struct epoll_event evs[EVENTS_MAX];
	int n = epoll_wait(hub.epfd, evs, EVENTS_MAX, 0);

	for (int i = 0; i < n; i++) {
		int fd = evs[i].data.fd;
		struct fdent *e;

		if (fd < 0 || (size_t)fd >= hub.n_fdt)
			continue;
		e = &hub.fdt[fd];
		e->round = hub.round;
		e->revents = evs[i].events;
		if ((e->revents & EPOLLIN) != 0 && e->peek != NULL)
			e->peek(fd, e->peek_arg);
		if (e->m != NULL && e->m->run_round != hub.round) {
			hub.st.by_fd++;
			queue_run(e->m);
		}
	}
}

/* Members whose timeout is due. */
static void collect_due(void)
{
	int64_t now = g_get_monotonic_time();

	while (hub.n_heap > 0 && hub.heap[0]->deadline <= now) {
		struct tz_ctxhub_member *m = hub.heap[0];

		heap_remove(m);   /* back in by its sync */
		if (m->run_round != hub.round) {
			hub.st.by_timer++;
			queue_run(m);
		}
	}
}

/* --- the hub's source in the main context --- */

static void sync_dirty(void)
{
	for (guint i = 0; i < hub.dirty->len; i++) {
		struct tz_ctxhub_member *m = g_ptr_array_index(hub.dirty, i);

		m->dirty = false;
		if (!m->dead && g_main_context_acquire(m->ctx)) {
			sync_member(m);
			g_main_context_release(m->ctx);
		}
		member_unref(m);
	}
	g_ptr_array_set_size(hub.dirty, 0);
}

static gboolean hub_prepare(GSource *s, gint *timeout)
{
	int64_t left;

	(void)s;
	sync_dirty();
	*timeout = -1;
	if (hub.n_heap == 0)
		return FALSE;
	left = hub.heap[0]->deadline - g_get_monotonic_time();
	if (left <= 0) {
		*timeout = 0;
		return TRUE;
	}
	*timeout = (gint)MIN((left + 999) / 1000, G_MAXINT);
	return FALSE;
}

static gboolean hub_check(GSource *s)
{
	if ((g_source_query_unix_fd(s, hub.tag) & G_IO_IN) != 0)
		return TRUE;
	return hub.n_heap > 0 && hub.heap[0]->deadline <= g_get_monotonic_time();
}

static gboolean hub_dispatch(GSource *s, GSourceFunc cb, gpointer data)
{
	(void)s;
	(void)cb;
	(void)data;
	if (++hub.round == 0)
		hub.round = 1;
	hub.st.dispatches++;
	collect_ready();
	collect_due();
	for (guint i = 0; i < hub.run->len; i++) {
		struct tz_ctxhub_member *m = g_ptr_array_index(hub.run, i);

		if (!m->dead)
			run_member(m);
		member_unref(m);
	}
	g_ptr_array_set_size(hub.run, 0);
	return G_SOURCE_CONTINUE;
}

static GSourceFuncs hub_funcs = {
	.prepare = hub_prepare,
	.check = hub_check,
	.dispatch = hub_dispatch,
};

int tz_ctxhub_install(GMainContext *main)
{
	if (hub.src != NULL)
		return -EALREADY;
	hub.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (hub.epfd < 0)
		return -errno;
	hub.dirty = g_ptr_array_new();
	hub.run = g_ptr_array_new();
	hub.src = g_source_new(&hub_funcs, sizeof(GSource));
	g_source_set_name(hub.src, "tz-ctxhub");
	hub.tag = g_source_add_unix_fd(hub.src, hub.epfd, G_IO_IN);
	g_source_attach(hub.src, main);
	return 0;
}

void tz_ctxhub_uninstall(void)
{
	if (hub.src == NULL)
		return;
	sync_dirty();
	g_source_destroy(hub.src);
	g_source_unref(hub.src);
	hub.src = NULL;
	close(hub.epfd);
	hub.epfd = -1;
	g_ptr_array_unref(hub.dirty);
	g_ptr_array_unref(hub.run);
	free(hub.fdt);
	free(hub.heap);
	g_free(hub.pfds);
	memset(&hub, 0, sizeof(hub));
	hub.epfd = -1;
}

gboolean tz_ctxhub_active(void)
{
	return hub.src != NULL;
}

/* The one descriptor an empty context polls: its wake-up. */
static int wake_fd_of(GMainContext *ctx)
{
	GPollFD p[4];
	gint prio, timeout, n;
	int fd = -1;

	if (!g_main_context_acquire(ctx))
		return -1;
	g_main_context_prepare(ctx, &prio);
	n = g_main_context_query(ctx, prio, &timeout, p, 4);
	if (n == 1)
		fd = p[0].fd;
	g_main_context_release(ctx);
	return fd;
}

struct tz_ctxhub_member *tz_ctxhub_add(GMainContext *ctx)
{
	struct tz_ctxhub_member *m;

	if (hub.src == NULL || ctx == NULL)
		return NULL;
	m = g_new0(struct tz_ctxhub_member, 1);
	m->ctx = g_main_context_ref(ctx);
	m->wake_fd = wake_fd_of(ctx);
	tz_wake_mute_member(m->wake_fd); /* never watched: its signals are useless */
	m->deadline = -1;
	m->heap_pos = SIZE_MAX;
	m->refs = 1;
	hub.st.members++;
	tz_ctxhub_touch(m);
	return m;
}

void tz_ctxhub_touch(struct tz_ctxhub_member *m)
{
	if (m == NULL || m->dirty || m->dead)
		return;
	m->dirty = true;
	m->refs++;
	g_ptr_array_add(hub.dirty, m);
}

void tz_ctxhub_remove(struct tz_ctxhub_member *m)
{
	if (m == NULL || m->dead)
		return;
	m->dead = true;
	tz_wake_unmute(m->wake_fd);
	forget_all(m);
	heap_remove(m);
	hub.st.members--;
	member_unref(m);
}

int tz_ctxhub_peek_add(int fd, void (*fn)(int fd, void *arg), void *arg)
{
	if (hub.src == NULL)
		return -ENOTSUP;
	if (fd < 0 || fn == NULL)
		return -EINVAL;
	if (grow_fdt(fd) != 0)
		return -ENOMEM;
	hub.fdt[fd].peek = fn;
	hub.fdt[fd].peek_arg = arg;
	return 0;
}

void tz_ctxhub_peek_del(int fd)
{
	if (fd >= 0 && (size_t)fd < hub.n_fdt)
		hub.fdt[fd].peek = NULL;
}

void tz_ctxhub_get_stats(struct tz_ctxhub_stats *st)
{
	*st = hub.st;
}
