/*
 * hash.h - content hashes of trusted files (OpenSSL libcrypto, EVP).
 *
 * The text form is the sysck.cfg `hash` attribute: "sha256:<64 hex>" or
 * "sha512:<128 hex>", lower-case hex when written, either case when read.
 */
#ifndef TPATH_HASH_H
#define TPATH_HASH_H

#include <stddef.h>

#include "tperr.h"

enum tp_hash_alg { TP_HASH_NONE = 0, TP_HASH_SHA256, TP_HASH_SHA512 };

#define TP_HASH_MAX	64	/* bytes of the longest digest */
#define TP_HASH_TEXT	(7 + 2 * TP_HASH_MAX + 1) /* "sha512:" hex NUL */

struct tp_digest {
	enum tp_hash_alg alg;
	unsigned len;			/* bytes in md */
	unsigned char md[TP_HASH_MAX];
};

/* "sha256:..." -> digest; -1 (and a reason in *why) when malformed. */
int tp_hash_parse(const char *text, struct tp_digest *out, const char **why);
/* digest -> "sha256:...", into buf of at least TP_HASH_TEXT bytes. */
void tp_hash_format(const struct tp_digest *d, char *buf);
/* The algorithm's name as in the text form ("sha256"). */
const char *tp_hash_name(enum tp_hash_alg alg);
/*
 * Hash the whole content of the open file fd from offset 0 (pread, so the
 * file offset is untouched).  path is for messages only.
 */
int tp_hash_fd(int fd, enum tp_hash_alg alg, struct tp_digest *out,
	       const char *path, struct tp_err *err);
/* The digest of len bytes in memory (what: for messages). */
int tp_hash_mem(const void *buf, size_t len, enum tp_hash_alg alg,
		struct tp_digest *out, const char *what, struct tp_err *err);
int tp_digest_equal(const struct tp_digest *a, const struct tp_digest *b);
/*
 * tp_hash_fd, and in the same pass the MD5 digest of the same bytes: the
 * evidence dpkg keeps of what it wrote (its md5sums), compared before the
 * trusted digest is recorded.  MD5 is never a trusted digest: it is not an
 * algorithm of the text form.
 */
#define TP_MD5_LEN	16
int tp_hash_fd_md5(int fd, enum tp_hash_alg alg, struct tp_digest *out,
		   unsigned char md5[TP_MD5_LEN], const char *path,
		   struct tp_err *err);

#endif
