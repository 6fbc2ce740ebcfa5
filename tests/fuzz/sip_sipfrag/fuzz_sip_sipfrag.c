/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz harness for message/sipfrag bodies of the NOTIFYs that report a REFER's
 * progress (sip_sipfrag_line): any bytes, not NUL-terminated.  An accepted body
 * gives a status 100..699 and a line "SIP/2.0 NNN[ reason]" of printable ASCII
 * that fits the buffer.
 *
 * Real fuzzing: tools/fuzz.sh 60 sip_sipfrag
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sip_pvt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *body = malloc(size ? size : 1);
	char line[128];
	int st;

	if (body == NULL)
		return 0;
	memcpy(body, data, size);   /* exactly @p size bytes: reads past the end are caught */
	memset(line, 'x', sizeof(line));
	st = sip_sipfrag_line(body, size, line, sizeof(line));
	if (st >= 0) {
		size_t n = strnlen(line, sizeof(line));

		if (st < 100 || st > 699 || n == sizeof(line) || strncmp(line, "SIP/2.0 ", 8) ||
		    atoi(line + 8) != st)
			abort();
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)line[i] < 0x20 || (unsigned char)line[i] >= 0x7f)
				abort();
	}
	free(body);
	return 0;
}
