/*
 * ids.h - user and group names and numbers for the trusted-file database
 * (cached: a database names the same few owners many thousand times).
 */
#ifndef TPATH_IDS_H
#define TPATH_IDS_H

#include <sys/types.h>

/* "root", or the number when there is no such user; buf >= 32 bytes. */
const char *tcb_user_name(uid_t uid, char *buf);
const char *tcb_group_name(gid_t gid, char *buf);
/* A name or a number: 0; 1 no such user or group; -1 lookup error. */
int tcb_parse_user(const char *s, uid_t *out);
int tcb_parse_group(const char *s, gid_t *out);

#endif
