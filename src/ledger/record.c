/* record.c - the audit_log row and the ledger entry of a change (record.h). */
#include "ledger/record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "ledger/ledger.h"

static zt_record_region_fn region_fn;

void zt_record_on_region(zt_record_region_fn fn) { region_fn = fn; }

static const char *str_member(json_t *o, const char *key) {
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Where a record belongs, for region scope (issue #18 F7; migration 010
 * filled the rows written before the same way): the region the detail
 * names (its own, or its subject's: case.region, message.region), else what
 * the directory says of the record changed, of the department the detail
 * names or of the owner (the hook main registers); NULL: the platform as a
 * whole (the calendar, rules, imports, citizens' accounts). */
static const char *region_of(zt_db *db, const char *type, const char *id, int64_t owner, json_t *detail, char *buf,
                             size_t n) {
    const char *r = str_member(detail, "region"), *k;
    json_t *v;
    if (r) return r;
    json_object_foreach(detail, k, v) if (json_is_object(v) && (r = str_member(v, "region"))) return r;
    const char *dept = str_member(detail, "dept") ? str_member(detail, "dept") : str_member(detail, "department");
    return region_fn ? region_fn(db, type, id, dept, owner, buf, n) : NULL;
}

zt_err zt_record(zt_db *db, const zt_principal *actor, const char *action, const char *target_type,
                 const char *target_id, int64_t owner_user_id, json_t *detail, zt_error *e) {
    /* an account's own events can be read by that account (its owner) */
    if (!owner_user_id && strcmp(target_type, "user") == 0) owner_user_id = strtoll(target_id, NULL, 10);
    const char *who = actor && actor->login ? actor->login : "cli";
    char buf[64];
    const char *region = region_of(db, target_type, target_id, owner_user_id, detail, buf, sizeof buf);
    zt_stmt *st = zt_db_prepare(db,
                                "INSERT INTO audit_log (at, actor_id, actor_login, action, target_type, target_id,"
                                " detail, region_code) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
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
    if (region)
        zt_bind_text(st, 8, region);
    else
        zt_bind_null(st, 8);
    free(text);
    zt_err rc = zt_step_done(st, e);
    if (rc) return rc;
    /* the same change, tamper-evident */
    char subject[160];
    snprintf(subject, sizeof subject, "%s/%s", target_type, target_id);
    zt_ledger_event ev = {.kind = action,
                          .subject = subject,
                          .actor = who,
                          .owner_user_id = owner_user_id,
                          .region = region,
                          .payload = detail};
    return zt_ledger_append(db, &ev, NULL, e);
}
