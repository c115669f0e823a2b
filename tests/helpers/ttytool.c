/*
 * ttytool - take a terminal as tgetty does, for the end-to-end tests (not
 * installed): ttytool PATH TERM
 * Opens PATH (tp_tty_open), sets sane modes, resets it for TERM, prints
 * "ok" on stdout, then copies one line read from the terminal to stdout.
 */
#include <err.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tty.h"

int
main(int argc, char **argv)
{
	struct tp_err e;
	char line[256];
	ssize_t n;
	int fd;

	if (argc != 3)
		errx(2, "usage: ttytool path term");
	if ((fd = tp_tty_open(argv[1], &e)) == -1 ||
	    tp_tty_sane(fd, &e) == -1 || tp_tty_reset(fd, argv[2], &e) == -1)
		errx(1, "%s", e.msg);
	printf("ok vt=%d\n", tp_tty_is_vt(fd));
	fflush(stdout);
	if ((n = read(fd, line, sizeof(line) - 1)) < 0)
		err(1, "read");
	line[n] = '\0';
	printf("read %s", line);
	return 0;
}
