/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * host:port values: "203.0.113.1:5060", "[2001:db8::1]:5060",
 * "pbx.example.net:5061", and a bare host when the field has a default port.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_pvt.h"

#define HOST_MAX 253

static bool dns_name(const char *s)
{
	size_t label = 0;

	if (*s == '\0' || strlen(s) > HOST_MAX)
		return false;
	for (; *s != '\0'; s++) {
		if (*s == '.') {
			if (label == 0)
				return false;
			label = 0;
		} else if (isalnum((unsigned char)*s) || (*s == '-' && label > 0)) {
			if (++label > 63)
				return false;
		} else {
			return false;
		}
	}
	return label > 0;
}

static int check_host(char *host, bool bracketed, const struct tz_cfg_hp_opts *o,
		      const char **why)
{
	struct in6_addr a;

	if (bracketed) {
		if (inet_pton(AF_INET6, host, &a) == 1)
			return 0;
		*why = "the text in [] is not an IPv6 address";
		return -EINVAL;
	}
	if (inet_pton(AF_INET, host, &a) == 1)
		return 0;
	if (strspn(host, "0123456789.") == strlen(host)) {
		*why = "the host is not an IPv4 address";
		return -EINVAL;
	}
	if (o->literal) {
		*why = "the host must be an IP address, not a name";
		return -EINVAL;
	}
	if (!dns_name(host)) {
		*why = "the host is neither an IP address nor a DNS name";
		return -EINVAL;
	}
	return 0;
}

static int parse_port(const char *s, uint16_t *port, const char **why)
{
	char *end;
	long p;

	if (!isdigit((unsigned char)*s)) {
		*why = "the port is not a number";
		return -EINVAL;
	}
	p = strtol(s, &end, 10);
	if (*end != '\0' || p < 1 || p > 65535) {
		*why = "the port is not 1..65535";
		return -EINVAL;
	}
	*port = (uint16_t)p;
	return 0;
}

/* Split @p buf (modified) into host and port text. */
static int split(char *buf, char **host, char **port, bool *bracketed, const char **why)
{
	char *colon;

	*port = NULL;
	*bracketed = buf[0] == '[';
	if (*bracketed) {
		char *close = strchr(buf, ']');

		if (close == NULL || (close[1] != '\0' && close[1] != ':')) {
			*why = "an IPv6 address is written [2001:db8::1]:5060";
			return -EINVAL;
		}
		*close = '\0';
		*host = buf + 1;
		if (close[1] == ':')
			*port = close + 2;
		return 0;
	}
	*host = buf;
	colon = strchr(buf, ':');
	if (colon != NULL && strchr(colon + 1, ':') != NULL) {
		*why = "an IPv6 address is written [2001:db8::1]:5060";
		return -EINVAL;
	}
	if (colon != NULL) {
		*colon = '\0';
		*port = colon + 1;
	}
	return 0;
}

int tz_cfg_parse_hostport(const char *s, const struct tz_cfg_hp_opts *o,
			  struct tz_cfg_hostport *hp, const char **why)
{
	char buf[HOST_MAX + 16], *host, *port;
	bool bracketed;

	if (strlen(s) >= sizeof(buf)) {
		*why = "it is too long";
		return -EINVAL;
	}
	strcpy(buf, s);
	if (split(buf, &host, &port, &bracketed, why) != 0 ||
	    check_host(host, bracketed, o, why) != 0)
		return -EINVAL;
	hp->port = o->default_port;
	if (port != NULL && parse_port(port, &hp->port, why) != 0)
		return -EINVAL;
	if (port == NULL && o->default_port == 0 && !o->port_optional) {
		*why = "the port is missing";
		return -EINVAL;
	}
	hp->host = strdup(host);
	return hp->host ? 0 : -ENOMEM;
}

void tz_cfg_dump_hostport(FILE *out, const struct tz_cfg_hostport *hp)
{
	bool v6 = strchr(hp->host, ':') != NULL;

	fprintf(out, "\"%s%s%s", v6 ? "[" : "", hp->host, v6 ? "]" : "");
	if (hp->port != 0)
		fprintf(out, ":%u", hp->port);
	fputc('"', out);
}

static int parse_hostport(struct tz_cfg_ctx *c, const struct tz_cfg_node *v, void *obj,
			  const struct tz_cfg_field *f)
{
	struct tz_cfg_hostport *hp = TZ_CFG_AT(obj, f, struct tz_cfg_hostport);
	struct tz_cfg_hostport tmp = { NULL, 0 };
	const char *why = "it contains a NUL character";
	int rc = -EINVAL;

	if (strlen(v->text) == v->len)
		rc = tz_cfg_parse_hostport(v->text, f->arg, &tmp, &why);
	if (rc == -ENOMEM)
		c->nomem = true;
	if (rc != 0) {
		tz_cfg_err(c, v, "\"%.60s\" is not host:port: %s; expected like "
			   "203.0.113.1:5060 or [2001:db8::1]:5060", v->text, why);
		return rc;
	}
	free(hp->host);
	*hp = tmp;
	return 0;
}

static void dump_hostport(FILE *out, const void *obj, const struct tz_cfg_field *f,
			  const struct tz_config *root)
{
	const struct tz_cfg_hostport *hp = TZ_CFG_CAT(obj, f, struct tz_cfg_hostport);

	if (hp->host != NULL)
		tz_cfg_dump_hostport(out, hp);
}

static void release_hostport(void *obj, const struct tz_cfg_field *f)
{
	struct tz_cfg_hostport *hp = TZ_CFG_AT(obj, f, struct tz_cfg_hostport);

	free(hp->host);
	hp->host = NULL;
}

const struct tz_cfg_type tz_cfg_t_hostport = {
	"host:port like 203.0.113.1:5060 or [2001:db8::1]:5060", TZ_NODE_SCALAR,
	parse_hostport, dump_hostport, release_hostport,
};
