/* expert_draw.c - the supervision kind of expert draws (评标专家抽取,
 * src/experts/draw.c, docs/experts.md): the events of
 * data/flows/expert_draw.json (request, refuse, select, publish, cancel),
 * judged by the rules of data/rules/expert_draw.json, each card on the day
 * of its event:
 *   draw_refused     a request refused by the time rule (too_early) or
 *                    without a supervisor (no_supervisor): the rule's
 *                    params.rule names which;
 *   draw_often       at the selection: an expert called in more draws over
 *                    params.days than params.factor times the pool's
 *                    expected rate (seats called / active experts), and at
 *                    least params.min_count;
 *   draw_ineligible  at the selection or the publication: an expert called
 *                    or seated who is no longer active (suspended, retired,
 *                    blacklisted since the list was committed) or has
 *                    reached params.age_limit by the evaluation day.
 * The subject is the draw's number; it closes when published, cancelled or
 * refused. The facts name picks by their group and place, never the expert:
 * cards are read by administrators and auditors too, and the committee is
 * secret until the award (the draw's page of the centre and the supervisor
 * maps a place to its expert). */
#include <stdio.h>
#include <string.h>

#include "base/calendar.h"
#include "supervise/kind.h"
#include "supervise/kinds/kinds.h"

typedef struct {
    const char *project, *evaluation, *rule;
    int has_supervisor;
} draw_k;

static void fold(zt_sv_subject *s, const zt_sv_event *ev) {
    draw_k *k = s->k;
    const char *v;
    if ((v = zt_sv_str(ev->info, "project_code"))) k->project = v;
    if ((v = zt_sv_str(ev->info, "evaluation_date"))) k->evaluation = v;
    if ((v = zt_sv_str(ev->info, "rule"))) k->rule = v;
    if (json_is_integer(json_object_get(ev->info, "supervisor_id"))) k->has_supervisor = 1;
}

static void finish(zt_sv_subject *s) {
    draw_k *k = s->k;
    s->title = k->project;
    if (s->nevs && s->state &&
        (!strcmp(s->state, "published") || !strcmp(s->state, "cancelled") || !strcmp(s->state, "refused")))
        s->closed_at = s->evs[s->nevs - 1].at;
}

static json_t *detail(const zt_sv_subject *s) {
    const draw_k *k = s->k;
    return json_pack("{s:s?,s:s?,s:s?,s:b}", "project_code", k->project, "evaluation_date", k->evaluation, "rule",
                     k->rule, "supervisor", k->has_supervisor);
}

/* The index of the last event of action, or -1. */
static long last_of(const zt_sv_subject *s, const char *action) {
    for (size_t i = s->nevs; i-- > 0;)
        if (s->evs[i].action && !strcmp(s->evs[i].action, action)) return (long)i;
    return -1;
}

static void eval_refused(const zt_sv_rule *r, const zt_sv_subject *s, int64_t now, zt_sv_signal *sig) {
    const char *want = zt_sv_str(r->params, "rule");
    long i = last_of(s, "refuse");
    if (i < 0 || !want) return;
    const char *rule = zt_sv_str(s->evs[i].info, "rule");
    if (!rule || strcmp(rule, want)) return;
    const draw_k *k = s->k;
    json_t *facts = json_pack("{s:s,s:s?,s:s?,s:s?}", "rule", rule, "reason", zt_sv_str(s->evs[i].info, "reason"),
                              "project_code", k->project, "evaluation_date", k->evaluation);
    zt_sv_at_event(s, (size_t)i, sig, facts, "refuse");
}

static void eval_often(const zt_sv_rule *r, const zt_sv_subject *s, int64_t now, zt_sv_signal *sig) {
    long i = last_of(s, "select");
    if (i < 0 || !s->db) return;
    int64_t from = s->evs[i].at - zt_sv_param(r, "days", 365) * 86400, min = zt_sv_param(r, "min_count", 3),
            factor = zt_sv_param(r, "factor", 3);
    zt_error e = {0};
    double seats = 0, pool = 0;
    zt_stmt *st = zt_db_query(s->db, &e,
                              "SELECT (SELECT count(*) FROM expert_draw_picks p JOIN expert_draws d ON d.id = p.draw_id"
                              " WHERE p.status IN ('called', 'accepted', 'refused') AND d.created_at >= ?),"
                              " (SELECT count(*) FROM experts WHERE state = 'active')",
                              ZT_I(from));
    if (!st) return;
    if (zt_step(st, &e) == ZT_ROW) seats = (double)zt_col_int(st, 0), pool = (double)zt_col_int(st, 1);
    zt_db_release(s->db);
    double expected = pool > 0 ? seats / pool : 0;
    json_t *often = json_array();
    st = zt_db_query(s->db, &e,
                     "SELECT p.grp, p.seq, (SELECT count(DISTINCT p2.draw_id) FROM expert_draw_picks p2 JOIN"
                     " expert_draws d2 ON d2.id = p2.draw_id WHERE p2.expert_id = p.expert_id AND p2.status IN"
                     " ('called', 'accepted', 'refused') AND d2.created_at >= ?) FROM expert_draw_picks p JOIN"
                     " expert_draws d ON d.id = p.draw_id JOIN experts x ON x.id = p.expert_id WHERE d.number = ? AND"
                     " p.status IN ('called', 'accepted', 'refused') ORDER BY x.id",
                     ZT_I(from), ZT_T(s->number));
    if (!st) {
        json_decref(often);
        return;
    }
    while (zt_step(st, &e) == ZT_ROW) {
        int64_t n = zt_col_int(st, 2);
        if (n >= min && (double)n > factor * expected)
            json_array_append_new(often, json_pack("{s:I,s:I,s:I}", "group", (json_int_t)zt_col_int(st, 0) + 1, "seq",
                                                   (json_int_t)zt_col_int(st, 1), "draws", (json_int_t)n));
    }
    zt_db_release(s->db);
    if (!json_array_size(often)) {
        json_decref(often);
        return;
    }
    char exp[32];
    snprintf(exp, sizeof exp, "%.2f", expected);
    zt_sv_at_event(
        s, (size_t)i, sig,
        json_pack("{s:o,s:s,s:I}", "picks", often, "expected", exp, "days", (json_int_t)zt_sv_param(r, "days", 365)),
        "select");
}

static int age_on(const char *birth, zt_day day) {
    zt_day b;
    if (!birth || zt_day_parse(birth, &b)) return 0;
    int by, bm, bd, y, m, d;
    zt_day_to_ymd(b, &by, &bm, &bd);
    zt_day_to_ymd(day, &y, &m, &d);
    return y - by - (m < bm || (m == bm && d < bd));
}

static void eval_ineligible(const zt_sv_rule *r, const zt_sv_subject *s, int64_t now, zt_sv_signal *sig) {
    const draw_k *k = s->k;
    long i = last_of(s, "publish");
    if (i < 0) i = last_of(s, "select");
    zt_day eval;
    if (i < 0 || !s->db || !k->evaluation || zt_day_parse(k->evaluation, &eval)) return;
    int64_t limit = zt_sv_param(r, "age_limit", 70);
    zt_error e = {0};
    zt_stmt *st = zt_db_query(s->db, &e,
                              "SELECT p.grp, p.seq, x.state, x.birth_date FROM expert_draw_picks p JOIN expert_draws"
                              " d ON d.id = p.draw_id JOIN experts x ON x.id = p.expert_id WHERE d.number = ? AND"
                              " p.status IN ('called', 'accepted') ORDER BY x.id",
                              ZT_T(s->number));
    if (!st) return;
    json_t *bad = json_array();
    while (zt_step(st, &e) == ZT_ROW) {
        int age = age_on(zt_col_text(st, 3), eval);
        if (strcmp(zt_col_text(st, 2), "active") || age >= limit)
            json_array_append_new(bad,
                                  json_pack("{s:I,s:I,s:s,s:i}", "group", (json_int_t)zt_col_int(st, 0) + 1, "seq",
                                            (json_int_t)zt_col_int(st, 1), "state", zt_col_text(st, 2), "age", age));
    }
    zt_db_release(s->db);
    if (!json_array_size(bad)) {
        json_decref(bad);
        return;
    }
    zt_sv_at_event(s, (size_t)i, sig, json_pack("{s:o,s:I}", "picks", bad, "age_limit", (json_int_t)limit),
                   s->evs[i].action);
}

static const zt_sv_evaluator EVALUATORS[] = {
    {"draw_refused", eval_refused}, {"draw_often", eval_often}, {"draw_ineligible", eval_ineligible}, {NULL, NULL}};

static const char *const ACTIONS[] = {"request", "refuse", "select", "publish", "cancel", NULL};
static const char *const MEMBERS[] = {
    "number", "project_code", "evaluation_date", "groups", "supervisor_id", "department",
    "region", "rule",         "reason",          NULL};

/* A department's system reporting draws of its own (the intake): the same
 * members as the platform's events. */
static zt_err check(json_t *ev, const char *action, const char *subject, const char *dept, const char *dept_region,
                    zt_error *e) {
    json_t *o = json_object_get(ev, "draw");
    const char *v;
    if (!zt_sv_one_of(action, ACTIONS))
        return zt_sv_check_bad(e, NULL, "type",
                               "抽取事件的 type 必须是 expert_draw.request、refuse、select、publish 或 cancel");
    zt_err rc = zt_sv_check_only(o, "draw", MEMBERS, e);
    if (!rc) rc = zt_sv_check_identity(o, "draw", "number", subject, dept, e);
    if (!rc) rc = zt_sv_check_region(o, "draw", 1, dept_region, e);
    if (!rc) rc = zt_sv_check_str(o, "draw", "project_code", 1, 64, &v, e);
    if (!rc) rc = zt_sv_check_day(o, "draw", "evaluation_date", e);
    if (!rc) rc = zt_sv_check_str(o, "draw", "rule", 0, 32, &v, e);
    if (!rc) rc = zt_sv_check_str(o, "draw", "reason", 0, 500, &v, e);
    if (!rc) rc = zt_sv_check_type(o, "draw", "groups", JSON_ARRAY, "数组", e);
    return rc;
}

static const char *const INFO_KEYS[] = {"department", "region",        "project_code", "evaluation_date",
                                        "rule",       "supervisor_id", "reason",       NULL};
static const char *const NONE[] = {NULL};

const zt_sv_kind zt_sv_expert_draw_kind = {.name = "expert_draw",
                                           .label = "评标专家抽取",
                                           .info = "draw",
                                           .check = check,
                                           .state_size = sizeof(draw_k),
                                           .fold = fold,
                                           .finish = finish,
                                           .detail = detail,
                                           .evaluators = EVALUATORS,
                                           .rules = "rules/expert_draw.json",
                                           .info_keys = INFO_KEYS,
                                           .field_keys = NONE,
                                           .top_keys = NONE};
