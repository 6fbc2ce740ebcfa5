/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz harness for SDES-SRTP on the SIP leg (ctrlplane/session/sdes.c): any
 * bytes go through tz_sdp_parse() and tz_sdp_read_sip(); a call on an
 * `srtp: sdes` trunk (every suite, our keys made) then picks the peer's
 * a=crypto as an answer to our offer and as an offer, commits it, builds its
 * answer (our key under the offer's tag) and its re-offer, and describes
 * itself for the CLI.  Refusing is fine; crashing, reading past a key or
 * building invalid SDP is not.
 *
 * Real fuzzing: tools/fuzz.sh 60 sdes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "calls_pvt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct tz_calls_env tz_calls_env;
uint64_t tz_calls_ctr[TZ_CC_COUNT];

static char *all_suites[] = { "AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_32",
			      "AEAD_AES_128_GCM", "AEAD_AES_256_GCM", "NO_SUCH_SUITE", NULL };
static const struct tz_cfg_trunk trunk = { .name = "fuzz", .srtp = TZ_TRUNK_SDES,
					   .srtp_suites = all_suites };

static void build_check(struct tz_sdp *out)
{
	char *text = tz_sdp_build(out, NULL);
	struct tz_sdp *again = NULL;
	char err[256];

	if (text == NULL || tz_sdp_parse(text, strlen(text), &again, err, sizeof(err)) != 0)
		abort();        /* what we build must be valid SDP */
	tz_sdp_free(again);
	free(text);
	tz_sdp_free(out);
}

static void exercise(struct call *c, const struct tz_sdp *sdp, bool answer)
{
	struct tz_sdp_sip_local l = { .addr = "203.0.113.1", .port = 30000, .sess_id = 1,
				      .sess_version = 2 };
	struct tz_sdp_neg neg;
	struct tz_sdes_pick pick;
	struct tz_sdp *out = NULL;
	char err[256], buf[64];

	if (tz_sdp_read_sip(sdp, NULL, &neg, err, sizeof(err)) != 0)
		return;
	if (tz_sdes_pick(c, sdp, &neg, answer, &pick, err, sizeof(err)) != 0)
		return;
	if (pick.line == NULL || pick.idx < 0 || (unsigned)pick.idx >= c->sip.sdes.n_ours ||
	    pick.line->key_len != c->sip.sdes.ours[pick.idx].key_len)
		abort();
	tz_sdes_commit(c, &pick);
	if (!answer) {
		neg.crypto = pick.line;
		l.crypto = tz_sdes_answer_key(c, &pick);
		if (tz_sdp_answer_sip(&l, &neg, &out) == 0)
			build_check(out);
	}
	if (strncmp(tz_sdes_describe(c, buf, sizeof(buf)), "srtp-sdes ", 10) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tz_sdp *sdp = NULL;
	struct call c;
	char err[256];

	if (tz_sdp_parse((const char *)data, size, &sdp, err, sizeof(err)) != 0)
		return 0;
	memset(&c, 0, sizeof(c));
	c.sip.trunk = &trunk;
	if (tz_sdes_start(&c) != 0 || c.sip.sdes.n_ours != 4)
		abort();
	c.sip.sdes.offer_pending = true;
	exercise(&c, sdp, true);        /* as the answer to our offer */
	exercise(&c, sdp, false);       /* as an offer (inbound, re-INVITE) */
	tz_sdes_free(&c);
	tz_sdp_free(sdp);
	return 0;
}
