/* events.c - what the platform's own services tell the supervision office:
 * one event per state change, in the schema of docs/supervision-events.md,
 * stored in sv_events together with its audit row and its ledger entry, in
 * the caller's write. Also the numbering of cases and messages. */
#include <stdio.h>
#include <string.h>

#include "auth/auth.h"
#include "base/calendar.h"
#include "base/clock.h"
#include "services/services.h"

void zt_city_day(int64_t t, char out[11]) { zt_day_format(zt_day_of_instant(t), out); }

zt_err zt_sv_emit(zt_db *db, const zt_principal *actor, const zt_sv_emit_args *a, char *event_id, zt_error *e) {
    char id[160], type[64], ts[32];
    snprintf(id, sizeof id, "platform/%s/%s/%lld", a->subject_type, a->subject, (long long)a->seq);
    snprintf(type, sizeof type, "%s.%s", a->subject_type, a->action);
    zt_time_format(a->at, ts);
    json_t *ev = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:I}", "id", id, "source", "platform", "type", type, "time", ts,
                           "subject_type", a->subject_type, "subject", a->subject, "seq", (json_int_t)a->seq);
    if (a->body) json_object_update_missing(ev, a->body);
    char *text = json_dumps(ev, JSON_COMPACT);
    zt_stmt *st =
        zt_db_prepare(db,
                      "INSERT INTO sv_events (event_id, source, subject_type, subject, type, occurred_at,"
                      " received_at, dept_code, region_code, body) VALUES (?, 'platform', ?, ?, ?, ?, ?, ?, ?, ?)",
                      e);
    zt_err rc = ZT_EINTERNAL;
    if (st) {
        zt_bind_text(st, 1, id);
        zt_bind_text(st, 2, a->subject_type);
        zt_bind_text(st, 3, a->subject);
        zt_bind_text(st, 4, type);
        zt_bind_int(st, 5, a->at);
        zt_bind_int(st, 6, zt_now());
        zt_bind_text(st, 7, a->dept_code ? a->dept_code : "");
        zt_bind_text(st, 8, a->region_code ? a->region_code : "");
        zt_bind_text(st, 9, text);
        rc = zt_step_done(st, e);
    }
    free(text);
    if (!rc) rc = zt_audit_owned(db, actor, type, a->subject_type, a->subject, a->owner_user_id, ev, e);
    json_decref(ev);
    if (!rc && event_id) snprintf(event_id, 160, "%s", id);
    return rc;
}

zt_err zt_number_next(zt_db *db, const char *prefix, int width, char *out, size_t cap, zt_error *e) {
    zt_stmt *st = zt_db_prepare(db,
                                "INSERT INTO number_seq (prefix, last) VALUES (?, 1)"
                                " ON CONFLICT (prefix) DO UPDATE SET last = last + 1 RETURNING last",
                                e);
    if (!st) return ZT_EINTERNAL;
    zt_bind_text(st, 1, prefix);
    int rc = zt_step(st, e);
    if (rc != 1) return rc < 0 ? (zt_err)-rc : zt_fail(e, ZT_EINTERNAL, NULL, "编号分配失败");
    long long n = (long long)zt_col_int(st, 0);
    zt_db_release(db);
    snprintf(out, cap, "%s-%0*lld", prefix, width, n);
    return ZT_OK;
}
