/* ticker.c - the deadline ticker and the supervision office's view of one
 * subject.
 *
 * Deadlines live in sv_timers (subject, rule, level, due_at), indexed by
 * due_at: a tick reads only the timers due at or before now, re-evaluates
 * those subjects (which raises their cards and sets their next timers) and
 * touches nothing else. A thread ticks every second; moving the fake clock
 * ticks at once (platform/calendar_api.c), and POST /api/admin/tick runs
 * one tick synchronously in fake-clock mode. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/auth.h"
#include "base/arena.h"
#include "base/clock.h"
#include "base/log.h"
#include "supervise/supervise.h"

#define TICK_BATCH 5000 /* subjects per write; a bigger backlog takes several */

typedef struct {
    int64_t now;
    int n;
    int more;
} tick_arg;

static zt_err tick_write(zt_db *db, void *arg, zt_error *e) {
    tick_arg *a = arg;
    zt_stmt *st =
        zt_db_prepare(db, "SELECT DISTINCT subject_id FROM sv_timers WHERE due_at <= ? ORDER BY due_at LIMIT ?", e);
    if (!st) return ZT_EINTERNAL;
    zt_bind_int(st, 1, a->now);
    zt_bind_int(st, 2, TICK_BATCH + 1);
    int64_t *ids = zt_malloc((TICK_BATCH + 1) * sizeof *ids);
    int n = 0;
    while (n <= TICK_BATCH && zt_step(st, e) == ZT_ROW) ids[n++] = zt_col_int(st, 0);
    zt_db_release(db);
    a->more = n > TICK_BATCH;
    if (a->more) n = TICK_BATCH;
    zt_err rc = ZT_OK;
    zt_sv_notify_batch(1);
    for (int i = 0; i < n && !rc; i++) rc = zt_sv_evaluate(db, ids[i], a->now, e);
    zt_sv_notify_batch(0);
    free(ids);
    a->n += n;
    return rc;
}

static pthread_mutex_t tick_mu = PTHREAD_MUTEX_INITIALIZER;

zt_err zt_sv_tick(zt_app *app, int64_t now, int *n, zt_error *e) {
    tick_arg a = {now, 0, 1};
    zt_err rc = ZT_OK;
    /* nothing due (most seconds): no write, no commit, no wake-up */
    zt_db *db = zt_store_reader(app->store);
    zt_stmt *st = zt_db_prepare(db, "SELECT 1 FROM sv_timers WHERE due_at <= ? LIMIT 1", e);
    if (!st) return ZT_EINTERNAL;
    zt_bind_int(st, 1, now);
    zt_err due = zt_step(st, e);
    zt_db_release(db);
    if (zt_step_failed(due)) return due;
    if (due == ZT_DONE) {
        if (n) *n = 0;
        return ZT_OK;
    }
    /* one tick at a time: the thread and a fake-clock move do not race */
    pthread_mutex_lock(&tick_mu);
    while (a.more && !rc) rc = zt_store_write(app->store, tick_write, &a, e);
    pthread_mutex_unlock(&tick_mu);
    if (n) *n = a.n;
    return rc;
}

struct zt_sv_ticker {
    zt_app *app;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop, poked;
};

static zt_sv_ticker *running;

static void *ticker_main(void *arg) {
    zt_sv_ticker *t = arg;
    pthread_mutex_lock(&t->mu);
    while (!t->stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 1;
        while (!t->stop && !t->poked && pthread_cond_timedwait(&t->cv, &t->mu, &until) == 0) {
        }
        t->poked = 0;
        if (t->stop) break;
        pthread_mutex_unlock(&t->mu);
        zt_error e = {0};
        int n = 0;
        if (zt_sv_tick(t->app, zt_now(), &n, &e)) zt_warn("supervision tick: %s", e.message);
        pthread_mutex_lock(&t->mu);
    }
    pthread_mutex_unlock(&t->mu);
    return NULL;
}

zt_sv_ticker *zt_sv_ticker_start(zt_app *app) {
    zt_sv_ticker *t = zt_calloc(1, sizeof *t);
    t->app = app;
    pthread_mutex_init(&t->mu, NULL);
    pthread_cond_init(&t->cv, NULL);
    if (pthread_create(&t->thread, NULL, ticker_main, t)) {
        free(t);
        return NULL;
    }
    running = t;
    return t;
}

void zt_sv_ticker_poke(void) {
    zt_sv_ticker *t = running;
    if (!t) return;
    pthread_mutex_lock(&t->mu);
    t->poked = 1;
    pthread_cond_signal(&t->cv);
    pthread_mutex_unlock(&t->mu);
}

void zt_sv_ticker_stop(zt_sv_ticker *t) {
    if (!t) return;
    pthread_mutex_lock(&t->mu);
    t->stop = 1;
    pthread_cond_signal(&t->cv);
    pthread_mutex_unlock(&t->mu);
    pthread_join(t->thread, NULL);
    running = NULL;
    pthread_cond_destroy(&t->cv);
    pthread_mutex_destroy(&t->mu);
    free(t);
}

/* --- routes -------------------------------------------------------------- */

/* POST /api/admin/tick: one tick now (fake-clock mode only). */
static zt_err h_tick(zt_req *r, zt_error *e) {
    if (!zt_clock_is_fake()) return zt_fail(e, ZT_ENOTFOUND, NULL, "仅在模拟时钟（--fake-clock）模式下可用");
    int n = 0;
    zt_err rc = zt_sv_tick(zt_req_app(r), zt_now(), &n, e);
    if (rc) return rc;
    zt_reply_json(r, 200, json_pack("{s:i}", "subjects", n));
    return ZT_OK;
}

static json_t *opt_text(zt_stmt *st, int i) {
    return zt_col_is_null(st, i) ? json_null() : json_string(zt_col_text(st, i));
}
static json_t *opt_int(zt_stmt *st, int i) {
    return zt_col_is_null(st, i) ? json_null() : json_integer(zt_col_int(st, i));
}
static json_t *opt_time(zt_stmt *st, int i) {
    if (zt_col_is_null(st, i)) return json_null();
    char ts[32];
    zt_time_format(zt_col_int(st, i), ts);
    return json_string(ts);
}

/* GET /api/supervision/cases/{number}?type=case: the projection of a
 * supervised subject with its steps, deadlines, timers and cards. */
static zt_err h_case(zt_req *r, zt_error *e) {
    zt_app *app = zt_req_app(r);
    const zt_principal *p = zt_req_principal(r);
    const char *type = zt_req_query(r, "type");
    if (!type || !*type) type = "case";
    zt_db *db = zt_store_reader(app->store);
    zt_stmt *st = zt_db_prepare(
        db,
        "SELECT id, subject_type, subject, source, dept_code, region_code, item_code, item_version, item_name,"
        " applicant_type, channel, flow, legal_days, promised_days, state, submitted_at, accepted_at, accept_day,"
        " promised_due, legal_due, suspended_days, suspended_at, suspend_days, due_day, closed_at, elapsed_days,"
        " events, last_event_at, evaluated_at FROM sv_subjects WHERE subject_type = ? AND subject = ?",
        e);
    if (!st) return ZT_EINTERNAL;
    zt_bind_text(st, 1, type);
    zt_bind_text(st, 2, zt_req_param(r, "number"));
    if (zt_step(st, e) != ZT_ROW) return zt_fail(e, ZT_ENOTFOUND, "number", "没有该监察对象");
    if ((p->role_bit & ZT_R_SUPERVISOR) && !zt_region_within(zt_col_text(st, 5), p->region))
        return zt_fail(e, ZT_ENOTFOUND, "number", "没有该监察对象");
    int64_t id = zt_col_int(st, 0);
    json_t *j = json_pack(
        "{s:I,s:s,s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:s,s:o,s:o,s:o,s:o,s:o,s:I,s:o,s:o,s:o,s:o,s:o,"
        "s:I,s:o,s:o}",
        "id", (json_int_t)id, "subject_type", zt_col_text(st, 1), "subject", zt_col_text(st, 2), "source",
        zt_col_text(st, 3), "department", zt_col_text(st, 4), "region", zt_col_text(st, 5), "item_code",
        opt_text(st, 6), "item_version", opt_int(st, 7), "item_name", opt_text(st, 8), "applicant_type",
        opt_text(st, 9), "channel", opt_text(st, 10), "flow", opt_text(st, 11), "legal_days", opt_int(st, 12),
        "promised_days", opt_int(st, 13), "state", zt_col_text(st, 14), "submitted_at", opt_time(st, 15), "accepted_at",
        opt_time(st, 16), "accept_day", opt_text(st, 17), "promised_due", opt_text(st, 18), "legal_due",
        opt_text(st, 19), "suspended_days", (json_int_t)zt_col_int(st, 20), "suspended_since", opt_time(st, 21),
        "suspend_granted", opt_int(st, 22), "due_day", opt_text(st, 23), "closed_at", opt_time(st, 24), "elapsed_days",
        opt_int(st, 25), "events", (json_int_t)zt_col_int(st, 26), "last_event_at", opt_time(st, 27), "evaluated_at",
        opt_time(st, 28));
    zt_db_release(db);
    /* the steps, in event time order */
    json_t *steps = json_array();
    st = zt_db_prepare(db,
                       "SELECT event_id, type, occurred_at, received_at, source, json_extract(body, '$.step')"
                       " FROM sv_events WHERE subject_type = ? AND subject = ? ORDER BY occurred_at, seq",
                       e);
    if (st) {
        zt_bind_text(st, 1, json_string_value(json_object_get(j, "subject_type")));
        zt_bind_text(st, 2, json_string_value(json_object_get(j, "subject")));
        while (zt_step(st, e) == ZT_ROW) {
            json_t *step = zt_col_is_null(st, 5) ? json_null() : json_loads(zt_col_text(st, 5), 0, NULL);
            json_array_append_new(steps,
                                  json_pack("{s:s,s:s,s:o,s:o,s:s,s:o}", "id", zt_col_text(st, 0), "type",
                                            zt_col_text(st, 1), "time", opt_time(st, 2), "received_at", opt_time(st, 3),
                                            "source", zt_col_text(st, 4), "step", step ? step : json_null()));
        }
        zt_db_release(db);
    }
    json_object_set_new(j, "steps", steps);
    json_t *timers = json_array();
    st = zt_db_prepare(db, "SELECT rule_id, level, due_at FROM sv_timers WHERE subject_id = ? ORDER BY due_at", e);
    if (st) {
        zt_bind_int(st, 1, id);
        while (zt_step(st, e) == ZT_ROW)
            json_array_append_new(timers, json_pack("{s:s,s:s,s:o}", "rule", zt_col_text(st, 0), "level",
                                                    zt_col_text(st, 1), "due_at", opt_time(st, 2)));
        zt_db_release(db);
    }
    json_object_set_new(j, "timers", timers);
    json_t *cards = json_array();
    st = zt_db_prepare(db,
                       "SELECT id, number, rule_id, rule_version, level, category, title, state, signal_at, facts,"
                       " feedback_due, step FROM sv_cards WHERE subject_id = ? ORDER BY signal_at, id",
                       e);
    if (st) {
        zt_bind_int(st, 1, id);
        while (zt_step(st, e) == ZT_ROW) {
            json_t *facts = json_loads(zt_col_text(st, 9), 0, NULL);
            json_array_append_new(cards, json_pack("{s:I,s:s,s:s,s:I,s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:s}", "id",
                                                   (json_int_t)zt_col_int(st, 0), "number", zt_col_text(st, 1), "rule",
                                                   zt_col_text(st, 2), "rule_version", (json_int_t)zt_col_int(st, 3),
                                                   "level", zt_col_text(st, 4), "category", zt_col_text(st, 5), "title",
                                                   zt_col_text(st, 6), "state", zt_col_text(st, 7), "signal_at",
                                                   opt_time(st, 8), "facts", facts ? facts : json_object(),
                                                   "feedback_due", opt_text(st, 10), "step", zt_col_text(st, 11)));
        }
        zt_db_release(db);
    }
    json_object_set_new(j, "cards", cards);
    zt_reply_json(r, 200, j);
    return ZT_OK;
}

#define SV_READERS (ZT_R_SUPERVISOR | ZT_R_ADMIN | ZT_R_AUDITOR)

static const zt_route routes[] = {
    {"GET", "/api/supervision/cases/{number}", h_case, SV_READERS,
     "a supervised subject (?type=case|consultation|complaint|rating): projection, steps, deadlines, timers, cards"},
    {"POST", "/api/admin/tick", h_tick, ZT_R_ADMIN, "run one supervision tick now (only with --fake-clock)"},
};

const zt_route *zt_sv_routes(size_t *n) {
    *n = sizeof routes / sizeof routes[0];
    return routes;
}
