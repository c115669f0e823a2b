/*
 * fuzz_lineedit.c - libFuzzer target for the login prompt's line editor.
 *
 * Input: a flags byte (bit 0: echo, bit 1: the secure attention key), a
 * size byte (the buffer is 2 + it % 64 bytes), the terminal's erase, kill,
 * word erase and end-of-file characters (0: none), then the bytes typed.
 * Fed one by one, every step must hold:
 *  1. With echo off nothing is ever shown; with echo on, what is shown is
 *     the byte just added, or only "\b \b" erasures, never more of them
 *     than bytes left the line.
 *  2. The line stays inside its buffer and holds no control character and
 *     no DEL.
 *  3. It is what a model gives: add a byte; erase drops trailing UTF-8
 *     continuation bytes and the byte before them; kill empties; word
 *     erase drops trailing spaces, then the word.
 *  4. Ctrl-X then Ctrl-R ends the line as the key exactly when the key is
 *     on; Return ends it as typed; end-of-file only on an empty line; a
 *     byte with no room ends it as too long.  Whenever a line ends other
 *     than by Return, the whole buffer is wiped.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <termios.h>

#define FUZZ_TARGET "fuzz_lineedit"
#include "fuzz.h"
#include "lineedit.h"

#define MAXSIZE 65

struct model {
	unsigned char b[MAXSIZE];
	size_t n;
};

static bool
is(unsigned char c, unsigned char ch)
{
	return ch && c == ch;
}

static void
wiped(const char *buf, size_t size)
{
	for (size_t i = 0; i < size; i++)
		if (buf[i])
			fail("byte %zu not wiped", i);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[MAXSIZE], out[TP_LINE_ECHO_MAX(MAXSIZE)];
	unsigned char cc[NCCS] = { 0 };
	struct model m = { { 0 }, 0 };
	struct tp_line l;
	bool echo, sak;
	size_t bufsize, before;
	int prev = -1;

	if (size < 6)
		return 0;
	echo = data[0] & 1;
	sak = data[0] & 2;
	bufsize = 2 + data[1] % (MAXSIZE - 1);
	cc[VERASE] = data[2];
	cc[VKILL] = data[3];
	cc[VWERASE] = data[4];
	cc[VEOF] = data[5];
	memset(buf, 'Z', sizeof(buf));
	tp_line_init(&l, buf, bufsize, echo, sak, cc);
	for (size_t i = 6; i < size; i++) {
		unsigned char c = data[i];
		enum tp_line_step want = TP_LINE_MORE, got;
		size_t outlen = 0xdead;

		before = m.n;
		if (sak && prev == ('X' & 037) && c == ('R' & 037))
			want = TP_LINE_SAK;
		else if (c == '\r' || c == '\n')
			want = TP_LINE_DONE;
		else if (is(c, cc[VEOF]) && m.n == 0)
			want = TP_LINE_EOF;
		else if (c == 0177 || c == '\b' || is(c, cc[VERASE])) {
			while (m.n && (m.b[m.n - 1] & 0xc0) == 0x80)
				m.n--;
			if (m.n)
				m.n--;
		} else if (is(c, cc[VKILL])) {
			m.n = 0;
		} else if (is(c, cc[VWERASE])) {
			while (m.n && m.b[m.n - 1] == ' ')
				m.n--;
			while (m.n && m.b[m.n - 1] != ' ')
				m.n--;
		} else if (c < 040) {
			;
		} else if (m.n + 1 >= bufsize) {
			want = TP_LINE_TOO_LONG;
		} else {
			m.b[m.n++] = c;
		}
		prev = c;
		got = tp_line_feed(&l, c, out, &outlen);
		if (got != want)
			fail("byte %zu (%#x): step %d, want %d", i, c, got, want);
		if (outlen > sizeof(out))
			fail("echo of %zu bytes", outlen);
		if (!echo && outlen)
			fail("%zu bytes shown with echo off", outlen);
		if (echo && got == TP_LINE_MORE) {
			if (m.n > before) {
				if (outlen != 1 || (unsigned char)out[0] != c)
					fail("the byte added is not what is shown");
			} else {
				if (outlen % 3 || outlen / 3 > before - m.n)
					fail("%zu bytes shown for %zu erased",
					     outlen, before - m.n);
				for (size_t k = 0; k < outlen; k += 3)
					if (memcmp(out + k, "\b \b", 3))
						fail("not an erasure");
				if ((outlen == 0) != (before == m.n))
					fail("erased without showing it");
			}
		}
		if (got != TP_LINE_MORE) {
			if (got == TP_LINE_DONE) {
				if (l.len != m.n || memcmp(buf, m.b, m.n) ||
				    buf[m.n] != '\0')
					fail("the line is not the model's");
			} else {
				wiped(buf, bufsize);
			}
			return 0;
		}
		if (l.len != m.n || l.len >= bufsize || memcmp(buf, m.b, m.n))
			fail("byte %zu: the line is not the model's", i);
		for (size_t k = 0; k < l.len; k++)
			if ((unsigned char)buf[k] < 040 ||
			    (unsigned char)buf[k] == 0177)
				fail("a control character in the line");
	}
	return 0;
}
