/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Announcements and music on hold (docs/media-services.md): the
 * media-services stage plays a decoded file, encoded by a tz_media player
 * to the browser's codec, into the flow towards the browser, one packet
 * every ptime on the stage's clock.  The flow is published with
 * TZ_SVC_PLAY (a TZ_XF_PROTECT flow): its worker drops the far end's own
 * RTP meanwhile and sends the stage's packets under the browser stream's
 * SSRC, renumbered after every sequence number used so far (a new sender
 * to the browser's stream), protected with the flow's SRTP context.
 *
 * Threading: post/stop are control thread only.
 */
#ifndef TZ_SVC_PLAY_H
#define TZ_SVC_PLAY_H

#include <stdint.h>

#include "tz_session.h"

struct tz_media_player;

/** Plays at once per stage core. */
#define TZ_SVC_PLAY_MAX 64

/** Start playing into a flow. */
struct tz_svc_play_cmd {
	struct tz_dp_flow_key key;      /**< the flow towards the browser (TZ_SVC_PLAY) */
	struct tz_media_player *player; /**< made by the control thread; the stage owns it
					     once posted (destroys it); NULL = stop */
	void (*release)(void *arg);     /**< called (by the stage's thread) when the stage
					     is done with the player's PCM; may be NULL */
	void *release_arg;
	uint32_t ssrc;                  /**< sender SSRC of the played packets: not the far
					     end's, so the worker renumbers them after it */
	uint32_t max_ms;                /**< stop after this long; 0 = until stopped */
	uint16_t ptime_ms;              /**< one packet every ptime_ms (the player's) */
	uint8_t worker;                 /**< the worker that owns the flow */
};

/**
 * Start a play on stage core @p core (a flow's previous play is replaced).
 * @return 0 (the stage owns cmd->player); -ENODEV (stage off / no such
 *         core), -EINVAL, -ENOBUFS (command ring full): the caller keeps
 *         the player.
 */
int tz_svc_play_post(unsigned core, const struct tz_svc_play_cmd *cmd);

/** Stop the play into flow @p key (no-op if none).
 *  @return 0, -ENODEV, -ENOBUFS. */
int tz_svc_play_stop(unsigned core, const struct tz_dp_flow_key *key);

#endif /* TZ_SVC_PLAY_H */
