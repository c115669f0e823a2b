/* test_verify.c - one descriptor against one entry; the hash cache. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "hashcache.h"
#include "verify.h"

static char dir[64], file[96];

static struct tcb_entry
entry(void)
{
	struct tcb_entry e;
	const char *why;

	memset(&e, 0, sizeof(e));
	e.path = file;
	e.have = TCB_HAS_TYPE | TCB_HAS_OWNER | TCB_HAS_GROUP | TCB_HAS_MODE |
		 TCB_HAS_SIZE | TCB_HAS_HASH;
	e.type = TCB_FILE;
	e.mode = STZ_MODE_TCB | 0644;
	e.size = 3;
	/* sha256("abc") */
	assert_int_equal(tp_hash_parse("sha256:ba7816bf8f01cfea414140de5dae22"
		"23b00361a396177a9cb410ff61f20015ad", &e.hash, &why), 0);
	return e;
}

static void
text_of(const struct tcb_report *r, unsigned i, char *buf)
{
	tcb_mismatch_text(&r->m[i], buf, 256);
}

static void
test_all_mismatches_reported(void **state)
{
	struct tcb_entry e = entry();
	struct tcb_report r;
	struct tp_err err;
	char buf[256];
	int fd;

	(void)state;
	fd = open(file, O_PATH | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(tcb_verify_fd(&e, fd, &r, &err), 0);
	assert_int_equal(r.n, 0);
	assert_int_equal(chmod(file, 0664), 0);
	assert_int_equal(chown(file, 4242, 4243), 0);
	assert_int_equal(truncate(file, 2), 0);
	assert_int_equal(tcb_verify_fd(&e, fd, &r, &err), 0);
	assert_int_equal(r.n, 5);
	text_of(&r, 0, buf);
	assert_string_equal(buf, "owner is 4242, should be root");
	text_of(&r, 1, buf);
	assert_string_equal(buf, "group is 4243, should be root");
	text_of(&r, 2, buf);
	assert_string_equal(buf, "mode is 0664, should be 0644");
	text_of(&r, 3, buf);
	assert_string_equal(buf, "size is 2, should be 3");
	text_of(&r, 4, buf);
	assert_string_equal(buf, "hash is sha256:fb8e20fc2e4c3f24..., should "
			    "be sha256:ba7816bf8f01cfea...");
	close(fd);
}

static void
test_wrong_type_stops_there(void **state)
{
	struct tcb_entry e = entry();
	struct tcb_report r;
	struct tp_err err;
	char buf[256];
	int fd = open(dir, O_PATH | O_CLOEXEC);

	(void)state;
	e.path = dir;
	assert_int_equal(tcb_verify_fd(&e, fd, &r, &err), 0);
	assert_int_equal(r.n, 1);
	text_of(&r, 0, buf);
	assert_string_equal(buf, "type is DIRECTORY, should be FILE");
	close(fd);
}

static void
test_symlink_target(void **state)
{
	struct tcb_entry e;
	struct tcb_report r;
	struct tp_err err;
	char link[128], buf[256];
	int fd;

	(void)state;
	snprintf(link, sizeof(link), "%s/link", dir);
	assert_int_equal(symlink("/etc/alternatives/vi", link), 0);
	memset(&e, 0, sizeof(e));
	e.path = link;
	e.have = TCB_HAS_TYPE | TCB_HAS_TARGET;
	e.type = TCB_SYMLINK;
	e.target = "/usr/bin/vim";
	fd = open(link, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	assert_int_equal(tcb_verify_fd(&e, fd, &r, &err), 0);
	assert_int_equal(r.n, 1);
	text_of(&r, 0, buf);
	assert_string_equal(buf, "target is /etc/alternatives/vi, should be "
			    "/usr/bin/vim");
	close(fd);
	unlink(link);
}

/* A cached digest is served without reading: an O_PATH fd cannot be read. */
static void
test_cache(void **state)
{
	struct tp_digest a, b;
	struct tp_err err;
	struct stat sb;
	int rfd, pfd, wfd;

	(void)state;
	rfd = open(file, O_RDONLY | O_CLOEXEC);
	pfd = open(file, O_PATH | O_CLOEXEC);
	assert_int_equal(fstat(rfd, &sb), 0);
	/* just written: hashed, not cached (its times are too close) */
	assert_int_equal(tcb_hash_cached(rfd, &sb, TP_HASH_SHA512, &a, file,
					 &err), 0);
	assert_int_equal(tcb_hash_cached(pfd, &sb, TP_HASH_SHA512, &a, file,
					 &err), -1);
	usleep(60 * 1000);	/* older than the clock's coarseness */
	assert_int_equal(tcb_hash_cached(pfd, &sb, TP_HASH_SHA512, &a, file,
					 &err), -1);	/* not cached: reads */
	assert_int_equal(tcb_hash_cached(rfd, &sb, TP_HASH_SHA512, &a, file,
					 &err), 0);
	assert_int_equal(tcb_hash_cached(pfd, &sb, TP_HASH_SHA512, &b, file,
					 &err), 0);	/* cached: no read */
	assert_true(tp_digest_equal(&a, &b));
	/* a change of content changes ctime: the cache misses again */
	wfd = open(file, O_WRONLY | O_CLOEXEC);
	assert_int_equal(pwrite(wfd, "xyz", 3, 0), 3);
	close(wfd);
	assert_int_equal(fstat(rfd, &sb), 0);
	assert_int_equal(tcb_hash_cached(pfd, &sb, TP_HASH_SHA512, &b, file,
					 &err), -1);
	close(rfd);
	close(pfd);
}

/* The MD5 is cached with the digest: a digest cached alone does not
 * answer for both, one cached with its MD5 answers for either. */
static void
test_cache_md5(void **state)
{
	static const unsigned char md5_abc[TP_MD5_LEN] = {
		0x90, 0x01, 0x50, 0x98, 0x3c, 0xd2, 0x4f, 0xb0,
		0xd6, 0x96, 0x3f, 0x7d, 0x28, 0xe1, 0x7f, 0x72 };
	unsigned char md5[TP_MD5_LEN];
	struct tp_digest a, b;
	struct tp_err err;
	struct stat sb;
	int rfd, pfd;

	(void)state;
	usleep(60 * 1000);	/* older than the clock's coarseness */
	rfd = open(file, O_RDONLY | O_CLOEXEC);
	pfd = open(file, O_PATH | O_CLOEXEC);
	assert_int_equal(fstat(rfd, &sb), 0);
	assert_int_equal(tcb_hash_cached(rfd, &sb, TP_HASH_SHA256, &a, file,
					 &err), 0);
	assert_int_equal(tcb_hash_cached_md5(pfd, &sb, TP_HASH_SHA256, &b,
					     md5, file, &err), -1);
	assert_int_equal(tcb_hash_cached_md5(rfd, &sb, TP_HASH_SHA256, &b,
					     md5, file, &err), 0);
	assert_memory_equal(md5, md5_abc, TP_MD5_LEN);
	assert_true(tp_digest_equal(&a, &b));
	memset(md5, 0, sizeof(md5));
	assert_int_equal(tcb_hash_cached_md5(pfd, &sb, TP_HASH_SHA256, &b,
					     md5, file, &err), 0);
	assert_memory_equal(md5, md5_abc, TP_MD5_LEN);
	assert_int_equal(tcb_hash_cached(pfd, &sb, TP_HASH_SHA256, &b, file,
					 &err), 0);
	assert_true(tp_digest_equal(&a, &b));
	close(rfd);
	close(pfd);
}

static int
setup_file(void **state)
{
	int fd;

	(void)state;
	fd = open(file, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
	if (fd == -1 || write(fd, "abc", 3) != 3 || fchmod(fd, 0644) == -1 ||
	    fchown(fd, 0, 0) == -1)
		return -1;
	return close(fd);
}

static int
setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/tpath-verify.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(file, sizeof(file), "%s/f", dir);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(file);
	return rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_all_mismatches_reported, setup_file),
		cmocka_unit_test_setup(test_wrong_type_stops_there, setup_file),
		cmocka_unit_test_setup(test_symlink_target, setup_file),
		cmocka_unit_test_setup(test_cache, setup_file),
		cmocka_unit_test_setup(test_cache_md5, setup_file),
	};

	if (geteuid() != 0) {
		printf("[  SKIPPED ] verify: needs root to change owners\n");
		return 0;
	}
	return cmocka_run_group_tests_name("verification", tests, setup,
					   teardown);
}
