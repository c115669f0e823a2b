/*
 * sweeptool - the secure attention key's sweep alone, for the tests and
 * the benchmark (not installed): kill every holder of the terminals named.
 *   sweeptool [-P] [-c CGROUP] [-s SID] [-S SID]... PATH...
 * -s: the session to stop without a cgroup; -S: a session whose
 * controlling terminal is one of the PATHs; -P: walk /proc even where the
 * kernel walk loads.
 * Prints "killed N scans N ms F walk kernel|proc".  Exit 0, or 1 when
 * holders remained.
 */
#include <err.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "sweep.h"

int
main(int argc, char **argv)
{
	struct tp_sweep sw = { .cgroup = "" };
	struct timespec t0, t1;
	struct tp_err e;
	int c, rc;

	while ((c = getopt(argc, argv, "Pc:s:S:")) != -1) {
		switch (c) {
		case 'P': sw.proc_only = true; break;
		case 'c': sw.cgroup = optarg; break;
		case 's': sw.session = atoi(optarg); break;
		case 'S': tp_sweep_add_session(&sw, atoi(optarg)); break;
		default: return 2;
		}
	}
	for (int i = optind; i < argc; i++) {
		/* the node, not the device: a pty by its devpts instance */
		int fd = open(argv[i], O_PATH | O_CLOEXEC);

		if (fd == -1 || tp_sweep_add_fd(&sw, fd) == -1)
			err(2, "%s", argv[i]);
		close(fd);
	}
	if (!sw.proc_only && tp_sweep_prepare(&e) == -1)
		warnx("%s", e.msg);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = tp_sweep_run(&sw, &e);
	tp_sweep_finish(&sw);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("killed %u scans %u ms %.3f walk %s\n", sw.killed, sw.scans,
	       (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
	       (double)(t1.tv_nsec - t0.tv_nsec) / 1e6,
	       sw.kernel_walk ? "kernel" : "proc");
	if (rc == -1)
		warnx("%s", e.msg);
	return rc == -1;
}
