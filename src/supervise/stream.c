/* stream.c - GET /api/supervision/stream: the live feed (实时动态) of the
 * supervision office as server-sent events.
 *
 * Two cursors: the last sv_events.seq and the last card step (flow_events.id) the
 * stream has passed (sent, or skipped by the filters). Both tables only
 * grow, and their keys are given out by the one writer in commit order, so
 * "everything after the cursor" read after a commit is exactly what is new.
 * Every event's SSE id carries both cursors ("e120.c45"), so that one
 * Last-Event-ID resumes both; after rows the filters skipped, a block with
 * only an id moves the client's resume point past them (EventSource keeps
 * the last id even of a block without data).
 *
 * Reads happen in the producer, on the server thread that sends, with that
 * thread's store reader, released after every batch: a stream holds no read
 * snapshot while it waits. The store's commit hook wakes the streams
 * (zt_stream_wake_all). */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "auth/auth.h"
#include "base/clock.h"
#include "base/log.h"
#include "supervise/stream.h"

#define BATCH 256 /* rows per query: a long backlog goes out in pieces, paced by the socket */

typedef struct feed {
    zt_store *store;
    int64_t ev, card;           /* the cursors */
    int64_t sent_ev, sent_card; /* what the client last got as an id (-1: nothing yet) */
    int all_regions;            /* administrators and auditors */
    char region[32];            /* a supervisor's region ("" = none: sees nothing) */
    char dept[64];              /* ?dept= ("" = all) */
    char level[16];             /* ?level= ("" = all): cards only, events have no level */
} feed;

static int visible(const feed *f, const char *region, const char *dept) {
    if (!f->all_regions && !zt_region_within(region, f->region)) return 0;
    return !f->dept[0] || (dept && strcmp(dept, f->dept) == 0);
}

static void cursor_id(const feed *f, char out[48]) { snprintf(out, 48, "e%" PRId64 ".c%" PRId64, f->ev, f->card); }

static void send_json(zt_stream *st, feed *f, const char *name, json_t *v) {
    char id[48];
    cursor_id(f, id);
    char *text = json_dumps(v, JSON_COMPACT);
    json_decref(v);
    if (!text) return;
    zt_stream_event(st, id, name, text);
    free(text);
    f->sent_ev = f->ev;
    f->sent_card = f->card;
}

static const char *col(zt_stmt *q, int i) {
    const char *s = zt_col_text(q, i);
    return s ? s : "";
}

/* New sv_events rows: 1 = a full batch (there may be more), 0 = caught up,
 * -1 = a database error (logged). */
static int events(zt_stream *st, feed *f, zt_db *db) {
    zt_error e = {0};
    zt_stmt *q = zt_db_query(db, &e,
                             "SELECT seq, event_id, type, subject_type, subject, dept_code, region_code, occurred_at"
                             " FROM sv_events WHERE seq > ? ORDER BY seq LIMIT ?",
                             ZT_I(f->ev), ZT_I(BATCH));
    if (!q) return -1;
    int n = 0;
    zt_err rc;
    while ((rc = zt_step(q, &e)) == ZT_ROW) {
        n++;
        f->ev = zt_col_int(q, 0);
        if (!visible(f, col(q, 6), col(q, 5))) continue;
        char ts[32];
        zt_time_format(zt_col_int(q, 7), ts);
        send_json(st, f, "sv_event",
                  json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "seq", (json_int_t)f->ev, "event_id", col(q, 1),
                            "type", col(q, 2), "subject_type", col(q, 3), "subject", col(q, 4), "dept_code", col(q, 5),
                            "region_code", col(q, 6), "occurred_at", ts));
        if (zt_stream_pending(st) >= ZT_STREAM_CHUNK) return 1;
    }
    if (zt_step_failed(rc)) {
        zt_error_log("supervision stream: %s", e.message);
        return -1;
    }
    return n == BATCH;
}

/* New card actions, with the card they act on; as events(). */
static int cards(zt_stream *st, feed *f, zt_db *db) {
    zt_error e = {0};
    zt_stmt *q = zt_db_query(db, &e,
                             "SELECT ce.id, ce.row_id, c.number, c.level, ce.to_state, c.rule_id, c.title,"
                             " c.dept_code, c.region_code, s.subject, ce.action"
                             " FROM flow_events ce JOIN sv_cards c ON c.id = ce.row_id"
                             " JOIN sv_subjects s ON s.id = c.subject_id"
                             " WHERE ce.id > ? AND ce.subject_type = 'card' ORDER BY ce.id LIMIT ?",
                             ZT_I(f->card), ZT_I(BATCH));
    if (!q) return -1;
    int n = 0;
    zt_err rc;
    while ((rc = zt_step(q, &e)) == ZT_ROW) {
        n++;
        f->card = zt_col_int(q, 0);
        if (!visible(f, col(q, 8), col(q, 7))) continue;
        if (f->level[0] && strcmp(col(q, 3), f->level) != 0) continue;
        send_json(st, f, "card",
                  json_pack("{s:I,s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "id", (json_int_t)f->card, "card_id",
                            (json_int_t)zt_col_int(q, 1), "number", col(q, 2), "level", col(q, 3), "state", col(q, 4),
                            "rule_id", col(q, 5), "title", col(q, 6), "dept_code", col(q, 7), "region_code", col(q, 8),
                            "subject", col(q, 9), "action", col(q, 10)));
        if (zt_stream_pending(st) >= ZT_STREAM_CHUNK) return 1;
    }
    if (zt_step_failed(rc)) {
        zt_error_log("supervision stream: %s", e.message);
        return -1;
    }
    return n == BATCH;
}

/* The producer (http.h zt_stream_fn): events first, then cards, each in
 * commit order. */
static int produce(zt_stream *st, void *ctx) {
    feed *f = ctx;
    zt_db *db = zt_store_reader(f->store);
    /* another request on this thread may have left a read snapshot open
     * (its answer queued, not yet completed): start from what is committed */
    zt_db_release(db);
    int rc = events(st, f, db);
    zt_db_release(db);
    if (rc == 0) {
        rc = cards(st, f, db);
        zt_db_release(db);
    }
    if (rc < 0) return ZT_STREAM_END; /* the client reconnects with its last id */
    if (f->ev != f->sent_ev || f->card != f->sent_card) {
        /* the filters skipped rows after the last event sent: move the
         * client's resume point past them */
        char id[48], line[64];
        cursor_id(f, id);
        int n = snprintf(line, sizeof line, "id: %s\n\n", id);
        zt_stream_write(st, line, (size_t)n);
        f->sent_ev = f->ev;
        f->sent_card = f->card;
    }
    return rc ? ZT_STREAM_MORE : ZT_STREAM_IDLE;
}

/* "e{seq}.c{id}", both non-negative decimal integers. */
static int parse_cursor(const char *s, int64_t *ev, int64_t *card) {
    const char *p = s;
    int64_t v[2];
    for (int i = 0; i < 2; i++) {
        if (*p++ != (i ? 'c' : 'e')) return -1;
        if (!isdigit((unsigned char)*p)) return -1;
        char *end;
        errno = 0;
        long long n = strtoll(p, &end, 10);
        if (errno || end - p > 18) return -1;
        v[i] = n;
        p = end;
        if (i == 0 && *p++ != '.') return -1;
    }
    if (*p) return -1;
    *ev = v[0];
    *card = v[1];
    return 0;
}

static zt_err max_id(zt_db *db, const char *sql, int64_t *out, zt_error *e) {
    zt_stmt *q = zt_db_prepare(db, sql, e);
    if (!q) return ZT_EINTERNAL;
    zt_err rc = zt_step(q, e);
    if (zt_step_failed(rc)) return rc;
    *out = rc == ZT_ROW ? zt_col_int(q, 0) : 0;
    return ZT_OK;
}

/* GET /api/supervision/stream [?dept=CODE] [?level=warning|yellow|red]
 * [?since=e{seq}.c{id}]; header Last-Event-ID (wins over since). */
static zt_err h_stream(zt_req *r, zt_error *e) {
    zt_app *app = zt_req_app(r);
    const zt_principal *p = zt_req_principal(r);
    feed f = {.store = app->store, .sent_ev = -1, .sent_card = -1};
    f.all_regions = (p->role_bit & (ZT_R_ADMIN | ZT_R_AUDITOR)) != 0;
    if (!f.all_regions && p->region && strlen(p->region) < sizeof f.region)
        snprintf(f.region, sizeof f.region, "%s", p->region);

    const char *dept = zt_req_query(r, "dept"), *level = zt_req_query(r, "level");
    if (dept && *dept) {
        size_t n = strlen(dept);
        int ok = n < sizeof f.dept;
        for (size_t i = 0; ok && i < n; i++) ok = isalnum((unsigned char)dept[i]) || dept[i] == '-';
        if (!ok) return zt_fail(e, ZT_EINVAL, "dept", "dept 须是部门编码（如 360300-GA）");
        memcpy(f.dept, dept, n + 1);
    }
    if (level && *level) {
        if (strcmp(level, "warning") && strcmp(level, "yellow") && strcmp(level, "red"))
            return zt_fail(e, ZT_EINVAL, "level", "level 须是 warning、yellow 或 red");
        snprintf(f.level, sizeof f.level, "%s", level);
    }

    const char *last = zt_req_header(r, "Last-Event-ID"), *since = zt_req_query(r, "since");
    if (last && *last) {
        if (parse_cursor(last, &f.ev, &f.card))
            return zt_fail(e, ZT_EINVAL, "Last-Event-ID", "Last-Event-ID 须形如 e120.c45（本推送给出的 id）");
    } else if (since && *since) {
        if (parse_cursor(since, &f.ev, &f.card))
            return zt_fail(e, ZT_EINVAL, "since", "since 须形如 e120.c45（e0.c0 为从头开始）");
    } else {
        zt_db *db = zt_store_reader(app->store);
        zt_err rc = max_id(db, "SELECT coalesce(max(seq), 0) FROM sv_events", &f.ev, e);
        if (!rc)
            rc = max_id(db, "SELECT coalesce(max(id), 0) FROM flow_events WHERE subject_type = 'card'", &f.card, e);
        zt_db_release(db);
        if (rc) return rc;
    }

    /* idempotent: the first stream registers the hook */
    zt_store_on_commit(app->store, zt_stream_wake_all, NULL);
    feed *own = zt_malloc(sizeof *own);
    *own = f;
    return zt_reply_stream(r, produce, own, free, e);
}

#define VIEWERS (ZT_R_SUPERVISOR | ZT_R_ADMIN | ZT_R_AUDITOR)

static const zt_route routes[] = {
    {"GET", "/api/supervision/stream", h_stream, VIEWERS,
     "live feed (SSE): sv_event and card events of the viewer's region (?dept ?level ?since; Last-Event-ID)"},
};

const zt_route *zt_sv_stream_routes(size_t *n) {
    *n = sizeof routes / sizeof routes[0];
    return routes;
}
