/*
 * hash.c - content hashes of trusted files.
 *
 * Threat: a trusted file whose content was changed behind the database's
 * back (a trojaned binary with the right owner and mode), and a hash
 * attribute crafted to be read loosely.  Digests come from OpenSSL's EVP
 * interface only, over the content read with pread(2) from offset 0 of the
 * very descriptor the caller checks (and will execute), so the caller's file
 * offset is never moved.  Each call owns its buffer and context: several
 * threads may hash at once.  The text form is parsed exactly: the prefix,
 * the number of hex digits, nothing before or after.
 *
 * libcrypto is loaded on the first digest (dlopen of the soname it was
 * built against, as the dynamic linker would find it), not at start: a
 * program whose content the index proves (proof.h) runs without it, and
 * loading it is most of a short program's start-up.  It cannot be loaded:
 * nothing is hashed, and nothing verified (fail closed).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>
#include <openssl/evp.h>
#include <openssl/opensslv.h>

#include "hash.h"

#define HASH_CHUNK	(1024 * 1024)	/* bytes per pread */

static const struct {
	enum tp_hash_alg alg;
	const char *name;		/* as in the text form */
	unsigned len;			/* digest bytes */
	const char *short_hex;		/* why, when the hex part is wrong */
} algs[] = {
	{ TP_HASH_SHA256, "sha256", 32, "sha256 needs 64 hex digits" },
	{ TP_HASH_SHA512, "sha512", 64, "sha512 needs 128 hex digits" },
};
#define NALGS	(int)(sizeof(algs) / sizeof(algs[0]))

static int
alg_index(enum tp_hash_alg alg)
{
	for (int i = 0; i < NALGS; i++)
		if (algs[i].alg == alg)
			return i;
	return -1;
}

/* The algorithm whose exact "name:" starts text, or -1. */
static int
prefix_index(const char *text)
{
	size_t n;

	for (int i = 0; i < NALGS; i++) {
		n = strlen(algs[i].name);
		if (strncmp(text, algs[i].name, n) == 0 && text[n] == ':')
			return i;
	}
	return -1;
}

const char *
tp_hash_name(enum tp_hash_alg alg)
{
	int i = alg_index(alg);

	return i == -1 ? "none" : algs[i].name;
}

#define STR_(x) #x
#define STR(x) STR_(x)
#define CRYPTO_SONAME "libcrypto.so." STR(OPENSSL_SHLIB_VERSION)

/* The libcrypto functions used, once loaded (evp.h's prototypes). */
static struct {
	const EVP_MD *(*sha256)(void), *(*sha512)(void), *(*md5)(void);
	EVP_MD_CTX *(*ctx_new)(void);
	void (*ctx_free)(EVP_MD_CTX *);
	int (*init)(EVP_MD_CTX *, const EVP_MD *, ENGINE *);
	int (*update)(EVP_MD_CTX *, const void *, size_t);
	int (*final)(EVP_MD_CTX *, unsigned char *, unsigned int *);
} fn;
static pthread_once_t fn_once = PTHREAD_ONCE_INIT;
static bool fn_loaded;

static void
load_crypto(void)
{
	void *h = dlopen(CRYPTO_SONAME, RTLD_NOW | RTLD_LOCAL);
	static const char *const names[] = { "EVP_sha256", "EVP_sha512",
		"EVP_md5", "EVP_MD_CTX_new", "EVP_MD_CTX_free",
		"EVP_DigestInit_ex", "EVP_DigestUpdate", "EVP_DigestFinal_ex" };
	void *sym[sizeof(names) / sizeof(names[0])];

	if (h == NULL)
		return;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if ((sym[i] = dlsym(h, names[i])) == NULL)
			return;		/* kept loaded: unused */
	/* POSIX: a data pointer from dlsym may be converted to a function's */
	*(void **)&fn.sha256 = sym[0];
	*(void **)&fn.sha512 = sym[1];
	*(void **)&fn.md5 = sym[2];
	*(void **)&fn.ctx_new = sym[3];
	*(void **)&fn.ctx_free = sym[4];
	*(void **)&fn.init = sym[5];
	*(void **)&fn.update = sym[6];
	*(void **)&fn.final = sym[7];
	fn_loaded = true;
}

static bool
crypto(void)
{
	pthread_once(&fn_once, load_crypto);
	return fn_loaded;
}

static const EVP_MD *
evp_md(enum tp_hash_alg alg)
{
	switch (alg) {
	case TP_HASH_SHA256:
		return fn.sha256();
	case TP_HASH_SHA512:
		return fn.sha512();
	default:
		return NULL;
	}
}

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
bad(const char **why, const char *reason)
{
	if (why != NULL)
		*why = reason;
	return -1;
}

int
tp_hash_parse(const char *text, struct tp_digest *out, const char **why)
{
	const char *hex;
	size_t n;
	int i;

	if (text == NULL || (i = prefix_index(text)) == -1)
		return bad(why, "expected sha256: or sha512: followed by hex "
			   "digits");
	hex = text + strlen(algs[i].name) + 1;
	if (strlen(hex) != 2 * algs[i].len)
		return bad(why, algs[i].short_hex);
	memset(out, 0, sizeof(*out));
	for (n = 0; n < algs[i].len; n++) {	/* one pass: check and decode */
		int hi = hexval((unsigned char)hex[2 * n]);
		int lo = hexval((unsigned char)hex[2 * n + 1]);

		if (hi == -1 || lo == -1) {
			memset(out, 0, sizeof(*out));
			return bad(why, algs[i].short_hex);
		}
		out->md[n] = (unsigned char)(hi << 4 | lo);
	}
	out->alg = algs[i].alg;
	out->len = algs[i].len;
	return 0;
}

void
tp_hash_format(const struct tp_digest *d, char *buf)
{
	static const char digits[] = "0123456789abcdef";
	const char *name = tp_hash_name(d->alg);
	int i = alg_index(d->alg);
	unsigned len = i == -1 ? 0 : algs[i].len;
	char *p = buf;

	/* "none:" is shorter than "sha512:", so buf is always big enough */
	p = stpcpy(p, name);
	*p++ = ':';
	for (unsigned k = 0; k < len; k++) {
		*p++ = digits[d->md[k] >> 4];
		*p++ = digits[d->md[k] & 0xf];
	}
	*p = '\0';
}

int
tp_digest_equal(const struct tp_digest *a, const struct tp_digest *b)
{
	int i = alg_index(a->alg);

	/* fail closed: a digest of no known algorithm matches nothing */
	if (i == -1 || a->alg != b->alg || a->len != algs[i].len ||
	    b->len != a->len)
		return 0;
	/* digests of files anyone may read: no secret to time */
	return memcmp(a->md, b->md, a->len) == 0;
}

/* Feed the whole file to ctx (and to ctx2, unless NULL); -1 with errno
 * set when a read fails. */
static int
digest_file(int fd, EVP_MD_CTX *ctx, EVP_MD_CTX *ctx2, unsigned char *buf)
{
	off_t off = 0;
	ssize_t n;

	for (;;) {
		n = pread(fd, buf, HASH_CHUNK, off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0)
			return 0;
		if (fn.update(ctx, buf, (size_t)n) != 1 ||
		    (ctx2 && fn.update(ctx2, buf, (size_t)n) != 1)) {
			errno = EIO;
			return -2;
		}
		off += n;
	}
}

/* The contexts of one digest: alg's, and MD5's beside it when md5. */
struct digest {
	EVP_MD_CTX *ctx, *ctx5;
};

static int
digest_start(struct digest *g, enum tp_hash_alg alg, bool md5,
	     const char *path, struct tp_err *err)
{
	const EVP_MD *md;

	g->ctx = g->ctx5 = NULL;
	if (!crypto())
		return tp_err_set(err, "%s: cannot load %s: %s", path,
				  CRYPTO_SONAME, "nothing can be hashed");
	if ((md = evp_md(alg)) == NULL)
		return tp_err_set(err, "%s: unknown hash algorithm", path);
	if ((g->ctx = fn.ctx_new()) == NULL ||
	    (md5 && (g->ctx5 = fn.ctx_new()) == NULL))
		return tp_err_set(err, "%s: %s: out of memory", path,
				  tp_hash_name(alg));
	if (fn.init(g->ctx, md, NULL) != 1 ||
	    (g->ctx5 && fn.init(g->ctx5, fn.md5(), NULL) != 1))
		return tp_err_set(err, "%s: %s: OpenSSL cannot start the "
				  "digest", path, tp_hash_name(alg));
	return 0;
}

static int
digest_finish(struct digest *g, enum tp_hash_alg alg, struct tp_digest *out,
	      unsigned char *md5, const char *path, struct tp_err *err)
{
	unsigned len = 0;

	memset(out, 0, sizeof(*out));
	if (fn.final(g->ctx, out->md, &len) != 1 ||
	    len != algs[alg_index(alg)].len ||
	    (g->ctx5 && fn.final(g->ctx5, md5, NULL) != 1)) {
		memset(out, 0, sizeof(*out));
		return tp_err_set(err, "%s: %s: OpenSSL digest failed", path,
				  tp_hash_name(alg));
	}
	out->alg = alg;
	out->len = len;
	return 0;
}

static void
digest_free(struct digest *g)
{
	if (fn_loaded) {
		fn.ctx_free(g->ctx);
		fn.ctx_free(g->ctx5);
	}
}

/* As tp_hash_fd, and the MD5 digest of the same bytes when md5 is set. */
static int
hash_fd(int fd, enum tp_hash_alg alg, struct tp_digest *out,
	unsigned char *md5, const char *path, struct tp_err *err)
{
	struct digest g;
	unsigned char *buf = NULL;
	int rv = -1, r;

	if (digest_start(&g, alg, md5 != NULL, path, err) == -1)
		goto out;
	if ((buf = malloc(HASH_CHUNK)) == NULL) {
		tp_err_set(err, "%s: %s: out of memory", path,
			   tp_hash_name(alg));
		goto out;
	}
	/* advice only: a pipe or an odd file system may refuse it */
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	if ((r = digest_file(fd, g.ctx, g.ctx5, buf)) != 0) {
		if (r == -1)
			tp_err_set(err, "%s: read: %s", path, strerror(errno));
		else
			tp_err_set(err, "%s: %s: OpenSSL digest failed", path,
				   tp_hash_name(alg));
		goto out;
	}
	rv = digest_finish(&g, alg, out, md5, path, err);
out:
	digest_free(&g);
	free(buf);
	return rv;
}

int
tp_hash_mem(const void *buf, size_t len, enum tp_hash_alg alg,
	    struct tp_digest *out, const char *what, struct tp_err *err)
{
	struct digest g;
	int rv = -1;

	if (digest_start(&g, alg, false, what, err) == -1)
		goto out;
	/* EVP_DigestUpdate takes any length, 0 included */
	if (fn.update(g.ctx, buf, len) != 1)
		tp_err_set(err, "%s: %s: OpenSSL digest failed", what,
			   tp_hash_name(alg));
	else
		rv = digest_finish(&g, alg, out, NULL, what, err);
out:
	digest_free(&g);
	return rv;
}

int
tp_hash_fd(int fd, enum tp_hash_alg alg, struct tp_digest *out,
	   const char *path, struct tp_err *err)
{
	return hash_fd(fd, alg, out, NULL, path, err);
}

int
tp_hash_fd_md5(int fd, enum tp_hash_alg alg, struct tp_digest *out,
	       unsigned char md5[TP_MD5_LEN], const char *path,
	       struct tp_err *err)
{
	return hash_fd(fd, alg, out, md5, path, err);
}
