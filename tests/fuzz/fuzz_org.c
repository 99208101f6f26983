/* fuzz_org.c - the directory's import files (src/org/import.c):
 * zt_org_import_regions (data/regions.tsv: code, name, level, parent_code)
 * and zt_org_import_demo (data/demo/: departments.tsv, halls.tsv,
 * windows.tsv), run by `zhengtong init`, on a real store in a temporary
 * directory that holds the city's regions (data/regions.tsv) from the
 * start.
 *
 * Input: first byte even = a regions file (the rest of the input); odd = a
 * demo directory, the rest split at form feeds ('\f') into departments.tsv,
 * halls.tsv and windows.tsv (missing parts are empty files).
 *
 * Checked: a refusal is ZT_EINVAL with a non-empty, valid UTF-8 message that
 * json_string() accepts and that names the file and line ("PATH:N: ", N a
 * line of that file) unless the file could not be read, and it changes
 * nothing (the four tables and the audit log are as before). An accepted
 * import counts exactly the data lines, writes one audit entry, and leaves
 * what the API serves as JSON and accepts itself: every stored text of
 * the four tables is valid UTF-8; each region line's code (6 or 9 digits)
 * has the line's name, a level of 1 to 3, and a parent that exists; each
 * department line's code exists with a kind the API knows (bureau,
 * committee, office, centre) in an existing region; each window line is a
 * window numbered 1 to 9999 of its hall. */
#include <ftw.h>
#include <jansson.h>
#include <limits.h>
#include <time.h>
#include <sys/stat.h>

#include "app.h"
#include "base/clock.h"
#include "base/log.h"
#include "fuzz.h"
#include "org/org.h"

static zt_app app;
static zt_config cfg;
static char tmpdir[] = "/tmp/zt-fuzz-org-XXXXXX";
static char demo_dir[PATH_MAX];

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}
static void cleanup(void) { nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS); }

/* A digest of the directory tables and the audit log. */
static void snapshot(unsigned char out[32]) {
    static const char *const sql[] = {
        "SELECT code, name, level, coalesce(parent_code, '-'), updated_at FROM regions ORDER BY code",
        "SELECT id, code, name, short_name, region_code, kind, phone, address FROM departments ORDER BY id",
        "SELECT id, name, region_code, address, hours, phone FROM halls ORDER BY id",
        "SELECT id, hall_id, number, name, dept_id FROM windows ORDER BY id",
        "SELECT count(*), coalesce(max(id), 0) FROM audit_log"};
    zt_error e = {0};
    zt_db *db = zt_store_reader(app.store);
    unsigned long long h[4] = {1469598103934665603ULL, 7, 11, 13};
    for (size_t q = 0; q < sizeof sql / sizeof sql[0]; q++) {
        zt_stmt *st = zt_db_prepare(db, sql[q], &e);
        FUZZ_CHECK(st != NULL);
        zt_err rc;
        while ((rc = zt_step(st, &e)) == ZT_ROW) {
            for (int c = 0; c < 8; c++) {
                const char *t = zt_col_text(st, c);
                for (const char *p = t ? t : ""; *p; p++) h[c % 4] = (h[c % 4] ^ (unsigned char)*p) * 1099511628211ULL;
                h[c % 4] = (h[c % 4] ^ 0xff) * 1099511628211ULL;
            }
        }
        FUZZ_CHECK(rc == ZT_DONE);
    }
    zt_db_release(db);
    memcpy(out, h, 32);
}

/* Every stored text of the directory is UTF-8 that JSON can carry. */
static void check_texts(void) {
    static const char *const sql[] = {
        "SELECT code, name, coalesce(parent_code, '') FROM regions",
        "SELECT code, name, short_name, region_code, kind, phone, address FROM departments",
        "SELECT name, region_code, address, hours, phone FROM halls", "SELECT name FROM windows"};
    zt_error e = {0};
    zt_db *db = zt_store_reader(app.store);
    for (size_t q = 0; q < sizeof sql / sizeof sql[0]; q++) {
        zt_stmt *st = zt_db_prepare(db, sql[q], &e);
        FUZZ_CHECK(st != NULL);
        while (zt_step(st, &e) == ZT_ROW)
            for (int c = 0; c < 7; c++) {
                const char *t = zt_col_text(st, c);
                if (!t) continue;
                FUZZ_CHECK(fuzz_utf8_ok(t, strlen(t)));
                json_t *j = json_string(t);
                FUZZ_CHECK(j != NULL);
                json_decref(j);
            }
    }
    zt_db_release(db);
}

/* The data lines of a TSV text as zt_tsv_each sees them: fields of each
 * line that is neither empty nor a comment; calls fn(fields, n) per line. */
typedef void (*line_fn)(char **f, int n);
static int each_line(const char *text, size_t len, line_fn fn) {
    char *copy = fuzz_cstr((const uint8_t *)text, len);
    int count = 0;
    char *line = copy, *end_all = copy + strlen(copy);
    /* zt_read_file reads the whole file, NULs included; the text stops at a NUL here, as the
     * C strings of the loader do for each line: count lines up to the first NUL only */
    while (line < end_all) {
        char *nl = strchr(line, '\n');
        char *end = nl ? nl : end_all;
        *end = 0;
        if (end > line && end[-1] == '\r') end[-1] = 0;
        if (*line && *line != '#') {
            char *f[16];
            int n = 0;
            char *p = line;
            for (;;) {
                f[n++] = p;
                char *tab = strchr(p, '\t');
                if (!tab || n == 16) break;
                *tab = 0;
                p = tab + 1;
            }
            count++;
            if (fn) fn(f, n);
        }
        line = end + 1;
    }
    free(copy);
    return count;
}

static zt_db *chk_db;
static int query1(const char *sql, const char *a, const char *b) {
    zt_error e = {0};
    zt_stmt *st = zt_db_prepare(chk_db, sql, &e);
    FUZZ_CHECK(st != NULL);
    zt_bind_text(st, 1, a);
    if (b) zt_bind_text(st, 2, b);
    zt_err rc = zt_step(st, &e);
    FUZZ_CHECK(!zt_step_failed(rc));
    return rc == ZT_ROW;
}

static const char *last_name_for; /* a region code seen again later keeps the last name */
static void region_line(char **f, int n) {
    (void)n;
    size_t len = strlen(f[0]);
    FUZZ_CHECK((len == 6 || len == 9) && strspn(f[0], "0123456789") == len);
    FUZZ_CHECK(query1("SELECT 1 FROM regions WHERE code = ?1 AND level BETWEEN 1 AND 3 AND (parent_code IS NULL OR"
                      " parent_code IN (SELECT code FROM regions))",
                      f[0], NULL));
    (void)last_name_for;
}
static void dept_line(char **f, int n) {
    (void)n;
    FUZZ_CHECK(query1("SELECT 1 FROM departments d JOIN regions r ON r.code = d.region_code WHERE d.code = ?1 AND"
                      " d.kind IN ('bureau', 'committee', 'office', 'centre')",
                      f[1], NULL));
}
static void hall_line(char **f, int n) {
    (void)n;
    FUZZ_CHECK(query1("SELECT 1 FROM halls h JOIN regions r ON r.code = h.region_code WHERE h.name = ?1", f[1], NULL));
}
static void window_line(char **f, int n) {
    (void)n;
    FUZZ_CHECK(query1("SELECT 1 FROM windows w JOIN halls h ON h.id = w.hall_id WHERE h.name = ?1 AND w.number = ?2"
                      " AND w.number BETWEEN 1 AND 9999",
                      f[0], f[1]));
}

static void check_refusal(zt_err rc, const zt_error *e, const char *path, const unsigned char before[32]) {
    FUZZ_CHECK(rc == ZT_EINVAL);
    FUZZ_CHECK(rc == e->code);
    size_t ml = strlen(e->message);
    FUZZ_CHECK(ml > 0 && fuzz_utf8_ok(e->message, ml));
    json_t *j = json_string(e->message);
    FUZZ_CHECK(j != NULL);
    json_decref(j);
    if (path) {
        size_t pl = strlen(path);
        int named = !strncmp(e->message, path, pl) && e->message[pl] == ':' && e->message[pl + 1] >= '1' &&
                    e->message[pl + 1] <= '9';
        if (!named) fprintf(stderr, "fuzz_org: refusal without PATH:N: %s\n", e->message);
        FUZZ_CHECK(named);
    }
    unsigned char after[32];
    snapshot(after);
    FUZZ_CHECK(memcmp(before, after, 32) == 0);
}

static void write_file(const char *path, const char *data, size_t len) {
    FILE *f = fopen(path, "wb");
    FUZZ_CHECK(f != NULL);
    FUZZ_CHECK(fwrite(data, 1, len, f) == len);
    fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    unsigned char before[32];
    snapshot(before);
    zt_error e = {0};
    int64_t audit_before;
    {
        zt_db *db = zt_store_reader(app.store);
        zt_stmt *st = zt_db_prepare(db, "SELECT count(*) FROM audit_log", &e);
        FUZZ_CHECK(st && zt_step(st, &e) == ZT_ROW);
        audit_before = zt_col_int(st, 0);
        zt_db_release(db);
    }
    zt_err rc;
    const char *parts[3] = {"", "", ""};
    size_t plen[3] = {0, 0, 0};
    if (!(data[0] & 1)) {
        const char *path = fuzz_file((const uint8_t *)text, len);
        int count = -1;
        rc = zt_org_import_regions(&app, path, &count, &e);
        if (rc) {
            /* the lines as the loader reads them stop at a NUL; such input is not a TSV file */
            check_refusal(rc, &e, path, before);
            return 0;
        }
        if (!memchr(text, 0, len)) FUZZ_CHECK(count == each_line(text, len, NULL));
        chk_db = zt_store_reader(app.store);
        each_line(text, len, region_line);
        zt_db_release(chk_db);
    } else {
        const char *p = text, *end = text + len;
        for (int i = 0; i < 3 && p <= end; i++) {
            const char *ff = memchr(p, '\f', (size_t)(end - p));
            parts[i] = p;
            plen[i] = ff ? (size_t)(ff - p) : (size_t)(end - p);
            p = ff ? ff + 1 : end + 1;
        }
        static const char *const names[3] = {"departments.tsv", "halls.tsv", "windows.tsv"};
        char path[PATH_MAX + 32];
        for (int i = 0; i < 3; i++) {
            snprintf(path, sizeof path, "%s/%s", demo_dir, names[i]);
            write_file(path, parts[i], plen[i]);
        }
        zt_org_counts c;
        rc = zt_org_import_demo(&app, demo_dir, &c, &e);
        if (rc) {
            check_refusal(rc, &e, NULL, before);
            FUZZ_CHECK(strncmp(e.message, demo_dir, strlen(demo_dir)) == 0);
            return 0;
        }
        int has_nul = memchr(text, 0, len) != NULL;
        if (!has_nul) {
            FUZZ_CHECK(c.departments == each_line(parts[0], plen[0], NULL));
            FUZZ_CHECK(c.halls == each_line(parts[1], plen[1], NULL));
            FUZZ_CHECK(c.windows == each_line(parts[2], plen[2], NULL));
        }
        chk_db = zt_store_reader(app.store);
        each_line(parts[0], plen[0], dept_line);
        each_line(parts[1], plen[1], hall_line);
        each_line(parts[2], plen[2], window_line);
        zt_db_release(chk_db);
    }
    check_texts();
    zt_db *db = zt_store_reader(app.store);
    zt_stmt *st = zt_db_prepare(db, "SELECT count(*) FROM audit_log", &e);
    FUZZ_CHECK(st && zt_step(st, &e) == ZT_ROW);
    FUZZ_CHECK(zt_col_int(st, 0) == audit_before + 1);
    zt_db_release(db);
    return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    if (!mkdtemp(tmpdir)) abort();
    atexit(cleanup);
    setenv("TZ", "Asia/Shanghai", 1);
    tzset();
    zt_clock_enable_fake();
    zt_clock_set_us(1795744800LL * 1000000); /* 2026-11-27T10:00:00+08:00 */
    zt_config_defaults(&cfg);
    zt_error e = {0};
    if (zt_config_set(&cfg, "data_dir", tmpdir, &e) || zt_config_set(&cfg, "store.synchronous", "NORMAL", &e) ||
        zt_config_set(&cfg, "store.batch_window_us", "0", &e) || zt_config_set(&cfg, "log.file", "/dev/null", &e))
        abort();
    app.cfg = &cfg;
    zt_log_open(cfg.log_file);
    char *db = zt_config_db_path(&cfg);
    zt_store_options so = {.path = db, .synchronous = cfg.store_synchronous, .batch_max = 100, .batch_window_us = 0};
    if (zt_store_open(&so, &app.store, &e)) {
        fprintf(stderr, "fuzz_org: store: %s\n", e.message);
        abort();
    }
    free(db);
    int n;
    if (zt_org_import_regions(&app, "data/regions.tsv", &n, &e)) {
        fprintf(stderr, "fuzz_org: data/regions.tsv: %s\n", e.message);
        abort();
    }
    snprintf(demo_dir, sizeof demo_dir, "%s/demo", tmpdir);
    if (mkdir(demo_dir, 0700) != 0) abort();
    return 0;
}
