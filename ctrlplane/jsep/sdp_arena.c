/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The memory of a struct tz_sdp: one arena of chunks that never move, so
 * strings and arrays stay put until tz_sdp_free() releases them at once.
 * Arrays grow by doubling into a fresh block (the old one is left in the
 * arena), which bounds the waste to the size of the array; the parser's
 * limits bound the arena.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sdp_pvt.h"

#define CHUNK_MIN 4096
#define ALIGN 16

struct chunk {
	struct chunk *next;
	size_t used;
	size_t size;
	_Alignas(ALIGN) unsigned char data[];
};

struct tz_sdp_arena {
	struct chunk *head;
};

void *sdp_alloc(struct tz_sdp *sdp, size_t size)
{
	struct chunk *c = sdp->arena->head;
	size_t need = (size + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	void *p;

	if (c == NULL || c->size - c->used < need) {
		size_t sz = need > CHUNK_MIN ? need : CHUNK_MIN;

		c = malloc(sizeof(*c) + sz);
		if (c == NULL) {
			errno = ENOMEM;
			return NULL;
		}
		c->size = sz;
		c->used = 0;
		c->next = sdp->arena->head;
		sdp->arena->head = c;
	}
	p = c->data + c->used;
	c->used += need;
	memset(p, 0, size);
	return p;
}

struct tz_sdp *tz_sdp_new(void)
{
	struct tz_sdp *sdp = calloc(1, sizeof(*sdp));

	if (sdp == NULL)
		goto err_nomem;
	sdp->arena = calloc(1, sizeof(*sdp->arena));
	if (sdp->arena == NULL)
		goto err_nomem;
	sdp->name = "-";
	sdp->origin.user = "-";
	return sdp;

err_nomem:
	free(sdp);
	errno = ENOMEM;
	return NULL;
}

void tz_sdp_free(struct tz_sdp *sdp)
{
	struct chunk *c, *next;

	if (sdp == NULL)
		return;
	for (c = sdp->arena->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(sdp->arena);
	free(sdp);
}

char *sdp_strndup(struct tz_sdp *sdp, const char *s, size_t n)
{
	char *d = sdp_alloc(sdp, n + 1);

	if (d != NULL)
		memcpy(d, s, n);
	return d;
}

const char *tz_sdp_strdup(struct tz_sdp *sdp, const char *s)
{
	if (s == NULL)
		return NULL;
	return sdp_strndup(sdp, s, strlen(s));
}

static bool pow2(unsigned n)
{
	return (n & (n - 1)) == 0;
}

/* Capacity is implicit: 4 while n <= 4, then the power of two >= n. */
void *tz_sdp_push_(struct tz_sdp *sdp, void **arr, unsigned *n, size_t size, unsigned max)
{
	unsigned cnt = *n;
	unsigned char *a = *arr;

	if (cnt >= max) {
		errno = E2BIG;
		return NULL;
	}
	if (a == NULL || (cnt >= 4 && pow2(cnt))) {
		unsigned cap = cnt < 4 ? 4 : cnt * 2;
		unsigned char *b = sdp_alloc(sdp, size * cap);

		if (b == NULL)
			return NULL;
		if (cnt > 0)
			memcpy(b, a, size * cnt);
		*arr = a = b;
	}
	(*n)++;
	memset(a + size * cnt, 0, size);
	return a + size * cnt;
}

const char *tz_sdp_ice_ufrag(const struct tz_sdp *sdp, const struct tz_sdp_media *m)
{
	return m != NULL && m->common.ice_ufrag != NULL ? m->common.ice_ufrag
							: sdp->common.ice_ufrag;
}

const char *tz_sdp_ice_pwd(const struct tz_sdp *sdp, const struct tz_sdp_media *m)
{
	return m != NULL && m->common.ice_pwd != NULL ? m->common.ice_pwd
						      : sdp->common.ice_pwd;
}

const struct tz_sdp_fingerprint *tz_sdp_fingerprint(const struct tz_sdp *sdp,
						    const struct tz_sdp_media *m)
{
	if (m != NULL && m->common.n_fp > 0)
		return &m->common.fp[0];
	return sdp->common.n_fp > 0 ? &sdp->common.fp[0] : NULL;
}

enum tz_sdp_setup tz_sdp_setup(const struct tz_sdp *sdp, const struct tz_sdp_media *m)
{
	return m != NULL && m->common.setup != TZ_SDP_SETUP_NONE ? m->common.setup
								 : sdp->common.setup;
}

enum tz_sdp_dir tz_sdp_direction(const struct tz_sdp *sdp, const struct tz_sdp_media *m)
{
	if (m != NULL && m->common.dir != TZ_SDP_DIR_NONE)
		return m->common.dir;
	return sdp->common.dir != TZ_SDP_DIR_NONE ? sdp->common.dir : TZ_SDP_SENDRECV;
}

const struct tz_sdp_conn *tz_sdp_conn(const struct tz_sdp *sdp, const struct tz_sdp_media *m)
{
	if (m != NULL && m->common.conn.family != 0)
		return &m->common.conn;
	return sdp->common.conn.family != 0 ? &sdp->common.conn : NULL;
}

const struct tz_sdp_codec *tz_sdp_codec_find(const struct tz_sdp_media *m, unsigned pt)
{
	for (unsigned i = 0; i < m->n_codecs; i++)
		if (m->codecs[i].pt == pt)
			return &m->codecs[i];
	return NULL;
}

const char *tz_sdp_dir_name(enum tz_sdp_dir dir)
{
	return sdp_word_name(sdp_dir_words, dir);
}

enum tz_sdp_dir tz_sdp_dir_mirror(enum tz_sdp_dir dir)
{
	switch (dir) {
	case TZ_SDP_SENDONLY:
		return TZ_SDP_RECVONLY;
	case TZ_SDP_RECVONLY:
		return TZ_SDP_SENDONLY;
	case TZ_SDP_INACTIVE:
		return TZ_SDP_INACTIVE;
	default:
		return TZ_SDP_SENDRECV;
	}
}
