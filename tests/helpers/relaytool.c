/*
 * relaytool - run a command on a new pty and relay it to this terminal
 * (stdin), as tgetty relays a session; for the end-to-end tests, the
 * relay benchmark and make demo (not installed).  relaytool COMMAND [ARG...]
 * Exit: the command's status; 129 when the terminal hung up (the command
 * is sent SIGHUP).
 */
#include <err.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "relay.h"
#include "tty.h"

int
main(int argc, char **argv)
{
	enum relay_end end;
	struct termios saved;
	int master, slave, st;
	bool raw;
	pid_t pid;

	if (argc < 2)
		errx(2, "usage: relaytool command [arg...]");
	if ((master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1 ||
	    grantpt(master) == -1 || unlockpt(master) == -1)
		err(1, "pty");
	/* open before the fork: the relay must never see a pty nobody holds */
	if ((slave = open(ptsname(master), O_RDWR | O_NOCTTY)) == -1)
		err(1, "pty");
	if ((pid = fork()) == -1)
		err(1, "fork");
	if (pid == 0) {
		if (setsid() == -1 || ioctl(slave, TIOCSCTTY, 0) == -1)
			err(1, "session");
		dup2(slave, 0);
		dup2(slave, 1);
		dup2(slave, 2);
		if (slave > 2)
			close(slave);
		execvp(argv[1], argv + 1);
		err(127, "%s", argv[1]);
	}
	close(slave);
	/* a hangup must be seen by the relay, not end us by a signal */
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	/* the terminal raw, as tgetty has it: the pty does the line editing */
	raw = tp_tty_raw(STDIN_FILENO, &saved) == 0;
	end = tp_relay(STDIN_FILENO, master, -1, NULL);
	if (raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	if (end == RELAY_HANGUP) {
		kill(pid, SIGHUP);
		waitpid(pid, &st, 0);
		return 129;
	}
	if (waitpid(pid, &st, 0) != pid)
		err(1, "wait");
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
