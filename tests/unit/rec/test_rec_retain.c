/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Recording retention with the real writer and sweep threads
 * (ctrlplane/rec/rec_retain.c): the sweep at start, `trapezectl recordings
 * sweep` and what it reports, a recording the writer still has is kept
 * while it is open and swept once it closed over the size limit, and
 * `show recordings stats` counts it all.  No taps: nothing is recorded,
 * the files are just created and closed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "rec_pvt.h"
#include "tz_cli.h"

#define DAY 86400

static char *tmp;

static void put(const char *dir, const char *file, size_t size, int64_t age_s)
{
	g_autofree char *p = g_build_filename(dir, file, NULL);
	g_autofree char *data = g_malloc0(size);
	int64_t t = g_get_real_time() / G_USEC_PER_SEC - age_s;
	struct timespec ts[2] = { { t, 0 }, { t, 0 } };

	assert_true(g_file_set_contents(p, data, (gssize)size, NULL));
	assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
}

static void rec(const char *dir, const char *name, size_t size, int64_t age_s)
{
	static const char *const ext[] = { "pcap", "wav", "json" };

	for (unsigned i = 0; i < 3; i++) {
		g_autofree char *f = g_strdup_printf("%s.%s", name, ext[i]);

		put(dir, f, size, age_s);
	}
}

static bool exists(const char *dir, const char *file)
{
	g_autofree char *p = g_build_filename(dir, file, NULL);

	return g_file_test(p, G_FILE_TEST_EXISTS);
}

/* Wait (at most 10 s) until the sweeps counted reach @p n. */
static void wait_sweeps(uint64_t n)
{
	struct tz_rec_retain_stats st;

	for (int i = 0; i < 1000; i++) {
		tz_rec_retain_stats_get(&st);
		if (st.sweeps >= n)
			return;
		g_usleep(10000);
	}
	fail_msg("sweep %lu never finished", (unsigned long)n);
}

static void named(int slot, const struct tz_rec_info *info, const char *name,
		  const struct tz_rec_counts *cnt, void *arg)
{
	if (name != NULL && name[0] != '\0')
		g_strlcpy(arg, name, 96);
}

/* Wait until the writer created the files of the open recording. */
static void wait_named(char name[96])
{
	for (int i = 0; i < 1000 && name[0] == '\0'; i++) {
		tz_rec_foreach(named, name);
		if (name[0] == '\0')
			g_usleep(10000);
	}
	assert_true(name[0] != '\0');
}

static JsonObject *cli(const char *line, JsonNode **root)
{
	g_autofree char *reply = tz_cli_execute(line);
	JsonParser *p = json_parser_new();
	JsonObject *o;

	assert_true(json_parser_load_from_data(p, reply, -1, NULL));
	*root = json_node_copy(json_parser_get_root(p));
	g_object_unref(p);
	o = json_node_get_object(*root);
	if (!json_object_get_boolean_member_with_default(o, "ok", FALSE))
		fail_msg("%s: %s", line, reply);
	return json_object_get_object_member(o, "result");
}

static int setup(void **state)
{
	tmp = g_dir_make_tmp("tz-retain-XXXXXX", NULL);
	assert_non_null(tmp);
	assert_int_equal(tz_rec_commands_register(), 0);
	return 0;
}

static int teardown(void **state)
{
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", tmp);

	assert_int_equal(system(cmd), 0);
	g_free(tmp);
	tz_cli_unregister_all();
	return 0;
}

static void test_not_configured(void **state)
{
	g_autofree char *reply = tz_cli_execute("recordings sweep");

	assert_non_null(strstr(reply, "recording is not configured"));
}

static void test_sweeps(void **state)
{
	g_autofree char *dir = g_build_filename(tmp, "acme", NULL);
	struct tz_rec_retain_dir d = { .max_age_days = 30, .max_bytes = 45000 };
	struct tz_rec_info info = { .call = 17, .tenant = "acme", .family = AF_INET };
	struct tz_rec_retain_stats st;
	JsonObject *o;
	JsonArray *del;
	char name[96] = "";
	g_autofree char *pcap = NULL;
	JsonNode *root;
	int slot;

	assert_int_equal(g_mkdir(dir, 0750), 0);
	g_strlcpy(d.dir, dir, sizeof(d.dir));
	g_strlcpy(info.dir, dir, sizeof(info.dir));
	rec(dir, "20260101T000000Z-1", 1000, 60 * DAY);          /* past 30 days */
	rec(dir, "20261201T000000Z-2", 1000, 5 * DAY);
	put(dir, "README.txt", 5, 90 * DAY);

	assert_int_equal(tz_rec_start(NULL, 0, 1000000000), 0);
	assert_int_equal(tz_rec_retain_set(&d, 1), 0);           /* the sweep at start */
	wait_sweeps(1);
	assert_false(exists(dir, "20260101T000000Z-1.wav"));
	assert_true(exists(dir, "20261201T000000Z-2.wav"));
	tz_rec_retain_stats_get(&st);
	assert_int_equal(st.deleted_age, 1);
	assert_int_equal(st.total_recordings, 1);
	assert_int_equal(st.total_bytes, 3000);

	/* a recording being written: kept, even when it is over the size limit */
	slot = tz_rec_open(&info);
	assert_true(slot > 0);
	wait_named(name);
	assert_true(rec_is_open(dir, name, false, NULL));
	rec(dir, "20261202T000000Z-3", 12000, 4 * DAY);
	rec(dir, "20261203T000000Z-4", 1000, 3 * DAY);
	o = cli("recordings sweep", &root);
	assert_int_equal(json_object_get_int_member(o, "deleted_age"), 0);
	assert_int_equal(json_object_get_int_member(o, "deleted_size"), 0);
	assert_int_equal(json_object_get_int_member(o, "stored_recordings"), 3);
	assert_int_equal(json_object_get_int_member(o, "stored_bytes"), 42000);
	json_node_unref(root);

	/* it grows (a long call) and closes: the dir goes over 45000 bytes and is
	 * swept by itself, oldest first, until it fits */
	pcap = g_strdup_printf("%s/%s.pcap", dir, name);
	{
		FILE *f = fopen(pcap, "a");

		assert_non_null(f);
		for (int i = 0; i < 10000; i++)
			fputc(0, f);
		fclose(f);
	}
	tz_rec_retain_stats_get(&st);
	tz_rec_close(slot);
	wait_sweeps(st.sweeps + 1);
	assert_false(exists(dir, "20261201T000000Z-2.wav"));
	assert_false(exists(dir, "20261202T000000Z-3.wav"));
	assert_true(exists(dir, "20261203T000000Z-4.wav"));
	g_free(pcap);
	pcap = g_strdup_printf("%s.json", name);
	assert_true(exists(dir, pcap));

	/* `recordings sweep` names what it deleted */
	rec(dir, "20250101T000000Z-6", 10, 400 * DAY);
	o = cli("recordings sweep", &root);
	assert_int_equal(json_object_get_int_member(o, "deleted_age"), 1);
	assert_int_equal(json_object_get_int_member(o, "bytes_freed"), 30);
	del = json_object_get_array_member(o, "deleted");
	assert_int_equal(json_array_get_length(del), 1);
	assert_non_null(strstr(json_object_get_string_member(json_array_get_object_element(del, 0),
							     "recording"), "/acme/20250101T000000Z-6"));
	assert_string_equal(json_object_get_string_member(json_array_get_object_element(del, 0),
							  "reason"), "age");
	json_node_unref(root);
	assert_true(exists(dir, "README.txt"));

	o = cli("show recordings stats", &root);
	assert_int_equal(json_object_get_int_member(o, "deleted_age"), 2);
	assert_int_equal(json_object_get_int_member(o, "deleted_size"), 2);
	assert_int_equal(json_object_get_int_member(o, "sweep_errors"), 0);
	assert_true(json_object_get_int_member(o, "sweeps") >= 4);
	assert_int_equal(json_object_get_int_member(o, "stored_recordings"), 2);
	json_node_unref(root);
	tz_rec_stop();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_configured),
		cmocka_unit_test(test_sweeps),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
