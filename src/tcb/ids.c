/*
 * ids.c - user and group names and numbers, as the trusted-file database
 * writes them: a name, or the number when there is no such user.
 *
 * Defends against a lookup that fails half-way: NSS errors are told apart
 * from "no such user" (a database is refused for one, not the other), and
 * a group with many members gets the buffer it needs.
 */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pthread.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ids.h"
#include "stanza.h"

/*
 * User and group names and numbers, cached each way: a database names the
 * same few owners many thousand times, and each NSS lookup may read
 * /etc/passwd again.
 */
struct idcache {
	pthread_mutex_t lock;
	struct { char name[33]; unsigned id; } e[16];
	unsigned n, next;
};

static struct idcache users = { .lock = PTHREAD_MUTEX_INITIALIZER };
static struct idcache groups = { .lock = PTHREAD_MUTEX_INITIALIZER };
/* what NSS named each number: two names of one number (root, toor) must
   not make the name written depend on which was read first */
static struct idcache user_names = { .lock = PTHREAD_MUTEX_INITIALIZER };
static struct idcache group_names = { .lock = PTHREAD_MUTEX_INITIALIZER };

static int
cache_get(struct idcache *c, const char *name, unsigned *id)
{
	int found = -1;

	pthread_mutex_lock(&c->lock);
	for (unsigned i = 0; i < c->n; i++) {
		if (strcmp(c->e[i].name, name) == 0) {
			*id = c->e[i].id;
			found = 0;
			break;
		}
	}
	pthread_mutex_unlock(&c->lock);
	return found;
}

/* The name cached for id, into name (32 bytes): 0, or -1. */
static int
cache_name(struct idcache *c, unsigned id, char *name)
{
	int found = -1;

	pthread_mutex_lock(&c->lock);
	for (unsigned i = 0; i < c->n; i++) {
		if (c->e[i].id == id) {
			snprintf(name, 32, "%s", c->e[i].name);
			found = 0;
			break;
		}
	}
	pthread_mutex_unlock(&c->lock);
	return found;
}

static void
cache_put(struct idcache *c, const char *name, unsigned id)
{
	if (strlen(name) >= sizeof(c->e[0].name))
		return;
	pthread_mutex_lock(&c->lock);
	strcpy(c->e[c->next].name, name);
	c->e[c->next].id = id;
	c->next = (c->next + 1) % 16;
	if (c->n < 16)
		c->n++;
	pthread_mutex_unlock(&c->lock);
}

/*
 * One NSS lookup of a user or group (kind), by name (or by id when name
 * is NULL),
 * with a buffer that grows while NSS answers ERANGE: a group with many
 * members needs more than any fixed size.  0 found (its id in *id, its
 * name in name_out if that is not NULL and the name fits in 32 bytes),
 * 1 no such user or group, -1 the lookup failed (errno).
 */
enum idkind { USER, GROUP };

static int
nss(enum idkind kind, const char *name, unsigned *id, char *name_out)
{
	size_t len = 4096;
	char *buf = NULL, *nb;
	const char *found = NULL;
	int rc;

	for (;;) {
		if ((nb = realloc(buf, len)) == NULL) {
			free(buf);
			return -1;
		}
		buf = nb;
		if (kind == USER) {
			struct passwd pw, *res = NULL;

			rc = name ? getpwnam_r(name, &pw, buf, len, &res) :
			     getpwuid_r(*id, &pw, buf, len, &res);
			if (rc == 0 && res) {
				*id = pw.pw_uid;
				found = pw.pw_name;
			}
		} else {
			struct group gr, *res = NULL;

			rc = name ? getgrnam_r(name, &gr, buf, len, &res) :
			     getgrgid_r(*id, &gr, buf, len, &res);
			if (rc == 0 && res) {
				*id = gr.gr_gid;
				found = gr.gr_name;
			}
		}
		if (rc != ERANGE || len >= (1U << 24))
			break;
		len *= 2;
	}
	if (found && name_out)
		snprintf(name_out, 32, "%s", strlen(found) < 32 ? found : "");
	free(buf);
	if (rc != 0) {
		errno = rc;
		return -1;
	}
	return found ? 0 : 1;
}

/* 0, or 1 no such user/group, or -1 the lookup failed (errno). */
static int
parse_id(const char *s, enum idkind kind, unsigned *out)
{
	struct idcache *c = kind == USER ? &users : &groups;
	unsigned long long v;
	int rc;

	if (stz_parse_uint(s, 0, UINT_MAX - 1, &v) == 0) {
		*out = (unsigned)v;
		return 0;
	}
	if (cache_get(c, s, out) == 0)
		return 0;
	if ((rc = nss(kind, s, out, NULL)) == 0)
		cache_put(c, s, *out);
	return rc;
}

int
tcb_parse_user(const char *s, uid_t *out)
{
	unsigned id;
	int rc = parse_id(s, USER, &id);

	if (rc == 0)
		*out = id;
	return rc;
}

int
tcb_parse_group(const char *s, gid_t *out)
{
	unsigned id;
	int rc = parse_id(s, GROUP, &id);

	if (rc == 0)
		*out = id;
	return rc;
}

/* The name of user or group id into buf (32 bytes), or its number. */
static const char *
id_name(enum idkind kind, unsigned id, char *buf)
{
	struct idcache *c = kind == USER ? &user_names : &group_names;

	if (cache_name(c, id, buf) == 0)
		return buf;
	if (nss(kind, NULL, &id, buf) == 0 && *buf != '\0')
		cache_put(c, buf, id);
	else
		snprintf(buf, 32, "%u", id);
	return buf;
}

const char *
tcb_user_name(uid_t uid, char *buf)
{
	return id_name(USER, uid, buf);
}

const char *
tcb_group_name(gid_t gid, char *buf)
{
	return id_name(GROUP, gid, buf);
}
