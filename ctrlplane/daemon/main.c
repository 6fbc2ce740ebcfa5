/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * trapezed: the gateway daemon.  The main lcore runs the control plane's
 * GLib main loop; worker lcores run the dataplane.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib.h>
#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "daemon_pvt.h"
#include "tz_cli.h"
#include "tz_log.h"

#define DEFAULT_CONFIG "/etc/trapeze/trapeze.yaml"

static const char usage[] =
"Usage: trapezed [OPTION]...\n"
"Trapeze WebRTC <-> SIP media gateway daemon.\n"
"\n"
"  -c, --config FILE        run with this config (default " DEFAULT_CONFIG ")\n"
"      --check-config FILE  validate FILE, print every error as\n"
"                           FILE:LINE:COL: field: message, exit 0 (valid) or 1\n"
"      --print-eal-args     print the DPDK EAL arguments the config gives, and exit\n"
"  -p, --pidfile FILE       write the daemon's PID to FILE (removed at exit)\n"
"  -l, --log-level LEVEL    override logging.level (emerg..debug)\n"
"  -h, --help               show this help and exit\n"
"  -V, --version            show version and exit\n"
"\n"
"Everything else (cores, ports, addresses, SIP, limits) comes from the config;\n"
"see docs/config.md and the samples in config/.  EAL arguments are derived from\n"
"it: software ports run with --no-pci, hugepages are used when reserved\n"
"(--in-memory), otherwise --no-huge.\n"
"\n"
"Run it as root, or as trapeze.service does: user trapeze with CAP_NET_ADMIN,\n"
"CAP_NET_RAW, CAP_NET_BIND_SERVICE, CAP_IPC_LOCK (docs/install.md).  Stop it with\n"
"SIGINT or SIGTERM: ports close, TAP interfaces go away, nothing is left under\n"
"/var/run/dpdk.  Inspect it with trapezectl (docs/cli.md).\n"
"\n"
"Exit status: 0 clean stop or valid config, 1 config errors, 2 start-up failure.\n";

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", required_argument, NULL, 'C' },
		{ "print-eal-args", no_argument, NULL, 'E' },
		{ "pidfile", required_argument, NULL, 'p' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct options){ .config = DEFAULT_CONFIG, .log_level = -1 };
	while ((c = getopt_long(argc, argv, "c:p:l:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': o->config = optarg; break;
		case 'C': o->check = optarg; break;
		case 'E': o->print_eal = true; break;
		case 'p': o->pidfile = optarg; break;
		case 'l':
			o->log_level = tz_log_level_parse(optarg);
			if (o->log_level < 0) {
				fprintf(stderr, "trapezed: --log-level: \"%s\" is not a level "
					"(emerg alert crit error warning notice info debug)\n", optarg);
				return -EINVAL;
			}
			break;
		case 'h': fputs(usage, stdout); exit(0);
		case 'V': printf("trapezed %s\n", TZ_VERSION); exit(0);
		default:
			fputs("Try 'trapezed --help'.\n", stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "trapezed: unexpected argument \"%s\"; try 'trapezed --help'\n",
			argv[optind]);
		return -EINVAL;
	}
	return 0;
}

/* Load a config, printing every error; NULL when it is not valid. */
static struct tz_config *load_config(const char *path)
{
	struct tz_cfg_errors errs = { 0 };
	struct tz_config *cfg = tz_cfg_load(path, &errs);

	for (size_t i = 0; i < errs.n; i++)
		fprintf(stderr, "%s\n", errs.msg[i]);
	tz_cfg_errors_free(&errs);
	return cfg;
}

static int check_config(const char *path)
{
	struct tz_config *cfg = load_config(path);

	if (cfg == NULL)
		return 1;
	printf("%s: OK (%zu ports, %zu trunks, %zu routes)\n", path, cfg->n_ports,
	       cfg->sip.n_trunks, cfg->sip.n_routes);
	tz_cfg_free(cfg);
	return 0;
}

int main(int argc, char **argv)
{
	struct tz_daemon d = { 0 };
	struct options o;
	int rc;

	if (parse_options(argc, argv, &o) != 0)
		return 1;
	if (o.check != NULL)
		return check_config(o.check);
	d.cfg = load_config(o.config);
	if (d.cfg == NULL)
		return 1;
	if (o.log_level > 0)
		d.cfg->logging.level = o.log_level;
	rc = tz_daemon_run(&d, &o);
	tz_cfg_free(d.cfg);
	return rc;
}
