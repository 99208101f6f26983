/* dept.c - a department by id or code for the other domains (org.h). */
#include <stdio.h>
#include <string.h>

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
