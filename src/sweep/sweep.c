/*
 * sweep.c - the sweep the secure attention key starts with.
 *
 * Defends the terminal against every process that could still write to
 * it, or read from it, after the key is pressed:
 *  - holders are found by device number (st_rdev of each open descriptor),
 *    never by path, so a device node made elsewhere, a synonym or
 *    /dev/console is the same; a controlling terminal by session (a
 *    terminal controls one session, and all of it);
 *  - a pty, by its number and its devpts instance (st_dev of the
 *    descriptor; its node opens nowhere else): every instance numbers its
 *    ptys from 0, and a container's pty with the number of ours is another
 *    device, whose holders live on;
 *  - a holder is signalled through a pidfd, after it is found holding
 *    again with the pidfd held, so a PID that was recycled meanwhile is
 *    never signalled;
 *  - a process can open a descriptor in a thread that no longer shares its
 *    descriptor table: multithreaded processes are scanned thread by thread;
 *  - the session cannot fork its way out while the sweep runs: its
 *    shells' cgroups are frozen, or its processes stopped;
 *  - a holder's tracer, which holds nothing itself, could keep the holder
 *    stopped in its exit once killed (PTRACE_O_TRACEEXIT), its
 *    descriptors open, for as long as it likes: the tracers of every
 *    thread of a holder, and theirs, are killed with it (a frozen
 *    holder's at the finish, just before it can exit, which also catches
 *    a tracer that came after the sweep); the kernel walk names the
 *    processes with a traced thread, so /proc is read for those only;
 *  - descriptors are looked at with AT_STATX_DONT_SYNC, so a hung network
 *    or FUSE file system a holder has open cannot stall the sweep;
 *  - where tp_sweep_prepare() loaded the kernel walk (sweep_bpf.c), the
 *    holders come from it instead of /proc, under the same rules: device
 *    numbers and devpts instances, sessions, every descriptor table,
 *    confirmed with the pidfd held (kernel_pass).
 * Descriptors no scan can see (in flight over a Unix socket, an io_uring's
 * fixed files, /dev/tty opened before a setsid) are the caller's: hang the
 * terminal up after.  So are the descriptors of a holder the kernel cannot
 * end at once (in uninterruptible sleep: it dies when it wakes).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>

#include "cgroup.h"
#include "clock.h"
#include "proc.h"
#include "sweep.h"
#include "sweep_bpf.h"

#define SWEEP_LIMIT_MS	5000	/* then give up on holders in D state */
#define FREEZE_LIMIT_MS	1000	/* then stop the session by signals */
#define MAX_TRACERS	64	/* tracers of tracers followed, per thread */

static int
add_dev(struct tp_sweep *sw, dev_t rdev, dev_t fs)
{
	for (size_t i = 0; i < sw->ndevs; i++)
		if (sw->devs[i].rdev == rdev && sw->devs[i].fs == fs)
			return 0;
	if (sw->ndevs == TP_SWEEP_MAX_DEVS) {
		errno = ENOSPC;
		return -1;
	}
	sw->devs[sw->ndevs++] = (struct tp_sweep_dev){ rdev, fs };
	return 0;
}

int
tp_sweep_add(struct tp_sweep *sw, dev_t rdev)
{
	return add_dev(sw, rdev, 0);
}

int
tp_sweep_add_fd(struct tp_sweep *sw, int fd)
{
	struct statfs sf;
	struct stat sb;

	if (fstat(fd, &sb) == -1 || fstatfs(fd, &sf) == -1)
		return -1;
	if (!S_ISCHR(sb.st_mode)) {
		errno = ENOTTY;
		return -1;
	}
	/* devpts instances are anonymous file systems: never st_dev 0 */
	return add_dev(sw, sb.st_rdev,
		       sf.f_type == DEVPTS_SUPER_MAGIC ? sb.st_dev : 0);
}

int
tp_sweep_add_session(struct tp_sweep *sw, pid_t sid)
{
	for (size_t i = 0; i < sw->nsids; i++)
		if (sw->sids[i] == sid)
			return 0;
	if (sid <= 0 || sw->nsids == TP_SWEEP_MAX_DEVS) {
		errno = sid <= 0 ? EINVAL : ENOSPC;
		return -1;
	}
	sw->sids[sw->nsids++] = sid;
	return 0;
}

bool
tp_sweep_has(const struct tp_sweep *sw, dev_t rdev, dev_t fs)
{
	for (size_t i = 0; i < sw->ndevs; i++)
		if (sw->devs[i].rdev == rdev &&
		    (sw->devs[i].fs == 0 || sw->devs[i].fs == fs))
			return true;
	return false;
}

/* A set of PIDs, one bit each (pid_max is at most 2^22); shared by the
 * scanning threads, so bits are set atomically. */
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
pidset_has(const struct pidset *ps, pid_t pid)
{
	size_t i = (size_t)pid / 64;

	return ps->bits && pid > 0 && i < ps->words &&
	       (__atomic_load_n(&ps->bits[i], __ATOMIC_RELAXED) &
		((uint64_t)1 << ((size_t)pid % 64)));
}

static bool
pidset_add(struct pidset *ps, pid_t pid)	/* true when it is new */
{
	size_t i = (size_t)pid / 64;
	uint64_t m = (uint64_t)1 << ((size_t)pid % 64);

	if (pid <= 0 || i >= ps->words)
		return false;
	return !(__atomic_fetch_or(&ps->bits[i], m, __ATOMIC_RELAXED) & m);
}

/* Does the descriptor table in directory dirfd (closed here) hold one? */
static bool
fds_hold(const struct tp_sweep *sw, int dirfd)
{
	char buf[8192];
	bool found = false;
	long n;

	/* getdents directly: no stdio stream to set up per directory */
	while (!found && (n = syscall(SYS_getdents64, dirfd, buf,
				      sizeof(buf))) > 0) {
		for (long off = 0; off < n && !found;) {
			struct dirent64 *e = (struct dirent64 *)(buf + off);
			struct statx stx;

			off += e->d_reclen;
			if (e->d_name[0] == '.')
				continue;
			/* follows the magic link to the open file itself
			   (stx_rdev and stx_dev are always filled in) */
			if (statx(dirfd, e->d_name, AT_STATX_DONT_SYNC,
				  STATX_TYPE, &stx) == -1) {
				if (errno == EACCES)	/* all of them, then */
					goto out;
				continue;
			}
			if (S_ISCHR(stx.stx_mode) &&
			    tp_sweep_has(sw, makedev(stx.stx_rdev_major,
						     stx.stx_rdev_minor),
					 makedev(stx.stx_dev_major,
						 stx.stx_dev_minor)))
				found = true;
		}
	}
out:
	close(dirfd);
	return found;
}

/* Does the process hold one by an open descriptor, in any thread? */
static bool
holds(const struct tp_sweep *sw, int procfd, const char *pid, unsigned nthr)
{
	char path[NAME_MAX + 8];
	struct dirent *e;
	bool found = false;
	DIR *tasks;
	int fd;

	if (nthr <= 1) {
		snprintf(path, sizeof(path), "%s/fd", pid);
		fd = openat(procfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		return fd != -1 && fds_hold(sw, fd);
	}
	/* a thread may have a descriptor table of its own (unshare) */
	snprintf(path, sizeof(path), "%s/task", pid);
	if ((fd = openat(procfd, path, O_RDONLY | O_DIRECTORY |
			 O_CLOEXEC)) == -1)
		return false;
	if ((tasks = fdopendir(fd)) == NULL) {
		close(fd);
		return false;
	}
	while (!found && (e = readdir(tasks)) != NULL) {
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

struct scan {
	struct tp_sweep *sw;
	enum pass what;
	int procfd;
	pid_t *pids;
	size_t npids, cap;
	bool walked;		/* pids is a kernel walk made since the last
				   act that could make a new holder */
	bool more;		/* that walk shows processes not yet seen */
	struct pidset *seen;	/* stopped, or killed: done with */
	struct pidset *clean;	/* seen holding nothing: done with */
	const struct pidset *frozen;	/* in the frozen cgroups */
	unsigned acted;		/* updated atomically */
	unsigned tracers;	/* tracers killed, updated atomically */
	struct pidset traced;	/* kernel walk: processes with a traced
				   thread in the last walk */
	bool any_traced;	/* traced has any */
	bool traced_known;	/* a kernel pass is acting: look for the
				   tracers of those in traced only */
};

/* What a sweep leaves for tp_sweep_finish(). */
struct tp_sweep_state {
	char (*frozen)[PATH_MAX];	/* the cgroups it froze */
	size_t nfrozen;
	struct doomed {		/* frozen holders, not yet killed */
		int pidfd;
		pid_t pid;
	} *doomed;
	size_t ndoomed, cap;
	pthread_mutex_t lock;
	struct pidset stopped;	/* without a cgroup: what it stopped */
	struct rlimit nofile;	/* as it was, put back at the finish */
};

/* Keep a frozen holder's pidfd for later; false when it cannot. */
static bool
doom(struct tp_sweep_state *st, pid_t pid, int pidfd)
{
	bool kept = false;

	pthread_mutex_lock(&st->lock);
	if (st->ndoomed == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 256;
		struct doomed *more = realloc(st->doomed, cap * sizeof(*more));

		if (more) {
			st->doomed = more;
			st->cap = cap;
		}
	}
	if (st->ndoomed < st->cap) {
		st->doomed[st->ndoomed++] = (struct doomed){ pidfd, pid };
		kept = true;
	}
	pthread_mutex_unlock(&st->lock);
	return kept;
}

static bool
is_our_session(const struct tp_sweep *sw, pid_t sid)
{
	for (size_t i = 0; i < sw->nsids; i++)
		if (sw->sids[i] == sid)
			return true;
	return false;
}

/* How many threads: /proc/PID/task has two links more than threads. */
static unsigned
threads(int procfd, const char *pid)
{
	char path[32];
	struct statx stx;

	snprintf(path, sizeof(path), "%s/task", pid);
	if (statx(procfd, path, 0, STATX_NLINK, &stx) == -1 ||
	    stx.stx_nlink < 3)
		return 1;
	return stx.stx_nlink - 2;
}

/* Is the process with this PID a holder now? */
static bool
is_holder(struct scan *sc, pid_t pid, const char *name)
{
	pid_t sid = getsid(pid);

	if (sid == -1)
		return false;		/* gone */
	if (sc->what == STOP_SESSION)
		return sid == sc->sw->session;
	return (sid > 0 && is_our_session(sc->sw, sid)) ||
	       holds(sc->sw, sc->procfd, name, threads(sc->procfd, name));
}

/*
 * Kill the tracer of thread tid, and the tracer of that, up the chain (at
 * most MAX_TRACERS).  Each is taken by a pidfd for its process, then found
 * still the same thread of it, still tracing: a PID reused meanwhile is
 * never signalled.  seen (or NULL): the processes done with; a tracer
 * killed is added.  Returns how many it killed.
 */
static unsigned
kill_tracer_chain(pid_t tid, struct pidset *seen)
{
	pid_t self = getpid();
	unsigned n = 0;

	for (unsigned depth = 0; depth < MAX_TRACERS; depth++) {
		struct tp_proc_status st, tr, again;
		bool same;
		int fd;

		if (tp_proc_status(tid, &st) == -1 || st.tracer <= 0 ||
		    tp_proc_status(st.tracer, &tr) == -1 || tr.tgid == self ||
		    (seen && pidset_has(seen, tr.tgid)) ||
		    (fd = (int)syscall(SYS_pidfd_open, tr.tgid, 0)) == -1)
			break;
		same = tp_proc_status(tid, &again) == 0 &&
		       again.tracer == st.tracer &&
		       tp_proc_status(st.tracer, &again) == 0 &&
		       again.tgid == tr.tgid;
		if (same && syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL,
				    0) == 0) {
			n++;
			if (seen)
				pidset_add(seen, tr.tgid);
		}
		close(fd);
		if (!same)
			break;
		tid = st.tracer;
	}
	return n;
}

/*
 * A holder's tracer holds what it holds: it can make it do anything, and
 * keep it, killed, stopped in its exit with its descriptors open
 * (PTRACE_O_TRACEEXIT) for as long as it likes.  Kill the tracers of
 * every thread of pid (ptrace is per thread), after pid itself is killed:
 * let go by its tracer, it cannot run again.
 */
static unsigned
kill_tracers(pid_t pid, struct pidset *seen)
{
	char path[32];
	struct dirent *e;
	unsigned n = 0;
	DIR *task;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	if ((task = opendir(path)) == NULL)
		return 0;
	while ((e = readdir(task)) != NULL) {
		pid_t tid;

		if (tp_proc_pid(e->d_name, &tid) == 0)
			n += kill_tracer_chain(tid, seen);
	}
	closedir(task);
	return n;
}

/*
 * Act on a holder whose pidfd is held: stop it, or kill it, or (frozen)
 * doom it.  True when its pidfd is kept (doomed); the caller closes it
 * otherwise.
 */
static bool
act(struct scan *sc, pid_t pid, int pidfd)
{
	/* frozen: it cannot run, and is killed once the prompt is up (its
	   exit would slow the prompt down); the rest now */
	if (sc->what == KILL_HOLDERS && pidset_has(sc->frozen, pid) &&
	    doom(sc->sw->state, pid, pidfd)) {
		__atomic_add_fetch(&sc->acted, 1, __ATOMIC_RELAXED);
		pidset_add(sc->seen, pid);
		return true;	/* its tracers: at the finish, with it */
	}
	if (sc->what == KILL_HOLDERS)
		setpriority(PRIO_PROCESS, (id_t)pid, 19);
	if (syscall(SYS_pidfd_send_signal, pidfd, sc->what == STOP_SESSION ?
		    SIGSTOP : SIGKILL, NULL, 0) == 0) {
		__atomic_add_fetch(&sc->acted, 1, __ATOMIC_RELAXED);
		pidset_add(sc->seen, pid);
		if (sc->what == KILL_HOLDERS &&
		    (!sc->traced_known || pidset_has(&sc->traced, pid))) {
			unsigned n = kill_tracers(pid, sc->seen);

			__atomic_add_fetch(&sc->acted, n, __ATOMIC_RELAXED);
			__atomic_add_fetch(&sc->tracers, n, __ATOMIC_RELAXED);
		}
	}
	return false;
}

/*
 * One process of a pass.  Cheap tests first: the session ID (getsid, no
 * file) says whether its controlling terminal is one of ours.  A holder is
 * signalled through a pidfd, and only once it has been found holding again
 * after the pidfd was taken: while the pidfd's process lives, the PID is
 * its, so the signal cannot reach a process that got the PID meanwhile.
 */
static void
scan_one(struct scan *sc, pid_t pid)
{
	char name[16];
	int pidfd;

	snprintf(name, sizeof(name), "%d", (int)pid);
	if (!is_holder(sc, pid, name)) {
		if (sc->what == KILL_HOLDERS)
			pidset_add(sc->clean, pid);
		return;
	}
	if ((pidfd = (int)syscall(SYS_pidfd_open, pid, 0)) == -1)
		return;
	if (!is_holder(sc, pid, name) || !act(sc, pid, pidfd))
		close(pidfd);
}

/*
 * The kernel walk names a process with a traced thread by its negated PID:
 * take those out of the walk's n pids into sc->traced.
 */
static void
split_traced(struct scan *sc, size_t *n)
{
	size_t kept = 0;

	if (sc->any_traced)
		memset(sc->traced.bits, 0, sc->traced.words *
		       sizeof(*sc->traced.bits));
	sc->any_traced = false;
	for (size_t i = 0; i < *n; i++) {
		if (sc->pids[i] >= 0) {
			sc->pids[kept++] = sc->pids[i];
		} else if (sc->pids[i] != INT_MIN) {
			pidset_add(&sc->traced, -sc->pids[i]);
			sc->any_traced = true;
		}
	}
	*n = kept;
}

/* The kernel walk, its traced processes taken out. */
static int
kernel_walk(struct scan *sc, size_t *n)
{
	if (tp_sweep_bpf_find(sc->sw, &sc->pids, &sc->cap, n) == -1)
		return -1;
	split_traced(sc, n);
	return 0;
}

/* A process the kernel walk reported, and the pidfd taken for it. */
struct held {
	pid_t pid;
	int fd;
};

/*
 * Step 1: take a pidfd for each process of the walk (n in sc->pids) that
 * no pass has acted on, once each.  Returns how many, or -1.
 */
static ssize_t
take_pidfds(struct scan *sc, size_t n, struct held *held)
{
	struct pidset taken = { NULL, 0 };
	pid_t self = getpid();
	size_t nheld = 0;

	if (pidset_init(&taken) == -1)
		return -1;
	for (size_t i = 0; i < n; i++) {
		pid_t pid = sc->pids[i];
		int fd;

		if (pid == self || pidset_has(sc->seen, pid) ||
		    !pidset_add(&taken, pid))
			continue;
		if ((fd = (int)syscall(SYS_pidfd_open, pid, 0)) != -1)
			held[nheld++] = (struct held){ pid, fd };
	}
	free(taken.bits);
	return (ssize_t)nheld;
}

/*
 * Step 3: act on each held process the second walk (n in sc->pids)
 * reported again: it held the terminal while its pidfd was held, so it is
 * no process that got the PID meanwhile.  The pidfd of one doomed is kept
 * (fd -1 in held).  *ran: one that could run (not frozen) was acted on.
 */
static int
act_on_confirmed(struct scan *sc, size_t n, struct held *held,
		 size_t nheld, bool *ran)
{
	struct pidset again = { NULL, 0 };

	if (pidset_init(&again) == -1)
		return -1;
	for (size_t i = 0; i < n; i++)
		pidset_add(&again, sc->pids[i]);
	sc->traced_known = true;	/* by the walk just made */
	for (size_t i = 0; i < nheld; i++) {
		if (!pidset_has(&again, held[i].pid))
			continue;
		*ran |= !pidset_has(sc->frozen, held[i].pid);
		if (act(sc, held[i].pid, held[i].fd))
			held[i].fd = -1;	/* kept */
	}
	sc->traced_known = false;
	free(again.bits);
	return 0;
}

/* Step 4: does the second walk show processes no pass has acted on? */
static bool
new_since_first(const struct scan *sc, size_t n)
{
	pid_t self = getpid();

	for (size_t i = 0; i < n; i++)
		if (sc->pids[i] != self && !pidset_has(sc->seen, sc->pids[i]))
			return true;
	return false;
}

/*
 * A pass of KILL_HOLDERS from the kernel's walk (sweep_bpf.c), in steps:
 * walk (or reuse the last pass's second walk), take a pidfd for each
 * process reported (1), walk again (2), act on those reported again (3),
 * and note whether the second walk shows processes new since the first
 * (4: sc->more, another pass is due even if this one acted on none).  The
 * second walk is the next pass's first when all this pass acted on was
 * frozen (sc->walked: nothing it did can have made a new holder, a frozen
 * process cannot fork).  Nothing is marked clean: each pass walks
 * everything.  As pass(), or -1 when the walk failed.
 */
static int
kernel_pass(struct scan *sc)
{
	struct held *held = NULL;
	size_t n = sc->npids;
	ssize_t nheld = 0;
	bool ran = false;	/* a holder that could run was acted on */
	bool reuse = sc->walked;
	unsigned tracers = sc->tracers;
	int rc = -1;

	sc->acted = 0;
	sc->walked = sc->more = false;
	if ((sc->traced.bits == NULL && pidset_init(&sc->traced) == -1) ||
	    (!reuse && kernel_walk(sc, &n) == -1) ||
	    (n && (held = malloc(n * sizeof(*held))) == NULL) ||
	    (nheld = take_pidfds(sc, n, held)) == -1)
		goto out;
	if (nheld) {
		if (kernel_walk(sc, &n) == -1 ||
		    act_on_confirmed(sc, n, held, (size_t)nheld, &ran) == -1)
			goto out;
		sc->more = new_since_first(sc, n);
	}
	ran |= sc->tracers != tracers;	/* they could run too */
	sc->walked = nheld && !ran;
	sc->npids = n;
	sc->sw->scans++;
	sc->sw->kernel_walk = true;
	rc = (int)sc->acted;
out:
	for (ssize_t i = 0; i < nheld; i++)
		if (held[i].fd != -1)
			close(held[i].fd);
	free(held);
	return rc;
}

struct worker {
	struct scan *sc;
	size_t from, step;
};

static void *
work(void *arg)
{
	struct worker *w = arg;

	for (size_t i = w->from; i < w->sc->npids; i += w->step)
		if (!pidset_has(w->sc->clean, w->sc->pids[i]) &&
		    !pidset_has(w->sc->seen, w->sc->pids[i]))
			scan_one(w->sc, w->sc->pids[i]);
	return NULL;
}

#define MAX_THREADS 4

/*
 * One pass over /proc, looking at the processes no earlier pass acted on
 * or found clean.  STOP_SESSION: stop the session's processes;
 * KILL_HOLDERS: kill every holder.  The processes are shared among a
 * thread per processor (up to MAX_THREADS).  Returns how many processes it
 * acted on, or -1.
 */
static int
pass(struct scan *sc)
{
	struct worker w[MAX_THREADS];
	pthread_t t[MAX_THREADS];
	struct dirent *e;
	pid_t self = getpid();
	size_t nthreads = 1, started = 0;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	DIR *proc;
	int n;

	if (sc->what == KILL_HOLDERS && !sc->sw->proc_only &&
	    tp_sweep_bpf_ready() && (n = kernel_pass(sc)) != -1)
		return n;
	if ((proc = opendir("/proc")) == NULL)
		return -1;
	sc->npids = 0;
	sc->acted = 0;
	sc->walked = sc->more = false;
	sc->procfd = dirfd(proc);
	while ((e = readdir(proc)) != NULL) {
		pid_t pid;

		if (tp_proc_pid(e->d_name, &pid) == -1 || pid == self)
			continue;
		if (sc->npids == sc->cap) {
			size_t cap = sc->cap ? sc->cap * 2 : 4096;
			pid_t *more = realloc(sc->pids, cap * sizeof(*more));

			if (more == NULL) {
				closedir(proc);
				return -1;
			}
			sc->pids = more;
			sc->cap = cap;
		}
		sc->pids[sc->npids++] = (pid_t)pid;
	}
	sc->sw->scans++;
	if (ncpu > 1 && sc->npids >= 256)
		nthreads = ncpu < MAX_THREADS ? (size_t)ncpu : MAX_THREADS;
	for (size_t i = 0; i < nthreads; i++) {
		w[i] = (struct worker){ sc, i, nthreads };
		/* the first share is this thread's own */
		if (i > 0 && pthread_create(&t[i], NULL, work, &w[i]) != 0)
			break;
		started = i + 1;
	}
	for (size_t i = started; i < nthreads; i++)	/* no thread: ours */
		work(&w[i]);
	work(&w[0]);
	for (size_t i = 1; i < started; i++)
		pthread_join(t[i], NULL);
	closedir(proc);
	return (int)sc->acted;
}

/* Freeze the cgroup, and wait until it is (or thaw it again). */
static int
freeze(const char *cgroup)
{
	if (cgroup_write(cgroup, "cgroup.freeze", "1") == -1)
		return -1;
	if (cgroup_wait(cgroup, "frozen 1", FREEZE_LIMIT_MS, 50) == 0)
		return 0;
	cgroup_write(cgroup, "cgroup.freeze", "0");
	return -1;
}

/* Does the cgroup.procs file at path list anything? */
static bool
has_members(const char *path)
{
	char c;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd == -1 ? 1 : read(fd, &c, 1);

	if (fd != -1)
		close(fd);
	return n != 0;		/* unreadable counts as yes */
}

/*
 * Freeze the shells' cgroups below the session's (or the session's own
 * when it has none), and note their members: frozen, they can neither
 * fork nor exit nor join another cgroup until thawed.
 */
static int
freeze_session(const char *cgroup, struct tp_sweep_state *st,
	       struct pidset *members)
{
	char path[PATH_MAX], line[32];
	struct dirent *e;
	DIR *dir = opendir(cgroup);
	size_t n = 0, cap = 0;

	if (dir == NULL || pidset_init(members) == -1) {
		if (dir)
			closedir(dir);
		return -1;
	}
	while ((e = readdir(dir)) != NULL) {
		if (e->d_type != DT_DIR || strncmp(e->d_name, "shell-", 6) != 0)
			continue;
		if (n == cap) {
			void *more = realloc(st->frozen, (cap + 16) *
					     sizeof(*st->frozen));

			if (more == NULL) {
				closedir(dir);
				return -1;
			}
			st->frozen = more;
			cap += 16;
		}
		snprintf(st->frozen[n++], PATH_MAX, "%s/%s", cgroup, e->d_name);
	}
	closedir(dir);
	/* processes in the session's own cgroup: the whole of it, the next
	   shell's cgroup too, until the finish */
	snprintf(path, sizeof(path), "%s/cgroup.procs", cgroup);
	if (n == 0 || has_members(path)) {
		if (cap == 0 && (st->frozen = malloc(sizeof(*st->frozen))) ==
		    NULL)
			return -1;
		n = 0;
		snprintf(st->frozen[n++], PATH_MAX, "%s", cgroup);
	}
	for (size_t i = 0; i < n; i++) {
		FILE *f;

		if (freeze(st->frozen[i]) == -1)
			return -1;
		st->nfrozen = i + 1;
		snprintf(path, sizeof(path), "%s/cgroup.procs", st->frozen[i]);
		if ((f = fopen(path, "re")) == NULL)
			return -1;
		while (fgets(line, sizeof(line), f)) {
			pid_t pid;

			line[strcspn(line, "\n")] = '\0';
			if (tp_proc_pid(line, &pid) == 0)
				pidset_add(members, pid);
		}
		fclose(f);
	}
	return 0;
}

static void
thaw(struct tp_sweep_state *st)
{
	for (size_t i = 0; i < st->nfrozen; i++)
		cgroup_write(st->frozen[i], "cgroup.freeze", "0");
	st->nfrozen = 0;
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

/* Room for a descriptor per frozen holder (put back by the finish; a
 * shell started before that gets the limit tgetty started with). */
static void
more_descriptors(struct tp_sweep_state *st)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &st->nofile) == 0 &&
	    st->nofile.rlim_cur < st->nofile.rlim_max) {
		rl = st->nofile;
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int
tp_sweep_run(struct tp_sweep *sw, struct tp_err *err)
{
	struct pidset killed = { NULL, 0 }, clean = { NULL, 0 };
	struct pidset members = { NULL, 0 };
	struct scan sc = { .sw = sw };
	struct tp_sweep_state *st;
	struct timespec t0;
	int rc = -1, n = 0;

	sw->killed = sw->scans = 0;
	tp_clock_start(&t0);
	if ((st = sw->state = calloc(1, sizeof(*st))) == NULL ||
	    pidset_init(&killed) == -1 || pidset_init(&clean) == -1) {
		tp_err_set(err, "sweep: out of memory");
		goto out;
	}
	pthread_mutex_init(&st->lock, NULL);
	more_descriptors(st);
	sc.clean = &clean;
	sc.frozen = &members;
	if (sw->cgroup && *sw->cgroup &&
	    freeze_session(sw->cgroup, st, &members) == 0) {
		;			/* frozen */
	} else {
		thaw(st);
		free(members.bits);
		members.bits = NULL;
		if (sw->session > 0 && pidset_init(&st->stopped) == 0) {
			/* until a whole pass finds none not stopped before */
			sc.what = STOP_SESSION;
			sc.seen = &st->stopped;
			while ((n = pass(&sc)) > 0 &&
			       tp_ms_since(&t0) < SWEEP_LIMIT_MS)
				;
			memset(clean.bits, 0, clean.words * sizeof(*clean.bits));
		}
	}
	/*
	 * Until a whole pass finds no new holder.  A process killed (or
	 * frozen and doomed) is done with: it cannot run again, and what it
	 * forked before it died is a new process, looked at in the next
	 * pass.  A process seen holding nothing is done with too: to hold one
	 * later it must open it (the terminal is root's, mode 0600; the pty
	 * dies with its master, closed after the sweep) or receive it from a
	 * holder (killed, or in flight: the hang-up revokes it).
	 */
	sc.what = KILL_HOLDERS;
	sc.seen = &killed;
	while ((n = pass(&sc)) > 0 || (n == 0 && sc.more)) {
		sw->killed += (unsigned)n;
		if (tp_ms_since(&t0) >= SWEEP_LIMIT_MS)
			break;
	}
	if (n == 0 && !sc.more)
		rc = 0;
	else if (n >= 0)
		tp_err_set(err, "sweep: new holders still came after %d ms",
			   SWEEP_LIMIT_MS);
	else
		tp_err_set(err, "sweep: /proc: %s", strerror(errno));
out:
	free(sc.pids);
	free(sc.traced.bits);
	free(killed.bits);
	free(clean.bits);
	free(members.bits);
	return rc;
}

void
tp_sweep_finish(struct tp_sweep *sw)
{
	struct tp_sweep_state *st = sw->state;

	if (st == NULL)
		return;
	/* killed, then let go by their tracers (one may have come since the
	   sweep): thawed, they exit, and no ptrace stop can hold them */
	for (size_t i = 0; i < st->ndoomed; i++)
		syscall(SYS_pidfd_send_signal, st->doomed[i].pidfd, SIGKILL,
			NULL, 0);
	for (size_t i = 0; i < st->ndoomed; i++) {
		struct pollfd exited = { st->doomed[i].pidfd, POLLIN, 0 };

		/* its PID is its own while it has not exited */
		if (poll(&exited, 1, 0) == 0)
			kill_tracers(st->doomed[i].pid, NULL);
		close(st->doomed[i].pidfd);
	}
	thaw(st);
	if (st->stopped.bits)
		continue_stopped(&st->stopped);
	if (st->nofile.rlim_max)
		setrlimit(RLIMIT_NOFILE, &st->nofile);
	pthread_mutex_destroy(&st->lock);
	free(st->doomed);
	free(st->frozen);
	free(st->stopped.bits);
	free(st);
	sw->state = NULL;
}
