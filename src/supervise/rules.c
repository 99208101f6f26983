/* rules.c - the rules as the supervision office keeps them: list, read
 * with their history, and change (on/off, priority, region scope,
 * confirm-before-issue, parameters). A change is a new version of the rule
 * (sv_rule_versions), audited and in the ledger; cards record the version
 * that raised them. After a change every open subject the rule watches is
 * queued for re-evaluation (a timer due at once), so the ticker applies the
 * new rule to them in batches: timers move, new signals raise cards, and
 * cards the rule no longer gives are retracted. */
#include <stdio.h>
#include <string.h>

#include "auth/auth.h"
#include "base/clock.h"
#include "base/json.h"
#include "ledger/record.h"
#include "supervise/supervise.h"

#define RULE_COLS                                                                                                      \
    "id, version, category, kind, name, subject_type, enabled, priority, region_scope, confirm, params, updated_at"

static json_t *rule_json(zt_stmt *st) {
    json_t *params = json_loads(zt_col_text(st, 10), 0, NULL);
    json_t *level = json_incref(json_object_get(params, "level"));
    json_object_del(params, "level");
    char ts[32];
    zt_time_format(zt_col_int(st, 11), ts);
    return json_pack("{s:s,s:I,s:s,s:s,s:s,s:s,s:o,s:b,s:I,s:s,s:b,s:o,s:s}", "id", zt_col_text(st, 0), "version",
                     (json_int_t)zt_col_int(st, 1), "category", zt_col_text(st, 2), "kind", zt_col_text(st, 3), "name",
                     zt_col_text(st, 4), "subject_type", zt_col_text(st, 5), "level", level ? level : json_null(),
                     "enabled", (int)zt_col_int(st, 6), "priority", (json_int_t)zt_col_int(st, 7), "region_scope",
                     zt_col_text(st, 8), "confirm", (int)zt_col_int(st, 9), "params", params ? params : json_object(),
                     "updated_at", ts);
}

static zt_err h_list(zt_req *r, zt_error *e) {
    zt_db *db = zt_store_reader(((zt_app *)zt_req_app(r))->store);
    zt_stmt *st = zt_db_prepare(db, "SELECT " RULE_COLS " FROM sv_rules ORDER BY subject_type, priority, id", e);
    if (!st) return ZT_EINTERNAL;
    json_t *items = json_array();
    while (zt_step(st, e) == ZT_ROW) json_array_append_new(items, rule_json(st));
    zt_reply_json(r, 200, json_pack("{s:o,s:I}", "items", items, "total", (json_int_t)json_array_size(items)));
    return ZT_OK;
}

static zt_err rule_reply(zt_req *r, const char *id, zt_error *e) {
    zt_db *db = zt_store_reader(((zt_app *)zt_req_app(r))->store);
    zt_stmt *st = zt_db_query(db, e, "SELECT " RULE_COLS " FROM sv_rules WHERE id = ?", ZT_T(id));
    if (!st) return ZT_EINTERNAL;
    if (zt_step(st, e) != ZT_ROW) return zt_fail(e, ZT_ENOTFOUND, "id", "没有这条监察规则");
    json_t *j = rule_json(st);
    zt_db_release(db);
    json_t *versions = json_array();
    st = zt_db_prepare(db,
                       "SELECT version, body, changed_by, changed_at FROM sv_rule_versions WHERE rule_id = ?"
                       " ORDER BY version DESC",
                       e);
    if (st) {
        zt_bind_text(st, 1, id);
        while (zt_step(st, e) == ZT_ROW) {
            char ts[32];
            zt_time_format(zt_col_int(st, 3), ts);
            json_t *body = json_loads(zt_col_text(st, 1), 0, NULL);
            json_array_append_new(versions, json_pack("{s:I,s:o,s:s,s:s}", "version", (json_int_t)zt_col_int(st, 0),
                                                      "rule", body ? body : json_null(), "changed_by",
                                                      zt_col_text(st, 2), "changed_at", ts));
        }
    }
    json_object_set_new(j, "versions", versions);
    zt_reply_json(r, 200, j);
    return ZT_OK;
}

static zt_err h_get(zt_req *r, zt_error *e) { return rule_reply(r, zt_req_param(r, "id"), e); }

typedef struct {
    const zt_principal *p;
    const char *id, *reason, *scope;
    int64_t enabled, priority, confirm; /* -1 = unchanged */
    json_t *params;                     /* borrowed; NULL = unchanged */
    int queued;
} change_arg;

static zt_err change_write(zt_db *db, void *arg, zt_error *e) {
    change_arg *a = arg;
    zt_stmt *st = zt_db_query(db, e, "SELECT " RULE_COLS " FROM sv_rules WHERE id = ?", ZT_T(a->id));
    if (!st) return ZT_EINTERNAL;
    if (zt_step(st, e) != ZT_ROW) {
        zt_db_release(db);
        return zt_fail(e, ZT_ENOTFOUND, "id", "没有这条监察规则");
    }
    json_t *before = rule_json(st);
    char stype[16];
    snprintf(stype, sizeof stype, "%s", zt_col_text(st, 5));
    int64_t version = zt_col_int(st, 1) + 1;
    json_t *params = json_loads(zt_col_text(st, 10), 0, NULL);
    zt_db_release(db);
    if (!params) params = json_object();
    if (a->params) { /* the level stays: it is part of a card's identity */
        json_t *level = json_incref(json_object_get(params, "level"));
        json_decref(params);
        params = json_deep_copy(a->params);
        json_object_set_new(params, "level", level ? level : json_string("yellow"));
    }
    char *ptext = json_dumps(params, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(params);
    st = zt_db_prepare(
        db,
        "UPDATE sv_rules SET version = ?, enabled = coalesce(?, enabled), priority = coalesce(?, priority),"
        " region_scope = coalesce(?, region_scope), confirm = coalesce(?, confirm), params = ?,"
        " updated_at = ? WHERE id = ?",
        e);
    zt_err rc = ZT_EINTERNAL;
    if (st) {
        zt_bind_int(st, 1, version);
        if (a->enabled >= 0)
            zt_bind_int(st, 2, a->enabled);
        else
            zt_bind_null(st, 2);
        if (a->priority >= 0)
            zt_bind_int(st, 3, a->priority);
        else
            zt_bind_null(st, 3);
        if (a->scope)
            zt_bind_text(st, 4, a->scope);
        else
            zt_bind_null(st, 4);
        if (a->confirm >= 0)
            zt_bind_int(st, 5, a->confirm);
        else
            zt_bind_null(st, 5);
        zt_bind_text(st, 6, ptext);
        zt_bind_int(st, 7, zt_now());
        zt_bind_text(st, 8, a->id);
        rc = zt_step_done(st, e);
    }
    free(ptext);
    if (rc) {
        json_decref(before);
        return rc;
    }
    /* the new version as it now reads */
    st = zt_db_prepare(db, "SELECT " RULE_COLS " FROM sv_rules WHERE id = ?", e);
    if (st) zt_bind_text(st, 1, a->id);
    if (!st || zt_step(st, e) != ZT_ROW) {
        json_decref(before);
        zt_db_release(db);
        return zt_fail(e, ZT_EINTERNAL, "id", "规则更新后读取失败");
    }
    json_t *after = rule_json(st);
    zt_db_release(db);
    json_object_set_new(after, "reason", json_string(a->reason));
    char *btext = json_dumps(after, JSON_COMPACT | JSON_SORT_KEYS);
    st = zt_db_prepare(db,
                       "INSERT INTO sv_rule_versions (rule_id, version, body, changed_by, changed_at)"
                       " VALUES (?, ?, ?, ?, ?)",
                       e);
    rc = ZT_EINTERNAL;
    if (st) {
        zt_bind_text(st, 1, a->id);
        zt_bind_int(st, 2, version);
        zt_bind_text(st, 3, btext);
        zt_bind_text(st, 4, a->p->login ? a->p->login : "");
        zt_bind_int(st, 5, zt_now());
        rc = zt_step_done(st, e);
    }
    free(btext);
    json_t *detail = json_pack("{s:o,s:o}", "before", before, "after", after);
    if (!rc) rc = zt_record(db, a->p, "rule.update", "rule", a->id, 0, detail, e);
    json_decref(detail);
    if (rc) return rc;
    /* every open subject the rule watches: re-evaluated by the ticker */
    if ((rc = zt_db_run(db, e,
                        "INSERT INTO sv_timers (subject_id, rule_id, level, due_at)"
                        " SELECT id, '*', 'reevaluate', 0 FROM sv_subjects WHERE subject_type = ? AND closed_at IS NULL"
                        " ON CONFLICT DO UPDATE SET due_at = 0",
                        ZT_T(stype))))
        return rc;
    a->queued = (int)zt_db_changes(db);
    return ZT_OK;
}

/* Offsets and limits are small integers; anything else in params is refused. */
static zt_err check_params(json_t *params, zt_error *e) {
    if (!json_is_object(params)) return zt_fail(e, ZT_EINVAL, "params", "params 须是 JSON 对象");
    const char *k;
    json_t *v;
    json_object_foreach(params, k, v) {
        char field[64];
        snprintf(field, sizeof field, "params.%.50s", k);
        if (!strcmp(k, "level")) return zt_fail(e, ZT_EINVAL, field, "规则的等级不能修改（它是监察卡身份的一部分）");
        if (!json_is_integer(v) || json_integer_value(v) < -30 || json_integer_value(v) > 365)
            return zt_fail(e, ZT_EINVAL, field, "参数 %s 须是 -30 到 365 之间的整数（工作日）", k);
    }
    return ZT_OK;
}

static zt_err h_change(zt_req *r, zt_error *e) {
    zt_app *app = zt_req_app(r);
    const zt_principal *p = zt_req_principal(r);
    /* the rules are the city's: its supervision office or an administrator */
    if ((p->role_bit & ZT_R_SUPERVISOR) && zt_region_prefix(p->region) != 4)
        return zt_fail(e, ZT_EFORBIDDEN, "id", "监察规则由市级监察机构维护");
    json_t *b;
    zt_err rc = zt_req_json(r, &b, e);
    if (rc) return rc;
    static const char *const keys[] = {"enabled", "priority", "region_scope", "confirm", "params", "reason", NULL};
    change_arg a = {.p = p, .id = zt_req_param(r, "id"), .enabled = -1, .priority = -1, .confirm = -1};
    int en, cf;
    if ((rc = zt_json_only(b, keys, e)) || (rc = zt_json_str(b, "reason", 1, 500, &a.reason, e)) ||
        (rc = zt_json_str(b, "region_scope", 0, 9, &a.scope, e)) ||
        (rc = zt_json_int(b, "priority", 0, 0, 1000, -1, &a.priority, e)))
        return rc;
    if (json_object_get(b, "enabled")) {
        if ((rc = zt_json_bool(b, "enabled", 1, &en, e))) return rc;
        a.enabled = en;
    }
    if (json_object_get(b, "confirm")) {
        if ((rc = zt_json_bool(b, "confirm", 0, &cf, e))) return rc;
        a.confirm = cf;
    }
    if (a.scope && *a.scope &&
        ((strlen(a.scope) != 6 && strlen(a.scope) != 9) || strspn(a.scope, "0123456789") != strlen(a.scope)))
        return zt_fail(e, ZT_EINVAL, "region_scope", "适用区划须为空（全市）或 6/9 位行政区划代码");
    a.params = json_object_get(b, "params");
    if (a.params && (rc = check_params(a.params, e))) return rc;
    if ((rc = zt_store_write(app->store, change_write, &a, e))) return rc;
    if ((rc = zt_sv_rules_reload(zt_store_reader(app->store), e))) return rc;
    zt_sv_ticker_poke();
    rc = rule_reply(r, a.id, e);
    return rc;
}

#define RULE_READERS (ZT_R_SUPERVISOR | ZT_R_ADMIN | ZT_R_AUDITOR)

static const zt_route routes[] = {
    {"GET", "/api/supervision/rules", h_list, RULE_READERS, "the supervision rules with their parameters"},
    {"GET", "/api/supervision/rules/{id}", h_get, RULE_READERS, "a rule and its versions"},
    {"PATCH", "/api/supervision/rules/{id}", h_change, ZT_R_SUPERVISOR | ZT_R_ADMIN,
     "change a rule (enabled, priority, region_scope, confirm, params, reason): a new version; open subjects "
     "re-evaluated"},
};

const zt_route *zt_sv_rule_routes(size_t *n) {
    *n = sizeof routes / sizeof routes[0];
    return routes;
}
