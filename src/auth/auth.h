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
/* Password policy (password.c): 8-128 characters with a letter and a
 * digit, at least auth.password_min_distinct different characters, not the
 * login with digits and signs around it, and not a common password: neither the whole (case
 * ignored) nor its letters without the digits and signs around them (nor
 * those with the usual look-alikes undone: @ -> a, 0 -> o, 1 -> i/l, 3 -> e,
 * $ -> s) may be on the lists loaded by zt_password_policy_init. login may be
 * NULL. Errors: ZT_EINVAL naming field, with a Chinese message that says
 * what is wrong. */
zt_err zt_password_check(const char *password, const char *login, const char *field, zt_error *e);
/* Load the common-password lists of auth.password_list (comma-separated
 * files, one password or word a line, "#!comment" lines skipped; "" = none)
 * and the minimum strength. Once per process, before any thread uses
 * zt_password_check; a list that cannot be read is an error naming the key.
 * Without it only the structural rules apply (unit tests, the fuzzer). */
zt_err zt_password_policy_init(const zt_config *cfg, zt_error *e);
/* Entries loaded (for the log and the tests). */
size_t zt_password_list_size(void);

/* --- password hashing off the HTTP threads (hashpool.c) --- */
typedef struct zt_hash_job {
    const zt_config *cfg; /* the Argon2id cost of a new hash */
    int verify;           /* 1: check password against hash; 0: hash password into hash */
    char password[516];   /* 128 characters of UTF-8; wiped once used */
    char hash[128];       /* verify: the stored hash; otherwise the new hash */
    int ok;               /* verify: it matched; otherwise: hashing succeeded */
    /* the pool's */
    zt_req *req;
    int done;
    struct zt_hash_job *next;
} zt_hash_job;
/* Fill a job (hash may be NULL when not verifying). */
void zt_hash_job_init(zt_hash_job *j, const zt_config *cfg, int verify, const char *password, const char *hash);
/* Start auth.hash_threads workers (0 = half the cores, at least one) with a
 * queue of auth.hash_queue jobs; stop finishes the queue, then joins. */
zt_err zt_hashpool_start(const zt_config *cfg, zt_error *e);
void zt_hashpool_stop(void);
/* Run job j (owned by the caller; for a request, in its arena) on the pool
 * while r waits without a thread (zt_req_defer), then then(r, ctx, e) on a
 * server thread. ZT_EUNAVAIL (503, Retry-After: 1) at once when the queue
 * is full; then is not called. Without a started pool the job runs here
 * and then is called at once. */
zt_err zt_hash_async(zt_req *r, zt_hash_job *j, zt_then_fn then, void *ctx, zt_error *e);
/* The same, waiting on the calling thread. ZT_EUNAVAIL when the queue is
 * full or a new hash failed (memory). */
zt_err zt_hash_sync(zt_hash_job *j, zt_error *e);
typedef struct zt_hashpool_stats {
    int threads;
    int64_t queued, running, max_queue;
    uint64_t jobs, refused, running_max;
} zt_hashpool_stats;
void zt_hashpool_stats_get(zt_hashpool_stats *st);
/* The hashing pool's and the throttles' counters as Prometheus text into
 * out (cap bytes, NUL-terminated); returns the length written. */
int zt_auth_metrics(char *out, size_t cap);

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
} zt_user_new;
zt_err zt_user_create(zt_app *app, const zt_principal *actor, const zt_user_new *u, int64_t *id, zt_error *e);
/* zt_user_create in its steps, for callers that hash elsewhere (the
 * registration route hashes on the pool): validate and normalise (ID
 * numbers upper-cased, the password policy) into *out, whose u points into
 * itself and into in's strings; then insert with the hash. A
 * self-registration (u->self_register) whose login is taken is
 * ZT_ECONFLICT on login; one whose ID number or credit code already has an
 * account creates none: the holder is told through the notify hook, the
 * attempt is recorded on his account, and *id is 0 with ZT_OK (the caller
 * answers as for a new account). client is the registrant's address for
 * that record (may be NULL). */
typedef struct zt_user_checked {
    zt_user_new u;
    char idn[32], uscc[32];
} zt_user_checked;
zt_err zt_user_validate(const zt_user_new *in, zt_user_checked *out, zt_error *e);
zt_err zt_user_insert(zt_app *app, const zt_principal *actor, const zt_user_new *u, const char *hash,
                      const char *client, int64_t *id, zt_error *e);
/* A new password for account id (policy checked, the error naming field:
 * "password", or "new_password" for one's own change); ends its sessions. */
zt_err zt_user_set_password(zt_app *app, const zt_principal *actor, int64_t id, const char *password, const char *field,
                            zt_error *e);
zt_err zt_user_set_disabled(zt_app *app, const zt_principal *actor, int64_t id, int disabled, zt_error *e);
/* The name and the ID number (citizens) or credit code (enterprises) of
 * an account, copied into a; "" when it has neither. ZT_ENOTFOUND. */
zt_err zt_user_identity(zt_db *db, zt_arena *a, int64_t user_id, const char **name, const char **number, zt_error *e);
/* The display name of account id (copied into a), or fallback when there
 * is none (0: the system, a key, the command line). */
const char *zt_user_name(zt_db *db, zt_arena *a, int64_t id, const char *fallback);
/* The same by login (a department system's actor may have no account). */
const char *zt_user_name_by_login(zt_db *db, zt_arena *a, const char *login, const char *fallback);
/* The region of an account (its own, else its department's) or of an API
 * key (its department's), type "user" or "api_key", into buf (returned);
 * NULL when none. Leaves the connection's other statements as they are. */
const char *zt_account_region(zt_db *db, const char *type, int64_t id, char *buf, size_t n);
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

/* Telling an account holder something (a registration with his ID
 * number): main registers supervision's inbox (站内信) and senders. Runs
 * inside the caller's write (db is the writer's); its error fails it.
 * Without a hook nothing is sent. */
typedef zt_err (*zt_notify_fn)(zt_db *db, int64_t user_id, const char *login, const char *phone, const char *title,
                               const char *body, zt_error *e);
void zt_auth_set_notify(zt_notify_fn fn);

/* Real-name verification (实名核验) of a self-registration, the seam for
 * the city's identity service (docs/security.md, "Pentest findings"): it
 * is asked after the fields are valid and before anything is hashed or
 * written, with the registrant's address; an error refuses the
 * registration with its field and message (ZT_EFORBIDDEN or ZT_EINVAL for
 * "not this person", ZT_EUNAVAIL when the service cannot be reached).
 * Without a hook (today) a number with a right check character is taken
 * as given. */
typedef zt_err (*zt_identity_fn)(const zt_user_new *u, const char *client, zt_error *e);
void zt_auth_set_identity(zt_identity_fn fn);
zt_err zt_identity_verify(const zt_user_new *u, const char *client, zt_error *e);

/* Routes of auth/api.c. */
const zt_route *zt_auth_routes(size_t *n);

/* Failure throttling by key ("query:1.2.3.4": the status query's per-address
 * count): blocked when max failures fell within the window (*retry_after =
 * seconds left); fail counts one; clear forgets the key. In memory, per
 * process, a fixed table: only for keys an attacker cannot choose beyond the
 * addresses he has. Logins, password changes and registrations are counted
 * in the database (throttle.c, issue 22 F3). */
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
