/*
 * origin.c - where the content of a changed file came from: dpkg wrote it
 * (an upgrade the database is not yet in step with), no package wrote it
 * (tampered), or the file is of no package.
 *
 * dpkg's MD5 of the file (its md5sums) is the evidence, as for --sync; it
 * only explains the finding, and never makes the content trusted.  The
 * content is read again through a descriptor opened without following a
 * symbolic link, after the check: what is explained is what is there now.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dpkg.h"
#include "files.h"
#include "tcbck.h"

struct changed {
	struct finding *x;
	const struct tcb_entry *e;
	char *owner;		/* the package of an entry without one */
};

static const char *
package_of(const struct changed *c)
{
	return c->e->package ? c->e->package : c->owner;
}

static int
by_package(const void *a, const void *b)
{
	const char *pa = package_of(a), *pb = package_of(b);

	return !pa || !pb ? (pa != NULL) - (pb != NULL) : strcmp(pa, pb);
}

/* The MD5 of the regular file's content now; -1 when it cannot be read. */
static int
md5_now(const char *path, unsigned char md5[TP_MD5_LEN])
{
	struct tp_digest d;
	struct tp_err e;
	struct stat sb;
	int fd = tp_open_regular(path, &sb), rc;

	if (fd == -1)
		return -1;
	rc = tp_hash_fd_md5(fd, TP_HASH_SHA256, &d, md5, path, &e);
	close(fd);
	return rc;
}

/* dpkg's digest of the recorded file, by its name or merged /usr's. */
static const unsigned char *
dpkg_md5(const struct tcb_pkg *p, const char *path)
{
	const unsigned char *m = tcb_pkg_md5(p, path);

	if (m == NULL && strncmp(path, "/usr/", 5) == 0)
		m = tcb_pkg_md5(p, path + 4);
	return m;
}

/* What dpkg says of a group's package, for explain(). */
struct pkg_view {
	const char *name;		/* NULL: the file is of no package */
	const struct tcb_pkg *p;	/* loaded when installed */
	enum tcb_dpkg_state state;
	const char *unreadable;		/* why dpkg's record was not read */
};

static void
explain(struct changed *c, const struct pkg_view *v)
{
	struct finding *x = c->x;
	size_t len = strlen(x->text);
	unsigned char now[TP_MD5_LEN];
	const unsigned char *m = v->p ? dpkg_md5(v->p, c->e->path) : NULL;
	char *at = x->text + len;
	size_t room = sizeof(x->text) - len;
	/* --sync follows only entries recorded with their package */
	const char *next = c->e->package ? "tcbck --sync" : "tcbck -a";

	if (v->unreadable) {
		x->origin = "unknown";
		snprintf(at, room, "; %s", v->unreadable);
		return;
	}
	if (v->name == NULL) {
		x->origin = "no-package";
		snprintf(at, room, "; of no package: nothing says where the "
			 "content came from");
		return;
	}
	snprintf(x->package, sizeof(x->package), "%s%s%s", v->name,
		 v->p ? " " : "", v->p ? v->p->version : "");
	if (v->state == TCB_DPKG_BUSY) {
		x->origin = "unknown";
		snprintf(at, room, "; dpkg has not finished with package %s",
			 v->name);
	} else if (v->p == NULL) {
		x->origin = "no-package";
		snprintf(at, room, "; its package %s is not installed%s",
			 v->name, c->e->package ? " (tcbck --sync deletes its "
			 "entries)" : "");
	} else if (m == NULL) {
		x->origin = "unknown";
		snprintf(at, room, "; package %s %s has no digest of it",
			 v->p->name, v->p->version);
	} else if (md5_now(c->e->path, now) == -1) {
		x->origin = "unknown";
		snprintf(at, room, "; it cannot be read now");
	} else if (memcmp(now, m, TP_MD5_LEN) == 0) {
		x->origin = "package";
		snprintf(at, room, "; dpkg wrote it (package %s %s): not yet "
			 "in step (%s)", v->p->name, v->p->version, next);
	} else {
		x->origin = "tampered";
		snprintf(at, room, "; does not match package %s %s: not what "
			 "dpkg wrote", v->p->name, v->p->version);
	}
}

/* The owners of the changed files recorded without a package: 0, or -1
 * with err when dpkg's lists cannot be read. */
static int
find_owners(struct changed *c, size_t n, struct tp_err *err)
{
	const char **paths = calloc(n + 1, sizeof(*paths));
	char **owners = calloc(n + 1, sizeof(*owners));
	size_t k = 0;
	int rc = -1;

	if (paths == NULL || owners == NULL)
		tp_err_set(err, "out of memory");
	else {
		for (size_t i = 0; i < n; i++)
			if (c[i].e->package == NULL)
				paths[k++] = c[i].e->path;
		if (k == 0 ||
		    (rc = tcb_dpkg_owners(NULL, paths, k, owners, err)) == 0)
			for (size_t i = 0, j = 0; i < n && k; i++)
				if (c[i].e->package == NULL)
					c[i].owner = owners[j++];
		rc = k == 0 ? 0 : rc;
	}
	free(paths);
	free(owners);
	return rc;
}

void
explain_changes(struct tcb_entry **e, size_t n, struct findings *f)
{
	struct changed *c = NULL, *nc;
	size_t nchanged = 0, cap = 0, i, j;
	struct tcb_dpkg d = { 0 };
	struct tp_err derr;

	for (i = 0; i < n; i++)
		for (struct finding *x = f[i].head; x; x = x->next) {
			if (strcmp(x->what, "hash") != 0 || x->fixed)
				continue;
			if (nchanged == cap) {
				cap = cap ? 2 * cap : 16;
				if ((nc = realloc(c, cap * sizeof(*c))) == NULL)
					goto out;
				c = nc;
			}
			c[nchanged++] = (struct changed){ x, e[i], NULL };
		}
	if (nchanged == 0)
		goto out;
	/* what cannot be read explains nothing: said, for every one */
	if (tcb_dpkg_installed(NULL, &d, &derr) == -1 ||
	    find_owners(c, nchanged, &derr) == -1) {
		struct pkg_view v = { .unreadable = derr.msg };

		for (i = 0; i < nchanged; i++)
			explain(&c[i], &v);
		goto out;
	}
	qsort(c, nchanged, sizeof(*c), by_package);
	for (i = 0; i < nchanged; i = j) {
		struct pkg_view v = { .name = package_of(&c[i]) };
		const char *version;
		struct tcb_pkg p;
		struct tp_err err;
		int rc = 1;

		for (j = i + 1; j < nchanged && by_package(&c[i], &c[j]) == 0;
		     j++)
			;
		if (v.name)
			v.state = tcb_dpkg_state(&d, v.name, &version);
		if (v.state == TCB_DPKG_INSTALLED &&
		    (rc = tcb_pkg_load(NULL, v.name, &p, &err)) == -1)
			v.unreadable = err.msg;
		v.p = rc == 0 ? &p : NULL;
		for (size_t k = i; k < j; k++)
			explain(&c[k], &v);
		if (rc == 0)
			tcb_pkg_free(&p);
	}
out:
	tcb_dpkg_free(&d);
	for (i = 0; i < nchanged; i++)
		free(c[i].owner);
	free(c);
}
