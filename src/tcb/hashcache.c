/*
 * hashcache.c - content hashes, remembered for files that did not change:
 * a small open hash table keyed on (device, inode, size, mtime, ctime,
 * algorithm), shared by the threads that check a database.
 *
 * Defends against a stale answer: a file's hash is kept only when its
 * size and times are the same after it was read as before, and its change
 * time is not within 50 ms of the read (times come from a coarse clock),
 * and looked up only under all of them (a file written since has a new
 * ctime).
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "hashcache.h"

/* The hash cache: a small open hash table, grown as needed. */
struct hkey {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
	enum tp_hash_alg alg;
};

struct hslot {
	bool used, have_md5;
	struct hkey k;
	struct tp_digest d;
	unsigned char md5[TP_MD5_LEN];
};

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct hslot *cache;
static size_t cache_n, cache_used;

static size_t
key_hash(const struct hkey *k)
{
	size_t h = (size_t)k->ino * 0x9e3779b97f4a7c15ULL;

	return h ^ (size_t)k->dev ^ ((size_t)k->ctime.tv_nsec << 7) ^
	       (size_t)k->alg;
}

static bool
key_eq(const struct hkey *a, const struct hkey *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime.tv_sec == b->mtime.tv_sec &&
	       a->mtime.tv_nsec == b->mtime.tv_nsec &&
	       a->ctime.tv_sec == b->ctime.tv_sec &&
	       a->ctime.tv_nsec == b->ctime.tv_nsec && a->alg == b->alg;
}

static void
key_of(const struct stat *st, enum tp_hash_alg alg, struct hkey *k)
{
	memset(k, 0, sizeof(*k));
	k->dev = st->st_dev;
	k->ino = st->st_ino;
	k->size = st->st_size;
	k->mtime = st->st_mtim;
	k->ctime = st->st_ctim;
	k->alg = alg;
}

static struct hslot *
slot(struct hslot *tab, size_t n, const struct hkey *k)
{
	size_t i = key_hash(k) & (n - 1);

	while (tab[i].used && !key_eq(&tab[i].k, k))
		i = (i + 1) & (n - 1);
	return &tab[i];
}

static void
cache_put(const struct hkey *k, const struct tp_digest *d,
	  const unsigned char *md5)
{
	struct hslot *s;

	pthread_mutex_lock(&cache_lock);
	if ((cache_used + 1) * 2 > cache_n) {
		size_t n = cache_n ? cache_n * 2 : 1024;
		struct hslot *t = calloc(n, sizeof(*t));

		if (t == NULL)
			goto out;	/* no cache is slower, not wrong */
		for (size_t i = 0; i < cache_n; i++)
			if (cache[i].used)
				*slot(t, n, &cache[i].k) = cache[i];
		free(cache);
		cache = t;
		cache_n = n;
	}
	s = slot(cache, cache_n, k);
	if (!s->used)
		cache_used++;
	s->used = true;
	s->k = *k;
	s->d = *d;
	if ((s->have_md5 = md5 != NULL))
		memcpy(s->md5, md5, TP_MD5_LEN);
out:
	pthread_mutex_unlock(&cache_lock);
}

/* Was t less than RACY_NS before start (or after it)? */
#define RACY_NS 50000000L	/* 50 ms: several ticks of any kernel's HZ */
static bool
recent(const struct timespec *t, const struct timespec *start)
{
	long long d = (long long)(start->tv_sec - t->tv_sec) * 1000000000LL +
		      (start->tv_nsec - t->tv_nsec);

	return d < RACY_NS;
}

/* The digest (and the MD5 too, when md5 is not NULL) of the file. */
static int
cached(int fd, const struct stat *st, enum tp_hash_alg alg,
       struct tp_digest *out, unsigned char *md5, const char *path,
       struct tp_err *err)
{
	struct hkey k;
	struct stat after;
	struct timespec start;
	bool hit = false;
	int rc;

	key_of(st, alg, &k);
	pthread_mutex_lock(&cache_lock);
	if (cache_n) {
		struct hslot *s = slot(cache, cache_n, &k);

		if (s->used && (md5 == NULL || s->have_md5)) {
			*out = s->d;
			if (md5)
				memcpy(md5, s->md5, TP_MD5_LEN);
			hit = true;
		}
	}
	pthread_mutex_unlock(&cache_lock);
	if (hit)
		return 0;
	clock_gettime(CLOCK_REALTIME, &start);
	rc = md5 ? tp_hash_fd_md5(fd, alg, out, md5, path, err) :
	     tp_hash_fd(fd, alg, out, path, err);
	if (rc == -1)
		return -1;
	/* Cache only if the file did not change while it was read, nor
	   shortly before: a file's times come from a coarse clock, so a
	   write in the same tick as the read would leave them as they were
	   (git's "racily clean" entries). */
	if (!recent(&st->st_ctim, &start) &&
	    fstat(fd, &after) == 0 && after.st_size == st->st_size &&
	    after.st_mtim.tv_sec == st->st_mtim.tv_sec &&
	    after.st_mtim.tv_nsec == st->st_mtim.tv_nsec &&
	    after.st_ctim.tv_sec == st->st_ctim.tv_sec &&
	    after.st_ctim.tv_nsec == st->st_ctim.tv_nsec)
		cache_put(&k, out, md5);
	return 0;
}

bool
tcb_hash_known(const struct stat *st, enum tp_hash_alg alg,
	       struct tp_digest *out)
{
	struct hkey k;
	bool hit = false;

	key_of(st, alg, &k);
	pthread_mutex_lock(&cache_lock);
	if (cache_n) {
		struct hslot *s = slot(cache, cache_n, &k);

		if ((hit = s->used))
			*out = s->d;
	}
	pthread_mutex_unlock(&cache_lock);
	return hit;
}

int
tcb_hash_cached(int fd, const struct stat *st, enum tp_hash_alg alg,
		struct tp_digest *out, const char *path, struct tp_err *err)
{
	return cached(fd, st, alg, out, NULL, path, err);
}

int
tcb_hash_cached_md5(int fd, const struct stat *st, enum tp_hash_alg alg,
		    struct tp_digest *out, unsigned char md5[TP_MD5_LEN],
		    const char *path, struct tp_err *err)
{
	return cached(fd, st, alg, out, md5, path, err);
}
