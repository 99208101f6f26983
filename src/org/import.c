/* import.c - loading the committed directory files into the database. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/json.h"
#include "base/tsv.h"
#include "ledger/record.h"
#include "org/org.h"

typedef struct {
    zt_db *db;
    const char *dir;
    int n;
    zt_org_counts *counts;
} import_ctx;

/* Strict UTF-8 (zt_utf8_valid): every imported text is served as JSON,
 * which carries nothing else. */
static zt_err check_utf8(char **f, int n, zt_error *e) {
    for (int i = 0; i < n; i++)
        if (!zt_utf8_valid(f[i], strlen(f[i])))
            return zt_fail(e, ZT_EINVAL, "file", "field %d is not valid UTF-8", i + 1);
    return ZT_OK;
}

/* Does the region exist? (A missing one would otherwise surface as SQLite's
 * "FOREIGN KEY constraint failed", a conflict that names nothing.) */
static zt_err need_region(zt_db *db, const char *code, const char *what, zt_error *e) {
    zt_stmt *st = zt_db_query(db, e, "SELECT 1 FROM regions WHERE code = ?", ZT_T(code));
    if (!st) return ZT_EINTERNAL;
    zt_err rc = zt_step(st, e);
    if (zt_step_failed(rc)) return rc;
    return rc == ZT_ROW ? ZT_OK : zt_fail(e, ZT_EINVAL, what, "unknown region %s", code);
}

static zt_err region_line(char **f, int n, int lineno, void *arg, zt_error *e) {
    import_ctx *c = arg;
    char *end;
    long level = strtol(f[2], &end, 10);
    size_t len = strlen(f[0]);
    if ((len != 6 && len != 9) || strspn(f[0], "0123456789") != len)
        return zt_fail(e, ZT_EINVAL, "code", "region code must be 6 or 9 digits: %s", f[0]);
    if (*end || level < 1 || level > 3) return zt_fail(e, ZT_EINVAL, "level", "level must be 1, 2 or 3");
    zt_err vrc = check_utf8(f, n, e);
    if (!vrc && n > 3 && *f[3] && strcmp(f[3], f[0]) != 0) vrc = need_region(c->db, f[3], "parent_code", e);
    if (vrc) return vrc;
    zt_stmt *st = zt_db_prepare(c->db,
                                "INSERT INTO regions (code, name, level, parent_code, created_at, updated_at)"
                                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (code) DO UPDATE SET name = excluded.name,"
                                " updated_at = excluded.updated_at",
                                e);
    if (!st) return ZT_EINTERNAL;
    int64_t now = zt_now();
    zt_bind_text(st, 1, f[0]);
    zt_bind_text(st, 2, f[1]);
    zt_bind_int(st, 3, level);
    zt_bind_text(st, 4, n > 3 && *f[3] ? f[3] : NULL);
    zt_bind_int(st, 5, now);
    zt_bind_int(st, 6, now);
    c->n++;
    return zt_step_done(st, e);
}

static zt_err import_regions(zt_db *db, void *arg, zt_error *e) {
    import_ctx *c = arg;
    c->db = db;
    zt_err rc = zt_tsv_each(c->dir, 3, region_line, c, e);
    if (rc) return rc;
    json_t *d = json_pack("{s:s,s:i}", "file", c->dir, "regions", c->n);
    rc = zt_record(db, NULL, "region.import", "regions", c->dir, 0, d, e);
    json_decref(d);
    return rc;
}

zt_err zt_org_import_regions(zt_app *app, const char *path, int *count, zt_error *e) {
    import_ctx c = {.dir = path};
    zt_err rc = zt_store_write(app->store, import_regions, &c, e);
    if (!rc && count) *count = c.n;
    return rc;
}

static zt_err dept_line(char **f, int n, int lineno, void *arg, zt_error *e) {
    import_ctx *c = arg;
    static const char *const kinds[] = {"bureau", "committee", "office", "centre"}; /* as org/api.c */
    int known = 0;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) known |= strcmp(f[4], kinds[i]) == 0;
    zt_err vrc = check_utf8(f, n, e);
    if (!vrc && !*f[1]) vrc = zt_fail(e, ZT_EINVAL, "code", "empty department code");
    /* the limits of POST /api/departments (zt_dept holds no more) */
    if (!vrc && zt_utf8_len(f[1]) > ZT_DEPT_CODE_MAX)
        vrc = zt_fail(e, ZT_EINVAL, "code", "department code longer than %d characters", ZT_DEPT_CODE_MAX);
    if (!vrc && zt_utf8_len(f[2]) > ZT_DEPT_NAME_MAX)
        vrc = zt_fail(e, ZT_EINVAL, "name", "department name longer than %d characters", ZT_DEPT_NAME_MAX);
    if (!vrc && !known) vrc = zt_fail(e, ZT_EINVAL, "kind", "kind must be bureau, committee, office or centre");
    if (!vrc) vrc = need_region(c->db, f[0], "region_code", e);
    if (vrc) return vrc;
    zt_stmt *st = zt_db_prepare(c->db,
                                "INSERT INTO departments (region_code, code, name, short_name, kind, phone, address,"
                                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                                " ON CONFLICT (code) DO NOTHING",
                                e);
    if (!st) return ZT_EINTERNAL;
    int64_t now = zt_now();
    for (int i = 0; i < 7; i++) zt_bind_text(st, i + 1, f[i]);
    zt_bind_int(st, 8, now);
    zt_bind_int(st, 9, now);
    c->counts->departments++;
    return zt_step_done(st, e);
}

static zt_err hall_line(char **f, int n, int lineno, void *arg, zt_error *e) {
    import_ctx *c = arg;
    zt_err vrc = check_utf8(f, n, e);
    if (!vrc) vrc = need_region(c->db, f[0], "region_code", e);
    if (vrc) return vrc;
    zt_stmt *st = zt_db_prepare(c->db,
                                "INSERT INTO halls (region_code, name, address, hours, phone, created_at, updated_at)"
                                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING",
                                e);
    if (!st) return ZT_EINTERNAL;
    int64_t now = zt_now();
    for (int i = 0; i < 5; i++) zt_bind_text(st, i + 1, f[i]);
    zt_bind_int(st, 6, now);
    zt_bind_int(st, 7, now);
    c->counts->halls++;
    return zt_step_done(st, e);
}

static zt_err window_line(char **f, int n, int lineno, void *arg, zt_error *e) {
    import_ctx *c = arg;
    zt_stmt *st = zt_db_prepare(
        c->db,
        "INSERT INTO windows (hall_id, number, name, dept_id, created_at, updated_at)"
        " SELECT h.id, ?, ?, d.id, ?, ? FROM halls h, departments d"
        " WHERE h.name = ? AND d.code = ? ON CONFLICT (hall_id, number) WHERE retired_at IS NULL DO NOTHING",
        e);
    if (!st) return ZT_EINTERNAL;
    char *end;
    errno = 0;
    long num = strtol(f[1], &end, 10);
    /* the bounds of POST /api/halls/{id}/windows */
    if (*end || end == f[1] || errno || num < 1 || num > 9999)
        return zt_fail(e, ZT_EINVAL, "number", "window number must be an integer from 1 to 9999");
    zt_err vrc = check_utf8(f, n, e);
    if (vrc) return vrc;
    int64_t now = zt_now();
    zt_bind_int(st, 1, num);
    zt_bind_text(st, 2, f[2]);
    zt_bind_int(st, 3, now);
    zt_bind_int(st, 4, now);
    zt_bind_text(st, 5, f[0]);
    zt_bind_text(st, 6, f[3]);
    zt_err rc = zt_step_done(st, e);
    if (!rc && zt_db_changes(c->db) == 0) {
        /* either already there or a hall/department that does not exist */
        zt_stmt *chk = zt_db_query(c->db, e,
                                   "SELECT 1 FROM windows w JOIN halls h ON h.id = w.hall_id WHERE h.name = ?"
                                   " AND w.number = ?",
                                   ZT_T(f[0]), ZT_I(num));
        if (!chk) return ZT_EINTERNAL;
        if (zt_step(chk, e) != ZT_ROW)
            return zt_fail(e, ZT_EINVAL, "window", "unknown hall \"%s\" or department \"%s\"", f[0], f[3]);
    }
    c->counts->windows++;
    return rc;
}

static zt_err import_demo(zt_db *db, void *arg, zt_error *e) {
    import_ctx *c = arg;
    c->db = db;
    char path[4096];
    snprintf(path, sizeof path, "%s/departments.tsv", c->dir);
    zt_err rc = zt_tsv_each(path, 7, dept_line, c, e);
    if (rc) return rc;
    snprintf(path, sizeof path, "%s/halls.tsv", c->dir);
    if ((rc = zt_tsv_each(path, 5, hall_line, c, e))) return rc;
    snprintf(path, sizeof path, "%s/windows.tsv", c->dir);
    if ((rc = zt_tsv_each(path, 4, window_line, c, e))) return rc;
    json_t *d = json_pack("{s:s,s:i,s:i,s:i}", "dir", c->dir, "departments", c->counts->departments, "halls",
                          c->counts->halls, "windows", c->counts->windows);
    rc = zt_record(db, NULL, "org.import", "directory", c->dir, 0, d, e);
    json_decref(d);
    return rc;
}

zt_err zt_org_import_demo(zt_app *app, const char *dir, zt_org_counts *counts, zt_error *e) {
    zt_org_counts local = {0};
    import_ctx c = {.dir = dir, .counts = counts ? counts : &local};
    memset(c.counts, 0, sizeof *c.counts);
    return zt_store_write(app->store, import_demo, &c, e);
}
