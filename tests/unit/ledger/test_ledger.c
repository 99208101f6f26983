/* test_ledger.c - the log in the store (src/ledger/ledger.c): listing
 * entries by one index per filter shape with a bound on the rows a page
 * reads (issue #22 F11), and verification against checkpoints kept outside
 * the database (F10). Each test opens a database in a fresh temporary
 * directory (every migration applied), removed at the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/ledger.h"
#include "ledger/note.h"
#include "store/store.h"

static char tmpdir[] = "/tmp/zt-ledger-test-XXXXXX";
static zt_store *store;

/* 2500 entries: subject "case/A" every other one, owned by user 7 every
 * fifth, "case/B" the rest */
#define ENTRIES 2500

static zt_err append_all(zt_db *db, void *arg, zt_error *e) {
    for (int i = 0; i < ENTRIES; i++) {
        zt_ledger_event ev = {.kind = "case.step",
                              .subject = i % 2 ? "case/B" : "case/A",
                              .actor = "t",
                              .owner_user_id = i % 5 == 0 ? 7 : 0,
                              .region = i % 3 == 0 ? "360302" : "360300"};
        zt_err rc = zt_ledger_append(db, &ev, NULL, e);
        if (rc) return rc;
    }
    return ZT_OK;
}

static int group_setup(void **state) {
    if (!mkdtemp(tmpdir) || sodium_init() < 0) return -1;
    char path[256];
    snprintf(path, sizeof path, "%s/ledger.db", tmpdir);
    zt_store_options o = {.path = path};
    zt_error e = {0};
    if (zt_store_open(&o, &store, &e) != ZT_OK) {
        fprintf(stderr, "zt_store_open: %s\n", e.message);
        return -1;
    }
    if (zt_store_write(store, append_all, NULL, &e) != ZT_OK) {
        fprintf(stderr, "append: %s\n", e.message);
        return -1;
    }
    return 0;
}

static int group_teardown(void **state) {
    zt_store_close(store);
    remove_tree(tmpdir);
    return 0;
}

/* The query plan of sql, its lines joined by " | ". */
static void plan_of(const char *sql, char *out, size_t cap) {
    zt_db *db = zt_store_reader(store);
    zt_error e = {0};
    char q[1024];
    snprintf(q, sizeof q, "EXPLAIN QUERY PLAN %s", sql);
    zt_stmt *st = zt_db_prepare(db, q, &e);
    if (!st) fail_msg("prepare %s: %s", q, e.message);
    out[0] = 0;
    while (zt_step(st, &e) == ZT_ROW) {
        size_t n = strlen(out);
        snprintf(out + n, cap - n, "%s%s", n ? " | " : "", zt_col_text(st, 3));
    }
    zt_db_release(db);
}

/* F11: each shape is answered by its index, never by a walk over the log. */
static void each_shape_uses_its_index(void **state) {
    char plan[512];
    zt_ledger_filter by_subject = {.subject = "case/A", .from = 0, .to = INT64_MAX};
    plan_of(zt_ledger_list_sql(&by_subject), plan, sizeof plan);
    print_message("subject:       %s\n", plan);
    assert_non_null(
        strstr(plan, "SEARCH ledger_entries USING INDEX ledger_subject (subject=? AND rowid>? AND rowid<?)"));
    assert_null(strstr(plan, "SCAN"));
    assert_null(strstr(plan, "TEMP B-TREE"));

    zt_ledger_filter by_owner = {.owner_user_id = 7, .from = 0, .to = INT64_MAX};
    plan_of(zt_ledger_list_sql(&by_owner), plan, sizeof plan);
    print_message("owner:         %s\n", plan);
    assert_non_null(
        strstr(plan, "SEARCH ledger_entries USING INDEX ledger_owner (owner_user_id=? AND rowid>? AND rowid<?)"));
    assert_null(strstr(plan, "SCAN"));
    assert_null(strstr(plan, "TEMP B-TREE"));

    zt_ledger_filter both = {.subject = "case/A", .owner_user_id = 7, .from = 0, .to = INT64_MAX};
    assert_string_equal(zt_ledger_list_sql(&both), zt_ledger_list_sql(&by_subject));

    zt_ledger_filter range = {.from = 0, .to = 1000};
    plan_of(zt_ledger_list_sql(&range), plan, sizeof plan);
    print_message("range:         %s\n", plan);
    assert_non_null(strstr(plan, "SEARCH ledger_entries USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)"));
    assert_null(strstr(plan, "SCAN"));

    /* the statement before the fix: one for every shape, and the subject's
     * index unused - ?from=0&subject=x walked [0, size) row by row */
    plan_of("SELECT idx, entry, leaf_hash, subject FROM ledger_entries WHERE idx >= ? AND idx < ?"
            " AND (? IS NULL OR subject = ?) AND (? = 0 OR owner_user_id = ?) ORDER BY idx LIMIT 1001",
            plan, sizeof plan);
    print_message("before (F11):  %s\n", plan);
    assert_null(strstr(plan, "ledger_subject"));
    assert_null(strstr(plan, "ledger_owner"));
}

typedef struct {
    int rows;
    int64_t last;
    const char *subject;
    int64_t owner;
} seen;

static void count_row(const zt_ledger_row *row, void *arg) {
    seen *s = arg;
    assert_true(row->index > s->last);
    if (s->subject) assert_string_equal(row->subject, s->subject);
    if (s->owner) assert_int_equal(row->owner_user_id, s->owner);
    assert_non_null(row->entry);
    assert_non_null(row->leaf);
    s->last = row->index;
    s->rows++;
}

/* A page reads at most ZT_LEDGER_PAGE rows, and says where the next starts. */
static void pages_are_bounded(void **state) {
    zt_db *db = zt_store_reader(store);
    zt_error e = {0};
    int64_t next;
    /* case/A: 1250 entries, indexes 0, 2, 4 ...: one full page, then the rest */
    zt_ledger_filter f = {.subject = "case/A", .from = 0, .to = INT64_MAX};
    seen s = {.last = -1, .subject = "case/A"};
    assert_int_equal(zt_ledger_list(db, &f, count_row, &s, &next, &e), ZT_OK);
    assert_int_equal(s.rows, ZT_LEDGER_PAGE);
    assert_int_equal(next, 2 * ZT_LEDGER_PAGE);
    f.from = next;
    seen s2 = {.last = next - 1, .subject = "case/A"};
    assert_int_equal(zt_ledger_list(db, &f, count_row, &s2, &next, &e), ZT_OK);
    assert_int_equal(s2.rows, ENTRIES / 2 - ZT_LEDGER_PAGE);
    assert_int_equal(next, -1);

    /* a subject and an owner nobody is: the subject's rows are read, none
     * kept, and still no more than a page of them */
    zt_ledger_filter none = {.subject = "case/A", .owner_user_id = 99, .from = 0, .to = INT64_MAX};
    seen s3 = {.last = -1};
    assert_int_equal(zt_ledger_list(db, &none, count_row, &s3, &next, &e), ZT_OK);
    assert_int_equal(s3.rows, 0);
    assert_int_equal(next, 2 * ZT_LEDGER_PAGE);

    /* the owner's index: every fifth entry */
    zt_ledger_filter mine = {.owner_user_id = 7, .from = 0, .to = INT64_MAX};
    seen s4 = {.last = -1, .owner = 7};
    assert_int_equal(zt_ledger_list(db, &mine, count_row, &s4, &next, &e), ZT_OK);
    assert_int_equal(s4.rows, ENTRIES / 5);
    assert_int_equal(next, -1);

    /* a range, and a subject nobody has */
    zt_ledger_filter range = {.from = 100, .to = 200};
    seen s5 = {.last = 99};
    assert_int_equal(zt_ledger_list(db, &range, count_row, &s5, &next, &e), ZT_OK);
    assert_int_equal(s5.rows, 100);
    assert_int_equal(next, -1);
    zt_ledger_filter nobody = {.subject = "case/Z", .from = 0, .to = INT64_MAX};
    seen s6 = {.last = -1};
    assert_int_equal(zt_ledger_list(db, &nobody, count_row, &s6, &next, &e), ZT_OK);
    assert_int_equal(s6.rows, 0);
    assert_int_equal(next, -1);
}

static void region_is_stored(void **state) {
    zt_db *db = zt_store_reader(store);
    zt_error e = {0};
    zt_stmt *st = zt_db_prepare(db, "SELECT count(*) FROM ledger_entries WHERE region_code = '360302'", &e);
    assert_non_null(st);
    assert_int_equal(zt_step(st, &e), ZT_ROW);
    assert_int_equal(zt_col_int(st, 0), (ENTRIES + 2) / 3);
    zt_db_release(db);
}

typedef struct {
    const char *signer;
    char *note;
} cp_arg;

static zt_err sign(zt_db *db, void *arg, zt_error *e) {
    cp_arg *a = arg;
    return zt_ledger_checkpoint(db, "test/log", a->signer, NULL, &a->note, e);
}

/* F10: checkpoints from outside the database count as much as its rows. */
static void outside_checkpoints(void **state) {
    char *signer, *verifier, *other_signer, *other_verifier;
    zt_error e = {0};
    assert_int_equal(zt_note_keygen("test/log", &signer, &verifier, &e), ZT_OK);
    assert_int_equal(zt_note_keygen("test/log", &other_signer, &other_verifier, &e), ZT_OK);
    cp_arg a = {signer, NULL};
    assert_int_equal(zt_store_write(store, sign, &a, &e), ZT_OK);
    zt_db *db = zt_store_reader(store);
    uint64_t entries;
    int64_t bad;
    zt_ledger_outside ok = {"offsite/checkpoint", a.note};
    assert_int_equal(zt_ledger_verify(db, verifier, &ok, 1, &entries, &bad, &e), ZT_OK);
    assert_int_equal(entries, ENTRIES);

    /* a checkpoint of a longer log than the database holds: entries missing */
    zt_hash root = {{0}};
    char *body = zt_checkpoint_body("test/log", ENTRIES + 5, &root), *longer;
    assert_int_equal(zt_note_sign(signer, body, &longer, &e), ZT_OK);
    zt_ledger_outside more = {"offsite/longer", longer};
    assert_int_equal(zt_ledger_verify(db, verifier, &more, 1, &entries, &bad, &e), ZT_ECONFLICT);
    assert_non_null(strstr(e.message, "missing: entries 2500..2504"));
    assert_non_null(strstr(e.message, "offsite/longer (kept outside the database)"));
    assert_int_equal(bad, ENTRIES);

    /* the same size with another root: mismatch, at the last entry */
    free(body);
    free(longer);
    body = zt_checkpoint_body("test/log", 100, &root);
    assert_int_equal(zt_note_sign(signer, body, &longer, &e), ZT_OK);
    zt_ledger_outside wrong = {"offsite/wrong", longer};
    assert_int_equal(zt_ledger_verify(db, verifier, &wrong, 1, &entries, &bad, &e), ZT_ECONFLICT);
    assert_non_null(strstr(e.message, "checkpoint mismatch: the first 100 entries do not give the root signed in "
                                      "offsite/wrong (kept outside the database)"));
    assert_int_equal(bad, 99);

    /* signed by another key */
    char *forged;
    assert_int_equal(zt_note_sign(other_signer, body, &forged, &e), ZT_OK);
    zt_ledger_outside other = {"offsite/forged", forged};
    assert_int_equal(zt_ledger_verify(db, verifier, &other, 1, &entries, &bad, &e), ZT_ECONFLICT);
    assert_non_null(strstr(e.message, "bad signature: checkpoint offsite/forged"));
    zt_db_release(db);
    free(body);
    free(longer);
    free(forged);
    free(a.note);
    free(signer);
    free(verifier);
    free(other_signer);
    free(other_verifier);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(each_shape_uses_its_index),
        cmocka_unit_test(pages_are_bounded),
        cmocka_unit_test(region_is_stored),
        cmocka_unit_test(outside_checkpoints),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
