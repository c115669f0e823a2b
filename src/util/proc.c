/*
 * proc.c - reading /proc/PID/stat and /proc/PID/status, and PIDs as
 * /proc names them.
 *
 * Defends against the process named: its name (in parentheses) may hold
 * anything, spaces and parentheses included, so the fields of stat are
 * counted from the last ')'; in status the kernel escapes it, and the
 * fields are found by their names at the start of a line; every number
 * is parsed bounded, and a line that is not exactly what the kernel
 * writes is refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "files.h"
#include "proc.h"
#include "stanza.h"

/* Fields after the name: state is field 3; starttime is field 22. */
#define FIELDS 20

/* /proc/PID/file of pid (0: the calling process), open to read. */
static int
open_proc(pid_t pid, const char *file)
{
	char path[48];

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	else
		snprintf(path, sizeof(path), "/proc/self/%s", file);
	return open(path, O_RDONLY | O_CLOEXEC);
}

int
tp_proc_read(pid_t pid, struct tp_proc *p)
{
	char buf[2048], *s, *f[FIELDS], *save = NULL;
	unsigned long long v[FIELDS];
	ssize_t n;
	int fd, i;

	if ((fd = open_proc(pid, "stat")) == -1)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return errno = n == 0 ? EINVAL : errno, -1;
	buf[n] = '\0';
	if ((s = strrchr(buf, ')')) == NULL || s[1] != ' ')
		return errno = EINVAL, -1;
	for (i = 0, s = strtok_r(s + 2, " \n", &save); s && i < FIELDS;
	     s = strtok_r(NULL, " \n", &save))
		f[i++] = s;
	if (i < FIELDS || strlen(f[0]) != 1)
		return errno = EINVAL, -1;
	/* ppid, pgrp, session, tty_nr; starttime (field 22, the 20th) */
	for (i = 1; i < 5; i++)
		if (stz_parse_uint(f[i], 0, i == 4 ? UINT_MAX : INT_MAX,
				   &v[i]) == -1)
			return errno = EINVAL, -1;
	if (stz_parse_uint(f[FIELDS - 1], 0, ULLONG_MAX, &v[FIELDS - 1]) == -1)
		return errno = EINVAL, -1;
	p->state = f[0][0];
	p->ppid = (pid_t)v[1];
	p->pgrp = (pid_t)v[2];
	p->sid = (pid_t)v[3];
	p->tty_nr = (unsigned)v[4];
	p->start = v[FIELDS - 1];
	return 0;
}

/* The number after "\nname:\t" in the text of a status file. */
static int
status_number(const char *text, const char *name, pid_t *v)
{
	char key[32], num[16];
	unsigned long long n;
	const char *at;
	size_t len;

	snprintf(key, sizeof(key), "\n%s:\t", name);
	if ((at = strstr(text, key)) == NULL)
		return -1;
	at += strlen(key);
	if ((len = strcspn(at, "\n")) == 0 || len >= sizeof(num) ||
	    at[len] != '\n')
		return -1;
	memcpy(num, at, len);
	num[len] = '\0';
	if (stz_parse_uint(num, 0, INT_MAX, &n) == -1)
		return -1;
	*v = (pid_t)n;
	return 0;
}

int
tp_proc_status(pid_t pid, struct tp_proc_status *st)
{
	char buf[4096];
	ssize_t n;
	int fd;

	if (pid <= 0)
		return errno = EINVAL, -1;
	if ((fd = open_proc(pid, "status")) == -1)
		return -1;
	/* Tgid and TracerPid come in the first few lines */
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return errno = n == 0 ? ESRCH : errno, -1;
	buf[n] = '\0';
	if (strncmp(buf, "Name:\t", 6) != 0 ||
	    status_number(buf, "Tgid", &st->tgid) == -1 ||
	    status_number(buf, "TracerPid", &st->tracer) == -1)
		return errno = EINVAL, -1;
	return 0;
}

int
tp_proc_pid(const char *s, pid_t *pid)
{
	unsigned long long v;

	if (stz_parse_uint(s, 1, INT_MAX, &v) == -1)
		return errno = EINVAL, -1;
	*pid = (pid_t)v;
	return 0;
}

/* The number of PIDs in an NSpid value: "1\t2\t3" (one per namespace). */
static int
count_pids(char *value, unsigned *levels)
{
	unsigned n = 0;
	pid_t v;

	for (char *num = value, *tab; ; num = tab + 1) {
		if ((tab = strchr(num, '\t')) != NULL)
			*tab = '\0';
		if (tp_proc_pid(num, &v) == -1)
			return -1;
		n++;
		if (tab == NULL)
			break;
	}
	*levels = n;
	return 0;
}

int
tp_proc_ns_levels(pid_t pid, unsigned *levels)
{
	char *buf, *at;
	size_t len;
	int fd, rc = -1;

	if ((fd = open_proc(pid, "status")) == -1)
		return -1;
	/* the Groups line before it can be long: read the whole file */
	rc = tp_read_all(fd, 4096, 1 << 20, &buf, &len);
	close(fd);
	if (rc == -1)
		return -1;
	rc = -1;
	if ((at = strstr(buf, "\nNSpid:\t")) != NULL) {
		at += strlen("\nNSpid:\t");
		len = strcspn(at, "\n");
		if (at[len] == '\n') {
			at[len] = '\0';
			rc = count_pids(at, levels);
		}
	}
	free(buf);
	return rc == -1 ? (errno = EINVAL, -1) : 0;
}

dev_t
tp_proc_tty(const struct tp_proc *p)
{
	/* glibc's major() and minor() read the kernel's 32-bit encoding */
	return makedev(major((dev_t)p->tty_nr), minor((dev_t)p->tty_nr));
}

int
tp_boot_id(char id[TP_BOOT_ID_LEN + 1])
{
	int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd == -1 ? -1 : read(fd, id, TP_BOOT_ID_LEN + 1);

	if (fd != -1)
		close(fd);
	if (n != TP_BOOT_ID_LEN + 1 || id[TP_BOOT_ID_LEN] != '\n')
		return errno = n == -1 ? errno : EINVAL, -1;
	id[TP_BOOT_ID_LEN] = '\0';
	return 0;
}

bool
tp_proc_is(pid_t pid, unsigned long long start)
{
	struct tp_proc p;

	return pid > 0 && tp_proc_read(pid, &p) == 0 && p.start == start &&
	       p.state != 'Z' && p.state != 'X';
}
