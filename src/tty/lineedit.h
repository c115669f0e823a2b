/*
 * lineedit.h - the login prompt's line editor, byte by byte: what tgetty
 * does with each key typed at "login:" and "Password:".  No I/O here: the
 * caller reads the terminal and writes what is to be echoed.
 */
#ifndef TPATH_LINEEDIT_H
#define TPATH_LINEEDIT_H

#include <stdbool.h>
#include <stddef.h>

#include "sakkey.h"

/* The most one byte can ask to be echoed: erasing a whole line. */
#define TP_LINE_ECHO_MAX(size) (3 * (size))

struct tp_line {
	char *buf;		/* the line so far: buf[0, len), size bytes */
	size_t size, len;
	bool echo;		/* echo what is typed (never for a password) */
	bool sak;		/* Ctrl-X Ctrl-R ends the line as the key */
	/* the terminal's editing characters (c_cc); 0 for none */
	unsigned char erase, kill, werase, eof;
	struct tp_sak key;
};

enum tp_line_step {
	TP_LINE_MORE,		/* go on reading */
	TP_LINE_DONE,		/* Return: the line is buf, NUL-terminated */
	TP_LINE_EOF,		/* end of input on an empty line */
	TP_LINE_SAK,		/* the secure attention key */
	TP_LINE_TOO_LONG,	/* more than size - 1 bytes */
};

/* An empty line in buf (size > 0), editing characters from c_cc. */
void tp_line_init(struct tp_line *l, char *buf, size_t size, bool echo,
		  bool sak, const unsigned char *c_cc);

/*
 * One byte typed.  Erase (DEL, Backspace or the terminal's erase), kill
 * and word erase edit the line, a whole UTF-8 character at a time; other
 * control characters are ignored; the rest is added.  What the terminal
 * should show goes to out (room for TP_LINE_ECHO_MAX(size) bytes), its
 * length in *outlen: nothing, ever, when echo is off.  After anything but
 * TP_LINE_MORE the line is finished: buf is NUL-terminated, and wiped
 * unless TP_LINE_DONE.
 */
enum tp_line_step tp_line_feed(struct tp_line *l, unsigned char c, char *out,
			       size_t *outlen);

#endif
