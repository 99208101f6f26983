/* api.c - the crossing for its operators (docs/zones.md): what this
 * instance sent to the other zone and what it read from it, with the
 * refusals, for administrators and auditors (R16: audit on both sides). */
#include <string.h>

#include "base/clock.h"
#include "store/query.h"
#include "zones/zones.h"

static json_t *ts_json(zt_stmt *st, int i) {
    if (zt_col_is_null(st, i)) return json_null();
    char ts[32];
    zt_time_format(zt_col_int(st, i), ts);
    return json_string(ts);
}

static json_t *text_or_null(zt_stmt *st, int i) {
    return zt_col_is_null(st, i) ? json_null() : json_string(zt_col_text(st, i));
}

static int64_t count_of(zt_db *db, const char *sql, zt_error *e) {
    zt_stmt *st = zt_db_prepare(db, sql, e);
    int64_t n = st && zt_step(st, e) == ZT_ROW ? zt_col_int(st, 0) : 0;
    if (st) zt_db_release(db);
    return n;
}

/* GET /api/zones/messages?direction=out|in (paged, newest first). */
static zt_err h_messages(zt_req *r, zt_error *e) {
    const char *dir = zt_req_query(r, "direction");
    if (dir && strcmp(dir, "out") && strcmp(dir, "in"))
        return zt_fail(e, ZT_EINVAL, "direction", "direction 须是 out（发出）或 in（收到）");
    int in = dir && !strcmp(dir, "in");
    int64_t limit, offset;
    zt_err rc = zt_req_page(r, &limit, &offset, e);
    if (rc) return rc;
    zt_app *app = zt_req_app(r);
    zt_db *db = zt_store_reader(app->store);
    json_t *summary = json_pack(
        "{s:s,s:I,s:I,s:I,s:I}", "role", app->cfg->zone_role, "unsent",
        (json_int_t)count_of(db, "SELECT count(*) FROM zone_outbox WHERE sent_at IS NULL", e), "refused_by_peer",
        (json_int_t)count_of(db, "SELECT count(*) FROM zone_outbox WHERE refused_at IS NOT NULL", e), "received",
        (json_int_t)count_of(db, "SELECT count(*) FROM zone_inbox WHERE status = 'accepted'", e), "refused",
        (json_int_t)count_of(db, "SELECT count(*) FROM zone_inbox WHERE status = 'refused'", e));
    int64_t total = count_of(db, in ? "SELECT count(*) FROM zone_inbox" : "SELECT count(*) FROM zone_outbox", e);
    zt_stmt *st = zt_db_query(db, e,
                              in ? "SELECT id, file, msg_id, sender, seq, type, subject, status, reason, field,"
                                   " received_at FROM zone_inbox ORDER BY id DESC LIMIT ? OFFSET ?"
                                 : "SELECT seq, msg_id, type, subject, created_at, sent_at, refused_at, refused_reason"
                                   " FROM zone_outbox ORDER BY seq DESC LIMIT ? OFFSET ?",
                              ZT_I(limit), ZT_I(offset));
    if (!st) {
        json_decref(summary);
        return ZT_EINTERNAL;
    }
    json_t *items = json_array();
    while ((rc = zt_step(st, e)) == ZT_ROW) {
        if (in)
            json_array_append_new(
                items,
                json_pack("{s:I,s:s,s:o,s:o,s:o,s:o,s:o,s:s,s:o,s:o,s:o}", "id", (json_int_t)zt_col_int(st, 0), "file",
                          zt_col_text(st, 1), "id_in_message", text_or_null(st, 2), "sender", text_or_null(st, 3),
                          "seq", zt_col_is_null(st, 4) ? json_null() : json_integer(zt_col_int(st, 4)), "type",
                          text_or_null(st, 5), "subject", text_or_null(st, 6), "status", zt_col_text(st, 7), "reason",
                          text_or_null(st, 8), "field", text_or_null(st, 9), "received_at", ts_json(st, 10)));
        else
            json_array_append_new(items,
                                  json_pack("{s:I,s:s,s:s,s:s,s:o,s:o,s:o,s:o}", "seq", (json_int_t)zt_col_int(st, 0),
                                            "id", zt_col_text(st, 1), "type", zt_col_text(st, 2), "subject",
                                            zt_col_text(st, 3), "created_at", ts_json(st, 4), "sent_at", ts_json(st, 5),
                                            "refused_at", ts_json(st, 6), "refused_reason", text_or_null(st, 7)));
    }
    zt_db_release(db);
    if (zt_step_failed(rc)) {
        json_decref(items);
        json_decref(summary);
        return rc;
    }
    json_t *out = zt_page_json(items, total, limit, offset);
    json_object_set_new(out, "crossing", summary);
    zt_reply_json(r, 200, out);
    return ZT_OK;
}

static const zt_route routes[] = {
    {"GET", "/api/zones/messages", h_messages, ZT_R_ADMIN | ZT_R_AUDITOR,
     "the two zones' crossing: messages sent (?direction=out) or read (in), refusals, and counts (paged)"},
};

const zt_route *zt_zones_routes(size_t *n) {
    *n = sizeof routes / sizeof routes[0];
    return routes;
}
