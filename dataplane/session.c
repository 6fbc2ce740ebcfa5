/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Session table: rte_hash with lock-free read/write concurrency, entries
 * reclaimed through RCU QSBR, per-flow state slots handed out from a stack
 * that only the control thread touches.
 *
 * Deleted keys go through the hash's own defer queue.  An entry swapped out
 * under a key that stays (tz_dp_flow_replace) is not the hash's business
 * (rte_hash just stores the new pointer), so it goes through a second
 * defer queue of ours.  A state slot is referenced by every entry that
 * names it -- a replacement names its predecessor's -- and returns to the
 * free stack when the last of them is reclaimed.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "tz_dp.h"
#include "tz_log.h"
#include "tz_session.h"

/* Deleted keys stay allocated until their grace period ends, so the hash
 * gets some room beyond max_flows. */
#define HASH_SLACK 1024

struct tz_dp_sessions {
	struct tz_dp_sessions_hot hot;      /* first: tz_dp_flow_state() inlines on it */
	struct rte_hash *hash;
	struct rte_rcu_qsbr *rcu;
	struct rte_rcu_qsbr_dq *swapped;    /* entries replaced under their key */
	uint8_t *slot_refs;                 /* entries (live or retiring) per slot */
	uint32_t *free_slots;               /* stack of free slot numbers */
	uint32_t n_free;
	uint32_t n_flows;                   /* published (rte_hash_count also
					       counts deleted keys awaiting reclaim) */
	unsigned n_workers;
	/* tz_dp_sessions_defer(): callbacks waiting for their grace period,
	 * oldest first (tokens only grow, so the head is due first). */
	struct deferred *dq_head, *dq_tail;
	unsigned n_deferred;
};

struct deferred {
	struct deferred *next;
	uint64_t token;                     /* rte_rcu_qsbr_start() at defer time */
	void (*fn)(void *arg);
	void *arg;
};

static const char *const flow_counter_names[TZ_FC_COUNT] = {
#define TZ_FLOW_CNT_NAME(e, n, h) [TZ_FC_##e] = n,
	TZ_FLOW_COUNTERS(TZ_FLOW_CNT_NAME)
#undef TZ_FLOW_CNT_NAME
};

const char *tz_flow_counter_name(enum tz_flow_counter c)
{
	return (unsigned)c < TZ_FC_COUNT ? flow_counter_names[c] : "?";
}

/* Called by a defer queue (on the control thread) once no worker can hold it. */
static void free_entry(void *p, void *key_data)
{
	struct tz_dp_sessions *s = p;
	struct tz_dp_flow *f = key_data;

	if (--s->slot_refs[f->slot] == 0)
		s->free_slots[s->n_free++] = f->slot;
	rte_free(f);
}

static void free_swapped(void *p, void *e, unsigned n)
{
	struct tz_dp_flow *const *f = e;

	for (unsigned i = 0; i < n; i++)
		free_entry(p, f[i]);
}

static int attach_rcu(struct tz_dp_sessions *s)
{
	size_t sz = rte_rcu_qsbr_get_memsize(s->n_workers);
	struct rte_hash_rcu_config rc = {
		.mode = RTE_HASH_QSBR_MODE_DQ,
		.dq_size = s->hot.max_flows + HASH_SLACK,
		.trigger_reclaim_limit = 0,     /* try to reclaim on every delete */
		.key_data_ptr = s,
		.free_key_data_func = free_entry,
	};

	s->rcu = rte_zmalloc("tz_sessions_rcu", sz, RTE_CACHE_LINE_SIZE);
	if (s->rcu == NULL || rte_rcu_qsbr_init(s->rcu, s->n_workers) != 0)
		return -ENOMEM;
	for (unsigned w = 0; w < s->n_workers; w++)
		rte_rcu_qsbr_thread_register(s->rcu, w);
	rc.v = s->rcu;
	if (rte_hash_rcu_qsbr_add(s->hash, &rc) != 0)
		return -ENOMEM;
	s->swapped = rte_rcu_qsbr_dq_create(&(struct rte_rcu_qsbr_dq_parameters){
		.name = "tz_swapped",
		.flags = RTE_RCU_QSBR_DQ_MT_UNSAFE,     /* the control thread alone */
		.size = s->hot.max_flows,
		.esize = sizeof(struct tz_dp_flow *),
		.trigger_reclaim_limit = 0,
		.max_reclaim_size = s->hot.max_flows,
		.free_fn = free_swapped,
		.p = s,
		.v = s->rcu,
	});
	return s->swapped != NULL ? 0 : -ENOMEM;
}

struct tz_dp_sessions *tz_dp_sessions_create(const char *name, uint32_t max_flows,
					     unsigned n_workers, int socket)
{
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = max_flows + HASH_SLACK,
		.key_len = sizeof(struct tz_dp_flow_key),
		.hash_func = rte_hash_crc,
		.socket_id = socket,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF,
	};
	struct tz_dp_sessions *s;

	if (max_flows == 0 || n_workers == 0 || n_workers > TZ_DP_MAX_WORKERS) {
		rte_errno = EINVAL;
		return NULL;
	}
	s = rte_zmalloc_socket("tz_sessions", sizeof(*s), RTE_CACHE_LINE_SIZE, socket);
	if (s == NULL)
		goto err_nomem;
	s->hot.max_flows = max_flows;
	s->n_workers = n_workers;
	s->hot.state = rte_zmalloc_socket("tz_flow_state", sizeof(*s->hot.state) * max_flows,
				      RTE_CACHE_LINE_SIZE, socket);
	s->free_slots = rte_malloc_socket("tz_flow_slots", sizeof(uint32_t) * max_flows, 0, socket);
	s->slot_refs = rte_zmalloc_socket("tz_slot_refs", max_flows, 0, socket);
	if (s->hot.state == NULL || s->free_slots == NULL || s->slot_refs == NULL)
		goto err_nomem;
	for (uint32_t i = 0; i < max_flows; i++)
		s->free_slots[i] = max_flows - 1 - i;
	s->n_free = max_flows;
	s->hash = rte_hash_create(&hp);
	if (s->hash == NULL)
		goto err_hash;
	if (attach_rcu(s) != 0)
		goto err_nomem;
	return s;

err_hash:
	tz_dp_sessions_free(s);
	rte_errno = rte_errno == EEXIST ? EEXIST : ENOMEM;
	return NULL;
err_nomem:
	tz_dp_sessions_free(s);
	rte_errno = ENOMEM;
	return NULL;
}

void tz_dp_sessions_free(struct tz_dp_sessions *s)
{
	const void *key;
	void *data;
	uint32_t it = 0;

	if (s == NULL)
		return;
	/* Workers stopped: every grace period is over. */
	while (s->dq_head != NULL) {
		struct deferred *d = s->dq_head;

		s->dq_head = d->next;
		d->fn(d->arg);
		free(d);
	}
	if (s->hash != NULL) {
		while (rte_hash_iterate(s->hash, &key, &data, &it) >= 0)
			rte_free(data);
		/* Entries deleted but not yet reclaimed are freed by the hash's
		 * defer queue when it is destroyed with the hash. */
		rte_hash_free(s->hash);
	}
	if (s->swapped != NULL)
		rte_rcu_qsbr_dq_delete(s->swapped);     /* workers stopped: reclaims all */
	rte_free(s->rcu);
	if (s->hot.state != NULL)       /* SRTP stream state: no key, but no use left either */
		memset(s->hot.state, 0, sizeof(*s->hot.state) * s->hot.max_flows);
	rte_free(s->hot.state);
	rte_free(s->slot_refs);
	rte_free(s->free_slots);
	rte_free(s);
}

int tz_dp_flow_add(struct tz_dp_sessions *s, const struct tz_dp_flow_key *key,
		   const struct tz_dp_flow *flow)
{
	struct tz_dp_flow *e;
	uint32_t slot;
	int rc;

	if (flow->worker >= s->n_workers)
		return -EINVAL;
	if (rte_hash_lookup(s->hash, key) >= 0)
		return -EEXIST;
	if (s->n_free == 0)
		return -ENOSPC;
	e = rte_malloc("tz_flow", sizeof(*e), RTE_CACHE_LINE_SIZE);
	if (e == NULL)
		return -ENOMEM;
	slot = s->free_slots[--s->n_free];
	*e = *flow;
	e->slot = slot;
	memset(&s->hot.state[slot], 0, sizeof(s->hot.state[slot]));
	rc = rte_hash_add_key_data(s->hash, key, e);
	if (rc != 0) {
		s->free_slots[s->n_free++] = slot;
		rte_free(e);
		return rc == -ENOSPC ? -ENOSPC : -EINVAL;
	}
	s->slot_refs[slot] = 1;
	s->n_flows++;
	return (int)slot;
}

/* Retire an entry no lookup can find any more, after the grace period. */
static void retire_swapped(struct tz_dp_sessions *s, struct tz_dp_flow *old)
{
	if (rte_rcu_qsbr_dq_enqueue(s->swapped, &old) == 0)
		return;
	/* queue full of entries still in their grace period: wait it out */
	rte_rcu_qsbr_synchronize(s->rcu, RTE_QSBR_THRID_INVALID);
	free_entry(s, old);
}

int tz_dp_flow_replace(struct tz_dp_sessions *s, const struct tz_dp_flow_key *old_key,
		       const struct tz_dp_flow_key *key, const struct tz_dp_flow *flow)
{
	bool same = memcmp(old_key, key, sizeof(*key)) == 0;
	struct tz_dp_flow *e;
	void *data;
	int rc;

	if (flow->worker >= s->n_workers)
		return -EINVAL;
	if (rte_hash_lookup_data(s->hash, old_key, &data) < 0)
		return -ENOENT;
	if (!same && rte_hash_lookup(s->hash, key) >= 0)
		return -EEXIST;
	if (s->slot_refs[((struct tz_dp_flow *)data)->slot] == UINT8_MAX)
		return -ENOSPC;     /* a slot renamed 255 times within one grace period */
	e = rte_malloc("tz_flow", sizeof(*e), RTE_CACHE_LINE_SIZE);
	if (e == NULL)
		return -ENOMEM;
	*e = *flow;
	e->slot = ((struct tz_dp_flow *)data)->slot;
	/* Make before break: a worker finds the old entry or the new one,
	 * both naming the same stream state; never neither. */
	rc = rte_hash_add_key_data(s->hash, key, e);
	if (rc != 0) {
		rte_free(e);
		return rc == -ENOSPC ? -ENOSPC : -EINVAL;
	}
	s->slot_refs[e->slot]++;
	if (same)
		retire_swapped(s, data);        /* the hash just swapped the pointer */
	else
		rte_hash_del_key(s->hash, old_key);     /* the hash retires it */
	return (int)e->slot;
}

int tz_dp_flow_del(struct tz_dp_sessions *s, const struct tz_dp_flow_key *key)
{
	if (rte_hash_del_key(s->hash, key) < 0)
		return -ENOENT;
	s->n_flows--;
	return 0;
}

const struct tz_dp_flow *tz_dp_flow_find(const struct tz_dp_sessions *s,
					 const struct tz_dp_flow_key *key)
{
	void *data;

	return rte_hash_lookup_data(s->hash, key, &data) >= 0 ? data : NULL;
}

uint32_t tz_dp_flow_count(const struct tz_dp_sessions *s)
{
	return s->n_flows;
}

void tz_dp_flow_walk(const struct tz_dp_sessions *s,
		     int (*fn)(const struct tz_dp_flow_key *, const struct tz_dp_flow *, void *),
		     void *arg)
{
	const void *key;
	void *data;
	uint32_t it = 0;

	while (rte_hash_iterate(s->hash, &key, &data, &it) >= 0)
		if (fn(key, data, arg) != 0)
			break;
}

unsigned tz_dp_flow_lookup_bulk(const struct tz_dp_sessions *s,
				const struct tz_dp_flow_key **keys, unsigned n,
				const struct tz_dp_flow **out)
{
	uint64_t hits = 0;
	void *data[64];

	if (n == 0)
		return 0;
	n = RTE_MIN(n, 64u);
	rte_hash_lookup_bulk_data(s->hash, (const void **)keys, n, &hits, data);
	for (unsigned i = 0; i < n; i++)
		out[i] = (hits >> i) & 1 ? data[i] : NULL;
	return (unsigned)__builtin_popcountll(hits);
}

_Static_assert(offsetof(struct tz_dp_sessions, hot) == 0,
	       "tz_dp_flow_state() reads the hot part at the start of the table");

void tz_dp_sessions_synchronize(struct tz_dp_sessions *s)
{
	rte_rcu_qsbr_synchronize(s->rcu, RTE_QSBR_THRID_INVALID);
}

int tz_dp_sessions_defer(struct tz_dp_sessions *s, void (*fn)(void *arg), void *arg)
{
	struct deferred *d = malloc(sizeof(*d));

	if (d == NULL)
		return -ENOMEM;
	d->next = NULL;
	d->token = rte_rcu_qsbr_start(s->rcu);
	d->fn = fn;
	d->arg = arg;
	if (s->dq_tail != NULL)
		s->dq_tail->next = d;
	else
		s->dq_head = d;
	s->dq_tail = d;
	s->n_deferred++;
	tz_dp_sessions_reclaim(s);
	return 0;
}

unsigned tz_dp_sessions_reclaim(struct tz_dp_sessions *s)
{
	struct deferred *d;

	while ((d = s->dq_head) != NULL && rte_rcu_qsbr_check(s->rcu, d->token, false) == 1) {
		s->dq_head = d->next;
		if (s->dq_head == NULL)
			s->dq_tail = NULL;
		s->n_deferred--;
		d->fn(d->arg);
		free(d);
	}
	return s->n_deferred;
}

void tz_dp_sessions_reclaim_all(struct tz_dp_sessions *s)
{
	if (s->n_deferred == 0)
		return;
	rte_rcu_qsbr_synchronize(s->rcu, RTE_QSBR_THRID_INVALID);
	tz_dp_sessions_reclaim(s);
}

void tz_dp_sessions_reader_online(struct tz_dp_sessions *s, unsigned w)
{
	rte_rcu_qsbr_thread_online(s->rcu, w);
}

void tz_dp_sessions_quiescent(struct tz_dp_sessions *s, unsigned w)
{
	rte_rcu_qsbr_quiescent(s->rcu, w);
}

void tz_dp_sessions_reader_offline(struct tz_dp_sessions *s, unsigned w)
{
	rte_rcu_qsbr_thread_offline(s->rcu, w);
}
