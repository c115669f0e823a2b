/*
 * inodes.c - the inode map: every registered regular file with more than
 * one link, so that a link found elsewhere (by an entry's check, or by the
 * tree walk) is known as another name of a registered file.  Built once,
 * before the threads start, and only read after.
 */
#include <stdlib.h>
#include <sys/stat.h>

#include "tcbck.h"

static struct inode *
inode_slot(struct inode *tab, size_t n, dev_t dev, ino_t ino)
{
	size_t i = ((size_t)ino * 0x9e3779b97f4a7c15ULL ^ (size_t)dev) & (n - 1);

	while (tab[i].e && !(tab[i].dev == dev && tab[i].ino == ino))
		i = (i + 1) & (n - 1);
	return &tab[i];
}

int
inodes_build(struct tcbck *t)
{
	const struct tcb_entry *e;
	struct stat sb;
	size_t n = 0;

	for (e = tcb_db_next(&t->db, NULL); e; e = tcb_db_next(&t->db, e))
		n++;
	for (t->ninodes = 64; t->ninodes < n * 2; t->ninodes *= 2)
		;
	if ((t->inodes = calloc(t->ninodes, sizeof(*t->inodes))) == NULL)
		return -1;
	for (e = tcb_db_next(&t->db, NULL); e; e = tcb_db_next(&t->db, e)) {
		struct inode *in;

		if (lstat(e->path, &sb) == -1 || !S_ISREG(sb.st_mode) ||
		    sb.st_nlink < 2)
			continue;
		in = inode_slot(t->inodes, t->ninodes, sb.st_dev, sb.st_ino);
		if (in->e == NULL)
			*in = (struct inode){ sb.st_dev, sb.st_ino, e, 0 };
		in->count++;
	}
	return 0;
}

const struct inode *
inode_find(const struct tcbck *t, const struct stat *sb)
{
	const struct inode *in;

	if (t->inodes == NULL)
		return NULL;
	in = inode_slot(t->inodes, t->ninodes, sb->st_dev, sb->st_ino);
	return in->e ? in : NULL;
}

const struct tcb_entry *
inode_entry(const struct tcbck *t, const struct stat *sb)
{
	const struct inode *in = inode_find(t, sb);

	return in ? in->e : NULL;
}
