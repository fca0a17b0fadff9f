/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The module <-> helper wire format. One request and one reply, each a single
 * SOCK_SEQPACKET message of at most PROTO_MSG_MAX bytes:
 *
 *   header: u32 magic "CRL\1", u16 version, u16 kind, u32 payload length
 *   payload: fields, each u16 type, u16 length, value
 *
 * Strings travel without their NUL; integers as 4 bytes in host order (both
 * ends run on the same machine). The decoder rejects unknown, duplicate and
 * oversized fields, embedded NULs and control characters, and a version other
 * than its own, with a message that names both versions.
 * The reply of an "open" carries the session init's pidfd as SCM_RIGHTS.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define PROTO_MAGIC 0x014c5243u /* "CRL\1" */
#define PROTO_VERSION 1
#define PROTO_MSG_MAX 4096
#define PROTO_STR_MAX 512 /* including the NUL the decoder adds */

enum proto_kind {
	PROTO_REQ_OPEN = 1,
	PROTO_REQ_CLOSE = 2,
	PROTO_REPLY = 3,
	_PROTO_KIND_MAX,
};

enum proto_field {
	/* strings */
	PF_USER,
	PF_SERVICE,
	PF_TTY,
	PF_RHOST,
	PF_RUSER,
	PF_SESSION_ID,
	PF_MESSAGE,
	_PF_STR_MAX,
	/* integers */
	PF_STATUS = _PF_STR_MAX,
	PF_INIT_PID,
	PF_NS_FLAGS,
	PF_FLAGS,
	_PF_MAX,
};

/* PF_STATUS values of a reply; a negative value is a failure (-errno). */
#define PROTO_STATUS_ISOLATED 0
#define PROTO_STATUS_EXEMPT 1

/* PF_FLAGS bits of a reply. */
#define PROTO_FLAG_ALLOW_ON_ERROR (1u << 0) /* policy on_error = allow */

struct proto_msg {
	uint16_t kind;
	uint32_t present;		/* bit (1 << field) for every field set */
	char str[_PF_STR_MAX][PROTO_STR_MAX];
	int32_t num[_PF_MAX - _PF_STR_MAX];
};

void proto_init(struct proto_msg *m, enum proto_kind kind);
bool proto_has(const struct proto_msg *m, enum proto_field f);
/* A NULL value leaves the field absent. Fails on overlong or control characters. */
int proto_set_str(struct proto_msg *m, enum proto_field f, const char *value,
		  struct corral_err *err);
void proto_set_num(struct proto_msg *m, enum proto_field f, int32_t value);
/* "" when absent. */
const char *proto_str(const struct proto_msg *m, enum proto_field f);
int32_t proto_num(const struct proto_msg *m, enum proto_field f, int32_t dflt);

int proto_encode(const struct proto_msg *m, uint8_t *buf, size_t size, size_t *ret_len,
		 struct corral_err *err);
int proto_decode(const uint8_t *buf, size_t len, struct proto_msg *ret, struct corral_err *err);

/* Send one message, with fd passed as SCM_RIGHTS when fd >= 0. */
int proto_send(int sock, const struct proto_msg *m, int fd, struct corral_err *err);
/*
 * Receive one message within timeout_ms. When ret_fd is not NULL, at most one
 * passed fd is accepted and stored there (-EBADF when none came); otherwise a
 * passed fd is an error. Truncated messages or control data are refused.
 */
int proto_recv(int sock, struct proto_msg *ret, int *ret_fd, int timeout_ms,
	       struct corral_err *err);
