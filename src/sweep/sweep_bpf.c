/*
 * sweep_bpf.c - load and run the sweep's kernel walk (bpf/sweep.bpf.c).
 *
 * The walk reads every task and every open file in the kernel, so it is
 * loaded only by root, only in the initial PID namespace (the PIDs it
 * reports are that namespace's), and once, before it is needed: loading
 * takes longer than the walk.  Where it cannot be loaded (no BTF, no BPF,
 * a lockdown), the sweep walks /proc instead; nothing else changes.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "proc.h"
#include "sweep.skel.h"
#include "sweep_bpf.h"

static struct sweep_bpf *skel;

/* libbpf's own messages would go to stderr: tgetty's is not a log. */
static int
quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

/* Is this the initial PID namespace (one number in NSpid)? */
static bool
initial_pid_ns(void)
{
	unsigned levels;

	return tp_proc_ns_levels(0, &levels) == 0 && levels == 1;
}

int
tp_sweep_prepare(struct tp_err *err)
{
	if (skel)
		return 0;
	if (!initial_pid_ns())
		return tp_err_set(err, "sweep: not in the initial PID "
				  "namespace: /proc is walked");
	libbpf_set_print(quiet);
	if ((skel = sweep_bpf__open_and_load()) == NULL ||
	    sweep_bpf__attach(skel) != 0) {
		int e = errno;

		sweep_bpf__destroy(skel);
		skel = NULL;
		return tp_err_set(err, "sweep: the kernel walk cannot be "
				  "loaded (%s): /proc is walked", strerror(e));
	}
	return 0;
}

bool
tp_sweep_bpf_ready(void)
{
	return skel != NULL;
}

/* Append what one walk of link reports. */
static int
walk(struct bpf_link *link, pid_t **pids, size_t *cap, size_t *n)
{
	int fd = bpf_iter_create(bpf_link__fd(link));
	int rc = 0;

	if (fd == -1)
		return -1;
	for (;;) {
		ssize_t got;

		if (*cap - *n < 1024) {
			size_t more = *cap ? *cap * 2 : 4096;
			pid_t *p = realloc(*pids, more * sizeof(*p));

			if (p == NULL) {
				rc = -1;
				break;
			}
			*pids = p;
			*cap = more;
		}
		got = read(fd, *pids + *n, (*cap - *n) * sizeof(**pids));
		if (got == -1 && errno == EINTR)
			continue;
		if (got <= 0) {
			rc = got == 0 ? 0 : -1;
			break;
		}
		*n += (size_t)got / sizeof(**pids);
	}
	close(fd);
	return rc;
}

/* A device number as the kernel keeps it (dev_t: major << 20 | minor). */
static __u32
kernel_dev(dev_t dev)
{
	return major(dev) << 20 | minor(dev);
}

int
tp_sweep_bpf_find(const struct tp_sweep *sw, pid_t **pids, size_t *cap,
		  size_t *n)
{
	if (skel == NULL) {
		errno = ENOSYS;
		return -1;
	}
	for (size_t i = 0; i < sw->ndevs; i++) {
		skel->bss->devs[i] = kernel_dev(sw->devs[i].rdev);
		skel->bss->fs[i] = kernel_dev(sw->devs[i].fs);
	}
	skel->bss->ndevs = (__u32)sw->ndevs;
	for (size_t i = 0; i < sw->nsids; i++)
		skel->bss->sids[i] = sw->sids[i];
	skel->bss->nsids = (__u32)sw->nsids;
	*n = 0;
	if (walk(skel->links.sessions, pids, cap, n) == -1 ||
	    walk(skel->links.files, pids, cap, n) == -1)
		return -1;
	return 0;
}
