/* store_bench.c - durable single-row writes: zhengtong's writer thread with
 * group commit (many client threads, each waiting for its own commit)
 * against raw SQLite committing one row per transaction, both with WAL and
 * synchronous=FULL on the same disk, in the same run.
 *
 * usage: store_bench DIR [threads] [seconds] */
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "store/store.h"

static zt_store *store;
static atomic_long done_writes;
static int64_t stop_at;

static zt_err insert_one(zt_db *db, void *arg, zt_error *e) {
    zt_stmt *st = zt_db_prepare(db, "INSERT INTO bench (v, at) VALUES (?, ?)", e);
    if (!st) return ZT_EINTERNAL;
    zt_bind_text(st, 1, "萍乡市公安局 受理 一件");
    zt_bind_int(st, 2, (int64_t)(intptr_t)arg);
    return zt_step_done(st, e);
}

static zt_err create_table(zt_db *db, void *arg, zt_error *e) {
    return zt_db_exec(db, "CREATE TABLE IF NOT EXISTS bench (id INTEGER PRIMARY KEY, v TEXT, at INTEGER)", e);
}

static void *client(void *arg) {
    zt_error e;
    while (zt_mono_us() < stop_at) {
        if (zt_store_write(store, insert_one, arg, &e) != ZT_OK) {
            fprintf(stderr, "write failed: %s\n", e.message);
            exit(1);
        }
        atomic_fetch_add(&done_writes, 1);
    }
    return NULL;
}

static double raw_sqlite(const char *path, int seconds) {
    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK) exit(1);
    sqlite3_exec(db,
                 "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                 "CREATE TABLE bench (id INTEGER PRIMARY KEY, v TEXT, at INTEGER)",
                 NULL, NULL, NULL);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db, "INSERT INTO bench (v, at) VALUES (?, ?)", -1, &st, NULL);
    long n = 0;
    int64_t t0 = zt_mono_us(), end = t0 + (int64_t)seconds * 1000000;
    while (zt_mono_us() < end) {
        sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
        sqlite3_bind_text(st, 1, "萍乡市公安局 受理 一件", -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, n);
        sqlite3_step(st);
        sqlite3_reset(st);
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
        n++;
    }
    double secs = (double)(zt_mono_us() - t0) / 1e6;
    sqlite3_finalize(st);
    sqlite3_close(db);
    return (double)n / secs;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: store_bench DIR [threads] [seconds]\n");
        return 2;
    }
    int threads = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 64;
    int seconds = argc > 3 ? (int)strtol(argv[3], NULL, 10) : 5;
    if (threads < 1 || threads > 1024 || seconds < 1) return 2;
    char path[4096];

    snprintf(path, sizeof path, "%s/raw.db", argv[1]);
    unlink(path);
    double raw = raw_sqlite(path, seconds);

    snprintf(path, sizeof path, "%s/zt.db", argv[1]);
    unlink(path);
    zt_store_options o = {.path = path, .synchronous = "FULL", .batch_max = 100, .batch_window_us = 5000};
    zt_error e;
    if (zt_store_open(&o, &store, &e) || zt_store_write(store, create_table, NULL, &e)) {
        fprintf(stderr, "%s\n", e.message);
        return 1;
    }
    pthread_t t[1024];
    int64_t t0 = zt_mono_us();
    stop_at = t0 + (int64_t)seconds * 1000000;
    for (int i = 0; i < threads; i++) pthread_create(&t[i], NULL, client, (void *)(intptr_t)i);
    for (int i = 0; i < threads; i++) pthread_join(t[i], NULL);
    double secs = (double)(zt_mono_us() - t0) / 1e6;
    zt_store_stats st;
    zt_store_stats_get(store, &st);
    zt_store_close(store);
    double zt = (double)atomic_load(&done_writes) / secs;
    printf("raw SQLite, one row per commit (WAL, synchronous=FULL): %10.0f rows/s\n", raw);
    printf("zhengtong writer, %4d clients, group commit:           %10.0f rows/s  (%.1f writes per commit)\n", threads,
           zt, (double)st.writes / (double)(st.commits ? st.commits : 1));
    printf("ratio: %.2fx\n", zt / raw);
    return 0;
}
