/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICE consent checks answered in the dataplane (dataplane/stun_msg.c), on
 * buffers: requests made by libnice's STUN library (the code the real
 * peers' checks are compared with) are answered, and libnice validates the
 * response (MESSAGE-INTEGRITY with our password, FINGERPRINT, the
 * XOR-MAPPED-ADDRESS of the source).  A wrong password is refused, another
 * USERNAME, truncation, a bad FINGERPRINT and a role conflict are punted;
 * USE-CANDIDATE (the selected pair, as Chromium sends it) is answered.  SHA-1 and CRC-32 against RFC 5769's sample request.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <stun/stunagent.h>
#include <stun/usages/ice.h>

#include "tz_stun.h"
#include "tz_test_rfc5769.h"
#include "tz_test_stun_pwd.h"

#define LUFRAG "gw01ufrg"
#define RUFRAG "brws"
#define PWD "0123456789abcdefghijklmn"
#define USER LUFRAG ":" RUFRAG

static const uint8_t src4[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 7 };

/* The browser's side: a libnice agent sending checks, as controlling. */
struct peer {
	StunAgent agent;
	StunMessage req;
	uint8_t buf[512];
	size_t len;
};

static void peer_check(struct peer *p, const char *user, const char *pwd, bool use_cand,
		       bool controlling, unsigned usage)
{
	static const uint16_t known[] = { STUN_ATTRIBUTE_USERNAME, STUN_ATTRIBUTE_MESSAGE_INTEGRITY, STUN_ATTRIBUTE_FINGERPRINT,
					  STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS, STUN_ATTRIBUTE_PRIORITY,
					  STUN_ATTRIBUTE_ICE_CONTROLLING, STUN_ATTRIBUTE_ICE_CONTROLLED,
					  STUN_ATTRIBUTE_USE_CANDIDATE, 0 };

	stun_agent_init(&p->agent, known, STUN_COMPATIBILITY_RFC5389,
			STUN_AGENT_USAGE_SHORT_TERM_CREDENTIALS | STUN_AGENT_USAGE_USE_FINGERPRINT |
			usage);
	p->len = stun_usage_ice_conncheck_create(&p->agent, &p->req, p->buf, sizeof(p->buf),
						 (const uint8_t *)user, strlen(user),
						 (const uint8_t *)pwd, strlen(pwd), use_cand,
						 controlling, 0x6e7f00ff, 0x1234567890abcdefULL,
						 NULL, STUN_USAGE_ICE_COMPATIBILITY_RFC5245);
	assert_true(p->len > 20);
}

static struct tz_dp_stun_cred cred(void)
{
	struct tz_dp_stun_cred c;

	assert_int_equal(tz_dp_stun_cred_set(&c, LUFRAG, RUFRAG, PWD), 0);
	return c;
}

static enum tz_stun_verdict answer(const struct peer *p, uint8_t *out, size_t *olen)
{
	struct tz_dp_stun_cred c = cred();

	return tz_dp_stun_answer_buf(&c, p->buf, p->len, src4, 40000, out, olen);
}

/* libnice takes our response to its check: integrity, fingerprint, address. */
static void test_answered_and_validated(void **state)
{
	struct peer p;
	StunMessage resp;
	uint8_t out[TZ_STUN_RESP_MAX];
	size_t olen = 0;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	const struct sockaddr_in *sin = (const void *)&ss;

	(void)state;
	for (int sw = 0; sw < 2; sw++) {
		peer_check(&p, USER, PWD, false, true, sw ? STUN_AGENT_USAGE_ADD_SOFTWARE : 0);
		assert_int_equal(answer(&p, out, &olen), TZ_STUN_ANSWER);
		assert_int_equal(stun_agent_validate(&p.agent, &resp, out, olen, give_pwd, PWD),
				 STUN_VALIDATION_SUCCESS);
		assert_int_equal(stun_message_get_class(&resp), STUN_RESPONSE);
		assert_int_equal(stun_usage_ice_conncheck_process(&resp, &ss, &sl,
								   STUN_USAGE_ICE_COMPATIBILITY_RFC5245),
				 STUN_USAGE_ICE_RETURN_SUCCESS);
		assert_int_equal(sin->sin_family, AF_INET);
		assert_int_equal(ntohs(sin->sin_port), 40000);
		assert_memory_equal(&sin->sin_addr, src4 + 12, 4);
	}
}

/* IPv6 source: the mapped address is XORed with cookie and transaction ID. */
static void test_answered_ipv6(void **state)
{
	static const uint8_t src6[16] = { 0x20, 0x01, 0x0d, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
	struct tz_dp_stun_cred c = cred();
	struct peer p;
	StunMessage resp;
	uint8_t out[TZ_STUN_RESP_MAX];
	size_t olen = 0;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	const struct sockaddr_in6 *sin6 = (const void *)&ss;

	(void)state;
	peer_check(&p, USER, PWD, false, true, 0);
	assert_int_equal(tz_dp_stun_answer_buf(&c, p.buf, p.len, src6, 5004, out, &olen),
			 TZ_STUN_ANSWER);
	assert_int_equal(olen, TZ_STUN_RESP_MAX);
	assert_int_equal(stun_agent_validate(&p.agent, &resp, out, olen, give_pwd, PWD),
			 STUN_VALIDATION_SUCCESS);
	assert_int_equal(stun_usage_ice_conncheck_process(&resp, &ss, &sl,
							   STUN_USAGE_ICE_COMPATIBILITY_RFC5245),
			 STUN_USAGE_ICE_RETURN_SUCCESS);
	assert_int_equal(sin6->sin6_family, AF_INET6);
	assert_int_equal(ntohs(sin6->sin6_port), 5004);
	assert_memory_equal(&sin6->sin6_addr, src6, 16);
}

static void test_wrong_password_refused(void **state)
{
	struct peer p;
	uint8_t out[TZ_STUN_RESP_MAX];
	size_t olen = 0;

	(void)state;
	peer_check(&p, USER, "0123456789abcdefghijklmX", false, true, 0);
	assert_int_equal(answer(&p, out, &olen), TZ_STUN_BAD_AUTH);
}

static void test_other_user_punted(void **state)
{
	static const char *const users[] = { "gw01ufrg:other", "gw01ufrg:brwsX", "gw01ufrg:",
					     "xw01ufrg:brws", "gw01ufrg" };
	struct peer p;
	uint8_t out[TZ_STUN_RESP_MAX];
	size_t olen = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
		peer_check(&p, users[i], PWD, false, true, 0);
		assert_int_equal(answer(&p, out, &olen), TZ_STUN_PUNT_USER);
	}
}

/* USE-CANDIDATE on the selected pair (Chromium against a lite agent) is
 * answered; a role conflict is libnice's to handle. */
static void test_nomination_answered_conflict_punted(void **state)
{
	struct peer p;
	StunMessage resp;
	uint8_t out[TZ_STUN_RESP_MAX];
	size_t olen = 0;

	(void)state;
	peer_check(&p, USER, PWD, true, true, 0);
	assert_int_equal(answer(&p, out, &olen), TZ_STUN_ANSWER);
	assert_int_equal(stun_agent_validate(&p.agent, &resp, out, olen, give_pwd, PWD),
			 STUN_VALIDATION_SUCCESS);
	peer_check(&p, USER, PWD, false, false, 0);
	assert_int_equal(answer(&p, out, &olen), TZ_STUN_PUNT);
}

static void test_damaged_punted(void **state)
{
	struct peer p;
	uint8_t out[TZ_STUN_RESP_MAX], copy[512];
	size_t olen = 0;
	struct tz_dp_stun_cred c = cred(), off;

	(void)state;
	peer_check(&p, USER, PWD, false, true, 0);
	for (size_t n = 0; n < p.len; n++)          /* every truncation */
		assert_int_equal(tz_dp_stun_answer_buf(&c, p.buf, n, src4, 1, out, &olen),
				 TZ_STUN_PUNT_MALFORMED);
	for (size_t i = 20; i < p.len; i++) {       /* any changed bit of the body */
		memcpy(copy, p.buf, p.len);
		copy[i] ^= 0x10;
		assert_int_not_equal(tz_dp_stun_answer_buf(&c, copy, p.len, src4, 1, out, &olen),
				     TZ_STUN_ANSWER);
	}
	memcpy(copy, p.buf, p.len);
	copy[p.len - 1] ^= 1;                       /* the FINGERPRINT itself */
	assert_int_equal(tz_dp_stun_answer_buf(&c, copy, p.len, src4, 1, out, &olen),
			 TZ_STUN_PUNT_MALFORMED);
	memcpy(copy, p.buf, p.len);
	copy[1] = 0x11;                             /* a Binding indication */
	assert_int_equal(tz_dp_stun_answer_buf(&c, copy, p.len, src4, 1, out, &olen),
			 TZ_STUN_PUNT);
	memset(&off, 0, sizeof(off));               /* a flow not connected: no credentials */
	assert_int_equal(tz_dp_stun_answer_buf(&off, p.buf, p.len, src4, 1, out, &olen),
			 TZ_STUN_PUNT);
}

/* RFC 5769 §2.1: SHA-1/HMAC and CRC-32 of the sample request; it carries
 * ICE-CONTROLLED (we are controlled too: a role conflict), so punted. */
static void test_rfc5769_sample(void **state)
{
	struct tz_dp_stun_cred c;
	uint8_t hdr[sizeof(rfc5769_request)], mac[20], out[TZ_STUN_RESP_MAX];
	size_t olen;

	(void)state;
	assert_int_equal(tz_dp_stun_cred_set(&c, "evtj", "h6vY", TZ_TEST_RFC5769_PWD), 0);
	memcpy(hdr, rfc5769_request, sizeof(rfc5769_request));
	hdr[3] = 0x50;                      /* length up to MESSAGE-INTEGRITY */
	tz_dp_stun_hmac(&c, hdr, 76, mac);
	assert_memory_equal(mac, rfc5769_request + 80, 20);
	assert_int_equal(tz_dp_stun_crc32(rfc5769_request, 100) ^ 0x5354554eu, 0xe57a3bcfu);
	assert_int_equal(tz_dp_stun_answer_buf(&c, rfc5769_request, sizeof(rfc5769_request), src4,
					       1, out, &olen),
			 TZ_STUN_PUNT);
}

static void test_cred_limits(void **state)
{
	struct tz_dp_stun_cred c;
	char longu[80];

	(void)state;
	memset(longu, 'a', sizeof(longu) - 1);
	longu[sizeof(longu) - 1] = '\0';
	assert_int_equal(tz_dp_stun_cred_set(&c, longu, "x", "p"), -E2BIG);
	assert_int_equal(c.on, 0);
	assert_int_equal(tz_dp_stun_cred_set(&c, "", "x", "p"), -EINVAL);
	assert_int_equal(tz_dp_stun_cred_set(&c, "a", "x", NULL), -EINVAL);
	assert_int_equal(tz_dp_stun_cred_set(&c, "a", "x", "p"), 0);
	assert_int_equal(c.on, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answered_and_validated),
		cmocka_unit_test(test_answered_ipv6),
		cmocka_unit_test(test_wrong_password_refused),
		cmocka_unit_test(test_other_user_punted),
		cmocka_unit_test(test_nomination_answered_conflict_punted),
		cmocka_unit_test(test_damaged_punted),
		cmocka_unit_test(test_rfc5769_sample),
		cmocka_unit_test(test_cred_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
