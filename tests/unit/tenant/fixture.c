/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_log.h>

#include "fixture.h"

struct tz_config fx_cfg;
struct tz_cfg_tenant fx_tenants[3];
struct tz_cfg_trunk fx_trunks[3];

static char *acme_domains[] = { "acme.example", NULL };
static char *acme_origins[] = { "https://www.acme.example", NULL };
static char *acme_hosts[] = { "acme.webrtc.example.net", NULL };
static char *acme_paths[] = { "/acme", NULL };
static char *acme_allow[] = { "+44*", NULL };
static char *acme_deny[] = { "+449*", "+4487*", "+00*", NULL };
static char *globex_domains[] = { "globex.example", NULL };

void fixture_reset(void)
{
	memset(&fx_cfg, 0, sizeof(fx_cfg));
	memset(fx_tenants, 0, sizeof(fx_tenants));
	memset(fx_trunks, 0, sizeof(fx_trunks));
	strcpy(fx_tenants[0].name, "default");
	strcpy(fx_tenants[1].name, "acme");
	fx_tenants[1].domains = acme_domains;
	fx_tenants[1].origins = acme_origins;
	fx_tenants[1].hosts = acme_hosts;
	fx_tenants[1].paths = acme_paths;
	fx_tenants[1].limits = (struct tz_cfg_tenant_limits){
		.max_calls = 3, .max_calls_per_user = 2, .calls_per_s = 5,
		.user_calls_per_s = 1, .allow_targets = acme_allow, .deny_targets = acme_deny,
		.daily_minutes = 10, .daily_minutes_alarm = 80,
	};
	strcpy(fx_tenants[2].name, "globex");
	fx_tenants[2].domains = globex_domains;
	strcpy(fx_trunks[0].name, "pstn");
	fx_trunks[0].address = (struct tz_cfg_hostport){ "198.51.100.10", 5060 };
	fx_trunks[0].transport = TZ_SIP_UDP;
	strcpy(fx_trunks[1].name, "acme-pbx");
	fx_trunks[1].address = (struct tz_cfg_hostport){ "pbx.acme.example", 5061 };
	fx_trunks[1].transport = TZ_SIP_TLS;
	fx_trunks[1].srtp = TZ_TRUNK_SDES;
	fx_trunks[1].tenant = ACME;
	strcpy(fx_trunks[2].name, "globex-pbx");
	fx_trunks[2].address = (struct tz_cfg_hostport){ "2001:db8::5", 5060 };
	fx_trunks[2].transport = TZ_SIP_TCP;
	fx_trunks[2].tenant = GLOBEX;
	fx_cfg.tenants = fx_tenants;
	fx_cfg.n_tenants = 3;
	fx_cfg.sip.trunks = fx_trunks;
	fx_cfg.sip.n_trunks = 3;
	fx_cfg.limits.max_calls = 1000;
	fx_cfg.limits.max_calls_per_user = 4;
}

struct tz_tenant_call fx_out(uint32_t tenant, const char *user, const char *number,
			     uint32_t trunk)
{
	return (struct tz_tenant_call){ .tenant = tenant, .trunk = trunk, .user = user,
					.number = number };
}

struct tz_tenant_call fx_in(uint32_t tenant, const char *user, uint32_t trunk)
{
	return (struct tz_tenant_call){ .tenant = tenant, .trunk = trunk, .user = user,
					.inbound = true };
}

enum tz_tenant_limit fx_admit(const struct tz_tenant_call *c, int64_t now_us, int64_t now_s)
{
	char why[128];
	enum tz_tenant_limit l = tz_tenant_admit(c, now_us, now_s, why, sizeof(why));

	/* a refusal always explains itself to the client */
	if (l != TZ_TL_OK)
		assert_true(why[0] != '\0');
	else
		assert_string_equal(why, "");
	return l;
}

uint64_t fx_ctr(uint32_t tenant, enum tz_tenant_counter c)
{
	const uint64_t *ctr = tz_tenant_counters(tenant);

	assert_non_null(ctr);
	return ctr[c];
}

static FILE *log_f;
static char *log_buf;
static size_t log_len;

void log_start(void)
{
	log_stop();
	log_f = open_memstream(&log_buf, &log_len);
	assert_non_null(log_f);
	rte_openlog_stream(log_f);
}

const char *log_text(void)
{
	fflush(log_f);
	return log_buf;
}

unsigned log_count(const char *needle)
{
	unsigned n = 0;

	for (const char *p = log_text(); p != NULL && (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

void log_stop(void)
{
	if (log_f == NULL)
		return;
	rte_openlog_stream(NULL);
	fclose(log_f);
	free(log_buf);
	log_f = NULL;
	log_buf = NULL;
}

int fx_setup(void **state)
{
	fixture_reset();
	log_start();
	return 0;
}

int fx_teardown(void **state)
{
	tz_tenant_shutdown();
	log_stop();
	return 0;
}
