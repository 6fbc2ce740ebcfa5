/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Interop with a real DTLS-SRTP peer: `openssl s_server` / `openssl
 * s_client` over UDP on 127.0.0.1, our context bridged to a socket by a
 * GLib source.  The keying material the openssl tool prints
 * (-keymatexport EXTRACTOR-dtls_srtp) must equal our exported keys in
 * RFC 5764 §4.2 order.  Skipped when no openssl binary is found.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <gio/gio.h>
#include <glib-unix.h>
#include <glib/gstdio.h>

#include "dtls_test_util.h"
#include "tz_dtls.h"

#define RUN_MS 10000

struct peer_proc {
	GPid pid;
	int in_fd;		/* its stdin, kept open: EOF makes the tool quit */
	int out_fd, err_fd;
	guint out_watch, err_watch;
	GString *out;		/* stdout and stderr */
};

struct bridge {
	GSocket *sock;
	GSource *src;
	GSocketAddress *peer;	/* where we send: fixed, or the last sender */
	struct tz_dtls *d;
	unsigned int events[3];
	bool got_event;
};

struct fixture {
	char *dir, *crt, *key;
	const char *openssl;
	struct tz_dtls_cert *ours;
	struct tz_dtls_fingerprint theirs;
	struct peer_proc proc;
	struct bridge br;
};

static gboolean on_output(gint fd, GIOCondition cond, gpointer data)
{
	struct peer_proc *pp = data;
	char buf[4096];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n > 0) {
		g_string_append_len(pp->out, buf, n);
		return G_SOURCE_CONTINUE;
	}
	if (n < 0 && errno == EAGAIN)
		return G_SOURCE_CONTINUE;
	if (fd == pp->out_fd)
		pp->out_watch = 0;
	else
		pp->err_watch = 0;
	return G_SOURCE_REMOVE;
}

static void spawn_peer(struct peer_proc *pp, char **argv)
{
	GError *err = NULL;
	gboolean ok;

	pp->out = g_string_new(NULL);
	ok = g_spawn_async_with_pipes(NULL, argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
				      &pp->pid, &pp->in_fd, &pp->out_fd, &pp->err_fd, &err);
	if (!ok)
		fail_msg("cannot run %s: %s", argv[0], err->message);
	/* One stream for both: stderr into the same pipe reader. */
	g_unix_set_fd_nonblocking(pp->out_fd, TRUE, NULL);
	g_unix_set_fd_nonblocking(pp->err_fd, TRUE, NULL);
	pp->out_watch = g_unix_fd_add(pp->out_fd, G_IO_IN | G_IO_HUP, on_output, pp);
	pp->err_watch = g_unix_fd_add(pp->err_fd, G_IO_IN | G_IO_HUP, on_output, pp);
}

static void reap_peer(struct peer_proc *pp)
{
	int status;

	if (pp->pid <= 0)
		return;
	if (pp->in_fd >= 0)
		close(pp->in_fd);
	/* Give it a moment to exit by itself (stdin EOF), then end it. */
	for (int i = 0; i < 50 && waitpid(pp->pid, &status, WNOHANG) == 0; i++)
		g_usleep(20000);
	if (waitpid(pp->pid, &status, WNOHANG) == 0) {
		kill(pp->pid, SIGTERM);
		waitpid(pp->pid, &status, 0);
	}
	g_spawn_close_pid(pp->pid);
	pp->pid = 0;
	while (g_main_context_pending(NULL))
		g_main_context_iteration(NULL, FALSE);
	if (pp->out_watch != 0)
		g_source_remove(pp->out_watch);
	if (pp->err_watch != 0)
		g_source_remove(pp->err_watch);
	pp->out_watch = pp->err_watch = 0;
	close(pp->out_fd);
	close(pp->err_fd);
	if (pp->out != NULL)
		g_string_free(pp->out, TRUE);
	pp->out = NULL;
}

static void br_send(const uint8_t *data, size_t len, void *user)
{
	struct bridge *br = user;

	if (br->peer != NULL)
		g_socket_send_to(br->sock, br->peer, (const gchar *)data, len, NULL, NULL);
}

static void br_event(struct tz_dtls *d, enum tz_dtls_event ev, void *user)
{
	struct bridge *br = user;

	br->events[ev]++;
	br->got_event = true;
}

static gboolean br_readable(GSocket *sock, GIOCondition cond, gpointer user)
{
	struct bridge *br = user;
	GSocketAddress *from = NULL;
	uint8_t buf[65536];
	gssize n;

	n = g_socket_receive_from(sock, &from, (gchar *)buf, sizeof(buf), NULL, NULL);
	if (n > 0) {
		g_clear_object(&br->peer);
		br->peer = from;
		from = NULL;
		/* RFC 7983 §7: 20..63 is DTLS. */
		if (buf[0] >= 20 && buf[0] <= 63 && br->d != NULL)
			tz_dtls_input(br->d, buf, (size_t)n);
	}
	g_clear_object(&from);
	return G_SOURCE_CONTINUE;
}

static guint16 bridge_open(struct bridge *br)
{
	GInetAddress *lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	GSocketAddress *any = g_inet_socket_address_new(lo, 0);
	GSocketAddress *bound;
	guint16 port;

	br->sock = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
				G_SOCKET_PROTOCOL_UDP, NULL);
	assert_non_null(br->sock);
	g_socket_set_blocking(br->sock, FALSE);
	assert_true(g_socket_bind(br->sock, any, FALSE, NULL));
	bound = g_socket_get_local_address(br->sock, NULL);
	port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
	br->src = g_socket_create_source(br->sock, G_IO_IN, NULL);
	g_source_set_callback(br->src, (GSourceFunc)(void (*)(void))br_readable, br, NULL);
	g_source_attach(br->src, NULL);
	g_object_unref(bound);
	g_object_unref(any);
	g_object_unref(lo);
	return port;
}

static void bridge_close(struct bridge *br)
{
	tz_dtls_free(br->d);
	br->d = NULL;
	if (br->src != NULL) {
		g_source_destroy(br->src);
		g_source_unref(br->src);
	}
	g_clear_object(&br->sock);
	g_clear_object(&br->peer);
	memset(br, 0, sizeof(*br));
}

static int setup(void **state)
{
	struct fixture *f = g_new0(struct fixture, 1);
	struct tz_dtls_cert *peer_cert;

	f->openssl = g_getenv("OPENSSL");
	if (f->openssl == NULL || !g_file_test(f->openssl, G_FILE_TEST_IS_EXECUTABLE)) {
		g_free(f);
		return -1;	/* the group is skipped with a message below */
	}
	f->dir = g_dir_make_tmp("tz-dtls-interop-XXXXXX", NULL);
	dtls_write_pem(f->dir, "peer", 0, &f->crt, &f->key);
	peer_cert = tz_dtls_cert_load(f->crt, f->key);
	assert_non_null(peer_cert);
	assert_int_equal(tz_dtls_cert_digest(peer_cert, "sha-256", &f->theirs), 0);
	tz_dtls_cert_free(peer_cert);
	f->ours = tz_dtls_cert_generate();
	assert_non_null(f->ours);
	f->proc.in_fd = -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	bridge_close(&f->br);
	reap_peer(&f->proc);
	tz_dtls_cert_free(f->ours);
	g_unlink(f->crt);
	g_unlink(f->key);
	g_rmdir(f->dir);
	g_free(f->crt);
	g_free(f->key);
	g_free(f->dir);
	g_free(f);
	return 0;
}

/* Wait until the tool printed "Keying material: <hex>" and return the hex. */
static char *wait_keymat(struct peer_proc *pp, size_t len)
{
	static const char tag[] = "Keying material: ";
	gint64 end = g_get_monotonic_time() + RUN_MS * 1000LL;

	while (g_get_monotonic_time() < end) {
		const char *p = strstr(pp->out->str, tag);

		if (p != NULL && strlen(p + sizeof(tag) - 1) >= 2 * len)
			return g_strndup(p + sizeof(tag) - 1, 2 * len);
		g_main_context_iteration(NULL, FALSE);
		g_usleep(2000);
	}
	fail_msg("no keying material from openssl; it said:\n%s", pp->out->str);
	return NULL;
}

static bool wait_output(struct peer_proc *pp, const char *what)
{
	gint64 end = g_get_monotonic_time() + RUN_MS * 1000LL;

	while (strstr(pp->out->str, what) == NULL && g_get_monotonic_time() < end) {
		g_main_context_iteration(NULL, FALSE);
		g_usleep(2000);
	}
	return strstr(pp->out->str, what) != NULL;
}

/* RFC 5764 §4.2 order: client key, server key, client salt, server salt. */
static char *our_keymat(struct tz_dtls *d, enum tz_srtp_suite *suite)
{
	struct tz_dtls_keys l, r;
	const struct tz_dtls_keys *c, *s;
	GString *hex = g_string_new(NULL);

	assert_int_equal(tz_dtls_srtp_keys(d, suite, &l, &r), 0);
	c = tz_dtls_role(d) == TZ_DTLS_CLIENT ? &l : &r;
	s = tz_dtls_role(d) == TZ_DTLS_CLIENT ? &r : &l;
	for (size_t i = 0; i < c->key_len; i++)
		g_string_append_printf(hex, "%02X", c->key[i]);
	for (size_t i = 0; i < s->key_len; i++)
		g_string_append_printf(hex, "%02X", s->key[i]);
	for (size_t i = 0; i < c->salt_len; i++)
		g_string_append_printf(hex, "%02X", c->salt[i]);
	for (size_t i = 0; i < s->salt_len; i++)
		g_string_append_printf(hex, "%02X", s->salt[i]);
	return g_string_free(hex, FALSE);
}

static void make_ctx(struct fixture *f, enum tz_dtls_role role)
{
	f->br.d = tz_dtls_new(f->ours, role, &f->theirs, br_send, br_event, &f->br);
	assert_non_null(f->br.d);
}

/* We are the DTLS client; openssl s_server answers. */
static void test_client_vs_s_server(void **state)
{
	struct fixture *f = *state;
	guint16 port;
	char accept[32], *theirs, *ours;
	enum tz_srtp_suite suite;
	GInetAddress *lo;

	/* Pick a free port by binding, then hand it to s_server. */
	port = bridge_open(&f->br);
	bridge_close(&f->br);
	snprintf(accept, sizeof(accept), "127.0.0.1:%u", port);
	spawn_peer(&f->proc, (char *[]){
		(char *)f->openssl, "s_server", "-dtls1_2", "-accept", accept, "-naccept", "1",
		"-cert", f->crt, "-key", f->key, "-verify", "1",
		"-use_srtp", "SRTP_AES128_CM_SHA1_80",
		"-keymatexport", "EXTRACTOR-dtls_srtp", "-keymatexportlen", "60", NULL });
	assert_true(wait_output(&f->proc, "ACCEPT"));

	bridge_open(&f->br);
	lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	f->br.peer = g_inet_socket_address_new(lo, port);
	g_object_unref(lo);
	make_ctx(f, TZ_DTLS_CLIENT);
	assert_int_equal(tz_dtls_start(f->br.d), 0);
	assert_true(dtls_run_until(&f->br.got_event, RUN_MS));
	assert_int_equal(f->br.events[TZ_DTLS_CONNECTED], 1);

	theirs = wait_keymat(&f->proc, 60);
	ours = our_keymat(f->br.d, &suite);
	assert_int_equal(suite, TZ_SRTP_AES_CM_128_HMAC_SHA1_80);
	assert_string_equal(ours, theirs);
	assert_non_null(strstr(f->proc.out->str, "profile=SRTP_AES128_CM_SHA1_80"));
	g_free(theirs);
	g_free(ours);
}

/* We are the DTLS server; openssl s_client connects, then quits (stdin
 * EOF) with close_notify. */
static void test_server_vs_s_client(void **state)
{
	struct fixture *f = *state;
	char connect[32], *theirs, *ours;
	enum tz_srtp_suite suite;
	guint16 port;

	port = bridge_open(&f->br);
	make_ctx(f, TZ_DTLS_SERVER);
	assert_int_equal(tz_dtls_start(f->br.d), 0);
	snprintf(connect, sizeof(connect), "127.0.0.1:%u", port);
	spawn_peer(&f->proc, (char *[]){
		(char *)f->openssl, "s_client", "-dtls1_2", "-connect", connect,
		"-cert", f->crt, "-key", f->key,
		"-use_srtp", "SRTP_AEAD_AES_256_GCM:SRTP_AES128_CM_SHA1_80",
		"-keymatexport", "EXTRACTOR-dtls_srtp", "-keymatexportlen", "88", NULL });
	assert_true(dtls_run_until(&f->br.got_event, RUN_MS));
	assert_int_equal(f->br.events[TZ_DTLS_CONNECTED], 1);

	theirs = wait_keymat(&f->proc, 88);
	ours = our_keymat(f->br.d, &suite);
	assert_int_equal(suite, TZ_SRTP_AEAD_AES_256_GCM);
	assert_string_equal(ours, theirs);
	g_free(theirs);
	g_free(ours);

	f->br.got_event = false;
	close(f->proc.in_fd);
	f->proc.in_fd = -1;
	assert_true(dtls_run_until(&f->br.got_event, RUN_MS));
	assert_int_equal(f->br.events[TZ_DTLS_CLOSED], 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_client_vs_s_server, setup, teardown),
		cmocka_unit_test_setup_teardown(test_server_vs_s_client, setup, teardown),
	};
	const char *openssl = g_getenv("OPENSSL");

	if (openssl == NULL || !g_file_test(openssl, G_FILE_TEST_IS_EXECUTABLE)) {
		printf("# SKIP no openssl binary (set OPENSSL)\n");
		return 77;
	}
	return cmocka_run_group_tests_name("dtls_interop", tests, NULL, NULL);
}
