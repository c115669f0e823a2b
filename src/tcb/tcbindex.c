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
#include "safeopen.h"
#include "tcbindex.h"

/* Keys that no path can be: a path is absolute and has no NUL. */
static const char key_meta[] = "\0meta", key_default[] = "\0default";
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
		struct tp_err *err)
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
	return cdb_init(&x->cdb, fd) == 0 ? 0 : -1;
}

int
tcb_index_open(struct tcb_index *x, int dirfd, const struct stat *id,
	       struct tp_err *err)
{
	char want[160];
	unsigned len;
	const char *got;

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
