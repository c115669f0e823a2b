/*
 * tgetty - the trusted getty: owns a terminal for its whole life, logs
 * users in through Linux-PAM, and relays each session from a pty, so that
 * nothing the user runs ever holds the terminal.  See tgetty(8).
 *
 *   tgetty [-C dir] [--pam-service name] [--pam-confdir dir]
 *          [--state-dir dir] [--run-dir dir] tty [term]
 *
 * Errors go to syslog (authpriv), and tgetty pauses before it exits, so
 * that init does not restart it in a tight loop.  The session, once a
 * login is permitted, is shell.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "files.h"
#include "logintimes.h"
#include "permit.h"
#include "portlog.h"
#include "safeopen.h"
#include "sweep.h"
#include "secure.h"
#include "tgetty.h"
#include "trusted.h"
#include "tty.h"
#include "utmp.h"

#define MAX_TRIES	3	/* RFC 2196 4.5.4.2: then disconnect */
#define PAUSE		5	/* seconds before exiting on an error */

struct port port;

/* The command line's choices beside the port's own. */
struct opts {
	const char *service, *pamconfdir, *statedir;
};

void
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsyslog(LOG_AUTHPRIV | LOG_ERR, fmt, ap);
	va_end(ap);
	sleep(PAUSE);
	exit(1);
}

/* From the very file we run (opened at start), with the same arguments. */
void
restart(void)
{
	sigset_t none;

	sigemptyset(&none);		/* as when init started us */
	sigprocmask(SIG_SETMASK, &none, NULL);
	syscall(SYS_execveat, port.self, "", port.argv, environ, AT_EMPTY_PATH);
	die("%s: cannot start again: %m", port.path);
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

/* Descriptors 0-2 open, so that no terminal or socket lands on them. */
static void
std_fds(void)
{
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) == -1 &&
		    open("/dev/null", O_RDWR) != fd)
			exit(1);
}

/*
 * Options into o and port; the tty operand as a path: a name not starting
 * with '/' is under /dev (tty1, pts/1), as for agetty.
 */
static void
parse_args(int argc, char **argv, struct opts *o, char *path, size_t len)
{
	static const struct option longopts[] = {
		{ "pam-service", required_argument, NULL, 's' },
		{ "pam-confdir", required_argument, NULL, 'p' },
		{ "state-dir", required_argument, NULL, 'S' },
		{ "run-dir", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct opts){ .service = "tgetty", .statedir = STATEDIR };
	port.confdir = SYSCONFDIR;
	port.rundir = TP_RUNDIR;
	port.argv = argv;
	while ((c = getopt_long(argc, argv, "C:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'C': port.confdir = optarg; break;
		case 's': o->service = optarg; break;
		case 'p': o->pamconfdir = optarg; break;
		case 'S': o->statedir = optarg; break;
		case 'R': port.rundir = optarg; break;
		case 'h': usage(stdout, 0);
		case 'V': exit(puts("tgetty (tpath) " TPATH_VERSION) == EOF);
		default: usage(stderr, 2);
		}
	}
	if (argc - optind < 1 || argc - optind > 2)
		usage(stderr, 2);
	if ((size_t)snprintf(path, len, "%s%s", argv[optind][0] == '/' ? "" :
	    "/dev/", argv[optind]) >= len)
		usage(stderr, 2);
	port.path = path;
	port.term = argc - optind == 2 ? argv[optind + 1] : NULL;
}

/*
 * Take the port: the terminal revoked, made root's and sane, its policy
 * read (a bad login.cfg still gives a login, without the key), the sweep
 * made ready, the terminal reset, stale trusted-path records removed.
 * Returns the policy's document (port.pc points into it).
 */
static struct stz_doc *
take_port(const struct opts *o)
{
	struct stz_doc *doc;
	struct tp_err err;

	openlog("tgetty", LOG_PID, LOG_AUTHPRIV);
	tp_audit_set_program("tgetty");
	signal(SIGINT, SIG_IGN);	/* keys at the prompt are not for us */
	signal(SIGQUIT, SIG_IGN);
	signal(SIGTSTP, SIG_IGN);
	signal(SIGHUP, SIG_IGN);	/* a hang-up is seen as end of input */
	if (getrlimit(RLIMIT_NOFILE, &port.nofile) == -1)
		die("getrlimit: %m");
	if ((port.self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC)) == -1)
		die("/proc/self/exe: %m");
	/* a fresh install: without it every port would count as locked */
	if (tp_make_state_dir(o->statedir, &err) == -1)
		syslog(LOG_AUTHPRIV | LOG_ERR, "%s", err.msg);
	if ((port.tty = tp_tty_open(port.path, &err)) == -1)
		die("%s", err.msg);
	if (tp_tty_sane(port.tty, &err) == -1)
		die("%s: %s", port.path, err.msg);
	if (port_cfg_load(port.confdir, port.path, &port.pc, &doc, &err) == -1)
		syslog(LOG_AUTHPRIV | LOG_ERR, "%s; using the defaults, "
		       "without the secure attention key", err.msg);
	/* the sweep's kernel walk: loaded now, as loading takes longer than
	   the walk (where it cannot be, the sweep walks /proc) */
	if (port.pc.sak_enabled && tp_sweep_prepare(&err) == -1)
		syslog(LOG_AUTHPRIV | LOG_NOTICE, "%s", err.msg);
	if (port.term == NULL)
		port.term = port.pc.term ? port.pc.term :
			    tp_tty_is_vt(port.tty) ? "linux" : "vt100";
	if (tp_tty_reset(port.tty, port.term, &err) == -1)
		syslog(LOG_AUTHPRIV | LOG_WARNING, "%s: %s", port.path,
		       err.msg);
	/* a trusted shell recorded here before is gone with its tgetty, and
	   so are those of every tgetty that is gone */
	if (tp_trusted_clear(port.rundir, port.path, &err) == -1 ||
	    tp_trusted_prune(port.rundir, &err) == -1)
		syslog(LOG_AUTHPRIV | LOG_ERR, "%s", err.msg);
	utmp_waiting(port.path, getpid());
	return doc;
}

/* The key at the login prompt: a cleared terminal and a fresh prompt. */
static void __attribute__((noreturn))
key_at_the_prompt(void)
{
	struct key_response key = {
		.path = port.path, .tty = &port.tty, .term = port.term,
		.pc = &port.pc, .master = -1, .cgroup = "",
	};
	struct tp_err err;
	int rc = secure_terminal(&key, &err);

	secure_finish(&key);
	if (rc == -1)
		die("%s", err.msg);
	restart();
}

/*
 * PAM authenticated l: the session starts if the port and the user's
 * policy permit it (never to return); else the refusal is logged and
 * audited with its reason (an authenticated name is no password).
 */
static void
admit(const struct opts *o, struct login *l, bool locked, bool in_time)
{
	struct login_facts f = { .locked = locked, .in_time = in_time };
	struct stz_doc *udoc = NULL;
	struct user_pol up;
	struct tp_err err;
	struct stat sb;
	const char *why;

	if (!locked && in_time) {
		f.policy = user_pol_load(port.confdir, l->user, &up, &udoc,
					 &err) == 0;
		if (!f.policy)
			syslog(LOG_AUTHPRIV | LOG_ERR, "%s; %s may not log in "
			       "until it is fixed", err.msg, l->user);
		f.tty_allowed = f.policy && fstat(port.tty, &sb) == 0 &&
				user_pol_tty_allowed(&up, sb.st_rdev);
	}
	if ((why = login_refusal(&f)) == NULL) {
		portlog_success(o->statedir, port.path, &err);
		run_session(l, &up);	/* audits the login */
	}
	stz_free(udoc);
	syslog(LOG_AUTHPRIV | LOG_NOTICE, "%s: login of %s refused: %s",
	       port.path, l->user, why);
	tp_audit_event(TP_EV_LOGIN, false, "acct", l->user, "reason", why,
		       NULL);
	login_end(l, PAM_PERM_DENIED);
}

/* A failure: the same words and time, whatever was wrong (a locked port,
 * a time outside logintimes, a terminal ttys denies, a password, an
 * unknown name, a user file that cannot be read); counted, maybe locking
 * the port, in the name of acct (the account that failed, or "(unknown)"). */
static void
failed(const struct opts *o, time_t when, unsigned *failures,
       const char *acct)
{
	struct tp_err err;
	bool just;

	(void)tp_write_all(port.tty, "Login incorrect\n", 16);
	if (portlog_fail(o->statedir, port.path, &port.pc, when, &just,
			 &err) == -1) {
		syslog(LOG_AUTHPRIV | LOG_ERR, "%s", err.msg);
	} else if (just) {
		tp_audit_event(TP_EV_PORT_LOCK, true, "acct", acct, NULL);
		syslog(LOG_AUTHPRIV | LOG_WARNING, "%s: locked after %u failed "
		       "logins", port.path, port.pc.logindisable);
	}
	sleep(port.pc.logindelay * ++*failures);
}

/* One login attempt; false when it was abandoned (end of input). */
static bool
attempt(const struct opts *o, unsigned *failures)
{
	time_t now = time(NULL);
	bool locked = true;
	enum login_result r;
	const char *acct = "(unknown)";
	struct tp_err err;
	struct login l;
	struct tm tm;

	if (portlog_locked(o->statedir, port.path, &port.pc, now, &locked,
			   &err) == -1)
		syslog(LOG_AUTHPRIV | LOG_ERR, "%s (the port counts as locked)",
		       err.msg);
	localtime_r(&now, &tm);
	r = login_authenticate(port.tty, port.path, &port.pc, o->service,
			       o->pamconfdir, &l, &err);
	switch (r) {
	case LOGIN_ABORTED:
		return false;
	case LOGIN_ERROR:
		die("%s: %s", port.path, err.msg);
	case LOGIN_SAK:
		key_at_the_prompt();
	case LOGIN_OK:
		admit(o, &l, locked, lt_allows(&port.pc.logintimes, &tm));
		acct = l.user;		/* refused all the same */
		break;
	case LOGIN_FAILED:
		/* acct: an account's name, never what else was typed */
		acct = l.failed_acct[0] ? l.failed_acct : "(unknown)";
		tp_audit_event(TP_EV_LOGIN, false, "acct", acct, NULL);
		break;
	}
	failed(o, now, failures, acct);
	return true;
}

int
main(int argc, char **argv)
{
	char path[256];
	struct stz_doc *doc;
	unsigned failures = 0;
	struct opts o;

	std_fds();
	parse_args(argc, argv, &o, path, sizeof(path));
	tp_audit_set_terminal(port.path);
	doc = take_port(&o);
	for (int tries = 0; tries < MAX_TRIES && attempt(&o, &failures);
	     tries++)
		;
	utmp_ended(port.path, getpid());
	stz_free(doc);
	close(port.tty);		/* disconnect: init starts us again */
	return failures ? 1 : 0;
}
