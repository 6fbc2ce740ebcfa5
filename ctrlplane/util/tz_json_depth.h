/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * A guard for text about to be handed to json-glib: its parser recurses once
 * per nesting level, so a long run of '[' would exhaust the stack.  Callers
 * refuse text nested deeper than they accept before parsing it.
 *
 * Threading: reentrant.
 */
#ifndef TZ_JSON_DEPTH_H
#define TZ_JSON_DEPTH_H

#include <stdbool.h>
#include <stddef.h>

/** Whether no array/object nesting in @p buf (strings skipped) exceeds @p max. */
static inline bool tz_json_depth_ok(const char *buf, size_t len, unsigned max)
{
	unsigned depth = 0;
	bool in_str = false, esc = false;

	for (size_t i = 0; i < len; i++) {
		char c = buf[i];

		if (in_str) {
			if (esc)
				esc = false;
			else if (c == '\\')
				esc = true;
			else if (c == '"')
				in_str = false;
		} else if (c == '"') {
			in_str = true;
		} else if (c == '[' || c == '{') {
			if (++depth > max)
				return false;
		} else if ((c == ']' || c == '}') && depth > 0) {
			depth--;
		}
	}
	return true;
}

#endif /* TZ_JSON_DEPTH_H */
