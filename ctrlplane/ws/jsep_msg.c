/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * trapeze-jsep.v1 parser: frame -> struct tz_jsep_msg, driven by two tables:
 * which members exist (name, JSON kind, limits, charset check, where it is
 * stored) and which members each message type requires or allows.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "jsep_pvt.h"
#include "tz_json_strict.h"

/* Which members each client type requires and allows (docs/protocol.md). */
#define B(m) (1u << M_##m)
static const struct {
	const char *name;
	bool needs_login;
	uint32_t required;
	uint32_t optional;
} types[TZ_JSEP_TYPE_COUNT] = {
#define TYPE_NAME(e, n, l) [TZ_JSEP_##e] = { .name = n, .needs_login = l },
	TZ_JSEP_IN_TYPES(TYPE_NAME)
#undef TYPE_NAME
};

static const struct {
	uint32_t required;
	uint32_t optional;
} type_members[TZ_JSEP_TYPE_COUNT] = {
	[TZ_JSEP_LOGIN] = { 0, B(ID) | B(USER) | B(SIP) | B(TOKEN) },
	[TZ_JSEP_CALL] = { B(CALL) | B(TARGET) | B(SDP), B(ID) },
	[TZ_JSEP_CANDIDATE] = { B(CALL) | B(CANDIDATE),
				B(ID) | B(SDP_MID) | B(SDP_MLINE_INDEX) },
	[TZ_JSEP_END_OF_CANDIDATES] = { B(CALL), B(ID) },
	[TZ_JSEP_ACCEPT] = { B(CALL) | B(SDP), B(ID) },
	[TZ_JSEP_REJECT] = { B(CALL), B(ID) | B(CODE) },
	[TZ_JSEP_HANGUP] = { B(CALL), B(ID) | B(REASON) },
	[TZ_JSEP_DTMF] = { B(CALL) | B(DIGITS), B(ID) | B(DURATION) },
	[TZ_JSEP_HOLD] = { B(CALL), B(ID) },
	[TZ_JSEP_UNHOLD] = { B(CALL), B(ID) },
	[TZ_JSEP_PING] = { 0, B(ID) },
	[TZ_JSEP_LOGOUT] = { 0, B(ID) },
	[TZ_JSEP_MESSAGE] = { B(ID) | B(TO) | B(BODY), B(CONTENT_TYPE) },
};
#undef B

static const char *const err_names[TZ_JSEP_ERR_COUNT] = {
#define ERR_NAME(e, n) [TZ_JSEP_ERR_##e] = n,
	TZ_JSEP_ERRORS(ERR_NAME)
#undef ERR_NAME
};

const char *tz_jsep_type_name(enum tz_jsep_type type)
{
	return (unsigned)type < TZ_JSEP_TYPE_COUNT ? types[type].name : "?";
}

bool tz_jsep_type_needs_login(enum tz_jsep_type type)
{
	return (unsigned)type < TZ_JSEP_TYPE_COUNT && types[type].needs_login;
}

const char *tz_jsep_err_name(enum tz_jsep_err code)
{
	return (unsigned)code < TZ_JSEP_ERR_COUNT ? err_names[code] : "?";
}

static int fail(struct tz_jsep_error *err, enum tz_jsep_err code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct tz_jsep_error *err, enum tz_jsep_err code, const char *fmt, ...)
{
	va_list ap;

	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/*
 * json-glib accepts more than JSON (comments, single quotes, 01, a second
 * value) and wraps integers past 64 bits: the strict RFC 8259 check runs
 * first, so both parsers agree on every frame that gets through.
 */
static int load_object(const char *buf, size_t len, JsonNode **root,
		       struct tz_json_check *chk, struct tz_jsep_error *err)
{
	g_autoptr(JsonParser) parser = NULL;
	g_autoptr(GError) gerr = NULL;
	int rc;

	if (len == 0)
		return fail(err, TZ_JSEP_ERR_BAD_JSON, "frame is empty; send a JSON object");
	if (len > G_MAXSSIZE || !g_utf8_validate_len(buf, len, NULL))
		return fail(err, TZ_JSEP_ERR_BAD_JSON, "frame is not valid UTF-8");
	rc = tz_json_strict_check(buf, len, TZ_JSEP_DEPTH_MAX, chk);
	if (rc == -E2BIG)       /* json-glib also recurses per level */
		return fail(err, TZ_JSEP_ERR_BAD_JSON, "frame nests deeper than %d levels",
			    TZ_JSEP_DEPTH_MAX);
	if (rc < 0)
		return fail(err, TZ_JSEP_ERR_BAD_JSON, "frame is not valid JSON: %s", chk->message);
	parser = json_parser_new_immutable();
	if (!json_parser_load_from_data(parser, buf, (gssize)len, &gerr))
		return fail(err, TZ_JSEP_ERR_BAD_JSON, "frame is not valid JSON: %s",
			    gerr->message);
	*root = json_parser_steal_root(parser);
	if (*root == NULL || !JSON_NODE_HOLDS_OBJECT(*root))
		return fail(err, TZ_JSEP_ERR_BAD_JSON, "frame is not a JSON object");
	return 0;
}

/*
 * Valid JSON that the members cannot hold: a string with \u0000 (C strings
 * would cut it there) and an integer past int64_t (json-glib wraps it: 2^64
 * read as -1).  Named with the member and the value as sent.
 */
static int check_findings(const struct tz_json_check *chk, struct tz_jsep_error *err)
{
	if (chk->nul)
		return fail(err, TZ_JSEP_ERR_BAD_MESSAGE,
			    "%s: contains U+0000 (an escaped NUL); not allowed",
			    chk->nul_path[0] ? chk->nul_path : "member name");
	if (!chk->overflow)
		return 0;
	if (strcmp(chk->overflow_path, "id") == 0)
		err->id = TZ_JSEP_NO_ID;       /* json-glib's wrapped value is not the id */
	for (unsigned m = 0; m < M_COUNT; m++) {
		const struct jsep_member_def *d = &tz_jsep_members[m];

		if (d->kind == K_INT && strcmp(d->label, chk->overflow_path) == 0)
			return fail(err, TZ_JSEP_ERR_BAD_MESSAGE,
				    "%s: %s is out of range (%lld-%lld)", d->label,
				    chk->overflow_value, (long long)d->min, (long long)d->max);
	}
	return fail(err, TZ_JSEP_ERR_BAD_MESSAGE, "%s: %s is out of range for an integer",
		    chk->overflow_path, chk->overflow_value);
}

static int read_type(JsonObject *obj, enum tz_jsep_type *type, struct tz_jsep_error *err)
{
	JsonNode *n = json_object_get_member(obj, "type");
	const char *s;
	char shown[48];

	if (n == NULL || JSON_NODE_HOLDS_NULL(n))
		return fail(err, TZ_JSEP_ERR_BAD_MESSAGE, "type: missing");
	if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
		return fail(err, TZ_JSEP_ERR_BAD_MESSAGE, "type: must be a string");
	s = json_node_get_string(n);
	for (unsigned t = 0; t < TZ_JSEP_TYPE_COUNT; t++) {
		if (strcmp(s, types[t].name) == 0) {
			*type = (enum tz_jsep_type)t;
			return 0;
		}
	}
	tz_jsep_shown(s, shown, sizeof(shown));
	return fail(err, TZ_JSEP_ERR_BAD_MESSAGE, "type: '%s' is not a message type", shown);
}

/*
 * Read id and call before anything else so that an error about any other
 * member still tells the client which request and which call it was about.
 */
static void read_echo(JsonObject *obj, struct tz_jsep_error *err)
{
	JsonNode *n = json_object_get_member(obj, "id");

	if (n != NULL && JSON_NODE_HOLDS_VALUE(n) &&
	    json_node_get_value_type(n) == G_TYPE_INT64 &&
	    json_node_get_int(n) >= 0 && json_node_get_int(n) <= TZ_JSEP_ID_MAX)
		err->id = json_node_get_int(n);
	n = json_object_get_member(obj, "call");
	if (n != NULL && JSON_NODE_HOLDS_VALUE(n) &&
	    json_node_get_value_type(n) == G_TYPE_STRING &&
	    tz_jsep_call_name_valid(json_node_get_string(n)))
		g_strlcpy(err->call, json_node_get_string(n), sizeof(err->call));
}

static int read_members(JsonObject *obj, struct tz_jsep_msg *msg, struct tz_jsep_error *err)
{
	uint32_t req = type_members[msg->type].required;
	uint32_t opt = type_members[msg->type].optional;

	for (unsigned m = 0; m < M_COUNT; m++) {
		uint32_t bit = 1u << m;
		int rc;

		if (!((req | opt) & bit))
			continue;
		rc = tz_jsep_member_read(obj, &tz_jsep_members[m], msg, (req & bit) != 0,
					 err->message, sizeof(err->message));
		if (rc < 0) {
			err->code = TZ_JSEP_ERR_BAD_MESSAGE;
			return -EINVAL;
		}
	}
	/* RFC 8839 section 5.1: a candidate names its m-line by mid or index. */
	if (msg->type == TZ_JSEP_CANDIDATE && msg->sdp_mid == NULL && msg->sdp_mline_index < 0)
		return fail(err, TZ_JSEP_ERR_BAD_MESSAGE,
			    "candidate: needs sdpMid or sdpMLineIndex");
	return 0;
}

static void msg_init(struct tz_jsep_msg *msg)
{
	memset(msg, 0, sizeof(*msg));
	msg->id = TZ_JSEP_NO_ID;
	msg->sdp_mline_index = -1;
	msg->duration_ms = 100;
	msg->code = 486;
}

int tz_jsep_msg_parse(const char *buf, size_t len, struct tz_jsep_msg *msg,
		      struct tz_jsep_error *err)
{
	struct tz_json_check chk;
	JsonObject *obj;

	msg_init(msg);
	memset(err, 0, sizeof(*err));
	err->id = TZ_JSEP_NO_ID;
	if (load_object(buf, len, &msg->root, &chk, err) < 0)
		goto err_invalid;
	obj = json_node_get_object(msg->root);
	read_echo(obj, err);
	if (check_findings(&chk, err) < 0)
		goto err_invalid;
	if (read_type(obj, &msg->type, err) < 0)
		goto err_invalid;
	if (read_members(obj, msg, err) < 0)
		goto err_invalid;
	return 0;

err_invalid:
	tz_jsep_msg_clear(msg);
	return -EINVAL;
}

void tz_jsep_msg_clear(struct tz_jsep_msg *msg)
{
	if (msg->root != NULL)
		json_node_unref(msg->root);
	msg_init(msg);
}
