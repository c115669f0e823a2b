/* clock.c - time elapsed (clock.h). */
#include "clock.h"

void
tp_clock_start(struct timespec *t0)
{
	clock_gettime(CLOCK_MONOTONIC, t0);
}

long
tp_ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 +
	       (t.tv_nsec - t0->tv_nsec) / 1000000;
}
