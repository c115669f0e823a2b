/* test_tsh_parse.c - tsh's command-line parser: trees, refusals, MORE. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "parse.h"

/*
 * parse.c once more, as oom_tsh_parse(): its allocations go through
 * cmocka's (which fail a test that leaks a block), and the one numbered
 * fail_at fails.
 */
static long nalloc, fail_at = -1;

static bool
oom(void)
{
	return fail_at >= 0 && nalloc++ == fail_at;
}

#define malloc(n)	(oom() ? NULL : test_malloc(n))
#define calloc(n, s)	(oom() ? NULL : test_calloc(n, s))
#define realloc(p, n)	(oom() ? NULL : test_realloc(p, n))
#define free(p)		test_free(p)
#define tsh_parse	oom_tsh_parse
#define tsh_list_free	oom_tsh_list_free
#include "parse.c"
#undef malloc
#undef calloc
#undef realloc
#undef free
#undef tsh_parse
#undef tsh_list_free

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------ */
/* A tree as text, to compare whole trees at once:
 *   word      <seg,seg,...>     seg  u:text q:text (literal), u$NAME q$NAME
 *   command   words and redirections: in:<w> out:<w> app:<w> err:<w> 2>&1
 *   pipeline  cmd | cmd         list  pipe ; pipe && pipe || pipe
 */

struct out {
	char s[4096];
	size_t n;
};

static void
put(struct out *o, const char *s)
{
	size_t len = strlen(s);

	assert_true(o->n + len < sizeof(o->s));
	memcpy(o->s + o->n, s, len + 1);
	o->n += len;
}

static void
put_word(struct out *o, const struct tsh_word *w)
{
	assert_true(w->nsegs > 0);
	put(o, "<");
	for (size_t i = 0; i < w->nsegs; i++) {
		const struct tsh_seg *s = &w->segs[i];

		assert_non_null(s->text);
		if (i)
			put(o, ",");
		put(o, s->quoted ? "q" : "u");
		put(o, s->kind == TSH_PARAM ? "$" : ":");
		put(o, s->text);
	}
	put(o, ">");
}

static void
put_cmd(struct out *o, const struct tsh_cmd *c)
{
	static const char *const kinds[] = {
		[TSH_R_IN] = "in:", [TSH_R_OUT] = "out:",
		[TSH_R_APPEND] = "app:", [TSH_R_ERR] = "err:",
		[TSH_R_ERR_TO_OUT] = "2>&1",
	};

	assert_true(c->nwords > 0);
	for (size_t i = 0; i < c->nwords; i++) {
		if (i)
			put(o, " ");
		put_word(o, &c->words[i]);
	}
	for (size_t i = 0; i < c->nredirs; i++) {
		put(o, " ");
		put(o, kinds[c->redirs[i].kind]);
		if (c->redirs[i].kind == TSH_R_ERR_TO_OUT) {
			assert_int_equal(c->redirs[i].target.nsegs, 0);
			assert_null(c->redirs[i].target.segs);
		} else {
			put_word(o, &c->redirs[i].target);
		}
	}
}

static const char *
render(const struct tsh_list *l, struct out *o)
{
	static const char *const ops[] = {
		[TSH_SEQ] = " ; ", [TSH_AND] = " && ", [TSH_OR] = " || ",
	};

	o->n = 0;
	o->s[0] = '\0';
	for (size_t i = 0; i < l->npipes; i++) {
		if (i)
			put(o, ops[l->ops[i - 1]]);
		assert_true(l->pipes[i].ncmds > 0);
		for (size_t j = 0; j < l->pipes[i].ncmds; j++) {
			if (j)
				put(o, " | ");
			put_cmd(o, &l->pipes[i].cmds[j]);
		}
	}
	return o->s;
}

/* ------------------------------------------------------------------ */
/* Inputs that parse, and their trees. */

static const struct {
	const char *text;
	const char *tree;
} good[] = {
	{ "echo hi", "<u:echo> <u:hi>" },
	{ "  echo \t hi  ", "<u:echo> <u:hi>" },
	/* quoting */
	{ "a\"b\"'c'$X", "<u:a,q:bc,u$X>" },
	{ "''", "<q:>" },
	{ "\"\"", "<q:>" },
	{ "''\"\"", "<q:>" },
	{ "x '' \"\" y", "<u:x> <q:> <q:> <u:y>" },
	{ "''$X", "<q:,u$X>" },
	{ "\"$X\"", "<q$X>" },
	{ "\"a$X b\"", "<q:a,q$X,q: b>" },
	{ "'a'''\"b\"", "<q:ab>" },
	{ "a'b'\"\"c", "<u:a,q:b,u:c>" },
	{ "'a b\\n$X\"'", "<q:a b\\n$X\">" },
	{ "'a\\\nb'", "<q:a\\\nb>" },
	{ "\"a\\$b\\\"c\\\\d\\e\\`\"", "<q:a$b\"c\\d\\e`>" },
	{ "\"it's\"", "<q:it's>" },
	{ "\\a\\b c", "<q:ab> <u:c>" },
	{ "a\\ b", "<u:a,q: ,u:b>" },
	{ "\\'x", "<q:',u:x>" },
	{ "\\\\", "<q:\\>" },
	{ "echo \\\xc3\xa9x", "<u:echo> <q:\xc3\xa9,u:x>" },
	{ "echo a#b", "<u:echo> <u:a#b>" },
	{ "echo \\#b '#c'", "<u:echo> <q:#,u:b> <q:#c>" },
	{ "echo }{ ! if time", "<u:echo> <u:}{> <u:!> <u:if> <u:time>" },
	{ "'if' \\time \"{\"", "<q:if> <q:t,u:ime> <q:{>" },
	{ "echo X=1 \"X\"=1", "<u:echo> <u:X=1> <q:X,u:=1>" },
	{ "1=2 a[1]=b", "<u:1=2> <u:a[1]=b>" },
	/* parameters */
	{ "echo $? $$ ${X} $_a1", "<u:echo> <u$?> <u$$> <u$X> <u$_a1>" },
	{ "\"$?$$${X}\"", "<q$?,q$$,q$X>" },
	{ "${X}y$Y.z", "<u$X,u:y,u$Y,u:.z>" },
	{ "a$ $ $/ x$", "<u:a$> <u:$> <u:$/> <u:x$>" },
	{ "\"$\" \"a$\" \"$'\"", "<q:$> <q:a$> <q:$'>" },
	{ "echo ${X}}", "<u:echo> <u$X,u:}>" },
	{ "\\$X", "<q:$,u:X>" },
	/* lists and pipelines */
	{ "a | b && c || d; e", "<u:a> | <u:b> && <u:c> || <u:d> ; <u:e>" },
	{ "a&&b||c|d;e", "<u:a> && <u:b> || <u:c> | <u:d> ; <u:e>" },
	{ "a;", "<u:a>" },
	{ "a\n", "<u:a>" },
	{ "a;\n", "<u:a>" },
	{ "\n\na\n\n\nb\n\n", "<u:a> ; <u:b>" },
	{ "a |\n\n b", "<u:a> | <u:b>" },
	{ "a &&\n# why\n b", "<u:a> && <u:b>" },
	{ "a || # why\n b", "<u:a> || <u:b>" },
	/* comments and continuation */
	{ "a # b ; c", "<u:a>" },
	{ "# x\na # y\n#z", "<u:a>" },
	{ "a #x\\\nb", "<u:a> ; <u:b>" },
	{ "echo a\\\nb", "<u:echo> <u:ab>" },
	{ "ec\\\nho \"a\\\nb\"", "<u:echo> <q:ab>" },
	{ "a &\\\n& b", "<u:a> && <u:b>" },
	{ "$\\\nX ${\\\nY\\\n}", "<u$X> <u$Y>" },
	{ "\\\n#c\na", "<u:a>" },
	{ "x 2\\\n>f", "<u:x> err:<u:f>" },
	/* redirections */
	{ "a <in >out", "<u:a> in:<u:in> out:<u:out>" },
	{ "a >> \"f g\" 2> e", "<u:a> app:<q:f g> err:<u:e>" },
	{ "a 2>&1 | b", "<u:a> 2>&1 | <u:b>" },
	{ "a >f 2>&1", "<u:a> out:<u:f> 2>&1" },
	{ "<f a", "<u:a> in:<u:f>" },
	{ "a2>f", "<u:a2> out:<u:f>" },
	{ "a 2 >f", "<u:a> <u:2> out:<u:f>" },
	{ "a \"2\">f \\2>g", "<u:a> <q:2> <q:2> out:<u:f> out:<u:g>" },
	{ "a>f>g", "<u:a> out:<u:f> out:<u:g>" },
	{ "a < $F", "<u:a> in:<u$F>" },
	{ "a >'x'$Y\"z\"", "<u:a> out:<q:x,u$Y,q:z>" },
};

static void
test_good_table(void **state)
{
	struct out o;

	(void)state;
	assert_true(NELEM(good) >= 40);
	for (size_t i = 0; i < NELEM(good); i++) {
		struct tsh_perr err;
		struct tsh_list *l = (struct tsh_list *)1;
		enum tsh_parse_status st;

		st = tsh_parse(good[i].text, strlen(good[i].text), &l, &err);
		if (st != TSH_PARSE_OK)
			print_error("good case %zu: %u:%u: %s\n", i, err.line,
				    err.col, err.msg);
		assert_int_equal(st, TSH_PARSE_OK);
		assert_non_null(l);
		if (strcmp(render(l, &o), good[i].tree) != 0)
			print_error("good case %zu: got %s\n", i, o.s);
		assert_string_equal(o.s, good[i].tree);
		if (l->npipes > 1)
			assert_non_null(l->ops);
		tsh_list_free(l);
	}
}

/* ------------------------------------------------------------------ */
/* Inputs that do not parse: status, where, and the exact message. */

#define E	TSH_PARSE_ERROR
#define M	TSH_PARSE_MORE
#define RES	"' is not supported: tsh runs commands, not shell programs"

static const struct {
	const char *text;
	enum tsh_parse_status st;
	unsigned line, col;
	const char *msg;
} bad[] = {
	/* empty commands */
	{ ";", E, 1, 1, "syntax error near `;'" },
	{ "\n;", E, 2, 1, "syntax error near `;'" },
	{ "a; ;", E, 1, 4, "syntax error near `;'" },
	{ "a;;", E, 1, 2, "syntax error near `;;'" },
	{ ";;", E, 1, 1, "syntax error near `;;'" },
	{ "| a", E, 1, 1, "syntax error near `|'" },
	{ "a | | b", E, 1, 5, "syntax error near `|'" },
	{ "a\n| b", E, 2, 1, "syntax error near `|'" },
	{ "a && && b", E, 1, 6, "syntax error near `&&'" },
	{ "|| b", E, 1, 1, "syntax error near `||'" },
	{ "a |;", E, 1, 4, "syntax error near `;'" },
	{ "a &&\n;", E, 2, 1, "syntax error near `;'" },
	/* operators outside the subset */
	{ "a &", E, 1, 3, "background jobs are not supported" },
	{ "a & b", E, 1, 3, "background jobs are not supported" },
	{ "a;&", E, 1, 3, "background jobs are not supported" },
	{ "(a)", E, 1, 1, "subshells and functions are not supported" },
	{ "a )", E, 1, 3, "subshells and functions are not supported" },
	{ "f() x", E, 1, 2, "subshells and functions are not supported" },
	{ "a |& b", E, 1, 3, "`|&' is not supported" },
	{ "echo `ls`", E, 1, 6, "command substitution is not supported" },
	{ "echo a`ls`", E, 1, 7, "command substitution is not supported" },
	{ "echo \"a`ls`\"", E, 1, 8, "command substitution is not supported" },
	{ "echo $(ls)", E, 1, 6, "command substitution is not supported" },
	{ "echo \"$(ls)\"", E, 1, 7, "command substitution is not supported" },
	{ "echo $((1+2))", E, 1, 6, "arithmetic expansion is not supported" },
	{ "cat <(ls)", E, 1, 5, "process substitution is not supported" },
	/* reserved words and shell programs */
	{ "if true", E, 1, 1, "`if" RES },
	{ "a; then", E, 1, 4, "`then" RES },
	{ "a && while x", E, 1, 6, "`while" RES },
	{ "a | time b", E, 1, 5, "`time" RES },
	{ "\n  for", E, 2, 3, "`for" RES },
	{ "function f", E, 1, 1, "`function" RES },
	{ "[[ -f x ]]", E, 1, 1, "`[[" RES },
	{ "{ a; }", E, 1, 1, "`{" RES },
	{ "a; }", E, 1, 4, "`}" RES },
	{ "! a", E, 1, 1, "`!" RES },
	{ ">f done", E, 1, 4, "`done" RES },
	{ "X=1 ls", E, 1, 1, "variable assignments are not supported "
	  "(use export)" },
	{ "_a=$X", E, 1, 1, "variable assignments are not supported "
	  "(use export)" },
	/* parameters */
	{ "echo $1", E, 1, 6, "unsupported parameter $1" },
	{ "echo \"$0\"", E, 1, 7, "unsupported parameter $0" },
	{ "echo $#", E, 1, 6, "unsupported parameter $#" },
	{ "echo $@", E, 1, 6, "unsupported parameter $@" },
	{ "echo $*", E, 1, 6, "unsupported parameter $*" },
	{ "echo $!", E, 1, 6, "unsupported parameter $!" },
	{ "echo $-", E, 1, 6, "unsupported parameter $-" },
	{ "echo ${X:-y}", E, 1, 6, "unsupported parameter expansion "
	  "`${X:-y}'" },
	{ "echo ${#X}", E, 1, 6, "unsupported parameter expansion `${#X}'" },
	{ "echo ${}", E, 1, 6, "unsupported parameter expansion `${}'" },
	{ "echo ${1}", E, 1, 6, "unsupported parameter expansion `${1}'" },
	{ "echo ${X", E, 1, 6, "missing `}' after `${X'" },
	{ "echo ${X\nb}", E, 1, 6, "missing `}' after `${X'" },
	{ "echo ${aaaaaaaaaaaaaaaaaaaaaaaaaa:-b}", E, 1, 6, "unsupported "
	  "parameter expansion `${aaaaaaaaaaaaaaaaaa...'" },
	{ "echo ${aaaaaaaaaaaaaaaaaaaaaaaaaa", E, 1, 6, "missing `}' after "
	  "`${aaaaaaaaaaaaaaaaaa...'" },
	{ "echo ${\x1b[2J}", E, 1, 6, "unsupported parameter expansion "
	  "`${?[2J}'" },
	{ "echo $'\\n'", E, 1, 6, "$'...' and $\"...\" quoting are not "
	  "supported" },
	{ "echo $\"x\"", E, 1, 6, "$'...' and $\"...\" quoting are not "
	  "supported" },
	/* redirections */
	{ "a >", E, 1, 3, "redirection needs a file name" },
	{ "a > ;", E, 1, 3, "redirection needs a file name" },
	{ "a 2>\nb", E, 1, 3, "redirection needs a file name" },
	{ "a > #f", E, 1, 3, "redirection needs a file name" },
	{ "a < | b", E, 1, 3, "redirection needs a file name" },
	{ "> f", E, 1, 1, "redirection without a command" },
	{ "a; 2>&1", E, 1, 4, "redirection without a command" },
	{ "a | <f | b", E, 1, 5, "redirection without a command" },
	{ "cat <<EOF", E, 1, 5, "here-documents are not supported" },
	{ "cat <<-EOF", E, 1, 5, "here-documents are not supported" },
	{ "cat <<< x", E, 1, 5, "here-strings are not supported" },
	{ "a 1>f", E, 1, 3, "redirection `1>' is not supported" },
	{ "a 0<f", E, 1, 3, "redirection `0<' is not supported" },
	{ "a 2<f", E, 1, 3, "redirection `2<' is not supported" },
	{ "a 10>f", E, 1, 3, "redirection `10>' is not supported" },
	{ "a 2>>f", E, 1, 3, "redirection `2>>' is not supported" },
	{ "a >|f", E, 1, 3, "redirection `>|' is not supported" },
	{ "a <>f", E, 1, 3, "redirection `<>' is not supported" },
	{ "a >&2", E, 1, 3, "redirection `>&2' is not supported" },
	{ "a <&0", E, 1, 3, "redirection `<&0' is not supported" },
	{ "a 2>&-", E, 1, 3, "redirection `2>&-' is not supported" },
	{ "a 1>&2", E, 1, 3, "redirection `1>&2' is not supported" },
	{ "a 2>&1x", E, 1, 3, "redirection `2>&1x' is not supported" },
	{ "a 2>&12", E, 1, 3, "redirection `2>&12' is not supported" },
	{ "a >& f", E, 1, 3, "redirection `>&' is not supported" },
	{ "a &>f", E, 1, 3, "redirection `&>' is not supported" },
	{ "a &>>f", E, 1, 3, "redirection `&>>' is not supported" },
	{ "a 123456789012345678901>f", E, 1, 3, "redirection "
	  "`12345678901234567890...' is not supported" },
	{ "a >&\x1b]0;x\x07", E, 1, 3, "redirection `>&?]0' is not "
	  "supported" },
	/* incomplete: read another line */
	{ "echo 'abc", M, 1, 6, "unterminated single quote" },
	{ "echo 'a\nb\\", M, 1, 6, "unterminated single quote" },
	{ "a\necho \"abc", M, 2, 6, "unterminated double quote" },
	{ "echo \"abc\\", M, 1, 6, "unterminated double quote" },
	{ "echo \"$X", M, 1, 6, "unterminated double quote" },
	{ "echo a\\", M, 1, 7, "backslash at end of input" },
	{ "echo a\\\n", M, 1, 7, "backslash at end of input" },
	{ "echo a \\\n", M, 1, 8, "backslash at end of input" },
	{ "\\\n\\\n", M, 2, 1, "backslash at end of input" },
	{ "a &\\\n", M, 1, 4, "backslash at end of input" },
	{ "if\\\n", M, 1, 3, "backslash at end of input" },
	{ "a 2\\\n", M, 1, 4, "backslash at end of input" },
	{ "a |", M, 1, 3, "missing command after `|'" },
	{ "a | \n\n", M, 1, 3, "missing command after `|'" },
	{ "a && # more\n", M, 1, 3, "missing command after `&&'" },
	{ "a ||", M, 1, 3, "missing command after `||'" },
	{ "a;b|c|\n", M, 1, 6, "missing command after `|'" },
	/* the first problem wins */
	{ "if 'abc", E, 1, 1, "`if" RES },
	{ "( 'abc", E, 1, 1, "subshells and functions are not supported" },
	{ "if \\\n", E, 1, 1, "`if" RES },
	{ "a & b |", E, 1, 3, "background jobs are not supported" },
};

static void
test_bad_table(void **state)
{
	(void)state;
	assert_true(NELEM(bad) >= 40);
	for (size_t i = 0; i < NELEM(bad); i++) {
		size_t len = strlen(bad[i].text);
		struct tsh_list *l = (struct tsh_list *)1;
		struct tsh_perr err;
		enum tsh_parse_status st;

		memset(&err, 0x55, sizeof(err));
		st = tsh_parse(bad[i].text, len, &l, &err);
		if (st != bad[i].st || err.line != bad[i].line ||
		    err.col != bad[i].col || strcmp(err.msg, bad[i].msg) != 0)
			print_error("bad case %zu: got %d %u:%u \"%s\"\n", i,
				    st, err.line, err.col,
				    st == TSH_PARSE_OK ? "(parsed)" : err.msg);
		assert_int_equal(st, bad[i].st);
		assert_null(l);
		assert_string_equal(err.msg, bad[i].msg);
		assert_int_equal(err.line, bad[i].line);
		assert_int_equal(err.col, bad[i].col);
	}
}

/* ------------------------------------------------------------------ */

static struct tsh_list *
parse_ok(const char *text)
{
	struct tsh_list *l = NULL;
	struct tsh_perr err;

	assert_int_equal(tsh_parse(text, strlen(text), &l, &err),
			 TSH_PARSE_OK);
	assert_non_null(l);
	assert_string_equal(err.msg, "");
	return l;
}

/* The same tree, field by field, without the renderer. */
static void
test_structure(void **state)
{
	struct tsh_list *l = parse_ok("ls -l \"$HOME\"/x'*' 2>&1 | "
				      "grep a >>log 2> e && true\n");
	const struct tsh_cmd *c;
	const struct tsh_word *w;

	(void)state;
	assert_int_equal(l->npipes, 2);
	assert_int_equal(l->ops[0], TSH_AND);
	assert_int_equal(l->pipes[0].ncmds, 2);
	c = &l->pipes[0].cmds[0];
	assert_int_equal(c->nwords, 3);
	assert_int_equal(c->nredirs, 1);
	assert_int_equal(c->redirs[0].kind, TSH_R_ERR_TO_OUT);
	assert_int_equal(c->redirs[0].target.nsegs, 0);
	w = &c->words[2];
	assert_int_equal(w->nsegs, 3);
	assert_int_equal(w->segs[0].kind, TSH_PARAM);
	assert_true(w->segs[0].quoted);
	assert_string_equal(w->segs[0].text, "HOME");
	assert_int_equal(w->segs[1].kind, TSH_LIT);
	assert_false(w->segs[1].quoted);
	assert_string_equal(w->segs[1].text, "/x");
	assert_true(w->segs[2].quoted);
	assert_string_equal(w->segs[2].text, "*");
	c = &l->pipes[0].cmds[1];
	assert_int_equal(c->nwords, 2);
	assert_int_equal(c->nredirs, 2);
	assert_int_equal(c->redirs[0].kind, TSH_R_APPEND);
	assert_string_equal(c->redirs[0].target.segs[0].text, "log");
	assert_int_equal(c->redirs[1].kind, TSH_R_ERR);
	assert_string_equal(c->redirs[1].target.segs[0].text, "e");
	assert_int_equal(l->pipes[1].ncmds, 1);
	assert_string_equal(l->pipes[1].cmds[0].words[0].segs[0].text, "true");
	tsh_list_free(l);
}

static void
test_empty_inputs(void **state)
{
	static const char *const empty[] = {
		"", " \t ", "\n\n", "# only a comment", "  # c\n\n# d\n",
		"\t\\\n\n",
	};
	struct tsh_list *l;
	struct tsh_perr err;

	(void)state;
	for (size_t i = 0; i < NELEM(empty); i++) {
		l = parse_ok(empty[i]);
		assert_int_equal(l->npipes, 0);
		assert_null(l->pipes);
		assert_null(l->ops);
		tsh_list_free(l);
	}
	assert_int_equal(tsh_parse(NULL, 0, &l, &err), TSH_PARSE_OK);
	assert_int_equal(l->npipes, 0);
	tsh_list_free(l);
	tsh_list_free(NULL);
}

/* What the interactive reader does: append a line, parse again. */
static void
test_more_then_complete(void **state)
{
	static const char *const steps[][2] = {
		{ "echo 'a\n", "echo 'a\nb'\n" },
		{ "echo \"x\n", "echo \"x\ny\"\n" },
		{ "echo a\\\n", "echo a\\\nb\n" },
		{ "a |\n", "a |\nb\n" },
		{ "a &&\n", "a &&\nb\n" },
		{ "a ||\n", "a ||\nb\n" },
	};
	static const char *const trees[] = {
		"<u:echo> <q:a\nb>", "<u:echo> <q:x\ny>", "<u:echo> <u:ab>",
		"<u:a> | <u:b>", "<u:a> && <u:b>", "<u:a> || <u:b>",
	};
	struct tsh_list *l;
	struct tsh_perr err;
	struct out o;

	(void)state;
	for (size_t i = 0; i < NELEM(steps); i++) {
		assert_int_equal(tsh_parse(steps[i][0], strlen(steps[i][0]),
					   &l, &err), TSH_PARSE_MORE);
		assert_null(l);
		l = parse_ok(steps[i][1]);
		assert_string_equal(render(l, &o), trees[i]);
		tsh_list_free(l);
	}
}

/* NUL bytes, wherever they are, even where a syntax error comes first. */
static void
test_nul(void **state)
{
	static const struct {
		const char *text;
		size_t len;
		unsigned line, col;
	} nul[] = {
		{ "echo a\0b", 8, 1, 7 },
		{ "a\nb\n\0", 5, 3, 1 },
		{ "echo 'a\0'", 10, 1, 8 },
		{ "# c\0", 5, 1, 4 },
		{ "( \0", 3, 1, 3 },
		{ "\0", 1, 1, 1 },
	};
	struct tsh_list *l = (struct tsh_list *)1;
	struct tsh_perr err;

	(void)state;
	for (size_t i = 0; i < NELEM(nul); i++) {
		assert_int_equal(tsh_parse(nul[i].text, nul[i].len, &l, &err),
				 TSH_PARSE_ERROR);
		assert_null(l);
		assert_string_equal(err.msg, "NUL byte in input");
		assert_int_equal(err.line, nul[i].line);
		assert_int_equal(err.col, nul[i].col);
	}
}

static void
test_length_limit(void **state)
{
	char *text = malloc(TSH_MAX_INPUT + 2);
	struct tsh_list *l;
	struct tsh_perr err;
	size_t i;

	(void)state;
	assert_non_null(text);
	/* "x x x ... x\n" lines of 64 bytes, exactly TSH_MAX_INPUT bytes */
	for (i = 0; i < TSH_MAX_INPUT; i++)
		text[i] = i % 64 == 63 ? '\n' : i % 2 ? ' ' : 'x';
	assert_int_equal(tsh_parse(text, TSH_MAX_INPUT, &l, &err),
			 TSH_PARSE_OK);
	assert_int_equal(l->npipes, TSH_MAX_INPUT / 64);
	assert_int_equal(l->pipes[0].cmds[0].nwords, 32);
	tsh_list_free(l);
	/* one more byte is an error at that byte */
	text[TSH_MAX_INPUT] = 'x';
	assert_int_equal(tsh_parse(text, TSH_MAX_INPUT + 1, &l, &err),
			 TSH_PARSE_ERROR);
	assert_null(l);
	assert_string_equal(err.msg, "input longer than 65536 bytes");
	assert_int_equal(err.line, TSH_MAX_INPUT / 64 + 1);
	assert_int_equal(err.col, 1);
	/* and so is a huge length, without reading past the limit */
	assert_int_equal(tsh_parse(text, SIZE_MAX, &l, &err),
			 TSH_PARSE_ERROR);
	assert_string_equal(err.msg, "input longer than 65536 bytes");
	free(text);
}

/* Long runs of one thing: linear time, no deep anything. */
static void
test_long_runs(void **state)
{
	static const char *const units[] = {
		"a|", "a;", "a&&", "$X", "\"\"", "\\\n", " 2>&1", ">f",
	};
	char *text = malloc(TSH_MAX_INPUT);
	struct tsh_list *l;
	struct tsh_perr err;

	(void)state;
	assert_non_null(text);
	for (size_t u = 0; u < NELEM(units); u++) {
		size_t n = 0, ul = strlen(units[u]);
		enum tsh_parse_status st;

		text[n++] = 'a';
		text[n++] = ' ';
		while (n + ul + 2 <= TSH_MAX_INPUT) {
			memcpy(text + n, units[u], ul);
			n += ul;
		}
		text[n++] = ' ';
		text[n++] = 'a';
		st = tsh_parse(text, n, &l, &err);
		if (st != TSH_PARSE_OK)
			print_error("unit \"%s\": %s\n", units[u], err.msg);
		assert_int_equal(st, TSH_PARSE_OK);
		tsh_list_free(l);
	}
	free(text);
}

/* err may be NULL; *out is NULL whenever the status is not OK. */
static void
test_no_err(void **state)
{
	struct tsh_list *l = (struct tsh_list *)1;

	(void)state;
	assert_int_equal(tsh_parse("a &", 3, &l, NULL), TSH_PARSE_ERROR);
	assert_null(l);
	assert_int_equal(tsh_parse("a |", 3, &l, NULL), TSH_PARSE_MORE);
	assert_null(l);
	assert_int_equal(tsh_parse("a", 1, &l, NULL), TSH_PARSE_OK);
	tsh_list_free(l);
}

/* A message never carries a control character, whatever the input. */
static void
test_messages_printable(void **state)
{
	static const char *const inputs[] = {
		"echo ${\x1b[31m}", "echo ${\23331m", "a >&\x07\x08",
		"a \x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a>f",
		"${\xc2\x9b\xc2\x9b\xc2\x9b}", "a 2>&\x7f",
	};
	struct tsh_list *l;
	struct tsh_perr err;

	(void)state;
	for (size_t i = 0; i < NELEM(inputs); i++) {
		enum tsh_parse_status st = tsh_parse(inputs[i],
						     strlen(inputs[i]), &l,
						     &err);

		if (st == TSH_PARSE_OK) {
			tsh_list_free(l);
			continue;
		}
		for (const char *p = err.msg; *p; p++)
			assert_true(*p >= 0x20 && *p < 0x7f);
	}
}

/* Every allocation, failed in turn: "out of memory", no list, no leak. */
static void
test_out_of_memory(void **state)
{
	static const char *const inputs[] = {
		"echo a\"b\"'c'$X ${Y} \"$?$$\" '' x\\y | tr a b >f 2>&1 "
		"<in && b >>log 2>err || c; d\n",
		"a b c d e f g h i j k l m n o p q r s t u v w x y z",
		"a|b|c|d|e|f|g|h|i;j&&k||l;m\nn\no\np\nq",
		"x >a >b >c >d >e >f >g >h 2>&1 2>i",
		"x $aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		"a 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
		"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'",
		"a b; c ${X:-y}", "a | b 'c", "a 2>f 2>&1 >",
	};

	(void)state;
	for (size_t i = 0; i < NELEM(inputs); i++) {
		enum tsh_parse_status want = TSH_PARSE_OK, st;
		long allocs;

		/* how it ends with memory to spare, and how many it takes */
		fail_at = LONG_MAX;
		nalloc = 0;
		{
			struct tsh_list *l;
			struct tsh_perr err;

			want = oom_tsh_parse(inputs[i], strlen(inputs[i]), &l,
					     &err);
			oom_tsh_list_free(l);
		}
		allocs = nalloc;
		assert_true(allocs > 0);
		for (fail_at = 0; fail_at < allocs; fail_at++) {
			struct tsh_list *l = (struct tsh_list *)1;
			struct tsh_perr err;

			nalloc = 0;
			st = oom_tsh_parse(inputs[i], strlen(inputs[i]), &l,
					   &err);
			if (st == want && nalloc <= fail_at)
				continue;	/* the error came first */
			assert_int_equal(st, TSH_PARSE_ERROR);
			assert_null(l);
			assert_string_equal(err.msg, "out of memory");
		}
	}
	fail_at = -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_table),
		cmocka_unit_test(test_bad_table),
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_empty_inputs),
		cmocka_unit_test(test_more_then_complete),
		cmocka_unit_test(test_nul),
		cmocka_unit_test(test_length_limit),
		cmocka_unit_test(test_long_runs),
		cmocka_unit_test(test_no_err),
		cmocka_unit_test(test_messages_printable),
		cmocka_unit_test(test_out_of_memory),
	};

	return cmocka_run_group_tests_name("tsh parser", tests, NULL, NULL);
}
