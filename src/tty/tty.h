/*
 * tty.h - take a terminal the way a getty must, and put it back in a state
 * nothing untrusted chose: tgetty at start, and the secure attention key.
 */
#ifndef TPATH_TTY_H
#define TPATH_TTY_H

#include <stdbool.h>
#include <termios.h>

#include "tperr.h"

/*
 * Open path as this process's controlling terminal, revoking every other
 * descriptor open on it (vhangup), and make it root's with mode 0600.
 * The caller must be able to become a session leader (not a process group
 * leader already).  Returns the descriptor, blocking, close-on-exec.
 */
int tp_tty_open(const char *path, struct tp_err *err);
/*
 * Revoke every descriptor open on *fd, the caller's controlling terminal
 * (vhangup), and open path again in its place: checked to be the same
 * device, made the controlling terminal, root's, mode 0600.  On failure
 * *fd is closed and -1.
 */
int tp_tty_revoke(const char *path, int *fd, struct tp_err *err);
/* Sane line settings (as stty sane), with type-ahead discarded. */
int tp_tty_sane(int fd, struct tp_err *err);
/*
 * Raw, for a relayed session: every byte typed reaches the session's pty
 * as it is (Ctrl-C, Ctrl-R too) and nothing is echoed; *saved, when not
 * NULL, gets the settings before.
 */
int tp_tty_raw(int fd, struct termios *saved);
/* Is fd a Linux virtual console? */
bool tp_tty_is_vt(int fd);
/*
 * Is cup, a terminfo cursor-addressing string, ECMA-48's (CSI row;col H or
 * f)?  Then the terminal takes the standard resets.
 */
bool tp_tty_ecma48(const char *cup);
/*
 * The terminal's own state: on a virtual console text mode, Unicode
 * keyboard and VT_AUTO switching; then, from terminfo for term, the reset
 * strings (rs1, rs2, rs3), the normal screen, attributes, character set,
 * cursor, keypad and insert mode (rmcup, sgr0, rmacs, cnorm, rmkx, rmir),
 * a scroll region of the whole screen (csr), and clear.  When the entry is
 * ECMA-48's (tp_tty_ecma48), the standard resets of the same and of the
 * modes terminfo has no string for (mouse reports, bracketed paste, origin
 * mode) come with them: the alternate screen's after the reset strings,
 * the others after sgr0-rmir.  Line settings are tp_tty_sane's.
 */
int tp_tty_reset(int fd, const char *term, struct tp_err *err);
/*
 * Discard what the terminal answers to anything asked of it before now
 * (a program may have asked for the cursor position, the device
 * attributes, the answer-back message: answers that would otherwise come
 * in as typed input after the key).  A terminal answers in order: the
 * cursor is moved to a place chosen at random and its position asked for
 * (terminfo cup, u7), and all input is discarded until that very answer
 * (ECMA-48's cursor position report) comes, at most timeout_ms; then the
 * input queue is flushed.  The
 * reset that follows puts the cursor back.  0 when the answer came, -1
 * when it did not (no u7 in terminfo, or no answer: flushed only).
 */
int tp_tty_settle(int fd, const char *term, unsigned timeout_ms);

#endif
