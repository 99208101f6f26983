/* throttle.c - failed logins and registrations counted in the database
 * (issue 22 F3, F4, F14, F18; docs/security.md).
 *
 * The counts were a fixed table in memory that overwrote live entries when
 * its probes were full, so failed logins under crafted names evicted a
 * locked account's count, and a restart forgot every lock. Now each count
 * is a row of auth_throttle (migration 009), written by the writer thread:
 * nothing an attacker sends can remove another key's row, a row goes only
 * when its window is over, and locks outlive restarts.
 *
 * Keys (all windows are auth.login_window unless said):
 *   login:{login}|{address}  failures of one login from one address: the
 *                            lock an attacker can cause lands on his own
 *                            address first (auth.login_max_failures)
 *   address:{address}        failures from one address, any login (password
 *                            spraying; auth.address_max_failures)
 *   account:{login}          failures of one login from anywhere: past
 *                            auth.account_max_failures the login is refused
 *                            from addresses it never logged in from, while
 *                            its usual addresses (auth_known_addresses: a
 *                            success within auth.known_address_days) still
 *                            get in (F18)
 *   register:{address}       registrations from one address
 *                            (auth.register_max in auth.register_window)
 * Logins are counted whether or not an account has them, so that locking
 * says nothing about which exist. An IPv6 address counts by its /64, which
 * one subscriber holds whole.
 *
 * An attempt is counted as a failure before its password is hashed, in the
 * same write that checks the limits (so a burst of parallel guesses cannot
 * all pass the check before any failure is recorded), and a success takes
 * the count back. */
#include <arpa/inet.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "auth/auth.h"
#include "auth/auth_int.h"

static _Atomic uint64_t refused[ZT_GATE_NREASONS];

void zt_throttle_address(const char *client, char out[64]) {
    unsigned char bin[16];
    if (strchr(client, ':') && inet_pton(AF_INET6, client, bin) == 1) {
        memset(bin + 8, 0, 8);
        char text[INET6_ADDRSTRLEN];
        inet_ntop(AF_INET6, bin, text, sizeof text);
        snprintf(out, 64, "%s/64", text);
        return;
    }
    snprintf(out, 64, "%s", client);
}

typedef struct {
    int found;
    int64_t count, start;
} trow;

static zt_err get_row(zt_db *db, const char *key, trow *t, zt_error *e) {
    memset(t, 0, sizeof *t);
    zt_stmt *st = zt_db_query(db, e, "SELECT count, window_start FROM auth_throttle WHERE key = ?", ZT_T(key));
    if (!st) return ZT_EINTERNAL;
    zt_err rc = zt_step(st, e);
    if (rc == ZT_ROW) {
        t->found = 1;
        t->count = zt_col_int(st, 0);
        t->start = zt_col_int(st, 1);
    }
    return zt_step_failed(rc) ? rc : ZT_OK;
}

/* Does the row hold max failures within its window? *retry grows to the
 * seconds left. */
static int over(const trow *t, int64_t max, int64_t win, int64_t now, int64_t *retry) {
    if (!t->found || t->start + win <= now || t->count < max) return 0;
    int64_t left = t->start + win - now;
    if (left > win) left = win; /* a clock moved back */
    if (left < 1) left = 1;
    if (left > *retry) *retry = left;
    return 1;
}

static void keys(const zt_gate *g, char kl[160], char ka[96], char kc[96]) {
    snprintf(kl, 160, "login:%s|%s", g->login, g->addr);
    snprintf(ka, 96, "address:%s", g->addr);
    snprintf(kc, 96, "account:%s", g->login);
}

static int64_t max_of(int64_t v, const zt_config *cfg) { return v ? v : 4 * cfg->login_max_failures; }

static zt_err known_address(zt_db *db, const zt_config *cfg, const zt_gate *g, int *yes, zt_error *e) {
    zt_stmt *st = zt_db_query(db, e,
                              "SELECT 1 FROM auth_known_addresses k JOIN users u ON u.id = k.user_id"
                              " WHERE u.login = ? AND k.address = ? AND k.last_ok_at > ?",
                              ZT_T(g->login), ZT_T(g->addr), ZT_I(g->now - cfg->known_address_days * 86400));
    if (!st) return ZT_EINTERNAL;
    zt_err rc = zt_step(st, e);
    *yes = rc == ZT_ROW;
    return zt_step_failed(rc) ? rc : ZT_OK;
}

static zt_err refuse(zt_gate_reason why, int64_t retry, const char *field, zt_error *e, int64_t *out_retry) {
    atomic_fetch_add(&refused[why], 1);
    *out_retry = retry;
    if (why == ZT_GATE_ACCOUNT)
        return zt_fail(e, ZT_ETHROTTLED, field,
                       "该账户近期登录失败次数过多，暂停从不常用的地址登录：请 %lld 秒后再试，或在常用的地点登录",
                       (long long)retry);
    return zt_fail(e, ZT_ETHROTTLED, field, "登录失败次数过多，请 %lld 秒后再试", (long long)retry);
}

/* The limits of a login attempt, on a reader or in the writer. */
static zt_err judge(zt_db *db, const zt_config *cfg, const zt_gate *g, int64_t *retry, zt_error *e) {
    char kl[160], ka[96], kc[96];
    keys(g, kl, ka, kc);
    int64_t win = cfg->login_window, r = 0;
    trow t;
    zt_err rc = get_row(db, kl, &t, e);
    if (rc) return rc;
    if (over(&t, cfg->login_max_failures, win, g->now, &r)) return refuse(ZT_GATE_LOGIN, r, g->field, e, retry);
    if ((rc = get_row(db, ka, &t, e))) return rc;
    if (over(&t, max_of(cfg->address_max_failures, cfg), win, g->now, &r))
        return refuse(ZT_GATE_ADDRESS, r, g->field, e, retry);
    if ((rc = get_row(db, kc, &t, e))) return rc;
    if (over(&t, max_of(cfg->account_max_failures, cfg), win, g->now, &r)) {
        int usual = 0;
        if ((rc = known_address(db, cfg, g, &usual, e))) return rc;
        if (!usual) return refuse(ZT_GATE_ACCOUNT, r, g->field, e, retry);
    }
    return ZT_OK;
}

zt_err zt_gate_check(zt_app *app, const zt_gate *g, int64_t *retry, zt_error *e) {
    zt_db *db = zt_store_reader(app->store);
    zt_err rc = judge(db, app->cfg, g, retry, e);
    zt_db_release(db);
    return rc;
}

/* One more failure under key, in a window of win seconds from the first. */
static zt_err count(zt_db *db, const char *key, int64_t now, int64_t win, zt_error *e) {
    return zt_db_run(db, e,
                     "INSERT INTO auth_throttle (key, count, window_start, expires_at) VALUES (?, 1, ?, ?)"
                     " ON CONFLICT (key) DO UPDATE SET"
                     " count = CASE WHEN window_start + ? <= ? THEN 1 ELSE count + 1 END,"
                     " expires_at = CASE WHEN window_start + ? <= ? THEN ? ELSE expires_at END,"
                     " window_start = CASE WHEN window_start + ? <= ? THEN ? ELSE window_start END",
                     ZT_T(key), ZT_I(now), ZT_I(now + win), ZT_I(win), ZT_I(now), ZT_I(win), ZT_I(now), ZT_I(now + win),
                     ZT_I(win), ZT_I(now), ZT_I(now));
}

/* Rows whose window is over say nothing any more. */
static zt_err prune(zt_db *db, int64_t now, zt_error *e) {
    return zt_db_run(db, e, "DELETE FROM auth_throttle WHERE expires_at <= ?", ZT_I(now));
}

typedef struct {
    const zt_config *cfg;
    const zt_gate *g;
    int64_t retry, user_id;
    int success;
} gate_arg;

static zt_err reserve(zt_db *db, void *arg, zt_error *e) {
    gate_arg *a = arg;
    const zt_gate *g = a->g;
    zt_err rc = judge(db, a->cfg, g, &a->retry, e);
    if (rc) return rc;
    char kl[160], ka[96], kc[96];
    keys(g, kl, ka, kc);
    int64_t win = a->cfg->login_window;
    if ((rc = prune(db, g->now, e))) return rc;
    if ((rc = count(db, kl, g->now, win, e)) || (rc = count(db, ka, g->now, win, e)) ||
        (rc = count(db, kc, g->now, win, e)))
        return rc;
    return ZT_OK;
}

zt_err zt_gate_reserve(zt_app *app, const zt_gate *g, int64_t *retry, zt_error *e) {
    gate_arg a = {.cfg = app->cfg, .g = g};
    zt_err rc = zt_store_write(app->store, reserve, &a, e);
    *retry = a.retry;
    return rc;
}

static zt_err take_back(zt_db *db, const char *key, int64_t now, zt_error *e) {
    return zt_db_run(db, e, "UPDATE auth_throttle SET count = count - 1 WHERE key = ? AND count > 0 AND expires_at > ?",
                     ZT_T(key), ZT_I(now));
}

zt_err zt_gate_settle(zt_db *db, const zt_config *cfg, const zt_gate *g, int64_t user_id, zt_error *e) {
    char kl[160], ka[96], kc[96];
    keys(g, kl, ka, kc);
    zt_err rc;
    if ((rc = take_back(db, ka, g->now, e)) || (rc = take_back(db, kc, g->now, e))) return rc;
    if (!user_id) return take_back(db, kl, g->now, e); /* not tried: the attempt is given back */
    /* a success: this login's count at this address is forgotten, and the
     * address is one of the account's usual ones from now on */
    if ((rc = zt_db_run(db, e, "DELETE FROM auth_throttle WHERE key = ?", ZT_T(kl)))) return rc;
    if ((rc = zt_db_run(db, e,
                        "INSERT INTO auth_known_addresses (user_id, address, last_ok_at) VALUES (?, ?, ?)"
                        " ON CONFLICT (user_id, address) DO UPDATE SET last_ok_at = excluded.last_ok_at",
                        ZT_I(user_id), ZT_T(g->addr), ZT_I(g->now))))
        return rc;
    return zt_db_run(db, e, "DELETE FROM auth_known_addresses WHERE user_id = ? AND last_ok_at <= ?", ZT_I(user_id),
                     ZT_I(g->now - cfg->known_address_days * 86400));
}

static zt_err settle_write(zt_db *db, void *arg, zt_error *e) {
    gate_arg *a = arg;
    return zt_gate_settle(db, a->cfg, a->g, a->user_id, e);
}

zt_err zt_gate_settle_now(zt_app *app, const zt_gate *g, int64_t user_id, zt_error *e) {
    gate_arg a = {.cfg = app->cfg, .g = g, .user_id = user_id};
    return zt_store_write(app->store, settle_write, &a, e);
}

/* --- registrations --- */

typedef struct {
    const zt_config *cfg;
    const char *addr;
    int64_t now, retry;
} reg_arg;

static zt_err reserve_register(zt_db *db, void *arg, zt_error *e) {
    reg_arg *a = arg;
    char key[96];
    snprintf(key, sizeof key, "register:%s", a->addr);
    trow t;
    zt_err rc = get_row(db, key, &t, e);
    if (rc) return rc;
    int64_t r = 0;
    if (over(&t, a->cfg->register_max, a->cfg->register_window, a->now, &r)) {
        atomic_fetch_add(&refused[ZT_GATE_REGISTER], 1);
        a->retry = r;
        return zt_fail(e, ZT_ETHROTTLED, NULL, "注册过于频繁：同一地址每 %lld 秒最多注册 %lld 次，请 %lld 秒后再试",
                       (long long)a->cfg->register_window, (long long)a->cfg->register_max, (long long)r);
    }
    if ((rc = prune(db, a->now, e))) return rc;
    return count(db, key, a->now, a->cfg->register_window, e);
}

zt_err zt_gate_register(zt_app *app, const char *addr, int64_t now, int64_t *retry, zt_error *e) {
    reg_arg a = {.cfg = app->cfg, .addr = addr, .now = now};
    zt_err rc = zt_store_write(app->store, reserve_register, &a, e);
    *retry = a.retry;
    return rc;
}

uint64_t zt_gate_refused(zt_gate_reason why) { return atomic_load(&refused[why]); }

int zt_auth_metrics(char *out, size_t cap) {
    zt_hashpool_stats h;
    zt_hashpool_stats_get(&h);
    int n = snprintf(
        out, cap,
        "# HELP zt_auth_hash_jobs_total Argon2id hashes and verifications run by the hashing pool.\n"
        "# TYPE zt_auth_hash_jobs_total counter\nzt_auth_hash_jobs_total %llu\n"
        "# HELP zt_auth_hash_refused_total Requests refused (503) because the hashing queue was full.\n"
        "# TYPE zt_auth_hash_refused_total counter\nzt_auth_hash_refused_total %llu\n"
        "# TYPE zt_auth_hash_queue_depth gauge\nzt_auth_hash_queue_depth %lld\n"
        "# TYPE zt_auth_hash_running gauge\nzt_auth_hash_running %lld\n"
        "# HELP zt_auth_hash_running_max The most hashes that ever ran at once.\n"
        "# TYPE zt_auth_hash_running_max gauge\nzt_auth_hash_running_max %llu\n"
        "# TYPE zt_auth_hash_threads gauge\nzt_auth_hash_threads %d\n"
        "# HELP zt_auth_throttled_total Login, password-change and registration attempts refused (429), by limit.\n"
        "# TYPE zt_auth_throttled_total counter\n"
        "zt_auth_throttled_total{limit=\"login_address\"} %llu\nzt_auth_throttled_total{limit=\"address\"} %llu\n"
        "zt_auth_throttled_total{limit=\"account\"} %llu\nzt_auth_throttled_total{limit=\"register\"} %llu\n",
        (unsigned long long)h.jobs, (unsigned long long)h.refused, (long long)h.queued, (long long)h.running,
        (unsigned long long)h.running_max, h.threads, (unsigned long long)zt_gate_refused(ZT_GATE_LOGIN),
        (unsigned long long)zt_gate_refused(ZT_GATE_ADDRESS), (unsigned long long)zt_gate_refused(ZT_GATE_ACCOUNT),
        (unsigned long long)zt_gate_refused(ZT_GATE_REGISTER));
    return n < 0 ? 0 : (size_t)n >= cap ? (int)cap - 1 : n;
}
