/*
 * parse.c - read a tsh command line (a ksh subset) into a struct tsh_list.
 *
 * The text comes from whoever holds the keyboard, or from a file or a -c
 * argument, and nothing of it may run unless all of it was understood.
 * This file defends against:
 *
 *  - Running something other than what was typed.  Every construct outside
 *    the subset is an error that names it, never plain text: sh gives
 *    "$1", "${X:-y}", "1>f", ">&2", "$'...'", "X=1 cmd" or "if" a meaning,
 *    and reading them as words would run a different command line.
 *  - Partial runs.  The whole input is parsed before anything runs; an
 *    error leaves *out NULL, and input that is merely unfinished (an open
 *    quote, a trailing backslash, |, && or ||) says TSH_PARSE_MORE.
 *  - Exhaustion.  The input is bounded (TSH_MAX_INPUT), the grammar is flat
 *    (no recursion), every loop moves forward through the input, and
 *    arrays double: time and memory are linear in the input.
 *  - Terminal escapes in messages.  Input quoted in a message is cut to 20
 *    bytes, and every byte outside printable ASCII is shown as '?'.
 *  - Leaks and half-built trees.  Every array and string of the tree is
 *    its own malloc() block, so the executor may replace any of them;
 *    tsh_list_free() frees them all, and frees partial trees on errors.
 *
 * Decisions (tsh(1) states them):
 *  - "$" before a letter or "_" starts $NAME; "$?", "$$", "${NAME}" are
 *    parameters.  "$" before a digit, "#", "@", "*", "!" or "-" is an
 *    error (no positional or special parameters); "$(" and "$((" are
 *    errors; outside double quotes "$'" and "$\"" are errors (ksh quoting
 *    forms).  Any other "$" (before a blank, the end, "/", a closing
 *    double quote, ...) is a literal "$".  "${" must be followed by NAME
 *    and "}"; anything else is an error quoting it.
 *  - A redirection's descriptor number counts only when unquoted digits
 *    make up the whole word so far, right before "<" or ">": "a2>f" is the
 *    word a2 and ">f".  Only "2>" and "2>&1" may carry one.
 *  - A command must have a word: "> f" alone is an error.
 *  - Reserved words, "{", "}" and "!" are errors as the first word of a
 *    command when unquoted ("\time" or "'if'" run programs of that name);
 *    so is an assignment NAME=... there (export sets variables).
 *  - A backslash-escaped character is quoted text.  Quotes that hold
 *    nothing give an empty quoted segment unless joined to other quoted
 *    text, so ''$X is an argument even when X is empty.
 *  - Newlines after |, && and || are skipped, as in sh.  A "#" at the
 *    start of a word comments out the rest of the line; a backslash at its
 *    end does not continue the comment.
 *  - With TSH_PARSE_MORE, err says why too ("unterminated double quote"
 *    at the quote), for a caller that has no more lines to give.  An input
 *    that ends in backslash-newline needs more whenever the parser looked
 *    that far: the next line may join the last word or operator.
 *  - Columns count bytes, from 1.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "stanza.h"

#define SHOW_MAX	20	/* bytes of input quoted in a message */

/* Every message, once.  "%s" stands for a piece of input or an operator. */
enum msg {
	M_NOMEM, M_TOOLONG, M_NUL, M_NEAR, M_BG, M_SUBSHELL, M_CMDSUB,
	M_ARITH, M_PROCSUB, M_HEREDOC, M_HERESTR, M_REDIR, M_NOFILE, M_NOCMD,
	M_RESERVED, M_ASSIGN, M_PARAM, M_BRACE, M_BRACE_OPEN, M_DOLLARQ,
	M_PIPEAMP, M_SQUOTE, M_DQUOTE, M_BACKSLASH, M_OPEN_OP,
};

static const char *const msgs[] = {
	[M_NOMEM] = "out of memory",
	[M_TOOLONG] = "input longer than %s bytes",
	[M_NUL] = "NUL byte in input",
	[M_NEAR] = "syntax error near `%s'",
	[M_BG] = "background jobs are not supported",
	[M_SUBSHELL] = "subshells and functions are not supported",
	[M_CMDSUB] = "command substitution is not supported",
	[M_ARITH] = "arithmetic expansion is not supported",
	[M_PROCSUB] = "process substitution is not supported",
	[M_HEREDOC] = "here-documents are not supported",
	[M_HERESTR] = "here-strings are not supported",
	[M_REDIR] = "redirection `%s' is not supported",
	[M_NOFILE] = "redirection needs a file name",
	[M_NOCMD] = "redirection without a command",
	[M_RESERVED] = ("`%s' is not supported: tsh runs commands, not "
	    "shell programs"),
	[M_ASSIGN] = "variable assignments are not supported (use export)",
	[M_PARAM] = "unsupported parameter %s",
	[M_BRACE] = "unsupported parameter expansion `%s'",
	[M_BRACE_OPEN] = "missing `}' after `%s'",
	[M_DOLLARQ] = "$'...' and $\"...\" quoting are not supported",
	[M_PIPEAMP] = "`|&' is not supported",
	[M_SQUOTE] = "unterminated single quote",
	[M_DQUOTE] = "unterminated double quote",
	[M_BACKSLASH] = "backslash at end of input",
	[M_OPEN_OP] = "missing command after `%s'",
};

static const char *const reserved[] = {
	"if", "then", "else", "elif", "fi", "case", "esac", "for", "while",
	"until", "do", "done", "function", "select", "time", "[[", "]]",
	"{", "}", "!",
};

/* The input, with backslash-newline skipped outside '...' and comments. */
struct lex {
	const char *s;
	size_t len, pos;	/* pos is never at a backslash-newline */
	bool contend;		/* the input ends with one: read more */
};

struct buf {
	char *p;
	size_t len, cap;
};

enum tok { T_EOF, T_WORD, T_REDIR, T_NL, T_SEMI, T_PIPE, T_AND, T_OR };

struct parser {
	struct lex lx;
	struct tsh_perr *err;
	enum tsh_parse_status status;
	struct tsh_list *list;
	struct tsh_pipeline *pipe;	/* open pipeline, or NULL */
	struct tsh_cmd *cmd;		/* open command, or NULL */
	size_t cmdoff;			/* where cmd started */
	const char *need;		/* |, && or ||: a command must follow */
	size_t needoff;
	enum tsh_op sep;		/* joins the next pipeline */
	struct tsh_word w;		/* the word being read */
	struct buf lit;			/* its pending literal text */
	bool lit_on, lit_quoted;
	size_t pieces;			/* text and parameters read */
	enum tok tok;			/* the token just read ... */
	size_t tokoff;			/* ... where it starts ... */
	enum tsh_redir_kind rkind;	/* ... and, for T_REDIR, its kind */
};

/* ------------------------------------------------------------------ */
/* Memory */

/* Room for element n of an array whose capacity doubles at powers of 2. */
static void *
grow(void *arr, size_t n, size_t size)
{
	size_t cap;

	if (n != 0 && (n & (n - 1)) != 0)
		return arr;
	cap = n == 0 ? 1 : n * 2;
	if (cap > SIZE_MAX / size)
		return NULL;
	return realloc(arr, cap * size);
}

static int
buf_put(struct buf *b, char c)
{
	if (b->len + 1 >= b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 32;
		char *p = realloc(b->p, cap);

		if (p == NULL)
			return -1;
		b->p = p;
		b->cap = cap;
	}
	b->p[b->len++] = c;
	return 0;
}

static char *
dupn(const char *p, size_t n)
{
	char *s = malloc(n + 1);

	if (s) {
		if (n)
			memcpy(s, p, n);
		s[n] = '\0';
	}
	return s;
}

static void
word_free(struct tsh_word *w)
{
	for (size_t i = 0; i < w->nsegs; i++)
		free(w->segs[i].text);
	free(w->segs);
	w->segs = NULL;
	w->nsegs = 0;
}

static void
cmd_free(struct tsh_cmd *c)
{
	for (size_t i = 0; i < c->nwords; i++)
		word_free(&c->words[i]);
	free(c->words);
	for (size_t i = 0; i < c->nredirs; i++)
		word_free(&c->redirs[i].target);
	free(c->redirs);
}

void
tsh_list_free(struct tsh_list *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->npipes; i++) {
		for (size_t j = 0; j < l->pipes[i].ncmds; j++)
			cmd_free(&l->pipes[i].cmds[j]);
		free(l->pipes[i].cmds);
	}
	free(l->pipes);
	free(l->ops);
	free(l);
}

/* ------------------------------------------------------------------ */
/* Errors */

/* Input for a message: at most SHOW_MAX bytes, printable ASCII or '?'. */
struct show {
	char s[SHOW_MAX + 4];
	size_t n;
};

static void
show_add(struct show *sh, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (sh->n == SHOW_MAX) {
			memcpy(sh->s + sh->n, "...", 4);
			return;
		}
		sh->s[sh->n++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
		sh->s[sh->n] = '\0';
	}
}

/* msgs[id] with its "%s" replaced by arg, made printable. */
static void
format(char *dst, size_t size, enum msg id, const char *arg)
{
	const char *t = msgs[id], *at = strstr(t, "%s");
	struct show sh = { "", 0 };

	if (at == NULL) {
		snprintf(dst, size, "%s", t);
		return;
	}
	show_add(&sh, arg, strlen(arg));
	snprintf(dst, size, "%.*s%s%s", (int)(at - t), t, sh.s, at + 2);
}

static void
report(struct parser *p, enum tsh_parse_status st, size_t off, enum msg id,
       const char *arg)
{
	unsigned line = 1, col = 1;

	if (off >= p->lx.len && p->lx.len > 0)
		off = p->lx.len - 1;
	for (size_t i = 0; i < off; i++) {
		if (p->lx.s[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	p->status = st;
	p->err->line = line;
	p->err->col = col;
	format(p->err->msg, sizeof(p->err->msg), id, arg);
}

/*
 * A syntax error at off.  When the input ends with a backslash-newline and
 * the parser looked that far, the next line could change the verdict.
 */
static int
refuse(struct parser *p, size_t off, enum msg id, const char *arg)
{
	if (p->lx.contend)
		report(p, TSH_PARSE_MORE, p->lx.len - 2, M_BACKSLASH, "");
	else
		report(p, TSH_PARSE_ERROR, off, id, arg);
	return -1;
}

static int
more(struct parser *p, size_t off, enum msg id, const char *arg)
{
	report(p, TSH_PARSE_MORE, off, id, arg);
	return -1;
}

static int
nomem(struct parser *p)
{
	report(p, TSH_PARSE_ERROR, 0, M_NOMEM, "");
	return -1;
}

/* ------------------------------------------------------------------ */
/* Reading the input */

static size_t
skip_cont(struct lex *lx, size_t i)
{
	size_t from = i;

	while (i + 1 < lx->len && lx->s[i] == '\\' && lx->s[i + 1] == '\n')
		i += 2;
	if (i != from && i == lx->len)
		lx->contend = true;
	return i;
}

static int
peek(const struct lex *lx)
{
	return lx->pos < lx->len ? (unsigned char)lx->s[lx->pos] : -1;
}

/* The character n after the current one, continuations skipped. */
static int
ahead(struct lex *lx, unsigned n)
{
	size_t i = lx->pos;

	for (; n > 0 && i < lx->len; n--)
		i = skip_cont(lx, i + 1);
	return i < lx->len ? (unsigned char)lx->s[i] : -1;
}

static void
adv(struct lex *lx)
{
	if (lx->pos < lx->len)
		lx->pos = skip_cont(lx, lx->pos + 1);
}

static bool
is_blank(int c)
{
	return c == ' ' || c == '\t';
}

/* Ends an unquoted word. */
static bool
is_delim(int c)
{
	return c == -1 || is_blank(c) || c == '\n' || c == ';' || c == '&' ||
	       c == '|' || c == '<' || c == '>' || c == '(' || c == ')';
}


/* ------------------------------------------------------------------ */
/* Words */

static int
push_seg(struct parser *p, enum tsh_seg_kind kind, bool quoted, char *text)
{
	struct tsh_seg *segs;

	if (text == NULL)
		return nomem(p);
	if ((segs = grow(p->w.segs, p->w.nsegs, sizeof(*segs))) == NULL) {
		free(text);
		return nomem(p);
	}
	p->w.segs = segs;
	segs[p->w.nsegs++] = (struct tsh_seg){ kind, quoted, text };
	return 0;
}

static int
flush(struct parser *p)
{
	if (!p->lit_on)
		return 0;
	p->lit_on = false;
	if (push_seg(p, TSH_LIT, p->lit_quoted, dupn(p->lit.p,
						     p->lit.len)) == -1)
		return -1;
	p->lit.len = 0;
	return 0;
}

/* Literal text; c == -1 adds nothing (for quotes that held nothing). */
static int
lit(struct parser *p, int c, bool quoted)
{
	if (p->lit_on && p->lit_quoted != quoted && flush(p) == -1)
		return -1;
	p->lit_on = true;
	p->lit_quoted = quoted;
	if (c == -1)
		return 0;
	p->pieces++;
	if (buf_put(&p->lit, (char)c) == -1)
		return nomem(p);
	return 0;
}

/* ${...} that is not ${NAME}: quote it up to "}" or the end of the line. */
static int
bad_brace(struct parser *p, size_t off)
{
	const char *s = p->lx.s;
	size_t i, end = p->lx.len;
	struct show sh = { "", 0 };

	for (i = off; i < end && s[i] != '}' && s[i] != '\n'; i++)
		;
	if (i < end && s[i] == '}') {
		show_add(&sh, s + off, i + 1 - off);
		return refuse(p, off, M_BRACE, sh.s);
	}
	show_add(&sh, s + off, i - off);
	return refuse(p, off, M_BRACE_OPEN, sh.s);
}

/* NAME at pos, into a buffer. */
static int
read_name(struct parser *p, struct buf *name)
{
	int c;

	for (c = peek(&p->lx); name->len == 0 ? stz_name_start(c) :
	     stz_name_char(c); c = peek(&p->lx)) {
		if (buf_put(name, (char)c) == -1)
			return nomem(p);
		adv(&p->lx);
	}
	return 0;
}

static int
push_param(struct parser *p, const char *name, size_t len, bool quoted)
{
	p->pieces++;
	if (flush(p) == -1)
		return -1;
	return push_seg(p, TSH_PARAM, quoted, dupn(name, len));
}

/* $NAME, or ${NAME} when brace; pos is after the "$". */
static int
param(struct parser *p, size_t off, bool brace, bool quoted)
{
	struct buf name = { NULL, 0, 0 };
	int rc = -1;

	if (brace) {
		adv(&p->lx);
		if (!stz_name_start(peek(&p->lx)))
			return bad_brace(p, off);
	}
	if (read_name(p, &name) == -1)
		goto out;
	if (brace) {
		if (peek(&p->lx) != '}') {
			rc = bad_brace(p, off);
			goto out;
		}
		adv(&p->lx);
	}
	rc = push_param(p, name.p, name.len, quoted);
out:
	free(name.p);
	return rc;
}

/* At "$": a parameter, an error, or a literal "$". */
static int
dollar(struct parser *p, bool quoted)
{
	size_t off = p->lx.pos;
	int c = ahead(&p->lx, 1);
	char two[3] = { '$', (char)c, '\0' };

	if (stz_name_start(c) || c == '{') {
		adv(&p->lx);
		return param(p, off, c == '{', quoted);
	}
	switch (c) {
	case '?':
	case '$':
		adv(&p->lx);
		adv(&p->lx);
		return push_param(p, two + 1, 1, quoted);
	case '(':
		return refuse(p, off, ahead(&p->lx, 2) == '(' ? M_ARITH :
			    M_CMDSUB, "");
	case '#': case '@': case '*': case '!': case '-':
	case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		return refuse(p, off, M_PARAM, two);
	case '\'':
	case '"':
		if (!quoted)
			return refuse(p, off, M_DOLLARQ, "");
		break;
	}
	adv(&p->lx);
	return lit(p, '$', quoted);
}

/* '...': everything up to the next quote, as it is. */
static int
squote(struct parser *p)
{
	struct lex *lx = &p->lx;
	size_t off = lx->pos, n = p->pieces;

	for (lx->pos++; lx->pos < lx->len; lx->pos++) {
		if (lx->s[lx->pos] == '\'') {
			adv(lx);
			return n == p->pieces ? lit(p, -1, true) : 0;
		}
		if (lit(p, (unsigned char)lx->s[lx->pos], true) == -1)
			return -1;
	}
	return more(p, off, M_SQUOTE, "");
}

/* "...": parameters, and backslash before $ ` " \ (newline is skipped). */
static int
dquote(struct parser *p)
{
	struct lex *lx = &p->lx;
	size_t off = lx->pos, n = p->pieces;
	int c;

	adv(lx);
	while ((c = peek(lx)) != '"') {		/* each turn moves on */
		if (c == -1)
			return more(p, off, M_DQUOTE, "");
		if (c == '`')
			return refuse(p, lx->pos, M_CMDSUB, "");
		if (c == '$') {
			if (dollar(p, true) == -1)
				return -1;
			continue;
		}
		if (c == '\\' && lx->pos + 1 < lx->len &&
		    memchr("$`\"\\", lx->s[lx->pos + 1], 4) != NULL)
			c = (unsigned char)lx->s[++lx->pos];
		if (lit(p, c, true) == -1)
			return -1;
		adv(lx);
	}
	adv(lx);
	return n == p->pieces ? lit(p, -1, true) : 0;
}

/*
 * Backslash outside quotes: the next character is quoted, all of it when
 * it is UTF-8 (so that no segment ends inside a character).
 */
static int
escaped(struct parser *p)
{
	struct lex *lx = &p->lx;
	size_t i = lx->pos + 1, end = i + 1;

	if ((unsigned char)lx->s[i] >= 0xc0)
		while (end < lx->len && end < i + 4 &&
		       ((unsigned char)lx->s[end] & 0xc0) == 0x80)
			end++;
	for (; i < end; i++)
		if (lit(p, (unsigned char)lx->s[i], true) == -1)
			return -1;
	lx->pos = skip_cont(lx, end);
	return 0;
}

/* One word into p->w, up to an unquoted blank or operator. */
static int
read_word(struct parser *p)
{
	struct lex *lx = &p->lx;
	int c, rc;

	for (c = peek(lx); !is_delim(c); c = peek(lx)) {
		switch (c) {
		case '\'':
			rc = squote(p);
			break;
		case '"':
			rc = dquote(p);
			break;
		case '$':
			rc = dollar(p, false);
			break;
		case '`':
			return refuse(p, lx->pos, M_CMDSUB, "");
		case '\\':
			if (lx->pos + 1 == lx->len)
				return more(p, lx->pos, M_BACKSLASH, "");
			rc = escaped(p);
			break;
		default:
			rc = lit(p, c, false);
			adv(lx);
			break;
		}
		if (rc == -1)
			return -1;
	}
	return flush(p);
}

/* ------------------------------------------------------------------ */
/* Redirections */

/*
 * An unsupported redirection: the descriptor digits, the operator and,
 * after "<&" or ">&", the word it would duplicate.
 */
static int
bad_redir(struct parser *p, const char *digits, const char *op, bool dup)
{
	struct lex *lx = &p->lx;
	struct show sh = { "", 0 };
	size_t i, from;

	show_add(&sh, digits, strlen(digits));
	show_add(&sh, op, strlen(op));
	if (dup) {		/* up to a backslash: what follows may change */
		from = skip_cont(lx, lx->pos + 1) + 1;
		for (i = from; i < lx->len && i - from <= SHOW_MAX &&
		     lx->s[i] != '\\' && !is_delim((unsigned char)lx->s[i]);
		     i++)
			;
		show_add(&sh, lx->s + from, i - from);
	}
	return refuse(p, p->tokoff, M_REDIR, sh.s);
}

/* The file name after an operator, into p->w. */
static int
target(struct parser *p)
{
	int c;

	while (is_blank(c = peek(&p->lx)))
		adv(&p->lx);
	if (is_delim(c) || c == '#')
		return refuse(p, p->tokoff, M_NOFILE, "");
	return read_word(p);
}

/* At "<" or ">", after digits (a descriptor, or ""): one redirection. */
static int
redir(struct parser *p, const char *digits)
{
	struct lex *lx = &p->lx;
	bool two = strcmp(digits, "2") == 0;
	int c0 = peek(lx), c1 = ahead(lx, 1);

	p->tok = T_REDIR;
	if (c1 == '(')
		return refuse(p, p->tokoff, M_PROCSUB, "");
	if (c0 == '<') {
		if (c1 == '<')
			return refuse(p, p->tokoff, ahead(lx, 2) == '<' ?
				    M_HERESTR : M_HEREDOC, "");
		if (c1 == '&' || c1 == '>' || *digits)
			return bad_redir(p, digits, c1 == '&' ? "<&" :
					 c1 == '>' ? "<>" : "<", c1 == '&');
		p->rkind = TSH_R_IN;
	} else if (c1 == '&') {
		if (two && ahead(lx, 2) == '1' && is_delim(ahead(lx, 3))) {
			p->rkind = TSH_R_ERR_TO_OUT;
			adv(lx);
			adv(lx);
			adv(lx);
			return 0;
		}
		return bad_redir(p, digits, ">&", true);
	} else if (c1 == '|' || (c1 == '>' && *digits) ||
		   (*digits && !two)) {
		return bad_redir(p, digits, c1 == '|' ? ">|" : c1 == '>' ?
				 ">>" : ">", false);
	} else if (c1 == '>') {
		p->rkind = TSH_R_APPEND;
		adv(lx);
	} else {
		p->rkind = two ? TSH_R_ERR : TSH_R_OUT;
	}
	adv(lx);
	return target(p);
}

/* Unquoted digits, the whole word so far: a descriptor number. */
static bool
io_number(const struct tsh_word *w)
{
	const char *t = w->segs[0].text;

	if (w->nsegs != 1 || w->segs[0].kind != TSH_LIT || w->segs[0].quoted)
		return false;
	for (; *t; t++)
		if (*t < '0' || *t > '9')
			return false;
	return true;
}

static int
word_or_redir(struct parser *p)
{
	struct tsh_word io;
	int c, rc;

	if (read_word(p) == -1)
		return -1;
	c = peek(&p->lx);
	if ((c != '<' && c != '>') || !io_number(&p->w)) {
		p->tok = T_WORD;
		return 0;
	}
	io = p->w;
	p->w = (struct tsh_word){ NULL, 0 };
	rc = redir(p, io.segs[0].text);
	word_free(&io);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Tokens */

static int
next_token(struct parser *p)
{
	struct lex *lx = &p->lx;
	int c;

	while (is_blank(c = peek(lx)) || c == '#') {
		if (c != '#')
			adv(lx);
		else		/* a comment, raw, up to the newline */
			while (lx->pos < lx->len && lx->s[lx->pos] != '\n')
				lx->pos++;
	}
	p->tokoff = lx->pos;
	switch (c) {
	case -1:
		p->tok = T_EOF;
		return 0;
	case '\n':
		p->tok = T_NL;
		break;
	case ';':
		if (ahead(lx, 1) == ';')
			return refuse(p, p->tokoff, M_NEAR, ";;");
		p->tok = T_SEMI;
		break;
	case '|':
		if ((c = ahead(lx, 1)) == '&')
			return refuse(p, p->tokoff, M_PIPEAMP, "");
		p->tok = c == '|' ? T_OR : T_PIPE;
		if (c == '|')
			adv(lx);
		break;
	case '&':
		if ((c = ahead(lx, 1)) == '>')
			return bad_redir(p, "", ahead(lx, 2) == '>' ? "&>>" :
					 "&>", false);
		if (c != '&')
			return refuse(p, p->tokoff, M_BG, "");
		p->tok = T_AND;
		adv(lx);
		break;
	case '(':
	case ')':
		return refuse(p, p->tokoff, M_SUBSHELL, "");
	case '<':
	case '>':
		return redir(p, "");
	default:
		return word_or_redir(p);
	}
	adv(lx);
	return 0;
}

/* ------------------------------------------------------------------ */
/* The list */

/* The command that the next word or redirection goes to. */
static int
open_cmd(struct parser *p)
{
	struct tsh_list *l = p->list;
	struct tsh_pipeline *pipes;
	struct tsh_cmd *cmds;
	enum tsh_op *ops;

	if (p->cmd)
		return 0;
	if (p->pipe == NULL) {
		if (l->npipes > 0) {
			ops = grow(l->ops, l->npipes - 1, sizeof(*ops));
			if (ops == NULL)
				return nomem(p);
			l->ops = ops;
			ops[l->npipes - 1] = p->sep;
		}
		if ((pipes = grow(l->pipes, l->npipes, sizeof(*pipes))) == NULL)
			return nomem(p);
		l->pipes = pipes;
		pipes[l->npipes] = (struct tsh_pipeline){ NULL, 0 };
		p->pipe = &pipes[l->npipes++];
	}
	cmds = grow(p->pipe->cmds, p->pipe->ncmds, sizeof(*cmds));
	if (cmds == NULL)
		return nomem(p);
	p->pipe->cmds = cmds;
	cmds[p->pipe->ncmds] = (struct tsh_cmd){ NULL, 0, NULL, 0 };
	p->cmd = &cmds[p->pipe->ncmds++];
	p->cmdoff = p->tokoff;
	p->need = NULL;
	return 0;
}

/* The first word of a command: no shell programming, no assignment. */
static int
check_first(struct parser *p)
{
	const struct tsh_seg *s = &p->w.segs[0];
	const char *t = s->text;
	size_t i;

	if (s->kind != TSH_LIT || s->quoted)
		return 0;
	for (i = 0; p->w.nsegs == 1 && i < sizeof(reserved) /
	     sizeof(reserved[0]); i++)
		if (strcmp(t, reserved[i]) == 0)
			return refuse(p, p->tokoff, M_RESERVED, t);
	i = stz_name_len(t);
	if (i > 0 && t[i] == '=')
		return refuse(p, p->tokoff, M_ASSIGN, "");
	return 0;
}

static int
add_word(struct parser *p)
{
	struct tsh_word *words;
	struct tsh_cmd *c;

	if (open_cmd(p) == -1)
		return -1;
	c = p->cmd;
	if (c->nwords == 0 && check_first(p) == -1)
		return -1;
	if ((words = grow(c->words, c->nwords, sizeof(*words))) == NULL)
		return nomem(p);
	c->words = words;
	words[c->nwords++] = p->w;
	p->w = (struct tsh_word){ NULL, 0 };
	return 0;
}

static int
add_redir(struct parser *p)
{
	struct tsh_redir *redirs;
	struct tsh_cmd *c;

	if (open_cmd(p) == -1)
		return -1;
	c = p->cmd;
	if ((redirs = grow(c->redirs, c->nredirs, sizeof(*redirs))) == NULL)
		return nomem(p);
	c->redirs = redirs;
	redirs[c->nredirs++] = (struct tsh_redir){ p->rkind, p->w };
	p->w = (struct tsh_word){ NULL, 0 };
	return 0;
}

/* At an operator named op: the command before it must exist. */
static int
end_cmd(struct parser *p, const char *op)
{
	if (p->cmd == NULL)
		return refuse(p, p->tokoff, M_NEAR, op);
	if (p->cmd->nwords == 0)
		return refuse(p, p->cmdoff, M_NOCMD, "");
	p->cmd = NULL;
	return 0;
}

/* After ;  && || or a newline: the next command starts a pipeline. */
static int
end_pipe(struct parser *p, const char *op, enum tsh_op sep)
{
	if (end_cmd(p, op) == -1)
		return -1;
	p->pipe = NULL;
	p->sep = sep;
	if (sep != TSH_SEQ) {
		p->need = op;
		p->needoff = p->tokoff;
	}
	return 0;
}

static int
parse_list(struct parser *p)
{
	for (;;) {		/* each token moves on, or ends the loop */
		if (next_token(p) == -1)
			return -1;
		switch (p->tok) {
		case T_WORD:
			if (add_word(p) == -1)
				return -1;
			break;
		case T_REDIR:
			if (add_redir(p) == -1)
				return -1;
			break;
		case T_PIPE:
			if (end_cmd(p, "|") == -1)
				return -1;
			p->need = "|";
			p->needoff = p->tokoff;
			break;
		case T_AND:
		case T_OR:
			if (end_pipe(p, p->tok == T_AND ? "&&" : "||",
				     p->tok == T_AND ? TSH_AND : TSH_OR) == -1)
				return -1;
			break;
		case T_SEMI:
			if (end_pipe(p, ";", TSH_SEQ) == -1)
				return -1;
			break;
		case T_NL:	/* empty lines, and lines after | && || */
			if (p->cmd && end_pipe(p, "", TSH_SEQ) == -1)
				return -1;
			break;
		case T_EOF:
			if (p->lx.contend)
				return refuse(p, 0, M_BACKSLASH, "");
			if (p->need)
				return more(p, p->needoff, M_OPEN_OP, p->need);
			if (p->cmd && end_cmd(p, "") == -1)
				return -1;
			return 0;
		}
	}
}

enum tsh_parse_status
tsh_parse(const char *text, size_t len, struct tsh_list **out,
	  struct tsh_perr *err)
{
	struct tsh_perr ignored;
	struct parser p;
	const char *nul;
	char num[16];

	*out = NULL;
	if (err == NULL)
		err = &ignored;
	memset(err, 0, sizeof(*err));
	memset(&p, 0, sizeof(p));
	p.err = err;
	p.sep = TSH_SEQ;
	p.lx.s = text && len ? text : "";
	p.lx.len = text ? len : 0;
	if (len > TSH_MAX_INPUT) {
		p.lx.len = TSH_MAX_INPUT + 1;	/* count lines that far */
		snprintf(num, sizeof(num), "%d", TSH_MAX_INPUT);
		report(&p, TSH_PARSE_ERROR, TSH_MAX_INPUT, M_TOOLONG, num);
		return p.status;
	}
	if (p.lx.len && (nul = memchr(text, '\0', len)) != NULL) {
		report(&p, TSH_PARSE_ERROR, (size_t)(nul - text), M_NUL, "");
		return p.status;
	}
	if ((p.list = calloc(1, sizeof(*p.list))) == NULL) {
		nomem(&p);
		return p.status;
	}
	p.lx.pos = skip_cont(&p.lx, 0);
	if (parse_list(&p) == -1) {
		tsh_list_free(p.list);
		p.list = NULL;
	}
	word_free(&p.w);
	free(p.lit.p);
	*out = p.list;
	return p.list ? TSH_PARSE_OK : p.status;
}
