/* auth.c - scopes, passwords, the authenticator, accounts. */
#include "auth/auth.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth_int.h"
#include "base/clock.h"
#include "base/idcheck.h"
#include "base/json.h"
#include "base/log.h"
#include "ledger/record.h"

int zt_role_needs_dept(const char *name) {
    uint32_t b = zt_role_bit(name);
    return (b & ZT_R_STAFF) && !(b & (ZT_R_SUPERVISOR | ZT_R_ADMIN));
}

int zt_scope_dept_read(const zt_principal *p, int64_t dept_id, const char *dept_region) {
    if (p->role_bit & ZT_R_ADMIN) return 1;
    if (p->role_bit & ZT_R_SUPERVISOR) return zt_region_within(dept_region, p->region);
    return p->dept_id && p->dept_id == dept_id;
}

int zt_scope_dept_write(const zt_principal *p, int64_t dept_id) {
    if (p->role_bit & ZT_R_ADMIN) return 1;
    return (p->role_bit & ZT_R_DEPT_HEAD) && p->dept_id == dept_id;
}

/* --- passwords --- */

zt_err zt_password_hash(const zt_config *cfg, const char *pw, char out[128], zt_error *e) {
    _Static_assert(crypto_pwhash_STRBYTES <= 128, "hash buffer");
    if (crypto_pwhash_str_alg(out, pw, strlen(pw), (unsigned long long)cfg->argon2_ops,
                              (size_t)cfg->argon2_mem_kib * 1024, crypto_pwhash_ALG_ARGON2ID13) != 0)
        return zt_fail(e, ZT_EUNAVAIL, NULL, "密码哈希失败（内存不足）");
    return ZT_OK;
}

/* --- throttling --- */

#define THROTTLE_SLOTS 4096
typedef struct {
    char key[96];
    int64_t first, count;
} throttle_entry;
static throttle_entry throttle[THROTTLE_SLOTS];
static pthread_mutex_t throttle_mu = PTHREAD_MUTEX_INITIALIZER;

static throttle_entry *throttle_slot(const char *key, int create, int64_t now, int64_t window) {
    uint64_t h = 1469598103934665603ULL;
    for (const char *s = key; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    throttle_entry *free_slot = NULL;
    for (int i = 0; i < 16; i++) {
        throttle_entry *t = &throttle[(h + (uint64_t)i) % THROTTLE_SLOTS];
        if (t->key[0] && strcmp(t->key, key) == 0) return t;
        if (!free_slot && (!t->key[0] || now - t->first >= window)) free_slot = t;
    }
    if (!create) return NULL;
    /* all 16 probes busy with live entries: reuse the first (bounded memory) */
    throttle_entry *t = free_slot ? free_slot : &throttle[h % THROTTLE_SLOTS];
    snprintf(t->key, sizeof t->key, "%s", key);
    t->first = now;
    t->count = 0;
    return t;
}

int zt_throttle_blocked(const char *key, int64_t now, int64_t max, int64_t window, int64_t *retry_after) {
    pthread_mutex_lock(&throttle_mu);
    throttle_entry *t = throttle_slot(key, 0, now, window);
    int blocked = t && now - t->first < window && t->count >= max;
    if (blocked && retry_after) *retry_after = window - (now - t->first);
    pthread_mutex_unlock(&throttle_mu);
    return blocked;
}

void zt_throttle_fail(const char *key, int64_t now, int64_t window) {
    pthread_mutex_lock(&throttle_mu);
    throttle_entry *t = throttle_slot(key, 1, now, window);
    if (now - t->first >= window) {
        t->first = now;
        t->count = 0;
    }
    t->count++;
    pthread_mutex_unlock(&throttle_mu);
}

void zt_throttle_clear(const char *key) {
    pthread_mutex_lock(&throttle_mu);
    throttle_entry *t = throttle_slot(key, 0, 0, 1);
    if (t) memset(t, 0, sizeof *t);
    pthread_mutex_unlock(&throttle_mu);
}

void zt_throttle_reset(void) {
    pthread_mutex_lock(&throttle_mu);
    memset(throttle, 0, sizeof throttle);
    pthread_mutex_unlock(&throttle_mu);
}

void zt_token_hash(const char *token, unsigned char out[32]) {
    crypto_hash_sha256(out, (const unsigned char *)token, strlen(token));
}

/* --- the authenticator --- */

typedef struct {
    unsigned char hash[32];
    int64_t now;
    int is_key;
} touch_arg;

static zt_err touch(zt_db *db, void *arg, zt_error *e) {
    touch_arg *t = arg;
    zt_stmt *st = zt_db_query(db, e,
                              t->is_key ? "UPDATE api_keys SET last_used_at = ? WHERE key_hash = ?"
                                        : "UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?",
                              ZT_I(t->now));
    if (!st) return ZT_EINTERNAL;
    zt_bind_blob(st, 2, t->hash, 32);
    return zt_step_done(st, e);
}

static zt_err auth_key(zt_req *r, zt_app *app, const char *key, zt_principal *p, zt_error *e) {
    touch_arg t = {.now = zt_now(), .is_key = 1};
    zt_token_hash(key, t.hash);
    zt_db *db = zt_store_reader(app->store);
    zt_stmt *st = zt_db_prepare(db,
                                "SELECT k.id, k.dept_id, d.region_code, k.revoked_at, coalesce(k.last_used_at, 0),"
                                " k.name, d.code, d.retired_at IS NOT NULL FROM api_keys k"
                                " JOIN departments d ON d.id = k.dept_id WHERE k.key_hash = ?",
                                e);
    if (!st) return ZT_EINTERNAL;
    zt_bind_blob(st, 1, t.hash, 32);
    zt_err rc = zt_step(st, e);
    if (zt_step_failed(rc)) return rc;
    if (rc == ZT_DONE) return zt_fail(e, ZT_EUNAUTH, "Authorization", "API 密钥无效");
    if (!zt_col_is_null(st, 3)) return zt_fail(e, ZT_EUNAUTH, "Authorization", "API 密钥已被吊销");
    zt_arena *a = zt_req_arena(r);
    p->key_id = zt_col_int(st, 0);
    p->dept_id = zt_col_int(st, 1);
    p->region = zt_arena_strdup(a, zt_col_text(st, 2));
    p->dept_code = zt_arena_strdup(a, zt_col_text(st, 6));
    p->dept_region = p->region;
    p->dept_retired = (int)zt_col_int(st, 7);
    p->role = "system";
    p->role_bit = ZT_R_SYSTEM;
    p->login = zt_arena_printf(a, "key:%lld", (long long)p->key_id);
    p->name = zt_arena_strdup(a, zt_col_text(st, 5));
    int64_t last = zt_col_int(st, 4);
    zt_db_release(db);
    if (t.now - last >= 60) {
        zt_error ignored = {0};                          /* a lost touch costs nothing: the next request tries again */
        zt_store_write(app->store, touch, &t, &ignored); /* last use, to the minute */
    }
    return ZT_OK;
}

zt_err zt_auth_authenticate(zt_req *r, zt_principal *p, zt_error *e) {
    zt_app *app = zt_req_app(r);
    memset(p, 0, sizeof *p);
    p->region = p->dept_code = p->dept_region = "";
    const char *authz = zt_req_header(r, "Authorization");
    if (authz) {
        if (strncmp(authz, "Bearer ", 7) != 0 || !authz[7])
            return zt_fail(e, ZT_EUNAUTH, "Authorization", "Authorization 须为 Bearer <API 密钥>");
        return auth_key(r, app, authz + 7, p, e);
    }
    const char *tok = zt_req_cookie(r, "zt_session");
    if (!tok || !*tok) return ZT_OK;
    touch_arg t = {.now = zt_now()};
    zt_token_hash(tok, t.hash);
    zt_db *db = zt_store_reader(app->store);
    zt_stmt *st = zt_db_prepare(
        db,
        "SELECT u.id, u.role, u.login, u.name, coalesce(u.dept_id, 0), coalesce(u.region_code, d.region_code, ''),"
        " s.csrf, s.expires_at, s.last_seen_at, u.disabled, coalesce(d.code, ''), coalesce(d.region_code, ''),"
        " d.retired_at IS NOT NULL FROM sessions s JOIN users u ON u.id = s.user_id"
        " LEFT JOIN departments d ON d.id = u.dept_id WHERE s.token_hash = ?",
        e);
    if (!st) return ZT_EINTERNAL;
    zt_bind_blob(st, 1, t.hash, 32);
    zt_err rc = zt_step(st, e);
    if (zt_step_failed(rc)) return rc;
    /* an unknown or expired cookie is anonymous: public pages keep working */
    if (rc == ZT_DONE || zt_col_int(st, 9) || zt_col_int(st, 7) <= t.now ||
        zt_col_int(st, 8) + app->cfg->session_idle <= t.now)
        return ZT_OK;
    zt_arena *a = zt_req_arena(r);
    p->user_id = zt_col_int(st, 0);
    p->role = zt_arena_strdup(a, zt_col_text(st, 1));
    p->role_bit = zt_role_bit(p->role);
    p->login = zt_arena_strdup(a, zt_col_text(st, 2));
    p->name = zt_arena_strdup(a, zt_col_text(st, 3));
    p->dept_id = zt_col_int(st, 4);
    p->region = zt_arena_strdup(a, zt_col_text(st, 5));
    p->dept_code = zt_arena_strdup(a, zt_col_text(st, 10));
    p->dept_region = zt_arena_strdup(a, zt_col_text(st, 11));
    p->dept_retired = (int)zt_col_int(st, 12);
    p->via_cookie = 1;
    char *csrf = zt_arena_strdup(a, zt_col_text(st, 6));
    int64_t last = zt_col_int(st, 8);
    zt_db_release(db);
    const char *given = zt_req_header(r, "X-CSRF-Token");
    p->csrf_ok = given && strlen(given) == strlen(csrf) && sodium_memcmp(given, csrf, strlen(csrf)) == 0;
    if (t.now - last >= 60) {
        zt_error ignored = {0};                          /* a lost touch costs nothing: the next request tries again */
        zt_store_write(app->store, touch, &t, &ignored); /* idle clock, to the minute */
    }
    return ZT_OK;
}

/* --- accounts --- */

static int login_ok(const char *s) {
    size_t n = strlen(s);
    if (n < 3 || n > 64) return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_' ||
              *s == '.' || *s == '-' || *s == '@'))
            return 0;
    return 1;
}

/* --- hooks --- */

static zt_notify_fn notify_hook;
static zt_identity_fn identity_hook;

void zt_auth_set_notify(zt_notify_fn fn) { notify_hook = fn; }
void zt_auth_set_identity(zt_identity_fn fn) { identity_hook = fn; }

zt_err zt_identity_verify(const zt_user_new *u, const char *client, zt_error *e) {
    return identity_hook ? identity_hook(u, client, e) : ZT_OK;
}

typedef struct {
    const zt_user_new *u;
    const zt_principal *actor;
    const char *hash, *client;
    int64_t id;
} create_arg;

/* A self-registration with an ID number or credit code that already has an
 * account (issue 22 F15): no second account, and the answer is the one a
 * new account gets, so that registering does not tell who has an account.
 * The holder is told in his inbox (and by the senders behind it) and the
 * attempt is recorded on his account. */
static zt_err register_duplicate(zt_db *db, create_arg *c, int64_t owner, const char *owner_login,
                                 const char *owner_phone, const char *number, zt_error *e) {
    const zt_user_new *u = c->u;
    char masked[64], ts[32], title[128], body[768];
    zt_mask(number, 4, 4, masked, sizeof masked);
    zt_time_format(zt_now(), ts);
    snprintf(title, sizeof title, "有人用您的%s申请注册新账户", u->id_number ? "身份证号码" : "统一社会信用代码");
    snprintf(body, sizeof body,
             "%s，有人用您的%s（%s）申请注册新账户（登录名 %s）。平台没有新建账户：一个证件只有一个账户。"
             "如果是您本人，请继续使用本账户（登录名 %s）登录，忘记密码可到服务大厅或联系管理员重置；"
             "如果不是您本人，请留意个人信息是否泄露。",
             ts, u->id_number ? "身份证号码" : "统一社会信用代码", masked, u->login, owner_login);
    zt_err rc = notify_hook ? notify_hook(db, owner, owner_login, owner_phone, title, body, e) : ZT_OK;
    if (rc) return rc;
    char idtext[24];
    snprintf(idtext, sizeof idtext, "%lld", (long long)owner);
    json_t *d = json_pack("{s:s,s:s}", "login", u->login, "client", c->client ? c->client : "");
    rc = zt_record(db, c->actor, "user.register_duplicate", "user", idtext, 0, d, e);
    json_decref(d);
    c->id = 0;
    return rc;
}

static zt_err create_user(zt_db *db, void *arg, zt_error *e) {
    create_arg *c = arg;
    const zt_user_new *u = c->u;
    int64_t dept = u->dept_id;
    char region[16] = "";
    zt_stmt *st;
    if (u->self_register) {
        /* a login is a public handle the registrant chooses: that one is taken
         * must be said; whether an ID number has an account must not */
        if (!(st = zt_db_prepare(db, "SELECT 1 FROM users WHERE login = ?", e))) return ZT_EINTERNAL;
        zt_bind_text(st, 1, u->login);
        zt_err s = zt_step(st, e);
        if (zt_step_failed(s)) return s;
        if (s == ZT_ROW) return zt_fail(e, ZT_ECONFLICT, "login", "登录名已被使用");
        const char *number = u->id_number ? u->id_number : u->credit_code;
        if (number) {
            st = zt_db_query(db, e,
                             u->id_number ? "SELECT id, login, phone FROM users WHERE id_number = ?"
                                          : "SELECT id, login, phone FROM users WHERE credit_code = ?",
                             ZT_T(number));
            if (!st) return ZT_EINTERNAL;
            if ((s = zt_step(st, e)) == ZT_ROW) {
                char owner_login[80], owner_phone[64];
                int64_t owner = zt_col_int(st, 0);
                snprintf(owner_login, sizeof owner_login, "%s", zt_col_text(st, 1));
                snprintf(owner_phone, sizeof owner_phone, "%s", zt_col_text(st, 2) ? zt_col_text(st, 2) : "");
                return register_duplicate(db, c, owner, owner_login, owner_phone, number, e);
            }
            if (zt_step_failed(s)) return s;
        }
    }
    if (u->dept_code || dept) {
        st =
            zt_db_prepare(db,
                          u->dept_code ? "SELECT id, region_code FROM departments WHERE code = ? AND retired_at IS NULL"
                                       : "SELECT id, region_code FROM departments WHERE id = ? AND retired_at IS NULL",
                          e);
        if (!st) return ZT_EINTERNAL;
        if (u->dept_code)
            zt_bind_text(st, 1, u->dept_code);
        else
            zt_bind_int(st, 1, dept);
        if (zt_step(st, e) != ZT_ROW) return zt_fail(e, ZT_EINVAL, "dept", "部门不存在或已撤销");
        dept = zt_col_int(st, 0);
        snprintf(region, sizeof region, "%s", zt_col_text(st, 1));
    }
    if (u->region_code) {
        st = zt_db_query(db, e, "SELECT 1 FROM regions WHERE code = ? AND retired_at IS NULL", ZT_T(u->region_code));
        if (!st) return ZT_EINTERNAL;
        if (zt_step(st, e) != ZT_ROW) return zt_fail(e, ZT_EINVAL, "region_code", "行政区划代码不存在");
        snprintf(region, sizeof region, "%s", u->region_code);
    }
    st = zt_db_prepare(db,
                       "INSERT INTO users (login, name, role, dept_id, region_code, id_number, credit_code,"
                       " phone, password_hash, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
                       " RETURNING id",
                       e);
    if (!st) return ZT_EINTERNAL;
    int64_t now = zt_now();
    zt_bind_text(st, 1, u->login);
    zt_bind_text(st, 2, u->name);
    zt_bind_text(st, 3, u->role);
    if (dept)
        zt_bind_int(st, 4, dept);
    else
        zt_bind_null(st, 4);
    zt_bind_text(st, 5, region[0] ? region : NULL);
    zt_bind_text(st, 6, u->id_number);
    zt_bind_text(st, 7, u->credit_code);
    zt_bind_text(st, 8, u->phone ? u->phone : "");
    zt_bind_text(st, 9, c->hash);
    zt_bind_int(st, 10, now);
    zt_bind_int(st, 11, now);
    zt_err rc = zt_step(st, e);
    if (rc == ZT_ECONFLICT) {
        const char *field = strstr(e->message, "id_number")     ? "id_number"
                            : strstr(e->message, "credit_code") ? "credit_code"
                                                                : "login";
        return zt_fail(e, ZT_ECONFLICT, field, strcmp(field, "login") == 0 ? "登录名已被使用" : "该证件号码已注册");
    }
    if (rc != ZT_ROW) return zt_step_failed(rc) ? rc : ZT_EINTERNAL;
    c->id = zt_col_int(st, 0);
    char idtext[24];
    snprintf(idtext, sizeof idtext, "%lld", (long long)c->id);
    json_t *d = json_pack("{s:s,s:s,s:s}", "login", u->login, "name", u->name, "role", u->role);
    if (dept) json_object_set_new(d, "dept_id", json_integer(dept));
    if (region[0]) json_object_set_new(d, "region_code", json_string(region));
    zt_err arc = zt_record(db, c->actor, u->self_register ? "user.register" : "user.create", "user", idtext, 0, d, e);
    json_decref(d);
    return arc;
}

/* Identifiers are kept upper-case: people type a lower-case x. */
static const char *upper(const char *s, char *buf, size_t n) {
    if (!s) return NULL;
    size_t i = 0;
    for (; s[i] && i < n - 1; i++) buf[i] = (s[i] >= 'a' && s[i] <= 'z') ? (char)(s[i] - 32) : s[i];
    buf[i] = 0;
    return s[i] ? s : buf; /* too long: left as is, the validator refuses it */
}

zt_err zt_user_validate(const zt_user_new *in, zt_user_checked *out, zt_error *e) {
    out->u = *in;
    out->u.id_number = upper(in->id_number, out->idn, sizeof out->idn);
    out->u.credit_code = upper(in->credit_code, out->uscc, sizeof out->uscc);
    const zt_user_new *u = &out->u;
    if (!u->login || !login_ok(u->login))
        return zt_fail(e, ZT_EINVAL, "login", "登录名须为 3 到 64 个字母、数字或 _ . - @");
    if (!u->name || !*u->name || zt_utf8_len(u->name) > 64)
        return zt_fail(e, ZT_EINVAL, "name", "姓名/名称须为 1 到 64 个字符");
    uint32_t bit = zt_role_bit(u->role);
    if (!bit || bit == ZT_R_SYSTEM) return zt_fail(e, ZT_EINVAL, "role", "未知角色：%s", u->role ? u->role : "");
    const char *why;
    if (bit == ZT_R_CITIZEN) {
        if (!u->id_number) return zt_fail(e, ZT_EINVAL, "id_number", "自然人须填写 18 位居民身份证号码");
        if (!zt_idnum_valid(u->id_number, &why))
            return zt_fail(e, ZT_EINVAL, "id_number", "居民身份证号码无效（%s）", why ? why : "");
    } else if (u->id_number) {
        return zt_fail(e, ZT_EINVAL, "id_number", "只有自然人账户填写身份证号码");
    }
    if (bit == ZT_R_ENTERPRISE) {
        if (!u->credit_code) return zt_fail(e, ZT_EINVAL, "credit_code", "法人须填写统一社会信用代码");
        if (!zt_uscc_valid(u->credit_code, &why))
            return zt_fail(e, ZT_EINVAL, "credit_code", "统一社会信用代码无效（%s）", why ? why : "");
    } else if (u->credit_code) {
        return zt_fail(e, ZT_EINVAL, "credit_code", "只有法人账户填写统一社会信用代码");
    }
    int has_dept = u->dept_id || u->dept_code;
    if (zt_role_needs_dept(u->role) && !has_dept) return zt_fail(e, ZT_EINVAL, "dept", "该角色须属于一个部门");
    if ((bit & ZT_R_PEOPLE) && has_dept) return zt_fail(e, ZT_EINVAL, "dept", "公众账户不属于部门");
    if (bit == ZT_R_SUPERVISOR && !u->region_code && !has_dept)
        return zt_fail(e, ZT_EINVAL, "region_code", "监察人员须指定监察的行政区划");
    if (u->phone && zt_utf8_len(u->phone) > 32) return zt_fail(e, ZT_EINVAL, "phone", "电话号码过长");
    return zt_password_check(u->password ? u->password : "", u->login, "password", e);
}

zt_err zt_user_insert(zt_app *app, const zt_principal *actor, const zt_user_new *u, const char *hash,
                      const char *client, int64_t *id, zt_error *e) {
    create_arg c = {.u = u, .actor = actor, .hash = hash, .client = client};
    zt_err rc = zt_store_write(app->store, create_user, &c, e);
    if (!rc && id) *id = c.id;
    return rc;
}

zt_err zt_user_create(zt_app *app, const zt_principal *actor, const zt_user_new *in, int64_t *id, zt_error *e) {
    zt_user_checked v;
    zt_err rc = zt_user_validate(in, &v, e);
    if (rc) return rc;
    zt_hash_job job;
    zt_hash_job_init(&job, app->cfg, 0, v.u.password, NULL);
    if ((rc = zt_hash_sync(&job, e))) return rc;
    rc = zt_user_insert(app, actor, &v.u, job.hash, NULL, id, e);
    sodium_memzero(job.hash, sizeof job.hash);
    return rc;
}

typedef struct {
    const zt_principal *actor;
    int64_t id;
    const char *hash;
    int disabled;
} change_arg;

static zt_err set_password(zt_db *db, void *arg, zt_error *e) {
    change_arg *c = arg;
    zt_stmt *st = zt_db_query(db, e, "UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?", ZT_T(c->hash),
                              ZT_I(zt_now()), ZT_I(c->id));
    if (!st) return ZT_EINTERNAL;
    zt_err rc = zt_step_done(st, e);
    if (rc) return rc;
    if (zt_db_changes(db) == 0) return zt_fail(e, ZT_ENOTFOUND, "id", "用户不存在");
    /* a new password ends every session of the account */
    if ((rc = zt_db_run(db, e, "DELETE FROM sessions WHERE user_id = ?", ZT_I(c->id)))) return rc;
    char idtext[24];
    snprintf(idtext, sizeof idtext, "%lld", (long long)c->id);
    return zt_record(db, c->actor, "user.password_reset", "user", idtext, 0, NULL, e);
}

zt_err zt_user_set_password(zt_app *app, const zt_principal *actor, int64_t id, const char *password, const char *field,
                            zt_error *e) {
    /* the login, for the rule that a password must not contain it */
    char login[80] = "";
    zt_db *db = zt_store_reader(app->store);
    zt_stmt *st = zt_db_query(db, e, "SELECT login FROM users WHERE id = ?", ZT_I(id));
    if (!st) return ZT_EINTERNAL;
    zt_err rc = zt_step(st, e);
    if (rc == ZT_ROW) snprintf(login, sizeof login, "%s", zt_col_text(st, 0));
    zt_db_release(db);
    if (zt_step_failed(rc)) return rc;
    if (rc == ZT_DONE) return zt_fail(e, ZT_ENOTFOUND, "id", "用户不存在");
    if ((rc = zt_password_check(password ? password : "", login, field, e))) return rc;
    zt_hash_job job;
    zt_hash_job_init(&job, app->cfg, 0, password, NULL);
    if ((rc = zt_hash_sync(&job, e))) return rc;
    rc = zt_user_store_password(app, actor, id, job.hash, e);
    sodium_memzero(job.hash, sizeof job.hash);
    return rc;
}

zt_err zt_user_store_password(zt_app *app, const zt_principal *actor, int64_t id, const char *hash, zt_error *e) {
    change_arg c = {.actor = actor, .id = id, .hash = hash};
    return zt_store_write(app->store, set_password, &c, e);
}

static zt_err set_disabled(zt_db *db, void *arg, zt_error *e) {
    change_arg *c = arg;
    zt_stmt *st = zt_db_query(db, e, "UPDATE users SET disabled = ?, updated_at = ? WHERE id = ?", ZT_I(c->disabled),
                              ZT_I(zt_now()), ZT_I(c->id));
    if (!st) return ZT_EINTERNAL;
    zt_err rc = zt_step_done(st, e);
    if (rc) return rc;
    if (zt_db_changes(db) == 0) return zt_fail(e, ZT_ENOTFOUND, "id", "用户不存在");
    if (c->disabled) {
        if ((rc = zt_db_run(db, e, "DELETE FROM sessions WHERE user_id = ?", ZT_I(c->id)))) return rc;
    }
    char idtext[24];
    snprintf(idtext, sizeof idtext, "%lld", (long long)c->id);
    return zt_record(db, c->actor, c->disabled ? "user.disable" : "user.enable", "user", idtext, 0, NULL, e);
}

zt_err zt_user_set_disabled(zt_app *app, const zt_principal *actor, int64_t id, int disabled, zt_error *e) {
    change_arg c = {.actor = actor, .id = id, .disabled = disabled};
    return zt_store_write(app->store, set_disabled, &c, e);
}

zt_err zt_users_of_dept(zt_db *db, const char *dept_code, uint32_t role_mask,
                        void (*fn)(int64_t id, const char *login, const char *phone, void *ctx), void *ctx,
                        zt_error *e) {
    /* the roles as "?, ?, ..." bound by name: one cached statement per mask */
    char sql[512];
    const char *names[32];
    int n = 0;
    size_t len = (size_t)snprintf(sql, sizeof sql,
                                  "SELECT u.id, u.login, coalesce(u.phone, '') FROM users u JOIN departments d"
                                  " ON d.id = u.dept_id WHERE d.code = ? AND u.disabled = 0 AND u.role IN (");
    for (uint32_t bit = 1; bit && n < 32; bit <<= 1)
        if ((role_mask & bit) && zt_role_name(bit)) {
            names[n] = zt_role_name(bit);
            len += (size_t)snprintf(sql + len, sizeof sql - len, "%s?", n ? ", " : "");
            n++;
        }
    if (n == 0) return ZT_OK;
    snprintf(sql + len, sizeof sql - len, ") ORDER BY u.id");
    zt_stmt *st = zt_db_query(db, e, sql, ZT_T(dept_code));
    if (!st) return ZT_EINTERNAL;
    for (int i = 0; i < n; i++) zt_bind_text(st, i + 2, names[i]);
    zt_err rc;
    while ((rc = zt_step(st, e)) == ZT_ROW) fn(zt_col_int(st, 0), zt_col_text(st, 1), zt_col_text(st, 2), ctx);
    return zt_step_failed(rc) ? rc : ZT_OK;
}

zt_err zt_user_find(zt_app *app, const char *login, int64_t *id, zt_error *e) {
    zt_db *db = zt_store_reader(app->store);
    zt_stmt *st = zt_db_query(db, e, "SELECT id FROM users WHERE login = ?", ZT_T(login));
    if (!st) return ZT_EINTERNAL;
    zt_err rc = zt_step(st, e);
    if (rc == ZT_ROW) *id = zt_col_int(st, 0);
    zt_db_release(db);
    if (zt_step_failed(rc)) return rc;
    if (rc == ZT_DONE) return zt_fail(e, ZT_ENOTFOUND, "login", "用户 %s 不存在", login);
    return ZT_OK;
}

zt_err zt_user_identity(zt_db *db, zt_arena *a, int64_t user_id, const char **name, const char **number, zt_error *e) {
    zt_stmt *st =
        zt_db_query(db, e, "SELECT name, coalesce(id_number, credit_code, '') FROM users WHERE id = ?", ZT_I(user_id));
    if (!st) return ZT_EINTERNAL;
    zt_err rc = zt_step(st, e);
    if (rc == ZT_ROW) {
        *name = zt_arena_strdup(a, zt_col_text(st, 0));
        *number = zt_arena_strdup(a, zt_col_text(st, 1));
    }
    zt_db_release(db);
    if (rc == ZT_DONE) return zt_fail(e, ZT_ENOTFOUND, "user", "账号不存在");
    return rc == ZT_ROW ? ZT_OK : rc;
}

const char *zt_user_name_by_login(zt_db *db, zt_arena *a, const char *login, const char *fallback) {
    zt_error ignored = {0};
    zt_stmt *st = zt_db_query(db, &ignored, "SELECT name FROM users WHERE login = ?", ZT_T(login));
    if (!st) return fallback;
    const char *name = zt_step(st, &ignored) == ZT_ROW ? zt_arena_strdup(a, zt_col_text(st, 0)) : fallback;
    zt_db_release(db);
    return name;
}

const char *zt_account_region(zt_db *db, const char *type, int64_t id, char *buf, size_t n) {
    static const char *const user_sql =
        "SELECT coalesce(u.region_code, d.region_code) FROM users u LEFT JOIN departments d ON d.id = u.dept_id"
        " WHERE u.id = ?";
    static const char *const key_sql =
        "SELECT d.region_code FROM api_keys k JOIN departments d ON d.id = k.dept_id WHERE k.id = ?";
    int user = !strcmp(type, "user");
    if (!user && strcmp(type, "api_key")) return NULL;
    zt_error ignored = {0};
    zt_stmt *st = zt_db_query(db, &ignored, user ? user_sql : key_sql, ZT_I(id));
    if (!st || zt_step(st, &ignored) != ZT_ROW || zt_col_is_null(st, 0)) return NULL;
    snprintf(buf, n, "%s", zt_col_text(st, 0));
    return buf; /* not released: a writer may be reading with another statement of db */
}

const char *zt_user_name(zt_db *db, zt_arena *a, int64_t id, const char *fallback) {
    if (!id) return fallback;
    zt_error ignored = {0};
    zt_stmt *st = zt_db_query(db, &ignored, "SELECT name FROM users WHERE id = ?", ZT_I(id));
    if (!st) return fallback;
    const char *name = zt_step(st, &ignored) == ZT_ROW ? zt_arena_strdup(a, zt_col_text(st, 0)) : fallback;
    zt_db_release(db);
    return name;
}
