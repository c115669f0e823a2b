/*
 * fuzz_stanza.c - libFuzzer target for the stanza-file reader and writer.
 *
 * For every input:
 *  1. stz_parse() it.  A refusal must say "fuzz:LINE: what", with LINE a
 *     line that exists in the input, and no control character.
 *  2. A document that parses must come back from stz_text() byte for byte.
 *  3. Every typed accessor runs on every attribute, and stz_lookup() is
 *     checked against the default: stanza.
 *  4. Edits driven by the input (a fixed sequence, then pseudo-random ones
 *     seeded by a hash of the input) are applied both to the document and to
 *     a plain model of it.  Edits that must be refused must leave the text
 *     alone.  The edited text must parse again, and the result must equal
 *     the model: same stanzas in the same order, same attributes, same
 *     values.
 * Nothing touches the file system: no stz_load(), no stz_commit().
 */
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define FUZZ_TARGET "fuzz_stanza"
#include "fuzz.h"
#include "stanza.h"

#define NAME	"fuzz"
#define MAXOPS	24
#define OTHER	"fuzz_other"	/* an attribute name the edits do not use */

/* ------------------------------------------------------------------ */
/* Small helpers */

static void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		abort();
	return p;
}

static char *
xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(xmalloc(n), s, n);
}

static uint64_t
fnv1a(const uint8_t *p, size_t n)
{
	uint64_t h = 14695981039346656037ULL;

	while (n--)
		h = (h ^ *p++) * 1099511628211ULL;
	return h;
}

struct rng {
	uint64_t s;
};

static uint64_t
rnd(struct rng *r)
{
	/* xorshift64* */
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 2685821657736338717ULL;
}

static size_t
rndn(struct rng *r, size_t n)
{
	return n ? (size_t)(rnd(r) % n) : 0;
}

/* No C0 control but tab, no DEL, no C1 control (U+0080..U+009F). */
static void
check_controls(const char *msg, const char *what)
{
	for (const unsigned char *p = (const unsigned char *)msg; *p; p++) {
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f ||
		    (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
			fail("%s: control character 0x%02x in message \"%s\"",
			     what, *p, msg);
	}
}

/*
 * "fuzz:LINE: ...", with minline <= LINE <= maxline (maxline 0: no bound).
 * With minline 0, "fuzz: ..." (no line, for what the writer added) too.
 */
static void
check_msg(const char *msg, unsigned long minline, unsigned long maxline,
	  const char *what)
{
	const char *p = msg;
	unsigned long line = 0;

	if (strncmp(p, NAME ":", sizeof(NAME)) != 0)
		fail("%s: message does not start with \"" NAME ":\": \"%s\"",
		     what, msg);
	p += sizeof(NAME);
	check_controls(msg, what);
	if (minline == 0 && *p == ' ')
		return;
	if (*p < '0' || *p > '9')
		fail("%s: no line number in \"%s\"", what, msg);
	for (; *p >= '0' && *p <= '9'; p++) {
		line = line * 10 + (unsigned long)(*p - '0');
		if (line > UINT_MAX)
			fail("%s: absurd line number in \"%s\"", what, msg);
	}
	if (p[0] != ':' || p[1] != ' ')
		fail("%s: no \": \" after the line number in \"%s\"", what,
		     msg);
	if (line < minline || (maxline && line > maxline))
		fail("%s: line %lu is not in [%lu, %lu]: \"%s\"", what, line,
		     minline, maxline, msg);
}

/* An accessor's message about attribute a: its own line, if it has one. */
static void
check_amsg(const char *msg, const struct stz_attr *a, const char *what)
{
	check_msg(msg, a->lineno, a->lineno, what);
}

/* "fuzz: ..." (messages of the writer, which have no line). */
static void
check_wmsg(const char *msg, const char *what)
{
	if (strncmp(msg, NAME ": ", sizeof(NAME) + 1) != 0)
		fail("%s: message does not start with \"" NAME ": \": \"%s\"",
		     what, msg);
	check_controls(msg, what);
}

/* ------------------------------------------------------------------ */
/* The model: what the document must hold after the edits. */

struct mattr {
	char *name;
	char **items;
	size_t n;
};

struct mstz {
	char *name;
	struct mattr *attrs;
	size_t nattrs, cap;
};

struct model {
	struct mstz *st;
	size_t n, cap;
	char **gone;		/* names of deleted stanzas, for re-adding */
	size_t ngone;
};

static char **
dup_items(const char *const *items, size_t n)
{
	char **v = xmalloc(n * sizeof(*v));

	for (size_t i = 0; i < n; i++)
		v[i] = xstrdup(items[i]);
	return v;
}

static void
free_attr(struct mattr *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->items[i]);
	free(a->items);
	free(a->name);
}

static void
free_stz(struct mstz *s)
{
	for (size_t i = 0; i < s->nattrs; i++)
		free_attr(&s->attrs[i]);
	free(s->attrs);
	free(s->name);
}

static void
model_free(struct model *m)
{
	for (size_t i = 0; i < m->n; i++)
		free_stz(&m->st[i]);
	free(m->st);
	for (size_t i = 0; i < m->ngone; i++)
		free(m->gone[i]);
	free(m->gone);
}

static struct mstz *
model_add(struct model *m, const char *name)
{
	struct mstz *s;

	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 8;
		m->st = realloc(m->st, m->cap * sizeof(*m->st));
		if (m->st == NULL)
			abort();
	}
	s = &m->st[m->n++];
	s->name = xstrdup(name);
	s->attrs = NULL;
	s->nattrs = s->cap = 0;
	return s;
}

static struct mstz *
model_find(struct model *m, const char *name)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->st[i].name, name) == 0)
			return &m->st[i];
	return NULL;
}

static struct mattr *
mstz_attr(struct mstz *s, const char *name)
{
	for (size_t i = 0; i < s->nattrs; i++)
		if (strcmp(s->attrs[i].name, name) == 0)
			return &s->attrs[i];
	return NULL;
}

static void
mstz_set(struct mstz *s, const char *name, const char *const *items, size_t n)
{
	struct mattr *a = mstz_attr(s, name);
	char **v = dup_items(items, n);	/* items may be a's own */

	if (a) {
		for (size_t i = 0; i < a->n; i++)
			free(a->items[i]);
		free(a->items);
	} else {
		if (s->nattrs == s->cap) {
			s->cap = s->cap ? s->cap * 2 : 4;
			s->attrs = realloc(s->attrs, s->cap * sizeof(*s->attrs));
			if (s->attrs == NULL)
				abort();
		}
		a = &s->attrs[s->nattrs++];
		a->name = xstrdup(name);
	}
	a->items = v;
	a->n = n;
}

static void
mstz_unset(struct mstz *s, const char *name)
{
	struct mattr *a = mstz_attr(s, name);
	size_t i;

	if (a == NULL)
		return;
	i = (size_t)(a - s->attrs);
	free_attr(a);
	memmove(&s->attrs[i], &s->attrs[i + 1],
		(s->nattrs - i - 1) * sizeof(*a));
	s->nattrs--;
}

static void
model_del(struct model *m, size_t i)
{
	m->gone = realloc(m->gone, (m->ngone + 1) * sizeof(*m->gone));
	if (m->gone == NULL)
		abort();
	m->gone[m->ngone++] = xstrdup(m->st[i].name);
	free_stz(&m->st[i]);
	memmove(&m->st[i], &m->st[i + 1], (m->n - i - 1) * sizeof(*m->st));
	m->n--;
}

static void
model_from_doc(struct model *m, const struct stz_doc *doc)
{
	memset(m, 0, sizeof(*m));
	for (struct stz_stanza *st = stz_first(doc); st; st = stz_next(st)) {
		struct mstz *s = model_add(m, st->name);

		for (struct stz_attr *a = st->attrs; a; a = a->next)
			mstz_set(s, a->name, (const char *const *)a->items,
				 a->nitems);
	}
}

/* The document (in memory or parsed again) against the model. */
static void
compare(const struct stz_doc *doc, const struct model *m, const char *what)
{
	struct stz_stanza *st = stz_first(doc);
	size_t i;

	if (stz_count(doc) != m->n)
		fail("%s: stz_count %zu, expected %zu", what, stz_count(doc),
		     m->n);
	for (i = 0; i < m->n; i++, st = stz_next(st)) {
		const struct mstz *s = &m->st[i];
		struct stz_attr *a;
		size_t j;

		if (st == NULL)
			fail("%s: %zu stanzas in the list, expected %zu", what,
			     i, m->n);
		if (strcmp(st->name, s->name) != 0)
			fail("%s: stanza %zu is \"%s\", expected \"%s\"", what,
			     i, st->name, s->name);
		if (stz_find(doc, s->name) != st)
			fail("%s: stz_find(\"%s\") misses the stanza", what,
			     s->name);
		for (j = 0, a = st->attrs; j < s->nattrs; j++, a = a->next) {
			const struct mattr *ma = &s->attrs[j];

			if (a == NULL)
				fail("%s: stanza \"%s\": %zu attributes, "
				     "expected %zu", what, s->name, j,
				     s->nattrs);
			if (strcmp(a->name, ma->name) != 0)
				fail("%s: stanza \"%s\": attribute %zu is "
				     "\"%s\", expected \"%s\"", what, s->name,
				     j, a->name, ma->name);
			if (stz_attr(st, ma->name) != a)
				fail("%s: stz_attr(\"%s\") misses", what,
				     ma->name);
			if (a->nitems != ma->n)
				fail("%s: %s.%s: %zu items, expected %zu", what,
				     s->name, a->name, (size_t)a->nitems,
				     ma->n);
			for (size_t k = 0; k < ma->n; k++)
				if (strcmp(a->items[k], ma->items[k]) != 0)
					fail("%s: %s.%s[%zu] is \"%s\", "
					     "expected \"%s\"", what, s->name,
					     a->name, k, a->items[k],
					     ma->items[k]);
		}
		if (a != NULL)
			fail("%s: stanza \"%s\": extra attribute \"%s\"", what,
			     s->name, a->name);
	}
	if (st != NULL)
		fail("%s: extra stanza \"%s\"", what, st->name);
	for (i = 0; i < m->ngone; i++)
		if (model_find((struct model *)m, m->gone[i]) == NULL &&
		    stz_find(doc, m->gone[i]) != NULL)
			fail("%s: deleted stanza \"%s\" still found", what,
			     m->gone[i]);
}

/* ------------------------------------------------------------------ */
/* Step 3: every accessor on every attribute. */

static void
accessors(const struct stz_doc *doc, bool parsed, uint64_t h)
{
	const struct stz_stanza *def = stz_find(doc, STZ_DEFAULT);
	unsigned long long lo = h & 1 ? 0 : h % 1000;
	unsigned long long hi = h & 2 ? ULLONG_MAX : lo + (h >> 8) % 100000;
	size_t n = 0;

	for (struct stz_stanza *st = stz_first(doc); st; st = stz_next(st)) {
		const char *known[] = { st->attrs ? st->attrs->name : "x",
					NULL };
		struct tp_err err;
		const struct stz_attr *first_unknown = NULL;
		bool all_first = true;
		int rc;

		n++;
		if (stz_find(doc, st->name) != st)
			fail("stz_find(\"%s\") misses the stanza", st->name);
		for (struct stz_attr *a = st->attrs; a; a = a->next) {
			unsigned long long u;
			unsigned long mode;
			const char *s;
			bool b;

			if (parsed && a->lineno == 0)
				fail("%s.%s: parsed attribute without a line",
				     st->name, a->name);
			if (strcmp(a->name, known[0]) != 0 && all_first) {
				all_first = false;
				first_unknown = a;
			}
			if (stz_attr(st, a->name) != a ||
			    stz_lookup(doc, st, a->name) != a)
				fail("%s.%s: stz_attr/stz_lookup disagree",
				     st->name, a->name);
			if (stz_lookup(doc, NULL, a->name) !=
			    (def ? stz_attr(def, a->name) : NULL))
				fail("%s: stz_lookup(NULL) is not default:'s",
				     a->name);

			rc = stz_get_string(doc, a, &s, &err);
			if (rc != (a->nitems == 1 ? 0 : -1))
				fail("%s: stz_get_string %d with %zu items",
				     a->name, rc, (size_t)a->nitems);
			if (rc == 0 && s != a->items[0])
				fail("%s: stz_get_string value", a->name);
			if (rc == -1)
				check_amsg(err.msg, a, "stz_get_string");

			rc = stz_get_bool(doc, a, &b, &err);
			if (rc == 0 && a->nitems != 1)
				fail("%s: stz_get_bool of a list", a->name);
			if (rc == -1)
				check_amsg(err.msg, a, "stz_get_bool");
			else if (stz_parse_bool(a->items[0], &b) != 0)
				fail("%s: stz_get_bool and stz_parse_bool "
				     "disagree", a->name);

			rc = stz_get_uint(doc, a, lo, hi, &u, &err);
			if (rc == 0 && (a->nitems != 1 || u < lo || u > hi))
				fail("%s: stz_get_uint %llu not in [%llu, %llu]",
				     a->name, u, lo, hi);
			if (rc == -1)
				check_amsg(err.msg, a, "stz_get_uint");

			rc = stz_get_mode(doc, a, &mode, &err);
			if (rc == 0 && (mode & ~(unsigned long)(07777 |
							STZ_MODE_TCB)) != 0)
				fail("%s: stz_get_mode 0%lo has stray bits",
				     a->name, mode);
			if (rc == -1)
				check_amsg(err.msg, a, "stz_get_mode");
		}
		rc = stz_check_known(doc, st, known, &err);
		if (rc != (all_first ? 0 : -1))
			fail("%s: stz_check_known %d", st->name, rc);
		if (rc == -1)
			check_amsg(err.msg, first_unknown, "stz_check_known");
		/* a fixed name, which the input may or may not use */
		if (stz_lookup(doc, st, OTHER) != (stz_attr(st, OTHER) ?
		    stz_attr(st, OTHER) : def ? stz_attr(def, OTHER) : NULL))
			fail("%s: stz_lookup(\"" OTHER "\") is neither the "
			     "stanza's nor default:'s", st->name);
	}
	if (n != stz_count(doc))
		fail("stz_count %zu, list has %zu", stz_count(doc), n);
	if (stz_lookup(doc, NULL, OTHER) != (def ? stz_attr(def, OTHER) : NULL))
		fail("stz_lookup(NULL, \"" OTHER "\") is not default:'s");
}

/* ------------------------------------------------------------------ */
/* Step 4: edits, on the document and on the model. */

struct ctx {
	struct stz_doc *doc;
	struct model m;
	struct rng r;
	const uint8_t *data;
	size_t size;
	char *pool[8];		/* strings made from the input */
	size_t npool;
};

/*
 * Is s well-formed UTF-8 (no overlong form, no surrogate, nothing above
 * U+10FFFF) without control characters: C0 but tab (and, with escapable,
 * newline and CR, which the writer escapes), DEL, C1 (U+0080..U+009F)?
 */
static bool
clean_text(const char *str, bool escapable)
{
	const unsigned char *s = (const unsigned char *)str;

	while (*s) {
		unsigned long cp;
		int more;

		if (*s < 0x80) {
			if ((*s < 0x20 && *s != '\t' && !(escapable &&
			     (*s == '\n' || *s == '\r'))) || *s == 0x7f)
				return false;
			s++;
			continue;
		}
		if ((*s & 0xe0) == 0xc0)
			cp = *s & 0x1f, more = 1;
		else if ((*s & 0xf0) == 0xe0)
			cp = *s & 0x0f, more = 2;
		else if ((*s & 0xf8) == 0xf0)
			cp = *s & 0x07, more = 3;
		else
			return false;
		for (int i = 1; i <= more; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return false;	/* NUL included */
			cp = cp << 6 | (s[i] & 0x3f);
		}
		if ((more == 1 && cp < 0x80) || (more == 2 && cp < 0x800) ||
		    (more == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp <= 0x9f)
			return false;
		s += more + 1;
	}
	return true;
}

/* Can the writer encode s as a value (quoting and escaping as needed)? */
static bool
writable(const char *s)
{
	return clean_text(s, true);
}

/* Must stz_add_stanza take it (when no stanza has that name)? */
static bool
valid_stanza_name(const char *s)
{
	if (*s == '\0')
		return false;
	for (const char *p = s; *p; p++)
		if (*p == '\t')
			return false;
	return clean_text(s, false);
}

/*
 * A string cut from the input at a pseudo-random place: NUL becomes '?';
 * with clean, so does every byte but printable ASCII, tab, newline and CR.
 */
static char *
cut(struct ctx *c, size_t maxlen, bool clean)
{
	size_t off = rndn(&c->r, c->size + 1);
	size_t len = rndn(&c->r, (c->size - off < maxlen ? c->size - off :
				  maxlen) + 1);
	char *s = xmalloc(len + 1);

	for (size_t i = 0; i < len; i++) {
		unsigned char b = c->data[off + i];

		if (b == 0 || (clean && ((b < 0x20 && b != '\n' && b != '\t' &&
					  b != '\r') || b >= 0x7f)))
			b = '?';
		s[i] = (char)b;
	}
	s[len] = '\0';
	if (c->npool < sizeof(c->pool) / sizeof(c->pool[0]))
		c->pool[c->npool++] = s;
	else
		abort();
	return s;
}

/* newline, quote, comma and space, and the other escapes */
static const char V1[] = "line one\nline \"two\", three";
static const char V2[] = "back\\slash\ttab\rcr";

static const char *
pick_item(struct ctx *c)
{
	static const char *const fixed[] = {
		V1, V2, "", "plain", "x,y", "#hash", "*star", "a b", "\"",
		"755", "TCB", "rwsr-xr-x", "true", "never", "18446744073709551615",
		"=", ":", "\xc3\xa9", "esc\x1b[2J", "del\x7f",
		"\xe2\x82\xac\xf0\x9f\x98\x80", "\xc2\xa0" "nbsp", "csi\xc2\x9b" "2J",
		"\xff", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82",
	};
	size_t k = rndn(&c->r, 32);

	if (k < sizeof(fixed) / sizeof(fixed[0]))
		return fixed[k];
	if (c->npool < sizeof(c->pool) / sizeof(c->pool[0]) - 1) {
		if (k == 28 || k == 29)
			return cut(c, 48, true);
		if (k == 30)
			return cut(c, 16, false);
	}
	/* an existing value of the document */
	if (c->m.n) {
		struct mstz *s = &c->m.st[rndn(&c->r, c->m.n)];

		if (s->nattrs) {
			struct mattr *a = &s->attrs[rndn(&c->r, s->nattrs)];

			if (a->n)
				return a->items[rndn(&c->r, a->n)];
		}
	}
	return "fallback";
}

static const char *
pick_attr_name(struct ctx *c, struct mstz *s)
{
	static const char *const fixed[] = {
		"fuzz_v", "fuzz_e", "_", "Z9", "a", "mode", "9x", "a-b", "",
		"a b", "default",
	};
	size_t k = rndn(&c->r, 16);

	if (k < sizeof(fixed) / sizeof(fixed[0]))
		return fixed[k];
	if (s && s->nattrs)
		return s->attrs[rndn(&c->r, s->nattrs)].name;
	return "fuzz_x";
}

static const char *
pick_stanza_name(struct ctx *c)
{
	static const char *const fixed[] = {
		"fuzz stanza", "#fuzz", "*fuzz", "\"q\"", "a:b", "a:", "x,y",
		"back\\slash", STZ_DEFAULT, "\xc3\xa9", "", "a\nb", "del\x7f",
		" lead", "trail ", "=", "tab\there", "csi\xc2\x9b", "\xff",
		"\xe2\x82\xac",
	};
	size_t k = rndn(&c->r, 28);

	if (k < sizeof(fixed) / sizeof(fixed[0]))
		return fixed[k];
	if (k < 22 && c->npool < sizeof(c->pool) / sizeof(c->pool[0]) - 1)
		return cut(c, 32, k == 20);
	if (k < 25 && c->m.ngone)
		return c->m.gone[rndn(&c->r, c->m.ngone)];
	if (c->m.n)
		return c->m.st[rndn(&c->r, c->m.n)].name;	/* exists */
	return "fuzz2";
}

static struct stz_stanza *
doc_stanza(struct ctx *c, size_t i)
{
	struct stz_stanza *st = stz_find(c->doc, c->m.st[i].name);

	if (st == NULL)
		fail("stz_find(\"%s\") lost a stanza", c->m.st[i].name);
	return st;
}

/*
 * The writer refuses a line longer than the reader takes.  Accept that
 * refusal only when the line could be that long: escaping at most doubles
 * a value, and the indentation copied from another line is < STZ_MAX_LINE.
 */
static bool
too_long_ok(const char *msg, const char *name, const char *const *items,
	    size_t n)
{
	size_t len = strlen(name) + 4 + 2 * n + STZ_MAX_LINE;

	for (size_t i = 0; i < n; i++)
		len += 2 * strlen(items[i]);
	return strstr(msg, "cannot write a line longer than") != NULL &&
	       len > STZ_MAX_LINE;
}

static void
op_set(struct ctx *c, size_t si, const char *name, const char *const *items,
       size_t n)
{
	struct mstz *s = &c->m.st[si];
	bool ok = is_name(name);
	struct tp_err err;
	char *nm = xstrdup(name);	/* name may point into the model */
	int rc;

	for (size_t i = 0; i < n; i++)
		ok = ok && writable(items[i]);
	rc = stz_set(c->doc, doc_stanza(c, si), nm, items, n, &err);
	if (rc == -1 && ok && too_long_ok(err.msg, nm, items, n))
		ok = false;
	if (rc != (ok ? 0 : -1))
		fail("stz_set(\"%s\", \"%s\", %zu items) returned %d", s->name,
		     nm, n, rc);
	if (rc == -1)
		check_wmsg(err.msg, "stz_set");
	else
		mstz_set(s, nm, items, n);
	if (stz_count(c->doc) != c->m.n)
		fail("stz_set changed the stanza count");
	free(nm);
}

static void
op_unset(struct ctx *c, size_t si, const char *name)
{
	char *nm = xstrdup(name);

	stz_unset(c->doc, doc_stanza(c, si), nm);
	mstz_unset(&c->m.st[si], nm);
	if (stz_attr(doc_stanza(c, si), nm) != NULL)
		fail("stz_unset(\"%s\") left it", nm);
	free(nm);
}

static void
op_delete(struct ctx *c, size_t si)
{
	stz_delete_stanza(c->doc, doc_stanza(c, si));
	model_del(&c->m, si);
	if (stz_find(c->doc, c->m.gone[c->m.ngone - 1]) != NULL)
		fail("stz_delete_stanza(\"%s\") left it",
		     c->m.gone[c->m.ngone - 1]);
	if (stz_count(c->doc) != c->m.n)
		fail("stz_delete_stanza: count %zu, expected %zu",
		     stz_count(c->doc), c->m.n);
}

static void
op_add(struct ctx *c, const char *name)
{
	bool ok = valid_stanza_name(name) && model_find(&c->m, name) == NULL;
	struct stz_stanza *st;
	struct tp_err err;
	char *nm = xstrdup(name);

	st = stz_add_stanza(c->doc, nm, &err);
	if (st == NULL && ok && strlen(nm) * 2 + 4 > STZ_MAX_LINE &&
	    strstr(err.msg, "cannot write a line longer than"))
		ok = false;
	if ((st != NULL) != ok)
		fail("stz_add_stanza(\"%s\") %s", nm,
		     st ? "accepted a bad or existing name" : err.msg);
	if (st == NULL) {
		check_wmsg(err.msg, "stz_add_stanza");
	} else {
		model_add(&c->m, nm);
		if (stz_find(c->doc, nm) != st || strcmp(st->name, nm) != 0)
			fail("stz_add_stanza(\"%s\"): not found", nm);
	}
	if (stz_count(c->doc) != c->m.n)
		fail("stz_add_stanza: count %zu, expected %zu",
		     stz_count(c->doc), c->m.n);
	free(nm);
}

/*
 * stz_set with items that the document owns: those of an attribute, maybe
 * the very one being set.
 */
static void
op_copy(struct ctx *c)
{
	size_t from = rndn(&c->r, c->m.n), to = rndn(&c->r, c->m.n);
	struct mstz *s = &c->m.st[from];
	struct stz_attr *a;
	struct mattr *ma;
	struct tp_err err;
	char *nm;

	if (s->nattrs == 0)
		return;
	ma = &s->attrs[rndn(&c->r, s->nattrs)];
	if ((a = stz_attr(doc_stanza(c, from), ma->name)) == NULL)
		fail("stz_attr(\"%s\", \"%s\") lost", s->name, ma->name);
	nm = xstrdup(rnd(&c->r) & 1 ? ma->name : pick_attr_name(c, s));
	if (stz_set(c->doc, doc_stanza(c, to), nm,
		    (const char *const *)a->items, a->nitems, &err) == -1) {
		if (is_name(nm) && !too_long_ok(err.msg, nm,
		    (const char *const *)a->items, a->nitems))
			fail("stz_set(\"%s\") of a document's own items: %s",
			     nm, err.msg);
	} else {
		if (!is_name(nm))
			fail("stz_set accepted attribute name \"%s\"", nm);
		mstz_set(&c->m.st[to], nm, (const char *const *)ma->items,
			 ma->n);
	}
	free(nm);
}

static void
random_op(struct ctx *c)
{
	const char *items[6];
	size_t n, si;

	switch (rndn(&c->r, 9)) {
	case 8:
		if (c->m.n)
			op_copy(c);
		break;
	case 0: case 1: case 2:
		if (c->m.n == 0)
			break;
		si = rndn(&c->r, c->m.n);
		n = rndn(&c->r, 7);
		for (size_t i = 0; i < n; i++)
			items[i] = pick_item(c);
		op_set(c, si, pick_attr_name(c, &c->m.st[si]), items, n);
		break;
	case 3: case 4:
		if (c->m.n == 0)
			break;
		si = rndn(&c->r, c->m.n);
		op_unset(c, si, pick_attr_name(c, &c->m.st[si]));
		break;
	case 5:
		if (c->m.n == 0)
			break;
		op_delete(c, rndn(&c->r, c->m.n));
		break;
	default:
		op_add(c, pick_stanza_name(c));
		break;
	}
}

/* Refused edits must leave the text as it was. */
static void
refusals(struct ctx *c)
{
	static const char *const bad_items[] = { "ok", "esc\x1b[2J" };
	static const char *const del_item[] = { "del\x7f" };
	struct stz_stanza *st = stz_first(c->doc);
	struct tp_err err;

	if (stz_add_stanza(c->doc, "", &err) != NULL ||
	    stz_add_stanza(c->doc, "a\nb", &err) != NULL ||
	    stz_add_stanza(c->doc, "tab\there", &err) != NULL)
		fail("stz_add_stanza accepted a bad name");
	if (st == NULL)
		return;
	if (stz_add_stanza(c->doc, st->name, &err) != NULL)
		fail("stz_add_stanza accepted an existing name \"%s\"",
		     st->name);
	check_wmsg(err.msg, "stz_add_stanza");
	if (stz_set(c->doc, st, "9x", bad_items, 1, &err) != -1 ||
	    stz_set(c->doc, st, "", bad_items, 1, &err) != -1 ||
	    stz_set(c->doc, st, "a-b", bad_items, 1, &err) != -1)
		fail("stz_set accepted a bad attribute name");
	check_wmsg(err.msg, "stz_set");
	if (stz_set(c->doc, st, "fuzz_v", bad_items, 2, &err) != -1 ||
	    stz_set(c->doc, st, "fuzz_v", del_item, 1, &err) != -1)
		fail("stz_set accepted a control character");
	check_wmsg(err.msg, "stz_set");
	if (st->attrs && stz_set(c->doc, st, st->attrs->name, bad_items, 2,
				 &err) != -1)
		fail("stz_set accepted a control character");
	if (stz_attr(st, OTHER) == NULL)
		stz_unset(c->doc, st, OTHER);	/* a no-op */
}

static void
text_equals(const struct stz_doc *doc, const uint8_t *want, size_t wlen,
	    const char *what)
{
	size_t len = (size_t)-1;
	char *text = stz_text(doc, &len);

	if (text == NULL)
		fail("%s: stz_text failed", what);
	if (len != wlen || memcmp(text, want, len) != 0) {
		size_t i = 0;

		while (i < len && i < wlen && text[i] == (char)want[i])
			i++;
		fail("%s: text differs at byte %zu (length %zu, expected %zu)",
		     what, i, len, wlen);
	}
	if (text[len] != '\0')
		fail("%s: stz_text not NUL-terminated", what);
	free(text);
}

static void
edits(struct ctx *c, uint64_t h)
{
	const char *items[4];
	struct stz_doc *again;
	struct tp_err err;
	size_t len, nops, si;
	char *text;

	model_from_doc(&c->m, c->doc);
	c->r.s = h | 1;

	/* The fixed sequence first: delete one stanza ... */
	if (c->m.n)
		op_delete(c, rndn(&c->r, c->m.n));
	/* ... add names that must be quoted (they may exist already) ... */
	op_add(c, "fuzz stanza");
	op_add(c, "#fuzz");
	if (c->m.ngone && rnd(&c->r) & 1)
		op_add(c, c->m.gone[0]);	/* a deleted name is free */
	/* ... a value with a newline, a quote, a comma and a space ... */
	items[0] = V1;
	op_set(c, 0, "fuzz_v", items, 1);
	/* ... zero items ... */
	op_set(c, 0, "fuzz_e", items, 0);
	/* ... a list, one item cut from the input, on an existing attribute */
	items[0] = "";
	items[1] = cut(c, 40, true);
	items[2] = V2;
	items[3] = "x,y";
	op_set(c, 0, pick_attr_name(c, &c->m.st[0]), items, 4);
	/* ... and an unset */
	si = rndn(&c->r, c->m.n);
	op_unset(c, si, pick_attr_name(c, &c->m.st[si]));
	if (rnd(&c->r) & 1)
		op_unset(c, 0, "fuzz_v");

	/* Then pseudo-random edits. */
	nops = rndn(&c->r, MAXOPS + 1);
	for (size_t i = 0; i < nops; i++)
		random_op(c);

	compare(c->doc, &c->m, "edited document");
	accessors(c->doc, false, h >> 3);

	if ((text = stz_text(c->doc, &len)) == NULL)
		fail("stz_text of the edited document failed");
	if (strlen(text) != len)
		fail("edited text has a NUL byte");
	again = stz_parse(NAME, text, len, &err);
	if (again == NULL) {
		fprintf(stderr, "---- edited text (%zu bytes) ----\n%s\n"
			"---- end ----\n", len, text);
		fail("the edited text does not parse: %s", err.msg);
	}
	compare(again, &c->m, "edited text parsed again");
	accessors(again, true, h >> 5);
	text_equals(again, (const uint8_t *)text, len, "edited text");
	stz_free(again);
	free(text);
}

/* ------------------------------------------------------------------ */

static unsigned long
count_lines(const uint8_t *data, size_t size)
{
	unsigned long n = 0;

	for (size_t i = 0; i < size; i++)
		n += data[i] == '\n';
	return n + (size && data[size - 1] != '\n');
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctx c;
	struct tp_err err;
	struct stz_doc *doc;
	uint64_t h;

	memset(&err, 0, sizeof(err));
	/* 1. parse, or a "fuzz:LINE: " error */
	doc = stz_parse(NAME, (const char *)data, size, &err);
	if (doc == NULL) {
		check_msg(err.msg, 1, count_lines(data, size), "stz_parse");
		return 0;
	}
	if (strcmp(stz_path(doc), NAME) != 0)
		fail("stz_path is \"%s\"", stz_path(doc));
	/* 2. byte for byte */
	text_equals(doc, data, size, "unmodified document");
	/* 3. accessors */
	h = fnv1a(data, size);
	accessors(doc, true, h);

	/* 4. edits */
	memset(&c, 0, sizeof(c));
	c.doc = doc;
	c.data = data;
	c.size = size;
	refusals(&c);
	text_equals(doc, data, size, "document after refused edits");
	edits(&c, h);

	/* 5. free everything */
	model_free(&c.m);
	for (size_t i = 0; i < c.npool; i++)
		free(c.pool[i]);
	stz_free(doc);
	return 0;
}
