/* record.c - the audit_log row and the ledger entry of a change (record.h). */
#include "ledger/record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "ledger/ledger.h"

zt_err zt_record(zt_db *db, const zt_principal *actor, const char *action, const char *target_type,
                 const char *target_id, int64_t owner_user_id, json_t *detail, zt_error *e) {
    /* an account's own events can be read by that account (its owner) */
    if (!owner_user_id && strcmp(target_type, "user") == 0) owner_user_id = strtoll(target_id, NULL, 10);
    const char *who = actor && actor->login ? actor->login : "cli";
    zt_stmt *st = zt_db_prepare(db,
                                "INSERT INTO audit_log (at, actor_id, actor_login, action, target_type, target_id,"
                                " detail) VALUES (?, ?, ?, ?, ?, ?, ?)",
                                e);
    if (!st) return ZT_EINTERNAL;
    char *text = detail ? json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    zt_bind_int(st, 1, zt_now());
    if (actor && actor->user_id)
        zt_bind_int(st, 2, actor->user_id);
    else
        zt_bind_null(st, 2);
    zt_bind_text(st, 3, who);
    zt_bind_text(st, 4, action);
    zt_bind_text(st, 5, target_type);
    zt_bind_text(st, 6, target_id);
    zt_bind_text(st, 7, text ? text : "{}");
    free(text);
    zt_err rc = zt_step_done(st, e);
    if (rc) return rc;
    /* the same change, tamper-evident */
    char subject[160];
    snprintf(subject, sizeof subject, "%s/%s", target_type, target_id);
    zt_ledger_event ev = {
        .kind = action, .subject = subject, .actor = who, .owner_user_id = owner_user_id, .payload = detail};
    return zt_ledger_append(db, &ev, NULL, e);
}
