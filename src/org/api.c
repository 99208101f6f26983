/* api.c - HTTP handlers of org/: regions, departments, halls, windows.
 * The directory is public (the portal shows it); changes are for
 * administrators, except a department's own contact data and windows,
 * which its head may keep. Retiring keeps the row (cases refer to it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "base/clock.h"
#include "base/json.h"
#include "ledger/record.h"
#include "org/org.h"
#include "store/query.h"

static zt_app *APP(zt_req *r) { return zt_req_app(r); }

static void list_row(zt_stmt *st, void *ctx);

typedef struct {
    json_t *items;
    json_t *(*fn)(zt_stmt *st);
} rows_ctx;

static void list_row(zt_stmt *st, void *ctx) {
    rows_ctx *c = ctx;
    json_array_append_new(c->items, c->fn(st));
}

/* Run the list and reply with a page. */
static zt_err reply_list(zt_req *r, zt_qb *f, const char *cols, const char *from, const char *order,
                         json_t *(*fn)(zt_stmt *), zt_error *e) {
    int64_t limit, offset, total;
    zt_err rc = zt_req_page(r, &limit, &offset, e);
    if (rc) return rc;
    rows_ctx c = {json_array(), fn};
    rc = zt_qb_list(zt_store_reader(APP(r)->store), f, cols, from, order, limit, offset, list_row, &c, &total, e);
    if (rc) {
        json_decref(c.items);
        return rc;
    }
    zt_reply_json(r, 200, zt_page_json(c.items, total, limit, offset));
    return ZT_OK;
}

/* Filters every list shares: ?q= over the given columns, ?retired=1 to
 * include retired rows (active only by default). */
static void common_filters(zt_req *r, zt_qb *f, const char *table, const char *const *search_cols) {
    const char *q = zt_req_query(r, "q"), *retired = zt_req_query(r, "retired");
    if (!retired || strcmp(retired, "1") != 0) {
        zt_qb_sql(f, " AND ");
        zt_qb_sql(f, table);
        zt_qb_sql(f, ".retired_at IS NULL");
    }
    if (q && *q) zt_qb_search(f, q, search_cols);
}

/* Audit inside a write, with the actor from the request. */
static zt_err audit_id(zt_db *db, const zt_principal *p, const char *action, const char *type, int64_t id,
                       const char *code, json_t *detail, zt_error *e) {
    char idtext[32];
    if (code)
        snprintf(idtext, sizeof idtext, "%s", code);
    else
        snprintf(idtext, sizeof idtext, "%lld", (long long)id);
    zt_err rc = zt_record(db, p, action, type, idtext, 0, detail, e);
    json_decref(detail);
    return rc;
}

/* One generic write: run an UPDATE/INSERT prepared by the handler. */
typedef struct {
    const zt_principal *p;
    zt_qb q;
    const char *action, *type, *code;
    int64_t id;
    json_t *detail;
    const char *check_sql; /* optional: must return a row with 0 or the 409 message in check_msg */
    const char *check_msg;
    const char *notfound;
    int renamed; /* a department's name was set: the rename hook runs */
} write_arg;

static zt_dept_renamed_fn on_dept_renamed;
void zt_org_on_dept_renamed(zt_dept_renamed_fn fn) { on_dept_renamed = fn; }

static zt_err run_write(zt_db *db, void *arg, zt_error *e) {
    write_arg *w = arg;
    if (w->check_sql) {
        zt_stmt *st = zt_db_prepare(db, w->check_sql, e);
        if (!st) return ZT_EINTERNAL;
        if (w->code)
            zt_bind_text(st, 1, w->code);
        else
            zt_bind_int(st, 1, w->id);
        if (zt_step(st, e) == ZT_ROW && zt_col_int(st, 0) > 0)
            return zt_fail(e, ZT_ECONFLICT, "id", "%s", w->check_msg);
    }
    zt_stmt *st = zt_qb_prepare(&w->q, db, e);
    if (!st) return ZT_EINTERNAL;
    zt_err rc = zt_step(st, e);
    if (rc == ZT_ECONFLICT) return zt_fail(e, ZT_ECONFLICT, "code", "代码或名称与已有记录重复");
    if (zt_step_failed(rc)) return rc;
    if (rc == ZT_ROW)
        w->id = zt_col_int(st, 0); /* RETURNING id */
    else if (zt_db_changes(db) == 0)
        return zt_fail(e, ZT_ENOTFOUND, "id", "%s", w->notfound);
    zt_db_release(db);
    zt_err arc = audit_id(db, w->p, w->action, w->type, w->id, w->code, w->detail, e);
    w->detail = NULL;
    if (!arc && w->renamed && on_dept_renamed) arc = on_dept_renamed(db, w->id, e);
    return arc;
}

static zt_err do_write(zt_req *r, write_arg *w, zt_error *e) {
    w->p = zt_req_principal(r);
    if (!w->detail) {
        json_t *b;
        w->detail = zt_req_json(r, &b, NULL) == ZT_OK ? json_deep_copy(b) : json_object();
    }
    zt_err rc = zt_store_write(APP(r)->store, run_write, w, e);
    json_decref(w->detail);
    return rc;
}

/* Validate the optional text fields of a body into the builder:
 * ", col = ?" for each given (max chars each). */
typedef struct {
    const char *key;
    size_t max;
    int required;
} field;

static zt_err take_fields(json_t *b, const field *fs, const char **vals, zt_error *e) {
    for (int i = 0; fs[i].key; i++) {
        zt_err rc = zt_json_str(b, fs[i].key, fs[i].required, fs[i].max, &vals[i], e);
        if (rc) return rc;
    }
    return ZT_OK;
}

static zt_err only_fields(json_t *b, const field *fs, zt_error *e) {
    const char *allowed[16];
    int n = 0;
    for (; fs[n].key && n < 15; n++) allowed[n] = fs[n].key;
    allowed[n] = NULL;
    return zt_json_only(b, allowed, e);
}

static void set_fields(zt_qb *q, const field *fs, const char **vals) {
    for (int i = 0; fs[i].key; i++)
        if (vals[i]) {
            zt_qb_sql(q, ", ");
            zt_qb_sql(q, fs[i].key);
            zt_qb_sql(q, " = ?");
            zt_qb_text(q, vals[i]);
        }
}

/* --- regions --- */

#define REGION_COLS "r.code, r.name, r.level, coalesce(r.parent_code, ''), r.retired_at"

static json_t *region_json(zt_stmt *st) {
    static const char *levels[] = {"", "city", "county", "township"};
    int64_t level = zt_col_int(st, 2);
    return json_pack("{s:s,s:s,s:I,s:s,s:s,s:o}", "code", zt_col_text(st, 0), "name", zt_col_text(st, 1), "level",
                     (json_int_t)level, "level_name", level >= 1 && level <= 3 ? levels[level] : "", "parent_code",
                     zt_col_text(st, 3), "retired_at", zt_col_json_time(st, 4));
}

static zt_err h_regions(zt_req *r, zt_error *e) {
    zt_qb f;
    zt_qb_init(&f, zt_req_arena(r), "1 = 1");
    common_filters(r, &f, "r", (const char *const[]){"r.name", "r.code", NULL});
    const char *parent = zt_req_query(r, "parent"), *level = zt_req_query(r, "level");
    if (parent && *parent) {
        zt_qb_sql(&f, " AND r.parent_code = ?");
        zt_qb_text(&f, parent);
    }
    if (level && *level) {
        int64_t lv;
        zt_err rc = zt_req_query_int(r, "level", 0, 1, 3, &lv, e);
        if (rc) return rc;
        zt_qb_sql(&f, " AND r.level = ?");
        zt_qb_int(&f, lv);
    }
    return reply_list(r, &f, REGION_COLS, "regions r", "ORDER BY r.code", region_json, e);
}

static zt_err region_reply(zt_req *r, const char *code, int status, zt_error *e) {
    zt_stmt *st =
        zt_db_prepare(zt_store_reader(APP(r)->store), "SELECT " REGION_COLS " FROM regions r WHERE code = ?", e);
    if (!st) return ZT_EINTERNAL;
    zt_bind_text(st, 1, code);
    if (zt_step(st, e) != ZT_ROW) return zt_fail(e, ZT_ENOTFOUND, "code", "行政区划不存在");
    zt_reply_json(r, status, region_json(st));
    return ZT_OK;
}

static zt_err h_region_get(zt_req *r, zt_error *e) { return region_reply(r, zt_req_param(r, "code"), 200, e); }

/* GET /api/regions/tree: city -> counties -> townships; ?departments=1
 * nests each region's active departments too. */
static zt_err h_region_tree(zt_req *r, zt_error *e) {
    zt_db *db = zt_store_reader(APP(r)->store);
    const char *dq = zt_req_query(r, "departments");
    int with_depts = dq && strcmp(dq, "1") == 0;
    json_t *by_code = json_object(), *roots = json_array();
    zt_stmt *st = zt_db_prepare(
        db, "SELECT " REGION_COLS " FROM regions r WHERE r.retired_at IS NULL ORDER BY r.level, r.code", e);
    if (!st) return ZT_EINTERNAL;
    zt_err rc;
    while ((rc = zt_step(st, e)) == ZT_ROW) {
        json_t *node = region_json(st);
        json_object_set_new(node, "children", json_array());
        if (with_depts) json_object_set_new(node, "departments", json_array());
        json_t *parent = json_object_get(by_code, zt_col_text(st, 3));
        json_array_append(parent ? json_object_get(parent, "children") : roots, node);
        json_object_set_new(by_code, zt_col_text(st, 0), node);
    }
    if (rc == ZT_DONE && with_depts) {
        st = zt_db_prepare(
            db, "SELECT id, code, name, short_name, region_code FROM departments WHERE retired_at IS NULL ORDER BY id",
            e);
        if (!st) rc = ZT_EINTERNAL;
        while (st && (rc = zt_step(st, e)) == ZT_ROW) {
            json_t *reg = json_object_get(by_code, zt_col_text(st, 4));
            if (reg)
                json_array_append_new(json_object_get(reg, "departments"),
                                      json_pack("{s:I,s:s,s:s,s:s}", "id", (json_int_t)zt_col_int(st, 0), "code",
                                                zt_col_text(st, 1), "name", zt_col_text(st, 2), "short_name",
                                                zt_col_text(st, 3)));
        }
    }
    json_decref(by_code);
    if (zt_step_failed(rc)) {
        json_decref(roots);
        return rc;
    }
    zt_reply_json(r, 200, json_pack("{s:o}", "items", roots));
    return ZT_OK;
}

static zt_err h_region_create(zt_req *r, zt_error *e) {
    static const field fs[] = {{"code", 9, 1}, {"name", 64, 1}, {"parent_code", 9, 1}, {0}};
    const char *v[3];
    json_t *b;
    zt_err rc = zt_req_json(r, &b, e);
    if (!rc) rc = only_fields(b, fs, e);
    if (!rc) rc = take_fields(b, fs, v, e);
    if (rc) return rc;
    size_t len = strlen(v[0]), plen = strlen(v[2]);
    if ((len != 6 && len != 9) || strspn(v[0], "0123456789") != len)
        return zt_fail(e, ZT_EINVAL, "code", "行政区划代码须为 6 位（县级）或 9 位（乡级）数字");
    /* a county's code shares the city's first 4 digits, a township's the county's 6 */
    if (!(len == 6 && plen == 6 && strncmp(v[0], v[2], 4) == 0 && strcmp(v[0], v[2])) &&
        !(len == 9 && plen == 6 && strncmp(v[0], v[2], 6) == 0))
        return zt_fail(e, ZT_EINVAL, "code", "代码 %s 不在上级区划 %s 之下（GB/T 2260）", v[0], v[2]);
    write_arg w = {.action = "region.create", .type = "region", .code = v[0], .notfound = "上级区划不存在或已撤销"};
    zt_qb_init(&w.q, zt_req_arena(r),
               "INSERT INTO regions (code, name, level, parent_code, created_at, updated_at)"
               " SELECT ?, ?, p.level + 1, p.code, ?, ? FROM regions p WHERE p.code = ? AND p.retired_at IS NULL"
               " AND p.level < 3");
    zt_qb_text(&w.q, v[0]);
    zt_qb_text(&w.q, v[1]);
    zt_qb_int(&w.q, zt_now());
    zt_qb_int(&w.q, zt_now());
    zt_qb_text(&w.q, v[2]);
    if ((rc = do_write(r, &w, e))) {
        if (rc == ZT_ENOTFOUND) snprintf(e->field, sizeof e->field, "parent_code"), e->code = rc = ZT_EINVAL;
        return rc;
    }
    return region_reply(r, v[0], 201, e);
}

static zt_err h_region_patch(zt_req *r, zt_error *e) {
    static const field fs[] = {{"name", 64, 0}, {0}};
    const char *v[1];
    json_t *b;
    zt_err rc = zt_req_json(r, &b, e);
    if (!rc) rc = only_fields(b, fs, e);
    if (!rc) rc = take_fields(b, fs, v, e);
    if (rc) return rc;
    write_arg w = {
        .action = "region.update", .type = "region", .code = zt_req_param(r, "code"), .notfound = "行政区划不存在"};
    zt_qb_init(&w.q, zt_req_arena(r), "UPDATE regions SET updated_at = ?");
    zt_qb_int(&w.q, zt_now());
    set_fields(&w.q, fs, v);
    zt_qb_sql(&w.q, " WHERE code = ?");
    zt_qb_text(&w.q, w.code);
    if ((rc = do_write(r, &w, e))) return rc;
    return h_region_get(r, e);
}

static zt_err h_region_retire(zt_req *r, zt_error *e) {
    write_arg w = {.action = "region.retire",
                   .type = "region",
                   .code = zt_req_param(r, "code"),
                   .notfound = "行政区划不存在或已撤销",
                   .check_sql = "SELECT (SELECT count(*) FROM regions WHERE parent_code = ?1 AND retired_at IS NULL) +"
                                " (SELECT count(*) FROM departments WHERE region_code = ?1 AND retired_at IS NULL)",
                   .check_msg = "该区划下还有未撤销的下级区划或部门，不能撤销"};
    zt_qb_init(&w.q, zt_req_arena(r),
               "UPDATE regions SET retired_at = ?, updated_at = ? WHERE code = ? AND retired_at IS NULL");
    zt_qb_int(&w.q, zt_now());
    zt_qb_int(&w.q, zt_now());
    zt_qb_text(&w.q, w.code);
    zt_err rc = do_write(r, &w, e);
    if (rc) return rc;
    return h_region_get(r, e);
}

/* --- departments --- */

#define DEPT_COLS "d.id, d.code, d.name, d.short_name, d.region_code, rg.name, d.kind, d.phone, d.address, d.retired_at"
#define DEPT_FROM "departments d JOIN regions rg ON rg.code = d.region_code"

static json_t *dept_json(zt_stmt *st) {
    return json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:o}", "id", (json_int_t)zt_col_int(st, 0), "code",
                     zt_col_text(st, 1), "name", zt_col_text(st, 2), "short_name", zt_col_text(st, 3), "region_code",
                     zt_col_text(st, 4), "region_name", zt_col_text(st, 5), "kind", zt_col_text(st, 6), "phone",
                     zt_col_text(st, 7), "address", zt_col_text(st, 8), "retired_at", zt_col_json_time(st, 9));
}

static zt_err h_depts(zt_req *r, zt_error *e) {
    zt_qb f;
    zt_qb_init(&f, zt_req_arena(r), "1 = 1");
    common_filters(r, &f, "d", (const char *const[]){"d.name", "d.short_name", "d.code", NULL});
    const char *region = zt_req_query(r, "region"), *kind = zt_req_query(r, "kind");
    if (region && *region) { /* the region and everything below it */
        zt_qb_region(&f, "d.region_code", region);
    }
    if (kind && *kind) {
        zt_qb_sql(&f, " AND d.kind = ?");
        zt_qb_text(&f, kind);
    }
    return reply_list(r, &f, DEPT_COLS, DEPT_FROM, "ORDER BY d.region_code, d.id", dept_json, e);
}

static zt_err h_dept_get(zt_req *r, zt_error *e) {
    int64_t id;
    zt_err rc = zt_req_param_id(r, "id", &id, e);
    if (rc) return rc;
    zt_stmt *st =
        zt_db_prepare(zt_store_reader(APP(r)->store), "SELECT " DEPT_COLS " FROM " DEPT_FROM " WHERE d.id = ?", e);
    if (!st) return ZT_EINTERNAL;
    zt_bind_int(st, 1, id);
    if (zt_step(st, e) != ZT_ROW) return zt_fail(e, ZT_ENOTFOUND, "id", "部门不存在");
    zt_reply_json(r, 200, dept_json(st));
    return ZT_OK;
}

static const char *const DEPT_KINDS[] = {"bureau", "committee", "office", "centre", NULL};

static zt_err check_kind(const char *kind, zt_error *e) {
    if (!kind) return ZT_OK;
    for (const char *const *k = DEPT_KINDS; *k; k++)
        if (strcmp(*k, kind) == 0) return ZT_OK;
    return zt_fail(e, ZT_EINVAL, "kind", "部门类型须为 bureau、committee、office 或 centre");
}

static zt_err h_dept_create(zt_req *r, zt_error *e) {
    static const field fs[] = {{"code", ZT_DEPT_CODE_MAX, 1},
                               {"name", ZT_DEPT_NAME_MAX, 1},
                               {"region_code", 9, 1},
                               {"short_name", 32, 0},
                               {"kind", 16, 0},
                               {"phone", 32, 0},
                               {"address", 128, 0},
                               {0}};
    const char *v[7];
    json_t *b;
    zt_err rc = zt_req_json(r, &b, e);
    if (!rc) rc = only_fields(b, fs, e);
    if (!rc) rc = take_fields(b, fs, v, e);
    if (!rc) rc = check_kind(v[4], e);
    if (rc) return rc;
    write_arg w = {.action = "department.create", .type = "department", .notfound = "行政区划不存在或已撤销"};
    zt_qb_init(&w.q, zt_req_arena(r),
               "INSERT INTO departments (code, name, region_code, short_name, kind, phone, address, created_at,"
               " updated_at) SELECT ?, ?, code, ?, ?, ?, ?, ?, ? FROM regions WHERE code = ? AND retired_at IS NULL"
               " RETURNING id");
    zt_qb_text(&w.q, v[0]);
    zt_qb_text(&w.q, v[1]);
    zt_qb_text(&w.q, v[3] ? v[3] : "");
    zt_qb_text(&w.q, v[4] ? v[4] : "bureau");
    zt_qb_text(&w.q, v[5] ? v[5] : "");
    zt_qb_text(&w.q, v[6] ? v[6] : "");
    zt_qb_int(&w.q, zt_now());
    zt_qb_int(&w.q, zt_now());
    zt_qb_text(&w.q, v[2]);
    if ((rc = do_write(r, &w, e))) {
        if (rc == ZT_ENOTFOUND) e->code = rc = ZT_EINVAL, snprintf(e->field, sizeof e->field, "region_code");
        return rc;
    }
    zt_stmt *st =
        zt_db_prepare(zt_store_reader(APP(r)->store), "SELECT " DEPT_COLS " FROM " DEPT_FROM " WHERE d.id = ?", e);
    if (!st) return ZT_EINTERNAL;
    zt_bind_int(st, 1, w.id);
    if (zt_step(st, e) != ZT_ROW) return ZT_EINTERNAL;
    zt_reply_json(r, 201, dept_json(st));
    return ZT_OK;
}

/* Administrators change everything; a department head only the contact
 * fields of his own department. */
static zt_err h_dept_patch(zt_req *r, zt_error *e) {
    static const field fs[] = {{"name", ZT_DEPT_NAME_MAX, 0},
                               {"short_name", 32, 0},
                               {"kind", 16, 0},
                               {"phone", 32, 0},
                               {"address", 128, 0},
                               {0}};
    const char *v[5];
    const zt_principal *p = zt_req_principal(r);
    int64_t id;
    json_t *b;
    zt_err rc = zt_req_param_id(r, "id", &id, e);
    if (!rc) rc = zt_req_json(r, &b, e);
    if (!rc) rc = only_fields(b, fs, e);
    if (!rc) rc = take_fields(b, fs, v, e);
    if (!rc) rc = check_kind(v[2], e);
    if (rc) return rc;
    if (!zt_scope_dept_write(p, id)) return zt_fail(e, ZT_EFORBIDDEN, "id", "无权修改其他部门的信息");
    if (!(p->role_bit & ZT_R_ADMIN) && (v[0] || v[1] || v[2]))
        return zt_fail(e, ZT_EFORBIDDEN,
                       v[0]   ? "name"
                       : v[1] ? "short_name"
                              : "kind",
                       "部门名称和类型只能由系统管理员修改");
    write_arg w = {.action = "department.update",
                   .type = "department",
                   .id = id,
                   .notfound = "部门不存在",
                   .renamed = v[0] != NULL};
    zt_qb_init(&w.q, zt_req_arena(r), "UPDATE departments SET updated_at = ?");
    zt_qb_int(&w.q, zt_now());
    set_fields(&w.q, fs, v);
    zt_qb_sql(&w.q, " WHERE id = ?");
    zt_qb_int(&w.q, id);
    if ((rc = do_write(r, &w, e))) return rc;
    return h_dept_get(r, e);
}

static zt_err h_dept_retire(zt_req *r, zt_error *e) {
    int64_t id;
    zt_err rc = zt_req_param_id(r, "id", &id, e);
    if (rc) return rc;
    write_arg w = {.action = "department.retire",
                   .type = "department",
                   .id = id,
                   .notfound = "部门不存在或已撤销",
                   .check_sql = "SELECT (SELECT count(*) FROM users WHERE dept_id = ?1 AND disabled = 0) +"
                                " (SELECT count(*) FROM windows WHERE dept_id = ?1 AND retired_at IS NULL)",
                   .check_msg = "该部门还有在用的账户或窗口，请先调整后再撤销"};
    zt_qb_init(&w.q, zt_req_arena(r),
               "UPDATE departments SET retired_at = ?, updated_at = ? WHERE id = ? AND retired_at IS NULL");
    zt_qb_int(&w.q, zt_now());
    zt_qb_int(&w.q, zt_now());
    zt_qb_int(&w.q, id);
    if ((rc = do_write(r, &w, e))) return rc;
    return h_dept_get(r, e);
}

/* --- halls and windows --- */

#define HALL_COLS "h.id, h.name, h.region_code, rg.name, h.address, h.hours, h.phone, h.retired_at"
#define HALL_FROM "halls h JOIN regions rg ON rg.code = h.region_code"

static json_t *hall_json(zt_stmt *st) {
    return json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:o}", "id", (json_int_t)zt_col_int(st, 0), "name",
                     zt_col_text(st, 1), "region_code", zt_col_text(st, 2), "region_name", zt_col_text(st, 3),
                     "address", zt_col_text(st, 4), "hours", zt_col_text(st, 5), "phone", zt_col_text(st, 6),
                     "retired_at", zt_col_json_time(st, 7));
}

#define WINDOW_COLS "w.id, w.hall_id, h.name, w.number, w.name, w.dept_id, d.name, w.retired_at"
#define WINDOW_FROM "windows w JOIN halls h ON h.id = w.hall_id JOIN departments d ON d.id = w.dept_id"

static json_t *window_json(zt_stmt *st) {
    return json_pack("{s:I,s:I,s:s,s:I,s:s,s:I,s:s,s:o}", "id", (json_int_t)zt_col_int(st, 0), "hall_id",
                     (json_int_t)zt_col_int(st, 1), "hall_name", zt_col_text(st, 2), "number",
                     (json_int_t)zt_col_int(st, 3), "name", zt_col_text(st, 4), "dept_id",
                     (json_int_t)zt_col_int(st, 5), "dept_name", zt_col_text(st, 6), "retired_at",
                     zt_col_json_time(st, 7));
}

static zt_err window_reply(zt_req *r, int64_t id, int status, zt_error *e) {
    zt_stmt *st =
        zt_db_prepare(zt_store_reader(APP(r)->store), "SELECT " WINDOW_COLS " FROM " WINDOW_FROM " WHERE w.id = ?", e);
    if (!st) return ZT_EINTERNAL;
    zt_bind_int(st, 1, id);
    if (zt_step(st, e) != ZT_ROW) return zt_fail(e, ZT_ENOTFOUND, "id", "窗口不存在");
    zt_reply_json(r, status, window_json(st));
    return ZT_OK;
}

static zt_err h_halls(zt_req *r, zt_error *e) {
    zt_qb f;
    zt_qb_init(&f, zt_req_arena(r), "1 = 1");
    common_filters(r, &f, "h", (const char *const[]){"h.name", "h.address", NULL});
    const char *region = zt_req_query(r, "region");
    if (region && *region) {
        zt_qb_sql(&f, " AND h.region_code = ?");
        zt_qb_text(&f, region);
    }
    return reply_list(r, &f, HALL_COLS, HALL_FROM, "ORDER BY h.region_code, h.id", hall_json, e);
}

/* One hall with its windows. */
static zt_err hall_reply(zt_req *r, int64_t id, int status, zt_error *e) {
    zt_db *db = zt_store_reader(APP(r)->store);
    zt_stmt *st = zt_db_query(db, e, "SELECT " HALL_COLS " FROM " HALL_FROM " WHERE h.id = ?", ZT_I(id));
    if (!st) return ZT_EINTERNAL;
    if (zt_step(st, e) != ZT_ROW) return zt_fail(e, ZT_ENOTFOUND, "id", "大厅不存在");
    json_t *hall = hall_json(st), *wins = json_array();
    st = zt_db_prepare(db,
                       "SELECT " WINDOW_COLS " FROM " WINDOW_FROM
                       " WHERE w.hall_id = ? AND w.retired_at IS NULL ORDER BY w.number",
                       e);
    zt_err s = st ? ZT_DONE : ZT_EINTERNAL;
    if (st) zt_bind_int(st, 1, id);
    while (st && (s = zt_step(st, e)) == ZT_ROW) json_array_append_new(wins, window_json(st));
    json_object_set_new(hall, "windows", wins);
    if (zt_step_failed(s)) {
        json_decref(hall);
        return s;
    }
    zt_reply_json(r, status, hall);
    return ZT_OK;
}

static zt_err h_hall_get(zt_req *r, zt_error *e) {
    int64_t id;
    zt_err rc = zt_req_param_id(r, "id", &id, e);
    return rc ? rc : hall_reply(r, id, 200, e);
}

static const field HALL_FIELDS[] = {{"name", 64, 0},  {"address", 128, 0},   {"hours", 64, 0},
                                    {"phone", 32, 0}, {"region_code", 9, 0}, {0}};

static zt_err h_hall_create(zt_req *r, zt_error *e) {
    const char *v[5];
    json_t *b;
    zt_err rc = zt_req_json(r, &b, e);
    if (!rc) rc = only_fields(b, HALL_FIELDS, e);
    if (!rc) rc = take_fields(b, HALL_FIELDS, v, e);
    if (!rc && !v[0]) rc = zt_fail(e, ZT_EINVAL, "name", "缺少必填字段 name");
    if (!rc && !v[4]) rc = zt_fail(e, ZT_EINVAL, "region_code", "缺少必填字段 region_code");
    if (rc) return rc;
    write_arg w = {.action = "hall.create", .type = "hall", .notfound = "行政区划不存在或已撤销"};
    zt_qb_init(&w.q, zt_req_arena(r),
               "INSERT INTO halls (name, address, hours, phone, region_code, created_at, updated_at)"
               " SELECT ?, ?, ?, ?, code, ?, ? FROM regions WHERE code = ? AND retired_at IS NULL RETURNING id");
    for (int i = 0; i < 4; i++) zt_qb_text(&w.q, v[i] ? v[i] : "");
    zt_qb_int(&w.q, zt_now());
    zt_qb_int(&w.q, zt_now());
    zt_qb_text(&w.q, v[4]);
    if ((rc = do_write(r, &w, e))) {
        if (rc == ZT_ENOTFOUND) snprintf(e->field, sizeof e->field, "region_code"), e->code = rc = ZT_EINVAL;
        return rc;
    }
    return hall_reply(r, w.id, 201, e);
}

static zt_err h_hall_patch(zt_req *r, zt_error *e) {
    const char *v[5];
    int64_t id;
    json_t *b;
    zt_err rc = zt_req_param_id(r, "id", &id, e);
    if (!rc) rc = zt_req_json(r, &b, e);
    if (!rc) rc = only_fields(b, HALL_FIELDS, e);
    if (!rc) rc = take_fields(b, HALL_FIELDS, v, e);
    if (!rc && v[4]) rc = zt_fail(e, ZT_EINVAL, "region_code", "大厅所属区划不能修改");
    if (rc) return rc;
    write_arg w = {.action = "hall.update", .type = "hall", .id = id, .notfound = "大厅不存在"};
    zt_qb_init(&w.q, zt_req_arena(r), "UPDATE halls SET updated_at = ?");
    zt_qb_int(&w.q, zt_now());
    set_fields(&w.q, HALL_FIELDS, v);
    zt_qb_sql(&w.q, " WHERE id = ?");
    zt_qb_int(&w.q, id);
    if ((rc = do_write(r, &w, e))) return rc;
    return h_hall_get(r, e);
}

static zt_err h_hall_retire(zt_req *r, zt_error *e) {
    int64_t id;
    zt_err rc = zt_req_param_id(r, "id", &id, e);
    if (rc) return rc;
    write_arg w = {.action = "hall.retire",
                   .type = "hall",
                   .id = id,
                   .notfound = "大厅不存在或已撤销",
                   .check_sql = "SELECT count(*) FROM windows WHERE hall_id = ?1 AND retired_at IS NULL",
                   .check_msg = "大厅还有在用的窗口，请先撤销窗口"};
    zt_qb_init(&w.q, zt_req_arena(r),
               "UPDATE halls SET retired_at = ?, updated_at = ? WHERE id = ? AND retired_at IS NULL");
    zt_qb_int(&w.q, zt_now());
    zt_qb_int(&w.q, zt_now());
    zt_qb_int(&w.q, id);
    if ((rc = do_write(r, &w, e))) return rc;
    return h_hall_get(r, e);
}

static zt_err h_window_create(zt_req *r, zt_error *e) {
    static const char *const allowed[] = {"number", "name", "dept_id", NULL};
    int64_t hall, number, dept;
    const char *name;
    json_t *b;
    zt_err rc = zt_req_param_id(r, "id", &hall, e);
    if (!rc) rc = zt_req_json(r, &b, e);
    if (!rc) rc = zt_json_only(b, allowed, e);
    if (!rc) rc = zt_json_int(b, "number", 1, 1, 9999, 0, &number, e);
    if (!rc) rc = zt_json_str(b, "name", 1, 64, &name, e);
    if (!rc) rc = zt_json_int(b, "dept_id", 1, 1, INT64_MAX, 0, &dept, e);
    if (rc) return rc;
    zt_stmt *st =
        zt_db_query(zt_store_reader(APP(r)->store), e, "SELECT retired_at FROM halls WHERE id = ?", ZT_I(hall));
    if (!st) return ZT_EINTERNAL;
    if (zt_step(st, e) != ZT_ROW) return zt_fail(e, ZT_ENOTFOUND, "id", "大厅不存在");
    if (!zt_col_is_null(st, 0)) return zt_fail(e, ZT_ECONFLICT, "id", "大厅已撤销");
    zt_db_release(zt_store_reader(APP(r)->store));
    write_arg w = {.action = "window.create", .type = "window", .notfound = "部门不存在或已撤销"};
    zt_qb_init(&w.q, zt_req_arena(r),
               "INSERT INTO windows (hall_id, number, name, dept_id, created_at, updated_at)"
               " SELECT h.id, ?, ?, d.id, ?, ? FROM halls h, departments d WHERE h.id = ? AND d.id = ?"
               " AND h.retired_at IS NULL AND d.retired_at IS NULL RETURNING id");
    zt_qb_int(&w.q, number);
    zt_qb_text(&w.q, name);
    zt_qb_int(&w.q, zt_now());
    zt_qb_int(&w.q, zt_now());
    zt_qb_int(&w.q, hall);
    zt_qb_int(&w.q, dept);
    if ((rc = do_write(r, &w, e))) {
        if (rc == ZT_ECONFLICT)
            snprintf(e->field, sizeof e->field, "number"),
                snprintf(e->message, sizeof e->message, "该大厅已有 %lld 号窗口", (long long)number);
        if (rc == ZT_ENOTFOUND) snprintf(e->field, sizeof e->field, "dept_id"), e->code = rc = ZT_EINVAL;
        return rc;
    }
    return window_reply(r, w.id, 201, e);
}

/* A window's name, or its department (administrators), or retirement. */
static zt_err window_change(zt_req *r, int retire, zt_error *e) {
    const zt_principal *p = zt_req_principal(r);
    int64_t id, dept = 0;
    const char *name = NULL;
    zt_err rc = zt_req_param_id(r, "id", &id, e);
    if (rc) return rc;
    if (!retire) {
        static const char *const allowed[] = {"name", "dept_id", NULL};
        json_t *b;
        rc = zt_req_json(r, &b, e);
        if (!rc) rc = zt_json_only(b, allowed, e);
        if (!rc) rc = zt_json_str(b, "name", 0, 64, &name, e);
        if (!rc) rc = zt_json_int(b, "dept_id", 0, 1, INT64_MAX, 0, &dept, e);
        if (rc) return rc;
    }
    zt_stmt *st = zt_db_query(zt_store_reader(APP(r)->store), e, "SELECT dept_id FROM windows WHERE id = ?", ZT_I(id));
    if (!st) return ZT_EINTERNAL;
    if (zt_step(st, e) != ZT_ROW) return zt_fail(e, ZT_ENOTFOUND, "id", "窗口不存在");
    if (!zt_scope_dept_write(p, zt_col_int(st, 0))) return zt_fail(e, ZT_EFORBIDDEN, "id", "无权修改其他部门的窗口");
    if ((dept || retire) && !(p->role_bit & ZT_R_ADMIN))
        return zt_fail(e, ZT_EFORBIDDEN, retire ? "id" : "dept_id", "窗口的所属部门和撤销只能由系统管理员操作");
    write_arg w = {.action = retire ? "window.retire" : "window.update",
                   .type = "window",
                   .id = id,
                   .notfound = "窗口不存在或已撤销"};
    zt_qb_init(&w.q, zt_req_arena(r), "UPDATE windows SET updated_at = ?");
    zt_qb_int(&w.q, zt_now());
    if (name) {
        zt_qb_sql(&w.q, ", name = ?");
        zt_qb_text(&w.q, name);
    }
    if (dept) {
        zt_qb_sql(&w.q, ", dept_id = (SELECT id FROM departments WHERE id = ? AND retired_at IS NULL)");
        zt_qb_int(&w.q, dept);
    }
    if (retire) {
        zt_qb_sql(&w.q, ", retired_at = ?");
        zt_qb_int(&w.q, zt_now());
    }
    zt_qb_sql(&w.q, " WHERE id = ? AND retired_at IS NULL");
    zt_qb_int(&w.q, id);
    if ((rc = do_write(r, &w, e))) {
        if (rc == ZT_ECONFLICT || rc == ZT_EINTERNAL) /* NOT NULL: the department does not exist */
            return zt_fail(e, ZT_EINVAL, "dept_id", "部门不存在或已撤销");
        return rc;
    }
    zt_db_release(zt_store_reader(APP(r)->store));
    return window_reply(r, id, 200, e);
}

static zt_err h_window_patch(zt_req *r, zt_error *e) { return window_change(r, 0, e); }
static zt_err h_window_retire(zt_req *r, zt_error *e) { return window_change(r, 1, e); }

static zt_err h_windows(zt_req *r, zt_error *e) {
    zt_qb f;
    int64_t dept, hall;
    zt_err rc = zt_req_query_int(r, "dept_id", 0, 0, INT64_MAX, &dept, e);
    if (!rc) rc = zt_req_query_int(r, "hall_id", 0, 0, INT64_MAX, &hall, e);
    if (rc) return rc;
    zt_qb_init(&f, zt_req_arena(r), "1 = 1");
    common_filters(r, &f, "w", (const char *const[]){"w.name", "d.name", NULL});
    if (dept) {
        zt_qb_sql(&f, " AND w.dept_id = ?");
        zt_qb_int(&f, dept);
    }
    if (hall) {
        zt_qb_sql(&f, " AND w.hall_id = ?");
        zt_qb_int(&f, hall);
    }
    return reply_list(r, &f, WINDOW_COLS, WINDOW_FROM, "ORDER BY w.hall_id, w.number", window_json, e);
}

#define ADMIN ZT_R_ADMIN
static const zt_route routes[] = {
    {"GET", "/api/regions", h_regions, ZT_PUBLIC, "regions (q, level, parent, retired, page)"},
    {"GET", "/api/regions/tree", h_region_tree, ZT_PUBLIC,
     "city -> counties -> townships (departments=1 nests departments)"},
    {"GET", "/api/regions/{code}", h_region_get, ZT_PUBLIC, "one region"},
    {"POST", "/api/regions", h_region_create, ADMIN, "add a region under a parent"},
    {"PATCH", "/api/regions/{code}", h_region_patch, ADMIN, "rename a region"},
    {"DELETE", "/api/regions/{code}", h_region_retire, ADMIN, "retire a region (none active below it)"},
    {"GET", "/api/departments", h_depts, ZT_PUBLIC, "departments (q, region incl. below, kind, retired, page)"},
    {"GET", "/api/departments/{id}", h_dept_get, ZT_PUBLIC, "one department"},
    {"POST", "/api/departments", h_dept_create, ADMIN, "create a department"},
    {"PATCH", "/api/departments/{id}", h_dept_patch, ADMIN | ZT_R_DEPT_HEAD,
     "change a department (its head: contact data)"},
    {"DELETE", "/api/departments/{id}", h_dept_retire, ADMIN, "retire a department"},
    {"GET", "/api/halls", h_halls, ZT_PUBLIC, "service halls (q, region, page)"},
    {"GET", "/api/halls/{id}", h_hall_get, ZT_PUBLIC, "one hall with its windows"},
    {"POST", "/api/halls", h_hall_create, ADMIN, "create a hall"},
    {"PATCH", "/api/halls/{id}", h_hall_patch, ADMIN, "change a hall"},
    {"DELETE", "/api/halls/{id}", h_hall_retire, ADMIN, "retire a hall"},
    {"GET", "/api/windows", h_windows, ZT_PUBLIC, "windows (q, hall_id, dept_id, page)"},
    {"POST", "/api/halls/{id}/windows", h_window_create, ADMIN, "open a window in a hall"},
    {"PATCH", "/api/windows/{id}", h_window_patch, ADMIN | ZT_R_DEPT_HEAD,
     "rename a window (its department's head) or move it"},
    {"DELETE", "/api/windows/{id}", h_window_retire, ADMIN, "retire a window"},
};

const zt_route *zt_org_routes(size_t *n) {
    *n = sizeof routes / sizeof routes[0];
    return routes;
}
