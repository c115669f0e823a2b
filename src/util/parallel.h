/*
 * parallel.h - run fn(ctx, i) for i in [0, n) on up to jobs threads (the
 * caller's among them), each index once, handed out in order.
 */
#ifndef TPATH_PARALLEL_H
#define TPATH_PARALLEL_H

#include <stddef.h>

/* The number of online processors (at least 1). */
unsigned tp_cpus(void);
/* Returns when every index is done; a thread that cannot be started
 * leaves its share to the others. */
void tp_parallel(size_t n, unsigned jobs, void (*fn)(void *ctx, size_t i),
		 void *ctx);

#endif
