/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SIP traffic by method and by status code, for metrics: the requests the
 * user agent received (whether or not it then refused them) and the
 * responses it received to its own requests.  Process-wide (one agent per
 * daemon).  Control thread.
 */
#include <string.h>

#include "sip_pvt.h"

static const char *const methods[] = {
#define TZ_SIP_METHOD_NAME(m) #m,
	TZ_SIP_METHODS(TZ_SIP_METHOD_NAME)
#undef TZ_SIP_METHOD_NAME
	"other",
};
#define N_METHODS (sizeof(methods) / sizeof(methods[0]))

static uint64_t requests_in[N_METHODS];
static uint64_t responses_in[600];      /* status 100..699 */

void sip_stats_request(const char *method)
{
	size_t i = 0;

	while (i < N_METHODS - 1 && (method == NULL || strcmp(method, methods[i]) != 0))
		i++;
	requests_in[i]++;
}

void sip_stats_response(int status)
{
	if (status >= 100 && status < 700)
		responses_in[status - 100]++;
}

const char *tz_sip_stats_request(unsigned i, uint64_t *count)
{
	if (i >= N_METHODS)
		return NULL;
	*count = requests_in[i];
	return methods[i];
}

uint64_t tz_sip_stats_response(int status)
{
	return status >= 100 && status < 700 ? responses_in[status - 100] : 0;
}
