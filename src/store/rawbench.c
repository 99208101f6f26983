/* rawbench.c - SQLite's API alone, for reference figures (rawbench.h). */
#include "store/rawbench.h"

#include <sqlite3.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static double secs(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int fail(sqlite3 *db, const char *what, char *err, size_t errlen) {
    snprintf(err, errlen, "%s: %s", what, db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close(db);
    return -1;
}

int zt_rawbench_insert(const char *path, const char *schema, const char *insert_sql, int ncols, int64_t rows,
                       const char *const *(*next)(void *ctx), void *ctx, double *seconds, char *err, size_t errlen) {
    sqlite3 *db = NULL;
    unlink(path);
    if (sqlite3_open(path, &db) != SQLITE_OK) return fail(db, "open", err, errlen);
    if (sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(db, schema, NULL, NULL, NULL) != SQLITE_OK)
        return fail(db, "schema", err, errlen);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, insert_sql, -1, &st, NULL) != SQLITE_OK) return fail(db, "prepare", err, errlen);
    double t0 = secs();
    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    for (int64_t i = 0; i < rows; i++) {
        const char *const *v = next(ctx);
        for (int c = 0; c < ncols; c++) sqlite3_bind_text(st, c + 1, v[c], -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) != SQLITE_DONE) {
            sqlite3_finalize(st);
            return fail(db, "insert", err, errlen);
        }
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) return fail(db, "commit", err, errlen);
    *seconds = secs() - t0;
    sqlite3_close(db);
    return 0;
}

int zt_rawbench_reads(const char *path, const char *query, const char *const *keys, int64_t n, double *seconds,
                      char *err, size_t errlen) {
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) return fail(db, "open", err, errlen);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, query, -1, &st, NULL) != SQLITE_OK) return fail(db, "prepare", err, errlen);
    double t0 = secs();
    for (int64_t i = 0; i < n; i++) {
        sqlite3_bind_text(st, 1, keys[i], -1, SQLITE_STATIC);
        while (sqlite3_step(st) == SQLITE_ROW) (void)sqlite3_column_text(st, 0);
        sqlite3_reset(st);
    }
    *seconds = secs() - t0;
    sqlite3_finalize(st);
    sqlite3_close(db);
    return 0;
}
