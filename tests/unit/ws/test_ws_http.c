/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP path resolution under signalling.web_root, called directly with the
 * paths lws hands over after %-decoding: a table of paths and whether each
 * is served.  Nothing outside web_root, nothing hidden, no NUL, no overlong
 * UTF-8, no symlink out.  (test_ws_server's "static" scenario sends the
 * %-encoded forms through the real server.)
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <glib/gstdio.h>

#include "ws_pvt.h"

static char *dir, *root;

static void put(const char *rel, const char *text)
{
	g_autofree char *p = g_build_filename(dir, rel, NULL);
	g_autofree char *parent = g_path_get_dirname(p);

	assert_int_equal(g_mkdir_with_parents(parent, 0700), 0);
	assert_true(g_file_set_contents(p, text, -1, NULL));
}

static int setup(void **state)
{
	g_autofree char *tmp = g_dir_make_tmp("tz-http-XXXXXX", NULL);
	g_autofree char *secret = NULL, *l1 = NULL, *l2 = NULL, *web = NULL;
	char real[PATH_MAX];

	assert_non_null(realpath(tmp, real));
	dir = g_strdup(real);
	put("secret.txt", "secret");
	put("web/index.html", "index");
	put("web/.hidden", "hidden");
	put("web/img/a.svg", "<svg/>");
	put("web/img/index.html", "img index");
	web = g_build_filename(dir, "web", NULL);
	secret = g_build_filename(dir, "secret.txt", NULL);
	l1 = g_build_filename(web, "escape.txt", NULL);
	assert_int_equal(symlink(secret, l1), 0);
	l2 = g_build_filename(web, "up", NULL);
	assert_int_equal(symlink(dir, l2), 0);
	root = g_strdup(web);
	return 0;
}

static int teardown(void **state)
{
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);

	assert_int_equal(system(cmd), 0);
	g_free(dir);
	g_free(root);
	return 0;
}

static const struct {
	const char *uri;
	size_t len;             /* 0: strlen(uri) */
	const char *served;     /* path under web_root, or NULL: refused */
} cases[] = {
	{ "/", 0, "/index.html" },
	{ "/index.html", 0, "/index.html" },
	{ "/img/a.svg", 0, "/img/a.svg" },
	{ "/img/", 0, "/img/index.html" },
	{ "//index.html", 0, "/index.html" },
	/* parents, whether lws folded them or not */
	{ "/../secret.txt", 0, NULL },
	{ "/img/../../secret.txt", 0, NULL },
	{ "/img/../index.html", 0, NULL },        /* "/." anywhere is refused */
	{ "/./index.html", 0, NULL },
	{ "/..", 0, NULL },
	{ "/..\\secret.txt", 0, NULL },
	{ "\\..\\secret.txt", 0, NULL },
	/* %2e%2e that reached us undecoded is a name that does not exist */
	{ "/%2e%2e/secret.txt", 0, NULL },
	/* hidden files, relative paths */
	{ "/.hidden", 0, NULL },
	{ "index.html", 0, NULL },
	{ "", 0, NULL },
	/* NUL: "/\0/../secret.txt" is not "/" */
	{ "/\0/../secret.txt", 16, NULL },
	{ "/index.html\0.js", 15, NULL },
	/* overlong UTF-8 dots (C0 AE, E0 80 AE) and other invalid UTF-8 */
	{ "/\xc0\xae\xc0\xae/secret.txt", 0, NULL },
	{ "/\xe0\x80\xae\xe0\x80\xae/secret.txt", 0, NULL },
	{ "/\xff/index.html", 0, NULL },
	/* control characters */
	{ "/index.html\n", 0, NULL },
	{ "/\x7f", 0, NULL },
	/* symlinks out of web_root: a file, and a directory */
	{ "/escape.txt", 0, NULL },
	{ "/up/secret.txt", 0, NULL },
	{ "/up/web/index.html", 0, "/index.html" },   /* back inside: the real file */
	/* not a regular file */
	{ "/img", 0, NULL },
};

static void test_resolve_table(void **state)
{
	char out[PATH_MAX];

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		size_t len = cases[i].len ? cases[i].len : strlen(cases[i].uri);
		int rc = tz_ws_http_resolve(root, cases[i].uri, len, out, sizeof(out));
		g_autofree char *want = NULL;

		if (cases[i].served == NULL) {
			if (rc == 0)
				fail_msg("case %zu \"%s\": served %s, want refused", i,
					 cases[i].uri, out);
			continue;
		}
		if (rc != 0)
			fail_msg("case %zu \"%s\": refused (%d), want %s", i, cases[i].uri, rc,
				 cases[i].served);
		want = g_strconcat(root, cases[i].served, NULL);
		assert_string_equal(out, want);
	}
}

static void test_no_root(void **state)
{
	char out[PATH_MAX];

	assert_int_equal(tz_ws_http_resolve(NULL, "/", 1, out, sizeof(out)), -ENOENT);
	assert_int_equal(tz_ws_http_resolve(root, "/index.html", 11, out, 4), -ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve_table),
		cmocka_unit_test(test_no_root),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
