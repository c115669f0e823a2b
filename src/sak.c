/*
 * sak.c - the secure attention key: the key, and the sweep.
 *
 * Defends the terminal against every process that could still write to
 * it, or read from it, after the key is pressed:
 *  - holders are found by device number (st_rdev of each open descriptor,
 *    and the controlling terminal in /proc/PID/stat), never by path, so a
 *    device node made elsewhere, a synonym or /dev/console is the same;
 *  - each process is looked at and killed through its /proc directory
 *    (pidfd_send_signal), so a PID that was recycled meanwhile is never
 *    signalled;
 *  - a process can open a descriptor in a thread that no longer shares its
 *    descriptor table: multithreaded processes are scanned thread by thread;
 *  - the session cannot fork its way out while the sweep runs: its cgroup
 *    is frozen, or its processes stopped;
 *  - descriptors are looked at with AT_STATX_DONT_SYNC, so a hung network
 *    or FUSE file system a holder has open cannot stall the sweep.
 * Descriptors no scan can see (in flight over a Unix socket, /dev/tty
 * opened before a setsid) are the caller's: hang the terminal up after.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "sak.h"

#define SWEEP_LIMIT_MS	5000	/* then give up on holders in D state */
#define FREEZE_LIMIT_MS	1000	/* then stop the session by signals */

ssize_t
tp_sak_find(struct tp_sak *s, const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s->first_seen && buf[i] == TP_SAK_SECOND) {
			s->first_seen = false;
			return (ssize_t)i;
		}
		s->first_seen = buf[i] == TP_SAK_FIRST;
	}
	return -1;
}

int
tp_sweep_add(struct tp_sweep *sw, dev_t dev)
{
	for (size_t i = 0; i < sw->ndevs; i++)
		if (sw->devs[i] == dev)
			return 0;
	if (sw->ndevs == TP_SWEEP_MAX_DEVS) {
		errno = ENOSPC;
		return -1;
	}
	sw->devs[sw->ndevs++] = dev;
	return 0;
}

static bool
is_ours(const struct tp_sweep *sw, dev_t dev)
{
	for (size_t i = 0; i < sw->ndevs; i++)
		if (sw->devs[i] == dev)
			return true;
	return false;
}

/* A set of PIDs, one bit each (pid_max is at most 2^22). */
struct pidset {
	uint64_t *bits;
	size_t words;
};

static int
pidset_init(struct pidset *ps)
{
	ps->words = ((size_t)1 << 22) / 64;
	ps->bits = calloc(ps->words, sizeof(*ps->bits));
	return ps->bits ? 0 : -1;
}

static bool
pidset_add(struct pidset *ps, pid_t pid)	/* true when it is new */
{
	size_t i = (size_t)pid / 64;
	uint64_t m = (uint64_t)1 << ((size_t)pid % 64);

	if (pid <= 0 || i >= ps->words || (ps->bits[i] & m))
		return false;
	ps->bits[i] |= m;
	return true;
}

static long
ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 +
	       (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static int
send_sig(int procdir, int sig)
{
	return (int)syscall(SYS_pidfd_send_signal, procdir, sig, NULL, 0);
}

struct proc {
	char state;
	pid_t sid;
	dev_t ctty;
	unsigned threads;
};

static int
read_stat(int procdir, struct proc *p)
{
	char buf[1024], *s;
	int fd = openat(procdir, "stat", O_RDONLY | O_CLOEXEC), tty;
	ssize_t n;

	if (fd == -1)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* the name in parentheses may hold anything, ")" too */
	if ((s = strrchr(buf, ')')) == NULL ||
	    sscanf(s + 1, " %c %*d %*d %d %d %*d %*u %*u %*u %*u %*u %*u %*u "
		   "%*d %*d %*d %*d %u", &p->state, &p->sid, &tty,
		   &p->threads) != 4)
		return -1;
	p->ctty = makedev(major((dev_t)(unsigned)tty),
			  minor((dev_t)(unsigned)tty));
	return 0;
}

/* Does the descriptor table in fd directory dirfd (closed) hold one? */
static bool
fds_hold(const struct tp_sweep *sw, int dirfd)
{
	DIR *d = fdopendir(dirfd);
	struct dirent *e;
	bool found = false;

	if (d == NULL) {
		close(dirfd);
		return false;
	}
	while (!found && (e = readdir(d)) != NULL) {
		struct statx stx;

		if (e->d_name[0] == '.')
			continue;
		/* follows the magic link to the open file itself */
		if (statx(dirfd, e->d_name, AT_STATX_DONT_SYNC, STATX_TYPE,
			  &stx) == 0 && S_ISCHR(stx.stx_mode) &&
		    is_ours(sw, makedev(stx.stx_rdev_major,
					stx.stx_rdev_minor)))
			found = true;
	}
	closedir(d);
	return found;
}

static bool
holds(const struct tp_sweep *sw, int procdir, const struct proc *p)
{
	DIR *tasks;
	struct dirent *e;
	bool found = false;
	int fd;

	if (p->ctty != 0 && is_ours(sw, p->ctty))
		return true;
	if (p->threads <= 1) {
		fd = openat(procdir, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		return fd != -1 && fds_hold(sw, fd);
	}
	/* a thread may have a descriptor table of its own (unshare) */
	fd = openat(procdir, "task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1 || (tasks = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		return false;
	}
	while (!found && (e = readdir(tasks)) != NULL) {
		char path[NAME_MAX + 8];
		int tfd;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/fd", e->d_name);
		tfd = openat(dirfd(tasks), path,
			     O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		found = tfd != -1 && fds_hold(sw, tfd);
	}
	closedir(tasks);
	return found;
}

enum pass { STOP_SESSION, KILL_HOLDERS };

/*
 * One pass over /proc.  STOP_SESSION: stop the session's processes not
 * stopped before; KILL_HOLDERS: kill every holder.  Returns how many
 * processes it acted on (*fresh: how many for the first time), or -1.
 */
static int
pass(struct tp_sweep *sw, enum pass what, struct pidset *seen,
     unsigned *fresh)
{
	DIR *proc = opendir("/proc");
	struct dirent *e;
	pid_t self = getpid();
	int acted = 0;

	*fresh = 0;
	if (proc == NULL)
		return -1;
	sw->scans++;
	while ((e = readdir(proc)) != NULL) {
		struct proc p;
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		int procdir;

		if (*end != '\0' || pid <= 0 || pid == self)
			continue;
		procdir = openat(dirfd(proc), e->d_name,
				 O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (procdir == -1)
			continue;	/* gone */
		if (read_stat(procdir, &p) == 0 && p.state != 'Z' &&
		    p.state != 'X') {
			if (what == STOP_SESSION && p.sid == sw->session &&
			    pidset_add(seen, (pid_t)pid)) {
				send_sig(procdir, SIGSTOP);
				acted++;
				(*fresh)++;
			} else if (what == KILL_HOLDERS &&
				   holds(sw, procdir, &p) &&
				   send_sig(procdir, SIGKILL) == 0) {
				acted++;
				if (pidset_add(seen, (pid_t)pid))
					(*fresh)++;
			}
		}
		close(procdir);
	}
	closedir(proc);
	return acted;
}

static int
cg_write(const char *cgroup, const char *file, const char *text)
{
	char path[PATH_MAX];
	int fd, rc = -1;

	snprintf(path, sizeof(path), "%s/%s", cgroup, file);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) == -1)
		return -1;
	if (write(fd, text, strlen(text)) == (ssize_t)strlen(text))
		rc = 0;
	close(fd);
	return rc;
}

/* Freeze the cgroup and wait until cgroup.events says it is frozen. */
static int
freeze(const char *cgroup)
{
	char path[PATH_MAX], buf[256];
	struct timespec t0;
	int fd, rc = -1;

	snprintf(path, sizeof(path), "%s/cgroup.events", cgroup);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if (cg_write(cgroup, "cgroup.freeze", "1") == -1)
		goto out;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd p = { fd, POLLPRI, 0 };
		ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
		long left = FREEZE_LIMIT_MS - ms_since(&t0);

		if (n <= 0)
			break;
		buf[n] = '\0';
		if (strstr(buf, "frozen 1")) {
			rc = 0;
			break;
		}
		if (left <= 0 || poll(&p, 1, (int)left) == -1)
			break;
	}
	if (rc == -1)
		cg_write(cgroup, "cgroup.freeze", "0");
out:
	close(fd);
	return rc;
}

/* Continue every process the stop passes stopped that is still there. */
static void
continue_stopped(const struct pidset *stopped)
{
	for (size_t i = 0; i < stopped->words; i++) {
		uint64_t w = stopped->bits[i];

		while (w) {
			int b = __builtin_ctzll(w);

			kill((pid_t)(i * 64 + (size_t)b), SIGCONT);
			w &= w - 1;
		}
	}
}

int
tp_sweep_run(struct tp_sweep *sw, struct tp_err *err)
{
	struct pidset stopped = { NULL, 0 }, killed = { NULL, 0 };
	struct timespec t0;
	bool frozen = false;
	unsigned fresh;
	int rc = -1, n = 0;

	sw->killed = sw->scans = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (pidset_init(&killed) == -1)
		return tp_err_set(err, "sweep: out of memory");
	if (sw->cgroup && *sw->cgroup && freeze(sw->cgroup) == 0)
		frozen = true;
	else if (sw->session > 0) {
		if (pidset_init(&stopped) == -1) {
			tp_err_set(err, "sweep: out of memory");
			goto out;
		}
		/* until a whole pass finds nothing new */
		do {
			if (pass(sw, STOP_SESSION, &stopped, &fresh) == -1)
				break;
		} while (fresh > 0 && ms_since(&t0) < SWEEP_LIMIT_MS);
	}
	/* until a whole pass finds no holder, new or dying */
	while ((n = pass(sw, KILL_HOLDERS, &killed, &fresh)) > 0) {
		sw->killed += fresh;
		if (ms_since(&t0) >= SWEEP_LIMIT_MS)
			break;
		if (fresh == 0)		/* only the dying: let them go */
			nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
	}
	if (n == 0)
		rc = 0;
	else if (n > 0)
		tp_err_set(err, "sweep: %d holders still there after %d ms",
			   n, SWEEP_LIMIT_MS);
	else
		tp_err_set(err, "sweep: /proc: %s", strerror(errno));
out:
	if (frozen)
		cg_write(sw->cgroup, "cgroup.freeze", "0");
	if (stopped.bits)
		continue_stopped(&stopped);
	free(stopped.bits);
	free(killed.bits);
	return rc;
}
