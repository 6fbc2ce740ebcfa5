/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TZ_AUTH_PVT_H
#define TZ_AUTH_PVT_H

#include "tz_auth.h"

/* backoff.c */
void tz_auth_backoff_reset(void);
void tz_auth_backoff_config(const struct tz_cfg_auth *cfg);

#endif /* TZ_AUTH_PVT_H */
