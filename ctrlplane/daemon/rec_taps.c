/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Call recording's plumbing (docs/recording.md): one tap per worker and the
 * writer thread, made only when the config can record (some mode other than
 * off): the taps hold `recording.ring` packets each in DPDK memory.
 */
#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_lcore.h>

#include "daemon_pvt.h"
#include "tz_log.h"
#include "tz_rec.h"

static bool records_anything(const struct tz_config *cfg)
{
	if (cfg->recording.mode != TZ_REC_MODE_OFF)
		return true;
	for (size_t i = 0; i < cfg->n_tenants; i++)
		if (cfg->tenants[i].recording.mode == TZ_REC_MODE_ALL ||
		    cfg->tenants[i].recording.mode == TZ_REC_MODE_ON_DEMAND)
			return true;
	return false;
}

int tz_daemon_rec_start(struct tz_daemon *d, struct tz_dp_worker_conf *w, unsigned n_w)
{
	int rc;

	if (!records_anything(d->cfg))
		return 0;
	for (unsigned i = 0; i < n_w; i++) {
		d->rec_taps[i] = tz_rec_tap_create(i, d->cfg->recording.ring,
						   (int)rte_lcore_to_socket_id(w[i].lcore));
		if (d->rec_taps[i] == NULL) {
			TZ_LOG(MAIN, ERR, "cannot allocate the recording tap of worker %u (%u "
			       "packets): %s (lower recording.ring or raise eal.memory_mb)", i,
			       d->cfg->recording.ring, strerror(errno));
			tz_daemon_rec_stop(d);
			return -ENOMEM;
		}
		w[i].rec = d->rec_taps[i];
	}
	rc = tz_rec_start(d->rec_taps, n_w, rte_get_tsc_hz());
	if (rc != 0) {
		TZ_LOG(MAIN, ERR, "cannot start the recording writer: %s", strerror(-rc));
		tz_daemon_rec_stop(d);
		return rc;
	}
	TZ_LOG(MAIN, INFO, "recording: %u taps of %u packets", n_w, d->cfg->recording.ring);
	return 0;
}

void tz_daemon_rec_stop(struct tz_daemon *d)
{
	tz_rec_stop();
	for (unsigned i = 0; i < TZ_DP_MAX_WORKERS; i++) {
		tz_rec_tap_free(d->rec_taps[i]);
		d->rec_taps[i] = NULL;
	}
}
