/*
 * tcbdb.c - the trusted-file database (sysck.cfg) over the stanza core.
 *
 * Every program that decides what is trusted reads the database through
 * here, so it is checked in one place: the file must be root's (safe open),
 * every attribute known and well-formed, every path absolute.  One bad entry
 * refuses the whole database: a trusted shell must not run on a database
 * that might not say what the administrator meant.
 */
#include <acl/libacl.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/acl.h>
#include <unistd.h>

#include "files.h"
#include "ids.h"
#include "safeopen.h"
#include "tcbdb_int.h"
#include "tcbindex.h"
#include "tcbdb.h"

static const char *const known_attrs[] = {
	"type", "owner", "group", "mode", "class", "links", "symlinks",
	"target", "size", "hash", "acl", "program", "source", "package",
	"version", NULL,
};

static const struct {
	const char *name;
	enum tcb_type type;
} types[] = {
	{ "FILE", TCB_FILE }, { "DIRECTORY", TCB_DIRECTORY },
	{ "FIFO", TCB_FIFO }, { "SYMLINK", TCB_SYMLINK },
	{ "BLK_DEV", TCB_BLK_DEV }, { "CHAR_DEV", TCB_CHAR_DEV },
};

const char *
tcb_type_name(enum tcb_type t)
{
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i].type == t)
			return types[i].name;
	return "SOCKET";
}

enum tcb_type
tcb_type_of(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFREG: return TCB_FILE;
	case S_IFDIR: return TCB_DIRECTORY;
	case S_IFIFO: return TCB_FIFO;
	case S_IFLNK: return TCB_SYMLINK;
	case S_IFBLK: return TCB_BLK_DEV;
	case S_IFCHR: return TCB_CHAR_DEV;
	default: return 0;
	}
}

static int
absolute_list(struct stz_doc *doc, const struct stz_attr *a,
	      struct tp_err *err)
{
	for (unsigned i = 0; i < a->nitems; i++) {
		if (a->items[i][0] != '/')
			return stz_lerr_attr(doc, a, err, "expected absolute "
					     "paths, not \"%s\"", a->items[i]);
		for (unsigned j = 0; j < i; j++)
			if (strcmp(a->items[i], a->items[j]) == 0)
				return stz_lerr_attr(doc, a, err, "\"%s\" is "
						     "listed twice", a->items[i]);
	}
	return 0;
}

enum attr_index {
	A_TYPE, A_OWNER, A_GROUP, A_MODE, A_CLASS, A_LINKS, A_SYMLINKS,
	A_TARGET, A_SIZE, A_HASH, A_ACL, A_PROGRAM, A_SOURCE, A_PACKAGE,
	A_VERSION,
};	/* the order of known_attrs[] */

static int
parse_single(struct stz_doc *doc, const struct stz_attr *a, int which,
	     struct tcb_entry *e, struct tp_err *err)
{
	unsigned long long v;
	const char *s, *why;
	size_t i;

	if (stz_get_string(doc, a, &s, err) == -1)
		return -1;
	switch (which) {
	case A_TYPE:
		for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			if (strcasecmp(s, types[i].name) == 0)
				break;
		if (i == sizeof(types) / sizeof(types[0]))
			return stz_lerr_attr(doc, a, err, "expected FILE, "
					     "DIRECTORY, FIFO, SYMLINK, BLK_DEV "
					     "or CHAR_DEV");
		e->type = types[i].type;
		e->have |= TCB_HAS_TYPE;
		break;
	case A_OWNER:
	case A_GROUP: {
		bool user = which == A_OWNER;
		int rc = user ? tcb_parse_user(s, &e->owner) :
			 tcb_parse_group(s, &e->group);

		if (rc == 1)
			return stz_lerr_attr(doc, a, err, "no %s \"%s\"",
					     user ? "user" : "group", s);
		if (rc == -1)
			return stz_lerr_attr(doc, a, err, "cannot look up \"%s\": "
					     "%s", s, strerror(errno));
		e->have |= user ? TCB_HAS_OWNER : TCB_HAS_GROUP;
		break;
	}
	case A_SIZE:
		if (strcasecmp(s, "VOLATILE") == 0)
			e->size_volatile = true;
		else if (stz_parse_uint(s, 0, LLONG_MAX, &v) == 0)
			e->size = v;
		else
			return stz_lerr_attr(doc, a, err, "expected a size in "
					     "bytes or VOLATILE");
		e->have |= TCB_HAS_SIZE;
		break;
	case A_HASH:
		if (tp_hash_parse(s, &e->hash, &why) == -1)
			return stz_lerr_attr(doc, a, err, "%s", why);
		e->have |= TCB_HAS_HASH;
		break;
	case A_TARGET:
		e->target = s;
		e->have |= TCB_HAS_TARGET;
		break;
	case A_PACKAGE:
		e->package = s;
		break;
	case A_VERSION:
		e->version = s;
		break;
	}
	return 0;
}

/* One attribute of stanza `in` (its own or from default:) into e. */
static int
parse_attr(struct stz_doc *doc, const struct stz_stanza *in,
	   const struct stz_attr *a, struct tcb_entry *e, struct tp_err *err)
{
	int which;

	for (which = 0; known_attrs[which]; which++)
		if (a->name[0] == known_attrs[which][0] &&
		    strcmp(a->name, known_attrs[which]) == 0)
			break;
	switch (which) {
	case A_CLASS:
		e->classes = a->items;
		e->nclasses = a->nitems;
		return 0;
	case A_LINKS:
		e->links = a->items;
		e->nlinks = a->nitems;
		return absolute_list(doc, a, err);
	case A_SYMLINKS:
		e->symlinks = a->items;
		e->nsymlinks = a->nitems;
		return absolute_list(doc, a, err);
	case A_PROGRAM:
		e->program = a->items;
		e->nprogram = a->nitems;
		if (a->nitems == 0 || a->items[0][0] != '/')
			return stz_lerr_attr(doc, a, err, "expected the checking "
					     "program's absolute path first");
		return 0;
	case A_SOURCE:
		if (a->nitems > 1)
			return stz_lerr_attr(doc, a, err, "expected one path "
					     "or nothing");
		e->source = a->nitems ? a->items[0] : "";
		if (*e->source && *e->source != '/')
			return stz_lerr_attr(doc, a, err, "expected an "
					     "absolute path");
		e->have |= TCB_HAS_SOURCE;
		return 0;
	case A_MODE:
		if (stz_get_mode(doc, a, &e->mode, err) == -1)
			return -1;
		e->have |= TCB_HAS_MODE;
		return 0;
	case A_ACL: {
		/* ACL text has commas: the list is the ACL's entries */
		acl_t acl;

		if ((e->acl = stz_join(doc, a, ',')) == NULL)
			return tp_err_set(err, "out of memory");
		if ((acl = acl_from_text(e->acl)) == NULL || acl_valid(acl) != 0) {
			if (acl)
				acl_free(acl);
			return stz_lerr_attr(doc, a, err, "not a valid POSIX "
					     "ACL");
		}
		acl_free(acl);
		e->have |= TCB_HAS_ACL;
		return 0;
	}
	case A_TYPE: case A_OWNER: case A_GROUP: case A_SIZE: case A_HASH:
	case A_TARGET: case A_PACKAGE: case A_VERSION:
		return parse_single(doc, a, which, e, err);
	default:
		return stz_lerr(doc, a->lineno, err, "unknown attribute \"%s\" "
				"in stanza \"%s\"", a->name, in->name);
	}
}

/* def: the document's default: stanza, looked up once by the caller. */
static int
entry_parse(struct stz_doc *doc, const struct stz_stanza *def,
	    struct stz_stanza *st, struct tcb_entry *e, struct tp_err *err)
{
	memset(e, 0, sizeof(*e));
	e->path = st->name;
	e->lineno = st->lineno;
	e->st = st;
	e->doc = doc;
	if (st->name[0] != '/')
		return stz_lerr(doc, st->lineno, err, "stanza \"%s\": expected "
				"an absolute path", st->name);
	/* its own attributes, then those of default: it lacks */
	for (struct stz_attr *a = st->attrs; a; a = a->next)
		if (parse_attr(doc, st, a, e, err) == -1)
			return -1;
	if (def && def != st) {
		for (struct stz_attr *a = def->attrs; a; a = a->next)
			if (stz_attr(st, a->name) == NULL &&
			    parse_attr(doc, def, a, e, err) == -1)
				return -1;
	}
	if ((e->have & TCB_HAS_TARGET) && e->type != TCB_SYMLINK)
		return stz_lerr(doc, st->lineno, err, "stanza \"%s\": target "
				"is only for type SYMLINK", st->name);
	if ((e->version != NULL) != (e->package != NULL))
		return stz_lerr(doc, st->lineno, err, "stanza \"%s\": package "
				"and version go together", st->name);
	return 0;
}

int
tcb_entry_parse(struct stz_doc *doc, struct stz_stanza *st,
		struct tcb_entry *e, struct tp_err *err)
{
	return entry_parse(doc, stz_find(doc, STZ_DEFAULT), st, e, err);
}

struct tcb_added {
	struct tcb_added *next;
	struct tcb_entry e;
};

/*
 * The index, if it is the text's: 0 (db->index set), 1 when the text must
 * be read (no index, another text's, no text), -1 when the text or the
 * index is refused.  The text is opened as stz_load(STZ_SAFE) opens it;
 * the index keeps it, to read the stanzas from.
 */
static int
open_index(struct tcb_db *db, struct tp_err *err)
{
	char *base = NULL;
	struct stat id;
	int dfd, fd, rc = 1;

	if ((dfd = tp_open_parent_safe(db->path, &base, err)) == -1)
		return -1;
	fd = openat(dfd, base, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	free(base);
	if (fd != -1)
		rc = tp_check_fd(fd, db->path, err) == -1 ? -1 :
		     fstat(fd, &id) == -1 ? 1 : 0;
	if (rc == 0 && (db->index = calloc(1, sizeof(*db->index))) == NULL)
		rc = tp_err_set(err, "out of memory");
	else if (rc == 0 &&
		 (rc = tcb_index_open(db->index, dfd, &id, err)) != 0) {
		free(db->index);
		db->index = NULL;
	}
	if (rc == 0)
		db->index->text = fd;	/* the stanzas are read from it */
	else if (fd != -1)
		close(fd);
	close(dfd);
	return rc;
}

/* Root, having read the text whole: its index, if the one there is not. */
static void
refresh_index(const struct tcb_db *db)
{
	const struct stat *id = stz_identity(db->doc);
	struct tcb_index x;
	struct tp_err err;
	char *base = NULL;
	int dfd;

	if (geteuid() != 0 || id == NULL ||
	    (dfd = tp_open_parent_safe(db->path, &base, &err)) == -1)
		return;
	free(base);
	if (tcb_index_open(&x, dfd, id, &err) == 0)
		tcb_index_close(&x);
	else	/* the old one stays if this fails: stale, so never used */
		(void)tcb_index_write(dfd, db->doc, id, false, &err);
	close(dfd);
}

int
tcb_db_load(struct tcb_db *db, const char *confdir, unsigned flags,
	    struct tp_err *err)
{
	struct stz_stanza *st, *def;
	unsigned version;
	size_t i = 0;
	int rc;

	memset(db, 0, sizeof(*db));
	if (asprintf(&db->path, "%s/%s", confdir, TCB_DB_FILE) == -1) {
		db->path = NULL;
		return tp_err_set(err, "out of memory");
	}
	if ((flags & TCB_DB_LOOKUP) && (flags & STZ_LOCK) &&
	    (rc = tcb_edit_open(db, err)) != 1) {
		if (rc == 0)
			return 0;
		goto fail;
	}
	if ((flags & TCB_DB_LOOKUP) && !(flags & STZ_LOCK) &&
	    (rc = open_index(db, err)) != 1) {
		if (rc == 0)
			return 0;
		goto fail;
	}
	db->doc = stz_load(db->path, STZ_SAFE | (flags & ~TCB_DB_LOOKUP),
			   err);
	if (db->doc == NULL)
		goto fail;
	version = stz_version(db->doc, TCB_DB_FILE);
	if (version > TCB_DB_VERSION) {
		tp_err_set(err, "%s: format version %u is newer than this "
			   "program reads (%d)", db->path, version,
			   TCB_DB_VERSION);
		goto fail;
	}
	def = stz_find(db->doc, STZ_DEFAULT);
	for (struct stz_attr *a = def ? def->attrs : NULL; a; a = a->next) {
		struct tcb_entry unused;	/* fail closed: check them all */

		memset(&unused, 0, sizeof(unused));
		if (parse_attr(db->doc, def, a, &unused, err) == -1)
			goto fail;
	}
	db->entries = calloc(stz_count(db->doc) + 1, sizeof(*db->entries));
	if (db->entries == NULL) {
		tp_err_set(err, "%s: out of memory", db->path);
		goto fail;
	}
	for (st = stz_first(db->doc); st; st = stz_next(st)) {
		if (st == def)
			continue;
		if (entry_parse(db->doc, def, st, &db->entries[i], err) == -1)
			goto fail;
		st->data = &db->entries[i++];
	}
	if (!(flags & STZ_LOCK))	/* a writer's commit writes it */
		refresh_index(db);
	return 0;
fail:
	tcb_db_free(db);
	return -1;
}

void
tcb_db_free(struct tcb_db *db)
{
	struct tcb_added *a, *next;
	struct tcb_looked *l, *lnext;

	for (a = db->added; a; a = next) {
		next = a->next;
		free(a);
	}
	for (l = db->looked; l; l = lnext) {
		lnext = l->next;
		stz_free(l->doc);
		free(l->text);
		free(l);
	}
	tcb_edit_free(db);
	if (db->index) {
		tcb_index_close(db->index);
		free(db->index);
	}
	stz_free(db->doc);
	free(db->entries);
	free(db->path);
	memset(db, 0, sizeof(*db));
}

struct tcb_entry *
tcb_db_next(const struct tcb_db *db, const struct tcb_entry *e)
{
	struct stz_stanza *st;

	if (db->index)
		return NULL;		/* looked up one by one */
	st = e ? stz_next(e->st) : stz_first(db->doc);

	while (st && st->data == NULL)		/* default: */
		st = stz_next(st);
	return st ? st->data : NULL;
}

/*
 * Is doc, as read through the index, st (and default: if def) alone, and
 * st's text the bytes read, neither more nor fewer?  (A damaged index
 * that is the text's cannot make part of a stanza pass for it, nor one
 * stanza carry another.)
 */
static bool
just(const struct stz_doc *doc, const struct stz_stanza *st,
     const char *read, size_t rlen, bool def)
{
	size_t len;
	char *text = stz_stanza_text(st, &len);
	bool same = text && stz_count(doc) == 1u + def &&
		    (len == rlen || (len == rlen + 1 && rlen > 0 &&
				     read[rlen - 1] != '\n')) &&
		    memcmp(text, read, rlen) == 0;

	free(text);
	return same;
}

/*
 * path's entry from the index: its stanza (with default:) parsed alone,
 * and kept until the database is freed.  One that does not parse is no
 * entry (fail closed: a damaged index trusts nothing).
 */
static struct tcb_entry *
looked_up(const struct tcb_db *cdb, const char *path)
{
	struct tcb_db *db = (struct tcb_db *)cdb;  /* remembers lookups */
	struct tcb_index_at where;
	struct tcb_looked *l;
	struct stz_stanza *st;
	struct tp_err err;
	size_t len;
	char *text;

	for (l = db->looked; l; l = l->next)
		if (strcmp(l->e.path, path) == 0)
			return &l->e;
	if (tcb_index_text(db->index, path, &text, &len, &where) != 0)
		return NULL;
	if ((l = calloc(1, sizeof(*l))) == NULL ||
	    (l->doc = stz_parse(db->path, text, len, &err)) == NULL ||
	    (st = stz_find(l->doc, path)) == NULL ||
	    !just(l->doc, st, text + where.start, len - where.start,
		  where.start > 0) ||
	    tcb_entry_parse(l->doc, st, &l->e, &err) == -1) {
		if (l)
			stz_free(l->doc);
		free(l);
		free(text);
		return NULL;
	}
	/* as it was, for a writer that changes it (tcbedit.c) */
	l->text = text;
	l->len = len;
	l->at = where;
	if ((l->e.have & TCB_HAS_HASH) &&
	    tcb_index_proof(db->index, path, &l->proof) == 0 &&
	    tp_digest_equal(&l->proof.digest, &l->e.hash))
		l->e.proof = &l->proof;
	st->data = &l->e;
	l->next = db->looked;
	db->looked = l;
	return &l->e;
}

struct tcb_entry *
tcb_db_find_exact(const struct tcb_db *db, const char *path)
{
	struct stz_stanza *st;
	struct tcb_entry *e;

	/* in the index, or else (changing it) among the entries added */
	if (db->index && ((e = looked_up(db, path)) != NULL || !db->doc))
		return e;
	if (db->doc == NULL)
		return NULL;
	st = stz_find(db->doc, path);
	return st ? st->data : NULL;
}

struct tcb_entry *
tcb_db_find(const struct tcb_db *db, const char *path)
{
	struct tcb_entry *e = tcb_db_find_exact(db, path);
	char *canon;

	/* as recorded: the directory resolved, a final symlink not */
	if (e == NULL && (canon = tp_path_canonical(path)) != NULL) {
		e = tcb_db_find_exact(db, canon);
		free(canon);
	}
	return e;
}

/* The entry of a stanza that has none yet. */
static struct tcb_entry *
new_entry(struct tcb_db *db, struct stz_stanza *st)
{
	struct tcb_added *a = calloc(1, sizeof(*a));

	if (a == NULL)
		return NULL;
	a->next = db->added;
	db->added = a;
	st->data = &a->e;
	return &a->e;
}

struct tcb_entry *
tcb_entry_for(struct tcb_db *db, struct stz_stanza *st, struct tp_err *err)
{
	struct tcb_entry tmp, *e = st->data;

	/* check before allocating, so a bad value leaves no entry behind */
	if (tcb_entry_parse(e ? e->doc : db->doc, st, &tmp, err) == -1)
		return NULL;
	if (e == NULL && (e = new_entry(db, st)) == NULL) {
		tp_err_set(err, "out of memory");
		return NULL;
	}
	*e = tmp;
	return e;
}

struct tcb_entry *
tcb_copy_stanza(struct tcb_db *db, struct stz_doc *from,
		struct stz_stanza *src, struct tp_err *err)
{
	struct stz_stanza *st = stz_find(db->doc, src->name);
	struct tcb_entry check;

	if (tcb_entry_parse(from, src, &check, err) == -1)
		return NULL;
	if (st == NULL && (st = stz_add_stanza(db->doc, src->name, err)) == NULL)
		return NULL;
	/* the values in force in FILE: its default: stanza included */
	for (const char *const *k = known_attrs; *k; k++) {
		struct stz_attr *a = stz_lookup(from, src, *k);

		if (a && stz_set(db->doc, st, a->name,
				 (const char *const *)a->items, a->nitems,
				 err) == -1)
			return NULL;
	}
	return tcb_entry_for(db, st, err);
}

void
tcb_delete(struct tcb_db *db, struct tcb_entry *e)
{
	e->st->data = NULL;
	stz_delete_stanza(db->doc, e->st);
}

size_t
tcb_db_count(const struct tcb_db *db)
{
	if (db->index)			/* looked up, or changed, through it */
		return 0;
	return stz_count(db->doc) - (stz_find(db->doc, STZ_DEFAULT) != NULL);
}

int
tcb_db_digest(const struct tcb_db *db, struct tp_digest *out,
	      struct tp_err *err)
{
	const char *text;
	size_t len;

	if (db->index)
		return tp_err_set(err, "%s: looked up in its index, not read",
				  db->path);
	text = stz_read_text(db->doc, &len);
	return tp_hash_mem(text, len, TP_HASH_SHA256, out, db->path, err);
}

bool
tcb_entry_in_class(const struct tcb_entry *e, const char *class)
{
	for (unsigned i = 0; i < e->nclasses; i++)
		if (strcmp(e->classes[i], class) == 0)
			return true;
	return false;
}

int
tcb_db_commit(struct tcb_db *db, struct tp_err *err)
{
	const struct stat *id;
	struct tp_err ignored;

	if (db->edit)
		return tcb_edit_commit(db, err);
	if (stz_set_version(db->doc, TCB_DB_FILE, TCB_DB_VERSION, err) == -1 ||
	    stz_commit(db->doc, err) == -1)
		return -1;
	/* the text is in place: now its index (a writer killed before it
	   is done leaves the old one, another text's: never used) */
	if ((id = stz_identity(db->doc)) != NULL)
		(void)tcb_index_write(stz_dirfd(db->doc), db->doc, id, true,
				      &ignored);
	return 0;
}

bool
tcb_entry_trusted(const struct tcb_entry *e, const char **why)
{
	const char *no = NULL;

	if (e == NULL || !(e->mode & STZ_MODE_TCB))
		no = "not a trusted program";
	else if (!(e->have & TCB_HAS_HASH) || e->size_volatile)
		/* nothing pins its content: it cannot be vouched for */
		no = "not a trusted program (its content is not recorded: no "
		     "hash, or size VOLATILE)";
	if (why)
		*why = no;
	return no == NULL;
}
