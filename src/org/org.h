/* org.h - the directory of the city (R1): regions (GB/T 2260), departments,
 * service halls (大厅) and their windows (窗口). */
#ifndef ZT_ORG_H
#define ZT_ORG_H

#include <stddef.h>
#include <stdint.h>

#include "app.h"
#include "base/arena.h"
#include "http/http.h"

/* A department as the domains above org need it (services, supervise):
 * they read it with zt_dept_get / zt_dept_by_code, not with SQL of their
 * own (joins that only add names to list rows aside). The limits are those
 * POST /api/departments and the directory import enforce, in characters; a
 * character takes up to 4 bytes in UTF-8. */
#define ZT_DEPT_CODE_MAX 32
#define ZT_DEPT_NAME_MAX 64
typedef struct zt_dept {
    int64_t id;
    char code[ZT_DEPT_CODE_MAX * 4 + 1];
    char name[ZT_DEPT_NAME_MAX * 4 + 1];
    char region_code[16]; /* GB/T 2260: 6 or 9 digits */
    int retired;          /* retired (撤销) departments are found too: whether they count is the caller's check */
} zt_dept;

/* The department with this id, or this code, into *out. ZT_ENOTFOUND (e
 * filled) when there is none; the store's error otherwise. db is a reader
 * or the writer inside a write; the lookup leaves no statement active. */
zt_err zt_dept_get(zt_db *db, int64_t id, zt_dept *out, zt_error *e);
zt_err zt_dept_by_code(zt_db *db, const char *code, zt_dept *out, zt_error *e);
/* Is code a region of the directory? ZT_OK, or ZT_ENOTFOUND (field "region"). */
/* A department's name changed (PATCH /api/departments/{id}), inside that
 * write: what keeps copies of the name refreshes or drops them (the cases'
 * materialised status answers). main wires it (src/routes.c). */
typedef zt_err (*zt_dept_renamed_fn)(zt_db *db, int64_t dept_id, zt_error *e);
void zt_org_on_dept_renamed(zt_dept_renamed_fn fn);
zt_err zt_region_known(zt_db *db, const char *code, zt_error *e);
/* Where the directory places a record, for the ledger's region scope
 * (ledger/record.h zt_record_region_fn; main registers it): an account or
 * key (auth), a department, region, hall or window by id, else the
 * department of code dept_code, else the owner account's region. */
const char *zt_org_record_region(zt_db *db, const char *target_type, const char *target_id, const char *dept_code,
                                 int64_t owner_user_id, char *buf, size_t n);
/* A window's label, "{hall} {n} 号 {name}" (copied into a), or fallback. */
const char *zt_window_label(zt_db *db, zt_arena *a, int64_t id, const char *fallback);

/* Import regions from a TSV (code, name, level, parent_code): new codes
 * are added, known ones renamed. One transaction. *count = lines read. */
zt_err zt_org_import_regions(zt_app *app, const char *path, int *count, zt_error *e);

/* Import the demo directory from dir (departments.tsv, halls.tsv,
 * windows.tsv; formats in their headers). One transaction. */
typedef struct zt_org_counts {
    int departments, halls, windows;
} zt_org_counts;
zt_err zt_org_import_demo(zt_app *app, const char *dir, zt_org_counts *counts, zt_error *e);

/* Routes of org/api.c. */
const zt_route *zt_org_routes(size_t *n);

#endif
