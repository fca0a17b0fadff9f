/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/proto.c: encode/decode round trip, every rejection of the decoder with its
 * message, and one send/receive over a real SOCK_SEQPACKET pair with a passed fd.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proto.h"
#include "tap.h"

#define HEADER_SIZE 12

/* A hand-built message, for shapes the encoder would never produce. */
struct raw {
	uint8_t buf[PROTO_MSG_MAX * 2];
	size_t len;
};

static void raw_header(struct raw *m, uint32_t magic, uint16_t version, uint16_t kind)
{
	memcpy(m->buf, &magic, 4);
	memcpy(m->buf + 4, &version, 2);
	memcpy(m->buf + 6, &kind, 2);
	m->len = HEADER_SIZE;
}

static void raw_field(struct raw *m, uint16_t type, uint16_t declared, const void *v, size_t len)
{
	memcpy(m->buf + m->len, &type, 2);
	memcpy(m->buf + m->len + 2, &declared, 2);
	memcpy(m->buf + m->len + 4, v, len);
	m->len += 4 + len;
}

static void raw_finish(struct raw *m)
{
	uint32_t len = (uint32_t)(m->len - HEADER_SIZE);

	memcpy(m->buf + 8, &len, 4);
}

static void raw_request(struct raw *m)
{
	raw_header(m, PROTO_MAGIC, PROTO_VERSION, PROTO_REQ_OPEN);
	raw_field(m, PF_USER, 5, "alice", 5);
}

static void expect_reject(const struct raw *m, int code, const char *msg, const char *what)
{
	struct corral_err err = CORRAL_ERR_INIT;
	struct proto_msg out;

	is_int(proto_decode(m->buf, m->len, &out, &err), code, "decode refuses %s", what);
	is_str(err.msg, msg, "decode names the reason for %s", what);
}

static void fill_request(struct proto_msg *m)
{
	struct corral_err err = CORRAL_ERR_INIT;

	proto_init(m, PROTO_REQ_OPEN);
	(void)proto_set_str(m, PF_USER, "alice", &err);
	(void)proto_set_str(m, PF_SERVICE, "sshd", &err);
	(void)proto_set_str(m, PF_TTY, "ssh", &err);
	(void)proto_set_str(m, PF_RHOST, "10.0.0.7", &err);
	(void)proto_set_str(m, PF_RUSER, "", &err);
	proto_set_num(m, PF_STATUS, -13);
	proto_set_num(m, PF_INIT_PID, 4242);
}

static void test_round_trip(void)
{
	struct corral_err err = CORRAL_ERR_INIT;
	struct proto_msg in, out;
	uint8_t buf[PROTO_MSG_MAX];
	size_t len = 0;

	fill_request(&in);
	is_int(proto_encode(&in, buf, sizeof(buf), &len, &err), 0, "encode a request");
	is_int(proto_decode(buf, len, &out, &err), 0, "decode it back");
	is_int(out.kind, PROTO_REQ_OPEN, "kind survives");
	is_int(out.present, in.present, "the same fields are present");
	is_str(proto_str(&out, PF_USER), "alice", "user survives");
	is_str(proto_str(&out, PF_RHOST), "10.0.0.7", "rhost survives");
	ok(proto_has(&out, PF_RUSER) && !proto_str(&out, PF_RUSER)[0], "an empty string survives");
	ok(!proto_has(&out, PF_SESSION_ID), "an absent field stays absent");
	is_str(proto_str(&out, PF_SESSION_ID), "", "an absent string reads as \"\"");
	is_int(proto_num(&out, PF_STATUS, 0), -13, "a negative integer survives");
	is_int(proto_num(&out, PF_INIT_PID, 0), 4242, "an integer survives");
	is_int(proto_num(&out, PF_FLAGS, 77), 77, "an absent integer reads as the default");
	is_int(proto_encode(&in, buf, 20, &len, &err), -E2BIG, "encode refuses a small buffer");
}

static void test_setters(void)
{
	struct corral_err err = CORRAL_ERR_INIT;
	char big[PROTO_STR_MAX + 1];
	struct proto_msg m;

	proto_init(&m, PROTO_REQ_OPEN);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	is_int(proto_set_str(&m, PF_USER, big, &err), -E2BIG, "set_str refuses an overlong value");
	is_int(proto_set_str(&m, PF_USER, "a\nb", &err), -EINVAL, "set_str refuses a newline");
	is_str(err.msg, "Field 0 contains control characters", "and says why");
	is_int(proto_set_str(&m, PF_USER, "a\x7f", &err), -EINVAL, "set_str refuses DEL");
	is_int(proto_set_str(&m, PF_STATUS, "x", &err), -EINVAL, "set_str refuses an int field");
	is_int(proto_set_str(&m, PF_USER, NULL, &err), 0, "set_str(NULL) leaves it absent");
	ok(!proto_has(&m, PF_USER), "nothing was set by the refused calls");
}

static void test_header_rejections(void)
{
	struct raw m;

	raw_request(&m);
	raw_finish(&m);
	m.buf[0] ^= 0xff;
	expect_reject(&m, -EBADMSG, "Message has a bad magic number 0x014c52bc", "a bad magic");

	raw_header(&m, PROTO_MAGIC, PROTO_VERSION + 1, PROTO_REQ_OPEN);
	raw_finish(&m);
	expect_reject(&m, -EPROTO, "Peer speaks protocol version 2, this side speaks 1 "
		      "(pam_corral.so and corral-helper come from different builds?)",
		      "another protocol version");

	raw_header(&m, PROTO_MAGIC, PROTO_VERSION, 0);
	raw_finish(&m);
	expect_reject(&m, -EBADMSG, "Message has unknown kind 0", "kind 0");
	raw_header(&m, PROTO_MAGIC, PROTO_VERSION, _PROTO_KIND_MAX);
	raw_finish(&m);
	expect_reject(&m, -EBADMSG, "Message has unknown kind 4", "an unknown kind");

	raw_request(&m);
	raw_finish(&m);
	m.len = 3;
	expect_reject(&m, -EBADMSG, "Message of 3 bytes is shorter than its header",
		      "a short header");

	raw_request(&m);
	raw_finish(&m);
	m.len -= 1;
	expect_reject(&m, -EBADMSG, "Message length 9 does not match 8 bytes received",
		      "a length mismatch");
}

static void test_field_rejections(void)
{
	uint8_t big[PROTO_STR_MAX] = { 0 };
	int32_t v = 1;
	struct raw m;

	raw_request(&m);
	raw_field(&m, _PF_MAX, 1, "x", 1);
	raw_finish(&m);
	expect_reject(&m, -EBADMSG, "Message has unknown field 11", "an unknown field");

	raw_request(&m);
	raw_field(&m, PF_USER, 3, "bob", 3);
	raw_finish(&m);
	expect_reject(&m, -EBADMSG, "Message has field 0 twice", "a duplicate field");

	raw_request(&m);
	raw_field(&m, PF_SERVICE, 200, "sshd", 4);
	raw_finish(&m);
	expect_reject(&m, -EBADMSG, "Field 1 overruns the message", "an overrun");

	raw_request(&m);
	memcpy(m.buf + m.len, "\x01\x00", 2);
	m.len += 2;
	raw_finish(&m);
	expect_reject(&m, -EBADMSG, "Truncated field header at offset 21", "a truncated field");

	raw_request(&m);
	memset(big, 'a', sizeof(big));
	raw_field(&m, PF_SERVICE, sizeof(big), big, sizeof(big));
	raw_finish(&m);
	expect_reject(&m, -EBADMSG, "Field 1 is 512 bytes long", "an oversized string");

	raw_request(&m);
	raw_field(&m, PF_TTY, 4, "pt\x1b]", 4);
	raw_finish(&m);
	expect_reject(&m, -EBADMSG, "Field 2 contains NUL or control characters",
		      "a control character");

	raw_request(&m);
	raw_field(&m, PF_RHOST, 3, "a\0b", 3);
	raw_finish(&m);
	expect_reject(&m, -EBADMSG, "Field 3 contains NUL or control characters",
		      "an embedded NUL");

	raw_request(&m);
	raw_field(&m, PF_STATUS, 2, &v, 2);
	raw_finish(&m);
	expect_reject(&m, -EBADMSG, "Integer field 7 has length 2", "a short integer");
}

static void test_oversize(void)
{
	struct raw m;

	raw_header(&m, PROTO_MAGIC, PROTO_VERSION, PROTO_REQ_OPEN);
	memset(m.buf + HEADER_SIZE, 0, PROTO_MSG_MAX);
	m.len = PROTO_MSG_MAX + 1;
	raw_finish(&m);
	expect_reject(&m, -EMSGSIZE, "Message of 4097 bytes exceeds 4096", "an oversized message");
}

static void test_socket(void)
{
	struct corral_err err = CORRAL_ERR_INIT;
	struct proto_msg in, out;
	struct stat a, b;
	int sv[2], fd = -1, null_fd;

	fill_request(&in);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		skip("socketpair(SOCK_SEQPACKET) failed");
		return;
	}
	null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	is_int(proto_send(sv[0], &in, null_fd, &err), 0, "send with a passed fd");
	is_int(proto_recv(sv[1], &out, &fd, 1000, &err), 0, "receive it");
	ok(fd >= 0 && fstat(fd, &a) == 0 && fstat(null_fd, &b) == 0 && a.st_ino == b.st_ino &&
	   a.st_rdev == b.st_rdev, "the passed fd arrives");
	ok(fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC), "and is close-on-exec");
	is_str(proto_str(&out, PF_SERVICE), "sshd", "the fields arrive");
	(void)proto_send(sv[0], &in, null_fd, &err);
	is_int(proto_recv(sv[1], &out, NULL, 1000, &err), -EBADMSG,
	       "an fd nobody asked for is refused");
	is_int(proto_recv(sv[1], &out, NULL, 50, &err), -ETIMEDOUT, "no message: a timeout");
	(void)close(sv[0]);
	is_int(proto_recv(sv[1], &out, NULL, 1000, &err), -ECONNRESET, "peer gone: an error");
	(void)close(sv[1]);
	(void)close(null_fd);
	if (fd >= 0)
		(void)close(fd);
}

int main(void)
{
	test_round_trip();
	test_setters();
	test_header_rejections();
	test_field_rejections();
	test_oversize();
	test_socket();
	return done();
}
