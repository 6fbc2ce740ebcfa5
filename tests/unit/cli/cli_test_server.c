/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "cli_test_server.h"
#include "tz_cli.h"

struct cli_test_server {
	GThread *thread;
	GMainContext *ctx;
	GMainLoop *loop;
	char *dir;              /* temporary directory we made, or NULL */
	char *path;
	unsigned mode;
	const char *group;
	GMutex lock;
	GCond started;
	bool ready;
	int rc;
};

static gpointer serve(gpointer data)
{
	struct cli_test_server *s = data;
	int rc;

	g_main_context_push_thread_default(s->ctx);
	rc = tz_cli_server_start(s->path, s->mode, s->group);
	g_mutex_lock(&s->lock);
	s->rc = rc;
	s->ready = true;
	g_cond_signal(&s->started);
	g_mutex_unlock(&s->lock);
	if (rc == 0) {
		g_main_loop_run(s->loop);
		tz_cli_server_stop();
	}
	g_main_context_pop_thread_default(s->ctx);
	return NULL;
}

static void server_free(struct cli_test_server *s)
{
	if (s->dir != NULL) {
		char *sub = g_path_get_dirname(s->path);

		g_rmdir(sub);
		g_rmdir(s->dir);
		g_free(sub);
	}
	g_main_loop_unref(s->loop);
	g_main_context_unref(s->ctx);
	g_free(s->dir);
	g_free(s->path);
	g_free(s);
}

struct cli_test_server *cli_test_server_start(const char *path, unsigned mode,
					      const char *group)
{
	struct cli_test_server *s = g_new0(struct cli_test_server, 1);

	if (path == NULL) {
		s->dir = g_strdup("/tmp/tz-cli-test-XXXXXX");
		assert_non_null(g_mkdtemp(s->dir));
		s->path = g_build_filename(s->dir, "run", "trapezed.sock", NULL);
	} else {
		s->path = g_strdup(path);
	}
	s->mode = mode;
	s->group = group;
	s->ctx = g_main_context_new();
	s->loop = g_main_loop_new(s->ctx, FALSE);
	s->thread = g_thread_new("cli-server", serve, s);
	g_mutex_lock(&s->lock);
	while (!s->ready)
		g_cond_wait(&s->started, &s->lock);
	g_mutex_unlock(&s->lock);
	if (s->rc != 0) {
		errno = -s->rc;
		g_thread_join(s->thread);
		server_free(s);
		return NULL;
	}
	return s;
}

const char *cli_test_server_path(const struct cli_test_server *s)
{
	return s->path;
}

static gboolean quit_loop(gpointer data)
{
	g_main_loop_quit(data);
	return G_SOURCE_REMOVE;
}

void cli_test_server_stop(struct cli_test_server *s)
{
	/* Quit from inside the loop: a quit before g_main_loop_run() would be lost. */
	GSource *idle = g_idle_source_new();

	g_source_set_callback(idle, quit_loop, s->loop, NULL);
	g_source_attach(idle, s->ctx);
	g_source_unref(idle);
	g_thread_join(s->thread);
	server_free(s);
}

int cli_test_connect(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	g_strlcpy(a.sun_path, path, sizeof(a.sun_path));
	if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int cli_test_send(int fd, const char *s, size_t len)
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

char *cli_test_read_line(int fd)
{
	GString *line = g_string_new(NULL);
	char c;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, 5000) <= 0 || recv(fd, &c, 1, 0) != 1)
			break;
		if (c == '\n')
			return g_string_free(line, FALSE);
		g_string_append_c(line, c);
	}
	g_string_free(line, TRUE);
	return NULL;
}

char *cli_test_call(int fd, const char *request)
{
	char *req = g_strdup_printf("%s\n", request);

	assert_int_equal(cli_test_send(fd, req, strlen(req)), 0);
	g_free(req);
	return cli_test_read_line(fd);
}

void cli_test_assert_eof(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c;

	assert_int_equal(poll(&p, 1, 5000), 1);
	assert_true(recv(fd, &c, 1, 0) <= 0);
}
