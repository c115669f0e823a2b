/*
 * ctltool - a hostile trusted shell, for the tests: started by tgetty as
 * tsh (ctltool -C CONFDIR), it sends on the control socket tgetty hands
 * it (TPATH_CONTROL_FD) each packet of CONFDIR/hostile, one a line in
 * hex, as it is: what a subverted tsh, running as the user, could send.
 * Then it says "ctltool: sent N of M" and waits for a line on its
 * terminal before it ends (tgetty must read while the shell runs).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int
unhex(const char *s, char *out, size_t max)
{
	size_t n = 0;
	unsigned b;

	for (; s[0] && s[0] != '\n'; s += 2) {
		if (n == max || sscanf(s, "%2x", &b) != 1)
			return -1;
		out[n++] = (char)b;
	}
	return (int)n;
}

int
main(int argc, char **argv)
{
	static char line[1 << 17], pkt[1 << 16];
	const char *env = getenv("TPATH_CONTROL_FD");
	char path[4096];
	int fd = env ? atoi(env) : -1, sent = 0, all = 0, n;
	FILE *f;

	if (argc != 3 || fd < 3 ||
	    snprintf(path, sizeof(path), "%s/hostile", argv[2]) >=
	    (int)sizeof(path) || (f = fopen(path, "r")) == NULL) {
		printf("ctltool: no control socket or no %s/hostile\n",
		       argc == 3 ? argv[2] : "?");
		return 1;
	}
	while (fgets(line, sizeof(line), f)) {
		all++;
		if ((n = unhex(line, pkt, sizeof(pkt))) >= 0 &&
		    send(fd, pkt, (size_t)n, MSG_NOSIGNAL) == n)
			sent++;
	}
	fclose(f);
	printf("ctltool: sent %d of %d\n", sent, all);
	fflush(stdout);
	(void)!read(STDIN_FILENO, line, sizeof(line));
	return 0;
}
