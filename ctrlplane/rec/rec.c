/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The recording writer thread (tz_rec.h).  Slots are created by the control
 * thread and published to the writer by pointer; the writer alone removes
 * them, after the close the control thread asks for.  One lock guards the
 * table for the control thread's readers (`show recordings`) against the
 * writer's removal; the per-packet path takes it only to look a slot up.
 *
 * A round of the writer: note which slots are to close, drain every tap,
 * then close those slots -- a close is asked for after the grace period, so
 * every packet of the slot was on a ring before the round began.
 */
#include <errno.h>
#include <string.h>

#include <glib.h>
#include <rte_cycles.h>

#include "rec_pvt.h"
#include "tz_log.h"

#define DRAIN_BURST 64
#define IDLE_US 2000

struct slot {
	struct tz_rec_info info;
	struct rec_files files;
	int open_rc;              /* rec_files_open(): 0 or -errno */
	int closing;              /* 1: asked (control), 2: seen by the writer */
	uint64_t drop_base[2];    /* the taps' per-slot drops when it opened */
	uint64_t written[2];      /* mirror of files.cnt.written for readers (relaxed) */
};

static struct {
	GMutex lock;
	struct slot *slot[TZ_REC_SLOTS];
	struct tz_rec_tap *taps[64];
	unsigned n_taps;
	GThread *thread;
	int quit;
	double ns_per_tsc;
	uint64_t tsc0;
	int64_t real0_ns;
	unsigned next;            /* round-robin slot search */
	struct tz_rec_stats st;   /* written under the lock */
	int running;
} R;

static int64_t tsc_ns(uint64_t tsc)
{
	return R.real0_ns + (int64_t)((double)(int64_t)(tsc - R.tsc0) * R.ns_per_tsc);
}

static int64_t now_ns(void)
{
	return g_get_real_time() * 1000;
}

static void slot_drops(unsigned s, uint64_t out[2])
{
	out[0] = out[1] = 0;
	for (unsigned i = 0; i < R.n_taps; i++)
		for (int d = 0; d < 2; d++)
			out[d] += __atomic_load_n(&R.taps[i]->slot_drops[s][d], __ATOMIC_RELAXED);
}

static void write_one(const struct tz_rec_pkt *p)
{
	struct slot *s = p->slot < TZ_REC_SLOTS ? g_atomic_pointer_get(&R.slot[p->slot]) : NULL;

	if (s == NULL || s->open_rc != 0)
		return;
	rec_files_packet(&s->files, &s->info, p->dir, tsc_ns(p->tsc), p->data, p->len);
	__atomic_store_n(&s->written[p->dir & 1], s->files.cnt.written[p->dir & 1], __ATOMIC_RELAXED);
}

static unsigned drain_all(void)
{
	struct tz_rec_pkt *pkts[DRAIN_BURST];
	unsigned total = 0;

	for (unsigned i = 0; i < R.n_taps; i++) {
		unsigned n;

		do {
			n = tz_rec_tap_drain(R.taps[i], pkts, DRAIN_BURST);
			for (unsigned k = 0; k < n; k++)
				write_one(pkts[k]);
			tz_rec_tap_release(R.taps[i], pkts, n);
			total += n;
		} while (n == DRAIN_BURST);
	}
	return total;
}

static void finish(unsigned i)
{
	struct slot *s = R.slot[i];
	uint64_t drops[2];
	int rc;

	slot_drops(i, drops);
	drops[0] -= s->drop_base[0];
	drops[1] -= s->drop_base[1];
	rc = s->open_rc != 0 ? s->open_rc : rec_files_close(&s->files, &s->info, drops, now_ns());
	if (rc != 0)
		TZ_LOG(CP_SESSION, WARNING, "recording of call %u in %s: %s", s->info.call,
		       s->info.dir, g_strerror(-rc));
	else
		TZ_LOG(CP_SESSION, INFO, "recording of call %u: %s/%s.{pcap,wav,json}, %lu+%lu "
		       "packets, %lu+%lu dropped", s->info.call, s->info.dir, s->files.name,
		       (unsigned long)s->files.cnt.written[0], (unsigned long)s->files.cnt.written[1],
		       (unsigned long)drops[0], (unsigned long)drops[1]);
	if (s->open_rc == 0)
		rec_retain_closed(s->info.dir, s->files.name);
	g_mutex_lock(&R.lock);
	g_atomic_pointer_set(&R.slot[i], NULL);
	R.st.finished++;
	R.st.active--;
	R.st.written += s->files.cnt.written[0] + s->files.cnt.written[1];
	R.st.dropped += drops[0] + drops[1];
	R.st.write_errors += rc != 0;
	g_mutex_unlock(&R.lock);
	g_free(s);
}

/* Files are created here, not on the control thread: open(2) may block. */
static void open_new(void)
{
	for (unsigned i = 1; i < TZ_REC_SLOTS; i++) {
		struct slot *s = g_atomic_pointer_get(&R.slot[i]);

		if (s != NULL && s->open_rc == 1)
			g_atomic_int_set(&s->open_rc, rec_files_open(&s->files, &s->info, tsc_ns(rte_rdtsc())));
	}
}

static gpointer writer_main(gpointer unused)
{
	uint8_t closing[TZ_REC_SLOTS];

	(void)unused;
	for (;;) {
		int quit = g_atomic_int_get(&R.quit);
		unsigned n;

		memset(closing, 0, sizeof(closing));
		g_mutex_lock(&R.lock);
		for (unsigned i = 1; i < TZ_REC_SLOTS; i++)
			if (R.slot[i] != NULL && (R.slot[i]->closing != 0 || quit))
				closing[i] = 1;
		g_mutex_unlock(&R.lock);
		open_new();
		n = drain_all();
		for (unsigned i = 1; i < TZ_REC_SLOTS; i++)
			if (closing[i])
				finish(i);
		if (quit)
			return NULL;
		if (n == 0)
			g_usleep(IDLE_US);
	}
}

int tz_rec_start(struct tz_rec_tap *const *taps, unsigned n, uint64_t tsc_hz)
{
	if (R.running)
		return -EALREADY;
	if (n > G_N_ELEMENTS(R.taps) || tsc_hz == 0)
		return -EINVAL;
	g_mutex_init(&R.lock);
	R.n_taps = 0;
	for (unsigned i = 0; i < n; i++)
		if (taps[i] != NULL)
			R.taps[R.n_taps++] = taps[i];
	R.ns_per_tsc = 1e9 / (double)tsc_hz;
	R.tsc0 = rte_rdtsc();
	R.real0_ns = now_ns();
	R.quit = 0;
	R.thread = g_thread_try_new("tz-rec", writer_main, NULL, NULL);
	if (R.thread == NULL)
		return -ENOMEM;
	R.running = 1;
	return 0;
}

void tz_rec_stop(void)
{
	if (!R.running)
		return;
	rec_retain_stop();
	g_atomic_int_set(&R.quit, 1);
	g_thread_join(R.thread);
	R.thread = NULL;
	R.running = 0;
}

int tz_rec_running(void)
{
	return R.running;
}

int tz_rec_open(const struct tz_rec_info *info)
{
	struct slot *s;
	int found = -ENOSPC;

	if (!R.running)
		return -ENOTCONN;
	g_mutex_lock(&R.lock);
	for (unsigned k = 0; k < TZ_REC_SLOTS - 1; k++) {
		unsigned i = 1 + (R.next + k) % (TZ_REC_SLOTS - 1);

		if (R.slot[i] == NULL) {
			found = (int)i;
			R.next = i;
			break;
		}
	}
	if (found > 0) {
		s = g_new0(struct slot, 1);
		s->info = *info;
		s->open_rc = 1;                 /* the writer opens the files */
		slot_drops((unsigned)found, s->drop_base);
		g_atomic_pointer_set(&R.slot[found], s);
		R.st.started++;
		R.st.active++;
	}
	g_mutex_unlock(&R.lock);
	return found;
}

void tz_rec_close(int slot)
{
	if (slot <= 0 || slot >= TZ_REC_SLOTS || !R.running)
		return;
	g_mutex_lock(&R.lock);
	if (R.slot[slot] != NULL)
		R.slot[slot]->closing = 1;
	g_mutex_unlock(&R.lock);
}

static void counts_locked(unsigned i, const struct slot *s, struct tz_rec_counts *out)
{
	memset(out, 0, sizeof(*out));
	slot_drops(i, out->dropped);
	for (int d = 0; d < 2; d++) {
		out->dropped[d] -= s->drop_base[d];
		out->written[d] = __atomic_load_n(&s->written[d], __ATOMIC_RELAXED);
	}
}

int tz_rec_counts(int slot, struct tz_rec_counts *out)
{
	int rc = -ENOENT;

	if (slot <= 0 || slot >= TZ_REC_SLOTS || !R.running)
		return rc;
	g_mutex_lock(&R.lock);
	if (R.slot[slot] != NULL) {
		counts_locked((unsigned)slot, R.slot[slot], out);
		rc = 0;
	}
	g_mutex_unlock(&R.lock);
	return rc;
}

void tz_rec_stats_get(struct tz_rec_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (!R.running)
		return;
	g_mutex_lock(&R.lock);
	*out = R.st;
	for (unsigned i = 1; i < TZ_REC_SLOTS; i++) {
		struct tz_rec_counts c;

		if (R.slot[i] == NULL)
			continue;
		counts_locked(i, R.slot[i], &c);
		out->written += c.written[0] + c.written[1];
		out->dropped += c.dropped[0] + c.dropped[1];
	}
	g_mutex_unlock(&R.lock);
}

void tz_rec_foreach(void (*fn)(int slot, const struct tz_rec_info *info, const char *name,
			       const struct tz_rec_counts *cnt, void *arg),
		    void *arg)
{
	if (!R.running)
		return;
	g_mutex_lock(&R.lock);
	for (unsigned i = 1; i < TZ_REC_SLOTS; i++) {
		const struct slot *s = R.slot[i];
		struct tz_rec_counts c;
		int rc;

		if (s == NULL)
			continue;
		counts_locked(i, s, &c);
		/* the name is set by the writer when it opens the files */
		rc = g_atomic_int_get(&s->open_rc);
		fn((int)i, &s->info, rc == 0 ? s->files.name : rc == 1 ? "" : NULL, &c, arg);
	}
	g_mutex_unlock(&R.lock);
}

/* The retention sweep's question (any thread): still written?  A slot whose
 * files are being created has no name yet: then every incomplete recording
 * (no JSON) of its directory counts as open. */
bool rec_is_open(const char *dir, const char *name, bool complete, void *unused)
{
	bool open = false;

	(void)unused;
	if (!R.running)
		return false;
	g_mutex_lock(&R.lock);
	for (unsigned i = 1; i < TZ_REC_SLOTS && !open; i++) {
		const struct slot *s = R.slot[i];
		int rc;

		if (s == NULL || strcmp(s->info.dir, dir) != 0)
			continue;
		rc = g_atomic_int_get(&s->open_rc);
		open = (rc == 0 && strcmp(s->files.name, name) == 0) || (rc == 1 && !complete);
	}
	g_mutex_unlock(&R.lock);
	return open;
}
