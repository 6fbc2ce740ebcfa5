/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control loop's poll, on epoll.
 *
 * GLib hands its poll function the whole array of descriptors on every
 * iteration, and poll(2) visits each of them in the kernel (a wait queue
 * added and removed per descriptor), so with a socket per call every wake-up
 * costs O(calls): perf showed poll(2) at 44 % of the control thread with 400
 * calls up, and GLib's own source walk at 15 %.  This poll function keeps an
 * epoll interest list in step with the array instead: a descriptor is added,
 * modified or deleted only when it appears, changes its events or leaves, and
 * epoll_wait() costs O(ready).  What remains per iteration is a loop in user
 * space over a table indexed by descriptor.
 *
 * The catch is a descriptor closed and reused between two iterations (the
 * same number, the same events, another file): epoll dropped the old file's
 * registration at its close, and the array looks unchanged.  The daemon wraps
 * close() (close_hook.c) to bump the descriptor's close generation, so the
 * next iteration registers it again; and once a second every registration is
 * checked with EPOLL_CTL_MOD (ENOENT: added again, counted as repaired) in
 * case a library closed a descriptor behind the wrapper's back.
 *
 * A descriptor epoll refuses (a regular file: EPERM) is reported ready, as
 * poll(2) reports it; a bad one POLLNVAL, so its source sees the error.
 *
 * Leavers are dropped only after a listing with a timeout other than 0.
 * When a source is ready before the poll, GLib polls with timeout 0 and
 * lists only the descriptors of sources of that priority or higher; the
 * others come back in the next iteration.  Dropping them then cost an
 * EPOLL_CTL_DEL and an EPOLL_CTL_ADD per descriptor and such iteration
 * (8.5 % of the control thread in set-up, perf).  A full listing (no source
 * ready, timeout -1 or > 0) drops what really left before the loop sleeps,
 * as does LEAVE_POLLS polls in a row without it (non-blocking iterations);
 * what epoll reports for an unlisted descriptor is ignored.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>

#include "evpoll.h"
#include "wake_mute.h"

#define RECHECK_US 1000000 /* the once-a-second check of every registration */
#define CLOSE_GEN_MAX (1u << 22) /* descriptors with their own close generation */
#define LEAVE_POLLS 4 /* timeout-0 polls without a descriptor before it is dropped */

struct slot {
	uint32_t want;      /* events asked for in this iteration (epoll bits) */
	uint32_t events;    /* events registered, when reg_pos >= 0 */
	uint32_t seen;      /* iteration that last listed the descriptor */
	uint32_t synced;    /* iteration that last synced it */
	uint32_t ready;     /* iteration in which epoll reported it */
	uint32_t revents;   /* what epoll reported (epoll bits) */
	uint32_t close_gen; /* its close generation when registered */
	int32_t reg_pos;    /* index in reg[], or -1 */
	uint16_t broken;    /* poll bits reported because epoll refused it, or 0 */
};

static struct {
	int epfd;
	uint32_t iter;
	struct slot *slots;
	size_t n_slots;
	int *reg; /* registered descriptors */
	size_t n_reg, cap_reg;
	struct epoll_event *evs;
	size_t cap_evs;
	int64_t next_check;
	struct tz_evpoll_stats st;
} ep = { .epfd = -1 };

/* Peek hooks (tz_evpoll_peek_add): called from the poll when the
 * descriptor is readable, before GLib dispatches its source. */
struct peek {
	tz_evpoll_peek_fn fn;
	void *arg;
	uint32_t gen; /* close generation when added: a reused number is not hooked */
};

static struct peek *peeks;
static size_t n_peeks;

/* Close generations: written by any thread, read by the loop. */
static uint32_t *close_gen;
static uint32_t n_close_gen;
static uint32_t close_gen_high; /* descriptors >= n_close_gen share it */

void tz_evpoll_closed(int fd)
{
	uint32_t *g;

	if (fd < 0)
		return;
	g = (uint32_t)fd < __atomic_load_n(&n_close_gen, __ATOMIC_ACQUIRE) ? &close_gen[fd] :
									     &close_gen_high;
	__atomic_fetch_add(g, 1, __ATOMIC_RELEASE);
}

static uint32_t gen_of(int fd)
{
	return __atomic_load_n((uint32_t)fd < n_close_gen ? &close_gen[fd] : &close_gen_high,
			       __ATOMIC_ACQUIRE);
}

static int grow_slots(int fd)
{
	size_t n = ep.n_slots;
	struct slot *s;

	if ((size_t)fd < n)
		return 0;
	while (n <= (size_t)fd)
		n = n != 0 ? n * 2 : 1024;
	s = realloc(ep.slots, n * sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	for (size_t i = ep.n_slots; i < n; i++)
		s[i] = (struct slot){ .reg_pos = -1 };
	ep.slots = s;
	ep.n_slots = n;
	return 0;
}

static int reg_add(int fd)
{
	if (ep.n_reg == ep.cap_reg) {
		size_t cap = ep.cap_reg != 0 ? ep.cap_reg * 2 : 256;
		int *r = realloc(ep.reg, cap * sizeof(*r));

		if (r == NULL)
			return -ENOMEM;
		ep.reg = r;
		ep.cap_reg = cap;
	}
	ep.slots[fd].reg_pos = (int32_t)ep.n_reg;
	ep.reg[ep.n_reg++] = fd;
	return 0;
}

static void reg_remove(int fd)
{
	int32_t pos = ep.slots[fd].reg_pos;
	int last = ep.reg[--ep.n_reg];

	ep.reg[pos] = last;
	ep.slots[last].reg_pos = pos;
	ep.slots[fd].reg_pos = -1;
}

static gushort refused_as(int err)
{
	if (err == EPERM)
		return G_IO_IN | G_IO_OUT; /* a regular file: poll(2) says ready */
	return err == EBADF ? G_IO_NVAL : G_IO_ERR;
}

/* Register @p fd with the events asked for, or remember why epoll refused. */
static void add(int fd, struct slot *s)
{
	struct epoll_event ev = { .events = s->want, .data.fd = fd };

	if (epoll_ctl(ep.epfd, EPOLL_CTL_ADD, fd, &ev) != 0 &&
	    (errno != EEXIST || epoll_ctl(ep.epfd, EPOLL_CTL_MOD, fd, &ev) != 0)) {
		s->broken = refused_as(errno);
		ep.st.errors++;
		return;
	}
	if (reg_add(fd) != 0) {
		epoll_ctl(ep.epfd, EPOLL_CTL_DEL, fd, NULL);
		s->broken = G_IO_ERR;
		ep.st.errors++;
		return;
	}
	s->events = s->want;
	ep.st.adds++;
}

static void sync_one(int fd, struct slot *s)
{
	uint32_t gen = gen_of(fd);
	struct epoll_event ev = { .events = s->want, .data.fd = fd };

	s->broken = 0;
	if (s->reg_pos >= 0 && s->close_gen != gen) {
		/* closed since it was registered: epoll forgot that file */
		reg_remove(fd);
		ep.st.reopened++;
	}
	s->close_gen = gen;
	if (s->reg_pos < 0) {
		add(fd, s);
		return;
	}
	if (s->events == s->want)
		return;
	if (epoll_ctl(ep.epfd, EPOLL_CTL_MOD, fd, &ev) == 0) {
		s->events = s->want;
		ep.st.mods++;
		return;
	}
	reg_remove(fd);
	if (errno == ENOENT)
		add(fd, s);
	else {
		s->broken = refused_as(errno);
		ep.st.errors++;
	}
}

/* Forget the descriptors this iteration did not list; after a listing that
 * may be partial (@p full false), only those missing for LEAVE_POLLS polls. */
static void drop_leavers(bool full)
{
	for (size_t k = 0; k < ep.n_reg;) {
		int fd = ep.reg[k];
		uint32_t seen = ep.slots[fd].seen;

		if (seen == ep.iter || (!full && ep.iter - seen < LEAVE_POLLS)) {
			k++;
			continue;
		}
		/* fails harmlessly when the file is already closed */
		epoll_ctl(ep.epfd, EPOLL_CTL_DEL, fd, NULL);
		reg_remove(fd);
		ep.st.dels++;
	}
}

/*
 * The safety net: every registration still there?  Once a second; returns
 * @p timeout shortened so that the loop wakes up for the next check.
 */
static gint recheck(gint timeout)
{
	int64_t now = g_get_monotonic_time(), left;

	if (now < ep.next_check) {
		left = (ep.next_check - now + 999) / 1000;
		return timeout < 0 || timeout > left ? (gint)left : timeout;
	}
	ep.next_check = now + RECHECK_US;
	for (size_t k = 0; k < ep.n_reg;) {
		int fd = ep.reg[k];
		struct slot *s = &ep.slots[fd];
		struct epoll_event ev = { .events = s->events, .data.fd = fd };

		if (epoll_ctl(ep.epfd, EPOLL_CTL_MOD, fd, &ev) == 0) {
			k++;
			continue;
		}
		/* reg[k] now holds another descriptor, or fd again when it was
		 * the last (then its MOD succeeds next round) */
		reg_remove(fd);
		s->want = s->events;
		add(fd, s);
		if (s->reg_pos >= 0)
			ep.st.repaired++;
	}
	return timeout < 0 || timeout > RECHECK_US / 1000 ? RECHECK_US / 1000 : timeout;
}

static int grow_evs(guint nfds)
{
	size_t cap = ep.cap_evs;
	struct epoll_event *e;

	if (nfds <= cap)
		return 0;
	while (cap < nfds)
		cap = cap != 0 ? cap * 2 : 64;
	e = realloc(ep.evs, cap * sizeof(*e));
	if (e == NULL)
		return -ENOMEM;
	ep.evs = e;
	ep.cap_evs = cap;
	return 0;
}

static gint evpoll(GPollFD *ufds, guint nfds, gint timeout)
{
	bool any_broken = false;
	gint n, count = 0;

	if (++ep.iter == 0)
		ep.iter = 1;
	for (guint i = 0; i < nfds; i++) {
		int fd = ufds[i].fd;
		struct slot *s;

		ufds[i].revents = 0;
		if (fd < 0)
			continue;
		if (grow_slots(fd) != 0)
			return g_poll(ufds, nfds, timeout);
		s = &ep.slots[fd];
		if (s->seen != ep.iter) {
			s->seen = ep.iter;
			s->want = 0;
		}
		s->want |= tz_evpoll_to_epoll(ufds[i].events);
	}
	if (grow_evs(nfds > ep.n_reg ? nfds : (guint)ep.n_reg) != 0)
		return g_poll(ufds, nfds, timeout);
	for (guint i = 0; i < nfds; i++) {
		struct slot *s = ufds[i].fd >= 0 ? &ep.slots[ufds[i].fd] : NULL;

		if (s == NULL || s->synced == ep.iter)
			continue;
		s->synced = ep.iter;
		sync_one(ufds[i].fd, s);
		any_broken |= s->broken != 0;
	}
	drop_leavers(timeout != 0);
	timeout = recheck(any_broken ? 0 : timeout);
	ep.st.polls++;
	n = epoll_wait(ep.epfd, ep.evs, (int)(ep.cap_evs > INT_MAX ? INT_MAX : ep.cap_evs),
		       timeout);
	tz_wake_mute_polled();
	if (n < 0)
		return -1; /* errno from epoll_wait (EINTR) */
	for (gint j = 0; j < n; j++) {
		int fd = ep.evs[j].data.fd;
		struct slot *s = &ep.slots[fd];

		s->ready = ep.iter;
		s->revents = ep.evs[j].events;
		if ((s->revents & EPOLLIN) != 0 && s->seen == ep.iter && (size_t)fd < n_peeks &&
		    peeks[fd].fn != NULL && peeks[fd].gen == gen_of(fd))
			peeks[fd].fn(fd, peeks[fd].arg);
	}
	for (guint i = 0; i < nfds; i++) {
		struct slot *s;
		gushort r = 0;

		if (ufds[i].fd < 0)
			continue;
		s = &ep.slots[ufds[i].fd];
		if (s->broken != 0)
			r = s->broken;
		else if (s->ready == ep.iter)
			r = tz_evpoll_to_poll(s->revents);
		r &= (gushort)(ufds[i].events | G_IO_ERR | G_IO_HUP | G_IO_NVAL);
		ufds[i].revents = r;
		count += r != 0;
	}
	return count;
}

int tz_evpoll_install(GMainContext *ctx)
{
	struct rlimit rl;
	uint32_t n = 65536;

	if (ep.epfd >= 0)
		return -EALREADY;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		n = rl.rlim_cur > CLOSE_GEN_MAX ? CLOSE_GEN_MAX : (uint32_t)rl.rlim_cur;
	close_gen = calloc(n, sizeof(*close_gen));
	if (close_gen == NULL)
		return -ENOMEM;
	ep.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (ep.epfd < 0) {
		int rc = -errno;

		free(close_gen);
		close_gen = NULL;
		return rc;
	}
	__atomic_store_n(&n_close_gen, n, __ATOMIC_RELEASE);
	ep.next_check = g_get_monotonic_time() + RECHECK_US;
	g_main_context_set_poll_func(ctx, evpoll);
	return 0;
}

int tz_evpoll_peek_add(int fd, tz_evpoll_peek_fn fn, void *arg)
{
	if (ep.epfd < 0)
		return -ENOTSUP;
	if (fd < 0 || fn == NULL)
		return -EINVAL;
	if ((size_t)fd >= n_peeks) {
		size_t n = n_peeks != 0 ? n_peeks : 64;
		struct peek *p;

		while (n <= (size_t)fd)
			n *= 2;
		p = realloc(peeks, n * sizeof(*p));
		if (p == NULL)
			return -ENOMEM;
		memset(p + n_peeks, 0, (n - n_peeks) * sizeof(*p));
		peeks = p;
		n_peeks = n;
	}
	peeks[fd] = (struct peek){ .fn = fn, .arg = arg, .gen = gen_of(fd) };
	return 0;
}

void tz_evpoll_peek_del(int fd)
{
	if (fd >= 0 && (size_t)fd < n_peeks)
		peeks[fd].fn = NULL;
}

void tz_evpoll_get_stats(struct tz_evpoll_stats *st)
{
	*st = ep.st;
	st->fds = (uint32_t)ep.n_reg;
}

bool tz_evpoll_active(void)
{
	return ep.epfd >= 0;
}
