/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * io_max: which disk a configured name means, and the per-device caps on v2
 * (io.max) and v1 (blkio.throttle.*_device). The kernel throttles whole
 * disks only, so a partition, or a file on one, means its disk, as systemd
 * does for IOReadBandwidthMax=.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cgroup-internal.h"
#include "parse-util.h"

static int parse_majmin(const char *s, unsigned *ret_major, unsigned *ret_minor)
{
	char num[16];
	const char *colon = strchr(s, ':');
	uint32_t ma, mi;

	if (!colon || (size_t)(colon - s) >= sizeof(num))
		return -EINVAL;
	memcpy(num, s, (size_t)(colon - s));
	num[colon - s] = '\0';
	if (parse_u32(num, &ma) < 0 || parse_u32(colon + 1, &mi) < 0)
		return -EINVAL;
	*ret_major = ma;
	*ret_minor = mi;
	return 0;
}

/* /sys/dev/block/M:m names the partition's directory; its parent is the disk. */
static int whole_disk(const char *name, unsigned *major, unsigned *minor, struct corral_err *err)
{
	_cleanup_close_ int dfd = -EBADF, fd = -EBADF;
	char path[64], buf[32];
	ssize_t n;

	(void)snprintf(path, sizeof(path), "/sys/dev/block/%u:%u", *major, *minor);
	dfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return err_errno(err, -errno, "io_max: %s is device %u:%u, which is not a block "
				 "device of this host", name, *major, *minor);
	if (faccessat(dfd, "partition", F_OK, 0) < 0)
		return 0;
	fd = openat(dfd, "../dev", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || (n = read(fd, buf, sizeof(buf) - 1)) <= 0)
		return err_errno(err, fd < 0 || n < 0 ? -errno : -EIO,
				 "io_max: cannot find the disk of partition %u:%u", *major, *minor);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (parse_majmin(buf, major, minor) < 0)
		return err_set(err, -EIO, "io_max: %s/../dev is not MAJOR:MINOR", path);
	return 0;
}

int cg_io_device(const char *name, unsigned *ret_major, unsigned *ret_minor,
		 struct corral_err *err)
{
	unsigned ma, mi;
	struct stat st;
	dev_t dev;
	int r;

	if (name[0] != '/') {
		if (parse_majmin(name, &ma, &mi) < 0)
			return err_set(err, -EINVAL, "io_max: '%.64s' is not MAJOR:MINOR", name);
	} else {
		if (stat(name, &st) < 0)
			return err_errno(err, -errno, "io_max: %s", name);
		dev = S_ISBLK(st.st_mode) ? st.st_rdev : st.st_dev;
		ma = major(dev);
		mi = minor(dev);
		/* tmpfs, overlayfs, btrfs subvolumes, NFS: anonymous devices. */
		if (ma == 0)
			return err_set(err, -ENODEV, "io_max: %s is on a filesystem with no block "
				       "device of its own", name);
	}
	r = whole_disk(name, &ma, &mi, err);
	if (r < 0)
		return r;
	*ret_major = ma;
	*ret_minor = mi;
	return 0;
}

static bool configured(const struct cg_limits *lim, unsigned major, unsigned minor)
{
	for (unsigned i = 0; i < lim->n_io; i++)
		if (lim->io[i].major == major && lim->io[i].minor == minor)
			return true;
	return false;
}

/*
 * The devices capped now in file ("M:m ..." lines) that the new limits do
 * not name: their caps are lifted, so a device removed from the config is
 * freed at the next login or apply.
 */
static int lift_others(int fd, const char *file, const struct cg_limits *lim, bool v2,
		       struct corral_err *err)
{
	char buf[4096], val[96], *save = NULL;
	unsigned ma, mi;
	int r;

	r = cg_read(fd, file, buf, sizeof(buf), err);
	if (r < 0)
		return r;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		line[strcspn(line, " ")] = '\0';
		if (parse_majmin(line, &ma, &mi) < 0 || configured(lim, ma, mi))
			continue;
		if (v2)
			(void)snprintf(val, sizeof(val), "%u:%u rbps=max wbps=max riops=max "
				       "wiops=max", ma, mi);
		else
			(void)snprintf(val, sizeof(val), "%u:%u 0", ma, mi);
		r = cg_write(fd, file, val, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static void fmt_v2(char *buf, size_t size, uint64_t v)
{
	if (v == CG_UNLIMITED)
		(void)snprintf(buf, size, "max");
	else
		(void)snprintf(buf, size, "%" PRIu64, v);
}

int cg2_io_max(int fd, const struct cg_limits *lim, struct corral_err *err)
{
	int r;

	r = lift_others(fd, "io.max", lim, true, err);
	for (unsigned i = 0; r >= 0 && i < lim->n_io; i++) {
		const struct cg_io_dev *d = &lim->io[i];
		char v[4][24], line[160];

		for (int k = 0; k < 4; k++)
			fmt_v2(v[k], sizeof(v[k]), d->v[k]);
		(void)snprintf(line, sizeof(line), "%u:%u rbps=%s wbps=%s riops=%s wiops=%s",
			       d->major, d->minor, v[0], v[1], v[2], v[3]);
		r = cg_write(fd, "io.max", line, err);
	}
	return r < 0 ? err_wrap(err, "io_max") : 0;
}

/* v1 has one file per kind of cap; 0 removes a device's rule. */
int cg1_io_max(int fd, const struct cg_limits *lim, struct corral_err *err)
{
	static const char *const files[4] = {
		"blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device",
		"blkio.throttle.read_iops_device", "blkio.throttle.write_iops_device",
	};
	int r = 0;

	for (int k = 0; r >= 0 && k < 4; k++) {
		r = lift_others(fd, files[k], lim, false, err);
		for (unsigned i = 0; r >= 0 && i < lim->n_io; i++) {
			const struct cg_io_dev *d = &lim->io[i];
			char line[64];

			(void)snprintf(line, sizeof(line), "%u:%u %" PRIu64, d->major, d->minor,
				       d->v[k] == CG_UNLIMITED ? 0 : d->v[k]);
			r = cg_write(fd, files[k], line, err);
		}
	}
	return r < 0 ? err_wrap(err, "io_max") : 0;
}
