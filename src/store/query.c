#include "store/query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"

void zt_qb_init(zt_qb *q, zt_arena *a, const char *sql) {
    q->a = a;
    q->sql = zt_arena_strdup(a, sql);
    q->n = 0;
    q->over = 0;
}

void zt_qb_sql(zt_qb *q, const char *sql) { q->sql = zt_arena_printf(q->a, "%s%s", q->sql, sql); }

void zt_qb_int(zt_qb *q, int64_t v) {
    if (q->n == ZT_QB_MAX) { /* more filters than any query should have: refused, not a crash */
        q->over = 1;
        return;
    }
    q->v[q->n].is_text = 0;
    q->v[q->n++].i = v;
}

void zt_qb_text(zt_qb *q, const char *v) {
    if (q->n == ZT_QB_MAX) {
        q->over = 1;
        return;
    }
    q->v[q->n].is_text = 1;
    q->v[q->n++].s = v;
}

void zt_qb_search(zt_qb *q, const char *term, const char *const *cols) {
    size_t n = strlen(term);
    char *pat = zt_arena_alloc(q->a, n * 2 + 3), *p = pat;
    *p++ = '%';
    for (const char *s = term; *s; s++) {
        if (*s == '%' || *s == '_' || *s == '\\') *p++ = '\\';
        *p++ = *s;
    }
    *p++ = '%';
    *p = 0;
    zt_qb_sql(q, " AND (");
    for (const char *const *c = cols; *c; c++) {
        zt_qb_sql(q, c == cols ? "" : " OR ");
        zt_qb_sql(q, *c);
        zt_qb_sql(q, " LIKE ? ESCAPE '\\'");
        zt_qb_text(q, pat);
    }
    zt_qb_sql(q, ")");
}

zt_stmt *zt_qb_prepare(zt_qb *q, zt_db *db, zt_error *e) {
    if (q->over) {
        zt_fail(e, ZT_EINVAL, NULL, "查询条件过多（最多 %d 个参数）", ZT_QB_MAX);
        return NULL;
    }
    zt_stmt *st = zt_db_prepare(db, q->sql, e);
    if (!st) return NULL;
    for (int i = 0; i < q->n; i++) {
        if (q->v[i].is_text)
            zt_bind_text(st, i + 1, q->v[i].s);
        else
            zt_bind_int(st, i + 1, q->v[i].i);
    }
    return st;
}

void zt_qb_wrap(zt_qb *dst, const char *prefix, const zt_qb *filter, const char *suffix) {
    *dst = *filter;
    dst->sql = zt_arena_printf(filter->a, "%s%s%s", prefix, filter->sql, suffix);
}

zt_err zt_qb_list(zt_db *db, const zt_qb *filter, const char *cols, const char *from, const char *order, int64_t limit,
                  int64_t offset, void (*row)(zt_stmt *st, void *ctx), void *ctx, int64_t *total, zt_error *e) {
    zt_qb q;
    zt_qb_wrap(&q, zt_arena_printf(filter->a, "SELECT count(*) FROM %s WHERE ", from), filter, "");
    zt_stmt *st = zt_qb_prepare(&q, db, e);
    if (!st) return e && e->code ? e->code : ZT_EINTERNAL;
    zt_err rc = zt_step(st, e);
    if (zt_step_failed(rc)) return rc;
    *total = zt_col_int(st, 0);
    zt_qb_wrap(&q, zt_arena_printf(filter->a, "SELECT %s FROM %s WHERE ", cols, from), filter,
               zt_arena_printf(filter->a, " %s LIMIT ? OFFSET ?", order));
    zt_qb_int(&q, limit);
    zt_qb_int(&q, offset);
    if (!(st = zt_qb_prepare(&q, db, e))) return ZT_EINTERNAL;
    while ((rc = zt_step(st, e)) == ZT_ROW) row(st, ctx);
    return zt_step_failed(rc) ? rc : ZT_OK;
}

zt_err zt_number_next(zt_db *db, const char *prefix, int width, char *out, size_t cap, zt_error *e) {
    zt_stmt *st = zt_db_query(db, e,
                              "INSERT INTO number_seq (prefix, last) VALUES (?, 1)"
                              " ON CONFLICT (prefix) DO UPDATE SET last = last + 1 RETURNING last",
                              ZT_T(prefix));
    if (!st) return ZT_EINTERNAL;
    zt_err rc = zt_step(st, e);
    if (rc != ZT_ROW) return zt_step_failed(rc) ? rc : zt_fail(e, ZT_EINTERNAL, NULL, "编号分配失败");
    long long n = (long long)zt_col_int(st, 0);
    zt_db_release(db);
    snprintf(out, cap, "%s-%0*lld", prefix, width, n);
    return ZT_OK;
}

json_t *zt_json_time(int64_t t) {
    char ts[32];
    zt_time_format(t, ts);
    return json_string(ts);
}

json_t *zt_col_json_time(zt_stmt *st, int col) {
    return zt_col_is_null(st, col) ? json_null() : zt_json_time(zt_col_int(st, col));
}

json_t *zt_col_json_text(zt_stmt *st, int col) {
    const char *s = zt_col_text(st, col);
    return s && *s ? json_string(s) : json_null();
}

/* The prefix that all codes inside a region share: a city 360300 -> "3603",
 * a county 360302 -> "360302", a township is itself. */
size_t zt_region_prefix(const char *scope) {
    size_t n = strlen(scope);
    if (n == 6) {
        if (strcmp(scope + 2, "0000") == 0) return 2; /* province */
        if (strcmp(scope + 4, "00") == 0) return 4;   /* city */
    }
    return n;
}

void zt_qb_region(zt_qb *q, const char *col, const char *scope) {
    size_t keep = zt_region_prefix(scope);
    zt_qb_sql(q, " AND substr(");
    zt_qb_sql(q, col);
    zt_qb_sql(q, ", 1, ?) = ?");
    zt_qb_int(q, (int64_t)keep);
    zt_qb_text(q, zt_arena_strndup(q->a, scope, keep));
}

int zt_region_within(const char *code, const char *scope) {
    if (!code || !scope || !*scope) return 0;
    size_t p = zt_region_prefix(scope);
    return strncmp(code, scope, p) == 0;
}
