/*
 * utmptool - write a port's login records as tgetty does; for the
 * end-to-end tests (not installed).
 *   utmptool waiting|session|ended TTY PID [USER]
 */
#include <err.h>
#include <stdlib.h>
#include <string.h>

#include "stanza.h"
#include "utmp.h"

int
main(int argc, char **argv)
{
	unsigned long long pid;
	int rc;

	if (argc < 4 || stz_parse_uint(argv[3], 1, 4194304, &pid) == -1)
		errx(2, "usage: utmptool waiting|session|ended tty pid [user]");
	if (strcmp(argv[1], "waiting") == 0)
		rc = utmp_waiting(argv[2], (pid_t)pid);
	else if (strcmp(argv[1], "session") == 0 && argc == 5)
		rc = utmp_session(argv[2], (pid_t)pid, argv[4]);
	else if (strcmp(argv[1], "ended") == 0)
		rc = utmp_ended(argv[2], (pid_t)pid);
	else
		errx(2, "usage: utmptool waiting|session|ended tty pid [user]");
	if (rc == -1)
		err(1, "utmp");
	return 0;
}
