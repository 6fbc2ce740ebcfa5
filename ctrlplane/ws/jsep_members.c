/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The members of client messages: JSON kind, limits, charset and where each
 * is stored.  One row per member; the parser never names a member in code.
 */
#include <stdio.h>
#include <string.h>

#include "jsep_pvt.h"

#define AT(f) offsetof(struct tz_jsep_msg, f)

/* Describe the character at p: 'x' when printable, U+000A otherwise. */
static void describe_char(const char *p, char *out, size_t osz)
{
	gunichar c = g_utf8_get_char(p);

	if (c < 0x20 || c == 0x7f)
		snprintf(out, osz, "U+%04X", (unsigned)c);
	else
		snprintf(out, osz, "'%.*s'", (int)(g_utf8_next_char(p) - p), p);
}

static int reject_char(const char *label, const char *p, const char *what,
		       char *why, size_t wsz)
{
	char shown[16];

	describe_char(p, shown, sizeof(shown));
	snprintf(why, wsz, "%s: %s %s", label, shown, what);
	return -1;
}

static bool call_char(char c)
{
	return g_ascii_isalnum(c) || c == '.' || c == '_' || c == '-';
}

static int check_call(const char *label, const char *s, char *why, size_t wsz)
{
	for (const char *p = s; *p != '\0'; p++)
		if (!call_char(*p))
			return reject_char(label, p, "is not allowed (use A-Z a-z 0-9 . _ -)",
					   why, wsz);
	return 0;
}

static int check_digits(const char *label, const char *s, char *why, size_t wsz)
{
	for (const char *p = s; *p != '\0'; p++)
		if (strchr("0123456789*#ABCD", *p) == NULL)
			return reject_char(label, p, "is not a DTMF digit (use 0-9 * # A-D)",
					   why, wsz);
	return 0;
}

/* One-line text: no control characters (they end up in logs and SIP headers). */
static int check_text(const char *label, const char *s, char *why, size_t wsz)
{
	for (const char *p = s; *p != '\0'; p = g_utf8_next_char(p))
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return reject_char(label, p, "is a control character", why, wsz);
	return 0;
}

/*
 * A media type with optional parameters ("text/plain;charset=UTF-8"): it
 * becomes the SIP Content-Type, so printable ASCII only, no ',' (one type).
 */
static int check_content_type(const char *label, const char *s, char *why, size_t wsz)
{
	const char *slash = strchr(s, '/');

	for (const char *p = s; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e || *p == ',')
			return reject_char(label, p, "is not allowed in a media type", why, wsz);
	if (slash == NULL || slash == s || slash[1] == '\0' || slash[1] == ';') {
		snprintf(why, wsz, "%s: write a media type like \"text/plain\"", label);
		return -1;
	}
	return 0;
}

#define STR(k, l, lo, hi, chk, f) \
	{ .key = k, .label = l, .kind = K_STR, .min = lo, .max = hi, .check = chk, \
	  .offset = AT(f) }
#define INT(k, l, lo, hi, f) \
	{ .key = k, .label = l, .kind = K_INT, .min = lo, .max = hi, .offset = AT(f), \
	  .size = sizeof(((struct tz_jsep_msg *)0)->f) }

static const struct jsep_member_def sip_members[] = {
	STR("username", "sip.username", 1, 128, check_text, sip.username),
	STR("password", "sip.password", 0, 256, NULL, sip.password),
	STR("domain", "sip.domain", 1, 253, check_text, sip.domain),
};

/* sip.domain is the only optional sub-member. */
static const uint32_t sip_required = 1u << 0 | 1u << 1;

const struct jsep_member_def tz_jsep_members[M_COUNT] = {
	[M_ID] = INT("id", "id", 0, TZ_JSEP_ID_MAX, id),
	[M_CALL] = STR("call", "call", 1, TZ_JSEP_CALL_MAX, check_call, call),
	[M_TARGET] = STR("target", "target", 1, 256, check_text, target),
	[M_SDP] = STR("sdp", "sdp", 1, G_MAXINT32, NULL, sdp),
	[M_CANDIDATE] = STR("candidate", "candidate", 1, 1024, check_text, candidate),
	[M_SDP_MID] = STR("sdpMid", "sdpMid", 1, 32, check_text, sdp_mid),
	[M_SDP_MLINE_INDEX] = INT("sdpMLineIndex", "sdpMLineIndex", 0, 65535, sdp_mline_index),
	[M_USER] = STR("user", "user", 1, 128, check_text, user),
	[M_PASSWORD] = STR("password", "password", 0, 256, NULL, password),
	[M_SIP] = { .key = "sip", .label = "sip", .kind = K_OBJ, .sub = sip_members,
		    .n_sub = G_N_ELEMENTS(sip_members) },
	[M_TOKEN] = STR("token", "token", 1, 4096, check_text, token),
	[M_DIGITS] = STR("digits", "digits", 1, TZ_JSEP_DIGITS_MAX, check_digits, digits),
	[M_DURATION] = INT("duration", "duration", 40, 2000, duration_ms),
	[M_CODE] = INT("code", "code", 400, 699, code),
	[M_REASON] = STR("reason", "reason", 0, 128, check_text, reason),
	[M_TO] = STR("to", "to", 1, 256, check_text, to),
	[M_CONTENT_TYPE] = STR("content_type", "content_type", 3, TZ_JSEP_CONTENT_TYPE_MAX,
			       check_content_type, content_type),
	[M_BODY] = STR("body", "body", 0, TZ_JSEP_BODY_MAX, NULL, body),
};

void tz_jsep_shown(const char *s, char *out, size_t osz)
{
	size_t i = 0;

	for (; s[i] != '\0' && i + 1 < osz; i++)
		out[i] = g_ascii_isprint(s[i]) ? s[i] : '?';
	out[i] = '\0';
}

static int read_str(JsonNode *n, const struct jsep_member_def *def, struct tz_jsep_msg *msg,
		    char *why, size_t wsz)
{
	const char *s;
	size_t len;

	if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
		goto err_type;
	s = json_node_get_string(n);
	len = strlen(s);
	if (len < (size_t)def->min)
		goto err_empty;
	if (len > (size_t)def->max)
		goto err_long;
	if (def->check != NULL && def->check(def->label, s, why, wsz) < 0)
		return -1;
	memcpy((char *)msg + def->offset, &s, sizeof(s));
	return 0;

err_type:
	snprintf(why, wsz, "%s: must be a string", def->label);
	return -1;
err_empty:
	snprintf(why, wsz, "%s: empty", def->label);
	return -1;
err_long:
	snprintf(why, wsz, "%s: %zu bytes long, at most %lld", def->label, len,
		 (long long)def->max);
	return -1;
}

static int read_int(JsonNode *n, const struct jsep_member_def *def, struct tz_jsep_msg *msg,
		    char *why, size_t wsz)
{
	int64_t v;

	if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64) {
		snprintf(why, wsz, "%s: must be an integer", def->label);
		return -1;
	}
	v = json_node_get_int(n);
	if (v < def->min || v > def->max) {
		snprintf(why, wsz, "%s: %lld is out of range (%lld-%lld)", def->label,
			 (long long)v, (long long)def->min, (long long)def->max);
		return -1;
	}
	if (def->size == 8) {
		memcpy((char *)msg + def->offset, &v, sizeof(v));
	} else {
		int32_t v32 = (int32_t)v;

		memcpy((char *)msg + def->offset, &v32, sizeof(v32));
	}
	return 0;
}

static int read_obj(JsonNode *n, const struct jsep_member_def *def, struct tz_jsep_msg *msg,
		    char *why, size_t wsz)
{
	JsonObject *obj;

	if (!JSON_NODE_HOLDS_OBJECT(n)) {
		snprintf(why, wsz, "%s: must be an object", def->label);
		return -1;
	}
	obj = json_node_get_object(n);
	for (size_t i = 0; i < def->n_sub; i++)
		if (tz_jsep_member_read(obj, &def->sub[i], msg, (sip_required & 1u << i) != 0, why, wsz) < 0)
			return -1;
	msg->has_sip = true;
	return 0;
}

int tz_jsep_member_read(JsonObject *obj, const struct jsep_member_def *def,
			struct tz_jsep_msg *msg, bool required, char *why, size_t wsz)
{
	JsonNode *n = json_object_get_member(obj, def->key);

	if (n == NULL || JSON_NODE_HOLDS_NULL(n)) {
		if (!required)
			return 0;
		snprintf(why, wsz, "%s: missing", def->label);
		return -1;
	}
	switch (def->kind) {
	case K_STR:
		return read_str(n, def, msg, why, wsz);
	case K_INT:
		return read_int(n, def, msg, why, wsz);
	case K_OBJ:
		return read_obj(n, def, msg, why, wsz);
	}
	return -1;
}

bool tz_jsep_call_name_valid(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > TZ_JSEP_CALL_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!call_char(s[i]))
			return false;
	return true;
}
