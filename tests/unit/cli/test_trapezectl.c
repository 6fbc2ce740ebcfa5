/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The real trapezectl binary against a server in this process: one-shot
 * text and --json output, errors and exit statuses, script mode on stdin.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <gio/gio.h>

#include "cli_test_cmds.h"
#include "cli_test_server.h"
#include "tz_cli.h"

#define PORTS_TABLE \
	"port  name    driver      rx_pkts  rx_mbps  link\n" \
	"   0  access  net_af_xdp   123456      9.5  up\n" \
	"   1  core    net_tap           7        -  down\n"

struct run {
	int status;
	char *out;
	char *err;
};

static struct cli_test_server *server;

static int group_setup(void **state)
{
	if (cli_test_register() != 0 || getenv("TRAPEZECTL") == NULL)
		return -1;
	server = cli_test_server_start(NULL, 0660, NULL);
	return server == NULL ? -1 : 0;
}

static int group_teardown(void **state)
{
	cli_test_server_stop(server);
	return 0;
}

/* Run trapezectl with argv (NULL-terminated), @p input on stdin, env socket @p sock. */
static struct run ctl(const char *sock, const char *input, const char *const *args)
{
	GSubprocessLauncher *l = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDIN_PIPE |
							   G_SUBPROCESS_FLAGS_STDOUT_PIPE |
							   G_SUBPROCESS_FLAGS_STDERR_PIPE);
	GPtrArray *argv = g_ptr_array_new();
	struct run r = { 0 };
	GSubprocess *p;

	g_ptr_array_add(argv, getenv("TRAPEZECTL"));
	for (int i = 0; args[i] != NULL; i++)
		g_ptr_array_add(argv, (gpointer)args[i]);
	g_ptr_array_add(argv, NULL);
	if (sock != NULL)
		g_subprocess_launcher_setenv(l, "TRAPEZE_SOCKET", sock, TRUE);
	else
		g_subprocess_launcher_unsetenv(l, "TRAPEZE_SOCKET");
	p = g_subprocess_launcher_spawnv(l, (const char *const *)argv->pdata, NULL);
	assert_non_null(p);
	assert_true(g_subprocess_communicate_utf8(p, input != NULL ? input : "", NULL,
						  &r.out, &r.err, NULL));
	assert_true(g_subprocess_get_if_exited(p));
	r.status = g_subprocess_get_exit_status(p);
	g_object_unref(p);
	g_ptr_array_free(argv, TRUE);
	g_object_unref(l);
	return r;
}

static void assert_run(struct run r, int status, const char *out, const char *err)
{
	if (strcmp(r.out, out) != 0 || strcmp(r.err, err) != 0 || r.status != status)
		fail_msg("status %d, stdout:\n%s\nstderr:\n%s", r.status, r.out, r.err);
	g_free(r.out);
	g_free(r.err);
}

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void test_table(void **state)
{
	const char *sock = cli_test_server_path(server);

	assert_run(ctl(sock, NULL, ARGS("show", "ports")), 0, PORTS_TABLE, "");
	assert_run(ctl(NULL, NULL, ARGS("--socket", sock, "show", "ports")), 0, PORTS_TABLE, "");
	assert_run(ctl(sock, NULL, ARGS("show ports")), 0, PORTS_TABLE, "");
}

static void test_object(void **state)
{
	assert_run(ctl(cli_test_server_path(server), NULL, ARGS("show", "version")), 0,
		   "version:  0.1.0\n"
		   "build:\n"
		   "  compiler: gcc\n"
		   "  dpdk:     22.11\n"
		   "features: srtp, ice\n", "");
	assert_run(ctl(cli_test_server_path(server), NULL, ARGS("test", "echo", "a b", "-c")), 0,
		   "a b\n-c\n", "");
	assert_run(ctl(cli_test_server_path(server), NULL, ARGS("set", "log", "level", "x", "info")),
		   0, "", "");
}

static void test_json(void **state)
{
	struct run r = ctl(cli_test_server_path(server), NULL, ARGS("--json", "show", "ports"));
	char *reply = tz_cli_execute("show ports");
	JsonObject *want = cli_test_parse_reply(reply);
	JsonParser *p = json_parser_new();

	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	assert_non_null(strstr(r.out, "\n  {\n    \"port\" : 0,\n"));  /* pretty */
	assert_true(json_parser_load_from_data(p, r.out, -1, NULL));
	assert_true(json_node_equal(json_parser_get_root(p), json_object_get_member(want, "result")));
	g_object_unref(p);
	json_object_unref(want);
	g_free(reply);
	g_free(r.out);
	g_free(r.err);
}

static void test_errors(void **state)
{
	const char *sock = cli_test_server_path(server);

	assert_run(ctl(sock, NULL, ARGS("test", "fail")), 1, "", "trapezectl: port 3 is down\n");
	assert_run(ctl(sock, NULL, ARGS("shw", "ports")), 1, "",
		   "trapezectl: unknown command \"shw ports\"; did you mean \"show ports\"?\n");
	assert_run(ctl(sock, NULL, ARGS("--json", "set", "log", "level", "x")), 1, "",
		   "trapezectl: usage: set log level <subsystem> <level>\n");
	assert_run(ctl("/tmp/tz-no-such-dir/trapezed.sock", NULL, ARGS("show", "ports")), 2, "",
		   "trapezectl: cannot connect to /tmp/tz-no-such-dir/trapezed.sock: No such file "
		   "or directory (is trapezed running?)\n");
}

static void test_help_option(void **state)
{
	struct run r = ctl(NULL, NULL, ARGS("--help"));

	assert_int_equal(r.status, 0);
	assert_true(g_str_has_prefix(r.out, "usage: trapezectl [--socket PATH] [--json] "
					    "[COMMAND...]\n"));
	assert_non_null(strstr(r.out, TZ_CLI_DEFAULT_SOCKET));
	g_free(r.out);
	g_free(r.err);
	r = ctl(NULL, NULL, ARGS("--bogus"));
	assert_int_equal(r.status, 1);
	g_free(r.out);
	g_free(r.err);
}

static void test_script(void **state)
{
	assert_run(ctl(cli_test_server_path(server),
		       "# a NOC script\n"
		       "show ports\n"
		       "\n"
		       "test fail\n"
		       "   test echo 'a b' c\n"
		       "quit\n"
		       "test echo never\n", ARGS("--socket", cli_test_server_path(server))),
		   1, PORTS_TABLE "a b\nc\n", "trapezectl: stdin:4: port 3 is down\n");
	assert_run(ctl(cli_test_server_path(server), "help show\n", ARGS("-j")), 0,
		   "[\n"
		   "  {\n"
		   "    \"command\" : \"show cli\",\n"
		   "    \"args\" : \"\",\n"
		   "    \"help\" : \"control socket counters\"\n"
		   "  },\n"
		   "  {\n"
		   "    \"command\" : \"show ports\",\n"
		   "    \"args\" : \"\",\n"
		   "    \"help\" : \"ports and their counters\"\n"
		   "  },\n"
		   "  {\n"
		   "    \"command\" : \"show version\",\n"
		   "    \"args\" : \"\",\n"
		   "    \"help\" : \"version and build\"\n"
		   "  }\n"
		   "]\n", "");
}

static void test_help_text(void **state)
{
	assert_run(ctl(cli_test_server_path(server), NULL, ARGS("help", "set")), 0,
		   "command        args                 help\n"
		   "set log level  <subsystem> <level>  change a subsystem's log level\n", "");
	assert_run(ctl(cli_test_server_path(server), NULL, ARGS("help", "set", "log", "level")), 0,
		   "command: set log level\n"
		   "usage:   set log level <subsystem> <level>\n"
		   "help:    change a subsystem's log level\n", "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_object),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_help_option),
		cmocka_unit_test(test_script),
		cmocka_unit_test(test_help_text),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
