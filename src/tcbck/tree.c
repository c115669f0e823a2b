/*
 * tree.c - the tree walk: files that are not registered but should be
 * (set-ID programs, devices outside /dev, files and directories in the
 * system's directories that others may write), and other names of
 * registered files that the database does not list.
 *
 * Each file meets the rules in order, until one has the last word (see
 * `rules` below).  A fix (-t only) is made on the inode walked: the file
 * is opened without following a symlink and compared with what nftw saw,
 * so a file swapped in since is left alone.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include "files.h"
#include "tcbck.h"

struct tree_walk {
	struct tcbck *t;
	struct findings *out;
	dev_t last_dev;		/* the file system of the last directory */
	bool pseudo;		/* ... and whether it is a pseudo one */
};

/*
 * nftw(3) passes its callback no argument of ours: the walk in progress is
 * this one pointer.  tcbck walks one tree at a time, on one thread.
 */
static struct tree_walk *walking;

/* What a rule says of a file. */
enum verdict {
	NEXT_RULE,		/* nothing final: the next rule looks */
	DONE,			/* nothing more to say of this file */
	SKIP_BELOW,		/* a directory not to walk into */
};

struct rule {
	const char *name;
	enum verdict (*judge)(struct tree_walk *w, const char *path,
			      const struct stat *sb, int flag,
			      const struct FTW *ftw);
};

const char *const system_dirs[] = {
	"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/usr",
	"/etc", "/boot", "/opt", NULL,
};

static bool
listed(char **list, unsigned n, const char *path)
{
	for (unsigned i = 0; i < n; i++)
		if (strcmp(list[i], path) == 0)
			return true;
	return false;
}

static bool
in_system_dir(const char *path)
{
	for (const char *const *d = system_dirs; *d; d++) {
		size_t l = strlen(*d);

		if (strncmp(path, *d, l) == 0 && (path[l] == '/' ||
						  path[l] == '\0'))
			return true;
	}
	return false;
}

/* Pseudo file systems hold no files to check (and /proc is huge). */
static bool
is_pseudo(const char *path)
{
	struct statfs fs;

	if (statfs(path, &fs) == -1)
		return false;
	switch (fs.f_type) {
	case PROC_SUPER_MAGIC: case SYSFS_MAGIC: case DEVPTS_SUPER_MAGIC:
	case CGROUP_SUPER_MAGIC: case CGROUP2_SUPER_MAGIC:
	case DEBUGFS_MAGIC: case SECURITYFS_MAGIC: case TRACEFS_MAGIC:
	case BPF_FS_MAGIC: case 0x62656570 /* configfs */:
	case 0x6e736673 /* nsfs */: case 0x19800202 /* mqueue */:
		return true;
	default:
		return false;
	}
}

/* -t only: clear bits of an unregistered file, on the inode walked. */
static void
offer_chmod(struct tree_walk *w, const char *path, const struct stat *sb,
	    mode_t clear, struct finding *x)
{
	char proc[TP_FD_PROC_LEN];
	struct stat now;
	int fd;

	if (x == NULL || w->t->mode != FIX_ASK || !may_fix(w->t, path, x->text))
		return;
	fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1)
		return;
	if (fstat(fd, &now) == 0 && now.st_dev == sb->st_dev &&
	    now.st_ino == sb->st_ino) {
		bool ok = chmod(tp_fd_proc(fd, proc), now.st_mode & 07777 &
				~clear) == 0;

		audit_fix(path, x->what, ok);
		if (ok)
			finding_fixed(w->out, x);
	}
	close(fd);
}

/* Pseudo file systems, /proc, /sys and /dev: below the walk's root only
   ("tcbck -n tree /dev" walks /dev). */
static enum verdict
not_below(struct tree_walk *w, const char *path, const struct stat *sb,
	  int flag, const struct FTW *ftw)
{
	if (flag != FTW_D)
		return NEXT_RULE;
	if (sb->st_dev != w->last_dev) {
		w->last_dev = sb->st_dev;
		w->pseudo = is_pseudo(path);
	}
	if (ftw->level > 0 && (w->pseudo || strcmp(path, "/proc") == 0 ||
			       strcmp(path, "/sys") == 0 ||
			       strcmp(path, "/dev") == 0))
		return SKIP_BELOW;
	return NEXT_RULE;
}

static enum verdict
unreadable(struct tree_walk *w, const char *path, const struct stat *sb,
	   int flag, const struct FTW *ftw)
{
	(void)sb, (void)ftw;
	if (flag != FTW_DNR && flag != FTW_NS)
		return NEXT_RULE;
	finding_add(w->out, path, "error", false, "%s", flag == FTW_DNR ?
		    "cannot read the directory" : "cannot examine the file");
	return DONE;
}

/* Registered: checked as an entry. */
static enum verdict
registered(struct tree_walk *w, const char *path, const struct stat *sb,
	   int flag, const struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return stz_find(w->t->db.doc, path) ? DONE : NEXT_RULE;
}

/* Another name of a registered file: said once, unless the entry lists it. */
static enum verdict
hard_link(struct tree_walk *w, const char *path, const struct stat *sb,
	  int flag, const struct FTW *ftw)
{
	const struct tcb_entry *e;

	(void)flag, (void)ftw;
	if (!S_ISREG(sb->st_mode) || sb->st_nlink < 2 ||
	    (e = inode_entry(w->t, sb)) == NULL)
		return NEXT_RULE;
	if (!listed(e->links, e->nlinks, path))
		finding_add(w->out, path, "links", false, "extra hard link to "
			    "%s", e->path);
	return DONE;
}

static enum verdict
set_id(struct tree_walk *w, const char *path, const struct stat *sb,
       int flag, const struct FTW *ftw)
{
	const char *what = sb->st_mode & S_ISUID ? "setuid" : "setgid";
	struct finding *x;

	(void)flag, (void)ftw;
	if (!S_ISREG(sb->st_mode) || !(sb->st_mode & (S_ISUID | S_ISGID)))
		return NEXT_RULE;
	x = finding_add(w->out, path, what, false, "%s program not in the "
			"database", what);
	offer_chmod(w, path, sb, S_ISUID | S_ISGID, x);
	return NEXT_RULE;
}

static enum verdict
device(struct tree_walk *w, const char *path, const struct stat *sb,
       int flag, const struct FTW *ftw)
{
	(void)flag, (void)ftw;
	if (S_ISBLK(sb->st_mode) || S_ISCHR(sb->st_mode))
		finding_add(w->out, path, "device", false, "device file "
			    "outside /dev not in the database");
	return NEXT_RULE;
}

/* A symbolic link to a registered file that the entry does not list. */
static enum verdict
symbolic_link(struct tree_walk *w, const char *path, const struct stat *sb,
	      int flag, const struct FTW *ftw)
{
	const struct tcb_entry *e;
	struct stat to;

	(void)sb, (void)ftw;
	if (flag != FTW_SL)
		return NEXT_RULE;
	if (stat(path, &to) == 0 && (e = inode_entry(w->t, &to)) &&
	    !listed(e->symlinks, e->nsymlinks, path))
		finding_add(w->out, path, "symlinks", false, "extra symbolic "
			    "link to %s", e->path);
	return DONE;
}

/* In the system's directories: writable by others (a directory without
   the sticky bit). */
static enum verdict
writable(struct tree_walk *w, const char *path, const struct stat *sb,
	 int flag, const struct FTW *ftw)
{
	struct finding *x;

	(void)flag, (void)ftw;
	if (!(sb->st_mode & S_IWOTH) || !in_system_dir(path))
		return DONE;
	if (S_ISDIR(sb->st_mode) && !(sb->st_mode & S_ISVTX))
		x = finding_add(w->out, path, "writable", false, "directory "
				"writable by others, without the sticky bit");
	else if (S_ISREG(sb->st_mode))
		x = finding_add(w->out, path, "writable", false, "writable by "
				"others");
	else
		return DONE;
	offer_chmod(w, path, sb, S_IWOTH, x);
	return DONE;
}

/* In order: the first that has the last word ends a file's turn. */
static const struct rule rules[] = {
	{ "not below /proc, /sys, /dev", not_below },
	{ "unreadable", unreadable },
	{ "registered", registered },
	{ "extra hard link", hard_link },
	{ "set-ID program", set_id },
	{ "device", device },
	{ "extra symbolic link", symbolic_link },
	{ "writable by others", writable },
};

static int
visit(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		switch (rules[i].judge(walking, path, sb, flag, ftw)) {
		case NEXT_RULE:
			break;
		case DONE:
			return FTW_CONTINUE;
		case SKIP_BELOW:
			return FTW_SKIP_SUBTREE;
		}
	return FTW_CONTINUE;
}

int
check_tree(struct tcbck *t, char **roots, size_t nroots, struct findings *out)
{
	static char *slash[] = { "/" };
	struct tree_walk w = { .t = t, .out = out, .last_dev = (dev_t)-1 };
	int rc = 0;

	if (nroots == 0) {
		roots = slash;
		nroots = 1;
	}
	walking = &w;
	for (size_t i = 0; i < nroots; i++) {
		/* absolute and canonical, as the database's names are */
		char *root = realpath(roots[i], NULL);

		if (root == NULL ||
		    nftw(root, visit, 64, FTW_PHYS | FTW_ACTIONRETVAL) == -1) {
			finding_add(out, roots[i], "error", false, "%s",
				    strerror(errno));
			rc = -1;
		}
		free(root);
	}
	walking = NULL;
	return rc;
}
