/* test_sqlite.c - the SQLite store (src/store/sqlite.c): migrations, the
 * writer thread with group commit and per-write savepoints, read connections
 * per thread, the statement cache, read-only mode.
 *
 * Every test opens its own database file in a fresh temporary directory,
 * removed at the end. Expectations are counted independently: each writer
 * thread knows which of its writes it made fail, so the rows that must exist
 * are known before the database is asked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include <dirent.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/clock.h"
#include "store/migrate.h"
#include "store/store.h"

static char tmpdir[] = "/tmp/zt-sqlite-test-XXXXXX";

static int group_setup(void **state) { return mkdtemp(tmpdir) ? 0 : -1; }

static int group_teardown(void **state) {
    remove_tree(tmpdir);
    return 0;
}

static const char *db_path(const char *name) {
    static char paths[4][PATH_MAX];
    static int slot;
    char *p = paths[slot++ % 4];
    snprintf(p, PATH_MAX, "%s/%s", tmpdir, name);
    return p;
}

static zt_store *open_store(const char *path, int readonly, int batch_max, int window_us) {
    zt_store_options o = {.path = path, .readonly = readonly, .batch_max = batch_max, .batch_window_us = window_us};
    zt_store *s = NULL;
    zt_error e = {0};
    zt_err rc = zt_store_open(&o, &s, &e);
    if (rc) fail_msg("zt_store_open(%s): %s", path, e.message);
    return s;
}

/* One integer from a query on the calling thread's reader. */
static int64_t query_int(zt_store *s, const char *sql) {
    zt_db *db = zt_store_reader(s);
    zt_error e = {0};
    zt_stmt *st = zt_db_prepare(db, sql, &e);
    if (!st) fail_msg("prepare %s: %s", sql, e.message);
    zt_err rc = zt_step(st, &e);
    if (rc != ZT_ROW) fail_msg("no row from %s (%s): %s", sql, zt_err_name(rc), e.message);
    int64_t v = zt_col_int(st, 0);
    zt_db_release(db);
    return v;
}

static int region_exists(zt_store *s, const char *code) {
    zt_db *db = zt_store_reader(s);
    zt_error e = {0};
    zt_stmt *st = zt_db_prepare(db, "SELECT count(*) FROM regions WHERE code = ?", &e);
    assert_non_null(st);
    zt_bind_text(st, 1, code);
    assert_int_equal(zt_step(st, &e), ZT_ROW);
    int64_t n = zt_col_int(st, 0);
    zt_db_release(db);
    return (int)n;
}

/* --- write functions ------------------------------------------------- */

typedef struct {
    const char *code;
    const char *name;
    const char *parent;
    int level;
    int64_t stamp;  /* created_at: lets the test sum what was written */
    int fail;       /* return an error after inserting */
    zt_err step_rc; /* what zt_step returned */
    atomic_int *calls;
} region_arg;

static zt_err insert_region(zt_db *db, void *arg, zt_error *e) {
    region_arg *r = arg;
    if (r->calls) atomic_fetch_add(r->calls, 1);
    zt_stmt *st = zt_db_prepare(db,
                                "INSERT INTO regions (code, name, level, parent_code, created_at, updated_at)"
                                " VALUES (?, ?, ?, ?, ?, ?)",
                                e);
    if (!st) return ZT_EINTERNAL;
    zt_bind_text(st, 1, r->code);
    zt_bind_text(st, 2, r->name);
    zt_bind_int(st, 3, r->level ? r->level : 1);
    zt_bind_text(st, 4, r->parent);
    zt_bind_int(st, 5, r->stamp);
    zt_bind_int(st, 6, r->stamp);
    r->step_rc = zt_step(st, e);
    if (zt_step_failed(r->step_rc)) return r->step_rc;
    if (r->fail) return zt_fail(e, ZT_EINVAL, "code", "write %s fails on purpose", r->code);
    return ZT_OK;
}

static zt_err write_region(zt_store *s, region_arg *r, zt_error *e) {
    if (!r->name) r->name = "测试区";
    return zt_store_write(s, insert_region, r, e);
}

/* --- open and migrations --------------------------------------------- */

static void open_creates_and_migrates(void **state) {
    const char *path = db_path("open.db");
    struct stat sb;
    assert_int_equal(stat(path, &sb), -1);
    zt_store *s = open_store(path, 0, 0, -1);
    assert_int_equal(stat(path, &sb), 0);

    int last = 0, count = 0;
    for (const zt_migration *m = zt_migrations; m->version; m++) last = m->version, count++;
    assert_true(count >= 1);
    assert_true(zt_store_schema_version(s) >= 1);
    assert_int_equal(zt_store_schema_version(s), last);
    assert_int_equal(query_int(s, "SELECT count(*) FROM schema_migrations"), count);
    assert_int_equal(query_int(s, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'regions'"), 1);
    assert_int_equal(query_int(s, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'users'"), 1);
    assert_int_equal(query_int(s, "SELECT count(*) FROM regions"), 0);
    /* WAL (the writer sets it; it is a property of the file) and foreign keys on the reader */
    zt_db *db = zt_store_reader(s);
    zt_error e = {0};
    zt_stmt *st = zt_db_prepare(db, "PRAGMA journal_mode", &e);
    assert_non_null(st);
    assert_int_equal(zt_step(st, &e), ZT_ROW);
    assert_string_equal(zt_col_text(st, 0), "wal");
    zt_db_release(db);
    assert_int_equal(query_int(s, "PRAGMA foreign_keys"), 1);
    zt_store_close(s);

    /* reopening applies nothing twice */
    s = open_store(path, 0, 0, -1);
    assert_int_equal(zt_store_schema_version(s), last);
    assert_int_equal(query_int(s, "SELECT count(*) FROM schema_migrations"), count);
    zt_store_close(s);
}

static void open_failure(void **state) {
    zt_store_options o = {.path = "/nonexistent-dir-zt/sub/x.db"};
    zt_store *s = (zt_store *)1;
    zt_error e = {0};
    zt_err rc = zt_store_open(&o, &s, &e);
    assert_int_equal(rc, ZT_EUNAVAIL);
    assert_int_equal(e.code, ZT_EUNAVAIL);
    assert_ptr_equal(s, (zt_store *)1); /* not written on failure */
}

/* --- writes ---------------------------------------------------------- */

static void write_is_durable(void **state) {
    const char *path = db_path("durable.db");
    zt_store *s = open_store(path, 0, 0, -1);
    zt_error e = {0};
    region_arg r = {.code = "110000", .name = "北京市", .stamp = 1772413200};
    assert_int_equal(write_region(s, &r, &e), ZT_OK);
    assert_int_equal(r.step_rc, ZT_DONE);
    /* visible to readers as soon as zt_store_write returns */
    assert_int_equal(region_exists(s, "110000"), 1);
    zt_store_stats st;
    zt_store_stats_get(s, &st);
    assert_int_equal(st.writes, 1);
    assert_int_equal(st.commits, 1);
    assert_int_equal(st.failed_writes, 0);
    assert_int_equal(st.failed_commits, 0);
    assert_int_equal(st.queue_depth, 0);
    zt_store_close(s);

    s = open_store(path, 0, 0, -1);
    zt_db *db = zt_store_reader(s);
    zt_stmt *q = zt_db_prepare(db, "SELECT name, level, parent_code, created_at FROM regions WHERE code = ?", &e);
    assert_non_null(q);
    zt_bind_text(q, 1, "110000");
    assert_int_equal(zt_step(q, &e), ZT_ROW);
    assert_string_equal(zt_col_text(q, 0), "北京市");
    assert_int_equal(zt_col_int(q, 1), 1);
    assert_true(zt_col_is_null(q, 2));
    assert_null(zt_col_text(q, 2));
    assert_int_equal(zt_col_int(q, 3), 1772413200);
    assert_int_equal(zt_step(q, &e), ZT_DONE);
    zt_db_release(db);
    zt_store_close(s);
}

static void failing_write_rolled_back(void **state) {
    zt_store *s = open_store(db_path("rollback.db"), 0, 0, -1);
    zt_error e = {0};
    region_arg bad = {.code = "120000", .fail = 1};
    assert_int_equal(write_region(s, &bad, &e), ZT_EINVAL);
    assert_int_equal(bad.step_rc, ZT_DONE); /* the insert itself succeeded ... */
    assert_int_equal(e.code, ZT_EINVAL);
    assert_string_equal(e.field, "code");
    assert_string_equal(e.message, "write 120000 fails on purpose");
    assert_int_equal(region_exists(s, "120000"), 0); /* ... and was undone */
    region_arg good = {.code = "120000"};
    assert_int_equal(write_region(s, &good, &e), ZT_OK);
    assert_int_equal(region_exists(s, "120000"), 1);
    zt_store_stats st;
    zt_store_stats_get(s, &st);
    assert_int_equal(st.writes, 2);
    assert_int_equal(st.failed_writes, 1);
    zt_store_close(s);
}

/* A batch made deterministic: the first write holds the writer inside its
 * function until the seven others are queued; they then join its batch
 * (window 10 s, batch_max 100), so all eight commit together. Writes 2, 4
 * and 6 insert then fail: only they must be missing. */
enum { BATCH_N = 8 };
static zt_store *batch_store;
static atomic_int holder_entered;

static zt_err hold_until_queued(zt_db *db, void *arg, zt_error *e) {
    zt_err rc = insert_region(db, arg, e);
    atomic_store(&holder_entered, 1);
    int64_t give_up = zt_mono_us() + 10 * 1000000; /* only against a hang */
    for (;;) {
        zt_store_stats st;
        zt_store_stats_get(batch_store, &st);
        if (st.queue_depth >= BATCH_N - 1 || zt_mono_us() > give_up) break;
        sched_yield();
    }
    return rc;
}

typedef struct {
    region_arg r;
    zt_error e;
    zt_err rc;
    int hold;
} batch_job;

static void *batch_thread(void *arg) {
    batch_job *j = arg;
    j->rc = j->hold ? zt_store_write(batch_store, hold_until_queued, &j->r, &j->e)
                    : zt_store_write(batch_store, insert_region, &j->r, &j->e);
    return NULL;
}

static void failing_write_alone_in_batch(void **state) {
    batch_store = open_store(db_path("batch.db"), 0, 100, 10 * 1000000);
    atomic_store(&holder_entered, 0);
    zt_store_stats before;
    zt_store_stats_get(batch_store, &before);

    static char codes[BATCH_N][16];
    batch_job jobs[BATCH_N];
    pthread_t th[BATCH_N];
    memset(jobs, 0, sizeof jobs);
    for (int i = 0; i < BATCH_N; i++) {
        snprintf(codes[i], sizeof codes[i], "B%d", i);
        jobs[i].r.code = codes[i];
        jobs[i].r.name = "批次";
        jobs[i].r.fail = i == 2 || i == 4 || i == 6;
        jobs[i].hold = i == 0;
    }
    assert_int_equal(pthread_create(&th[0], NULL, batch_thread, &jobs[0]), 0);
    while (!atomic_load(&holder_entered)) sched_yield();
    for (int i = 1; i < BATCH_N; i++) assert_int_equal(pthread_create(&th[i], NULL, batch_thread, &jobs[i]), 0);
    for (int i = 0; i < BATCH_N; i++) pthread_join(th[i], NULL);

    zt_store_stats after;
    zt_store_stats_get(batch_store, &after);
    assert_int_equal(after.writes - before.writes, BATCH_N);
    assert_int_equal(after.commits - before.commits, 1); /* one transaction for all eight */
    assert_int_equal(after.failed_writes - before.failed_writes, 3);
    assert_int_equal(after.failed_commits, 0);
    for (int i = 0; i < BATCH_N; i++) {
        int failed = i == 2 || i == 4 || i == 6;
        assert_int_equal(jobs[i].rc, failed ? ZT_EINVAL : ZT_OK);
        if (failed) assert_string_equal(jobs[i].e.field, "code");
        assert_int_equal(region_exists(batch_store, codes[i]), !failed);
    }
    assert_int_equal(query_int(batch_store, "SELECT count(*) FROM regions"), BATCH_N - 3);
    zt_store_close(batch_store);
    batch_store = NULL;
}

/* Many threads, many writes: every 10th write inserts its row and fails. */
enum { STRESS_THREADS = 8, STRESS_WRITES = 200 };
static zt_store *stress_store;

typedef struct {
    int t;
    int ok, failed, wrong;
} stress_ctx;

static void *stress_thread(void *arg) {
    stress_ctx *c = arg;
    for (int i = 0; i < STRESS_WRITES; i++) {
        char code[32];
        snprintf(code, sizeof code, "S%d-%03d", c->t, i);
        region_arg r = {.code = code, .name = "压力", .stamp = c->t * 1000 + i, .fail = i % 10 == 9};
        zt_error e = {0};
        zt_err rc = write_region(stress_store, &r, &e);
        if (r.fail) {
            c->failed++;
            if (rc != ZT_EINVAL || e.code != ZT_EINVAL) c->wrong++;
        } else {
            c->ok++;
            if (rc != ZT_OK) c->wrong++;
        }
    }
    return NULL;
}

static void concurrent_writes_group_commit(void **state) {
    stress_store = open_store(db_path("stress.db"), 0, 0, -1);
    pthread_t th[STRESS_THREADS];
    stress_ctx ctx[STRESS_THREADS];
    for (int t = 0; t < STRESS_THREADS; t++) {
        ctx[t] = (stress_ctx){.t = t};
        assert_int_equal(pthread_create(&th[t], NULL, stress_thread, &ctx[t]), 0);
    }
    for (int t = 0; t < STRESS_THREADS; t++) pthread_join(th[t], NULL);

    int64_t ok = 0, failed = 0, want_sum = 0;
    for (int t = 0; t < STRESS_THREADS; t++) {
        assert_int_equal(ctx[t].wrong, 0);
        ok += ctx[t].ok;
        failed += ctx[t].failed;
        for (int i = 0; i < STRESS_WRITES; i++)
            if (i % 10 != 9) want_sum += t * 1000 + i;
    }
    assert_int_equal(ok, STRESS_THREADS * STRESS_WRITES * 9 / 10);
    assert_int_equal(failed, STRESS_THREADS * STRESS_WRITES / 10);

    /* exactly the successful rows */
    assert_int_equal(query_int(stress_store, "SELECT count(*) FROM regions"), ok);
    assert_int_equal(query_int(stress_store, "SELECT count(*) FROM regions WHERE created_at % 10 = 9"), 0);
    assert_int_equal(query_int(stress_store, "SELECT sum(created_at) FROM regions"), want_sum);
    assert_int_equal(query_int(stress_store, "SELECT count(DISTINCT code) FROM regions"), ok);

    zt_store_stats st;
    zt_store_stats_get(stress_store, &st);
    assert_int_equal(st.writes, STRESS_THREADS * STRESS_WRITES);
    assert_int_equal(st.failed_writes, failed);
    assert_int_equal(st.failed_commits, 0);
    assert_int_equal(st.queue_depth, 0);
    assert_true(st.commits >= 1);
    assert_true(st.commits < st.writes);        /* writes were grouped */
    assert_true(st.commits >= st.writes / 100); /* batch_max 100 by default */
    zt_store_close(stress_store);
    stress_store = NULL;
}

/* --- errors from statements ------------------------------------------ */

static void constraint_is_conflict(void **state) {
    zt_store *s = open_store(db_path("conflict.db"), 0, 0, -1);
    zt_error e = {0};
    region_arg first = {.code = "310000", .name = "上海市"};
    assert_int_equal(write_region(s, &first, &e), ZT_OK);

    /* duplicate primary key */
    region_arg dup = {.code = "310000", .name = "又一个"};
    memset(&e, 0, sizeof e);
    assert_int_equal(write_region(s, &dup, &e), ZT_ECONFLICT);
    assert_int_equal(dup.step_rc, ZT_ECONFLICT);
    assert_int_equal(e.code, ZT_ECONFLICT);

    /* foreign key (foreign_keys=ON on the writer) */
    region_arg orphan = {.code = "310101", .name = "黄浦区", .level = 2, .parent = "999999"};
    memset(&e, 0, sizeof e);
    assert_int_equal(write_region(s, &orphan, &e), ZT_ECONFLICT);
    assert_int_equal(orphan.step_rc, ZT_ECONFLICT);

    /* CHECK (level BETWEEN 1 AND 3) */
    region_arg level = {.code = "310102", .level = 4};
    assert_int_equal(write_region(s, &level, &e), ZT_ECONFLICT);
    assert_int_equal(level.step_rc, ZT_ECONFLICT);

    /* a valid child of an existing parent */
    region_arg child = {.code = "310101", .name = "黄浦区", .level = 2, .parent = "310000"};
    assert_int_equal(write_region(s, &child, &e), ZT_OK);

    assert_int_equal(query_int(s, "SELECT count(*) FROM regions"), 2);
    assert_int_equal(region_exists(s, "310102"), 0);
    zt_store_stats st;
    zt_store_stats_get(s, &st);
    assert_int_equal(st.failed_writes, 3);
    zt_store_close(s);
}

static zt_err step_done_conflict(zt_db *db, void *arg, zt_error *e) {
    zt_err *out = arg;
    zt_stmt *st = zt_db_prepare(db, "INSERT INTO calendar_years (year, source, imported_at) VALUES (2026, 'x', 0)", e);
    if (!st) return ZT_EINTERNAL;
    zt_err rc = zt_step_done(st, e);
    if (rc) return rc;
    st = zt_db_prepare(db, "INSERT INTO calendar_years (year, source, imported_at) VALUES (2026, 'y', 0)", e);
    if (!st) return ZT_EINTERNAL;
    *out = zt_step_done(st, e);
    /* keep the first row: the second insert failed as a statement only */
    return ZT_OK;
}

static void step_done_reports_conflict(void **state) {
    zt_store *s = open_store(db_path("stepdone.db"), 0, 0, -1);
    zt_error e = {0};
    zt_err second = ZT_OK;
    assert_int_equal(zt_store_write(s, step_done_conflict, &second, &e), ZT_OK);
    assert_int_equal(second, ZT_ECONFLICT);
    assert_int_equal(query_int(s, "SELECT count(*) FROM calendar_years"), 1);
    zt_store_close(s);
}

/* --- binds, columns, changes ----------------------------------------- */

static zt_err bind_kinds(zt_db *db, void *arg, zt_error *e) {
    zt_err rc = zt_db_exec(db, "CREATE TABLE t (i INTEGER, s TEXT, b BLOB, n TEXT)", e);
    if (rc) return rc;
    static const unsigned char blob[5] = {0, 1, 0xFF, 0, 7};
    for (int k = 0; k < 3; k++) {
        zt_stmt *st = zt_db_prepare(db, "INSERT INTO t VALUES (?, ?, ?, ?)", e);
        if (!st) return ZT_EINTERNAL;
        zt_bind_int(st, 1, INT64_MIN + k);
        zt_bind_text(st, 2, "文字");
        zt_bind_blob(st, 3, blob, sizeof blob);
        if (k == 0)
            zt_bind_null(st, 4);
        else
            zt_bind_text(st, 4, NULL); /* a NULL text binds NULL */
        if ((rc = zt_step_done(st, e))) return rc;
    }
    zt_stmt *up = zt_db_prepare(db, "UPDATE t SET s = 'x'", e);
    if (!up) return ZT_EINTERNAL;
    if ((rc = zt_step_done(up, e))) return rc;
    *(int64_t *)arg = zt_db_changes(db);
    return ZT_OK;
}

static void binds_and_columns(void **state) {
    zt_store *s = open_store(db_path("binds.db"), 0, 0, -1);
    zt_error e = {0};
    int64_t changes = -1;
    assert_int_equal(zt_store_write(s, bind_kinds, &changes, &e), ZT_OK);
    assert_int_equal(changes, 3);
    zt_db *db = zt_store_reader(s);
    zt_stmt *st = zt_db_prepare(db, "SELECT i, s, b, n FROM t ORDER BY i", &e);
    assert_non_null(st);
    assert_int_equal(zt_step(st, &e), ZT_ROW);
    assert_int_equal(zt_col_int(st, 0), INT64_MIN);
    assert_string_equal(zt_col_text(st, 1), "x");
    size_t n = 0;
    const unsigned char *b = zt_col_blob(st, 2, &n);
    assert_int_equal(n, 5);
    assert_int_equal(b[2], 0xFF);
    assert_int_equal(b[4], 7);
    assert_true(zt_col_is_null(st, 3));
    assert_false(zt_col_is_null(st, 0));
    assert_int_equal(zt_step(st, &e), ZT_ROW);
    assert_true(zt_col_is_null(st, 3));
    assert_int_equal(zt_step(st, &e), ZT_ROW);
    assert_int_equal(zt_step(st, &e), ZT_DONE);
    zt_db_release(db);
    zt_store_stats stats;
    zt_store_stats_get(s, &stats);
    assert_true(stats.reads >= 4); /* read steps are counted */
    zt_store_close(s);
}

/* zt_db_run and zt_db_query bind values 1..n in order, by kind */
static zt_err run_values(zt_db *db, void *arg, zt_error *e) {
    zt_err rc = zt_db_exec(db, "CREATE TABLE v (i INTEGER, s TEXT, n TEXT)", e);
    if (!rc) rc = zt_db_run(db, e, "INSERT INTO v (i, s, n) VALUES (?, ?, ?)", ZT_I(INT64_MAX), ZT_T("甲"), ZT_NULL);
    if (!rc) rc = zt_db_run(db, e, "INSERT INTO v (i, s, n) VALUES (?, ?, ?)", ZT_I(-1), ZT_T(NULL), ZT_T("n"));
    /* a constraint or SQL error is the statement's, as zt_step_done says */
    if (!rc && zt_db_run(db, e, "INSERT INTO nowhere VALUES (?)", ZT_I(1)) != ZT_EINTERNAL) rc = ZT_EINTERNAL;
    return rc;
}

static void run_and_query(void **state) {
    zt_store *s = open_store(db_path("values.db"), 0, 0, -1);
    zt_error e = {0};
    assert_int_equal(zt_store_write(s, run_values, NULL, &e), ZT_OK);
    zt_db *db = zt_store_reader(s);
    zt_stmt *st = zt_db_query(db, &e, "SELECT i, s, n FROM v WHERE i > ? ORDER BY i", ZT_I(-2));
    assert_non_null(st);
    assert_int_equal(zt_step(st, &e), ZT_ROW);
    assert_int_equal(zt_col_int(st, 0), -1);
    assert_true(zt_col_is_null(st, 1));
    assert_string_equal(zt_col_text(st, 2), "n");
    assert_int_equal(zt_step(st, &e), ZT_ROW);
    assert_int_equal(zt_col_int(st, 0), INT64_MAX);
    assert_string_equal(zt_col_text(st, 1), "甲");
    assert_true(zt_col_is_null(st, 2));
    assert_int_equal(zt_step(st, &e), ZT_DONE);
    st = zt_db_query(db, &e, "SELECT count(*) FROM v WHERE s = ? OR i = ?", ZT_T("甲"), ZT_I(-1));
    assert_int_equal(zt_step(st, &e), ZT_ROW);
    assert_int_equal(zt_col_int(st, 0), 2);
    zt_db_release(db);
    assert_null(zt_db_query(db, &e, "SELEKT ?", ZT_I(1)));
    assert_int_equal(e.code, ZT_EINTERNAL);
    zt_store_close(s);
}

/* --- readers and the statement cache --------------------------------- */

typedef struct {
    zt_store *s;
    zt_db *db;
    int64_t count;
} reader_probe;

static void *reader_thread(void *arg) {
    reader_probe *p = arg;
    p->db = zt_store_reader(p->s);
    zt_error e = {0};
    zt_stmt *st = zt_db_prepare(p->db, "SELECT count(*) FROM regions", &e);
    if (st && zt_step(st, &e) == ZT_ROW) p->count = zt_col_int(st, 0);
    zt_db_release(p->db);
    return NULL;
}

static void reader_per_thread(void **state) {
    zt_store *s = open_store(db_path("readers.db"), 0, 0, -1);
    zt_error e = {0};
    region_arg r = {.code = "440000"};
    assert_int_equal(write_region(s, &r, &e), ZT_OK);

    zt_db *mine = zt_store_reader(s);
    assert_non_null(mine);
    assert_ptr_equal(zt_store_reader(s), mine); /* same thread, same connection */

    reader_probe p1 = {.s = s, .count = -1}, p2 = {.s = s, .count = -1};
    pthread_t t1, t2;
    assert_int_equal(pthread_create(&t1, NULL, reader_thread, &p1), 0);
    assert_int_equal(pthread_create(&t2, NULL, reader_thread, &p2), 0);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    assert_non_null(p1.db);
    assert_non_null(p2.db);
    assert_ptr_not_equal(p1.db, p2.db);
    assert_ptr_not_equal(p1.db, mine);
    assert_ptr_not_equal(p2.db, mine);
    assert_int_equal(p1.count, 1);
    assert_int_equal(p2.count, 1);
    zt_store_close(s); /* closes the threads' connections too (ASan: no leak) */
}

static void statement_cache(void **state) {
    zt_store *s = open_store(db_path("cache.db"), 0, 0, -1);
    zt_error e = {0};
    const char *codes[] = {"A1", "A2", "A3"};
    for (int i = 0; i < 3; i++) {
        region_arg r = {.code = codes[i]};
        assert_int_equal(write_region(s, &r, &e), ZT_OK);
    }
    zt_db *db = zt_store_reader(s);
    const char *sql = "SELECT code FROM regions ORDER BY code";
    zt_stmt *st = zt_db_prepare(db, sql, &e);
    assert_non_null(st);
    assert_int_equal(zt_step(st, &e), ZT_ROW);
    assert_string_equal(zt_col_text(st, 0), "A1");
    assert_int_equal(zt_step(st, &e), ZT_ROW);
    assert_string_equal(zt_col_text(st, 0), "A2");
    /* the same SQL again: the cached statement, reset to the start */
    zt_stmt *again = zt_db_prepare(db, sql, &e);
    assert_ptr_equal(again, st);
    assert_int_equal(zt_step(again, &e), ZT_ROW);
    assert_string_equal(zt_col_text(again, 0), "A1");
    zt_db_release(db);
    assert_ptr_equal(zt_db_prepare(db, sql, &e), st); /* kept across release */

    /* bindings are cleared too */
    zt_stmt *b = zt_db_prepare(db, "SELECT ?1 IS NULL, ?1", &e);
    assert_non_null(b);
    zt_bind_int(b, 1, 5);
    assert_int_equal(zt_step(b, &e), ZT_ROW);
    assert_int_equal(zt_col_int(b, 0), 0);
    assert_int_equal(zt_col_int(b, 1), 5);
    zt_stmt *b2 = zt_db_prepare(db, "SELECT ?1 IS NULL, ?1", &e);
    assert_ptr_equal(b2, b);
    assert_int_equal(zt_step(b2, &e), ZT_ROW);
    assert_int_equal(zt_col_int(b2, 0), 1);
    /* different SQL, different statement */
    zt_stmt *other = zt_db_prepare(db, "SELECT code FROM regions ORDER BY code DESC", &e);
    assert_ptr_not_equal(other, st);
    assert_int_equal(zt_step(other, &e), ZT_ROW);
    assert_string_equal(zt_col_text(other, 0), "A3");
    zt_db_release(db);

    /* more distinct statements than the cache keeps: all work, the extra ones
     * are finalized at release (ASan: no leak) */
    for (int i = 0; i < 600; i++) {
        char q[64];
        snprintf(q, sizeof q, "SELECT %d + count(*) FROM regions", i);
        zt_stmt *x = zt_db_prepare(db, q, &e);
        assert_non_null(x);
        assert_int_equal(zt_step(x, &e), ZT_ROW);
        assert_int_equal(zt_col_int(x, 0), i + 3);
        if (i % 50 == 49) zt_db_release(db);
    }
    zt_db_release(db);

    /* bad SQL: NULL with an internal error */
    memset(&e, 0, sizeof e);
    assert_null(zt_db_prepare(db, "SELEKT 1", &e));
    assert_int_equal(e.code, ZT_EINTERNAL);
    assert_true(e.message[0] != 0);
    zt_store_close(s);
}

/* --- read-only ------------------------------------------------------- */

static void readonly_refuses_writes(void **state) {
    const char *path = db_path("ro.db");
    zt_store *s = open_store(path, 0, 0, -1);
    zt_error e = {0};
    region_arg r = {.code = "500000", .name = "重庆市"};
    assert_int_equal(write_region(s, &r, &e), ZT_OK);
    zt_store_close(s);

    s = open_store(path, 1, 0, -1);
    atomic_int calls = 0;
    region_arg w = {.code = "510000", .calls = &calls};
    memset(&e, 0, sizeof e);
    assert_int_equal(write_region(s, &w, &e), ZT_EUNAVAIL);
    assert_int_equal(e.code, ZT_EUNAVAIL);
    assert_int_equal(atomic_load(&calls), 0); /* the function never ran */
    /* reads work */
    assert_int_equal(region_exists(s, "500000"), 1);
    /* and the read connection cannot write either */
    zt_db *db = zt_store_reader(s);
    zt_stmt *st = zt_db_prepare(
        db, "INSERT INTO regions (code, name, level, created_at, updated_at) VALUES ('520000', 'x', 1, 0, 0)", &e);
    assert_non_null(st);
    memset(&e, 0, sizeof e);
    assert_int_equal(zt_step(st, &e), ZT_EUNAVAIL);
    assert_int_equal(e.code, ZT_EUNAVAIL);
    zt_db_release(db);
    zt_store_close(s);

    s = open_store(path, 0, 0, -1);
    assert_int_equal(region_exists(s, "510000"), 0);
    assert_int_equal(region_exists(s, "520000"), 0);
    zt_store_close(s);

    /* read-only never creates a file */
    zt_store_options o = {.path = db_path("ro-missing.db"), .readonly = 1};
    zt_store *none = NULL;
    assert_int_equal(zt_store_open(&o, &none, &e), ZT_EUNAVAIL);
    struct stat sb;
    assert_int_equal(stat(o.path, &sb), -1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(open_creates_and_migrates),
        cmocka_unit_test(open_failure),
        cmocka_unit_test(write_is_durable),
        cmocka_unit_test(failing_write_rolled_back),
        cmocka_unit_test(failing_write_alone_in_batch),
        cmocka_unit_test(concurrent_writes_group_commit),
        cmocka_unit_test(constraint_is_conflict),
        cmocka_unit_test(step_done_reports_conflict),
        cmocka_unit_test(binds_and_columns),
        cmocka_unit_test(run_and_query),
        cmocka_unit_test(reader_per_thread),
        cmocka_unit_test(statement_cache),
        cmocka_unit_test(readonly_refuses_writes),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
