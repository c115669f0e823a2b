/*
 * stanza.c - read AIX attribute ("stanza") files.
 *
 * Every byte is hostile: the reader is bounded (line length, stanza count,
 * file size), rejects NUL and control bytes so that no value can carry
 * terminal escapes, and reports every error as "file:line: what".  The format
 * is described in tpath-stanza(5).
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"
#include "safeopen.h"
#include "stanza_int.h"

#define CHUNK_MIN	(64 * 1024)	/* first chunk; each next one doubles */
#define CHUNK_MAX	(4 * 1024 * 1024)

struct stz_chunk {
	struct stz_chunk *next;
	size_t used, size;
	max_align_t data[];
};

/* A bump allocator: a document's pieces are freed all at once. */
static void *
arena_alloc(struct stz_doc *doc, size_t size, size_t align)
{
	struct stz_chunk *c = doc->arena;
	size_t at = c ? (c->used + align - 1) & ~(align - 1) : 0;

	if (c == NULL || at > c->size || c->size - at < size) {
		/* small documents stay small; big ones get big chunks */
		size_t next = c == NULL ? CHUNK_MIN : c->size < CHUNK_MAX ?
			      c->size * 2 : CHUNK_MAX;
		size_t want = size > next ? size : next;

		if ((c = malloc(sizeof(*c) + want)) == NULL)
			return NULL;
		tp_prefault(c, sizeof(*c) + want);
		c->used = 0;
		c->size = want;
		c->next = doc->arena;
		doc->arena = c;
		at = 0;
	}
	c->used = at + size;
	return (char *)c->data + at;
}

/* For the document's structs, which hold pointers and sizes only. */
void *
stz_alloc(struct stz_doc *doc, size_t size)
{
	return arena_alloc(doc, size, _Alignof(size_t));
}

char *
stz_alloc_bytes(struct stz_doc *doc, size_t size)
{
	return arena_alloc(doc, size, 1);
}

char *
stz_strndup(struct stz_doc *doc, const char *s, size_t len)
{
	char *p = stz_alloc_bytes(doc, len + 1);

	if (p) {
		memcpy(p, s, len);
		p[len] = '\0';
	}
	return p;
}

struct stz_doc *
stz_doc_new(const char *path)
{
	struct stz_doc *doc = calloc(1, sizeof(*doc));

	if (doc == NULL)
		return NULL;
	doc->dirfd = -1;
	if ((doc->path = strdup(path)) == NULL) {
		free(doc);
		return NULL;
	}
	return doc;
}

void
stz_free(struct stz_doc *doc)
{
	struct stz_chunk *c, *next;

	if (doc == NULL)
		return;
	for (c = doc->arena; c; c = next) {
		next = c->next;
		free(c);
	}
	if (doc->dirfd != -1)
		close(doc->dirfd);	/* releases the lock */
	free(doc->slots);
	free(doc->base);
	free(doc->buf);
	free(doc->path);
	free(doc);
}

int
stz_lerr(const struct stz_doc *doc, unsigned lineno, struct tp_err *err,
	 const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	/* added by the writer, not read from the file; or not a file */
	if (lineno == 0 || doc->unnumbered)
		return tp_err_set(err, "%s: %s", doc->path, what);
	return tp_err_set(err, "%s:%u: %s", doc->path, lineno, what);
}

/* FNV-1a */
static size_t
hash_name(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (size_t)h;
}

/*
 * Open addressing with linear probing; each slot keeps the name's hash, so a
 * probe touches a stanza only when the hashes agree.  A deleted slot keeps
 * its hash with a NULL stanza (a tombstone), so probes go on past it.
 */
static struct stz_slot *
slot_for(const struct stz_doc *doc, const char *name, size_t h)
{
	size_t mask = doc->nslots - 1, i = h & mask;

	for (;; i = (i + 1) & mask) {
		struct stz_slot *s = &doc->slots[i];

		if (s->st == NULL && s->hash == 0)
			return s;			/* never used */
		if (s->st && s->hash == h && strcmp(s->st->name, name) == 0)
			return s;
	}
}

/*
 * Index st by name and append it to the document.  When a stanza of that
 * name exists, it is returned and nothing changes.
 */
struct stz_stanza *
stz_append(struct stz_doc *doc, struct stz_stanza *st, int *nomem)
{
	struct stz_slot *slot;

	*nomem = 0;
	st->hash = hash_name(st->name) | 1;	/* 0 marks an unused slot */
	if ((doc->nused + 1) * 4 > doc->nslots * 3) {
		struct stz_slot *old = doc->slots, *s;
		size_t oldn = doc->nslots, n = 64;

		while ((doc->count + 1) * 2 > n)	/* tombstones are dropped */
			n *= 2;
		if ((doc->slots = calloc(n, sizeof(*s))) == NULL) {
			doc->slots = old;
			*nomem = 1;
			return NULL;
		}
		doc->nslots = n;
		doc->nused = 0;
		for (size_t i = 0; i < oldn; i++) {
			if (old[i].st == NULL)
				continue;
			s = slot_for(doc, old[i].st->name, old[i].hash);
			*s = old[i];
			doc->nused++;
		}
		free(old);
	}
	slot = slot_for(doc, st->name, st->hash);
	if (slot->st)
		return slot->st;
	*slot = (struct stz_slot){ st->hash, st };
	doc->nused++;
	st->next = NULL;
	st->prev = doc->last;
	if (doc->last)
		doc->last->next = st;
	else
		doc->first = st;
	doc->last = st;
	doc->count++;
	return NULL;
}

void
stz_hash_del(struct stz_doc *doc, struct stz_stanza *st)
{
	slot_for(doc, st->name, st->hash)->st = NULL;	/* tombstone */
}

struct stz_stanza *
stz_find(const struct stz_doc *doc, const char *name)
{
	if (doc->nslots == 0)
		return NULL;
	return slot_for(doc, name, hash_name(name) | 1)->st;
}

/*
 * A double-quoted string starting at *pp (the quote).  Decodes \n \t \r \\
 * \" into the arena and leaves *pp after the closing quote.
 */
static char *
parse_quoted(struct stz_doc *doc, const char **pp, const char *end,
	     unsigned lineno, struct tp_err *err)
{
	const char *p = *pp + 1;
	char *out = stz_alloc_bytes(doc, (size_t)(end - p) + 1), *o = out;

	if (out == NULL) {
		tp_err_set(err, "%s: out of memory", doc->path);
		return NULL;
	}
	for (; p < end; p++) {
		if (*p == '"') {
			*o = '\0';
			*pp = p + 1;
			return out;
		}
		if (*p != '\\') {
			*o++ = *p;
			continue;
		}
		if (++p == end)
			break;
		switch (*p) {
		case 'n': *o++ = '\n'; break;
		case 't': *o++ = '\t'; break;
		case 'r': *o++ = '\r'; break;
		case '\\': *o++ = '\\'; break;
		case '"': *o++ = '"'; break;
		default:
			if ((unsigned char)*p < 0x80)
				stz_lerr(doc, lineno, err, "unknown escape "
					 "\"\\%c\" in quoted string", *p);
			else
				stz_lerr(doc, lineno, err, "unknown escape "
					 "in quoted string (backslash before "
					 "byte 0x%02x)", (unsigned char)*p);
			return NULL;
		}
	}
	stz_lerr(doc, lineno, err, "unterminated quoted string");
	return NULL;
}

static const char *
skip_blank(const char *p, const char *end)
{
	while (p < end && stz_isblank(*p))
		p++;
	return p;
}

/* "name:" or "\"quoted name\":" at column 0. */
static char *
parse_header(struct stz_doc *doc, const char *p, const char *end,
	     unsigned lineno, struct tp_err *err)
{
	const char *q;
	char *name;

	if (*p == '"') {
		if ((name = parse_quoted(doc, &p, end, lineno, err)) == NULL)
			return NULL;
		p = skip_blank(p, end);
		if (p == end || *p != ':') {
			stz_lerr(doc, lineno, err, "expected \":\" after quoted "
				 "stanza name");
			return NULL;
		}
		if (skip_blank(p + 1, end) != end) {
			stz_lerr(doc, lineno, err, "unexpected text after "
				 "stanza name");
			return NULL;
		}
		for (q = name; *q; q++) {
			if ((unsigned char)*q < 0x20) {
				stz_lerr(doc, lineno, err, "control character "
					 "in stanza name");
				return NULL;
			}
		}
	} else {
		while (end > p && stz_isblank(end[-1]))
			end--;
		if (end[-1] != ':') {
			stz_lerr(doc, lineno, err, "expected \"name:\" to start "
				 "a stanza (attribute lines are indented)");
			return NULL;
		}
		end--;
		for (q = p; q < end; q++) {
			if (stz_isblank(*q) || *q == '"') {
				stz_lerr(doc, lineno, err, "invalid character "
					 "in stanza name (quote names that "
					 "contain spaces or quotes)");
				return NULL;
			}
		}
		name = stz_strndup(doc, p, (size_t)(end - p));
		if (name == NULL) {
			tp_err_set(err, "%s: out of memory", doc->path);
			return NULL;
		}
	}
	if (*name == '\0') {
		stz_lerr(doc, lineno, err, "empty stanza name");
		return NULL;
	}
	return name;
}

bool
stz_name_start(int c)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool
stz_name_char(int c)
{
	return stz_name_start(c) || (c >= '0' && c <= '9');
}

size_t
stz_name_len(const char *s)
{
	size_t n = 0;

	if (!stz_name_start((unsigned char)*s))
		return 0;
	while (stz_name_char((unsigned char)s[++n]))
		;
	return n;
}

bool
stz_valid_name(const char *s)
{
	size_t n = stz_name_len(s);

	return n > 0 && s[n] == '\0';
}

/* Items of "value, "quoted value", ..." up to end; 0 items for nothing. */
static int
parse_items(struct stz_doc *doc, struct stz_attr *a, const char *p,
	    const char *end, unsigned lineno, struct tp_err *err)
{
	size_t max = 1;
	const char *q;

	for (q = p; q < end; q++)
		max += *q == ',';
	if (max == 1)
		a->items = &a->one;
	else if ((a->items = stz_alloc(doc, max * sizeof(char *))) == NULL)
		return tp_err_set(err, "%s: out of memory", doc->path);
	a->nitems = 0;
	p = skip_blank(p, end);
	if (p == end)
		return 0;
	for (;;) {
		char *item;

		if (p == end || *p == ',')
			return stz_lerr(doc, lineno, err, "empty list item");
		if (*p == '"') {
			item = parse_quoted(doc, &p, end, lineno, err);
			if (item == NULL)
				return -1;
		} else {
			for (q = p; q < end && !stz_isblank(*q) && *q != ',';
			     q++) {
				if (*q == '"')
					return stz_lerr(doc, lineno, err,
						"unexpected quote in unquoted "
						"value");
				if (*q == '\\')
					return stz_lerr(doc, lineno, err,
						"unexpected backslash outside "
						"quotes");
			}
			item = stz_strndup(doc, p, (size_t)(q - p));
			if (item == NULL)
				return tp_err_set(err, "%s: out of memory",
						  doc->path);
			p = q;
		}
		a->items[a->nitems++] = item;
		p = skip_blank(p, end);
		if (p == end)
			return 0;
		if (*p != ',')
			return stz_lerr(doc, lineno, err, "expected \",\" or "
					"end of line after value (quote values "
					"that contain spaces)");
		p = skip_blank(p + 1, end);
	}
}

/* "<blank>name = value" inside stanza st. */
static struct stz_attr *
parse_attr(struct stz_doc *doc, struct stz_stanza *st, const char *p,
	   const char *end, unsigned lineno, struct tp_err *err)
{
	struct stz_attr *a, *old, **tail;
	const char *q;

	for (q = p; q < end && !stz_isblank(*q) && *q != '='; q++)
		;
	if (q == p) {
		stz_lerr(doc, lineno, err, "expected an attribute name");
		return NULL;
	}
	for (const char *c = p; c < q; c++) {
		if (c == p ? !stz_name_start((unsigned char)*c) :
			     !stz_name_char((unsigned char)*c)) {
			stz_lerr(doc, lineno, err, "invalid attribute name "
				 "\"%.*s\"", (int)(q - p), p);
			return NULL;
		}
	}
	if ((a = stz_alloc(doc, sizeof(*a))) != NULL)
		memset(a, 0, sizeof(*a));
	if (a == NULL ||
	    (a->name = stz_strndup(doc, p, (size_t)(q - p))) == NULL) {
		tp_err_set(err, "%s: out of memory", doc->path);
		return NULL;
	}
	q = skip_blank(q, end);
	if (q == end || *q != '=') {
		stz_lerr(doc, lineno, err, "expected \"=\" after \"%s\"",
			 a->name);
		return NULL;
	}
	if (parse_items(doc, a, q + 1, end, lineno, err) == -1)
		return NULL;
	for (tail = &st->attrs; (old = *tail) != NULL; tail = &old->next) {
		if (old->name[0] == a->name[0] && strcmp(old->name, a->name) == 0) {
			stz_lerr(doc, lineno, err, "duplicate attribute \"%s\" "
				 "(first at line %u)", a->name, old->lineno);
			return NULL;
		}
	}
	a->lineno = lineno;
	a->next = NULL;
	*tail = a;
	return a;
}

/*
 * Length of the UTF-8 sequence at p (at most n bytes), or 0 when it is not
 * well-formed (overlong forms and surrogates included).
 */
size_t
stz_utf8_len(const unsigned char *p, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return len;
}

/*
 * Text must be UTF-8 without C0 or C1 control characters, so that no value
 * can carry a terminal escape (ESC, or the 8-bit CSI U+009B).  Tab is
 * allowed; with `escapable`, so are newline and carriage return (the writer
 * escapes them).  Returns NULL, or what is wrong (in why, when formatted).
 */
const char *
stz_bad_text(const char *s, size_t len, bool escapable, char why[32])
{
	const unsigned char *p = (const unsigned char *)s;
	const uint64_t ones = 0x0101010101010101ULL, highs = ones << 7;

	for (size_t i = 0; i < len; i++) {
		unsigned char c;
		uint64_t w;
		size_t n;

		/* Eight printable ASCII bytes at a time: none < 0x20 or > 0x7e. */
		while (i + 8 <= len) {
			memcpy(&w, p + i, 8);
			if (((w - 0x20 * ones) & ~w & highs) ||
			    (((w + ones) | w) & highs))
				break;
			i += 8;
		}
		if (i == len)
			break;
		c = p[i];
		if ((c >= 0x20 && c < 0x7f) || c == '\t' ||
		    (escapable && (c == '\n' || c == '\r')))
			continue;
		if (c == 0)
			return "NUL byte";
		if (c == '\r')
			return "carriage return (DOS line endings are not "
			       "allowed)";
		if (c < 0x80) {
			snprintf(why, 32, "control character 0x%02x", c);
			return why;
		}
		if ((n = stz_utf8_len(p + i, len - i)) == 0)
			return "invalid UTF-8";
		if (c == 0xc2 && p[i + 1] < 0xa0) {
			snprintf(why, 32, "control character U+%04X", p[i + 1]);
			return why;
		}
		i += n - 1;
	}
	return NULL;
}

static int
check_bytes(const struct stz_doc *doc, const char *s, size_t len,
	    unsigned lineno, struct tp_err *err)
{
	char buf[32];
	const char *why;

	if (len > STZ_MAX_LINE)
		return stz_lerr(doc, lineno, err, "line longer than %d bytes",
				STZ_MAX_LINE);
	if ((why = stz_bad_text(s, len, false, buf)) != NULL)
		return stz_lerr(doc, lineno, err, "%s", why);
	return 0;
}

static struct stz_stanza *
add_stanza(struct stz_doc *doc, char *name, unsigned lineno,
	   struct tp_err *err)
{
	struct stz_stanza *st, *old;
	int nomem;

	if (doc->count >= STZ_MAX_STANZAS) {
		stz_lerr(doc, lineno, err, "more than %d stanzas",
			 STZ_MAX_STANZAS);
		return NULL;
	}
	if ((st = stz_alloc(doc, sizeof(*st))) == NULL) {
		tp_err_set(err, "%s: out of memory", doc->path);
		return NULL;
	}
	memset(st, 0, sizeof(*st));
	st->name = name;
	st->lineno = lineno;
	st->last = &st->head;
	if ((old = stz_append(doc, st, &nomem)) != NULL) {
		stz_lerr(doc, lineno, err, "duplicate stanza \"%s\" (first at "
			 "line %u)", name, old->lineno);
		return NULL;
	}
	if (nomem) {
		tp_err_set(err, "%s: out of memory", doc->path);
		return NULL;
	}
	return st;
}

int
stz_parse_into(struct stz_doc *doc, char *buf, size_t len, struct tp_err *err)
{
	struct stz_stanza *cur = NULL;
	const char *p = buf, *end = buf + len;
	unsigned lineno = 0;

	doc->buf = buf;
	doc->buflen = len;
	if (len > STZ_MAX_FILE)
		return tp_err_set(err, "%s: larger than %lu bytes", doc->path,
				  STZ_MAX_FILE);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end, *t;
		struct stz_line *line;
		struct stz_stanza *st;
		struct stz_attr *a;

		lineno++;
		if (check_bytes(doc, p, (size_t)(eol - p), lineno, err) == -1)
			return -1;
		t = skip_blank(p, eol);
		if (t == p && t != eol && *t != '*' && *t != '#') {
			char *name = parse_header(doc, p, eol, lineno, err);

			if (name == NULL)
				return -1;
			if ((st = add_stanza(doc, name, lineno, err)) == NULL)
				return -1;
			line = &st->head;
			cur = st;
		} else if (t != eol && *t != '*' && *t != '#') {
			if (cur == NULL)
				return stz_lerr(doc, lineno, err, "attribute "
						"outside a stanza");
			if ((a = parse_attr(doc, cur, t, eol, lineno, err)) == NULL)
				return -1;
			line = cur->last = &a->line;
		} else {		/* blank or comment */
			if ((line = stz_alloc(doc, sizeof(*line))) == NULL)
				return tp_err_set(err, "%s: out of memory",
						  doc->path);
			if (t == eol)
				cur = NULL;	/* a blank line ends a stanza */
			else if (cur)
				cur->last = line;
		}
		line->text = p;
		line->len = (size_t)(eol - p) + (nl != NULL);
		line->next = NULL;
		line->prev = doc->lines_tail;
		if (doc->lines_tail)
			doc->lines_tail->next = line;
		else
			doc->lines = line;
		doc->lines_tail = line;
		p = eol + (nl != NULL);
	}
	return 0;
}

static struct stz_doc *
parse(const char *name, bool unnumbered, const char *buf, size_t len,
      struct tp_err *err)
{
	struct stz_doc *doc = stz_doc_new(name);
	char *copy = malloc(len + 1);

	if (doc == NULL || copy == NULL) {
		free(copy);
		stz_free(doc);
		tp_err_set(err, "%s: out of memory", name);
		return NULL;
	}
	doc->unnumbered = unnumbered;
	if (len)
		memcpy(copy, buf, len);
	if (stz_parse_into(doc, copy, len, err) == -1) {
		stz_free(doc);
		return NULL;
	}
	return doc;
}

struct stz_doc *
stz_parse(const char *name, const char *buf, size_t len, struct tp_err *err)
{
	return parse(name, false, buf, len, err);
}

struct stz_doc *
stz_parse_snippet(const char *label, const char *buf, size_t len,
		  struct tp_err *err)
{
	return parse(label, true, buf, len, err);
}

struct stz_doc *
stz_load_at(const char *dir, const char *name, unsigned flags,
	    struct tp_err *err)
{
	char path[PATH_MAX];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path)) {
		tp_err_set(err, "%s: path too long", dir);
		return NULL;
	}
	return stz_load(path, flags, err);
}

/* Lock the directory (for a read-modify-write: the last commit is seen). */
int
stz_lock_dir(int dfd, const char *path, struct tp_err *err)
{
	while (flock(dfd, LOCK_EX) == -1)
		if (errno != EINTR)
			return tp_err_set(err, "%s: lock: %s", path,
					  strerror(errno));
	return 0;
}

/*
 * The text of the file base in dfd, checked (root's when flags has
 * STZ_SAFE, a regular file), and what doc must keep of it.  A missing
 * file with STZ_CREATE is empty text.
 */
static int
read_text(struct stz_doc *doc, int dfd, const char *base, const char *path,
	  unsigned flags, char **buf, size_t *len, struct tp_err *err)
{
	struct stat st;
	int fd, rc = -1;

	*buf = NULL;
	*len = 0;
	fd = openat(dfd, base, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC |
		    (flags & STZ_SAFE ? O_NOFOLLOW : 0));
	if (fd == -1 && errno == ENOENT && (flags & STZ_CREATE)) {
		doc->mode = 0644;
		return (*buf = malloc(1)) ? 0 :
		       tp_err_set(err, "%s: out of memory", path);
	}
	if (fd == -1 && errno == ELOOP && (flags & STZ_SAFE))
		return tp_err_set(err, "refusing %s: is a symbolic link", path);
	if (fd == -1)
		return tp_err_set(err, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) == -1)
		tp_err_set(err, "%s: %s", path, strerror(errno));
	else if ((flags & STZ_SAFE) && tp_check_fd(fd, path, err) == -1)
		;			/* err says why */
	else if (!S_ISREG(st.st_mode))
		tp_err_set(err, "%s: not a regular file", path);
	else if (tp_read_all(fd, (size_t)st.st_size, STZ_MAX_FILE, buf,
			     len) == 0)
		rc = 0;
	else if (errno == EFBIG)
		tp_err_set(err, "%s: larger than %lu bytes", path, STZ_MAX_FILE);
	else
		tp_err_set(err, "%s: %s", path, strerror(errno));
	close(fd);
	if (rc == 0) {
		doc->exists = true;
		doc->uid = st.st_uid;
		doc->gid = st.st_gid;
		doc->mode = st.st_mode & 07777;
		doc->have_identity = true;
		doc->identity = st;
	}
	return rc;
}

struct stz_doc *
stz_load(const char *path, unsigned flags, struct tp_err *err)
{
	struct stz_doc *doc;
	char *base = NULL, *buf;
	size_t len;
	int dfd;

	if ((doc = stz_doc_new(path)) == NULL) {
		tp_err_set(err, "%s: out of memory", path);
		return NULL;
	}
	dfd = flags & STZ_SAFE ? tp_open_parent_safe(path, &base, err) :
				 tp_open_parent(path, &base, err);
	if (dfd == -1)
		goto fail;
	if (((flags & STZ_LOCK) && stz_lock_dir(dfd, path, err) == -1) ||
	    read_text(doc, dfd, base, path, flags, &buf, &len, err) == -1 ||
	    stz_parse_into(doc, buf, len, err) == -1)
		goto fail;
	if (flags & STZ_LOCK) {		/* for stz_commit */
		doc->dirfd = dfd;
		doc->base = base;
	} else {
		close(dfd);
		free(base);
	}
	return doc;
fail:
	if (dfd != -1)
		close(dfd);
	free(base);
	stz_free(doc);
	return NULL;
}

int
stz_dirfd(const struct stz_doc *doc)
{
	return doc->dirfd;
}

const char *
stz_read_text(const struct stz_doc *doc, size_t *len)
{
	*len = doc->buflen;
	return doc->buf ? doc->buf : "";
}

const struct stat *
stz_identity(const struct stz_doc *doc)
{
	return doc->have_identity ? &doc->identity : NULL;
}

const char *
stz_path(const struct stz_doc *doc)
{
	return doc->path;
}

size_t
stz_count(const struct stz_doc *doc)
{
	return doc->count;
}

struct stz_stanza *
stz_first(const struct stz_doc *doc)
{
	return doc->first;
}

struct stz_stanza *
stz_next(const struct stz_stanza *st)
{
	return st->next;
}

struct stz_attr *
stz_attr(const struct stz_stanza *st, const char *name)
{
	struct stz_attr *a;

	for (a = st->attrs; a; a = a->next)
		if (strcmp(a->name, name) == 0)
			return a;
	return NULL;
}

struct stz_attr *
stz_lookup(const struct stz_doc *doc, const struct stz_stanza *st,
	   const char *name)
{
	struct stz_attr *a = st ? stz_attr(st, name) : NULL;
	struct stz_stanza *def;

	if (a == NULL && (def = stz_find(doc, STZ_DEFAULT)) != NULL)
		a = stz_attr(def, name);
	return a;
}
