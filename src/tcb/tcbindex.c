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
		  key_boot[] = "\0boot", key_proof[] = "\0hash";
#define KEYLEN(k) ((unsigned)sizeof(k) - 1)

/* "tpath-index 1 dev ino size mtime ctime" of the text. */
static void
identity_text(const struct stat *id, char *buf, size_t len)
{
	snprintf(buf, len, "tpath-index 1 %ju %ju %jd %jd.%09ld %jd.%09ld",
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

/* The index in dirfd, if safe, mapped whoever's it is: 0, 1 when there
   is none, -1 with err. */
static int
map_at(struct tcb_index *x, int dirfd, struct tp_err *err)
{
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

/* The proofs of doc's trusted programs, and the boot they hold in. */
static int
add_proofs(struct cdb_make *m, int dirfd, const struct stz_doc *doc,
	   bool hash_now)
{
	char boot[TCB_BOOT_ID_LEN + 1], text[TCB_PROOF_MAX];
	struct tcb_index old = { .fd = -1 };
	struct tcb_proof p;
	struct tp_err err;
	int rc;

	if (tcb_boot_id(boot) == -1)
		return 0;		/* no proofs: every program hashed */
	if (map_at(&old, dirfd, &err) != 0)
		old.fd = -1;		/* no old proofs to carry */
	rc = add(m, key_boot, KEYLEN(key_boot), boot, TCB_BOOT_ID_LEN);
	for (struct stz_stanza *st = stz_first(doc); st && rc == 0;
	     st = stz_next(st)) {
		unsigned klen;
		char *k;

		if (st->data == NULL ||
		    make_proof(st->data, old.fd == -1 ? NULL : &old, hash_now,
			       &p) != 0)
			continue;
		if ((k = proof_key(st->name, &klen)) == NULL) {
			rc = -1;
			break;
		}
		tcb_proof_format(&p, text);
		rc = add(m, k, klen, text, strlen(text));
		free(k);
	}
	if (old.fd != -1)
		tcb_index_close(&old);
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

int
tcb_index_write(int dirfd, const struct stz_doc *doc, const struct stat *id,
		bool hash_now, struct tp_err *err)
{
	char tmp[64], meta[160];
	struct cdb_make m;
	bool renamed = false;
	int fd, rc = 0;

	remove_stale(dirfd);
	snprintf(tmp, sizeof(tmp), TMP_PREFIX "%ld", (long)getpid());
	fd = openat(dirfd, tmp, O_RDWR | O_CREAT | O_TRUNC | O_NOFOLLOW |
		    O_CLOEXEC, 0644);
	if (fd == -1)
		return tp_err_set(err, "%s: %s", TCB_INDEX_FILE,
				  strerror(errno));
	identity_text(id, meta, sizeof(meta));
	cdb_make_start(&m, fd);
	rc = add(&m, key_meta, KEYLEN(key_meta), meta, strlen(meta));
	for (struct stz_stanza *st = stz_first(doc); st && rc == 0;
	     st = stz_next(st)) {
		bool def = strcmp(st->name, STZ_DEFAULT) == 0;
		size_t len;
		char *text = stz_stanza_text(st, &len);

		rc = text == NULL ? -1 : def ?
		     add(&m, key_default, KEYLEN(key_default), text, len) :
		     add(&m, st->name, (unsigned)strlen(st->name), text, len);
		free(text);
	}
	if (rc == 0)
		rc = add_proofs(&m, dirfd, doc, hash_now);
	if (rc != 0 || cdb_make_finish(&m) != 0 || fchmod(fd, 0644) == -1 ||
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
tcb_index_map(struct tcb_index *x, int fd)
{
	x->fd = fd;
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

/* The value of key appended to *buf at *len; 0, 1 when missing, -1. */
static int
append(struct tcb_index *x, const char *key, unsigned klen, char **buf,
       size_t *len)
{
	int found = cdb_find(&x->cdb, key, klen);
	const char *v;
	unsigned vl;
	char *nb;

	if (found <= 0)
		return found == 0 ? 1 : -1;
	vl = cdb_datalen(&x->cdb);
	if ((v = cdb_getdata(&x->cdb)) == NULL ||
	    (nb = realloc(*buf, *len + vl + 1)) == NULL)
		return -1;
	memcpy(nb + *len, v, vl);
	*len += vl;
	nb[*len] = '\0';
	*buf = nb;
	return 0;
}

int
tcb_index_text(struct tcb_index *x, const char *path, char **text,
	       size_t *len)
{
	int rc;

	*text = NULL;
	*len = 0;
	if (append(x, key_default, KEYLEN(key_default), text, len) == -1 ||
	    (rc = append(x, path, (unsigned)strlen(path), text, len)) == -1) {
		free(*text);
		*text = NULL;
		return -1;
	}
	if (rc == 1) {
		free(*text);
		*text = NULL;
	}
	return rc;
}

void
tcb_index_close(struct tcb_index *x)
{
	if (x->fd != -1) {
		cdb_free(&x->cdb);
		close(x->fd);
		x->fd = -1;
	}
}
