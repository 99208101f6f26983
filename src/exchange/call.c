/* call.c - the exchange API (数据交换接口): a consumer department's system
 * calls with its API key (Authorization) and the grant's application key
 * (X-Grant-Key), naming the person (user) and the case or document number
 * (issue) the call serves, as X-Road's messageUserId and messageIssue. The
 * answer holds only the grant's data items; each grant has its own rate
 * limit; a grant past its expiry is refused and its request carded
 * (sharing.c).
 *
 * Every call - answered or refused - is logged like X-Road's operational
 * monitoring (ex_calls) and recorded in the ledger. The log is written in
 * batches: a call is queued in memory and a background thread writes the
 * queue every exchange.log_flush_ms (or sooner when it grows) in one
 * transaction, so the exchange is not bound by one fsync per call. The
 * queue is bounded: when exchange.log_queue_max calls wait (the store
 * cannot write), new calls are refused (fail closed, as X-Road refuses
 * messages it cannot log). The usage views write what is queued before they
 * read. */
#include <math.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/auth.h"
#include "base/calendar.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/periodic.h"
#include "exchange/exchange_int.h"
#include "http/access.h"
#include "ledger/record.h"
#include "store/query.h"
#include "store/rawbench.h"

int64_t ex_now_ms(void) { return zt_now_us() / 1000; }

/* --- the call log ---------------------------------------------------------------- */

typedef struct ex_call {
    int64_t grant_id, consumer_id, provider_id, resource_id, key_id;
    int64_t in_ms, out_ms, req_size, resp_size, rows, status;
    int64_t mono0; /* zt_mono_us() at request-in: out_ms is in_ms plus the measured duration */
    char *dataset, *subject, *user, *issue, *method, *path, *fault_code, *fault, *consumer; /* owned */
} ex_call;

static struct {
    pthread_mutex_t mu;
    ex_call *q;
    size_t n, cap;
    zt_app *app;
    zt_periodic *job;
    pthread_mutex_t flush_mu; /* one flush at a time keeps the log in call order */
} LOG = {.mu = PTHREAD_MUTEX_INITIALIZER, .flush_mu = PTHREAD_MUTEX_INITIALIZER};

static char *dup0(const char *s) {
    char *d = strdup(s ? s : "");
    if (!d) abort();
    return d;
}

/* Response-out: request-in plus the monotonic time since (the fake clock
 * stands still; the duration is real). */
static int64_t out_ms(const ex_call *c) { return c->in_ms + (zt_mono_us() - c->mono0) / 1000; }

static void call_free(ex_call *c) {
    free(c->dataset), free(c->subject), free(c->user), free(c->issue), free(c->method), free(c->path);
    free(c->fault_code), free(c->fault), free(c->consumer);
}

/* Queue a call (its strings are copied); 0, or -1 when the queue is full. */
static int log_push(const ex_call *c) {
    pthread_mutex_lock(&LOG.mu);
    size_t max = LOG.app ? (size_t)LOG.app->cfg->ex_log_queue_max : 20000;
    if (LOG.n >= max) {
        pthread_mutex_unlock(&LOG.mu);
        return -1;
    }
    if (LOG.n == LOG.cap) {
        LOG.cap = LOG.cap ? LOG.cap * 2 : 256;
        LOG.q = realloc(LOG.q, LOG.cap * sizeof *LOG.q);
        if (!LOG.q) abort();
    }
    ex_call *d = &LOG.q[LOG.n++];
    *d = *c;
    d->dataset = dup0(c->dataset), d->subject = dup0(c->subject), d->user = dup0(c->user);
    d->issue = dup0(c->issue), d->method = dup0(c->method), d->path = dup0(c->path);
    d->fault_code = c->fault_code ? dup0(c->fault_code) : NULL, d->fault = c->fault ? dup0(c->fault) : NULL;
    d->consumer = dup0(c->consumer);
    int poke = LOG.n >= 512;
    pthread_mutex_unlock(&LOG.mu);
    if (poke && LOG.job) zt_periodic_poke(LOG.job);
    return 0;
}

static int log_full(void) {
    pthread_mutex_lock(&LOG.mu);
    int full = LOG.app && LOG.n >= (size_t)LOG.app->cfg->ex_log_queue_max;
    pthread_mutex_unlock(&LOG.mu);
    return full;
}

typedef struct {
    ex_call *calls;
    size_t n;
    const zt_config *cfg;
} batch;

/* Minute of the day (city time) of a Unix time. */
static int minute_of_day(int64_t t, char day[11]) {
    time_t tt = (time_t)t;
    struct tm tm;
    localtime_r(&tt, &tm);
    zt_day_format(zt_day_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday), day);
    return tm.tm_hour * 60 + tm.tm_min;
}

static zt_err count_calls(zt_db *db, int64_t grant, int64_t from_ms, int64_t to_ms, int64_t *n, zt_error *e) {
    zt_stmt *st = zt_db_query(db, e,
                              "SELECT count(*) FROM ex_calls WHERE grant_id = ? AND request_in_ms >= ?"
                              " AND request_in_ms < ? AND status = 200",
                              ZT_I(grant), ZT_I(from_ms), ZT_I(to_ms));
    if (!st) return ZT_EINTERNAL;
    zt_err rc = zt_step(st, e);
    if (rc != ZT_ROW) return zt_step_failed(rc) ? rc : ZT_EINTERNAL;
    *n = zt_col_int(st, 0);
    zt_db_release(db);
    return ZT_OK;
}

/* The alerts of one grant after a batch of its answered calls (the batch's
 * calls from first to last): a call outside the grant's hours (once a day),
 * a window's calls above exchange.volume_factor times the grant's own
 * baseline - its average over the exchange.volume_baseline_windows windows
 * before - and at least exchange.volume_min (once a window). */
static zt_err grant_alerts(zt_db *db, const batch *b, int64_t grant, zt_error *e) {
    zt_stmt *st = zt_db_query(db, e,
                              "SELECT hours, coalesce(volume_alert_window, -1), coalesce(off_hours_alert_day, '')"
                              " FROM ex_grants WHERE id = ?",
                              ZT_I(grant));
    if (!st) return ZT_EINTERNAL;
    if (zt_step(st, e) != ZT_ROW) {
        zt_db_release(db);
        return ZT_OK;
    }
    char hours[16], last_day[11];
    snprintf(hours, sizeof hours, "%s", zt_col_text(st, 0));
    int64_t last_window = zt_col_int(st, 1);
    snprintf(last_day, sizeof last_day, "%s", zt_col_text(st, 2));
    zt_db_release(db);
    int h0 = 0, h1 = 24 * 60;
    ex_hours_parse(hours, &h0, &h1);
    int64_t last_ms = 0;
    zt_err rc = ZT_OK;
    for (size_t i = 0; i < b->n && !rc; i++) {
        const ex_call *c = &b->calls[i];
        if (c->grant_id != grant || c->status != 200) continue;
        if (c->in_ms > last_ms) last_ms = c->in_ms;
        char day[11];
        int m = minute_of_day(c->in_ms / 1000, day);
        if ((m < h0 || m >= h1) && strcmp(day, last_day)) {
            char detail[200];
            snprintf(detail, sizeof detail, "%s %02d:%02d 调用，授权调用时段为 %s", day, m / 60, m % 60, hours);
            rc = zt_db_run(db, e, "UPDATE ex_grants SET off_hours_alert_day = ? WHERE id = ?", ZT_T(day), ZT_I(grant));
            if (!rc) rc = ex_alert(db, grant, "off_hours", detail, e);
            snprintf(last_day, sizeof last_day, "%s", day);
        }
    }
    if (rc || !last_ms) return rc;
    int64_t w = b->cfg->ex_volume_window * 1000, window = last_ms / w, now_n, before_n;
    if (window == last_window) return ZT_OK;
    if ((rc = count_calls(db, grant, window * w, (window + 1) * w, &now_n, e)) ||
        (rc = count_calls(db, grant, (window - b->cfg->ex_volume_baseline) * w, window * w, &before_n, e)))
        return rc;
    /* above factor x baseline: now_n * windows > factor * before_n, in integers */
    if (now_n < b->cfg->ex_volume_min || now_n * b->cfg->ex_volume_baseline <= b->cfg->ex_volume_factor * before_n)
        return ZT_OK;
    char detail[200];
    snprintf(detail, sizeof detail, "本时段调用 %lld 次，此前 %lld 个时段平均 %.1f 次（阈值 %lld 倍且不少于 %lld 次）",
             (long long)now_n, (long long)b->cfg->ex_volume_baseline,
             (double)before_n / (double)b->cfg->ex_volume_baseline, (long long)b->cfg->ex_volume_factor,
             (long long)b->cfg->ex_volume_min);
    rc = zt_db_run(db, e, "UPDATE ex_grants SET volume_alert_window = ? WHERE id = ?", ZT_I(window), ZT_I(grant));
    return rc ? rc : ex_alert(db, grant, "volume", detail, e);
}

/* One transaction: the calls' monitoring rows and, for each, its ledger
 * entry (the consumer's key as the actor; a person read is owned by his
 * account, so he may read the entry). */
static zt_err flush_write(zt_db *db, void *arg, zt_error *e) {
    batch *b = arg;
    for (size_t i = 0; i < b->n; i++) {
        ex_call *c = &b->calls[i];
        zt_stmt *st = zt_db_query(
            db, e,
            "INSERT INTO ex_calls (grant_id, consumer_id, provider_id, resource_id, dataset, subject, user_ref, issue,"
            " method, path, request_in_ms, response_out_ms, request_size, response_size, rows, status, succeeded,"
            " fault_code, fault_string) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            c->grant_id ? ZT_I(c->grant_id) : ZT_NULL, ZT_I(c->consumer_id),
            c->provider_id ? ZT_I(c->provider_id) : ZT_NULL, c->resource_id ? ZT_I(c->resource_id) : ZT_NULL,
            ZT_T(c->dataset), ZT_T(c->subject), ZT_T(c->user), ZT_T(c->issue), ZT_T(c->method), ZT_T(c->path),
            ZT_I(c->in_ms), ZT_I(c->out_ms), ZT_I(c->req_size), ZT_I(c->resp_size), ZT_I(c->rows), ZT_I(c->status),
            ZT_I(c->status < 400), ZT_T(c->fault_code), ZT_T(c->fault));
        if (!st) return ZT_EINTERNAL;
        zt_err rc = zt_step(st, e);
        if (rc != ZT_ROW) return zt_step_failed(rc) ? rc : ZT_EINTERNAL;
        char id[24];
        snprintf(id, sizeof id, "%lld", (long long)zt_col_int(st, 0));
        zt_db_release(db);
        int64_t owner = 0;
        if (!strcmp(c->dataset, "persons") && c->rows == 1) {
            st = zt_db_query(db, e, "SELECT id FROM users WHERE id_number = ?", ZT_T(c->subject));
            if (st && zt_step(st, e) == ZT_ROW) owner = zt_col_int(st, 0);
            zt_db_release(db);
        }
        char login[32];
        snprintf(login, sizeof login, "key:%lld", (long long)c->key_id);
        zt_principal actor = {.role = "system",
                              .role_bit = ZT_R_SYSTEM,
                              .login = login,
                              .name = login,
                              .key_id = c->key_id,
                              .dept_id = c->consumer_id,
                              .dept_code = c->consumer,
                              .region = "",
                              .dept_region = ""};
        json_t *d =
            json_pack("{s:o,s:s,s:s,s:s,s:s,s:I,s:I,s:I,s:s?}", "grant",
                      c->grant_id ? json_integer(c->grant_id) : json_null(), "dataset", c->dataset, "subject",
                      c->subject, "user", c->user, "issue", c->issue, "status", (json_int_t)c->status, "response_size",
                      (json_int_t)c->resp_size, "rows", (json_int_t)c->rows, "fault", c->fault_code);
        rc = zt_record(db, &actor, "exchange.call", "exchange_call", id, owner, d, e);
        json_decref(d);
        if (rc) return rc;
    }
    /* each grant with answered calls in the batch, once */
    for (size_t i = 0; i < b->n; i++) {
        int64_t g = b->calls[i].grant_id;
        int seen = !g || b->calls[i].status != 200;
        for (size_t j = 0; j < i && !seen; j++) seen = b->calls[j].grant_id == g && b->calls[j].status == 200;
        if (seen) continue;
        zt_err rc = grant_alerts(db, b, g, e);
        if (rc) return rc;
    }
    return ZT_OK;
}

zt_err ex_log_flush(zt_app *app, zt_error *e) {
    pthread_mutex_lock(&LOG.flush_mu);
    pthread_mutex_lock(&LOG.mu);
    batch b = {LOG.q, LOG.n, app->cfg};
    LOG.q = NULL, LOG.n = LOG.cap = 0;
    pthread_mutex_unlock(&LOG.mu);
    zt_err rc = ZT_OK;
    if (b.n) {
        rc = zt_store_write(app->store, flush_write, &b, e);
        if (rc) {
            /* kept, in order, before what came meanwhile: the next flush tries again */
            pthread_mutex_lock(&LOG.mu);
            ex_call *q = malloc((b.n + LOG.n + 1) * sizeof *q);
            if (!q) abort();
            memcpy(q, b.calls, b.n * sizeof *q);
            if (LOG.n) memcpy(q + b.n, LOG.q, LOG.n * sizeof *q);
            free(LOG.q);
            LOG.q = q, LOG.n += b.n, LOG.cap = LOG.n + 1;
            pthread_mutex_unlock(&LOG.mu);
            free(b.calls);
            pthread_mutex_unlock(&LOG.flush_mu);
            return rc;
        }
        for (size_t i = 0; i < b.n; i++) call_free(&b.calls[i]);
    }
    free(b.calls);
    pthread_mutex_unlock(&LOG.flush_mu);
    return rc;
}

static void flush_job(void *arg, int stopping) {
    (void)stopping;
    zt_error e = {0};
    if (ex_log_flush(arg, &e)) zt_warn("exchange: the call log could not be written: %s", e.message);
}

zt_err ex_log_start(zt_app *app, zt_error *e) {
    LOG.app = app;
    LOG.job = zt_periodic_start(app->cfg->ex_log_flush_ms, 1, flush_job, app);
    if (!LOG.job) return zt_fail(e, ZT_EINTERNAL, NULL, "exchange: cannot start the call log thread");
    return ZT_OK;
}

void ex_log_stop(void) {
    zt_periodic_stop(LOG.job); /* its final run writes what is queued */
    LOG.job = NULL;
}

/* --- rate limits ------------------------------------------------------------------- */

/* Calls per grant in the current minute, in memory (a fixed table; a grant
 * whose slot another took shares its count, which only errs on the side of
 * refusing). */
#define RATE_SLOTS 4096
static struct {
    pthread_mutex_t mu;
    struct {
        int64_t grant, minute, n;
    } s[RATE_SLOTS];
} RATE = {.mu = PTHREAD_MUTEX_INITIALIZER};

/* 1 when the call is within the grant's limit (and counted). */
static int rate_take(int64_t grant, int64_t limit, int64_t now, int64_t *retry) {
    int64_t minute = now / 60;
    pthread_mutex_lock(&RATE.mu);
    size_t i = (size_t)((uint64_t)grant * 2654435761u) % RATE_SLOTS;
    if (RATE.s[i].grant != grant || RATE.s[i].minute != minute) {
        RATE.s[i].grant = grant, RATE.s[i].minute = minute, RATE.s[i].n = 0;
    }
    int ok = RATE.s[i].n < limit;
    if (ok) RATE.s[i].n++;
    pthread_mutex_unlock(&RATE.mu);
    *retry = (minute + 1) * 60 - now;
    return ok;
}

/* --- a call ------------------------------------------------------------------------- */

typedef struct grant_info {
    int64_t id, consumer_id, provider_id, resource_id, expires_at, rate;
    char dataset[32];
    json_t *items; /* owned */
} grant_info;

/* The grant of an application key: ZT_OK, or 401 (unknown key). */
static zt_err grant_of_key(zt_db *db, const char *key, grant_info *g, zt_error *e) {
    unsigned char h[32];
    crypto_hash_sha256(h, (const unsigned char *)key, strlen(key)); /* as API keys are kept */
    zt_stmt *st = zt_db_prepare(db,
                                "SELECT g.id, g.consumer_id, r.dept_id, g.resource_id, g.expires_at,"
                                " g.rate_per_minute, coalesce(r.dataset, ''), g.items FROM ex_grants g"
                                " JOIN ex_resources r ON r.id = g.resource_id WHERE g.key_hash = ?",
                                e);
    if (!st) return ZT_EINTERNAL;
    zt_bind_blob(st, 1, h, 32);
    zt_err rc = zt_step(st, e);
    if (rc != ZT_ROW) {
        zt_db_release(db);
        return zt_step_failed(rc) ? rc : zt_fail(e, ZT_EUNAUTH, "X-Grant-Key", "应用密钥无效");
    }
    *g = (grant_info){.id = zt_col_int(st, 0),
                      .consumer_id = zt_col_int(st, 1),
                      .provider_id = zt_col_int(st, 2),
                      .resource_id = zt_col_int(st, 3),
                      .expires_at = zt_col_int(st, 4),
                      .rate = zt_col_int(st, 5)};
    snprintf(g->dataset, sizeof g->dataset, "%s", zt_col_text(st, 6));
    g->items = json_loads(zt_col_text(st, 7), 0, NULL);
    zt_db_release(db);
    if (!g->items) g->items = json_array();
    return ZT_OK;
}

/* The granted columns of the dataset, as literal SQL: only the dataset's
 * own column names (static strings) ever enter the statement. */
static char *granted_cols(zt_arena *a, const ex_dataset *ds, json_t *items, int *n) {
    char *cols = zt_arena_strdup(a, "");
    *n = 0;
    for (const char *const *c = ds->columns; *c; c++) {
        size_t i;
        json_t *v;
        json_array_foreach(items, i, v) if (!strcmp(*c, json_string_value(v))) {
            cols = zt_arena_printf(a, "%s%s%s", cols, *n ? ", " : "", *c);
            (*n)++;
        }
    }
    return cols;
}

static json_t *row_json(zt_stmt *st, const ex_dataset *ds, json_t *items) {
    json_t *o = json_object();
    int k = 0;
    for (const char *const *c = ds->columns; *c; c++) {
        size_t i;
        json_t *v;
        json_array_foreach(items, i, v) if (!strcmp(*c, json_string_value(v))) {
            if (!strcmp(*c, "capital"))
                json_object_set_new(o, *c, json_integer(zt_col_int(st, k)));
            else
                json_object_set_new(o, *c, zt_col_json_text(st, k));
            k++;
        }
    }
    return o;
}

/* Refuse (and log) a call. */
static zt_err refuse(zt_req *r, ex_call *c, zt_err code, const char *field, const char *fault_code, const char *msg,
                     zt_error *e) {
    zt_fail(e, code, field, "%s", msg);
    static const int STATUS[] = {
        [ZT_EINVAL] = 400,    [ZT_EUNAUTH] = 401,    [ZT_EFORBIDDEN] = 403, [ZT_ENOTFOUND] = 404,
        [ZT_ECONFLICT] = 409, [ZT_ETHROTTLED] = 429, [ZT_EUNAVAIL] = 503};
    c->status = (size_t)code < sizeof STATUS / sizeof STATUS[0] && STATUS[code] ? STATUS[code] : 500;
    c->out_ms = out_ms(c);
    c->fault_code = (char *)fault_code;
    c->fault = (char *)msg;
    (void)r;
    if (code != ZT_EUNAVAIL) log_push(c);
    return code;
}

typedef struct {
    int64_t grant;
    const zt_principal *p;
} expired_arg;

static zt_err expired_write(zt_db *db, void *arg, zt_error *e) {
    expired_arg *x = arg;
    return ex_expired_use(db, x->grant, x->p, e);
}

/* Each word of a value the call must carry (user, issue): 1-64 bytes, no
 * control characters. */
static int ref_ok(const char *s) {
    if (!s || !*s || strlen(s) > 64) return 0;
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        if (*c < 0x20 || *c == 0x7f) return 0;
    return 1;
}

#define QUERY_MAX 20

/* GET /api/exchange/data/{dataset}/{key} and /api/exchange/data/{dataset}?name=&region= */
static zt_err serve(zt_req *r, int by_key, zt_error *e) {
    zt_app *app = zt_app_of(r);
    const zt_principal *p = zt_req_principal(r);
    zt_arena *a = zt_req_arena(r);
    const char *dsname = zt_req_param(r, "dataset");
    const char *user = zt_req_query(r, "user"), *issue = zt_req_query(r, "issue");
    const char *region = by_key ? NULL : zt_req_query(r, "region");
    const char *subject = by_key ? zt_req_param(r, "key") : zt_req_query(r, "name");
    ex_call c = {.consumer_id = p->dept_id,
                 .key_id = p->key_id,
                 .in_ms = ex_now_ms(),
                 .mono0 = zt_mono_us(),
                 .dataset = (char *)(dsname ? dsname : ""),
                 .subject = (char *)(subject ? subject : ""),
                 .user = (char *)(user ? user : ""),
                 .issue = (char *)(issue ? issue : ""),
                 .method = "GET",
                 .path = (char *)zt_req_path(r),
                 .consumer = (char *)(p->dept_code ? p->dept_code : "")};
    c.req_size = (int64_t)strlen(c.path);
    if (log_full())
        return refuse(r, &c, ZT_EUNAVAIL, NULL, "log_unavailable", "交换日志暂时无法写入，调用被拒绝（请稍后重试）", e);
    const char *key = zt_req_header(r, "X-Grant-Key");
    if (!key || !*key || strlen(key) > 128)
        return refuse(r, &c, ZT_EFORBIDDEN, "X-Grant-Key", "no_grant_key", "缺少应用密钥（请求头 X-Grant-Key）", e);
    zt_db *db = zt_store_reader(app->store);
    grant_info g;
    zt_err rc = grant_of_key(db, key, &g, e);
    /* the system is authenticated (its API key): a grant it does not hold is 403 */
    if (rc == ZT_EUNAUTH) return refuse(r, &c, ZT_EFORBIDDEN, "X-Grant-Key", "bad_grant_key", "应用密钥无效", e);
    if (rc) return rc;
    c.grant_id = g.id, c.provider_id = g.provider_id, c.resource_id = g.resource_id;
    const ex_dataset *ds = ex_dataset_get(dsname);
    int64_t retry;
    if (g.consumer_id != p->dept_id) {
        rc = refuse(r, &c, ZT_EFORBIDDEN, "X-Grant-Key", "not_consumer", "该应用密钥不属于调用部门", e);
    } else if (!ds || strcmp(g.dataset, ds->name)) {
        rc = refuse(r, &c, ZT_EFORBIDDEN, "dataset", "not_granted", "授权不包含该数据集", e);
    } else if (g.expires_at <= zt_now()) {
        expired_arg x = {g.id, p};
        zt_error ignored = {0}; /* the refusal stands even if the card must wait for the store */
        zt_store_write(app->store, expired_write, &x, &ignored);
        rc = refuse(r, &c, ZT_EFORBIDDEN, "X-Grant-Key", "grant_expired", "授权已过期，调用被拒绝并已告警", e);
    } else if (!ref_ok(user)) {
        rc = refuse(r, &c, ZT_EINVAL, "user", "no_user", "须注明调用所服务的经办人（user，1-64 字节）", e);
    } else if (!ref_ok(issue)) {
        rc = refuse(r, &c, ZT_EINVAL, "issue", "no_issue", "须注明调用所服务的办件或文书编号（issue，1-64 字节）", e);
    } else if (!subject || !*subject || strlen(subject) > 64 || (region && strlen(region) > 12)) {
        rc = refuse(r, &c, ZT_EINVAL, by_key ? "key" : "name", "no_subject",
                    by_key ? "须给出记录的标识（身份证号码或统一社会信用代码）" : "须给出查询条件 name", e);
    } else if (!rate_take(g.id, g.rate, zt_now(), &retry)) {
        char ra[24];
        snprintf(ra, sizeof ra, "%lld", (long long)(retry > 0 ? retry : 1));
        zt_reply_header(r, "Retry-After", ra);
        rc = refuse(r, &c, ZT_ETHROTTLED, NULL, "rate_limited", "超过授权的调用频率限制", e);
    }
    if (rc) {
        json_decref(g.items);
        return rc;
    }
    int n;
    char *cols = granted_cols(a, ds, g.items, &n);
    json_t *body = NULL;
    if (!n) {
        json_decref(g.items);
        return refuse(r, &c, ZT_EFORBIDDEN, NULL, "no_items", "授权不包含该数据集的任何数据项", e);
    }
    zt_stmt *st;
    if (by_key) {
        st = zt_db_query(db, e, zt_arena_printf(a, "SELECT %s FROM %s WHERE %s = ?", cols, ds->table, ds->key),
                         ZT_T(subject));
    } else {
        char pre[16];
        snprintf(pre, sizeof pre, "%s", region && *region ? region : "");
        st = zt_db_query(db, e,
                         zt_arena_printf(a,
                                         "SELECT %s FROM %s WHERE name >= ? AND name < ? || char(1114111)"
                                         " AND substr(region_code, 1, ?) = ?"
                                         " ORDER BY %s LIMIT ?",
                                         cols, ds->table, ds->key),
                         ZT_T(subject), ZT_T(subject), ZT_I((int64_t)strlen(pre)), ZT_T(pre), ZT_I(QUERY_MAX));
    }
    if (!st) {
        json_decref(g.items);
        return ZT_EINTERNAL;
    }
    json_t *records = json_array();
    while ((rc = zt_step(st, e)) == ZT_ROW) json_array_append_new(records, row_json(st, ds, g.items));
    zt_db_release(db);
    json_decref(g.items);
    if (zt_step_failed(rc)) {
        json_decref(records);
        return rc;
    }
    c.rows = (int64_t)json_array_size(records);
    if (by_key && !c.rows) {
        json_decref(records);
        return refuse(r, &c, ZT_ENOTFOUND, "key", "not_found", "没有该记录", e);
    }
    body = by_key ? json_pack("{s:I,s:s,s:O}", "grant", (json_int_t)g.id, "dataset", ds->name, "record",
                              json_array_get(records, 0))
                  : json_pack("{s:I,s:s,s:O}", "grant", (json_int_t)g.id, "dataset", ds->name, "records", records);
    json_decref(records);
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    if (!text) abort();
    c.status = 200;
    c.resp_size = (int64_t)strlen(text);
    c.out_ms = out_ms(&c);
    if (log_push(&c)) {
        free(text);
        return zt_fail(e, ZT_EUNAVAIL, NULL, "交换日志暂时无法写入，调用被拒绝（请稍后重试）");
    }
    zt_reply_data(r, 200, "application/json", text, strlen(text));
    free(text);
    return ZT_OK;
}

static zt_err h_get_one(zt_req *r, zt_error *e) { return serve(r, 1, e); }
static zt_err h_query(zt_req *r, zt_error *e) { return serve(r, 0, e); }

/* --- usage ------------------------------------------------------------------------- */

#define CALL_COLS                                                                                                      \
    "x.id, x.grant_id, dc.code, dc.name, x.dataset, x.subject, x.user_ref, x.issue, x.request_in_ms,"                  \
    " x.response_out_ms, x.response_size, x.rows, x.status, x.fault_code, x.fault_string, coalesce(g.purpose, ''),"    \
    " coalesce(g.items, '[]'), x.path"
#define CALL_FROM "ex_calls x JOIN departments dc ON dc.id = x.consumer_id LEFT JOIN ex_grants g ON g.id = x.grant_id"

typedef struct {
    json_t *items;
    int citizen; /* the citizen's view: no consumer's staff names */
} list_ctx;

static void call_row(zt_stmt *st, void *ctx) {
    list_ctx *l = ctx;
    json_t *items = json_loads(zt_col_text(st, 16), 0, NULL);
    json_t *o =
        json_pack("{s:I,s:o,s:s,s:s,s:s,s:s,s:s,s:o,s:I,s:s,s:o}", "id", (json_int_t)zt_col_int(st, 0), "grant",
                  zt_col_is_null(st, 1) ? json_null() : json_integer(zt_col_int(st, 1)), "consumer", zt_col_text(st, 2),
                  "consumer_name", zt_col_text(st, 3), "dataset", zt_col_text(st, 4), "issue", zt_col_text(st, 7),
                  "purpose", zt_col_text(st, 15), "at", zt_json_time(zt_col_int(st, 8) / 1000), "status",
                  (json_int_t)zt_col_int(st, 12), "path", zt_col_text(st, 17), "items", items ? items : json_array());
    if (!l->citizen) {
        json_object_set_new(o, "subject", json_string(zt_col_text(st, 5)));
        json_object_set_new(o, "user", json_string(zt_col_text(st, 6)));
        json_object_set_new(o, "request_in_ms", json_integer(zt_col_int(st, 8)));
        json_object_set_new(o, "response_out_ms", json_integer(zt_col_int(st, 9)));
        json_object_set_new(o, "response_size", json_integer(zt_col_int(st, 10)));
        json_object_set_new(o, "rows", json_integer(zt_col_int(st, 11)));
        json_object_set_new(o, "fault_code", zt_col_json_text(st, 13));
        json_object_set_new(o, "fault_string", zt_col_json_text(st, 14));
    }
    json_array_append_new(l->items, o);
}

static zt_err list_calls(zt_req *r, zt_qb *f, int citizen, zt_error *e) {
    zt_app *app = zt_app_of(r);
    zt_err rc = ex_log_flush(app, e);
    int64_t limit, offset, total;
    if (!rc) rc = zt_req_page(r, &limit, &offset, e);
    if (rc) return rc;
    list_ctx l = {json_array(), citizen};
    rc = zt_qb_list(zt_store_reader(app->store), f, CALL_COLS, CALL_FROM, "ORDER BY x.id DESC", limit, offset, call_row,
                    &l, &total, e);
    if (rc) {
        json_decref(l.items);
        return rc;
    }
    zt_reply_json(r, 200, zt_page_json(l.items, total, limit, offset));
    return ZT_OK;
}

/* GET /api/exchange/calls?side=provider|consumer&grant=&subject=&issue=:
 * who used the department's data (provider), or its own calls (consumer);
 * the data office, supervisors and auditors: all. */
static zt_err h_calls(zt_req *r, zt_error *e) {
    const zt_principal *p = zt_req_principal(r);
    zt_qb f;
    zt_qb_init(&f, zt_req_arena(r), "1 = 1");
    const char *side = zt_req_query(r, "side");
    int all = (p->role_bit & (ZT_R_DATA | ZT_R_ADMIN | ZT_R_SUPERVISOR | ZT_R_AUDITOR)) != 0;
    if (!all || (side && *side)) {
        zt_qb_sql(&f, side && !strcmp(side, "consumer") ? " AND x.consumer_id = ?" : " AND x.provider_id = ?");
        zt_qb_int(&f, p->dept_id ? p->dept_id : -1);
    }
    int64_t grant;
    zt_err rc = zt_req_query_int(r, "grant", 0, 0, INT64_MAX, &grant, e);
    if (rc) return rc;
    if (grant) {
        zt_qb_sql(&f, " AND x.grant_id = ?");
        zt_qb_int(&f, grant);
    }
    const char *subject = zt_req_query(r, "subject"), *issue = zt_req_query(r, "issue");
    if (subject && *subject) {
        zt_qb_sql(&f, " AND x.subject = ?");
        zt_qb_text(&f, subject);
    }
    if (issue && *issue) {
        zt_qb_sql(&f, " AND x.issue = ?");
        zt_qb_text(&f, issue);
    }
    return list_calls(r, &f, 0, e);
}

/* GET /api/exchange/my-reads: who read the citizen's population record and
 * why (谁查看了我的数据): the answered calls on the person whose ID number is
 * the account's. */
static zt_err h_my_reads(zt_req *r, zt_error *e) {
    const zt_principal *p = zt_req_principal(r);
    zt_db *db = zt_store_reader(zt_app_of(r)->store);
    zt_stmt *st = zt_db_query(db, e, "SELECT coalesce(id_number, '') FROM users WHERE id = ?", ZT_I(p->user_id));
    if (!st) return ZT_EINTERNAL;
    char idn[32] = "";
    if (zt_step(st, e) == ZT_ROW) snprintf(idn, sizeof idn, "%s", zt_col_text(st, 0));
    zt_db_release(db);
    zt_qb f;
    zt_qb_init(&f, zt_req_arena(r), "x.dataset = 'persons' AND x.status = 200 AND x.rows = 1 AND x.subject = ?");
    zt_qb_text(&f, *idn ? idn : "-");
    return list_calls(r, &f, 1, e);
}

/* --- the benchmark (zhengtong exchange bench-calls) ------------------------------- */

static double secs(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* One logged read as the exchange makes it, without HTTP: the granted
 * columns by key on the thread's reader, the answer's JSON, the call queued;
 * every `every` calls the queue is written (1: one transaction, one fsync,
 * per call). */
static int bench_logged(zt_app *app, char **keys, int64_t n, int every, double *dt) {
    zt_db *db = zt_store_reader(app->store);
    zt_error e = {0};
    double t0 = secs();
    for (int64_t i = 0; i < n; i++) {
        ex_call c = {.consumer_id = 1,
                     .in_ms = ex_now_ms(),
                     .dataset = "persons",
                     .subject = keys[i],
                     .user = "bench",
                     .issue = "BENCH-1",
                     .method = "GET",
                     .path = "/api/exchange/data/persons",
                     .consumer = "bench"};
        zt_stmt *st =
            zt_db_query(db, &e, "SELECT name, sex, birth_date FROM ex_persons WHERE id_number = ?", ZT_T(keys[i]));
        if (!st) return -1;
        json_t *o = json_object();
        if (zt_step(st, &e) == ZT_ROW)
            for (int k = 0; k < 3; k++)
                json_object_set_new(o, k == 0 ? "name" : k == 1 ? "sex" : "birth_date", zt_col_json_text(st, k));
        zt_db_release(db);
        char *text = json_dumps(o, JSON_COMPACT);
        json_decref(o);
        c.rows = 1, c.status = 200, c.resp_size = (int64_t)strlen(text), c.out_ms = ex_now_ms();
        free(text);
        if (log_push(&c) || ((i + 1) % every == 0 && ex_log_flush(app, &e))) return -1;
    }
    if (ex_log_flush(app, &e)) return -1;
    *dt = secs() - t0;
    return 0;
}

int ex_bench_calls(zt_app *app, int64_t n) {
    zt_db *db = zt_store_reader(app->store);
    zt_error e = {0};
    zt_stmt *st = zt_db_query(db, &e, "SELECT id_number FROM ex_persons ORDER BY id_number LIMIT ?", ZT_I(n));
    char **keys = calloc((size_t)n, sizeof *keys);
    int64_t k = 0;
    while (st && zt_step(st, &e) == ZT_ROW) keys[k++] = dup0(zt_col_text(st, 0));
    zt_db_release(db);
    if (k < n) {
        fprintf(stderr, "zhengtong: bench-calls needs %lld persons (gen-base first)\n", (long long)n);
        for (int64_t i = 0; i < k; i++) free(keys[i]);
        free(keys);
        return 2;
    }
    /* the keys in a scattered order */
    for (int64_t i = n - 1; i > 0; i--) {
        int64_t j = (i * 7919) % (i + 1);
        char *t = keys[i];
        keys[i] = keys[j], keys[j] = t;
    }
    LOG.app = app;
    char *path = zt_config_db_path(app->cfg), err[256];
    double raw, batched, single;
    int64_t single_n = n < 2000 ? n : 2000;
    int rc = zt_rawbench_reads(path, "SELECT name, sex, birth_date FROM ex_persons WHERE id_number = ?",
                               (const char *const *)keys, n, &raw, err, sizeof err);
    if (!rc) rc = bench_logged(app, keys, n, 256, &batched);
    if (!rc) rc = bench_logged(app, keys, single_n, 1, &single);
    if (rc)
        fprintf(stderr, "zhengtong: bench-calls: %s\n", *err ? err : "a write failed");
    else
        printf("raw indexed reads (SQLite alone): %.0f reads/s\n"
               "logged calls, written in batches of 256: %.0f calls/s (%.3fx of raw)\n"
               "logged calls, one transaction per call: %.0f calls/s (%.3fx of raw)\n",
               (double)n / raw, (double)n / batched, raw / batched, (double)single_n / single,
               (raw / (double)n) / (single / (double)single_n));
    free(path);
    for (int64_t i = 0; i < n; i++) free(keys[i]);
    free(keys);
    return rc ? 1 : 0;
}

/* GET /api/exchange/stats?window=600: per service (a resource of the
 * provider; the data office: every one) over the last window seconds, as
 * X-Road's operational monitoring sums it up: calls, succeeded, failed, the
 * last success and failure, min/avg/max/standard deviation of the duration
 * (ms) and of the response size (bytes). */
static zt_err h_stats(zt_req *r, zt_error *e) {
    zt_app *app = zt_app_of(r);
    const zt_principal *p = zt_req_principal(r);
    int64_t window;
    zt_err rc = zt_req_query_int(r, "window", 600, 60, 86400 * 31, &window, e);
    if (!rc) rc = ex_log_flush(app, e);
    if (rc) return rc;
    int all = (p->role_bit & (ZT_R_DATA | ZT_R_ADMIN | ZT_R_SUPERVISOR | ZT_R_AUDITOR)) != 0;
    zt_db *db = zt_store_reader(app->store);
    zt_stmt *st = zt_db_query(
        db, e,
        "SELECT x.resource_id, c.identifier, c.name, d.code, count(*), sum(x.status < 400),"
        " max(CASE WHEN x.status < 400 THEN x.request_in_ms END), max(CASE WHEN x.status >= 400 THEN x.request_in_ms "
        "END),"
        " min(x.response_out_ms - x.request_in_ms), sum(x.response_out_ms - x.request_in_ms),"
        " max(x.response_out_ms - x.request_in_ms),"
        " sum((x.response_out_ms - x.request_in_ms) * (x.response_out_ms - x.request_in_ms)),"
        " min(x.response_size), sum(x.response_size), max(x.response_size), sum(x.response_size * x.response_size)"
        " FROM ex_calls x JOIN ex_catalogue c ON c.resource_id = x.resource_id JOIN departments d ON d.id = c.dept_id"
        " WHERE x.request_in_ms >= ? AND (? OR x.provider_id = ?) GROUP BY x.resource_id ORDER BY c.identifier",
        ZT_I((zt_now() - window) * 1000), ZT_I(all), ZT_I(p->dept_id ? p->dept_id : -1));
    if (!st) return ZT_EINTERNAL;
    json_t *items = json_array();
    while ((rc = zt_step(st, e)) == ZT_ROW) {
        /* from the integer sums: mean and population standard deviation */
        double n = (double)zt_col_int(st, 4);
        double avg_d = (double)zt_col_int(st, 9) / n, avg_s = (double)zt_col_int(st, 13) / n;
        double var_d = (double)zt_col_int(st, 11) / n - avg_d * avg_d;
        double var_s = (double)zt_col_int(st, 15) / n - avg_s * avg_s;
        json_array_append_new(
            items,
            json_pack("{s:I,s:s,s:s,s:s,s:I,s:I,s:I,s:o,s:o,s:{s:I,s:f,s:I,s:f},s:{s:I,s:f,s:I,s:f}}", "resource",
                      (json_int_t)zt_col_int(st, 0), "identifier", zt_col_text(st, 1), "name", zt_col_text(st, 2),
                      "provider", zt_col_text(st, 3), "calls", (json_int_t)zt_col_int(st, 4), "succeeded",
                      (json_int_t)zt_col_int(st, 5), "failed", (json_int_t)(zt_col_int(st, 4) - zt_col_int(st, 5)),
                      "last_success_at", zt_col_is_null(st, 6) ? json_null() : zt_json_time(zt_col_int(st, 6) / 1000),
                      "last_failure_at", zt_col_is_null(st, 7) ? json_null() : zt_json_time(zt_col_int(st, 7) / 1000),
                      "duration_ms", "min", (json_int_t)zt_col_int(st, 8), "avg", avg_d, "max",
                      (json_int_t)zt_col_int(st, 10), "stddev", var_d > 0 ? sqrt(var_d) : 0.0, "response_size", "min",
                      (json_int_t)zt_col_int(st, 12), "avg", avg_s, "max", (json_int_t)zt_col_int(st, 14), "stddev",
                      var_s > 0 ? sqrt(var_s) : 0.0));
    }
    zt_db_release(db);
    if (zt_step_failed(rc)) {
        json_decref(items);
        return rc;
    }
    zt_reply_json(r, 200, json_pack("{s:I,s:o}", "window", (json_int_t)window, "items", items));
    return ZT_OK;
}

static const zt_route routes[] = {
    {"GET", "/api/exchange/stats", h_stats,
     ZT_R_CLERK | ZT_R_DEPT_HEAD | ZT_R_DATA | ZT_R_ADMIN | ZT_R_SUPERVISOR | ZT_R_AUDITOR,
     "per service over the last ?window seconds (600): calls, succeeded, failed, last success and failure, "
     "min/avg/max/stddev of duration and size"},
    {"GET", "/api/exchange/data/{dataset}/{key}", h_get_one, ZT_R_SYSTEM,
     "the exchange: one record of a base database by its key (X-Grant-Key; ?user ?issue required): granted items only"},
    {"GET", "/api/exchange/data/{dataset}", h_query, ZT_R_SYSTEM,
     "the exchange: records whose name starts with ?name (?region; X-Grant-Key; ?user ?issue required): granted items "
     "only, at most 20"},
    {"GET", "/api/exchange/calls", h_calls,
     ZT_R_CLERK | ZT_R_DEPT_HEAD | ZT_R_DATA | ZT_R_ADMIN | ZT_R_SUPERVISOR | ZT_R_AUDITOR,
     "the exchange's call log (who used the department's data; ?side ?grant ?subject ?issue, paged)"},
    {"GET", "/api/exchange/my-reads", h_my_reads, ZT_R_CITIZEN,
     "who read my population record and why (谁查看了我的数据), paged"},
};

const zt_route *ex_call_routes(size_t *n) {
    *n = sizeof routes / sizeof routes[0];
    return routes;
}
