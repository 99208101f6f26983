/* record.c - the audit_log row and the ledger entry of a change (record.h). */
#include "ledger/record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "ledger/ledger.h"

/* Where a record belongs, for region scope (issue #22 F7; migration 010
 * fills the rows written before the same way). */
static const struct {
    const char *type, *sql;
} TARGET_REGION[] = {
    {"user", "SELECT coalesce(u.region_code, d.region_code) FROM users u LEFT JOIN departments d ON d.id = u.dept_id"
             " WHERE u.id = ?"},
    {"api_key", "SELECT d.region_code FROM api_keys k JOIN departments d ON d.id = k.dept_id WHERE k.id = ?"},
    {"department", "SELECT region_code FROM departments WHERE id = ?"},
    {"region", "SELECT code FROM regions WHERE code = ?"},
    {"hall", "SELECT region_code FROM halls WHERE id = ?"},
    {"window", "SELECT d.region_code FROM windows w JOIN departments d ON d.id = w.dept_id WHERE w.id = ?"},
};

static const char *lookup(zt_db *db, const char *sql, const char *key, int64_t id, char *buf, size_t n) {
    zt_error ignored = {0};
    zt_stmt *st = zt_db_prepare(db, sql, &ignored);
    if (!st) return NULL;
    if (key)
        zt_bind_text(st, 1, key);
    else
        zt_bind_int(st, 1, id);
    const char *out = NULL;
    if (zt_step(st, &ignored) == ZT_ROW && !zt_col_is_null(st, 0)) {
        snprintf(buf, n, "%s", zt_col_text(st, 0));
        out = buf;
    }
    return out; /* not released: a caller may be reading with another statement of db */
}

static const char *str_member(json_t *o, const char *key) {
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* The region an event names (its own, or its subject's: case.region,
 * message.region), else that of the record changed, else the department
 * a change names, else the owner's; NULL: the platform as a whole (the
 * calendar, rules, imports, citizens' accounts). */
static const char *region_of(zt_db *db, const char *type, const char *id, int64_t owner, json_t *detail, char *buf,
                             size_t n) {
    const char *r = str_member(detail, "region"), *k;
    json_t *v;
    if (r) return r;
    json_object_foreach(detail, k, v) if (json_is_object(v) && (r = str_member(v, "region"))) return r;
    for (size_t i = 0; i < sizeof TARGET_REGION / sizeof TARGET_REGION[0]; i++)
        if (strcmp(type, TARGET_REGION[i].type) == 0)
            return lookup(db, TARGET_REGION[i].sql, strcmp(type, "region") == 0 ? id : NULL, strtoll(id, NULL, 10), buf,
                          n);
    const char *dept = str_member(detail, "dept") ? str_member(detail, "dept") : str_member(detail, "department");
    if (dept) return lookup(db, "SELECT region_code FROM departments WHERE code = ?", dept, 0, buf, n);
    if (owner) return lookup(db, TARGET_REGION[0].sql, NULL, owner, buf, n);
    return NULL;
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
