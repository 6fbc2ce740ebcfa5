/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One retention sweep (docs/recording.md "Retention"): list the recording
 * directories, group the files of each recording, delete whole recordings
 * past their age, then the oldest ones of a pool over its size.  Only
 * regular files whose names are exactly a recording's are touched, looked
 * at and deleted relative to the directory's fd (lstat semantics, no path
 * walk): a symlink, a subdirectory or a foreign file is never followed,
 * never counted and never deleted.  Runs on the sweep thread only.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "rec_pvt.h"
#include "tz_log.h"

static const char *const exts[] = { ".json", ".pcap", ".wav" };   /* JSON deleted first */
#define EXT_JSON 0

struct rec {
	unsigned dir;
	char name[32];
	int64_t mtime;            /* newest of its files */
	uint64_t bytes;
	unsigned files;           /* bit per exts[] */
	bool gone;
};

static bool digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* "<8 digits>T<6 digits>Z-<1..10 digits>" + one of exts[] */
size_t rec_sweep_name(const char *s, unsigned *ext)
{
	size_t call;

	if (!digits(s, 8) || s[8] != 'T' || !digits(s + 9, 6) || s[15] != 'Z' || s[16] != '-')
		return 0;
	call = strspn(s + 17, "0123456789");
	if (call == 0 || call > 10)
		return 0;
	for (unsigned i = 0; i < G_N_ELEMENTS(exts); i++)
		if (strcmp(s + 17 + call, exts[i]) == 0) {
			*ext = i;
			return 17 + call;
		}
	return 0;
}

static void add_file(GArray *recs, GHashTable *idx, unsigned dir, const char *name, size_t stem,
		     unsigned ext, const struct stat *st)
{
	char key[48];
	gpointer pos;
	struct rec *r;

	snprintf(key, sizeof(key), "%u/%.*s", dir, (int)stem, name);
	if (g_hash_table_lookup_extended(idx, key, NULL, &pos)) {
		r = &g_array_index(recs, struct rec, GPOINTER_TO_UINT(pos));
	} else {
		g_array_set_size(recs, recs->len + 1);
		r = &g_array_index(recs, struct rec, recs->len - 1);
		r->dir = dir;
		memcpy(r->name, name, stem);
		r->name[stem] = '\0';
		g_hash_table_insert(idx, g_strdup(key), GUINT_TO_POINTER(recs->len - 1));
	}
	r->files |= 1u << ext;
	r->bytes += (uint64_t)st->st_size;
	if (st->st_mtime > r->mtime)
		r->mtime = st->st_mtime;
}

/* One directory's recordings into @p recs.  A missing directory holds none
 * (nothing recorded there yet); any other failure is an error. */
static void scan(const struct tz_rec_retain_dir *d, unsigned i, GArray *recs, GHashTable *idx,
		 struct tz_rec_sweep_result *res)
{
	struct dirent *e;
	DIR *dp;
	int fd;

	fd = open(d->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT) {
			res->errors++;
			TZ_LOG(CP_SESSION, WARNING, "recording retention: cannot read %s: %s",
			       d->dir, g_strerror(errno));
		}
		return;
	}
	dp = fdopendir(fd);
	if (dp == NULL) {
		res->errors++;
		close(fd);
		return;
	}
	for (errno = 0; (e = readdir(dp)) != NULL; errno = 0) {
		struct stat st;
		unsigned ext;
		size_t stem = rec_sweep_name(e->d_name, &ext);

		if (stem == 0)
			continue;
		if (fstatat(dirfd(dp), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
			if (errno != ENOENT)
				res->errors++;
			continue;
		}
		if (S_ISREG(st.st_mode))
			add_file(recs, idx, i, e->d_name, stem, ext, &st);
	}
	if (errno != 0) {
		res->errors++;
		TZ_LOG(CP_SESSION, WARNING, "recording retention: reading %s: %s", d->dir,
		       g_strerror(errno));
	}
	closedir(dp);
}

static int by_age(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;

	if (x->mtime != y->mtime)
		return x->mtime < y->mtime ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Delete @p r's files (the JSON first: what is left no longer looks
 * complete).  True when none is left. */
static bool delete_rec(const struct tz_rec_retain_dir *d, struct rec *r, const char *why,
		       struct tz_rec_sweep_result *res)
{
	bool all = true;
	int fd = open(d->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0) {
		res->errors++;
		return false;
	}
	for (unsigned i = 0; i < G_N_ELEMENTS(exts); i++) {
		char file[48];

		if (!(r->files & (1u << i)))
			continue;
		snprintf(file, sizeof(file), "%s%s", r->name, exts[i]);
		/* unlinkat() removes a name in this dir: a symlink swapped in since
		 * the scan is removed itself, never what it points to */
		if (unlinkat(fd, file, 0) != 0 && errno != ENOENT) {
			/* a read-only dir fails for every file: say it once a sweep */
			if (res->errors++ == 0)
				TZ_LOG(CP_SESSION, WARNING, "recording retention: cannot delete "
				       "%s/%s: %s", d->dir, file, g_strerror(errno));
			all = false;
		}
	}
	close(fd);
	if (!all)
		return false;
	r->gone = true;
	res->bytes_freed += r->bytes;
	if (res->n_names < G_N_ELEMENTS(res->names)) {
		res->by_size[res->n_names] = strcmp(why, "size") == 0;
		snprintf(res->names[res->n_names++], sizeof(res->names[0]), "%s/%s", d->dir, r->name);
	}
	TZ_LOG(CP_SESSION, DEBUG, "recording retention: deleted %s/%s.{pcap,wav,json} (%s)",
	       d->dir, r->name, why);
	return true;
}

/* The JSON is written last, when the writer closes a recording: only one
 * without it may still be open (asking costs the writer's lock). */
static bool open_now(const struct tz_rec_retain_dir *dirs, const struct rec *r,
		     rec_open_fn is_open, void *arg)
{
	return is_open != NULL && !(r->files & (1u << EXT_JSON)) &&
	       is_open(dirs[r->dir].dir, r->name, false, arg);
}

static void sweep_age(const struct tz_rec_retain_dir *dirs, struct rec *v, unsigned n,
		      int64_t now_s, rec_open_fn is_open, void *arg, struct tz_rec_sweep_result *res)
{
	for (unsigned i = 0; i < n; i++) {
		const struct tz_rec_retain_dir *d = &dirs[v[i].dir];

		if (d->max_age_days == 0 || now_s - v[i].mtime <= (int64_t)d->max_age_days * 86400)
			continue;
		if (open_now(dirs, &v[i], is_open, arg))
			res->kept_open++;
		else if (delete_rec(d, &v[i], "age", res))
			res->deleted_age++;
	}
}

/* Oldest first out of pool @p pool until it holds its max_bytes. */
static void sweep_size(const struct tz_rec_retain_dir *dirs, unsigned pool, uint64_t max,
		       struct rec *v, unsigned n, rec_open_fn is_open, void *arg,
		       struct tz_rec_sweep_result *res)
{
	uint64_t total = 0;

	for (unsigned i = 0; i < n; i++)
		if (!v[i].gone && dirs[v[i].dir].pool == pool)
			total += v[i].bytes;
	for (unsigned i = 0; i < n && total > max; i++) {
		if (v[i].gone || dirs[v[i].dir].pool != pool)
			continue;
		if (open_now(dirs, &v[i], is_open, arg))
			res->kept_open++;
		else if (delete_rec(&dirs[v[i].dir], &v[i], "size", res)) {
			res->deleted_size++;
			total -= v[i].bytes;
		}
	}
}

static unsigned pool_head(const struct tz_rec_retain_dir *dirs, unsigned i)
{
	for (unsigned k = 0; k < i; k++)
		if (dirs[k].pool == dirs[i].pool)
			return k;
	return i;
}

void rec_sweep(const struct tz_rec_retain_dir *dirs, unsigned n, int64_t now_s,
	       rec_open_fn is_open, void *arg, struct tz_rec_sweep_result *res,
	       uint64_t *pool_bytes)
{
	GArray *recs = g_array_new(FALSE, TRUE, sizeof(struct rec));
	GHashTable *idx = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	struct rec *v;

	for (unsigned i = 0; i < n; i++)
		scan(&dirs[i], i, recs, idx, res);
	g_hash_table_destroy(idx);
	v = (struct rec *)(void *)recs->data;
	if (recs->len > 0)
		qsort(v, recs->len, sizeof(*v), by_age);
	sweep_age(dirs, v, recs->len, now_s, is_open, arg, res);
	for (unsigned i = 0; i < n; i++)
		if (pool_head(dirs, i) == i && dirs[i].max_bytes != 0)   /* each pool once */
			sweep_size(dirs, dirs[i].pool, dirs[i].max_bytes, v, recs->len, is_open,
				   arg, res);
	/* what is stored, open recordings aside: their size is added when they close */
	for (unsigned i = 0; i < recs->len; i++)
		if (!v[i].gone && !open_now(dirs, &v[i], is_open, arg)) {
			res->total_bytes += v[i].bytes;
			res->total_recordings++;
			if (pool_bytes != NULL)
				pool_bytes[pool_head(dirs, v[i].dir)] += v[i].bytes;
		}
	res->at = now_s;
	g_array_free(recs, TRUE);
}
