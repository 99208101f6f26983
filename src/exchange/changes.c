/* changes.c - the provider's system maintains its base database through
 * the exchange (POST /api/exchange/data/{dataset}/changes: records upserted,
 * keys deleted), and a mass change or deletion - more than
 * exchange.mass_percent % of the rows the dataset had at the start of the
 * last exchange.mass_window seconds, updated or deleted - raises an alert
 * (data/flows/dataset_change.json; the supervision kind dataset_change
 * cards it), which the data office closes once it has checked it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/idcheck.h"
#include "base/json.h"
#include "exchange/exchange_int.h"
#include "flow/registry.h"
#include "flow/step.h"
#include "http/access.h"
#include "ledger/record.h"
#include "store/query.h"

#define MAX_CHANGES 1000

/* --- the alert as a process instance -------------------------------------------- */

typedef struct alert_row {
    int64_t id, dept_id, updated_at;
    char number[32], state[16], dataset[32], dept[64], region[16];
} alert_row;

static zt_err alert_apply(zt_db *db, zt_flow_move *m, zt_error *e) {
    (void)db;
    const alert_row *ar = m->in->row;
    json_t *info =
        json_pack("{s:s,s:s,s:s,s:s,s:s,s:i}", "number", ar->number, "department", ar->dept, "region", ar->region,
                  "dataset", ar->dataset, "flow", "dataset_change", "flow_version", zt_flow_version(m->in->def));
    json_t *changed = json_object_get(m->fields, "changed"), *rows = json_object_get(m->fields, "rows");
    if (changed) json_object_set(info, "changed", changed);
    if (rows) json_object_set(info, "rows", rows);
    json_object_set_new(m->event, "dataset_change", info);
    return ZT_OK;
}

static const zt_flow_owner ALERT_OWNER = {
    .subject_type = "dataset_change", .table = "ex_change_alerts", .apply = alert_apply};

static zt_err alert_instance(const alert_row *ar, zt_flow_instance *in, zt_error *e) {
    const zt_flow *f = zt_flows_get("dataset_change", 0);
    if (!f) return zt_fail(e, ZT_EINTERNAL, NULL, "流程定义 dataset_change 未加载");
    *in = (zt_flow_instance){.owner = &ALERT_OWNER,
                             .def = f,
                             .row_id = ar->id,
                             .subject = ar->number,
                             .state = ar->state,
                             .updated_at = ar->updated_at,
                             .dept_code = ar->dept,
                             .region_code = ar->region,
                             .row = (void *)ar};
    return ZT_OK;
}

static zt_err load_alert(zt_db *db, const char *number, alert_row *ar, zt_error *e) {
    zt_stmt *st =
        zt_db_query(db, e,
                    "SELECT a.id, a.dept_id, a.updated_at, a.number, a.state, a.dataset, d.code, d.region_code"
                    " FROM ex_change_alerts a JOIN departments d ON d.id = a.dept_id WHERE a.number = ?",
                    ZT_T(number));
    if (!st) return ZT_EINTERNAL;
    zt_err rc = zt_step(st, e);
    if (rc != ZT_ROW) {
        zt_db_release(db);
        return zt_step_failed(rc) ? rc : zt_fail(e, ZT_ENOTFOUND, "number", "告警不存在");
    }
    *ar = (alert_row){.id = zt_col_int(st, 0), .dept_id = zt_col_int(st, 1), .updated_at = zt_col_int(st, 2)};
    snprintf(ar->number, sizeof ar->number, "%s", zt_col_text(st, 3));
    snprintf(ar->state, sizeof ar->state, "%s", zt_col_text(st, 4));
    snprintf(ar->dataset, sizeof ar->dataset, "%s", zt_col_text(st, 5));
    snprintf(ar->dept, sizeof ar->dept, "%s", zt_col_text(st, 6));
    snprintf(ar->region, sizeof ar->region, "%s", zt_col_text(st, 7));
    zt_db_release(db);
    return ZT_OK;
}

/* --- changes ------------------------------------------------------------------------ */

typedef struct {
    zt_app *app;
    const zt_principal *p;
    const ex_dataset *ds;
    json_t *upsert, *del;
    int64_t inserted, updated, deleted, rows;
    char alert[32];
} change_arg;

static int one_row_int(zt_db *db, const char *sql, zt_val v1, zt_val v2, int64_t *out, zt_error *e) {
    zt_stmt *st = zt_db_query(db, e, sql, v1, v2);
    if (!st) return -1;
    zt_err rc = zt_step(st, e);
    if (rc != ZT_ROW) return -1;
    *out = zt_col_int(st, 0);
    zt_db_release(db);
    return 0;
}

/* After the changes: more than mass_percent % of the rows at the window's
 * start updated or deleted within it, and no alert of the dataset open:
 * a new alert. */
static zt_err mass_check(zt_db *db, change_arg *a, int64_t now, zt_error *e) {
    const zt_config *cfg = a->app->cfg;
    int64_t from = now - cfg->ex_mass_window, changed, ins, del, open;
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", a->ds->table);
    zt_stmt *cs = zt_db_prepare(db, sql, e);
    if (!cs || zt_step(cs, e) != ZT_ROW) return ZT_EINTERNAL;
    a->rows = zt_col_int(cs, 0);
    zt_db_release(db);
    if (one_row_int(db,
                    "SELECT coalesce(sum(updated + deleted), 0) FROM ex_dataset_changes WHERE dataset = ? AND at > ?",
                    ZT_T(a->ds->name), ZT_I(from), &changed, e) ||
        one_row_int(db, "SELECT coalesce(sum(inserted), 0) FROM ex_dataset_changes WHERE dataset = ? AND at > ?",
                    ZT_T(a->ds->name), ZT_I(from), &ins, e) ||
        one_row_int(db, "SELECT coalesce(sum(deleted), 0) FROM ex_dataset_changes WHERE dataset = ? AND at > ?",
                    ZT_T(a->ds->name), ZT_I(from), &del, e) ||
        one_row_int(db, "SELECT count(*) FROM ex_change_alerts WHERE dataset = ? AND state = ?", ZT_T(a->ds->name),
                    ZT_T("alerted"), &open, e))
        return e->code ? e->code : ZT_EINTERNAL;
    int64_t base = a->rows - ins + del; /* the rows at the window's start */
    if (base < 0) base = 0;
    if (open || changed * 100 <= cfg->ex_mass_percent * (base > 0 ? base : 1)) return ZT_OK;
    alert_row ar = {.dept_id = a->p->dept_id, .updated_at = now};
    zt_err rc = zt_number_next(db, "SJBG", 6, ar.number, sizeof ar.number, e);
    if (rc) return rc;
    snprintf(ar.state, sizeof ar.state, "alerted");
    snprintf(ar.dataset, sizeof ar.dataset, "%s", a->ds->name);
    snprintf(ar.dept, sizeof ar.dept, "%s", a->p->dept_code ? a->p->dept_code : "");
    snprintf(ar.region, sizeof ar.region, "%s", a->p->dept_region ? a->p->dept_region : "");
    zt_stmt *st = zt_db_query(db, e,
                              "INSERT INTO ex_change_alerts (number, dataset, dept_id, state, created_at, updated_at)"
                              " VALUES (?, ?, ?, 'alerted', ?, ?) RETURNING id",
                              ZT_T(ar.number), ZT_T(ar.dataset), ZT_I(ar.dept_id), ZT_I(now), ZT_I(now));
    if (!st) return ZT_EINTERNAL;
    if ((rc = zt_step(st, e)) != ZT_ROW) return zt_step_failed(rc) ? rc : ZT_EINTERNAL;
    ar.id = zt_col_int(st, 0);
    zt_db_release(db);
    char detail[300];
    snprintf(detail, sizeof detail, "%lld 秒内修改和删除 %lld 条，时段开始时共 %lld 条（%.1f%%，阈值 %lld%%）",
             (long long)cfg->ex_mass_window, (long long)changed, (long long)base,
             base ? 100.0 * (double)changed / (double)base : 100.0, (long long)cfg->ex_mass_percent);
    json_t *f = json_pack("{s:I,s:I,s:s}", "changed", (json_int_t)changed, "rows", (json_int_t)base, "detail", detail);
    zt_flow_instance in;
    zt_flow_opts o = {.at = now};
    rc = alert_instance(&ar, &in, e);
    if (!rc) rc = zt_flow_create(db, &in, "alert", NULL, f, &o, e);
    json_decref(f);
    if (!rc) snprintf(a->alert, sizeof a->alert, "%s", ar.number);
    return rc;
}

static zt_err change_write(zt_db *db, void *arg, zt_error *e) {
    change_arg *a = arg;
    const ex_dataset *ds = a->ds;
    zt_stmt *st = zt_db_query(db, e, "SELECT count(*) FROM ex_resources WHERE dataset = ? AND dept_id = ?",
                              ZT_T(ds->name), ZT_I(a->p->dept_id));
    if (!st) return ZT_EINTERNAL;
    int mine = zt_step(st, e) == ZT_ROW && zt_col_int(st, 0) > 0;
    zt_db_release(db);
    if (!mine) return zt_fail(e, ZT_EFORBIDDEN, "dataset", "只有该基础数据集的提供部门可以维护它");
    int64_t now = zt_now();
    /* INSERT ... ON CONFLICT (key) DO UPDATE SET every column */
    char cols[512] = "", marks[128] = "", sets[1024] = "";
    size_t nc = 0;
    for (const char *const *c = ds->columns; *c; c++, nc++) {
        size_t l = strlen(cols), m = strlen(marks), s = strlen(sets);
        snprintf(cols + l, sizeof cols - l, "%s%s", nc ? ", " : "", *c);
        snprintf(marks + m, sizeof marks - m, "%s?", nc ? ", " : "");
        if (strcmp(*c, ds->key)) snprintf(sets + s, sizeof sets - s, "%s%s = excluded.%s", *sets ? ", " : "", *c, *c);
    }
    char upsert[2048], exists[160], del[160];
    snprintf(upsert, sizeof upsert,
             "INSERT INTO %s (%s, updated_at) VALUES (%s, ?) ON CONFLICT (%s) DO UPDATE SET %s, updated_at ="
             " excluded.updated_at",
             ds->table, cols, marks, ds->key, sets);
    snprintf(exists, sizeof exists, "SELECT count(*) FROM %s WHERE %s = ?", ds->table, ds->key);
    snprintf(del, sizeof del, "DELETE FROM %s WHERE %s = ?", ds->table, ds->key);
    size_t i;
    json_t *v;
    json_array_foreach(a->upsert, i, v) {
        const char *key = json_string_value(json_object_get(v, ds->key));
        st = zt_db_query(db, e, exists, ZT_T(key));
        if (!st) return ZT_EINTERNAL;
        int64_t had = zt_step(st, e) == ZT_ROW ? zt_col_int(st, 0) : 0;
        zt_db_release(db);
        if (!(st = zt_db_prepare(db, upsert, e))) return ZT_EINTERNAL;
        int k = 1;
        for (const char *const *c = ds->columns; *c; c++, k++) {
            json_t *x = json_object_get(v, *c);
            if (json_is_integer(x))
                zt_bind_int(st, k, json_integer_value(x));
            else
                zt_bind_text(st, k, json_string_value(x));
        }
        zt_bind_int(st, k, now);
        zt_err rc = zt_step_done(st, e);
        if (rc) return rc;
        if (had)
            a->updated++;
        else
            a->inserted++;
    }
    json_array_foreach(a->del, i, v) {
        zt_err rc = zt_db_run(db, e, del, ZT_T(json_string_value(v)));
        if (rc) return rc;
        a->deleted += zt_db_changes(db);
    }
    zt_err rc = zt_db_run(db, e,
                          "INSERT INTO ex_dataset_changes (dataset, dept_id, at, inserted, updated, deleted)"
                          " VALUES (?, ?, ?, ?, ?, ?)",
                          ZT_T(ds->name), ZT_I(a->p->dept_id), ZT_I(now), ZT_I(a->inserted), ZT_I(a->updated),
                          ZT_I(a->deleted));
    if (rc) return rc;
    json_t *d = json_pack("{s:I,s:I,s:I}", "inserted", (json_int_t)a->inserted, "updated", (json_int_t)a->updated,
                          "deleted", (json_int_t)a->deleted);
    rc = zt_record(db, a->p, "dataset.change", "dataset", ds->name, 0, d, e);
    json_decref(d);
    return rc ? rc : mass_check(db, a, now, e);
}

/* A record of the dataset as the provider sends it: every column, text
 * (capital: an integer), the key valid (GB 11643 / GB 32100). */
static zt_err check_record(const ex_dataset *ds, json_t *v, size_t i, zt_error *e) {
    if (!json_is_object(v)) return zt_fail(e, ZT_EINVAL, "upsert", "第 %zu 条记录须是对象", i + 1);
    size_t n = 0;
    for (const char *const *c = ds->columns; *c; c++, n++) {
        json_t *x = json_object_get(v, *c);
        int ok = !strcmp(*c, "capital") ? json_is_integer(x) && json_integer_value(x) >= 0
                                        : json_is_string(x) && strlen(json_string_value(x)) <= 400;
        if (!ok) return zt_fail(e, ZT_EINVAL, "upsert", "第 %zu 条记录的 %s 缺少或不正确", i + 1, *c);
    }
    if (json_object_size(v) != n) return zt_fail(e, ZT_EINVAL, "upsert", "第 %zu 条记录有数据集之外的字段", i + 1);
    const char *key = json_string_value(json_object_get(v, ds->key));
    if (!(!strcmp(ds->name, "persons") ? zt_idnum_valid(key, NULL) : zt_uscc_valid(key, NULL)))
        return zt_fail(e, ZT_EINVAL, "upsert", "第 %zu 条记录的 %s 校验不通过", i + 1, ds->key);
    return ZT_OK;
}

/* POST /api/exchange/data/{dataset}/changes {upsert: [records], delete: [keys]} */
static zt_err h_changes(zt_req *r, zt_error *e) {
    change_arg a = {.app = zt_app_of(r), .p = zt_req_principal(r), .ds = ex_dataset_get(zt_req_param(r, "dataset"))};
    if (!a.ds) return zt_fail(e, ZT_ENOTFOUND, "dataset", "没有该基础数据集");
    json_t *b;
    zt_err rc = zt_req_json(r, &b, e);
    if (!rc) rc = zt_json_only(b, (const char *const[]){"upsert", "delete", NULL}, e);
    if (rc) return rc;
    a.upsert = json_object_get(b, "upsert");
    a.del = json_object_get(b, "delete");
    if (!a.upsert)
        a.upsert = json_array();
    else
        json_incref(a.upsert);
    if (!a.del)
        a.del = json_array();
    else
        json_incref(a.del);
    size_t i;
    json_t *v;
    if (!json_is_array(a.upsert) || !json_is_array(a.del))
        rc = zt_fail(e, ZT_EINVAL, json_is_array(a.upsert) ? "delete" : "upsert", "upsert 和 delete 须是数组");
    else if (json_array_size(a.upsert) + json_array_size(a.del) > MAX_CHANGES)
        rc = zt_fail(e, ZT_ETOOLARGE, "upsert", "一次最多 %d 条变更", MAX_CHANGES);
    json_array_foreach(a.upsert, i, v) if (!rc) rc = check_record(a.ds, v, i, e);
    json_array_foreach(a.del, i, v) if (!rc && (!json_is_string(v) || strlen(json_string_value(v)) > 64)) rc =
        zt_fail(e, ZT_EINVAL, "delete", "第 %zu 个删除项须是记录标识", i + 1);
    if (!rc) rc = zt_store_write(a.app->store, change_write, &a, e);
    json_decref(a.upsert);
    json_decref(a.del);
    if (rc) return rc;
    zt_reply_json(r, 200,
                  json_pack("{s:I,s:I,s:I,s:I,s:o}", "inserted", (json_int_t)a.inserted, "updated",
                            (json_int_t)a.updated, "deleted", (json_int_t)a.deleted, "rows", (json_int_t)a.rows,
                            "alert", *a.alert ? json_string(a.alert) : json_null()));
    return ZT_OK;
}

/* --- the alerts' views -------------------------------------------------------------- */

static int may_see(const zt_principal *p, int64_t dept_id) {
    return (p->role_bit & (ZT_R_DATA | ZT_R_ADMIN | ZT_R_SUPERVISOR | ZT_R_AUDITOR)) || p->dept_id == dept_id;
}

#define ALERT_COLS "a.id, a.number, a.dataset, a.state, a.created_at, a.updated_at, d.code, d.name, a.dept_id"
#define ALERT_FROM "ex_change_alerts a JOIN departments d ON d.id = a.dept_id"

static json_t *alert_json(zt_stmt *st) {
    return json_pack("{s:I,s:s,s:s,s:s,s:o,s:o,s:s,s:s}", "id", (json_int_t)zt_col_int(st, 0), "number",
                     zt_col_text(st, 1), "dataset", zt_col_text(st, 2), "state", zt_col_text(st, 3), "created_at",
                     zt_col_json_time(st, 4), "updated_at", zt_col_json_time(st, 5), "department", zt_col_text(st, 6),
                     "department_name", zt_col_text(st, 7));
}

static zt_err reply_alert(zt_req *r, const char *number, zt_error *e) {
    zt_db *db = zt_store_reader(zt_app_of(r)->store);
    zt_stmt *st = zt_db_query(db, e, "SELECT " ALERT_COLS " FROM " ALERT_FROM " WHERE a.number = ?", ZT_T(number));
    if (!st) return ZT_EINTERNAL;
    if (zt_step(st, e) != ZT_ROW || !may_see(zt_req_principal(r), zt_col_int(st, 8)))
        return zt_fail(e, ZT_ENOTFOUND, "number", "告警不存在");
    json_t *o = alert_json(st);
    zt_db_release(db);
    json_t *events = ex_history(db, "dataset_change", number, e);
    if (!events) {
        json_decref(o);
        return ZT_EINTERNAL;
    }
    json_object_set_new(o, "events", events);
    zt_reply_json(r, 200, o);
    return ZT_OK;
}

static zt_err h_alert(zt_req *r, zt_error *e) { return reply_alert(r, zt_req_param(r, "number"), e); }

typedef struct {
    json_t *items;
} list_ctx;

static void alert_row_fn(zt_stmt *st, void *ctx) { json_array_append_new(((list_ctx *)ctx)->items, alert_json(st)); }

/* GET /api/exchange/alerts?state=: the mass-change alerts (the provider's own; the data office all) */
static zt_err h_alerts(zt_req *r, zt_error *e) {
    const zt_principal *p = zt_req_principal(r);
    zt_qb f;
    zt_qb_init(&f, zt_req_arena(r), "1 = 1");
    if (!may_see(p, -1)) {
        zt_qb_sql(&f, " AND a.dept_id = ?");
        zt_qb_int(&f, p->dept_id ? p->dept_id : -1);
    }
    const char *state = zt_req_query(r, "state");
    if (state && *state) {
        zt_qb_sql(&f, " AND a.state = ?");
        zt_qb_text(&f, state);
    }
    int64_t limit, offset, total;
    zt_err rc = zt_req_page(r, &limit, &offset, e);
    if (rc) return rc;
    list_ctx l = {json_array()};
    rc = zt_qb_list(zt_store_reader(zt_app_of(r)->store), &f, ALERT_COLS, ALERT_FROM, "ORDER BY a.id DESC", limit,
                    offset, alert_row_fn, &l, &total, e);
    if (rc) {
        json_decref(l.items);
        return rc;
    }
    zt_reply_json(r, 200, zt_page_json(l.items, total, limit, offset));
    return ZT_OK;
}

typedef struct {
    const zt_principal *p;
    const char *number;
    json_t *fields;
} close_arg;

static zt_err close_write(zt_db *db, void *arg, zt_error *e) {
    close_arg *a = arg;
    alert_row ar;
    zt_err rc = load_alert(db, a->number, &ar, e);
    zt_flow_instance in;
    if (!rc) rc = alert_instance(&ar, &in, e);
    if (!rc) rc = zt_flow_step(db, &in, "close", a->p, a->fields, NULL, e);
    return rc;
}

/* POST /api/exchange/alerts/{number}/close {note} */
static zt_err h_close(zt_req *r, zt_error *e) {
    close_arg a = {zt_req_principal(r), zt_req_param(r, "number"), NULL};
    zt_err rc = zt_req_json(r, &a.fields, e);
    if (!rc) rc = zt_store_write(zt_app_of(r)->store, close_write, &a, e);
    return rc ? rc : reply_alert(r, a.number, e);
}

#define ALERT_READERS (ZT_R_CLERK | ZT_R_DEPT_HEAD | ZT_R_DATA | ZT_R_ADMIN | ZT_R_SUPERVISOR | ZT_R_AUDITOR)

static const zt_route routes[] = {
    {"POST", "/api/exchange/data/{dataset}/changes", h_changes, ZT_R_SYSTEM,
     "the provider's system maintains its base database: {upsert: [records], delete: [keys]}, at most 1000"},
    {"GET", "/api/exchange/alerts", h_alerts, ALERT_READERS,
     "mass-change alerts of the base databases (?state, paged)"},
    {"GET", "/api/exchange/alerts/{number}", h_alert, ALERT_READERS, "a mass-change alert and its steps"},
    {"POST", "/api/exchange/alerts/{number}/close", h_close, ZT_R_DATA,
     "the data office closes a mass-change alert it checked: {note}"},
};

const zt_route *ex_changes_routes(size_t *n) {
    *n = sizeof routes / sizeof routes[0];
    return routes;
}
