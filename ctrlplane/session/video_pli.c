/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A key frame request from the SIP side as SIP INFO picture_fast_update
 * (RFC 5168) becomes an RTCP PLI (RFC 4585 §6.3.1) to the browser.  A few
 * packets a minute at most: the control plane protects it itself (SRTCP,
 * RFC 3711 §3.4 / RFC 7714 §9, OpenSSL) and sends it on the call's ICE
 * socket, like DTLS.  Its sender SSRC is our video SSRC, which no SRTCP
 * from the dataplane carries (the SIP side's RTCP keeps its own sender
 * SSRC), so its SRTCP index space (c->video.pli_index) is its own.
 * Rate-limited to one per PLI_MIN_MS: a phone repeats its request until a
 * key frame comes.
 */
#include <errno.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "calls_pvt.h"
#include "tz_dtls.h"
#include "tz_ice.h"
#include "tz_log.h"

#define PLI_MIN_MS 200
#define RTCP_HDR 8
#define SRTCP_E 0x80000000u

/* AES-CTR over @p in (or zeros when NULL) into @p out. */
static int aes_ctr(const uint8_t *key, size_t klen, const uint8_t iv[16], const uint8_t *in,
		   uint8_t *out, size_t len)
{
	uint8_t zero[64] = { 0 };
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	int ol, rc = -EIO;

	if (x == NULL || len > sizeof(zero))
		goto out;
	if (EVP_EncryptInit_ex(x, klen == 32 ? EVP_aes_256_ctr() : EVP_aes_128_ctr(), NULL, key,
			       iv) == 1 &&
	    EVP_EncryptUpdate(x, out, &ol, in != NULL ? in : zero, (int)len) == 1)
		rc = 0;
out:
	EVP_CIPHER_CTX_free(x);
	return rc;
}

/* RFC 3711 §4.3.1 with kdr 0 (a 12-byte GCM salt zero padded, RFC 7714 §11). */
static int kdf(const struct tz_dtls_keys *k, uint8_t label, uint8_t *out, size_t len)
{
	uint8_t iv[16] = { 0 };

	memcpy(iv, k->salt, k->salt_len);
	iv[7] ^= label;
	return aes_ctr(k->key, k->key_len, iv, NULL, out, len);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static int gcm(const uint8_t *key, size_t klen, const uint8_t iv[12], uint8_t *p, size_t len,
	       uint32_t trailer)
{
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	uint8_t aad[RTCP_HDR + 4];
	int ol, rc = -EIO;

	memcpy(aad, p, RTCP_HDR);
	put32(aad + RTCP_HDR, trailer);
	if (x != NULL &&
	    EVP_EncryptInit_ex(x, klen == 32 ? EVP_aes_256_gcm() : EVP_aes_128_gcm(), NULL, NULL,
			       NULL) == 1 &&
	    EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) == 1 &&
	    EVP_EncryptInit_ex(x, NULL, NULL, key, iv) == 1 &&
	    EVP_EncryptUpdate(x, NULL, &ol, aad, sizeof(aad)) == 1 &&
	    EVP_EncryptUpdate(x, p + RTCP_HDR, &ol, p + RTCP_HDR, (int)(len - RTCP_HDR)) == 1 &&
	    EVP_EncryptFinal_ex(x, p + len, &ol) == 1 &&
	    EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_GET_TAG, 16, p + len) == 1) {
		put32(p + len + 16, trailer);
		rc = (int)(len + 16 + 4);
	}
	EVP_CIPHER_CTX_free(x);
	return rc;
}

int tz_video_srtcp_protect(enum tz_srtp_suite suite, const struct tz_dtls_keys *k,
			   uint32_t index, uint8_t *p, size_t len, size_t cap)
{
	bool aead = suite == TZ_SRTP_AEAD_AES_128_GCM || suite == TZ_SRTP_AEAD_AES_256_GCM;
	uint8_t enc[32], auth[20], salt[16] = { 0 }, iv[16];
	uint32_t ssrc, trailer = SRTCP_E | index;
	unsigned o = aead ? 2 : 4, tag_len;
	int rc;

	if (len < RTCP_HDR || cap < len + 4 + 16 || index >= SRTCP_E || k->key_len > sizeof(enc) ||
	    k->salt_len > 14)
		return -EINVAL;
	ssrc = (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7];
	rc = kdf(k, 0x03, enc, k->key_len);
	if (rc == 0)
		rc = kdf(k, 0x05, salt, k->salt_len);
	if (rc == 0 && !aead)
		rc = kdf(k, 0x04, auth, sizeof(auth));
	if (rc != 0)
		goto out;
	memcpy(iv, salt, sizeof(iv));
	for (unsigned i = 0; i < 4; i++)
		iv[o + i] ^= (uint8_t)(ssrc >> (24 - 8 * i));
	for (unsigned i = 0; i < 4; i++)
		iv[o + 6 + i] ^= (uint8_t)(index >> (24 - 8 * i));
	if (aead) {
		rc = gcm(enc, k->key_len, iv, p, len, trailer);
		goto out;
	}
	rc = aes_ctr(enc, k->key_len, iv, p + RTCP_HDR, p + RTCP_HDR, len - RTCP_HDR);
	if (rc == 0) {
		uint8_t mac[EVP_MAX_MD_SIZE];
		unsigned mlen = 0;

		put32(p + len, trailer);
		tag_len = 10;           /* SRTCP: 80 bits for both SHA1 suites (RFC 3711 §5.2) */
		if (HMAC(EVP_sha1(), auth, sizeof(auth), p, len + 4, mac, &mlen) == NULL)
			rc = -EIO;
		else {
			memcpy(p + len + 4, mac, tag_len);
			rc = (int)(len + 4 + tag_len);
		}
	}
out:
	OPENSSL_cleanse(enc, sizeof(enc));
	OPENSSL_cleanse(auth, sizeof(auth));
	OPENSSL_cleanse(salt, sizeof(salt));
	return rc;
}

/* One PLI from our video SSRC about the browser's video. */
static int send_pli(struct call *c)
{
	struct tz_dtls_keys local, remote;
	enum tz_srtp_suite suite;
	uint8_t p[64] = { 0x81, 206, 0, 2 };    /* V=2 FMT=1 PSFB, length 2 (RFC 4585 §6.1) */
	int n;

	if (c->web.dtls == NULL || c->web.ice == NULL || c->video.web.ssrc == 0 ||
	    tz_dtls_srtp_keys(c->web.dtls, &suite, &local, &remote) != 0)
		return -ENOTCONN;
	put32(p + 4, c->video.ssrc);
	put32(p + 8, c->video.web.ssrc);
	n = tz_video_srtcp_protect(suite, &local, c->video.pli_index, p, 12, sizeof(p));
	tz_dtls_keys_wipe(&local);
	tz_dtls_keys_wipe(&remote);
	if (n < 0)
		return n;
	c->video.pli_index++;
	return tz_ice_send(c->web.ice, p, (size_t)n);
}

void tz_video_in_fast_update(struct tz_sip_leg *leg, int status, void *user)
{
	struct call *c = tz_sip_leg_get_user(leg);
	int64_t now = g_get_monotonic_time();

	(void)user;
	if (c == NULL || c->state == CALL_ENDED)
		return;
	if (status != 0) {
		TZ_LOG(CP_SESSION, INFO, "call %u: SIP INFO media_control without a "
		       "picture_fast_update (%s): ignored", c->id,
		       status == -ENOENT ? "another request" : "not well formed");
		return;
	}
	tz_calls_ctr[TZ_CC_VIDEO_FAST_UPDATE_IN]++;
	if (!c->video.on || !(c->video.pub & 1u) || now - c->video.pli_last < PLI_MIN_MS * 1000) {
		tz_calls_ctr[TZ_CC_VIDEO_FAST_UPDATE_LIMITED]++;
		return;
	}
	if (send_pli(c) < 0) {
		tz_calls_ctr[TZ_CC_VIDEO_FAST_UPDATE_LIMITED]++;
		TZ_LOG(CP_SESSION, DEBUG, "call %u: no PLI for the fast update (no browser video "
		       "SSRC or keys yet)", c->id);
		return;
	}
	c->video.pli_last = now;
	tz_calls_ctr[TZ_CC_VIDEO_PLI_TO_WEB]++;
	TZ_LOG(CP_SESSION, DEBUG, "call %u: SIP INFO picture_fast_update -> PLI to the browser",
	       c->id);
}
