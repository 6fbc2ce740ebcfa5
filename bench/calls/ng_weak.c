/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Weak stand-ins for bench/compare/ng.c (rtpengine's NG client) so the
 * calls engine links before that file is merged; the real functions
 * replace these at link time.  Every one reports -ENOSYS.
 */
#include <errno.h>
#include <stddef.h>

#include "../compare/ng.h"

__attribute__((weak)) struct ng_client *ng_open(const char *addr, unsigned timeout_ms)
{
	errno = ENOSYS;
	return NULL;
}

__attribute__((weak)) void ng_close(struct ng_client *ng)
{
}

__attribute__((weak)) int ng_bridge_webrtc(struct ng_client *ng, const char *call_id,
					   const char *webrtc_offer, const char *rtp_peer_ip,
					   uint16_t rtp_peer_port, char **webrtc_answer, char *err,
					   size_t err_len)
{
	if (webrtc_answer != NULL)
		*webrtc_answer = NULL;
	return -ENOSYS;
}

__attribute__((weak)) int ng_delete(struct ng_client *ng, const char *call_id)
{
	return -ENOSYS;
}
