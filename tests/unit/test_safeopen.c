/*
 * test_safeopen.c - configuration files root alone can have written.
 * Runs as root (it changes owners); says so and skips otherwise.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "tmpdir.h"
#include "safeopen.h"
#include "stanza.h"

static char top[64];

static const char *
p(const char *rel)
{
	static char buf[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", top, rel);
	return buf[i];
}

static void
mkfile(const char *path, mode_t mode, uid_t uid)
{
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "s:\n\ta = 1\n", 10), 10);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(fchown(fd, uid, 0), 0);
	close(fd);
}

/* Expect refusal with exactly the message msg, where @ stands for top. */
static void
refused(const char *rel, const char *msg)
{
	char want[512], *w = want;
	struct tp_err err = { "" };
	int fd = tp_open_safe(p(rel), NULL, &err);
	struct stz_doc *doc;

	for (; *msg; msg++)
		w += *msg == '@' ? sprintf(w, "%s", top) : sprintf(w, "%c", *msg);
	if (fd != -1)
		close(fd);
	assert_int_equal(fd, -1);
	assert_string_equal(err.msg, want);
	/* the stanza loader refuses the same way */
	doc = stz_load(p(rel), STZ_SAFE, &err);
	assert_null(doc);
	assert_string_equal(err.msg, want);
}

static void
accepted(const char *rel)
{
	struct tp_err err = { "" };
	int fd = tp_open_safe(p(rel), NULL, &err);
	struct stz_doc *doc;

	if (fd == -1)
		print_error("%s\n", err.msg);
	assert_true(fd >= 0);
	close(fd);
	doc = stz_load(p(rel), STZ_SAFE, &err);
	assert_non_null(doc);
	stz_free(doc);
}

static void
test_file_checks(void **state)
{
	(void)state;
	mkfile(p("good.cfg"), 0644, 0);
	accepted("good.cfg");
	mkfile(p("user.cfg"), 0644, 1000);
	refused("user.cfg", "refusing @/user.cfg: owned by uid 1000, not root");
	mkfile(p("gw.cfg"), 0664, 0);
	refused("gw.cfg", "refusing @/gw.cfg: writable by group or others "
		"(mode 0664)");
	mkfile(p("ow.cfg"), 0646, 0);
	refused("ow.cfg", "refusing @/ow.cfg: writable by group or others "
		"(mode 0646)");
	assert_int_equal(symlink("good.cfg", p("link.cfg")), 0);
	refused("link.cfg", "refusing @/link.cfg: is a symbolic link");
	assert_int_equal(mkfifo(p("fifo.cfg"), 0600), 0);
	refused("fifo.cfg", "refusing @/fifo.cfg: not a regular file");
	assert_int_equal(mkdir(p("dir.cfg"), 0755), 0);
	refused("dir.cfg", "refusing @/dir.cfg: not a regular file");
	refused("missing.cfg", "@/missing.cfg: No such file or directory");
	errno = 0;
	assert_int_equal(tp_open_safe(p("missing.cfg"), NULL, NULL), -1);
	assert_int_equal(errno, ENOENT);
}

static void
test_directory_checks(void **state)
{
	(void)state;
	assert_int_equal(mkdir(p("gwdir"), 0755), 0);
	mkfile(p("gwdir/x.cfg"), 0644, 0);
	assert_int_equal(chmod(p("gwdir"), 0775), 0);
	refused("gwdir/x.cfg", "refusing @/gwdir/x.cfg: directory @/gwdir "
		"is writable by group or others (mode 0775)");
	/* the file's own directory gets no sticky-bit exception */
	assert_int_equal(chmod(p("gwdir"), 01777), 0);
	refused("gwdir/x.cfg", "refusing @/gwdir/x.cfg: directory @/gwdir "
		"is writable by group or others (mode 1777)");

	assert_int_equal(mkdir(p("udir"), 0755), 0);
	mkfile(p("udir/x.cfg"), 0644, 0);
	assert_int_equal(chown(p("udir"), 1000, 0), 0);
	refused("udir/x.cfg", "refusing @/udir/x.cfg: directory @/udir is "
		"owned by uid 1000, not root");

	/* ancestors: owned by root; writable only with the sticky bit */
	assert_int_equal(mkdir(p("anc"), 0755), 0);
	assert_int_equal(mkdir(p("anc/etc"), 0755), 0);
	mkfile(p("anc/etc/x.cfg"), 0644, 0);
	accepted("anc/etc/x.cfg");
	assert_int_equal(chmod(p("anc"), 0777), 0);
	refused("anc/etc/x.cfg", "refusing @/anc/etc/x.cfg: directory @/anc "
		"is writable by group or others (mode 0777)");
	assert_int_equal(chmod(p("anc"), 01777), 0);
	accepted("anc/etc/x.cfg");
	assert_int_equal(chmod(p("anc"), 0755), 0);
	assert_int_equal(chown(p("anc"), 1000, 0), 0);
	refused("anc/etc/x.cfg", "refusing @/anc/etc/x.cfg: directory @/anc "
		"is owned by uid 1000, not root");

	/* a symlinked directory is judged by what it points to */
	assert_int_equal(mkdir(p("real"), 0755), 0);
	mkfile(p("real/x.cfg"), 0644, 0);
	assert_int_equal(symlink("real", p("alias")), 0);
	accepted("alias/x.cfg");
	assert_int_equal(chmod(p("real"), 0757), 0);
	refused("alias/x.cfg", "refusing @/alias/x.cfg: directory @/real is "
		"writable by group or others (mode 0757)");
}

static void
test_dir_fd_returned(void **state)
{
	struct tp_err err;
	struct stat a, b;
	int dfd = -1, fd;

	(void)state;
	mkfile(p("d.cfg"), 0600, 0);
	fd = tp_open_safe(p("d.cfg"), &dfd, &err);
	assert_true(fd >= 0);
	assert_true(dfd >= 0);
	assert_int_equal(fstat(dfd, &a), 0);
	assert_int_equal(stat(top, &b), 0);
	assert_true(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
	close(fd);
	close(dfd);
	fd = tp_open_dir_safe(top, "x", &err);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(tp_open_safe(p(""), NULL, &err), -1);
	assert_non_null(strstr(err.msg, ": not a file name"));
}

static int
setup(void **state)
{
	(void)state;
	return tmpdir_make(top, sizeof(top), "tpath-safe");
}

static int
teardown(void **state)
{
	(void)state;
	return tmpdir_remove(top);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_checks),
		cmocka_unit_test(test_directory_checks),
		cmocka_unit_test(test_dir_fd_returned),
	};

	if (geteuid() != 0) {
		printf("[  SKIPPED ] safe open: needs root to create files "
		       "owned by other users\n");
		return 0;
	}
	return cmocka_run_group_tests_name("safe open", tests, setup, teardown);
}
