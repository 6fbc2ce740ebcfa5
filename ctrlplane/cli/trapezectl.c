/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * trapezectl: the NOC's command line for trapezed, over its control socket.
 *
 *   trapezectl [--socket PATH] [--json] [COMMAND...]
 *
 * With a command: run it once (exit 0 ok, 1 error, 2 daemon unreachable).
 * Without: an interactive shell on a terminal, else commands from stdin.
 */
#include <getopt.h>
#include <stdlib.h>
#include <unistd.h>

#include "ctl_pvt.h"
#include "tz_cli.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: trapezectl [--socket PATH] [--json] [COMMAND...]\n"
		"\n"
		"Run COMMAND on trapezed and print its result.  Without a command, read\n"
		"commands interactively (on a terminal) or one per line from stdin.\n"
		"\n"
		"  -s, --socket PATH  control socket (default $TRAPEZE_SOCKET, else\n"
		"                     " TZ_CLI_DEFAULT_SOCKET ")\n"
		"  -j, --json         print results as JSON instead of text\n"
		"  -h, --help         show this help\n"
		"\n"
		"\"trapezectl help\" lists the daemon's commands.\n"
		"Exit status: 0 ok, 1 the command failed, 2 trapezed is not reachable.\n");
}

/* 0 to go on, else the exit status + 1 (so --help can exit 0). */
static int parse_options(int argc, char **argv, struct tz_ctl *c)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int o;

	/* '+': options stop at the command, whose arguments may start with '-'. */
	while ((o = getopt_long(argc, argv, "+s:jh", opts, NULL)) != -1) {
		switch (o) {
		case 's':
			c->path = optarg;
			break;
		case 'j':
			c->json = true;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			usage(stderr);
			return 2;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct tz_ctl c = { .fd = -1 };
	int rc;

	c.path = getenv("TRAPEZE_SOCKET");
	if (c.path == NULL || c.path[0] == '\0')
		c.path = TZ_CLI_DEFAULT_SOCKET;
	rc = parse_options(argc, argv, &c);
	if (rc != 0)
		return rc - 1;
	c.in = g_string_new(NULL);
	if (optind < argc) {
		char *req = tz_ctl_request_argv(argc - optind, argv + optind);

		rc = tz_ctl_run(&c, req, NULL);
		g_free(req);
	} else if (isatty(STDIN_FILENO)) {
		rc = tz_ctl_interactive(&c);
	} else {
		rc = tz_ctl_script(&c, stdin);
	}
	tz_ctl_close(&c);
	g_string_free(c.in, TRUE);
	return rc;
}
