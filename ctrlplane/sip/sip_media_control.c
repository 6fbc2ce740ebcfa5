/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The body of a SIP INFO application/media_control+xml (RFC 5168 §4): is it
 * a picture_fast_update request?  A small well-formedness scanner, not an
 * XML parser: element names are matched against the one path the RFC
 * defines (media_control / vc_primitive / to_encoder / picture_fast_update),
 * the XML declaration, comments and other elements (stream_id, general_error)
 * are stepped over, unbalanced tags refuse the body.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "sip_pvt.h"

#define MC_MAX_DEPTH 8
#define MC_MAX_NAME 32

/* The element path of a key frame request, outermost first. */
static const char *const fast_update_path[] = {
	"media_control", "vc_primitive", "to_encoder", "picture_fast_update",
};

struct mc_scan {
	char stack[MC_MAX_DEPTH][MC_MAX_NAME];
	unsigned depth;
	bool found;
};

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c == '.' || c == ':';
}

/* The element path so far, plus @p name, is the fast update one. */
static bool is_fast_update(const struct mc_scan *s, const char *name)
{
	if (s->depth != sizeof(fast_update_path) / sizeof(fast_update_path[0]) - 1 ||
	    strcmp(name, fast_update_path[s->depth]) != 0)
		return false;
	for (unsigned i = 0; i < s->depth; i++)
		if (strcmp(s->stack[i], fast_update_path[i]) != 0)
			return false;
	return true;
}

/* One tag, @p p after its '<', @p end its '>'. */
static int tag(struct mc_scan *s, const char *p, const char *end)
{
	bool closing = *p == '/', empty = end > p && end[-1] == '/';
	char name[MC_MAX_NAME];
	size_t n = 0;

	if (closing)
		p++;
	while (p + n < end && name_char(p[n]))
		n++;
	if (n == 0 || n >= sizeof(name) || (closing && empty))
		return -EINVAL;
	memcpy(name, p, n);
	name[n] = '\0';
	if (closing) {
		if (s->depth == 0 || strcmp(s->stack[s->depth - 1], name) != 0)
			return -EINVAL;
		s->depth--;
		return 0;
	}
	s->found |= is_fast_update(s, name);
	if (empty)
		return 0;
	if (s->depth == MC_MAX_DEPTH)
		return -EINVAL;
	memcpy(s->stack[s->depth++], name, n + 1);
	return 0;
}

int sip_fast_update_parse(const char *body, size_t len)
{
	const char *p = body, *end = body + len;
	struct mc_scan s = { .depth = 0 };

	if (body == NULL)
		return -EINVAL;
	while ((p = memchr(p, '<', (size_t)(end - p))) != NULL) {
		const char *close;

		if ((size_t)(end - p) >= 4 && memcmp(p, "<!--", 4) == 0) {
			for (p += 4; p + 3 <= end && memcmp(p, "-->", 3) != 0; p++)
				;
			if (p + 3 > end)
				return -EINVAL;
			p += 3;
			continue;
		}
		close = memchr(p, '>', (size_t)(end - p));
		if (close == NULL)
			return -EINVAL;
		if (p + 1 < close && p[1] != '?' && p[1] != '!' && tag(&s, p + 1, close) != 0)
			return -EINVAL;
		p = close + 1;
	}
	if (s.depth != 0)
		return -EINVAL;
	return s.found ? 0 : -ENOENT;
}
