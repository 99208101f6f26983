/* sqlite.c - the SQLite implementation of store.h: WAL mode, a read
 * connection per thread, a prepared-statement cache per connection, and one
 * writer thread with group commit. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/clock.h"
#include "base/log.h"
#include "store/migrate.h"
#define ZT_STORE_IMPL /* no nonnull attribute on the definitions: see store.h */
#include "store/store.h"

#define CACHE_SLOTS 512     /* power of two; statements beyond it are not cached */
#define MAX_HOOKS   8       /* commit hooks: a few subscribers (live feeds), not a plug-in system */
#define PROBE_US    1000000 /* while degraded, the idle writer tries a probe write this often */

struct zt_stmt {
    sqlite3_stmt *st;
    zt_db *db;
    char *sql;
    uint64_t hash;
    int cached, active;
    zt_stmt *next_active;
};

/* Work a write defers to its end (zt_db_defer). */
#define MAX_DEFERRED 8
typedef struct deferred {
    zt_err (*fn)(zt_db *db, void *arg, int keep, zt_error *e);
    void *arg;
} deferred;

struct zt_db {
    sqlite3 *h;
    zt_store *store;
    int is_writer;
    deferred defer[MAX_DEFERRED]; /* the writer's, for the write being run */
    int ndefer;
    zt_stmt *cache[CACHE_SLOTS];
    int ncached;
    zt_stmt *active;   /* statements used since the last release */
    zt_stmt *uncached; /* statements to finalize at release */
    zt_db *next;       /* in the store's list of readers */
};

typedef struct job {
    zt_write_fn fn;
    void *arg;
    zt_error *e;
    zt_err rc;
    int done;
    pthread_cond_t cv; /* its own: a commit wakes only the writes it made durable */
    struct job *next;
} job;

struct zt_store {
    char *path;
    char synchronous[8];
    int batch_max, batch_window_us, readonly, busy_timeout_ms;
    pthread_key_t reader_key;
    pthread_mutex_t readers_mu;
    zt_db *readers;
    zt_db *writer;
    pthread_t writer_thread;
    int writer_running;
    pthread_mutex_t mu;
    pthread_cond_t work_cv;
    job *head, *tail;
    int stopping;
    int schema_version;
    _Atomic int64_t queue_depth;
    _Atomic uint64_t writes, commits, failed_writes, failed_commits, write_us, read_us, reads;
    struct commit_hook {
        void (*fn)(void *arg);
        void *arg;
    } hooks[MAX_HOOKS]; /* under mu */
    int nhooks;
    /* the last write outcome (under mu): ZT_FAULT_NONE after a durable commit */
    zt_store_fault fault;
    int64_t fault_since; /* Unix seconds (the real clock, not the fake one) */
    char fault_detail[200];
};

static uint64_t fnv(const char *s) {
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* SQLite often reports a failed write as a plain I/O error without errno
 * (once its pager is in the error state, later writes fail without calling
 * the OS). Ask the volume: an unnamed file in the database's directory
 * (O_TMPFILE: nothing to clean up) fails with EROFS on a read-only volume,
 * also one the kernel turned read-only after an error. */
static zt_store_fault volume_fault(sqlite3 *h) {
    const char *file = h ? sqlite3_db_filename(h, "main") : NULL;
    if (!file || !*file) return ZT_FAULT_NONE;
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", file);
    char *slash = strrchr(dir, '/');
    if (slash == dir)
        dir[1] = 0;
    else if (slash)
        *slash = 0;
    else
        snprintf(dir, sizeof dir, ".");
    int fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
    if (fd >= 0) {
        close(fd);
        return ZT_FAULT_NONE;
    }
    if (errno == EROFS) return ZT_FAULT_READONLY;
    if (errno == ENOSPC || errno == EDQUOT) return ZT_FAULT_FULL;
    return ZT_FAULT_NONE;
}

/* What kind of unavailability an SQLite error is (ZT_FAULT_NONE: not one). */
static zt_store_fault fault_of(sqlite3 *h, int rc) {
    switch (rc & 0xff) {
    case SQLITE_FULL:
        return ZT_FAULT_FULL;
    case SQLITE_READONLY:
        return ZT_FAULT_READONLY;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return ZT_FAULT_BUSY;
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
        /* a volume the kernel turned read-only under us fails writes with
         * EROFS, and a full one may surface as an I/O error with ENOSPC */
        if (h && sqlite3_system_errno(h) == EROFS) return ZT_FAULT_READONLY;
        if (h && (sqlite3_system_errno(h) == ENOSPC || sqlite3_system_errno(h) == EDQUOT)) return ZT_FAULT_FULL;
        zt_store_fault v = volume_fault(h);
        return v != ZT_FAULT_NONE ? v : ZT_FAULT_IO;
    default:
        return ZT_FAULT_NONE;
    }
}

const char *zt_store_fault_name(zt_store_fault f) {
    static const char *const names[] = {"none", "disk_full", "read_only", "busy", "io_error"};
    return f >= ZT_FAULT_NONE && f <= ZT_FAULT_IO ? names[f] : "unknown";
}

/* The message a user reads in the 503 (the SQLite detail goes to the log). */
static const char *fault_message(zt_store_fault f) {
    switch (f) {
    case ZT_FAULT_FULL:
        return "服务器存储空间已满，数据暂时无法保存，请稍后重试";
    case ZT_FAULT_READONLY:
        return "数据库当前处于只读状态，数据暂时无法保存，请稍后重试";
    case ZT_FAULT_BUSY:
        return "数据库繁忙，写入等待超时，请稍后重试";
    default:
        return "服务器存储读写出错，请稍后重试";
    }
}

static zt_err sql_fail(zt_error *e, sqlite3 *h, int rc, const char *what) {
    int base = rc & 0xff;
    if (base == SQLITE_CONSTRAINT)
        return zt_fail(e, ZT_ECONFLICT, NULL, "%s: %s", what, h ? sqlite3_errmsg(h) : sqlite3_errstr(rc));
    zt_store_fault f = fault_of(h, rc);
    if (f != ZT_FAULT_NONE) {
        /* operators read the cause in the log; users a plain sentence */
        zt_error_log("storage unavailable (%s) in %s: %s (errno %d)", zt_store_fault_name(f), what,
                     h ? sqlite3_errmsg(h) : sqlite3_errstr(rc), h ? sqlite3_system_errno(h) : 0);
        return zt_fail(e, ZT_EUNAVAIL, NULL, "%s", fault_message(f));
    }
    return zt_fail(e, ZT_EINTERNAL, NULL, "%s: %s", what, h ? sqlite3_errmsg(h) : sqlite3_errstr(rc));
}

static zt_err open_conn(zt_store *s, int writer, zt_db **out, zt_error *e) {
    zt_db *db = zt_calloc(1, sizeof *db);
    db->store = s;
    db->is_writer = writer;
    int flags = SQLITE_OPEN_NOMUTEX | (s->readonly ? SQLITE_OPEN_READONLY
                                       : writer    ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                                                   : SQLITE_OPEN_READWRITE);
    int rc = sqlite3_open_v2(s->path, &db->h, flags, NULL);
    if (rc != SQLITE_OK) {
        zt_err r = sql_fail(e, db->h, rc, s->path);
        sqlite3_close(db->h);
        free(db);
        return r;
    }
    sqlite3_busy_timeout(db->h, s->busy_timeout_ms);
    sqlite3_extended_result_codes(db->h, 1);
    char pragmas[256];
    snprintf(pragmas, sizeof pragmas, "PRAGMA foreign_keys=ON; PRAGMA synchronous=%s; PRAGMA temp_store=MEMORY;%s",
             s->synchronous, writer && !s->readonly ? " PRAGMA journal_mode=WAL;" : " PRAGMA query_only=1;");
    rc = sqlite3_exec(db->h, pragmas, NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        zt_err r = sql_fail(e, db->h, rc, "pragmas");
        sqlite3_close(db->h);
        free(db);
        return r;
    }
    *out = db;
    return ZT_OK;
}

static void close_conn(zt_db *db) {
    if (!db) return;
    zt_db_release(db);
    for (int i = 0; i < CACHE_SLOTS; i++)
        if (db->cache[i]) {
            sqlite3_finalize(db->cache[i]->st);
            free(db->cache[i]->sql);
            free(db->cache[i]);
        }
    sqlite3_close(db->h);
    free(db);
}

zt_stmt *zt_db_prepare(zt_db *db, const char *sql, zt_error *e) {
    ZT_ASSERT(e);
    uint64_t h = fnv(sql);
    unsigned slot = (unsigned)h & (CACHE_SLOTS - 1);
    zt_stmt *st = NULL;
    for (unsigned i = 0; i < CACHE_SLOTS; i++) {
        zt_stmt *c = db->cache[(slot + i) & (CACHE_SLOTS - 1)];
        if (!c) break;
        if (c->hash == h && strcmp(c->sql, sql) == 0) {
            st = c;
            break;
        }
    }
    if (!st) {
        sqlite3_stmt *raw;
        int rc = sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &raw, NULL);
        if (rc != SQLITE_OK) {
            sql_fail(e, db->h, rc, "prepare");
            zt_error_log("SQL prepare failed: %s in: %s", sqlite3_errmsg(db->h), sql);
            return NULL;
        }
        st = zt_calloc(1, sizeof *st);
        st->st = raw;
        st->db = db;
        st->sql = zt_strdup(sql);
        st->hash = h;
        if (db->ncached < CACHE_SLOTS / 2) {
            for (unsigned i = 0;; i++)
                if (!db->cache[(slot + i) & (CACHE_SLOTS - 1)]) {
                    db->cache[(slot + i) & (CACHE_SLOTS - 1)] = st;
                    break;
                }
            db->ncached++;
            st->cached = 1;
        }
    }
    sqlite3_reset(st->st);
    sqlite3_clear_bindings(st->st);
    if (!st->active) {
        st->active = 1;
        st->next_active = db->active;
        db->active = st;
    }
    return st;
}

void zt_db_release(zt_db *db) {
    zt_stmt *st = db->active;
    while (st) {
        zt_stmt *next = st->next_active;
        sqlite3_reset(st->st);
        st->active = 0;
        st->next_active = NULL;
        if (!st->cached) {
            sqlite3_finalize(st->st);
            free(st->sql);
            free(st);
        }
        st = next;
    }
    db->active = NULL;
}

void zt_db_defer(zt_db *db, zt_err (*fn)(zt_db *db, void *arg, int keep, zt_error *e), void *arg) {
    ZT_ASSERTF(db->is_writer, "zt_db_defer outside a write");
    for (int k = 0; k < db->ndefer; k++)
        if (db->defer[k].fn == fn && db->defer[k].arg == arg) return;
    if (db->ndefer == MAX_DEFERRED) {
        zt_error_log("store: more than %d deferred functions in one write", MAX_DEFERRED);
        abort();
    }
    db->defer[db->ndefer++] = (deferred){fn, arg};
}

zt_err zt_db_exec(zt_db *db, const char *sql, zt_error *e) {
    ZT_ASSERT(e);
    char *msg = NULL;
    int rc = sqlite3_exec(db->h, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        zt_err r = sql_fail(e, db->h, rc, "exec");
        sqlite3_free(msg);
        return r;
    }
    return ZT_OK;
}

void zt_bind_int(zt_stmt *st, int i, int64_t v) { sqlite3_bind_int64(st->st, i, v); }
void zt_bind_text(zt_stmt *st, int i, const char *v) {
    if (v)
        sqlite3_bind_text(st->st, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st->st, i);
}
void zt_bind_blob(zt_stmt *st, int i, const void *v, size_t n) {
    sqlite3_bind_blob64(st->st, i, v, n, SQLITE_TRANSIENT);
}
void zt_bind_null(zt_stmt *st, int i) { sqlite3_bind_null(st->st, i); }

zt_err zt_step(zt_stmt *st, zt_error *e) {
    ZT_ASSERT(e);
    int64_t t0 = st->db->is_writer ? 0 : zt_mono_us();
    int rc = sqlite3_step(st->st);
    if (!st->db->is_writer) {
        atomic_fetch_add(&st->db->store->read_us, (uint64_t)(zt_mono_us() - t0));
        atomic_fetch_add(&st->db->store->reads, 1);
    }
    if (rc == SQLITE_ROW) return ZT_ROW;
    if (rc == SQLITE_DONE) return ZT_DONE;
    return sql_fail(e, st->db->h, rc, "step");
}

zt_stmt *zt_db_query_v(zt_db *db, zt_error *e, const char *sql, const zt_val *v, size_t n) {
    zt_stmt *st = zt_db_prepare(db, sql, e);
    if (!st) return NULL;
    for (size_t k = 0; k < n; k++) {
        ZT_ASSERTF(v[k].kind == 'i' || v[k].kind == 't' || v[k].kind == 'n', "value %zu of %s", k + 1, sql);
        if (v[k].kind == 'i')
            zt_bind_int(st, (int)k + 1, v[k].i);
        else if (v[k].kind == 't')
            zt_bind_text(st, (int)k + 1, v[k].t);
        else
            zt_bind_null(st, (int)k + 1);
    }
    return st;
}

zt_err zt_db_run_v(zt_db *db, zt_error *e, const char *sql, const zt_val *v, size_t n) {
    zt_stmt *st = zt_db_query_v(db, e, sql, v, n);
    return st ? zt_step_done(st, e) : ZT_EINTERNAL;
}

zt_err zt_step_done(zt_stmt *st, zt_error *e) {
    ZT_ASSERT(e);
    zt_err rc = zt_step(st, e);
    if (zt_step_failed(rc)) return rc;
    return ZT_OK;
}

int64_t zt_col_int(zt_stmt *st, int i) { return sqlite3_column_int64(st->st, i); }
const char *zt_col_text(zt_stmt *st, int i) { return (const char *)sqlite3_column_text(st->st, i); }
const void *zt_col_blob(zt_stmt *st, int i, size_t *n) {
    const void *p = sqlite3_column_blob(st->st, i);
    *n = (size_t)sqlite3_column_bytes(st->st, i);
    return p;
}
int zt_col_is_null(zt_stmt *st, int i) { return sqlite3_column_type(st->st, i) == SQLITE_NULL; }
int64_t zt_db_changes(zt_db *db) { return sqlite3_changes64(db->h); }

zt_db *zt_store_reader(zt_store *s) {
    zt_db *db = pthread_getspecific(s->reader_key);
    if (db) return db;
    zt_error e;
    if (open_conn(s, 0, &db, &e) != ZT_OK) {
        /* the file was opened at start-up; failing now is an environment fault */
        zt_error_log("cannot open read connection: %s", e.message);
        abort();
    }
    pthread_setspecific(s->reader_key, db);
    pthread_mutex_lock(&s->readers_mu);
    db->next = s->readers;
    s->readers = db;
    pthread_mutex_unlock(&s->readers_mu);
    return db;
}

/* --- migrations ------------------------------------------------------ */

static zt_err migrate(zt_store *s, zt_error *e) {
    zt_db *db = s->writer;
    zt_err rc = zt_db_exec(db,
                           "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
                           " name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
                           e);
    if (rc) return rc;
    int have = 0;
    zt_stmt *st = zt_db_prepare(db, "SELECT coalesce(max(version), 0) FROM schema_migrations", e);
    if (!st) return ZT_EINTERNAL;
    if (zt_step(st, e) == ZT_ROW) have = (int)zt_col_int(st, 0);
    zt_db_release(db);
    /* a migration may rebuild a table others refer to (SQLite's way of
     * changing a constraint): foreign keys are checked once it is done,
     * before it commits, not while it copies (sqlite.org/lang_altertable.html) */
    int fk_off = 0;
    for (const zt_migration *m = zt_migrations; m->version; m++) {
        if (m->version <= have) continue;
        if (!fk_off && (rc = zt_db_exec(db, "PRAGMA foreign_keys=OFF", e))) return rc;
        fk_off = 1;
        if ((rc = zt_db_exec(db, "BEGIN IMMEDIATE", e))) return rc;
        rc = zt_db_exec(db, m->sql, e);
        if (!rc) {
            zt_stmt *fk = zt_db_prepare(db, "PRAGMA foreign_key_check", e);
            if (!fk)
                rc = ZT_EINTERNAL;
            else if ((rc = zt_step(fk, e)) == ZT_ROW)
                rc = zt_fail(e, ZT_EINTERNAL, NULL, "a row of %s refers to a missing row", zt_col_text(fk, 0));
            else if (rc == ZT_DONE)
                rc = ZT_OK;
            zt_db_release(db);
        }
        if (!rc) {
            zt_stmt *ins = zt_db_prepare(db, "INSERT INTO schema_migrations VALUES (?, ?, ?)", e);
            if (!ins)
                rc = ZT_EINTERNAL;
            else {
                zt_bind_int(ins, 1, m->version);
                zt_bind_text(ins, 2, m->name);
                zt_bind_int(ins, 3, zt_now());
                rc = zt_step_done(ins, e);
            }
            zt_db_release(db);
        }
        if (rc) {
            zt_error ignored = {0}; /* e keeps the migration's error */
            zt_db_exec(db, "ROLLBACK", &ignored);
            zt_error_prefix(e, "migration %s: ", m->name);
            return rc;
        }
        if ((rc = zt_db_exec(db, "COMMIT", e))) return rc;
        have = m->version;
        zt_info("applied migration %s", m->name);
    }
    if (fk_off && (rc = zt_db_exec(db, "PRAGMA foreign_keys=ON", e))) return rc;
    s->schema_version = have;
    return ZT_OK;
}

/* --- the writer ------------------------------------------------------ */

/* A statement without parameters through the cache: the writer runs its
 * savepoints once per write, so they are parsed once, not every time. */
static zt_err run_cached(zt_db *db, const char *sql, zt_error *e) {
    zt_stmt *st = zt_db_prepare(db, sql, e);
    if (!st) return ZT_EINTERNAL;
    zt_err rc = zt_step_done(st, e);
    sqlite3_reset(st->st);
    return rc;
}

static void finish(zt_store *s, job *list, zt_err commit_rc, const zt_error *ce) {
    pthread_mutex_lock(&s->mu);
    for (job *j = list; j; j = j->next) {
        if (commit_rc && !j->rc) {
            j->rc = commit_rc;
            if (j->e) *j->e = *ce;
        }
        j->done = 1;
        pthread_cond_signal(&j->cv);
    }
    pthread_mutex_unlock(&s->mu);
}

/* After a durable commit, once per batch; outside mu, so a hook may take
 * its own locks (it only signals: the writer must get back to work). */
static void run_hooks(zt_store *s) {
    struct commit_hook h[MAX_HOOKS];
    pthread_mutex_lock(&s->mu);
    int n = s->nhooks;
    memcpy(h, s->hooks, sizeof h);
    pthread_mutex_unlock(&s->mu);
    for (int i = 0; i < n; i++) h[i].fn(h[i].arg);
}

void zt_store_on_commit(zt_store *s, void (*fn)(void *arg), void *arg) {
    pthread_mutex_lock(&s->mu);
    int i = 0;
    while (i < s->nhooks && !(s->hooks[i].fn == fn && s->hooks[i].arg == arg)) i++;
    if (i == s->nhooks) {
        if (s->nhooks == MAX_HOOKS) {
            pthread_mutex_unlock(&s->mu);
            zt_error_log("zt_store_on_commit: more than %d hooks", MAX_HOOKS);
            abort(); /* a programming error, found at the first start */
        }
        s->hooks[s->nhooks++] = (struct commit_hook){fn, arg};
    }
    pthread_mutex_unlock(&s->mu);
}

static int64_t real_now(void) { return (int64_t)time(NULL); }

/* Record the outcome of a write transaction (f == ZT_FAULT_NONE: durable).
 * The log says when the state changes, not on every failure after. */
static void set_fault(zt_store *s, zt_store_fault f, const char *detail) {
    pthread_mutex_lock(&s->mu);
    zt_store_fault was = s->fault;
    if (f != was) s->fault_since = real_now();
    s->fault = f;
    snprintf(s->fault_detail, sizeof s->fault_detail, "%s", detail ? detail : "");
    pthread_mutex_unlock(&s->mu);
    if (f != was && f == ZT_FAULT_NONE)
        zt_info("storage writable again (was %s)", zt_store_fault_name(was));
    else if (f != was)
        zt_error_log("storage degraded: %s (%s)", zt_store_fault_name(f), detail ? detail : "");
}

/* The fault of the writer's last failed statement, read before anything
 * else runs on the connection. */
static zt_store_fault writer_fault(zt_db *db, char *detail, size_t n) {
    int rc = sqlite3_extended_errcode(db->h);
    zt_store_fault f = fault_of(db->h, rc);
    snprintf(detail, n, "%s (errno %d)", sqlite3_errmsg(db->h), sqlite3_system_errno(db->h));
    return f == ZT_FAULT_NONE ? ZT_FAULT_IO : f;
}

/* While degraded and idle: one small real write (page 1 is rewritten with
 * the same user_version), so that /healthz turns back to ok when the fault
 * clears even if no client writes. Uses sqlite3_exec directly: a failing
 * probe every second must not flood the log. */
static void probe(zt_store *s) {
    zt_db *db = s->writer;
    char detail[200];
    /* no waiting for a lock: writes queued meanwhile must not wait twice */
    sqlite3_busy_timeout(db->h, 0);
    int rc = sqlite3_exec(db->h, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_stmt *st = NULL;
        int v = 0;
        if (sqlite3_prepare_v2(db->h, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
            v = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA user_version=%d", v);
        rc = sqlite3_exec(db->h, sql, NULL, NULL, NULL);
        if (rc == SQLITE_OK) rc = sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL);
    }
    if (rc == SQLITE_OK) {
        set_fault(s, ZT_FAULT_NONE, NULL);
    } else {
        zt_store_fault f = writer_fault(db, detail, sizeof detail);
        if (!sqlite3_get_autocommit(db->h)) sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
        set_fault(s, f, detail);
    }
    sqlite3_busy_timeout(db->h, s->busy_timeout_ms);
}

static void *writer_main(void *arg) {
    zt_store *s = arg;
    zt_db *db = s->writer;
    for (;;) {
        pthread_mutex_lock(&s->mu);
        int probe_due = 0;
        while (!s->head && !s->stopping && !probe_due) {
            if (s->fault == ZT_FAULT_NONE) {
                pthread_cond_wait(&s->work_cv, &s->mu);
                continue;
            }
            struct timespec until;
            clock_gettime(CLOCK_MONOTONIC, &until);
            until.tv_sec += PROBE_US / 1000000;
            if (pthread_cond_timedwait(&s->work_cv, &s->mu, &until) == ETIMEDOUT && !s->head) probe_due = 1;
        }
        if (!s->head) {
            pthread_mutex_unlock(&s->mu);
            if (probe_due) {
                probe(s);
                continue;
            }
            break;
        }
        pthread_mutex_unlock(&s->mu);

        int64_t t0 = zt_mono_us();
        zt_error ce = {0};
        zt_error ignored = {0}; /* rollbacks and releases: what failed is already known */
        char detail[200] = "";
        zt_store_fault fault = ZT_FAULT_NONE;
        /* while another process is known to hold the lock, writes fail at
         * once instead of each batch waiting busy_timeout_ms (which would
         * also hold every HTTP thread); the probe and the next batch after
         * the lock is free succeed again */
        int fail_fast = s->fault == ZT_FAULT_BUSY; /* s->fault is written on this thread only */
        if (fail_fast) sqlite3_busy_timeout(db->h, 0);
        zt_err begin_rc = zt_db_exec(db, "BEGIN IMMEDIATE", &ce);
        if (begin_rc) fault = writer_fault(db, detail, sizeof detail);
        if (fail_fast) sqlite3_busy_timeout(db->h, s->busy_timeout_ms);
        /* the window counts from when the transaction is open: a BEGIN that
         * waited for a lock must not shrink the batch to one write */
        int64_t opened = zt_mono_us();
        job *batch = NULL, **tail = &batch;
        int n = 0;
        for (;;) {
            pthread_mutex_lock(&s->mu);
            job *j = s->head;
            /* after a failed BEGIN every queued write fails now: each would
             * otherwise wait store.busy_timeout_ms again, one after another */
            if (j && (begin_rc || (n < s->batch_max && (n == 0 || zt_mono_us() - opened < s->batch_window_us)))) {
                s->head = j->next;
                if (!s->head) s->tail = NULL;
                atomic_fetch_sub(&s->queue_depth, 1);
            } else {
                j = NULL;
            }
            pthread_mutex_unlock(&s->mu);
            if (!j) break;
            j->next = NULL;
            *tail = j;
            tail = &j->next;
            n++;
            if (begin_rc) continue; /* every job of the batch fails with the begin error */
            if (fault != ZT_FAULT_NONE || sqlite3_get_autocommit(db->h)) {
                /* SQLite rolled the whole transaction back after an I/O
                 * error, disk full or similar: a SAVEPOINT now would start
                 * (and RELEASE commit) a transaction of its own, outside
                 * the batch. The rest of the batch fails with the batch. */
                if (fault == ZT_FAULT_NONE) {
                    fault = ZT_FAULT_IO;
                    snprintf(detail, sizeof detail, "transaction rolled back by SQLite");
                }
                continue;
            }
            zt_error se;
            if (run_cached(db, "SAVEPOINT w", &se) != ZT_OK) {
                j->rc = se.code;
                if (j->e) *j->e = se;
                continue;
            }
            db->ndefer = 0;
            j->rc = j->fn(db, j->arg, j->e);
            zt_db_release(db);
            /* what the write deferred to its end runs now, inside it; each is
             * told whether the write is kept (to clean up when it is not) */
            for (int k = 0; k < db->ndefer; k++) {
                zt_error de = {0};
                zt_err drc = db->defer[k].fn(db, db->defer[k].arg, j->rc == ZT_OK, &de);
                zt_db_release(db);
                if (drc && j->rc == ZT_OK) {
                    j->rc = drc;
                    if (j->e) *j->e = de;
                }
            }
            db->ndefer = 0;
            if (j->rc) {
                atomic_fetch_add(&s->failed_writes, 1);
                /* a storage fault inside the write dooms the batch (the
                 * transaction may be gone); a refusal (400, 409) does not */
                if (j->rc == ZT_EUNAVAIL) {
                    zt_store_fault f = fault_of(db->h, sqlite3_extended_errcode(db->h));
                    if (f != ZT_FAULT_NONE) {
                        fault = f;
                        snprintf(detail, sizeof detail, "%s (errno %d)", sqlite3_errmsg(db->h),
                                 sqlite3_system_errno(db->h));
                    }
                }
                if (!sqlite3_get_autocommit(db->h)) run_cached(db, "ROLLBACK TO w", &ignored);
            }
            if (!sqlite3_get_autocommit(db->h)) run_cached(db, "RELEASE w", &ignored);
        }
        zt_err crc = begin_rc;
        if (!crc && fault != ZT_FAULT_NONE) {
            crc = ZT_EUNAVAIL;
            if (!sqlite3_get_autocommit(db->h)) zt_db_exec(db, "ROLLBACK", &ignored);
        } else if (!crc) {
            crc = zt_db_exec(db, "COMMIT", &ce);
            if (crc) {
                fault = writer_fault(db, detail, sizeof detail);
                if (!sqlite3_get_autocommit(db->h)) zt_db_exec(db, "ROLLBACK", &ignored);
            }
        }
        if (crc) {
            atomic_fetch_add(&s->failed_commits, 1);
            zt_error_log("write batch of %d failed: %s", n, detail);
            zt_fail(&ce, ZT_EUNAVAIL, NULL, "%s", fault_message(fault));
            crc = ZT_EUNAVAIL;
            set_fault(s, fault, detail);
        } else {
            atomic_fetch_add(&s->commits, 1);
            set_fault(s, ZT_FAULT_NONE, NULL);
        }
        atomic_fetch_add(&s->writes, (uint64_t)n);
        atomic_fetch_add(&s->write_us, (uint64_t)(zt_mono_us() - t0));
        finish(s, batch, crc, &ce);
        if (!crc) run_hooks(s);
    }
    return NULL;
}

zt_err zt_store_write(zt_store *s, zt_write_fn fn, void *arg, zt_error *e) {
    ZT_ASSERT(e);
    if (s->readonly) return zt_fail(e, ZT_EUNAVAIL, NULL, "the database is open read-only");
    job j = {.fn = fn, .arg = arg, .e = e};
    pthread_mutex_lock(&s->mu);
    if (s->stopping) {
        pthread_mutex_unlock(&s->mu);
        return zt_fail(e, ZT_EUNAVAIL, NULL, "the server is shutting down");
    }
    pthread_cond_init(&j.cv, NULL);
    if (s->tail)
        s->tail->next = &j;
    else
        s->head = &j;
    s->tail = &j;
    atomic_fetch_add(&s->queue_depth, 1);
    pthread_cond_signal(&s->work_cv);
    while (!j.done) pthread_cond_wait(&j.cv, &s->mu);
    pthread_mutex_unlock(&s->mu);
    pthread_cond_destroy(&j.cv);
    return j.rc;
}

/* --- open / close ---------------------------------------------------- */

zt_err zt_store_open(const zt_store_options *o, zt_store **out, zt_error *e) {
    zt_store *s = zt_calloc(1, sizeof *s);
    s->path = zt_strdup(o->path);
    snprintf(s->synchronous, sizeof s->synchronous, "%s", o->synchronous ? o->synchronous : "FULL");
    s->batch_max = o->batch_max > 0 ? o->batch_max : 100;
    s->batch_window_us = o->batch_window_us >= 0 ? o->batch_window_us : 5000;
    s->readonly = o->readonly;
    s->busy_timeout_ms = o->busy_timeout_ms > 0 ? o->busy_timeout_ms : 5000;
    pthread_key_create(&s->reader_key, NULL);
    pthread_mutex_init(&s->readers_mu, NULL);
    pthread_mutex_init(&s->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* the probe's timed wait */
    pthread_cond_init(&s->work_cv, &ca);
    pthread_condattr_destroy(&ca);
    zt_err rc = open_conn(s, 1, &s->writer, e);
    if (!rc && !s->readonly) rc = migrate(s, e);
    if (rc) {
        zt_store_close(s);
        return rc;
    }
    if (!s->readonly) {
        pthread_create(&s->writer_thread, NULL, writer_main, s);
        s->writer_running = 1;
    }
    *out = s;
    return ZT_OK;
}

void zt_store_close(zt_store *s) {
    if (!s) return;
    if (s->writer_running) {
        pthread_mutex_lock(&s->mu);
        s->stopping = 1;
        pthread_cond_signal(&s->work_cv);
        pthread_mutex_unlock(&s->mu);
        pthread_join(s->writer_thread, NULL);
    }
    for (zt_db *db = s->readers; db;) {
        zt_db *next = db->next;
        close_conn(db);
        db = next;
    }
    close_conn(s->writer);
    pthread_key_delete(s->reader_key);
    pthread_mutex_destroy(&s->readers_mu);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->work_cv);
    free(s->path);
    free(s);
}

void zt_store_stats_get(zt_store *s, zt_store_stats *st) {
    st->writes = atomic_load(&s->writes);
    st->commits = atomic_load(&s->commits);
    st->failed_writes = atomic_load(&s->failed_writes);
    st->failed_commits = atomic_load(&s->failed_commits);
    st->queue_depth = atomic_load(&s->queue_depth);
    st->write_us = atomic_load(&s->write_us);
    st->read_us = atomic_load(&s->read_us);
    st->reads = atomic_load(&s->reads);
}

int zt_store_schema_version(zt_store *s) { return s->schema_version; }

void zt_store_health_get(zt_store *s, zt_store_health *h) {
    memset(h, 0, sizeof *h);
    if (s->readonly) {
        h->fault = ZT_FAULT_READONLY;
        snprintf(h->detail, sizeof h->detail, "opened read-only");
        return;
    }
    pthread_mutex_lock(&s->mu);
    h->fault = s->fault;
    h->since = s->fault_since;
    snprintf(h->detail, sizeof h->detail, "%s", s->fault_detail);
    pthread_mutex_unlock(&s->mu);
    h->failed_commits = atomic_load(&s->failed_commits);
    if (h->fault != ZT_FAULT_NONE) snprintf(h->message, sizeof h->message, "%s", fault_message(h->fault));
}
