/*
 * stanza_write.c - edit stanza documents and replace their files atomically.
 *
 * Defends against:
 *  - a crash or kill in the middle of a write: readers see the old file or
 *    the new one, never a mix (temporary file in the same directory, fsync,
 *    rename, fsync of the directory);
 *  - two writers at once losing an update: the whole read-modify-write runs
 *    under an exclusive flock(2) on the directory, taken by
 *    stz_load(STZ_LOCK) before the file is read;
 *  - a value that would change the file's structure when written back
 *    (newline, quote, comma): it is quoted and escaped, or refused.
 * Lines the caller did not change are written back byte for byte.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stanza_int.h"
#include "files.h"

#define TMP_TAG ".tmp."

static struct stz_line *
new_line(struct stz_doc *doc, const char *text, size_t len)
{
	struct stz_line *l = stz_alloc(doc, sizeof(*l));

	if (l == NULL || (l->text = stz_strndup(doc, text, len)) == NULL)
		return NULL;
	l->len = len;
	l->next = l->prev = NULL;
	return l;
}

/* Insert l after `after` (NULL: at the end), giving `after` its newline. */
static int
link_after(struct stz_doc *doc, struct stz_line *after, struct stz_line *l)
{
	if (after && (after->len == 0 || after->text[after->len - 1] != '\n')) {
		char *t = stz_alloc(doc, after->len + 1);

		if (t == NULL)
			return -1;
		memcpy(t, after->text, after->len);
		t[after->len++] = '\n';
		after->text = t;
	}
	l->prev = after;
	l->next = after ? after->next : NULL;
	if (l->next)
		l->next->prev = l;
	else
		doc->lines_tail = l;
	if (after)
		after->next = l;
	else
		doc->lines = l;
	return 0;
}

static void
unlink_line(struct stz_doc *doc, struct stz_line *l)
{
	if (l->prev)
		l->prev->next = l->next;
	else
		doc->lines = l->next;
	if (l->next)
		l->next->prev = l->prev;
	else
		doc->lines_tail = l->prev;
}

static bool
is_blank_line(const struct stz_line *l)
{
	for (size_t i = 0; i < l->len; i++)
		if (!stz_isblank(l->text[i]) && l->text[i] != '\n')
			return false;
	return true;
}

/* Can s be written without quotes, and read back as the same item? */
static bool
bare_ok(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c <= ' ' || c == 0x7f || c == '"' || c == ',' || c == '\\')
			return false;
	}
	return true;
}

/* Refuse what the reader would refuse; newline and CR are escaped. */
static int
encode(FILE *f, const struct stz_doc *doc, const char *s, bool header,
       struct tp_err *err)
{
	char buf[32];
	const char *why = stz_bad_text(s, strlen(s), !header, buf);

	if (why != NULL)
		return tp_err_set(err, "%s: cannot write %s", doc->path, why);
	if (bare_ok(s) && !(header && (*s == '#' || *s == '*'))) {
		fputs(s, f);
		return 0;
	}
	fputc('"', f);
	for (; *s; s++) {
		switch (*s) {
		case '\n': fputs("\\n", f); break;
		case '\t': fputs("\\t", f); break;
		case '\r': fputs("\\r", f); break;
		case '\\': fputs("\\\\", f); break;
		case '"': fputs("\\\"", f); break;
		default: fputc(*s, f);
		}
	}
	fputc('"', f);
	return 0;
}

/* Format a header or attribute line into node l, text in the arena. */
static int
format_line(struct stz_doc *doc, struct stz_line *l, bool header,
	    const char *indent, size_t indentlen, const char *name,
	    const char *const *items, size_t n, struct tp_err *err)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int bad = 0;

	if (f == NULL)
		return tp_err_set(err, "%s: %s", doc->path, strerror(errno));
	if (header) {
		bad = encode(f, doc, name, true, err);
		fputs(":\n", f);
	} else {
		fprintf(f, "%.*s%s =", (int)indentlen, indent, name);
		for (size_t i = 0; i < n && !bad; i++) {
			fputs(i ? "," : " ", f);
			bad = encode(f, doc, items[i], false, err);
		}
		fputc('\n', f);
	}
	if (fclose(f) != 0 && !bad)
		bad = tp_err_set(err, "%s: %s", doc->path, strerror(errno));
	/* the reader's limit: never write what cannot be read back */
	if (!bad && len - 1 > STZ_MAX_LINE)
		bad = tp_err_set(err, "%s: cannot write a line longer than %d "
				 "bytes", doc->path, STZ_MAX_LINE);
	if (!bad) {
		if ((l->text = stz_strndup(doc, buf, len)) == NULL)
			bad = tp_err_set(err, "%s: out of memory", doc->path);
		l->len = len;
	}
	free(buf);
	return bad;
}

struct stz_stanza *
stz_add_stanza(struct stz_doc *doc, const char *name, struct tp_err *err)
{
	struct stz_stanza *st;
	struct stz_line *blank;
	int nomem;

	if (*name == '\0') {
		tp_err_set(err, "%s: empty stanza name", doc->path);
		return NULL;
	}
	for (const char *c = name; *c; c++) {	/* as the reader's rule */
		if ((unsigned char)*c < 0x20 || *c == 0x7f) {
			tp_err_set(err, "%s: control character in stanza name",
				   doc->path);
			return NULL;
		}
	}
	if (stz_find(doc, name)) {
		tp_err_set(err, "%s: stanza \"%s\" exists", doc->path, name);
		return NULL;
	}
	if (doc->count >= STZ_MAX_STANZAS) {
		tp_err_set(err, "%s: more than %d stanzas", doc->path,
			   STZ_MAX_STANZAS);
		return NULL;
	}
	if ((st = stz_alloc(doc, sizeof(*st))) != NULL)
		memset(st, 0, sizeof(*st));
	if (st == NULL ||
	    (st->name = stz_strndup(doc, name, strlen(name))) == NULL ||
	    (blank = new_line(doc, "\n", 1)) == NULL)
		goto nomem;
	if (format_line(doc, &st->head, true, NULL, 0, name, NULL, 0,
			err) == -1)
		return NULL;
	/* A blank line before (unless there is one) and after the stanza. */
	if (doc->lines_tail && !is_blank_line(doc->lines_tail)) {
		struct stz_line *sep = new_line(doc, "\n", 1);

		if (sep == NULL || link_after(doc, doc->lines_tail, sep) == -1)
			goto nomem;
	}
	if (link_after(doc, doc->lines_tail, &st->head) == -1 ||
	    link_after(doc, &st->head, blank) == -1)
		goto nomem;
	st->last = &st->head;
	if (stz_append(doc, st, &nomem) != NULL || nomem)
		goto nomem;	/* not a duplicate: stz_find said so above */
	return st;
nomem:
	tp_err_set(err, "%s: out of memory", doc->path);
	return NULL;
}

int
stz_set(struct stz_doc *doc, struct stz_stanza *st, const char *name,
	const char *const *items, size_t n, struct tp_err *err)
{
	struct stz_attr *a = stz_attr(st, name), **tail;
	const struct stz_line *model;
	struct stz_line line;
	const char *indent = "\t";
	size_t indentlen = 1;

	if (!stz_valid_name(name))
		return tp_err_set(err, "%s: invalid attribute name \"%s\"",
				  doc->path, name);
	if (n > UINT_MAX)
		return tp_err_set(err, "%s: too many values", doc->path);
	/* Indent like the attribute itself, or the stanza's first one. */
	model = a ? &a->line : st->attrs ? &st->attrs->line : NULL;
	if (model) {
		indent = model->text;
		for (indentlen = 0; stz_isblank(model->text[indentlen]);
		     indentlen++)
			;
	}
	if (format_line(doc, &line, false, indent, indentlen, name, items, n,
			err) == -1)
		return -1;
	if (a == NULL) {
		struct stz_line *after = &st->head;

		if ((a = stz_alloc(doc, sizeof(*a))) != NULL)
			memset(a, 0, sizeof(*a));
		if (a == NULL ||
		    (a->name = stz_strndup(doc, name, strlen(name))) == NULL)
			return tp_err_set(err, "%s: out of memory", doc->path);
		for (tail = &st->attrs; *tail; tail = &(*tail)->next)
			after = &(*tail)->line;
		a->line = line;
		if (link_after(doc, after, &a->line) == -1)
			return tp_err_set(err, "%s: out of memory", doc->path);
		if (after == st->last)
			st->last = &a->line;
		a->lineno = 0;
		a->next = NULL;
		*tail = a;
	} else {
		a->line.text = line.text;
		a->line.len = line.len;
	}
	a->items = n <= 1 ? &a->one : stz_alloc(doc, n * sizeof(char *));
	if (a->items == NULL)
		return tp_err_set(err, "%s: out of memory", doc->path);
	for (a->nitems = 0; a->nitems < n; a->nitems++) {
		const char *s = items[a->nitems];

		a->items[a->nitems] = stz_strndup(doc, s, strlen(s));
		if (a->items[a->nitems] == NULL)
			return tp_err_set(err, "%s: out of memory", doc->path);
	}
	return 0;
}

int
stz_set1(struct stz_doc *doc, struct stz_stanza *st, const char *name,
	 const char *value, struct tp_err *err)
{
	return stz_set(doc, st, name, &value, 1, err);
}

int
stz_set_uint(struct stz_doc *doc, struct stz_stanza *st, const char *name,
	     unsigned long long value, struct tp_err *err)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%llu", value);
	return stz_set1(doc, st, name, buf, err);
}

void
stz_unset(struct stz_doc *doc, struct stz_stanza *st, const char *name)
{
	struct stz_attr **pp, *a;

	for (pp = &st->attrs; (a = *pp) != NULL; pp = &a->next) {
		if (strcmp(a->name, name) != 0)
			continue;
		*pp = a->next;
		if (st->last == &a->line)
			st->last = a->line.prev;
		unlink_line(doc, &a->line);
		return;
	}
}

void
stz_delete_stanza(struct stz_doc *doc, struct stz_stanza *st)
{
	struct stz_line *l = &st->head, *end = &st->head, *next;
	struct stz_attr *a;

	/*
	 * Header to last attribute; comments after that are kept, since they
	 * are more often about the next stanza than about this one.
	 */
	for (a = st->attrs; a; a = a->next)
		end = &a->line;
	for (;;) {
		next = l->next;
		unlink_line(doc, l);
		if (l == end)
			break;
		l = next;
	}
	if (end == st->last && next && is_blank_line(next))
		unlink_line(doc, next);		/* the line that ended it */
	stz_hash_del(doc, st);
	if (st->prev)
		st->prev->next = st->next;
	else
		doc->first = st->next;
	if (st->next)
		st->next->prev = st->prev;
	else
		doc->last = st->prev;
	doc->count--;
}

/* Length of "* tpath NAME version " when line l starts with it, else 0. */
static size_t
version_prefix(const struct stz_line *l, const char *name)
{
	char want[128];
	int n = snprintf(want, sizeof(want), "* tpath %s version ", name);

	if (l == NULL || n <= 0 || (size_t)n >= sizeof(want) ||
	    l->len < (size_t)n || memcmp(l->text, want, (size_t)n) != 0)
		return 0;
	return (size_t)n;
}

unsigned
stz_version(const struct stz_doc *doc, const char *name)
{
	const struct stz_line *l = doc->lines;
	size_t n = version_prefix(l, name), end;
	char num[16];
	unsigned long long v;

	if (n == 0)
		return 0;
	for (end = n; end < l->len && l->text[end] >= '0' &&
	     l->text[end] <= '9'; end++)
		;
	if (end - n == 0 || end - n >= sizeof(num))
		return 0;
	memcpy(num, l->text + n, end - n);
	num[end - n] = '\0';
	return stz_parse_uint(num, 1, UINT_MAX, &v) == 0 ? (unsigned)v : 0;
}

int
stz_set_version(struct stz_doc *doc, const char *name, unsigned version,
		struct tp_err *err)
{
	struct stz_line *l;
	char text[160];
	int n = snprintf(text, sizeof(text), "* tpath %s version %u\n", name,
			 version);

	if (n <= 0 || (size_t)n >= sizeof(text) ||
	    strcspn(name, " \t\n\r") != strlen(name))
		return tp_err_set(err, "%s: bad version name", doc->path);
	if (version_prefix(doc->lines, name)) {
		l = doc->lines;
		if ((l->text = stz_strndup(doc, text, (size_t)n)) == NULL)
			return tp_err_set(err, "%s: out of memory", doc->path);
		l->len = (size_t)n;
		return 0;
	}
	if ((l = new_line(doc, text, (size_t)n)) == NULL)
		return tp_err_set(err, "%s: out of memory", doc->path);
	l->prev = NULL;
	l->next = doc->lines;
	if (doc->lines)
		doc->lines->prev = l;
	else
		doc->lines_tail = l;
	doc->lines = l;
	return 0;
}

char *
stz_stanza_text(const struct stz_stanza *st, size_t *lenp)
{
	const struct stz_line *l, *end = st->last ? st->last->next : NULL;
	size_t len = 0;
	char *buf, *p;

	for (l = &st->head; l && l != end; l = l->next)
		len += l->len;
	if ((buf = malloc(len + 2)) == NULL)
		return NULL;
	for (p = buf, l = &st->head; l && l != end; l = l->next) {
		memcpy(p, l->text, l->len);
		p += l->len;
	}
	if (p > buf && p[-1] != '\n')
		*p++ = '\n';		/* the file's last line */
	*p = '\0';
	*lenp = (size_t)(p - buf);
	return buf;
}

char *
stz_text(const struct stz_doc *doc, size_t *lenp)
{
	const struct stz_line *l;
	size_t len = 0;
	char *buf, *p;

	for (l = doc->lines; l; l = l->next)
		len += l->len;
	if ((buf = malloc(len + 1)) == NULL)
		return NULL;
	for (p = buf, l = doc->lines; l; l = l->next) {
		memcpy(p, l->text, l->len);
		p += l->len;
	}
	*p = '\0';
	*lenp = len;
	return buf;
}

int
stz_spans(const struct stz_doc *doc, struct stz_span *span)
{
	const struct stz_stanza *st = doc->first;
	unsigned long long off = 0;
	size_t i = 0;

	for (const struct stz_line *l = doc->lines; l && st; l = l->next) {
		if (l == &st->head)
			span[i].at = off;
		off += l->len;
		if (l == st->last) {
			span[i].len = off - span[i].at;
			i++;
			st = st->next;
		}
	}
	return st == NULL ? 0 : -1;
}

/* Under the lock, any temporary file of ours is a killed writer's leftover. */
static void
remove_stale(int dirfd, const char *base)
{
	size_t blen = strlen(base);
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
		const char *n = de->d_name;

		const char *pid;

		if (n[0] != '.' || strncmp(n + 1, base, blen) != 0 ||
		    strncmp(n + 1 + blen, TMP_TAG, strlen(TMP_TAG)) != 0)
			continue;
		pid = n + 1 + blen + strlen(TMP_TAG);
		if (*pid && strspn(pid, "0123456789") == strlen(pid))
			unlinkat(dirfd, n, 0);
	}
	closedir(d);
}

int
stz_replace(const struct stz_file *f, int (*fill)(int fd, void *arg),
	    void *arg, struct stat *written, bool *renamed, struct tp_err *err)
{
	char tmp[512];
	int fd, rc = -1;

	*renamed = false;
	remove_stale(f->dirfd, f->base);
	snprintf(tmp, sizeof(tmp), ".%s%s%ld", f->base, TMP_TAG,
		 (long)getpid());
	fd = openat(f->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
	if (fd == -1)
		return tp_err_set(err, "%s: cannot create temporary file: %s",
				  f->path, strerror(errno));
	errno = 0;
	if (fill(fd, arg) == -1 ||
	    (f->exists && (f->uid != geteuid() || f->gid != getegid()) &&
	     fchown(fd, f->uid, f->gid) == -1) ||
	    fchmod(fd, f->mode) == -1) {
		tp_err_set(err, "%s: writing: %s", f->path,
			   strerror(errno ? errno : EIO));
		unlinkat(f->dirfd, tmp, 0);
	} else if ((rc = tp_replace(f->dirfd, tmp, f->base, fd,
				    renamed)) == -1) {
		/* renamed, but maybe not durable: say so, do not hide it */
		tp_err_set(err, "%s: %s: %s", f->path, *renamed ?
			   "sync directory" : "writing", strerror(errno));
	}
	/* what is there now: this file, after the rename (which changes its
	   ctime), for an index that must say which text it was made from */
	if (rc == 0 && fstat(fd, written) == -1)
		rc = tp_err_set(err, "%s: %s", f->path, strerror(errno));
	if (close(fd) == -1 && rc == 0)
		rc = tp_err_set(err, "%s: writing: %s", f->path,
				strerror(errno));
	return rc;
}

struct text {
	const char *buf;
	size_t len;
};

static int
write_text(int fd, void *arg)
{
	const struct text *t = arg;

	return tp_write_all(fd, t->buf, t->len);
}

int
stz_commit(struct stz_doc *doc, struct tp_err *err)
{
	struct stz_file f = {
		.dirfd = doc->dirfd, .base = doc->base, .path = doc->path,
		.exists = doc->exists, .uid = doc->uid, .gid = doc->gid,
		.mode = doc->mode,
	};
	struct text t;
	bool renamed;
	char *text;
	int rc;

	if (doc->dirfd == -1)
		return tp_err_set(err, "%s: not loaded for writing", doc->path);
	if ((text = stz_text(doc, &t.len)) == NULL)
		return tp_err_set(err, "%s: out of memory", doc->path);
	t.buf = text;
	rc = stz_replace(&f, write_text, &t, &doc->identity, &renamed, err);
	doc->exists |= renamed;
	doc->have_identity = rc == 0;
	free(text);
	return rc;
}
