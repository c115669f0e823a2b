/*
 * clock.h - time elapsed, for the loops that wait with a limit (the
 * sweep, a cgroup's events, a terminal's answer).  CLOCK_MONOTONIC: a
 * change of the wall clock neither ends nor stretches a wait.
 */
#ifndef TPATH_CLOCK_H
#define TPATH_CLOCK_H

#include <time.h>

/* t0 = now (CLOCK_MONOTONIC). */
void tp_clock_start(struct timespec *t0);
/* Milliseconds since tp_clock_start(t0). */
long tp_ms_since(const struct timespec *t0);

#endif
