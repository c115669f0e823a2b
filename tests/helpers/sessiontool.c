/*
 * sessiontool - start a user's session on a new pty and relay it to this
 * terminal, as tgetty will after a login; for the end-to-end tests (not
 * installed; no PAM: the user is taken from the passwd database).
 *   sessiontool USER [COMMAND ARG...]   (no command: the login shell)
 * Exit: the session's status.
 */
#include <err.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "relay.h"
#include "tty.h"
#include "session.h"

int
main(int argc, char **argv)
{
	struct session s;
	struct passwd *pw;
	struct login l;
	struct tp_err e;
	char *env[] = { "PATH=/usr/bin:/bin", "TERM=vt100", NULL };
	struct session_opts o = { .cgroup = "", .env = env, .exec_fd = -1,
				  .control = -1 };
	struct termios saved;
	bool raw;
	int st;

	if (argc < 2 || (pw = getpwnam(argv[1])) == NULL)
		errx(2, "usage: sessiontool user [command arg...]");
	memset(&l, 0, sizeof(l));
	snprintf(l.user, sizeof(l.user), "%s", pw->pw_name);
	l.uid = pw->pw_uid;
	l.gid = pw->pw_gid;
	snprintf(l.home, sizeof(l.home), "%s", pw->pw_dir);
	snprintf(l.shell, sizeof(l.shell), "%s", "/bin/sh");
	o.argv = argc > 2 ? argv + 2 : NULL;
	if (session_start(&l, &o, &s, &e) == -1)
		errx(1, "%s", e.msg);
	signal(SIGHUP, SIG_IGN);
	/* the terminal raw, as tgetty has it: the pty does the line editing */
	raw = tp_tty_raw(STDIN_FILENO, &saved) == 0;
	tp_relay(STDIN_FILENO, s.master, -1, NULL);
	if (raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	if (waitpid(s.pid, &st, 0) != s.pid)
		err(1, "wait");
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
