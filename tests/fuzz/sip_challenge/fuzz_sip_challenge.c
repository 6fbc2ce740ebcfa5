/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz harness for digest challenges (realm extraction, issue 9 item 2):
 * the input is the header block of a 401 response, parsed by sofia; the
 * realm chosen for the answer must be the trunk's when it is configured,
 * the pinned one when one is pinned, and never hold a quote, backslash or
 * control character (it goes into nua's "Digest:\"realm\":user:pass").
 *
 * Real fuzzing: tools/fuzz.sh 60 sip_challenge
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sip_pvt.h"

#include <sofia-sip/msg.h>
#include <sofia-sip/sip_parser.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char head[] =
	"SIP/2.0 401 Unauthorized\r\n"
	"Via: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1\r\n"
	"From: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:b@127.0.0.1>;tag=2\r\n"
	"Call-ID: x\r\nCSeq: 1 INVITE\r\n";

static void check(const char *realm, const char *must)
{
	if (realm == NULL)
		return;
	if (must != NULL && strcmp(realm, must) != 0)
		abort();
	for (const char *p = realm; *p; p++)
		if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20 || *p == 0x7f)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = sizeof(head) - 1 + size + 4;
	char *text = malloc(n + 1);
	msg_t *msg;
	sip_t *sip;
	char *r;

	if (text == NULL)
		return 0;
	memcpy(text, head, sizeof(head) - 1);
	memcpy(text + sizeof(head) - 1, data, size);
	memcpy(text + sizeof(head) - 1 + size, "\r\n\r\n", 4);
	text[n] = '\0';
	msg = msg_make(sip_default_mclass(), 0, text, (isize_t)n);
	sip = msg ? sip_object(msg) : NULL;
	if (sip != NULL) {
		r = sip_challenge_realm(sip);
		check(r, NULL);
		free(r);
		r = sip_challenge_pick(sip, "carrier.example", NULL);
		check(r, "carrier.example");
		free(r);
		r = sip_challenge_pick(sip, NULL, NULL);
		check(r, NULL);
		free(r);
		r = sip_challenge_pick(sip, NULL, "a.example");
		check(r, "a.example");
		free(r);
	}
	msg_destroy(msg);
	free(text);
	return 0;
}
