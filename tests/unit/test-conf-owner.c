/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * conf_load() with check_owner: the file, the drop-in directory and every
 * directory above them must be owned by root and writable by nobody else.
 *
 * Unprivileged, a scratch file is ours, not root's: assert that refusal.
 * As root, the file-level refusals (mode, owner, mode reported first) work
 * anywhere, because the file is checked before its directories. The
 * directory-level checks need ancestors that pass, and /tmp (1777) never
 * does: so root gets a private mount namespace with a fresh 0755 tmpfs on
 * /tmp. That changes nothing outside this process; without it those checks
 * are skipped (a failure under CORRAL_TEST_STRICT=1).
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "tap.h"
#include "test-conf-util.h"

#define OTHER_UID 12345

/* Later checks depend on undoing a chown: a failure to undo it is a failure. */
static void give_to_root(const char *path)
{
	if (chown(path, 0, 0) < 0)
		ok(false, "chown %s back to root: %s", path, strerror(errno));
}

/* "DIR/SUB" + text (sub NULL: "DIR" + text), in a buffer of its own. */
static const char *msg(const char *dir, const char *sub, const char *text)
{
	static char buf[PATH_MAX + 256];

	(void)snprintf(buf, sizeof(buf), "%s%s%s%s", dir, sub ? "/" : "", sub ? sub : "", text);
	return buf;
}

/* Load main_path with check_owner: code 0 must load, else fail with exactly want. */
static void expect(const char *main_path, int code, const char *want, const char *name)
{
	_cleanup_(conf_freep) struct conf *c = NULL;
	struct corral_err err = CORRAL_ERR_INIT;
	struct conf_source src = { .main_path = main_path, .check_owner = true };
	int r;

	r = conf_load(&src, &c, &err);
	if (code == 0) {
		if (!ok(r == 0 && c, "%s: loads", name))
			diag("%s", err.msg);
		return;
	}
	is_str(err.msg, want, "%s: message", name);
	ok(r == code && !c, "%s: returns %d and no configuration", name, code);
}

static void test_unprivileged(const char *dir)
{
	char main_path[PATH_MAX], text[128];

	if (write_str(dir, "corral.conf", "[defaults]\n") < 0)
		return;
	(void)snprintf(main_path, sizeof(main_path), "%s/corral.conf", dir);
	(void)snprintf(text, sizeof(text), ": file is not owned by root (owner uid %u)",
		       (unsigned)getuid());
	expect(main_path, -EPERM, msg(dir, "corral.conf", text), "our own file");
	(void)chmod(main_path, 0664);
	expect(main_path, -EPERM, msg(dir, "corral.conf", ": file is writable by group or "
				     "others (mode 0664)"), "our own file, mode 0664");
}

/* Root: the file's own faults, reported before anything about its directories. */
static void test_file(const char *dir)
{
	static const char *const writable = ": file is writable by group or others";
	char f[PATH_MAX], text[128];

	if (write_str(dir, "corral.conf", "[defaults]\n") < 0)
		return;
	(void)snprintf(f, sizeof(f), "%s/corral.conf", dir);
	for (unsigned mode = 0664; mode <= 0666; mode += 2) {
		char name[32];

		(void)chmod(f, mode);
		(void)snprintf(text, sizeof(text), "%s (mode %04o)", writable, mode);
		(void)snprintf(name, sizeof(name), "file mode %04o", mode);
		expect(f, -EPERM, msg(dir, "corral.conf", text), name);
	}
	(void)chmod(f, 0646);
	expect(f, -EPERM, msg(dir, "corral.conf", ": file is writable by group or others "
			      "(mode 0646)"), "file mode 0646");
	(void)chmod(f, 0644);
	if (!ok(chown(f, OTHER_UID, 0) == 0, "chown the file to uid %d", OTHER_UID))
		return;
	expect(f, -EPERM, msg(dir, "corral.conf", ": file is not owned by root (owner uid "
			      "12345)"), "file owned by another user");
	(void)chmod(f, 0666);
	expect(f, -EPERM, msg(dir, "corral.conf", ": file is writable by group or others "
			      "(mode 0666)"), "foreign and writable: the mode is reported");
	give_to_root(f);
	(void)chmod(f, 0644);
	/* Relative: the directories above it cannot be walked from "/". */
	if (ok(chdir(dir) == 0, "chdir to the scratch directory")) {
		expect("corral.conf", -EINVAL, "corral.conf: must be an absolute path to a file "
		       "when ownership is checked", "relative path");
		ok(chdir("/") == 0, "chdir back to /");
	}
}

/* Chmod path to mode, expect the refusal of the directory sub ("" for dir), restore. */
static void dir_mode(const char *main_path, const char *dir, const char *sub, mode_t mode)
{
	char path[PATH_MAX], text[128], name[PATH_MAX + 32];

	(void)snprintf(path, sizeof(path), "%s%s%s", dir, sub ? "/" : "", sub ? sub : "");
	(void)snprintf(text, sizeof(text), ": directory is writable by group or others "
		       "(mode %04o)", (unsigned)mode);
	(void)snprintf(name, sizeof(name), "directory %s with mode %04o", path, (unsigned)mode);
	if (!ok(chmod(path, mode) == 0, "chmod %04o %s", (unsigned)mode, path))
		return;
	expect(main_path, -EPERM, msg(dir, sub, text), name);
	(void)chmod(path, 0755);
}

static void dir_owner(const char *main_path, const char *dir, const char *sub)
{
	char path[PATH_MAX], name[PATH_MAX + 32];

	(void)snprintf(path, sizeof(path), "%s%s%s", dir, sub ? "/" : "", sub ? sub : "");
	(void)snprintf(name, sizeof(name), "directory %s owned by uid %d", path, OTHER_UID);
	if (!ok(chown(path, OTHER_UID, 0) == 0, "chown %s", path))
		return;
	expect(main_path, -EPERM, msg(dir, sub, ": directory is not owned by root (owner uid "
				     "12345)"), name);
	give_to_root(path);
}

/* Root, with every ancestor of dir root-owned and 0755. */
static void test_dirs(const char *dir)
{
	const char *dropin = "corral.conf.d/50-x.conf";
	char main_path[PATH_MAX], dropin_path[PATH_MAX];

	(void)snprintf(main_path, sizeof(main_path), "%s/corral.conf", dir);
	(void)snprintf(dropin_path, sizeof(dropin_path), "%s/%s", dir, dropin);
	if (write_str(dir, "corral.conf", "[defaults]\n") < 0 ||
	    make_dir(dir, "corral.conf.d") < 0 ||
	    write_str(dir, dropin, "[defaults]\nkill_grace = 1s\n") < 0)
		return;
	expect(main_path, 0, NULL, "root-owned 0644 files in root-owned 0755 directories");
	dir_mode(main_path, dir, NULL, 0777);
	dir_mode(main_path, dir, NULL, 0775);
	dir_mode(main_path, dir, NULL, 01777);
	dir_owner(main_path, dir, NULL);
	/* Every ancestor counts, not only the file's own directory. */
	dir_mode(main_path, "/tmp", NULL, 0757);
	dir_mode(main_path, dir, "corral.conf.d", 0777);
	dir_owner(main_path, dir, "corral.conf.d");
	(void)chmod(dropin_path, 0664);
	expect(main_path, -EPERM, msg(dir, dropin, ": file is writable by group or others "
				     "(mode 0664)"), "drop-in mode 0664");
	(void)chmod(dropin_path, 0644);
	if (chown(dropin_path, OTHER_UID, 0) == 0)
		expect(main_path, -EPERM, msg(dir, dropin, ": file is not owned by root (owner "
					     "uid 12345)"), "drop-in owned by another user");
	give_to_root(dropin_path);
	expect(main_path, 0, NULL, "restored: loads again");
}

/* A symlink on the way is refused with owner checks, though open() would follow it. */
static void test_symlinked_dir(const char *dir)
{
	char main_path[PATH_MAX];

	if (make_dir(dir, "real") < 0 || write_str(dir, "real/corral.conf", "[defaults]\n") < 0 ||
	    symlink("real", path_in(dir, "link")) < 0)
		return;
	(void)snprintf(main_path, sizeof(main_path), "%s/link/corral.conf", dir);
	expect(main_path, -ELOOP, msg(dir, "link", ": is a symbolic link (not followed)"),
	       "a symlinked directory above the file");
}

static int private_tmp(void)
{
	struct stat st;

	if (stat("/", &st) < 0 || st.st_uid != 0 || (st.st_mode & 022))
		return -EPERM;
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0)
		return -errno;
	return 0;
}

int main(void)
{
	int r;

	if (geteuid() != 0) {
		with_scratch("unprivileged", test_unprivileged);
		return done();
	}
	with_scratch("file checks", test_file);
	r = private_tmp();
	if (r < 0) {
		char why[160];

		(void)snprintf(why, sizeof(why), "no private /tmp with root-only ancestors (%s): "
			       "directory checks not run", strerror(-r));
		skip(why);
		return done();
	}
	with_scratch("directory checks", test_dirs);
	with_scratch("symlinked directory", test_symlinked_dir);
	return done();
}
