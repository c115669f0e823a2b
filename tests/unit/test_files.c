/* test_files.c - the small file jobs: write all, read all within a
 * bound, name and reopen a descriptor, split a path, replace a file; and
 * the directories of a PATH. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "exec.h"
#include "files.h"
#include "tmpdir.h"

static char dir[64];

static int
make(const char *name, const char *text)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(tp_write_all(fd, text, strlen(text)), 0);
	return fd;
}

static void
test_write_then_read_all_within_the_bound(void **state)
{
	int fd = make("f", "hello, world\n");
	char *buf;
	size_t len;

	(void)state;
	lseek(fd, 0, SEEK_SET);
	assert_int_equal(tp_read_all(fd, 0, 13, &buf, &len), 0);
	assert_int_equal(len, 13);
	assert_string_equal(buf, "hello, world\n");	/* NUL-terminated */
	free(buf);
	/* a hint smaller or larger than the file changes nothing */
	lseek(fd, 0, SEEK_SET);
	assert_int_equal(tp_read_all(fd, 100, 13, &buf, &len), 0);
	assert_int_equal(len, 13);
	free(buf);
	/* one byte more than the bound: refused */
	lseek(fd, 0, SEEK_SET);
	assert_int_equal(tp_read_all(fd, 3, 12, &buf, &len), -1);
	assert_int_equal(errno, EFBIG);
	close(fd);
	assert_int_equal(tp_read_all(fd, 0, 10, &buf, &len), -1);
	assert_int_equal(errno, EBADF);
}

static void
test_a_descriptor_named_and_reopened(void **state)
{
	char path[128], name[4096], small[8];
	int fd = make("g", "x"), pfd, rfd;
	char c;

	(void)state;
	close(fd);
	snprintf(path, sizeof(path), "%s/g", dir);
	assert_true((pfd = open(path, O_PATH | O_CLOEXEC)) >= 0);
	assert_int_equal(tp_fd_path(pfd, name, sizeof(name)), 0);
	assert_string_equal(name, path);
	assert_int_equal(tp_fd_path(pfd, small, sizeof(small)), -1);
	assert_int_equal(errno, ENAMETOOLONG);
	/* the same inode, readable, even once its name is another file's */
	snprintf(name, sizeof(name), "%s/g.old", dir);
	assert_int_equal(rename(path, name), 0);
	close(make("g", "y"));
	assert_true((rfd = tp_fd_reopen(pfd, O_RDONLY)) >= 0);
	assert_int_equal(read(rfd, &c, 1), 1);
	assert_int_equal(c, 'x');
	assert_true(fcntl(rfd, F_GETFD) & FD_CLOEXEC);
	close(rfd);
	close(pfd);
}

static void
test_a_path_split(void **state)
{
	static const struct { const char *path, *dir, *base; } ok[] = {
		{ "/a/b", "/a", "b" }, { "/b", "/", "b" }, { "b", ".", "b" },
		{ "a/b/c", "a/b", "c" }, { "/a/.hidden", "/a", ".hidden" },
	};
	static const char *const bad[] = { "", "/", "a/", ".", "..", "/a/.",
					   "a/.." };
	const char *base;
	char *d;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(tp_path_split(ok[i].path, &d, &base), 0);
		assert_string_equal(d, ok[i].dir);
		assert_string_equal(base, ok[i].base);
		free(d);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(tp_path_split(bad[i], &d, &base), -1);
		assert_int_equal(errno, EINVAL);
		assert_null(d);
	}
}

static void
test_a_file_replaced_whole(void **state)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int old = make("h", "old"), fd = make("h.tmp", "new");
	char buf[8] = { 0 };
	bool renamed;

	(void)state;
	close(old);
	assert_int_equal(tp_replace(dfd, "h.tmp", "h", fd, &renamed), 0);
	assert_true(renamed);
	close(fd);
	fd = openat(dfd, "h", O_RDONLY | O_CLOEXEC);
	assert_int_equal(read(fd, buf, sizeof(buf)), 3);
	assert_string_equal(buf, "new");
	close(fd);
	assert_int_equal(faccessat(dfd, "h.tmp", F_OK, 0), -1);
	/* a failed rename leaves no temporary file behind */
	fd = make("i.tmp", "x");
	assert_int_equal(mkdirat(dfd, "i", 0755), 0);
	assert_int_equal(mkdirat(dfd, "i/sub", 0755), 0);
	assert_int_equal(tp_replace(dfd, "i.tmp", "i", fd, &renamed), -1);
	assert_false(renamed);
	assert_int_equal(faccessat(dfd, "i.tmp", F_OK, 0), -1);
	close(fd);
	close(dfd);
}

static void
test_the_absolute_directories_of_a_path(void **state)
{
	const char *list = "/usr/bin::.:bin:/sbin:/a/very/long/one:/x";
	char d[12];

	(void)state;
	assert_true(tp_path_next(&list, d, sizeof(d)));
	assert_string_equal(d, "/usr/bin");
	assert_true(tp_path_next(&list, d, sizeof(d)));
	assert_string_equal(d, "/sbin");	/* "", ".", "bin" skipped */
	assert_true(tp_path_next(&list, d, sizeof(d)));
	assert_string_equal(d, "/x");	/* one too long for dir skipped */
	assert_false(tp_path_next(&list, d, sizeof(d)));
	list = "";
	assert_false(tp_path_next(&list, d, sizeof(d)));
}

/* A tree's names, each directory's in byte order, whatever order the
 * files were made in (a tmpfs lists the newest first, where there is one). */
static void
test_a_tree_in_byte_order(void **state)
{
	static const char *const made[] = { "zz", "b", "c", "c/e", "c-d",
		"a", "c/a", NULL };
	static const char *const want[] = { "", "/a", "/b", "/c", "/c/a",
		"/c/e", "/c-d", "/zz", NULL };
	char root[96], path[160], **names = NULL;
	struct tp_err e;
	size_t n = 0, i;

	(void)state;
	snprintf(root, sizeof(root), "%s/tpath-tree.XXXXXX",
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : dir);
	assert_non_null(mkdtemp(root));
	for (i = 0; made[i]; i++) {
		snprintf(path, sizeof(path), "%s/%s", root, made[i]);
		if (strcmp(made[i], "c") == 0)
			assert_int_equal(mkdir(path, 0755), 0);
		else
			assert_int_equal(close(open(path, O_CREAT | O_WRONLY,
						    0644)), 0);
	}
	assert_int_equal(tp_tree_names(root, &names, &n, &e), 0);
	for (i = 0; want[i]; i++) {
		assert_true(i < n);
		snprintf(path, sizeof(path), "%s%s", root, want[i]);
		assert_string_equal(names[i], path);
	}
	assert_int_equal(n, i);
	tp_names_free(names, n);
	snprintf(path, sizeof(path), "rm -rf -- '%s'", root);
	assert_int_equal(system(path), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_then_read_all_within_the_bound),
		cmocka_unit_test(test_a_descriptor_named_and_reopened),
		cmocka_unit_test(test_a_path_split),
		cmocka_unit_test(test_a_file_replaced_whole),
		cmocka_unit_test(test_the_absolute_directories_of_a_path),
		cmocka_unit_test(test_a_tree_in_byte_order),
	};
	int rc;

	if (tmpdir_make(dir, sizeof(dir), "tpath-files") == -1)
		return 1;
	rc = cmocka_run_group_tests_name("files", tests, NULL, NULL);
	tmpdir_remove(dir);
	return rc;
}
