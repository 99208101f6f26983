/* hall.c - the opening hall live (开标大厅): GET /api/trading/projects/{n}/hall
 * streams the project's steps as server-sent events (http/sse.c,
 * docs/stream.md) - the opening, the end of decryption, the report, the
 * publicity, an objection, the award - and, while the bidders unlock, how
 * many of the submitted bids are unlocked. Bidders, the centre and
 * supervisors watch the same stream; nothing of a bid is in it (the opening
 * record is read from the project once sealed). Resumable: the event id is
 * the step's number (Last-Event-ID). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "store/query.h"
#include "trading/internal.h"

typedef struct hall {
    zt_store *store;
    char number[32];
    int64_t seq;      /* the last step sent */
    int64_t unlocked; /* the unlock count last sent (-1: none) */
} hall;

#define HALL_BATCH 100

static int produce(zt_stream *st, void *ctx) {
    hall *h = ctx;
    zt_db *db = zt_store_reader(h->store);
    zt_error e = {0};
    zt_stmt *q = zt_db_query(db, &e,
                             "SELECT seq, action, to_state, at FROM flow_events WHERE subject_type = 'tender' AND"
                             " subject = ? AND seq > ? ORDER BY seq LIMIT 100",
                             ZT_T(h->number), ZT_I(h->seq));
    if (!q) {
        zt_db_release(db);
        return ZT_STREAM_END;
    }
    int n = 0;
    while (zt_step(q, &e) == ZT_ROW) {
        char id[24], at[32];
        int64_t seq = zt_col_int(q, 0);
        zt_time_format(zt_col_int(q, 3), at);
        json_t *d = json_pack("{s:I,s:s,s:s,s:s}", "seq", (json_int_t)seq, "action", zt_col_text(q, 1), "to",
                              zt_col_text(q, 2), "at", at);
        char *text = json_dumps(d, JSON_COMPACT);
        snprintf(id, sizeof id, "%lld", (long long)seq);
        zt_stream_event(st, id, "step", text);
        free(text);
        json_decref(d);
        h->seq = seq;
        n++;
    }
    zt_db_release(db);
    /* the decryption's progress, only while the project is opened (before
     * the deadline even the number of bidders is secret) */
    q = zt_db_query(db, &e,
                    "SELECT coalesce(sum(CASE WHEN b.state = 'unlocked' THEN 1 ELSE 0 END), 0), count(*) FROM"
                    " trade_bids b JOIN trade_projects p ON p.id = b.project_id WHERE p.number = ? AND"
                    " b.round = p.round AND p.state = 'opened' AND b.state IN ('submitted', 'unlocked')",
                    ZT_T(h->number));
    if (q && zt_step(q, &e) == ZT_ROW && zt_col_int(q, 1) > 0 && zt_col_int(q, 0) != h->unlocked) {
        char data[96];
        h->unlocked = zt_col_int(q, 0);
        snprintf(data, sizeof data, "{\"unlocked\":%lld,\"submitted\":%lld}", (long long)h->unlocked,
                 (long long)zt_col_int(q, 1));
        zt_stream_event(st, NULL, "unlock", data);
    }
    zt_db_release(db);
    return n == HALL_BATCH ? ZT_STREAM_MORE : ZT_STREAM_IDLE;
}

static zt_err h_hall(zt_req *r, zt_error *e) {
    zt_app *app = zt_req_app(r);
    tr_proj p;
    zt_err rc = tr_proj_load(zt_store_reader(app->store), zt_req_param(r, "number"), &p, e);
    if (rc) return rc;
    int draft = !strcmp(p.state, "draft") && p.round == 1;
    hall h = {.store = app->store, .unlocked = -1};
    snprintf(h.number, sizeof h.number, "%s", p.number);
    tr_proj_free(&p);
    if (draft) return zt_fail(e, ZT_ENOTFOUND, "number", "交易项目不存在");
    const char *last = zt_req_header(r, "Last-Event-ID");
    if (last && *last) {
        char *end;
        long long v = strtoll(last, &end, 10);
        if (*end || v < 0 || end - last > 18)
            return zt_fail(e, ZT_EINVAL, "Last-Event-ID", "Last-Event-ID 须是步骤序号");
        h.seq = v;
    }
    /* idempotent: the first stream registers the hook */
    zt_store_on_commit(app->store, zt_stream_wake_all, NULL);
    hall *own = zt_malloc(sizeof *own);
    *own = h;
    return zt_reply_stream(r, produce, own, free, e);
}

static const zt_route routes[] = {
    {"GET", "/api/trading/projects/{number}/hall", h_hall, ZT_R_USERS,
     "the opening hall live (SSE): the project's steps and the decryption's progress (Last-Event-ID)"},
};

const zt_route *tr_hall_routes(size_t *n) {
    *n = sizeof routes / sizeof routes[0];
    return routes;
}
