/* exchange.c - the domain's route set, start and stop (exchange.h). */
#include <string.h>

#include "exchange/exchange_int.h"
#include "flow/step.h"
#include "store/query.h"

static void history_row(const zt_flow_event *ev, void *ctx) {
    json_t *fields = json_loads(ev->fields, 0, NULL);
    json_array_append_new(ctx, json_pack("{s:I,s:s,s:o,s:s,s:s,s:s,s:s,s:o,s:o}", "seq", (json_int_t)ev->seq, "action",
                                         ev->action, "from", *ev->from ? json_string(ev->from) : json_null(), "to",
                                         ev->to, "actor", ev->actor, "actor_role", ev->actor_role, "actor_department",
                                         ev->actor_dept, "at", zt_json_time(ev->at), "fields",
                                         fields ? fields : json_object()));
}

json_t *ex_history(zt_db *db, const char *subject_type, const char *subject, zt_error *e) {
    json_t *events = json_array();
    if (zt_flow_history(db, subject_type, subject, 0, history_row, events, e)) {
        json_decref(events);
        return NULL;
    }
    return events;
}

#define MAX_ROUTES 64

const zt_route *zt_exchange_routes(size_t *n) {
    /* the files' tables in one: built on the first call (at start, before
     * any request thread), the same every time */
    static zt_route all[MAX_ROUTES];
    static size_t count;
    if (!count) {
        const zt_route *(*const sets[])(size_t *) = {ex_catalogue_routes, ex_sharing_routes, ex_call_routes,
                                                     ex_changes_routes};
        for (size_t s = 0; s < sizeof sets / sizeof sets[0]; s++) {
            size_t k;
            const zt_route *t = sets[s](&k);
            ZT_ASSERTF(count + k <= MAX_ROUTES, "exchange: %zu routes do not fit MAX_ROUTES", count + k);
            for (size_t i = 0; i < k; i++) all[count++] = t[i];
        }
    }
    *n = count;
    return all;
}

zt_err zt_exchange_start(zt_app *app, zt_error *e) {
    zt_err rc = ex_catalogue_seed(app, e);
    return rc ? rc : ex_log_start(app, e);
}

void zt_exchange_stop(void) { ex_log_stop(); }
