/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fixture of the dataplane tests that bridge a "browser" (libsrtp2, the
 * test oracle) through a worker: EAL, two wires and their kernels as ring
 * ports, a session table and an SRTP engine; AES_CM_128_HMAC_SHA1_80
 * contexts of ours and libsrtp2 sessions with the same master key.
 */
#ifndef TZ_FP_TEST_SRTP_H
#define TZ_FP_TEST_SRTP_H

#include <stdint.h>

#include <rte_mempool.h>
#include <rte_ring.h>
#include <srtp2/srtp.h>

#include "fp_test.h"
#include "tz_session.h"
#include "tz_srtp.h"

/*
 * EAL under prefix "tz_test_<tag>", FP_NPORTS ring ports (fp_test.h's
 * layout) into @p rx / @p tx / @p pid, a 64-flow session table and a
 * one-worker SRTP engine of 16 contexts.  0, or -1 when a part failed.
 */
int fp_test_dp_setup(const char *tag, struct rte_mempool **mp, struct rte_ring **rx,
		     struct rte_ring **tx, uint16_t *pid, struct tz_dp_sessions **sess,
		     struct tz_srtp_engine **eng);

/* Frees what fp_test_dp_setup made (contexts first: the caller's). */
void fp_test_dp_teardown(struct tz_dp_sessions *sess, struct tz_srtp_engine *eng);

/* An AES_CM_128_HMAC_SHA1_80 context of ours from a 30-byte master key and
 * salt, or NULL. */
struct tz_srtp_ctx *fp_test_aes_cm_ctx(struct tz_srtp_engine *eng, enum tz_srtp_dir dir,
				       const uint8_t master[30]);

/* A libsrtp2 session (AES_CM_128_HMAC_SHA1_80 for RTP and RTCP, replay window
 * 128) with the same key, for SSRCs of type @p t (ssrc_any_outbound: what the
 * browser sends; ssrc_any_inbound: what it receives).  0 or -1. */
int fp_test_browser_srtp(srtp_t *s, const uint8_t master[30], srtp_ssrc_type_t t);

#endif
