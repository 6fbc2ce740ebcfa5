/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The request side of the /metrics listener: HTTP/1.x request line and
 * header lines (RFC 9112 section 3 and 5), bounded to TZ_METRICS_HTTP_MAX
 * bytes.  Only the method and the path matter; headers are checked for
 * shape and skipped.  No body is read (a GET has none; anything else is
 * answered 404/405 and the connection closed).
 */
#include <errno.h>
#include <string.h>

#include "tz_metrics.h"

/* RFC 9110 section 5.6.2 tchar */
static bool is_tchar(unsigned char c)
{
	return g_ascii_isalnum(c) || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* The end of the head (index after the blank line), 0 when not there yet.
 * Lines end in CRLF or a bare LF (RFC 9112 section 2.2 allows the latter). */
static size_t head_end(const char *buf, size_t len)
{
	for (size_t i = 1; i < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (buf[i - 1] == '\n')
			return i + 1;
		if (i >= 2 && buf[i - 1] == '\r' && buf[i - 2] == '\n')
			return i + 1;
	}
	return 0;
}

/* Next line of [*p, end): its length without CR LF; *p moves past it. */
static size_t next_line(const char **p, const char *end, const char **line)
{
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	size_t n;

	*line = *p;
	if (nl == NULL)
		nl = end;
	n = (size_t)(nl - *p);
	*p = nl < end ? nl + 1 : end;
	if (n > 0 && (*line)[n - 1] == '\r')
		n--;
	return n;
}

static const struct {
	const char *name;
	enum tz_metrics_method m;
} methods[] = {
	{ "GET", TZ_METRICS_GET },
	{ "HEAD", TZ_METRICS_HEAD },
};

static int request_line(const char *s, size_t n, struct tz_metrics_http_req *req)
{
	size_t i = 0, m, t;

	while (i < n && is_tchar((unsigned char)s[i]))
		i++;
	if (i == 0 || i >= n || s[i] != ' ')
		return -EINVAL;
	m = i;
	req->method = TZ_METRICS_OTHER;
	for (size_t k = 0; k < G_N_ELEMENTS(methods); k++)
		if (strlen(methods[k].name) == m && memcmp(s, methods[k].name, m) == 0)
			req->method = methods[k].m;
	t = ++i;
	while (i < n && s[i] > ' ' && s[i] < 0x7f)
		i++;
	if (i == t || i >= n || s[i] != ' ' || s[t] != '/')
		return -EINVAL;
	if (n - i - 1 != 8 || memcmp(s + i + 1, "HTTP/1.", 7) != 0 ||
	    (s[n - 1] != '0' && s[n - 1] != '1'))
		return -EINVAL;
	for (size_t k = t; k < i; k++)
		if (s[k] == '?') {
			i = k;
			break;
		}
	if (i - t >= sizeof(req->path))
		return -E2BIG;
	memcpy(req->path, s + t, i - t);
	req->path[i - t] = '\0';
	return 0;
}

/* name ":" OWS value OWS: visible ASCII, obs-text and tabs in the value (no
 * DEL, no control bytes); no folding (RFC 9112 section 5.2). */
static int header_line(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && is_tchar((unsigned char)s[i]))
		i++;
	if (i == 0 || i >= n || s[i] != ':')
		return -EINVAL;
	for (i++; i < n; i++)
		if (((unsigned char)s[i] < ' ' && s[i] != '\t') || s[i] == 0x7f)
			return -EINVAL;
	return 0;
}

/* An incomplete head that can never become a request (a TLS ClientHello,
 * binary): a control byte other than CR LF HT anywhere, or a non-ASCII byte
 * in the request line.  Answered 400 at once instead of at the timeout. */
static bool early_junk(const char *buf, size_t len)
{
	bool first_line = true;

	for (size_t i = 0; i < len && i < TZ_METRICS_HTTP_MAX; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c == '\n')
			first_line = false;
		else if ((c < ' ' && c != '\r' && c != '\t') || c == 0x7f || (first_line && c > 0x7f))
			return true;
	}
	return false;
}

int tz_metrics_http_parse(const char *buf, size_t len, struct tz_metrics_http_req *req)
{
	size_t end = head_end(buf, len < TZ_METRICS_HTTP_MAX ? len : TZ_METRICS_HTTP_MAX);
	const char *p = buf, *line;
	size_t n;
	int rc;

	if (end == 0)
		return early_junk(buf, len) ? -EINVAL
		       : len >= TZ_METRICS_HTTP_MAX ? -E2BIG : -EAGAIN;
	memset(req, 0, sizeof(*req));
	req->header_len = end;
	n = next_line(&p, buf + end, &line);
	rc = request_line(line, n, req);
	if (rc != 0)
		return rc;
	while (p < buf + end) {
		n = next_line(&p, buf + end, &line);
		if (n == 0)
			break;                  /* the blank line */
		if (header_line(line, n) != 0)
			return -EINVAL;
	}
	return 0;
}

int tz_metrics_http_status(const struct tz_metrics_http_req *req)
{
	if (strcmp(req->path, "/metrics") != 0)
		return 404;
	return req->method == TZ_METRICS_OTHER ? 405 : 200;
}
