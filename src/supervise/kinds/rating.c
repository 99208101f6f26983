/* rating.c - the supervision kind of ratings (好差评): a bad rating (level
 * 1-2) is followed up - visited (回访) and fixed (整改) by its fix_due, which
 * supervision watches (data/rules/rating.json). The subject is the rated
 * case's number. The monthly scores average the ratings of each
 * department, staff member and window, and deduct for bad ones left
 * unfixed past their day. */
#include <string.h>

#include "base/calendar.h"
#include "supervise/kind.h"
#include "supervise/kinds/kinds.h"

typedef struct {
    int64_t level, fixed_at;
    int bad, has_level, has_fix_due;
    zt_day fix_due;
} rating_k;

static const char *str(json_t *o, const char *k) { return zt_sv_str(o, k); }

static void rating_fold(zt_sv_subject *s, const zt_sv_event *ev) {
    rating_k *k = s->k;
    json_t *level = json_object_get(ev->info, "level"), *bad = json_object_get(ev->info, "bad");
    if (json_is_integer(level)) {
        k->level = json_integer_value(level);
        k->has_level = 1;
        k->bad = json_is_boolean(bad) ? json_is_true(bad) : k->level <= 2;
    }
    zt_day d;
    const char *fix = str(ev->info, "fix_due");
    if (fix && !zt_day_parse(fix, &d)) k->fix_due = d, k->has_fix_due = 1;
    if (ev->type && !strcmp(ev->type, "rating.fix") && !k->fixed_at) k->fixed_at = ev->at;
}

/* A rating is finished when it needs no follow-up, or once fixed. */
static void rating_finish(zt_sv_subject *s) {
    rating_k *k = s->k;
    if (s->nevs && !s->closed_at) s->closed_at = !k->has_fix_due ? s->evs[0].at : k->fixed_at;
    s->has_due = k->has_fix_due;
    s->due = k->fix_due;
}

static json_t *rating_detail(const zt_sv_subject *s) {
    const rating_k *k = s->k;
    char due[11];
    zt_day_format(k->fix_due, due);
    return json_pack("{s:o,s:b,s:o,s:o}", "level", k->has_level ? json_integer(k->level) : json_null(), "bad", k->bad,
                     "fix_due", k->has_fix_due ? json_string(due) : json_null(), "fixed_at",
                     k->fixed_at ? json_integer(k->fixed_at) : json_null());
}

static void eval_rating_fix(const zt_sv_rule *r, const zt_sv_subject *s, int64_t now, zt_sv_signal *sig) {
    const rating_k *k = s->k;
    if (!k->has_fix_due) return;
    int64_t m = zt_day_start(zt_cal_add(s->cal, k->fix_due, (int)zt_sv_param(r, "offset", 1)));
    if (m <= now && (!k->fixed_at || k->fixed_at >= m)) {
        sig->fires = 1;
        sig->at = m;
        sig->facts = json_object();
        zt_sv_fact_day(sig->facts, "fix_due", k->fix_due);
        zt_sv_fact_time(sig->facts, "moment", m);
        if (k->fixed_at) zt_sv_fact_time(sig->facts, "fixed_at", k->fixed_at);
        sig->step = "fix";
    } else if (!k->fixed_at && m > now) {
        sig->timer = 1, sig->at = m;
    }
}

static const zt_sv_evaluator EVALUATORS[] = {{"rating_fix", eval_rating_fix}, {NULL, NULL}};

static const char *const RATING_MEMBERS[] = {"case_number", "level",  "level_label", "bad",     "criteria", "comment",
                                             "department",  "region", "state",       "fix_due", "note",     NULL};
static const char *const RATING_ACTIONS[] = {"rate", "visit", "fix", NULL};

static zt_err check_rating(json_t *ev, const char *action, const char *subject, const char *dept,
                           const char *dept_region, zt_error *e) {
    json_t *r = json_object_get(ev, "rating"), *b;
    const char *s;
    int64_t n;
    int has;
    if (!zt_sv_one_of(action, RATING_ACTIONS))
        return zt_sv_check_bad(e, NULL, "type", "评价事件的 type 必须是 rating.rate、rating.visit 或 rating.fix");
    zt_err rc = zt_sv_check_only(r, "rating", RATING_MEMBERS, e);
    if (!rc) rc = zt_sv_check_identity(r, "rating", "case_number", subject, dept, e);
    if (!rc) rc = zt_sv_check_region(r, "rating", 0, dept_region, e);
    if (!rc) rc = zt_sv_check_int(r, "rating", "level", !strcmp(action, "rate"), 1, 5, &n, &has, e);
    b = json_object_get(r, "bad");
    if (!rc && b && !json_is_null(b) && !json_is_boolean(b))
        rc = zt_sv_check_bad(e, "rating", "bad", "字段 rating.bad 必须是 true 或 false");
    if (!rc) rc = zt_sv_check_day(r, "rating", "fix_due", e);
    if (!rc) rc = zt_sv_check_str(r, "rating", "level_label", 0, 16, &s, e);
    if (!rc) rc = zt_sv_check_str(r, "rating", "state", 0, 32, &s, e);
    if (!rc) rc = zt_sv_check_type(r, "rating", "comment", JSON_STRING, "字符串", e);
    if (!rc) rc = zt_sv_check_type(r, "rating", "note", JSON_STRING, "字符串", e);
    if (rc) return rc;
    /* a rating has no region of its own: the department's */
    if (dept_region && !json_is_string(json_object_get(r, "region")) && !json_is_string(json_object_get(ev, "region")))
        json_object_set_new(r, "region", json_string(dept_region));
    return ZT_OK;
}

/* Ratings given in the month: the level counts for the average; a bad one
 * whose fix did not come by the end of its fix_due - once that day has
 * passed - is unfixed. */
static void rated(zt_sv_score *c, const zt_sv_row *row, void *ctx) {
    json_t *level = json_object_get(row->detail, "level"), *fixed = json_object_get(row->detail, "fixed_at");
    if (!json_is_integer(level) || json_integer_value(level) < 1 || json_integer_value(level) > 5) return;
    zt_sv_fact f = {.source = "rating_level",
                    .dept = row->dept,
                    .region = row->region,
                    .attribute = row->number,
                    .value = (double)json_integer_value(level),
                    .bad = json_integer_value(level) <= 2};
    zt_day due;
    const char *due_text = json_string_value(json_object_get(row->detail, "fix_due"));
    if (f.bad) f.ref = row->number;
    if (f.bad && due_text && zt_day_parse(due_text, &due) == 0) {
        int64_t deadline = zt_day_start(due + 1);
        int64_t fixed_at = json_is_integer(fixed) ? json_integer_value(fixed) : -1;
        if (fixed_at >= 0 && fixed_at < deadline)
            ;
        else if (zt_sv_score_now(c) >= deadline)
            f.unfixed = 1, f.unfixed_ref = row->number;
        else
            f.open = 1;
    }
    zt_sv_score_add(c, &f);
}

static zt_err rating_facts(zt_sv_score *c, zt_error *e) { return zt_sv_score_subjects(c, "rating", 0, rated, NULL, e); }

static const char *rated_case(zt_sv_score *c, const char *number) { return number; }

static const zt_sv_source SOURCES[] = {
    {"rating_level", ZT_SV_AVERAGE, "次", .miss = "差评：", .empty = "本月无评价，按满分计"},
    {NULL},
};

static const char *const INFO_KEYS[] = {"department", "region", "level", "bad", "fix_due", NULL};
static const char *const FIELD_KEYS[] = {NULL};
static const char *const TOP_KEYS[] = {NULL};

const zt_sv_kind zt_sv_rating_kind = {.name = "rating",
                                      .label = "好差评",
                                      .info = "rating",
                                      .step_optional = 1,
                                      .check = check_rating,
                                      .state_size = sizeof(rating_k),
                                      .fold = rating_fold,
                                      .finish = rating_finish,
                                      .detail = rating_detail,
                                      .evaluators = EVALUATORS,
                                      .rules = "rules/rating.json",
                                      .sources = SOURCES,
                                      .facts = rating_facts,
                                      .case_of = rated_case,
                                      .info_keys = INFO_KEYS,
                                      .field_keys = FIELD_KEYS,
                                      .top_keys = TOP_KEYS};
