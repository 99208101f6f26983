/* query.h - building a statement with optional filters (search, scope,
 * pagination) while keeping every value bound, never spliced: each piece
 * of SQL appended with `?` placeholders is followed by its values, in order.
 * Memory comes from the caller's arena. */
#ifndef ZT_QUERY_H
#define ZT_QUERY_H

#include <stdint.h>

#include <jansson.h>

#include "base/arena.h"
#include "store/store.h"

#define ZT_QB_MAX 24

typedef struct zt_qb {
    zt_arena *a;
    char *sql;
    int n;
    int over; /* more values than ZT_QB_MAX: zt_qb_prepare refuses the query */
    struct {
        int is_text;
        int64_t i;
        const char *s;
    } v[ZT_QB_MAX];
} zt_qb;

void zt_qb_init(zt_qb *q, zt_arena *a, const char *sql);
/* Append SQL text (a literal: never user input). */
void zt_qb_sql(zt_qb *q, const char *sql);
/* Append a value for the next `?`. */
void zt_qb_int(zt_qb *q, int64_t v);
void zt_qb_text(zt_qb *q, const char *v);
/* " AND (col1 LIKE ? OR col2 LIKE ?)" with %term% (LIKE wildcards in the
 * term are escaped). cols is a NULL-terminated list. */
void zt_qb_search(zt_qb *q, const char *term, const char *const *cols);
/* dst = prefix + filter's SQL + suffix, with filter's values: one filter
 * serves both the count and the page of a list. */
void zt_qb_wrap(zt_qb *dst, const char *prefix, const zt_qb *filter, const char *suffix);

/* A page of a list: counts `SELECT count(*) FROM <from> WHERE <filter>`
 * into *total, then runs `SELECT <cols> FROM <from> WHERE <filter> <order>
 * LIMIT ? OFFSET ?` and calls row(st, ctx) for each row. */
zt_err zt_qb_list(zt_db *db, const zt_qb *filter, const char *cols, const char *from, const char *order, int64_t limit,
                  int64_t offset, void (*row)(zt_stmt *st, void *ctx), void *ctx, int64_t *total, zt_error *e);
/* Prepare on db and bind every value. */
zt_stmt *zt_qb_prepare(zt_qb *q, zt_db *db, zt_error *e);

/* Inside a write: the next number of a sequence kept per prefix (table
 * number_seq): "{prefix}-{seq}" with seq zero-padded to width digits, into
 * out. Case, message and card numbers use it with a prefix per region and
 * day. */
zt_err zt_number_next(zt_db *db, const char *prefix, int width, char *out, size_t cap, zt_error *e);

/* Region scope (GB/T 2260), for filters and checks alike. Is region `code`
 * inside region `scope` (same or below)?
 * 360300 covers 3603xx and 3603xxnnn; 360302 covers 360302nnn. */
int zt_region_within(const char *code, const char *scope);
/* How many leading characters every code inside scope shares with it (the
 * rule zt_region_within uses): 4 for a city, 6 for a county, all of a
 * township's. SQL filters compare substr(code, 1, n) with scope's first n. */
size_t zt_region_prefix(const char *scope);
/* Append " AND substr(col, 1, n) = ?" to a filter: rows whose region
 * column col lies in scope (the zt_region_within rule, in SQL). col is
 * literal SQL, never input. */
void zt_qb_region(zt_qb *q, const char *col, const char *scope);

/* Columns as the views answer them: an instant as RFC 3339 in the city's
 * zone ("2026-09-01T10:00:00+08:00"); a column's instant, null when NULL; a
 * column's text, null when NULL or empty. */
json_t *zt_json_time(int64_t t);
json_t *zt_col_json_time(zt_stmt *st, int col);
json_t *zt_col_json_text(zt_stmt *st, int col);

#endif
