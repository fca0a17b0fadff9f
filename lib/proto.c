/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "proto.h"

struct header {
	uint32_t magic;
	uint16_t version;
	uint16_t kind;
	uint32_t length;
} __attribute__((packed));

struct field_header {
	uint16_t type;
	uint16_t length;
} __attribute__((packed));

static bool is_str_field(unsigned f)
{
	return f < _PF_STR_MAX;
}

void proto_init(struct proto_msg *m, enum proto_kind kind)
{
	memset(m, 0, sizeof(*m));
	m->kind = (uint16_t)kind;
}

bool proto_has(const struct proto_msg *m, enum proto_field f)
{
	return (unsigned)f < _PF_MAX && (m->present & (1u << f));
}

/* Control characters would let a peer forge log lines or terminal escapes. */
static bool valid_text(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			return false;
	}
	return true;
}

int proto_set_str(struct proto_msg *m, enum proto_field f, const char *value,
		  struct corral_err *err)
{
	size_t len;

	if (!is_str_field(f))
		return err_set(err, -EINVAL, "Field %u is not a string", (unsigned)f);
	if (!value)
		return 0;
	len = strlen(value);
	if (len >= PROTO_STR_MAX)
		return err_set(err, -E2BIG, "Field %u is longer than %d bytes", (unsigned)f,
			       PROTO_STR_MAX - 1);
	if (!valid_text(value, len))
		return err_set(err, -EINVAL, "Field %u contains control characters", (unsigned)f);
	memcpy(m->str[f], value, len + 1);
	m->present |= 1u << f;
	return 0;
}

void proto_set_num(struct proto_msg *m, enum proto_field f, int32_t value)
{
	if ((unsigned)f < _PF_STR_MAX || (unsigned)f >= _PF_MAX)
		return;
	m->num[f - _PF_STR_MAX] = value;
	m->present |= 1u << f;
}

const char *proto_str(const struct proto_msg *m, enum proto_field f)
{
	return is_str_field(f) && proto_has(m, f) ? m->str[f] : "";
}

int32_t proto_num(const struct proto_msg *m, enum proto_field f, int32_t dflt)
{
	if ((unsigned)f < _PF_STR_MAX || !proto_has(m, f))
		return dflt;
	return m->num[f - _PF_STR_MAX];
}

static int put(uint8_t *buf, size_t size, size_t *off, const void *data, size_t len)
{
	if (len > size - *off)
		return -E2BIG;
	memcpy(buf + *off, data, len);
	*off += len;
	return 0;
}

static int put_field(uint8_t *buf, size_t size, size_t *off, unsigned f, const void *v,
		     size_t len)
{
	struct field_header fh = { .type = (uint16_t)f, .length = (uint16_t)len };
	int r;

	r = put(buf, size, off, &fh, sizeof(fh));
	if (r < 0)
		return r;
	return put(buf, size, off, v, len);
}

int proto_encode(const struct proto_msg *m, uint8_t *buf, size_t size, size_t *ret_len,
		 struct corral_err *err)
{
	struct header h = { .magic = PROTO_MAGIC, .version = PROTO_VERSION, .kind = m->kind };
	size_t off = sizeof(h);

	if (size < sizeof(h) || size > PROTO_MSG_MAX)
		return err_set(err, -EINVAL, "Invalid message buffer size %zu", size);
	for (unsigned f = 0; f < _PF_MAX; f++) {
		int r;

		if (!proto_has(m, f))
			continue;
		if (is_str_field(f))
			r = put_field(buf, size, &off, f, m->str[f], strlen(m->str[f]));
		else
			r = put_field(buf, size, &off, f, &m->num[f - _PF_STR_MAX],
				      sizeof(int32_t));
		if (r < 0)
			return err_set(err, r, "Message does not fit in %zu bytes", size);
	}
	h.length = (uint32_t)(off - sizeof(h));
	memcpy(buf, &h, sizeof(h));
	*ret_len = off;
	return 0;
}

static int decode_header(const uint8_t *buf, size_t len, struct header *h,
			 struct corral_err *err)
{
	if (len < sizeof(*h))
		return err_set(err, -EBADMSG, "Message of %zu bytes is shorter than its header",
			       len);
	memcpy(h, buf, sizeof(*h));
	if (h->magic != PROTO_MAGIC)
		return err_set(err, -EBADMSG, "Message has a bad magic number 0x%08x", h->magic);
	if (h->version != PROTO_VERSION)
		return err_set(err, -EPROTO,
			       "Peer speaks protocol version %u, this side speaks %u "
			       "(pam_corral.so and corral-helper come from different builds?)",
			       (unsigned)h->version, (unsigned)PROTO_VERSION);
	if (h->kind == 0 || h->kind >= _PROTO_KIND_MAX)
		return err_set(err, -EBADMSG, "Message has unknown kind %u", (unsigned)h->kind);
	if (h->length != len - sizeof(*h))
		return err_set(err, -EBADMSG, "Message length %u does not match %zu bytes received",
			       h->length, len - sizeof(*h));
	return 0;
}

static int decode_field(struct proto_msg *m, unsigned type, const uint8_t *v, size_t len,
			struct corral_err *err)
{
	if (type >= _PF_MAX)
		return err_set(err, -EBADMSG, "Message has unknown field %u", type);
	if (m->present & (1u << type))
		return err_set(err, -EBADMSG, "Message has field %u twice", type);
	if (is_str_field(type)) {
		if (len >= PROTO_STR_MAX)
			return err_set(err, -EBADMSG, "Field %u is %zu bytes long", type, len);
		if (!valid_text((const char *)v, len))
			return err_set(err, -EBADMSG, "Field %u contains NUL or control characters",
				       type);
		memcpy(m->str[type], v, len);
		m->str[type][len] = '\0';
	} else {
		if (len != sizeof(int32_t))
			return err_set(err, -EBADMSG, "Integer field %u has length %zu", type, len);
		memcpy(&m->num[type - _PF_STR_MAX], v, sizeof(int32_t));
	}
	m->present |= 1u << type;
	return 0;
}

int proto_decode(const uint8_t *buf, size_t len, struct proto_msg *ret, struct corral_err *err)
{
	struct proto_msg m;
	struct header h = { 0 };
	size_t off;
	int r;

	if (len > PROTO_MSG_MAX)
		return err_set(err, -EMSGSIZE, "Message of %zu bytes exceeds %d", len,
			       PROTO_MSG_MAX);
	r = decode_header(buf, len, &h, err);
	if (r < 0)
		return r;
	proto_init(&m, h.kind);
	for (off = sizeof(h); off < len;) {
		struct field_header fh;

		if (len - off < sizeof(fh))
			return err_set(err, -EBADMSG, "Truncated field header at offset %zu", off);
		memcpy(&fh, buf + off, sizeof(fh));
		off += sizeof(fh);
		if (fh.length > len - off)
			return err_set(err, -EBADMSG, "Field %u overruns the message",
				       (unsigned)fh.type);
		r = decode_field(&m, fh.type, buf + off, fh.length, err);
		if (r < 0)
			return r;
		off += fh.length;
	}
	*ret = m;
	return 0;
}

int proto_send(int sock, const struct proto_msg *m, int fd, struct corral_err *err)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;
	uint8_t buf[PROTO_MSG_MAX];
	struct iovec iov;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	size_t len;
	ssize_t n;
	int r;

	r = proto_encode(m, buf, sizeof(buf), &len, err);
	if (r < 0)
		return r;
	iov.iov_base = buf;
	iov.iov_len = len;
	if (fd >= 0) {
		struct cmsghdr *c;

		memset(&control, 0, sizeof(control));
		msg.msg_control = control.buf;
		msg.msg_controllen = sizeof(control.buf);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return err_errno(err, -errno, "Failed to send message");
	if ((size_t)n != len)
		return err_set(err, -EIO, "Short send of message (%zd of %zu bytes)", n, len);
	return 0;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int wait_readable(int sock, int timeout_ms, struct corral_err *err)
{
	int64_t deadline = now_ms() + timeout_ms;
	struct pollfd p = { .fd = sock, .events = POLLIN };

	for (;;) {
		int64_t left = deadline - now_ms();
		int r;

		if (left < 0)
			left = 0;
		r = poll(&p, 1, (int)left);
		if (r > 0)
			return 0;
		if (r == 0)
			return err_set(err, -ETIMEDOUT, "No message within %d ms", timeout_ms);
		if (errno != EINTR)
			return err_errno(err, -errno, "Failed to wait for a message");
	}
}

/* Collect the passed fd (at most one); any anomaly closes them all and fails. */
static int take_fds(struct msghdr *msg, int *ret_fd, struct corral_err *err)
{
	int got = -EBADF, count = 0, r = 0;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		size_t n;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
			r = err_set(err, -EBADMSG, "Unexpected control message");
			continue;
		}
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (count++ == 0)
				got = fd;
			else
				(void)close(fd);
		}
	}
	if (r == 0 && count > 1)
		r = err_set(err, -EBADMSG, "Message carries %d file descriptors", count);
	if (r < 0) {
		(void)close_nointr_keep_errno(got);
		return r;
	}
	if (ret_fd)
		*ret_fd = got;
	return 0;
}

int proto_recv(int sock, struct proto_msg *ret, int *ret_fd, int timeout_ms,
	       struct corral_err *err)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * 4)];
	} control;
	uint8_t buf[PROTO_MSG_MAX + 1];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control.buf, .msg_controllen = sizeof(control.buf),
	};
	_cleanup_close_ int fd = -EBADF;
	ssize_t n;
	int r;

	r = wait_readable(sock, timeout_ms, err);
	if (r < 0)
		return r;
	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return err_errno(err, -errno, "Failed to receive message");
	r = take_fds(&msg, &fd, err);
	if (r < 0)
		return r;
	if (n == 0)
		return err_set(err, -ECONNRESET, "Peer closed the connection without a message");
	if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
		return err_set(err, -EMSGSIZE, "Message or its control data was truncated");
	if (fd >= 0 && !ret_fd)
		return err_set(err, -EBADMSG, "Message carries an unexpected file descriptor");
	r = proto_decode(buf, (size_t)n, ret, err);
	if (r < 0)
		return r;
	if (ret_fd)
		*ret_fd = TAKE_FD(fd);
	return 0;
}
