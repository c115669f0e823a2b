/*
 * sweep_bpf.h - the sweep's kernel walk (BPF iterators), for sweep.c.
 */
#ifndef TPATH_SWEEP_BPF_H
#define TPATH_SWEEP_BPF_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "sweep.h"

/* Has tp_sweep_prepare() loaded the walk? */
bool tp_sweep_bpf_ready(void);

/*
 * Every process that may hold one of sw's devices (an open descriptor, or
 * its controlling terminal) or is in one of sw's sessions: their PIDs
 * (repeats possible) in *pids (malloc'd, grown as needed, *cap its room),
 * their number in *n; and, negated (-PID), every process of which a thread
 * is traced (ptrace).  0, or -1 with errno.
 */
int tp_sweep_bpf_find(const struct tp_sweep *sw, pid_t **pids, size_t *cap,
		      size_t *n);

#endif
