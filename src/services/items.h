/* items.h - the validation of a power item's guide (办事指南), apart from
 * the database so that it can be fuzzed (tests/fuzz/fuzz_items.c).
 *
 * Included by items.c and the fuzz driver only; the rest of the server
 * reaches items through services.h. The checker reads departments, halls
 * and windows through zt_item_lookup: items.c answers from the database,
 * the fuzz driver from a fixed table. */
#ifndef ZT_SERVICES_ITEMS_H
#define ZT_SERVICES_ITEMS_H

#include <jansson.h>
#include <stdint.h>

#include "base/err.h"

/* What the columns of `items` take from a valid guide. The strings point
 * into the guide (valid as long as it is); region is the department's, as
 * the lookup wrote it. */
typedef struct {
    const char *code, *name, *type, *flow, *online, *dept_code;
    int64_t legal, promised, dept_id;
    int64_t extension; /* extension_days: the decision's legal extension; -1 = absent (the definition's) */
    char region[16];
} zt_guide_info;

/* The directory the checker consults. Each callback answers as zt_step
 * does: ZT_ROW found, ZT_DONE not found, or the error (ZT_EINTERNAL, ...
 * with e filled) when the lookup itself fails.
 *
 * dept: an active department by code (*id and region filled when found and
 *   not NULL; region is a NUL-terminated region code).
 * window: an active hall by name and its active window `number`: ZT_DONE
 *   no such hall; ZT_ROW the hall exists, with *dept_id = the department
 *   the window belongs to, or 0 when the hall has no such window. */
typedef struct {
    zt_err (*dept)(void *ctx, const char *code, int64_t *id, char region[16], zt_error *e);
    zt_err (*window)(void *ctx, const char *hall, int64_t number, int64_t *dept_id, zt_error *e);
    void *ctx;
} zt_item_lookup;

/* Validate a guide (the item object of docs/items-data.md) against every
 * rule the platform relies on (docs/items.md, "Validation of a guide"),
 * reading the directory through lk. Fills gi (zeroed first). A missing
 * region_code is set to the department's region: g is changed, and stays
 * owned by the caller. Returns ZT_OK, ZT_EINVAL with e->field naming the
 * member path (e.g. "materials[2].form") and a Chinese message, or what a
 * lookup returned. */
zt_err zt_items_guide_check(const zt_item_lookup *lk, json_t *g, zt_guide_info *gi, zt_error *e);

#endif
