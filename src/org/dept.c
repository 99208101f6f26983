/* dept.c - a department by id or code for the other domains (org.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "org/org.h"

#define DEPT_SQL "SELECT id, code, name, region_code, retired_at IS NOT NULL FROM departments WHERE "

/* Copy text into a field of *out; refuse what does not fit rather than cut
 * a code short (POST /api/departments and the import keep every row within
 * the limits). */
static int fits(char *dst, size_t n, const char *src) { return (size_t)snprintf(dst, n, "%s", src ? src : "") < n; }

static zt_err dept_row(zt_stmt *st, zt_dept *out, zt_error *e) {
    zt_err rc = zt_step(st, e);
    if (zt_step_failed(rc)) return rc;
    if (rc == ZT_DONE) return zt_fail(e, ZT_ENOTFOUND, "dept", "部门不存在");
    memset(out, 0, sizeof *out);
    out->id = zt_col_int(st, 0);
    out->retired = (int)zt_col_int(st, 4);
    int ok = fits(out->code, sizeof out->code, zt_col_text(st, 1)) &&
             fits(out->name, sizeof out->name, zt_col_text(st, 2)) &&
             fits(out->region_code, sizeof out->region_code, zt_col_text(st, 3));
    /* a unique key: the second step ends the statement (and its read snapshot) */
    rc = zt_step(st, e);
    if (zt_step_failed(rc)) return rc;
    if (!ok) return zt_fail(e, ZT_EINTERNAL, "dept", "部门 %lld 的代码、名称或区划超出长度", (long long)out->id);
    return ZT_OK;
}

zt_err zt_dept_get(zt_db *db, int64_t id, zt_dept *out, zt_error *e) {
    zt_stmt *st = zt_db_query(db, e, DEPT_SQL "id = ?", ZT_I(id));
    if (!st) return ZT_EINTERNAL;
    return dept_row(st, out, e);
}

zt_err zt_dept_by_code(zt_db *db, const char *code, zt_dept *out, zt_error *e) {
    zt_stmt *st = zt_db_query(db, e, DEPT_SQL "code = ?", ZT_T(code));
    if (!st) return ZT_EINTERNAL;
    return dept_row(st, out, e);
}

zt_err zt_region_known(zt_db *db, const char *code, zt_error *e) {
    zt_stmt *st = zt_db_query(db, e, "SELECT 1 FROM regions WHERE code = ?", ZT_T(code));
    if (!st) return ZT_EINTERNAL;
    zt_err rc = zt_step(st, e);
    zt_db_release(db);
    if (rc == ZT_DONE) return zt_fail(e, ZT_ENOTFOUND, "region", "行政区划 %s 未登记", code);
    return rc == ZT_ROW ? ZT_OK : rc;
}

/* One region code of a look-up; the statement is not released: the
 * ledger's caller may be reading with another statement of db. */
static const char *region_row(zt_stmt *st, char *buf, size_t n) {
    zt_error ignored = {0};
    if (!st || zt_step(st, &ignored) != ZT_ROW || zt_col_is_null(st, 0)) return NULL;
    snprintf(buf, n, "%s", zt_col_text(st, 0));
    return buf;
}

const char *zt_org_record_region(zt_db *db, const char *type, const char *id, const char *dept_code, int64_t owner,
                                 char *buf, size_t n) {
    static const struct {
        const char *type, *sql;
    } BY_ID[] = {
        {"department", "SELECT region_code FROM departments WHERE id = ?"},
        {"hall", "SELECT region_code FROM halls WHERE id = ?"},
        {"window", "SELECT d.region_code FROM windows w JOIN departments d ON d.id = w.dept_id WHERE w.id = ?"},
    };
    zt_error ignored = {0};
    if (!strcmp(type, "user") || !strcmp(type, "api_key"))
        return zt_account_region(db, type, strtoll(id, NULL, 10), buf, n);
    if (!strcmp(type, "region"))
        return region_row(zt_db_query(db, &ignored, "SELECT code FROM regions WHERE code = ?", ZT_T(id)), buf, n);
    for (size_t i = 0; i < sizeof BY_ID / sizeof BY_ID[0]; i++)
        if (!strcmp(type, BY_ID[i].type))
            return region_row(zt_db_query(db, &ignored, BY_ID[i].sql, ZT_I(strtoll(id, NULL, 10))), buf, n);
    if (dept_code)
        return region_row(
            zt_db_query(db, &ignored, "SELECT region_code FROM departments WHERE code = ?", ZT_T(dept_code)), buf, n);
    return owner ? zt_account_region(db, "user", owner, buf, n) : NULL;
}

const char *zt_window_label(zt_db *db, zt_arena *a, int64_t id, const char *fallback) {
    zt_error ignored = {0};
    zt_stmt *st = zt_db_query(db, &ignored,
                              "SELECT h.name, w.number, w.name FROM windows w JOIN halls h ON h.id = w.hall_id"
                              " WHERE w.id = ?",
                              ZT_I(id));
    const char *label =
        st && zt_step(st, &ignored) == ZT_ROW
            ? zt_arena_printf(a, "%s %lld 号 %s", zt_col_text(st, 0), (long long)zt_col_int(st, 1), zt_col_text(st, 2))
            : fallback;
    zt_db_release(db);
    return label;
}
