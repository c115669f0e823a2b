/*
 * parse.h - tsh's command language: a ksh subset, parsed into plain structs.
 *
 * The parser only builds the tree; expansion ($VAR, globbing), aliases and
 * execution are the executor's.  Anything outside the subset is a syntax
 * error naming the construct, so that nothing of a line runs unless all of
 * it was understood.  The grammar is in tsh(1).
 */
#ifndef TSH_PARSE_H
#define TSH_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#define TSH_MAX_INPUT	(64 * 1024)	/* bytes of one parse */

/* A piece of a word: literal text, or a parameter to expand. */
enum tsh_seg_kind { TSH_LIT, TSH_PARAM };

struct tsh_seg {
	enum tsh_seg_kind kind;
	bool quoted;		/* inside '' or "" or after \: no globbing or
				   field splitting */
	char *text;		/* TSH_LIT: the bytes (quotes removed);
				   TSH_PARAM: "NAME", "?" or "$" */
};

struct tsh_word {
	struct tsh_seg *segs;
	size_t nsegs;
};

enum tsh_redir_kind {
	TSH_R_IN,		/* < word */
	TSH_R_OUT,		/* > word */
	TSH_R_APPEND,		/* >> word */
	TSH_R_ERR,		/* 2> word */
	TSH_R_ERR_TO_OUT,	/* 2>&1 (no word) */
};

struct tsh_redir {
	enum tsh_redir_kind kind;
	struct tsh_word target;
};

/* One simple command: words and redirections, in the order typed. */
struct tsh_cmd {
	struct tsh_word *words;
	size_t nwords;
	struct tsh_redir *redirs;
	size_t nredirs;
};

struct tsh_pipeline {
	struct tsh_cmd *cmds;	/* cmd | cmd | ... */
	size_t ncmds;
};

enum tsh_op {
	TSH_SEQ,		/* ; or a newline */
	TSH_AND,		/* && */
	TSH_OR,			/* || */
};

/* pipes[0] ops[0] pipes[1] ops[1] ... : ops[i] joins pipes[i], pipes[i+1]. */
struct tsh_list {
	struct tsh_pipeline *pipes;
	enum tsh_op *ops;
	size_t npipes;
};

enum tsh_parse_status {
	TSH_PARSE_OK = 0,
	TSH_PARSE_ERROR = -1,	/* err says what and where */
	TSH_PARSE_MORE = 1,	/* the input ends inside a quote, after a
				   backslash, |, && or ||: read another line */
};

struct tsh_perr {
	unsigned line, col;	/* 1-based */
	char msg[160];		/* "unterminated single quote", ... */
};

/*
 * Parse text (len bytes, NUL bytes are an error).  An empty or all-comment
 * input gives a list with npipes == 0.
 */
enum tsh_parse_status tsh_parse(const char *text, size_t len,
				struct tsh_list **out, struct tsh_perr *err);
void tsh_list_free(struct tsh_list *l);

#endif
