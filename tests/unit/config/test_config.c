/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Config loader tests: a table of bad configs, each with the exact message
 * a user sees; the shipped samples; defaults; dump round trips; error
 * collection; unreadable files.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tz_config.h"
#include "bad_configs.h"

#define N_BAD (sizeof(bad_configs) / sizeof(bad_configs[0]))

static struct tz_config *load(const char *yaml, struct tz_cfg_errors *errs)
{
	return tz_cfg_load_buffer("t.yaml", yaml, strlen(yaml), errs);
}

static void test_bad_configs(void **state)
{
	unsigned failed = 0;

	for (size_t i = 0; i < N_BAD; i++) {
		const struct bad_config *b = &bad_configs[i];
		struct tz_cfg_errors errs;
		struct tz_config *cfg = load(b->yaml, &errs);
		int err = errno;

		if (cfg != NULL || err != EINVAL || errs.n != 1 || strcmp(errs.msg[0], b->msg)) {
			print_error("case \"%s\":\n  want: %s\n", b->what, b->msg);
			for (size_t j = 0; j < errs.n; j++)
				print_error("  got:  %s\n", errs.msg[j]);
			failed++;
		}
		tz_cfg_free(cfg);
		tz_cfg_errors_free(&errs);
	}
	assert_int_equal(failed, 0);
	assert_true(N_BAD >= 35);
}

static struct tz_config *load_sample(const char *name)
{
	char path[512];
	struct tz_cfg_errors errs;
	struct tz_config *cfg;

	snprintf(path, sizeof(path), "%s/%s", TZ_CONFIG_DIR, name);
	cfg = tz_cfg_load(path, &errs);
	for (size_t i = 0; i < errs.n; i++)
		print_error("%s\n", errs.msg[i]);
	assert_int_equal(errs.n, 0);
	assert_non_null(cfg);
	tz_cfg_errors_free(&errs);
	return cfg;
}

static void test_lab_sample(void **state)
{
	struct tz_config *cfg = load_sample("lab.yaml");

	assert_int_equal(cfg->n_ports, 2);
	assert_string_equal(cfg->ports[0].name, "access");
	assert_string_equal(cfg->ports[0].iface, "acc0");
	assert_int_equal(cfg->ports[0].role, TZ_ROLE_ACCESS);
	assert_int_equal(cfg->ports[0].driver, TZ_DRV_AUTO);
	assert_string_equal(cfg->ports[1].iface, "core0");
	assert_int_equal(cfg->ports[1].role, TZ_ROLE_CORE);
	assert_int_equal(cfg->ports[1].ipv6.prefix, 64);
	assert_int_equal(cfg->eal.idle_sleep_us, 50);
	assert_int_equal(cfg->eal.hugepages, -1);
	assert_int_equal(cfg->eal.n_workers, 1);
	assert_int_equal(cfg->eal.worker_cores[0], 1);
	assert_int_equal(cfg->signalling.https.port, 8443);
	assert_string_equal(cfg->signalling.tls_key, "/run/trapeze/lab/key.pem");
	assert_int_equal(cfg->sip.transports, TZ_SIP_UDP | TZ_SIP_TCP);
	assert_int_equal(cfg->sip.n_trunks, 1);
	assert_string_equal(cfg->sip.trunks[0].address.host, "203.0.113.2");
	assert_int_equal(cfg->sip.trunks[0].address.port, 5060);
	assert_int_equal(cfg->sip.n_routes, 1);
	assert_string_equal(cfg->sip.routes[0].prefix, "");
	assert_int_equal(cfg->sip.routes[0].trunk, 0);
	assert_int_equal(cfg->limits.ws_max_message, 65536);
	assert_int_equal(cfg->logging.n_levels, 2);
	assert_string_equal(cfg->logging.levels[0].subsystem, "cp.sip");
	assert_int_equal(cfg->logging.levels[0].level, 8);
	assert_string_equal(cfg->control.socket, "/run/trapeze/trapezed.sock");
	/* crypto: absent -> auto backend, auto manager, no cryptodev drivers */
	assert_int_equal(cfg->crypto.backend, 0);
	assert_int_equal(cfg->crypto.ipsec_mb_arch, 0);
	assert_null(cfg->crypto.cryptodev_drivers);
	/* cdr: records to the lab's state dir, the last 1000 kept */
	assert_string_equal(cfg->cdr.file, "/run/trapeze/lab/cdr.json");
	assert_int_equal(cfg->cdr.keep, 1000);
	tz_cfg_free(cfg);
}

/* crypto: every key read into its field (issue 12) */
static void test_crypto_keys(void **state)
{
	static const char y[] = PORTS "crypto:\n  backend: cryptodev\n  ipsec_mb_arch: avx2\n"
				"  cryptodev_drivers: [crypto_qat, crypto_aesni_mb]\n";
	struct tz_cfg_errors errs = { 0 };
	struct tz_config *cfg = tz_cfg_load_buffer("t.yaml", y, sizeof(y) - 1, &errs);

	assert_non_null(cfg);
	assert_int_equal(cfg->crypto.backend, 2);
	assert_int_equal(cfg->crypto.ipsec_mb_arch, 3);
	assert_string_equal(cfg->crypto.cryptodev_drivers[0], "crypto_qat");
	assert_string_equal(cfg->crypto.cryptodev_drivers[1], "crypto_aesni_mb");
	assert_null(cfg->crypto.cryptodev_drivers[2]);
	tz_cfg_free(cfg);
	tz_cfg_errors_free(&errs);
}

static void test_bare_metal_sample(void **state)
{
	struct tz_config *cfg = load_sample("bare-metal.yaml");

	assert_int_equal(cfg->eal.n_workers, 4);
	assert_int_equal(cfg->eal.hugepages, 1);
	assert_int_equal(cfg->ports[0].driver, TZ_DRV_PCI);
	assert_int_equal(cfg->crypto.backend, 0);
	assert_int_equal(cfg->crypto.ipsec_mb_arch, 0);
	assert_string_equal(cfg->ports[1].pci, "0000:3b:00.1");
	assert_true(cfg->ports[0].has_mac);
	assert_int_equal(cfg->ports[0].mac[5], 1);
	assert_int_equal(cfg->sip.n_listen, 2);
	assert_string_equal(cfg->sip.listen[1].host, "2001:db8:20::10");
	assert_int_equal(cfg->sip.trunks[0].transport, TZ_SIP_TLS);
	assert_string_equal(cfg->sip.trunks[0].password, "change-me");
	assert_string_equal(cfg->sip.trunks[0].codecs[2], "PCMA");
	assert_null(cfg->sip.trunks[0].codecs[3]);
	assert_int_equal(cfg->sip.trunks[1].address.port, 5060);
	assert_int_equal(cfg->sip.trunks[1].dtmf, TZ_DTMF_INFO);
	assert_int_equal(cfg->sip.trunks[0].n_acl, 1);
	assert_int_equal(cfg->sip.trunks[0].acl[0].prefix, 29);
	assert_int_equal(cfg->sip.trunks[1].n_acl, 0);       /* default: its address */
	assert_true(cfg->sip.trunks[0].tls_verify);
	assert_int_equal(cfg->sip.max_requests_per_source, 50);
	assert_string_equal(cfg->sip.tls_ca, "/etc/ssl/certs/ca-certificates.crt");
	assert_string_equal(cfg->sip.tls_dir, "/run/trapeze");
	assert_false(cfg->sip.routes[0].allow_uri);
	assert_int_equal(cfg->sip.routes[0].trunk, 0);
	assert_int_equal(cfg->sip.routes[1].trunk, 1);
	/* the default tenant (top-level lists) and the enterprises acme and globex */
	assert_int_equal(cfg->n_tenants, 3);
	assert_string_equal(cfg->tenants[0].name, "default");
	assert_int_equal(cfg->tenants[0].n_trunks, 2);
	assert_int_equal(cfg->tenants[0].n_routes, 3);
	assert_int_equal(cfg->tenants[0].n_secrets, 1);
	assert_int_equal(cfg->tenants[0].limits.calls_per_s, 20);
	assert_string_equal(cfg->tenants[0].limits.deny_targets[0], "+449*");
	assert_int_equal(cfg->limits.tenant.daily_minutes, 200000);
	assert_string_equal(cfg->tenants[1].name, "acme");
	assert_string_equal(cfg->tenants[1].paths[0], "/acme");
	assert_int_equal(cfg->tenants[1].limits.max_calls, 50);
	assert_string_equal(cfg->tenants[1].limits.allow_targets[0], "+44*");
	assert_string_equal(cfg->tenants[2].domains[0], "globex.example.net");
	assert_int_equal(cfg->tenants[2].limits.daily_minutes_alarm, 80);
	assert_int_equal(cfg->sip.n_trunks, 4);
	assert_string_equal(cfg->sip.trunks[2].name, "acme-pbx");
	assert_int_equal(cfg->sip.trunks[2].tenant, 1);
	assert_int_equal(cfg->sip.trunks[2].srtp, TZ_TRUNK_SDES);
	assert_string_equal(cfg->sip.trunks[2].srtp_suites[1], "AES_CM_128_HMAC_SHA1_32");
	assert_string_equal(cfg->sip.trunks[2].tls_ca, "/etc/trapeze/tenants/acme-ca.pem");
	assert_int_equal(cfg->sip.trunks[3].tenant, 2);
	assert_int_equal(cfg->sip.trunks[3].srtp, TZ_TRUNK_RTP);
	assert_null(cfg->sip.trunks[3].srtp_suites);
	assert_int_equal(cfg->sip.n_routes, 6);
	assert_int_equal(cfg->sip.routes[3].trunk, 2);
	assert_int_equal(cfg->sip.routes[5].trunk, 3);
	assert_int_equal(cfg->sip.routes[5].tenant, 2);
	assert_int_equal(cfg->auth.n_secrets, 3);
	assert_string_equal(cfg->auth.secrets[2].name, "globex-2026");
	assert_int_equal(cfg->auth.secrets[2].tenant, 2);
	assert_int_equal(cfg->logging.target, TZ_LOG_SYSLOG);
	assert_int_equal(cfg->logging.level, 6);
	assert_string_equal(cfg->control.group, "trapeze");
	tz_cfg_free(cfg);
}

static void test_defaults(void **state)
{
	struct tz_cfg_errors errs;
	struct tz_config *cfg = load(PORTS "sip:\n  trunks:\n    - {name: t, address: "
				     "\"[2001:db8::5]\", transport: tls}\n", &errs);

	assert_non_null(cfg);
	assert_int_equal(cfg->eal.control_core, 0);
	assert_int_equal(cfg->eal.n_workers, 1);
	assert_int_equal(cfg->eal.worker_cores[0], 1);
	assert_int_equal(cfg->eal.hugepages, -1);
	assert_int_equal(cfg->eal.memory_mb, 256);
	assert_int_equal(cfg->eal.idle_sleep_us, 0);
	assert_null(cfg->cdr.file);              /* cdr: absent -> no file, 1000 kept */
	assert_int_equal(cfg->cdr.keep, 1000);
	assert_string_equal(cfg->eal.file_prefix, "trapeze");
	assert_null(cfg->eal.extra_args);
	assert_int_equal(cfg->ports[0].mtu, 1500);
	assert_int_equal(cfg->ports[0].queues, 1);
	assert_int_equal(cfg->ports[0].driver, TZ_DRV_AUTO);
	assert_int_equal(cfg->ports[0].udp_checksum, TZ_CKSUM_AUTO);
	assert_false(cfg->ports[0].has_mac);
	assert_int_equal(cfg->ports[0].ipv6.addr.family, 0);
	assert_int_equal(cfg->media.ports[TZ_ROLE_ACCESS].first, 20000);
	assert_int_equal(cfg->media.ports[TZ_ROLE_ACCESS].last, 29999);
	assert_int_equal(cfg->media.ports[TZ_ROLE_CORE].first, 30000);
	assert_int_equal(cfg->media.ports[TZ_ROLE_CORE].last, 39999);
	assert_null(cfg->signalling.http.host);
	assert_int_equal(cfg->sip.transports, TZ_SIP_UDP | TZ_SIP_TCP);
	assert_int_equal(cfg->sip.trunks[0].address.port, 5061);
	assert_int_equal(cfg->sip.trunks[0].register_expires, 600);
	assert_int_equal(cfg->sip.trunks[0].answer_timeout_s, 60);
	assert_int_equal(cfg->sip.trunks[0].dtmf, TZ_DTMF_RFC4733);
	assert_null(cfg->sip.trunks[0].codecs);
	assert_int_equal(cfg->limits.max_sessions, 65536);
	assert_int_equal(cfg->limits.max_calls_per_user, 4);
	assert_int_equal(cfg->limits.ws_max_message, 65536);
	assert_int_equal(cfg->limits.ws_max_rate, 50);
	assert_int_equal(cfg->limits.media_timeout_s, 30);
	assert_int_equal(cfg->limits.ws_connections_per_ip, 64);
	assert_int_equal(cfg->limits.ws_connections_max, 10000);
	assert_int_equal(cfg->limits.ws_max_queued_bytes, 256u << 20);
	assert_null(cfg->signalling.origins);
	assert_true(cfg->signalling.allow_no_origin);
	assert_false(cfg->signalling.require_tls);
	assert_non_null(cfg->signalling.sip_paths);
	assert_string_equal(cfg->signalling.sip_paths[0], "/");
	assert_string_equal(cfg->signalling.sip_paths[1], "/ws");
	assert_string_equal(cfg->signalling.sip_paths[2], "/sip");
	assert_null(cfg->signalling.sip_paths[3]);
	assert_int_equal(cfg->logging.target, TZ_LOG_STDERR);
	assert_int_equal(cfg->logging.level, 7);
	assert_int_equal(cfg->logging.n_levels, 0);
	assert_string_equal(cfg->control.socket, "/run/trapeze/trapezed.sock");
	assert_int_equal(cfg->control.mode, 0660);
	assert_null(cfg->control.group);
	/* a single-tenant config: only the default tenant, no fraud limits */
	assert_int_equal(cfg->n_tenants, 1);
	assert_string_equal(cfg->tenants[0].name, TZ_TENANT_DEFAULT_NAME);
	assert_int_equal(cfg->tenants[0].line, 0);
	assert_int_equal(cfg->tenants[0].n_trunks, 1);
	assert_int_equal(cfg->tenants[0].n_routes, 0);
	assert_int_equal(cfg->tenants[0].n_secrets, 0);
	assert_null(cfg->tenants[0].domains);
	assert_int_equal(cfg->tenants[0].limits.max_calls, 0);
	assert_int_equal(cfg->tenants[0].limits.calls_per_s, 0);
	assert_int_equal(cfg->tenants[0].limits.daily_minutes, 0);
	assert_int_equal(cfg->tenants[0].limits.daily_minutes_alarm, 80);
	assert_null(cfg->tenants[0].limits.allow_targets);
	assert_int_equal(cfg->sip.trunks[0].tenant, TZ_TENANT_DEFAULT);
	assert_int_equal(cfg->sip.trunks[0].srtp, TZ_TRUNK_RTP);
	assert_null(cfg->sip.trunks[0].tls_ca);
	tz_cfg_free(cfg);
}

/* Three tenants' lists, flattened: the top-level entries first, then each
 * tenant's in file order, each marked with its tenant; routes point at the
 * flattened trunks; the default tenant takes limits.tenant but not the
 * gateway-wide max_calls / max_calls_per_user. */
static const char tenants_yaml[] =
	PORTS
	"sip:\n"
	"  trunks: [{name: carrier, address: 203.0.113.2}]\n"
	"  routes: [{prefix: \"\", trunk: carrier}]\n"
	"auth:\n"
	"  token_secrets: [{name: top, secret_file: /etc/trapeze/top.key}]\n"
	"limits:\n"
	"  max_calls: 300\n"
	"  max_calls_per_user: 3\n"
	"  calls_per_s: 9\n"
	"  deny_targets: [\"+00*\"]\n"
	"tenants:\n"
	"  - name: acme\n"
	"    domains: [acme.example]\n"
	"    origins: [\"https://www.acme.example\"]\n"
	"    hosts: [acme.webrtc.example.net]\n"
	"    paths: [/acme]\n"
	"    token_secrets:\n"
	"      - {name: acme-2026, secret_file: /etc/trapeze/acme.key}\n"
	"    trunks:\n"
	"      - {name: acme-pbx, address: \"pbx.acme.example:5061\", transport: tls,\n"
	"         tls_ca: /etc/trapeze/acme-ca.pem, srtp: sdes, password: acme-pw, username: gw}\n"
	"      - {name: acme-b, address: 192.0.2.9}\n"
	"    routes:\n"
	"      - {prefix: \"+44\", trunk: acme-b}\n"
	"      - {prefix: \"+\", trunk: acme-pbx}\n"
	"    limits: {max_calls: 50, max_calls_per_user: 2, calls_per_s: 5, user_calls_per_s: 1,\n"
	"             allow_targets: [\"+44*\"], deny_targets: [\"+449*\", \"+4487*\"],\n"
	"             daily_minutes: 10000, daily_minutes_alarm: 90}\n"
	"  - name: empty\n"
	"  - name: globex\n"
	"    trunks: [{name: globex-pbx, address: 198.51.100.77}]\n"
	"    routes: [{domain: globex.example.net, trunk: globex-pbx}]\n"
	"    token_secrets: [{name: globex-1, secret_file: /etc/trapeze/globex.key}]\n";

static void test_tenants_flattened(void **state)
{
	struct tz_cfg_errors errs;
	struct tz_config *cfg = load(tenants_yaml, &errs);

	for (size_t i = 0; i < errs.n; i++)
		print_error("%s\n", errs.msg[i]);
	assert_non_null(cfg);
	assert_int_equal(cfg->n_tenants, 4);
	/* tenants[0]: synthesized */
	assert_string_equal(cfg->tenants[0].name, "default");
	assert_int_equal(cfg->tenants[0].line, 0);
	assert_int_equal(cfg->tenants[0].limits.max_calls, 0);
	assert_int_equal(cfg->tenants[0].limits.max_calls_per_user, 0);
	assert_int_equal(cfg->tenants[0].limits.calls_per_s, 9);
	assert_string_equal(cfg->tenants[0].limits.deny_targets[0], "+00*");
	assert_null(cfg->tenants[0].limits.deny_targets[1]);
	assert_ptr_not_equal(cfg->tenants[0].limits.deny_targets,
			     cfg->limits.tenant.deny_targets);   /* its own copy */
	assert_int_equal(cfg->limits.max_calls, 300);
	assert_int_equal(cfg->limits.tenant.calls_per_s, 9);
	/* the file's tenants */
	assert_string_equal(cfg->tenants[1].name, "acme");
	assert_int_equal(cfg->tenants[1].line, 15);
	assert_int_equal(cfg->tenants[1].col, 5);
	assert_string_equal(cfg->tenants[1].domains[0], "acme.example");
	assert_string_equal(cfg->tenants[1].origins[0], "https://www.acme.example");
	assert_string_equal(cfg->tenants[1].hosts[0], "acme.webrtc.example.net");
	assert_string_equal(cfg->tenants[1].paths[0], "/acme");
	assert_int_equal(cfg->tenants[1].limits.max_calls, 50);
	assert_int_equal(cfg->tenants[1].limits.max_calls_per_user, 2);
	assert_int_equal(cfg->tenants[1].limits.calls_per_s, 5);
	assert_int_equal(cfg->tenants[1].limits.user_calls_per_s, 1);
	assert_string_equal(cfg->tenants[1].limits.allow_targets[0], "+44*");
	assert_string_equal(cfg->tenants[1].limits.deny_targets[1], "+4487*");
	assert_int_equal(cfg->tenants[1].limits.daily_minutes, 10000);
	assert_int_equal(cfg->tenants[1].limits.daily_minutes_alarm, 90);
	assert_string_equal(cfg->tenants[2].name, "empty");
	assert_int_equal(cfg->tenants[2].limits.daily_minutes_alarm, 80);
	assert_null(cfg->tenants[2].limits.deny_targets);   /* not the default tenant's */
	assert_string_equal(cfg->tenants[3].name, "globex");
	/* shares */
	assert_int_equal(cfg->tenants[0].n_trunks, 1);
	assert_int_equal(cfg->tenants[1].n_trunks, 2);
	assert_int_equal(cfg->tenants[2].n_trunks, 0);
	assert_int_equal(cfg->tenants[3].n_trunks, 1);
	assert_int_equal(cfg->tenants[1].n_routes, 2);
	assert_int_equal(cfg->tenants[3].n_routes, 1);
	assert_int_equal(cfg->tenants[1].n_secrets, 1);
	assert_int_equal(cfg->tenants[2].n_secrets, 0);
	assert_int_equal(cfg->tenants[3].n_secrets, 1);
	/* sip.trunks: carrier, acme-pbx, acme-b, globex-pbx */
	assert_int_equal(cfg->sip.n_trunks, 4);
	assert_string_equal(cfg->sip.trunks[0].name, "carrier");
	assert_int_equal(cfg->sip.trunks[0].tenant, 0);
	assert_string_equal(cfg->sip.trunks[1].name, "acme-pbx");
	assert_int_equal(cfg->sip.trunks[1].tenant, 1);
	assert_int_equal(cfg->sip.trunks[1].address.port, 5061);
	assert_int_equal(cfg->sip.trunks[1].srtp, TZ_TRUNK_SDES);
	assert_string_equal(cfg->sip.trunks[1].password, "acme-pw");
	assert_string_equal(cfg->sip.trunks[2].name, "acme-b");
	assert_int_equal(cfg->sip.trunks[2].tenant, 1);
	assert_string_equal(cfg->sip.trunks[3].name, "globex-pbx");
	assert_int_equal(cfg->sip.trunks[3].tenant, 3);
	/* sip.routes: the top-level one, acme's two, globex's; trunk = flattened index */
	assert_int_equal(cfg->sip.n_routes, 4);
	assert_int_equal(cfg->sip.routes[0].tenant, 0);
	assert_int_equal(cfg->sip.routes[0].trunk, 0);
	assert_string_equal(cfg->sip.routes[1].prefix, "+44");
	assert_int_equal(cfg->sip.routes[1].tenant, 1);
	assert_int_equal(cfg->sip.routes[1].trunk, 2);
	assert_int_equal(cfg->sip.routes[2].trunk, 1);
	assert_string_equal(cfg->sip.routes[3].domain, "globex.example.net");
	assert_int_equal(cfg->sip.routes[3].tenant, 3);
	assert_int_equal(cfg->sip.routes[3].trunk, 3);
	/* auth.secrets: top, acme-2026, globex-1 */
	assert_int_equal(cfg->auth.n_secrets, 3);
	assert_string_equal(cfg->auth.secrets[0].name, "top");
	assert_int_equal(cfg->auth.secrets[0].tenant, 0);
	assert_string_equal(cfg->auth.secrets[1].name, "acme-2026");
	assert_int_equal(cfg->auth.secrets[1].tenant, 1);
	assert_string_equal(cfg->auth.secrets[2].name, "globex-1");
	assert_int_equal(cfg->auth.secrets[2].tenant, 3);
	tz_cfg_free(cfg);
}

/* show config: tenants as written, nested, secrets hidden; the top-level
 * lists without the tenants' entries; the dump loads back the same. */
static void test_tenants_dump(void **state)
{
	struct tz_cfg_errors errs;
	struct tz_config *cfg = load(tenants_yaml, &errs), *again;
	char *text, *text2, *top, *tenants;

	assert_non_null(cfg);
	text = tz_cfg_dump(cfg);
	assert_non_null(text);
	assert_null(strstr(text, "acme-pw"));
	top = strstr(text, "\nsip:\n");
	tenants = strstr(text, "\ntenants:\n");
	assert_non_null(top);
	assert_non_null(tenants);
	/* top-level: only the default tenant's entries */
	assert_non_null(strstr(top, "  trunks:\n    - name: \"carrier\"\n"));
	assert_true(strstr(top, "acme-pbx") > tenants);
	assert_true(strstr(text, "name: \"top\"") < tenants);
	assert_true(strstr(text, "acme-2026") > tenants);
	/* nested under their tenant, in file order */
	assert_non_null(strstr(tenants, "\n  - name: \"acme\"\n    domains: [\"acme.example\"]\n"));
	assert_non_null(strstr(tenants, "    token_secrets:\n      - name: \"acme-2026\"\n"
			       "        secret_file: \"/etc/trapeze/acme.key\"\n"));
	assert_non_null(strstr(tenants, "    trunks:\n      - name: \"acme-pbx\"\n"));
	assert_non_null(strstr(tenants, "        password: \"***\"\n"));
	assert_non_null(strstr(tenants, "        srtp: sdes\n"));
	assert_non_null(strstr(tenants, "      - prefix: \"+44\"\n        allow_uri: false\n"
			       "        trunk: \"acme-b\"\n"));
	assert_non_null(strstr(tenants, "      daily_minutes_alarm: 90\n"));
	assert_non_null(strstr(tenants, "\n  - name: \"empty\"\n"));
	assert_non_null(strstr(tenants, "    trunks:\n      - name: \"globex-pbx\"\n"));
	assert_non_null(strstr(text, "\n  calls_per_s: 9\n"));   /* limits: the default's */
	/* and it loads back to the same config (secrets aside) */
	again = load(text, &errs);
	for (size_t i = 0; i < errs.n; i++)
		print_error("%s\n", errs.msg[i]);
	assert_non_null(again);
	assert_int_equal(again->n_tenants, 4);
	assert_int_equal(again->sip.n_trunks, 4);
	assert_int_equal(again->sip.routes[1].trunk, 2);
	assert_int_equal(again->auth.secrets[2].tenant, 3);
	text2 = tz_cfg_dump(again);
	assert_string_equal(text, text2);
	free(text);
	free(text2);
	tz_cfg_free(cfg);
	tz_cfg_free(again);
}

/* A config without tenants dumps "tenants: []", which loads back. */
static void test_tenants_none_dump(void **state)
{
	struct tz_cfg_errors errs;
	struct tz_config *cfg = load(PORTS "tenants: []\n", &errs);
	char *text;

	assert_non_null(cfg);
	assert_int_equal(cfg->n_tenants, 1);
	text = tz_cfg_dump(cfg);
	assert_non_null(strstr(text, "\ntenants: []\n"));
	free(text);
	tz_cfg_free(cfg);
}

static void round_trip(const char *name)
{
	struct tz_config *cfg = load_sample(name), *again;
	struct tz_cfg_errors errs;
	char *text, *text2;

	text = tz_cfg_dump(cfg);
	assert_non_null(text);
	assert_null(strstr(text, "change-me"));
	again = tz_cfg_load_buffer("dump.yaml", text, strlen(text), &errs);
	for (size_t i = 0; i < errs.n; i++)
		print_error("%s\n", errs.msg[i]);
	assert_non_null(again);
	text2 = tz_cfg_dump(again);
	assert_string_equal(text, text2);
	free(text);
	free(text2);
	tz_cfg_free(cfg);
	tz_cfg_free(again);
}

static void test_round_trip(void **state)
{
	round_trip("lab.yaml");
	round_trip("bare-metal.yaml");
}

static void test_secrets_hidden(void **state)
{
	struct tz_config *cfg = load_sample("bare-metal.yaml");
	char *text = tz_cfg_dump(cfg);

	assert_non_null(strstr(text, "password: \"***\""));
	assert_null(strstr(text, "also-change-me"));
	free(text);
	tz_cfg_free(cfg);
}

/* A login-token key given inline is never printed either (show config). */
static void test_token_secret_hidden(void **state)
{
	struct tz_cfg_errors errs;
	struct tz_config *cfg = load(PORTS "auth:\n  token_secrets:\n    - name: k1\n"
				     "      secret: this-key-signs-every-login-0123456789\n", &errs);
	char *text;

	assert_non_null(cfg);
	assert_string_equal(cfg->auth.secrets[0].secret, "this-key-signs-every-login-0123456789");
	text = tz_cfg_dump(cfg);
	assert_null(strstr(text, "this-key-signs-every-login"));
	assert_non_null(strstr(text, "secret: \"***\""));
	free(text);
	tz_cfg_free(cfg);
	/* a tenant's too */
	cfg = load(PORTS "tenants:\n  - name: acme\n    token_secrets:\n      - name: k2\n"
		   "        secret: acme-key-signs-every-login-0123456789\n", &errs);
	assert_non_null(cfg);
	assert_string_equal(cfg->auth.secrets[0].secret, "acme-key-signs-every-login-0123456789");
	assert_int_equal(cfg->auth.secrets[0].tenant, 1);
	text = tz_cfg_dump(cfg);
	assert_null(strstr(text, "acme-key-signs-every-login"));
	assert_non_null(strstr(text, "    token_secrets:\n      - name: \"k2\"\n"
			       "        secret: \"***\"\n"));
	free(text);
	tz_cfg_free(cfg);
}

static void test_all_errors_in_order(void **state)
{
	static const char *const want[] = {
		"t.yaml:1:1: ports: required key is missing; expected a sequence of ports",
		"t.yaml:2:17: eal.control_core: \"x\" is not an integer; expected an integer "
		"0..1023",
		"t.yaml:3:3: eal.worker_core: unknown key; did you mean \"worker_cores\"?",
		"t.yaml:5:10: logging.level: \"loud\" is not allowed here; expected one of: "
		"emerg, alert, crit, error, warning, notice, info, debug",
	};
	const char *yaml = "eal:\n  control_core: x\n  worker_core: [1]\nlogging:\n"
			   "  level: loud\n";
	struct tz_cfg_errors errs;

	assert_null(load(yaml, &errs));
	assert_int_equal(errno, EINVAL);
	assert_int_equal(errs.n, 4);
	for (size_t i = 0; i < errs.n; i++)
		assert_string_equal(errs.msg[i], want[i]);
	tz_cfg_errors_free(&errs);
}

static void test_missing_file(void **state)
{
	struct tz_cfg_errors errs;

	assert_null(tz_cfg_load("/nonexistent/trapeze.yaml", &errs));
	assert_int_equal(errno, ENOENT);
	assert_int_equal(errs.n, 1);
	assert_string_equal(errs.msg[0],
			    "/nonexistent/trapeze.yaml: cannot read: No such file or directory");
	tz_cfg_errors_free(&errs);
}

static void test_no_error_list(void **state)
{
	assert_null(tz_cfg_load_buffer("t.yaml", "eal: [", 6, NULL));
	assert_int_equal(errno, EINVAL);
}

static void test_normalised_values(void **state)
{
	struct tz_cfg_errors errs;
	struct tz_config *cfg = load(
		"ports:\n  - {name: a, role: access, pci: \"3B:00.0\", ipv4: 198.51.100.1/24}\n"
		"  - {name: c, role: core, iface: core0, ipv6: \"2001:db8::1/64\", "
		"gateway6: \"2001:db8::fe\"}\n"
		"control: {mode: 600}\nlogging: {levels: {\"cp.*\": 8, \"*\": error}}\n", &errs);

	assert_int_equal(errs.n, 0);
	assert_string_equal(cfg->ports[0].pci, "0000:3b:00.0");
	assert_int_equal(cfg->ports[0].driver, TZ_DRV_PCI);
	assert_int_equal(cfg->ports[1].gateway6.family, AF_INET6);
	assert_int_equal(cfg->control.mode, 0600);
	assert_int_equal(cfg->logging.levels[0].level, 8);
	assert_int_equal(cfg->logging.levels[1].level, 4);
	assert_string_equal(tz_cfg_role_name(TZ_ROLE_CORE), "core");
	assert_string_equal(tz_cfg_driver_name(TZ_DRV_AF_XDP), "af_xdp");
	tz_cfg_free(cfg);
}

/* ports[].media_addresses: kept in order, none by default, dumped and
 * read back (the dump writes them as /32). */
static void test_media_addresses(void **state)
{
	struct tz_cfg_errors errs;
	char *dump;
	struct tz_config *cfg = load(
		"ports:\n  - {name: a, role: access, iface: acc0, ipv4: 198.51.100.1/24, "
		"media_addresses: [198.51.100.11]}\n"
		"  - {name: c, role: core, iface: core0, ipv4: 203.0.113.1/24,\n"
		"     media_addresses: [203.0.113.12, 203.0.113.11]}\n", &errs), *again;

	assert_int_equal(errs.n, 0);
	assert_int_equal(cfg->ports[0].n_media_addrs, 1);
	assert_int_equal(cfg->ports[1].n_media_addrs, 2);
	assert_int_equal(cfg->ports[1].media_addrs[0].addr.v4.s_addr, inet_addr("203.0.113.12"));
	assert_int_equal(cfg->ports[1].media_addrs[1].addr.v4.s_addr, inet_addr("203.0.113.11"));
	dump = tz_cfg_dump(cfg);
	assert_non_null(strstr(dump, "media_addresses: [\"203.0.113.12/32\", \"203.0.113.11/32\"]"));
	again = load(dump, &errs);
	assert_int_equal(errs.n, 0);
	assert_int_equal(again->ports[1].n_media_addrs, 2);
	tz_cfg_free(again);
	free(dump);
	tz_cfg_free(cfg);
	cfg = load(PORTS, &errs);
	assert_int_equal(cfg->ports[1].n_media_addrs, 0);
	tz_cfg_free(cfg);
}

/* media.latch_*, limits for admission and supervision: defaults, values,
 * networks of both families, the containment check, a bad network. */
static void test_media_security_keys(void **state)
{
	struct tz_cfg_errors errs;
	struct tz_config *cfg = load(PORTS, &errs);
	struct tz_cfg_addr in4 = { .family = AF_INET }, in6 = { .family = AF_INET6 };
	char *text;

	assert_non_null(cfg);
	assert_int_equal(cfg->media.latch_window_s, 5);
	assert_int_equal(cfg->media.n_latch_networks, 0);
	assert_int_equal(cfg->limits.max_calls, 1000);
	assert_int_equal(cfg->limits.max_calls_per_ip, 50);
	assert_int_equal(cfg->limits.sip_media_timeout_s, 60);
	assert_int_equal(cfg->limits.consent_timeout_s, 30);
	tz_cfg_free(cfg);
	cfg = load(PORTS "media:\n  latch_window_s: 3\n  latch_networks: [\"192.0.2.0/23\", "
		   "\"2001:db8:5::/48\"]\nlimits: {max_calls: 7, max_calls_per_ip: 2, "
		   "sip_media_timeout_s: 0, consent_timeout_s: 9}\n", &errs);
	assert_non_null(cfg);
	assert_int_equal(cfg->media.latch_window_s, 3);
	assert_int_equal(cfg->media.n_latch_networks, 2);
	assert_int_equal(cfg->limits.max_calls, 7);
	assert_int_equal(cfg->limits.max_calls_per_ip, 2);
	assert_int_equal(cfg->limits.sip_media_timeout_s, 0);
	assert_int_equal(cfg->limits.consent_timeout_s, 9);
	inet_pton(AF_INET, "192.0.3.200", &in4.v4);
	assert_true(tz_cfg_cidr_contains(&cfg->media.latch_networks[0], &in4));
	inet_pton(AF_INET, "192.0.4.1", &in4.v4);
	assert_false(tz_cfg_cidr_contains(&cfg->media.latch_networks[0], &in4));
	inet_pton(AF_INET6, "2001:db8:5:ffff::1", &in6.v6);
	assert_true(tz_cfg_cidr_contains(&cfg->media.latch_networks[1], &in6));
	assert_false(tz_cfg_cidr_contains(&cfg->media.latch_networks[0], &in6));
	inet_pton(AF_INET6, "2001:db8:6::1", &in6.v6);
	assert_false(tz_cfg_cidr_contains(&cfg->media.latch_networks[1], &in6));
	text = tz_cfg_dump(cfg);
	assert_non_null(strstr(text, "latch_networks: [\"192.0.2.0/23\", \"2001:db8:5::/48\"]"));
	free(text);
	tz_cfg_free(cfg);
	assert_null(load(PORTS "media:\n  latch_networks: [\"203.0.113.7/33\"]\n", &errs));
	assert_int_equal(errs.n, 1);
	assert_string_equal(errs.msg[0], "t.yaml:5:20: media.latch_networks[0]: \"203.0.113.7/33\" is "
			    "not an address or CIDR like 198.51.100.0/24 or 2001:db8::/32");
	tz_cfg_errors_free(&errs);
}

/* signalling.sip_paths: the default, [] = off, own paths replace the default; shown. */
static void test_sip_paths(void **state)
{
	struct tz_cfg_errors errs;
	struct tz_config *cfg = load(PORTS "signalling:\n  sip_paths: []\n", &errs);
	char *text;

	assert_non_null(cfg);
	assert_non_null(cfg->signalling.sip_paths);
	assert_null(cfg->signalling.sip_paths[0]);
	text = tz_cfg_dump(cfg);
	assert_non_null(strstr(text, "sip_paths: []"));
	free(text);
	tz_cfg_free(cfg);
	cfg = load(PORTS "signalling:\n  sip_paths: [/phone/sip]\n", &errs);
	assert_non_null(cfg);
	assert_string_equal(cfg->signalling.sip_paths[0], "/phone/sip");
	assert_null(cfg->signalling.sip_paths[1]);
	tz_cfg_free(cfg);
	cfg = load(PORTS, &errs);
	assert_non_null(cfg);
	text = tz_cfg_dump(cfg);
	assert_non_null(strstr(text, "sip_paths: [\"/\", \"/ws\", \"/sip\"]"));
	free(text);
	tz_cfg_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_configs),
		cmocka_unit_test(test_media_addresses),
		cmocka_unit_test(test_lab_sample),
		cmocka_unit_test(test_bare_metal_sample),
		cmocka_unit_test(test_crypto_keys),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_secrets_hidden),
		cmocka_unit_test(test_token_secret_hidden),
		cmocka_unit_test(test_all_errors_in_order),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_no_error_list),
		cmocka_unit_test(test_normalised_values),
		cmocka_unit_test(test_media_security_keys),
		cmocka_unit_test(test_sip_paths),
		cmocka_unit_test(test_tenants_flattened),
		cmocka_unit_test(test_tenants_dump),
		cmocka_unit_test(test_tenants_none_dump),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
