/* api.c - HTTP handlers of auth/: login and sessions, registration,
 * accounts, API keys. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "auth/auth_int.h"
#include "base/clock.h"
#include "base/idcheck.h"
#include "base/json.h"
#include "ledger/record.h"
#include "store/query.h"

static zt_app *APP(zt_req *r) { return zt_req_app(r); }

static void random_token(char *out, size_t outlen, size_t bytes) {
    unsigned char buf[48];
    randombytes_buf(buf, bytes);
    sodium_bin2base64(out, outlen, buf, bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static void set_cookie(zt_req *r, const char *token, int64_t max_age) {
    zt_app *app = APP(r);
    char *c = zt_arena_printf(zt_req_arena(r), "zt_session=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%lld%s",
                              token, (long long)max_age, app->cfg->cookie_secure ? "; Secure" : "");
    zt_reply_header(r, "Set-Cookie", c);
}

/* Masked unless the viewer is an administrator or the person himself. */
static json_t *masked(const zt_principal *viewer, int64_t owner, const char *v, int head, int tail) {
    if (!v) return json_null();
    if ((viewer->role_bit & ZT_R_ADMIN) || viewer->user_id == owner) return json_string(v);
    char buf[64];
    return json_string(zt_mask(v, head, tail, buf, sizeof buf));
}

#define USER_COLS                                                                                                      \
    "u.id, u.login, u.name, u.role, coalesce(u.dept_id, 0), coalesce(d.name, ''),"                                     \
    " coalesce(u.region_code, d.region_code, ''), u.id_number, u.credit_code, u.phone, u.disabled,"                    \
    " u.created_at, coalesce(u.last_login_at, 0)"

static json_t *user_json(const zt_principal *viewer, zt_stmt *st) {
    int64_t id = zt_col_int(st, 0);
    const char *role = zt_col_text(st, 3);
    json_t *o = json_pack("{s:I,s:s,s:s,s:s,s:s}", "id", (json_int_t)id, "login", zt_col_text(st, 1), "name",
                          zt_col_text(st, 2), "role", role, "role_label", zt_role_label(role));
    int64_t dept = zt_col_int(st, 4);
    json_object_set_new(o, "dept_id", dept ? json_integer(dept) : json_null());
    json_object_set_new(o, "dept_name", json_string(zt_col_text(st, 5)));
    json_object_set_new(o, "region_code", json_string(zt_col_text(st, 6)));
    json_object_set_new(o, "id_number", masked(viewer, id, zt_col_text(st, 7), 4, 4));
    json_object_set_new(o, "credit_code", masked(viewer, id, zt_col_text(st, 8), 4, 4));
    const char *phone = zt_col_text(st, 9);
    json_object_set_new(o, "phone", phone && *phone ? masked(viewer, id, phone, 3, 4) : json_string(""));
    json_object_set_new(o, "disabled", json_boolean(zt_col_int(st, 10)));
    char ts[32];
    zt_time_format(zt_col_int(st, 11), ts);
    json_object_set_new(o, "created_at", json_string(ts));
    int64_t last = zt_col_int(st, 12);
    if (last) zt_time_format(last, ts);
    json_object_set_new(o, "last_login_at", last ? json_string(ts) : json_null());
    return o;
}

/* --- login / logout --- */

typedef struct {
    unsigned char hash[32], old_hash[32];
    int has_old;
    int64_t user_id, now, expires;
    const char *csrf, *client;
} session_arg;

static zt_err create_session(zt_db *db, void *arg, zt_error *e) {
    session_arg *s = arg;
    zt_stmt *st;
    zt_err rc;
    if (s->has_old) { /* session fixation: a login never keeps the cookie it came with */
        if (!(st = zt_db_prepare(db, "DELETE FROM sessions WHERE token_hash = ?", e))) return ZT_EINTERNAL;
        zt_bind_blob(st, 1, s->old_hash, 32);
        if ((rc = zt_step_done(st, e))) return rc;
    }
    if (!(st = zt_db_prepare(db, "DELETE FROM sessions WHERE expires_at <= ?", e))) return ZT_EINTERNAL;
    zt_bind_int(st, 1, s->now);
    if ((rc = zt_step_done(st, e))) return rc;
    st = zt_db_prepare(db,
                       "INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at, last_seen_at,"
                       " client) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       e);
    if (!st) return ZT_EINTERNAL;
    zt_bind_blob(st, 1, s->hash, 32);
    zt_bind_int(st, 2, s->user_id);
    zt_bind_text(st, 3, s->csrf);
    zt_bind_int(st, 4, s->now);
    zt_bind_int(st, 5, s->expires);
    zt_bind_int(st, 6, s->now);
    zt_bind_text(st, 7, s->client);
    if ((rc = zt_step_done(st, e))) return rc;
    if (!(st = zt_db_prepare(db, "UPDATE users SET last_login_at = ? WHERE id = ?", e))) return ZT_EINTERNAL;
    zt_bind_int(st, 1, s->now);
    zt_bind_int(st, 2, s->user_id);
    return zt_step_done(st, e);
}

/* Refused by a throttle: Retry-After with the seconds left. */
static zt_err throttled(zt_req *r, zt_err rc, int64_t retry) {
    if (rc == ZT_ETHROTTLED) {
        char ra[24];
        snprintf(ra, sizeof ra, "%lld", (long long)(retry > 0 ? retry : 1));
        zt_reply_header(r, "Retry-After", ra);
    }
    return rc;
}

/* Check the limits, then count the attempt before any hashing (throttle.c). */
static zt_err gate_enter(zt_req *r, zt_gate *g, const char *login, const char *field, zt_error *e) {
    zt_app *app = APP(r);
    g->login = login;
    g->field = field;
    g->now = zt_now();
    zt_throttle_address(zt_req_client(r), g->addr);
    int64_t retry = 0;
    zt_err rc = zt_gate_check(app, g, &retry, e);
    if (!rc) rc = zt_gate_reserve(app, g, &retry, e);
    return throttled(r, rc, retry);
}

/* The pool refused the job (503): the attempt was never tried. */
static zt_err gate_untried(zt_req *r, const zt_gate *g, zt_err rc) {
    if (rc == ZT_EUNAVAIL) {
        zt_error ignored = {0};
        zt_gate_settle_now(APP(r), g, 0, &ignored);
    }
    return rc;
}

typedef struct {
    zt_gate g;
    zt_hash_job job;
    int64_t uid;
    int found, disabled;
} login_ctx;

typedef struct {
    session_arg s;
    const zt_config *cfg;
    const zt_gate *g;
} login_write;

static zt_err write_login(zt_db *db, void *arg, zt_error *e) {
    login_write *w = arg;
    zt_err rc = create_session(db, &w->s, e);
    return rc ? rc : zt_gate_settle(db, w->cfg, w->g, w->s.user_id, e);
}

/* The password checked on the hashing pool: the session, or the refusal
 * (the failure was counted before hashing). */
static zt_err login_done(zt_req *r, void *arg, zt_error *e) {
    login_ctx *c = arg;
    zt_app *app = APP(r);
    int ok = c->found && c->job.ok;
    if (!ok || c->disabled) {
        if (ok && c->disabled) return zt_fail(e, ZT_EFORBIDDEN, "login", "该账户已停用");
        return zt_fail(e, ZT_EUNAUTH, "password", "登录名或密码错误");
    }
    char token[80], csrf[48];
    random_token(token, sizeof token, 32);
    random_token(csrf, sizeof csrf, 24);
    login_write w = {.s = {.user_id = c->uid,
                           .now = c->g.now,
                           .expires = c->g.now + app->cfg->session_ttl,
                           .csrf = csrf,
                           .client = zt_req_client(r)},
                     .cfg = app->cfg,
                     .g = &c->g};
    zt_token_hash(token, w.s.hash);
    const char *old = zt_req_cookie(r, "zt_session");
    if (old && *old) {
        zt_token_hash(old, w.s.old_hash);
        w.s.has_old = 1;
    }
    zt_err rc = zt_store_write(app->store, write_login, &w, e);
    if (rc) return rc;
    set_cookie(r, token, app->cfg->session_ttl);
    zt_db *db = zt_store_reader(app->store);
    zt_stmt *st = zt_db_query(db, e,
                              "SELECT " USER_COLS " FROM users u LEFT JOIN departments d ON d.id = u.dept_id"
                              " WHERE u.id = ?",
                              ZT_I(c->uid));
    if (!st) return ZT_EINTERNAL;
    if (zt_step(st, e) != ZT_ROW) return ZT_EINTERNAL;
    zt_principal self = {.user_id = c->uid};
    zt_reply_json(r, 200, json_pack("{s:o,s:s}", "user", user_json(&self, st), "csrf_token", csrf));
    return ZT_OK;
}

static zt_err h_login(zt_req *r, zt_error *e) {
    zt_app *app = APP(r);
    json_t *body;
    const char *login, *password;
    zt_err rc = zt_req_json(r, &body, e);
    if (!rc) rc = zt_json_str(body, "login", 1, 64, &login, e);
    if (!rc) rc = zt_json_str(body, "password", 1, 128, &password, e);
    if (rc) return rc;
    login_ctx *c = zt_arena_alloc(zt_req_arena(r), sizeof *c);
    memset(c, 0, sizeof *c);
    if ((rc = gate_enter(r, &c->g, login, "login", e))) return rc;
    zt_db *db = zt_store_reader(app->store);
    zt_stmt *st = zt_db_query(db, e, "SELECT id, password_hash, disabled FROM users WHERE login = ?", ZT_T(login));
    if (!st) return ZT_EINTERNAL;
    c->found = zt_step(st, e) == ZT_ROW;
    c->uid = c->found ? zt_col_int(st, 0) : 0;
    c->disabled = c->found ? (int)zt_col_int(st, 2) : 0;
    /* an unknown login hashes the password instead of verifying it: the same
     * time, so timing does not reveal accounts */
    zt_hash_job_init(&c->job, app->cfg, c->found, password, c->found ? zt_col_text(st, 1) : NULL);
    zt_db_release(db);
    return gate_untried(r, &c->g, zt_hash_async(r, &c->job, login_done, c, e));
}

static zt_err delete_session(zt_db *db, void *arg, zt_error *e) {
    zt_stmt *st = zt_db_prepare(db, "DELETE FROM sessions WHERE token_hash = ?", e);
    if (!st) return ZT_EINTERNAL;
    zt_bind_blob(st, 1, arg, 32);
    return zt_step_done(st, e);
}

static zt_err h_logout(zt_req *r, zt_error *e) {
    const char *tok = zt_req_cookie(r, "zt_session");
    unsigned char hash[32];
    zt_token_hash(tok ? tok : "", hash);
    zt_err rc = zt_store_write(APP(r)->store, delete_session, hash, e);
    if (rc) return rc;
    set_cookie(r, "", 0);
    zt_reply_empty(r, 204);
    return ZT_OK;
}

static zt_err h_me(zt_req *r, zt_error *e) {
    const zt_principal *p = zt_req_principal(r);
    zt_db *db = zt_store_reader(APP(r)->store);
    if (p->key_id) {
        zt_reply_json(r, 200,
                      json_pack("{s:{s:I,s:s,s:I,s:s}}", "key", "id", (json_int_t)p->key_id, "name", p->name, "dept_id",
                                (json_int_t)p->dept_id, "role", "system"));
        return ZT_OK;
    }
    zt_stmt *st = zt_db_query(db, e,
                              "SELECT " USER_COLS " FROM users u LEFT JOIN departments d ON d.id = u.dept_id"
                              " WHERE u.id = ?",
                              ZT_I(p->user_id));
    if (!st) return ZT_EINTERNAL;
    if (zt_step(st, e) != ZT_ROW) return zt_fail(e, ZT_EUNAUTH, NULL, "请先登录");
    json_t *user = user_json(p, st);
    const char *tok = zt_req_cookie(r, "zt_session");
    unsigned char hash[32];
    zt_token_hash(tok ? tok : "", hash);
    st = zt_db_prepare(db, "SELECT csrf, expires_at FROM sessions WHERE token_hash = ?", e);
    if (!st) {
        json_decref(user);
        return ZT_EINTERNAL;
    }
    zt_bind_blob(st, 1, hash, 32);
    json_t *out = json_pack("{s:o}", "user", user);
    if (zt_step(st, e) == ZT_ROW) {
        char ts[32];
        zt_time_format(zt_col_int(st, 1), ts);
        json_object_set_new(out, "csrf_token", json_string(zt_col_text(st, 0)));
        json_object_set_new(out, "expires_at", json_string(ts));
    }
    zt_reply_json(r, 200, out);
    return ZT_OK;
}

/* GET /api/auth/session: what /me answers, but public: an anonymous visitor
 * gets 200 {"user": null} (the web pages ask it on every load; a 401 there
 * would be logged by the browser as an error) */
static zt_err h_session(zt_req *r, zt_error *e) {
    const zt_principal *p = zt_req_principal(r);
    if (p->user_id || p->key_id) {
        zt_err rc = h_me(r, e);
        if (rc != ZT_EUNAUTH) return rc;
        e->code = 0;
    }
    zt_reply_json(r, 200, json_pack("{s:n}", "user"));
    return ZT_OK;
}

/* --- registration --- */

typedef struct {
    zt_user_checked v;
    zt_hash_job job;
} register_ctx;

/* The one answer of a registration that was taken (issue 22 F15): a new
 * account and an ID number that already has one look the same. */
#define REGISTERED                                                                                                                                                          \
    "注册已提交，请用登录名和密码登录。一个证件号码只能有一个账户：如果该证件号码此前已经注册过，平台不会另建账户，" \
    "原账户会收到站内通知，请用原账户登录。"

static zt_err register_done(zt_req *r, void *arg, zt_error *e) {
    register_ctx *c = arg;
    if (!c->job.ok) return zt_fail(e, ZT_EUNAVAIL, NULL, "密码哈希失败（内存不足）");
    zt_principal actor = {.login = c->v.u.login};
    int64_t id = 0;
    zt_err rc = zt_user_insert(APP(r), &actor, &c->v.u, c->job.hash, zt_req_client(r), &id, e);
    sodium_memzero(c->job.hash, sizeof c->job.hash);
    if (rc) return rc;
    zt_reply_json(r, 201, json_pack("{s:s,s:s}", "login", c->v.u.login, "message", REGISTERED));
    return ZT_OK;
}

static zt_err h_register(zt_req *r, zt_error *e) {
    json_t *b;
    static const char *const allowed[] = {"type",      "login",       "name",  "password",
                                          "id_number", "credit_code", "phone", NULL};
    zt_user_new u = {0};
    zt_err rc = zt_req_json(r, &b, e);
    if (!rc) rc = zt_json_only(b, allowed, e);
    if (!rc) rc = zt_json_str(b, "type", 1, 16, &u.role, e);
    if (!rc && strcmp(u.role, "citizen") && strcmp(u.role, "enterprise"))
        rc = zt_fail(e, ZT_EINVAL, "type", "注册类型须为 citizen（自然人）或 enterprise（法人）");
    if (!rc) rc = zt_json_str(b, "login", 1, 64, &u.login, e);
    if (!rc) rc = zt_json_str(b, "name", 1, 64, &u.name, e);
    if (!rc) rc = zt_json_str(b, "password", 1, 128, &u.password, e);
    if (!rc) rc = zt_json_str(b, "id_number", 0, 18, &u.id_number, e);
    if (!rc) rc = zt_json_str(b, "credit_code", 0, 18, &u.credit_code, e);
    if (!rc) rc = zt_json_str(b, "phone", 0, 32, &u.phone, e);
    if (rc) return rc;
    u.self_register = 1;
    register_ctx *c = zt_arena_alloc(zt_req_arena(r), sizeof *c);
    memset(c, 0, sizeof *c);
    if ((rc = zt_user_validate(&u, &c->v, e))) return rc;
    /* the city's real-name check, then the per-address count, then the hash */
    if ((rc = zt_identity_verify(&c->v.u, zt_req_client(r), e))) return rc;
    char addr[64];
    int64_t retry = 0;
    zt_throttle_address(zt_req_client(r), addr);
    if ((rc = throttled(r, zt_gate_register(APP(r), addr, zt_now(), &retry, e), retry))) return rc;
    zt_hash_job_init(&c->job, APP(r)->cfg, 0, c->v.u.password, NULL);
    return zt_hash_async(r, &c->job, register_done, c, e);
}

/* --- accounts --- */

#define USER_FROM "users u LEFT JOIN departments d ON d.id = u.dept_id"

typedef struct {
    const zt_principal *p;
    json_t *items;
} rows_ctx;

static void user_row(zt_stmt *st, void *ctx) {
    rows_ctx *c = ctx;
    json_array_append_new(c->items, user_json(c->p, st));
}

/* Limit q to the users p may see: administrators all, supervisors the staff
 * of their region, department heads and other staff their department. */
static void user_scope(zt_qb *q, const zt_principal *p) {
    if (p->role_bit & ZT_R_ADMIN) return;
    if (p->role_bit & ZT_R_SUPERVISOR) {
        zt_qb_sql(q, " AND u.role NOT IN ('citizen', 'enterprise')");
        zt_qb_region(q, "coalesce(u.region_code, d.region_code, '')", p->region);
    } else {
        zt_qb_sql(q, " AND u.dept_id = ?");
        zt_qb_int(q, p->dept_id);
    }
}

static zt_err list_users(zt_req *r, int64_t dept, int scoped, zt_error *e) {
    const zt_principal *p = zt_req_principal(r);
    zt_arena *a = zt_req_arena(r);
    int64_t limit, offset;
    zt_err rc = zt_req_page(r, &limit, &offset, e);
    if (!rc && !dept) rc = zt_req_query_int(r, "dept_id", 0, 0, INT64_MAX, &dept, e);
    if (rc) return rc;
    const char *q = zt_req_query(r, "q"), *role = zt_req_query(r, "role");
    if (role && *role && !zt_role_bit(role)) return zt_fail(e, ZT_EINVAL, "role", "未知角色：%s", role);
    zt_qb f;
    zt_qb_init(&f, a, "1 = 1");
    if (scoped) user_scope(&f, p);
    if (q && *q) zt_qb_search(&f, q, (const char *const[]){"u.login", "u.name", NULL});
    if (role && *role) {
        zt_qb_sql(&f, " AND u.role = ?");
        zt_qb_text(&f, role);
    }
    if (dept) {
        zt_qb_sql(&f, " AND u.dept_id = ?");
        zt_qb_int(&f, dept);
    }
    rows_ctx c = {p, json_array()};
    int64_t total = 0;
    rc = zt_qb_list(zt_store_reader(APP(r)->store), &f, USER_COLS, USER_FROM, "ORDER BY u.id", limit, offset, user_row,
                    &c, &total, e);
    if (rc) {
        json_decref(c.items);
        return rc;
    }
    zt_reply_json(r, 200, zt_page_json(c.items, total, limit, offset));
    return ZT_OK;
}

static zt_err h_users(zt_req *r, zt_error *e) { return list_users(r, 0, 1, e); }

/* GET /api/departments/{id}/staff: the department's own staff, its
 * supervisors and administrators; 403 for other departments. */
static zt_err h_dept_staff(zt_req *r, zt_error *e) {
    int64_t dept;
    zt_err rc = zt_req_param_id(r, "id", &dept, e);
    if (rc) return rc;
    zt_db *db = zt_store_reader(APP(r)->store);
    zt_stmt *st = zt_db_query(db, e, "SELECT region_code FROM departments WHERE id = ?", ZT_I(dept));
    if (!st) return ZT_EINTERNAL;
    if (zt_step(st, e) != ZT_ROW) return zt_fail(e, ZT_ENOTFOUND, "id", "部门不存在");
    if (!zt_scope_dept_read(zt_req_principal(r), dept, zt_col_text(st, 0)))
        return zt_fail(e, ZT_EFORBIDDEN, "id", "无权查看其他部门的人员");
    zt_db_release(db);
    return list_users(r, dept, 0, e); /* the department check above is the scope */
}

static zt_err load_user(zt_req *r, int64_t id, zt_stmt **out, zt_error *e) {
    const zt_principal *p = zt_req_principal(r);
    zt_qb f;
    zt_qb_init(&f, zt_req_arena(r), "SELECT " USER_COLS " FROM " USER_FROM " WHERE u.id = ?");
    zt_qb_int(&f, id);
    zt_stmt *st = zt_qb_prepare(&f, zt_store_reader(APP(r)->store), e);
    if (!st) return ZT_EINTERNAL;
    if (zt_step(st, e) != ZT_ROW) return zt_fail(e, ZT_ENOTFOUND, "id", "用户不存在");
    int64_t dept = zt_col_int(st, 4);
    const char *region = zt_col_text(st, 6);
    const char *role = zt_col_text(st, 3);
    int ok = p->user_id == id || (p->role_bit & ZT_R_ADMIN) ||
             ((p->role_bit & ZT_R_SUPERVISOR) && !(zt_role_bit(role) & ZT_R_PEOPLE) &&
              zt_region_within(region, p->region)) ||
             ((p->role_bit & ZT_R_DEPT_HEAD) && dept && dept == p->dept_id);
    if (!ok) return zt_fail(e, ZT_EFORBIDDEN, "id", "无权查看该用户");
    *out = st;
    return ZT_OK;
}

static zt_err h_user_get(zt_req *r, zt_error *e) {
    int64_t id;
    zt_stmt *st;
    zt_err rc = zt_req_param_id(r, "id", &id, e);
    if (!rc) rc = load_user(r, id, &st, e);
    if (rc) return rc;
    zt_reply_json(r, 200, user_json(zt_req_principal(r), st));
    return ZT_OK;
}

static zt_err h_user_create(zt_req *r, zt_error *e) {
    static const char *const allowed[] = {"login",   "name",        "role",      "password",    "phone",
                                          "dept_id", "region_code", "id_number", "credit_code", NULL};
    json_t *b;
    zt_user_new u = {0};
    zt_err rc = zt_req_json(r, &b, e);
    if (!rc) rc = zt_json_only(b, allowed, e);
    if (!rc) rc = zt_json_str(b, "login", 1, 64, &u.login, e);
    if (!rc) rc = zt_json_str(b, "name", 1, 64, &u.name, e);
    if (!rc) rc = zt_json_str(b, "role", 1, 32, &u.role, e);
    if (!rc) rc = zt_json_str(b, "password", 1, 128, &u.password, e);
    if (!rc) rc = zt_json_str(b, "phone", 0, 32, &u.phone, e);
    if (!rc) rc = zt_json_int(b, "dept_id", 0, 1, INT64_MAX, 0, &u.dept_id, e);
    if (!rc) rc = zt_json_str(b, "region_code", 0, 12, &u.region_code, e);
    if (!rc) rc = zt_json_str(b, "id_number", 0, 18, &u.id_number, e);
    if (!rc) rc = zt_json_str(b, "credit_code", 0, 18, &u.credit_code, e);
    int64_t id;
    if (!rc) rc = zt_user_create(APP(r), zt_req_principal(r), &u, &id, e);
    if (rc) return rc;
    zt_stmt *st;
    if ((rc = load_user(r, id, &st, e))) return rc;
    zt_reply_json(r, 201, user_json(zt_req_principal(r), st));
    return ZT_OK;
}

typedef struct {
    const zt_principal *actor;
    int64_t id, dept_id;
    const char *name, *phone, *role, *region_code;
    int set_dept;
} patch_arg;

static zt_err patch_user(zt_db *db, void *arg, zt_error *e) {
    patch_arg *a = arg;
    zt_stmt *st = zt_db_query(db, e,
                              "SELECT u.name, u.phone, u.role, coalesce(u.dept_id, 0), coalesce(u.region_code, '')"
                              " FROM users u WHERE u.id = ?",
                              ZT_I(a->id));
    if (!st) return ZT_EINTERNAL;
    if (zt_step(st, e) != ZT_ROW) return zt_fail(e, ZT_ENOTFOUND, "id", "用户不存在");
    json_t *before =
        json_pack("{s:s,s:s,s:s,s:I,s:s}", "name", zt_col_text(st, 0), "phone", zt_col_text(st, 1), "role",
                  zt_col_text(st, 2), "dept_id", (json_int_t)zt_col_int(st, 3), "region_code", zt_col_text(st, 4));
    const char *role = a->role ? a->role : json_string_value(json_object_get(before, "role"));
    int64_t dept = a->set_dept ? a->dept_id : json_integer_value(json_object_get(before, "dept_id"));
    zt_err rc = ZT_OK;
    uint32_t bit = zt_role_bit(role);
    if (a->role && (!bit || bit == ZT_R_SYSTEM))
        rc = zt_fail(e, ZT_EINVAL, "role", "未知角色：%s", role);
    else if (a->role &&
             (bit & ZT_R_PEOPLE) != (zt_role_bit(json_string_value(json_object_get(before, "role"))) & ZT_R_PEOPLE))
        rc = zt_fail(e, ZT_EINVAL, "role", "公众账户与工作人员账户不能互相转换");
    else if (zt_role_needs_dept(role) && !dept)
        rc = zt_fail(e, ZT_EINVAL, "dept_id", "该角色须属于一个部门");
    if (rc) {
        json_decref(before);
        return rc;
    }
    char region[16] = "";
    if (a->region_code) {
        if (!(st = zt_db_prepare(db, "SELECT 1 FROM regions WHERE code = ?", e)))
            rc = ZT_EINTERNAL;
        else {
            zt_bind_text(st, 1, a->region_code);
            if (zt_step(st, e) != ZT_ROW) rc = zt_fail(e, ZT_EINVAL, "region_code", "行政区划代码不存在");
        }
        snprintf(region, sizeof region, "%s", a->region_code);
    }
    if (!rc && a->set_dept && dept) {
        if (!(st = zt_db_prepare(db, "SELECT region_code FROM departments WHERE id = ? AND retired_at IS NULL", e)))
            rc = ZT_EINTERNAL;
        else {
            zt_bind_int(st, 1, dept);
            if (zt_step(st, e) != ZT_ROW)
                rc = zt_fail(e, ZT_EINVAL, "dept_id", "部门不存在或已撤销");
            else if (!a->region_code)
                snprintf(region, sizeof region, "%s", zt_col_text(st, 0));
        }
    }
    if (!rc) {
        st = zt_db_prepare(db,
                           "UPDATE users SET name = coalesce(?, name), phone = coalesce(?, phone), role = ?,"
                           " dept_id = ?, region_code = coalesce(?, region_code), updated_at = ? WHERE id = ?",
                           e);
        if (!st)
            rc = ZT_EINTERNAL;
        else {
            zt_bind_text(st, 1, a->name);
            zt_bind_text(st, 2, a->phone);
            zt_bind_text(st, 3, role);
            if (dept)
                zt_bind_int(st, 4, dept);
            else
                zt_bind_null(st, 4);
            zt_bind_text(st, 5, region[0] ? region : NULL);
            zt_bind_int(st, 6, zt_now());
            zt_bind_int(st, 7, a->id);
            rc = zt_step_done(st, e);
        }
    }
    if (!rc && a->role && strcmp(role, json_string_value(json_object_get(before, "role")))) {
        /* a change of role takes effect at once: end the account's sessions */
        if (!(st = zt_db_prepare(db, "DELETE FROM sessions WHERE user_id = ?", e)))
            rc = ZT_EINTERNAL;
        else {
            zt_bind_int(st, 1, a->id);
            rc = zt_step_done(st, e);
        }
    }
    if (!rc) {
        json_t *after = json_object();
        if (a->name) json_object_set_new(after, "name", json_string(a->name));
        if (a->phone) json_object_set_new(after, "phone", json_string(a->phone));
        if (a->role) json_object_set_new(after, "role", json_string(a->role));
        if (a->set_dept) json_object_set_new(after, "dept_id", json_integer(dept));
        if (region[0]) json_object_set_new(after, "region_code", json_string(region));
        json_t *d = json_pack("{s:O,s:o}", "before", before, "after", after);
        char idtext[24];
        snprintf(idtext, sizeof idtext, "%lld", (long long)a->id);
        rc = zt_record(db, a->actor, "user.update", "user", idtext, 0, d, e);
        json_decref(d);
    }
    json_decref(before);
    return rc;
}

static zt_err h_user_patch(zt_req *r, zt_error *e) {
    static const char *const allowed[] = {"name", "phone", "role", "dept_id", "region_code", NULL};
    json_t *b;
    patch_arg a = {.actor = zt_req_principal(r)};
    zt_err rc = zt_req_param_id(r, "id", &a.id, e);
    if (!rc) rc = zt_req_json(r, &b, e);
    if (!rc) rc = zt_json_only(b, allowed, e);
    if (!rc) rc = zt_json_str(b, "name", 0, 64, &a.name, e);
    if (!rc) rc = zt_json_str(b, "phone", 0, 32, &a.phone, e);
    if (!rc) rc = zt_json_str(b, "role", 0, 32, &a.role, e);
    if (!rc) rc = zt_json_str(b, "region_code", 0, 12, &a.region_code, e);
    if (!rc && json_object_get(b, "dept_id")) {
        a.set_dept = 1;
        rc = zt_json_int(b, "dept_id", 0, 1, INT64_MAX, 0, &a.dept_id, e);
    }
    if (!rc && a.name && !*a.name) rc = zt_fail(e, ZT_EINVAL, "name", "姓名不能为空");
    if (!rc) rc = zt_store_write(APP(r)->store, patch_user, &a, e);
    zt_stmt *st;
    if (!rc) rc = load_user(r, a.id, &st, e);
    if (rc) return rc;
    zt_reply_json(r, 200, user_json(zt_req_principal(r), st));
    return ZT_OK;
}

static zt_err h_user_password(zt_req *r, zt_error *e) {
    int64_t id;
    json_t *b;
    const char *pw;
    zt_err rc = zt_req_param_id(r, "id", &id, e);
    if (!rc) rc = zt_req_json(r, &b, e);
    if (!rc) rc = zt_json_str(b, "password", 1, 128, &pw, e);
    if (!rc) rc = zt_user_set_password(APP(r), zt_req_principal(r), id, pw, "password", e);
    if (rc) return rc;
    zt_reply_empty(r, 204);
    return ZT_OK;
}

/* Change one's own password: the old one is required, and guessing it is
 * throttled as logins are (issue 22 F14): the same counts, keyed by the
 * account's login and the caller's address. */
typedef struct {
    zt_gate g;
    zt_hash_job job;
    const char *new_password;
} password_ctx;

static zt_err own_password_hashed(zt_req *r, void *arg, zt_error *e) {
    password_ctx *c = arg;
    if (!c->job.ok) return zt_fail(e, ZT_EUNAVAIL, NULL, "密码哈希失败（内存不足）");
    const zt_principal *p = zt_req_principal(r);
    zt_err rc = zt_user_store_password(APP(r), p, p->user_id, c->job.hash, e);
    sodium_memzero(c->job.hash, sizeof c->job.hash);
    if (rc) return rc;
    set_cookie(r, "", 0); /* every session ended with the old password */
    zt_reply_empty(r, 204);
    return ZT_OK;
}

static zt_err own_password_checked(zt_req *r, void *arg, zt_error *e) {
    password_ctx *c = arg;
    zt_app *app = APP(r);
    if (!c->job.ok) return zt_fail(e, ZT_EINVAL, "old_password", "原密码错误");
    zt_err rc = zt_gate_settle_now(app, &c->g, zt_req_principal(r)->user_id, e);
    if (rc) return rc;
    zt_hash_job_init(&c->job, app->cfg, 0, c->new_password, NULL);
    return zt_hash_async(r, &c->job, own_password_hashed, c, e);
}

static zt_err h_own_password(zt_req *r, zt_error *e) {
    const zt_principal *p = zt_req_principal(r);
    json_t *b;
    const char *old, *pw;
    zt_err rc = zt_req_json(r, &b, e);
    if (!rc) rc = zt_json_str(b, "old_password", 1, 128, &old, e);
    if (!rc) rc = zt_json_str(b, "new_password", 1, 128, &pw, e);
    if (!rc) rc = zt_password_check(pw, p->login, "new_password", e);
    if (rc) return rc;
    password_ctx *c = zt_arena_alloc(zt_req_arena(r), sizeof *c);
    memset(c, 0, sizeof *c);
    c->new_password = pw;
    if ((rc = gate_enter(r, &c->g, p->login, "old_password", e))) return rc;
    zt_db *db = zt_store_reader(APP(r)->store);
    zt_stmt *st = zt_db_query(db, e, "SELECT password_hash FROM users WHERE id = ?", ZT_I(p->user_id));
    if (!st) return ZT_EINTERNAL;
    if (zt_step(st, e) != ZT_ROW) return zt_fail(e, ZT_EUNAUTH, NULL, "请先登录");
    zt_hash_job_init(&c->job, APP(r)->cfg, 1, old, zt_col_text(st, 0));
    zt_db_release(db);
    return gate_untried(r, &c->g, zt_hash_async(r, &c->job, own_password_checked, c, e));
}

static zt_err set_disabled_h(zt_req *r, int disabled, zt_error *e) {
    int64_t id;
    zt_err rc = zt_req_param_id(r, "id", &id, e);
    if (rc) return rc;
    if (disabled && id == zt_req_principal(r)->user_id) return zt_fail(e, ZT_ECONFLICT, "id", "不能停用自己的账户");
    if ((rc = zt_user_set_disabled(APP(r), zt_req_principal(r), id, disabled, e))) return rc;
    zt_stmt *st;
    if ((rc = load_user(r, id, &st, e))) return rc;
    zt_reply_json(r, 200, user_json(zt_req_principal(r), st));
    return ZT_OK;
}
static zt_err h_user_disable(zt_req *r, zt_error *e) { return set_disabled_h(r, 1, e); }
static zt_err h_user_enable(zt_req *r, zt_error *e) { return set_disabled_h(r, 0, e); }

/* --- API keys --- */

#define KEY_COLS                                                                                                       \
    "k.id, k.dept_id, d.name, k.name, k.prefix, k.created_at, coalesce(k.revoked_at, 0),"                              \
    " coalesce(k.last_used_at, 0), coalesce(u.login, '')"
#define KEY_FROM "api_keys k JOIN departments d ON d.id = k.dept_id LEFT JOIN users u ON u.id = k.created_by"

static json_t *ts_or_null(int64_t t) {
    if (!t) return json_null();
    char ts[32];
    zt_time_format(t, ts);
    return json_string(ts);
}

static void key_row(zt_stmt *st, void *ctx) {
    rows_ctx *c = ctx;
    json_array_append_new(c->items,
                          json_pack("{s:I,s:I,s:s,s:s,s:s,s:o,s:o,s:o,s:s}", "id", (json_int_t)zt_col_int(st, 0),
                                    "dept_id", (json_int_t)zt_col_int(st, 1), "dept_name", zt_col_text(st, 2), "name",
                                    zt_col_text(st, 3), "prefix", zt_col_text(st, 4), "created_at",
                                    ts_or_null(zt_col_int(st, 5)), "revoked_at", ts_or_null(zt_col_int(st, 6)),
                                    "last_used_at", ts_or_null(zt_col_int(st, 7)), "created_by", zt_col_text(st, 8)));
}

static zt_err h_keys(zt_req *r, zt_error *e) {
    const zt_principal *p = zt_req_principal(r);
    int64_t limit, offset, dept;
    zt_err rc = zt_req_page(r, &limit, &offset, e);
    if (!rc) rc = zt_req_query_int(r, "dept_id", 0, 0, INT64_MAX, &dept, e);
    if (rc) return rc;
    zt_qb f;
    zt_qb_init(&f, zt_req_arena(r), "1 = 1");
    if (!(p->role_bit & ZT_R_ADMIN)) {
        if (dept && dept != p->dept_id) return zt_fail(e, ZT_EFORBIDDEN, "dept_id", "无权查看其他部门的密钥");
        dept = p->dept_id;
    }
    if (dept) {
        zt_qb_sql(&f, " AND k.dept_id = ?");
        zt_qb_int(&f, dept);
    }
    rows_ctx c = {p, json_array()};
    int64_t total;
    rc = zt_qb_list(zt_store_reader(APP(r)->store), &f, KEY_COLS, KEY_FROM, "ORDER BY k.id DESC", limit, offset,
                    key_row, &c, &total, e);
    if (rc) {
        json_decref(c.items);
        return rc;
    }
    zt_reply_json(r, 200, zt_page_json(c.items, total, limit, offset));
    return ZT_OK;
}

typedef struct {
    const zt_principal *actor;
    int64_t dept_id, id;
    const char *name, *prefix;
    unsigned char hash[32];
} key_arg;

static zt_err create_key(zt_db *db, void *arg, zt_error *e) {
    key_arg *k = arg;
    zt_stmt *st = zt_db_query(db, e, "SELECT 1 FROM departments WHERE id = ? AND retired_at IS NULL", ZT_I(k->dept_id));
    if (!st) return ZT_EINTERNAL;
    if (zt_step(st, e) != ZT_ROW) return zt_fail(e, ZT_EINVAL, "dept_id", "部门不存在或已撤销");
    st = zt_db_query(db, e,
                     "INSERT INTO api_keys (dept_id, name, prefix, key_hash, created_by, created_at)"
                     " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                     ZT_I(k->dept_id), ZT_T(k->name), ZT_T(k->prefix));
    if (!st) return ZT_EINTERNAL;
    zt_bind_blob(st, 4, k->hash, 32);
    if (k->actor->user_id)
        zt_bind_int(st, 5, k->actor->user_id);
    else
        zt_bind_null(st, 5);
    zt_bind_int(st, 6, zt_now());
    zt_err rc = zt_step(st, e);
    if (rc != ZT_ROW) return zt_step_failed(rc) ? rc : ZT_EINTERNAL;
    k->id = zt_col_int(st, 0);
    char idtext[24];
    snprintf(idtext, sizeof idtext, "%lld", (long long)k->id);
    json_t *d = json_pack("{s:I,s:s,s:s}", "dept_id", (json_int_t)k->dept_id, "name", k->name, "prefix", k->prefix);
    zt_err arc = zt_record(db, k->actor, "key.create", "api_key", idtext, 0, d, e);
    json_decref(d);
    return arc;
}

static zt_err h_key_create(zt_req *r, zt_error *e) {
    static const char *const allowed[] = {"dept_id", "name", NULL};
    const zt_principal *p = zt_req_principal(r);
    json_t *b;
    key_arg k = {.actor = p};
    zt_err rc = zt_req_json(r, &b, e);
    if (!rc) rc = zt_json_only(b, allowed, e);
    if (!rc) rc = zt_json_int(b, "dept_id", 1, 1, INT64_MAX, 0, &k.dept_id, e);
    if (!rc) rc = zt_json_str(b, "name", 1, 64, &k.name, e);
    if (rc) return rc;
    if (!zt_scope_dept_write(p, k.dept_id)) return zt_fail(e, ZT_EFORBIDDEN, "dept_id", "无权为其他部门创建密钥");
    /* zt_<8-char prefix>_<secret>: the prefix finds the key in lists */
    char prefix[16], secret[64];
    random_token(prefix, sizeof prefix, 6);
    random_token(secret, sizeof secret, 32);
    char *key = zt_arena_printf(zt_req_arena(r), "zt_%s_%s", prefix, secret);
    k.prefix = prefix;
    zt_token_hash(key, k.hash);
    if ((rc = zt_store_write(APP(r)->store, create_key, &k, e))) return rc;
    zt_reply_json(r, 201,
                  json_pack("{s:I,s:I,s:s,s:s,s:s,s:s}", "id", (json_int_t)k.id, "dept_id", (json_int_t)k.dept_id,
                            "name", k.name, "prefix", prefix, "key", key, "notice",
                            "密钥只显示这一次，请立即妥善保存"));
    return ZT_OK;
}

static zt_err revoke_key(zt_db *db, void *arg, zt_error *e) {
    key_arg *k = arg;
    zt_stmt *st = zt_db_query(db, e, "SELECT dept_id, revoked_at FROM api_keys WHERE id = ?", ZT_I(k->id));
    if (!st) return ZT_EINTERNAL;
    if (zt_step(st, e) != ZT_ROW) return zt_fail(e, ZT_ENOTFOUND, "id", "密钥不存在");
    if (!zt_scope_dept_write(k->actor, zt_col_int(st, 0)))
        return zt_fail(e, ZT_EFORBIDDEN, "id", "无权吊销其他部门的密钥");
    if (!zt_col_is_null(st, 1)) return zt_fail(e, ZT_ECONFLICT, "id", "密钥已被吊销");
    st = zt_db_query(db, e, "UPDATE api_keys SET revoked_at = ? WHERE id = ?", ZT_I(zt_now()), ZT_I(k->id));
    if (!st) return ZT_EINTERNAL;
    zt_err rc = zt_step_done(st, e);
    if (rc) return rc;
    char idtext[24];
    snprintf(idtext, sizeof idtext, "%lld", (long long)k->id);
    return zt_record(db, k->actor, "key.revoke", "api_key", idtext, 0, NULL, e);
}

static zt_err h_key_revoke(zt_req *r, zt_error *e) {
    key_arg k = {.actor = zt_req_principal(r)};
    zt_err rc = zt_req_param_id(r, "id", &k.id, e);
    if (!rc) rc = zt_store_write(APP(r)->store, revoke_key, &k, e);
    if (rc) return rc;
    zt_reply_empty(r, 204);
    return ZT_OK;
}

static zt_err h_roles(zt_req *r, zt_error *e) {
    json_t *a = json_array();
    for (uint32_t bit = 1; bit <= ZT_R_EXPERT; bit <<= 1) {
        if (bit == ZT_R_SYSTEM) continue;
        const char *n = zt_role_name(bit);
        json_array_append_new(
            a, json_pack("{s:s,s:s,s:b}", "name", n, "label", zt_role_label(n), "needs_dept", zt_role_needs_dept(n)));
    }
    zt_reply_json(r, 200, json_pack("{s:o}", "items", a));
    return ZT_OK;
}

static const zt_route routes[] = {
    {"POST", "/api/auth/login", h_login, ZT_PUBLIC, "log in: {login, password} -> session cookie + csrf_token", 0,
     ZT_ROUTE_SMALL_BODY},
    {"POST", "/api/auth/logout", h_logout, ZT_R_USERS, "end the session"},
    {"GET", "/api/auth/me", h_me, ZT_R_USERS | ZT_R_SYSTEM, "who am I, with the CSRF token"},
    {"GET", "/api/auth/session", h_session, ZT_PUBLIC, "who am I, or {user: null} when not logged in"},
    {"POST", "/api/auth/register", h_register, ZT_PUBLIC, "citizen/enterprise registration", 0, ZT_ROUTE_SMALL_BODY},
    {"POST", "/api/auth/password", h_own_password, ZT_R_USERS, "change one's own password", 0, ZT_ROUTE_SMALL_BODY},
    {"GET", "/api/roles", h_roles, ZT_R_STAFF, "the roles"},
    {"GET", "/api/users", h_users, ZT_R_ADMIN | ZT_R_SUPERVISOR | ZT_R_DEPT_HEAD,
     "accounts in scope (q, role, dept_id)"},
    {"POST", "/api/users", h_user_create, ZT_R_ADMIN, "create an account"},
    {"GET", "/api/users/{id}", h_user_get, ZT_R_USERS, "one account (self, or in scope)"},
    {"PATCH", "/api/users/{id}", h_user_patch, ZT_R_ADMIN, "change name, phone, role, department, region"},
    {"POST", "/api/users/{id}/password", h_user_password, ZT_R_ADMIN, "reset a password"},
    {"POST", "/api/users/{id}/disable", h_user_disable, ZT_R_ADMIN, "disable an account (ends its sessions)"},
    {"POST", "/api/users/{id}/enable", h_user_enable, ZT_R_ADMIN, "enable an account"},
    {"GET", "/api/departments/{id}/staff", h_dept_staff, ZT_R_STAFF, "a department's staff (own department)"},
    {"GET", "/api/keys", h_keys, ZT_R_ADMIN | ZT_R_DEPT_HEAD, "API keys in scope"},
    {"POST", "/api/keys", h_key_create, ZT_R_ADMIN | ZT_R_DEPT_HEAD, "create a department API key (shown once)"},
    {"DELETE", "/api/keys/{id}", h_key_revoke, ZT_R_ADMIN | ZT_R_DEPT_HEAD, "revoke an API key"},
};

const zt_route *zt_auth_routes(size_t *n) {
    *n = sizeof routes / sizeof routes[0];
    return routes;
}
