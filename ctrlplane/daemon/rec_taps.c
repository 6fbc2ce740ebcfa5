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
	tz_daemon_rec_retain(d);
	return 0;
}

/* Retention (docs/recording.md "Retention"): every tenant's directory, as
 * session/recording.c picks it, with the tenant's limits or the top
 * level's.  Tenants without their own max_total_mb share the top level's
 * (pool 0); a tenant with its own is a pool of its own. */
void tz_daemon_rec_retain(struct tz_daemon *d)
{
	const struct tz_config *cfg = d->cfg;
	const struct tz_cfg_rec_retention *top = &cfg->recording.retention;
	struct tz_rec_retain_dir *dirs;
	unsigned n = 0;

	if (!tz_rec_running())
		return;
	dirs = g_new0(struct tz_rec_retain_dir, cfg->n_tenants + 1);
	for (size_t t = 0; t < cfg->n_tenants; t++) {
		const struct tz_cfg_recording *own = &cfg->tenants[t].recording;
		const char *name = tz_cfg_tenant_name(cfg, (uint32_t)t);
		struct tz_rec_retain_dir *r = &dirs[n];
		bool dup = false;

		if (own->dir != NULL)
			g_strlcpy(r->dir, own->dir, sizeof(r->dir));
		else if (cfg->recording.dir != NULL && strspn(name, ".") != strlen(name))
			snprintf(r->dir, sizeof(r->dir), "%s/%s", cfg->recording.dir, name);
		else
			continue;
		for (unsigned k = 0; k < n; k++)
			dup |= strcmp(dirs[k].dir, r->dir) == 0;
		if (dup)
			continue;
		r->max_age_days = own->retention.max_age_days != 0 ? own->retention.max_age_days
								   : top->max_age_days;
		r->pool = own->retention.max_total_mb != 0 ? (unsigned)t + 1 : 0;
		r->max_bytes = (uint64_t)(own->retention.max_total_mb != 0
					  ? own->retention.max_total_mb : top->max_total_mb) << 20;
		n++;
	}
	if (tz_rec_retain_set(dirs, n) != 0)
		TZ_LOG(MAIN, ERR, "recording retention: cannot start the sweep thread");
	g_free(dirs);
}

void tz_daemon_rec_stop(struct tz_daemon *d)
{
	tz_rec_stop();
	for (unsigned i = 0; i < TZ_DP_MAX_WORKERS; i++) {
		tz_rec_tap_free(d->rec_taps[i]);
		d->rec_taps[i] = NULL;
	}
}
