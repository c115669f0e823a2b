/*
 * tgetty - the trusted getty: owns a terminal for its whole life, logs
 * users in through Linux-PAM, and relays each session from a pty, so that
 * nothing the user runs ever holds the terminal.  See tgetty(8).
 *
 *   tgetty [-C dir] [--pam-service name] [--pam-confdir dir]
 *          [--state-dir dir] [--run-dir dir] tty [term]
 *
 * Errors go to syslog (authpriv), and tgetty pauses before it exits, so
 * that init does not restart it in a tight loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "cgroup.h"
#include "exec.h"
#include "login.h"
#include "logintimes.h"
#include "portlog.h"
#include "relay.h"
#include "safeopen.h"
#include "sak.h"
#include "secure.h"
#include "session.h"
#include "trusted.h"
#include "tty.h"
#include "userpol.h"
#include "utmp.h"

#define MAX_TRIES	3	/* RFC 2196 4.5.4.2: then disconnect */
#define PAUSE		5	/* seconds before exiting on an error */

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsyslog(LOG_AUTHPRIV | LOG_ERR, fmt, ap);
	va_end(ap);
	sleep(PAUSE);
	exit(1);
}

static void
say(int tty, const char *s)
{
	(void)!write(tty, s, strlen(s));
}

/* To stderr with status 2, or (asked for: -h, --help) stdout and 0. */
static void __attribute__((noreturn))
usage(FILE *f, int status)
{
	fprintf(f, "usage: tgetty [-C dir] [--pam-service name] "
		"[--pam-confdir dir] [--state-dir dir] [--run-dir dir]\n"
		"              tty [term]\n");
	exit(status);
}

static void
free_env(char **env)
{
	for (char **e = env; e && *e; e++)
		free(*e);
	free(env);
}

/* The environment of the session: PAM's, then the usual login ones. */
static char **
session_env(const struct login *l, const char *term, bool control)
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
	    (control && asprintf(&env[i++], "TPATH_CONTROL_FD=%d",
				 SESSION_CONTROL_FD) == -1)) {
		env[i - 1] = NULL;	/* asprintf left it undefined */
		free_env(env);
		return NULL;
	}
	return env;
}

/* What tgetty needs all its life. */
static struct {
	const char *path, *confdir, *term, *rundir;
	int tty;
	int ends;		/* in a session: SIGTERM, SIGHUP (signalfd) */
	int self;		/* our own program, to start afresh */
	char **argv;
	struct port_cfg pc;
	struct rlimit nofile;	/* as started: the sessions' */
} g;

/* A fresh login prompt: this program again, from the very file it runs
 * (opened at start), with the same arguments and the same PID. */
static void __attribute__((noreturn))
restart(void)
{
	sigset_t none;

	sigemptyset(&none);		/* as when init started us */
	sigprocmask(SIG_SETMASK, &none, NULL);
	syscall(SYS_execveat, g.self, "", g.argv, environ, AT_EMPTY_PATH);
	die("%s: cannot start again: %m", g.path);
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
	char why[512];
	enum tp_prog_status st;

	if (tcb_db_load(&db, g.confdir, 0, err) == -1)
		return -1;
	st = tp_prog_open(&db, g.pc.tsh, NULL, prog, why, sizeof(why));
	tcb_db_free(&db);
	if (st != TP_PROG_OK)
		return tp_err_set(err, "%s", why);
	if (prog->interp_fd != -1) {
		tp_prog_close(prog);
		return tp_err_set(err, "%s: a script, not a program", g.pc.tsh);
	}
	return 0;
}

enum next { NEXT_SHELL, NEXT_TSH, NEXT_LOGOUT, NEXT_LOGIN };

/* The trusted shell cannot be what it must (verified, protected): the
 * session ends, and says so. */
static enum next
no_tsh(const struct login *l, const char *what, const char *why)
{
	syslog(LOG_AUTHPRIV | LOG_ERR, "%s: the trusted shell cannot be %s: "
	       "%s", g.path, what, why);
	tp_audit(TP_AUDIT_TRUSTED_APP, false, "tsh", "acct", l->user, "tty",
		 g.path, "exe", g.pc.tsh, NULL);
	dprintf(g.tty, "tgetty: the trusted shell cannot be %s; the session "
		"ends\r\n", what);
	return NEXT_LOGOUT;
}

/* Did the trusted shell ask for the user's shell ("shell" in tsh)? */
static bool
asked_for_shell(int control)
{
	char buf[16];
	ssize_t n = recv(control, buf, sizeof(buf), MSG_DONTWAIT);

	return n == 6 && memcmp(buf, "shell\n", 6) == 0;
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
		(void)!write(g.tty, buf, (size_t)n);
}

/*
 * One shell of the session on its own pty, in its own cgroup below the
 * session's: the user's login shell, or (trusted) tsh on a private pty,
 * recorded as the trusted path.  Relayed until it ends; says what comes
 * next.  sec: what the last secure attention key left to finish (finished
 * here), and what this one leaves.
 */
static enum next
run_shell(struct login *l, const struct user_pol *up, const char *session,
	  unsigned n, bool trusted, struct secure *sec)
{
	char *tsh[] = { (char *)g.pc.tsh, "-C", (char *)g.confdir, NULL };
	int ctl[2] = { -1, -1 }, pidfd, killed;
	struct tp_sak key = { false };
	bool sak = g.pc.sak_enabled && up->tpath != TP_TPATH_NOSAK;
	struct relay_hooks hooks = { sak ? watch : NULL, &key, g.ends,
				     told_to_end };
	struct session_opts o = { .cgroup = "", .exec_fd = -1,
				  .private = trusted, .control = -1,
				  .nofile = &g.nofile };
	struct tp_prog prog = { .fd = -1, .interp_fd = -1 };
	enum next next = NEXT_LOGOUT;
	enum relay_end end;
	struct session s;
	struct tp_err err;
	char **env = NULL, cgroup[4096];

	cgroup_prune(session);		/* the shells gone before */
	if (cgroup_leaf(session, n, cgroup, sizeof(cgroup)) == -1) {
		syslog(LOG_AUTHPRIV | LOG_ERR, "%s: %s/shell-%u: %m (the "
		       "session's own cgroup instead)", g.path, session, n);
		snprintf(cgroup, sizeof(cgroup), "%s", session);
	}
	o.cgroup = cgroup;

	/* fail closed: no trusted path it cannot back */
	if (trusted && tp_trusted_group(l->uid, l->gid, &o.gid, &err) == -1)
		return no_tsh(l, "protected", err.msg);
	if (trusted && open_tsh(&prog, &err) == -1)
		return no_tsh(l, "verified", err.msg);
	if (trusted && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
				  ctl) == -1) {
		tp_prog_close(&prog);
		return NEXT_LOGOUT;
	}
	if (trusted) {
		o.argv = tsh;
		o.exec_fd = prog.fd;
		o.control = ctl[1];
	}
	if ((o.env = env = session_env(l, g.term, trusted)) == NULL ||
	    session_start(l, &o, &s, &err) == -1) {
		syslog(LOG_AUTHPRIV | LOG_ERR, "%s: cannot start the %s: %s",
		       g.path, trusted ? "trusted shell" : "session",
		       env ? err.msg : "out of memory");
		free_env(env);
		tp_prog_close(&prog);
		if (ctl[0] != -1) {
			close(ctl[0]);
			close(ctl[1]);
		}
		return NEXT_LOGOUT;
	}
	tp_prog_close(&prog);
	free_env(env);			/* the session has its copy */
	if (trusted) {
		struct tp_trusted rec = { g.path, l->user, l->uid, s.pid, s.tty,
					  s.rdev };

		close(ctl[1]);
		if (tp_trusted_set(g.rundir, &rec, &err) == -1)
			syslog(LOG_AUTHPRIV | LOG_ERR, "%s: the trusted shell "
			       "is not recorded: %s", g.path, err.msg);
	}
	utmp_session(g.path, s.pid, l->user);
	/* the terminal stays raw until logout, so that keys typed between
	   two shells wait for the next one untouched */
	tp_tty_raw(g.tty, NULL);
	if (sec->sw.state) {
		first_output(s.master);
		secure_finish(sec);
	}
	/* the shell ends the session, whatever else holds the pty */
	pidfd = (int)syscall(SYS_pidfd_open, s.pid, 0);
	end = tp_relay(g.tty, s.master, pidfd, &hooks);
	if (end == RELAY_STOPPED) {
		*sec = (struct secure){ g.path, &g.tty, g.term, &g.pc, s.master,
					s.rdev, session, s.pid, l->user,
					{ .ndevs = 0 } };
		killed = secure_terminal(sec, &err);
		/* the shell itself now (it may be frozen and ignore the
		   hang-up): ours, so its PID stays its until it is reaped */
		kill(s.pid, SIGKILL);
		if (killed == -1)
			syslog(LOG_AUTHPRIV | LOG_ERR, "%s", err.msg);
		else if (up->tpath == TP_TPATH_NOTSH)
			next = NEXT_LOGIN;
		else
			next = NEXT_TSH;
	} else if (end == RELAY_SESSION_ENDED && trusted &&
		   asked_for_shell(ctl[0])) {
		if (up->tpath == TP_TPATH_ALWAYS) {
			say(g.tty, "tgetty: this account may only use the "
			    "trusted shell\r\n");
			next = NEXT_TSH;
		} else {
			next = NEXT_SHELL;
		}
	} else if (end != RELAY_SESSION_ENDED) {
		kill(-s.pid, SIGHUP);	/* the line went away */
	}
	close(s.master);		/* hangs up whatever is left on the pty */
	reap(s.pid, pidfd);
	if (pidfd != -1)
		close(pidfd);
	if (trusted) {
		close(ctl[0]);
		if (tp_trusted_clear(g.rundir, g.path, &err) == -1)
			syslog(LOG_AUTHPRIV | LOG_ERR, "%s", err.msg);
	}
	utmp_ended(g.path, s.pid);
	return next;
}

/* The login's session, from the first shell to logout. */
static void __attribute__((noreturn))
run_session(struct login *l, const struct user_pol *up)
{
	struct secure sec = { .sw = { .state = NULL } };
	char cgroup[4096];
	struct tp_err err;
	enum next next;
	unsigned n = 0;

	sigset_t ends;

	/* from now on SIGTERM and SIGHUP end the session whole (the relay
	   watches for them), never tgetty alone */
	sigemptyset(&ends);
	sigaddset(&ends, SIGTERM);
	sigaddset(&ends, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &ends, NULL) == -1 ||
	    (g.ends = signalfd(-1, &ends, SFD_CLOEXEC | SFD_NONBLOCK)) == -1)
		die("%s: signalfd: %m", g.path);
	if (login_open_session(l, &err) == -1)
		die("%s: %s", g.path, err.msg);
	if (cgroup_create(getpid(), cgroup, sizeof(cgroup)) == -1)
		syslog(LOG_AUTHPRIV | LOG_NOTICE, "%s: no cgroup v2 for the "
		       "session: it ends by its process group only", g.path);
	next = up->tpath == TP_TPATH_ALWAYS ? NEXT_TSH : NEXT_SHELL;
	while (next == NEXT_SHELL || next == NEXT_TSH)
		next = run_shell(l, up, cgroup, ++n, next == NEXT_TSH, &sec);
	secure_finish(&sec);	/* if no shell started after the key */
	/* the whole session, detached daemons included */
	if (cgroup_end(cgroup) == -1)
		syslog(LOG_AUTHPRIV | LOG_ERR, "%s: cannot end the session's "
		       "cgroup %s: %m", g.path, cgroup);
	login_end(l, PAM_SUCCESS);
	tp_audit(TP_AUDIT_USER_LOGOUT, true, "logout", "acct", l->user, "tty",
		 g.path, NULL);
	syslog(LOG_AUTHPRIV | LOG_INFO, "%s: session of %s ended", g.path,
	       l->user);
	if (next == NEXT_LOGIN && g.tty != -1)
		restart();
	exit(0);
}

/*
 * Why an authenticated user may not log in on this port now, or NULL:
 * the port is locked, the time is outside logintimes, the user's policy
 * cannot be read (fail closed: no login whose policy is unknown), or its
 * ttys denies this terminal.  *up (in *udoc) is the policy when NULL is
 * returned.
 */
static const char *
refusal(bool locked, bool in_time, struct user_pol *up, struct stz_doc **udoc,
	const char *user)
{
	struct tp_err err;
	struct stat sb;

	if (locked)
		return "port-locked";
	if (!in_time)
		return "logintimes";
	if (user_pol_load(g.confdir, user, up, udoc, &err) == -1) {
		syslog(LOG_AUTHPRIV | LOG_ERR, "%s; %s may not log in until "
		       "it is fixed", err.msg, user);
		return "user-policy";
	}
	if (fstat(g.tty, &sb) == -1 || !user_pol_tty_allowed(up, sb.st_rdev)) {
		stz_free(*udoc);
		return "ttys";
	}
	return NULL;
}

/* Descriptors 0-2 open, so that no terminal or socket lands on them. */
static void
std_fds(void)
{
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) == -1 &&
		    open("/dev/null", O_RDWR) != fd)
			exit(1);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pam-service", required_argument, NULL, 's' },
		{ "pam-confdir", required_argument, NULL, 'p' },
		{ "state-dir", required_argument, NULL, 'S' },
		{ "run-dir", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *service = "tgetty", *pamconfdir = NULL;
	const char *statedir = STATEDIR;
	char path[256];
	struct stz_doc *doc;
	struct tp_err err;
	struct login l;
	int c, failures = 0;

	std_fds();
	if (getrlimit(RLIMIT_NOFILE, &g.nofile) == -1)
		die("getrlimit: %m");
	g.confdir = SYSCONFDIR;
	g.rundir = TP_RUNDIR;
	g.argv = argv;
	while ((c = getopt_long(argc, argv, "C:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'C': g.confdir = optarg; break;
		case 's': service = optarg; break;
		case 'p': pamconfdir = optarg; break;
		case 'S': statedir = optarg; break;
		case 'R': g.rundir = optarg; break;
		case 'h': usage(stdout, 0);
		default: usage(stderr, 2);
		}
	}
	if (argc - optind < 1 || argc - optind > 2)
		usage(stderr, 2);
	snprintf(path, sizeof(path), "%s%s", strchr(argv[optind], '/') ? "" :
		 "/dev/", argv[optind]);
	g.path = path;
	openlog("tgetty", LOG_PID, LOG_AUTHPRIV);
	tp_audit_set_program("tgetty");
	signal(SIGINT, SIG_IGN);	/* keys at the prompt are not for us */
	signal(SIGQUIT, SIG_IGN);
	signal(SIGTSTP, SIG_IGN);
	signal(SIGHUP, SIG_IGN);	/* a hang-up is seen as end of input */
	if ((g.self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC)) == -1)
		die("/proc/self/exe: %m");

	/* a fresh install: without it every port would count as locked */
	if (tp_make_state_dir(statedir, &err) == -1)
		syslog(LOG_AUTHPRIV | LOG_ERR, "%s", err.msg);
	if ((g.tty = tp_tty_open(path, &err)) == -1)
		die("%s", err.msg);
	if (tp_tty_sane(g.tty, &err) == -1)
		die("%s: %s", path, err.msg);
	/* availability: a bad login.cfg still gives a login, without SAK */
	if (port_cfg_load(g.confdir, path, &g.pc, &doc, &err) == -1)
		syslog(LOG_AUTHPRIV | LOG_ERR, "%s; using the defaults, "
		       "without the secure attention key", err.msg);
	/* the sweep's kernel walk: loaded now, as loading takes longer than
	   the walk (where it cannot be, the sweep walks /proc) */
	if (g.pc.sak_enabled && tp_sweep_prepare(&err) == -1)
		syslog(LOG_AUTHPRIV | LOG_NOTICE, "%s", err.msg);
	g.term = argc - optind == 2 ? argv[optind + 1] : g.pc.term ?
		 g.pc.term : tp_tty_is_vt(g.tty) ? "linux" : "vt100";
	if (tp_tty_reset(g.tty, g.term, &err) == -1)
		syslog(LOG_AUTHPRIV | LOG_WARNING, "%s: %s", path, err.msg);
	/* a trusted shell recorded here before is gone with its tgetty, and
	   so are those of every tgetty that is gone */
	if (tp_trusted_clear(g.rundir, path, &err) == -1 ||
	    tp_trusted_prune(g.rundir, &err) == -1)
		syslog(LOG_AUTHPRIV | LOG_ERR, "%s", err.msg);
	utmp_waiting(path, getpid());

	for (int tries = 0; tries < MAX_TRIES; tries++) {
		time_t now = time(NULL);
		struct tm tm;
		bool locked = true, in_time, just;
		enum login_result r;

		if (portlog_locked(statedir, path, &g.pc, now, &locked,
				   &err) == -1)
			syslog(LOG_AUTHPRIV | LOG_ERR, "%s (the port counts "
			       "as locked)", err.msg);
		localtime_r(&now, &tm);
		in_time = lt_allows(&g.pc.logintimes, &tm);
		r = login_authenticate(g.tty, path, &g.pc, service, pamconfdir,
				       &l, &err);
		if (r == LOGIN_ABORTED)
			break;
		if (r == LOGIN_ERROR)
			die("%s: %s", path, err.msg);
		if (r == LOGIN_SAK) {
			struct secure sec = { path, &g.tty, g.term, &g.pc, -1,
					      0, "", 0, NULL, { .ndevs = 0 } };
			int rc = secure_terminal(&sec, &err);

			secure_finish(&sec);
			if (rc == -1)
				die("%s", err.msg);
			restart();
		}
		if (r == LOGIN_OK) {
			struct user_pol up;
			struct stz_doc *udoc;
			const char *why = refusal(locked, in_time, &up, &udoc,
						  l.user);

			if (why == NULL) {
				portlog_success(statedir, path, &err);
				tp_audit(TP_AUDIT_USER_LOGIN, true, "login",
					 "acct", l.user, "tty", path, NULL);
				syslog(LOG_AUTHPRIV | LOG_INFO, "%s: %s logged "
				       "in", path, l.user);
				run_session(&l, &up);
			}
			/* an authenticated name is no password: say why */
			syslog(LOG_AUTHPRIV | LOG_NOTICE, "%s: login of %s "
			       "refused: %s", path, l.user, why);
			tp_audit(TP_AUDIT_USER_LOGIN, false, "login", "acct",
				 l.user, "tty", path, "reason", why, NULL);
			login_end(&l, PAM_PERM_DENIED);
		} else {
			tp_audit(TP_AUDIT_USER_LOGIN, false, "login", "tty",
				 path, NULL);
		}
		/* the same words and time, whatever was wrong: a locked port,
		   a time outside logintimes, a terminal ttys denies, a
		   password, an unknown name, a user file that cannot be read */
		say(g.tty, "Login incorrect\n");
		if (portlog_fail(statedir, path, &g.pc, now, &just, &err) == -1)
			syslog(LOG_AUTHPRIV | LOG_ERR, "%s", err.msg);
		else if (just) {
			tp_audit(TP_AUDIT_TRUSTED_APP, true, "port-lock", "tty",
				 path, NULL);
			syslog(LOG_AUTHPRIV | LOG_WARNING, "%s: locked after "
			       "%u failed logins", path, g.pc.logindisable);
		}
		sleep(g.pc.logindelay * (unsigned)++failures);
	}
	utmp_ended(path, getpid());
	stz_free(doc);
	close(g.tty);			/* disconnect: init starts us again */
	return failures ? 1 : 0;
}
