/* case.c - the supervision kind of cases (办件): what the engine knows of a
 * case reported by the platform or by a department's system (the "case"
 * member of docs/supervision-events.md), its legal clock (src/flow/clock.h:
 * the services compute the same), and the evaluators of data/rules/
 * case.json: time (promised, legal, a step's own limit, pre-acceptance,
 * special procedures, a late 补正), procedure (refusal without reason,
 * repeated 补正, skipped steps, an extension beyond the legal one), fees,
 * missing data. Scores: cases closed on time and early, and who handled a
 * case (its acceptor and window). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/json.h"
#include "flow/clock.h"
#include "flow/registry.h"
#include "supervise/kind.h"
#include "supervise/kinds/kinds.h"

/* --- the fold ---------------------------------------------------------------- */

/* A wait for acceptance: from the submission, or from the applicant's
 * supplement after a 补正 notice, to the decision that ends it (accept,
 * refuse, supplement); to = 0 while still waiting. */
#define MAX_WAITS 8
typedef struct {
    int64_t from, to;
} wait;

typedef struct {
    const char *item_code, *item_name, *applicant_type, *channel, *flow;
    int64_t item_version, flow_version;
    int extension, has_extension, has_limits;
    int64_t accepted_at, decided_at;
    zt_lclock clock;
    wait waits[MAX_WAITS];
    int nwaits, supplementing;
    int64_t supplement_at; /* the first 补正 notice: the one the law times */
} case_k;

static const char *str(json_t *o, const char *k) { return zt_sv_str(o, k); }

/* A special procedure's own day (fields start_date / end_date) when the
 * event says one, else the event's day; *at the instant that goes with it. */
static zt_day special_day(const zt_sv_event *ev, const char *key, int64_t *at) {
    zt_day d, own = zt_day_of_instant(ev->at);
    const char *s = str(ev->fields, key);
    *at = ev->at;
    if (s && !zt_day_parse(s, &d) && d != own) {
        *at = zt_day_start(d);
        return d;
    }
    return own;
}

static void wait_from(case_k *k, int64_t at) {
    if (k->nwaits < MAX_WAITS) k->waits[k->nwaits++] = (wait){at, 0};
}

static void case_fold(zt_sv_subject *s, const zt_sv_event *ev) {
    case_k *k = s->k;
    json_t *info = ev->info, *v;
    if (str(info, "item_code")) k->item_code = str(info, "item_code");
    if (str(info, "item_name")) k->item_name = str(info, "item_name");
    if (str(info, "applicant_type")) k->applicant_type = str(info, "applicant_type");
    if (str(info, "channel")) k->channel = str(info, "channel");
    if (str(info, "flow")) k->flow = str(info, "flow");
    if (json_is_integer(v = json_object_get(info, "item_version"))) k->item_version = json_integer_value(v);
    if (json_is_integer(v = json_object_get(info, "flow_version"))) k->flow_version = json_integer_value(v);
    if (json_is_integer(v = json_object_get(info, "extension_days")))
        k->extension = (int)json_integer_value(v), k->has_extension = 1;
    json_t *lg = json_object_get(info, "legal_days"), *pr = json_object_get(info, "promised_days");
    if (json_is_integer(lg) && json_is_integer(pr)) {
        k->clock.legal = (int)json_integer_value(lg);
        k->clock.promised = (int)json_integer_value(pr);
        k->has_limits = 1;
    }
    if (ev == &s->evs[0]) wait_from(k, ev->at);
    /* accepted on submission (即办件): the platform reports the day */
    zt_day d;
    const char *ad = str(info, "accept_day");
    if (ev->action && !strcmp(ev->action, "submit") && ad && !zt_day_parse(ad, &d) && !k->clock.accepted) {
        zt_lclock_accept(&k->clock, d, ev->at);
        k->accepted_at = k->decided_at = ev->at;
    }
    const char *res = ev->result;
    if (!res && k->supplementing && ev != &s->evs[0]) {
        /* the applicant's supplement arrived: acceptance is due again */
        k->supplementing = 0;
        wait_from(k, ev->at);
    }
    if (!res) return;
    if (!strcmp(res, "accept") || !strcmp(res, "refuse") || !strcmp(res, "supplement")) {
        if (!k->decided_at) k->decided_at = ev->at;
        if (k->nwaits && !k->waits[k->nwaits - 1].to) k->waits[k->nwaits - 1].to = ev->at;
    }
    if (!strcmp(res, "accept") && !zt_lclock_accept(&k->clock, zt_day_of_instant(ev->at), ev->at))
        k->accepted_at = ev->at;
    if (!strcmp(res, "supplement")) {
        k->supplementing = 1;
        if (!k->supplement_at) k->supplement_at = ev->at;
    }
    int64_t at;
    if (!strcmp(res, "suspend")) {
        json_t *days = json_object_get(ev->fields, "days");
        zt_day day = special_day(ev, "start_date", &at);
        zt_lclock_suspend(&k->clock, day, at, json_is_integer(days) ? (int)json_integer_value(days) : 0);
    }
    if (!strcmp(res, "resume")) {
        zt_day day = special_day(ev, "end_date", &at);
        zt_lclock_resume(&k->clock, s->cal, day, at);
    }
}

static void case_finish(zt_sv_subject *s) {
    case_k *k = s->k;
    /* a late 补正 notice: the application counts as accepted on arrival */
    if (k->supplement_at &&
        zt_lclock_supplement(&k->clock, s->cal, s->opened_at, k->supplement_at, ZT_LCLOCK_ACCEPTANCE_DEFAULT) &&
        !k->accepted_at)
        k->accepted_at = s->opened_at;
    if (!k->has_extension) k->extension = ZT_LCLOCK_EXTENSION_DEFAULT;
    s->topic = k->item_code;
    s->title = k->item_name ? k->item_name : "";
    if (k->clock.accepted && k->has_limits) {
        s->has_due = 1;
        s->due = zt_lclock_due(&k->clock, s->cal, k->clock.promised);
    }
}

static json_t *opt_str(const char *s) { return s ? json_string(s) : json_null(); }
static json_t *opt_int(int has, int64_t v) { return has ? json_integer(v) : json_null(); }

static json_t *opt_day(int has, zt_day d) {
    if (!has) return json_null();
    char t[11];
    zt_day_format(d, t);
    return json_string(t);
}

/* What views show of a case beside the common columns. */
static json_t *case_detail(const zt_sv_subject *s) {
    const case_k *k = s->k;
    const zt_lclock *c = &k->clock;
    int dated = c->accepted && k->has_limits;
    zt_day promised = dated ? zt_lclock_due(c, s->cal, c->promised) : 0;
    zt_day legal = dated ? zt_lclock_due(c, s->cal, c->legal) : 0;
    const zt_lclock_special *run = zt_lclock_running(c);
    zt_day end = zt_day_of_instant(s->closed_at ? s->closed_at : s->now);
    json_t *provisional = json_array();
    if (dated && !zt_lclock_covered(s->cal, promised)) json_array_append_new(provisional, json_string("promised_due"));
    if (dated && !zt_lclock_covered(s->cal, legal)) json_array_append_new(provisional, json_string("legal_due"));
    return json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:i,s:o,s:o,s:o,s:b,s:i,s:o}", "item_code",
                     opt_str(k->item_code), "item_version", opt_int(k->item_version != 0, k->item_version), "item_name",
                     opt_str(k->item_name), "applicant_type", opt_str(k->applicant_type), "channel",
                     opt_str(k->channel), "flow", opt_str(k->flow), "legal_days", opt_int(k->has_limits, c->legal),
                     "promised_days", opt_int(k->has_limits, c->promised), "submitted_at",
                     opt_int(s->opened_at != 0, s->opened_at), "accepted_at",
                     opt_int(k->accepted_at != 0, k->accepted_at), "accept_day", opt_day(c->accepted, c->accept_day),
                     "promised_due", opt_day(dated, promised), "legal_due", opt_day(dated, legal), "suspended_days",
                     c->not_counted, "suspended_since", opt_int(run != NULL, run ? run->start_at : 0),
                     "suspend_granted", opt_int(run != NULL, run ? run->granted : 0), "elapsed_days",
                     opt_int(c->accepted, zt_lclock_elapsed(c, s->cal, end)), "deemed_accepted", c->deemed,
                     "extension_days", k->extension, "provisional", provisional);
}

/* --- the evaluators ------------------------------------------------------------- */

static void time_limit(const zt_sv_rule *r, const zt_sv_subject *s, int64_t now, int legal, zt_sv_signal *sig) {
    const case_k *k = s->k;
    const zt_lclock *c = &k->clock;
    if (!c->accepted || !k->has_limits) return;
    int base = legal ? c->legal : c->promised, off = (int)zt_sv_param(r, "offset", 1);
    if (base < 1 && base + off < 1) return; /* 即办件: nothing to warn before */
    /* a warning window that begins before the acceptance (a limit of one or
     * two days) has begun at acceptance: warn on the acceptance day */
    int64_t m = base + off >= 1 ? zt_lclock_moment(c, s->cal, base + off) : c->accepted_at;
    /* under a special procedure the clock stands: a moment after its start
     * is not reached until it ends and is then moved back */
    const zt_lclock_special *run = zt_lclock_running(c);
    if (run && m > run->start_at) return;
    zt_sv_at_moment(s, m, now, sig);
    sig->step = s->state;
    if (!sig->fires) return;
    sig->facts = json_object();
    zt_sv_fact_day(sig->facts, "accept_day", c->accept_day);
    json_object_set_new(sig->facts, legal ? "legal_days" : "promised_days", json_integer(base));
    json_object_set_new(sig->facts, "suspended_days", json_integer(c->not_counted));
    zt_sv_fact_day(sig->facts, "deadline", zt_lclock_due(c, s->cal, base));
    zt_sv_fact_time(sig->facts, "moment", m);
    if (c->deemed) json_object_set_new(sig->facts, "deemed_accepted", json_true());
    if (s->closed_at) zt_sv_fact_time(sig->facts, "closed_at", s->closed_at);
}

static void eval_promised(const zt_sv_rule *r, const zt_sv_subject *s, int64_t now, zt_sv_signal *sig) {
    time_limit(r, s, now, 0, sig);
}

static void eval_legal(const zt_sv_rule *r, const zt_sv_subject *s, int64_t now, zt_sv_signal *sig) {
    time_limit(r, s, now, 1, sig);
}

/* Every period spent in a state with a limit of its own (the start state
 * is the pre-acceptance rules' to watch). */
static void eval_step_limit(const zt_sv_rule *r, const zt_sv_subject *s, int64_t now, zt_sv_signal *sig) {
    const case_k *k = s->k;
    const zt_flow *f = k->flow ? zt_flows_get(k->flow, (int)k->flow_version) : NULL;
    if (!f) return;
    const char *state = NULL;
    int64_t since = 0;
    for (size_t i = 0; i <= s->nevs; i++) {
        const char *to = i < s->nevs ? s->evs[i].to : NULL;
        int64_t at = i < s->nevs ? s->evs[i].at : 0;
        if (i < s->nevs && (!to || (state && !strcmp(to, state)))) continue;
        zt_flow_state_info si;
        if (state && strcmp(state, zt_flow_start(f)) != 0 && zt_flow_state(f, state, &si) == 0 &&
            si.clock == ZT_FLOW_CLOCK_RUNS && si.limit >= 0) {
            int64_t m =
                zt_day_start(zt_cal_add(s->cal, zt_day_of_instant(since), si.limit + (int)zt_sv_param(r, "offset", 1)));
            int64_t left = i < s->nevs ? at : 0; /* 0: still there */
            if (m <= now && (!left || left >= m) && (!s->closed_at || s->closed_at >= m)) {
                sig->fires = 1;
                sig->at = m;
                sig->facts = json_pack("{s:s,s:s,s:i}", "state", state, "state_label", si.label, "limit", si.limit);
                zt_sv_fact_time(sig->facts, "entered_at", since);
                zt_sv_fact_time(sig->facts, "moment", m);
                sig->step = state;
                return;
            }
            if (!left && !s->closed_at && m > now) {
                sig->timer = 1;
                sig->at = m;
            }
        }
        state = to;
        since = at;
    }
}

/* Online applications wait for acceptance at most `limit` working days
 * (warning, yellow and red at further offsets); so does the applicant's
 * supplement after a 补正 notice. */
static void eval_pre_acceptance(const zt_sv_rule *r, const zt_sv_subject *s, int64_t now, zt_sv_signal *sig) {
    const case_k *k = s->k;
    if (!k->nwaits || (k->channel && strcmp(k->channel, "online"))) return;
    int64_t limit = zt_sv_param(r, "limit", 2), n = limit + zt_sv_param(r, "offset", 1);
    for (int i = 0; i < k->nwaits; i++) {
        const wait *w = &k->waits[i];
        int64_t m = zt_day_start(zt_cal_add(s->cal, zt_day_of_instant(w->from), (int)n));
        if (w->to && w->to < m) continue;
        if (zt_sv_reached(s, m, now)) {
            sig->fires = 1;
            sig->at = m;
            sig->facts =
                json_pack("{s:I,s:I}", "limit_days", (json_int_t)limit, "overdue_days", (json_int_t)(n - limit));
            zt_sv_fact_time(sig->facts, i ? "resubmitted_at" : "submitted_at", w->from);
            if (i) zt_sv_fact_time(sig->facts, "submitted_at", s->opened_at);
            zt_sv_fact_time(sig->facts, "moment", m);
            if (w->to) zt_sv_fact_time(sig->facts, "decided_at", w->to);
            sig->step = "pre_review";
            return;
        }
        if (!w->to && !s->closed_at) sig->timer = 1, sig->at = m;
    }
}

static void eval_special(const zt_sv_rule *r, const zt_sv_subject *s, int64_t now, zt_sv_signal *sig) {
    const case_k *k = s->k;
    for (int i = 0; i < k->clock.nspecial; i++) {
        const zt_lclock_special *x = &k->clock.special[i];
        if (x->granted <= 0) continue;
        int64_t m = zt_lclock_special_moment(x, s->cal, (int)zt_sv_param(r, "offset", 1));
        if (m <= now && (!x->ended || x->end_at >= m) && (!s->closed_at || s->closed_at >= m)) {
            sig->fires = 1;
            sig->at = m;
            sig->facts = json_pack("{s:i}", "days_granted", x->granted);
            zt_sv_fact_time(sig->facts, "started_at", x->start_at);
            zt_sv_fact_time(sig->facts, "moment", m);
            if (x->ended) zt_sv_fact_time(sig->facts, "ended_at", x->end_at);
            sig->step = "special_procedure";
            return;
        }
        if (!x->ended && !s->closed_at && m > now) sig->timer = 1, sig->at = m;
    }
}

/* 行政许可法 §42: an extension of the review period (延长审查期限) beyond
 * the item's legal extension. */
static void eval_extension(const zt_sv_rule *r, const zt_sv_subject *s, int64_t now, zt_sv_signal *sig) {
    const case_k *k = s->k;
    for (size_t i = 0; i < s->nevs; i++) {
        const zt_sv_event *ev = &s->evs[i];
        json_t *days = json_object_get(ev->fields, "days");
        if (!ev->result || strcmp(ev->result, "suspend") || !json_is_integer(days)) continue;
        zt_error e = {0};
        if (!zt_lclock_check_special(str(ev->fields, "type"), json_integer_value(days), k->extension, &e)) continue;
        zt_sv_at_event(s, i, sig,
                       json_pack("{s:s,s:I,s:i}", "type", ZT_LCLOCK_EXTENSION, "days", json_integer_value(days),
                                 "extension_days", k->extension),
                       "special_procedure");
        return;
    }
}

static void eval_late_supplement(const zt_sv_rule *r, const zt_sv_subject *s, int64_t now, zt_sv_signal *sig) {
    const case_k *k = s->k;
    if (!k->supplement_at || !s->opened_at) return;
    int64_t days = zt_sv_param(r, "days", ZT_LCLOCK_ACCEPTANCE_DEFAULT);
    int64_t limit = zt_day_start(zt_cal_add(s->cal, zt_day_of_instant(s->opened_at), (int)days + 1));
    for (size_t i = 0; i < s->nevs; i++) {
        if (s->evs[i].at != k->supplement_at || !s->evs[i].result || strcmp(s->evs[i].result, "supplement")) continue;
        if (s->evs[i].at < limit) return;
        sig->fires = 1;
        sig->at = s->evs[i].at;
        sig->facts =
            json_pack("{s:I,s:s,s:b}", "limit_days", (json_int_t)days, "event", s->evs[i].id, "deemed_accepted", 1);
        zt_sv_fact_time(sig->facts, "submitted_at", s->opened_at);
        zt_sv_fact_time(sig->facts, "supplement_at", s->evs[i].at);
        sig->step = "supplement";
        return;
    }
}

static void eval_refusal(const zt_sv_rule *r, const zt_sv_subject *s, int64_t now, zt_sv_signal *sig) {
    for (size_t i = 0; i < s->nevs; i++) {
        const char *res = s->evs[i].result;
        if (!res || (strcmp(res, "refuse") && strcmp(res, "deny"))) continue;
        json_t *f = s->evs[i].fields, *missing = json_array();
        static const char *const need[] = {"reason", "legal_basis", "remedy_notice", NULL};
        for (int k = 0; need[k]; k++)
            if (zt_blank(str(f, need[k]))) json_array_append_new(missing, json_string(need[k]));
        if (json_array_size(missing)) {
            zt_sv_at_event(s, i, sig, json_pack("{s:s,s:o}", "result", res, "missing", missing), s->evs[i].action);
            return;
        }
        json_decref(missing);
    }
}

static void eval_repeated_supplement(const zt_sv_rule *r, const zt_sv_subject *s, int64_t now, zt_sv_signal *sig) {
    int n = 0;
    for (size_t i = 0; i < s->nevs; i++) {
        const char *res = s->evs[i].result;
        if (res && !strcmp(res, "supplement") && ++n == 2) {
            zt_sv_at_event(s, i, sig, json_pack("{s:i}", "supplements", 2), "supplement");
            return;
        }
    }
}

static int is_on_the_spot(const case_k *k) {
    return (k->flow && !strcmp(k->flow, "on_the_spot")) || (k->has_limits && k->clock.legal == 0);
}

/* Accepted before event i: an acceptance step earlier, or accepted on
 * submission, or by law (a late 补正 notice). */
static int accepted_before(const zt_sv_subject *s, size_t i) {
    const case_k *k = s->k;
    if (k->accepted_at && k->accepted_at <= s->evs[i].at && !k->clock.deemed) return 1;
    for (size_t j = 0; j < i; j++) {
        const char *res = s->evs[j].result;
        if (res && !strcmp(res, "accept")) return 1;
    }
    return k->clock.deemed;
}

static void eval_skipped(const zt_sv_rule *r, const zt_sv_subject *s, int64_t now, zt_sv_signal *sig) {
    if (is_on_the_spot(s->k)) return;
    int decided = 0;
    for (size_t i = 0; i < s->nevs; i++) {
        const char *res = s->evs[i].result;
        if (!res) continue;
        if ((!strcmp(res, "approve") || !strcmp(res, "deny")) && !accepted_before(s, i)) {
            zt_sv_at_event(s, i, sig, json_pack("{s:s,s:s}", "result", res, "missing_step", "accept"), res);
            return;
        }
        if (!strcmp(res, "approve") || !strcmp(res, "deny")) decided = 1;
        if (!strcmp(res, "complete") && accepted_before(s, i) && !decided) {
            zt_sv_at_event(s, i, sig, json_pack("{s:s,s:s}", "result", res, "missing_step", "approve/deny"), res);
            return;
        }
    }
}

static void eval_complete_without_accept(const zt_sv_rule *r, const zt_sv_subject *s, int64_t now, zt_sv_signal *sig) {
    if (is_on_the_spot(s->k)) return;
    for (size_t i = 0; i < s->nevs; i++) {
        const char *res = s->evs[i].result;
        if (res && !strcmp(res, "complete") && !accepted_before(s, i)) {
            zt_sv_at_event(s, i, sig, json_pack("{s:s}", "missing_step", "accept"), "complete");
            return;
        }
    }
}

/* The fee charged at completion (fen), or -1. */
static int64_t fee_charged(const zt_sv_event *ev) {
    json_t *v = json_object_get(json_object_get(ev->ev, "result"), "fee_charged");
    if (!json_is_integer(v)) v = json_object_get(ev->fields, "fee_charged");
    return json_is_integer(v) ? json_integer_value(v) : -1;
}

/* The item's fee list comes from the catalogue, which is the services':
 * main wires the look-up (src/routes.c). */
static zt_sv_fee_fn fee_lookup;

void zt_sv_case_fees(zt_sv_fee_fn fn) { fee_lookup = fn; }

static void fee_rule(const zt_sv_rule *r, const zt_sv_subject *s, int not_listed, zt_sv_signal *sig) {
    const case_k *k = s->k;
    for (size_t i = 0; i < s->nevs; i++) {
        const char *res = s->evs[i].result;
        int64_t fee = res && !strcmp(res, "complete") ? fee_charged(&s->evs[i]) : -1;
        if (fee <= 0) continue;
        int64_t count, cap;
        zt_error e = {0};
        if (!fee_lookup || !k->item_code || fee_lookup(s->db, k->item_code, k->item_version, &count, &cap, &e)) return;
        if (not_listed && count == 0) {
            zt_sv_at_event(s, i, sig, json_pack("{s:I,s:s}", "fee_charged", (json_int_t)fee, "fee_list", "无"),
                           "complete");
            return;
        }
        if (!not_listed && count > 0 && cap >= 0 && fee > cap) {
            zt_sv_at_event(s, i, sig,
                           json_pack("{s:I,s:I}", "fee_charged", (json_int_t)fee, "standard", (json_int_t)cap),
                           "complete");
            return;
        }
    }
}

static void eval_fee_not_listed(const zt_sv_rule *r, const zt_sv_subject *s, int64_t now, zt_sv_signal *sig) {
    fee_rule(r, s, 1, sig);
}

static void eval_fee_above(const zt_sv_rule *r, const zt_sv_subject *s, int64_t now, zt_sv_signal *sig) {
    fee_rule(r, s, 0, sig);
}

static void eval_missing(const zt_sv_rule *r, const zt_sv_subject *s, int64_t now, zt_sv_signal *sig) {
    for (size_t i = 0; i < s->nevs; i++) {
        const char *res = s->evs[i].result;
        if (!res) continue;
        static const char *const complete[] = {"result_type", "fee_charged", "fee_standard", NULL};
        static const char *const suspend[] = {"type", "reason", "legal_basis", "days", NULL};
        const char *const *need = !strcmp(res, "complete") ? complete : !strcmp(res, "suspend") ? suspend : NULL;
        if (!need) continue;
        json_t *f = s->evs[i].fields, *missing = json_array();
        for (int k = 0; need[k]; k++) {
            json_t *v = json_object_get(f, need[k]);
            if (!v || json_is_null(v) || (json_is_string(v) && zt_blank(json_string_value(v))))
                json_array_append_new(missing, json_string(need[k]));
        }
        if (json_array_size(missing)) {
            zt_sv_at_event(s, i, sig, json_pack("{s:s,s:o}", "result", res, "missing", missing), res);
            return;
        }
        json_decref(missing);
    }
}

static const zt_sv_evaluator EVALUATORS[] = {
    {"promised", eval_promised},
    {"legal", eval_legal},
    {"step_limit", eval_step_limit},
    {"pre_acceptance", eval_pre_acceptance},
    {"special_overdue", eval_special},
    {"extension_over_limit", eval_extension},
    {"late_supplement", eval_late_supplement},
    {"refusal_reason", eval_refusal},
    {"repeated_supplement", eval_repeated_supplement},
    {"skipped_step", eval_skipped},
    {"complete_without_accept", eval_complete_without_accept},
    {"fee_not_listed", eval_fee_not_listed},
    {"fee_above_standard", eval_fee_above},
    {"missing_data", eval_missing},
    {NULL, NULL},
};

/* --- intake ---------------------------------------------------------------------- */

static const char *const MEMBERS[] = {"materials", "special_procedure", "result", NULL};
static const char *const CASE_MEMBERS[] = {
    "number",     "title",           "item_code", "item_version",      "item_name",
    "department", "department_name", "region",    "applicant_type",    "channel",
    "legal_days", "promised_days",   "flow",      "flow_version",      "state",
    "accept_day", "promised_due",    "legal_due", "joint_departments", "extension_days",
    NULL};
static const char *const APPLICANT_TYPES[] = {"citizen", "enterprise", NULL};

static zt_err check_case(json_t *ev, const char *action, const char *subject, const char *dept, const char *dept_region,
                         zt_error *e) {
    json_t *c = json_object_get(ev, "case");
    const char *s;
    int64_t legal, promised, n;
    int has;
    zt_err rc = zt_sv_check_only(c, "case", CASE_MEMBERS, e);
    if (!rc) rc = zt_sv_check_identity(c, "case", "number", subject, dept, e);
    if (!rc) rc = zt_sv_check_str(c, "case", "item_code", 1, 64, &s, e);
    if (!rc) rc = zt_sv_check_region(c, "case", 1, dept_region, e);
    if (!rc) rc = zt_sv_check_str(c, "case", "applicant_type", 1, 16, &s, e);
    if (!rc && !zt_sv_one_of(s, APPLICANT_TYPES))
        rc = zt_sv_check_bad(e, "case", "applicant_type", "字段 case.applicant_type 必须是 citizen 或 enterprise");
    if (!rc) rc = zt_sv_check_str(c, "case", "channel", 1, 32, &s, e);
    if (!rc) rc = zt_sv_check_int(c, "case", "legal_days", 1, 0, 365, &legal, NULL, e);
    if (!rc) rc = zt_sv_check_int(c, "case", "promised_days", 1, 0, 365, &promised, NULL, e);
    if (!rc && promised > legal)
        rc = zt_sv_check_bad(e, "case", "promised_days",
                             "承诺时限（case.promised_days）不能超过法定时限（case.legal_days）");
    if (!rc) rc = zt_sv_check_str(c, "case", "title", 0, 200, &s, e);
    if (!rc) rc = zt_sv_check_int(c, "case", "item_version", 0, 1, INT32_MAX, &n, &has, e);
    if (!rc) rc = zt_sv_check_str(c, "case", "item_name", 0, 200, &s, e);
    if (!rc) rc = zt_sv_check_str(c, "case", "department_name", 0, 64, &s, e);
    if (!rc) rc = zt_sv_check_str(c, "case", "flow", 0, 64, &s, e);
    if (!rc) rc = zt_sv_check_int(c, "case", "flow_version", 0, 1, INT32_MAX, &n, &has, e);
    if (!rc) rc = zt_sv_check_int(c, "case", "extension_days", 0, 0, 365, &n, &has, e);
    if (!rc) rc = zt_sv_check_str(c, "case", "state", 0, 64, &s, e);
    if (!rc) rc = zt_sv_check_day(c, "case", "accept_day", e);
    if (!rc) rc = zt_sv_check_day(c, "case", "promised_due", e);
    if (!rc) rc = zt_sv_check_day(c, "case", "legal_due", e);
    if (rc) return rc;
    json_t *joint = json_object_get(c, "joint_departments"), *v;
    if (joint && !json_is_null(joint)) {
        if (!json_is_array(joint) || json_array_size(joint) > 50)
            return zt_sv_check_bad(e, "case", "joint_departments",
                                   "字段 case.joint_departments 必须是至多 50 个部门代码的数组");
        size_t i;
        json_array_foreach(joint, i, v) {
            const char *d = json_string_value(v);
            if (!d || !*d || strlen(d) != json_string_length(v) || zt_utf8_len(d) > 64)
                return zt_sv_check_bad(e, "case", "joint_departments",
                                       "字段 case.joint_departments 的第 %zu 项必须是部门代码", i + 1);
        }
    }
    if ((rc = zt_sv_check_type(ev, NULL, "materials", JSON_ARRAY, "数组", e))) return rc;
    if ((rc = zt_sv_check_type(ev, NULL, "special_procedure", JSON_OBJECT, "对象", e))) return rc;
    return zt_sv_check_type(ev, NULL, "result", JSON_OBJECT, "对象", e);
}

/* --- scores ------------------------------------------------------------------------ */

static const zt_sv_source SOURCES[] = {
    {"case_on_time", ZT_SV_RATE, "件", .hit = "按时", .miss = "逾期办结：", .empty = "本月无办结件，按满分计"},
    {"case_early", ZT_SV_RATE, "件", .hit = "提前 %s 个工作日以上", .miss = "未提前办结：",
     .empty = "本月无办结件，按满分计", .param = "days", .lo = 1, .hi = 30, .def = 1},
    {NULL},
};

/* Cases closed in the month with a promised due day: on time when closed on
 * or before it; early when at least early_days working days before it. */
static void closed_case(zt_sv_score *c, const zt_sv_row *row, void *ctx) {
    zt_day due;
    if (!row->due_day || zt_day_parse(row->due_day, &due) != 0) return;
    zt_day closed = zt_day_of_instant(row->closed_at);
    int early_days = (int)zt_sv_score_param(c, "case_early", 1);
    zt_sv_fact f = {.source = "case_on_time", .dept = row->dept, .region = row->region, .attribute = row->number};
    f.hit = closed <= due;
    f.ref = f.hit ? NULL : row->number;
    zt_sv_score_add(c, &f);
    f.source = "case_early";
    f.hit = zt_cal_between(zt_sv_score_cal(c), closed, due) >= early_days;
    f.ref = f.hit ? NULL : row->number;
    zt_sv_score_add(c, &f);
}

/* Staff and windows at work on the month's case steps. */
static void at_work(zt_sv_score *c, const zt_sv_event *ev, const char *number, void *ctx) {
    const char *actor = str(ev->step, "actor"), *role = str(ev->step, "actor_role");
    const char *dept = str(ev->ev, "department"), *region = str(ev->ev, "region");
    const char *actor_dept = str(ev->step, "actor_department");
    const char *window = str(ev->step, "window") ? str(ev->step, "window") : str(ev->info, "window");
    if (actor && (!role || (strcmp(role, "citizen") && strcmp(role, "enterprise") && strcmp(role, "applicant"))))
        zt_sv_score_present(c, "staff", actor, actor_dept ? actor_dept : dept, "");
    if (window) zt_sv_score_present(c, "window", window, dept, region);
}

static zt_err case_facts(zt_sv_score *c, zt_error *e) {
    zt_err rc = zt_sv_score_subjects(c, "case", 1, closed_case, NULL, e);
    return rc ? rc : zt_sv_score_events(c, "case", NULL, at_work, NULL, e);
}

/* Who accepted a case: the actor of its acceptance step, or - a 即办件
 * accepted on receipt has none - the actor who completed it; and the
 * window the event names (step.window or case.window). */
typedef struct {
    zt_arena *a; /* where the names are copied: the events are gone after the walk */
    const char *staff, *staff_dept, *window;
    int found, accept;
} acceptor;

static const char *keep(zt_arena *a, const char *s) { return s ? zt_arena_strdup(a, s) : NULL; }

static void acceptor_event(const zt_sv_event *ev, void *ctx) {
    acceptor *a = ctx;
    if (!ev->result || (strcmp(ev->result, "accept") && strcmp(ev->result, "complete"))) return;
    int accept = !strcmp(ev->result, "accept");
    if (a->found && (a->accept || !accept)) return;
    const char *actor = str(ev->step, "actor");
    if (!actor) return;
    a->found = 1;
    a->accept = accept;
    a->staff = keep(a->a, actor);
    a->staff_dept =
        keep(a->a, str(ev->step, "actor_department") ? str(ev->step, "actor_department") : str(ev->ev, "department"));
    a->window = keep(a->a, str(ev->step, "window") ? str(ev->step, "window") : str(ev->info, "window"));
}

static int case_attribute(zt_sv_score *c, const char *number, const char **staff, const char **staff_dept,
                          const char **window) {
    acceptor a = {.a = zt_sv_score_arena(c)};
    zt_error e = {0};
    if (zt_sv_subject_events(zt_sv_score_db(c), "case", number, acceptor_event, &a, &e) || !a.found) return 0;
    *staff = a.staff;
    *staff_dept = a.staff_dept ? a.staff_dept : "";
    *window = a.window;
    return 1;
}

static const char *case_of(zt_sv_score *c, const char *number) { return number; }

/* --- the kind ------------------------------------------------------------------------- */

static const char *const INFO_KEYS[] = {
    "department",   "region",       "item_code",  "item_name",     "applicant_type", "channel",        "flow",
    "item_version", "flow_version", "legal_days", "promised_days", "accept_day",     "extension_days", NULL};
static const char *const FIELD_KEYS[] = {"days",        "reason",       "legal_basis", "remedy_notice", "result_type",
                                         "fee_charged", "fee_standard", "type",        "start_date",    "end_date",
                                         NULL};
static const char *const TOP_KEYS[] = {"result", NULL};

const zt_sv_kind zt_sv_case_kind = {.name = "case",
                                    .label = "办件",
                                    .info = "case",
                                    .members = MEMBERS,
                                    .check = check_case,
                                    .state_size = sizeof(case_k),
                                    .fold = case_fold,
                                    .finish = case_finish,
                                    .detail = case_detail,
                                    .evaluators = EVALUATORS,
                                    .rules = "rules/case.json",
                                    .sources = SOURCES,
                                    .facts = case_facts,
                                    .attribute = case_attribute,
                                    .case_of = case_of,
                                    .info_keys = INFO_KEYS,
                                    .field_keys = FIELD_KEYS,
                                    .top_keys = TOP_KEYS};
