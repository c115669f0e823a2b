/*
 * proof.c - a trusted program's identity and digest, as its index keeps
 * them (proof.h).
 *
 * Threat: a proof taken for a file that is not the one it names, so that a
 * changed program runs unhashed.  Every field is compared, none is
 * derived; the text is parsed exactly (a damaged index proves nothing); a
 * file system mounted again is another mount (unique mount IDs), and a
 * proof of another boot is never used (the index's boot, tcbindex.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "files.h"
#include "proof.h"

#ifndef STATX_MNT_ID_UNIQUE
#define STATX_MNT_ID_UNIQUE	0x00004000U	/* Linux 6.8 */
#endif

int
tcb_proof_identity(int fd, const char *path, struct tcb_proof *p,
		   struct stat *sb)
{
	struct statx sx;
	int flags = AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT |
		    (*path ? 0 : AT_EMPTY_PATH);

	memset(p, 0, sizeof(*p));
	if (statx(fd, path, flags, STATX_BASIC_STATS | STATX_MNT_ID_UNIQUE,
		  &sx) == -1 ||
	    !(sx.stx_mask & STATX_MNT_ID_UNIQUE) ||
	    (sx.stx_mask & STATX_BASIC_STATS) != STATX_BASIC_STATS ||
	    !S_ISREG(sx.stx_mode))
		return -1;
	p->mnt = sx.stx_mnt_id;
	p->dev = makedev(sx.stx_dev_major, sx.stx_dev_minor);
	p->ino = (ino_t)sx.stx_ino;
	p->size = (off_t)sx.stx_size;
	p->mtime.tv_sec = sx.stx_mtime.tv_sec;
	p->mtime.tv_nsec = sx.stx_mtime.tv_nsec;
	p->ctime.tv_sec = sx.stx_ctime.tv_sec;
	p->ctime.tv_nsec = sx.stx_ctime.tv_nsec;
	memset(sb, 0, sizeof(*sb));
	sb->st_dev = p->dev;
	sb->st_ino = p->ino;
	sb->st_mode = sx.stx_mode;
	sb->st_size = p->size;
	sb->st_mtim = p->mtime;
	sb->st_ctim = p->ctime;
	return 0;
}

static bool
same_time(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

bool
tcb_proof_same(const struct tcb_proof *a, const struct tcb_proof *b)
{
	return a->mnt == b->mnt && a->dev == b->dev && a->ino == b->ino &&
	       a->size == b->size && same_time(&a->mtime, &b->mtime) &&
	       same_time(&a->ctime, &b->ctime);
}

bool
tcb_proof_holds(const struct tcb_proof *p, int fd)
{
	struct tcb_proof now;
	struct stat sb;

	return tcb_proof_identity(fd, "", &now, &sb) == 0 &&
	       tcb_proof_same(p, &now);
}

/* "mnt dev ino size mtime.ns ctime.ns alg:hex" */
void
tcb_proof_format(const struct tcb_proof *p, char *buf)
{
	char hex[TP_HASH_TEXT];

	tp_hash_format(&p->digest, hex);
	snprintf(buf, TCB_PROOF_MAX, "%" PRIu64 " %ju %ju %jd %jd.%09ld "
		 "%jd.%09ld %s", p->mnt, (uintmax_t)p->dev, (uintmax_t)p->ino,
		 (intmax_t)p->size, (intmax_t)p->mtime.tv_sec,
		 p->mtime.tv_nsec, (intmax_t)p->ctime.tv_sec, p->ctime.tv_nsec,
		 hex);
}

/*
 * One decimal field, then sep: width digits exactly (nanoseconds, as
 * formatted), or else a number in its shortest form of at most max; the
 * text after sep, or NULL.
 */
static const char *
field(const char *s, int width, uintmax_t max, char sep, uintmax_t *out)
{
	const char *start = s;
	uintmax_t v = 0;

	while (*s >= '0' && *s <= '9') {
		unsigned d = (unsigned)(*s++ - '0');

		if (v > (max - d) / 10)
			return NULL;
		v = v * 10 + d;
	}
	if (s == start || *s != sep ||
	    (width ? s - start != width : s - start > 1 && *start == '0'))
		return NULL;
	*out = v;
	return s + 1;
}

int
tcb_proof_parse(const char *text, size_t len, struct tcb_proof *p)
{
	char buf[TCB_PROOF_MAX];
	uintmax_t v[8];
	const char *s = buf;
	static const struct { int width; uintmax_t max; char sep; } f[8] = {
		{ 0, UINT64_MAX, ' ' }, { 0, UINT64_MAX, ' ' },
		{ 0, UINT64_MAX, ' ' }, { 0, INT64_MAX, ' ' },
		{ 0, INT64_MAX, '.' }, { 9, 999999999, ' ' },
		{ 0, INT64_MAX, '.' }, { 9, 999999999, ' ' },
	};

	if (len == 0 || len >= sizeof(buf) || memchr(text, '\0', len))
		return -1;
	memcpy(buf, text, len);
	buf[len] = '\0';
	for (int i = 0; i < 8; i++)
		if ((s = field(s, f[i].width, f[i].max, f[i].sep,
				&v[i])) == NULL)
			return -1;
	memset(p, 0, sizeof(*p));
	if (tp_hash_parse(s, &p->digest, NULL) == -1)
		return -1;
	p->mnt = v[0];
	p->dev = (dev_t)v[1];
	p->ino = (ino_t)v[2];
	p->size = (off_t)v[3];
	p->mtime.tv_sec = (time_t)v[4];
	p->mtime.tv_nsec = (long)v[5];
	p->ctime.tv_sec = (time_t)v[6];
	p->ctime.tv_nsec = (long)v[7];
	return 0;
}

int
tcb_boot_id(char id[TCB_BOOT_ID_LEN + 1])
{
	int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd == -1)
		return -1;
	n = read(fd, id, TCB_BOOT_ID_LEN + 1);
	close(fd);
	if (n != TCB_BOOT_ID_LEN + 1 || id[TCB_BOOT_ID_LEN] != '\n')
		return -1;
	id[TCB_BOOT_ID_LEN] = '\0';
	return 0;
}
