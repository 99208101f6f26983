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
#include "supervise/supervise.h"

void zt_city_day(int64_t t, char out[11]) { zt_day_format(zt_day_of_instant(t), out); }

zt_err zt_sv_emit(zt_db *db, const zt_principal *actor, const zt_sv_emit_args *a, char *event_id, zt_error *e) {
    char id[160], type[64], ts[32];
    snprintf(id, sizeof id, "platform/%s/%s/%lld", a->subject_type, a->subject, (long long)a->seq);
    snprintf(type, sizeof type, "%s.%s", a->subject_type, a->action);
    zt_time_format(a->at, ts);
    json_t *ev =
        json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:s,s:s}", "id", id, "source", "platform", "type", type, "time", ts,
                  "subject_type", a->subject_type, "subject", a->subject, "seq", (json_int_t)a->seq, "department",
                  a->dept_code ? a->dept_code : "", "region", a->region_code ? a->region_code : "");
    if (a->body) json_object_update_missing(ev, a->body);
    /* stored, in the ledger, and judged by the supervision engine, all in
     * the caller's write */
    zt_err rc = zt_sv_ingest(db, actor, ev, a->owner_user_id, NULL, e);
    json_decref(ev);
    if (!rc && event_id) snprintf(event_id, 160, "%s", id);
    return rc;
}
