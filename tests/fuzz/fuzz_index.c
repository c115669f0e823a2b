/*
 * fuzz_index.c - libFuzzer target for the reader of sysck.cdb, the index
 * of sysck.cfg (src/tcb/tcbindex.c), below its check of whose it is: the
 * input is the index file.
 *
 * Every key that names a path (up to 64) is looked up as tsh looks a
 * program up: its text (with default:'s) taken, parsed alone, and read as
 * an entry.  Every step must hold:
 *  1. The text is NUL-terminated at the length given.
 *  2. Parsed, the stanza found is the one asked for, and an entry read
 *     from it has that path.
 *  3. A proof kept for the path (its boot taken as this one) that parses
 *     is written back as text that parses to the same proof.
 *  4. The writer's walk of the whole index (below) ends, and carries each
 *     stanza's span unchanged.
 * The input is also the text the spans point into.
 * tinycdb checks every position against the map; the sanitizers watch.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define FUZZ_TARGET "fuzz_index"
#include "fuzz.h"
#include "tcbdb.h"
#include "tcbindex.h"

static void
check_proof(struct tcb_index *x, const char *path)
{
	struct tcb_proof p, q;
	char text[TCB_PROOF_MAX];

	x->boot = 1;		/* below the check of the boot */
	if (tcb_index_proof(x, path, &p) != 0)
		return;
	tcb_proof_format(&p, text);
	if (tcb_proof_parse(text, strlen(text), &q) != 0 ||
	    !tcb_proof_same(&p, &q) || !tp_digest_equal(&p.digest, &q.digest))
		fail("proof of %s does not survive its text: %s", path, text);
}

static void
look_up(struct tcb_index *x, const char *path)
{
	struct stz_stanza *st;
	struct stz_doc *doc;
	struct tcb_entry e;
	struct tp_err err;
	size_t len;
	char *text;

	if (tcb_index_text(x, path, &text, &len, NULL) != 0)
		return;
	if (strlen(text) > len || text[len] != '\0')
		fail("text of %s not terminated at %zu", path, len);
	if ((doc = stz_parse("sysck.cfg", text, len, &err)) != NULL) {
		if ((st = stz_find(doc, path)) != NULL) {
			memset(&e, 0, sizeof(e));
			if (strcmp(st->name, path) != 0)
				fail("asked %s, found %s", path, st->name);
			if (tcb_entry_parse(doc, st, &e, &err) == 0 &&
			    strcmp(e.path, path) != 0)
				fail("entry %s for %s", e.path, path);
		}
		stz_free(doc);
	}
	free(text);
	check_proof(x, path);
}

/* The next record of a walk whose key starts with '/' (a stanza's):
   1, or 0 at its end (or where tinycdb's walk would not move on). */
static int
next_path(struct cdb *c, unsigned *pos, const char **k, unsigned *kl,
	  const char **v, unsigned *vl)
{
	for (;;) {
		unsigned last = *pos;

		if (cdb_seqnext(pos, c) <= 0 || *pos <= last)
			return 0;
		*kl = cdb_keylen(c);
		*vl = cdb_datalen(c);
		*k = cdb_getkey(c);
		*v = cdb_getdata(c);
		if (*k && *v && *kl > 0 && (*k)[0] == '/')
			return 1;
	}
}

/*
 * 4. The writer's walk of an old index (tcb_index_carry, nothing changed)
 * ends, and carries each stanza's record as it was, in order.
 */
static void
carry_all(struct tcb_index *x)
{
	int fd = memfd_create("fuzz_index_out", MFD_CLOEXEC);
	struct tcb_index out;
	struct cdb_make m;
	unsigned ip, op, ikl, ivl, okl, ovl;
	const char *ik, *iv, *ok, *ov;

	if (fd == -1)
		fail("memfd");
	cdb_make_start(&m, fd);
	/* finished whatever happened: tinycdb frees its tables there */
	if ((tcb_index_carry(&m, x, NULL, 0, NULL, false) != 0) |
	    (cdb_make_finish(&m) != 0) || tcb_index_map(&out, fd) != 0) {
		close(fd);
		return;
	}
	cdb_seqinit(&ip, &x->cdb);
	cdb_seqinit(&op, &out.cdb);
	while (next_path(&out.cdb, &op, &ok, &okl, &ov, &ovl)) {
		if (!next_path(&x->cdb, &ip, &ik, &ikl, &iv, &ivl))
			fail("a record carried that was not there");
		if (ikl != okl || ivl != ovl || memcmp(ik, ok, ikl) != 0 ||
		    memcmp(iv, ov, ivl) != 0)
			fail("a stanza's record carried changed");
	}
	if (next_path(&x->cdb, &ip, &ik, &ikl, &iv, &ivl))
		fail("a stanza's record not carried");
	tcb_index_close(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz_index", MFD_CLOEXEC);
	struct tcb_index x;
	unsigned pos, n = 0;
	char keys[64][256];

	if (fd == -1 || write(fd, data, size) != (ssize_t)size)
		fail("memfd");
	if (tcb_index_map(&x, fd) != 0) {
		close(fd);
		return 0;
	}
	x.text = dup(fd);	/* the stanzas' spans: into the input itself */
	carry_all(&x);
	cdb_seqinit(&pos, &x.cdb);
	/* tinycdb's walk (the harness's, not the reader's) trusts the
	   lengths: it must move forward, or it would go round for ever */
	for (unsigned last = 0; n < 64 && pos > last; ) {
		unsigned kl;
		const char *k;

		last = pos;
		if (cdb_seqnext(&pos, &x.cdb) <= 0)
			break;
		kl = cdb_keylen(&x.cdb);
		k = cdb_getkey(&x.cdb);

		if (k == NULL || kl == 0 || kl >= sizeof(keys[0]) ||
		    k[0] != '/' || memchr(k, '\0', kl))
			continue;
		memcpy(keys[n], k, kl);
		keys[n++][kl] = '\0';
	}
	for (unsigned i = 0; i < n; i++)
		look_up(&x, keys[i]);
	look_up(&x, "/usr/bin/true");
	tcb_index_close(&x);
	return 0;
}
