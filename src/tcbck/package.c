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

#include "audit.h"
#include "dpkg.h"
#include "tcbck.h"

/* A file of the package: recorded (1), refused (0), or fatal (-1). */
static int
add_file(struct tcb_db *db, const struct tcb_pkg *p, const char *f,
	 char *const *assigns, size_t na, const char **recorded,
	 struct tp_err *e)
{
	struct tcb_evidence ev = { .package = p->name, .version = p->version };
	const unsigned char *md5 = tcb_pkg_md5(p, f);
	struct tcb_entry *en;

	ev.conffile = tcb_pkg_is_conffile(p, f);
	if ((ev.have_md5 = md5 != NULL))
		memcpy(ev.md5, md5, sizeof(ev.md5));
	if ((en = tcb_record_from(db, f, assigns, na, &ev, e)) != NULL) {
		*recorded = en->path;
		return 1;
	}
	return ev.refused ? 0 : -1;
}

int
cmd_add_packages(struct tcbck *t, const char *confdir, char **argv, int argc)
{
	char **assigns = calloc((size_t)argc + 1, sizeof(char *));
	const char **done = NULL, **nd;
	size_t na = 0, ndone = 0, cap = 0;
	unsigned refused = 0;
	struct tcb_pkg p;
	struct tp_err e;

	if (assigns == NULL)
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
		if (tcb_pkg_load(NULL, argv[i], &p, &e) == -1) {
			warnx("%s", e.msg);
			refused++;
			continue;
		}
		for (size_t k = 0; k < p.nfiles; k++) {
			const char *f = p.files[k];
			struct stat sb;
			int rc;

			/* directories, and the links to them (merged /usr's
			   /bin), are the system's, not the package's */
			if (stat(f, &sb) == 0 && S_ISDIR(sb.st_mode))
				continue;
			if (lstat(f, &sb) == -1) {
				warnx("%s: of package %s %s, %s: not recorded",
				      f, p.name, p.version, strerror(errno));
				refused++;
				continue;
			}
			if (ndone == cap) {
				cap = cap ? 2 * cap : 256;
				if ((nd = realloc(done, cap * sizeof(*done))) ==
				    NULL)
					err(EXIT_USAGE, "out of memory");
				done = nd;
			}
			rc = add_file(&t->db, &p, f, assigns, na, &done[ndone],
				      &e);
			if (rc == -1)
				errx(EXIT_USAGE, "%s", e.msg);
			if (rc == 0) {
				warnx("%s", e.msg);
				refused++;
			} else {
				ndone++;
			}
		}
		tcb_pkg_free(&p);
	}
	if (ndone > 0 && tcb_db_commit(&t->db, &e) == -1)
		errx(EXIT_USAGE, "%s", e.msg);
	for (size_t i = 0; i < ndone; i++)
		tp_audit_event(TP_EV_DB_ADD, true, "path", done[i], NULL);
	free(done);
	free(assigns);
	return refused ? EXIT_MISMATCH : 0;
}
