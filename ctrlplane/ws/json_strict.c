/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Strict RFC 8259 checker.  Two small tables drive it: the grammar of
 * values (which token may follow in which state, section 2, 4, 5) and the
 * number automaton (section 6).  Strings (section 7) are a loop of their own.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tz_json_strict.h"

#define DEPTH_LIMIT 64          /* hard cap on the stack below, whatever the caller asks */
#define KEYS_MAX 256            /* member names of the objects open at once */
#define KEY_ARENA 8192          /* their decoded bytes */

enum token { T_LBRACE, T_RBRACE, T_LBRACK, T_RBRACK, T_COLON, T_COMMA, T_STRING, T_SCALAR,
	     T_COUNT };

enum state {
	S_VALUE,        /* a value: at the start, after ':' and after ',' in an array */
	S_ARR_FIRST,    /* after '[': a value or ']' */
	S_OBJ_FIRST,    /* after '{': a key or '}' */
	S_KEY,          /* after ',' in an object: a key */
	S_COLON,        /* after a key */
	S_OBJ_NEXT,     /* after a member's value: ',' or '}' */
	S_ARR_NEXT,     /* after an element: ',' or ']' */
	S_DONE,         /* the one value is complete: only whitespace may follow */
	S_COUNT
};

enum action { A_ERR, A_OPEN_OBJ, A_OPEN_ARR, A_CLOSE_OBJ, A_CLOSE_ARR, A_KEY, A_COLON,
	      A_VALUE, A_NEXT_KEY, A_NEXT_VAL };

#define VALUE_STARTS [T_LBRACE] = A_OPEN_OBJ, [T_LBRACK] = A_OPEN_ARR, \
		     [T_STRING] = A_VALUE, [T_SCALAR] = A_VALUE
static const uint8_t grammar[S_COUNT][T_COUNT] = {
	[S_VALUE] = { VALUE_STARTS },
	[S_ARR_FIRST] = { VALUE_STARTS, [T_RBRACK] = A_CLOSE_ARR },
	[S_OBJ_FIRST] = { [T_STRING] = A_KEY, [T_RBRACE] = A_CLOSE_OBJ },
	[S_KEY] = { [T_STRING] = A_KEY },
	[S_COLON] = { [T_COLON] = A_COLON },
	[S_OBJ_NEXT] = { [T_COMMA] = A_NEXT_KEY, [T_RBRACE] = A_CLOSE_OBJ },
	[S_ARR_NEXT] = { [T_COMMA] = A_NEXT_VAL, [T_RBRACK] = A_CLOSE_ARR },
	[S_DONE] = { 0 },
};
#undef VALUE_STARTS

static const char *const expected[S_COUNT] = {
	[S_VALUE] = "a value",
	[S_ARR_FIRST] = "a value or ']'",
	[S_OBJ_FIRST] = "a member name in double quotes or '}'",
	[S_KEY] = "a member name in double quotes",
	[S_COLON] = "':'",
	[S_OBJ_NEXT] = "',' or '}'",
	[S_ARR_NEXT] = "',' or ']'",
	[S_DONE] = "the end of the frame (one JSON value per frame)",
};

/* Numbers, RFC 8259 section 6: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? */
enum nclass { NC_MINUS, NC_PLUS, NC_ZERO, NC_DIGIT, NC_DOT, NC_E, NC_OTHER, NC_COUNT };
enum nstate { N_ERR, N_START, N_MINUS, N_ZERO, N_INT, N_DOT, N_FRAC, N_E, N_ESIGN, N_EXP,
	      N_END, N_LEADING_ZERO, N_COUNT };

static const uint8_t number[N_COUNT][NC_COUNT] = {
	[N_START] = { [NC_MINUS] = N_MINUS, [NC_ZERO] = N_ZERO, [NC_DIGIT] = N_INT },
	[N_MINUS] = { [NC_ZERO] = N_ZERO, [NC_DIGIT] = N_INT },
	[N_ZERO] = { [NC_ZERO] = N_LEADING_ZERO, [NC_DIGIT] = N_LEADING_ZERO, [NC_DOT] = N_DOT,
		     [NC_E] = N_E, [NC_MINUS] = N_END, [NC_PLUS] = N_END, [NC_OTHER] = N_END },
	[N_INT] = { [NC_ZERO] = N_INT, [NC_DIGIT] = N_INT, [NC_DOT] = N_DOT, [NC_E] = N_E,
		    [NC_MINUS] = N_END, [NC_PLUS] = N_END, [NC_OTHER] = N_END },
	[N_DOT] = { [NC_ZERO] = N_FRAC, [NC_DIGIT] = N_FRAC },
	[N_FRAC] = { [NC_ZERO] = N_FRAC, [NC_DIGIT] = N_FRAC, [NC_E] = N_E,
		     [NC_MINUS] = N_END, [NC_PLUS] = N_END, [NC_DOT] = N_END, [NC_OTHER] = N_END },
	[N_E] = { [NC_MINUS] = N_ESIGN, [NC_PLUS] = N_ESIGN, [NC_ZERO] = N_EXP,
		  [NC_DIGIT] = N_EXP },
	[N_ESIGN] = { [NC_ZERO] = N_EXP, [NC_DIGIT] = N_EXP },
	[N_EXP] = { [NC_ZERO] = N_EXP, [NC_DIGIT] = N_EXP, [NC_MINUS] = N_END, [NC_PLUS] = N_END,
		    [NC_DOT] = N_END, [NC_E] = N_END, [NC_OTHER] = N_END },
};

struct level {
	bool obj;
	size_t key, key_len;    /* the current member name's raw text, objects only */
	unsigned first_key;     /* its names start here in scan.keys */
};

/*
 * Member names of the open objects, decoded, to refuse a name given twice:
 * RFC 8259 section 4 leaves duplicates to the implementation, and a frame
 * that two readers may take differently ({"type":"ping","type":"call"}:
 * json-glib keeps the last) has no place here.
 */
struct scan {
	const char *buf;
	size_t len, i;
	struct tz_json_check *out;
	struct level stack[DEPTH_LIMIT];
	unsigned depth;
	struct { size_t off, len; } keys[KEYS_MAX];
	unsigned n_keys;
	char arena[KEY_ARENA];
	size_t arena_used;
};

static int fail(struct scan *s, size_t at, const char *fmt, const char *arg)
{
	char why[96];

	snprintf(why, sizeof(why), fmt, arg);
	s->out->offset = at;
	snprintf(s->out->message, sizeof(s->out->message), "at byte %zu: %s", at, why);
	return -EINVAL;
}

/* "sip.username": the member names of every open object, raw. */
static void path_of(const struct scan *s, char *out, size_t osz)
{
	size_t n = 0;

	out[0] = '\0';
	for (unsigned d = 0; d < s->depth && n + 1 < osz; d++) {
		const struct level *l = &s->stack[d];

		if (!l->obj)
			continue;
		n += (size_t)snprintf(out + n, osz - n, "%s%.*s", n ? "." : "", (int)l->key_len,
				      s->buf + l->key);
		if (n >= osz)
			n = osz - 1;
	}
}

static int hex4(const struct scan *s, size_t at, unsigned *cp)
{
	*cp = 0;
	if (at + 4 > s->len)
		return -1;
	for (size_t k = at; k < at + 4; k++) {
		char c = s->buf[k];
		unsigned v = c >= '0' && c <= '9' ? (unsigned)(c - '0') :
			     c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10) :
			     c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10) : 16u;

		if (v == 16)
			return -1;
		*cp = *cp << 4 | v;
	}
	return 0;
}

/* s->i is at 'u' after a backslash; leaves it after the escape (pair). */
static int unicode_escape(struct scan *s, bool *nul)
{
	size_t at = s->i - 1;
	unsigned cp, lo;

	if (hex4(s, s->i + 1, &cp) < 0)
		return fail(s, at, "%s", "\\u needs four hex digits");
	s->i += 5;
	if (cp == 0)
		*nul = true;
	if (cp >= 0xDC00 && cp <= 0xDFFF)
		return fail(s, at, "%s", "\\u escape is a lone low surrogate");
	if (cp < 0xD800 || cp > 0xDBFF)
		return 0;
	/* RFC 8259 section 7: a high surrogate is followed by its low half. */
	if (s->i + 1 >= s->len || s->buf[s->i] != '\\' || s->buf[s->i + 1] != 'u' ||
	    hex4(s, s->i + 2, &lo) < 0 || lo < 0xDC00 || lo > 0xDFFF)
		return fail(s, at, "%s", "\\u escape is a high surrogate without its low half");
	s->i += 6;
	return 0;
}

/* s->i is at the opening quote; leaves it after the closing one. */
static int string(struct scan *s, bool *nul)
{
	size_t start = s->i++;

	*nul = false;
	while (s->i < s->len) {
		unsigned char c = (unsigned char)s->buf[s->i];

		if (c == '"') {
			s->i++;
			return 0;
		}
		if (c < 0x20) {
			char u[8];

			snprintf(u, sizeof(u), "U+%04X", c);
			return fail(s, s->i, "raw control character %s in a string (escape it)", u);
		}
		if (c != '\\') {
			s->i++;
			continue;
		}
		if (++s->i >= s->len)
			break;
		if (s->buf[s->i] == 'u') {
			if (unicode_escape(s, nul) < 0)
				return -EINVAL;
			continue;
		}
		if (strchr("\"\\/bfnrt", s->buf[s->i]) == NULL || s->buf[s->i] == '\0') {
			unsigned char e = (unsigned char)s->buf[s->i];
			char shown[8];

			if (e < 0x20 || e >= 0x7f)
				snprintf(shown, sizeof(shown), "0x%02X", e);
			else
				snprintf(shown, sizeof(shown), "'\\%c'", e);
			return fail(s, s->i - 1, "invalid escape %s", shown);
		}
		s->i++;
	}
	return fail(s, start, "%s", "string not terminated");
}

static enum nclass nclass_of(const struct scan *s, size_t k)
{
	char c = k < s->len ? s->buf[k] : ' ';

	switch (c) {
	case '-': return NC_MINUS;
	case '+': return NC_PLUS;
	case '0': return NC_ZERO;
	case '.': return NC_DOT;
	case 'e': case 'E': return NC_E;
	default: return c >= '1' && c <= '9' ? NC_DIGIT : NC_OTHER;
	}
}

/* A JSON integer that C's int64_t cannot hold; json-glib would wrap it. */
static void note_overflow(struct scan *s, size_t start, size_t end)
{
	bool neg = s->buf[start] == '-';
	size_t digits = end - start - neg;
	const char *lim = neg ? "9223372036854775808" : "9223372036854775807";

	if (s->out->overflow || digits < 19 ||
	    (digits == 19 && memcmp(s->buf + start + neg, lim, 19) <= 0))
		return;
	s->out->overflow = true;
	path_of(s, s->out->overflow_path, sizeof(s->out->overflow_path));
	snprintf(s->out->overflow_value, sizeof(s->out->overflow_value), "%.*s%s",
		 (int)(end - start > 40 ? 40 : end - start), s->buf + start,
		 end - start > 40 ? "..." : "");
}

static int number_token(struct scan *s)
{
	size_t start = s->i;
	enum nstate st = N_START, prev = N_START;

	while (st != N_END) {
		prev = st;
		st = number[st][nclass_of(s, s->i)];
		if (st == N_ERR || st == N_LEADING_ZERO)
			break;
		if (st != N_END)
			s->i++;
	}
	if (st == N_LEADING_ZERO)
		return fail(s, start, "%s", "numbers have no leading zeros");
	if (st == N_ERR)
		return fail(s, s->i, "%s", "malformed number");
	if (prev == N_INT)
		note_overflow(s, start, s->i);
	return 0;
}

static int literal(struct scan *s)
{
	static const char *const words[] = { "true", "false", "null" };

	for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++) {
		size_t n = strlen(words[w]);

		if (s->len - s->i >= n && memcmp(s->buf + s->i, words[w], n) == 0) {
			s->i += n;
			return 0;
		}
	}
	return fail(s, s->i, "%s", "unknown literal (true, false and null are JSON)");
}

/* The next token; strings and scalars are consumed and checked here. */
static int next_token(struct scan *s, enum token *t, bool *nul)
{
	char c = s->buf[s->i];
	char shown[8];

	*nul = false;
	switch (c) {
	case '{': *t = T_LBRACE; s->i++; return 0;
	case '}': *t = T_RBRACE; s->i++; return 0;
	case '[': *t = T_LBRACK; s->i++; return 0;
	case ']': *t = T_RBRACK; s->i++; return 0;
	case ':': *t = T_COLON; s->i++; return 0;
	case ',': *t = T_COMMA; s->i++; return 0;
	case '"': *t = T_STRING; return string(s, nul);
	case 't': case 'f': case 'n': *t = T_SCALAR; return literal(s);
	case '/': return fail(s, s->i, "%s", "comments are not JSON");
	case '\'': return fail(s, s->i, "%s", "single quotes are not JSON (use \")");
	case '+': return fail(s, s->i, "%s", "numbers do not start with '+'");
	default:
		if (c == '-' || (c >= '0' && c <= '9')) {
			*t = T_SCALAR;
			return number_token(s);
		}
		if ((unsigned char)c < 0x20 || (unsigned char)c >= 0x7f)
			snprintf(shown, sizeof(shown), "0x%02X", (unsigned char)c);
		else
			snprintf(shown, sizeof(shown), "'%c'", c);
		return fail(s, s->i, "unexpected %s", shown);
	}
}

static size_t put_utf8(char *out, unsigned cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* Decode a string already checked by string() (raw text between the quotes). */
static size_t decode(const struct scan *s, size_t at, size_t len, char *out)
{
	static const char simple[] = "\"\"\\\\//b\bf\fn\nr\rt\t";
	size_t n = 0;

	for (size_t k = at; k < at + len; k++) {
		unsigned cp, lo;

		if (s->buf[k] != '\\') {
			out[n++] = s->buf[k];
			continue;
		}
		k++;
		if (s->buf[k] != 'u') {
			out[n++] = strchr(simple, s->buf[k])[1];
			continue;
		}
		hex4(s, k + 1, &cp);
		k += 4;
		if (cp >= 0xD800 && cp <= 0xDBFF) {
			hex4(s, k + 3, &lo);
			cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			k += 6;
		}
		n += put_utf8(out + n, cp);
	}
	return n;
}

/* Up to 40 bytes of the raw name, cut on a character boundary. */
static void key_shown(const struct scan *s, size_t at, size_t len, char *out, size_t osz)
{
	size_t n = len < 40 ? len : 40;

	while (n > 0 && n < len && ((unsigned char)s->buf[at + n] & 0xC0) == 0x80)
		n--;
	snprintf(out, osz, "\"%.*s\"%s", (int)n, s->buf + at, n < len ? "..." : "");
}

/* A member name at raw text [at, at+len): refuse it if its object has it already. */
static int add_key(struct scan *s, size_t at, size_t len)
{
	unsigned first = s->stack[s->depth - 1].first_key;
	char shown[56], *mine;
	size_t n;

	/* Decoded is never longer than raw. */
	if (s->n_keys >= KEYS_MAX || len > KEY_ARENA - s->arena_used)
		return fail(s, at - 1, "%s", "too many member names in one frame");
	mine = s->arena + s->arena_used;
	n = decode(s, at, len, mine);
	for (unsigned k = first; k < s->n_keys; k++) {
		if (s->keys[k].len == n && memcmp(s->arena + s->keys[k].off, mine, n) == 0) {
			key_shown(s, at, len, shown, sizeof(shown));
			return fail(s, at - 1, "member %s appears twice", shown);
		}
	}
	s->keys[s->n_keys].off = s->arena_used;
	s->keys[s->n_keys].len = n;
	s->n_keys++;
	s->arena_used += n;
	return 0;
}

/* An object closes: its names are forgotten. */
static void drop_keys(struct scan *s)
{
	unsigned first = s->stack[s->depth - 1].first_key;

	if (first < s->n_keys)
		s->arena_used = s->keys[first].off;
	s->n_keys = first;
}

static enum state after_value(const struct scan *s)
{
	if (s->depth == 0)
		return S_DONE;
	return s->stack[s->depth - 1].obj ? S_OBJ_NEXT : S_ARR_NEXT;
}

static int open_level(struct scan *s, bool obj, unsigned max_depth, size_t at)
{
	char n[12];

	if (s->depth >= max_depth || s->depth >= DEPTH_LIMIT) {
		snprintf(n, sizeof(n), "%u", max_depth);
		fail(s, at, "nests deeper than %s levels", n);
		return -E2BIG;
	}
	s->stack[s->depth++] = (struct level){ .obj = obj, .first_key = s->n_keys };
	return 0;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int step(struct scan *s, enum state *st, unsigned max_depth)
{
	size_t at = s->i;
	enum token t;
	bool nul;

	if (next_token(s, &t, &nul) < 0)
		return -EINVAL;
	switch ((enum action)grammar[*st][t]) {
	case A_ERR:
		return fail(s, at, "expected %s", expected[*st]);
	case A_OPEN_OBJ:
		*st = S_OBJ_FIRST;   /* -E2BIG when too deep */
		return open_level(s, true, max_depth, at);
	case A_OPEN_ARR:
		*st = S_ARR_FIRST;
		return open_level(s, false, max_depth, at);
	case A_CLOSE_OBJ:
		drop_keys(s);
		s->depth--;
		*st = after_value(s);
		return 0;
	case A_CLOSE_ARR:
		s->depth--;
		*st = after_value(s);
		return 0;
	case A_KEY:
		s->stack[s->depth - 1].key = at + 1;
		s->stack[s->depth - 1].key_len = s->i - at - 2;
		*st = S_COLON;
		if (add_key(s, at + 1, s->i - at - 2) < 0)
			return -EINVAL;
		break;
	case A_COLON:
		*st = S_VALUE;
		return 0;
	case A_VALUE:
		*st = after_value(s);
		break;
	case A_NEXT_KEY:
		*st = S_KEY;
		return 0;
	case A_NEXT_VAL:
		*st = S_VALUE;
		return 0;
	}
	if (nul && !s->out->nul) {
		s->out->nul = true;
		path_of(s, s->out->nul_path, sizeof(s->out->nul_path));
	}
	return 0;
}

int tz_json_strict_check(const char *buf, size_t len, unsigned max_depth,
			 struct tz_json_check *out)
{
	struct scan s = { .buf = buf, .len = len, .out = out };
	enum state st = S_VALUE;

	memset(out, 0, sizeof(*out));
	for (;;) {
		while (s.i < len && is_space(buf[s.i]))
			s.i++;
		if (s.i >= len)
			break;
		if (st == S_DONE)
			return fail(&s, s.i, "%s",
				    "more after the JSON value (one JSON value per frame)");
		int rc = step(&s, &st, max_depth);

		if (rc < 0)
			return rc;
	}
	if (st != S_DONE)
		return fail(&s, len, "frame ends early; expected %s", expected[st]);
	return 0;
}
