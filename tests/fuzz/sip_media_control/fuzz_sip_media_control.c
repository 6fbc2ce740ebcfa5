/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz harness for SIP INFO application/media_control+xml bodies
 * (sip_fast_update_parse, RFC 5168): any bytes, by length (the body may
 * hold NULs).  The result is one of 0, -ENOENT, -EINVAL, and a body the
 * scanner accepts is still accepted with a NUL appended past its length.
 *
 * Real fuzzing: tools/fuzz.sh 60 sip_media_control
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sip_pvt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *body = malloc(size + 1);
	int rc;

	if (body == NULL)
		return 0;
	memcpy(body, data, size);       /* exactly @p size bytes readable ... */
	rc = sip_fast_update_parse(body, size);
	if (rc != 0 && rc != -ENOENT && rc != -EINVAL)
		abort();
	body[size] = '\0';              /* ... then as sip_body_dup() hands it over */
	if (sip_fast_update_parse(body, size) != rc)
		abort();
	free(body);
	return 0;
}
