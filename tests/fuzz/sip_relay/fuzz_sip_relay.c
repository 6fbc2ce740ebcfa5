/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz harness for what SIP over WebSocket relays (issue 10): the input is
 * the header block of a 401/407 response, parsed by sofia; the challenge
 * values handed to the browser (sip_challenges_dup) must be NULL-terminated
 * lines without CR/LF.  The same bytes as text go through the checks of the
 * browser's From / P-Asserted-Identity URIs and credentials (sip_uri_ok,
 * sip_header_value_ok): what they accept holds no byte that could end a
 * header or a name-addr.
 *
 * Real fuzzing: tools/fuzz.sh 60 sip_relay
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
	"From: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:a@127.0.0.1>;tag=2\r\n"
	"Call-ID: x\r\nCSeq: 1 REGISTER\r\n";

static void check_values(char **v)
{
	if (v == NULL)
		return;
	for (size_t i = 0; v[i] != NULL; i++)
		if (strpbrk(v[i], "\r\n") != NULL)
			abort();
	g_strfreev(v);
}

static void check_text(const uint8_t *data, size_t size)
{
	char *s = g_strndup((const char *)data, size);

	if (sip_header_value_ok(s, 4096) && strpbrk(s, "\r\n") != NULL)
		abort();
	if (sip_uri_ok(s, true) && strpbrk(s, "\r\n <>\",") != NULL)
		abort();
	g_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = sizeof(head) - 1 + size + 4;
	char *text = malloc(n + 1);
	msg_t *msg;
	sip_t *sip;

	if (text == NULL)
		return 0;
	check_text(data, size);
	memcpy(text, head, sizeof(head) - 1);
	memcpy(text + sizeof(head) - 1, data, size);
	memcpy(text + sizeof(head) - 1 + size, "\r\n\r\n", 4);
	text[n] = '\0';
	msg = msg_make(sip_default_mclass(), 0, text, (isize_t)n);
	sip = msg ? sip_object(msg) : NULL;
	if (sip != NULL) {
		check_values(sip_challenges_dup(sip, 401));
		check_values(sip_challenges_dup(sip, 407));
		check_values(sip_challenges_dup(sip, 200));
	}
	msg_destroy(msg);
	free(text);
	return 0;
}
