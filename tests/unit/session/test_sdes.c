/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SDES-SRTP on the SIP leg (ctrlplane/session/sdes.c) with the SDP library:
 * our offer is RTP/SAVP with one a=crypto per suite of the trunk's
 * srtp_suites (tags 1..n, fresh random keys per call, the same key in
 * re-offers); an answer must accept exactly one of our tags with its suite;
 * an inbound offer is answered with our key for the first of our suites it
 * has, under its tag; plain RTP/AVP is refused both ways; a new key from the
 * PBX bumps its key generation (a new association), the same key does not;
 * the CLI text names the suite, never the key.
 * End to end: tests/e2e/sip_sdes.test.mjs.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "calls_pvt.h"

struct tz_calls_env tz_calls_env;
uint64_t tz_calls_ctr[TZ_CC_COUNT];

static char *suites_32_80[] = { "AES_CM_128_HMAC_SHA1_32", "AES_CM_128_HMAC_SHA1_80", NULL };
static struct tz_cfg_trunk trunk = { .name = "pbx", .srtp = TZ_TRUNK_SDES,
				     .srtp_suites = suites_32_80 };

static const char web_offer[] =
	"v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nc=IN IP4 0.0.0.0\r\n"
	"m=audio 9 UDP/TLS/RTP/SAVPF 111 0\r\na=rtpmap:111 opus/48000/2\r\n"
	"a=rtpmap:0 PCMU/8000\r\n";

static struct tz_sdp *parse(const char *text)
{
	struct tz_sdp *sdp = NULL;
	char err[160];

	if (tz_sdp_parse(text, strlen(text), &sdp, err, sizeof(err)) != 0)
		fail_msg("parse: %s", err);
	return sdp;
}

/* A SIP peer's SDP: proto, then a=crypto lines "tag suite key-bytes-fill" */
static char *peer_sdp(const char *proto, const char *crypto_lines)
{
	return g_strdup_printf("v=0\r\no=pbx 2 2 IN IP4 203.0.113.2\r\ns=-\r\nt=0 0\r\n"
			       "c=IN IP4 203.0.113.2\r\nm=audio 5004 %s 0\r\n"
			       "a=rtpmap:0 PCMU/8000\r\n%s", proto, crypto_lines);
}

static char *crypto_line(unsigned tag, const char *suite, uint8_t fill, size_t len)
{
	uint8_t key[64];
	g_autofree char *b64 = NULL;

	memset(key, fill, sizeof(key));
	b64 = g_base64_encode(key, len);
	return g_strdup_printf("a=crypto:%u %s inline:%s\r\n", tag, suite, b64);
}

static void new_call(struct call *c)
{
	memset(c, 0, sizeof(*c));
	c->id = 1;
	c->sip.trunk = &trunk;
	assert_int_equal(tz_sdes_start(c), 0);
	assert_true(c->sip.sdes.on);
}

/* Our offer text (an initial offer or a re-offer). */
static char *our_offer(struct call *c)
{
	struct tz_sdp_sip_local l = { .addr = "203.0.113.1", .port = 30000, .sess_id = 1,
				      .sess_version = 1 };
	struct tz_sdp *w = parse(web_offer), *o = NULL;
	char err[160], *text;

	tz_sdes_local(c, &l, true);
	if (tz_sdp_offer_sip(&l, w, &o, err, sizeof(err)) != 0)
		fail_msg("offer: %s", err);
	text = tz_sdp_build(o, NULL);
	tz_sdp_free(o);
	tz_sdp_free(w);
	return text;
}

/* Read @p text as the peer's SDP: pick (answer or offer) and commit. */
static int peer_says(struct call *c, const char *text, bool answer)
{
	struct tz_sdp *sdp = parse(text);
	struct tz_sdp_neg neg;
	struct tz_sdes_pick pick;
	char err[200];
	int rc;

	rc = tz_sdp_read_sip(sdp, NULL, &neg, err, sizeof(err));   /* unusable keys: here */
	if (rc == 0)
		rc = tz_sdes_pick(c, sdp, &neg, answer, &pick, err, sizeof(err));
	if (rc == 0)
		tz_sdes_commit(c, &pick);
	else
		print_message("refused: %s\n", err);
	tz_sdp_free(sdp);
	return rc;
}

static void test_offer_one_crypto_per_suite_fresh_keys(void **state)
{
	struct call c1, c2;
	g_autofree char *o1 = NULL, *o2 = NULL;
	char buf[64];

	new_call(&c1);
	new_call(&c2);
	o1 = our_offer(&c1);
	o2 = our_offer(&c2);
	assert_non_null(strstr(o1, "m=audio 30000 RTP/SAVP "));
	assert_non_null(strstr(o1, "a=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:"));
	assert_non_null(strstr(o1, "a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:"));
	assert_null(strstr(o1, "a=crypto:3"));
	assert_true(c1.sip.sdes.offer_pending);
	assert_int_equal(c1.sip.sdes.ours[0].key_len, 30);
	/* a fresh key per call (and per suite) */
	assert_memory_not_equal(c1.sip.sdes.ours[0].key, c2.sip.sdes.ours[0].key, 30);
	assert_memory_not_equal(c1.sip.sdes.ours[0].key, c1.sip.sdes.ours[1].key, 30);
	assert_string_equal(tz_sdes_describe(&c1, buf, sizeof(buf)), "srtp-sdes (negotiating)");
	tz_sdes_free(&c1);
	tz_sdes_free(&c2);
}

static void test_answer_must_accept_one_of_our_tags(void **state)
{
	struct call c;
	uint8_t key80[30];
	g_autofree char *l2 = crypto_line(2, "AES_CM_128_HMAC_SHA1_80", 0x42, 30);
	g_autofree char *l1_80 = crypto_line(1, "AES_CM_128_HMAC_SHA1_80", 0x42, 30);
	g_autofree char *l3 = crypto_line(3, "AES_CM_128_HMAC_SHA1_80", 0x42, 30);
	g_autofree char *l2_short = crypto_line(2, "AES_CM_128_HMAC_SHA1_80", 0x42, 20);
	g_autofree char *both = g_strconcat(l2, l1_80, NULL);
	g_autofree char *plain = peer_sdp("RTP/AVP", "");
	g_autofree char *a_l1_80 = peer_sdp("RTP/SAVP", l1_80);
	g_autofree char *a_l3 = peer_sdp("RTP/SAVP", l3);
	g_autofree char *a_short = peer_sdp("RTP/SAVP", l2_short);
	g_autofree char *a_both = peer_sdp("RTP/SAVP", both);
	g_autofree char *a_ok = peer_sdp("RTP/SAVP", l2);
	g_autofree char *offer = NULL, *reoffer = NULL, *sent = NULL;
	char buf[64];

	new_call(&c);
	offer = our_offer(&c);
	memcpy(key80, c.sip.sdes.ours[1].key, 30);
	assert_int_equal(peer_says(&c, plain, true), -EINVAL);          /* RTP/AVP */
	assert_int_equal(peer_says(&c, a_l1_80, true), -EINVAL);        /* tag 1 is _32 */
	assert_int_equal(peer_says(&c, a_l3, true), -EINVAL);           /* not our tag */
	assert_int_equal(peer_says(&c, a_short, true), -EINVAL);        /* key length */
	assert_int_equal(peer_says(&c, a_both, true), -EINVAL);         /* two lines */
	assert_int_equal(c.sip.sdes.chosen, -1);
	assert_int_equal(peer_says(&c, a_ok, true), 0);
	assert_int_equal(c.sip.sdes.chosen, 1);
	assert_false(c.sip.sdes.offer_pending);
	assert_string_equal(tz_sdes_describe(&c, buf, sizeof(buf)),
			    "srtp-sdes AES_CM_128_HMAC_SHA1_80");
	/* the re-offer (hold): only the key in use, same tag, same key */
	reoffer = our_offer(&c);
	sent = g_base64_encode(key80, 30);
	assert_non_null(strstr(reoffer, "a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:"));
	assert_non_null(strstr(reoffer, sent));
	assert_null(strstr(reoffer, "a=crypto:1"));
	/* the same key again in the answer: the association goes on */
	assert_int_equal(peer_says(&c, a_ok, true), 0);
	assert_int_equal(c.sip.sdes.gen_in, 0);
	tz_sdes_free(&c);
}

static void test_inbound_offer_first_of_our_suites_under_its_tag(void **state)
{
	struct call c;
	g_autofree char *l5 = crypto_line(5, "AES_CM_128_HMAC_SHA1_80", 0x11, 30);
	g_autofree char *l7 = crypto_line(7, "AES_CM_128_HMAC_SHA1_32", 0x22, 30);
	g_autofree char *l9 = crypto_line(9, "AEAD_AES_256_GCM", 0x33, 44);
	g_autofree char *lines = g_strconcat(l9, l5, l7, NULL);
	g_autofree char *offer = peer_sdp("RTP/SAVP", lines);
	g_autofree char *plain = peer_sdp("RTP/AVP", "");
	struct tz_sdp_sip_local l = { .addr = "203.0.113.1", .port = 30002, .sess_id = 1,
				      .sess_version = 1 };
	struct tz_sdp *sdp = parse(offer), *answer = NULL;
	struct tz_sdp_neg neg;
	struct tz_sdes_pick pick;
	g_autofree char *text = NULL, *ours_b64 = NULL;
	char err[200];

	new_call(&c);
	assert_int_equal(peer_says(&c, plain, false), -EINVAL);
	assert_int_equal(tz_sdp_read_sip(sdp, NULL, &neg, err, sizeof(err)), 0);
	assert_int_equal(tz_sdes_pick(&c, sdp, &neg, false, &pick, err, sizeof(err)), 0);
	assert_int_equal(pick.idx, 0);                  /* our first: _32 */
	assert_int_equal(pick.line->tag, 7);
	tz_sdes_commit(&c, &pick);
	neg.crypto = pick.line;
	l.crypto = tz_sdes_answer_key(&c, &pick);
	assert_int_equal(tz_sdp_answer_sip(&l, &neg, &answer), 0);
	text = tz_sdp_build(answer, NULL);
	ours_b64 = g_base64_encode(c.sip.sdes.ours[0].key, 30);
	assert_non_null(strstr(text, "m=audio 30002 RTP/SAVP "));
	assert_non_null(strstr(text, "a=crypto:7 AES_CM_128_HMAC_SHA1_32 inline:"));
	assert_non_null(strstr(text, ours_b64));       /* our key, not theirs */
	assert_null(strstr(text, "a=crypto:5"));
	tz_sdp_free(answer);
	tz_sdp_free(sdp);
	tz_sdes_free(&c);
}

static void test_new_key_from_pbx_is_new_association(void **state)
{
	struct call c;
	g_autofree char *k1 = crypto_line(7, "AES_CM_128_HMAC_SHA1_32", 0x22, 30);
	g_autofree char *k2 = crypto_line(7, "AES_CM_128_HMAC_SHA1_32", 0x23, 30);
	g_autofree char *o1 = peer_sdp("RTP/SAVP", k1);
	g_autofree char *o2 = peer_sdp("RTP/SAVP", k2);
	uint64_t before = tz_calls_ctr[TZ_CC_SDES_REKEYED];

	new_call(&c);
	assert_int_equal(peer_says(&c, o1, false), 0);
	assert_int_equal(c.sip.sdes.gen_in, 0);
	assert_int_equal(peer_says(&c, o1, false), 0);          /* re-INVITE, same key */
	assert_int_equal(c.sip.sdes.gen_in, 0);
	assert_false(c.sip.sdes.stale_in);
	assert_int_equal(peer_says(&c, o2, false), 0);          /* re-INVITE, new key */
	assert_int_equal(c.sip.sdes.gen_in, 1);
	assert_true(c.sip.sdes.stale_in);
	assert_int_equal(c.sip.sdes.gen_out, 0);                /* our key goes on */
	assert_int_equal(tz_calls_ctr[TZ_CC_SDES_REKEYED], before + 1);
	tz_sdes_free(&c);
}

static void test_plain_trunk_untouched(void **state)
{
	struct tz_cfg_trunk rtp = { .name = "plain" };
	struct call c = { .id = 2 };
	struct tz_sdp_sip_local l = { 0 };
	char buf[64];

	c.sip.trunk = &rtp;
	assert_int_equal(tz_sdes_start(&c), 0);
	assert_false(c.sip.sdes.on);
	tz_sdes_local(&c, &l, true);
	assert_null(l.crypto);
	assert_string_equal(tz_sdes_describe(&c, buf, sizeof(buf)), "rtp");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_offer_one_crypto_per_suite_fresh_keys),
		cmocka_unit_test(test_answer_must_accept_one_of_our_tags),
		cmocka_unit_test(test_inbound_offer_first_of_our_suites_under_its_tag),
		cmocka_unit_test(test_new_key_from_pbx_is_new_association),
		cmocka_unit_test(test_plain_trunk_untouched),
	};

	return cmocka_run_group_tests_name("session_sdes", tests, NULL, NULL);
}
