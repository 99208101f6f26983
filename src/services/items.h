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
    char region[16];
} zt_guide_info;

/* The directory the checker consults. Each callback returns a negative
 * zt_err (-ZT_EINTERNAL, ... with e filled) when the lookup itself fails.
 *
 * dept: an active department by code: 1 found (*id and region filled when
 *   not NULL; region is a NUL-terminated region code), 0 not found.
 * window: an active hall by name and its active window `number`: 0 no such
 *   hall, 1 the hall has no such window, 2 found (*dept_id = the department
 *   the window belongs to). */
typedef struct {
    int (*dept)(void *ctx, const char *code, int64_t *id, char region[16], zt_error *e);
    int (*window)(void *ctx, const char *hall, int64_t number, int64_t *dept_id, zt_error *e);
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
