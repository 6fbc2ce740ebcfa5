/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Bencode (BEP 3), as rtpengine's NG protocol uses it: a bounded encoder into
 * a caller's buffer and a decoder of untrusted input into a caller's node
 * array.  No allocation, no recursion deeper than NG_BENCODE_MAX_DEPTH, never
 * a read past the input.  Decoded strings point into the input (not
 * NUL-terminated).
 *
 * Threading: none; every function works on the caller's objects only.
 */
#ifndef TZ_BENCH_NG_BENCODE_H
#define TZ_BENCH_NG_BENCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Deepest nesting of lists/dicts the decoder accepts (rtpengine's replies nest 4). */
#define NG_BENCODE_MAX_DEPTH 32

enum ng_btype {
	NG_B_STR,
	NG_B_INT,
	NG_B_LIST,
	NG_B_DICT,
};

/** One decoded value.  A dict's children alternate key (NG_B_STR), value. */
struct ng_bnode {
	enum ng_btype type;
	int child;		/**< first child of a list/dict, -1 when empty */
	int next;		/**< next sibling, -1 at the end */
	const char *str;	/**< NG_B_STR: bytes inside the input */
	size_t len;		/**< NG_B_STR: length */
	int64_t i;		/**< NG_B_INT */
};

/** The decoder's output: nodes[0] is the top value. */
struct ng_bdoc {
	struct ng_bnode *nodes;
	unsigned cap;		/**< size of nodes[] */
	unsigned n;		/**< nodes used */
};

/**
 * Decode one bencoded value from @p buf (@p len bytes) into @p doc.
 * @param[out] used bytes the value took (may be < len; NULL: must be == len).
 * @return 0; -EINVAL malformed or truncated; -E2BIG more nodes than doc->cap;
 *         -ELOOP nested deeper than NG_BENCODE_MAX_DEPTH; -ERANGE an integer
 *         or a length that does not fit.
 */
int ng_bencode_parse(struct ng_bdoc *doc, const char *buf, size_t len, size_t *used);

/** The value under @p key in the dict node @p dict; -1 when absent or not a dict. */
int ng_bdict_get(const struct ng_bdoc *doc, int dict, const char *key);

/** Whether node @p idx is a string equal to the NUL-terminated @p s. */
bool ng_bstr_eq(const struct ng_bdoc *doc, int idx, const char *s);

/**
 * Copy string node @p idx to @p dst, NUL-terminated.
 * @return 0; -EINVAL not a string; -ENOSPC truncated to dst_len - 1.
 */
int ng_bstr_copy(const struct ng_bdoc *doc, int idx, char *dst, size_t dst_len);

/** A bounded encoder.  The first failure sticks in err; later calls do nothing. */
struct ng_benc {
	char *buf;
	size_t cap;
	size_t len;
	int err;		/**< 0 or -EMSGSIZE */
	unsigned depth;		/**< open lists/dicts */
};

void ng_benc_init(struct ng_benc *e, char *buf, size_t cap);
/** Bytes as they are (the NG cookie and its space). */
void ng_benc_raw(struct ng_benc *e, const char *s, size_t n);
void ng_benc_strn(struct ng_benc *e, const char *s, size_t n);
void ng_benc_str(struct ng_benc *e, const char *s);
void ng_benc_int(struct ng_benc *e, int64_t v);
void ng_benc_dict(struct ng_benc *e);
void ng_benc_list(struct ng_benc *e);
void ng_benc_end(struct ng_benc *e);
/** Key + string value, inside a dict. */
void ng_benc_kv(struct ng_benc *e, const char *key, const char *val);

/**
 * Finish: every list/dict closed and nothing overflowed.
 * @return the encoded length, or -EMSGSIZE (overflow) / -EINVAL (unbalanced).
 */
long ng_benc_finish(struct ng_benc *e);

#endif /* TZ_BENCH_NG_BENCODE_H */
