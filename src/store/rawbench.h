/* rawbench.h - SQLite's API alone, as the reference benchmarks compare the
 * platform's write and read paths against (docs/exchange.md). Not used by
 * the server. */
#ifndef ZT_RAWBENCH_H
#define ZT_RAWBENCH_H

#include <stddef.h>
#include <stdint.h>

/* Create the database file path (replaced if it exists) with schema (SQL
 * text), then insert rows rows of ncols text values, each from next(ctx),
 * with one prepared statement (insert_sql) in one transaction
 * (synchronous FULL, WAL, as the store opens its databases). *seconds: the
 * inserts and the commit. 0, or -1 with err filled. */
int zt_rawbench_insert(const char *path, const char *schema, const char *insert_sql, int ncols, int64_t rows,
                       const char *const *(*next)(void *ctx), void *ctx, double *seconds, char *err, size_t errlen);

/* Open path read-only and run query (one text parameter) once per key of
 * keys (n of them), stepping every row. *seconds: the loop. 0 or -1. */
int zt_rawbench_reads(const char *path, const char *query, const char *const *keys, int64_t n, double *seconds,
                      char *err, size_t errlen);

#endif
