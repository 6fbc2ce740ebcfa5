/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The announcement and music-on-hold files (announcements:, music_on_hold:,
 * top level and tenants[]; docs/media-services.md) are read at every load
 * and reload with the codec library's WAV reader, so a file that is
 * missing, unreadable or not a WAV the gateway plays is a FILE:LINE:COL
 * error here, never a silent call later.  The control plane decodes them
 * again at the rates it needs (ctrlplane/session/announce.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_pvt.h"
#include "tz_media.h"

#define MAX_FILE_S 600          /* a longer file is a mistake (and 55 MB at 48 kHz) */

static void check_file(struct tz_cfg_ctx *c, char *const *path, int line, int col,
		       const char *where)
{
	const struct tz_cfg_pos *p;
	struct tz_media_wav_info info;
	int16_t *pcm = NULL;
	size_t frames = 0;
	int rc;

	if (*path == NULL)
		return;
	p = tz_cfg_pos_find(c, path);
	if (p != NULL) {
		line = p->line;
		col = p->col;
		where = p->path;
	}
	rc = tz_media_wav_load(*path, 8000, 1, &info, &pcm, &frames);
	free(pcm);
	if (rc == -EBADMSG || rc == -ENOTSUP || rc == -EINVAL)
		tz_cfg_err_at(c, line, col, where, "\"%s\" is not a WAV file the gateway plays "
			      "(%s); expected RIFF/WAVE, PCM 16-bit, A-law or mu-law, 1..8 "
			      "channels (e.g. sox in.mp3 -r 8000 -c 1 -b 16 out.wav)", *path,
			      strerror(-rc));
	else if (rc != 0)
		tz_cfg_err_at(c, line, col, where, "\"%s\" cannot be read: %s", *path,
			      strerror(-rc));
	else if (info.frames / info.rate > MAX_FILE_S)
		tz_cfg_err_at(c, line, col, where, "\"%s\" lasts %u s; expected at most %d s",
			      *path, info.frames / info.rate, MAX_FILE_S);
}

static void check_set(struct tz_cfg_ctx *c, const struct tz_cfg_announce *a, int line, int col,
		      const char *pre)
{
	static const struct {
		size_t off;
		const char *key;
	} keys[] = {
		{ offsetof(struct tz_cfg_announce, not_found), "announcements.not_found" },
		{ offsetof(struct tz_cfg_announce, busy), "announcements.busy" },
		{ offsetof(struct tz_cfg_announce, unreachable), "announcements.unreachable" },
		{ offsetof(struct tz_cfg_announce, other), "announcements.default" },
		{ offsetof(struct tz_cfg_announce, moh), "music_on_hold" },
	};
	char where[96];

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		snprintf(where, sizeof(where), "%s%s", pre, keys[i].key);
		check_file(c, (char *const *)((const char *)a + keys[i].off), line, col, where);
	}
}

void tz_cfg_validate_media(struct tz_cfg_ctx *c, const struct tz_config *cfg)
{
	check_set(c, &cfg->announce, 1, 1, "");
	for (size_t i = 1; i < cfg->n_tenants; i++)
		check_set(c, &cfg->tenants[i].announce, cfg->tenants[i].line,
			  cfg->tenants[i].col, "tenants[].");
}
