/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to the config loader: the YAML node tree, the load context that
 * collects errors and field positions, and the schema tables that drive
 * parsing, defaults, freeing and dumping.
 */
#ifndef TZ_CFG_PVT_H
#define TZ_CFG_PVT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "tz_config.h"

#define TZ_CFG_MAX_DEPTH 32       /* YAML nesting; the schema needs 6 */
#define TZ_CFG_MAX_NODES 100000
#define TZ_CFG_MAX_BYTES (1 << 20)
#define TZ_CFG_MAX_ERRORS 100
#define TZ_CFG_MAX_FIELDS 32      /* keys in one schema mapping */
#define TZ_CFG_PATH_MAX 256
#define TZ_CFG_MAX_CORE 1023

enum tz_cfg_node_kind {
	TZ_NODE_SCALAR,
	TZ_NODE_SEQ,
	TZ_NODE_MAP,
	TZ_NODE_ALIAS,
};

/* One YAML node; a mapping's kids are key, value, key, value ... */
struct tz_cfg_node {
	enum tz_cfg_node_kind kind;
	int line, col;            /* 1-based */
	bool plain;               /* unquoted scalar: may be null */
	char *text;               /* scalar value or alias name */
	size_t len;
	struct tz_cfg_node **kids;
	size_t n, cap;
};

struct tz_cfg_err {
	int line, col;
	unsigned seq;
	char *msg;
};

/* Where a field's value was given, for cross-field checks after the walk. */
struct tz_cfg_pos {
	const void *addr;
	int line, col;
	char *path;
	bool bad;                 /* given, but its value was rejected */
};

/*
 * One tenants[] entry as written: the tenant, and its own trunks, routes
 * and token secrets (counted in t.n_trunks, t.n_routes, t.n_secrets) until
 * tz_cfg_tenants_flatten() moves them into sip.trunks, sip.routes and
 * auth.secrets.  The dump views the flattened lists through it again.
 */
struct tz_cfg_tenant_src {
	struct tz_cfg_tenant t;   /* first: its positions move to tz_config.tenants */
	struct tz_cfg_trunk *trunks;
	struct tz_cfg_route *routes;
	struct tz_cfg_token_secret *secrets;
};

/* A name that must resolve to an index once the whole file is read. */
struct tz_cfg_ref {
	uint32_t *dst;
	char *name;
};

struct tz_cfg_ctx {
	const char *name;         /* file name for messages */
	struct tz_config *cfg;
	struct tz_cfg_err *errs;
	size_t n_errs, cap_errs;
	unsigned seq;
	bool nomem;
	char path[TZ_CFG_PATH_MAX];
	size_t path_len;
	struct tz_cfg_pos *pos;
	size_t n_pos, cap_pos;
	struct tz_cfg_ref *refs;
	size_t n_refs, cap_refs;
	size_t n_nodes;
	struct tz_cfg_tenant_src *tenants;   /* tenants: as walked, until flattened */
	size_t n_tenants;
};

struct tz_cfg_field;

struct tz_cfg_type {
	const char *expect;       /* "an integer", for messages */
	enum tz_cfg_node_kind kind;
	/* parse node @v into obj + f->off; report errors; 0 or -EINVAL */
	int (*parse)(struct tz_cfg_ctx *c, const struct tz_cfg_node *v, void *obj,
		     const struct tz_cfg_field *f);
	/* write the value as YAML (flow style); write nothing when unset */
	void (*dump)(FILE *out, const void *obj, const struct tz_cfg_field *f,
		     const struct tz_config *root);
	void (*release)(void *obj, const struct tz_cfg_field *f);
};

struct tz_cfg_schema;

/*
 * One key of a mapping.  Exactly one of: type (a value), sub without esize
 * (a nested mapping embedded at off), sub with esize (a sequence of
 * mappings: array pointer at off, size_t count at off_n).
 */
struct tz_cfg_field {
	const char *key;
	const struct tz_cfg_type *type;
	const struct tz_cfg_schema *sub;
	size_t off;
	size_t off_n;             /* count / has-flag member, or 0 */
	size_t esize;
	bool required;
	const char *def;          /* default text, parsed by type */
	long long min, max;       /* integer ranges, element counts */
	const void *arg;          /* enum table, host:port options ... */
	const char *moved;        /* a key no longer taken: the error says where it went;
				     such a row has no type, sub, default nor dump */
};

struct tz_cfg_schema {
	const struct tz_cfg_field *fields;
	size_t n;
	void (*init)(void *obj);  /* defaults a def string cannot express */
	/* dependent defaults, once the mapping is read */
	void (*finish)(struct tz_cfg_ctx *c, void *obj, const struct tz_cfg_node *map);
};

struct tz_cfg_enum {
	const char *name;
	int value;
	bool alias;               /* accepted, not listed nor dumped */
};

struct tz_cfg_hp_opts {
	uint16_t default_port;    /* 0: the port is required ... */
	bool port_optional;       /* ... unless this is set (port left 0) */
	bool literal;             /* host must be an IP literal */
};

/* errors.c */
void tz_cfg_err_at(struct tz_cfg_ctx *c, int line, int col, const char *path,
		   const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void tz_cfg_err(struct tz_cfg_ctx *c, const struct tz_cfg_node *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
size_t tz_cfg_path_push(struct tz_cfg_ctx *c, const char *key, long index);
void tz_cfg_path_pop(struct tz_cfg_ctx *c, size_t len);
void tz_cfg_pos_add(struct tz_cfg_ctx *c, const void *addr, const struct tz_cfg_node *n);
const struct tz_cfg_pos *tz_cfg_pos_find(const struct tz_cfg_ctx *c, const void *addr);
int tz_cfg_ref_add(struct tz_cfg_ctx *c, uint32_t *dst, const char *name);
void tz_cfg_ctx_release(struct tz_cfg_ctx *c);
void tz_cfg_errs_export(struct tz_cfg_ctx *c, struct tz_cfg_errors *errs);

/* yaml.c */
struct tz_cfg_node *tz_cfg_yaml_parse(struct tz_cfg_ctx *c, const char *buf, size_t len);
void tz_cfg_node_free(struct tz_cfg_node *n);
bool tz_cfg_is_null(const struct tz_cfg_node *n);
const char *tz_cfg_kind_name(const struct tz_cfg_node *n);

/* walk.c */
void tz_cfg_walk_map(struct tz_cfg_ctx *c, const struct tz_cfg_node *map,
		     const struct tz_cfg_schema *s, void *obj);
void tz_cfg_defaults(struct tz_cfg_ctx *c, const struct tz_cfg_schema *s, void *obj);
void tz_cfg_release(const struct tz_cfg_schema *s, void *obj);

/* schema.c */
extern const struct tz_cfg_schema tz_cfg_top_schema;
extern const struct tz_cfg_schema tz_cfg_tenant_schema;   /* over tz_cfg_tenant_src */
bool tz_cfg_origin_valid(const char *o);
bool tz_cfg_url_path_valid(const char *p);
extern const struct tz_cfg_enum tz_cfg_roles[];
extern const struct tz_cfg_enum tz_cfg_drivers[];
extern const struct tz_cfg_enum tz_cfg_udp_cksums[];
extern const struct tz_cfg_enum tz_cfg_transport_names[];
const char *tz_cfg_enum_name(const struct tz_cfg_enum *e, int value);

/* subsys.c */
bool tz_cfg_subsystem_valid(const char *name);
const char *tz_cfg_subsystem_nearest(const char *name);

/* validate.c */
void tz_cfg_validate(struct tz_cfg_ctx *c, struct tz_config *cfg);

/* tenants.c: tenants[] as walked -> tz_config.tenants and the flattened lists */
void tz_cfg_tenants_flatten(struct tz_cfg_ctx *c, struct tz_config *cfg);
void tz_cfg_tenants_src_release(struct tz_cfg_ctx *c);
size_t tz_cfg_share_start(const struct tz_config *cfg, size_t off_n, uint32_t tenant);

/* validate_tenants.c */
void tz_cfg_validate_tenants(struct tz_cfg_ctx *c, const struct tz_config *cfg);
void tz_cfg_entry_path(const struct tz_config *cfg, const char *top, const char *key,
		       size_t off_n, uint32_t tenant, size_t i, char *buf, size_t len);
const char *tz_cfg_tenant_label(const struct tz_config *cfg, uint32_t t, char *buf,
				size_t len);

/* validate_media.c: the announcement and music-on-hold WAV files */
void tz_cfg_validate_media(struct tz_cfg_ctx *c, const struct tz_config *cfg);

/* types.c, types_net.c, types_list.c */
extern const struct tz_cfg_type tz_cfg_t_u16;
extern const struct tz_cfg_type tz_cfg_t_u32;
extern const struct tz_cfg_type tz_cfg_t_size;
extern const struct tz_cfg_type tz_cfg_t_mode;
extern const struct tz_cfg_type tz_cfg_t_bool;
extern const struct tz_cfg_type tz_cfg_t_enum;
extern const struct tz_cfg_type tz_cfg_t_str;
extern const struct tz_cfg_type tz_cfg_t_path;
extern const struct tz_cfg_type tz_cfg_t_secret;
extern const struct tz_cfg_type tz_cfg_t_name;
extern const struct tz_cfg_type tz_cfg_t_word;
extern const struct tz_cfg_type tz_cfg_t_iface;
extern const struct tz_cfg_type tz_cfg_t_prefix;
extern const struct tz_cfg_type tz_cfg_t_cidr;
extern const struct tz_cfg_type tz_cfg_t_cidrlist;
extern const struct tz_cfg_type tz_cfg_t_addr;
extern const struct tz_cfg_type tz_cfg_t_hostport;
extern const struct tz_cfg_type tz_cfg_t_pci;
extern const struct tz_cfg_type tz_cfg_t_mac;
extern const struct tz_cfg_type tz_cfg_t_range;
extern const struct tz_cfg_type tz_cfg_t_strlist;
extern const struct tz_cfg_type tz_cfg_t_cores;
extern const struct tz_cfg_type tz_cfg_t_listen;
extern const struct tz_cfg_type tz_cfg_t_transports;
extern const struct tz_cfg_type tz_cfg_t_trunkref;
extern const struct tz_cfg_type tz_cfg_t_levels;
extern const struct tz_cfg_type tz_cfg_t_tenants;

/* shared scalar helpers (types.c) */
void tz_cfg_dump_str(FILE *out, const char *s);
int tz_cfg_enum_parse(struct tz_cfg_ctx *c, const struct tz_cfg_node *v,
		      const struct tz_cfg_enum *e, int *out);
int tz_cfg_int_parse(struct tz_cfg_ctx *c, const struct tz_cfg_node *v,
		     long long min, long long max, long long *out);
int tz_cfg_parse_hostport(const char *s, const struct tz_cfg_hp_opts *o,
			  struct tz_cfg_hostport *hp, const char **why);
void tz_cfg_dump_hostport(FILE *out, const struct tz_cfg_hostport *hp);
char *tz_cfg_strdup(struct tz_cfg_ctx *c, const char *s);
const char *tz_cfg_describe(const struct tz_cfg_field *f, char *buf, size_t len);

#define TZ_CFG_AT(obj, f, T) ((T *)((char *)(obj) + (f)->off))
#define TZ_CFG_CAT(obj, f, T) ((const T *)((const char *)(obj) + (f)->off))

#endif /* TZ_CFG_PVT_H */
