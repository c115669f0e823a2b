/*
 * fuzz_tsh_parse.c - libFuzzer target for tsh's command-line parser.
 *
 * For every input P:
 *  1. tsh_parse(P).  The status is OK, ERROR or MORE, and *out is set
 *     exactly when it is OK.
 *  2. OK: the whole tree holds together: every pipeline has commands, every
 *     command a word, every word segments, every segment text; ops has
 *     npipes - 1 valid entries; 2>&1 has no target and other redirections
 *     have one; parameters are NAME, "?" or "$"; adjacent literals of the
 *     same quoting are merged; the tree holds no more text than P.  Then
 *     P + "\nx" parses too, with one more pipeline.
 *  3. ERROR or MORE: the message is printable ASCII, and line:col names a
 *     byte of P.  An error does not depend on what follows: P + "\nx"
 *     fails with the same message at the same place.
 *  4. MORE: appending what the message asks for (a quote, a character, a
 *     command on a new line) ends the need for more within four rounds.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_TARGET "fuzz_tsh_parse"
#include "fuzz.h"
#include "parse.h"

/* A word's segments; returns the bytes of text it holds. */
static size_t
check_word(const struct tsh_word *w, const char *what)
{
	size_t bytes = 0;

	if (w->nsegs == 0 || w->segs == NULL)
		fail("%s: word without segments", what);
	for (size_t i = 0; i < w->nsegs; i++) {
		const struct tsh_seg *s = &w->segs[i];

		if (s->text == NULL)
			fail("%s: segment %zu has no text", what, i);
		bytes += strlen(s->text);
		if (s->kind == TSH_PARAM) {
			if (strcmp(s->text, "?") != 0 &&
			    strcmp(s->text, "$") != 0 && !is_name(s->text))
				fail("%s: parameter \"%s\"", what, s->text);
			continue;
		}
		if (s->kind != TSH_LIT)
			fail("%s: segment kind %d", what, (int)s->kind);
		if (!s->quoted && s->text[0] == '\0')
			fail("%s: empty unquoted literal", what);
		if (i > 0 && w->segs[i - 1].kind == TSH_LIT &&
		    w->segs[i - 1].quoted == s->quoted)
			fail("%s: literals %zu and %zu not merged", what, i - 1,
			     i);
	}
	return bytes;
}

static size_t
check_cmd(const struct tsh_cmd *c)
{
	size_t bytes = 0;

	if (c->nwords == 0 || c->words == NULL)
		fail("command without words");
	if (c->nredirs > 0 && c->redirs == NULL)
		fail("nredirs %zu, redirs NULL", c->nredirs);
	for (size_t i = 0; i < c->nwords; i++)
		bytes += check_word(&c->words[i], "word");
	for (size_t i = 0; i < c->nredirs; i++) {
		const struct tsh_redir *r = &c->redirs[i];

		switch (r->kind) {
		case TSH_R_IN:
		case TSH_R_OUT:
		case TSH_R_APPEND:
		case TSH_R_ERR:
			bytes += check_word(&r->target, "redirection target");
			break;
		case TSH_R_ERR_TO_OUT:
			if (r->target.nsegs != 0 || r->target.segs != NULL)
				fail("2>&1 with a target");
			break;
		default:
			fail("redirection kind %d", (int)r->kind);
		}
	}
	return bytes;
}

static void
check_list(const struct tsh_list *l, size_t size)
{
	size_t bytes = 0;

	if (l->npipes > 0 && l->pipes == NULL)
		fail("npipes %zu, pipes NULL", l->npipes);
	if (l->npipes > 1 && l->ops == NULL)
		fail("npipes %zu, ops NULL", l->npipes);
	for (size_t i = 0; i < l->npipes; i++) {
		const struct tsh_pipeline *pl = &l->pipes[i];

		if (i > 0 && l->ops[i - 1] != TSH_SEQ &&
		    l->ops[i - 1] != TSH_AND && l->ops[i - 1] != TSH_OR)
			fail("ops[%zu] is %d", i - 1, (int)l->ops[i - 1]);
		if (pl->ncmds == 0 || pl->cmds == NULL)
			fail("pipeline %zu without commands", i);
		for (size_t j = 0; j < pl->ncmds; j++)
			bytes += check_cmd(&pl->cmds[j]);
	}
	if (bytes > size)
		fail("%zu bytes of text from %zu bytes of input", bytes, size);
}

/* The message is printable and line:col is a byte of the input. */
static void
check_err(const struct tsh_perr *err, const uint8_t *data, size_t size,
	  const char *what)
{
	size_t off = 0;

	if (err->msg[0] == '\0')
		fail("%s: empty message", what);
	for (const char *p = err->msg; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			fail("%s: byte 0x%02x in message \"%s\"", what,
			     (unsigned char)*p, err->msg);
	if (err->line == 0 || err->col == 0)
		fail("%s: position %u:%u", what, err->line, err->col);
	for (unsigned line = 1; line < err->line; line++) {
		const uint8_t *nl = off < size ? memchr(data + off, '\n',
							size - off) : NULL;

		if (nl == NULL)
			fail("%s: line %u of %u lines: %s", what, err->line,
			     line, err->msg);
		off = (size_t)(nl - data) + 1;
	}
	for (unsigned col = 1; col < err->col; col++, off++)
		if (off >= size || data[off] == '\n')
			fail("%s: no column %u on line %u: %s", what,
			     err->col, err->line, err->msg);
	if (off >= size)
		fail("%s: %u:%u is past the end: %s", what, err->line,
		     err->col, err->msg);
}

static enum tsh_parse_status
parse(const uint8_t *data, size_t size, struct tsh_list **l,
      struct tsh_perr *err)
{
	enum tsh_parse_status st;

	*l = (struct tsh_list *)data;	/* must be overwritten */
	st = tsh_parse((const char *)data, size, l, err);
	if (st != TSH_PARSE_OK && st != TSH_PARSE_ERROR &&
	    st != TSH_PARSE_MORE)
		fail("status %d", (int)st);
	if ((st == TSH_PARSE_OK) != (*l != NULL))
		fail("status %d with list %p", (int)st, (void *)*l);
	return st;
}

static uint8_t *
append(const uint8_t *data, size_t size, const char *tail, size_t *n)
{
	size_t tl = strlen(tail);
	uint8_t *b = malloc(size + tl + 1);

	if (b == NULL)
		abort();
	if (size)
		memcpy(b, data, size);
	memcpy(b + size, tail, tl);
	*n = size + tl;
	return b;
}

/* What to add so that the parser needs nothing more. */
static const char *
closer(const char *msg)
{
	if (strcmp(msg, "unterminated single quote") == 0)
		return "'";
	if (strcmp(msg, "unterminated double quote") == 0)
		return "\"";
	if (strcmp(msg, "backslash at end of input") == 0)
		return "x";
	if (strncmp(msg, "missing command after `", 23) == 0)
		return "\nx";
	fail("MORE with message \"%s\"", msg);
}

static void
check_more(const uint8_t *data, size_t size, const struct tsh_perr *first)
{
	uint8_t *b = NULL;
	struct tsh_perr err = *first;
	struct tsh_list *l;
	size_t n = size;
	int round;

	for (round = 0; round < 4; round++) {
		uint8_t *nb = append(b ? b : data, n, closer(err.msg), &n);

		free(b);
		b = nb;
		if (parse(b, n, &l, &err) != TSH_PARSE_MORE)
			break;
		check_err(&err, b, n, "MORE after a closer");
	}
	if (round == 4)
		fail("still MORE after four closers: %s", err.msg);
	if (l)
		check_list(l, n);
	tsh_list_free(l);
	free(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tsh_perr err, err2;
	struct tsh_list *l, *l2;
	enum tsh_parse_status st, st2;
	uint8_t *b;
	size_t n;

	if (size > TSH_MAX_INPUT - 2)
		return 0;
	st = parse(data, size, &l, &err);
	if (st == TSH_PARSE_OK && err.msg[0] != '\0')
		fail("OK with message \"%s\"", err.msg);
	if (st != TSH_PARSE_OK)
		check_err(&err, data, size, "tsh_parse");

	b = append(data, size, "\nx", &n);
	st2 = parse(b, n, &l2, &err2);
	if (st == TSH_PARSE_OK) {
		check_list(l, size);
		if (st2 != TSH_PARSE_OK)
			fail("OK, but not with \"\\nx\" after it: %s",
			     err2.msg);
		if (l2->npipes != l->npipes + 1)
			fail("\"\\nx\" after it: %zu pipelines, not %zu + 1",
			     l2->npipes, l->npipes);
	} else if (st == TSH_PARSE_ERROR) {
		if (st2 != TSH_PARSE_ERROR || err2.line != err.line ||
		    err2.col != err.col || strcmp(err2.msg, err.msg) != 0)
			fail("error %u:%u \"%s\" became %d %u:%u \"%s\" with "
			     "\"\\nx\" after it", err.line, err.col, err.msg,
			     (int)st2, err2.line, err2.col, err2.msg);
	} else {
		check_more(data, size, &err);
	}
	tsh_list_free(l2);
	tsh_list_free(l);
	free(b);
	return 0;
}
