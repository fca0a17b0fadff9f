/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * escape-probe: one escape attempt per run, for tests/escape. It makes the
 * system call itself (no shell tool in between guessing what went wrong) and
 * prints what the kernel said: "ok" when the call succeeded, else the errno
 * name ("EPERM", "ESRCH"...). The exit status is 0 either way; 2 is bad usage.
 *
 *   escape-probe kill PID SIG          kill(2)
 *   escape-probe scan                  kill(PID, 0) for every PID up to pid_max:
 *                                      prints the PIDs that exist but its own,
 *                                      one a line
 *   escape-probe ptrace PID            PTRACE_SEIZE (detached again at once)
 *   escape-probe vmread PID ADDR       process_vm_readv of one byte at ADDR (hex)
 *   escape-probe pidfd PID             pidfd_open(2)
 *   escape-probe setns PATH            open PATH, setns(fd, 0)
 *   escape-probe mount TYPE DIR        mount(TYPE, DIR, TYPE, 0, NULL)
 *   escape-probe bind SRC DIR          mount(SRC, DIR, NULL, MS_BIND)
 *   escape-probe umount DIR            umount2(DIR, MNT_DETACH)
 *   escape-probe pivot NEW OLD         pivot_root(2)
 *   escape-probe chroot DIR            chroot(2)
 *   escape-probe unshare NS[,NS...]    unshare(2); NS: mnt pid uts ipc net cgroup
 *   escape-probe sethostname NAME      sethostname(2)
 *   escape-probe tiocsti TEXT          ioctl(0, TIOCSTI) for each byte of TEXT
 *   escape-probe inject-later SECS TEXT
 *                                      the same from a child left behind, SECS
 *                                      seconds after this process exited
 *   escape-probe shm KEY | sem KEY | msg KEY
 *                                      shmget/semget/msgget of an existing key (hex)
 *   escape-probe mq NAME               mq_open(NAME, O_RDONLY)
 *   escape-probe mq-create NAME        mq_open(NAME, O_CREAT | O_RDWR, 0666)
 *   escape-probe connect NAME          connect to the abstract unix socket @NAME
 *   escape-probe listen NAME           bind @NAME, print "ready", answer one
 *                                      connection with "hello", exit
 *   escape-probe write FILE TEXT       open FILE O_WRONLY (no O_CREAT), write TEXT
 *   escape-probe mkdir DIR             mkdir(DIR, 0755)
 */
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#define EXIT_USAGE 2

static int result(int r)
{
	if (r < 0)
		printf("%s\n", strerrorname_np(errno) ? strerrorname_np(errno) : "E?");
	else
		printf("ok\n");
	return 0;
}

static _Noreturn void usage(const char *why)
{
	fprintf(stderr, "escape-probe: %s (see the comment at the top of probe.c)\n", why);
	exit(EXIT_USAGE);
}

static long number(const char *s, int base)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, base);
	if (errno || end == s || *end)
		usage("not a number");
	return v;
}

static int scan(void)
{
	long max = 0;
	FILE *f = fopen("/proc/sys/kernel/pid_max", "re");

	/* NOLINTNEXTLINE(cert-err34-c): the kernel writes it in decimal; else the ceiling */
	if (!f || fscanf(f, "%ld", &max) != 1 || max <= 0)
		max = 4194304;	/* the kernel's ceiling */
	if (f)
		(void)fclose(f);
	for (long pid = 1; pid <= max; pid++)
		if (pid != getpid() && (kill((pid_t)pid, 0) == 0 || errno != ESRCH))
			printf("%ld\n", pid);
	return 0;
}

static int do_ptrace(pid_t pid)
{
	if (ptrace(PTRACE_SEIZE, pid, NULL, NULL) < 0)
		return result(-1);
	(void)ptrace(PTRACE_DETACH, pid, NULL, NULL);
	return result(0);
}

static int vmread(pid_t pid, const char *addr)
{
	char byte;
	struct iovec local = { &byte, 1 };
	/* An address in the other process, only handed to the kernel. */
	/* NOLINTNEXTLINE(performance-no-int-to-ptr) */
	struct iovec remote = { (void *)(uintptr_t)number(addr, 16), 1 };

	return result(process_vm_readv(pid, &local, 1, &remote, 1, 0) < 0 ? -1 : 0);
}

static int do_setns(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return result(-1);
	return result(setns(fd, 0));
}

static int ns_flags(const char *list)
{
	static const struct {
		const char *name;
		int flag;
	} ns[] = {
		{ "mnt", CLONE_NEWNS },	  { "pid", CLONE_NEWPID }, { "uts", CLONE_NEWUTS },
		{ "ipc", CLONE_NEWIPC },  { "net", CLONE_NEWNET }, { "cgroup", CLONE_NEWCGROUP },
	};
	char buf[128], *save = NULL;
	int flags = 0;

	(void)snprintf(buf, sizeof(buf), "%s", list);
	for (char *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		size_t i;

		for (i = 0; i < sizeof(ns) / sizeof(ns[0]) && strcmp(ns[i].name, w) != 0; i++)
			;
		if (i == sizeof(ns) / sizeof(ns[0]))
			usage("unknown namespace");
		flags |= ns[i].flag;
	}
	return flags;
}

static int tiocsti(const char *text)
{
	for (const char *p = text; *p; p++)
		if (ioctl(0, TIOCSTI, p) < 0)
			return result(-1);
	return result(0);
}

static int inject_later(const char *secs, const char *text)
{
	unsigned delay = (unsigned)number(secs, 10);
	pid_t pid = fork();

	if (pid < 0)
		return result(-1);
	if (pid > 0)
		return 0;
	(void)sleep(delay);
	for (const char *p = text; *p; p++)
		if (ioctl(0, TIOCSTI, p) < 0)
			_exit(1);
	_exit(0);
}

static int ipc_get(const char *what, const char *key)
{
	key_t k = (key_t)number(key, 16);

	if (!strcmp(what, "shm"))
		return result(shmget(k, 0, 0));
	if (!strcmp(what, "sem"))
		return result(semget(k, 0, 0));
	return result(msgget(k, 0));
}

static socklen_t abstract_addr(const char *name, struct sockaddr_un *sa)
{
	size_t n = strlen(name);

	if (n == 0 || n >= sizeof(sa->sun_path) - 1)
		usage("bad socket name");
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path + 1, name, n);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

static int do_connect(const char *name)
{
	struct sockaddr_un sa;
	socklen_t len = abstract_addr(name, &sa);
	char buf[16] = "";
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, len) < 0)
		return result(-1);
	if (read(fd, buf, sizeof(buf) - 1) < 0)
		return result(-1);
	printf("%s\n", buf);
	return 0;
}

static int do_listen(const char *name)
{
	struct sockaddr_un sa;
	socklen_t len = abstract_addr(name, &sa);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), c;

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, len) < 0 || listen(fd, 1) < 0)
		return result(-1);
	printf("ready\n");
	(void)fflush(stdout);
	c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0 || write(c, "hello", 5) != 5)
		return result(-1);
	return 0;
}

static int do_write(const char *file, const char *text)
{
	int fd = open(file, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n;

	if (fd < 0)
		return result(-1);
	n = write(fd, text, strlen(text));
	return result(n < 0 ? -1 : 0);
}

/* One flat test per verb: long, but not complex. */
/* NOLINTNEXTLINE(readability-function-cognitive-complexity) */
static int run(int argc, char **argv)
{
	const char *v = argv[1], *a = argc > 2 ? argv[2] : NULL, *b = argc > 3 ? argv[3] : NULL;

	if (!strcmp(v, "scan"))
		return scan();
	if (!a)
		usage("missing argument");
	if (!strcmp(v, "ptrace"))
		return do_ptrace((pid_t)number(a, 10));
	if (!strcmp(v, "pidfd"))
		return result((int)syscall(SYS_pidfd_open, (pid_t)number(a, 10), 0));
	if (!strcmp(v, "setns"))
		return do_setns(a);
	if (!strcmp(v, "umount"))
		return result(umount2(a, MNT_DETACH));
	if (!strcmp(v, "chroot"))
		return result(chroot(a));
	if (!strcmp(v, "unshare"))
		return result(unshare(ns_flags(a)));
	if (!strcmp(v, "sethostname"))
		return result(sethostname(a, strlen(a)));
	if (!strcmp(v, "tiocsti"))
		return tiocsti(a);
	if (!strcmp(v, "shm") || !strcmp(v, "sem") || !strcmp(v, "msg"))
		return ipc_get(v, a);
	if (!strcmp(v, "mq"))
		return result(mq_open(a, O_RDONLY));
	if (!strcmp(v, "mq-create"))
		return result(mq_open(a, O_CREAT | O_RDWR, 0666, NULL));
	if (!strcmp(v, "connect"))
		return do_connect(a);
	if (!strcmp(v, "listen"))
		return do_listen(a);
	if (!strcmp(v, "mkdir"))
		return result(mkdir(a, 0755));
	if (!b)
		usage("missing argument");
	if (!strcmp(v, "kill"))
		return result(kill((pid_t)number(a, 10), (int)number(b, 10)));
	if (!strcmp(v, "inject-later"))
		return inject_later(a, b);
	if (!strcmp(v, "vmread"))
		return vmread((pid_t)number(a, 10), b);
	if (!strcmp(v, "mount"))
		return result(mount(a, b, a, 0, NULL));
	if (!strcmp(v, "bind"))
		return result(mount(a, b, NULL, MS_BIND, NULL));
	if (!strcmp(v, "pivot"))
		return result((int)syscall(SYS_pivot_root, a, b));
	if (!strcmp(v, "write"))
		return do_write(a, b);
	usage("unknown verb");
}

int main(int argc, char **argv)
{
	if (argc < 2)
		usage("no verb");
	return run(argc, argv);
}
