/* sweep.c - what expires (issue #22 F13): uploads that no case holds after
 * services.unattached_upload_ttl (their rows, their files when no other
 * upload shares the bytes, each recorded), and the quota windows long past.
 *
 * A thread sweeps every services.sweep_interval seconds; moving the fake
 * clock sweeps at once, before the answer (the clock-set hook routes.c
 * wires), so that the tests see expiry without waiting. */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "auth/auth.h"
#include "base/arena.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/periodic.h"
#include "services/services.h"

/* Quota windows are a day at most: two days back nothing is counted. */
#define QUOTA_KEEP (2 * 86400)

static zt_err prune_quotas(zt_db *db, void *arg, zt_error *e) {
    return zt_quota_prune(db, *(const int64_t *)arg - QUOTA_KEEP, NULL, e);
}

/* One sweep at a time: the thread and a fake-clock move do not race. */
static pthread_mutex_t sweep_mu = PTHREAD_MUTEX_INITIALIZER;

/* Any quota window to forget? Most sweeps (every move of the fake clock)
 * have none: no write then. */
static int quotas_to_prune(zt_app *app, int64_t now) {
    zt_db *db = zt_store_reader(app->store);
    zt_error ignored = {0};
    zt_stmt *st =
        zt_db_query(db, &ignored, "SELECT 1 FROM quota_usage WHERE window_start < ? LIMIT 1", ZT_I(now - QUOTA_KEEP));
    int any = st && zt_step(st, &ignored) == ZT_ROW;
    zt_db_release(db);
    return any;
}

zt_err zt_services_sweep(zt_app *app, int64_t now, int *expired, zt_error *e) {
    pthread_mutex_lock(&sweep_mu);
    zt_err rc = zt_uploads_expire(app, now, expired, e);
    if (!rc && quotas_to_prune(app, now)) rc = zt_store_write(app->store, prune_quotas, &now, e);
    pthread_mutex_unlock(&sweep_mu);
    return rc;
}

struct zt_sweeper {
    zt_app *app;
    zt_periodic *job;
};

static void sweep_job(void *arg, int stopping) {
    zt_sweeper *s = arg;
    zt_error e = {0};
    int n = 0;
    if (zt_services_sweep(s->app, zt_now(), &n, &e))
        zt_warn("sweep: %s", e.message);
    else if (n)
        zt_info("sweep: %d uploads no case holds expired", n);
}

zt_sweeper *zt_sweeper_start(zt_app *app) {
    zt_sweeper *s = zt_calloc(1, sizeof *s);
    s->app = app;
    s->job = zt_periodic_start(app->cfg->sweep_interval * 1000, 0, sweep_job, s);
    if (!s->job) {
        free(s);
        return NULL;
    }
    return s;
}

void zt_sweeper_stop(zt_sweeper *s) {
    if (!s) return;
    zt_periodic_stop(s->job);
    free(s);
}
