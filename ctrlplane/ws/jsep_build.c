/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Server -> client messages of trapeze-jsep.v1, from one table: which
 * members each type carries and which of them are required.
 */
#include <errno.h>

#include "tz_jsep_msg.h"

/* Members of server messages, in the order they are written. */
#define OUT_MEMBERS(X)      \
	X(ID, "id")             \
	X(CALL, "call")         \
	X(USER, "user")         \
	X(FROM, "from")         \
	X(DISPLAY, "display")   \
	X(SDP, "sdp")           \
	X(CANDIDATE, "candidate") \
	X(SDP_MID, "sdpMid")    \
	X(SDP_MLINE_INDEX, "sdpMLineIndex") \
	X(CODE, "code")         \
	X(REASON, "reason")     \
	X(BY, "by")             \
	X(DIGITS, "digits")     \
	X(DURATION, "duration") \
	X(ERR, "code")          \
	X(MESSAGE, "message")   \
	X(MSGID, "msgid")       \
	X(CONTENT_TYPE, "content_type") \
	X(BODY, "body") \
	X(VIDEO, "video")

enum out_member {
#define OM_ENUM(e, n) OM_##e,
	OUT_MEMBERS(OM_ENUM)
#undef OM_ENUM
	OM_COUNT
};

static const char *const member_keys[OM_COUNT] = {
#define OM_KEY(e, n) [OM_##e] = n,
	OUT_MEMBERS(OM_KEY)
#undef OM_KEY
};

#define B(m) (1u << OM_##m)
static const struct {
	const char *name;
	uint32_t required;
	uint32_t optional;
} out_types[TZ_JSEP_OUT_TYPE_COUNT] = {
#define OUT_NAME(e, n) [TZ_JSEP_OUT_##e].name = n,
	TZ_JSEP_OUT_TYPES(OUT_NAME)
#undef OUT_NAME
};

static const struct {
	uint32_t required;
	uint32_t optional;
} out_members[TZ_JSEP_OUT_TYPE_COUNT] = {
	[TZ_JSEP_OUT_LOGIN_OK] = { B(USER), B(ID) },
	[TZ_JSEP_OUT_ANSWER] = { B(CALL) | B(SDP), 0 },
	[TZ_JSEP_OUT_RINGING] = { B(CALL), 0 },
	[TZ_JSEP_OUT_PROGRESS] = { B(CALL), B(SDP) },
	[TZ_JSEP_OUT_ANSWERED] = { B(CALL), B(VIDEO) },
	[TZ_JSEP_OUT_INCOMING] = { B(CALL) | B(FROM) | B(SDP), B(DISPLAY) },
	[TZ_JSEP_OUT_HANGUP] = { B(CALL) | B(CODE) | B(REASON), 0 },
	[TZ_JSEP_OUT_HELD] = { B(CALL) | B(BY), 0 },
	[TZ_JSEP_OUT_UNHELD] = { B(CALL) | B(BY), 0 },
	[TZ_JSEP_OUT_DTMF] = { B(CALL) | B(DIGITS), B(DURATION) },
	[TZ_JSEP_OUT_CANDIDATE] = { B(CALL) | B(CANDIDATE), B(SDP_MID) | B(SDP_MLINE_INDEX) },
	[TZ_JSEP_OUT_END_OF_CANDIDATES] = { B(CALL), 0 },
	[TZ_JSEP_OUT_PONG] = { 0, B(ID) },
	[TZ_JSEP_OUT_ERROR] = { B(ERR) | B(MESSAGE), B(ID) | B(CALL) },
	[TZ_JSEP_OUT_MESSAGE] = { B(MSGID) | B(FROM) | B(CONTENT_TYPE) | B(BODY), B(DISPLAY) },
	[TZ_JSEP_OUT_MESSAGE_STATUS] = { B(ID) | B(CODE) | B(REASON), 0 },
};
#undef B

const char *tz_jsep_out_type_name(enum tz_jsep_out_type type)
{
	return (unsigned)type < TZ_JSEP_OUT_TYPE_COUNT ? out_types[type].name : "?";
}

/* The string value of a member, NULL when unset; ints are handled apart. */
static const char *str_member(const struct tz_jsep_out *o, enum out_member m)
{
	switch (m) {
	case OM_CALL: return o->call;
	case OM_USER: return o->user;
	case OM_FROM: return o->from;
	case OM_DISPLAY: return o->display;
	case OM_SDP: return o->sdp;
	case OM_CANDIDATE: return o->candidate;
	case OM_SDP_MID: return o->sdp_mid;
	case OM_REASON: return o->reason;
	case OM_BY: return o->by == TZ_JSEP_BY_REMOTE ? "remote" : "local";
	case OM_DIGITS: return o->digits;
	case OM_ERR: return (unsigned)o->err < TZ_JSEP_ERR_COUNT ? tz_jsep_err_name(o->err) : NULL;
	case OM_MESSAGE: return o->message;
	case OM_MSGID: return o->msgid;
	case OM_CONTENT_TYPE: return o->content_type;
	case OM_BODY: return o->body;
	case OM_VIDEO: return o->video;
	default: return NULL;
	}
}

/* Add member m when set; -1 when it is required and unset. */
static int add_member(JsonBuilder *b, const struct tz_jsep_out *o, enum out_member m,
		      bool required)
{
	const char *s;

	switch (m) {
	case OM_ID:
	case OM_SDP_MLINE_INDEX: {
		int64_t v = m == OM_ID ? o->id : o->sdp_mline_index;

		if (v < 0)
			return required ? -1 : 0;
		json_builder_set_member_name(b, member_keys[m]);
		json_builder_add_int_value(b, v);
		return 0;
	}
	case OM_DURATION:
		if (o->duration_ms <= 0)
			return required ? -1 : 0;
		json_builder_set_member_name(b, member_keys[m]);
		json_builder_add_int_value(b, o->duration_ms);
		return 0;
	case OM_CODE:
		json_builder_set_member_name(b, member_keys[m]);
		json_builder_add_int_value(b, o->code);
		return 0;
	default:
		s = str_member(o, m);
		if (s == NULL)
			return required ? -1 : 0;
		if (m == OM_CALL && !tz_jsep_call_name_valid(s))
			return -1;
		json_builder_set_member_name(b, member_keys[m]);
		json_builder_add_string_value(b, s);
		return 0;
	}
}

JsonNode *tz_jsep_build(const struct tz_jsep_out *out)
{
	g_autoptr(JsonBuilder) b = NULL;
	uint32_t req, opt;

	if ((unsigned)out->type >= TZ_JSEP_OUT_TYPE_COUNT)
		goto err_invalid;
	req = out_members[out->type].required;
	opt = out_members[out->type].optional;
	b = json_builder_new();
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "type");
	json_builder_add_string_value(b, out_types[out->type].name);
	for (unsigned m = 0; m < OM_COUNT; m++) {
		uint32_t bit = 1u << m;

		if ((req | opt) & bit && add_member(b, out, m, (req & bit) != 0) < 0)
			goto err_invalid;
	}
	json_builder_end_object(b);
	return json_builder_get_root(b);

err_invalid:
	errno = EINVAL;
	return NULL;
}

char *tz_jsep_build_text(const struct tz_jsep_out *out, size_t *len)
{
	g_autoptr(JsonGenerator) gen = NULL;
	JsonNode *root = tz_jsep_build(out);
	gsize n = 0;
	char *text;

	if (root == NULL)
		return NULL;
	gen = json_generator_new();
	json_generator_set_root(gen, root);
	text = json_generator_to_data(gen, &n);
	json_node_unref(root);
	if (len != NULL)
		*len = n;
	return text;
}
