/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * ICE consent checks (RFC 7675) answered in the dataplane.
 *
 * Once a call's ICE pair is selected, the control plane publishes on the
 * browser-keyed flow what answering needs (struct tz_dp_stun_cred: the
 * expected USERNAME and the HMAC-SHA1 key as two precomputed SHA-1 states).
 * The owning worker then answers the browser's Binding requests itself:
 * the message is walked with every length checked, USERNAME, FINGERPRINT
 * (CRC-32, RFC 8489 §14.7) and MESSAGE-INTEGRITY (RFC 8489 §14.5) are
 * verified, and a success response with XOR-MAPPED-ADDRESS,
 * MESSAGE-INTEGRITY and FINGERPRINT goes back.  USE-CANDIDATE is answered
 * too: the flow's 5-tuple is the pair already selected, and Chromium sets
 * it on every check of that pair against our ICE-lite agent.  What it
 * cannot handle (a role conflict, an unknown comprehension-required
 * attribute, another user, another pair) is punted to libnice exactly as
 * before.
 */
#ifndef TZ_STUN_H
#define TZ_STUN_H

#include <stddef.h>
#include <stdint.h>

#include "tz_session.h"

/** Largest request answered (bytes of STUN); longer ones are punted. */
#define TZ_STUN_REQ_MAX 548
/** Largest response built (IPv6 XOR-MAPPED-ADDRESS, MI, FINGERPRINT). */
#define TZ_STUN_RESP_MAX 76

/** What to do with a STUN message on a flow with credentials. */
enum tz_stun_verdict {
	TZ_STUN_ANSWER,           /**< a valid consent check: response built */
	TZ_STUN_PUNT,             /**< not for us to answer: to libnice as before */
	TZ_STUN_PUNT_USER,        /**< USERNAME not the flow's (ICE restart?): punted */
	TZ_STUN_PUNT_MALFORMED,   /**< bad length, attribute or FINGERPRINT: punted */
	TZ_STUN_BAD_AUTH,         /**< our USERNAME, wrong MESSAGE-INTEGRITY: dropped */
};

/**
 * Fill @p c for local ufrag @p lufrag, remote ufrag @p rufrag and local
 * password @p pwd (short-term credentials, RFC 8489 §9.1).
 * @return 0, or -EINVAL (missing) / -E2BIG (USERNAME or password too long):
 *         @p c is then off (zeroed).
 */
int tz_dp_stun_cred_set(struct tz_dp_stun_cred *c, const char *lufrag, const char *rufrag,
			const char *pwd);

/**
 * Check request @p req (@p len bytes, the whole UDP payload) against @p c;
 * on TZ_STUN_ANSWER write the success response for source @p src (IPv6 or
 * IPv4-mapped, as struct tz_dp_flow_key::remote) and port @p sport into
 * @p out (TZ_STUN_RESP_MAX bytes) and its length into @p out_len.
 * Pure: no DPDK, any thread.
 */
enum tz_stun_verdict tz_dp_stun_answer_buf(const struct tz_dp_stun_cred *c, const uint8_t *req,
					   size_t len, const uint8_t src[16], uint16_t sport,
					   uint8_t *out, size_t *out_len);

/** HMAC-SHA1 of @p len bytes at @p msg with the key of @p c (tests). */
void tz_dp_stun_hmac(const struct tz_dp_stun_cred *c, const uint8_t *msg, size_t len,
		     uint8_t mac[20]);

/** CRC-32 (ISO-HDLC, as zlib's crc32) of @p len bytes at @p p. */
uint32_t tz_dp_stun_crc32(const uint8_t *p, size_t len);

#endif /* TZ_STUN_H */
