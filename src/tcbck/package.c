/*
 * package.c - tcbck -a --package: record the files of installed packages.
 *
 * Threats: content that dpkg did not write being recorded as the package's
 * (a binary replaced after installation).  Each regular file is read once
 * for both its trusted digest and the MD5 compared with dpkg's md5sums, so
 * what is recorded is what matched; a file that does not match, or that
 * dpkg has no digest of, is refused and reported, and the others are
 * recorded.  Conffiles are configuration: recorded without their content.
 */
#include <err.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "audit.h"
#include "dpkg.h"
#include "files.h"
#include "hashcache.h"
#include "parallel.h"
#include "tcbck.h"

/* A conffile whose entry pins its content (the administrator recorded it
 * as an ordinary file, with a hash and no package, tcbck(8)): the entry is
 * left as it is. */
static bool
pinned_conffile(struct tcb_db *db, const char *f)
{
	char *canon = tp_path_canonical(f);
	const struct tcb_entry *e = canon ? tcb_db_find_exact(db, canon) :
					    NULL;

	free(canon);
	return e && (e->have & TCB_HAS_HASH) && e->package == NULL;
}

/* A file of the package (a new entry flagged TCB if trust): recorded (1),
 * refused (0), a pinned conffile left alone (2), or fatal (-1). */
static int
add_file(struct tcb_db *db, const struct tcb_pkg *p, const char *f,
	 char *const *assigns, size_t na, bool trust, const char **recorded,
	 struct tp_err *e)
{
	struct tcb_evidence ev = { .package = p->name, .version = p->version,
				   .trust = trust };
	const unsigned char *md5 = tcb_pkg_md5(p, f);
	struct tcb_entry *en;

	if ((ev.conffile = tcb_pkg_is_conffile(p, f)) && pinned_conffile(db, f))
		return 2;
	if ((ev.have_md5 = md5 != NULL))
		memcpy(ev.md5, md5, sizeof(ev.md5));
	if ((en = tcb_record_from(db, f, assigns, na, &ev, e)) != NULL) {
		*recorded = en->path;
		return 1;
	}
	return ev.refused ? 0 : -1;
}

/* Files hashed on every core before they are recorded one by one: the
 * recording finds each in the hash cache. */
struct prehash {
	const char **files;
	bool md5;
};

static void
prehash_one(void *ctx, size_t i)
{
	const struct prehash *h = ctx;
	const char *f = h->files[i];
	unsigned char md5[TP_MD5_LEN];
	struct tp_digest d;
	struct tp_err e;
	struct stat sb;
	int fd = tp_open_regular(f, &sb);

	if (fd == -1)
		return;		/* the recording says why */
	(void)(h->md5 ? tcb_hash_cached_md5(fd, &sb, TP_HASH_SHA256, &d, md5,
					    f, &e) :
	       tcb_hash_cached(fd, &sb, TP_HASH_SHA256, &d, f, &e));
	close(fd);
}

void
prehash_files(const struct tcbck *t, const char **files, size_t n, bool md5)
{
	struct prehash h = { files, md5 };

	tp_parallel(n, t->jobs, prehash_one, &h);
}

/* The content files (listed, with a digest) of p[0..n). */
static void
prehash(const struct tcbck *t, const struct tcb_pkg *p, size_t n)
{
	const char **files;
	size_t total = 0, k = 0;

	for (size_t i = 0; i < n; i++)
		total += p[i].nfiles;
	if ((files = calloc(total + 1, sizeof(*files))) == NULL)
		return;		/* slower, not wrong */
	/* the package's files (its list) that have a digest: what md5sums
	   names beside them is not the package's, and is never read */
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < p[i].nfiles; j++)
			if (tcb_pkg_md5(&p[i], p[i].files[j]) &&
			    !tcb_pkg_is_conffile(&p[i], p[i].files[j]))
				files[k++] = p[i].files[j];
	prehash_files(t, files, k, true);
	free(files);
}

/* The files of package p recorded; the names recorded appended to
 * *done; returns how many were refused. */
static unsigned
add_package(struct tcbck *t, const struct tcb_pkg *p, char *const *assigns,
	    size_t na, const char ***done, size_t *ndone, size_t *cap)
{
	unsigned refused = 0;
	const char **nd;
	struct tp_err e;

	for (size_t k = 0; k < p->nfiles; k++) {
		const char *f = p->files[k];
		struct stat sb;
		int rc;

		/* directories, and the links to them (merged /usr's /bin),
		   are the system's, not the package's */
		if (stat(f, &sb) == 0 && S_ISDIR(sb.st_mode))
			continue;
		if (lstat(f, &sb) == -1) {
			warnx("%s: of package %s %s, %s: not recorded", f,
			      p->name, p->version, strerror(errno));
			refused++;
			continue;
		}
		if (*ndone == *cap) {
			*cap = *cap ? 2 * *cap : 256;
			if ((nd = realloc(*done, *cap * sizeof(**done))) == NULL)
				err(EXIT_USAGE, "out of memory");
			*done = nd;
		}
		rc = add_file(&t->db, p, f, assigns, na, false,
			      &(*done)[*ndone], &e);
		if (rc == -1)
			errx(EXIT_USAGE, "%s", e.msg);
		if (rc == 0) {
			warnx("%s", e.msg);
			refused++;
		} else if (rc == 1) {
			(*ndone)++;
		}
	}
	return refused;
}

static int
by_pkg_name(const void *a, const void *b)
{
	return strcmp(((const struct tcb_pkg *)a)->name,
		      ((const struct tcb_pkg *)b)->name);
}

int
cmd_add_packages(struct tcbck *t, const char *confdir, char **argv, int argc)
{
	char **assigns = calloc((size_t)argc + 1, sizeof(char *));
	struct tcb_pkg *p = calloc((size_t)argc + 1, sizeof(*p));
	const char **done = NULL;
	size_t na = 0, np = 0, ndone = 0, cap = 0;
	unsigned refused = 0;
	struct tp_err e;

	if (assigns == NULL || p == NULL)
		err(EXIT_USAGE, "out of memory");
	for (int i = 0; i < argc; i++)
		if (tcbck_is_assign(argv[i]))
			assigns[na++] = argv[i];
	if (na == (size_t)argc)
		errx(EXIT_USAGE, "--package: no package named");
	if (tcb_db_load(&t->db, confdir, STZ_LOCK | STZ_CREATE, &e) == -1)
		errx(EXIT_USAGE, "%s", e.msg);
	for (int i = 0; i < argc; i++) {
		if (tcbck_is_assign(argv[i]))
			continue;
		if (tcb_pkg_load(NULL, argv[i], &p[np], &e) != 0) {
			warnx("%s", e.msg);
			refused++;
			continue;
		}
		np++;
	}
	/* in the order of their names, not of the command line: the same
	   packages make the same database on every machine */
	if (np > 1)
		qsort(p, np, sizeof(*p), by_pkg_name);
	prehash(t, p, np);
	for (size_t i = 0; i < np; i++) {
		refused += add_package(t, &p[i], assigns, na, &done, &ndone,
				       &cap);
		tcb_pkg_free(&p[i]);
	}
	if (ndone > 0 && tcb_db_commit(&t->db, &e) == -1)
		errx(EXIT_USAGE, "%s", e.msg);
	for (size_t i = 0; i < ndone; i++)
		tp_audit_event(TP_EV_DB_ADD, true, "path", done[i], NULL);
	free(done);
	free(p);
	free(assigns);
	return refused ? EXIT_MISMATCH : 0;
}

/* --sync: what was done, for the exit status and the summary. */
struct sync_counts {
	unsigned added, deleted, refused;
};

static void
note_change(const char *path, const char *what, const struct tcb_pkg *p,
	    const char *name)
{
	syslog(LOG_AUTHPRIV | LOG_NOTICE, "%s: %s (package %s%s%s)", path,
	       what, name, p ? " " : "", p ? p->version : "");
}

/* An entry of a package, as the database had it before --sync. */
struct held {
	char *package, *version, *path;
};

static int
by_package(const void *a, const void *b)
{
	return strcmp(((const struct held *)a)->package,
		      ((const struct held *)b)->package);
}

/*
 * The package has programs (regular files with an execute bit) and every
 * one is flagged TCB, but those that run other programs, which chtcb on
 * refuses: a new program of the package is flagged then too.
 */
static bool
all_trusted(const struct tcbck *t, const struct held *h, size_t n)
{
	const struct tcb_db *db = &t->db;
	unsigned programs = 0, flagged = 0;

	for (size_t k = 0; k < n; k++) {
		const struct tcb_entry *e = tcb_db_find_exact(db, h[k].path);

		if (e && e->type == TCB_FILE && (e->mode & 0111) &&
		    ((e->mode & STZ_MODE_TCB) ||
		     tcb_escape_reason(&t->esc, e->path) == NULL)) {
			programs++;
			flagged += (e->mode & STZ_MODE_TCB) != 0;
		}
	}
	return programs > 0 && flagged == programs;
}

static int
by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Is path among canon[0..n) (sorted, no NULL)? */
static bool
listed(char *const *canon, size_t n, const char *path)
{
	return n > 0 && bsearch(&path, canon, n, sizeof(*canon),
				by_string) != NULL;
}

/* A program not yet recorded that runs other programs: it is recorded,
 * never trusted by itself (chtcb -f on does that), and said so. */
static bool
new_escape(struct tcbck *t, const char *canon)
{
	const char *why;

	if (canon == NULL)
		return true;	/* not known not to be one: not trusted */
	if (tcb_db_find_exact(&t->db, canon) != NULL ||
	    (why = tcb_escape_reason(&t->esc, canon)) == NULL)
		return false;
	warnx("%s: runs other programs (%s): recorded, not flagged TCB "
	      "(chtcb -f on to trust it)", canon, why);
	return true;
}

/* The installed package's files recorded again; canon[k]: each file's
 * name as recorded (NULL for a directory). */
static void
record_again(struct tcbck *t, const struct tcb_pkg *p, bool trusted,
	     char **canon, struct sync_counts *c)
{
	struct tp_err e;

	for (size_t k = 0; k < p->nfiles; k++) {
		const char *f = p->files[k], *done;
		struct stat sb;
		int rc;

		if (stat(f, &sb) == 0 && S_ISDIR(sb.st_mode))
			continue;
		canon[k] = tp_path_canonical(f);
		if (lstat(f, &sb) == -1)
			continue;	/* gone: a finding of -n, not ours */
		rc = add_file(&t->db, p, f, NULL, 0, trusted &&
			      !new_escape(t, canon[k]), &done, &e);
		if (rc == -1)
			errx(EXIT_USAGE, "%s", e.msg);
		if (rc == 2)
			continue;
		if (rc == 0) {
			/* loud: tsh refuses the old entry's file now */
			warnx("%s", e.msg);
			tp_audit_event(TP_EV_DB_MISMATCH, false, "path", f,
				       "package", p->name, NULL);
			c->refused++;
			continue;
		}
		tp_audit_event(TP_EV_DB_ADD, true, "path", done, "package",
			       p->name, NULL);
		note_change(done, "recorded", p, p->name);
		c->added++;
	}
}

/* One package's entries h[0..n) in step with dpkg (p: NULL when it is no
 * longer installed). */
static void
sync_package(struct tcbck *t, const struct held *h, size_t n,
	     const struct tcb_pkg *p, struct sync_counts *c)
{
	char **canon = NULL;
	size_t ncanon = 0;

	if (p != NULL) {
		if ((canon = calloc(p->nfiles + 1, sizeof(*canon))) == NULL)
			err(EXIT_USAGE, "out of memory");
		prehash(t, p, 1);
		record_again(t, p, all_trusted(t, h, n), canon, c);
		for (size_t k = 0; k < p->nfiles; k++)	/* the names, sorted */
			if (canon[k])
				canon[ncanon++] = canon[k];
		qsort(canon, ncanon, sizeof(*canon), by_string);
	}
	/* entries of files the package no longer has, or of a package gone */
	for (size_t k = 0; k < n; k++) {
		struct tcb_entry *en = tcb_db_find_exact(&t->db, h[k].path);

		if (en == NULL || (p && listed(canon, ncanon, h[k].path)))
			continue;
		tcb_delete(&t->db, en);
		tp_audit_event(TP_EV_DB_DELETE, true, "path", h[k].path,
			       "package", h[k].package, NULL);
		note_change(h[k].path, "deleted", p, h[k].package);
		c->deleted++;
	}
	for (size_t k = 0; k < ncanon; k++)
		free(canon[k]);
	free(canon);
}

/* The entries that have a package, copied, sorted by package. */
static struct held *
held_entries(const struct tcb_db *db, size_t *n)
{
	struct held *h = NULL, *nh;
	size_t cap = 0;

	*n = 0;
	for (struct tcb_entry *e = tcb_db_next(db, NULL); e;
	     e = tcb_db_next(db, e)) {
		if (e->package == NULL)
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 1024;
			if ((nh = realloc(h, cap * sizeof(*h))) == NULL)
				err(EXIT_USAGE, "out of memory");
			h = nh;
		}
		h[*n] = (struct held){ strdup(e->package), strdup(e->version),
				       strdup(e->path) };
		if (!h[*n].package || !h[*n].version || !h[*n].path)
			err(EXIT_USAGE, "out of memory");
		(*n)++;
	}
	if (*n)
		qsort(h, *n, sizeof(*h), by_package);
	return h;
}

/* A group of one package's entries: must it be looked at?  Not when dpkg
 * has the version they all have. */
static bool
behind(const struct held *h, size_t n, const char *installed)
{
	if (installed == NULL)
		return true;
	for (size_t k = 0; k < n; k++)
		if (strcmp(h[k].version, installed) != 0)
			return true;
	return false;
}

long
entries_behind(const struct tcb_db *db, struct tp_err *err)
{
	struct tcb_entry *e = tcb_db_next(db, NULL);
	struct tcb_dpkg d;
	const char *inst;
	long n = 0;

	while (e && e->package == NULL)
		e = tcb_db_next(db, e);
	if (e == NULL)
		return 0;		/* no package: dpkg need not be read */
	if (tcb_dpkg_installed(NULL, &d, err) == -1)
		return -1;
	for (; e; e = tcb_db_next(db, e))
		if (e->package && tcb_dpkg_state(&d, e->package, &inst) ==
		    TCB_DPKG_INSTALLED && strcmp(e->version, inst) != 0)
			n++;
	tcb_dpkg_free(&d);
	return n;
}

int
cmd_sync(struct tcbck *t, const char *confdir)
{
	struct sync_counts c = { 0 };
	struct tcb_dpkg d;
	struct held *h;
	size_t n, i, j;
	struct tp_err e;

	if (tcb_db_load(&t->db, confdir, STZ_LOCK, &e) == -1 ||
	    tcb_escapes_load(&t->esc, confdir, &e) == -1 ||
	    tcb_dpkg_installed(NULL, &d, &e) == -1)
		errx(EXIT_USAGE, "%s", e.msg);
	h = held_entries(&t->db, &n);
	for (i = 0; i < n; i = j) {
		const char *inst;
		enum tcb_dpkg_state st = tcb_dpkg_state(&d, h[i].package,
							 &inst);
		struct tcb_pkg p;
		int rc;

		for (j = i + 1; j < n && strcmp(h[j].package, h[i].package) ==
		     0; j++)
			;
		/* dpkg not done with it (apt's --unpack, then --configure):
		   the next run, when it is, brings it in step */
		if (st == TCB_DPKG_BUSY)
			continue;
		if (st == TCB_DPKG_INSTALLED && !behind(h + i, j - i, inst))
			continue;
		if (st != TCB_DPKG_INSTALLED) {
			sync_package(t, h + i, j - i, NULL, &c);
			continue;
		}
		if ((rc = tcb_pkg_load(NULL, h[i].package, &p, &e)) != 0) {
			/* fail closed: what cannot be read changes nothing */
			warnx("%s", e.msg);
			c.refused++;
			continue;
		}
		sync_package(t, h + i, j - i, &p, &c);
		tcb_pkg_free(&p);
	}
	if ((c.added || c.deleted) && tcb_db_commit(&t->db, &e) == -1)
		errx(EXIT_USAGE, "%s", e.msg);
	for (i = 0; i < n; i++) {
		free(h[i].package);
		free(h[i].version);
		free(h[i].path);
	}
	free(h);
	tcb_dpkg_free(&d);
	if (!t->quiet && (c.added || c.deleted || c.refused))
		fprintf(stderr, "tcbck: packages in step: %u entries recorded, "
			"%u deleted, %u refused\n", c.added, c.deleted,
			c.refused);
	return c.refused ? EXIT_MISMATCH : 0;
}
