/* SPDX-License-Identifier: BSD-3-Clause */
/* trapezectl: talking to the control socket (docs/cli.md has the protocol). */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl_pvt.h"

#define REPLY_TIMEOUT_MS 60000
#define REPLY_MAX (64u << 20)

int tz_ctl_connect(struct tz_ctl *c, char **error)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd, err;

	if (strlen(c->path) >= sizeof(a.sun_path)) {
		err = ENAMETOOLONG;
		goto err_msg;
	}
	strcpy(a.sun_path, c->path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		err = errno;
		if (fd >= 0)
			close(fd);
		goto err_msg;
	}
	c->fd = fd;
	g_string_truncate(c->in, 0);
	return 0;

err_msg:
	*error = g_strdup_printf("cannot connect to %s: %s (%s)", c->path, g_strerror(err),
				 err == EACCES ? "are you in trapeze's group?" : "is trapezed running?");
	return -err;
}

void tz_ctl_close(struct tz_ctl *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

static int send_all(int fd, const char *s, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, s, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One reply line into *line (newline removed); -errno, or -EPIPE at EOF. */
static int read_line(struct tz_ctl *c, char **line)
{
	char *nl;

	while ((nl = memchr(c->in->str, '\n', c->in->len)) == NULL) {
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		char buf[65536];
		ssize_t n;
		int rc = poll(&p, 1, REPLY_TIMEOUT_MS);

		if (rc < 0 && errno == EINTR)
			continue;
		if (rc == 0)
			return -ETIMEDOUT;
		n = recv(c->fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 ? -EPIPE : -errno;
		if (c->in->len + (size_t)n > REPLY_MAX)
			return -EMSGSIZE;
		g_string_append_len(c->in, buf, n);
	}
	*line = g_strndup(c->in->str, (gsize)(nl - c->in->str));
	g_string_erase(c->in, 0, nl - c->in->str + 1);
	return 0;
}

/* Take the reply {"ok": ..., "result"|"error": ...} apart. */
static int parse_reply(const char *line, JsonNode **result, char **error)
{
	JsonParser *p = json_parser_new_immutable();
	JsonObject *o;
	int rc = TZ_CTL_UNREACHABLE;

	if (!json_parser_load_from_data(p, line, -1, NULL) ||
	    !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p))) {
		*error = g_strdup("the daemon sent a reply that is not JSON");
		goto out;
	}
	o = json_node_get_object(json_parser_get_root(p));
	if (json_object_get_boolean_member_with_default(o, "ok", FALSE)) {
		JsonNode *r = json_object_get_member(o, "result");

		*result = r != NULL ? json_node_copy(r) : json_node_new(JSON_NODE_NULL);
		rc = TZ_CTL_OK;
	} else {
		*error = g_strdup(json_object_get_string_member_with_default(o, "error",
									     "failed"));
		rc = TZ_CTL_FAILED;
	}
out:
	g_object_unref(p);
	return rc;
}

static int exchange(struct tz_ctl *c, const char *request, char **line)
{
	int rc = send_all(c->fd, request, strlen(request));

	if (rc == 0)
		rc = send_all(c->fd, "\n", 1);
	if (rc != 0)
		return rc;
	return read_line(c, line) == 0 ? 0 : -EPROTO;
}

int tz_ctl_call(struct tz_ctl *c, const char *request, JsonNode **result, char **error)
{
	char *line = NULL;
	int rc;

	if (c->fd < 0 && tz_ctl_connect(c, error) != 0)
		return TZ_CTL_UNREACHABLE;
	rc = exchange(c, request, &line);
	if (rc == -EPIPE || rc == -ECONNRESET) {
		/* The daemon restarted since we connected; nothing was received. */
		tz_ctl_close(c);
		if (tz_ctl_connect(c, error) != 0)
			return TZ_CTL_UNREACHABLE;
		rc = exchange(c, request, &line);
	}
	if (rc != 0) {
		*error = g_strdup_printf("no reply from the daemon on %s", c->path);
		tz_ctl_close(c);
		return TZ_CTL_UNREACHABLE;
	}
	rc = parse_reply(line, result, error);
	g_free(line);
	return rc;
}

char *tz_ctl_request_argv(int argc, char **argv)
{
	JsonBuilder *b = json_builder_new();
	JsonNode *root;
	char *s;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "cmd");
	json_builder_add_string_value(b, argc > 0 ? argv[0] : "");
	json_builder_set_member_name(b, "args");
	json_builder_begin_array(b);
	for (int i = 1; i < argc; i++)
		json_builder_add_string_value(b, argv[i]);
	json_builder_end_array(b);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	s = json_to_string(root, FALSE);
	json_node_unref(root);
	g_object_unref(b);
	return s;
}

char *tz_ctl_request_line(const char *line)
{
	JsonBuilder *b = json_builder_new();
	JsonNode *root;
	char *s;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "line");
	json_builder_add_string_value(b, line);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	s = json_to_string(root, FALSE);
	json_node_unref(root);
	g_object_unref(b);
	return s;
}

int tz_ctl_run(struct tz_ctl *c, const char *request, const char *where)
{
	JsonNode *result = NULL;
	char *error = NULL;
	int rc = tz_ctl_call(c, request, &result, &error);

	if (rc != TZ_CTL_OK) {
		fprintf(stderr, "trapezectl: %s%s\n", where != NULL ? where : "", error);
		g_free(error);
		return rc;
	}
	if (c->json)
		tz_ctl_print_json(stdout, result);
	else
		tz_ctl_render(stdout, result);
	fflush(stdout);
	json_node_unref(result);
	return TZ_CTL_OK;
}
