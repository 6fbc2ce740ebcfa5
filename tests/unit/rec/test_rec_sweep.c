/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Recording retention (ctrlplane/rec/rec_sweep.c, docs/recording.md
 * "Retention") over a temp dir of fake recordings whose mtimes are set with
 * utimensat(): what a NOC would see on disk after a sweep.  Age limit, size
 * limit (one dir, and a pool of two), a recording still being written is
 * kept, foreign files / symlinks / subdirectories are never touched, a dir
 * that cannot be read is an error count and the sweep goes on.
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
#include <sys/stat.h>
#include <unistd.h>

#include "rec_pvt.h"

#define DAY 86400
static const int64_t NOW = 1796688000;   /* 2026-12-07T00:00:00Z */

static char *tmp;

static void put(const char *dir, const char *file, size_t size, int64_t mtime)
{
	g_autofree char *p = g_build_filename(dir, file, NULL);
	g_autofree char *data = g_malloc0(size);
	struct timespec ts[2] = { { mtime, 0 }, { mtime, 0 } };

	assert_true(g_file_set_contents(p, data, (gssize)size, NULL));
	assert_int_equal(utimensat(AT_FDCWD, p, ts, AT_SYMLINK_NOFOLLOW), 0);
}

/* A finished recording: pcap, wav, json of @p size bytes each. */
static void rec(const char *dir, const char *name, size_t size, int64_t mtime)
{
	static const char *const ext[] = { "pcap", "wav", "json" };

	for (unsigned i = 0; i < 3; i++) {
		g_autofree char *f = g_strdup_printf("%s.%s", name, ext[i]);

		put(dir, f, size, mtime);
	}
}

static bool exists(const char *dir, const char *file)
{
	g_autofree char *p = g_build_filename(dir, file, NULL);
	struct stat st;

	return lstat(p, &st) == 0;
}

static bool has_rec(const char *dir, const char *name)
{
	g_autofree char *a = g_strdup_printf("%s.pcap", name);
	g_autofree char *b = g_strdup_printf("%s.wav", name);
	g_autofree char *c = g_strdup_printf("%s.json", name);
	int n = exists(dir, a) + exists(dir, b) + exists(dir, c);

	assert_true(n == 0 || n == 3);     /* never half a recording */
	return n == 3;
}

static char *subdir(const char *name)
{
	char *d = g_build_filename(tmp, name, NULL);

	assert_int_equal(g_mkdir(d, 0750), 0);
	return d;
}

static void one(struct tz_rec_retain_dir *d, const char *dir, uint32_t days, uint64_t max,
		unsigned pool)
{
	memset(d, 0, sizeof(*d));
	g_strlcpy(d->dir, dir, sizeof(d->dir));
	d->max_age_days = days;
	d->max_bytes = max;
	d->pool = pool;
}

static int setup(void **state)
{
	tmp = g_dir_make_tmp("tz-sweep-XXXXXX", NULL);
	return tmp == NULL;
}

static int teardown(void **state)
{
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", tmp);

	assert_int_equal(system(cmd), 0);
	g_free(tmp);
	return 0;
}

static void test_name_pattern(void **state)
{
	static const struct { const char *s; size_t stem; } v[] = {
		{ "20261207T153244Z-17.pcap", 19 }, { "20261207T153244Z-17.wav", 19 },
		{ "20261207T153244Z-4294967295.json", 27 }, { "20261207T153244Z-17.pcap.bak", 0 },
		{ "20261207T153244Z-.pcap", 0 }, { "20261207T153244Z-17.txt", 0 },
		{ "2026120T153244Z-17.pcap", 0 }, { "20261207T153244Z-12345678901.wav", 0 },
		{ "../20261207T153244Z-1.wav", 0 }, { "", 0 }, { "x", 0 },
	};
	unsigned ext;

	for (unsigned i = 0; i < G_N_ELEMENTS(v); i++)
		if (rec_sweep_name(v[i].s, &ext) != v[i].stem)
			fail_msg("%s: expected stem %zu", v[i].s, v[i].stem);
}

static void test_age(void **state)
{
	g_autofree char *d = subdir("age");
	struct tz_rec_retain_dir dir;
	struct tz_rec_sweep_result res = { 0 };

	rec(d, "20261120T100000Z-1", 100, NOW - 17 * DAY);
	rec(d, "20261129T100000Z-2", 200, NOW - 8 * DAY);
	rec(d, "20261201T100000Z-3", 300, NOW - 6 * DAY);
	rec(d, "20261206T230000Z-4", 400, NOW - 3600);
	one(&dir, d, 7, 0, 0);
	rec_sweep(&dir, 1, NOW, NULL, NULL, &res, NULL);
	assert_false(has_rec(d, "20261120T100000Z-1"));
	assert_false(has_rec(d, "20261129T100000Z-2"));
	assert_true(has_rec(d, "20261201T100000Z-3"));
	assert_true(has_rec(d, "20261206T230000Z-4"));
	assert_int_equal(res.deleted_age, 2);
	assert_int_equal(res.deleted_size, 0);
	assert_int_equal(res.bytes_freed, 3 * 100 + 3 * 200);
	assert_int_equal(res.total_recordings, 2);
	assert_int_equal(res.total_bytes, 3 * 300 + 3 * 400);
	assert_int_equal(res.errors, 0);
	assert_int_equal(res.n_names, 2);
	assert_non_null(strstr(res.names[0], "/age/20261120T100000Z-1"));
	assert_int_equal(res.by_size[0], 0);
	/* a second sweep finds nothing more to do */
	memset(&res, 0, sizeof(res));
	rec_sweep(&dir, 1, NOW, NULL, NULL, &res, NULL);
	assert_int_equal(res.deleted_age + res.deleted_size, 0);
}

/* Oldest first (by mtime, not by name) until the pool fits; two dirs of one
 * pool count together. */
static void test_size(void **state)
{
	g_autofree char *a = subdir("size-a");
	g_autofree char *b = subdir("size-b");
	struct tz_rec_retain_dir dirs[2];
	struct tz_rec_sweep_result res = { 0 };
	uint64_t pools[2] = { 0, 0 };

	rec(a, "20261201T000000Z-1", 1000, NOW - 5 * DAY);
	rec(b, "20261202T000000Z-2", 1000, NOW - 4 * DAY);
	rec(a, "20261203T000000Z-3", 1000, NOW - 3 * DAY);
	rec(b, "20261204T000000Z-4", 1000, NOW - 2 * DAY);
	rec(a, "20261101T000000Z-5", 1000, NOW - 1 * DAY);    /* older name, newer mtime */
	one(&dirs[0], a, 0, 7000, 3);
	one(&dirs[1], b, 0, 7000, 3);
	rec_sweep(dirs, 2, NOW, NULL, NULL, &res, pools);
	assert_false(has_rec(a, "20261201T000000Z-1"));
	assert_false(has_rec(b, "20261202T000000Z-2"));
	assert_false(has_rec(a, "20261203T000000Z-3"));
	assert_true(has_rec(b, "20261204T000000Z-4"));
	assert_true(has_rec(a, "20261101T000000Z-5"));
	assert_int_equal(res.deleted_size, 3);
	assert_int_equal(res.deleted_age, 0);
	assert_int_equal(res.bytes_freed, 9000);
	assert_int_equal(res.total_bytes, 6000);
	assert_int_equal(pools[0], 6000);
	assert_int_equal(pools[1], 0);
	assert_non_null(strstr(res.names[2], "/size-a/20261203T000000Z-3"));
	assert_int_equal(res.by_size[2], 1);
}

static bool open_3(const char *dir, const char *name, bool complete, void *arg)
{
	return strcmp(name, "20261201T000000Z-3") == 0;
}

/* The writer still has the oldest recording (no JSON yet): it stays, the
 * next oldest goes instead. */
static void test_open_kept(void **state)
{
	g_autofree char *d = subdir("open");
	struct tz_rec_retain_dir dir;
	struct tz_rec_sweep_result res = { 0 };

	put(d, "20261201T000000Z-3.pcap", 5000, NOW - 30 * DAY);
	put(d, "20261201T000000Z-3.wav", 5000, NOW - 30 * DAY);
	rec(d, "20261202T000000Z-4", 1000, NOW - 20 * DAY);
	rec(d, "20261203T000000Z-5", 1000, NOW - 1 * DAY);
	one(&dir, d, 10, 14000, 0);
	rec_sweep(&dir, 1, NOW, open_3, NULL, &res, NULL);
	assert_true(exists(d, "20261201T000000Z-3.pcap"));
	assert_true(exists(d, "20261201T000000Z-3.wav"));
	assert_false(has_rec(d, "20261202T000000Z-4"));
	assert_true(has_rec(d, "20261203T000000Z-5"));
	assert_int_equal(res.deleted_age, 1);
	assert_int_equal(res.deleted_size, 0);
	assert_true(res.kept_open >= 1);
}

/* Only recordings' regular files: a symlink named like one (to a file
 * outside), a subdirectory named like one and foreign files stay, and the
 * symlink's target is not counted or touched. */
static void test_foreign_untouched(void **state)
{
	g_autofree char *d = subdir("foreign");
	g_autofree char *out = subdir("outside");
	g_autofree char *target = g_build_filename(out, "precious.wav", NULL);
	g_autofree char *link = g_build_filename(d, "20200101T000000Z-9.wav", NULL);
	g_autofree char *sub = g_build_filename(d, "20200101T000000Z-8.json", NULL);
	struct tz_rec_retain_dir dir;
	struct tz_rec_sweep_result res = { 0 };

	put(out, "precious.wav", 100000, NOW - 900 * DAY);
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(g_mkdir(sub, 0750), 0);
	put(d, "notes.txt", 10, NOW - 900 * DAY);
	put(d, "20200101T000000Z-7.pcap.bak", 10, NOW - 900 * DAY);
	put(d, "20200101T000000Z-6.mp3", 10, NOW - 900 * DAY);
	rec(d, "20200101T000000Z-5", 10, NOW - 900 * DAY);
	one(&dir, d, 1, 1, 0);
	rec_sweep(&dir, 1, NOW, NULL, NULL, &res, NULL);
	assert_false(has_rec(d, "20200101T000000Z-5"));
	assert_true(exists(d, "20200101T000000Z-9.wav"));
	assert_true(exists(out, "precious.wav"));
	assert_true(exists(d, "20200101T000000Z-8.json"));
	assert_true(exists(d, "notes.txt"));
	assert_true(exists(d, "20200101T000000Z-7.pcap.bak"));
	assert_true(exists(d, "20200101T000000Z-6.mp3"));
	assert_int_equal(res.deleted_age, 1);
	assert_int_equal(res.bytes_freed, 30);
	assert_int_equal(res.total_recordings, 0);
	assert_int_equal(res.errors, 0);
}

/* A dir that cannot be read (not a directory; mode 0 when not root) is an
 * error, a missing one is not (nothing recorded yet); the other dirs are
 * still swept. */
static void test_unreadable(void **state)
{
	g_autofree char *good = subdir("good");
	g_autofree char *noperm = subdir("noperm");
	g_autofree char *file = g_build_filename(tmp, "afile", NULL);
	g_autofree char *missing = g_build_filename(tmp, "missing", NULL);
	struct tz_rec_retain_dir dirs[4];
	struct tz_rec_sweep_result res = { 0 };
	uint64_t expect = 1;

	put(tmp, "afile", 1, NOW);
	rec(good, "20261101T000000Z-1", 10, NOW - 60 * DAY);
	one(&dirs[0], file, 1, 0, 0);
	one(&dirs[1], missing, 1, 0, 1);
	one(&dirs[2], noperm, 1, 0, 2);
	one(&dirs[3], good, 1, 0, 3);
	assert_int_equal(chmod(noperm, 0), 0);
	if (geteuid() != 0)
		expect++;                    /* root reads it anyway */
	rec_sweep(dirs, 4, NOW, NULL, NULL, &res, NULL);
	assert_int_equal(chmod(noperm, 0750), 0);
	assert_int_equal(res.errors, expect);
	assert_int_equal(res.deleted_age, 1);
	assert_false(has_rec(good, "20261101T000000Z-1"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_pattern),
		cmocka_unit_test(test_age),
		cmocka_unit_test(test_size),
		cmocka_unit_test(test_open_kept),
		cmocka_unit_test(test_foreign_untouched),
		cmocka_unit_test(test_unreadable),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
