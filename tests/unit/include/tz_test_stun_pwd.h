/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libnice's STUN agent asks for the password of a message it validates:
 * the tests answer with the string they pass as @p data.
 */
#ifndef TZ_TEST_STUN_PWD_H
#define TZ_TEST_STUN_PWD_H

#include <stdbool.h>
#include <string.h>

#include <stun/stunagent.h>

static inline bool give_pwd(StunAgent *a, StunMessage *m, uint8_t *user, uint16_t ulen,
			    uint8_t **pwd, size_t *plen, void *data)
{
	(void)a;
	(void)m;
	(void)user;
	(void)ulen;
	*pwd = (uint8_t *)data;
	*plen = strlen(data);
	return true;
}

#endif
