/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Call detail records: every field of a line present and valid JSON (read
 * back with json-glib), hostile strings escaped, the file reopened after a
 * rename (the next record lands in the new file), a full disk counted,
 * and the CLI's view.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "tz_cdr.h"
#include "tz_cli.h"

#define T0 1796645893123456LL          /* 2026-12-07T12:18:13.123456Z */

static const char *const every_field[] = {
	"call_id", "tenant", "user", "from", "to", "direction", "trunk", "leg",
	"offer_time", "answer_time", "media_time", "end_time", "setup_ms", "media_setup_ms",
	"duration_ms", "code", "reason", "ended_by", "codec", "srtp", "sip_media",
	"pkts_from_web", "pkts_to_web", "drops_from_web", "drops_to_web",
	"lost_from_web", "lost_from_sip", "loss_pct_from_web", "loss_pct_from_sip",
};

static struct tz_cdr sample(void)
{
	return (struct tz_cdr){
		.call = 7, .tenant = "acme", .user = "alice", .from = "alice",
		.to = "+12005550100", .direction = TZ_CDR_WEB_TO_SIP, .trunk = "pbx",
		.leg = "jsep", .t_offer = T0, .t_answer = T0 + 850000, .t_media = T0 + 400000,
		.t_end = T0 + 850000 + 12345000, .code = 200, .reason = "normal",
		.ended_by = TZ_CDR_BY_WEB, .codec = "opus/48000/2",
		.srtp = "AES_CM_128_HMAC_SHA1_80", .sip_media = "rtp",
		.pkts = { 617, 615 }, .drops = { 0, 2 },
		.lost = { 0, 4 }, .expected = { 620, 636 }, .loss_known = { true, true },
	};
}

/* Format @p r and parse the line back; the object (caller unrefs the node). */
static JsonNode *round_trip(const struct tz_cdr *r, char *line, size_t len)
{
	ssize_t n = tz_cdr_format(r, line, len);
	JsonNode *node;
	GError *err = NULL;

	assert_true(n > 0);
	assert_int_equal((size_t)n, strlen(line));
	assert_int_equal(line[n - 1], '\n');
	assert_null(memchr(line, '\n', (size_t)n - 1));     /* one line */
	assert_true(g_utf8_validate(line, n, NULL));
	node = json_from_string(line, &err);
	if (node == NULL)
		fail_msg("not JSON: %s: %s", err->message, line);
	assert_true(JSON_NODE_HOLDS_OBJECT(node));
	return node;
}

static void test_every_field(void **state)
{
	struct tz_cdr r = sample();
	char line[TZ_CDR_LINE_MAX];
	g_autoptr(JsonNode) n = round_trip(&r, line, sizeof(line));
	JsonObject *o = json_node_get_object(n);

	for (size_t i = 0; i < G_N_ELEMENTS(every_field); i++)
		assert_true(json_object_has_member(o, every_field[i]));
	assert_int_equal(json_object_get_size(o), G_N_ELEMENTS(every_field));
	assert_int_equal(json_object_get_int_member(o, "call_id"), 7);
	assert_string_equal(json_object_get_string_member(o, "tenant"), "acme");
	assert_string_equal(json_object_get_string_member(o, "to"), "+12005550100");
	assert_string_equal(json_object_get_string_member(o, "direction"), "web-to-sip");
	assert_string_equal(json_object_get_string_member(o, "offer_time"), "2026-12-07T12:18:13.123Z");
	assert_string_equal(json_object_get_string_member(o, "answer_time"), "2026-12-07T12:18:13.973Z");
	assert_string_equal(json_object_get_string_member(o, "end_time"), "2026-12-07T12:18:26.318Z");
	assert_int_equal(json_object_get_int_member(o, "setup_ms"), 850);
	assert_int_equal(json_object_get_int_member(o, "media_setup_ms"), 400);
	assert_int_equal(json_object_get_int_member(o, "duration_ms"), 12345);
	assert_int_equal(json_object_get_int_member(o, "code"), 200);
	assert_string_equal(json_object_get_string_member(o, "ended_by"), "web");
	assert_string_equal(json_object_get_string_member(o, "codec"), "opus/48000/2");
	assert_int_equal(json_object_get_int_member(o, "pkts_from_web"), 617);
	assert_int_equal(json_object_get_int_member(o, "pkts_to_web"), 615);
	assert_int_equal(json_object_get_int_member(o, "drops_to_web"), 2);
}

/* RTP lost on the way in, each way: counts and percent with two decimals;
 * null where the way does not apply (echo) or nothing was expected. */
static void test_loss(void **state)
{
	struct tz_cdr r = sample();
	char line[TZ_CDR_LINE_MAX];
	g_autoptr(JsonNode) n = round_trip(&r, line, sizeof(line));
	g_autoptr(JsonNode) e = NULL;
	JsonObject *o = json_node_get_object(n);

	assert_non_null(strstr(line, "\"drops_to_web\":2,\"lost_from_web\":0,\"lost_from_sip\":4,"
				     "\"loss_pct_from_web\":0.00,\"loss_pct_from_sip\":0.63}"));
	assert_int_equal(json_object_get_int_member(o, "lost_from_sip"), 4);
	assert_true(json_object_get_double_member(o, "loss_pct_from_sip") > 0.62 &&
		    json_object_get_double_member(o, "loss_pct_from_sip") < 0.64);

	/* echo: no SIP side; a call without media: nothing expected */
	r.direction = TZ_CDR_ECHO;
	r.loss_known[1] = false;
	r.lost[0] = r.expected[0] = 0;
	e = round_trip(&r, line, sizeof(line));
	o = json_node_get_object(e);
	assert_int_equal(json_object_get_int_member(o, "lost_from_web"), 0);
	assert_true(JSON_NODE_HOLDS_NULL(json_object_get_member(o, "loss_pct_from_web")));
	assert_true(JSON_NODE_HOLDS_NULL(json_object_get_member(o, "lost_from_sip")));
	assert_true(JSON_NODE_HOLDS_NULL(json_object_get_member(o, "loss_pct_from_sip")));
}

/* Not reached / not there: null, never a made-up value. */
static void test_unknowns_are_null(void **state)
{
	struct tz_cdr r = sample();
	char line[TZ_CDR_LINE_MAX];
	g_autoptr(JsonNode) n = NULL;
	JsonObject *o;

	r.t_answer = r.t_media = 0;
	r.trunk = r.codec = r.srtp = r.sip_media = NULL;
	r.code = 486;
	r.ended_by = TZ_CDR_BY_SIP;
	n = round_trip(&r, line, sizeof(line));
	o = json_node_get_object(n);
	assert_int_equal(json_object_get_size(o), G_N_ELEMENTS(every_field));
	for (const char *const *k = (const char *const[]){ "trunk", "answer_time", "media_time",
		     "setup_ms", "media_setup_ms", "codec", "srtp", "sip_media", NULL }; *k; k++)
		assert_true(JSON_NODE_HOLDS_NULL(json_object_get_member(o, *k)));
	assert_int_equal(json_object_get_int_member(o, "duration_ms"), 0);
	assert_int_equal(json_object_get_int_member(o, "code"), 486);
	assert_string_equal(json_object_get_string_member(o, "ended_by"), "sip");
}

/* A SIP From is the caller's to choose: quotes, backslashes, control
 * characters, bytes that are not UTF-8 all come back as sent (or U+FFFD). */
static void test_escaping(void **state)
{
	struct tz_cdr r = sample();
	char line[TZ_CDR_LINE_MAX];
	const char *from = "\"Mallory\\\" <sip:m@198.51.100.9>\r\n{\"code\":1}\x01\x1f\x7f";
	g_autoptr(JsonNode) n = NULL;
	JsonObject *o;

	r.from = from;
	r.to = "caf\xc3\xa9 \xff\xfe end \xe2\x82";     /* é, two bad bytes, a cut character */
	r.reason = "";
	n = round_trip(&r, line, sizeof(line));
	o = json_node_get_object(n);
	assert_string_equal(json_object_get_string_member(o, "from"), from);
	assert_string_equal(json_object_get_string_member(o, "to"),
			    "caf\xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd end \xef\xbf\xbd\xef\xbf\xbd");
	assert_string_equal(json_object_get_string_member(o, "reason"), "");
	assert_non_null(strstr(line, "\\r\\n"));
	assert_non_null(strstr(line, "\\u0001"));
}

/* Long values are cut (the line has a bound); a short buffer is refused. */
static void test_bounds(void **state)
{
	struct tz_cdr r = sample();
	char line[TZ_CDR_LINE_MAX], big[2000];
	g_autoptr(JsonNode) n = NULL;

	memset(big, 0x01, sizeof(big) - 1);     /* worst case: every byte as \u0001 */
	big[sizeof(big) - 1] = '\0';
	r.from = r.to = r.user = r.reason = r.tenant = r.trunk = r.leg = r.codec = r.srtp = big;
	r.sip_media = big;
	n = round_trip(&r, line, sizeof(line));
	assert_int_equal(strlen(json_object_get_string_member(json_node_get_object(n), "from")), 256);
	assert_int_equal(tz_cdr_format(&r, line, 100), -ENOSPC);
	assert_int_equal(tz_cdr_format(&r, line, 0), -ENOSPC);
}

static char *read_all(const char *path)
{
	char *text = NULL;

	if (!g_file_get_contents(path, &text, NULL, NULL))
		return g_strdup("");
	return text;
}

static unsigned lines(const char *text)
{
	unsigned n = 0;

	for (; *text; text++)
		n += *text == '\n';
	return n;
}

struct tmp {
	char *dir, *path, *rotated;
};

static int file_setup(void **state)
{
	struct tmp *t = g_new0(struct tmp, 1);

	t->dir = g_dir_make_tmp("tz-cdr-XXXXXX", NULL);
	assert_non_null(t->dir);
	t->path = g_build_filename(t->dir, "cdr.json", NULL);
	t->rotated = g_build_filename(t->dir, "cdr.json.1", NULL);
	*state = t;
	return 0;
}

static int file_teardown(void **state)
{
	struct tmp *t = *state;

	tz_cdr_stop();
	g_unlink(t->path);
	g_unlink(t->rotated);
	g_rmdir(t->dir);
	g_free(t->dir);
	g_free(t->path);
	g_free(t->rotated);
	g_free(t);
	return 0;
}

/* logrotate renames the file and runs `trapezectl cdr reopen`: records
 * buffered before go to the old file, the next one to a new file. */
static void test_reopen(void **state)
{
	struct tmp *t = *state;
	struct tz_cfg_cdr cfg = { .file = t->path, .keep = 10 };
	struct tz_cdr r = sample();
	struct tz_cdr_stats st;
	g_autofree char *old = NULL, *now = NULL;

	assert_int_equal(tz_cdr_start(&cfg), 0);
	tz_cdr_record(&r);
	assert_int_equal(tz_cdr_flush(), 0);
	r.call = 8;
	tz_cdr_record(&r);                      /* still buffered at the rename */
	assert_int_equal(g_rename(t->path, t->rotated), 0);
	assert_int_equal(tz_cdr_reopen(), 0);
	r.call = 9;
	tz_cdr_record(&r);
	assert_int_equal(tz_cdr_flush(), 0);
	old = read_all(t->rotated);
	now = read_all(t->path);
	assert_int_equal(lines(old), 2);
	assert_int_equal(lines(now), 1);
	assert_non_null(strstr(old, "\"call_id\":8,"));
	assert_non_null(strstr(now, "\"call_id\":9,"));
	tz_cdr_stats_get(&st);
	assert_int_equal(st.records, 3);
	assert_int_equal(st.written, 3);
	assert_int_equal(st.reopens, 1);
	assert_int_equal(st.dropped, 0);
}

/* Appends never truncate: a restart adds to the file. */
static void test_append(void **state)
{
	struct tmp *t = *state;
	struct tz_cfg_cdr cfg = { .file = t->path, .keep = 0 };
	struct tz_cdr r = sample();
	g_autofree char *text = NULL;

	assert_true(g_file_set_contents(t->path, "{\"earlier\":1}\n", -1, NULL));
	assert_int_equal(tz_cdr_start(&cfg), 0);
	tz_cdr_record(&r);
	tz_cdr_stop();                          /* flushes */
	text = read_all(t->path);
	assert_int_equal(lines(text), 2);
	assert_true(g_str_has_prefix(text, "{\"earlier\":1}\n{\"call_id\":7,"));
}

/* A full disk (/dev/full): the records are dropped and counted, the error
 * counted; the daemon goes on and `show cdr` still has them. */
static void test_full_disk(void **state)
{
	struct tz_cfg_cdr cfg = { .file = "/dev/full", .keep = 10 };
	struct tz_cdr r = sample();
	struct tz_cdr_stats before, after;

	if (access("/dev/full", W_OK) != 0)
		skip();
	tz_cdr_stats_get(&before);
	assert_int_equal(tz_cdr_start(&cfg), 0);
	tz_cdr_record(&r);
	tz_cdr_record(&r);
	assert_int_equal(tz_cdr_flush(), -ENOSPC);
	tz_cdr_record(&r);
	assert_int_equal(tz_cdr_flush(), -ENOSPC);
	tz_cdr_stats_get(&after);
	assert_int_equal(after.dropped - before.dropped, 3);
	assert_int_equal(after.write_errors - before.write_errors, 2);
	assert_int_equal(after.written - before.written, 0);
	assert_int_equal(after.buffered, 0);
	tz_cdr_stop();
}

/* A directory that does not exist: counted, no crash, reopen reports it. */
static void test_unopenable(void **state)
{
	struct tz_cfg_cdr cfg = { .file = "/nonexistent-tz-dir/cdr.json", .keep = 10 };
	struct tz_cdr r = sample();
	struct tz_cdr_stats st;

	assert_int_equal(tz_cdr_start(&cfg), 0);
	tz_cdr_record(&r);
	assert_int_equal(tz_cdr_flush(), -EBADF);
	assert_int_equal(tz_cdr_reopen(), -ENOENT);    /* open(2)'s */
	tz_cdr_stats_get(&st);
	assert_true(st.dropped >= 1);
	tz_cdr_stop();
}

static JsonNode *cli(const char *line)
{
	char *reply = tz_cli_execute(line);
	JsonNode *n = json_from_string(reply, NULL);

	assert_non_null(n);
	g_free(reply);
	return n;
}

/* `show cdr` keeps the last `keep`; `show cdr full` gives the lines as written. */
static void test_cli(void **state)
{
	struct tz_cfg_cdr cfg = { .keep = 3 };
	struct tz_cdr r = sample();
	g_autoptr(JsonNode) table = NULL, full = NULL, bad = NULL, stats = NULL, reopen = NULL;
	JsonArray *a;
	JsonObject *row;

	assert_int_equal(tz_cdr_start(&cfg), 0);
	for (uint32_t id = 1; id <= 5; id++) {
		r.call = id;
		tz_cdr_record(&r);
	}
	table = cli("show cdr");
	assert_true(json_object_get_boolean_member(json_node_get_object(table), "ok"));
	a = json_object_get_array_member(json_node_get_object(table), "result");
	assert_int_equal(json_array_get_length(a), 3);   /* keep: 3 */
	row = json_array_get_object_element(a, 2);
	assert_int_equal(json_object_get_int_member(row, "call"), 5);
	assert_string_equal(json_object_get_string_member(row, "time"), "2026-12-07 12:18:26");
	assert_string_equal(json_object_get_string_member(row, "from_web"), "617/0");
	assert_string_equal(json_object_get_string_member(row, "to_web"), "615/2");
	assert_int_equal(json_object_get_int_member(row, "setup_ms"), 850);

	full = cli("show cdr full 2");
	a = json_object_get_array_member(json_node_get_object(full), "result");
	assert_int_equal(json_array_get_length(a), 2);
	row = json_array_get_object_element(a, 0);
	assert_int_equal(json_object_get_int_member(row, "call_id"), 4);
	assert_int_equal(json_object_get_size(row), G_N_ELEMENTS(every_field));

	bad = cli("show cdr lots");
	assert_false(json_object_get_boolean_member(json_node_get_object(bad), "ok"));
	stats = cli("show cdr stats");
	assert_int_equal(json_object_get_int_member(
		json_object_get_object_member(json_node_get_object(stats), "result"), "records") >= 5, 1);
	reopen = cli("cdr reopen");             /* no file configured */
	assert_false(json_object_get_boolean_member(json_node_get_object(reopen), "ok"));
	tz_cdr_stop();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_field),
		cmocka_unit_test(test_unknowns_are_null),
		cmocka_unit_test(test_loss),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test_setup_teardown(test_reopen, file_setup, file_teardown),
		cmocka_unit_test_setup_teardown(test_append, file_setup, file_teardown),
		cmocka_unit_test(test_full_disk),
		cmocka_unit_test(test_unopenable),
		cmocka_unit_test(test_cli),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
