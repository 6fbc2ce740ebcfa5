/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz harness for call targets (issue 9 item 2): any bytes go through
 * tz_sip_target_check() against routes with numbers, a domain route and an
 * allow_uri route; an accepted target's Request-URI is built and must name
 * the trunk's host and carry only the safe user part (no second '@', no
 * ';' '?' '<' '>' ':' or control character before the host).
 *
 * Real fuzzing: tools/fuzz.sh 60 sip_target
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sip_pvt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tz_cfg_trunk trunks[] = {
	{ .name = "carrier", .address = { .host = "198.51.100.7", .port = 5060 },
	  .transport = TZ_SIP_UDP },
	{ .name = "pbx", .address = { .host = "pbx.example.net", .port = 5061 },
	  .transport = TZ_SIP_TLS },
};
static struct tz_cfg_route routes[] = {
	{ .domain = "globex.example.net", .trunk = 1 },
	{ .prefix = "1", .allow_uri = true, .trunk = 1 },
	{ .prefix = "", .trunk = 0 },
};
static const struct tz_cfg_sip cfg = {
	.trunks = trunks, .n_trunks = 2, .routes = routes, .n_routes = 3,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct tz_cfg_trunk *trunk;
	struct tz_sip_target t;
	char why[256], *uri, *at;
	int rc = tz_sip_target_check(&cfg, TZ_TENANT_DEFAULT, (const char *)data, size, &t, &trunk,
				     why, sizeof(why));

	if (rc != 0) {
		if (trunk != NULL || why[0] == '\0')
			abort();
		return 0;
	}
	uri = sip_request_uri(trunk, t.user);
	if (uri == NULL || strncmp(uri, "sip:", 4) != 0)
		abort();
	at = strchr(uri, '@');
	if (at == NULL || strchr(at + 1, '@') != NULL ||
	    strcspn(uri + 4, ";?<>:\"\\ \r\n\t") < (size_t)(at - uri - 4) ||
	    strncmp(at + 1, trunk->address.host, strlen(trunk->address.host)) != 0)
		abort();
	for (const char *p = uri; *p; p++)
		if ((unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e)
			abort();
	free(uri);
	return 0;
}
