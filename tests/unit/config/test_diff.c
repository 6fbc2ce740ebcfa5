/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reload decisions (issue 13): what a reload reports as changed, what it
 * lists as needing a restart, and that keeping the running values of those
 * keys leaves two configs that both free cleanly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tz_cfg_diff.h"

#define PORTS                                                                 \
	"ports:\n"                                                            \
	"  - {name: a, role: access, iface: acc0, ipv4: 198.51.100.1/24}\n"   \
	"  - {name: c, role: core, iface: core0, ipv4: 203.0.113.1/24}\n"

#define SIP(trunks, routes)                                                   \
	"sip:\n"                                                              \
	"  listen: [\"203.0.113.1:5060\"]\n"                                  \
	"  trunks:\n" trunks "  routes:\n" routes

#define PBX "    - {name: pbx, address: \"203.0.113.2:5060\"}\n"
#define PBX2 "    - {name: pbx2, address: \"203.0.113.3:5060\"}\n"
#define ROUTE_ALL "    - {prefix: \"\", trunk: pbx}\n"

static const char base[] = PORTS SIP(PBX, "    - {prefix: \"+44\", trunk: pbx}\n" ROUTE_ALL);

static struct tz_config *load(const char *yaml)
{
	struct tz_cfg_errors errs = { 0 };
	struct tz_config *cfg = tz_cfg_load_buffer("t.yaml", yaml, strlen(yaml), &errs);

	for (size_t i = 0; i < errs.n; i++)
		print_error("%s\n", errs.msg[i]);
	tz_cfg_errors_free(&errs);
	assert_non_null(cfg);
	return cfg;
}

/* Diff of two YAML texts; the summary in *summary (caller frees). */
static void diff_of(const char *a, const char *b, struct tz_cfg_diff *d, char **summary)
{
	struct tz_config *ca = load(a), *cb = load(b);

	assert_int_equal(tz_cfg_diff(ca, cb, d), 0);
	*summary = tz_cfg_diff_summary(d);
	assert_non_null(*summary);
	tz_cfg_free(ca);
	tz_cfg_free(cb);
}

static bool lists(const struct tz_cfg_diff *d, const char *key)
{
	for (size_t i = 0; i < d->n_restart; i++)
		if (strcmp(d->restart[i], key) == 0)
			return true;
	return false;
}

static void test_same_file(void **state)
{
	struct tz_cfg_diff d;
	char *s;

	diff_of(base, base, &d, &s);
	assert_true(tz_cfg_diff_empty(&d));
	assert_string_equal(s, "no changes");
	assert_false(d.tenants_moved);
	free(s);
	tz_cfg_diff_free(&d);
}

/* The lab reload of the e2e test: a route changed, a trunk added. */
static void test_route_changed_trunk_added(void **state)
{
	static const char b[] = PORTS SIP(PBX PBX2, "    - {prefix: \"+44\", trunk: pbx2}\n" ROUTE_ALL);
	struct tz_cfg_diff d;
	char *s;

	diff_of(base, b, &d, &s);
	assert_string_equal(s, "routes: 1 changed; trunks: 1 added");
	assert_int_equal(d.n_restart, 0);
	assert_false(tz_cfg_diff_empty(&d));
	free(s);
	tz_cfg_diff_free(&d);
}

/* Routes are positional: one more at the end is "added", one less "removed";
 * a trunk whose password changes is "changed", a gone one "removed". */
static void test_counts(void **state)
{
	static const char a[] = PORTS SIP(PBX PBX2, ROUTE_ALL);
	static const char b[] = PORTS SIP("    - {name: pbx, address: \"203.0.113.2:5060\", "
					  "username: u, password: p}\n",
					  ROUTE_ALL "    - {prefix: \"+1\", trunk: pbx}\n"
					  "    - {prefix: \"+2\", trunk: pbx}\n");
	struct tz_cfg_diff d;
	char *s;

	diff_of(a, b, &d, &s);
	assert_int_equal(d.list[TZ_CFG_DIFF_ROUTES].added, 2);
	assert_int_equal(d.list[TZ_CFG_DIFF_ROUTES].changed, 0);
	assert_int_equal(d.list[TZ_CFG_DIFF_TRUNKS].changed, 1);
	assert_int_equal(d.list[TZ_CFG_DIFF_TRUNKS].removed, 1);
	assert_string_equal(s, "routes: 2 added; trunks: 1 removed, 1 changed");
	free(s);
	tz_cfg_diff_free(&d);
	diff_of(b, a, &d, &s);
	assert_string_equal(s, "routes: 2 removed; trunks: 1 added, 1 changed");
	free(s);
	tz_cfg_diff_free(&d);
}

/* Restart-only keys are listed by path, and the rest still counts. */
static void test_needs_restart(void **state)
{
	static const char b[] =
		"eal:\n  memory_mb: 512\n  worker_cores: [1, 2]\n"
		"ports:\n"
		"  - {name: a, role: access, iface: acc1, ipv4: 198.51.100.1/24}\n"
		"  - {name: c, role: core, iface: core0, ipv4: 203.0.113.1/24, mtu: 9000}\n"
		"media:\n  core:\n    ports: 40000-49999\n"
		"signalling:\n  http: 198.51.100.1:8081\n"
		"limits:\n  max_sessions: 100\n  max_calls: 7\n"
		"logging:\n  level: debug\n"
		"media_services:\n  cores: [3]\n"
		SIP(PBX, "    - {prefix: \"+44\", trunk: pbx}\n" ROUTE_ALL);
	static const char *const want[] = {
		"eal.worker_cores", "eal.memory_mb", "ports[0].iface", "ports[1].mtu",
		"signalling.http", "limits.max_sessions", "media.core.ports", "media_services",
	};
	struct tz_cfg_diff d;
	char *s;

	diff_of(base, b, &d, &s);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!lists(&d, want[i]))
			fail_msg("%s not listed as needing a restart", want[i]);
	assert_int_equal(d.n_restart, sizeof(want) / sizeof(want[0]));
	assert_true(d.flag[TZ_CFG_DIFF_F_LIMITS]);
	assert_true(d.flag[TZ_CFG_DIFF_F_LOGGING]);
	assert_string_equal(s, "limits changed; logging changed");
	free(s);
	tz_cfg_diff_free(&d);
}

#define SIP_TLS(files)                                                        \
	PORTS "sip:\n"                                                       \
	"  listen: [\"203.0.113.1:5060\"]\n"                                \
	"  transports: [udp, tls]\n" files                                   \
	"  trunks:\n" PBX "  routes:\n" ROUTE_ALL

/* SIP TLS files reload (sip_tls_reload.c): new paths are no restart, and
 * the config in force carries the new ones. */
static void test_sip_tls_files_reload(void **state)
{
	static const char a[] = SIP_TLS("  tls_cert: /etc/trapeze/a.pem\n"
					"  tls_key: /etc/trapeze/a.key\n");
	static const char b[] = SIP_TLS("  tls_cert: /etc/trapeze/b.pem\n"
					"  tls_key: /etc/trapeze/b.key\n"
					"  tls_ca: /etc/trapeze/ca.pem\n");
	struct tz_config *old = load(a), *new = load(b);
	struct tz_cfg_diff d;

	assert_int_equal(tz_cfg_diff(old, new, &d), 0);
	assert_int_equal(d.n_restart, 0);
	tz_cfg_keep_running(old, new);
	assert_string_equal(new->sip.tls_cert, "/etc/trapeze/b.pem");
	assert_string_equal(new->sip.tls_key, "/etc/trapeze/b.key");
	assert_string_equal(new->sip.tls_ca, "/etc/trapeze/ca.pem");
	tz_cfg_diff_free(&d);
	tz_cfg_free(old);
	tz_cfg_free(new);
}

/* Turning trunk certificate checks off (every TLS trunk tls_verify: false)
 * is sofia's one policy, set at start: listed; one more verified TLS trunk
 * changes nothing there. */
static void test_sip_tls_verify_policy(void **state)
{
	static const char a[] = SIP_TLS("  tls_cert: /etc/trapeze/a.pem\n"
					"  tls_key: /etc/trapeze/a.key\n");
	static const char off[] = PORTS "sip:\n  listen: [\"203.0.113.1:5060\"]\n"
		"  transports: [udp, tls]\n  tls_cert: /etc/trapeze/a.pem\n"
		"  tls_key: /etc/trapeze/a.key\n  trunks:\n" PBX
		"    - {name: t, address: \"203.0.113.5:5061\", transport: tls, tls_verify: false}\n"
		"  routes:\n" ROUTE_ALL;
	static const char on[] = PORTS "sip:\n  listen: [\"203.0.113.1:5060\"]\n"
		"  transports: [udp, tls]\n  tls_cert: /etc/trapeze/a.pem\n"
		"  tls_key: /etc/trapeze/a.key\n  trunks:\n" PBX
		"    - {name: t, address: \"203.0.113.5:5061\", transport: tls}\n"
		"  routes:\n" ROUTE_ALL;
	struct tz_cfg_diff d;
	char *s;

	diff_of(a, off, &d, &s);
	assert_true(lists(&d, "sip.trunks[].tls_verify"));
	free(s);
	tz_cfg_diff_free(&d);
	diff_of(a, on, &d, &s);
	assert_int_equal(d.n_restart, 0);
	free(s);
	tz_cfg_diff_free(&d);
}

static void test_ports_added(void **state)
{
	static const char b[] = PORTS
		"  - {name: c2, role: core, iface: core1, ipv4: 203.0.113.9/24}\n"
		SIP(PBX, "    - {prefix: \"+44\", trunk: pbx}\n" ROUTE_ALL);
	struct tz_cfg_diff d;
	char *s;

	diff_of(base, b, &d, &s);
	assert_true(lists(&d, "ports"));
	free(s);
	tz_cfg_diff_free(&d);
}

#define TENANT(n, extra) "  - {name: " n ", paths: [/" n "]" extra "}\n"

/* Tenants: a new one at the end is fine, a changed limit is "changed", a
 * removed or reordered one is refused (tenants_moved). */
static void test_tenants(void **state)
{
	static const char a[] = PORTS SIP(PBX, ROUTE_ALL) "tenants:\n" TENANT("acme", "")
		TENANT("globex", "");
	static const char added[] = PORTS SIP(PBX, ROUTE_ALL) "tenants:\n"
		TENANT("acme", ", limits: {max_calls: 3}") TENANT("globex", "") TENANT("initech", "");
	static const char swapped[] = PORTS SIP(PBX, ROUTE_ALL) "tenants:\n" TENANT("globex", "")
		TENANT("acme", "");
	static const char dropped[] = PORTS SIP(PBX, ROUTE_ALL) "tenants:\n" TENANT("acme", "");
	struct tz_cfg_diff d;
	char *s;

	diff_of(a, added, &d, &s);
	assert_false(d.tenants_moved);
	assert_string_equal(s, "tenants: 1 added, 1 changed");
	free(s);
	tz_cfg_diff_free(&d);
	diff_of(a, swapped, &d, &s);
	assert_true(d.tenants_moved);
	free(s);
	tz_cfg_diff_free(&d);
	diff_of(a, dropped, &d, &s);
	assert_true(d.tenants_moved);
	assert_int_equal(d.list[TZ_CFG_DIFF_TENANTS].removed, 1);
	free(s);
	tz_cfg_diff_free(&d);
}

/* Keeping the running values: the new config carries the old ports and
 * EAL, the new routes; both configs free cleanly (ASan), and a second swap
 * restores both (the refusal path). */
static void test_keep_running(void **state)
{
	static const char b[] = "eal:\n  memory_mb: 512\n  file_prefix: other\n"
		"ports:\n"
		"  - {name: a, role: access, iface: acc9, ipv4: 198.51.100.1/24}\n"
		"  - {name: c, role: core, iface: core0, ipv4: 203.0.113.1/24}\n"
		"control:\n  socket: /tmp/other.sock\n"
		SIP(PBX PBX2, "    - {prefix: \"+44\", trunk: pbx2}\n");
	struct tz_config *old = load(base), *new = load(b);
	const struct tz_cfg_port *running_port = &old->ports[0];
	struct tz_cfg_diff d;

	tz_cfg_keep_running(old, new);
	assert_ptr_equal(&new->ports[0], running_port);
	assert_string_equal(new->ports[0].iface, "acc0");
	assert_int_equal(new->eal.memory_mb, 256);
	assert_string_equal(new->control.socket, "/run/trapeze/trapezed.sock");
	assert_int_equal(new->sip.n_trunks, 2);
	assert_int_equal(new->sip.n_routes, 1);
	assert_string_equal(old->ports[0].iface, "acc9");
	/* what runs now differs from the retired config only in reloadable keys */
	assert_int_equal(tz_cfg_diff(old, new, &d), 0);
	tz_cfg_diff_free(&d);
	tz_cfg_keep_running(old, new);
	assert_string_equal(new->ports[0].iface, "acc9");
	assert_string_equal(old->ports[0].iface, "acc0");
	tz_cfg_free(old);
	tz_cfg_free(new);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_file),
		cmocka_unit_test(test_route_changed_trunk_added),
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_needs_restart),
		cmocka_unit_test(test_sip_tls_files_reload),
		cmocka_unit_test(test_sip_tls_verify_policy),
		cmocka_unit_test(test_ports_added),
		cmocka_unit_test(test_tenants),
		cmocka_unit_test(test_keep_running),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
