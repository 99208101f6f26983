/* test_scores.c - the arithmetic of the performance assessment
 * (src/supervise/scores.c, score.h): the indicator file's validation, each
 * formula kind's points and reasons, the month's boundaries and appeal
 * window.
 *
 * The sources are the core's and the registered kinds' (as serve registers
 * them: zt_wire). Expected values are worked out by hand in the comments.
 * The real data files are read from $ZT_DATA_DIR (the Makefile runs unit
 * tests with ZT_DATA_DIR=data from the repository root). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/tsv.h"
#include "routes.h"
#include "supervise/score.h"

static zt_calendar *cal;
static zt_arena arena;
static int sources_setup(void);

static const char *data_dir(void) {
    const char *d = getenv("ZT_DATA_DIR");
    return d && *d ? d : "data";
}

static int group_setup(void **state) {
    setenv("TZ", "Asia/Shanghai", 1);
    tzset();
    zt_wire();
    cal = zt_cal_new();
    char path[1024];
    snprintf(path, sizeof path, "%s/calendar.tsv", data_dir());
    size_t len;
    zt_error e;
    char *text = zt_read_file(path, &len, &e);
    if (!text) return -1;
    char err[128];
    int n = zt_cal_load_tsv(cal, text, len, err, sizeof err);
    free(text);
    zt_arena_init(&arena);
    return n > 0 ? sources_setup() : -1;
}

static int group_teardown(void **state) {
    zt_cal_free(cal);
    zt_arena_free(&arena);
    return 0;
}

static json_t *fresh(void) { return json_array(); }

/* the shipped file: six indicators, weights 30 + 10 + 20 + 15 + 15 + 10 */
static void shipped_file(void **state) {
    char path[1024];
    snprintf(path, sizeof path, "%s/scores.json", data_dir());
    size_t len;
    zt_error e;
    char *text = zt_read_file(path, &len, &e);
    assert_non_null(text);
    zt_sc_set set;
    assert_int_equal(zt_sc_parse(text, &set, &e), ZT_OK);
    free(text);
    assert_int_equal(set.n, 6);
    static const char *const ids[] = {"on_time", "early", "satisfaction", "yellow", "red", "complaint"};
    static const double weights[] = {30, 10, 20, 15, 15, 10};
    for (int i = 0; i < 6; i++) {
        assert_string_equal(set.v[i].id, ids[i]);
        assert_true(set.v[i].weight == weights[i]);
    }
    assert_true(set.v[1].param == 1);
    assert_true(set.v[2].scale == 5 && set.v[2].unfixed_per == 2);
    assert_true(set.v[3].per == 2 && set.v[4].per == 5 && set.v[5].per == 2);
}

static void bad_files(void **state) {
    static const struct {
        const char *text, *field;
    } cases[] = {
        {"[]", "scores"},
        {"{\"format\":\"x\",\"indicators\":[]}", "format"},
        {"{\"format\":\"zhengtong.scores/1\",\"indicators\":[]}", "indicators"},
        /* weights must add up to 100 */
        {"{\"format\":\"zhengtong.scores/1\",\"indicators\":[{\"id\":\"a\",\"name\":\"甲\",\"kind\":\"rate\","
         "\"source\":\"case_on_time\",\"weight\":90}]}",
         "weight"},
        {"{\"format\":\"zhengtong.scores/1\",\"indicators\":[{\"id\":\"a\",\"name\":\"甲\",\"kind\":\"sum\","
         "\"source\":\"case_on_time\",\"weight\":100}]}",
         "kind"},
        {"{\"format\":\"zhengtong.scores/1\",\"indicators\":[{\"id\":\"a\",\"name\":\"甲\",\"kind\":\"rate\","
         "\"source\":\"case_late\",\"weight\":100}]}",
         "source"},
        /* a source counted for another kind */
        {"{\"format\":\"zhengtong.scores/1\",\"indicators\":[{\"id\":\"a\",\"name\":\"甲\",\"kind\":\"rate\","
         "\"source\":\"card_red\",\"weight\":100}]}",
         "kind"},
        {"{\"format\":\"zhengtong.scores/1\",\"indicators\":[{\"id\":\"A-1\",\"name\":\"甲\",\"kind\":\"rate\","
         "\"source\":\"case_on_time\",\"weight\":100}]}",
         "id"},
        {"{\"format\":\"zhengtong.scores/1\",\"indicators\":[{\"id\":\"a\",\"name\":\"甲\",\"kind\":\"deduct_per\","
         "\"source\":\"card_red\",\"weight\":50,\"params\":{\"per\":0}},{\"id\":\"b\",\"name\":\"乙\",\"kind\":"
         "\"rate\",\"source\":\"case_on_time\",\"weight\":50}]}",
         "per"},
        {"{\"format\":\"zhengtong.scores/1\",\"indicators\":[{\"id\":\"a\",\"name\":\"甲\",\"kind\":\"rate\","
         "\"source\":\"case_on_time\",\"weight\":50},{\"id\":\"b\",\"name\":\"乙\",\"kind\":\"rate\","
         "\"source\":\"case_on_time\",\"weight\":50}]}",
         "source"},
        {"{\"format\":\"zhengtong.scores/1\",\"indicators\":[{\"id\":\"a\",\"name\":\"甲\",\"kind\":\"rate\","
         "\"source\":\"case_on_time\",\"weight\":100,\"colour\":1}]}",
         "colour"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        zt_sc_set set;
        zt_error e = {0};
        assert_int_equal(zt_sc_parse(cases[i].text, &set, &e), ZT_EINVAL);
        if (strcmp(e.field, cases[i].field) != 0) fail_msg("case %zu: field %s, message %s", i, e.field, e.message);
    }
}

static zt_sc_indicator ON_TIME = {"on_time", "按时办结率", ZT_SV_RATE, .weight = 30};
static zt_sc_indicator EARLY = {"early", "提前办结率", ZT_SV_RATE, .weight = 10, .param = 1};
static zt_sc_indicator SAT = {"satisfaction", "满意度", ZT_SV_AVERAGE, .weight = 20, .scale = 5, .unfixed_per = 2};
static zt_sc_indicator YELLOW = {"yellow", "黄牌", ZT_SV_DEDUCT_PER, .weight = 15, .per = 2};

/* the sources are the registered kinds': found once they are registered */
static int sources_setup(void) {
    ON_TIME.source = zt_sc_source("case_on_time");
    EARLY.source = zt_sc_source("case_early");
    SAT.source = zt_sc_source("rating_level");
    YELLOW.source = zt_sc_source("card_yellow");
    return ON_TIME.source && EARLY.source && SAT.source && YELLOW.source ? 0 : -1;
}

static json_t *refs(const char *a, const char *b) {
    json_t *r = json_array();
    if (a) json_array_append_new(r, json_string(a));
    if (b) json_array_append_new(r, json_string(b));
    return r;
}

static void rate_points(void **state) {
    json_t *out = fresh(), *deds = fresh();
    zt_sc_tally t = {.num = 3, .den = 4, .refs = refs("N4", NULL)};
    /* 30 × 3/4 = 22.5, 7.5 lost */
    assert_true(zt_sc_points(&arena, &ON_TIME, &t, out, deds) == 22.5);
    assert_string_equal(json_string_value(json_object_get(json_array_get(deds, 0), "reason")),
                        "按时办结率 75%（3/4 件按时），30 分 × 75% = 22.5 分，扣 7.5 分（逾期办结：N4）");
    assert_true(json_real_value(json_object_get(json_array_get(out, 0), "lost")) == 7.5);
    /* 10 × 2/3 = 6.67 (rounded to hundredths), 3.33 lost */
    zt_sc_tally t2 = {.num = 2, .den = 3, .refs = refs("N3", NULL)};
    assert_true(zt_sc_points(&arena, &EARLY, &t2, out, deds) == 6.67);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(deds, 1), "reason")),
        "提前办结率 66.67%（2/3 件提前 1 个工作日以上），10 分 × 66.67% = 6.67 分，扣 3.33 分（未提前办结：N3）");
    /* nothing closed: full points, no deduction */
    zt_sc_tally none = {0};
    assert_true(zt_sc_points(&arena, &ON_TIME, &none, out, deds) == 30);
    assert_int_equal(json_array_size(deds), 2);
    assert_true(json_is_null(json_object_get(json_array_get(out, 2), "value")));
    json_decref(t.refs);
    json_decref(t2.refs);
    json_decref(out);
    json_decref(deds);
}

static void deduct_points(void **state) {
    json_t *out = fresh(), *deds = fresh();
    zt_sc_tally t = {.den = 2, .refs = refs("JC-1", "JC-2")};
    assert_true(zt_sc_points(&arena, &YELLOW, &t, out, deds) == 11);
    assert_string_equal(json_string_value(json_object_get(json_array_get(deds, 0), "reason")),
                        "黄牌 2 张 × 2 分 = 4 分（JC-1、JC-2）");
    /* 9 cards × 2 = 18 > 15: the indicator's weight is the cap */
    zt_sc_tally many = {.den = 9, .refs = refs("JC-1", "JC-2")};
    assert_true(zt_sc_points(&arena, &YELLOW, &many, out, deds) == 0);
    assert_string_equal(json_string_value(json_object_get(json_array_get(deds, 1), "reason")),
                        "黄牌 9 张 × 2 分 = 18 分，以 15 分为限（JC-1、JC-2）");
    assert_true(json_real_value(json_object_get(json_array_get(deds, 1), "points")) == 15);
    json_decref(t.refs);
    json_decref(many.refs);
    json_decref(out);
    json_decref(deds);
}

static void average_points(void **state) {
    json_t *out = fresh(), *deds = fresh();
    /* levels 5 and 1: mean 3 = 60% of 20 = 12; one unfixed bad rating: 2 more */
    zt_sc_tally t = {.den = 2, .sum = 6, .refs = refs("N4", NULL), .unfixed = 1, .unfixed_refs = refs("N4", NULL)};
    assert_true(zt_sc_points(&arena, &SAT, &t, out, deds) == 10);
    assert_int_equal(json_array_size(deds), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(deds, 0), "reason")),
                        "满意度 平均 3 级（2 次评价）= 60%，20 分 × 60% = 12 分，扣 8 分（差评：N4）");
    assert_string_equal(json_string_value(json_object_get(json_array_get(deds, 1), "reason")),
                        "差评未按期整改 1 件 × 2 分 = 2 分（N4）");
    /* one rating of 1: 20 × 20% = 4; three unfixed would take 6: only the 4 left are taken */
    zt_sc_tally low = {.den = 1, .sum = 1, .refs = refs("N1", NULL), .unfixed = 3, .unfixed_refs = refs("N1", NULL)};
    assert_true(zt_sc_points(&arena, &SAT, &low, out, deds) == 0);
    assert_string_equal(json_string_value(json_object_get(json_array_get(deds, 3), "reason")),
                        "差评未按期整改 3 件 × 2 分 = 6 分，以本项余分 4 分为限（N1）");
    json_decref(t.refs);
    json_decref(t.unfixed_refs);
    json_decref(low.refs);
    json_decref(low.unfixed_refs);
    json_decref(out);
    json_decref(deds);
}

static void months(void **state) {
    zt_sc_month mo;
    zt_error e;
    assert_int_equal(zt_sc_month_parse(cal, "2026-09", "month", &mo, &e), ZT_OK);
    /* 1 September 00:00 and 1 October 00:00 in Asia/Shanghai (UTC+8) */
    assert_int_equal(mo.from, (int64_t)zt_day_from_ymd(2026, 9, 1) * 86400 - 8 * 3600);
    assert_int_equal(mo.to, (int64_t)zt_day_from_ymd(2026, 10, 1) * 86400 - 8 * 3600);
    /* 国庆 1-7 October: 8, 9, 10 (make-up Saturday), 12, 13 */
    assert_string_equal(mo.appeal, "2026-10-13");
    assert_int_equal(zt_sc_month_parse(cal, "2026-12", "month", &mo, &e), ZT_OK);
    /* 2027 is not covered by the calendar yet: the weekday rule counts Friday 1 January, then 4-7 */
    assert_string_equal(mo.appeal, "2027-01-07");
    for (const char *const *bad =
             (const char *const[]){"2026-9", "2026-13", "2026-00", "1999-12", "2026/09", "20260-9", "2026-1a", NULL};
         *bad; bad++)
        assert_int_equal(zt_sc_month_parse(cal, *bad, "month", &mo, &e), ZT_EINVAL);
    assert_int_equal(zt_sc_month_parse(cal, NULL, "month", &mo, &e), ZT_EINVAL);
}

static void number_text(void **state) {
    assert_string_equal(zt_sc_num(&arena, 22.5), "22.5");
    assert_string_equal(zt_sc_num(&arena, 4), "4");
    assert_string_equal(zt_sc_num(&arena, 2.0 / 3 * 100), "66.67");
    assert_string_equal(zt_sc_num(&arena, 0.004), "0");
    assert_string_equal(zt_sc_num(&arena, 100), "100");
    assert_true(zt_sc_clamp(-3) == 0 && zt_sc_clamp(103) == 100 && zt_sc_clamp(64.499999) == 64.5);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shipped_file),  cmocka_unit_test(bad_files),      cmocka_unit_test(rate_points),
        cmocka_unit_test(deduct_points), cmocka_unit_test(average_points), cmocka_unit_test(months),
        cmocka_unit_test(number_text),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
