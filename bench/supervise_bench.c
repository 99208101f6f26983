/* supervise_bench.c - the supervision engine's costs (issue #5), each next to
 * a reference run in the same session on the same disk:
 *
 *  1. intake: the events of a department's own system (source
 *     dept:360300-GA: submit, accept, approve, complete of each case) through
 *     zt_sv_ingest, 500 per zt_store_write (the path of POST
 *     /api/supervision/events minus HTTP), against raw SQLite inserting the
 *     same sv_events rows 500 per transaction (same table and indexes, WAL,
 *     synchronous=FULL);
 *  2. tick: N accepted-but-open cases, bulk-loaded (the loader's rows are
 *     checked against the engine's for a sample of cases ingested through
 *     zt_sv_ingest), of which D have a timer due at each of three ticks;
 *     zt_sv_tick must re-evaluate exactly those D and raise D cards. The
 *     tick with nothing due measures the index lookup alone;
 *  3. start-up in a fresh process: opening the N-case database, the
 *     calendar, the flows and zt_sv_start (rules), and the RSS.
 *
 * The clock is the fake one (zt_clock_set_us), so that every run sees the
 * same calendar: the ticks fall on Tuesday 1 - Thursday 3 December 2026.
 *
 * usage: supervise_bench DIR [cases] [due] [intake_events]
 *        supervise_bench --tick DIR cases due   (the fresh process of 2, 3)
 * SUPERVISE_BENCH_LOAD_ONLY=1 stops after loading DIR/tick.db, so that the
 * --tick process can be run alone (under valgrind --tool=callgrind). */
#include <fcntl.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "base/calendar.h"
#include "base/clock.h"
#include "base/config.h"
#include "base/log.h"
#include "base/tsv.h"
#include "flow/clock.h"
#include "routes.h"
#include "services/services.h"
#include "store/store.h"
#include "supervise/supervise.h"

#define DEPT   "360300-GA"
#define REGION "360300"
#define SOURCE "dept:" DEPT
#define BATCH  500 /* events per write, as a department's system sends them */
#define ROUNDS 3   /* ticks with D due, on three consecutive working days */

/* What a department's system reports. Items of the city's public security
 * bureau, with their limits (working days). */
typedef struct {
    const char *code, *name;
    int version, promised, legal;
} item;

static const item ITEMS[] = {
    {"360300-GA-CRJ-001", "普通护照签发", 3, 10, 15},
    {"360300-GA-HZ-014", "户口迁移（市内迁移）审批", 2, 15, 20},
    {"360300-GA-ZA-007", "旅馆业特种行业许可证核发", 1, 20, 30},
};
#define NITEMS (long)(sizeof ITEMS / sizeof ITEMS[0])

/* One case and the moments of its events (Unix seconds, 0 = none). */
typedef struct {
    long n;
    const item *it;
    const char *channel, *applicant_type;
    zt_day accept_day;
    int64_t at[5]; /* by seq: 1 submit, 2 accept, 3 approve, 4 complete */
} bcase;

static const zt_principal KEY = {.role_bit = 0, .role = "system", .login = "key:1", .name = "萍乡市公安局业务系统"};

static void fail(const char *what, const zt_error *e) {
    fprintf(stderr, "supervise_bench: %s: %s\n", what, e ? e->message : "");
    exit(1);
}

static void check(int ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "supervise_bench: check failed: %s\n", what);
        exit(1);
    }
}

static double secs_since(int64_t t0) { return (double)(zt_mono_us() - t0) / 1e6; }

static long rss_kib(const char *key) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    size_t n = strlen(key);
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, key, n) && line[n] == ':') v = strtol(line + n + 1, NULL, 10);
    if (f) fclose(f);
    return v;
}

/* --- the app, as src/main.c's app_open and serve build it ---------------- */

static zt_config cfg;
static zt_app app;

static void set(const char *key, const char *value) {
    zt_error e;
    if (zt_config_set(&cfg, key, value, &e)) fail(key, &e);
}

/* The kinds (zt_wire), configuration, zone, log, store, calendar
 * (data/calendar.tsv), flows and the query key (data_dir), rules (each
 * kind's file in data/rules/). *open_s / *start_s (may be NULL) get the
 * time of the store's opening and of zt_sv_start. */
static void app_up(const char *dir, const char *db, double *open_s, double *start_s) {
    zt_error e = {0};
    char path[4096];
    zt_wire(); /* the kinds of subject (case ...), as app_open: zt_sv_ingest knows none without them */
    zt_config_defaults(&cfg);
    set("data_dir", dir);
    snprintf(path, sizeof path, "%s/%s", dir, db);
    set("db.path", path);
    set("source.dir", "data");
    snprintf(path, sizeof path, "%s/bench.log", dir);
    set("log.file", path); /* the notifications' sender logs a line per recipient */
    setenv("TZ", cfg.timezone, 1);
    tzset();
    if (zt_log_open(cfg.log_file)) fail("log.file", NULL);
    memset(&app, 0, sizeof app);
    app.cfg = &cfg;
    char *dbpath = zt_config_db_path(&cfg);
    zt_store_options so = {.path = dbpath,
                           .synchronous = cfg.store_synchronous,
                           .batch_max = (int)cfg.store_batch_max,
                           .batch_window_us = (int)cfg.store_batch_window_us};
    int64_t t0 = zt_mono_us();
    if (zt_store_open(&so, &app.store, &e)) fail(dbpath, &e);
    if (open_s) *open_s = secs_since(t0);
    free(dbpath);
    app.cal = zt_cal_new();
    size_t len;
    char *text = zt_read_file("data/calendar.tsv", &len, &e), err[256];
    if (!text) fail("data/calendar.tsv", &e);
    if (zt_cal_load_tsv(app.cal, text, len, err, sizeof err) < 0) {
        fprintf(stderr, "data/calendar.tsv: %s\n", err);
        exit(1);
    }
    free(text);
    if (zt_services_start(&app, &e)) fail("zt_services_start", &e);
    t0 = zt_mono_us();
    if (zt_sv_start(&app, &e)) fail("zt_sv_start", &e);
    if (start_s) *start_s = secs_since(t0);
}

static void app_down(void) {
    zt_store_close(app.store);
    zt_cal_free(app.cal);
    app.store = NULL;
    app.cal = NULL;
}

/* The department that answers for the cards, with two clerks and its head:
 * each card raised notifies them (an inbox row and a sender line each). */
static const char ORG_SQL[] =
    "INSERT INTO regions (code, name, level, parent_code, created_at, updated_at) VALUES ('360300', '萍乡市', 1, NULL,"
    " 0, 0) ON CONFLICT DO NOTHING;"
    "INSERT INTO departments (code, name, short_name, region_code, created_at, updated_at) VALUES ('360300-GA',"
    " '萍乡市公安局', '公安局', '360300', 0, 0);"
    "INSERT INTO users (login, name, role, dept_id, region_code, phone, password_hash, created_at, updated_at)"
    " SELECT 'ga_clerk01', '窗口人员一', 'clerk', id, '360300', '13900000001', '-', 0, 0 FROM departments"
    " WHERE code = '360300-GA';"
    "INSERT INTO users (login, name, role, dept_id, region_code, phone, password_hash, created_at, updated_at)"
    " SELECT 'ga_clerk02', '窗口人员二', 'clerk', id, '360300', '13900000002', '-', 0, 0 FROM departments"
    " WHERE code = '360300-GA';"
    "INSERT INTO users (login, name, role, dept_id, region_code, phone, password_hash, created_at, updated_at)"
    " SELECT 'ga_head', '科长', 'dept_head', id, '360300', '13900000003', '-', 0, 0 FROM departments"
    " WHERE code = '360300-GA';";

static zt_err org_write(zt_db *db, void *arg, zt_error *e) { return zt_db_exec(db, ORG_SQL, e); }

/* --- events in the schema of docs/supervision-events.md ------------------ */

static void subject_of(const bcase *c, char out[32]) { snprintf(out, 32, "GA-2026-%07ld", c->n); }

static void day_text(zt_day d, char out[11]) { zt_day_format(d, out); }

#define PUT(...)                                                                                                       \
    do {                                                                                                               \
        int w_ = snprintf(b + k, cap - k, __VA_ARGS__);                                                                \
        check(w_ >= 0 && (size_t)w_ < cap - k, "event text fits");                                                     \
        k += (size_t)w_;                                                                                               \
    } while (0)

/* The event of seq (1 submit, 2 accept, 3 approve, 4 complete) as compact
 * JSON in jansson's member order: exactly what zt_sv_ingest stores (checked).
 * Returns its length. */
static size_t event_text(char *b, size_t cap, const zt_calendar *cal, const bcase *c, int seq) {
    static const char *const type[] = {"", "submit", "accept", "approve", "complete"};
    static const char *const state[] = {"", "submitted", "accepted", "approved", "completed"};
    static const char *const label[] = {"", "网上申请", "受理", "准予许可决定", "办结"};
    size_t k = 0;
    char subject[32], ts[32];
    subject_of(c, subject);
    zt_time_format(c->at[seq], ts);
    PUT("{\"id\":\"ga/%s/%d\",\"source\":\"" SOURCE "\",\"type\":\"case.%s\",\"time\":\"%s\",\"subject_type\":\"case\","
        "\"subject\":\"%s\",\"seq\":%d,",
        subject, seq, type[seq], ts, subject, seq);
    PUT("\"case\":{\"number\":\"%s\",\"title\":\"%s申请\",\"item_code\":\"%s\",\"item_version\":%d,\"item_name\":"
        "\"%s\",\"department\":\"" DEPT "\",\"region\":\"" REGION "\",\"applicant_type\":\"%s\",\"channel\":\"%s\","
        "\"legal_days\":%d,\"promised_days\":%d,\"state\":\"%s\"",
        subject, c->it->name, c->it->code, c->it->version, c->it->name, c->applicant_type, c->channel, c->it->legal,
        c->it->promised, state[seq]);
    if (seq >= 2) {
        char a[11], p[11], l[11];
        day_text(c->accept_day, a);
        day_text(zt_cal_add(cal, c->accept_day, c->it->promised), p);
        day_text(zt_cal_add(cal, c->accept_day, c->it->legal), l);
        PUT(",\"accept_day\":\"%s\",\"promised_due\":\"%s\",\"legal_due\":\"%s\"", a, p, l);
    }
    PUT("},\"step\":{\"action\":\"%s\",\"label\":\"%s\",", type[seq], label[seq]);
    if (seq == 1)
        PUT("\"result\":null,\"from\":\"\",\"to\":\"submitted\",\"actor\":\"applicant\",\"actor_role\":\"%s\","
            "\"fields\":{}},",
            c->applicant_type);
    else
        PUT("\"result\":\"%s\",\"from\":\"%s\",\"to\":\"%s\",\"actor\":\"ga_clerk%02ld\",\"actor_role\":\"%s\","
            "\"actor_department\":\"" DEPT "\",",
            type[seq], state[seq - 1], state[seq], 1 + c->n % 12, seq == 3 ? "dept_head" : "clerk");
    if (seq == 2) PUT("\"fields\":{}}}");
    if (seq == 3) PUT("\"fields\":{\"opinion\":\"材料齐全，符合法定条件，准予许可\"}}}");
    if (seq == 4)
        PUT("\"fields\":{\"result_type\":\"准予许可\",\"certificate_no\":\"E%08ld\",\"fee_charged\":0,\"fee_standard\":"
            "\"免收\"}},\"result\":{\"result_type\":\"准予许可\",\"certificate_no\":\"E%08ld\",\"fee_charged\":0,"
            "\"fee_standard\":\"免收\"}}",
            c->n, c->n);
    if (seq == 1) {
        static const char *const mat[][3] = {{"居民身份证", "image/jpeg", "183204"},
                                             {"近期免冠证件照片", "image/jpeg", "48211"}};
        PUT("\"materials\":[");
        for (int m = 0; m < 2; m++) {
            unsigned char h[32];
            char hex[65], in[64];
            int len = snprintf(in, sizeof in, "%s/%d", subject, m);
            crypto_hash_sha256(h, (const unsigned char *)in, (unsigned long long)len);
            sodium_bin2hex(hex, sizeof hex, h, sizeof h);
            PUT("%s{\"material\":\"%s\",\"sha256\":\"%s\",\"mime\":\"%s\",\"size\":%s}", m ? "," : "", mat[m][0], hex,
                mat[m][1], mat[m][2]);
        }
        PUT("]}");
    }
    return k;
}

/* The digest (format 2) the engine keeps in sv_subjects.digest after
 * folding events 1 .. last of c (src/supervise/engine.c, "the digest of a
 * subject's events": for each event its time, id and the members it keeps,
 * in the order prune() writes them: the top's type (EV_KEYS; these events
 * name department and region only in "case"), the case kind's info_keys
 * present in "case", the step's to, result, action (STEP_KEYS) and its
 * fields pruned by field_keys (none of them in a submit or an accept), and
 * top_keys ("result": only a completion has it). Returns its length. */
static size_t digest_text(char *b, size_t cap, const bcase *c, int last) {
    static const char *const type[] = {"", "submit", "accept"};
    static const char *const state[] = {"", "submitted", "accepted"};
    size_t k = 0;
    char subject[32];
    subject_of(c, subject);
    PUT("{\"v\":2,\"n\":%d,\"events\":[", last);
    for (int seq = 1; seq <= last; seq++) {
        PUT("%s[%lld,\"ga/%s/%d\",{\"type\":\"case.%s\",\"case\":{\"department\":\"" DEPT "\",\"region\":\"" REGION
            "\",\"item_code\":\"%s\",\"item_name\":\"%s\",\"applicant_type\":\"%s\",\"channel\":\"%s\","
            "\"item_version\":%d,\"legal_days\":%d,\"promised_days\":%d",
            seq > 1 ? "," : "", (long long)c->at[seq], subject, seq, type[seq], c->it->code, c->it->name,
            c->applicant_type, c->channel, c->it->version, c->it->legal, c->it->promised);
        if (seq >= 2) {
            char a[11];
            day_text(c->accept_day, a);
            PUT(",\"accept_day\":\"%s\"", a);
        }
        if (seq == 1)
            PUT("},\"step\":{\"to\":\"%s\",\"result\":null,\"action\":\"%s\",\"fields\":{}}}]", state[seq], type[seq]);
        else
            PUT("},\"step\":{\"to\":\"%s\",\"result\":\"%s\",\"action\":\"%s\",\"fields\":{}}}]", state[seq], type[seq],
                type[seq]);
    }
    PUT("]}");
    return k;
}

/* The case kind's projection in sv_subjects.detail once c's acceptance was
 * evaluated, as src/supervise/kinds/case.c's case_detail makes it (members
 * sorted: the engine dumps it with JSON_SORT_KEYS): accepted by a step on
 * accept_day, limits and deadlines from the event, no flow (a department's
 * own system names none), no special procedure, no extension reported (the
 * legal default), and no working day elapsed (the evaluation ran at the
 * acceptance, on its day). A deadline in a year the calendar does not cover
 * is provisional. Returns its length. */
static size_t detail_text(char *b, size_t cap, const zt_calendar *cal, const bcase *c) {
    size_t k = 0;
    zt_day promised = zt_cal_add(cal, c->accept_day, c->it->promised);
    zt_day legal = zt_cal_add(cal, c->accept_day, c->it->legal);
    int pv = !zt_lclock_covered(cal, promised), lv = !zt_lclock_covered(cal, legal);
    char a[11], p[11], l[11];
    day_text(c->accept_day, a);
    day_text(promised, p);
    day_text(legal, l);
    PUT("{\"accept_day\":\"%s\",\"accepted_at\":%lld,\"applicant_type\":\"%s\",\"channel\":\"%s\","
        "\"deemed_accepted\":false,\"elapsed_days\":0,\"extension_days\":%d,\"flow\":null,\"item_code\":\"%s\","
        "\"item_name\":\"%s\",\"item_version\":%d,\"legal_days\":%d,\"legal_due\":\"%s\",\"promised_days\":%d,"
        "\"promised_due\":\"%s\",\"provisional\":[%s%s%s],\"submitted_at\":%lld,\"suspend_granted\":null,"
        "\"suspended_days\":0,\"suspended_since\":null}",
        a, (long long)c->at[2], c->applicant_type, c->channel, ZT_LCLOCK_EXTENSION_DEFAULT, c->it->code, c->it->name,
        c->it->version, c->it->legal, l, c->it->promised, p, pv ? "\"promised_due\"" : "", pv && lv ? "," : "",
        lv ? "\"legal_due\"" : "", (long long)c->at[1]);
    return k;
}

/* --- 1. intake ------------------------------------------------------------- */

/* The intake cases: submitted, accepted, approved and completed on one day,
 * well inside their limits (no card is due; the engine sets and then clears
 * the deadline timers). The fourth event (approve) is there because a
 * completion without a decision raises `skipped_step`. */
static void intake_case(const zt_calendar *cal, long n, zt_day day, bcase *c) {
    memset(c, 0, sizeof *c);
    c->n = n;
    c->it = &ITEMS[n % NITEMS];
    c->channel = n % 4 ? "online" : "window";
    c->applicant_type = n % 5 ? "citizen" : "enterprise";
    c->accept_day = day;
    c->at[1] = zt_day_start(day) + 8 * 3600 + 1800 + (n * 13) % 20000;
    c->at[2] = c->at[1] + 600;
    c->at[3] = c->at[2] + 1800;
    c->at[4] = c->at[3] + 600;
    (void)cal;
}

typedef struct {
    json_t *ev[BATCH];
    int n;
} batch;

static zt_err ingest_batch(zt_db *db, void *arg, zt_error *e) {
    batch *b = arg;
    for (int i = 0; i < b->n; i++) {
        int dup;
        zt_err rc = zt_sv_ingest(db, &KEY, b->ev[i], 0, &dup, e);
        zt_db_release(db);
        if (rc) return rc;
        if (dup) return zt_fail(e, ZT_ECONFLICT, "id", "unexpected duplicate");
    }
    return ZT_OK;
}

static const char SV_EVENTS_DDL[] = /* as src/store/migrations/008_supervision_kinds.sql leaves it */
    "CREATE TABLE sv_events (seq INTEGER PRIMARY KEY, event_id TEXT NOT NULL, source TEXT NOT NULL,"
    " subject_type TEXT NOT NULL, subject TEXT NOT NULL, type TEXT NOT NULL, occurred_at INTEGER NOT NULL,"
    " received_at INTEGER NOT NULL, dept_code TEXT NOT NULL, region_code TEXT NOT NULL, body TEXT NOT NULL,"
    " UNIQUE (source, event_id));"
    "CREATE INDEX sv_events_subject ON sv_events(subject_type, subject, source, occurred_at);"
    "CREATE INDEX sv_events_time ON sv_events(subject_type, occurred_at);"
    "CREATE INDEX sv_events_id ON sv_events(event_id);";

typedef struct {
    char **text;
    size_t *len;
    bcase *cases;
    long nevents;
    int64_t received;
} stream;

static double raw_intake(const char *path, const stream *s) {
    unlink(path);
    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK) exit(1);
    sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL", NULL, NULL, NULL);
    check(sqlite3_exec(db, SV_EVENTS_DDL, NULL, NULL, NULL) == SQLITE_OK, "raw schema");
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db,
                       "INSERT INTO sv_events (event_id, source, subject_type, subject, type, occurred_at,"
                       " received_at, dept_code, region_code, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       -1, &st, NULL);
    static const char *const type[] = {"", "case.submit", "case.accept", "case.approve", "case.complete"};
    int64_t t0 = zt_mono_us();
    for (long i = 0; i < s->nevents;) {
        sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
        for (int j = 0; j < BATCH && i < s->nevents; j++, i++) {
            const bcase *c = &s->cases[i / 4];
            int seq = (int)(i % 4) + 1;
            char id[48], subject[32];
            subject_of(c, subject);
            snprintf(id, sizeof id, "ga/%s/%d", subject, seq);
            sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(st, 2, SOURCE, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 3, "case", -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 4, subject, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(st, 5, type[seq], -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 6, c->at[seq]);
            sqlite3_bind_int64(st, 7, s->received);
            sqlite3_bind_text(st, 8, DEPT, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 9, REGION, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 10, s->text[i], (int)s->len[i], SQLITE_STATIC);
            check(sqlite3_step(st) == SQLITE_DONE, "raw insert");
            sqlite3_reset(st);
        }
        check(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK, "raw commit");
    }
    double rate = (double)s->nevents / secs_since(t0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rate;
}

static int64_t count(const char *sql) {
    zt_error e;
    zt_db *db = zt_store_reader(app.store);
    zt_stmt *st = zt_db_prepare(db, sql, &e);
    if (!st || zt_step(st, &e) != ZT_ROW) fail(sql, &e);
    int64_t n = zt_col_int(st, 0);
    zt_db_release(db);
    return n;
}

static void bench_intake(const char *dir, long nevents) {
    nevents -= nevents % 4;
    if (nevents < 4) return;
    char path[4096];
    snprintf(path, sizeof path, "%s/intake.db", dir);
    unlink(path);
    app_up(dir, "intake.db", NULL, NULL);
    zt_error e = {0};
    if (zt_store_write(app.store, org_write, NULL, &e)) fail("org", &e);
    zt_day day = zt_day_from_ymd(2026, 11, 27); /* a Friday; the events come in at 18:00 */
    int64_t received = zt_day_start(day) + 18 * 3600;
    zt_clock_set_us(received * 1000000);
    stream s = {zt_malloc(sizeof(char *) * (size_t)nevents), zt_malloc(sizeof(size_t) * (size_t)nevents),
                zt_malloc(sizeof(bcase) * (size_t)(nevents / 4)), nevents, received};
    char buf[4096];
    size_t bytes = 0;
    for (long i = 0; i < nevents; i++) {
        if (i % 4 == 0) intake_case(app.cal, i / 4 + 1, day, &s.cases[i / 4]);
        s.len[i] = event_text(buf, sizeof buf, app.cal, &s.cases[i / 4], (int)(i % 4) + 1);
        s.text[i] = zt_malloc(s.len[i] + 1);
        memcpy(s.text[i], buf, s.len[i] + 1);
        bytes += s.len[i];
    }
    /* the reference first, then the engine, same disk, same rows */
    snprintf(path, sizeof path, "%s/raw-intake.db", dir);
    double raw = raw_intake(path, &s);
    int64_t busy = 0;
    batch b;
    for (long i = 0; i < nevents;) {
        b.n = 0;
        for (; b.n < BATCH && i < nevents; i++) {
            json_error_t je;
            b.ev[b.n] = json_loadb(s.text[i], s.len[i], 0, &je); /* the HTTP layer's parse: not timed */
            check(b.ev[b.n] != NULL, "event parses");
            b.n++;
        }
        int64_t t0 = zt_mono_us();
        if (zt_store_write(app.store, ingest_batch, &b, &e)) fail("ingest", &e);
        busy += zt_mono_us() - t0;
        for (int j = 0; j < b.n; j++) json_decref(b.ev[j]);
    }
    double zt = (double)nevents / ((double)busy / 1e6);
    check(count("SELECT count(*) FROM sv_events") == nevents, "every event stored");
    check(count("SELECT count(*) FROM sv_subjects WHERE closed_at IS NOT NULL") == nevents / 4, "every case closed");
    int64_t cards = count("SELECT count(*) FROM sv_cards"), timers = count("SELECT count(*) FROM sv_timers");
    int64_t ledger = count("SELECT count(*) FROM ledger_entries");
    printf("intake, %ld events (%ld cases, %.0f bytes/event), %d per write:\n", nevents, nevents / 4,
           (double)bytes / (double)nevents, BATCH);
    printf("  raw SQLite %9.0f events/s   zt_sv_ingest %9.0f events/s   %.2fx   (goal >= 0.5x)\n", raw, zt, zt / raw);
    printf("  after: %lld ledger entries, %lld cards, %lld timers (all closed inside their limits: 0 and 0)\n",
           (long long)ledger, (long long)cards, (long long)timers);
    app_down();
    for (long i = 0; i < nevents; i++) free(s.text[i]);
    free(s.text);
    free(s.len);
    free(s.cases);
}

/* --- 2. the open cases and their loader ------------------------------------ */

/* The plan of the tick database: ticks at 10:00 on D[0..2] (consecutive
 * working days). Cases 0 .. ROUNDS*due-1 form ROUNDS groups: group g is
 * item 0 (P = 10) accepted on WD -8 before D[g], so its promised_warning
 * moment is 00:00 of D[g] and its next moment (promised_yellow, WD 11) lies
 * after D[2]. Every other case is accepted 1 .. P-5 working days before
 * D[0], so that its first moment (WD P-2) lies after D[2] too: at D[g]
 * exactly `due` subjects are due. Accepted 08:30-17:30 of its day, submitted
 * about a day earlier (online three in four: pre-acceptance was decided in
 * time). */
typedef struct {
    long cases, due;
    zt_day d[ROUNDS];
} plan;

static void plan_init(plan *p, const zt_calendar *cal, long cases, long due) {
    p->cases = cases;
    p->due = due;
    p->d[0] = zt_cal_add(cal, zt_day_from_ymd(2026, 11, 30), 1); /* Tuesday 1 December 2026 */
    for (int g = 1; g < ROUNDS; g++) p->d[g] = zt_cal_add(cal, p->d[g - 1], 1);
}

static int64_t tick_time(const plan *p, int g) { return zt_day_start(p->d[g]) + 10 * 3600; }

static void open_case(const plan *p, const zt_calendar *cal, long n, bcase *c) {
    memset(c, 0, sizeof *c);
    c->n = n + 1;
    if (n < ROUNDS * p->due) {
        c->it = &ITEMS[0];
        c->accept_day = zt_cal_add(cal, p->d[n / p->due], -(c->it->promised - 2));
    } else {
        long k = n - ROUNDS * p->due;
        c->it = &ITEMS[k % NITEMS];
        c->accept_day = zt_cal_add(cal, p->d[0], -(int)(1 + (k / NITEMS) % (c->it->promised - 5)));
    }
    c->channel = n % 4 ? "online" : "window";
    c->applicant_type = n % 5 ? "citizen" : "enterprise";
    c->at[2] = zt_day_start(c->accept_day) + 8 * 3600 + 1800 + (n * 7919) % 32400;
    c->at[1] = c->at[2] - 86400 - n % 7200;
}

/* The rows zt_sv_ingest leaves for such a case once both events came in,
 * each when it happened (received_at = the event's time; the engine's clock
 * was then at the accept event): the two sv_events rows; the projection,
 * folded from them and evaluated at the acceptance: the common columns (the
 * item as topic and title, due on WD P after the acceptance day), the case
 * kind's detail (detail_text) and the digest of the two events (the subject
 * keeps timers, so the engine writes one); and the timers of the
 * three limit rules (promised_warning at WD P-2, promised_yellow at WD P+1,
 * legal_red at WD L+1, each at 00:00), all still ahead of the evaluation.
 * The pre-acceptance timers the submission set were cleared by the
 * acceptance (decided in time); an external case names no flow, so
 * step_limit has nothing to watch. The ledger entries and audit rows of the
 * two events are not loaded (the tick neither reads them nor depends on
 * their number). */
typedef struct {
    sqlite3 *db;
    sqlite3_stmt *ev, *subj, *timer;
} loader;

static void prep(sqlite3 *db, const char *sql, sqlite3_stmt **st) {
    if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK) {
        fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(db));
        exit(1);
    }
}

static void loader_open(loader *l, const char *path) {
    check(sqlite3_open(path, &l->db) == SQLITE_OK, "loader open");
    sqlite3_exec(l->db, "PRAGMA synchronous=OFF; PRAGMA cache_size=-262144; PRAGMA foreign_keys=ON", NULL, NULL, NULL);
    prep(l->db,
         "INSERT INTO sv_events (event_id, source, subject_type, subject, type, occurred_at, received_at,"
         " dept_code, region_code, body) VALUES (?, '" SOURCE "', 'case', ?, ?, ?, ?, '" DEPT "', '" REGION "', ?)",
         &l->ev);
    prep(l->db,
         "INSERT INTO sv_subjects (subject_type, subject, source, dept_code, region_code, topic, title, state,"
         " opened_at, due_day, closed_at, events, last_event_at, detail, digest, evaluated_at, updated_at)"
         " VALUES ('case', ?, '" SOURCE "', '" DEPT "', '" REGION "', ?, ?, 'accepted', ?, ?, NULL, 2, ?, ?, ?, ?, ?)",
         &l->subj);
    prep(l->db, "INSERT INTO sv_timers (subject_id, rule_id, level, due_at) VALUES (?, ?, ?, ?)", &l->timer);
}

static void loader_close(loader *l) {
    sqlite3_finalize(l->ev);
    sqlite3_finalize(l->subj);
    sqlite3_finalize(l->timer);
    check(sqlite3_exec(l->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL) == SQLITE_OK, "checkpoint");
    sqlite3_close(l->db);
}

static void step_done(sqlite3 *db, sqlite3_stmt *st) {
    if (sqlite3_step(st) != SQLITE_DONE) {
        fprintf(stderr, "loader: %s\n", sqlite3_errmsg(db));
        exit(1);
    }
    sqlite3_reset(st);
}

static void load_case(loader *l, const zt_calendar *cal, const bcase *c) {
    static const char *const type[] = {"", "case.submit", "case.accept"};
    char subject[32], buf[4096];
    subject_of(c, subject);
    for (int seq = 1; seq <= 2; seq++) {
        size_t len = event_text(buf, sizeof buf, cal, c, seq);
        char id[48];
        snprintf(id, sizeof id, "ga/%s/%d", subject, seq);
        sqlite3_bind_text(l->ev, 1, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(l->ev, 2, subject, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(l->ev, 3, type[seq], -1, SQLITE_STATIC);
        sqlite3_bind_int64(l->ev, 4, c->at[seq]);
        sqlite3_bind_int64(l->ev, 5, c->at[seq]);
        sqlite3_bind_text(l->ev, 6, buf, (int)len, SQLITE_TRANSIENT);
        step_done(l->db, l->ev);
    }
    const item *it = c->it;
    char due[11], detail[1024];
    day_text(zt_cal_add(cal, c->accept_day, it->promised), due);
    sqlite3_stmt *s = l->subj;
    int k = 1;
    sqlite3_bind_text(s, k++, subject, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, k++, it->code, -1, SQLITE_STATIC); /* topic */
    sqlite3_bind_text(s, k++, it->name, -1, SQLITE_STATIC); /* title */
    sqlite3_bind_int64(s, k++, c->at[1]);                   /* opened_at */
    sqlite3_bind_text(s, k++, due, -1, SQLITE_TRANSIENT);   /* due_day: the promised deadline */
    sqlite3_bind_int64(s, k++, c->at[2]);                   /* last_event_at */
    size_t dlen = detail_text(detail, sizeof detail, cal, c);
    sqlite3_bind_text(s, k++, detail, (int)dlen, SQLITE_TRANSIENT);
    dlen = digest_text(buf, sizeof buf, c, 2);
    sqlite3_bind_text(s, k++, buf, (int)dlen, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, k++, c->at[2]); /* evaluated_at */
    sqlite3_bind_int64(s, k++, c->at[2]); /* updated_at */
    step_done(l->db, s);
    int64_t sid = sqlite3_last_insert_rowid(l->db);
    const struct {
        const char *rule, *level;
        int wd;
    } t[] = {{"promised_warning", "warning", it->promised - 2},
             {"promised_yellow", "yellow", it->promised + 1},
             {"legal_red", "red", it->legal + 1}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        if (t[i].wd < 1) continue;
        sqlite3_bind_int64(l->timer, 1, sid);
        sqlite3_bind_text(l->timer, 2, t[i].rule, -1, SQLITE_STATIC);
        sqlite3_bind_text(l->timer, 3, t[i].level, -1, SQLITE_STATIC);
        sqlite3_bind_int64(l->timer, 4, zt_day_start(zt_cal_add(cal, c->accept_day, t[i].wd)));
        step_done(l->db, l->timer);
    }
}

/* A database with the schema (every migration), closed again. */
static void fresh_db(const char *path) {
    char wal[4200];
    unlink(path);
    snprintf(wal, sizeof wal, "%s-wal", path);
    unlink(wal);
    snprintf(wal, sizeof wal, "%s-shm", path);
    unlink(wal);
    zt_store_options o = {.path = path};
    zt_store *s;
    zt_error e;
    if (zt_store_open(&o, &s, &e)) fail(path, &e);
    zt_store_close(s);
}

typedef struct {
    json_t *ev;
} one_event;

static zt_err ingest_one(zt_db *db, void *arg, zt_error *e) {
    int dup;
    return zt_sv_ingest(db, &KEY, ((one_event *)arg)->ev, 0, &dup, e);
}

/* The rows of table t (cols) in one database but not in the other (main:
 * the engine's, l: the loader's), both ways. join (may be NULL) is joined
 * in the same database as t, e.g. the subject of a timer: an unqualified
 * table in a subquery would be looked up in main for both sides. */
static int64_t differ(sqlite3 *db, const char *cols, const char *table, const char *join) {
    char side[2][1024], sql[4 * sizeof side[0] + 128];
    static const char *const schema[] = {"main", "l"};
    for (int i = 0; i < 2; i++) {
        int n = join ? snprintf(side[i], sizeof side[i], "SELECT %s FROM %s.%s t JOIN %s.%s", cols, schema[i], table,
                                schema[i], join)
                     : snprintf(side[i], sizeof side[i], "SELECT %s FROM %s.%s t", cols, schema[i], table);
        check(n > 0 && (size_t)n < sizeof side[i], "comparison fits");
    }
    snprintf(sql, sizeof sql, "SELECT (SELECT count(*) FROM (%s EXCEPT %s)) + (SELECT count(*) FROM (%s EXCEPT %s))",
             side[0], side[1], side[1], side[0]);
    sqlite3_stmt *st;
    prep(db, sql, &st);
    check(sqlite3_step(st) == SQLITE_ROW, "compare");
    int64_t n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

/* Are cols exactly the columns of table but key, in the table's order? A
 * column a migration adds must be added to the comparison (and the loader). */
static void all_columns(sqlite3 *db, const char *table, const char *key, const char *cols) {
    sqlite3_stmt *st;
    prep(db, "SELECT group_concat(name, ', ') FROM pragma_table_info(?1) WHERE name != ?2", &st);
    sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
    check(sqlite3_step(st) == SQLITE_ROW, "columns");
    const char *have = (const char *)sqlite3_column_text(st, 0);
    if (!have || strcmp(have, cols)) {
        fprintf(stderr, "supervise_bench: %s has the columns %s; the check compares %s\n", table, have ? have : "?",
                cols);
        exit(1);
    }
    sqlite3_finalize(st);
}

/* The loader's rows against the engine's for a sample of the plan's cases:
 * both events of each case through zt_sv_ingest (the fake clock at each
 * event's time), the same cases through the loader; every column of
 * sv_events (but seq), sv_subjects (but id) and sv_timers (by subject) must
 * be equal, and the lists compared must name every column. */
static void check_loader(const char *dir, const plan *pl_in) {
    char epath[4096], lpath[4096];
    snprintf(epath, sizeof epath, "%s/check-engine.db", dir);
    snprintf(lpath, sizeof lpath, "%s/check-loader.db", dir);
    fresh_db(epath);
    app_up(dir, "check-engine.db", NULL, NULL);
    plan pl = *pl_in;
    long sample[64], ns = 0;
    for (int g = 0; g < ROUNDS; g++) {
        sample[ns++] = g * pl.due;
        sample[ns++] = g * pl.due + pl.due - 1;
    }
    long rest = pl.cases - ROUNDS * pl.due;
    for (long k = 0; k < 45; k++) /* every item at every acceptance day it can have */
        sample[ns++] = ROUNDS * pl.due + k;
    for (long k = 1; k <= 5; k++) sample[ns++] = ROUNDS * pl.due + 45 + (rest - 46) * k / 5;
    zt_error e = {0};
    char buf[4096];
    for (long i = 0; i < ns; i++) {
        bcase c;
        open_case(&pl, app.cal, sample[i], &c);
        for (int seq = 1; seq <= 2; seq++) {
            size_t len = event_text(buf, sizeof buf, app.cal, &c, seq);
            one_event o = {json_loadb(buf, len, 0, NULL)};
            check(o.ev != NULL, "event parses");
            zt_clock_set_us(c.at[seq] * 1000000);
            if (zt_store_write(app.store, ingest_one, &o, &e)) fail("ingest", &e);
            json_decref(o.ev);
        }
    }
    check(count("SELECT count(*) FROM sv_cards") == 0, "no card at acceptance");
    app_down();
    fresh_db(lpath);
    loader l;
    loader_open(&l, lpath);
    zt_calendar *cal = zt_cal_new();
    size_t len;
    char *text = zt_read_file("data/calendar.tsv", &len, &e), err[256];
    check(text && zt_cal_load_tsv(cal, text, len, err, sizeof err) >= 0, "calendar");
    free(text);
    for (long i = 0; i < ns; i++) {
        bcase c;
        open_case(&pl, cal, sample[i], &c);
        load_case(&l, cal, &c);
    }
    zt_cal_free(cal);
    loader_close(&l);
    sqlite3 *db;
    check(sqlite3_open(epath, &db) == SQLITE_OK, "open engine db");
    char attach[4200];
    snprintf(attach, sizeof attach, "ATTACH '%s' AS l", lpath);
    check(sqlite3_exec(db, attach, NULL, NULL, NULL) == SQLITE_OK, "attach");
    static const char EV_COLS[] = "event_id, source, subject_type, subject, type, occurred_at, received_at,"
                                  " dept_code, region_code, body";
    static const char SUBJ_COLS[] = "subject_type, subject, source, dept_code, region_code, topic, title, state,"
                                    " opened_at, due_day, closed_at, events, last_event_at, detail, digest,"
                                    " evaluated_at, updated_at";
    all_columns(db, "sv_events", "seq", EV_COLS);
    all_columns(db, "sv_subjects", "id", SUBJ_COLS);
    all_columns(db, "sv_timers", "subject_id", "rule_id, level, due_at");
    int64_t d1 = differ(db, EV_COLS, "sv_events", NULL);
    int64_t d2 = differ(db, SUBJ_COLS, "sv_subjects", NULL);
    int64_t d3 =
        differ(db, "s.subject, t.rule_id, t.level, t.due_at", "sv_timers", "sv_subjects s ON s.id = t.subject_id");
    sqlite3_stmt *st;
    prep(db, "SELECT (SELECT count(*) FROM sv_events), (SELECT count(*) FROM sv_timers)", &st);
    sqlite3_step(st);
    int64_t nev = sqlite3_column_int64(st, 0), ntimers = sqlite3_column_int64(st, 1);
    sqlite3_finalize(st);
    sqlite3_close(db);
    printf("loader check: %ld cases through zt_sv_ingest and through the loader: %lld events, %lld timers;"
           " rows that differ: sv_events %lld, sv_subjects %lld, sv_timers %lld\n",
           ns, (long long)nev, (long long)ntimers, (long long)d1, (long long)d2, (long long)d3);
    check(nev == 2 * ns && ntimers == 3 * ns && d1 == 0 && d2 == 0 && d3 == 0, "the loader's rows are the engine's");
}

static void load_plan(const char *dir, const plan *pl) {
    char path[4096];
    snprintf(path, sizeof path, "%s/tick.db", dir);
    fresh_db(path);
    loader l;
    loader_open(&l, path);
    check(sqlite3_exec(l.db, ORG_SQL, NULL, NULL, NULL) == SQLITE_OK, "org rows");
    zt_calendar *cal = zt_cal_new();
    size_t len;
    zt_error e;
    char *text = zt_read_file("data/calendar.tsv", &len, &e), err[256];
    check(text && zt_cal_load_tsv(cal, text, len, err, sizeof err) >= 0, "calendar");
    free(text);
    int64_t t0 = zt_mono_us();
    for (long n = 0; n < pl->cases; n++) {
        if (n % 20000 == 0) sqlite3_exec(l.db, "BEGIN", NULL, NULL, NULL);
        bcase c;
        open_case(pl, cal, n, &c);
        load_case(&l, cal, &c);
        if (n % 20000 == 19999 || n == pl->cases - 1)
            check(sqlite3_exec(l.db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK, "loader commit");
    }
    zt_cal_free(cal);
    loader_close(&l);
    double load_s = secs_since(t0);
    /* The loader writes with synchronous=OFF: what the kernel has not yet
     * written back would be paid by the first checkpoint of a tick (its
     * fsync of the database file takes every dirty page with it; the first
     * tick of a 1,000,000-case run took 1.0-1.8 s against 0.2-0.4 s for
     * the next two). Written now, outside the measurements. */
    t0 = zt_mono_us();
    int fd = open(path, O_RDONLY);
    check(fd >= 0 && fsync(fd) == 0, "fsync the loaded database");
    close(fd);
    printf("loaded %ld open cases (%ld events, %ld timers) in %.1f s (then %.1f s to fsync them)\n", pl->cases,
           2 * pl->cases, 3 * pl->cases, load_s, secs_since(t0));
}

/* --- 2, 3: the fresh process ------------------------------------------------ */

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int tick_child(const char *dir, long cases, long due) {
    zt_clock_enable_fake();
    zt_clock_set_us((int64_t)zt_day_from_ymd(2026, 11, 30) * 86400 * 1000000);
    long rss0 = rss_kib("VmRSS");
    double open_s, start_s;
    int64_t t0 = zt_mono_us();
    app_up(dir, "tick.db", &open_s, &start_s);
    double up_s = secs_since(t0);
    long rss1 = rss_kib("VmRSS");
    printf("start-up, %ld open cases: store open %.3f s, zt_sv_start %.3f s, all (calendar, flows, query key) %.3f s;"
           " VmRSS %.1f MB (%.1f MB before)   (goals <= 2 s, <= 300 MB)\n",
           cases, open_s, start_s, up_s, rss1 / 1024.0, rss0 / 1024.0);
    plan pl;
    plan_init(&pl, app.cal, cases, due);
    zt_error e = {0};
    /* nothing due: one second before the first moment */
    double idle[7];
    for (int i = 0; i < 7; i++) {
        int64_t now = zt_day_start(pl.d[0]) - 1;
        zt_clock_set_us(now * 1000000);
        int n = -1;
        t0 = zt_mono_us();
        if (zt_sv_tick(&app, now, &n, &e)) fail("tick", &e);
        idle[i] = secs_since(t0) * 1e3;
        check(n == 0, "nothing due");
    }
    qsort(idle, 7, sizeof idle[0], cmp_double);
    printf("tick, 0 due of %ld: %.2f ms median of 7 (min %.2f, max %.2f)\n", cases, idle[3], idle[0], idle[6]);
    for (int g = 0; g < ROUNDS; g++) {
        int64_t now = tick_time(&pl, g);
        zt_clock_set_us(now * 1000000);
        int64_t cards0 = count("SELECT count(*) FROM sv_cards");
        int n = -1;
        t0 = zt_mono_us();
        if (zt_sv_tick(&app, now, &n, &e)) fail("tick", &e);
        double ms = secs_since(t0) * 1e3;
        int64_t raised = count("SELECT count(*) FROM sv_cards") - cards0;
        int64_t inbox = count("SELECT count(*) FROM sv_inbox");
        char day[11];
        day_text(pl.d[g], day);
        printf("tick %d (%s 10:00), %ld due of %ld: %.1f ms, %d subjects re-evaluated, %lld cards raised,"
               " %lld inbox rows so far   (goal <= 20 ms)\n",
               g + 1, day, due, cases, ms, n, (long long)raised, (long long)inbox);
        check(n == due && raised == due, "exactly the due subjects, one card each");
    }
    printf("VmHWM after the ticks: %.1f MB\n", rss_kib("VmHWM") / 1024.0);
    app_down();
    return 0;
}

int main(int argc, char **argv) {
    if (sodium_init() < 0) return 1;
    if (argc == 5 && !strcmp(argv[1], "--tick"))
        return tick_child(argv[2], strtol(argv[3], NULL, 10), strtol(argv[4], NULL, 10));
    if (argc < 2) {
        fprintf(stderr, "usage: supervise_bench DIR [cases] [due] [intake_events]\n");
        return 2;
    }
    const char *dir = argv[1];
    long cases = argc > 2 ? strtol(argv[2], NULL, 10) : 1000000;
    long due = argc > 3 ? strtol(argv[3], NULL, 10) : 1000;
    long nevents = argc > 4 ? strtol(argv[4], NULL, 10) : 40000;
    if (due < 1 || cases < ROUNDS * due + 100) {
        fprintf(stderr, "supervise_bench: cases must be at least %d x due + 100\n", ROUNDS);
        return 2;
    }
    setenv("TZ", "Asia/Shanghai", 1); /* the city's zone (city.timezone's default) */
    tzset();
    zt_clock_enable_fake();
    FILE *la = fopen("/proc/loadavg", "r");
    char load[64] = "?";
    if (la && fgets(load, sizeof load, la)) load[strcspn(load, "\n")] = 0;
    if (la) fclose(la);
    printf("load average at start: %s (other work on the machine shows in wall-clock times)\n", load);
    bench_intake(dir, nevents);
    plan pl;
    zt_calendar *cal = zt_cal_new();
    size_t len;
    zt_error e;
    char *text = zt_read_file("data/calendar.tsv", &len, &e), err[256];
    check(text && zt_cal_load_tsv(cal, text, len, err, sizeof err) >= 0, "calendar");
    free(text);
    plan_init(&pl, cal, cases, due);
    zt_cal_free(cal);
    check_loader(dir, &pl);
    load_plan(dir, &pl);
    fflush(stdout);
    if (getenv("SUPERVISE_BENCH_LOAD_ONLY")) return 0; /* to profile the child: run --tick under callgrind */
    /* start-up and ticks in a process of their own: its RSS is theirs */
    pid_t pid = fork();
    if (pid == 0) {
        char c[32], d[32];
        snprintf(c, sizeof c, "%ld", cases);
        snprintf(d, sizeof d, "%ld", due);
        execl("/proc/self/exe", argv[0], "--tick", dir, c, d, (char *)NULL);
        _exit(127);
    }
    int status;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
