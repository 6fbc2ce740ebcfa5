/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * close() as the daemon's libraries see it: the epoll poll of the control
 * loop (evpoll.c) learns of every closed descriptor, so a number reused by a
 * new socket before the loop polls again is registered again.  The
 * executable's definition comes first in the dynamic linker's search order,
 * so GLib, libnice, libwebsockets and sofia-sip call this one.
 */
#include <unistd.h>
#include <sys/syscall.h>

#include "evpoll.h"
#include "wake_mute.h"

int close(int fd)
{
	tz_evpoll_closed(fd);
	tz_wake_unmute(fd);
	return (int)syscall(SYS_close, fd);
}
