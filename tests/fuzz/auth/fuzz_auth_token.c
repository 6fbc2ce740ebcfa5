/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz login tokens.  The input is used twice: as a token as it arrives
 * from a client (mostly refused at the signature), and as the claims JSON of
 * a token signed with the gateway's key, so the claim checks themselves are
 * reached.  Whatever is accepted must be an identity that is safe to put in
 * a SIP header: a valid user part, a quotable display name, bounded targets.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <jwt.h>

#include "tz_auth.h"

#define KEY "fuzz-key-0123456789abcdef0123456789"
#define NOW 1800000000LL

static void check(const struct tz_auth_identity *id)
{
	if (!tz_auth_user_valid(id->user) || strchr(id->display, '"') != NULL ||
	    strchr(id->display, '\\') != NULL || id->n_targets > TZ_AUTH_TARGETS_MAX)
		abort();
	for (unsigned i = 0; i < id->n_targets; i++)
		if (id->targets[i] == NULL || strchr(id->targets[i], '\r') != NULL)
			abort();
}

static void try_token(const char *token)
{
	struct tz_auth_identity id;
	char err[192];

	if (tz_auth_verify_token(token, NOW, &id, err, sizeof(err)) == 0) {
		check(&id);
		tz_auth_identity_clear(&id);
	} else if (err[0] == '\0') {
		abort();                        /* a refusal always says why */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tz_cfg_token_secret secret = { .name = "fuzz", .secret = KEY };
	static struct tz_cfg_auth cfg = { .secrets = &secret, .n_secrets = 1, .clock_skew_s = 30,
					  .max_lifetime_s = 86400, .fail_limit = 5,
					  .fail_window_s = 60, .lockout_max_s = 60 };
	static int ready;
	char *text = g_strndup((const char *)data, size), *token;
	jwt_t *j;
	char err[64];

	if (!ready && tz_auth_init(&cfg, err, sizeof(err)) != 0)
		abort();
	ready = 1;
	try_token(text);
	if (jwt_new(&j) == 0) {
		if (jwt_add_grants_json(j, text) == 0 &&
		    jwt_set_alg(j, JWT_ALG_HS256, (const unsigned char *)KEY, strlen(KEY)) == 0 &&
		    (token = jwt_encode_str(j)) != NULL) {
			try_token(token);
			free(token);
		}
		jwt_free(j);
	}
	g_free(text);
	return 0;
}
