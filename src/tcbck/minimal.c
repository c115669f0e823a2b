/*
 * minimal.c - tcbck --report: what a minimal operating system should not
 * have (BSI IT-Grundschutz S 4.95): compilers, interpreters and editors
 * present in the system's directories, trusted programs that run other
 * programs, network sockets listening and the programs behind them,
 * set-ID programs, and files and directories there that others may write.
 *
 * It reads, and changes nothing: the walk does not follow symbolic links,
 * the socket tables are the kernel's (/proc/net), and a process is named
 * by the name of its executable that /proc gives (as its own mount
 * namespace sees it: a name, not proof of what runs).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <fts.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ids.h"
#include "tcbck.h"

/* The checks, in the order the report gives them. */
static const char *const checks[] = {
	"compiler", "interpreter", "editor", "escape", "listening",
	"setuid", "setgid", "world-writable", NULL,
};
#define PROGRAM_KINDS 3		/* the first checks: kinds of escapes */

struct item {
	const char *check;
	char *path;		/* the file, or the program behind a socket */
	char text[320];
	const struct tcb_entry *e;	/* its entry, or NULL */
};

struct report {
	struct item *v;
	size_t n, cap, walked;
};

static void __attribute__((format(printf, 4, 5)))
add(struct report *r, const char *check, const char *path, const char *fmt,
    ...)
{
	struct item *nv, *it;
	va_list ap;

	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 64;
		if ((nv = realloc(r->v, r->cap * sizeof(*nv))) == NULL)
			err(EXIT_USAGE, "out of memory");
		r->v = nv;
	}
	it = &r->v[r->n++];
	it->check = check;
	it->e = NULL;
	if ((it->path = strdup(path)) == NULL)
		err(EXIT_USAGE, "out of memory");
	va_start(ap, fmt);
	vsnprintf(it->text, sizeof(it->text), fmt, ap);
	va_end(ap);
}

/* A regular file, or a directory, of the system's directories. */
static void
judge(const struct tcbck *t, struct report *r, const char *path,
      const struct stat *sb)
{
	const char *kind = NULL, *why;
	char name[32];

	if ((sb->st_mode & S_IWOTH) && S_ISDIR(sb->st_mode))
		add(r, "world-writable", path, "a directory others may write%s",
		    sb->st_mode & S_ISVTX ? " (sticky)" : "");
	if (!S_ISREG(sb->st_mode))
		return;
	if (sb->st_mode & S_IWOTH)
		add(r, "world-writable", path, "a file others may write");
	if (sb->st_mode & S_ISUID)
		add(r, "setuid", path, "set-user-ID %s",
		    tcb_user_name(sb->st_uid, name));
	if ((sb->st_mode & S_ISGID) && (sb->st_mode & S_IXGRP))
		add(r, "setgid", path, "set-group-ID %s",
		    tcb_group_name(sb->st_gid, name));
	if (!(sb->st_mode & 0111) ||
	    (why = tcb_escape_kind(&t->esc, path, &kind)) == NULL || !kind)
		return;
	/* the kinds that are checks of their own: compiler ... editor */
	for (const char *const *c = checks; c < checks + PROGRAM_KINDS; c++)
		if (strcmp(kind, *c) == 0)
			add(r, *c, path, "%s", why);
}

static void
walk(const struct tcbck *t, struct report *r)
{
	for (const char *const *d = system_dirs; *d; d++) {
		char *roots[] = { (char *)*d, NULL };
		FTSENT *f;
		FTS *fts;

		if ((fts = fts_open(roots, FTS_PHYSICAL | FTS_NOCHDIR,
				    NULL)) == NULL)
			continue;
		while ((f = fts_read(fts)) != NULL) {
			/* a root that is a link (merged /usr's /bin) is
			   walked where it leads */
			if (f->fts_info == FTS_DP || f->fts_info == FTS_SL ||
			    f->fts_info == FTS_SLNONE)
				continue;
			if (f->fts_info == FTS_DNR || f->fts_info == FTS_NS ||
			    f->fts_info == FTS_ERR) {
				if (f->fts_errno != ENOENT)
					warnx("%s: %s", f->fts_path,
					      strerror(f->fts_errno));
				continue;
			}
			r->walked++;
			judge(t, r, f->fts_path, f->fts_statp);
		}
		fts_close(fts);
	}
}

/* The trusted programs that run other programs (the database's). */
static void
trusted_escapes(const struct tcbck *t, struct report *r)
{
	for (struct tcb_entry *e = tcb_db_next(&t->db, NULL); e;
	     e = tcb_db_next(&t->db, e)) {
		const char *why;

		if ((e->mode & STZ_MODE_TCB) &&
		    (why = tcb_escape_reason(&t->esc, e->path)) != NULL)
			add(r, "escape", e->path, "flagged TCB, and runs other "
			    "programs (%s)", why);
	}
}

/* A socket's owner: the first process with a descriptor of it. */
struct owner {
	unsigned long inode;
	pid_t pid;
	char exe[256];
};

static int
by_inode(const void *a, const void *b)
{
	unsigned long x = ((const struct owner *)a)->inode,
		      y = ((const struct owner *)b)->inode;

	return (x > y) - (x < y);
}

/* Every socket descriptor of every process, sorted by inode. */
static struct owner *
socket_owners(size_t *n)
{
	struct owner *v = NULL, *nv;
	size_t cap = 0;
	struct dirent *p;
	DIR *proc = opendir("/proc");

	*n = 0;
	while (proc && (p = readdir(proc)) != NULL) {
		char link[64], exe[256] = "?";
		struct dirent *fd;
		ssize_t len;
		int pfd, fdd;
		DIR *fds;

		if (!isdigit((unsigned char)p->d_name[0]))
			continue;
		/* one directory of one process: its exe and its descriptors
		   cannot be another's that took its PID meanwhile */
		if ((pfd = openat(dirfd(proc), p->d_name, O_PATH | O_DIRECTORY |
				  O_CLOEXEC)) == -1)
			continue;
		if ((len = readlinkat(pfd, "exe", exe, sizeof(exe) - 1)) > 0)
			exe[len] = '\0';
		fdd = openat(pfd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		close(pfd);
		if (fdd == -1 || (fds = fdopendir(fdd)) == NULL) {
			if (fdd != -1)
				close(fdd);
			continue;
		}
		while ((fd = readdir(fds)) != NULL) {
			unsigned long ino;

			if ((len = readlinkat(dirfd(fds), fd->d_name, link,
					      sizeof(link) - 1)) <= 0)
				continue;
			link[len] = '\0';
			if (sscanf(link, "socket:[%lu]", &ino) != 1)
				continue;
			if (*n == cap) {
				cap = cap ? 2 * cap : 256;
				if ((nv = realloc(v, cap * sizeof(*v))) == NULL)
					break;
				v = nv;
			}
			v[*n].inode = ino;
			v[*n].pid = (pid_t)atoi(p->d_name);
			snprintf(v[*n].exe, sizeof(v[*n].exe), "%s", exe);
			(*n)++;
		}
		closedir(fds);
	}
	if (proc)
		closedir(proc);
	if (*n)
		qsort(v, *n, sizeof(*v), by_inode);
	return v;
}

/* "0100007F:0035" (or 32 hex digits for IPv6), as the kernel prints it
 * (each 32-bit word in host order), to "127.0.0.1:53". */
static bool
address(const char *hex, bool v6, char *out, size_t len)
{
	unsigned char a[16];
	unsigned port, words = v6 ? 4 : 1;
	char txt[INET6_ADDRSTRLEN];

	if (strspn(hex, "0123456789abcdefABCDEF") != 8 * words)
		return false;
	for (unsigned w = 0; w < words; w++) {
		unsigned long word;
		char part[9];
		uint32_t host;

		memcpy(part, hex + 8 * w, 8);
		part[8] = '\0';
		word = strtoul(part, NULL, 16);
		host = (uint32_t)word;
		memcpy(a + 4 * w, &host, 4);
	}
	if (hex[8 * words] != ':' ||
	    sscanf(hex + 8 * words + 1, "%x", &port) != 1 ||
	    inet_ntop(v6 ? AF_INET6 : AF_INET, a, txt, sizeof(txt)) == NULL)
		return false;
	snprintf(out, len, v6 ? "[%s]:%u" : "%s:%u", txt, port);
	return true;
}

/* The sockets of one table (/proc/net/tcp...) listening: TCP in LISTEN
 * (0A), UDP bound and unconnected (07). */
static void
table(struct report *r, const char *proto, const struct owner *o, size_t no)
{
	bool v6 = strchr(proto, '6') != NULL, udp = proto[0] == 'u';
	char path[32], line[512];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/net/%s", proto);
	if ((f = fopen(path, "re")) == NULL)
		return;
	while (fgets(line, sizeof(line), f)) {
		char local[80], st[8], where[80];
		unsigned long ino;
		struct owner key, *hit;

		if (sscanf(line, " %*s %79s %*s %7s %*s %*s %*s %*s %*s %lu",
			   local, st, &ino) != 3 ||
		    strcmp(st, udp ? "07" : "0A") != 0 ||
		    !address(local, v6, where, sizeof(where)))
			continue;
		key.inode = ino;
		hit = no ? bsearch(&key, o, no, sizeof(*o), by_inode) : NULL;
		if (hit)
			add(r, "listening", hit->exe, "%s %s: pid %d", proto,
			    where, (int)hit->pid);
		else
			add(r, "listening", "?", "%s %s: no process tcbck can "
			    "see has it", proto, where);
	}
	fclose(f);
}

static void
sockets(struct report *r)
{
	static const char *const protos[] = { "tcp", "tcp6", "udp", "udp6" };
	size_t n;
	struct owner *o = socket_owners(&n);

	for (size_t i = 0; i < sizeof(protos) / sizeof(*protos); i++)
		table(r, protos[i], o, n);
	free(o);
}

static void
print_text(const struct report *r, const size_t *count)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct item *it = &r->v[i];

		printf("%s: %s: %s%s\n", it->check, it->path, it->text,
		       it->e == NULL ? "" : it->e->mode & STZ_MODE_TCB ?
		       " (recorded, trusted)" : " (recorded)");
	}
	printf("tcbck: %zu files walked;", r->walked);
	for (size_t c = 0; checks[c]; c++)
		printf(" %s %zu%s", checks[c], count[c], checks[c + 1] ? "," :
		       "\n");
}

static void
print_json(const struct tcbck *t, const struct report *r,
	   const size_t *count)
{
	printf("{\"schema\": \"%s\", \"report\": \"minimal-system\", "
	       "\"database\": ", TCBCK_JSON_SCHEMA);
	json_str(t->db.path);
	printf(", \"walked\": %zu, \"counts\": {", r->walked);
	for (size_t c = 0; checks[c]; c++)
		printf("%s\"%s\": %zu", c ? ", " : "", checks[c], count[c]);
	printf("}, \"findings\": [");
	for (size_t i = 0; i < r->n; i++) {
		const struct item *it = &r->v[i];

		printf("%s\n  {\"check\": \"%s\", \"path\": ", i ? "," : "",
		       it->check);
		json_str(it->path);
		printf(", \"message\": ");
		json_str(it->text);
		printf(", \"recorded\": %s, \"trusted\": %s}",
		       it->e ? "true" : "false",
		       it->e && (it->e->mode & STZ_MODE_TCB) ? "true" :
		       "false");
	}
	printf("\n]}\n");
}

static int
by_check(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	size_t i = 0, j = 0;
	int c;

	while (checks[i] && strcmp(checks[i], x->check) != 0)
		i++;
	while (checks[j] && strcmp(checks[j], y->check) != 0)
		j++;
	if (i != j)
		return (i > j) - (i < j);
	if ((c = strcmp(x->path, y->path)) != 0)
		return c;
	return strcmp(x->text, y->text);
}

int
cmd_report(struct tcbck *t, const char *confdir)
{
	struct report r = { 0 };
	size_t count[sizeof(checks) / sizeof(*checks)] = { 0 };
	struct tp_err e;

	if (tcb_db_load(&t->db, confdir, STZ_CREATE, &e) == -1 ||
	    tcb_escapes_load(&t->esc, confdir, &e) == -1)
		errx(EXIT_USAGE, "%s", e.msg);
	walk(t, &r);
	trusted_escapes(t, &r);
	sockets(&r);
	if (r.n)
		qsort(r.v, r.n, sizeof(*r.v), by_check);
	for (size_t i = 0; i < r.n; i++) {
		for (size_t c = 0; checks[c]; c++)
			count[c] += strcmp(checks[c], r.v[i].check) == 0;
		if (r.v[i].path[0] == '/')
			r.v[i].e = tcb_db_find(&t->db, r.v[i].path);
	}
	if (t->json)
		print_json(t, &r, count);
	else
		print_text(&r, count);
	for (size_t i = 0; i < r.n; i++)
		free(r.v[i].path);
	free(r.v);
	return r.n ? EXIT_MISMATCH : 0;
}
