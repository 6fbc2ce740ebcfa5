/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tz_cfg_load(): read, parse to a node tree, walk the schema, validate,
 * and hand back either a whole valid config or every error in file order.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_pvt.h"

static void check_root(struct tz_cfg_ctx *c, const struct tz_cfg_node *root)
{
	if (root == NULL || tz_cfg_is_null(root))
		tz_cfg_err_at(c, 1, 1, NULL, "the file is empty; expected a mapping of "
			      "sections like eal:, ports:, sip:");
	else if (root->kind != TZ_NODE_MAP)
		tz_cfg_err_at(c, root->line, root->col, NULL, "the top level is %s; expected a "
			      "mapping of sections like eal:, ports:, sip:",
			      tz_cfg_kind_name(root));
}

static void parse(struct tz_cfg_ctx *c, struct tz_config *cfg, const char *buf, size_t len)
{
	struct tz_cfg_node *root;

	tz_cfg_defaults(c, &tz_cfg_top_schema, cfg);
	if (len > TZ_CFG_MAX_BYTES) {
		tz_cfg_err_at(c, 1, 1, NULL, "the file is larger than %d bytes; a config is "
			      "much smaller", TZ_CFG_MAX_BYTES);
		return;
	}
	root = tz_cfg_yaml_parse(c, buf, len);
	if (c->n_errs == 0)
		check_root(c, root);
	if (c->n_errs == 0) {
		tz_cfg_walk_map(c, root, &tz_cfg_top_schema, cfg);
		tz_cfg_tenants_flatten(c, cfg);
		if (!c->nomem)
			tz_cfg_validate(c, cfg);
	}
	tz_cfg_node_free(root);
}

struct tz_config *tz_cfg_load_buffer(const char *name, const char *buf, size_t len,
				     struct tz_cfg_errors *errs)
{
	struct tz_cfg_ctx c = { .name = name };
	struct tz_config *cfg;
	int err = 0;

	if (errs != NULL)
		*errs = (struct tz_cfg_errors){ NULL, 0 };
	cfg = calloc(1, sizeof(*cfg));
	if (cfg == NULL || (cfg->path = strdup(name)) == NULL)
		goto err_nomem;
	c.cfg = cfg;
	parse(&c, cfg, buf, len);
	tz_cfg_errs_export(&c, errs);
	if (c.nomem)
		goto err_nomem;
	if (c.n_errs > 0) {
		err = EINVAL;
		goto err_free;
	}
	tz_cfg_ctx_release(&c);
	return cfg;

err_nomem:
	err = ENOMEM;
err_free:
	tz_cfg_ctx_release(&c);
	tz_cfg_free(cfg);
	errno = err;
	return NULL;
}

static int cannot_read(const char *path, int err, struct tz_cfg_errors *errs)
{
	char *msg = NULL;

	if (errs != NULL && asprintf(&msg, "%s: cannot read: %s", path, strerror(err)) >= 0) {
		errs->msg = malloc(sizeof(*errs->msg));
		if (errs->msg == NULL) {
			free(msg);
			return ENOMEM;
		}
		errs->msg[0] = msg;
		errs->n = 1;
	}
	return err;
}

struct tz_config *tz_cfg_load(const char *path, struct tz_cfg_errors *errs)
{
	struct tz_config *cfg = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int err;

	if (errs != NULL)
		*errs = (struct tz_cfg_errors){ NULL, 0 };
	f = fopen(path, "rb");
	if (f == NULL)
		goto err_read;
	buf = malloc(TZ_CFG_MAX_BYTES + 1);
	if (buf == NULL)
		goto err_read;
	errno = 0;
	len = fread(buf, 1, TZ_CFG_MAX_BYTES + 1, f);
	if (ferror(f)) {
		errno = errno ? errno : EIO;
		goto err_read;
	}
	fclose(f);
	cfg = tz_cfg_load_buffer(path, buf, len, errs);
	err = errno;
	free(buf);
	errno = err;
	return cfg;

err_read:
	err = errno;
	if (f != NULL)
		fclose(f);
	free(buf);
	errno = cannot_read(path, err, errs);
	return NULL;
}

void tz_cfg_free(struct tz_config *cfg)
{
	if (cfg == NULL)
		return;
	tz_cfg_release(&tz_cfg_top_schema, cfg);
	free(cfg->path);
	free(cfg);
}

void tz_cfg_errors_free(struct tz_cfg_errors *errs)
{
	if (errs == NULL)
		return;
	for (size_t i = 0; i < errs->n; i++)
		free(errs->msg[i]);
	free(errs->msg);
	errs->msg = NULL;
	errs->n = 0;
}

const char *tz_cfg_role_name(enum tz_cfg_role role)
{
	return tz_cfg_enum_name(tz_cfg_roles, (int)role);
}

const char *tz_cfg_driver_name(enum tz_cfg_port_driver drv)
{
	return tz_cfg_enum_name(tz_cfg_drivers, (int)drv);
}

const char *tz_cfg_udp_cksum_name(enum tz_cfg_udp_cksum m)
{
	return tz_cfg_enum_name(tz_cfg_udp_cksums, (int)m);
}
