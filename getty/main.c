/*
 * tgetty - the trusted getty: owns a terminal for its whole life, logs
 * users in through Linux-PAM, and relays each session from a pty, so that
 * nothing the user runs ever holds the terminal.  See tgetty(8).
 *
 *   tgetty [-C dir] [--pam-service name] [--pam-confdir dir]
 *          [--state-dir dir] tty [term]
 *
 * Errors go to syslog (authpriv), and tgetty pauses before it exits, so
 * that init does not restart it in a tight loop.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "cgroup.h"
#include "login.h"
#include "logintimes.h"
#include "portlog.h"
#include "relay.h"
#include "session.h"
#include "tty.h"
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

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: tgetty [-C dir] [--pam-service name] "
		"[--pam-confdir dir] [--state-dir dir] tty [term]\n");
	exit(2);
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
session_env(const struct login *l, const char *term)
{
	char **pam = pam_getenvlist(l->pamh), **env;
	size_t n = 0, i = 0;

	while (pam && pam[n])
		n++;
	if ((env = calloc(n + 7, sizeof(*env))) == NULL)
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
		     "/usr/bin:/sbin:/bin") == -1) {
		env[i - 1] = NULL;	/* asprintf left it undefined */
		free_env(env);
		return NULL;
	}
	return env;
}

/* The login's session: started, relayed, ended. */
static int __attribute__((noreturn))
run_session(int tty, const char *path, const char *term, struct login *l)
{
	char cgroup[4096];
	struct session s;
	struct tp_err err;
	enum relay_end end;
	char **env;
	int st = 0, pidfd;

	if (login_open_session(l, &err) == -1)
		die("%s: %s", path, err.msg);
	if (cgroup_create(getpid(), cgroup, sizeof(cgroup)) == -1)
		syslog(LOG_AUTHPRIV | LOG_NOTICE, "%s: no cgroup v2 for the "
		       "session: it ends by its process group only", path);
	if ((env = session_env(l, term)) == NULL ||
	    session_start(cgroup, l, env, NULL, 0, &s, &err) == -1)
		die("%s: cannot start the session: %s", path,
		    env ? err.msg : "out of memory");
	free_env(env);			/* the session has its copy */
	utmp_session(path, s.pid, l->user);
	/* the session ends with its shell, whatever else holds the pty */
	pidfd = (int)syscall(SYS_pidfd_open, s.pid, 0);
	end = tp_relay(tty, s.master, pidfd, NULL);
	if (pidfd != -1)
		close(pidfd);
	/* the terminal went away, or the relay failed: end the session */
	if (end != RELAY_SESSION_ENDED)
		kill(-s.pid, SIGHUP);
	close(s.master);		/* hangs up whatever is left on the pty */
	while (waitpid(s.pid, &st, 0) == -1 && errno == EINTR)
		;
	/* the whole session, detached daemons included */
	if (cgroup_end(cgroup) == -1)
		syslog(LOG_AUTHPRIV | LOG_ERR, "%s: cannot end the session's "
		       "cgroup %s: %m", path, cgroup);
	utmp_ended(path, s.pid);
	login_end(l, PAM_SUCCESS);
	tp_audit(TP_AUDIT_USER_LOGOUT, true, "logout", "acct", l->user, "tty",
		 path, NULL);
	syslog(LOG_AUTHPRIV | LOG_INFO, "%s: session of %s ended", path,
	       l->user);
	exit(0);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pam-service", required_argument, NULL, 's' },
		{ "pam-confdir", required_argument, NULL, 'p' },
		{ "state-dir", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	const char *confdir = SYSCONFDIR, *service = "tgetty";
	const char *pamconfdir = NULL, *statedir = STATEDIR, *term;
	char path[256];
	struct port_cfg pc;
	struct stz_doc *doc;
	struct tp_err err;
	struct login l;
	int c, tty, failures = 0;

	while ((c = getopt_long(argc, argv, "C:", longopts, NULL)) != -1) {
		switch (c) {
		case 'C': confdir = optarg; break;
		case 's': service = optarg; break;
		case 'p': pamconfdir = optarg; break;
		case 'S': statedir = optarg; break;
		default: usage();
		}
	}
	if (argc - optind < 1 || argc - optind > 2)
		usage();
	snprintf(path, sizeof(path), "%s%s", strchr(argv[optind], '/') ? "" :
		 "/dev/", argv[optind]);
	openlog("tgetty", LOG_PID, LOG_AUTHPRIV);
	tp_audit_set_program("tgetty");
	signal(SIGINT, SIG_IGN);	/* keys at the prompt are not for us */
	signal(SIGQUIT, SIG_IGN);
	signal(SIGTSTP, SIG_IGN);
	signal(SIGHUP, SIG_IGN);	/* a hang-up is seen as end of input */

	if ((tty = tp_tty_open(path, &err)) == -1)
		die("%s", err.msg);
	if (tp_tty_sane(tty, &err) == -1)
		die("%s: %s", path, err.msg);
	/* availability: a bad login.cfg still gives a login, without SAK */
	if (port_cfg_load(confdir, path, &pc, &doc, &err) == -1)
		syslog(LOG_AUTHPRIV | LOG_ERR, "%s; using the defaults, "
		       "without the secure attention key", err.msg);
	term = argc - optind == 2 ? argv[optind + 1] : pc.term ? pc.term :
	       tp_tty_is_vt(tty) ? "linux" : "vt100";
	if (tp_tty_reset(tty, term, &err) == -1)
		syslog(LOG_AUTHPRIV | LOG_WARNING, "%s: %s", path, err.msg);
	utmp_waiting(path, getpid());

	for (int tries = 0; tries < MAX_TRIES; tries++) {
		time_t now = time(NULL);
		struct tm tm;
		bool locked = true, in_time, just;
		enum login_result r;

		if (portlog_locked(statedir, path, &pc, now, &locked, &err) == -1)
			syslog(LOG_AUTHPRIV | LOG_ERR, "%s (the port counts "
			       "as locked)", err.msg);
		localtime_r(&now, &tm);
		in_time = lt_allows(&pc.logintimes, &tm);
		r = login_authenticate(tty, path, &pc, service, pamconfdir, &l,
				       &err);
		if (r == LOGIN_ABORTED)
			break;
		if (r == LOGIN_ERROR)
			die("%s: %s", path, err.msg);
		if (r == LOGIN_OK && !locked && in_time) {
			portlog_success(statedir, path, &err);
			tp_audit(TP_AUDIT_USER_LOGIN, true, "login", "acct",
				 l.user, "tty", path, NULL);
			syslog(LOG_AUTHPRIV | LOG_INFO, "%s: %s logged in", path,
			       l.user);
			stz_free(doc);
			run_session(tty, path, term, &l);
		}
		/* the same words and time, whatever was wrong: a locked port,
		   a time outside logintimes, a password, an unknown name */
		if (r == LOGIN_OK)
			login_end(&l, PAM_PERM_DENIED);
		say(tty, "Login incorrect\n");
		tp_audit(TP_AUDIT_USER_LOGIN, false, "login", "tty", path, NULL);
		if (portlog_fail(statedir, path, &pc, now, &just, &err) == -1)
			syslog(LOG_AUTHPRIV | LOG_ERR, "%s", err.msg);
		else if (just) {
			tp_audit(TP_AUDIT_TRUSTED_APP, true, "port-lock", "tty",
				 path, NULL);
			syslog(LOG_AUTHPRIV | LOG_WARNING, "%s: locked after "
			       "%u failed logins", path, pc.logindisable);
		}
		sleep(pc.logindelay * (unsigned)++failures);
	}
	utmp_ended(path, getpid());
	stz_free(doc);
	close(tty);			/* disconnect: init starts us again */
	return failures ? 1 : 0;
}
