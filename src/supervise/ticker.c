/* ticker.c - the deadline ticker.
 *
 * Deadlines live in sv_timers (subject, rule, level, due_at), indexed by
 * due_at: a tick reads only the timers due at or before now, re-evaluates
 * those subjects (which raises their cards and sets their next timers) and
 * touches nothing else. A thread ticks every second; moving the fake clock
 * ticks at once (the clock-set hook main wires), and POST /api/admin/tick
 * runs one tick synchronously in fake-clock mode. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/auth.h"
#include "base/arena.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/periodic.h"
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
    zt_stmt *st = zt_db_query(db, e, "SELECT 1 FROM sv_timers WHERE due_at <= ? LIMIT 1", ZT_I(now));
    if (!st) return ZT_EINTERNAL;
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
    zt_periodic *job;
};

static zt_sv_ticker *running;

static void tick_job(void *arg, int stopping) {
    zt_sv_ticker *t = arg;
    zt_error e = {0};
    int n = 0;
    if (zt_sv_tick(t->app, zt_now(), &n, &e)) zt_warn("supervision tick: %s", e.message);
}

zt_sv_ticker *zt_sv_ticker_start(zt_app *app) {
    zt_sv_ticker *t = zt_calloc(1, sizeof *t);
    t->app = app;
    t->job = zt_periodic_start(1000, 0, tick_job, t);
    if (!t->job) {
        free(t);
        return NULL;
    }
    running = t;
    return t;
}

void zt_sv_ticker_poke(void) {
    if (running) zt_periodic_poke(running->job);
}

void zt_sv_ticker_stop(zt_sv_ticker *t) {
    if (!t) return;
    running = NULL;
    zt_periodic_stop(t->job);
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

static const zt_route routes[] = {
    {"POST", "/api/admin/tick", h_tick, ZT_R_ADMIN, "run one supervision tick now (only with --fake-clock)"},
};

const zt_route *zt_sv_routes(size_t *n) {
    *n = sizeof routes / sizeof routes[0];
    return routes;
}
