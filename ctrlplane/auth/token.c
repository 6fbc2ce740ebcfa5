/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Login tokens: HS256 JWTs (RFC 7519) signed by the enterprise's web server
 * with a key it shares with the gateway.  libjwt checks the signature; the
 * claims are read here from its JSON with json-glib, strictly: a claim of
 * the wrong type refuses the token rather than being read as 0.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>
#include <json-glib/json-glib.h>
#include <jwt.h>
#include <openssl/crypto.h>

#include "auth_pvt.h"

struct key {
	char name[TZ_CFG_NAME_MAX];
	uint32_t tenant;                /* whose key: a token it verifies logs in there */
	unsigned char *bytes;
	size_t len;
};

static struct key *keys;
static size_t n_keys;
static const struct tz_cfg_auth *auth_cfg;

static void keys_free(void)
{
	for (size_t i = 0; i < n_keys; i++) {
		OPENSSL_cleanse(keys[i].bytes, keys[i].len);
		g_free(keys[i].bytes);
	}
	g_free(keys);
	keys = NULL;
	n_keys = 0;
}

/* The first line of @p path, trailing whitespace dropped. */
static int read_secret_file(const char *path, struct key *k, char *err, size_t errlen)
{
	gchar *text = NULL;
	gsize len = 0;
	GError *e = NULL;

	if (!g_file_get_contents(path, &text, &len, &e)) {
		snprintf(err, errlen, "%s: %s", path, e->message);
		g_error_free(e);
		return -ENOENT;
	}
	len = strcspn(text, "\r\n");
	while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t'))
		len--;
	if (len < 32) {
		OPENSSL_cleanse(text, strlen(text));
		g_free(text);
		snprintf(err, errlen, "%s: the key is %zu bytes; expected at least 32", path,
			 (size_t)len);
		return -EINVAL;
	}
	k->bytes = g_memdup2(text, len);
	k->len = len;
	OPENSSL_cleanse(text, strlen(text));
	g_free(text);
	return 0;
}

int tz_auth_init(const struct tz_cfg_auth *cfg, char *err, size_t errlen)
{
	int rc;

	keys_free();
	tz_auth_backoff_reset();
	tz_auth_backoff_config(cfg);
	auth_cfg = cfg;
	keys = g_new0(struct key, cfg->n_secrets > 0 ? cfg->n_secrets : 1);
	for (size_t i = 0; i < cfg->n_secrets; i++) {
		const struct tz_cfg_token_secret *s = &cfg->secrets[i];
		struct key *k = &keys[n_keys];

		g_strlcpy(k->name, s->name, sizeof(k->name));
		k->tenant = s->tenant;
		if (s->secret_file != NULL) {
			rc = read_secret_file(s->secret_file, k, err, errlen);
			if (rc != 0) {
				keys_free();
				return rc;
			}
		} else {
			k->len = strlen(s->secret);
			k->bytes = g_memdup2(s->secret, k->len);
		}
		n_keys++;
	}
	return 0;
}

void tz_auth_shutdown(void)
{
	keys_free();
	tz_auth_backoff_reset();
	auth_cfg = NULL;
}

bool tz_auth_tokens_enabled(void)
{
	return n_keys > 0;
}

#define FAIL(ctr, ...) \
	do { snprintf(err, errlen, __VA_ARGS__); rc = -(1 + TZ_AUTH_##ctr); goto out; } while (0)

/* An integer claim (NumericDate, RFC 7519 2): 1 read, 0 absent, -1 wrong type. */
static int claim_int(JsonObject *o, const char *name, int64_t *v)
{
	JsonNode *n = json_object_get_member(o, name);

	if (n == NULL)
		return 0;
	if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64)
		return -1;
	*v = json_node_get_int(n);
	return 1;
}

/* A string claim: the string, NULL when absent; *bad set when of another type. */
static const char *claim_str(JsonObject *o, const char *name, bool *bad)
{
	JsonNode *n = json_object_get_member(o, name);

	if (n == NULL)
		return NULL;
	if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING) {
		*bad = true;
		return NULL;
	}
	return json_node_get_string(n);
}

/* The identity becomes a SIP user part: keep it to characters that need no
 * escaping anywhere (RFC 3261 25.1 unreserved, minus the marks). */
bool tz_auth_user_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > TZ_AUTH_USER_MAX)
		return false;
	for (; *s != '\0'; s++)
		if (!g_ascii_isalnum(*s) && strchr("._+-", *s) == NULL)
			return false;
	return true;
}

/* Printable ASCII without quote or backslash: safe inside a quoted display name. */
static bool display_ok(const char *s)
{
	if (strlen(s) >= sizeof(((struct tz_auth_identity *)0)->display))
		return false;
	for (; *s != '\0'; s++)
		if (*s < 0x20 || *s > 0x7e || *s == '"' || *s == '\\')
			return false;
	return true;
}

/* "aud": a string or an array of strings (RFC 7519 4.1.3). */
static bool audience_ok(JsonObject *o, const char *want)
{
	JsonNode *n = json_object_get_member(o, "aud");
	JsonArray *a;

	if (n == NULL)
		return false;
	if (JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING)
		return strcmp(json_node_get_string(n), want) == 0;
	if (!JSON_NODE_HOLDS_ARRAY(n))
		return false;
	a = json_node_get_array(n);
	for (guint i = 0; i < json_array_get_length(a); i++) {
		JsonNode *e = json_array_get_element(a, i);

		if (JSON_NODE_HOLDS_VALUE(e) && json_node_get_value_type(e) == G_TYPE_STRING &&
		    strcmp(json_node_get_string(e), want) == 0)
			return true;
	}
	return false;
}

/* "targets": an array of 1..TZ_AUTH_TARGETS_MAX non-empty printable strings. */
static int read_targets(JsonObject *o, struct tz_auth_identity *id)
{
	JsonNode *n = json_object_get_member(o, "targets");
	JsonArray *a;
	guint len;

	if (n == NULL)
		return 0;
	if (!JSON_NODE_HOLDS_ARRAY(n))
		return -1;
	a = json_node_get_array(n);
	len = json_array_get_length(a);
	if (len == 0 || len > TZ_AUTH_TARGETS_MAX)
		return -1;
	for (guint i = 0; i < len; i++) {
		JsonNode *e = json_array_get_element(a, i);
		const char *s;

		if (!JSON_NODE_HOLDS_VALUE(e) || json_node_get_value_type(e) != G_TYPE_STRING)
			return -1;
		s = json_node_get_string(e);
		if (*s == '\0' || strlen(s) > 128 || !display_ok(s))
			return -1;
		id->targets[id->n_targets++] = g_strdup(s);
	}
	return 0;
}

/* Time claims against now, with the configured leeway. */
static int check_times(JsonObject *o, int64_t now, char *err, size_t errlen)
{
	int64_t skew = auth_cfg->clock_skew_s, exp = 0, nbf = 0, iat = 0;
	int has_exp = claim_int(o, "exp", &exp), has_nbf = claim_int(o, "nbf", &nbf);
	int has_iat = claim_int(o, "iat", &iat);
	int rc = 0;

	if (has_exp < 0 || has_nbf < 0 || has_iat < 0)
		FAIL(BAD_CLAIMS, "exp, nbf and iat must be integers (seconds since 1970)");
	if (has_exp == 0)
		FAIL(BAD_CLAIMS, "the token has no exp claim");
	if (now > exp + skew)
		FAIL(EXPIRED, "the token expired %lld s ago", (long long)(now - exp));
	if (exp - now > (int64_t)auth_cfg->max_lifetime_s)
		FAIL(BAD_CLAIMS, "the token is valid for %lld s; at most %u accepted",
		     (long long)(exp - now), auth_cfg->max_lifetime_s);
	if (has_nbf && now + skew < nbf)
		FAIL(NOT_YET_VALID, "the token is not valid for another %lld s",
		     (long long)(nbf - now));
	if (has_iat && now + skew < iat)
		FAIL(NOT_YET_VALID, "the token was issued %lld s in the future",
		     (long long)(iat - now));
out:
	return rc;
}

/* Identity and policy claims. */
static int read_claims(JsonObject *o, int64_t now, struct tz_auth_identity *id, char *err,
		       size_t errlen)
{
	bool bad = false;
	const char *sub = claim_str(o, "sub", &bad), *name = claim_str(o, "name", &bad);
	const char *iss = claim_str(o, "iss", &bad);
	int rc = check_times(o, now, err, errlen);

	if (rc != 0)
		return rc;
	if (bad)
		FAIL(BAD_CLAIMS, "sub, name and iss must be strings");
	if (sub == NULL || !tz_auth_user_valid(sub))
		FAIL(BAD_CLAIMS, "sub must be 1-%d characters of A-Z a-z 0-9 . _ + -",
		     TZ_AUTH_USER_MAX);
	if (auth_cfg->issuer != NULL && (iss == NULL || strcmp(iss, auth_cfg->issuer) != 0))
		FAIL(BAD_CLAIMS, "the token's iss is not the configured issuer");
	if (auth_cfg->audience != NULL && !audience_ok(o, auth_cfg->audience))
		FAIL(BAD_CLAIMS, "the token's aud does not name this gateway");
	if (name != NULL && !display_ok(name))
		FAIL(BAD_CLAIMS, "name must be printable ASCII without quotes, under 64 bytes");
	if (read_targets(o, id) != 0)
		FAIL(BAD_CLAIMS, "targets must be an array of 1-%d printable strings",
		     TZ_AUTH_TARGETS_MAX);
	g_strlcpy(id->user, sub, sizeof(id->user));
	g_strlcpy(id->display, name != NULL ? name : "", sizeof(id->display));
	claim_int(o, "exp", &id->expires);
out:
	return rc;
}

/* Index of the key named @p kid, or 0 (none, or no kid). */
static size_t key_named(const char *kid)
{
	for (size_t i = 0; kid != NULL && i < n_keys; i++)
		if (strcmp(keys[i].name, kid) == 0)
			return i;
	return 0;
}

int tz_auth_verify_token(const char *token, int64_t now, struct tz_auth_identity *id,
			 char *err, size_t errlen)
{
	jwt_t *j = NULL;
	char *claims = NULL;
	JsonParser *p = NULL;
	JsonNode *root;
	const struct key *used = NULL;
	size_t first;
	int rc = 0;

	memset(id, 0, sizeof(*id));
	if (n_keys == 0 || auth_cfg == NULL)
		FAIL(BAD_TOKEN, "this gateway accepts no tokens (auth.token_secrets is empty)");
	if (strlen(token) > 4096 || jwt_decode(&j, token, NULL, 0) != 0)
		FAIL(BAD_TOKEN, "the token is not a JWT");
	first = key_named(jwt_get_header(j, "kid"));
	jwt_free(j);
	j = NULL;
	/* The key its kid names first (one HMAC for a well-formed token, however
	 * many tenants), then the others: kid is a hint, the signature decides. */
	for (size_t n = 0; n < n_keys && used == NULL; n++) {
		size_t i = (first + n) % n_keys;

		if (jwt_decode(&j, token, keys[i].bytes, (int)keys[i].len) == 0 &&
		    jwt_get_alg(j) == JWT_ALG_HS256)
			used = &keys[i];
		else if (j != NULL)
			jwt_free(j), j = NULL;
	}
	if (used == NULL)
		FAIL(BAD_SIGNATURE, "the token's signature does not verify (HS256 with a configured key)");
	claims = jwt_get_grants_json(j, NULL);
	p = json_parser_new_immutable();
	if (claims == NULL || !json_parser_load_from_data(p, claims, -1, NULL) ||
	    (root = json_parser_get_root(p)) == NULL || !JSON_NODE_HOLDS_OBJECT(root))
		FAIL(BAD_TOKEN, "the token's claims are not a JSON object");
	rc = read_claims(json_node_get_object(root), now, id, err, errlen);
	if (rc == 0) {
		g_strlcpy(id->how, "token", sizeof(id->how));
		g_strlcpy(id->key, used->name, sizeof(id->key));
		id->tenant = used->tenant;
	}
out:
	if (rc != 0)
		tz_auth_identity_clear(id);
	if (p != NULL)
		g_object_unref(p);
	free(claims);
	if (j != NULL)
		jwt_free(j);
	return rc;
}

void tz_auth_identity_clear(struct tz_auth_identity *id)
{
	for (unsigned i = 0; i < id->n_targets; i++)
		g_free(id->targets[i]);
	memset(id, 0, sizeof(*id));
}

void tz_auth_identity_copy(struct tz_auth_identity *dst, const struct tz_auth_identity *src)
{
	*dst = *src;
	for (unsigned i = 0; i < src->n_targets; i++)
		dst->targets[i] = g_strdup(src->targets[i]);
}

static bool pattern_matches(const char *pat, const char *target)
{
	size_t n = strlen(pat);

	if (n > 0 && pat[n - 1] == '*')
		return strncmp(pat, target, n - 1) == 0;
	return strcmp(pat, target) == 0;
}

bool tz_auth_target_allowed(const struct tz_auth_identity *id, const char *target)
{
	if (id->n_targets == 0)
		return true;
	for (unsigned i = 0; i < id->n_targets; i++)
		if (pattern_matches(id->targets[i], target))
			return true;
	tz_auth_count(TZ_AUTH_TARGET_DENIED);
	return false;
}
