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
 *
 * In front of the hash, a direct index by (port, local UDP port): each call
 * owns its local port, so one slot per local port names the flow published
 * last on it, with its whole key.  A lookup whose key equals the slot's is
 * answered there (one cache line, no hash); any other key (a second remote
 * on the same port, a shadow key, a miss) goes to the hash, which stays the
 * authority.  The slot always names the entry the hash holds for its key:
 * it is rewritten before the hash retires the entry it named (delete,
 * replace), so it never outlives the entry's grace period.  Slots come in
 * chunks of 1,024 local ports (32 KiB), made at their first flow.
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
#include <rte_prefetch.h>
#include <rte_rcu_qsbr.h>

#include "tz_dp.h"
#include "tz_log.h"
#include "tz_session.h"

/* Deleted keys stay allocated until their grace period ends, so the hash
 * gets some room beyond max_flows. */
#define HASH_SLACK 1024

/* One direct-index slot: a key and the entry published under it, or NULL.
 * The control thread writes it seqlock-fashion with the pointer as the
 * sequence: NULL first, then the key, then the entry; a reader that finds
 * the same non-NULL pointer before and after reading the key has read the
 * key that goes with it (an entry's key never changes, and its address is
 * not reused while the reader is not quiescent). */
struct idx_slot {
	uint64_t key[3];
	const struct tz_dp_flow *flow;
};

_Static_assert(sizeof(struct tz_dp_flow_key) == sizeof(((struct idx_slot *)0)->key),
	       "the index slot holds a whole key");

/* one slot per local UDP port, in chunks made at their first flow: a
 * gateway's media ports are one range per port, so few chunks exist */
#define IDX_CHUNK_BITS 10
#define IDX_CHUNK (1u << IDX_CHUNK_BITS)                /* slots, 32 KiB */
#define IDX_CHUNKS (65536u >> IDX_CHUNK_BITS)

/* Flow entries come from chunks of ENTRY_CHUNK, after a line holding the
 * next chunk: no heap header per entry (64 bytes, a sixth of one).  A
 * freed entry goes on a free list, reused first; chunks go back with the
 * table.  Control thread only, as every publish and reclaim. */
#define ENTRY_CHUNK 64u

_Static_assert(sizeof(struct tz_dp_flow) % RTE_CACHE_LINE_SIZE == 0 &&
	       sizeof(struct tz_dp_flow) <= 6 * RTE_CACHE_LINE_SIZE,
	       "a flow entry is six whole lines (state per call: <= 4 KiB)");
_Static_assert(offsetof(struct tz_dp_flow, bundled) < 2 * RTE_CACHE_LINE_SIZE &&
	       offsetof(struct tz_dp_flow, bundle) == 2 * RTE_CACHE_LINE_SIZE,
	       "what every packet reads of an entry is in its first two lines, "
	       "the BUNDLE table starts the third (the worker prefetches those)");

struct tz_dp_sessions {
	struct tz_dp_sessions_hot hot;      /* first: tz_dp_flow_state() inlines on it */
	void *entry_chunks;                 /* chunks, each naming the next */
	void *free_entries;                 /* free entries, each naming the next */
	struct rte_hash *hash;
	struct rte_rcu_qsbr *rcu;
	struct rte_rcu_qsbr_dq *swapped;    /* entries replaced under their key */
	uint8_t *slot_refs;                 /* entries (live or retiring) per slot */
	uint32_t *free_slots;               /* stack of free slot numbers */
	uint32_t n_free;
	uint32_t n_flows;                   /* published (rte_hash_count also
					       counts deleted keys awaiting reclaim) */
	unsigned n_workers;
	int socket;
	/* the direct index per configured port and chunk of local ports,
	 * NULL: not (yet) indexed, the hash alone */
	struct idx_slot *idx[TZ_DP_MAX_PORTS][IDX_CHUNKS];
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

static struct tz_dp_flow *entry_alloc(struct tz_dp_sessions *s)
{
	struct tz_dp_flow *e;

	if (s->free_entries == NULL) {
		uint8_t *c = rte_malloc_socket("tz_flow", RTE_CACHE_LINE_SIZE + ENTRY_CHUNK *
					       sizeof(struct tz_dp_flow), RTE_CACHE_LINE_SIZE,
					       s->socket);

		if (c == NULL)
			return NULL;
		*(void **)c = s->entry_chunks;
		s->entry_chunks = c;
		for (unsigned i = ENTRY_CHUNK; i-- > 0;) {
			void **f = (void **)(c + RTE_CACHE_LINE_SIZE + i * sizeof(struct tz_dp_flow));

			*f = s->free_entries;
			s->free_entries = f;
		}
	}
	e = s->free_entries;
	s->free_entries = *(void **)e;
	return e;
}

static void entry_free(struct tz_dp_sessions *s, struct tz_dp_flow *e)
{
	*(void **)e = s->free_entries;
	s->free_entries = e;
}

/* Called by a defer queue (on the control thread) once no worker can hold it. */
static void free_entry(void *p, void *key_data)
{
	struct tz_dp_sessions *s = p;
	struct tz_dp_flow *f = key_data;

	if (--s->slot_refs[f->slot] == 0)
		s->free_slots[s->n_free++] = f->slot;
	entry_free(s, f);
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

/* The slot of @p key's local port, NULL when its port has no index. */
static inline struct idx_slot *idx_slot(const struct tz_dp_sessions *s,
					 const struct tz_dp_flow_key *key)
{
	struct idx_slot *t;

	if (key->port_idx >= TZ_DP_MAX_PORTS)
		return NULL;    /* a shadow key (BUNDLE): no packet carries it */
	if (key->pad != 0)
		return NULL;    /* a further media address (pad = its index): the hash */
	t = __atomic_load_n(&s->idx[key->port_idx][key->local_port >> IDX_CHUNK_BITS],
			    __ATOMIC_ACQUIRE);
	return t != NULL ? &t[key->local_port & (IDX_CHUNK - 1)] : NULL;
}

/* Point @p key's slot at entry @p e (control thread); a chunk is made at
 * its first flow, and without memory for it the hash serves its ports. */
static void idx_set(struct tz_dp_sessions *s, const struct tz_dp_flow_key *key,
		    const struct tz_dp_flow *e)
{
	struct idx_slot *x;
	uint64_t k[3];

	if (key->port_idx < TZ_DP_MAX_PORTS &&
	    s->idx[key->port_idx][key->local_port >> IDX_CHUNK_BITS] == NULL)
		__atomic_store_n(&s->idx[key->port_idx][key->local_port >> IDX_CHUNK_BITS],
				 rte_zmalloc_socket("tz_flow_index", sizeof(*x) * IDX_CHUNK,
						    RTE_CACHE_LINE_SIZE, s->socket),
				 __ATOMIC_RELEASE);
	x = idx_slot(s, key);
	if (x == NULL)
		return;
	memcpy(k, key, sizeof(k));
	__atomic_store_n(&x->flow, NULL, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	for (int i = 0; i < 3; i++)
		__atomic_store_n(&x->key[i], k[i], __ATOMIC_RELAXED);
	__atomic_store_n(&x->flow, e, __ATOMIC_RELEASE);
}

/* Empty @p key's slot if it names entry @p e (control thread), before the
 * hash or the swapped queue retires @p e. */
static void idx_clear(struct tz_dp_sessions *s, const struct tz_dp_flow_key *key,
		      const struct tz_dp_flow *e)
{
	struct idx_slot *x = idx_slot(s, key);

	if (x != NULL && x->flow == e)
		__atomic_store_n(&x->flow, NULL, __ATOMIC_RELEASE);
}

/* The entry of @p key if its slot holds it, else NULL (then ask the hash). */
static inline const struct tz_dp_flow *idx_get(const struct idx_slot *x,
					       const struct tz_dp_flow_key *key)
{
	const struct tz_dp_flow *f;
	uint64_t k[3], d;

	f = __atomic_load_n(&x->flow, __ATOMIC_ACQUIRE);
	if (f == NULL)
		return NULL;
	memcpy(k, key, sizeof(k));
	d = (__atomic_load_n(&x->key[0], __ATOMIC_RELAXED) ^ k[0]) |
	    (__atomic_load_n(&x->key[1], __ATOMIC_RELAXED) ^ k[1]) |
	    (__atomic_load_n(&x->key[2], __ATOMIC_RELAXED) ^ k[2]);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (d != 0 || __atomic_load_n(&x->flow, __ATOMIC_RELAXED) != f)
		return NULL;
	return f;
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
	s->socket = socket;
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
	if (s == NULL)
		return;
	/* Workers stopped: every grace period is over. */
	while (s->dq_head != NULL) {
		struct deferred *d = s->dq_head;

		s->dq_head = d->next;
		d->fn(d->arg);
		free(d);
	}
	/* Entries, live or retiring, go with their chunks, last: the hash's
	 * defer queue and the swapped queue still reclaim into them. */
	if (s->hash != NULL)
		rte_hash_free(s->hash);
	if (s->swapped != NULL)
		rte_rcu_qsbr_dq_delete(s->swapped);     /* workers stopped: reclaims all */
	while (s->entry_chunks != NULL) {
		void *c = s->entry_chunks;

		s->entry_chunks = *(void **)c;
		rte_free(c);
	}
	rte_free(s->rcu);
	for (unsigned p = 0; p < TZ_DP_MAX_PORTS; p++)
		for (unsigned c = 0; c < IDX_CHUNKS; c++)
			rte_free(s->idx[p][c]);
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
	e = entry_alloc(s);
	if (e == NULL)
		return -ENOMEM;
	slot = s->free_slots[--s->n_free];
	*e = *flow;
	e->bundled = flow->bundle.n != 0;
	e->slot = slot;
	memset(&s->hot.state[slot], 0, sizeof(s->hot.state[slot]));
	rc = rte_hash_add_key_data(s->hash, key, e);
	if (rc != 0) {
		s->free_slots[s->n_free++] = slot;
		entry_free(s, e);
		return rc == -ENOSPC ? -ENOSPC : -EINVAL;
	}
	s->slot_refs[slot] = 1;
	s->n_flows++;
	idx_set(s, key, e);
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
	e = entry_alloc(s);
	if (e == NULL)
		return -ENOMEM;
	*e = *flow;
	e->bundled = flow->bundle.n != 0;
	e->slot = ((struct tz_dp_flow *)data)->slot;
	/* Make before break: a worker finds the old entry or the new one,
	 * both naming the same stream state; never neither. */
	rc = rte_hash_add_key_data(s->hash, key, e);
	if (rc != 0) {
		entry_free(s, e);
		return rc == -ENOSPC ? -ENOSPC : -EINVAL;
	}
	s->slot_refs[e->slot]++;
	idx_clear(s, old_key, data);
	idx_set(s, key, e);
	if (same)
		retire_swapped(s, data);        /* the hash just swapped the pointer */
	else
		rte_hash_del_key(s->hash, old_key);     /* the hash retires it */
	return (int)e->slot;
}

int tz_dp_flow_del(struct tz_dp_sessions *s, const struct tz_dp_flow_key *key)
{
	void *data;

	if (rte_hash_lookup_data(s->hash, key, &data) < 0)
		return -ENOENT;
	idx_clear(s, key, data);
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
	const struct idx_slot *x[64];
	const struct tz_dp_flow_key *rest[64];
	uint8_t at[64];
	unsigned nr = 0, hits;
	uint64_t hmask = 0;
	void *data[64];

	if (n == 0)
		return 0;
	n = RTE_MIN(n, 64u);
	/* the direct index: every slot's line requested, then read */
	for (unsigned i = 0; i < n; i++) {
		x[i] = idx_slot(s, keys[i]);
		if (x[i] != NULL)
			rte_prefetch0(x[i]);
	}
	for (unsigned i = 0; i < n; i++) {
		out[i] = x[i] != NULL ? idx_get(x[i], keys[i]) : NULL;
		if (out[i] == NULL) {
			at[nr] = (uint8_t)i;
			rest[nr++] = keys[i];
		}
	}
	hits = n - nr;
	if (nr == 0)
		return hits;
	/* the rest (second remotes on a port, misses): the hash */
	rte_hash_lookup_bulk_data(s->hash, (const void **)rest, nr, &hmask, data);
	for (unsigned j = 0; j < nr; j++)
		if ((hmask >> j) & 1)
			out[at[j]] = data[j];
	return hits + (unsigned)__builtin_popcountll(hmask);
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
