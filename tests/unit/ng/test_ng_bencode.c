/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The NG client's bencode codec (bench/compare/ng_bencode.c): known
 * dictionaries decode to the right tree, every truncation of a valid
 * message is refused, a table of malformed inputs with the error each gets,
 * the nesting and node limits, and the encoder's bounds.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ng_bencode.h"

static struct ng_bnode nodes[512];
static struct ng_bdoc doc = { .nodes = nodes, .cap = 512 };

static int parse(const char *s)
{
	return ng_bencode_parse(&doc, s, strlen(s), NULL);
}

static void test_pong(void **state)
{
	(void)state;
	assert_int_equal(parse("d6:result4:ponge"), 0);
	assert_int_equal(nodes[0].type, NG_B_DICT);
	assert_true(ng_bstr_eq(&doc, ng_bdict_get(&doc, 0, "result"), "pong"));
	assert_int_equal(ng_bdict_get(&doc, 0, "sdp"), -1);
	assert_int_equal(ng_bdict_get(&doc, 1, "result"), -1);	/* a string is no dict */
}

/* What rtpengine sends back for "statistics", cut down: nested dicts, a list, ints, strings. */
static const char stats[] =
	"d10:statisticsd17:currentstatisticsd11:sessionsowni3e15:sessionsforeigni0e"
	"13:sessionstotali3ee15:totalstatisticsd6:uptime2:1814:relayedpacketsi123456789012e"
	"19:relayedpacketerrorsi-1ee17:controlstatisticsd7:proxiesld5:proxy9:127.0.0.1"
	"9:pingcounti2eeeee6:result2:oke";

static void test_nested(void **state)
{
	int st, cur, tot, ctl, proxies, first;
	char buf[16];

	(void)state;
	assert_int_equal(parse(stats), 0);
	assert_true(ng_bstr_eq(&doc, ng_bdict_get(&doc, 0, "result"), "ok"));
	st = ng_bdict_get(&doc, 0, "statistics");
	cur = ng_bdict_get(&doc, st, "currentstatistics");
	tot = ng_bdict_get(&doc, st, "totalstatistics");
	assert_int_equal(nodes[ng_bdict_get(&doc, cur, "sessionsown")].i, 3);
	assert_int_equal(nodes[ng_bdict_get(&doc, tot, "relayedpackets")].i, 123456789012LL);
	assert_int_equal(nodes[ng_bdict_get(&doc, tot, "relayedpacketerrors")].i, -1);
	assert_int_equal(ng_bstr_copy(&doc, ng_bdict_get(&doc, tot, "uptime"), buf, sizeof(buf)), 0);
	assert_string_equal(buf, "18");
	ctl = ng_bdict_get(&doc, st, "controlstatistics");
	proxies = ng_bdict_get(&doc, ctl, "proxies");
	assert_int_equal(nodes[proxies].type, NG_B_LIST);
	first = nodes[proxies].child;
	assert_true(ng_bstr_eq(&doc, ng_bdict_get(&doc, first, "proxy"), "127.0.0.1"));
	assert_int_equal(nodes[first].next, -1);
}

static void test_binary_and_copy(void **state)
{
	static const char msg[] = "d3:sdp5:a\0b\r\ne";
	char small[3];
	int v;

	(void)state;
	assert_int_equal(ng_bencode_parse(&doc, msg, sizeof(msg) - 1, NULL), 0);
	v = ng_bdict_get(&doc, 0, "sdp");
	assert_int_equal(nodes[v].len, 5);
	assert_memory_equal(nodes[v].str, "a\0b\r\n", 5);
	assert_int_equal(ng_bstr_copy(&doc, v, small, sizeof(small)), -ENOSPC);
	assert_string_equal(small, "a");
	assert_int_equal(ng_bstr_copy(&doc, 0, small, sizeof(small)), -EINVAL);
}

static void test_used(void **state)
{
	size_t used = 0;

	(void)state;
	/* a value followed by more bytes: fine with used, refused without */
	assert_int_equal(ng_bencode_parse(&doc, "i42eXYZ", 7, &used), 0);
	assert_int_equal(used, 4);
	assert_int_equal(nodes[0].i, 42);
	assert_int_equal(ng_bencode_parse(&doc, "i42eXYZ", 7, NULL), -EINVAL);
}

/* Every proper prefix of a valid message is refused, never read past. */
static void test_truncated(void **state)
{
	size_t len = strlen(stats);

	(void)state;
	for (size_t n = 0; n < len; n++) {
		/* a heap copy of exactly n bytes so that ASan sees any overread */
		char *cut = malloc(n > 0 ? n : 1);
		int rc;

		assert_non_null(cut);
		memcpy(cut, stats, n);
		rc = ng_bencode_parse(&doc, cut, n, NULL);
		free(cut);
		if (rc != -EINVAL)
			print_error("prefix of %zu bytes: %d\n", n, rc);
		assert_int_equal(rc, -EINVAL);
	}
}

static const struct {
	const char *in;
	int rc;
} bad[] = {
	{ "", -EINVAL },
	{ "x", -EINVAL },
	{ "e", -EINVAL },
	{ "ie", -EINVAL },			/* no digits */
	{ "i-e", -EINVAL },
	{ "i03e", -EINVAL },			/* leading zero */
	{ "i-0e", -EINVAL },			/* minus zero */
	{ "i1-2e", -EINVAL },
	{ "i 1e", -EINVAL },
	{ "i9223372036854775808e", -ERANGE },	/* INT64_MAX + 1 */
	{ "i99999999999999999999999e", -ERANGE },
	{ "03:abc", -EINVAL },			/* leading zero in a length */
	{ "-1:a", -EINVAL },
	{ "5:abc", -EINVAL },			/* shorter than its length */
	{ "4294967296:a", -ERANGE },		/* length over 32 bits */
	{ "3abc", -EINVAL },			/* no colon */
	{ "l", -EINVAL },			/* unterminated */
	{ "li1e", -EINVAL },
	{ "d", -EINVAL },
	{ "d1:a", -EINVAL },			/* key without value, unterminated */
	{ "d1:ae", -EINVAL },			/* key without value */
	{ "di1ei2ee", -EINVAL },		/* int key */
	{ "dle1:ae", -EINVAL },			/* list key */
	{ "d1:ai1ee1:x", -EINVAL },		/* trailing bytes */
};

static void test_malformed(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = parse(bad[i].in);

		if (rc != bad[i].rc)
			print_error("\"%s\": %d, want %d\n", bad[i].in, rc, bad[i].rc);
		assert_int_equal(rc, bad[i].rc);
	}
	/* the extremes that are fine */
	assert_int_equal(parse("i-9223372036854775808e"), 0);
	assert_true(nodes[0].i == INT64_MIN);
	assert_int_equal(parse("i9223372036854775807e"), 0);
	assert_true(nodes[0].i == INT64_MAX);
	assert_int_equal(parse("0:"), 0);
	assert_int_equal(nodes[0].len, 0);
	assert_int_equal(parse("de"), 0);
	assert_int_equal(nodes[0].child, -1);
}

static void nest(char *buf, unsigned depth)
{
	memset(buf, 'l', depth);
	memset(buf + depth, 'e', depth);
	buf[2 * depth] = '\0';
}

static void test_nesting_limit(void **state)
{
	char buf[2 * 4096 + 1];

	(void)state;
	nest(buf, NG_BENCODE_MAX_DEPTH);
	assert_int_equal(parse(buf), 0);
	nest(buf, NG_BENCODE_MAX_DEPTH + 1);
	assert_int_equal(parse(buf), -ELOOP);
	nest(buf, 4096);	/* a deep bomb: refused at the limit, no stack overflow */
	assert_int_equal(parse(buf), -ELOOP);
	/* dicts count too */
	assert_int_equal(parse("d1:ad1:ad1:ai1eeee"), 0);
}

static void test_node_limit(void **state)
{
	struct ng_bnode few[3];
	struct ng_bdoc small = { .nodes = few, .cap = 3 };

	(void)state;
	assert_int_equal(ng_bencode_parse(&small, "li1ei2ee", 8, NULL), 0);	/* 3 nodes */
	assert_int_equal(ng_bencode_parse(&small, "li1ei2ei3ee", 11, NULL), -E2BIG);
}

static void test_encoder(void **state)
{
	char buf[128];
	struct ng_benc e;
	long n;

	(void)state;
	ng_benc_init(&e, buf, sizeof(buf));
	ng_benc_raw(&e, "7_1 ", 4);
	ng_benc_dict(&e);
	ng_benc_kv(&e, "command", "offer");
	ng_benc_str(&e, "rtcp-mux");
	ng_benc_list(&e);
	ng_benc_str(&e, "demux");
	ng_benc_end(&e);
	ng_benc_str(&e, "n");
	ng_benc_int(&e, -12);
	ng_benc_end(&e);
	n = ng_benc_finish(&e);
	assert_int_equal(n, (long)strlen("7_1 d7:command5:offer8:rtcp-muxl5:demuxe1:ni-12ee"));
	assert_memory_equal(buf, "7_1 d7:command5:offer8:rtcp-muxl5:demuxe1:ni-12ee", (size_t)n);
	/* and it decodes back */
	assert_int_equal(ng_bencode_parse(&doc, buf + 4, (size_t)n - 4, NULL), 0);
	assert_true(ng_bstr_eq(&doc, ng_bdict_get(&doc, 0, "command"), "offer"));
	assert_int_equal(nodes[ng_bdict_get(&doc, 0, "n")].i, -12);

	/* overflow sticks */
	ng_benc_init(&e, buf, 10);
	ng_benc_dict(&e);
	ng_benc_kv(&e, "command", "statistics");
	ng_benc_end(&e);
	assert_int_equal(ng_benc_finish(&e), -EMSGSIZE);
	assert_true(e.len <= 10);

	/* unbalanced */
	ng_benc_init(&e, buf, sizeof(buf));
	ng_benc_dict(&e);
	assert_int_equal(ng_benc_finish(&e), -EINVAL);
	ng_benc_init(&e, buf, sizeof(buf));
	ng_benc_end(&e);
	assert_int_equal(ng_benc_finish(&e), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pong),
		cmocka_unit_test(test_nested),
		cmocka_unit_test(test_binary_and_copy),
		cmocka_unit_test(test_used),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_nesting_limit),
		cmocka_unit_test(test_node_limit),
		cmocka_unit_test(test_encoder),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
