/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The module <-> helper wire format (lib/proto.c), the one input the helper
 * reads from the unprivileged side. Each input is decoded from memory and
 * received through a SOCK_SEQPACKET pair by proto_recv(); both must agree.
 * A message that decodes must hold only clean, bounded strings, and
 * re-encoding it must give a message that decodes to the same thing.
 */
#include <errno.h>
#include <sys/socket.h>

#include "fuzz.h"
#include "proto.h"

#define SEND_MAX 65536

static int sock[2] = { -1, -1 };

int LLVMFuzzerInitialize(int *argc _unused_, char ***argv _unused_)
{
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sock) < 0)
		abort();
	return 0;
}

static void check_msg(const struct proto_msg *m)
{
	fuzz_check(m->kind > 0 && m->kind < _PROTO_KIND_MAX, "kind %u", m->kind);
	fuzz_check((m->present & ~((1u << _PF_MAX) - 1)) == 0, "present 0x%x", m->present);
	for (unsigned f = 0; f < _PF_STR_MAX; f++) {
		size_t len = strnlen(m->str[f], PROTO_STR_MAX);

		fuzz_check(len < PROTO_STR_MAX, "field %u not terminated", f);
		fuzz_check(proto_has(m, f) || len == 0, "absent field %u holds text", f);
		for (size_t i = 0; i < len; i++)
			fuzz_check((unsigned char)m->str[f][i] >= 0x20 && m->str[f][i] != 0x7f,
				   "field %u has a control byte", f);
	}
}

static bool same(const struct proto_msg *a, const struct proto_msg *b)
{
	if (a->kind != b->kind || a->present != b->present)
		return false;
	for (unsigned f = 0; f < _PF_MAX; f++) {
		if (!proto_has(a, f))
			continue;
		if (f < _PF_STR_MAX ? !streq(a->str[f], b->str[f]) :
				      a->num[f - _PF_STR_MAX] != b->num[f - _PF_STR_MAX])
			return false;
	}
	return true;
}

static void check_error(int r, const struct corral_err *err)
{
	fuzz_check(r < 0 && r >= -4095 && err->code == r, "error %d, code %d", r, err->code);
	fuzz_check(err->msg[0] && fuzz_printable(err->msg), "message '%s'", err->msg);
}

/* The same bytes through a socket: proto_recv() must come to the same answer. */
static void fuzz_recv(const uint8_t *data, size_t size, int dr, const struct proto_msg *dm)
{
	struct corral_err err = CORRAL_ERR_INIT;
	struct proto_msg m;
	int r;

	if (size > SEND_MAX)
		return;
	if (send(sock[0], data, size, MSG_NOSIGNAL) != (ssize_t)size)
		abort();
	r = proto_recv(sock[1], &m, NULL, 1000, &err);
	if (size == 0) {
		fuzz_check(r == -ECONNRESET, "empty message: %d", r);
	} else if (size > PROTO_MSG_MAX) {
		fuzz_check(r == -EMSGSIZE, "%zu bytes received: %d", size, r);
	} else {
		fuzz_check(r == dr, "proto_recv %d, proto_decode %d: %s", r, dr, err.msg);
		fuzz_check(r < 0 || same(&m, dm), "proto_recv and proto_decode differ");
	}
	if (r < 0)
		check_error(r, &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct corral_err err = CORRAL_ERR_INIT;
	struct proto_msg m, again;
	uint8_t buf[PROTO_MSG_MAX];
	size_t len;
	int fd = fuzz_lowest_fd(), r;

	r = proto_decode(data, size, &m, &err);
	if (r < 0) {
		check_error(r, &err);
	} else {
		check_msg(&m);
		/* A decoded message holds at most what was received: it fits again. */
		r = proto_encode(&m, buf, sizeof(buf), &len, &err);
		fuzz_check(r == 0 && len <= size, "re-encoding failed: %s", err.msg);
		r = proto_decode(buf, len, &again, &err);
		fuzz_check(r == 0 && same(&m, &again), "re-encoded message differs: %s", err.msg);
		r = 0;
	}
	fuzz_recv(data, size, r, &m);
	fuzz_check(fuzz_lowest_fd() == fd, "leaked an fd");
	return 0;
}
