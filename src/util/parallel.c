/*
 * parallel.c - a parallel for: workers take the next index until none is
 * left; see parallel.h.
 */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "parallel.h"

struct pool {
	void (*fn)(void *ctx, size_t i);
	void *ctx;
	size_t n, next;
	pthread_mutex_t lock;
};

static void *
worker(void *arg)
{
	struct pool *p = arg;

	for (;;) {
		size_t i;

		pthread_mutex_lock(&p->lock);
		i = p->next++;
		pthread_mutex_unlock(&p->lock);
		if (i >= p->n)
			return NULL;
		p->fn(p->ctx, i);
	}
}

unsigned
tp_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned)n : 1;
}

void
tp_parallel(size_t n, unsigned jobs, void (*fn)(void *ctx, size_t i),
	    void *ctx)
{
	struct pool p = { .fn = fn, .ctx = ctx, .n = n,
			  .lock = PTHREAD_MUTEX_INITIALIZER };
	pthread_t *tid = NULL;
	unsigned started = 0;

	if (jobs > n)
		jobs = n ? (unsigned)n : 1;
	if (jobs > 1 && (tid = calloc(jobs, sizeof(*tid))) != NULL)
		for (unsigned i = 1; i < jobs; i++)
			if (pthread_create(&tid[started], NULL, worker, &p) == 0)
				started++;
	worker(&p);		/* the caller works too */
	for (unsigned i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	free(tid);
}
