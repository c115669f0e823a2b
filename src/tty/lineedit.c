/*
 * lineedit.c - the login prompt's line editor.
 *
 * Defends the prompt against what is typed at it, which is hostile until
 * proven otherwise: the line never outgrows its buffer, holds no control
 * characters, and is wiped when it is not used (it may be a password); a
 * line that is not echoed never produces output.
 */
#include <string.h>
#include <termios.h>

#include "lineedit.h"

void
tp_line_init(struct tp_line *l, char *buf, size_t size, bool echo, bool sak,
	     const unsigned char *c_cc)
{
	*l = (struct tp_line){ .buf = buf, .size = size, .echo = echo,
			       .sak = sak, .erase = c_cc[VERASE],
			       .kill = c_cc[VKILL], .werase = c_cc[VWERASE],
			       .eof = c_cc[VEOF] };
	buf[0] = '\0';
}

/* Erase back to to, a whole UTF-8 character (one column) at a time. */
static void
erase(struct tp_line *l, size_t to, char *out, size_t *outlen)
{
	while (l->len > to) {
		while (--l->len > to && (l->buf[l->len] & 0xc0) == 0x80)
			;
		if (l->echo) {
			memcpy(out + *outlen, "\b \b", 3);
			*outlen += 3;
		}
	}
}

static enum tp_line_step
finish(struct tp_line *l, enum tp_line_step step)
{
	l->buf[l->len] = '\0';
	if (step != TP_LINE_DONE) {
		explicit_bzero(l->buf, l->size);
		l->len = 0;
	}
	return step;
}

/* Is c the editing character ch (0: the terminal has none)? */
static bool
is(unsigned char c, unsigned char ch)
{
	return ch != 0 && c == ch;
}

enum tp_line_step
tp_line_feed(struct tp_line *l, unsigned char c, char *out, size_t *outlen)
{
	char b = (char)c;

	*outlen = 0;
	if (l->sak && tp_sak_find(&l->key, &b, 1) == 0)
		return finish(l, TP_LINE_SAK);
	if (c == '\r' || c == '\n')
		return finish(l, TP_LINE_DONE);
	if (is(c, l->eof) && l->len == 0)
		return finish(l, TP_LINE_EOF);
	if (c == 0177 || c == '\b' || is(c, l->erase)) {
		size_t to = l->len;	/* back to the last character's start */

		while (to && (l->buf[--to] & 0xc0) == 0x80)
			;
		erase(l, to, out, outlen);
	} else if (is(c, l->kill)) {
		erase(l, 0, out, outlen);
	} else if (is(c, l->werase)) {
		size_t to = l->len;

		while (to && l->buf[to - 1] == ' ')
			to--;
		while (to && l->buf[to - 1] != ' ')
			to--;
		erase(l, to, out, outlen);
	} else if (c < 040) {
		;		/* other control characters: not in a name */
	} else if (l->len >= l->size - 1) {
		return finish(l, TP_LINE_TOO_LONG);
	} else {
		l->buf[l->len++] = b;
		if (l->echo)
			out[(*outlen)++] = b;
	}
	return TP_LINE_MORE;
}
