/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * A strict RFC 8259 checker for text about to be handed to json-glib.
 *
 * json-glib (through GScanner) accepts more than JSON: comments, single
 * quotes, leading zeros, a second value after the first, and it wraps
 * integers that do not fit in 64 bits.  Two parsers that disagree about the
 * same bytes are an injection risk, so a frame is checked here first and
 * refused unless it is exactly one JSON value (RFC 8259 section 2) with:
 * no comments, strings in double quotes without raw control characters
 * (section 7), valid escapes incl. surrogate pairs, numbers per section 6
 * (no leading zeros, no '+', no bare '.'), literals true/false/null only.
 *
 * Two things are valid JSON but reported to the caller (who refuses them
 * naming the member): a string containing an escaped NUL (\u0000, which C
 * strings would silently cut), and an integer outside int64_t.
 *
 * Threading: reentrant; no allocation.
 */
#ifndef TZ_JSON_STRICT_H
#define TZ_JSON_STRICT_H

#include <stdbool.h>
#include <stddef.h>

/** Longest member path reported ("sip.username"), incl. the NUL. */
#define TZ_JSON_PATH_MAX 64

/** What tz_json_strict_check() found. */
struct tz_json_check {
	size_t offset;                     /**< byte of the error */
	char message[128];                 /**< why the text is not JSON */
	bool nul;                          /**< a string holds \u0000 */
	char nul_path[TZ_JSON_PATH_MAX];   /**< member holding it, "" = top level */
	bool overflow;                     /**< an integer outside int64_t */
	char overflow_path[TZ_JSON_PATH_MAX];
	char overflow_value[48];           /**< its text, cut to fit */
};

/**
 * Check that @p buf is exactly one RFC 8259 JSON value, nested at most
 * @p max_depth arrays/objects deep.  @p buf must already be valid UTF-8.
 *
 * @return 0 (see out->nul and out->overflow); -EINVAL with out->offset and
 *         out->message ("at byte 7: comments are not JSON"); -E2BIG when
 *         nested deeper than @p max_depth (message set too)
 */
int tz_json_strict_check(const char *buf, size_t len, unsigned max_depth,
			 struct tz_json_check *out);

#endif /* TZ_JSON_STRICT_H */
