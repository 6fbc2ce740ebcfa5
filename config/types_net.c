/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Network value types: IPv4/IPv6 addresses and CIDRs, host:port (with
 * [v6]:port), PCI addresses, MAC addresses and UDP port ranges.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_pvt.h"

static const char *const family_ex[2][2] = {
	{ "IPv4 address like 198.51.100.254", "IPv4 address with prefix length like 198.51.100.1/24" },
	{ "IPv6 address like 2001:db8:1::fe", "IPv6 address with prefix length like 2001:db8:1::1/64" },
};

static int family_of(const struct tz_cfg_field *f)
{
	return *(const int *)f->arg;
}

static bool text_ok(const struct tz_cfg_node *v, size_t max)
{
	return strlen(v->text) == v->len && v->len <= max;
}

static int parse_addr(struct tz_cfg_ctx *c, const struct tz_cfg_node *v, void *obj,
		      const struct tz_cfg_field *f)
{
	struct tz_cfg_addr *a = TZ_CFG_AT(obj, f, struct tz_cfg_addr);
	int af = family_of(f);

	if (!text_ok(v, INET6_ADDRSTRLEN) || inet_pton(af, v->text, &a->v6) != 1) {
		tz_cfg_err(c, v, "\"%.40s\" is not an %s", v->text, family_ex[af == AF_INET6][0]);
		return -EINVAL;
	}
	a->family = af;
	return 0;
}

static void dump_addr(FILE *out, const void *obj, const struct tz_cfg_field *f,
		      const struct tz_config *root)
{
	const struct tz_cfg_addr *a = TZ_CFG_CAT(obj, f, struct tz_cfg_addr);
	char buf[INET6_ADDRSTRLEN];

	if (a->family != 0 && inet_ntop(a->family, &a->v6, buf, sizeof(buf)) != NULL)
		fprintf(out, "\"%s\"", buf);
}

static int parse_cidr(struct tz_cfg_ctx *c, const struct tz_cfg_node *v, void *obj,
		      const struct tz_cfg_field *f)
{
	struct tz_cfg_cidr *r = TZ_CFG_AT(obj, f, struct tz_cfg_cidr);
	int af = family_of(f), maxlen = af == AF_INET ? 32 : 128;
	char buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	long len;

	if (!text_ok(v, sizeof(buf) - 1))
		goto err_cidr;
	memcpy(buf, v->text, v->len + 1);
	slash = strchr(buf, '/');
	if (slash == NULL || !isdigit((unsigned char)slash[1]))
		goto err_cidr;
	*slash = '\0';
	len = strtol(slash + 1, &end, 10);
	if (*end != '\0' || len < 0 || len > maxlen || inet_pton(af, buf, &r->addr.v6) != 1)
		goto err_cidr;
	r->addr.family = af;
	r->prefix = (uint8_t)len;
	return 0;
err_cidr:
	tz_cfg_err(c, v, "\"%.40s\" is not an %s", v->text, family_ex[af == AF_INET6][1]);
	return -EINVAL;
}

static void dump_cidr(FILE *out, const void *obj, const struct tz_cfg_field *f,
		      const struct tz_config *root)
{
	const struct tz_cfg_cidr *r = TZ_CFG_CAT(obj, f, struct tz_cfg_cidr);
	char buf[INET6_ADDRSTRLEN];

	if (r->addr.family != 0 && inet_ntop(r->addr.family, &r->addr.v6, buf, sizeof(buf)))
		fprintf(out, "\"%s/%u\"", buf, r->prefix);
}

/* Matches @p s against @p pat: 'x' is a hex digit, anything else itself. */
static bool hex_pattern(const char *s, const char *pat)
{
	for (; *pat != '\0'; s++, pat++) {
		if (*pat == 'x' ? !isxdigit((unsigned char)*s) : *s != *pat)
			return false;
	}
	return *s == '\0';
}

static int parse_pci(struct tz_cfg_ctx *c, const struct tz_cfg_node *v, void *obj,
		     const struct tz_cfg_field *f)
{
	char **dst = TZ_CFG_AT(obj, f, char *);
	unsigned dom = 0, bus, dev, fn;
	char *s;

	if (text_ok(v, 12) && hex_pattern(v->text, "xxxx:xx:xx.x"))
		sscanf(v->text, "%x:%x:%x.%x", &dom, &bus, &dev, &fn);
	else if (text_ok(v, 7) && hex_pattern(v->text, "xx:xx.x"))
		sscanf(v->text, "%x:%x.%x", &bus, &dev, &fn);
	else
		goto err_pci;
	if (dev > 0x1f || fn > 7)
		goto err_pci;
	if (asprintf(&s, "%04x:%02x:%02x.%x", dom, bus, dev, fn) < 0) {
		c->nomem = true;
		return -ENOMEM;
	}
	free(*dst);
	*dst = s;
	return 0;
err_pci:
	tz_cfg_err(c, v, "\"%.40s\" is not a PCI address; expected DDDD:BB:DD.F like 0000:03:00.0",
		   v->text);
	return -EINVAL;
}

static int parse_mac(struct tz_cfg_ctx *c, const struct tz_cfg_node *v, void *obj,
		     const struct tz_cfg_field *f)
{
	uint8_t *mac = TZ_CFG_AT(obj, f, uint8_t);
	unsigned b[6];

	if (!text_ok(v, 17) || (!hex_pattern(v->text, "xx:xx:xx:xx:xx:xx") &&
				!hex_pattern(v->text, "xx-xx-xx-xx-xx-xx")))
		goto err_mac;
	sscanf(v->text, "%x%*c%x%*c%x%*c%x%*c%x%*c%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]);
	if (b[0] & 1) {
		tz_cfg_err(c, v, "\"%s\" is a multicast MAC address; expected a unicast one "
			   "like 02:00:00:00:00:01", v->text);
		return -EINVAL;
	}
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	*(bool *)((char *)obj + f->off_n) = true;
	return 0;
err_mac:
	tz_cfg_err(c, v, "\"%.40s\" is not a MAC address; expected six hex bytes like "
		   "02:00:00:00:00:01", v->text);
	return -EINVAL;
}

static void dump_mac(FILE *out, const void *obj, const struct tz_cfg_field *f,
		     const struct tz_config *root)
{
	const uint8_t *m = TZ_CFG_CAT(obj, f, uint8_t);

	if (*(const bool *)((const char *)obj + f->off_n))
		fprintf(out, "\"%02x:%02x:%02x:%02x:%02x:%02x\"",
			m[0], m[1], m[2], m[3], m[4], m[5]);
}

static int parse_range(struct tz_cfg_ctx *c, const struct tz_cfg_node *v, void *obj,
		       const struct tz_cfg_field *f)
{
	struct tz_cfg_range *r = TZ_CFG_AT(obj, f, struct tz_cfg_range);
	unsigned long a, b;
	char *end;

	if (!text_ok(v, 11) || !isdigit((unsigned char)v->text[0]))
		goto err_range;
	a = strtoul(v->text, &end, 10);
	if (*end != '-' || !isdigit((unsigned char)end[1]))
		goto err_range;
	b = strtoul(end + 1, &end, 10);
	if (*end != '\0' || a > b || a < (unsigned long)f->min || b > (unsigned long)f->max)
		goto err_range;
	r->first = (uint16_t)a;
	r->last = (uint16_t)b;
	return 0;
err_range:
	tz_cfg_err(c, v, "\"%.40s\" is not a port range; expected first-last within %lld..%lld "
		   "like \"20000-29999\"", v->text, f->min, f->max);
	return -EINVAL;
}

static void dump_range(FILE *out, const void *obj, const struct tz_cfg_field *f,
		       const struct tz_config *root)
{
	const struct tz_cfg_range *r = TZ_CFG_CAT(obj, f, struct tz_cfg_range);

	fprintf(out, "\"%u-%u\"", r->first, r->last);
}

static void release_ptr(void *obj, const struct tz_cfg_field *f)
{
	char **s = TZ_CFG_AT(obj, f, char *);

	free(*s);
	*s = NULL;
}

static void dump_ptr_str(FILE *out, const void *obj, const struct tz_cfg_field *f,
			 const struct tz_config *root)
{
	const char *s = *TZ_CFG_CAT(obj, f, char *);

	if (s != NULL)
		tz_cfg_dump_str(out, s);
}

const struct tz_cfg_type tz_cfg_t_addr = {
	"an IP address", TZ_NODE_SCALAR, parse_addr, dump_addr, NULL,
};
const struct tz_cfg_type tz_cfg_t_cidr = {
	"an address with prefix length", TZ_NODE_SCALAR, parse_cidr, dump_cidr, NULL,
};
const struct tz_cfg_type tz_cfg_t_pci = {
	"a PCI address like 0000:03:00.0", TZ_NODE_SCALAR, parse_pci, dump_ptr_str, release_ptr,
};
const struct tz_cfg_type tz_cfg_t_mac = {
	"a MAC address like 02:00:00:00:00:01", TZ_NODE_SCALAR, parse_mac, dump_mac, NULL,
};
const struct tz_cfg_type tz_cfg_t_range = {
	"a port range like \"20000-29999\"", TZ_NODE_SCALAR, parse_range, dump_range, NULL,
};

/*
 * A sequence of source addresses: "198.51.100.7", "198.51.100.0/24",
 * "2001:db8::/32" (a bare address is a /32 or /128).  Stored as an array of
 * tz_cfg_cidr with its count at f->off_n (size_t).  Used by sip.trunks[].acl.
 */
static int cidr_item(const char *text, struct tz_cfg_cidr *r)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	long len = -1;

	if (strlen(text) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, text);
	slash = strchr(buf, '/');
	if (slash != NULL) {
		if (!isdigit((unsigned char)slash[1]))
			return -EINVAL;
		*slash = '\0';
		len = strtol(slash + 1, &end, 10);
		if (*end != '\0')
			return -EINVAL;
	}
	if (inet_pton(AF_INET, buf, &r->addr.v4) == 1)
		r->addr.family = AF_INET;
	else if (inet_pton(AF_INET6, buf, &r->addr.v6) == 1)
		r->addr.family = AF_INET6;
	else
		return -EINVAL;
	if (len < 0)
		len = r->addr.family == AF_INET ? 32 : 128;
	if (len > (r->addr.family == AF_INET ? 32 : 128))
		return -EINVAL;
	r->prefix = (uint8_t)len;
	return 0;
}

static int parse_cidrlist(struct tz_cfg_ctx *c, const struct tz_cfg_node *v, void *obj,
			  const struct tz_cfg_field *f)
{
	struct tz_cfg_cidr *list;
	size_t *n = (size_t *)((char *)obj + f->off_n);
	int rc = 0;

	list = calloc(v->n ? v->n : 1, sizeof(*list));
	if (list == NULL) {
		c->nomem = true;
		return -ENOMEM;
	}
	*TZ_CFG_AT(obj, f, struct tz_cfg_cidr *) = list;
	*n = 0;
	for (size_t i = 0; i < v->n; i++) {
		const struct tz_cfg_node *it = v->kids[i];
		size_t mark = tz_cfg_path_push(c, NULL, (long)i);

		if (it->kind != TZ_NODE_SCALAR || tz_cfg_is_null(it) || !text_ok(it, 64) ||
		    cidr_item(it->text, &list[*n]) != 0) {
			tz_cfg_err(c, it, "\"%.40s\" is not an address or CIDR like 198.51.100.0/24 "
				   "or 2001:db8::/32", it->kind == TZ_NODE_SCALAR && it->text ?
				   it->text : "");
			rc = -EINVAL;
		} else {
			(*n)++;
		}
		tz_cfg_path_pop(c, mark);
	}
	return rc;
}

static void dump_cidrlist(FILE *out, const void *obj, const struct tz_cfg_field *f,
			  const struct tz_config *root)
{
	const struct tz_cfg_cidr *list = *TZ_CFG_CAT(obj, f, struct tz_cfg_cidr *);
	size_t n = *(const size_t *)((const char *)obj + f->off_n);
	char buf[INET6_ADDRSTRLEN];

	if (list == NULL)
		return;
	fputc('[', out);
	for (size_t i = 0; i < n; i++) {
		inet_ntop(list[i].addr.family, &list[i].addr.v6, buf, sizeof(buf));
		fprintf(out, "%s\"%s/%u\"", i ? ", " : "", buf, list[i].prefix);
	}
	fputc(']', out);
}

static void release_cidrlist(void *obj, const struct tz_cfg_field *f)
{
	struct tz_cfg_cidr **list = TZ_CFG_AT(obj, f, struct tz_cfg_cidr *);

	free(*list);
	*list = NULL;
	*(size_t *)((char *)obj + f->off_n) = 0;
}

const struct tz_cfg_type tz_cfg_t_cidrlist = {
	"a sequence of addresses or CIDRs like [\"198.51.100.0/24\", \"2001:db8::7\"]",
	TZ_NODE_SEQ, parse_cidrlist, dump_cidrlist, release_cidrlist,
};

bool tz_cfg_addr_equal(const struct tz_cfg_addr *a, const struct tz_cfg_addr *b)
{
	return a->family == b->family &&
	       memcmp(&a->v6, &b->v6, a->family == AF_INET ? 4 : 16) == 0;
}

void tz_cfg_addr_from_sockaddr(const struct sockaddr *sa, struct tz_cfg_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (sa->sa_family == AF_INET) {
		a->family = AF_INET;
		a->v4 = ((const struct sockaddr_in *)sa)->sin_addr;
	} else if (sa->sa_family == AF_INET6) {
		const struct in6_addr *v6 = &((const struct sockaddr_in6 *)sa)->sin6_addr;

		if (IN6_IS_ADDR_V4MAPPED(v6)) {
			a->family = AF_INET;
			memcpy(&a->v4, &v6->s6_addr[12], 4);
		} else {
			a->family = AF_INET6;
			a->v6 = *v6;
		}
	}
}

bool tz_cfg_cidr_contains(const struct tz_cfg_cidr *net, const struct tz_cfg_addr *a)
{
	const uint8_t *x = (const uint8_t *)&net->addr.v6, *y = (const uint8_t *)&a->v6;
	unsigned bits = net->prefix, full = bits / 8;

	if (net->addr.family != a->family || bits > (a->family == AF_INET ? 32u : 128u))
		return false;
	if (memcmp(x, y, full) != 0)
		return false;
	return bits % 8 == 0 || ((x[full] ^ y[full]) & (uint8_t)(0xff00 >> (bits % 8))) == 0;
}
