/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAL arguments come from the config, never from the command line, so the
 * config file alone says how a server runs.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon_pvt.h"

long tz_hugepages_free(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	long free_pages = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "HugePages_Free: %ld", &free_pages) == 1)
			break;
	fclose(f);
	return free_pages;
}

/* Append a formatted string from the store; NULL when out of room. */
static char *fmt_arg(char **store, size_t *left, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static char *fmt_arg(char **store, size_t *left, const char *fmt, ...)
{
	va_list ap;
	char *s = *store;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(s, *left, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= *left)
		return NULL;
	*store += n + 1;
	*left -= (size_t)n + 1;
	return s;
}

static char *lcore_list(const struct tz_cfg_eal *e, char **store, size_t *left)
{
	char buf[512];
	int n = snprintf(buf, sizeof(buf), "%u", e->control_core);

	for (uint16_t i = 0; i < e->n_workers && n < (int)sizeof(buf); i++)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, ",%u", e->worker_cores[i]);
	return fmt_arg(store, left, "%s", buf);
}

/* With media-services cores: `--lcores` maps each onto its CPU (lcore 2 on
 * CPU 1: "2@1"), so a stage core may share a worker's CPU on a small box;
 * the control and worker lcores stay on the CPU of their number. */
static char *lcores_map(const struct tz_config *cfg, char **store, size_t *left)
{
	const struct tz_cfg_media_services *m = &cfg->media_services;
	char buf[768];
	int n = snprintf(buf, sizeof(buf), "%u", cfg->eal.control_core);

	for (uint16_t i = 0; i < cfg->eal.n_workers && n < (int)sizeof(buf); i++)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, ",%u", cfg->eal.worker_cores[i]);
	for (uint16_t i = 0; i < m->n_cores && n < (int)sizeof(buf); i++)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, ",%u@%u", m->cores[i],
			      m->n_cpus > i ? m->cpus[i] : m->cores[i]);
	return n < (int)sizeof(buf) ? fmt_arg(store, left, "%s", buf) : NULL;
}

int tz_eal_args(const struct tz_config *cfg, const char *prog, char **argv, int max,
		char *store, size_t store_len, bool *hugepages)
{
	const struct tz_cfg_eal *e = &cfg->eal;
	bool pci = false;
	int argc = 0, n;

	*hugepages = e->hugepages == 1 || (e->hugepages == -1 && tz_hugepages_free() > 0);
	for (size_t i = 0; i < cfg->n_ports; i++)
		pci |= cfg->ports[i].driver == TZ_DRV_PCI;
#define ADD(s) do { if (argc >= max - 1 || (argv[argc++] = (s)) == NULL) return -E2BIG; } while (0)
	ADD((char *)prog);
	if (cfg->media_services.n_cores != 0) {
		ADD("--lcores");
		ADD(lcores_map(cfg, &store, &store_len));
	} else {
		ADD("-l");
		ADD(lcore_list(e, &store, &store_len));
	}
	ADD("--main-lcore");
	ADD(fmt_arg(&store, &store_len, "%u", e->control_core));
	ADD("--file-prefix");
	ADD(e->file_prefix != NULL ? e->file_prefix : "trapeze");
	ADD("-m");
	ADD(fmt_arg(&store, &store_len, "%u", e->memory_mb));
	if (*hugepages) {
		ADD("--in-memory");
	} else {
		ADD("--no-huge");
		ADD("--no-shconf");
	}
	if (!pci)
		ADD("--no-pci");
	if (!e->telemetry)
		ADD("--no-telemetry");
	ADD("--log-level=lib.*:notice");
	ADD("--log-level=pmd.*:notice");
	n = tz_ports_eal_args(cfg, argv + argc, max - 1 - argc);
	if (n < 0)
		return n;
	argc += n;
	for (char **x = e->extra_args; x != NULL && *x != NULL; x++)
		ADD(*x);
#undef ADD
	argv[argc] = NULL;
	return argc;
}
