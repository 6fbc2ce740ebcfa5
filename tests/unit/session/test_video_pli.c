/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SIP INFO picture_fast_update -> PLI to the browser (video_pli.c), the
 * rest of the call manager, DTLS and ICE stubbed: the PLI is SRTCP that
 * libsrtp2 (the browser's side) takes, for each DTLS-SRTP suite, with
 * successive SRTCP indexes; requests closer than the rate limit, calls
 * without browser video and INFO without a fast update send nothing and
 * are counted.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <srtp2/srtp.h>

#include "calls_pvt.h"
#include "tz_dtls.h"
#include "tz_ice.h"

struct tz_calls_env tz_calls_env;
uint64_t tz_calls_ctr[TZ_CC_COUNT];

static struct call call;
static enum tz_srtp_suite suite;
static uint8_t master[46];              /* key || salt, libsrtp's order */
static uint8_t sent[8][128];
static size_t sent_len[8];
static unsigned n_sent;

void *tz_sip_leg_get_user(const struct tz_sip_leg *leg)
{
	(void)leg;
	return &call;
}

static size_t key_len(void)
{
	return suite == TZ_SRTP_AEAD_AES_256_GCM ? 32 : 16;
}

static size_t salt_len(void)
{
	return suite == TZ_SRTP_AEAD_AES_128_GCM || suite == TZ_SRTP_AEAD_AES_256_GCM ? 12 : 14;
}

int tz_dtls_srtp_keys(struct tz_dtls *d, enum tz_srtp_suite *s, struct tz_dtls_keys *local,
		      struct tz_dtls_keys *remote)
{
	(void)d;
	*s = suite;
	memset(local, 0, sizeof(*local));
	memset(remote, 0, sizeof(*remote));
	local->key_len = key_len();
	local->salt_len = salt_len();
	memcpy(local->key, master, local->key_len);
	memcpy(local->salt, master + local->key_len, local->salt_len);
	return 0;
}

void tz_dtls_keys_wipe(struct tz_dtls_keys *k)
{
	memset(k, 0, sizeof(*k));
}

int tz_ice_send(struct tz_ice *ice, const uint8_t *data, size_t len)
{
	(void)ice;
	assert_true(n_sent < 8 && len <= sizeof(sent[0]));
	memcpy(sent[n_sent], data, len);
	sent_len[n_sent++] = len;
	return 0;
}

static void setup_call(void)
{
	memset(&call, 0, sizeof(call));
	call.id = 7;
	call.state = CALL_CONNECTED;
	call.web.dtls = (struct tz_dtls *)&call;        /* only non-NULL matters */
	call.web.ice = (struct tz_ice *)&call;
	call.video.on = true;
	call.video.pub = 7;
	call.video.ssrc = 0x11223344;
	call.video.web.ssrc = 0xdeadbeef;
	n_sent = 0;
	memset(tz_calls_ctr, 0, sizeof(tz_calls_ctr));
	for (unsigned i = 0; i < sizeof(master); i++)
		master[i] = (uint8_t)(i * 7 + 3);
}

static srtp_t browser(void)
{
	srtp_policy_t p;
	srtp_t s;

	memset(&p, 0, sizeof(p));
	switch (suite) {
	case TZ_SRTP_AEAD_AES_128_GCM:
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtp);
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtcp);
		break;
	case TZ_SRTP_AEAD_AES_256_GCM:
		srtp_crypto_policy_set_aes_gcm_256_16_auth(&p.rtp);
		srtp_crypto_policy_set_aes_gcm_256_16_auth(&p.rtcp);
		break;
	case TZ_SRTP_AES_CM_128_HMAC_SHA1_32:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&p.rtp);
		srtp_crypto_policy_set_rtp_default(&p.rtcp);
		break;
	default:
		srtp_crypto_policy_set_rtp_default(&p.rtp);
		srtp_crypto_policy_set_rtp_default(&p.rtcp);
	}
	p.ssrc.type = ssrc_any_inbound;
	p.key = master;
	p.window_size = 128;
	assert_int_equal(srtp_create(&s, &p), srtp_err_status_ok);
	return s;
}

static void run_suite(enum tz_srtp_suite su)
{
	static const uint8_t pli[12] = { 0x81, 206, 0, 2, 0x11, 0x22, 0x33, 0x44,
					 0xde, 0xad, 0xbe, 0xef };
	srtp_t s;

	suite = su;
	setup_call();
	s = browser();
	for (unsigned i = 0; i < 3; i++) {
		int len;

		call.video.pli_last = 0;        /* past the rate limit */
		tz_video_in_fast_update(NULL, 0, NULL);
		assert_int_equal(n_sent, i + 1);
		len = (int)sent_len[i];
		assert_int_equal(srtp_unprotect_rtcp(s, sent[i], &len), srtp_err_status_ok);
		assert_int_equal(len, 12);
		assert_memory_equal(sent[i], pli, sizeof(pli));
	}
	assert_int_equal(call.video.pli_index, 3);
	assert_int_equal(tz_calls_ctr[TZ_CC_VIDEO_PLI_TO_WEB], 3);
	srtp_dealloc(s);
}

static void test_cm_80(void **state)
{
	(void)state;
	run_suite(TZ_SRTP_AES_CM_128_HMAC_SHA1_80);
}

static void test_cm_32(void **state)
{
	(void)state;
	run_suite(TZ_SRTP_AES_CM_128_HMAC_SHA1_32);
}

static void test_gcm_128(void **state)
{
	(void)state;
	run_suite(TZ_SRTP_AEAD_AES_128_GCM);
}

static void test_gcm_256(void **state)
{
	(void)state;
	run_suite(TZ_SRTP_AEAD_AES_256_GCM);
}

static void test_limits(void **state)
{
	(void)state;
	suite = TZ_SRTP_AEAD_AES_128_GCM;
	setup_call();
	tz_video_in_fast_update(NULL, 0, NULL);
	tz_video_in_fast_update(NULL, 0, NULL);         /* at once: rate-limited */
	assert_int_equal(n_sent, 1);
	assert_int_equal(tz_calls_ctr[TZ_CC_VIDEO_FAST_UPDATE_IN], 2);
	assert_int_equal(tz_calls_ctr[TZ_CC_VIDEO_FAST_UPDATE_LIMITED], 1);
	/* not a fast update, or not well formed: ignored, not counted as one */
	tz_video_in_fast_update(NULL, -ENOENT, NULL);
	tz_video_in_fast_update(NULL, -EINVAL, NULL);
	assert_int_equal(tz_calls_ctr[TZ_CC_VIDEO_FAST_UPDATE_IN], 2);
	/* an audio call, and a browser video SSRC not known */
	call.video.pli_last = 0;
	call.video.on = false;
	tz_video_in_fast_update(NULL, 0, NULL);
	call.video.on = true;
	call.video.web.ssrc = 0;
	tz_video_in_fast_update(NULL, 0, NULL);
	assert_int_equal(n_sent, 1);
	assert_int_equal(tz_calls_ctr[TZ_CC_VIDEO_FAST_UPDATE_LIMITED], 3);
	/* an ended call: nothing */
	call.state = CALL_ENDED;
	tz_video_in_fast_update(NULL, 0, NULL);
	assert_int_equal(tz_calls_ctr[TZ_CC_VIDEO_FAST_UPDATE_IN], 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cm_80),
		cmocka_unit_test(test_cm_32),
		cmocka_unit_test(test_gcm_128),
		cmocka_unit_test(test_gcm_256),
		cmocka_unit_test(test_limits),
	};
	int rc;

	srtp_init();
	rc = cmocka_run_group_tests_name("session_video_pli", tests, NULL, NULL);
	srtp_shutdown();
	return rc;
}
