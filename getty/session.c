/*
 * session.c - start a user's session on a new pty.
 *
 * Defends the terminal and the system: the session gets a pty, never the
 * terminal; the pty's slave is opened before the fork (the relay must not
 * see a pty nobody holds) and handed to the user; privileges are dropped
 * in the only safe order (groups, gid, uid) and each step is checked,
 * including that root cannot be regained, before anything of the user's
 * runs.  Defends the trusted shell against the user's other processes:
 * its real, effective and saved group is one they cannot have (see
 * tp_trusted_group), which the kernel's ptrace access check does not
 * match, for tsh and for every program it runs; and it dumps no core.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/sched.h>
#include <unistd.h>

#include "cgroup.h"
#include "session.h"

/*
 * In the child: become the user, with group gid as the real, effective
 * and saved group (the user's own, or the trusted shell's), or die.
 */
static void
drop_privileges(const struct login *l, gid_t gid)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	if (initgroups(l->user, l->gid) == -1 ||
	    setresgid(gid, gid, gid) == -1 ||
	    setresuid(l->uid, l->uid, l->uid) == -1 ||
	    getresuid(&ru, &eu, &su) == -1 || getresgid(&rg, &eg, &sg) == -1 ||
	    ru != l->uid || eu != l->uid || su != l->uid ||
	    rg != gid || eg != gid || sg != gid ||
	    (l->uid != 0 && (setuid(0) != -1 ||
			     (gid != l->gid && setgid(l->gid) != -1)))) {
		dprintf(STDERR_FILENO, "tgetty: cannot become %s\n", l->user);
		_exit(126);
	}
}

static void __attribute__((noreturn))
child(const struct login *l, const struct session_opts *o, int slave,
      bool in_cgroup)
{
	static const int sigs[] = { SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGPIPE,
				    SIGCHLD, SIGTSTP, SIGTTIN, SIGTTOU };
	const char *base = strrchr(l->shell, '/');
	char arg0[sizeof(l->shell) + 1];
	char *shell[2];
	sigset_t none;

	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (setsid() == -1 || ioctl(slave, TIOCSCTTY, 0) == -1 ||
	    dup2(slave, 0) == -1 || dup2(slave, 1) == -1 ||
	    dup2(slave, 2) == -1)
		_exit(126);
	if (slave > 2)
		close(slave);
	/* dup2 onto itself would keep close-on-exec: clear it by hand */
	if (o->control != -1 &&
	    ((o->control != SESSION_CONTROL_FD &&
	      dup2(o->control, SESSION_CONTROL_FD) == -1) ||
	     fcntl(SESSION_CONTROL_FD, F_SETFD, 0) == -1))
		_exit(126);
	/* nothing else of tgetty's, or of a PAM module's, passes the exec
	   (exec_fd too: execveat runs a close-on-exec descriptor) */
	close_range(o->control != -1 ? SESSION_CONTROL_FD + 1 : 3, ~0U,
		    CLOSE_RANGE_CLOEXEC);
	if (o->nofile)		/* not what tgetty raised it to */
		setrlimit(RLIMIT_NOFILE, o->nofile);
	if (!in_cgroup && cgroup_enter(o->cgroup) == -1) {	/* as root */
		dprintf(STDERR_FILENO, "tgetty: cannot enter the session's "
			"cgroup\n");
		_exit(126);
	}
	/* the trusted shell's memory is nobody's to read, in a core file
	   either: no program it runs can raise the limit again */
	if (o->private && setrlimit(RLIMIT_CORE, &(struct rlimit){ 0, 0 }) == -1)
		_exit(126);
	drop_privileges(l, o->private ? o->gid : l->gid);
	if (chdir(l->home) == -1) {
		dprintf(STDERR_FILENO, "No directory, logging in with "
			"HOME=/\n");
		if (chdir("/") == -1)
			_exit(126);
	}
	if (o->argv && o->exec_fd != -1) {
		syscall(SYS_execveat, o->exec_fd, "", o->argv, o->env,
			AT_EMPTY_PATH);
		_exit(127);
	}
	if (o->argv) {
		execve(o->argv[0], o->argv, o->env);
		_exit(127);
	}
	/* a login shell: "-" and its name */
	snprintf(arg0, sizeof(arg0), "-%s", base ? base + 1 : l->shell);
	shell[0] = arg0;
	shell[1] = NULL;
	execve(l->shell, shell, o->env);
	dprintf(STDERR_FILENO, "tgetty: %s: %s\n", l->shell, strerror(errno));
	_exit(127);
}

/*
 * fork(), with the child born in the cgroup at path (clone3 with
 * CLONE_INTO_CGROUP): moving a process in later takes the cgroup
 * hierarchy's write lock, a wait of one RCU grace period (15 ms seen
 * here) on every login and every secure attention key.  Without it (an
 * older kernel), a plain fork; *in_cgroup says which.  tgetty is single-
 * threaded here, so the child of a raw clone3 may do what a fork child does.
 */
static pid_t
fork_in_cgroup(const char *path, bool *in_cgroup)
{
	struct clone_args ca;
	pid_t pid;
	int dir;

	*in_cgroup = false;
	if (*path && (dir = open(path, O_RDONLY | O_DIRECTORY |
				 O_CLOEXEC)) != -1) {
		memset(&ca, 0, sizeof(ca));
		ca.flags = CLONE_INTO_CGROUP;
		ca.exit_signal = SIGCHLD;
		ca.cgroup = (uint64_t)dir;
		pid = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
		if (pid == 0) {
			*in_cgroup = true;
			close(dir);
			return 0;
		}
		close(dir);
		if (pid > 0) {
			*in_cgroup = true;
			return pid;
		}
	}
	return fork();
}

int
session_start(const struct login *l, const struct session_opts *o,
	      struct session *s, struct tp_err *err)
{
	struct group gr, *res = NULL;
	char buf[4096];
	struct stat sb;
	bool in_cgroup;
	gid_t tty_gid;
	int slave;

	memset(s, 0, sizeof(*s));
	s->pid = -1;
	tty_gid = getgrnam_r("tty", &gr, buf, sizeof(buf), &res) == 0 && res ?
		  gr.gr_gid : l->gid;
	if ((s->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1 ||
	    grantpt(s->master) == -1 || unlockpt(s->master) == -1 ||
	    ptsname_r(s->master, s->tty, sizeof(s->tty)) != 0) {
		tp_err_set(err, "pty: %s", strerror(errno));
		goto fail;
	}
	/* opened before the fork; the user's, written by nobody else; on
	   the trusted path root's: the shell has its descriptor, and no
	   other process, the user's own included, can open it (AIX: "the
	   getty and shell commands change the owner and mode of a terminal
	   to prevent untrusted programs from accessing the terminal") */
	if ((slave = open(s->tty, O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1 ||
	    fchown(slave, o->private ? 0 : l->uid, o->private ? 0 : tty_gid)
	    == -1 ||
	    fchmod(slave, o->private ? 0600 : 0620) == -1 ||
	    fstat(slave, &sb) == -1) {
		tp_err_set(err, "%s: %s", s->tty, strerror(errno));
		if (slave != -1)
			close(slave);
		goto fail;
	}
	s->rdev = sb.st_rdev;
	if ((s->pid = fork_in_cgroup(o->cgroup, &in_cgroup)) == -1) {
		tp_err_set(err, "fork: %s", strerror(errno));
		close(slave);
		goto fail;
	}
	if (s->pid == 0)
		child(l, o, slave, in_cgroup);
	close(slave);
	return 0;
fail:
	if (s->master != -1)
		close(s->master);
	s->master = -1;
	return -1;
}
