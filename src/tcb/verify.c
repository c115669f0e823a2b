/*
 * verify.c - check one open file against its database entry.
 *
 * Defends against a file swapped or changed between check and use: every
 * check is made on the caller's descriptor, never on a path.  Every
 * mismatch is reported, not just the first, so the administrator sees the
 * whole damage at once.
 */
#include <acl/libacl.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/acl.h>
#include <unistd.h>

#include "files.h"
#include "verify.h"

static const char *const what_names[] = {
	[TCB_W_TYPE] = "type", [TCB_W_OWNER] = "owner",
	[TCB_W_GROUP] = "group", [TCB_W_MODE] = "mode",
	[TCB_W_SIZE] = "size", [TCB_W_HASH] = "hash", [TCB_W_ACL] = "acl",
	[TCB_W_TARGET] = "target",
};

const char *
tcb_what_name(enum tcb_what w)
{
	return what_names[w];
}

void
tcb_mismatch_text(const struct tcb_mismatch *m, char *buf, size_t len)
{
	snprintf(buf, len, "%s is %s, should be %s", what_names[m->what],
		 m->is, m->should);
}

/* Copy src, ending in "..." when it does not fit (a long target or ACL). */
static void
copy_cut(char *dst, size_t size, const char *src)
{
	size_t len = strlen(src);

	if (len < size) {
		memcpy(dst, src, len + 1);
		return;
	}
	memcpy(dst, src, size - 4);
	memcpy(dst + size - 4, "...", 4);
}

static void
add(struct tcb_report *r, enum tcb_what w, const char *is, const char *should)
{
	struct tcb_mismatch *m;

	if (r->n == TCB_MAX_MISMATCH)
		return;
	m = &r->m[r->n++];
	m->what = w;
	copy_cut(m->is, sizeof(m->is), is);
	copy_cut(m->should, sizeof(m->should), should);
}

/* Digests shown in messages: the algorithm and the first 16 hex digits. */
static void
short_digest(const struct tp_digest *d, char *buf, size_t len)
{
	char full[TP_HASH_TEXT];

	tp_hash_format(d, full);
	snprintf(buf, len, "%.*s...", (int)(strlen(tp_hash_name(d->alg)) + 17),
		 full);
}

/* The hash cache: a small open hash table, grown as needed. */
struct hkey {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
	enum tp_hash_alg alg;
};

struct hslot {
	bool used;
	struct hkey k;
	struct tp_digest d;
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

static struct hslot *
slot(struct hslot *tab, size_t n, const struct hkey *k)
{
	size_t i = key_hash(k) & (n - 1);

	while (tab[i].used && !key_eq(&tab[i].k, k))
		i = (i + 1) & (n - 1);
	return &tab[i];
}

static void
cache_put(const struct hkey *k, const struct tp_digest *d)
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
out:
	pthread_mutex_unlock(&cache_lock);
}

int
tcb_hash_cached(int fd, const struct stat *st, enum tp_hash_alg alg,
		struct tp_digest *out, const char *path, struct tp_err *err)
{
	struct hkey k;
	struct stat after;
	bool hit = false;

	memset(&k, 0, sizeof(k));
	k.dev = st->st_dev;
	k.ino = st->st_ino;
	k.size = st->st_size;
	k.mtime = st->st_mtim;
	k.ctime = st->st_ctim;
	k.alg = alg;
	pthread_mutex_lock(&cache_lock);
	if (cache_n) {
		struct hslot *s = slot(cache, cache_n, &k);

		if (s->used) {
			*out = s->d;
			hit = true;
		}
	}
	pthread_mutex_unlock(&cache_lock);
	if (hit)
		return 0;
	if (tp_hash_fd(fd, alg, out, path, err) == -1)
		return -1;
	/* Cache only if the file did not change while it was read. */
	if (fstat(fd, &after) == 0 && after.st_size == st->st_size &&
	    after.st_mtim.tv_sec == st->st_mtim.tv_sec &&
	    after.st_mtim.tv_nsec == st->st_mtim.tv_nsec &&
	    after.st_ctim.tv_sec == st->st_ctim.tv_sec &&
	    after.st_ctim.tv_nsec == st->st_ctim.tv_nsec)
		cache_put(&k, out);
	return 0;
}

static int
check_acl(const struct tcb_entry *e, int fd, struct tcb_report *r,
	  struct tp_err *err)
{
	acl_t want = acl_from_text(e->acl), have = acl_get_fd(fd);
	char *text;
	int rc = 0;

	if (want == NULL || have == NULL) {
		rc = tp_err_set(err, "%s: acl: %s", e->path, strerror(errno));
	} else if (acl_cmp(want, have) != 0) {
		text = acl_to_any_text(have, NULL, ',', TEXT_ABBREVIATE);
		add(r, TCB_W_ACL, text ? text : "?", e->acl);
		acl_free(text);
	}
	if (want)
		acl_free(want);
	if (have)
		acl_free(have);
	return rc;
}

/*
 * A readable descriptor for the same inode: fd itself, or (for an O_PATH
 * fd) a reopening through /proc/self/fd, which names the inode, not a path
 * that could have been replaced.  Only regular files and directories are
 * ever opened for reading, so a device or FIFO is never opened.
 */
static int
readable(int fd, enum tcb_type type, const char *path, struct tp_err *err)
{
	int flags = fcntl(fd, F_GETFL), rfd;

	if (flags == -1)
		return tp_err_set(err, "%s: %s", path, strerror(errno));
	if (!(flags & O_PATH))
		return fd;
	if (type != TCB_FILE && type != TCB_DIRECTORY)
		return tp_err_set(err, "%s: not a file to read", path);
	if ((rfd = tp_fd_reopen(fd, O_RDONLY | O_NONBLOCK)) == -1)
		return tp_err_set(err, "%s: %s", path, strerror(errno));
	return rfd;
}

int
tcb_verify_fd(const struct tcb_entry *e, int fd, struct tcb_report *r,
	      struct tp_err *err)
{
	char is[96], should[96];
	struct stat st;
	enum tcb_type type, want;
	int rfd = -1, rc = -1;

	r->n = 0;
	if (fstat(fd, &st) == -1)
		return tp_err_set(err, "%s: %s", e->path, strerror(errno));
	type = tcb_type_of(st.st_mode);
	/* a hash or a size is of a regular file, type or no type */
	want = e->have & TCB_HAS_TYPE ? e->type :
	       e->have & (TCB_HAS_HASH | TCB_HAS_SIZE) ? TCB_FILE : type;
	if (type != want) {
		/* a different kind of file: its other attributes mean nothing */
		add(r, TCB_W_TYPE, tcb_type_name(type), tcb_type_name(want));
		return 0;
	}
	if ((e->have & TCB_HAS_OWNER) && st.st_uid != e->owner)
		add(r, TCB_W_OWNER, tcb_user_name(st.st_uid, is),
		    tcb_user_name(e->owner, should));
	if ((e->have & TCB_HAS_GROUP) && st.st_gid != e->group)
		add(r, TCB_W_GROUP, tcb_group_name(st.st_gid, is),
		    tcb_group_name(e->group, should));
	if ((e->have & TCB_HAS_MODE) && type != TCB_SYMLINK &&
	    (st.st_mode & 07777) != (e->mode & 07777)) {
		snprintf(is, sizeof(is), "%04o", (unsigned)(st.st_mode & 07777));
		snprintf(should, sizeof(should), "%04o",
			 (unsigned)(e->mode & 07777));
		add(r, TCB_W_MODE, is, should);
	}
	if ((e->have & TCB_HAS_SIZE) && !e->size_volatile &&
	    type == TCB_FILE && (unsigned long long)st.st_size != e->size) {
		snprintf(is, sizeof(is), "%lld", (long long)st.st_size);
		snprintf(should, sizeof(should), "%llu", e->size);
		add(r, TCB_W_SIZE, is, should);
	}
	if ((e->have & TCB_HAS_TARGET) && type == TCB_SYMLINK) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(fd, "", target, sizeof(target) - 1);

		if (n == -1)
			return tp_err_set(err, "%s: %s", e->path,
					  strerror(errno));
		target[n] = '\0';
		if (strcmp(target, e->target) != 0)
			add(r, TCB_W_TARGET, target, e->target);
	}
	if (((e->have & TCB_HAS_HASH) && !e->size_volatile &&
	     type == TCB_FILE) ||
	    ((e->have & TCB_HAS_ACL) &&
	     (type == TCB_FILE || type == TCB_DIRECTORY))) {
		if ((rfd = readable(fd, type, e->path, err)) == -1)
			return -1;
	}
	/* VOLATILE: the content changes in use, so its hash means nothing */
	if ((e->have & TCB_HAS_HASH) && !e->size_volatile && type == TCB_FILE) {
		struct tp_digest d;

		if (tcb_hash_cached(rfd, &st, e->hash.alg, &d, e->path,
				    err) == -1)
			goto out;
		if (!tp_digest_equal(&d, &e->hash)) {
			short_digest(&d, is, sizeof(is));
			short_digest(&e->hash, should, sizeof(should));
			add(r, TCB_W_HASH, is, should);
		}
	}
	if ((e->have & TCB_HAS_ACL) &&
	    (type == TCB_FILE || type == TCB_DIRECTORY) &&
	    check_acl(e, rfd, r, err) == -1)
		goto out;
	rc = 0;
out:
	if (rfd != -1 && rfd != fd)
		close(rfd);
	return rc;
}
