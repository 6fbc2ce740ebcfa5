/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The load client's codecs (bench/calls/calls_pvt.h).  STUN: the RFC 5769
 * sample request rebuilt byte for byte, the sample responses read with
 * their addresses, tampering caught; the client's connectivity check is
 * accepted by the gateway's own check (tz_ice_stun_consent_check).  Tokens:
 * what the client mints logs in with the gateway's verifier
 * (tz_auth_verify_token).  WebSocket frames and the upgrade (RFC 6455's
 * sample key), and the parts of an SDP answer the client needs.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "calls_pvt.h"
#include "tz_test_rfc5769.h"
#include "tz_auth.h"
#include "tz_ice.h"


/* RFC 5769 §2.2: IPv4 response, mapped 192.0.2.1:32853 */
static const uint8_t rfc5769_resp4[] = {
	0x01, 0x01, 0x00, 0x3c, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01,
	0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b,
	0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63, 0x74, 0x6f, 0x72, 0x20,
	0x00, 0x20, 0x00, 0x08, 0x00, 0x01, 0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43,
	0x00, 0x08, 0x00, 0x14, 0x2b, 0x91, 0xf5, 0x99, 0xfd, 0x9e, 0x90, 0xc3,
	0x8c, 0x74, 0x89, 0xf9, 0x2a, 0xf9, 0xba, 0x53, 0xf0, 0x6b, 0xe7, 0xd7,
	0x80, 0x28, 0x00, 0x04, 0xc0, 0x7d, 0x4c, 0x96,
};

/* RFC 5769 §2.3: IPv6 response, mapped [2001:db8:1234:5678:11:2233:4455:6677]:32853 */
static const uint8_t rfc5769_resp6[] = {
	0x01, 0x01, 0x00, 0x48, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01,
	0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b,
	0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63, 0x74, 0x6f, 0x72, 0x20,
	0x00, 0x20, 0x00, 0x14, 0x00, 0x02, 0xa1, 0x47, 0x01, 0x13, 0xa9, 0xfa,
	0xa5, 0xd3, 0xf1, 0x79, 0xbc, 0x25, 0xf4, 0xb5, 0xbe, 0xd2, 0xb9, 0xd9,
	0x00, 0x08, 0x00, 0x14, 0xa3, 0x82, 0x95, 0x4e, 0x4b, 0xe6, 0x7b, 0xf1,
	0x17, 0x84, 0xc9, 0x7c, 0x82, 0x92, 0xc2, 0x75, 0xbf, 0xe3, 0xed, 0x41,
	0x80, 0x28, 0x00, 0x04, 0xc8, 0xfb, 0x0b, 0x4c,
};

#define PWD "VOkJxbRl1RmTxUk/WvJxBt"
static const uint8_t TXID[12] = { 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
				  0xfa, 0x87, 0xdf, 0xae };

static void test_stun_build_rfc5769(void **state)
{
	static const uint8_t prio[4] = { 0x6e, 0x00, 0x01, 0xff };
	static const uint8_t tie[8] = { 0x93, 0x2f, 0xf9, 0xb1, 0x51, 0x26, 0x3b, 0x36 };
	const struct calls_stun_tlv a[] = {
		{ CALLS_STUN_A_SOFTWARE, 16, "STUN test client" },
		{ CALLS_STUN_A_PRIORITY, 4, prio },
		{ CALLS_STUN_A_ICE_CONTROLLED, 8, tie },
		{ CALLS_STUN_A_USERNAME, 9, "evtj:h6vY" },
	};
	uint8_t buf[CALLS_STUN_MAX];
	int n = calls_stun_build(buf, sizeof(buf), 0x0001, TXID, a, 4, 0x20, PWD);

	assert_int_equal(n, sizeof(rfc5769_request));
	assert_memory_equal(buf, rfc5769_request, sizeof(rfc5769_request));
	/* too small a buffer is refused, never overrun */
	assert_int_equal(calls_stun_build(buf, 60, 0x0001, TXID, a, 4, 0x20, PWD), -ENOSPC);
}

static void test_stun_parse_rfc5769(void **state)
{
	struct calls_stun_resp r;
	const struct sockaddr_in *s4 = (const struct sockaddr_in *)&r.mapped;
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&r.mapped;
	struct in6_addr want6;

	assert_int_equal(calls_stun_parse_response(rfc5769_resp4, sizeof(rfc5769_resp4), TXID, PWD, &r),
			 CALLS_STUN_SUCCESS);
	assert_true(r.has_mapped && r.has_integrity && r.has_fingerprint);
	assert_int_equal(s4->sin_family, AF_INET);
	assert_int_equal(ntohs(s4->sin_port), 32853);
	assert_int_equal(ntohl(s4->sin_addr.s_addr), 0xC0000201u);	/* 192.0.2.1 */

	assert_int_equal(calls_stun_parse_response(rfc5769_resp6, sizeof(rfc5769_resp6), TXID, PWD, &r),
			 CALLS_STUN_SUCCESS);
	assert_int_equal(s6->sin6_family, AF_INET6);
	assert_int_equal(ntohs(s6->sin6_port), 32853);
	inet_pton(AF_INET6, "2001:db8:1234:5678:11:2233:4455:6677", &want6);
	assert_memory_equal(&s6->sin6_addr, &want6, 16);
}

static void test_stun_parse_refusals(void **state)
{
	uint8_t m[sizeof(rfc5769_resp4)];
	uint8_t other[12];

	/* wrong password: integrity fails */
	assert_int_equal(calls_stun_parse_response(rfc5769_resp4, sizeof(m), TXID, "guess", NULL),
			 CALLS_STUN_BAD_INTEGRITY);
	/* a bit flipped in SOFTWARE (covered by the HMAC) */
	memcpy(m, rfc5769_resp4, sizeof(m));
	m[25] ^= 1;
	assert_int_equal(calls_stun_parse_response(m, sizeof(m), TXID, PWD, NULL),
			 CALLS_STUN_BAD_INTEGRITY);
	/* a bit flipped in the FINGERPRINT value */
	memcpy(m, rfc5769_resp4, sizeof(m));
	m[sizeof(m) - 1] ^= 1;
	assert_int_equal(calls_stun_parse_response(m, sizeof(m), TXID, PWD, NULL),
			 CALLS_STUN_BAD_FINGERPRINT);
	/* someone else's transaction */
	memcpy(other, TXID, 12);
	other[11] ^= 0xff;
	assert_int_equal(calls_stun_parse_response(rfc5769_resp4, sizeof(m), other, PWD, NULL),
			 CALLS_STUN_TXID);
	/* a request is not a response; RTP is not STUN; cut short is malformed */
	assert_int_equal(calls_stun_parse_response(rfc5769_request, sizeof(rfc5769_request), NULL,
						   NULL, NULL), CALLS_STUN_NOT_RESPONSE);
	m[0] = 0x80;
	assert_int_equal(calls_stun_parse_response(m, sizeof(m), NULL, NULL, NULL), CALLS_STUN_NOT_STUN);
	assert_int_equal(calls_stun_parse_response(rfc5769_resp4, sizeof(m) - 4, NULL, NULL, NULL),
			 CALLS_STUN_MALFORMED);
	/* an attribute whose length runs past the end */
	memcpy(m, rfc5769_resp4, sizeof(m));
	m[22] = 0x00;
	m[23] = 0xff;
	assert_int_equal(calls_stun_parse_response(m, sizeof(m), NULL, NULL, NULL), CALLS_STUN_MALFORMED);
}

/* The client's check is what the gateway's ICE-lite side accepts. */
static void test_stun_check_accepted_by_gateway(void **state)
{
	uint8_t buf[CALLS_STUN_MAX];
	struct calls_stun_check c = {
		.username = "gwUfrag:cliU", .pwd = "gatewaypassword0123456789", .priority = 2122260223u,
		.tiebreaker = 0x0102030405060708ull, .use_candidate = true,
		.txid = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 },
	};
	int n = calls_stun_check_build(buf, sizeof(buf), &c);

	assert_true(n > 0);
	assert_int_equal(tz_ice_stun_consent_check(buf, (size_t)n, "gwUfrag", c.pwd), 0);
	assert_int_equal(tz_ice_stun_consent_check(buf, (size_t)n, "gwUfrag", "other"), -EACCES);
	/* the client's own reader sees a request, not a response */
	assert_int_equal(calls_stun_parse_response(buf, (size_t)n, NULL, NULL, NULL),
			 CALLS_STUN_NOT_RESPONSE);
}

/* The gateway checks the client too (its triggered check, then consent):
 * the client reads those requests and answers them so the gateway's side
 * reads the answer back with the address it came from. */
static void test_stun_answer_peer_check(void **state)
{
	uint8_t req[CALLS_STUN_MAX], resp[CALLS_STUN_MAX], txid[12];
	struct calls_stun_check c = {
		.username = "cliU:gwUfrag", .pwd = "clientpassword0123456789",
		.priority = 1, .tiebreaker = 7, .txid = { 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 1 },
	};
	struct sockaddr_storage from = { 0 };
	struct sockaddr_in *f4 = (struct sockaddr_in *)&from;
	struct calls_stun_resp r;
	int n = calls_stun_check_build(req, sizeof(req), &c), rn;

	assert_true(n > 0);
	assert_int_equal(calls_stun_parse_request(req, (size_t)n, "cliU", c.pwd, txid),
			 CALLS_STUN_SUCCESS);
	assert_memory_equal(txid, c.txid, 12);
	/* someone else's ufrag or password: not for us */
	assert_int_equal(calls_stun_parse_request(req, (size_t)n, "cli", c.pwd, txid),
			 CALLS_STUN_BAD_INTEGRITY);
	assert_int_equal(calls_stun_parse_request(req, (size_t)n, "cliU", "nope", txid),
			 CALLS_STUN_BAD_INTEGRITY);
	/* a response is not a request */
	assert_int_equal(calls_stun_parse_request(rfc5769_resp4, sizeof(rfc5769_resp4), "evtj", PWD,
						  txid), CALLS_STUN_NOT_RESPONSE);
	f4->sin_family = AF_INET;
	f4->sin_port = htons(40002);
	f4->sin_addr.s_addr = htonl(0xC6336401u);
	rn = calls_stun_success_build(resp, sizeof(resp), txid, &from, c.pwd);
	assert_true(rn > 0);
	assert_int_equal(calls_stun_parse_response(resp, (size_t)rn, c.txid, c.pwd, &r),
			 CALLS_STUN_SUCCESS);
	assert_memory_equal(&r.mapped, &from, sizeof(struct sockaddr_in));
}

/* ---- tokens ---- */

#define KEY "k1-0123456789abcdef0123456789abcdef"

static void test_token_gateway_verifies(void **state)
{
	static struct tz_cfg_token_secret sec[1] = { { .name = "lab", .secret = KEY } };
	struct tz_cfg_auth cfg = { .secrets = sec, .n_secrets = 1, .clock_skew_s = 30,
				   .max_lifetime_s = 86400, .fail_limit = 5, .fail_window_s = 60,
				   .lockout_max_s = 8 };
	const char *targets[] = { "+1555*", NULL };
	struct calls_token_claims c = { .sub = "load17", .iat = 1800000000, .exp = 1800003600,
					.kid = "lab", .targets = targets };
	struct tz_auth_identity id = { 0 };
	char tok[2048], err[256];
	int n;

	assert_int_equal(tz_auth_init(&cfg, err, sizeof(err)), 0);
	n = calls_token_mint(tok, sizeof(tok), (const uint8_t *)KEY, strlen(KEY), &c);
	assert_true(n > 0 && (size_t)n == strlen(tok));
	assert_int_equal(tz_auth_verify_token(tok, 1800000100, &id, err, sizeof(err)), 0);
	assert_string_equal(id.user, "load17");
	assert_true(tz_auth_target_allowed(&id, "+15551230000"));
	assert_false(tz_auth_target_allowed(&id, "+4420"));
	tz_auth_identity_clear(&id);
	/* signed with another key: refused */
	n = calls_token_mint(tok, sizeof(tok), (const uint8_t *)"another-key-0123456789abcdef0123",
			     32, &c);
	assert_true(n > 0);
	assert_true(tz_auth_verify_token(tok, 1800000100, &id, err, sizeof(err)) < 0);
	/* expired at the gateway's clock: refused */
	n = calls_token_mint(tok, sizeof(tok), (const uint8_t *)KEY, strlen(KEY), &c);
	assert_true(tz_auth_verify_token(tok, 1800010000, &id, err, sizeof(err)) < 0);
	/* too small a buffer: refused, not overrun */
	assert_int_equal(calls_token_mint(tok, 40, (const uint8_t *)KEY, strlen(KEY), &c), -ENOSPC);
	tz_auth_shutdown();
}

static void test_token_secret_file(void **state)
{
	char path[] = "/tmp/tz-calls-secret.XXXXXX";
	uint8_t key[128];
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "0123456789abcdef0123456789abcdef \r\nsecond\n", 42), 42);
	close(fd);
	assert_int_equal(calls_token_read_secret(path, key, sizeof(key)), 32);
	assert_memory_equal(key, "0123456789abcdef0123456789abcdef", 32);
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_int_equal(write(fd, "short\n", 6), 6);
	close(fd);
	assert_int_equal(calls_token_read_secret(path, key, sizeof(key)), -EINVAL);
	unlink(path);
	assert_int_equal(calls_token_read_secret(path, key, sizeof(key)), -ENOENT);
}

/* ---- WebSocket ---- */

static void test_ws_frames(void **state)
{
	struct calls_ws_frame f;
	uint8_t b[70000];
	uint8_t mask[4] = { 1, 2, 3, 4 }, hdr[14];

	memcpy(b, "\x81\x05hello", 7);
	assert_int_equal(calls_ws_frame_parse(b, 7, 100, &f), 7);
	assert_true(f.fin && f.op == CALLS_WS_TEXT && f.len == 5);
	assert_memory_equal(f.payload, "hello", 5);
	assert_int_equal(calls_ws_frame_parse(b, 6, 100, &f), 0);	/* incomplete */
	assert_int_equal(calls_ws_frame_parse(b, 1, 100, &f), 0);
	assert_int_equal(calls_ws_frame_parse(b, 7, 4, &f), -EMSGSIZE);
	b[1] = 0x85;	/* a masked server frame */
	assert_int_equal(calls_ws_frame_parse(b, 7, 100, &f), -EPROTO);
	b[0] = 0xC1; b[1] = 0x05;	/* RSV1 */
	assert_int_equal(calls_ws_frame_parse(b, 7, 100, &f), -EPROTO);
	b[0] = 0x09; /* a fragmented ping */
	assert_int_equal(calls_ws_frame_parse(b, 7, 100, &f), -EPROTO);
	/* 16-bit and 64-bit lengths */
	b[0] = 0x81; b[1] = 126; b[2] = 0x01; b[3] = 0x00;
	assert_int_equal(calls_ws_frame_parse(b, 4 + 256, 1000, &f), 4 + 256);
	b[2] = 0; b[3] = 100;	/* not minimal */
	assert_int_equal(calls_ws_frame_parse(b, 104, 1000, &f), -EPROTO);
	memset(b, 0, 10);
	b[0] = 0x82; b[1] = 127; b[7] = 0x01; b[8] = 0x00; b[9] = 0x00;	/* 65536 */
	assert_int_equal(calls_ws_frame_parse(b, 10 + 65536, 70000, &f), 10 + 65536);
	assert_int_equal(calls_ws_frame_parse(b, 10 + 100, 70000, &f), 0);
	b[2] = 0x80;
	assert_int_equal(calls_ws_frame_parse(b, 10, 70000, &f), -EPROTO);
	/* the client's header */
	assert_int_equal(calls_ws_frame_header(hdr, CALLS_WS_TEXT, 5, mask), 6);
	assert_int_equal(hdr[0], 0x81);
	assert_int_equal(hdr[1], 0x85);
	assert_int_equal(calls_ws_frame_header(hdr, CALLS_WS_TEXT, 300, mask), 8);
	assert_int_equal(hdr[1], 0x80 | 126);
	assert_int_equal(calls_ws_frame_header(hdr, CALLS_WS_TEXT, 70000, mask), 14);
}

static void test_ws_upgrade(void **state)
{
	/* RFC 6455 §1.3's sample key and accept value */
	const char ok[] = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
			  "Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
			  "Sec-WebSocket-Protocol: trapeze-jsep.v1\r\n\r\n\x81";
	const char *key = "dGhlIHNhbXBsZSBub25jZQ==";
	const char refused[] = "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 10\r\n\r\n";
	int status;

	assert_int_equal(calls_ws_upgrade_check(ok, sizeof(ok) - 1, key, &status),
			 (long)sizeof(ok) - 2);
	assert_int_equal(status, 101);
	assert_int_equal(calls_ws_upgrade_check(ok, 40, key, &status), 0);
	assert_int_equal(calls_ws_upgrade_check(ok, sizeof(ok) - 1, "AAAAAAAAAAAAAAAAAAAAAA==",
						&status), -EPROTO);
	assert_int_equal(calls_ws_upgrade_check(refused, sizeof(refused) - 1, key, &status), -EPROTO);
	assert_int_equal(status, 429);
}

/* ---- SDP answer ---- */

static void test_sdp_answer(void **state)
{
	const char sdp[] =
		"v=0\r\no=trapeze 1 1 IN IP4 198.51.100.1\r\ns=-\r\nt=0 0\r\na=ice-lite\r\n"
		"m=audio 40002 UDP/TLS/RTP/SAVPF 8 126\r\nc=IN IP4 198.51.100.1\r\n"
		"a=ice-ufrag:Gw12\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"
		"a=fingerprint:sha-256 C5:CB:18:53:B5:E5:CD:59:62:5A:B8:B9:3C:09:3D:03:C0:70:74:F6:"
		"15:A4:61:D9:32:46:79:AA:AD:AD:E3:CF\r\na=setup:passive\r\n"
		"a=candidate:1 1 udp 2130706431 2001:db8:100::1 40002 typ host\r\n"
		"a=candidate:1 1 udp 2130706431 198.51.100.1 40002 typ host\r\n"
		"a=end-of-candidates\r\n";
	struct calls_sdp_answer a;
	const struct sockaddr_in *s = (const struct sockaddr_in *)&a.cand;
	char err[128];

	assert_int_equal(calls_sdp_answer_parse(sdp, sizeof(sdp) - 1, AF_INET, &a, err, sizeof(err)), 0);
	assert_string_equal(a.ufrag, "Gw12");
	assert_string_equal(a.pwd, "abcdefghijklmnopqrstuvwx");
	assert_string_equal(a.setup, "passive");
	assert_int_equal(a.pt, 8);
	assert_int_equal(a.fingerprint[0], 0xC5);
	assert_int_equal(a.fingerprint[31], 0xCF);
	assert_int_equal(s->sin_family, AF_INET);
	assert_int_equal(ntohs(s->sin_port), 40002);
	assert_int_equal(ntohl(s->sin_addr.s_addr), 0xC6336401u);
	/* no fingerprint: refused with a reason */
	assert_int_equal(calls_sdp_answer_parse(sdp, 200, AF_INET, &a, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "fingerprint"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stun_build_rfc5769),
		cmocka_unit_test(test_stun_parse_rfc5769),
		cmocka_unit_test(test_stun_parse_refusals),
		cmocka_unit_test(test_stun_check_accepted_by_gateway),
		cmocka_unit_test(test_stun_answer_peer_check),
		cmocka_unit_test(test_token_gateway_verifies),
		cmocka_unit_test(test_token_secret_file),
		cmocka_unit_test(test_ws_frames),
		cmocka_unit_test(test_ws_upgrade),
		cmocka_unit_test(test_sdp_answer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
