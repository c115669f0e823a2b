/*
 * dpkg.h - what dpkg records of an installed package: its version, its
 * files, the MD5 digest of each file's content as dpkg wrote it, and its
 * conffiles (the admin directory's status and info/PKG.{list,md5sums,
 * conffiles}, the files debsums reads).
 *
 * dpkg's digest is evidence of where content came from, never trust: the
 * database keeps its own SHA-256 of content that matched it.
 */
#ifndef TPATH_DPKG_H
#define TPATH_DPKG_H

#include <stdbool.h>
#include <stddef.h>

#include "hash.h"
#include "tperr.h"

#define TCB_DPKG_ADMINDIR	"/var/lib/dpkg"

struct tcb_pkg_sum {
	const char *path;		/* absolute, as dpkg names it */
	unsigned char md5[TP_MD5_LEN];
};

struct tcb_pkg {
	char *name, *version;
	char **files;			/* info/PKG.list, as dpkg names them */
	size_t nfiles;
	struct tcb_pkg_sum *sums;	/* info/PKG.md5sums, sorted by path */
	size_t nsums;
	char **conffiles;		/* info/PKG.conffiles */
	size_t nconffiles;
	char *text[4];			/* the files read (the strings above) */
};

/*
 * The installed package name (held, or with triggers due, too) of admindir
 * (NULL: TCB_DPKG_ADMINDIR).  Its files must be root's and not writable
 * by others.  1 (and err says so) when it is not installed, -1 with err
 * when what dpkg has of it cannot be read or is not what dpkg writes.
 */
int tcb_pkg_load(const char *admindir, const char *name, struct tcb_pkg *p,
		 struct tp_err *err);
void tcb_pkg_free(struct tcb_pkg *p);
/* dpkg's digest of path (as the list names it), or NULL. */
const unsigned char *tcb_pkg_md5(const struct tcb_pkg *p, const char *path);
bool tcb_pkg_is_conffile(const struct tcb_pkg *p, const char *path);

/* Every package dpkg knows, its version and state, from the status file
 * once. */
enum tcb_dpkg_state {
	TCB_DPKG_ABSENT = 1,	/* not in the status file */
	TCB_DPKG_GONE,		/* removed: nothing, or only conffiles, left */
	TCB_DPKG_BUSY,		/* dpkg is between unpack and configure */
	TCB_DPKG_INSTALLED,	/* installed (triggers due or not, any want) */
};
struct tcb_dpkg_pkg {
	const char *name, *version;
	enum tcb_dpkg_state state;
};
struct tcb_dpkg {
	struct tcb_dpkg_pkg *pkgs;	/* sorted by name */
	size_t n;
	char *text;
};
int tcb_dpkg_installed(const char *admindir, struct tcb_dpkg *d,
		       struct tp_err *err);
/* The state of name; *version its installed version when installed. */
enum tcb_dpkg_state tcb_dpkg_state(const struct tcb_dpkg *d, const char *name,
				   const char **version);
void tcb_dpkg_free(struct tcb_dpkg *d);

/*
 * Which package's file list names each of paths[0..n) (a file as the
 * database records it, or as dpkg names a file of merged /usr, without
 * "/usr"): owners[i] the package's name (malloc'd), or NULL for a file of
 * no package.  -1 with err when the lists cannot be read.
 */
int tcb_dpkg_owners(const char *admindir, const char *const *paths, size_t n,
		    char **owners, struct tp_err *err);

#endif
