/* store.h - the one storage interface (SQLite now; PostgreSQL later).
 *
 * Callers write portable SQL: `?` placeholders (the PostgreSQL backend
 * rewrites them to $n), INTEGER/TEXT/BLOB values, times as Unix seconds bound
 * from C (no engine date functions), `RETURNING` and `ON CONFLICT` (both
 * engines have them). Only DDL in migrations is per engine.
 *
 * Reads: each thread uses its own read connection (zt_store_reader), with a
 * prepared-statement cache. Statements are reset by zt_db_release(), which
 * the HTTP layer calls when a request ends.
 *
 * Writes: one writer thread owns the only write connection. zt_store_write()
 * hands it a function to run inside a transaction and waits until that
 * transaction is durable. The writer groups writes: a batch closes when it
 * holds store.batch_max writes, store.batch_window_us has passed since it
 * opened, or no write is waiting; each write runs in its own savepoint, so a
 * failing write is rolled back alone while the rest of the batch commits. */
#ifndef ZT_STORE_H
#define ZT_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

/* The error context of zt_db_prepare, zt_db_exec, zt_step, zt_step_done and
 * zt_store_write is required: a literal NULL is a compile error (-Werror),
 * a NULL at run time is caught by UBSan at the call and by ZT_ASSERT inside.
 * A caller that ignores the error passes a local `zt_error ignored = {0};`.
 * sqlite.c defines ZT_STORE_IMPL before including this header: with the
 * attribute on its own definitions the compiler would assume e is not NULL
 * and drop those assertions. */
#ifdef ZT_STORE_IMPL
#define ZT_STORE_NONNULL(...)
#else
#define ZT_STORE_NONNULL(...) __attribute__((nonnull(__VA_ARGS__)))
#endif

typedef struct zt_store zt_store;
typedef struct zt_db zt_db;
typedef struct zt_stmt zt_stmt;

typedef struct zt_store_options {
    const char *path;        /* database file */
    const char *synchronous; /* "FULL" (default), "EXTRA", "NORMAL" */
    int batch_max;           /* writes per commit, default 100 */
    int batch_window_us;     /* default 5000 */
    int readonly;            /* open for reading only (auditor tools); no writer thread */
    int busy_timeout_ms;     /* how long a connection waits for a lock another process holds; 0 = 5000 */
} zt_store_options;

/* Why writes are failing (docs/reliability.md). */
typedef enum {
    ZT_FAULT_NONE = 0, /* the last write transaction committed */
    ZT_FAULT_FULL,     /* disk or quota full (SQLITE_FULL, ENOSPC) */
    ZT_FAULT_READONLY, /* the file or its volume is read-only (SQLITE_READONLY, EROFS) */
    ZT_FAULT_BUSY,     /* another process held the write lock past busy_timeout_ms */
    ZT_FAULT_IO        /* any other I/O error */
} zt_store_fault;

typedef struct zt_store_health {
    zt_store_fault fault; /* of the last write transaction, or the last probe */
    int64_t since;        /* Unix seconds when the current state began (0: since start) */
    uint64_t failed_commits;
    char detail[200];  /* SQLite's message and errno, for operators (English) */
    char message[160]; /* what users are told in the 503 (Chinese); empty when writable */
} zt_store_health;

typedef struct zt_store_stats {
    uint64_t writes, commits, failed_writes, failed_commits;
    int64_t queue_depth;
    uint64_t write_us; /* time spent executing and committing batches */
    uint64_t read_us;  /* time spent in read statements */
    uint64_t reads;
} zt_store_stats;

/* Open (creating the file if needed) and apply pending migrations. */
zt_err zt_store_open(const zt_store_options *o, zt_store **out, zt_error *e);
/* Stop the writer after the queued writes, close every connection. */
void zt_store_close(zt_store *s);
void zt_store_stats_get(zt_store *s, zt_store_stats *st);
/* The writer's state: ZT_FAULT_NONE after a durable commit; set by a failed
 * commit (every write of its batch got ZT_EUNAVAIL with a Chinese message
 * naming the fault). While degraded, the idle writer makes a small probe
 * write every second, so the state turns back to none when the fault clears
 * even without client writes. A read-only store reports ZT_FAULT_READONLY. */
void zt_store_health_get(zt_store *s, zt_store_health *h);
/* "none", "disk_full", "read_only", "busy", "io_error". */
const char *zt_store_fault_name(zt_store_fault f);

/* Schema version after migrations. */
int zt_store_schema_version(zt_store *s);

/* The calling thread's read connection, opened on first use. */
zt_db *zt_store_reader(zt_store *s);
/* Reset the statements the thread used (ends their read snapshots). */
void zt_db_release(zt_db *db);

/* Run fn(db, arg, e) in a write transaction on the writer thread and wait
 * until it is committed durably. fn returns ZT_OK to keep its changes, or an
 * error (with e filled) to roll them back. Returns fn's result, or
 * ZT_EUNAVAIL if the commit itself failed (disk full, read-only file, the
 * write lock held by another process past busy_timeout_ms, I/O error):
 * then nothing of the batch is visible, although fn ran and returned ZT_OK:
 * whatever fn allocated for the caller is still the caller's to free. */
typedef zt_err (*zt_write_fn)(zt_db *db, void *arg, zt_error *e);
zt_err zt_store_write(zt_store *s, zt_write_fn fn, void *arg, zt_error *e) ZT_STORE_NONNULL(4);

/* Inside a write (db the writer's): run fn(db, arg, keep, e) once at the end
 * of this write, after its function returned, still inside it (its
 * savepoint): keep = 1 when the function succeeded - fn's work then
 * commits with the write, and an error of fn fails the write - or 0 when
 * it is being undone (fn only cleans up). Registering the same fn and arg
 * again in the write does nothing. What supervision evaluates once per
 * write, after all the events the write brought. At most 8 per write. */
void zt_db_defer(zt_db *db, zt_err (*fn)(zt_db *db, void *arg, int keep, zt_error *e), void *arg);

/* Call fn(arg) on the writer thread after each successful durable commit
 * (once per group-commit batch, after its writers were told), so that live
 * readers (the SSE feed) look for new rows without polling. fn must be
 * cheap and must not block: signal and return; it must not write to the
 * store. Registering the same fn and arg again does nothing; at most 8
 * hooks (more is a programming error: logged, then abort). Hooks stay until
 * zt_store_close; arg must outlive the store. A read-only store never
 * calls them. */
void zt_store_on_commit(zt_store *s, void (*fn)(void *arg), void *arg);

/* Prepare (from the connection's cache) and reset a statement. NULL on a
 * SQL error, with e filled (ZT_EINTERNAL: SQL is the programmer's). */
zt_stmt *zt_db_prepare(zt_db *db, const char *sql, zt_error *e) ZT_STORE_NONNULL(3);
/* Run a statement with no parameters and no result rows (DDL, pragmas). */
zt_err zt_db_exec(zt_db *db, const char *sql, zt_error *e) ZT_STORE_NONNULL(3);
/* A value to bind, made by ZT_I (an integer), ZT_T (a text; NULL binds
 * NULL) or ZT_NULL: the macros convert as an assignment would, so the
 * compiler checks each value's type. */
typedef struct zt_val {
    char kind; /* 'i', 't', 'n' */
    int64_t i;
    const char *t;
} zt_val;
#define ZT_I(v) ((zt_val){'i', (v), NULL})
#define ZT_T(v) ((zt_val){'t', 0, (v)})
#define ZT_NULL ((zt_val){'n', 0, NULL})

/* Prepare sql and bind values 1..n in order. zt_db_query returns the
 * statement to step (NULL on a SQL error, e filled); zt_db_run steps a
 * statement that returns no rows: ZT_OK or the error. Use through the
 * macros: zt_db_run(db, e, "UPDATE t SET a = ? WHERE id = ?", ZT_T(a), ZT_I(id)). */
zt_stmt *zt_db_query_v(zt_db *db, zt_error *e, const char *sql, const zt_val *v, size_t n) ZT_STORE_NONNULL(2);
zt_err zt_db_run_v(zt_db *db, zt_error *e, const char *sql, const zt_val *v, size_t n) ZT_STORE_NONNULL(2);
#define ZT_VALS(...)                 (const zt_val[]){__VA_ARGS__}, sizeof((const zt_val[]){__VA_ARGS__}) / sizeof(zt_val)
#define zt_db_query(db, e, sql, ...) zt_db_query_v(db, e, sql, ZT_VALS(__VA_ARGS__))
#define zt_db_run(db, e, sql, ...)   zt_db_run_v(db, e, sql, ZT_VALS(__VA_ARGS__))

/* Bind by 1-based index. Text and blobs are copied. A NULL text binds NULL. */
void zt_bind_int(zt_stmt *st, int i, int64_t v);
void zt_bind_text(zt_stmt *st, int i, const char *v);
void zt_bind_blob(zt_stmt *st, int i, const void *v, size_t n);
void zt_bind_null(zt_stmt *st, int i);

/* As sqlite3_step: ZT_ROW (a row is ready), ZT_DONE, or an error with e
 * filled: ZT_ECONFLICT for a constraint violation, ZT_EUNAVAIL for
 * busy/full/read-only/I/O, ZT_EINTERNAL otherwise. Never ZT_OK. */
zt_err zt_step(zt_stmt *st, zt_error *e) ZT_STORE_NONNULL(2);
/* Is a result of zt_step an error (neither ZT_ROW nor ZT_DONE)? */
static inline int zt_step_failed(zt_err rc) { return rc != ZT_ROW && rc != ZT_DONE; }
/* Step a statement that returns no rows; ZT_OK or the error. */
zt_err zt_step_done(zt_stmt *st, zt_error *e) ZT_STORE_NONNULL(2);

/* Column values of the current row, 0-based. Text is valid until the next
 * step or reset; NULL for SQL NULL. */
int64_t zt_col_int(zt_stmt *st, int i);
const char *zt_col_text(zt_stmt *st, int i);
const void *zt_col_blob(zt_stmt *st, int i, size_t *n);
int zt_col_is_null(zt_stmt *st, int i);
/* Rows changed by the last write statement on db. */
int64_t zt_db_changes(zt_db *db);

#endif
