/*
 * dpkg.c - read what dpkg records of an installed package.
 *
 * Threats: a file of dpkg's that someone other than root could have
 * written (each is opened safely: root's, not writable by others, no
 * symbolic link), and lines that are not what dpkg writes (a digest that
 * is not 32 hex digits, a path that is not absolute: refused, never
 * guessed at).  The files are read whole; the lines are cut in place.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dpkg.h"
#include "files.h"
#include "safeopen.h"

#define DPKG_MAX	(512u << 20)	/* bytes of one file of dpkg's */

/* admindir/name whole into *text; 1 when it does not exist. */
static int
read_file(const char *admindir, const char *name, char **text,
	  struct tp_err *err)
{
	char path[4096];
	size_t len;
	int fd, rc;

	*text = NULL;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", admindir, name) >=
	    sizeof(path))
		return tp_err_set(err, "%s/%s: name too long", admindir, name);
	if ((fd = tp_open_safe(path, NULL, err)) == -1)
		return errno == ENOENT ? 1 : -1;
	rc = tp_read_all(fd, 0, DPKG_MAX, text, &len);
	close(fd);
	if (rc == -1)
		return tp_err_set(err, "%s: %s", path, strerror(errno));
	if (strlen(*text) != len) {
		free(*text);
		*text = NULL;
		return tp_err_set(err, "%s: a NUL byte: not dpkg's", path);
	}
	return 0;
}

/* The next line of *at (cut in place), or NULL at the end. */
static char *
next_line(char **at)
{
	char *line = *at, *nl;

	if (line == NULL || *line == '\0')
		return NULL;
	if ((nl = strchr(line, '\n')) != NULL) {
		*nl = '\0';
		*at = nl + 1;
	} else {
		*at = line + strlen(line);
	}
	return line;
}

/* The value of "Field: value" when line is that field, else NULL. */
static const char *
field(const char *line, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(line, name, n) != 0 || line[n] != ':')
		return NULL;
	line += n + 1;
	return line + strspn(line, " \t");
}

struct status {
	const char *package, *version, *arch;
	enum tcb_dpkg_state state;
	bool same;
};

/*
 * The state word of "Status: want flag state": installed, also when only
 * triggers are due; gone when only conffiles (or nothing) are left; busy
 * in between (unpacked, half-installed, half-configured), when dpkg has
 * not finished and the files are not yet what the package says.
 */
static enum tcb_dpkg_state
state_of(const char *status)
{
	const char *w = strrchr(status, ' ');

	w = w ? w + 1 : status;
	if (strcmp(w, "installed") == 0 || strcmp(w, "triggers-awaited") == 0 ||
	    strcmp(w, "triggers-pending") == 0)
		return TCB_DPKG_INSTALLED;
	if (strcmp(w, "not-installed") == 0 || strcmp(w, "config-files") == 0)
		return TCB_DPKG_GONE;
	return TCB_DPKG_BUSY;
}

/* The next stanza of the status file at *at; false at the end. */
static bool
next_stanza(char **at, struct status *s)
{
	char *line;
	const char *v;

	*s = (struct status){ 0 };
	while ((line = next_line(at)) != NULL && *line == '\0')
		;
	if (line == NULL)
		return false;
	do {
		if ((v = field(line, "Package")) != NULL)
			s->package = v;
		else if ((v = field(line, "Status")) != NULL)
			s->state = state_of(v);
		else if ((v = field(line, "Version")) != NULL)
			s->version = v;
		else if ((v = field(line, "Architecture")) != NULL)
			s->arch = v;
		else if ((v = field(line, "Multi-Arch")) != NULL)
			s->same = strcmp(v, "same") == 0;
	} while ((line = next_line(at)) != NULL && *line != '\0');
	return true;
}

static bool
usable(const struct status *s)
{
	return s->package && s->version && s->state == TCB_DPKG_INSTALLED;
}

/* The status stanza of the installed package name; 1 when there is none. */
static int
find_status(char *text, const char *name, struct status *out)
{
	char *at = text;

	while (next_stanza(&at, out))
		if (usable(out) && strcmp(out->package, name) == 0)
			return 0;
	return 1;
}

static int
hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ?
	       c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* "<32 hex>  relative/path": the digest and the path made absolute. */
static int
parse_sum(char *line, struct tcb_pkg_sum *s)
{
	for (int i = 0; i < TP_MD5_LEN; i++) {
		int hi = hexval((unsigned char)line[2 * i]);
		int lo = hi < 0 ? -1 : hexval((unsigned char)line[2 * i + 1]);

		if (lo < 0)
			return -1;
		s->md5[i] = (unsigned char)(hi << 4 | lo);
	}
	if (line[32] != ' ' || line[33] != ' ' || line[34] == '\0')
		return -1;
	/* dpkg writes the path without its leading '/': keep one byte */
	line[33] = '/';
	s->path = line + (line[34] == '/' ? 34 : 33);
	return 0;
}

static int
by_path(const void *a, const void *b)
{
	return strcmp(((const struct tcb_pkg_sum *)a)->path,
		      ((const struct tcb_pkg_sum *)b)->path);
}

/* The non-empty lines of text (cut in place) into a new array. */
static int
split_lines(char *text, char ***out, size_t *n, struct tp_err *err)
{
	size_t cap = 0;
	char *at = text, *line, **v = NULL, **nv;

	*n = 0;
	while ((line = next_line(&at)) != NULL) {
		if (*line == '\0')
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 64;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL) {
				free(v);
				return tp_err_set(err, "out of memory");
			}
			v = nv;
		}
		v[(*n)++] = line;
	}
	*out = v;
	return 0;
}

/* A list of absolute paths (conffiles: the path among flag words such as
 * "remove-on-upgrade" before it or "obsolete" after it). */
static int
load_paths(char *text, char ***out, size_t *n, bool conf, const char *what,
	   struct tp_err *err)
{
	if (split_lines(text, out, n, err) == -1)
		return -1;
	for (size_t i = 0; i < *n; i++) {
		char *line = (*out)[i];

		while (conf && *line != '/' && strchr(line, ' '))
			line = strchr(line, ' ') + 1;
		(*out)[i] = line;
		if (*line != '/') {
			tp_err_set(err, "%s: \"%.40s\": not an absolute path",
				   what, line);
			free(*out);
			*out = NULL;
			return -1;
		}
		if (conf && strchr(line, ' '))
			*strchr(line, ' ') = '\0';
	}
	return 0;
}

static int
load_sums(struct tcb_pkg *p, char *text, const char *what,
	  struct tp_err *err)
{
	char **lines;
	size_t n;

	if (split_lines(text, &lines, &n, err) == -1)
		return -1;
	if ((p->sums = calloc(n ? n : 1, sizeof(*p->sums))) == NULL) {
		free(lines);
		return tp_err_set(err, "out of memory");
	}
	for (size_t i = 0; i < n; i++)
		if (parse_sum(lines[i], &p->sums[i]) == -1) {
			tp_err_set(err, "%s: \"%.60s\": not a line of md5sums",
				   what, lines[i]);
			free(lines);
			return -1;
		}
	free(lines);
	p->nsums = n;
	qsort(p->sums, n, sizeof(*p->sums), by_path);
	return 0;
}

/* info/BASE.suffix of the package: 0, 1 when missing, -1. */
static int
read_info(const char *admindir, const char *base, const char *suffix,
	  char **text, char *what, size_t wlen, struct tp_err *err)
{
	snprintf(what, wlen, "info/%s.%s", base, suffix);
	return read_file(admindir, what, text, err);
}

int
tcb_pkg_load(const char *admindir, const char *name, struct tcb_pkg *p,
	     struct tp_err *err)
{
	char base[512], what[600];
	struct status st;
	int rc;

	memset(p, 0, sizeof(*p));
	if (admindir == NULL)
		admindir = TCB_DPKG_ADMINDIR;
	if (*name == '\0' || strchr(name, '/') || strlen(name) > 200)
		return tp_err_set(err, "\"%.200s\": not a package name", name);
	if ((rc = read_file(admindir, "status", &p->text[0], err)) != 0)
		return rc == 1 ? tp_err_set(err, "%s/status: missing",
					    admindir) : -1;
	if (find_status(p->text[0], name, &st) == 1) {
		tcb_pkg_free(p);
		tp_err_set(err, "%s: not an installed package", name);
		return 1;
	}
	/* Multi-Arch: same packages have info files named name:arch */
	snprintf(base, sizeof(base), "%s%s%s", name, st.same ? ":" : "",
		 st.same && st.arch ? st.arch : "");
	if ((p->name = strdup(name)) == NULL ||
	    (p->version = strdup(st.version)) == NULL) {
		tcb_pkg_free(p);
		return tp_err_set(err, "out of memory");
	}
	free(p->text[0]);	/* the status file: nothing points into it */
	p->text[0] = NULL;
	if ((rc = read_info(admindir, base, "list", &p->text[1], what,
			    sizeof(what), err)) != 0) {
		if (rc == 1)
			tp_err_set(err, "%s/%s: missing", admindir, what);
		goto fail;
	}
	if (load_paths(p->text[1], &p->files, &p->nfiles, false, what,
		       err) == -1)
		goto fail;
	if ((rc = read_info(admindir, base, "md5sums", &p->text[2], what,
			    sizeof(what), err)) == -1 ||
	    (rc == 0 && load_sums(p, p->text[2], what, err) == -1))
		goto fail;
	if ((rc = read_info(admindir, base, "conffiles", &p->text[3], what,
			    sizeof(what), err)) == -1 ||
	    (rc == 0 && load_paths(p->text[3], &p->conffiles, &p->nconffiles,
				   true, what, err) == -1))
		goto fail;
	return 0;
fail:
	tcb_pkg_free(p);
	return -1;
}

void
tcb_pkg_free(struct tcb_pkg *p)
{
	free(p->name);
	free(p->version);
	free(p->files);
	free(p->sums);
	free(p->conffiles);
	for (size_t i = 0; i < sizeof(p->text) / sizeof(p->text[0]); i++)
		free(p->text[i]);
	memset(p, 0, sizeof(*p));
}

const unsigned char *
tcb_pkg_md5(const struct tcb_pkg *p, const char *path)
{
	struct tcb_pkg_sum key = { .path = path }, *hit;

	if (p->nsums == 0)
		return NULL;
	hit = bsearch(&key, p->sums, p->nsums, sizeof(*p->sums), by_path);
	return hit ? hit->md5 : NULL;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(((const struct tcb_dpkg_pkg *)a)->name,
		      ((const struct tcb_dpkg_pkg *)b)->name);
}

int
tcb_dpkg_installed(const char *admindir, struct tcb_dpkg *d,
		   struct tp_err *err)
{
	struct status s;
	size_t cap = 0;
	char *at;
	int rc;

	memset(d, 0, sizeof(*d));
	if (admindir == NULL)
		admindir = TCB_DPKG_ADMINDIR;
	if ((rc = read_file(admindir, "status", &d->text, err)) != 0)
		return rc == 1 ? tp_err_set(err, "%s/status: missing",
					    admindir) : -1;
	at = d->text;
	while (next_stanza(&at, &s)) {
		struct tcb_dpkg_pkg *np;

		if (s.package == NULL)
			continue;
		if (d->n == cap) {
			cap = cap ? 2 * cap : 1024;
			if ((np = realloc(d->pkgs, cap * sizeof(*np))) == NULL) {
				tcb_dpkg_free(d);
				return tp_err_set(err, "out of memory");
			}
			d->pkgs = np;
		}
		/* no status, or installed with no version: not judged */
		if (s.state == 0 || (s.state == TCB_DPKG_INSTALLED &&
				     s.version == NULL))
			s.state = TCB_DPKG_BUSY;
		d->pkgs[d->n++] = (struct tcb_dpkg_pkg){ s.package, s.version,
							 s.state };
	}
	if (d->n)
		qsort(d->pkgs, d->n, sizeof(*d->pkgs), by_name);
	return 0;
}

enum tcb_dpkg_state
tcb_dpkg_state(const struct tcb_dpkg *d, const char *name,
	       const char **version)
{
	struct tcb_dpkg_pkg key = { name, NULL, 0 }, *hit, *end;
	enum tcb_dpkg_state st = TCB_DPKG_ABSENT;

	*version = NULL;
	if (d->n == 0 || (hit = bsearch(&key, d->pkgs, d->n, sizeof(*d->pkgs),
					by_name)) == NULL)
		return TCB_DPKG_ABSENT;
	/* every stanza of the name (one per architecture): busy if any is,
	   installed if one is */
	while (hit > d->pkgs && strcmp(hit[-1].name, name) == 0)
		hit--;
	for (end = d->pkgs + d->n; hit < end && strcmp(hit->name, name) == 0;
	     hit++) {
		if (hit->state == TCB_DPKG_BUSY)
			return TCB_DPKG_BUSY;
		if (hit->state == TCB_DPKG_INSTALLED) {
			if (*version && strcmp(*version, hit->version) != 0)
				return TCB_DPKG_BUSY;	/* versions differ */
			*version = hit->version;
			st = TCB_DPKG_INSTALLED;
		} else if (st == TCB_DPKG_ABSENT) {
			st = TCB_DPKG_GONE;
		}
	}
	return st;
}

void
tcb_dpkg_free(struct tcb_dpkg *d)
{
	free(d->pkgs);
	free(d->text);
	memset(d, 0, sizeof(*d));
}

bool
tcb_pkg_is_conffile(const struct tcb_pkg *p, const char *path)
{
	for (size_t i = 0; i < p->nconffiles; i++)
		if (strcmp(p->conffiles[i], path) == 0)
			return true;
	return false;
}

/* A name looked for in the file lists: qs[k].i is its index in paths. */
struct query {
	const char *name;
	size_t i;
};

static int
by_query(const void *a, const void *b)
{
	return strcmp(((const struct query *)a)->name,
		      ((const struct query *)b)->name);
}

/* Each line of a file list that is a name asked for: its owner is pkg. */
static int
match_list(char *text, const char *pkg, const struct query *qs, size_t nq,
	   char **owners, struct tp_err *err)
{
	char *at = text, *line;

	while ((line = next_line(&at)) != NULL) {
		struct query key = { .name = line }, *hit;

		if ((hit = bsearch(&key, qs, nq, sizeof(*qs), by_query)) == NULL)
			continue;
		/* every query of the name (a path asked for twice) */
		while (hit > qs && strcmp(hit[-1].name, line) == 0)
			hit--;
		for (; hit < qs + nq && strcmp(hit->name, line) == 0; hit++)
			if (owners[hit->i] == NULL &&
			    (owners[hit->i] = strdup(pkg)) == NULL)
				return tp_err_set(err, "out of memory");
	}
	return 0;
}

int
tcb_dpkg_owners(const char *admindir, const char *const *paths, size_t n,
		char **owners, struct tp_err *err)
{
	struct query *qs = calloc(2 * n + 1, sizeof(*qs));
	char dir[4096], name[300], *text;
	size_t nq = 0;
	struct dirent *de;
	int rc = 0;
	DIR *d;

	if (admindir == NULL)
		admindir = TCB_DPKG_ADMINDIR;
	if (qs == NULL)
		return tp_err_set(err, "out of memory");
	for (size_t i = 0; i < n; i++) {
		owners[i] = NULL;
		qs[nq++] = (struct query){ paths[i], i };
		/* merged /usr: dpkg may name /usr/bin/x as /bin/x */
		if (strncmp(paths[i], "/usr/", 5) == 0)
			qs[nq++] = (struct query){ paths[i] + 4, i };
	}
	qsort(qs, nq, sizeof(*qs), by_query);
	snprintf(dir, sizeof(dir), "%s/info", admindir);
	if ((d = opendir(dir)) == NULL) {
		free(qs);
		return tp_err_set(err, "%s: %s", dir, strerror(errno));
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		char *colon;

		if (len < 6 || len >= sizeof(name) - 6 ||
		    strcmp(de->d_name + len - 5, ".list") != 0)
			continue;
		snprintf(name, sizeof(name), "info/%s", de->d_name);
		if ((rc = read_file(admindir, name, &text, err)) != 0) {
			rc = rc == 1 ? 0 : -1;	/* gone meanwhile: no owner */
			continue;
		}
		/* "pkg.list" or "pkg:arch.list" */
		snprintf(name, sizeof(name), "%.*s", (int)(len - 5),
			 de->d_name);
		if ((colon = strchr(name, ':')) != NULL)
			*colon = '\0';
		rc = match_list(text, name, qs, nq, owners, err);
		free(text);
	}
	closedir(d);
	free(qs);
	if (rc == -1)
		for (size_t i = 0; i < n; i++) {
			free(owners[i]);
			owners[i] = NULL;
		}
	return rc;
}
