/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket's file: parent directory, stale socket replacement
 * (only when nothing answers on it), mode and group.
 */
#include <errno.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli_pvt.h"

static int fill_addr(struct sockaddr_un *a, const char *path)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	if (path[0] == '\0' || strlen(path) >= sizeof(a->sun_path))
		return -ENAMETOOLONG;
	strcpy(a->sun_path, path);
	return 0;
}

static int make_parent(const char *path)
{
	char *dir = g_path_get_dirname(path);
	int rc = g_mkdir_with_parents(dir, 0755) == 0 ? 0 : -errno;

	g_free(dir);
	return rc;
}

/* 0 when the socket file at a is stale, -EADDRINUSE when a server answers. */
static int probe(const struct sockaddr_un *a)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int rc;

	if (fd < 0)
		return -errno;
	rc = connect(fd, (const struct sockaddr *)a, sizeof(*a));
	if (rc == 0 || errno == EAGAIN)     /* EAGAIN: listening, backlog full */
		rc = -EADDRINUSE;
	else
		rc = errno == ECONNREFUSED || errno == ENOENT ? 0 : -errno;
	close(fd);
	return rc;
}

static int bind_or_replace(int fd, const struct sockaddr_un *a)
{
	struct stat st;
	int rc;

	if (bind(fd, (const struct sockaddr *)a, sizeof(*a)) == 0)
		return 0;
	if (errno != EADDRINUSE)
		return -errno;
	if (lstat(a->sun_path, &st) != 0)
		return -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;         /* never remove something that is not a socket */
	rc = probe(a);
	if (rc != 0)
		return rc;
	g_info("replacing stale control socket %s", a->sun_path);
	if (unlink(a->sun_path) != 0 && errno != ENOENT)
		return -errno;
	return bind(fd, (const struct sockaddr *)a, sizeof(*a)) == 0 ? 0 : -errno;
}

static int group_id(const char *group, gid_t *gid)
{
	char buf[4096], *end;
	struct group gr, *res = NULL;
	unsigned long n = strtoul(group, &end, 10);

	if (group[0] != '\0' && *end == '\0') {
		*gid = (gid_t)n;
		return 0;
	}
	if (getgrnam_r(group, &gr, buf, sizeof(buf), &res) != 0 || res == NULL)
		return -ENOENT;
	*gid = res->gr_gid;
	return 0;
}

static int set_access(const char *path, unsigned mode, const char *group)
{
	gid_t gid;
	int rc;

	if (chmod(path, mode) != 0)
		return -errno;
	if (group == NULL)
		return 0;
	rc = group_id(group, &gid);
	if (rc != 0) {
		g_warning("control socket %s: no group \"%s\"", path, group);
		return rc;
	}
	return chown(path, (uid_t)-1, gid) == 0 ? 0 : -errno;
}

int tz_cli_listen(const char *path, unsigned mode, const char *group, int *fd_out)
{
	struct sockaddr_un a;
	int fd, rc;

	rc = fill_addr(&a, path);
	if (rc != 0)
		return rc;
	rc = make_parent(path);
	if (rc != 0)
		return rc;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	rc = bind_or_replace(fd, &a);
	if (rc != 0)
		goto err_close;
	rc = set_access(path, mode, group);
	if (rc != 0)
		goto err_unlink;
	if (listen(fd, 64) != 0) {
		rc = -errno;
		goto err_unlink;
	}
	*fd_out = fd;
	return 0;

err_unlink:
	unlink(path);
err_close:
	close(fd);
	return rc;
}
