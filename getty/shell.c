/*
 * shell.c - a login's session: its shells one after the other, each on a
 * pty of its own in a cgroup of its own, relayed to the terminal, until
 * logout.  The user's login shell, or on the trusted path tsh, verified
 * and started from the descriptor that was verified, protected from the
 * user's other processes (session.c) and recorded (trusted.h).
 *
 * Defends the trusted path: no trusted shell starts that cannot be
 * verified or protected (fail closed: the session ends, and says so); its
 * record exists exactly while it runs; whatever ends a shell (its exit, a
 * hang-up, the key, SIGTERM or SIGHUP to tgetty), the same steps end it.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "audit.h"
#include "cgroup.h"
#include "control.h"
#include "exec.h"
#include "relay.h"
#include "sakkey.h"
#include "secure.h"
#include "session.h"
#include "tgetty.h"
#include "trusted.h"
#include "tty.h"
#include "utmp.h"

enum next { NEXT_SHELL, NEXT_TSH, NEXT_LOGOUT, NEXT_LOGIN };

/* The session, across its shells. */
struct run {
	struct login *l;
	const struct user_pol *up;
	char cgroup[4096];		/* the session's (cgroup_create) */
	unsigned shells;		/* started so far */
	struct key_response key;	/* what the last key left to finish */
};

/* One shell of the session. */
struct shell {
	bool trusted;
	char *argv[4];			/* tsh's */
	struct session s;
	int ctl;			/* our end of tsh's control socket */
	int pidfd;
	const char *user;		/* the session's, for tsh's records */
	bool asked_shell;		/* tsh asked for the user's shell */
	unsigned refused;		/* messages of tsh's refused so far */
};

#define CONTROL_BURST	16	/* messages read per wakeup of the relay */
#define CONTROL_DRAIN	256	/* at most, once the shell has ended */
#define CONTROL_REPORTS	16	/* refused messages reported per shell */

static void
free_env(char **env)
{
	for (char **e = env; e && *e; e++)
		free(*e);
	free(env);
}

/* The environment of the session: PAM's, then the usual login ones, and
 * the control descriptor's number (control; -1: none). */
static char **
session_env(const struct login *l, const char *term, int control)
{
	char **pam = pam_getenvlist(l->pamh), **env;
	size_t n = 0, i = 0;

	while (pam && pam[n])
		n++;
	if ((env = calloc(n + 8, sizeof(*env))) == NULL)
		return NULL;
	for (; i < n; i++)
		env[i] = pam[i];
	free(pam);
	if (asprintf(&env[i++], "HOME=%s", l->home) == -1 ||
	    asprintf(&env[i++], "USER=%s", l->user) == -1 ||
	    asprintf(&env[i++], "LOGNAME=%s", l->user) == -1 ||
	    asprintf(&env[i++], "SHELL=%s", l->shell) == -1 ||
	    asprintf(&env[i++], "TERM=%s", term) == -1 ||
	    asprintf(&env[i++], "PATH=%s", l->uid ? "/usr/local/bin:/usr/bin:"
		     "/bin" : "/usr/local/sbin:/usr/local/bin:/usr/sbin:"
		     "/usr/bin:/sbin:/bin") == -1 ||
	    (control != -1 && asprintf(&env[i++], "%s=%d", TP_CONTROL_ENV,
				       control) == -1)) {
		env[i - 1] = NULL;	/* asprintf left it undefined */
		free_env(env);
		return NULL;
	}
	return env;
}

/*
 * The relay's quit hook: SIGTERM (what systemctl stop sends), or SIGHUP
 * sent to tgetty, ends the session as at logout.  The terminal's own
 * hang-up (SI_KERNEL) does not: the relay sees it as the end of input,
 * and the secure attention key's revoke sends one too.
 */
static bool
told_to_end(int fd)
{
	struct signalfd_siginfo si;

	while (read(fd, &si, sizeof(si)) == sizeof(si))
		if (si.ssi_signo == SIGTERM || si.ssi_code != SI_KERNEL)
			return true;
	return false;
}

/* The relay's input hook: stop at the secure attention key. */
static ssize_t
watch(void *arg, const char *buf, size_t len)
{
	return tp_sak_find(arg, buf, len) < 0 ? (ssize_t)len : -1;
}

/* Wait for the session's shell; it gets 2 s after a hang-up, then KILL. */
static void
reap(pid_t pid, int pidfd)
{
	struct pollfd p = { pidfd, POLLIN, 0 };
	int st;

	if (pidfd == -1 || poll(&p, 1, 2000) != 1) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
	}
	while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
		;
}

/*
 * The trusted shell, opened and verified against the trusted-file
 * database like any program tsh runs: it is executed from this descriptor.
 */
static int
open_tsh(struct tp_prog *prog, struct tp_err *err)
{
	struct tcb_db db;
	enum tp_prog_status st;

	if (tcb_db_load(&db, port.confdir, TCB_DB_LOOKUP, err) == -1)
		return -1;
	st = tp_prog_open(&db, port.pc.tsh, NULL, prog, err);
	tcb_db_free(&db);
	if (st != TP_PROG_OK)
		return -1;
	if (prog->interp_fd != -1) {
		tp_prog_close(prog);
		return tp_err_set(err, "%s: a script, not a program",
				  port.pc.tsh);
	}
	return 0;
}

/* The trusted shell cannot be what it must (what: "verified",
 * "protected", "started"): say so; the session ends. */
static int
no_tsh(const struct login *l, const char *what, const char *why)
{
	syslog(LOG_AUTHPRIV | LOG_ERR, "%s: the trusted shell cannot be %s: "
	       "%s", port.path, what, why);
	tp_audit_event(TP_EV_TSH, false, "acct", l->user, "cmd", port.pc.tsh,
		       NULL);
	dprintf(port.tty, "tgetty: the trusted shell cannot be %s; the "
		"session ends\r\n", what);
	return -1;
}

/*
 * One message of tsh's (control.h): the request for the user's shell, or
 * a command's audit event, which tgetty writes with the account and the
 * terminal (tsh's pty) it knows itself; anything else is refused whole,
 * and said (its bytes are not: they are the user's).
 */
static void
control_message(struct shell *sh, const char *buf, size_t n)
{
	struct tp_control_audit a;
	const char **k = a.key, **v = a.value;

	if (n == strlen(TP_CONTROL_SHELL) &&
	    memcmp(buf, TP_CONTROL_SHELL, n) == 0) {
		sh->asked_shell = true;
		return;
	}
	tp_audit_set_terminal(sh->s.tty);	/* tsh's, for these records */
	if (n <= TP_CONTROL_MAX && tp_control_audit_parse(buf, n, &a) == 0) {
		tp_audit_event(a.ev, a.success, "acct", sh->user, k[0], v[0],
			       k[1], v[1], k[2], v[2], NULL);
	} else if (sh->refused < CONTROL_REPORTS) {
		sh->refused++;
		syslog(LOG_AUTHPRIV | LOG_WARNING, "%s: the trusted shell of "
		       "%s sent a message that is not tsh's (%zu bytes): "
		       "refused%s", port.path, sh->user, n,
		       sh->refused == CONTROL_REPORTS ? "; no more are "
		       "reported" : "");
		tp_audit_event(TP_EV_TSH_CONTROL, false, "acct", sh->user,
			       "reason", n > TP_CONTROL_MAX ? "too-long" :
			       "malformed", NULL);
	}
	tp_audit_set_terminal(port.path);
}

/* recv read nothing: every holder of tsh's end closed it (the kernel
 * hangs the socket up), or tsh sent an empty packet (refused). */
static bool
closed(int fd)
{
	struct pollfd p = { fd, POLLIN, 0 };

	return poll(&p, 1, 0) == -1 || (p.revents & (POLLHUP | POLLERR));
}

/* Read at most max of tsh's messages, without waiting; false when there
 * is nothing more to come (every holder of tsh's end closed it). */
static bool
read_control(struct shell *sh, unsigned max)
{
	char buf[TP_CONTROL_MAX + 1];

	for (unsigned i = 0; i < max; i++) {
		/* MSG_TRUNC: the packet's whole length, however long */
		ssize_t n = recv(sh->ctl, buf, sizeof(buf),
				 MSG_DONTWAIT | MSG_TRUNC);

		if (n == 0 && closed(sh->ctl))
			return false;
		if (n == -1)
			return errno == EAGAIN || errno == EINTR;
		control_message(sh, buf, (size_t)n);
	}
	return true;
}

/* The relay's aside hook: tsh's messages while it runs. */
static bool
control_ready(void *arg, int fd)
{
	(void)fd;
	return read_control(arg, CONTROL_BURST);
}

/*
 * Pass on the new shell's first output (its prompt) as soon as there is
 * some, at most a second: then what the secure attention key left to do
 * (kill the frozen holders, thaw) no longer delays it.
 */
static void
first_output(int master)
{
	struct pollfd p = { master, POLLIN, 0 };
	char buf[4096];
	ssize_t n;

	if (poll(&p, 1, 1000) == 1 && (p.revents & POLLIN) &&
	    (n = read(master, buf, sizeof(buf))) > 0)
		(void)!write(port.tty, buf, (size_t)n);
}

/*
 * What tsh needs before it starts: the group that protects it, the
 * verified program, the control socket (ctl[1] is passed on), its
 * arguments (in argv).  -1 when any of it cannot be had (fail closed).
 */
static int
prepare_tsh(const struct login *l, struct session_opts *o,
	    struct tp_prog *prog, int ctl[2], char *argv[4])
{
	struct tp_err err;

	if (tp_trusted_group(l->uid, l->gid, &o->gid, &err) == -1)
		return no_tsh(l, "protected", err.msg);
	if (open_tsh(prog, &err) == -1)
		return no_tsh(l, "verified", err.msg);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ctl) == -1) {
		tp_prog_close(prog);
		return no_tsh(l, "started", strerror(errno));
	}
	argv[0] = (char *)port.pc.tsh;
	argv[1] = "-C";
	argv[2] = (char *)port.confdir;
	o->argv = argv;
	o->exec_fd = prog->fd;
	o->control = ctl[1];
	return 0;
}

/* Start the next shell of the session in sh; -1 when it cannot start
 * (logged; the session ends). */
static int
start_shell(struct run *r, struct shell *sh)
{
	struct session_opts o = { .exec_fd = -1, .private = sh->trusted,
				  .control = -1, .nofile = &port.nofile };
	struct tp_prog prog = { .fd = -1, .interp_fd = -1 };
	int ctl[2] = { -1, -1 }, rc;
	char cgroup[4096];
	struct tp_err err;
	char **env;

	cgroup_prune(r->cgroup);	/* the shells gone before */
	if (cgroup_leaf(r->cgroup, ++r->shells, cgroup, sizeof(cgroup)) == -1) {
		syslog(LOG_AUTHPRIV | LOG_ERR, "%s: %s/shell-%u: %m (the "
		       "session's own cgroup instead)", port.path, r->cgroup,
		       r->shells);
		snprintf(cgroup, sizeof(cgroup), "%s", r->cgroup);
	}
	o.cgroup = cgroup;
	if (sh->trusted && prepare_tsh(r->l, &o, &prog, ctl, sh->argv) == -1)
		return -1;
	env = session_env(r->l, port.term, sh->trusted ? SESSION_CONTROL_FD :
			  -1);
	o.env = env;
	rc = env ? session_start(r->l, &o, &sh->s, &err) : -1;
	if (rc == -1)
		syslog(LOG_AUTHPRIV | LOG_ERR, "%s: cannot start the %s: %s",
		       port.path, sh->trusted ? "trusted shell" : "session",
		       env ? err.msg : "out of memory");
	free_env(env);			/* the session has its copy */
	tp_prog_close(&prog);
	if (ctl[1] != -1)
		close(ctl[1]);
	sh->ctl = ctl[0];
	if (rc == -1) {
		if (sh->ctl != -1)
			close(sh->ctl);
		return -1;
	}
	if (sh->trusted) {
		struct tp_trusted rec = {
			.port = port.path, .user = r->l->user,
			.uid = r->l->uid, .sid = sh->s.pid, .tty = sh->s.tty,
			.rdev = sh->s.rdev,
		};

		if (tp_trusted_set(port.rundir, &rec, &err) == -1)
			syslog(LOG_AUTHPRIV | LOG_ERR, "%s: the trusted shell "
			       "is not recorded: %s", port.path, err.msg);
	}
	utmp_session(port.path, sh->s.pid, r->l->user);
	return 0;
}

/* The key was pressed in the shell: clear the terminal; what next. */
static enum next
after_the_key(struct run *r, struct shell *sh)
{
	struct tp_err err;

	r->key = (struct key_response){
		.path = port.path, .tty = &port.tty, .term = port.term,
		.pc = &port.pc, .master = sh->s.master, .pty = sh->s.rdev,
		.cgroup = r->cgroup, .sid = sh->s.pid, .user = r->l->user,
	};
	if (secure_terminal(&r->key, &err) == -1) {
		syslog(LOG_AUTHPRIV | LOG_ERR, "%s", err.msg);
		kill(sh->s.pid, SIGKILL);
		return NEXT_LOGOUT;
	}
	/* the shell itself now (it may be frozen and ignore the hang-up):
	   ours, so its PID stays its until it is reaped */
	kill(sh->s.pid, SIGKILL);
	return r->up->tpath == TP_TPATH_NOTSH ? NEXT_LOGIN : NEXT_TSH;
}

/* Relay the shell until it ends; what comes next. */
static enum next
relay_shell(struct run *r, struct shell *sh)
{
	struct tp_sak key = { false };
	bool sak = port.pc.sak_enabled && r->up->tpath != TP_TPATH_NOSAK;
	struct relay_hooks hooks = {
		.input = sak ? watch : NULL, .arg = &key,
		.quit = port.ends, .quitting = told_to_end,
		.aside = sh->ctl, .aside_ready = sh->trusted ? control_ready :
		NULL, .aside_arg = sh,
	};
	enum relay_end end;

	/* the terminal stays raw until logout, so that keys typed between
	   two shells wait for the next one untouched */
	tp_tty_raw(port.tty, NULL);
	if (r->key.sw.state) {
		first_output(sh->s.master);
		secure_finish(&r->key);
	}
	/* the shell ends the session, whatever else holds the pty */
	sh->pidfd = (int)syscall(SYS_pidfd_open, sh->s.pid, 0);
	end = tp_relay(port.tty, sh->s.master, sh->pidfd, &hooks);
	if (end == RELAY_STOPPED)
		return after_the_key(r, sh);
	/* what tsh sent before it ended, its request among it */
	if (end == RELAY_SESSION_ENDED && sh->trusted)
		read_control(sh, CONTROL_DRAIN);
	if (end == RELAY_SESSION_ENDED && sh->trusted && sh->asked_shell) {
		if (r->up->tpath != TP_TPATH_ALWAYS)
			return NEXT_SHELL;
		dprintf(port.tty, "tgetty: this account may only use the "
			"trusted shell\r\n");
		return NEXT_TSH;
	}
	if (end != RELAY_SESSION_ENDED)
		kill(-sh->s.pid, SIGHUP);	/* the line went away, or
						   tgetty was told to end */
	return NEXT_LOGOUT;
}

/* Whatever ended the shell: the same steps end it. */
static void
end_shell(struct shell *sh)
{
	struct tp_err err;

	close(sh->s.master);		/* hangs up whatever is left on the pty */
	reap(sh->s.pid, sh->pidfd);
	if (sh->pidfd != -1)
		close(sh->pidfd);
	if (sh->trusted) {
		/* the records of what it ran before the key or the hang-up */
		read_control(sh, CONTROL_DRAIN);
		close(sh->ctl);
		if (tp_trusted_clear(port.rundir, port.path, &err) == -1)
			syslog(LOG_AUTHPRIV | LOG_ERR, "%s", err.msg);
	}
	utmp_ended(port.path, sh->s.pid);
}

/* One shell of the session (kind: NEXT_SHELL or NEXT_TSH); what next. */
static enum next
run_shell(struct run *r, enum next kind)
{
	struct shell sh = { .trusted = kind == NEXT_TSH, .ctl = -1,
			    .pidfd = -1, .user = r->l->user };
	enum next next;

	if (start_shell(r, &sh) == -1)
		return NEXT_LOGOUT;
	next = relay_shell(r, &sh);
	end_shell(&sh);
	return next;
}

/* From now on SIGTERM and SIGHUP end the session whole (the relay watches
 * for them), never tgetty alone. */
static void
watch_for_the_end(void)
{
	sigset_t ends;

	sigemptyset(&ends);
	sigaddset(&ends, SIGTERM);
	sigaddset(&ends, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &ends, NULL) == -1 ||
	    (port.ends = signalfd(-1, &ends, SFD_CLOEXEC | SFD_NONBLOCK)) == -1)
		die("%s: signalfd: %m", port.path);
}

/* tgetty's own cgroup, and the login's scope pam_systemd put it in. */
struct scope {
	char unit[PATH_MAX], scope[PATH_MAX];
	pid_t anchor;			/* -1: tgetty stayed where it was */
};

static void
end_anchor(pid_t anchor)
{
	if (anchor > 0) {
		kill(anchor, SIGKILL);
		waitpid(anchor, NULL, 0);
	}
}

/*
 * pam_systemd moved tgetty into the login's scope (tgetty's cgroup is no
 * longer s->unit, its unit's): tgetty goes back to its unit, so that
 * systemd and the journal file it, and every line it logs, under its unit.
 * A child stays in the scope as its anchor, holding nothing, in a session
 * of its own, until the session ends: systemd ends an empty scope (and
 * logind the login with it), and the session's own cgroup below the scope
 * is empty between the key and the next shell.  s->anchor is -1 when
 * tgetty did not move (no pam_systemd) or could not go back.
 */
static void
leave_the_scope(struct scope *s)
{
	const char *unit = s->unit;
	pid_t anchor, self = getpid();
	sigset_t none;

	s->anchor = -1;
	if (unit[0] == '\0' || cgroup_self(s->scope, sizeof(s->scope)) == -1 ||
	    strcmp(s->scope, unit) == 0)
		return;
	if ((anchor = fork()) == 0) {
		/* not of the port's session: the sweep kills those; and every
		   signal as for any process, so that ending the scope ends it */
		closefrom(0);
		for (int sig = 1; sig < NSIG; sig++)
			signal(sig, SIG_DFL);
		sigemptyset(&none);
		if (sigprocmask(SIG_SETMASK, &none, NULL) == -1 ||
		    setsid() == -1 || prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 ||
		    getppid() != self)
			_exit(1);
		prctl(PR_SET_NAME, "tgetty-scope");	/* in ps, pgrep */
		for (;;)
			pause();
	}
	if (anchor == -1 || cgroup_enter(unit) == -1) {
		syslog(LOG_AUTHPRIV | LOG_WARNING, "%s: cannot go back to the "
		       "cgroup %s: %m", port.path, unit);
		end_anchor(anchor);
		return;
	}
	s->anchor = anchor;
}

/*
 * Close the PAM session from inside the login's scope (logind releases a
 * session only for a caller of that session), then back to the unit, and
 * the scope may end.
 */
static void
close_in_the_scope(struct scope *s, struct login *l)
{
	if (s->anchor > 0 && cgroup_enter(s->scope) == -1)
		syslog(LOG_AUTHPRIV | LOG_WARNING, "%s: cannot enter the "
		       "cgroup %s: %m", port.path, s->scope);
	login_end(l, PAM_SUCCESS);
	if (s->anchor > 0 && cgroup_enter(s->unit) == -1)
		syslog(LOG_AUTHPRIV | LOG_WARNING, "%s: cannot go back to the "
		       "cgroup %s: %m", port.path, s->unit);
	end_anchor(s->anchor);
}

void
run_session(struct login *l, const struct user_pol *up)
{
	struct run r = { .l = l, .up = up };
	struct scope scope;
	struct tp_err err;
	enum next next;

	watch_for_the_end();
	if (cgroup_self(scope.unit, sizeof(scope.unit)) == -1)
		scope.unit[0] = '\0';
	if (login_open_session(l, &err) == -1) {
		tp_audit_event(TP_EV_LOGIN, false, "acct", l->user, "reason",
			       "session", NULL);
		die("%s: %s", port.path, err.msg);
	}
	/* after pam_loginuid: the record's auid is the user's, as login's */
	tp_audit_event(TP_EV_LOGIN, true, "acct", l->user, NULL);
	syslog(LOG_AUTHPRIV | LOG_INFO, "%s: %s logged in", port.path, l->user);
	if (cgroup_create(getpid(), r.cgroup, sizeof(r.cgroup)) == -1)
		syslog(LOG_AUTHPRIV | LOG_NOTICE, "%s: no cgroup v2 for the "
		       "session: it ends by its process group only", port.path);
	leave_the_scope(&scope);
	next = up->tpath == TP_TPATH_ALWAYS ? NEXT_TSH : NEXT_SHELL;
	while (next == NEXT_SHELL || next == NEXT_TSH)
		next = run_shell(&r, next);
	secure_finish(&r.key);	/* if no shell started after the key */
	/* the whole session, detached daemons included */
	if (cgroup_end(r.cgroup) == -1)
		syslog(LOG_AUTHPRIV | LOG_ERR, "%s: cannot end the session's "
		       "cgroup %s: %m", port.path, r.cgroup);
	close_in_the_scope(&scope, l);
	tp_audit_event(TP_EV_LOGOUT, true, "acct", l->user, NULL);
	syslog(LOG_AUTHPRIV | LOG_INFO, "%s: session of %s ended", port.path,
	       l->user);
	if (next == NEXT_LOGIN && port.tty != -1)
		restart();
	exit(0);
}
