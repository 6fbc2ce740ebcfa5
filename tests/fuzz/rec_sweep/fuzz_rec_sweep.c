/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz harness for recording retention (ctrlplane/rec/rec_sweep.c): the
 * input is a list of file names, one a line, created in a scratch dir with
 * an old mtime; a sweep with every limit at its tightest runs over it.
 * Whatever the names, the sweep deletes only files whose names are exactly
 * a recording's (rec_sweep_name) and everything else stays.
 *
 * Real fuzzing: tools/fuzz.sh 60 rec_sweep
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "rec_pvt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *dir;

static void remove_dir(void)
{
	rmdir(dir);                     /* empty: every run removes its files */
}

static bool usable(const char *n)
{
	return n[0] != '\0' && strchr(n, '/') == NULL && strcmp(n, ".") != 0 &&
	       strcmp(n, "..") != 0 && strlen(n) < 200;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autofree char *text = g_strndup((const char *)data, size);   /* stops at a NUL */
	g_auto(GStrv) names = g_strsplit(text, "\n", 16);
	struct tz_rec_retain_dir d = { .max_age_days = 1, .max_bytes = 1 };
	struct tz_rec_sweep_result res = { 0 };
	struct timespec old[2] = { { 1000000, 0 }, { 1000000, 0 } };
	int fd;

	if (dir == NULL) {
		dir = g_dir_make_tmp("tz-fuzz-sweep-XXXXXX", NULL);
		if (dir == NULL)
			abort();
		atexit(remove_dir);
	}
	g_strlcpy(d.dir, dir, sizeof(d.dir));
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	for (unsigned i = 0; names[i] != NULL; i++) {
		unsigned ext;
		size_t stem = rec_sweep_name(names[i], &ext);
		int f;

		if (stem != 0 && (stem < 18 || stem >= strlen(names[i]) || names[i][16] != '-'))
			abort();
		if (!usable(names[i]))
			continue;
		f = openat(fd, names[i], O_WRONLY | O_CREAT, 0600);
		if (f >= 0) {
			if (write(f, "x", 1) != 1)
				abort();
			close(f);
			utimensat(fd, names[i], old, 0);
		}
	}
	rec_sweep(&d, 1, 1000000 + 30 * 86400, NULL, NULL, &res, NULL);
	for (unsigned i = 0; names[i] != NULL; i++) {
		unsigned ext;
		bool there;

		if (!usable(names[i]))
			continue;
		there = faccessat(fd, names[i], F_OK, AT_SYMLINK_NOFOLLOW) == 0;
		if (there == (rec_sweep_name(names[i], &ext) != 0))
			abort();                /* a recording kept, or a foreign file deleted */
	}
	for (unsigned i = 0; names[i] != NULL; i++)     /* after: a name may repeat */
		if (usable(names[i]))
			unlinkat(fd, names[i], 0);
	close(fd);
	return 0;
}
