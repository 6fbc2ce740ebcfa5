/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * trapeze-bench pipeline --record N: what call recording costs the worker.
 * Calls 0..N-1 carry a recording slot, each worker gets a tap, and a thread
 * drains the taps and gives the records back -- the writer thread without
 * its files, so the bench measures the worker's copy, not the disk.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include <rte_lcore.h>

#include "pipeline_pvt.h"
#include "tz_rec_tap.h"

#define TAP_PACKETS 32768     /* a whole callgrind run: copies, not drops, measured */

static void *drain_main(void *arg)
{
	struct pipeline *pl = arg;
	struct tz_rec_pkt *p[64];

	while (!__atomic_load_n(&pl->rec_quit, __ATOMIC_ACQUIRE)) {
		unsigned moved = 0;

		for (unsigned w = 0; w < pl->o.workers; w++) {
			unsigned n = tz_rec_tap_drain(pl->rec[w], p, 64);

			tz_rec_tap_release(pl->rec[w], p, n);
			moved += n;
		}
		if (moved == 0)
			usleep(100);
	}
	return NULL;
}

uint16_t pipeline_rec_slot(const struct pipeline *pl, uint32_t c)
{
	return c < pl->o.record ? (uint16_t)(1 + c % (TZ_REC_SLOTS - 1)) : 0;
}

int pipeline_rec_start(struct pipeline *pl)
{
	if (pl->o.record == 0)
		return 0;
	for (unsigned w = 0; w < pl->o.workers; w++) {
		pl->rec[w] = tz_rec_tap_create(w, TAP_PACKETS, (int)rte_socket_id());
		if (pl->rec[w] == NULL)
			return -ENOMEM;
	}
	pl->rec_quit = 0;
	return pthread_create(&pl->rec_thread, NULL, drain_main, pl) == 0 ? 0 : -EAGAIN;
}

void pipeline_rec_stop(struct pipeline *pl)
{
	uint64_t copied = 0, drops = 0;

	if (pl->rec[0] == NULL)
		return;
	__atomic_store_n(&pl->rec_quit, 1, __ATOMIC_RELEASE);
	pthread_join(pl->rec_thread, NULL);
	for (unsigned w = 0; w < pl->o.workers; w++) {
		copied += pl->rec[w]->copied;
		drops += pl->rec[w]->drops;
		tz_rec_tap_free(pl->rec[w]);
		pl->rec[w] = NULL;
	}
	fprintf(stderr, "trapeze-bench: recorded %u calls: %lu packets copied, %lu dropped (tap full)\n",
		pl->o.record, (unsigned long)copied, (unsigned long)drops);
}
