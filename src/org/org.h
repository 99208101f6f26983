/* org.h - the directory of the city (R1): regions (GB/T 2260), departments,
 * service halls (大厅) and their windows (窗口). */
#ifndef ZT_ORG_H
#define ZT_ORG_H

#include <stddef.h>

#include "app.h"
#include "http/http.h"

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
