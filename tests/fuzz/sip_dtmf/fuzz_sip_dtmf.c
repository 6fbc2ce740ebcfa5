/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz harness for SIP INFO application/dtmf-relay bodies (sip_dtmf_parse):
 * any bytes, as the NUL-terminated body sip_body_dup() hands over.  An
 * accepted body gives one of 0-9 * # A-D.
 *
 * Real fuzzing: tools/fuzz.sh 60 sip_dtmf
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sip_pvt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *body = malloc(size + 1);
	char digit = 0;
	unsigned ms = 0;

	if (body == NULL)
		return 0;
	memcpy(body, data, size);
	body[size] = '\0';
	if (sip_dtmf_parse(body, &digit, &ms) == 0 &&
	    (digit == '\0' || strchr("0123456789*#ABCD", digit) == NULL))
		abort();
	free(body);
	return 0;
}
