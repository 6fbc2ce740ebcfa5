/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * "Did you mean ...?" for user-facing errors: the closest candidate by edit
 * distance.  Used by the config loader (unknown keys) and the CLI (unknown
 * commands).  Reentrant; no allocation.
 */
#ifndef TZ_NEAREST_H
#define TZ_NEAREST_H

#include <stddef.h>

/**
 * Return the candidate closest to @p word (Levenshtein distance, case
 * sensitive), or NULL when none is within max(2, strlen(word) / 3) edits.
 * @p cands has @p n entries; NULL entries are skipped.  Words longer than
 * 63 characters never match.
 */
const char *tz_nearest(const char *word, const char *const *cands, size_t n);

/** Levenshtein distance between two strings of at most 63 characters, or -1. */
int tz_edit_distance(const char *a, const char *b);

#endif /* TZ_NEAREST_H */
