/*
 * record.c - record a file in the database from its current state
 * (tcbck -a, chtcb on).
 *
 * The file is opened once with O_PATH|O_NOFOLLOW and everything recorded
 * comes from that descriptor, so a file swapped during recording cannot mix
 * the attributes of two files.  Values given on the command line are read
 * with the stanza parser itself: there is one syntax for values, not two.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


#include "files.h"
#include "hashcache.h"
#include "ids.h"
#include "tcbdb.h"
#include "verify.h"

/* "attr=value": the value read as the stanza format reads it. */
static int
apply_assign(struct stz_doc *doc, struct stz_stanza *st, const char *assign,
	     struct tp_err *err)
{
	const char *eq = strchr(assign, '=');
	struct stz_doc *tmp;
	struct stz_attr *a;
	char *text = NULL;
	int n, rc;

	if (eq == NULL || eq == assign)
		return tp_err_set(err, "%s: expected attribute=value", assign);
	n = asprintf(&text, "x:\n\t%.*s = %s\n", (int)(eq - assign), assign,
		     eq + 1);
	if (n < 0)
		return tp_err_set(err, "out of memory");
	tmp = stz_parse_snippet(assign, text, (size_t)n, err);
	free(text);
	if (tmp == NULL)
		return -1;	/* "assign: what" */
	a = stz_first(tmp)->attrs;
	rc = stz_set(doc, st, a->name, (const char *const *)a->items,
		     a->nitems, err);
	stz_free(tmp);
	return rc;
}

/* Readable descriptor of the same inode as an O_PATH fd (regular files). */
static int
reopen(int fd, const char *path, struct tp_err *err)
{
	int rfd = tp_fd_reopen(fd, O_RDONLY | O_NONBLOCK);

	if (rfd == -1)
		tp_err_set(err, "%s: %s", path, strerror(errno));
	return rfd;
}

static enum tp_hash_alg
alg_for(const struct tcb_entry *old)
{
	return old && (old->have & TCB_HAS_HASH) ? old->hash.alg :
	       TP_HASH_SHA256;
}

static bool
pinned(const struct tcb_entry *old, const struct tcb_evidence *ev)
{
	return !(old && old->size_volatile) && !(ev && ev->conffile);
}

/*
 * The trusted digest of a package's file, from the same read as the MD5
 * compared with dpkg's: content dpkg did not write is refused before the
 * entry is touched (ev->refused).
 */
static int
check_package(int fd, const struct tcb_entry *old, const char *path,
	      struct tcb_evidence *ev, struct tp_err *err)
{
	unsigned char md5[TP_MD5_LEN];
	struct stat sb;
	int rfd, rc;

	if (!ev->have_md5) {
		ev->refused = true;
		return tp_err_set(err, "%s: package %s %s has no digest of it: "
				  "not recorded", path, ev->package,
				  ev->version);
	}
	if ((rfd = reopen(fd, path, err)) == -1)
		return -1;
	/* hashed once: tcbck hashes a package's files on every core first */
	rc = fstat(rfd, &sb) == -1 ? tp_err_set(err, "%s: %s", path,
						 strerror(errno)) :
	     tcb_hash_cached_md5(rfd, &sb, alg_for(old), &ev->digest, md5,
				 path, err);
	close(rfd);
	if (rc == -1)
		return -1;
	if (memcmp(md5, ev->md5, sizeof(md5)) != 0) {
		ev->refused = true;
		return tp_err_set(err, "%s: does not match package %s %s: not "
				  "recorded", path, ev->package, ev->version);
	}
	return 0;
}

/* A regular file's size and hash (a package's: checked already). */
static int
record_content(struct stz_doc *doc, struct stz_stanza *st,
	       struct tcb_entry *old, int fd, const struct stat *sb,
	       const char *path, const struct tcb_evidence *ev,
	       struct tp_err *err)
{
	char num[32], hash[TP_HASH_TEXT];
	struct tp_digest d;
	int rfd, rc;

	if (!pinned(old, ev))
		/* it changes in use: VOLATILE, no hash */
		return stz_set1(doc, st, "size", "VOLATILE", err);
	snprintf(num, sizeof(num), "%lld", (long long)sb->st_size);
	if (ev) {
		d = ev->digest;
	} else {
		if ((rfd = reopen(fd, path, err)) == -1)
			return -1;
		rc = tcb_hash_cached(rfd, sb, alg_for(old), &d, path, err);
		close(rfd);
		if (rc == -1)
			return -1;
	}
	tp_hash_format(&d, hash);
	if (stz_set1(doc, st, "size", num, err) == -1 ||
	    stz_set1(doc, st, "hash", hash, err) == -1)
		return -1;
	return 0;
}

static int
record_state(struct stz_doc *doc, struct stz_stanza *st, struct tcb_entry *old,
	     int fd, const struct stat *sb, const char *path,
	     struct tcb_evidence *ev, struct tp_err *err)
{
	char owner[32], group[32], perm[8];
	const char *mode[5];
	size_t nmode = 0;
	enum tcb_type type = tcb_type_of(sb->st_mode);

	if (type == 0)
		return tp_err_set(err, "%s: a socket cannot be recorded", path);
	if (stz_set1(doc, st, "type", tcb_type_name(type), err) == -1 ||
	    stz_set1(doc, st, "owner", tcb_user_name(sb->st_uid, owner),
		     err) == -1 ||
	    stz_set1(doc, st, "group", tcb_group_name(sb->st_gid, group),
		     err) == -1)
		return -1;
	if ((old && (old->mode & STZ_MODE_TCB)) || (!old && ev && ev->trust))
		mode[nmode++] = "TCB";
	if (sb->st_mode & S_ISUID)
		mode[nmode++] = "SUID";
	if (sb->st_mode & S_ISGID)
		mode[nmode++] = "SGID";
	if (sb->st_mode & S_ISVTX)
		mode[nmode++] = "SVTX";
	snprintf(perm, sizeof(perm), "%03o", (unsigned)(sb->st_mode & 0777));
	mode[nmode++] = perm;
	if (type != TCB_SYMLINK &&
	    stz_set(doc, st, "mode", mode, nmode, err) == -1)
		return -1;
	stz_unset(doc, st, "size");
	stz_unset(doc, st, "hash");
	stz_unset(doc, st, "target");
	if (ev && (stz_set1(doc, st, "package", ev->package, err) == -1 ||
		   stz_set1(doc, st, "version", ev->version, err) == -1))
		return -1;
	if (type == TCB_FILE) {
		if (record_content(doc, st, old, fd, sb, path, ev, err) == -1)
			return -1;
	} else if (type == TCB_SYMLINK) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(fd, "", target, sizeof(target) - 1);

		if (n == -1)
			return tp_err_set(err, "%s: %s", path, strerror(errno));
		target[n] = '\0';
		if (stz_set1(doc, st, "target", target, err) == -1)
			return -1;
	}
	return 0;
}

/* The name of an open descriptor, from /proc/self/fd (malloc'd). */
static char *
fd_name(int fd)
{
	char buf[PATH_MAX];

	return tp_fd_path(fd, buf, sizeof(buf)) == 0 ? strdup(buf) : NULL;
}

/*
 * Open path (O_PATH, a final symlink not followed) and name it as it will
 * be recorded: its directory is opened once and named from /proc, so a
 * directory swapped meanwhile cannot pair one file's state with another's
 * name.
 */
static int
open_named(const char *path, char **cpath, struct tp_err *err)
{
	char *dir = NULL, *dname = NULL;
	const char *base;
	int dfd = -1, fd = -1;

	*cpath = NULL;
	if (tp_path_split(path, &dir, &base) == -1 && errno == EINVAL) {
		/* a directory named by itself: it is its own name */
		if ((fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1 ||
		    (*cpath = fd_name(fd)) == NULL)
			goto fail;
		return fd;
	}
	if (dir == NULL ||
	    (dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    (dname = fd_name(dfd)) == NULL ||
	    asprintf(cpath, "%s/%s", strcmp(dname, "/") ? dname : "",
		     base) == -1 ||
	    (fd = openat(dfd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC)) == -1)
		goto fail;
	free(dir);
	free(dname);
	close(dfd);
	return fd;
fail:
	tp_err_set(err, "%s: %s", path, strerror(errno ? errno : ENOMEM));
	if (fd != -1)
		close(fd);
	if (dfd != -1)
		close(dfd);
	free(dir);
	free(dname);
	free(*cpath);
	*cpath = NULL;
	return -1;
}

struct tcb_entry *
tcb_record(struct tcb_db *db, const char *path, char *const *assigns,
	   size_t nassigns, struct tp_err *err)
{
	return tcb_record_from(db, path, assigns, nassigns, NULL, err);
}

struct tcb_entry *
tcb_record_from(struct tcb_db *db, const char *path, char *const *assigns,
		size_t nassigns, struct tcb_evidence *ev, struct tp_err *err)
{
	struct tcb_entry *old, *e = NULL;
	struct stz_stanza *st;
	struct stz_doc *doc;
	struct stat sb;
	char *cpath;
	int fd = -1;

	if ((fd = open_named(path, &cpath, err)) == -1)
		return NULL;
	if (fstat(fd, &sb) == -1) {
		tp_err_set(err, "%s: %s", path, strerror(errno));
		goto out;
	}
	old = tcb_db_find_exact(db, cpath);
	if (ev && S_ISREG(sb.st_mode) && pinned(old, ev) &&
	    check_package(fd, old, path, ev, err) == -1)
		goto out;
	/* the entry's own document: the text's, or its own (looked up) */
	doc = old ? old->doc : db->doc;
	st = old ? old->st : stz_add_stanza(doc, cpath, err);
	if (st == NULL ||
	    record_state(doc, st, old, fd, &sb, path, ev, err) == -1)
		goto out;
	for (size_t i = 0; i < nassigns; i++)
		if (apply_assign(doc, st, assigns[i], err) == -1)
			goto out;
	e = tcb_entry_for(db, st, err);
out:
	if (fd != -1)
		close(fd);
	free(cpath);
	return e;
}
