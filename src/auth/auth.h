/* auth.h - accounts, sessions, API keys and scopes (R1, R16).
 *
 * The role bits and names are http's (http/access.h: a route declares the
 * roles it admits as one mask); scope (which department's or region's data
 * a principal may touch) is checked by the handlers with zt_scope_*. */
#ifndef ZT_AUTH_H
#define ZT_AUTH_H

#include <jansson.h>
#include <stdint.h>

#include "app.h"
#include "base/err.h"
#include "http/http.h"
#include "store/query.h"

/* Does the role need a department (staff but supervisor/admin)? */
int zt_role_needs_dept(const char *name);

/* Is region `code` inside region `scope` (same or below)? GB/T 2260 codes:
 * 360300 covers 3603xx and 3603xxnnn; 360302 covers 360302nnn. */
int zt_region_within(const char *code, const char *scope);
/* How many leading characters every code inside scope shares with it (the
 * rule zt_region_within uses): 4 for a city, 6 for a county, all of a
 * township's. SQL filters compare substr(code, 1, n) with scope's first n. */
size_t zt_region_prefix(const char *scope);
/* Append " AND substr(col, 1, n) = ?" to a filter: rows whose region
 * column col lies in scope (the zt_region_within rule, in SQL). col is
 * literal SQL, never input. */
void zt_qb_region(zt_qb *q, const char *col, const char *scope);

/* May p see data of department dept_id (in region dept_region)?
 * Administrators: all; supervisors: departments in their region; other
 * staff and keys: their own department only. */
int zt_scope_dept_read(const zt_principal *p, int64_t dept_id, const char *dept_region);
/* May p change that department's own records (contact data, windows,
 * keys)? Administrators, and the department's head. */
int zt_scope_dept_write(const zt_principal *p, int64_t dept_id);

/* Argon2id hash (libsodium string form) of a password, with the configured
 * cost. out must hold 128 bytes. */
zt_err zt_password_hash(const zt_config *cfg, const char *password, char out[128], zt_error *e);
/* Password policy: 8-128 characters with a letter and a digit. */
zt_err zt_password_check(const char *password, zt_error *e);

/* The authenticator registered with the server. */
zt_err zt_auth_authenticate(zt_req *r, zt_principal *p, zt_error *e);

/* Create an account (CLI, demo data and API share this). Fields are
 * validated: login, name, role, dept (by code or id), region, id_number or
 * credit_code for citizens/enterprises. On success *id is the new user. */
typedef struct zt_user_new {
    const char *login, *name, *role, *password, *phone;
    int64_t dept_id;         /* 0 = none */
    const char *dept_code;   /* alternative to dept_id */
    const char *region_code; /* supervisors; others take their department's */
    const char *id_number, *credit_code;
    int self_register; /* recorded as user.register, not user.create */
    /* taken in the account's write (registrations per address), or NULL;
     * a refusal's Retry-After seconds go to *retry_after */
    const struct zt_quota *quota;
    int64_t *retry_after;
} zt_user_new;
zt_err zt_user_create(zt_app *app, const zt_principal *actor, const zt_user_new *u, int64_t *id, zt_error *e);
zt_err zt_user_set_password(zt_app *app, const zt_principal *actor, int64_t id, const char *password, zt_error *e);
zt_err zt_user_set_disabled(zt_app *app, const zt_principal *actor, int64_t id, int disabled, zt_error *e);
/* The name and the ID number (citizens) or credit code (enterprises) of
 * an account, copied into a; "" when it has neither. ZT_ENOTFOUND. */
zt_err zt_user_identity(zt_db *db, zt_arena *a, int64_t user_id, const char **name, const char **number, zt_error *e);
/* The display name of account id (copied into a), or fallback when there
 * is none (0: the system, a key, the command line). */
const char *zt_user_name(zt_db *db, zt_arena *a, int64_t id, const char *fallback);
/* Look up a user id by login (reader); ZT_ENOTFOUND. */
zt_err zt_user_find(zt_app *app, const char *login, int64_t *id, zt_error *e);

/* The active (not disabled) accounts of the department with code
 * dept_code whose role is in role_mask (ZT_R_CLERK | ZT_R_DEPT_HEAD, ...),
 * in id order: fn(id, login, phone or "", ctx) for each; the strings live
 * until fn returns. db is a reader or the writer inside a write. Errors:
 * the store's. */
zt_err zt_users_of_dept(zt_db *db, const char *dept_code, uint32_t role_mask,
                        void (*fn)(int64_t id, const char *login, const char *phone, void *ctx), void *ctx,
                        zt_error *e);

/* Routes of auth/api.c. */
const zt_route *zt_auth_routes(size_t *n);

/* Failure throttling by key ("login:x", "addr:1.2.3.4", "query:1.2.3.4"):
 * blocked when max failures fell within the window (*retry_after = seconds
 * left); fail counts one; clear forgets the key. In memory, per process. */
int zt_throttle_blocked(const char *key, int64_t now, int64_t max, int64_t window, int64_t *retry_after);
void zt_throttle_fail(const char *key, int64_t now, int64_t window);
void zt_throttle_clear(const char *key);
/* Forget throttling state (tests and the CLI). */
void zt_throttle_reset(void);

/* Quotas (quota.c, issue #22 F13): how much one account, address or key
 * may do per window, counted durably in quota_usage. Windows are fixed and
 * start at the city's midnight. */
typedef struct zt_quota {
    const char *name; /* its configuration key, the error's field: "quota.uploads_per_hour" */
    const char *what; /* what it counts, for the message: "上传文件数" */
    const char *who;  /* whose count: "user/42", "addr/1.2.3.4", "key/7" */
    int64_t window;   /* seconds: 60, 3600 or 86400 */
    int64_t limit;    /* per window; 0 = no limit */
    int64_t amount;   /* what this request takes */
    int bytes;        /* limit and amount are bytes (messages say MiB) */
} zt_quota;
/* Inside a write: take q->amount from the window holding now. ZT_OK;
 * ZT_ETHROTTLED when the window has not that much left (nothing taken;
 * *retry_after = seconds until the next window; e names q->name in a
 * Chinese message); ZT_ETOOLARGE when the amount alone exceeds the limit;
 * or the store's error. */
zt_err zt_quota_take(zt_db *db, const zt_quota *q, int64_t now, int64_t *retry_after, zt_error *e);
/* The same judgment without taking anything (a reader, before expensive
 * work; the write takes it again, exactly). */
zt_err zt_quota_check(zt_db *db, const zt_quota *q, int64_t now, int64_t *retry_after, zt_error *e);
/* Inside a write: forget the windows that started before `before`; *n
 * (may be NULL) gets how many rows went. */
zt_err zt_quota_prune(zt_db *db, int64_t before, int64_t *n, zt_error *e);
/* Retry-After: seconds on r's answer (a 429 of a quota). */
void zt_quota_retry_after(zt_req *r, int64_t seconds);

#endif
