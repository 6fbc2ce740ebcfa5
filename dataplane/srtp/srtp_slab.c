/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Slabs of fixed-size contexts for the direct backend (control thread only).
 *
 * rte_malloc puts a 64-byte header in front of every element and rounds the
 * element up with its alignment: 128 bytes more per context, 256 per bridged
 * call, which on a GCM call was the difference between 4 KiB and not.  A
 * slab takes chunks of SLAB_CHUNK_SLOTS slots from the heap, hands slots out
 * from a free list threaded through the free slots, and gives chunks back
 * only when the slab is destroyed (contexts come and go with calls; the
 * high-water mark stays reserved, as a mempool would).
 */
#include <errno.h>
#include <string.h>

#include <rte_common.h>
#include <rte_malloc.h>

#include "srtp_pvt.h"

#define SLAB_CHUNK_SLOTS 64

struct slab_chunk {
	struct slab_chunk *next;
	/* the slots follow, cache-line aligned */
};

struct srtp_slab {
	size_t slot_size;
	void *free;			/* first free slot; each holds the next */
	struct slab_chunk *chunks;
};

#define CHUNK_HDR RTE_ALIGN_CEIL(sizeof(struct slab_chunk), RTE_CACHE_LINE_SIZE)

struct srtp_slab *srtp_slab_create(size_t slot_size)
{
	struct srtp_slab *sl = rte_zmalloc("tz_srtp_slab", sizeof(*sl), 0);

	if (sl == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	sl->slot_size = RTE_ALIGN_CEIL(RTE_MAX(slot_size, sizeof(void *)), RTE_CACHE_LINE_SIZE);
	return sl;
}

static int slab_grow(struct srtp_slab *sl)
{
	struct slab_chunk *c;
	uint8_t *slot;

	c = rte_malloc("tz_srtp_ctx", CHUNK_HDR + SLAB_CHUNK_SLOTS * sl->slot_size,
		       RTE_CACHE_LINE_SIZE);
	if (c == NULL)
		return -ENOMEM;
	c->next = sl->chunks;
	sl->chunks = c;
	slot = (uint8_t *)c + CHUNK_HDR;
	for (unsigned int i = 0; i < SLAB_CHUNK_SLOTS; i++, slot += sl->slot_size) {
		*(void **)slot = sl->free;
		sl->free = slot;
	}
	return 0;
}

void *srtp_slab_alloc(struct srtp_slab *sl)
{
	void *slot;

	if (sl->free == NULL && slab_grow(sl) != 0) {
		errno = ENOMEM;
		return NULL;
	}
	slot = sl->free;
	sl->free = *(void **)slot;
	memset(slot, 0, sl->slot_size);
	return slot;
}

void srtp_slab_free(struct srtp_slab *sl, void *slot)
{
	*(void **)slot = sl->free;
	sl->free = slot;
}

void srtp_slab_destroy(struct srtp_slab *sl)
{
	if (sl == NULL)
		return;
	while (sl->chunks != NULL) {
		struct slab_chunk *c = sl->chunks;

		sl->chunks = c->next;
		rte_free(c);
	}
	rte_free(sl);
}
