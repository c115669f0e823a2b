/*
 * tcbindex.c - the index of sysck.cfg; see tcbindex.h and doc/INDEX.md.
 *
 * Threats: an index that is not the text's (a hand edit of the text, a
 * writer killed between the text's rename and the index's): refused by
 * the identity, never used.  An index someone other than root wrote:
 * refused as the text would be.  A damaged one: tinycdb checks every
 * position against the map's size, and a stanza that does not parse
 * makes the lookup fail (the file is then no trusted program).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "files.h"
#include "hashcache.h"
#include "safeopen.h"
#include "tcbdb.h"
#include "tcbindex.h"

/* Keys that no path can be: a path is absolute and has no NUL.  A proof
   is under key_proof followed by the path. */
static const char key_meta[] = "\0meta", key_default[] = "\0default",
		  key_boot[] = "\0boot", key_proof[] = "\0hash",
		  key_count[] = "\0count";
#define KEYLEN(k) ((unsigned)sizeof(k) - 1)
#define KEYIS(k, key, klen) ((klen) == KEYLEN(k) && \
			     memcmp((key), (k), KEYLEN(k)) == 0)

/* A stanza's value: where its lines are in the text, offset and length,
   each 8 bytes, little-endian. */
#define SPAN_LEN 16

static void
put_u64(char *v, unsigned long long n)
{
	for (int i = 0; i < 8; i++)
		v[i] = (char)(n >> (8 * i));
}

static unsigned long long
get_u64(const char *v)
{
	unsigned long long n = 0;

	for (int i = 0; i < 8; i++)
		n |= (unsigned long long)(unsigned char)v[i] << (8 * i);
	return n;
}

/* "tpath-index 2 dev ino size mtime ctime" of the text. */
static void
identity_text(const struct stat *id, char *buf, size_t len)
{
	snprintf(buf, len, "tpath-index 2 %ju %ju %jd %jd.%09ld %jd.%09ld",
		 (uintmax_t)id->st_dev, (uintmax_t)id->st_ino,
		 (intmax_t)id->st_size, (intmax_t)id->st_mtim.tv_sec,
		 id->st_mtim.tv_nsec, (intmax_t)id->st_ctim.tv_sec,
		 id->st_ctim.tv_nsec);
}

static int
add(struct cdb_make *m, const char *key, unsigned klen, const char *val,
    size_t vlen)
{
	return vlen > UINT32_MAX ? -1 :
	       cdb_make_add(m, key, klen, val, (unsigned)vlen);
}

/* A stanza's record: its key (default:'s, or its path), its span. */
static int
add_stanza(struct cdb_make *m, const char *name, unsigned long long at,
	   unsigned long long len)
{
	char v[SPAN_LEN];

	put_u64(v, at);
	put_u64(v + 8, len);
	return strcmp(name, STZ_DEFAULT) == 0 ?
	       add(m, key_default, KEYLEN(key_default), v, SPAN_LEN) :
	       add(m, name, (unsigned)strlen(name), v, SPAN_LEN);
}

static int
add_count(struct cdb_make *m, unsigned long long n)
{
	char v[32];

	snprintf(v, sizeof(v), "%llu", n);
	return add(m, key_count, KEYLEN(key_count), v, strlen(v));
}

/* The index in dirfd, if safe, mapped whoever's it is: 0, 1 when there
   is none, -1 with err. */
static int
map_at(struct tcb_index *x, int dirfd, struct tp_err *err)
{
	x->text = -1;
	x->fd = openat(dirfd, TCB_INDEX_FILE, O_RDONLY | O_NOFOLLOW |
		       O_NONBLOCK | O_CLOEXEC);
	if (x->fd == -1)
		return errno == ENOENT ? 1 :
		       tp_err_set(err, "%s: %s", TCB_INDEX_FILE,
				  strerror(errno));
	if (tp_check_fd(x->fd, TCB_INDEX_FILE, err) == -1 ||
	    (tcb_index_map(x, x->fd) != 0 &&
	     tp_err_set(err, "%s: not an index: %s", TCB_INDEX_FILE,
			strerror(errno)) == -1)) {
		close(x->fd);
		x->fd = -1;
		return -1;
	}
	return 0;
}

/* Is the index of this boot (its proofs hold)?  Asked once. */
static bool
this_boot(struct tcb_index *x)
{
	char id[TCB_BOOT_ID_LEN + 1];

	if (x->boot == 0)
		x->boot = cdb_find(&x->cdb, key_boot, KEYLEN(key_boot)) > 0 &&
			  cdb_datalen(&x->cdb) == TCB_BOOT_ID_LEN &&
			  tcb_boot_id(id) == 0 && cdb_getdata(&x->cdb) &&
			  memcmp(cdb_getdata(&x->cdb), id,
				 TCB_BOOT_ID_LEN) == 0 ? 1 : -1;
	return x->boot == 1;
}

/* key_proof followed by path, malloc'd; its length in *klen. */
static char *
proof_key(const char *path, unsigned *klen)
{
	size_t n = strlen(path);
	char *k;

	if (n > UINT32_MAX - KEYLEN(key_proof) ||
	    (k = malloc(KEYLEN(key_proof) + n)) == NULL)
		return NULL;
	memcpy(k, key_proof, KEYLEN(key_proof));
	memcpy(k + KEYLEN(key_proof), path, n);
	*klen = (unsigned)(KEYLEN(key_proof) + n);
	return k;
}

int
tcb_index_proof(struct tcb_index *x, const char *path, struct tcb_proof *p)
{
	unsigned klen;
	char *k;
	int rc = 1;

	if (!this_boot(x) || (k = proof_key(path, &klen)) == NULL)
		return 1;
	if (cdb_find(&x->cdb, k, klen) > 0 && cdb_getdata(&x->cdb) &&
	    tcb_proof_parse(cdb_getdata(&x->cdb), cdb_datalen(&x->cdb),
			    p) == 0)
		rc = 0;
	free(k);
	return rc;
}

/*
 * The proof for a trusted program's entry, if this process hashed the file
 * as it is now (hashcache.c keeps only what did not change while read,
 * nor shortly before), or the old index proves it as it is now, or (when
 * hash_now) it is hashed now: 0, else 1.
 */
static int
make_proof(const struct tcb_entry *e, struct tcb_index *old, bool hash_now,
	   struct tcb_proof *p)
{
	struct tcb_proof was;
	struct tp_err err;
	struct stat sb;
	int fd;

	if (!(e->mode & STZ_MODE_TCB) || !(e->have & TCB_HAS_HASH) ||
	    e->size_volatile ||
	    tcb_proof_identity(AT_FDCWD, e->path, p, &sb) == -1)
		return 1;
	if (tcb_hash_known(&sb, e->hash.alg, &p->digest))
		return tp_digest_equal(&p->digest, &e->hash) ? 0 : 1;
	if (old && tcb_index_proof(old, e->path, &was) == 0 &&
	    tcb_proof_same(&was, p) && tp_digest_equal(&was.digest, &e->hash)) {
		p->digest = was.digest;
		return 0;
	}
	if (!hash_now || (fd = tp_open_regular(e->path, &sb)) == -1)
		return 1;
	/* what was hashed is the file at fd: the proof takes its identity;
	   the cache kept the digest only if the file was not racy */
	if (tcb_proof_identity(fd, "", p, &sb) == -1 ||
	    tcb_hash_cached(fd, &sb, e->hash.alg, &p->digest, e->path,
			    &err) == -1 ||
	    !tcb_hash_known(&sb, e->hash.alg, &p->digest)) {
		close(fd);
		return 1;
	}
	close(fd);
	return tp_digest_equal(&p->digest, &e->hash) ? 0 : 1;
}

/* e's proof, if it has one (make_proof), under key_proof and its path. */
static int
add_proof(struct cdb_make *m, const struct tcb_entry *e,
	  struct tcb_index *old, bool hash_now)
{
	char text[TCB_PROOF_MAX];
	struct tcb_proof p;
	unsigned klen;
	char *k;
	int rc;

	if (make_proof(e, old, hash_now, &p) != 0)
		return 0;
	if ((k = proof_key(e->path, &klen)) == NULL)
		return -1;
	tcb_proof_format(&p, text);
	rc = add(m, k, klen, text, strlen(text));
	free(k);
	return rc;
}

/* The old index in dirfd, if there is one, for its proofs; *old then
   points to it. */
static void
open_old(struct tcb_index *x, int dirfd, struct tcb_index **old)
{
	struct tp_err err;

	x->fd = x->text = -1;
	*old = map_at(x, dirfd, &err) == 0 ? x : NULL;
}

/* The boot the proofs hold in: 0, or 1 when none is known (no proofs:
   every program hashed), or -1. */
static int
add_boot(struct cdb_make *m)
{
	char boot[TCB_BOOT_ID_LEN + 1];

	if (tcb_boot_id(boot) == -1)
		return 1;
	return add(m, key_boot, KEYLEN(key_boot), boot, TCB_BOOT_ID_LEN);
}

/* The proofs of doc's trusted programs, and the boot they hold in. */
static int
add_proofs(struct cdb_make *m, int dirfd, const struct stz_doc *doc,
	   bool hash_now)
{
	struct tcb_index x, *old;
	int rc;

	if ((rc = add_boot(m)) != 0)
		return rc == 1 ? 0 : -1;
	open_old(&x, dirfd, &old);
	for (struct stz_stanza *st = stz_first(doc); st && rc == 0;
	     st = stz_next(st))
		if (st->data)
			rc = add_proof(m, st->data, old, hash_now);
	tcb_index_close(&x);
	return rc;
}

#define TMP_PREFIX "." TCB_INDEX_FILE ".tmp"

/* The temporary files of writers killed (their process gone): removed. */
static void
remove_stale(int dirfd)
{
	struct dirent *de;
	DIR *d;
	int fd;

	if ((fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		const char *pid = de->d_name + strlen(TMP_PREFIX);
		char *end;
		long n;

		if (strncmp(de->d_name, TMP_PREFIX, strlen(TMP_PREFIX)) != 0 ||
		    *pid < '1' || *pid > '9')
			continue;
		errno = 0;
		n = strtol(pid, &end, 10);
		if (*end == '\0' && errno == 0 && n <= INT32_MAX &&
		    kill((pid_t)n, 0) == -1 && errno == ESRCH)
			unlinkat(dirfd, de->d_name, 0);
	}
	closedir(d);
}

/* A temporary file in dirfd for a new index, its name in tmp: fd, or -1. */
static int
start(int dirfd, char tmp[64], struct cdb_make *m, const struct stat *id,
      struct tp_err *err)
{
	char meta[160];
	int fd;

	remove_stale(dirfd);
	snprintf(tmp, 64, TMP_PREFIX "%ld", (long)getpid());
	fd = openat(dirfd, tmp, O_RDWR | O_CREAT | O_TRUNC | O_NOFOLLOW |
		    O_CLOEXEC, 0644);
	if (fd == -1)
		return tp_err_set(err, "%s: %s", TCB_INDEX_FILE,
				  strerror(errno));
	identity_text(id, meta, sizeof(meta));
	cdb_make_start(m, fd);
	if (add(m, key_meta, KEYLEN(key_meta), meta, strlen(meta)) != 0) {
		(void)cdb_make_finish(m);	/* frees its tables */
		close(fd);
		unlinkat(dirfd, tmp, 0);
		return tp_err_set(err, "%s: writing: %s", TCB_INDEX_FILE,
				  strerror(errno ? errno : ENOMEM));
	}
	return fd;
}

/* rc: 0 when every record is in: the index finished, synced, renamed
   over the old one; otherwise the temporary file removed. */
static int
finish(int dirfd, const char *tmp, int fd, struct cdb_make *m, int rc,
       struct tp_err *err)
{
	bool renamed = false;

	/* finished whatever happened: tinycdb frees its tables there */
	if (cdb_make_finish(m) != 0 || rc != 0 || fchmod(fd, 0644) == -1 ||
	    tp_replace(dirfd, tmp, TCB_INDEX_FILE, fd, &renamed) == -1) {
		rc = tp_err_set(err, "%s: writing: %s", TCB_INDEX_FILE,
				strerror(errno ? errno : ENOMEM));
		if (!renamed)
			unlinkat(dirfd, tmp, 0);
	}
	close(fd);
	return rc;
}

int
tcb_index_write(int dirfd, const struct stz_doc *doc, const struct stat *id,
		bool hash_now, struct tp_err *err)
{
	size_t i = 0, n = stz_count(doc);
	struct stz_span *span = calloc(n + 1, sizeof(*span));
	struct cdb_make m;
	char tmp[64];
	int fd, rc;

	if (span == NULL || stz_spans(doc, span) == -1) {
		free(span);
		return tp_err_set(err, "%s: out of memory", TCB_INDEX_FILE);
	}
	if ((fd = start(dirfd, tmp, &m, id, err)) == -1) {
		free(span);
		return -1;
	}
	rc = add_count(&m, n);
	for (struct stz_stanza *st = stz_first(doc); st && rc == 0;
	     st = stz_next(st), i++)
		rc = add_stanza(&m, st->name, span[i].at, span[i].len);
	free(span);
	if (rc == 0)
		rc = add_proofs(&m, dirfd, doc, hash_now);
	return finish(dirfd, tmp, fd, &m, rc, err);
}

static int
by_path(const void *a, const void *b)
{
	const struct tcb_index_change *x = *(const struct tcb_index_change *const *)a,
				      *y = *(const struct tcb_index_change *const *)b;

	return strcmp(x->e->path, y->e->path);
}

/* Is the key (not NUL-terminated) the path of one of the changes? */
static bool
changed_path(struct tcb_index_change **by, size_t n, const char *key,
	     unsigned klen)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *p = by[mid]->e->path;
		size_t pl = strlen(p);
		int c = memcmp(p, key, pl < klen ? pl : klen);

		if (c == 0)
			c = pl < klen ? -1 : pl > klen;
		if (c == 0)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/*
 * Where a stanza that started at `was` in the old text starts now; *gone
 * when it is one of the changed, whose records are new.  ch: sorted by
 * old_at, the new stanzas last.
 */
static unsigned long long
moved(const struct tcb_index_change *ch, size_t n, unsigned long long was,
      bool *gone)
{
	size_t lo = 0, hi = n;	/* the first change at or after was */

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ch[mid].old_at < was)
			lo = mid + 1;
		else
			hi = mid;
	}
	*gone = lo < n && ch[lo].old_at == was;
	if (lo == 0)
		return was;
	/* after change lo-1: moved as it did, and by its change of size */
	return was + (ch[lo - 1].at - ch[lo - 1].old_at) + ch[lo - 1].len -
	       ch[lo - 1].old_len;
}

/* Does the proof (v) of the file named by key hold for it as it is now,
   as make_proof would find it? */
static bool
still_holds(const char *key, unsigned klen, const char *v, unsigned vlen)
{
	struct tcb_proof was, now;
	struct stat sb;
	char *path;
	bool holds;

	if (tcb_proof_parse(v, vlen, &was) != 0 ||
	    (path = strndup(key, klen)) == NULL)
		return false;
	holds = strlen(path) == klen &&
		tcb_proof_identity(AT_FDCWD, path, &now, &sb) == 0 &&
		tcb_proof_same(&was, &now);
	free(path);
	return holds;
}

int
tcb_index_carry(struct cdb_make *m, struct tcb_index *old,
		struct tcb_index_change *ch, size_t n,
		struct tcb_index_change **by, bool proofs)
{
	unsigned pos, last = 0;
	int r;

	cdb_seqinit(&pos, &old->cdb);
	/* tinycdb's walk trusts the lengths: a damaged index must not take
	   it round for ever */
	for (;;) {
		unsigned klen, vlen;
		const char *k, *v;
		unsigned long long at;
		char nv[SPAN_LEN];
		bool gone;

		last = pos;
		if ((r = cdb_seqnext(&pos, &old->cdb)) <= 0)
			return r;		/* 0: the end */
		if (pos <= last)
			return -1;
		klen = cdb_keylen(&old->cdb);
		vlen = cdb_datalen(&old->cdb);
		k = cdb_getkey(&old->cdb);
		v = cdb_getdata(&old->cdb);
		if (k == NULL || v == NULL)
			return -1;
		if (KEYIS(key_meta, k, klen) || KEYIS(key_count, k, klen) ||
		    KEYIS(key_boot, k, klen))
			continue;
		if (klen >= KEYLEN(key_proof) &&
		    memcmp(k, key_proof, KEYLEN(key_proof)) == 0) {
			if (proofs && !changed_path(by, n, k + KEYLEN(key_proof),
					     klen - KEYLEN(key_proof)) &&
			    still_holds(k + KEYLEN(key_proof),
					klen - KEYLEN(key_proof), v, vlen) &&
			    add(m, k, klen, v, vlen) != 0)
				return -1;
			continue;
		}
		if (vlen != SPAN_LEN)
			return -1;		/* damaged */
		at = moved(ch, n, get_u64(v), &gone);
		if (gone)
			continue;
		memcpy(nv, v, SPAN_LEN);
		put_u64(nv, at);
		if (add(m, k, klen, nv, SPAN_LEN) != 0)
			return -1;
	}
}

int
tcb_index_update(int dirfd, struct tcb_index *old, const struct stat *id,
		 struct tcb_index_change *ch, size_t n,
		 unsigned long long count, struct tp_err *err)
{
	struct tcb_index_change **by = calloc(n + 1, sizeof(*by));
	struct cdb_make m;
	char tmp[64];
	int fd, rc, boot;

	if (by == NULL)
		return tp_err_set(err, "%s: out of memory", TCB_INDEX_FILE);
	for (size_t i = 0; i < n; i++)
		by[i] = &ch[i];
	qsort(by, n, sizeof(*by), by_path);
	if ((fd = start(dirfd, tmp, &m, id, err)) == -1) {
		free(by);
		return -1;
	}
	rc = add_count(&m, count);
	/* the old proofs hold if they are of this boot, as the new are */
	boot = rc == 0 ? add_boot(&m) : -1;
	rc = boot == -1 ? -1 : tcb_index_carry(&m, old, ch, n, by,
					      boot == 0 && this_boot(old));
	for (size_t i = 0; i < n && rc == 0; i++) {
		rc = add_stanza(&m, ch[i].e->path, ch[i].at, ch[i].len);
		if (rc == 0 && boot == 0)
			rc = add_proof(&m, ch[i].e, old, true);
	}
	free(by);
	return finish(dirfd, tmp, fd, &m, rc, err);
}

int
tcb_index_map(struct tcb_index *x, int fd)
{
	x->fd = fd;
	x->text = -1;
	x->boot = 0;
	return cdb_init(&x->cdb, fd) == 0 ? 0 : -1;
}

int
tcb_index_open(struct tcb_index *x, int dirfd, const struct stat *id,
	       struct tp_err *err)
{
	char want[160];
	unsigned len;
	const char *got;
	int rc;

	if ((rc = map_at(x, dirfd, err)) != 0)
		return rc;
	identity_text(id, want, sizeof(want));
	if (cdb_find(&x->cdb, key_meta, KEYLEN(key_meta)) <= 0 ||
	    (len = cdb_datalen(&x->cdb)) != strlen(want) ||
	    (got = cdb_getdata(&x->cdb)) == NULL ||
	    memcmp(got, want, len) != 0) {
		tcb_index_close(x);
		return 1;		/* another text's: stale */
	}
	return 0;
}

/*
 * Does a stanza of the text start at `at` (a line's start) and end at
 * `end` (the end of the text, or a line that a stanza cannot go on with:
 * a blank one, or another stanza's first)?  So that an index that is the
 * text's but damaged cannot make a part of a stanza pass for the whole.
 */
static bool
stanza_bounds(int text, unsigned long long at, unsigned long long end)
{
	char buf[64], c;
	ssize_t n;

	if (at > 0 && (pread(text, &c, 1, (off_t)at - 1) != 1 || c != '\n'))
		return false;
	if (pread(text, &c, 1, (off_t)end - 1) != 1)
		return false;
	for (off_t off = (off_t)end;; off += n) {
		if ((n = pread(text, buf, sizeof(buf), off)) <= 0)
			return n == 0;		/* the end of the text */
		if (off == (off_t)end && c != '\n')
			return false;		/* not a line's end */
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == '\n')
				return true;	/* blank */
			if (buf[i] == ' ' || buf[i] == '\t')
				continue;
			/* an attribute or comment goes on with the stanza */
			return off == (off_t)end && i == 0 && buf[0] != '#' &&
			       buf[0] != '*';
		}
	}
}

/* The stanza under key, read from the text, appended to *buf at *len,
   its offset in the text in *at: 0, 1 when missing, -1. */
static int
append(struct tcb_index *x, const char *key, unsigned klen, char **buf,
       size_t *len, unsigned long long *at)
{
	int found = cdb_find(&x->cdb, key, klen);
	unsigned long long n;
	const char *v;
	char *nb;
	ssize_t got;

	if (found <= 0)
		return found == 0 ? 1 : -1;
	if (cdb_datalen(&x->cdb) != SPAN_LEN ||
	    (v = cdb_getdata(&x->cdb)) == NULL)
		return -1;
	*at = get_u64(v);
	n = get_u64(v + 8);
	if (n == 0 || n > STZ_MAX_FILE || *at > STZ_MAX_FILE ||
	    !stanza_bounds(x->text, *at, *at + n) ||
	    (nb = realloc(*buf, *len + n + 1)) == NULL)
		return -1;
	*buf = nb;
	got = pread(x->text, nb + *len, n, (off_t)*at);
	if (got != (ssize_t)n)
		return -1;		/* beyond the text: damaged */
	*len += n;
	nb[*len] = '\0';
	return 0;
}

int
tcb_index_text(struct tcb_index *x, const char *path, char **text,
	       size_t *len, struct tcb_index_at *where)
{
	unsigned long long at = 0;
	size_t start;
	int rc;

	*text = NULL;
	*len = 0;
	if (x->text == -1 ||
	    (rc = append(x, key_default, KEYLEN(key_default), text, len,
			 &at)) == -1)
		goto fail;
	start = *len;
	if (path == NULL) {		/* default: alone, if there is one */
		if (*text == NULL && (*text = calloc(1, 1)) == NULL)
			goto fail;
		rc = 0;
	} else if ((rc = append(x, path, (unsigned)strlen(path), text, len,
				&at)) == -1) {
		goto fail;
	} else if (rc == 1) {
		free(*text);
		*text = NULL;
	}
	if (where) {
		where->at = at;
		where->start = start;
	}
	return rc;
fail:
	free(*text);
	*text = NULL;
	return -1;
}

int
tcb_index_count(struct tcb_index *x, unsigned long long *n)
{
	char buf[32];
	unsigned vl;
	const char *v;

	if (cdb_find(&x->cdb, key_count, KEYLEN(key_count)) <= 0 ||
	    (vl = cdb_datalen(&x->cdb)) == 0 || vl >= sizeof(buf) ||
	    (v = cdb_getdata(&x->cdb)) == NULL)
		return -1;
	memcpy(buf, v, vl);
	buf[vl] = '\0';
	return stz_parse_uint(buf, 0, ULLONG_MAX, n);
}

bool
tcb_index_this_boot(struct tcb_index *x)
{
	return this_boot(x);
}

void
tcb_index_close(struct tcb_index *x)
{
	if (x->fd != -1) {
		cdb_free(&x->cdb);
		close(x->fd);
		x->fd = -1;
	}
	if (x->text != -1)
		close(x->text);
	x->text = -1;
}
