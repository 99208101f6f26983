/* ledger_bench.c - the ledger's costs side by side with their references,
 * in one run on one disk (issue #3):
 *  1. appends, one per transaction: zt_ledger_append through the writer
 *     (one client) against raw SQLite inserting the same rows, one row per
 *     transaction; both WAL, synchronous=FULL;
 *  2. appends in group commits: 64 clients through the writer against raw
 *     SQLite inserting the same rows 100 per transaction;
 *  3. `ledger verify` over N entries against raw SHA-256 of the same bytes.
 * usage: ledger_bench DIR [seconds] [verify_entries] */
#include <pthread.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "ledger/ledger.h"
#include "ledger/note.h"
#include "store/store.h"

static zt_store *store;
static atomic_long appended;
static int64_t stop_at;
static json_t *payload;

static zt_err append_one(zt_db *db, void *arg, zt_error *e) {
    zt_ledger_event ev = {
        .kind = "case.accept", .subject = "case/3603002026112800001", .actor = "gaj_clerk", .payload = payload};
    return zt_ledger_append(db, &ev, NULL, e);
}

static void *client(void *arg) {
    zt_error e;
    while (zt_mono_us() < stop_at) {
        if (zt_store_write(store, append_one, NULL, &e) != ZT_OK) {
            fprintf(stderr, "append failed: %s\n", e.message);
            exit(1);
        }
        atomic_fetch_add(&appended, 1);
    }
    return NULL;
}

static double run_ledger(const char *path, int threads, int seconds) {
    unlink(path);
    zt_store_options o = {.path = path, .synchronous = "FULL", .batch_max = 100, .batch_window_us = 5000};
    zt_error e;
    if (zt_store_open(&o, &store, &e)) {
        fprintf(stderr, "%s\n", e.message);
        exit(1);
    }
    atomic_store(&appended, 0);
    pthread_t t[64];
    int64_t t0 = zt_mono_us();
    stop_at = t0 + (int64_t)seconds * 1000000;
    for (int i = 0; i < threads; i++) pthread_create(&t[i], NULL, client, NULL);
    for (int i = 0; i < threads; i++) pthread_join(t[i], NULL);
    double rate = (double)atomic_load(&appended) / ((double)(zt_mono_us() - t0) / 1e6);
    zt_store_close(store);
    return rate;
}

/* The same rows, raw: entry bytes, leaf hash, subject; per txn `batch` rows. */
static double run_raw(const char *path, int batch, int seconds, const char *entry, int indexed) {
    unlink(path);
    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK) exit(1);
    sqlite3_exec(db,
                 "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE t (idx INTEGER PRIMARY KEY,"
                 " entry BLOB, leaf_hash BLOB, subject TEXT, owner INTEGER)",
                 NULL, NULL, NULL);
    if (indexed) sqlite3_exec(db, "CREATE INDEX ts ON t(subject)", NULL, NULL, NULL);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db, "INSERT INTO t VALUES (?, ?, ?, ?, NULL)", -1, &st, NULL);
    long n = 0;
    unsigned char h[32];
    crypto_hash_sha256(h, (const unsigned char *)entry, strlen(entry));
    int64_t t0 = zt_mono_us(), end = t0 + (int64_t)seconds * 1000000;
    while (zt_mono_us() < end) {
        sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
        for (int i = 0; i < batch; i++, n++) {
            sqlite3_bind_int64(st, 1, n);
            sqlite3_bind_blob(st, 2, entry, (int)strlen(entry), SQLITE_STATIC);
            sqlite3_bind_blob(st, 3, h, 32, SQLITE_STATIC);
            sqlite3_bind_text(st, 4, "case/3603002026112800001", -1, SQLITE_STATIC);
            sqlite3_step(st);
            sqlite3_reset(st);
        }
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    }
    double rate = (double)n / ((double)(zt_mono_us() - t0) / 1e6);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rate;
}

static zt_err append_many(zt_db *db, void *arg, zt_error *e) {
    long n = *(long *)arg;
    for (long i = 0; i < n; i++) {
        zt_err rc = append_one(db, NULL, e);
        if (rc) return rc;
    }
    return ZT_OK;
}

static zt_err sign(zt_db *db, void *arg, zt_error *e) {
    return zt_ledger_checkpoint(db, "bench/ledger", arg, NULL, NULL, e);
}

int main(int argc, char **argv) {
    if (argc < 2 || sodium_init() < 0) {
        fprintf(stderr, "usage: ledger_bench DIR [seconds] [verify_entries]\n");
        return 2;
    }
    int seconds = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 5;
    long nverify = argc > 3 ? strtol(argv[3], NULL, 10) : 200000;
    payload = json_pack("{s:s,s:s,s:i}", "item", "建设工程规划许可证核发", "dept", "360300-GH", "limit_days", 20);
    char path[4096], rawpath[4096];
    snprintf(path, sizeof path, "%s/ledger.db", argv[1]);
    snprintf(rawpath, sizeof rawpath, "%s/raw.db", argv[1]);
    /* a representative entry for the raw runs: what the ledger writes */
    const char *entry = "{\"index\":123456,\"kind\":\"case.accept\",\"subject\":\"case/3603002026112800001\","
                        "\"actor\":\"gaj_clerk\",\"event_time\":\"2026-11-28T08:00:00Z\",\"recorded_time\":"
                        "\"2026-11-28T08:00:00Z\",\"payload\":{\"item\":\"建设工程规划许可证核发\",\"dept\":"
                        "\"360300-GH\",\"limit_days\":20}}";

    double raw1 = run_raw(rawpath, 1, seconds, entry, 1);
    double led1 = run_ledger(path, 1, seconds);
    printf("appends, one per transaction:   raw SQLite %9.0f rows/s   ledger %9.0f entries/s   %.2fx\n", raw1, led1,
           led1 / raw1);
    double raw100 = run_raw(rawpath, 100, seconds, entry, 1);
    double raw100n = run_raw(rawpath, 100, seconds, entry, 0);
    printf("what the subject index costs:   raw SQLite, 100 rows per transaction: %9.0f rows/s with it, %9.0f without"
           " (%.2fx)\n",
           raw100, raw100n, raw100 / raw100n);
    double led64 = run_ledger(path, 64, seconds);
    printf("appends, group commits:         raw SQLite %9.0f rows/s   ledger %9.0f entries/s   %.2fx"
           "  (raw: 100 rows per transaction; ledger: 64 clients)\n",
           raw100, led64, led64 / raw100);

    /* verify: a fresh ledger of nverify entries with a checkpoint at the end */
    unlink(path);
    zt_store_options o = {.path = path, .synchronous = "NORMAL", .batch_max = 100};
    zt_error e;
    if (zt_store_open(&o, &store, &e)) return 1;
    for (long done = 0; done < nverify; done += 10000) {
        long n = nverify - done < 10000 ? nverify - done : 10000;
        if (zt_store_write(store, append_many, &n, &e)) {
            fprintf(stderr, "%s\n", e.message);
            return 1;
        }
    }
    char *signer, *verifier;
    zt_note_keygen("bench/ledger", &signer, &verifier, &e);
    zt_store_write(store, sign, signer, &e);
    zt_store_close(store);
    zt_store_options ro = {.path = path, .readonly = 1};
    zt_store_open(&ro, &store, &e);
    uint64_t entries;
    int64_t bad;
    int64_t t0 = zt_mono_us();
    zt_err rc = zt_ledger_verify(zt_store_reader(store), verifier, NULL, 0, &entries, &bad, &e);
    double vsecs = (double)(zt_mono_us() - t0) / 1e6;
    if (rc) {
        fprintf(stderr, "verify failed: %s\n", e.message);
        return 1;
    }
    /* the reference: SHA-256 of the same bytes, read from the same table */
    sqlite3 *db;
    sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db, "SELECT entry FROM ledger_entries ORDER BY idx", -1, &st, NULL);
    size_t total = 0;
    char **bytes = malloc(sizeof *bytes * (size_t)nverify);
    size_t *lens = malloc(sizeof *lens * (size_t)nverify);
    long k = 0;
    while (sqlite3_step(st) == SQLITE_ROW && k < nverify) {
        lens[k] = (size_t)sqlite3_column_bytes(st, 0);
        bytes[k] = malloc(lens[k]);
        memcpy(bytes[k], sqlite3_column_blob(st, 0), lens[k]);
        total += lens[k++];
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    unsigned char h[32];
    t0 = zt_mono_us();
    for (long i = 0; i < k; i++) crypto_hash_sha256(h, (unsigned char *)bytes[i], lens[i]);
    double hsecs = (double)(zt_mono_us() - t0) / 1e6;
    printf("verify %lu entries (%.1f MB):      raw SHA-256 %9.0f entries/s   verify %9.0f entries/s   %.2fx\n",
           (unsigned long)entries, (double)total / 1e6, (double)k / hsecs, (double)entries / vsecs,
           ((double)entries / vsecs) / ((double)k / hsecs));
    for (long i = 0; i < k; i++) free(bytes[i]);
    free(bytes);
    free(lens);
    zt_store_close(store);
    free(signer);
    free(verifier);
    json_decref(payload);
    return 0;
}
