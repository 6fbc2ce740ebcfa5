/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The NG client (bench/compare/ng.c) against a scripted NG server on
 * loopback (a thread with a UDP socket on 127.0.0.1, port chosen by the
 * kernel): ping, the offer/answer pair that bridges a WebRTC call (what
 * rtpengine is asked, what the caller gets back), rtpengine's error reasons,
 * the one retry after a lost datagram, timeouts, replies to other cookies
 * and malformed replies, statistics, and the SDP helpers.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "ng.h"
#include "ng_bencode.h"

#define TIMEOUT_MS 200

/* What the server does with request number n (from 0). */
enum act {
	ACT_REPLY,		/* the canned reply for the command */
	ACT_DROP,		/* nothing: the client must retry */
	ACT_STALE_FIRST,	/* a reply to another cookie, then the real one */
	ACT_GARBAGE,		/* our cookie and no dict */
	ACT_ERROR,		/* result error with a reason */
};

struct server {
	int fd;
	char addr[32];
	pthread_t thread;
	volatile bool quit;
	enum act script[8];	/* per request; past the end: ACT_REPLY */
	unsigned nb_requests;
	char last_cmd[32];
	/* what the offer and answer carried */
	char offer_sdp[2048], answer_sdp[2048];
	char offer_proto[32], offer_ice[16], offer_mux[16], offer_dir[2][16];
	char answer_ice[16], answer_dtls[16], answer_to_tag[32], answer_from_tag[32];
	char delete_call[64];
};

static const char plain_offer[] =
	"v=0\r\no=- 1 1 IN IP4 203.0.113.1\r\ns=-\r\nc=IN IP4 203.0.113.1\r\nt=0 0\r\n"
	"m=audio 30000 RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 PCMU/8000\r\n";
static const char webrtc_answer[] =
	"v=0\r\no=- 1 1 IN IP4 198.51.100.1\r\ns=-\r\nt=0 0\r\n"
	"m=audio 20000 UDP/TLS/RTP/SAVPF 0\r\na=setup:passive\r\n";
static const char offer_in[] =
	"v=0\r\no=- 9 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
	"m=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=setup:actpass\r\n";

static void copy_str(struct ng_bdoc *doc, int dict, const char *key, char *dst, size_t len)
{
	if (ng_bstr_copy(doc, ng_bdict_get(doc, dict, key), dst, len) != 0)
		dst[0] = '\0';
}

static void send_reply(struct server *s, const struct sockaddr_in *to, const char *cookie,
		       const char *body, size_t body_len)
{
	char out[4096];
	int n = snprintf(out, sizeof(out), "%s ", cookie);

	memcpy(out + n, body, body_len);
	sendto(s->fd, out, (size_t)n + body_len, 0, (const struct sockaddr *)to, sizeof(*to));
}

static void reply_for(struct server *s, const struct sockaddr_in *to, const char *cookie,
		      struct ng_bdoc *doc)
{
	struct ng_benc e;
	char body[4096];
	const char *sdp = NULL;
	int list;

	copy_str(doc, 0, "command", s->last_cmd, sizeof(s->last_cmd));
	if (strcmp(s->last_cmd, "ping") == 0) {
		send_reply(s, to, cookie, "d6:result4:ponge", 16);
		return;
	}
	if (strcmp(s->last_cmd, "offer") == 0) {
		copy_str(doc, 0, "sdp", s->offer_sdp, sizeof(s->offer_sdp));
		copy_str(doc, 0, "transport-protocol", s->offer_proto, sizeof(s->offer_proto));
		copy_str(doc, 0, "ICE", s->offer_ice, sizeof(s->offer_ice));
		list = ng_bdict_get(doc, 0, "rtcp-mux");
		if (list >= 0 && doc->nodes[list].type == NG_B_LIST)
			(void)ng_bstr_copy(doc, doc->nodes[list].child, s->offer_mux,
					   sizeof(s->offer_mux));
		list = ng_bdict_get(doc, 0, "direction");
		s->offer_dir[0][0] = s->offer_dir[1][0] = '\0';
		if (list >= 0 && doc->nodes[list].type == NG_B_LIST &&
		    doc->nodes[list].child >= 0) {
			int first = doc->nodes[list].child;

			(void)ng_bstr_copy(doc, first, s->offer_dir[0], sizeof(s->offer_dir[0]));
			(void)ng_bstr_copy(doc, doc->nodes[first].next, s->offer_dir[1],
					   sizeof(s->offer_dir[1]));
		}
		sdp = plain_offer;
	} else if (strcmp(s->last_cmd, "answer") == 0) {
		copy_str(doc, 0, "sdp", s->answer_sdp, sizeof(s->answer_sdp));
		copy_str(doc, 0, "ICE", s->answer_ice, sizeof(s->answer_ice));
		copy_str(doc, 0, "DTLS", s->answer_dtls, sizeof(s->answer_dtls));
		copy_str(doc, 0, "to-tag", s->answer_to_tag, sizeof(s->answer_to_tag));
		copy_str(doc, 0, "from-tag", s->answer_from_tag, sizeof(s->answer_from_tag));
		sdp = webrtc_answer;
	} else if (strcmp(s->last_cmd, "delete") == 0) {
		copy_str(doc, 0, "call-id", s->delete_call, sizeof(s->delete_call));
	} else if (strcmp(s->last_cmd, "statistics") == 0) {
		static const char st[] =
			"d6:result2:ok10:statisticsd17:currentstatisticsd11:sessionsowni7e"
			"13:sessionstotali9ee15:totalstatisticsd14:relayedpackets4:1000"
			"19:relayedpacketerrorsi2eeee";
		send_reply(s, to, cookie, st, sizeof(st) - 1);
		return;
	}
	ng_benc_init(&e, body, sizeof(body));
	ng_benc_dict(&e);
	ng_benc_kv(&e, "result", "ok");
	if (sdp != NULL)
		ng_benc_kv(&e, "sdp", sdp);
	ng_benc_end(&e);
	send_reply(s, to, cookie, body, (size_t)ng_benc_finish(&e));
}

static void *server_main(void *arg)
{
	struct server *s = arg;
	static struct ng_bnode nodes[256];
	struct ng_bdoc doc = { .nodes = nodes, .cap = 256 };
	char buf[8192];

	while (!s->quit) {
		struct pollfd pfd = { .fd = s->fd, .events = POLLIN };
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		char cookie[64], *sp;
		enum act act;
		ssize_t n;

		if (poll(&pfd, 1, 20) <= 0)
			continue;	/* wakes up to see quit */
		n = recvfrom(s->fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		if (n <= 0)
			continue;
		sp = memchr(buf, ' ', (size_t)n);
		if (sp == NULL || (size_t)(sp - buf) >= sizeof(cookie))
			continue;
		memcpy(cookie, buf, (size_t)(sp - buf));
		cookie[sp - buf] = '\0';
		if (ng_bencode_parse(&doc, sp + 1, (size_t)(n - (sp + 1 - buf)), NULL) != 0)
			continue;
		act = s->nb_requests < 8 ? s->script[s->nb_requests] : ACT_REPLY;
		s->nb_requests++;
		switch (act) {
		case ACT_DROP:
			break;
		case ACT_STALE_FIRST:
			send_reply(s, &from, "other_1", "d6:result4:ponge", 16);
			reply_for(s, &from, cookie, &doc);
			break;
		case ACT_GARBAGE:
			send_reply(s, &from, cookie, "d6:result", 9);
			break;
		case ACT_ERROR: {
			static const char err[] =
				"d6:result5:error12:error-reason19:Unknown call-id xyze";
			send_reply(s, &from, cookie, err, sizeof(err) - 1);
			break;
		}
		case ACT_REPLY:
			reply_for(s, &from, cookie, &doc);
			break;
		}
	}
	return NULL;
}

static int setup(void **state)
{
	struct server *s = calloc(1, sizeof(*s));
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);

	assert_non_null(s);
	s->fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(s->fd >= 0);
	assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(s->fd, (struct sockaddr *)&a, &al), 0);
	snprintf(s->addr, sizeof(s->addr), "127.0.0.1:%u", ntohs(a.sin_port));
	assert_int_equal(pthread_create(&s->thread, NULL, server_main, s), 0);
	*state = s;
	return 0;
}

static int teardown(void **state)
{
	struct server *s = *state;

	s->quit = true;
	pthread_join(s->thread, NULL);
	close(s->fd);
	free(s);
	return 0;
}

static void test_open_bad(void **state)
{
	(void)state;
	assert_null(ng_open("127.0.0.1", 100));
	assert_int_equal(errno, EINVAL);
	assert_null(ng_open("localhost:2223", 100));	/* numeric only */
	assert_null(ng_open("[::1:2223", 100));
	assert_null(ng_open(NULL, 100));
	ng_close(NULL);
}

static void test_ping(void **state)
{
	struct server *s = *state;
	struct ng_client *ng = ng_open(s->addr, TIMEOUT_MS);

	assert_non_null(ng);
	assert_int_equal(ng_ping(ng), 0);
	assert_string_equal(s->last_cmd, "ping");
	assert_int_equal(ng_counter(ng, NG_CTR_REQUESTS), 1);
	assert_int_equal(ng_counter(ng, NG_CTR_RETRIES), 0);
	ng_close(ng);
}

static void test_bridge(void **state)
{
	struct server *s = *state;
	struct ng_client *ng = ng_open(s->addr, TIMEOUT_MS);
	char *answer = NULL, err[128];

	assert_non_null(ng);
	assert_int_equal(ng_bridge_webrtc(ng, "call-1", offer_in, "203.0.113.2", 40000, &answer,
					  err, sizeof(err)), 0);
	/* the offer: the browser's SDP as it is, translated to plain RTP without ICE */
	assert_string_equal(s->offer_sdp, offer_in);
	assert_string_equal(s->offer_proto, "RTP/AVP");
	assert_string_equal(s->offer_ice, "remove");
	assert_string_equal(s->offer_mux, "demux");
	/* the answer: the peer's plain SDP with rtpengine's PCMU payload type (101 here) */
	assert_non_null(strstr(s->answer_sdp, "c=IN IP4 203.0.113.2\r\n"));
	assert_non_null(strstr(s->answer_sdp, "m=audio 40000 RTP/AVP 101\r\n"));
	assert_non_null(strstr(s->answer_sdp, "a=rtpmap:101 PCMU/8000\r\n"));
	assert_string_equal(s->answer_ice, "force");
	assert_string_equal(s->answer_dtls, "passive");
	assert_true(s->answer_to_tag[0] != '\0');
	assert_string_not_equal(s->answer_to_tag, s->answer_from_tag);
	/* the caller gets rtpengine's WebRTC answer */
	assert_non_null(answer);
	assert_string_equal(answer, webrtc_answer);
	free(answer);
	assert_int_equal(ng_delete(ng, "call-1"), 0);
	assert_string_equal(s->delete_call, "call-1");
	ng_close(ng);
}

/* TZ_NG_DIRECTION names rtpengine's two logical interfaces in the offer. */
static void test_direction(void **state)
{
	struct server *s = *state;
	struct ng_client *ng;
	char *answer = NULL, err[128];

	setenv("TZ_NG_DIRECTION", "access,core", 1);
	ng = ng_open(s->addr, TIMEOUT_MS);
	unsetenv("TZ_NG_DIRECTION");
	assert_non_null(ng);
	assert_int_equal(ng_bridge_webrtc(ng, "call-d", offer_in, "203.0.113.2", 40000, &answer,
					  err, sizeof(err)), 0);
	free(answer);
	assert_string_equal(s->offer_dir[0], "access");
	assert_string_equal(s->offer_dir[1], "core");
	ng_close(ng);
	/* without it: no direction at all (rtpengine's default interface) */
	ng = ng_open(s->addr, TIMEOUT_MS);
	assert_non_null(ng);
	assert_int_equal(ng_bridge_webrtc(ng, "call-e", offer_in, "203.0.113.2", 40000, &answer,
					  err, sizeof(err)), 0);
	free(answer);
	assert_string_equal(s->offer_dir[0], "");
	ng_close(ng);
}

static void test_error_reason(void **state)
{
	struct server *s = *state;
	struct ng_client *ng = ng_open(s->addr, TIMEOUT_MS);
	char *answer = (char *)1, err[128] = "";

	assert_non_null(ng);
	s->script[0] = ACT_ERROR;
	assert_int_equal(ng_bridge_webrtc(ng, "call-2", offer_in, "203.0.113.2", 40000, &answer,
					  err, sizeof(err)), -EPROTO);
	assert_null(answer);
	assert_string_equal(err, "Unknown call-id xyz");
	assert_int_equal(ng_counter(ng, NG_CTR_ERRORS), 1);
	ng_close(ng);
}

/* The answer fails: the half-made call is deleted, not left to rtpengine's timeout. */
static void test_answer_fails_deletes(void **state)
{
	struct server *s = *state;
	struct ng_client *ng = ng_open(s->addr, TIMEOUT_MS);
	char *answer = NULL, err[128];

	assert_non_null(ng);
	s->script[1] = ACT_ERROR;
	assert_int_equal(ng_bridge_webrtc(ng, "call-3", offer_in, "203.0.113.2", 40000, &answer,
					  err, sizeof(err)), -EPROTO);
	assert_null(answer);
	assert_int_equal(s->nb_requests, 3);
	assert_string_equal(s->last_cmd, "delete");
	assert_string_equal(s->delete_call, "call-3");
	ng_close(ng);
}

static void test_retry_once(void **state)
{
	struct server *s = *state;
	struct ng_client *ng = ng_open(s->addr, TIMEOUT_MS);

	assert_non_null(ng);
	s->script[0] = ACT_DROP;
	assert_int_equal(ng_ping(ng), 0);
	assert_int_equal(s->nb_requests, 2);
	assert_int_equal(ng_counter(ng, NG_CTR_REQUESTS), 1);
	assert_int_equal(ng_counter(ng, NG_CTR_RETRIES), 1);
	assert_int_equal(ng_counter(ng, NG_CTR_TIMEOUTS), 0);
	ng_close(ng);
}

static void test_timeout(void **state)
{
	struct server *s = *state;
	struct ng_client *ng = ng_open(s->addr, TIMEOUT_MS);

	assert_non_null(ng);
	s->script[0] = ACT_DROP;
	s->script[1] = ACT_DROP;
	assert_int_equal(ng_ping(ng), -ETIMEDOUT);
	assert_int_equal(s->nb_requests, 2);	/* one retry, no more */
	assert_int_equal(ng_counter(ng, NG_CTR_TIMEOUTS), 1);
	ng_close(ng);
}

static void test_stale_and_garbage(void **state)
{
	struct server *s = *state;
	struct ng_client *ng = ng_open(s->addr, TIMEOUT_MS);

	assert_non_null(ng);
	s->script[0] = ACT_STALE_FIRST;
	s->script[1] = ACT_GARBAGE;
	assert_int_equal(ng_ping(ng), 0);
	assert_int_equal(ng_counter(ng, NG_CTR_STALE_REPLIES), 1);
	assert_int_equal(ng_ping(ng), -EPROTO);
	assert_int_equal(ng_counter(ng, NG_CTR_BAD_REPLIES), 1);
	ng_close(ng);
}

static void test_statistics(void **state)
{
	struct server *s = *state;
	struct ng_client *ng = ng_open(s->addr, TIMEOUT_MS);
	struct ng_stats st;

	assert_non_null(ng);
	assert_int_equal(ng_current_sessions(ng), 7);
	assert_int_equal(ng_statistics(ng, &st), 0);
	assert_int_equal(st.sessions_total, 9);
	assert_int_equal(st.relayed_packets, 1000);	/* sent as a string */
	assert_int_equal(st.relayed_errors, 2);
	ng_close(ng);
}

/* Nobody listens: ICMP port unreachable ends the request at once. */
static void test_refused(void **state)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	struct ng_client *ng;
	char addr[32];

	(void)state;
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", ntohs(a.sin_port));
	close(fd);	/* the port is closed now */
	ng = ng_open(addr, 5000);
	assert_non_null(ng);
	assert_int_equal(ng_ping(ng), -ECONNREFUSED);
	ng_close(ng);
}

static void test_sdp_helpers(void **state)
{
	char buf[512];

	(void)state;
	assert_int_equal(ng_sdp_pcmu_pt(plain_offer), 101);
	assert_int_equal(ng_sdp_pcmu_pt("v=0\r\nm=audio 1 RTP/AVP 8 0\r\n"), 0);
	assert_int_equal(ng_sdp_pcmu_pt("v=0\r\nm=audio 1 RTP/AVP 8\r\n"), -ENOENT);
	/* an rtpmap for a format the m= line does not list does not count */
	assert_int_equal(ng_sdp_pcmu_pt("m=audio 1 RTP/AVP 8\r\na=rtpmap:96 PCMU/8000\r\n"),
			 -ENOENT);
	/* the rtpmap of a later m= section does not count either */
	assert_int_equal(ng_sdp_pcmu_pt("m=audio 1 RTP/AVP 96\r\nm=audio 2 RTP/AVP 96\r\n"
					"a=rtpmap:96 PCMU/8000\r\n"), -ENOENT);
	assert_int_equal(ng_sdp_pcmu_pt("m=video 1 RTP/AVP 0\r\n"), -ENOENT);
	assert_int_equal(ng_sdp_pcmu_pt(""), -ENOENT);

	assert_true(ng_rtp_answer_sdp(buf, sizeof(buf), "2001:db8:200::2", 5004, 0) > 0);
	assert_non_null(strstr(buf, "c=IN IP6 2001:db8:200::2\r\n"));
	assert_non_null(strstr(buf, "m=audio 5004 RTP/AVP 0\r\n"));
	assert_int_equal(ng_rtp_answer_sdp(buf, 20, "203.0.113.2", 5004, 0), -ENOSPC);
	assert_int_equal(ng_rtp_answer_sdp(buf, sizeof(buf), "1.2.3.4\r\nx", 5004, 0), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_bad),
		cmocka_unit_test_setup_teardown(test_ping, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bridge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_direction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_reason, setup, teardown),
		cmocka_unit_test_setup_teardown(test_answer_fails_deletes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retry_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_and_garbage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_statistics, setup, teardown),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_sdp_helpers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
