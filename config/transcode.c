/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Which `transcode:` applies to a call (issue 14; docs/media-services.md
 * "Transcoding"): the trunk's, its tenant's, the gateway's.  One place, so
 * that calls to and from trunks decide alike and a unit test can hold it.
 */
#include "tz_config.h"

enum tz_cfg_transcode tz_cfg_transcode_of(const struct tz_config *cfg, uint32_t tenant,
					  const struct tz_cfg_trunk *trunk)
{
	enum tz_cfg_transcode t = TZ_XCODE_INHERIT;

	/* a trunk that cannot take it (off) or that its tenant tuned (prefer)
	 * knows best; when-needed is the trunk default, so it defers */
	if (trunk != NULL && trunk->transcode != TZ_XCODE_WHEN_NEEDED)
		return trunk->transcode;
	if (cfg == NULL)
		return TZ_XCODE_WHEN_NEEDED;
	if (tenant < cfg->n_tenants)
		t = cfg->tenants[tenant].transcode;
	if (t == TZ_XCODE_INHERIT)
		t = cfg->media_services.transcode;
	return t == TZ_XCODE_INHERIT ? TZ_XCODE_WHEN_NEEDED : t;
}

const char *tz_cfg_transcode_name(enum tz_cfg_transcode m)
{
	switch (m) {
	case TZ_XCODE_WHEN_NEEDED:
		return "when-needed";
	case TZ_XCODE_OFF:
		return "off";
	case TZ_XCODE_PREFER:
		return "prefer";
	case TZ_XCODE_INHERIT:
		return "inherit";
	}
	return "?";
}
