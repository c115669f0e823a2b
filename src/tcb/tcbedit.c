/*
 * tcbedit.c - a few entries changed or added without reading the whole
 * text of sysck.cfg (chtcb on|off FILE, tcbck -a PATH).
 *
 * Loaded with STZ_LOCK and TCB_DB_LOOKUP where the index is the text's
 * and its proofs are of this boot, the database is the locked directory,
 * the text's descriptor (checked as stz_load checks it) and the index.
 * The entries touched are looked up, each read from the text where the
 * index says and parsed alone with default:, as tsh reads them (and only
 * if it is one whole stanza there: tcbdb.c); the new ones go into a
 * document of their own.
 *
 * The commit writes the text the full writer would write: the old text
 * copied around each changed stanza, the changed stanzas in their places,
 * the new ones appended as stz_add_stanza appends them.  Then the index, from
 * the old one's records (tcb_index_update).  Temporary files, lock, and
 * the order of the renames are those of stz_commit and tcb_index_write:
 * a writer killed at any point leaves the old text, or the new text and
 * an index that is not its (stale: never used).
 *
 * Anything else (no text, no index or another text's, a text without its
 * version line or its last newline, proofs of another boot) is read whole.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "files.h"
#include "safeopen.h"
#include "tcbdb_int.h"

struct tcb_edit {
	int dirfd, textfd;		/* textfd: the index's (x->text) */
	char *base;
	struct stat id;			/* the text's, as opened */
	unsigned long long count;	/* its stanzas */
	bool tail_blank;		/* its last line is blank */
};

/* The line the full writer puts first. */
static int
version_line(char *buf, size_t len)
{
	return snprintf(buf, len, "* tpath %s version %d\n", TCB_DB_FILE,
			TCB_DB_VERSION);
}

static int
pread_all(int fd, char *buf, size_t len, off_t at)
{
	while (len > 0) {
		ssize_t n = pread(fd, buf, len, at);

		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
		at += n;
	}
	return 0;
}

/* Does the text start with the version line and end with a newline, and
   is its last line blank?  0 yes (*blank set), 1 no, -1 on a read error. */
static int
check_text(int fd, const struct stat *id, bool *blank)
{
	char want[64], got[64], tail[STZ_MAX_LINE + 2];
	int n = version_line(want, sizeof(want));
	size_t tl;
	ssize_t i;

	if (id->st_size < n)
		return 1;
	if (pread_all(fd, got, (size_t)n, 0) == -1)
		return -1;
	if (memcmp(got, want, (size_t)n) != 0)
		return 1;
	tl = id->st_size < (off_t)sizeof(tail) ? (size_t)id->st_size :
	     sizeof(tail);
	if (pread_all(fd, tail, tl, id->st_size - (off_t)tl) == -1)
		return -1;
	if (tail[tl - 1] != '\n')
		return 1;
	*blank = true;
	for (i = (ssize_t)tl - 2; i >= 0 && tail[i] != '\n'; i--)
		if (tail[i] != ' ' && tail[i] != '\t')
			*blank = false;
	return 0;
}

static void
edit_close(struct tcb_edit *e)
{
	if (e->dirfd != -1)
		close(e->dirfd);	/* the lock goes with it */
	free(e->base);
	free(e);
}

int
tcb_edit_open(struct tcb_db *db, struct tp_err *err)
{
	struct tcb_index *x = calloc(1, sizeof(*x));
	struct tcb_edit *e = calloc(1, sizeof(*e));
	struct tp_err ignored;
	size_t len;
	char *text = NULL;
	int rc = 1;

	if (x == NULL || e == NULL) {
		free(x);
		free(e);
		return tp_err_set(err, "%s: out of memory", db->path);
	}
	x->fd = x->text = e->textfd = -1;
	if ((e->dirfd = tp_open_parent_safe(db->path, &e->base, err)) == -1 ||
	    stz_lock_dir(e->dirfd, db->path, err) == -1) {
		rc = -1;
		goto out;
	}
	/* what the full reader would refuse, it refuses itself: read whole */
	e->textfd = openat(e->dirfd, e->base, O_RDONLY | O_NOFOLLOW |
			   O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (e->textfd == -1 || tp_check_fd(e->textfd, db->path,
					   &ignored) == -1 ||
	    fstat(e->textfd, &e->id) == -1 || !S_ISREG(e->id.st_mode) ||
	    tcb_index_open(x, e->dirfd, &e->id, &ignored) != 0)
		goto out;
	x->text = e->textfd;		/* the index's now */
	if (!tcb_index_this_boot(x) || tcb_index_count(x, &e->count) != 0)
		goto out;
	if ((rc = check_text(e->textfd, &e->id, &e->tail_blank)) == -1)
		tp_err_set(err, "%s: %s", db->path, strerror(errno));
	if (rc != 0)
		goto out;
	/* the new entries' document: default:, to read them with */
	if (tcb_index_text(x, NULL, &text, &len, NULL) != 0 ||
	    (db->doc = stz_parse(db->path, text, len, err)) == NULL) {
		rc = 1;
		goto out;
	}
	free(text);
	db->index = x;
	db->edit = e;
	return 0;
out:
	free(text);
	if (x->text == -1 && e->textfd != -1)
		close(e->textfd);
	tcb_index_close(x);
	free(x);
	edit_close(e);
	return rc;
}

void
tcb_edit_free(struct tcb_db *db)
{
	if (db->edit)
		edit_close(db->edit);
	db->edit = NULL;
}

static int
by_old_at(const void *a, const void *b)
{
	const struct tcb_index_change *x = a, *y = b;

	return x->old_at < y->old_at ? -1 : x->old_at > y->old_at;
}

/*
 * A trusted program's entry the index has no proof for that holds, where
 * one can be made: one touched (recorded again, say) gets its proof, as
 * with the full writer.
 */
static bool
unproven(const struct tcb_entry *e)
{
	struct tcb_proof now;
	struct stat sb;

	return tcb_entry_trusted(e, NULL) &&
	       tcb_proof_identity(AT_FDCWD, e->path, &now, &sb) == 0 &&
	       (e->proof == NULL || !tcb_proof_same(e->proof, &now));
}

/*
 * The stanzas to write: each looked-up entry whose text changed or that
 * needs its proof, then the new ones, into *chp (malloc'd, sorted by
 * where they were): their count, or -1.  *text_changed: whether the text
 * is to be written, or only the index.
 */
static ssize_t
changes(struct tcb_db *db, struct tcb_index_change **chp, size_t *nnew,
	bool *text_changed, struct tp_err *err)
{
	struct tcb_index_change *ch;
	size_t n = 0, max = 0, nold;

	for (struct tcb_looked *l = db->looked; l; l = l->next)
		max++;
	max += stz_count(db->doc);
	if ((ch = calloc(max + 1, sizeof(*ch))) == NULL)
		return tp_err_set(err, "%s: out of memory", db->path);
	for (struct tcb_looked *l = db->looked; l; l = l->next) {
		const char *was = l->text + l->at.start;
		size_t wlen = l->len - l->at.start, len;
		char *now = stz_stanza_text(l->e.st, &len);

		bool same;

		if (now == NULL)
			goto nomem;
		same = len == wlen && memcmp(now, was, len) == 0;
		if (same && !unproven(&l->e)) {
			free(now);
			continue;
		}
		*text_changed |= !same;
		ch[n++] = (struct tcb_index_change){ .e = &l->e, .text = now,
			.len = len, .old_at = l->at.at, .old_len = wlen };
	}
	qsort(ch, n, sizeof(*ch), by_old_at);
	nold = n;
	for (struct stz_stanza *st = stz_first(db->doc); st;
	     st = stz_next(st)) {
		size_t len;
		char *text, *now;

		if (strcmp(st->name, STZ_DEFAULT) == 0)
			continue;
		/* new: the index must say so too, not fail to say */
		if (st->data == NULL ||
		    tcb_index_text(db->index, st->name, &text, &len,
				   NULL) != 1) {
			tp_err_set(err, "%s: \"%s\" cannot be added: the index "
				   "does not say it is new (run tcbck as root "
				   "to rebuild it)", db->path, st->name);
			goto fail;
		}
		if ((now = stz_stanza_text(st, &len)) == NULL)
			goto nomem;
		ch[n++] = (struct tcb_index_change){ .e = st->data,
			.text = now, .len = len, .old_at = TCB_INDEX_NEW };
	}
	*nnew = n - nold;
	*text_changed |= *nnew > 0;
	*chp = ch;
	return (ssize_t)n;
nomem:
	tp_err_set(err, "%s: out of memory", db->path);
fail:
	for (size_t i = 0; i < n; i++)
		free((char *)ch[i].text);
	free(ch);
	return -1;
}

/* What the new text is made of: the old around the changes, then them. */
struct splice {
	const struct tcb_edit *e;
	struct tcb_index_change *ch;
	size_t n;
	const char *path;	/* for messages */
	bool sep;		/* a blank line before the first new stanza */
	bool moved;		/* the old text changed while copied */
};

/* Bytes [from, to) of the old text, appended to fd. */
static int
copy_range(int in, int out, unsigned long long from, unsigned long long to)
{
	loff_t off = (loff_t)from;
	char buf[65536];

	while ((unsigned long long)off < to) {
		ssize_t n = copy_file_range(in, &off, out, NULL,
					    (size_t)(to - (unsigned long long)off),
					    0);

		if (n > 0)
			continue;
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		if (errno == EINTR)
			continue;
		if (errno != EXDEV && errno != EINVAL && errno != ENOSYS &&
		    errno != EOPNOTSUPP)
			return -1;
		break;		/* not between these two: by hand */
	}
	while ((unsigned long long)off < to) {
		size_t want = to - (unsigned long long)off < sizeof(buf) ?
			      (size_t)(to - (unsigned long long)off) :
			      sizeof(buf);

		if (pread_all(in, buf, want, off) == -1 ||
		    tp_write_all(out, buf, want) == -1)
			return -1;
		off += (loff_t)want;
	}
	return 0;
}

static bool
same_text(const struct stat *a, const struct stat *b)
{
	return a->st_size == b->st_size && a->st_ino == b->st_ino &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	       a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

static int
fill(int fd, void *arg)
{
	struct splice *s = arg;
	unsigned long long from = 0, size = (unsigned long long)s->e->id.st_size;
	struct stat now;
	size_t i;

	for (i = 0; i < s->n && s->ch[i].old_at != TCB_INDEX_NEW; i++) {
		if (copy_range(s->e->textfd, fd, from, s->ch[i].old_at) == -1 ||
		    tp_write_all(fd, s->ch[i].text, s->ch[i].len) == -1)
			return -1;
		from = s->ch[i].old_at + s->ch[i].old_len;
	}
	if (copy_range(s->e->textfd, fd, from, size) == -1)
		return -1;
	for (bool first = true; i < s->n; i++, first = false)
		if ((first && s->sep && tp_write_all(fd, "\n", 1) == -1) ||
		    tp_write_all(fd, s->ch[i].text, s->ch[i].len) == -1 ||
		    tp_write_all(fd, "\n", 1) == -1)
			return -1;
	/* a hand edit in place meanwhile: not to be mixed with */
	if (fstat(s->e->textfd, &now) == -1)
		return -1;
	if (!same_text(&now, &s->e->id)) {
		s->moved = true;
		errno = ESTALE;
		return -1;
	}
	return 0;
}

/* Where each stanza goes in the new text, and its size: 0, or -1. */
static int
place(struct splice *s, unsigned long long *size, struct tp_err *err)
{
	struct tcb_index_change *ch = s->ch;
	unsigned long long from = 0, out = 0,
			   old = (unsigned long long)s->e->id.st_size;
	size_t i;

	for (i = 0; i < s->n && ch[i].old_at != TCB_INDEX_NEW; i++) {
		if (ch[i].old_at < from || ch[i].old_at > old ||
		    ch[i].old_len > old - ch[i].old_at)
			return tp_err_set(err, "%s: the index does not say "
					  "where an entry is (run tcbck as "
					  "root to rebuild it)", s->path);
		out += ch[i].old_at - from;
		ch[i].at = out;
		out += ch[i].len;
		from = ch[i].old_at + ch[i].old_len;
	}
	out += old - from;
	s->sep = i < s->n && !s->e->tail_blank;
	out += s->sep;
	for (; i < s->n; i++) {
		ch[i].at = out;
		out += ch[i].len + 1;
	}
	*size = out;
	return 0;
}

int
tcb_edit_commit(struct tcb_db *db, struct tp_err *err)
{
	struct tcb_edit *e = db->edit;
	struct stz_file f = {
		.dirfd = e->dirfd, .base = e->base, .path = db->path,
		.exists = true, .uid = e->id.st_uid, .gid = e->id.st_gid,
		.mode = e->id.st_mode & 07777,
	};
	struct tcb_index_change *ch = NULL;
	struct splice s = { .e = e, .path = db->path };
	unsigned long long size = 0;
	struct tp_err ignored;
	struct stat written;
	bool renamed, text_changed = false;
	size_t nnew = 0;
	ssize_t n;
	int rc = -1;

	if ((n = changes(db, &ch, &nnew, &text_changed, err)) <= 0) {
		free(ch);
		return (int)n;		/* nothing changed: nothing written */
	}
	s.ch = ch;
	s.n = (size_t)n;
	if (!text_changed) {		/* proofs only: the same text's index */
		for (size_t i = 0; i < s.n; i++)
			ch[i].at = ch[i].old_at;
		rc = 0;
		written = e->id;
	} else if (place(&s, &size, err) == -1) {
		goto out;
	} else if (size > STZ_MAX_FILE || e->count + nnew > STZ_MAX_STANZAS) {
		tp_err_set(err, "%s: too large to write (more than %d stanzas "
			   "or %lu bytes)", db->path, STZ_MAX_STANZAS,
			   STZ_MAX_FILE);
		goto out;
	} else if ((rc = stz_replace(&f, fill, &s, &written, &renamed,
				     err)) == -1) {
		if (s.moved)
			tp_err_set(err, "%s: changed by someone else while "
				   "being written: not written", db->path);
		goto out;
	}
	/* the text is in place: now its index */
	(void)tcb_index_update(e->dirfd, db->index, &written, ch, s.n,
			       e->count + nnew, &ignored);
out:
	for (ssize_t i = 0; i < n; i++)
		free((char *)ch[i].text);
	free(ch);
	return rc;
}
