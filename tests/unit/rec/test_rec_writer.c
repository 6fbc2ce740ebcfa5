/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The recording writer thread over a real tap (EAL without hugepages): what
 * a worker copied before the close is all written before the files close
 * (the JSON's counts), packets a tap refused are the recording's drops,
 * `show recordings` sees open recordings and not closed ones, a slot is
 * reused without inheriting the previous recording's drops, and a slot
 * nobody opened is ignored.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <glib.h>
#include <json-glib/json-glib.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_mbuf.h>

#include "rec_pvt.h"
#include "tz_cli.h"

static struct rte_mempool *mp;
static struct tz_rec_tap *tap;
static char *tmpdir;

static int setup(void **state)
{
	char *argv[] = { "test_rec_writer", "-l", "0", "--no-huge", "--no-pci", "--no-shconf",
			 "-m", "128", "--no-telemetry", "--log-level=*:warning",
			 "--file-prefix", "tz_test_rec_writer" };

	if (rte_eal_init((int)G_N_ELEMENTS(argv), argv) < 0)
		return -1;
	mp = rte_pktmbuf_pool_create("rw_mbufs", 4095, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	tap = tz_rec_tap_create(0, 1024, 0);
	tmpdir = g_dir_make_tmp("tz_rec_writer_XXXXXX", NULL);
	if (mp == NULL || tap == NULL || tmpdir == NULL)
		return -1;
	return tz_rec_start(&tap, 1, rte_get_tsc_hz());
}

static int teardown(void **state)
{
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", tmpdir);

	tz_rec_stop();
	tz_rec_tap_free(tap);
	rte_mempool_free(mp);
	assert_int_equal(system(cmd), 0);
	g_free(tmpdir);
	rte_eal_cleanup();
	return 0;
}

/* What a worker does for a recorded packet of @p len bytes. */
static int copy_rtp(int slot, unsigned dir, uint16_t seq, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, len);
	int rc;

	memset(p, 0xff, len);                   /* PCMU silence */
	p[0] = 0x80;
	p[1] = 0;
	p[2] = (uint8_t)(seq >> 8);
	p[3] = (uint8_t)seq;
	p[4] = (uint8_t)(seq >> 8);             /* timestamp 160 * seq, roughly */
	memset(p + 8, 0x11 * (dir + 1), 4);
	rc = tz_rec_tap_copy(tap, (uint16_t)slot, (uint8_t)dir, rte_rdtsc(), m);
	rte_pktmbuf_free(m);
	return rc;
}

static void info_init(struct tz_rec_info *in, uint32_t call)
{
	memset(in, 0, sizeof(*in));
	in->call = call;
	g_strlcpy(in->tenant, "acme", sizeof(in->tenant));
	g_strlcpy(in->user, "alice", sizeof(in->user));
	snprintf(in->dir, sizeof(in->dir), "%s/acme", tmpdir);
	in->family = AF_INET;
	in->gw_port = 30000;
	in->peer_port = 5004;
	in->codecs[0] = (struct tz_rec_codec){ 0, "PCMU", 8000, 1 };
	in->n_codecs = 1;
}

/* The JSON of call @p call, waited for (the writer closes asynchronously). */
static JsonObject *wait_json(uint32_t call, JsonParser *p)
{
	g_autofree char *suffix = g_strdup_printf("-%u.json", call);
	g_autofree char *dir = g_strdup_printf("%s/acme", tmpdir);

	for (int i = 0; i < 500; i++) {
		GDir *d = g_dir_open(dir, 0, NULL);
		const char *name;

		while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
			g_autofree char *path = g_build_filename(dir, name, NULL);

			if (g_str_has_suffix(name, suffix) &&
			    json_parser_load_from_file(p, path, NULL)) {
				g_dir_close(d);
				return json_node_get_object(json_parser_get_root(p));
			}
		}
		if (d != NULL)
			g_dir_close(d);
		g_usleep(10000);
	}
	fail_msg("no JSON for call %u in %s", call, dir);
	return NULL;
}

static int64_t dir_count(JsonObject *o, const char *dir, const char *what)
{
	return json_object_get_int_member(json_object_get_object_member(o, dir), what);
}

static void saw(int slot, const struct tz_rec_info *in, const char *name,
		const struct tz_rec_counts *c, void *arg)
{
	if (in->call == 7)
		*(int *)arg = slot;
}

/* Packets queued when the close is asked for are all written first. */
static void test_close_writes_everything_queued(void **state)
{
	g_autoptr(JsonParser) p = json_parser_new();
	struct tz_rec_info in;
	struct tz_rec_counts c;
	struct tz_rec_stats st;
	JsonObject *o;
	int slot, seen = 0;

	info_init(&in, 7);
	slot = tz_rec_open(&in);
	assert_true(slot > 0 && slot < TZ_REC_SLOTS);
	tz_rec_foreach(saw, &seen);
	assert_int_equal(seen, slot);
	for (uint16_t i = 0; i < 400; i++) {
		assert_int_equal(copy_rtp(slot, 0, i, 172), 0);
		assert_int_equal(copy_rtp(slot, 1, i, 172), 0);
	}
	/* two too long for a record: not recorded, counted */
	assert_int_equal(copy_rtp(slot, 1, 400, TZ_REC_PKT_MAX + 1), -ENOBUFS);
	assert_int_equal(copy_rtp(slot, 1, 401, TZ_REC_PKT_MAX + 100), -ENOBUFS);
	assert_int_equal(tz_rec_counts(slot, &c), 0);
	assert_int_equal(c.dropped[1], 2);
	tz_rec_close(slot);                     /* most of the 800 still queued */
	o = wait_json(7, p);
	assert_int_equal(dir_count(o, "from_web", "packets"), 400);
	assert_int_equal(dir_count(o, "to_web", "packets"), 400);
	assert_int_equal(dir_count(o, "to_web", "dropped"), 2);
	assert_int_equal(dir_count(o, "from_web", "dropped"), 0);
	assert_int_equal(json_object_get_int_member(o, "write_error"), 0);
	assert_int_equal(tz_rec_counts(slot, &c), -ENOENT);
	seen = 0;
	tz_rec_foreach(saw, &seen);
	assert_int_equal(seen, 0);
	tz_rec_stats_get(&st);
	assert_int_equal(st.finished, 1);
	assert_int_equal(st.active, 0);
	assert_int_equal(st.written, 800);
	assert_int_equal(st.dropped, 2);
}

/* The next recording in a slot starts with no drops of its own, and
 * packets of a slot nobody opened are ignored. */
static void test_slot_reuse_and_strays(void **state)
{
	g_autoptr(JsonParser) p = json_parser_new();
	struct tz_rec_info in;
	JsonObject *o;
	int slot;

	assert_int_equal(copy_rtp(TZ_REC_SLOTS - 1, 0, 1, 172), 0);   /* never opened */
	info_init(&in, 8);
	slot = tz_rec_open(&in);
	assert_true(slot > 0);
	for (uint16_t i = 0; i < 10; i++)
		assert_int_equal(copy_rtp(slot, 0, i, 172), 0);
	tz_rec_close(slot);
	o = wait_json(8, p);
	assert_int_equal(dir_count(o, "from_web", "packets"), 10);
	assert_int_equal(dir_count(o, "to_web", "packets"), 0);
	assert_int_equal(dir_count(o, "to_web", "dropped"), 0);
}

/* `show recordings` over the control socket's dispatcher. */
static void test_show_recordings(void **state)
{
	struct tz_rec_info in;
	g_autofree char *list = NULL, *stats = NULL;
	int slot;

	assert_int_equal(tz_rec_commands_register(), 0);
	info_init(&in, 9);
	slot = tz_rec_open(&in);
	assert_true(slot > 0);
	assert_int_equal(copy_rtp(slot, 1, 1, 172), 0);
	for (int i = 0; i < 500; i++) {
		struct tz_rec_counts c;

		if (tz_rec_counts(slot, &c) == 0 && c.written[1] == 1)
			break;
		g_usleep(10000);
	}
	list = tz_cli_execute("show recordings");
	assert_non_null(strstr(list, "\"call\":9"));
	assert_non_null(strstr(list, "\"to_web\":1"));
	assert_non_null(strstr(list, "-9.{pcap,wav,json}"));
	stats = tz_cli_execute("show recordings stats");
	assert_non_null(strstr(stats, "\"active\":1"));
	tz_rec_close(slot);
}

/* A directory that cannot be made (a file is in the way): counted as a write
 * error, shown as such, nothing written, nothing crashes. */
static void test_unwritable_dir(void **state)
{
	g_autofree char *file = g_strdup_printf("%s/plain-file", tmpdir);
	g_autofree char *list = NULL;
	struct tz_rec_stats before, after;
	struct tz_rec_info in;
	int slot;

	assert_true(g_file_set_contents(file, "x", 1, NULL));
	info_init(&in, 10);
	snprintf(in.dir, sizeof(in.dir), "%s/sub", file);
	tz_rec_stats_get(&before);
	slot = tz_rec_open(&in);
	assert_true(slot > 0);
	assert_int_equal(copy_rtp(slot, 0, 1, 172), 0);
	for (int i = 0; i < 500; i++) {
		list = tz_cli_execute("show recordings");
		if (strstr(list, "cannot create files") != NULL)
			break;
		g_clear_pointer(&list, g_free);
		g_usleep(10000);
	}
	assert_non_null(list);
	tz_rec_close(slot);
	for (int i = 0; i < 500; i++) {
		tz_rec_stats_get(&after);
		if (after.write_errors > before.write_errors)
			break;
		g_usleep(10000);
	}
	assert_int_equal(after.write_errors, before.write_errors + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_close_writes_everything_queued),
		cmocka_unit_test(test_slot_reuse_and_strays),
		cmocka_unit_test(test_show_recordings),
		cmocka_unit_test(test_unwritable_dir),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
