/* inspection.c - a supervision kind that exists only in the tests: 行政检查
 * (an administrative inspection a department opens and must close within
 * its days), to prove the seam of src/supervise/kind.h (issue #8): a new
 * kind is one file and one registration; nothing under src/supervise/
 * outside kinds/ changes.
 *
 * The Makefile links this file with every object of the product (main
 * included) into build/tests/zhengtong-kind; the constructor below
 * registers the kind before main runs, as one line of src/routes.c would.
 * tests/api/kind.test.mjs drives that binary over HTTP: events through the
 * real intake (an API key), a card on the working-day calendar, the kind's
 * facts in the monthly scores. Its rules are read from
 * {source.dir}/rules/inspection.json, which the test writes.
 *
 * An event:
 *   {"id", "type": "inspection.open" | "inspection.close", "time",
 *    "subject_type": "inspection", "subject": number,
 *    "inspection": {"number", "department", "region", "target", "due_days"},
 *    "step": {"action": "open" | "close", "result": null | "complete", "to"}}
 * due_days (1-30, required when opening): working days from the opening
 * day; the inspection is late when it is not closed by the end of the last. */
#include <string.h>

#include "base/calendar.h"
#include "supervise/kind.h"

typedef struct {
    const char *target;
    int64_t due_days;
    zt_day due;
    int has_due;
} inspection_k;

static void fold(zt_sv_subject *s, const zt_sv_event *ev) {
    inspection_k *k = s->k;
    json_t *days = json_object_get(ev->info, "due_days");
    if (zt_sv_str(ev->info, "target")) k->target = zt_sv_str(ev->info, "target");
    if (json_is_integer(days) && !k->has_due) {
        k->due_days = json_integer_value(days);
        k->due = zt_cal_add(s->cal, zt_day_of_instant(s->opened_at), (int)k->due_days);
        k->has_due = 1;
    }
}

static void finish(zt_sv_subject *s) {
    inspection_k *k = s->k;
    s->has_due = k->has_due;
    s->due = k->due;
    s->title = k->target;
}

static json_t *detail(const zt_sv_subject *s) {
    const inspection_k *k = s->k;
    char due[11] = "";
    if (k->has_due) zt_day_format(k->due, due);
    return json_pack("{s:s?,s:I,s:s?}", "target", k->target, "due_days", (json_int_t)k->due_days, "due",
                     k->has_due ? due : NULL);
}

/* Late: not closed by the end of its last day (the rule's offset moves the
 * moment by working days). */
static void eval_late(const zt_sv_rule *r, const zt_sv_subject *s, int64_t now, zt_sv_signal *sig) {
    const inspection_k *k = s->k;
    if (!k->has_due) return;
    int64_t m = zt_day_start(zt_cal_add(s->cal, k->due, (int)zt_sv_param(r, "offset", 1)));
    zt_sv_at_moment(s, m, now, sig);
    sig->step = s->state;
    if (!sig->fires) return;
    sig->facts = json_object();
    zt_sv_fact_day(sig->facts, "due_day", k->due);
    zt_sv_fact_time(sig->facts, "moment", m);
}

static const zt_sv_evaluator EVALUATORS[] = {{"inspection_late", eval_late}, {NULL, NULL}};

static const char *const MEMBERS[] = {"number", "department", "region", "target", "due_days", NULL};

static zt_err check(json_t *ev, const char *action, const char *subject, const char *dept, const char *dept_region,
                    zt_error *e) {
    json_t *o = json_object_get(ev, "inspection");
    const char *s;
    int64_t n;
    int has;
    if (strcmp(action, "open") && strcmp(action, "close"))
        return zt_sv_check_bad(e, NULL, "type", "检查事件的 type 必须是 inspection.open 或 inspection.close");
    zt_err rc = zt_sv_check_only(o, "inspection", MEMBERS, e);
    if (!rc) rc = zt_sv_check_identity(o, "inspection", "number", subject, dept, e);
    if (!rc) rc = zt_sv_check_region(o, "inspection", 1, dept_region, e);
    if (!rc) rc = zt_sv_check_str(o, "inspection", "target", 1, 100, &s, e);
    if (!rc) rc = zt_sv_check_int(o, "inspection", "due_days", !strcmp(action, "open"), 1, 30, &n, &has, e);
    return rc;
}

/* Inspections closed in the month: on time when closed by their last day. */
static void closed(zt_sv_score *c, const zt_sv_row *row, void *ctx) {
    zt_day due;
    if (!row->due_day || zt_day_parse(row->due_day, &due)) return;
    zt_sv_fact f = {.source = "inspection_on_time", .dept = row->dept, .region = row->region};
    f.hit = zt_day_of_instant(row->closed_at) <= due;
    f.ref = f.hit ? NULL : row->number;
    zt_sv_score_add(c, &f);
}

static zt_err facts(zt_sv_score *c, zt_error *e) { return zt_sv_score_subjects(c, "inspection", 1, closed, NULL, e); }

static const zt_sv_source SOURCES[] = {
    {"inspection_on_time", ZT_SV_RATE, "件", .hit = "按期办结", .miss = "逾期：",
     .empty = "本月无办结的检查，按满分计"},
    {NULL},
};

static const char *const INFO_KEYS[] = {"department", "region", "target", "due_days", NULL};
static const char *const NONE[] = {NULL};

static const zt_sv_kind INSPECTION = {.name = "inspection",
                                      .label = "行政检查",
                                      .info = "inspection",
                                      .check = check,
                                      .state_size = sizeof(inspection_k),
                                      .fold = fold,
                                      .finish = finish,
                                      .detail = detail,
                                      .evaluators = EVALUATORS,
                                      .rules = "rules/inspection.json",
                                      .sources = SOURCES,
                                      .facts = facts,
                                      .info_keys = INFO_KEYS,
                                      .field_keys = NONE,
                                      .top_keys = NONE};

__attribute__((constructor)) static void register_inspection(void) { zt_sv_kind_register(&INSPECTION); }
