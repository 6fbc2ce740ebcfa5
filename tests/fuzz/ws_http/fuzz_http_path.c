/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz HTTP path resolution (signalling.web_root): any decoded request path
 * (lws has %-decoded it; it may hold NUL, "..", overlong UTF-8, backslashes).
 * A scratch web_root holds a file, a subdirectory, a symlink to a file
 * outside and a symlink to the directory outside; whatever resolves must be
 * a regular file inside web_root and never the secret outside it.
 */
#include <assert.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "ws_pvt.h"

static char *root;      /* realpath of the scratch web_root */
static char *outside;   /* the directory holding web_root and secret.txt */

static void put(const char *rel, const char *text)
{
	g_autofree char *p = g_build_filename(outside, rel, NULL);

	g_assert(g_file_set_contents(p, text, -1, NULL));
}

static void cleanup(void)
{
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", outside);

	if (system(cmd) != 0)
		abort();
}

static void make_root(void)
{
	g_autofree char *dir = g_dir_make_tmp("tz-fuzz-http-XXXXXX", NULL);
	g_autofree char *web = NULL, *img = NULL, *lnk = NULL, *lnk2 = NULL, *secret = NULL;
	char real[PATH_MAX];

	g_assert(dir != NULL && realpath(dir, real) != NULL);
	outside = g_strdup(real);
	web = g_build_filename(outside, "web", NULL);
	img = g_build_filename(web, "img", NULL);
	g_assert(g_mkdir_with_parents(img, 0700) == 0);
	put("secret.txt", "secret");
	put("web/index.html", "index");
	put("web/.hidden", "hidden");
	put("web/img/a.svg", "<svg/>");
	secret = g_build_filename(outside, "secret.txt", NULL);
	lnk = g_build_filename(web, "escape.txt", NULL);
	g_assert(symlink(secret, lnk) == 0);
	lnk2 = g_build_filename(web, "up", NULL);
	g_assert(symlink(outside, lnk2) == 0);
	root = g_strdup(web);
	atexit(cleanup);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[PATH_MAX];
	char *uri;
	struct stat st;
	size_t rl;

	if (root == NULL)
		make_root();
	if (size > 4096)
		return 0;
	uri = g_malloc(size + 1);
	memcpy(uri, data, size);
	uri[size] = '\0';
	if (tz_ws_http_resolve(root, uri, size, out, sizeof(out)) == 0) {
		rl = strlen(root);
		assert(strncmp(out, root, rl) == 0 && out[rl] == '/');
		assert(strstr(out, "secret.txt") == NULL);
		assert(strstr(out, "/.") == NULL);
		assert(stat(out, &st) == 0 && S_ISREG(st.st_mode));
		assert(memchr(data, '\0', size) == NULL);
	}
	g_free(uri);
	return 0;
}
