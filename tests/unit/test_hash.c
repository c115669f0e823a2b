/* test_hash.c - digests of files, and the strict "sha256:<hex>" text form. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "hash.h"

#define SHA256_EMPTY "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b9" \
	"34ca495991b7852b855"
#define SHA256_ABC "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a" \
	"9cb410ff61f20015ad"
#define SHA512_EMPTY "sha512:cf83e1357eefb8bdf1542850d66d8007d620e4050b57" \
	"15dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a8" \
	"1a538327af927da3e"
#define SHA512_ABC "sha512:ddaf35a193617abacc417349ae20413112e6fa4e89a97e" \
	"a20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a" \
	"9ac94fa54ca49f"

/* A temporary file holding len bytes of a repeated pattern (or data). */
static int
tmpfile_with(const void *data, size_t len, char *path)
{
	static const char pattern[] = "tpath trusted file content 0123456789\n";
	char chunk[4096];
	size_t n;
	int fd;

	strcpy(path, "/tmp/test_hash.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	if (data != NULL) {
		assert_int_equal(write(fd, data, len), (ssize_t)len);
		return fd;
	}
	for (size_t i = 0; i < sizeof(chunk); i++)
		chunk[i] = pattern[i % (sizeof(pattern) - 1)];
	for (size_t done = 0; done < len; done += n) {
		/* 4096 is not a multiple of the pattern: offsets drift */
		n = len - done < sizeof(chunk) ? len - done : sizeof(chunk);
		assert_int_equal(write(fd, chunk, n), (ssize_t)n);
	}
	return fd;
}

static void
hash_text(int fd, enum tp_hash_alg alg, char *text)
{
	struct tp_digest d;
	struct tp_err e;

	e.msg[0] = '\0';
	assert_int_equal(tp_hash_fd(fd, alg, &d, "test", &e), 0);
	assert_string_equal(e.msg, "");
	assert_int_equal(d.alg, alg);
	assert_int_equal(d.len, alg == TP_HASH_SHA256 ? 32 : 64);
	tp_hash_format(&d, text);
}

static void
test_known_vectors(void **state)
{
	char path[64], text[TP_HASH_TEXT];
	int fd;

	(void)state;
	fd = tmpfile_with("", 0, path);
	hash_text(fd, TP_HASH_SHA256, text);
	assert_string_equal(text, SHA256_EMPTY);
	hash_text(fd, TP_HASH_SHA512, text);
	assert_string_equal(text, SHA512_EMPTY);
	close(fd);
	unlink(path);

	fd = tmpfile_with("abc", 3, path);
	hash_text(fd, TP_HASH_SHA256, text);
	assert_string_equal(text, SHA256_ABC);
	hash_text(fd, TP_HASH_SHA512, text);
	assert_string_equal(text, SHA512_ABC);
	close(fd);
	unlink(path);
}

/* Bytes in memory: the same digests as the same bytes in a file. */
static void
test_memory(void **state)
{
	static const char big[] = "tpath trusted file content 0123456789\n";
	char text[TP_HASH_TEXT], ftext[TP_HASH_TEXT], path[64];
	struct tp_digest d;
	struct tp_err e;
	int fd;

	(void)state;
	assert_int_equal(tp_hash_mem("", 0, TP_HASH_SHA256, &d, "mem", &e), 0);
	tp_hash_format(&d, text);
	assert_string_equal(text, SHA256_EMPTY);
	assert_int_equal(tp_hash_mem("abc", 3, TP_HASH_SHA512, &d, "mem", &e),
			 0);
	tp_hash_format(&d, text);
	assert_string_equal(text, SHA512_ABC);
	fd = tmpfile_with(big, sizeof(big) - 1, path);
	hash_text(fd, TP_HASH_SHA256, ftext);
	assert_int_equal(tp_hash_mem(big, sizeof(big) - 1, TP_HASH_SHA256, &d,
				     "mem", &e), 0);
	tp_hash_format(&d, text);
	assert_string_equal(text, ftext);
	close(fd);
	unlink(path);
	/* no algorithm: refused, saying which text */
	assert_int_equal(tp_hash_mem("abc", 3, TP_HASH_NONE, &d, "mem", &e),
			 -1);
	assert_non_null(strstr(e.msg, "mem: unknown hash algorithm"));
}

/* What sha256sum(1) or sha512sum(1) says, as "sha256:<hex>". */
static void
coreutils_hash(const char *tool, const char *path, char *text)
{
	char cmd[128], line[256];
	size_t hexlen = strcmp(tool, "sha256sum") == 0 ? 64 : 128;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "%s %s", tool, path);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_non_null(fgets(line, sizeof(line), p));
	assert_int_equal(pclose(p), 0);
	assert_true(strlen(line) > hexlen && line[hexlen] == ' ');
	snprintf(text, TP_HASH_TEXT, "%.6s:%.*s", tool, (int)hexlen, line);
}

static void
test_large_file_matches_coreutils(void **state)
{
	/* 3 MiB: whole 1 MiB reads; and one byte more: a short last read */
	static const size_t sizes[] = { 3 << 20, (3 << 20) + 1 };
	char path[64], got[TP_HASH_TEXT], want[TP_HASH_TEXT];
	int fd;

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		fd = tmpfile_with(NULL, sizes[i], path);
		hash_text(fd, TP_HASH_SHA256, got);
		coreutils_hash("sha256sum", path, want);
		assert_string_equal(got, want);
		hash_text(fd, TP_HASH_SHA512, got);
		coreutils_hash("sha512sum", path, want);
		assert_string_equal(got, want);
		close(fd);
		unlink(path);
	}
}

static void
test_offset_is_ignored_and_kept(void **state)
{
	char path[64], text[TP_HASH_TEXT];
	int fd;

	(void)state;
	fd = tmpfile_with("abc", 3, path);
	/* the write left the offset at 3; move it elsewhere too */
	assert_int_equal(lseek(fd, 0, SEEK_CUR), 3);
	hash_text(fd, TP_HASH_SHA256, text);
	assert_string_equal(text, SHA256_ABC);
	assert_int_equal(lseek(fd, 0, SEEK_CUR), 3);
	assert_int_equal(lseek(fd, 1, SEEK_SET), 1);
	hash_text(fd, TP_HASH_SHA512, text);
	assert_string_equal(text, SHA512_ABC);
	assert_int_equal(lseek(fd, 0, SEEK_CUR), 1);
	close(fd);
	unlink(path);
}

static void
test_read_errors(void **state)
{
	struct tp_digest d;
	struct tp_err e;
	int fd, pfd[2];

	(void)state;
	fd = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(tp_hash_fd(fd, TP_HASH_SHA256, &d, "/tmp", &e), -1);
	assert_string_equal(e.msg, "/tmp: read: Is a directory");
	close(fd);

	assert_int_equal(pipe(pfd), 0);
	assert_int_equal(tp_hash_fd(pfd[0], TP_HASH_SHA512, &d, "pipe", &e),
			 -1);
	assert_string_equal(e.msg, "pipe: read: Illegal seek");
	close(pfd[0]);
	close(pfd[1]);

	assert_int_equal(tp_hash_fd(-1, TP_HASH_SHA256, &d, "bad", &e), -1);
	assert_string_equal(e.msg, "bad: read: Bad file descriptor");
	assert_int_equal(tp_hash_fd(0, TP_HASH_NONE, &d, "x", &e), -1);
	assert_string_equal(e.msg, "x: unknown hash algorithm");
	/* a NULL error report is allowed */
	assert_int_equal(tp_hash_fd(-1, TP_HASH_SHA256, &d, "bad", NULL), -1);
}

static void
test_parse_format_round_trip(void **state)
{
	static const char *const good[] = {
		SHA256_EMPTY, SHA256_ABC, SHA512_EMPTY, SHA512_ABC
	};
	char upper[TP_HASH_TEXT], text[TP_HASH_TEXT];
	struct tp_digest d, d2;
	const char *why = NULL;

	(void)state;
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(tp_hash_parse(good[i], &d, &why), 0);
		assert_int_equal(d.alg, i < 2 ? TP_HASH_SHA256 :
				 TP_HASH_SHA512);
		assert_int_equal(d.len, i < 2 ? 32 : 64);
		tp_hash_format(&d, text);
		assert_string_equal(text, good[i]);
		/* hex in either case is read; lower case is written */
		strcpy(upper, good[i]);
		for (char *p = upper + 7; *p; p++)
			if (*p >= 'a' && *p <= 'f')
				*p = (char)(*p - 'a' + 'A');
		assert_int_equal(tp_hash_parse(upper, &d2, &why), 0);
		assert_true(tp_digest_equal(&d, &d2));
		tp_hash_format(&d2, text);
		assert_string_equal(text, good[i]);
	}
	assert_int_equal(d.md[0], 0xdd);
	assert_int_equal(d.md[63], 0x9f);
	assert_string_equal(tp_hash_name(TP_HASH_SHA256), "sha256");
	assert_string_equal(tp_hash_name(TP_HASH_SHA512), "sha512");
	assert_string_equal(tp_hash_name(TP_HASH_NONE), "none");
}

static void
test_malformed(void **state)
{
	static const char prefix[] = "expected sha256: or sha512: followed by "
		"hex digits";
	static const char n64[] = "sha256 needs 64 hex digits";
	static const char n128[] = "sha512 needs 128 hex digits";
	static const char hex64[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4"
		"649b934ca495991b7852b855";
	static const char hex128[] = "cf83e1357eefb8bdf1542850d66d8007d620e405"
		"0b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd"
		"47417a81a538327af927da3e";
	static const struct {
		const char *fmt, *arg, *why;
	} bad[] = {
		{ "", "", prefix },
		{ "sha256", "", prefix },
		{ "sha256%s", hex64, prefix },
		{ "SHA256:%s", hex64, prefix },
		{ "Sha512:%s", hex128, prefix },
		{ "sha1:%s", hex64, prefix },
		{ "md5:%s", hex64, prefix },
		{ " sha256:%s", hex64, prefix },
		{ "sha256 :%s", hex64, prefix },
		{ "sha256=%s", hex64, prefix },
		{ "sha2560:%s", hex64, prefix },
		{ "%s", hex64, prefix },
		{ "sha256:", "", n64 },
		{ "sha512:", "", n128 },
		{ "sha256:%.63s", hex64, n64 },
		{ "sha256:%s0", hex64, n64 },
		{ "sha256:%s ", hex64, n64 },
		{ "sha256:%s\n", hex64, n64 },
		{ "sha256: %.63s", hex64, n64 },
		{ "sha256:0x%.62s", hex64, n64 },
		{ "sha256:g%.63s", hex64, n64 },
		{ "sha256:%.63s-", hex64, n64 },
		{ "sha256:%s", hex128, n64 },
		{ "sha512:%s", hex64, n128 },
		{ "sha512:%.127s", hex128, n128 },
		{ "sha512:%.127sG", hex128, n128 },
		{ "sha512:%.64s %.63s", hex128, n128 },
	};
	struct tp_digest d;
	const char *why;
	char text[512];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		snprintf(text, sizeof(text), bad[i].fmt, bad[i].arg, bad[i].arg);
#pragma GCC diagnostic pop
		why = NULL;
		d.alg = TP_HASH_SHA256;
		if (tp_hash_parse(text, &d, &why) != -1)
			fail_msg("accepted \"%s\"", text);
		assert_string_equal(why, bad[i].why);
	}
	assert_int_equal(tp_hash_parse(NULL, &d, &why), -1);
	assert_string_equal(why, prefix);
	/* why may be NULL */
	assert_int_equal(tp_hash_parse("sha256:", &d, NULL), -1);
}

static void
test_digest_equal(void **state)
{
	struct tp_digest a, b, none;

	(void)state;
	assert_int_equal(tp_hash_parse(SHA256_ABC, &a, NULL), 0);
	assert_int_equal(tp_hash_parse(SHA256_ABC, &b, NULL), 0);
	assert_true(tp_digest_equal(&a, &b));
	b.md[31] ^= 1;
	assert_false(tp_digest_equal(&a, &b));
	/* same leading bytes, other algorithm */
	assert_int_equal(tp_hash_parse(SHA512_ABC, &b, NULL), 0);
	memcpy(b.md, a.md, 32);
	assert_false(tp_digest_equal(&a, &b));
	/* no algorithm matches nothing, not even itself */
	memset(&none, 0, sizeof(none));
	assert_false(tp_digest_equal(&none, &none));
}

struct worker {
	const char *path;
	char text[TP_HASH_TEXT];
	int rv;
};

static void *
hash_worker(void *arg)
{
	struct worker *w = arg;
	struct tp_digest d;
	struct tp_err e;
	int fd = open(w->path, O_RDONLY | O_CLOEXEC);

	w->rv = -1;
	if (fd == -1)
		return NULL;
	for (int i = 0; i < 4; i++) {
		if (tp_hash_fd(fd, TP_HASH_SHA256, &d, w->path, &e) == -1) {
			close(fd);
			return NULL;
		}
	}
	tp_hash_format(&d, w->text);
	close(fd);
	w->rv = 0;
	return NULL;
}

static void
test_threads(void **state)
{
	struct worker w[8];
	pthread_t t[8];
	char path[64], want[TP_HASH_TEXT];
	int fd;

	(void)state;
	fd = tmpfile_with(NULL, (2 << 20) + 4321, path);
	hash_text(fd, TP_HASH_SHA256, want);
	for (int i = 0; i < 8; i++) {
		w[i].path = path;
		assert_int_equal(pthread_create(&t[i], NULL, hash_worker, &w[i]),
				 0);
	}
	for (int i = 0; i < 8; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(w[i].rv, 0);
		assert_string_equal(w[i].text, want);
	}
	close(fd);
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_vectors),
		cmocka_unit_test(test_memory),
		cmocka_unit_test(test_large_file_matches_coreutils),
		cmocka_unit_test(test_offset_is_ignored_and_kept),
		cmocka_unit_test(test_read_errors),
		cmocka_unit_test(test_parse_format_round_trip),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_digest_equal),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests_name("hash", tests, NULL, NULL);
}
