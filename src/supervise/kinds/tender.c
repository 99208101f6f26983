/* tender.c - the supervision kind of public resource trading projects
 * (公共资源交易, issue #10): every step of data/flows/tender.json (or a
 * department's trading system's events through the intake) carries the
 * project's "tender" member. The rules are data (data/rules/tender.json):
 *
 *   time       bid period short, documents on sale short, a late change that
 *              did not move the deadline, candidates' publicity late or
 *              short, an objection unanswered, the contract late;
 *   procedure  an opening with fewer than 3 bids, an opening before the
 *              deadline, a bid received after the deadline, an award to a
 *              candidate other than the first without a reason, a committee
 *              breaking the size or expert-share rule;
 *   collusion  (串标/围标) at the opening, each with its evidence: bids from
 *              the same address or the same device, bid files with the same
 *              hash, deposits from the same account, prices identical or in
 *              an arithmetic progression.
 *
 * Calendar days are counted as the law counts them (招标投标法 and its
 * regulation count days; 政府采购 and property rights count working days
 * where their texts say so), on the subject's calendar. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/calendar.h"
#include "supervise/kind.h"
#include "supervise/kinds/kinds.h"

typedef struct {
    const char *type, *method, *title, *category, *budget_item;
    int64_t budget, deadline, published_at;
} tender_k;

static int64_t info_int(json_t *o, const char *k) { return json_integer_value(json_object_get(o, k)); }

static void fold(zt_sv_subject *s, const zt_sv_event *ev) {
    tender_k *k = s->k;
    const char *v;
    if ((v = zt_sv_str(ev->info, "type"))) k->type = v;
    if ((v = zt_sv_str(ev->info, "method"))) k->method = v;
    if ((v = zt_sv_str(ev->info, "title"))) k->title = v;
    if ((v = zt_sv_str(ev->info, "category"))) k->category = v;
    if ((v = zt_sv_str(ev->info, "budget_item"))) k->budget_item = v;
    if (ev->action && !strcmp(ev->action, "publish")) k->published_at = ev->at;
    if (json_is_integer(json_object_get(ev->info, "budget"))) k->budget = info_int(ev->info, "budget");
    if (json_is_integer(json_object_get(ev->info, "deadline"))) k->deadline = info_int(ev->info, "deadline");
    if (ev->to && (!strcmp(ev->to, "contracted") || !strcmp(ev->to, "terminated"))) s->closed_at = ev->at;
}

static void finish(zt_sv_subject *s) {
    tender_k *k = s->k;
    s->title = k->title;
    s->topic = k->type;
}

static json_t *detail(const zt_sv_subject *s) {
    const tender_k *k = s->k;
    return json_pack("{s:s?,s:s?,s:I,s:o,s:s?,s:s?,s:o}", "type", k->type, "method", k->method, "budget",
                     (json_int_t)k->budget, "deadline_at", k->deadline ? json_integer(k->deadline) : json_null(),
                     "category", k->category, "budget_item", k->budget_item, "published_at",
                     k->published_at ? json_integer(k->published_at) : json_null());
}

/* --- helpers ------------------------------------------------------------ */

static int is(const zt_sv_event *ev, const char *action) { return ev->action && !strcmp(ev->action, action); }

/* The index of the first event of action at or after i, or -1. */
static long find(const zt_sv_subject *s, const char *action, size_t i) {
    for (; i < s->nevs; i++)
        if (is(&s->evs[i], action)) return (long)i;
    return -1;
}

static zt_day day_of(const char *text) {
    zt_day d = 0;
    if (text) zt_day_parse(text, &d);
    return d;
}

/* The step at event i must be followed by `then` before the end of the
 * (days)-th calendar day after i's day (the first day not counted): a card
 * at that moment when it was not, a timer while it may still come. */
static void within_days(const zt_sv_subject *s, size_t i, const char *then, int64_t days, int64_t now,
                        zt_sv_signal *sig) {
    int64_t m = zt_day_start(zt_day_of_instant(s->evs[i].at) + (zt_day)days + 1);
    long j = find(s, then, i + 1);
    if (j >= 0 && s->evs[j].at < m) return;
    if (j >= 0 || m <= now) {
        sig->fires = 1;
        sig->at = m;
    } else if (!s->closed_at) {
        sig->timer = 1;
        sig->at = m;
        return;
    } else
        return;
    sig->facts = json_object();
    zt_sv_fact_time(sig->facts, "since", s->evs[i].at);
    zt_sv_fact_time(sig->facts, "moment", m);
    json_object_set_new(sig->facts, "days", json_integer(days));
    if (j >= 0) zt_sv_fact_time(sig->facts, "done_at", s->evs[j].at);
    sig->step = then;
}

/* --- time rules ---------------------------------------------------------- */

static int tender_method(const char *type, const char *method) {
    return !strcmp(type, "engineering") || !strcmp(method, "公开招标") || !strcmp(method, "邀请招标");
}

/* Documents issued -> deadline shorter than the law's minimum for the
 * type and method (params: days 20, consultation_days 10,
 * negotiation_workdays 3, single_workdays 5, land_days 20,
 * property_workdays 20). */
static void eval_bid_period(const zt_sv_rule *r, const zt_sv_subject *s, int64_t now, zt_sv_signal *sig) {
    const tender_k *k = s->k;
    if (!k->type || !k->method) return;
    for (size_t i = 0; i < s->nevs; i++) {
        const zt_sv_event *ev = &s->evs[i];
        if (!is(ev, "publish")) continue;
        zt_day from = day_of(zt_sv_str(ev->info, "docs_from"));
        int64_t dl = info_int(ev->info, "deadline");
        if (!from || !dl) continue;
        zt_day dday = zt_day_of_instant(dl);
        int64_t need;
        int work = 0;
        if (!strcmp(k->type, "land"))
            need = zt_sv_param(r, "land_days", 20);
        else if (!strcmp(k->type, "property"))
            need = zt_sv_param(r, "property_workdays", 20), work = 1;
        else if (tender_method(k->type, k->method))
            need = zt_sv_param(r, "days", 20);
        else if (!strcmp(k->method, "竞争性磋商"))
            need = zt_sv_param(r, "consultation_days", 10);
        else if (!strcmp(k->method, "单一来源"))
            need = zt_sv_param(r, "single_workdays", 5), work = 1;
        else
            need = zt_sv_param(r, "negotiation_workdays", 3), work = 1;
        int have = work ? zt_cal_between(s->cal, from, dday) : dday - from;
        if (have >= need) continue;
        json_t *f = json_pack("{s:I,s:i,s:s}", "required", (json_int_t)need, "actual", have, "unit",
                              work ? "working days" : "days");
        zt_sv_fact_day(f, "docs_from", from);
        zt_sv_fact_time(f, "deadline", dl);
        zt_sv_at_event(s, i, sig, f, "publish");
        return;
    }
}

/* Documents on sale shorter than 5 days (engineering) or 5 working days
 * (procurement tenders and consultations). Params: days, workdays. */
static void eval_sale_period(const zt_sv_rule *r, const zt_sv_subject *s, int64_t now, zt_sv_signal *sig) {
    const tender_k *k = s->k;
    if (!k->type || !k->method) return;
    long i = find(s, "publish", 0);
    if (i < 0) return;
    const zt_sv_event *ev = &s->evs[i];
    zt_day from = day_of(zt_sv_str(ev->info, "docs_from")), to = day_of(zt_sv_str(ev->info, "docs_to"));
    if (!from || !to) return;
    int have, need, work = 0;
    if (!strcmp(k->type, "engineering")) {
        have = to - from + 1;
        need = (int)zt_sv_param(r, "days", 5);
    } else if (!strcmp(k->type, "procurement") &&
               (tender_method(k->type, k->method) || !strcmp(k->method, "竞争性磋商"))) {
        have = zt_cal_between(s->cal, from - 1, to);
        need = (int)zt_sv_param(r, "workdays", 5);
        work = 1;
    } else
        return;
    if (have >= need) return;
    json_t *f = json_pack("{s:i,s:i,s:s}", "required", need, "actual", have, "unit", work ? "working days" : "days");
    zt_sv_fact_day(f, "docs_from", from);
    zt_sv_fact_day(f, "docs_to", to);
    zt_sv_at_event(s, (size_t)i, sig, f, "publish");
}

/* A clarification or change less than 15 days (param days) before the
 * deadline it leaves standing (招标投标法 §23). */
static void eval_late_change(const zt_sv_rule *r, const zt_sv_subject *s, int64_t now, zt_sv_signal *sig) {
    int64_t need = zt_sv_param(r, "days", 15);
    for (size_t i = 0; i < s->nevs; i++) {
        const zt_sv_event *ev = &s->evs[i];
        if (!is(ev, "amend")) continue;
        int64_t dl = info_int(ev->info, "deadline");
        if (!dl) continue;
        int have = zt_day_of_instant(dl) - zt_day_of_instant(ev->at);
        if (have >= need) continue;
        json_t *f = json_pack("{s:I,s:i}", "required", (json_int_t)need, "actual", have);
        zt_sv_fact_time(f, "deadline", dl);
        zt_sv_at_event(s, i, sig, f, "amend");
        return;
    }
}

/* Candidates published more than 3 days (param days) after the report. */
static void eval_publicity_late(const zt_sv_rule *r, const zt_sv_subject *s, int64_t now, zt_sv_signal *sig) {
    long i = find(s, "report", 0);
    if (i >= 0) within_days(s, (size_t)i, "publicize", zt_sv_param(r, "days", 3), now, sig);
}

/* An award before the publicity's 3 days (param days) ended. */
static void eval_publicity_short(const zt_sv_rule *r, const zt_sv_subject *s, int64_t now, zt_sv_signal *sig) {
    long i = find(s, "publicize", 0);
    if (i < 0) return;
    long j = find(s, "award", (size_t)i + 1);
    if (j < 0) return;
    int64_t days = zt_sv_param(r, "days", 3);
    int64_t end = zt_day_start(zt_day_of_instant(s->evs[i].at) + (zt_day)days + 1);
    if (s->evs[j].at >= end) return;
    json_t *f = json_pack("{s:I}", "days", (json_int_t)days);
    zt_sv_fact_time(f, "publicity_from", s->evs[i].at);
    zt_sv_fact_time(f, "publicity_end", end);
    zt_sv_at_event(s, (size_t)j, sig, f, "award");
}

/* An objection not answered within 3 days (param days). */
static void eval_objection(const zt_sv_rule *r, const zt_sv_subject *s, int64_t now, zt_sv_signal *sig) {
    for (long i = find(s, "object", 0); i >= 0; i = find(s, "object", (size_t)i + 1)) {
        within_days(s, (size_t)i, "answer_objection", zt_sv_param(r, "days", 3), now, sig);
        if (sig->fires || sig->timer) return;
    }
}

/* The contract not signed within 30 days (param days) of the award
 * (招标投标法 §46). */
static void eval_contract_late(const zt_sv_rule *r, const zt_sv_subject *s, int64_t now, zt_sv_signal *sig) {
    long i = find(s, "award", 0);
    if (i < 0) return;
    int64_t days = zt_sv_param(r, "days", 30);
    long j = find(s, "contract", (size_t)i + 1);
    int64_t m = zt_day_start(zt_day_of_instant(s->evs[i].at) + (zt_day)days + 1);
    /* the signing day is the contract's own, not the day it was recorded */
    int64_t signed_at = j >= 0 ? info_int(s->evs[j].info, "signed_at") : 0;
    if (j >= 0 && !signed_at) signed_at = s->evs[j].at;
    if (j >= 0 && signed_at < m) return;
    if (j < 0 && m > now) {
        if (!s->closed_at) sig->timer = 1, sig->at = m;
        return;
    }
    sig->fires = 1;
    sig->at = m;
    sig->facts = json_pack("{s:I}", "days", (json_int_t)days);
    zt_sv_fact_time(sig->facts, "awarded_at", s->evs[i].at);
    zt_sv_fact_time(sig->facts, "moment", m);
    if (j >= 0) zt_sv_fact_time(sig->facts, "signed_at", signed_at);
    sig->step = "contract";
}

/* Splitting a procurement (化整为零, 政府采购法实施条例 §28): the buyer's
 * purchases of one category and budget item in one year by other methods
 * than 公开招标, summed, above the open-tender threshold (param
 * threshold_yuan, the city's 公开招标数额标准). Judged when this one is
 * published; its evidence lists the purchases summed. */
static int year_of(int64_t t) {
    int y, m, d;
    zt_day_to_ymd(zt_day_of_instant(t), &y, &m, &d);
    return y;
}

static void eval_split(const zt_sv_rule *r, const zt_sv_subject *s, int64_t now, zt_sv_signal *sig) {
    const tender_k *k = s->k;
    long i = find(s, "publish", 0);
    if (i < 0 || !k->type || strcmp(k->type, "procurement") || !k->method || !strcmp(k->method, "公开招标") ||
        !k->category || !*k->category || !k->budget_item || !*k->budget_item || !s->db)
        return;
    int year = year_of(s->evs[i].at);
    zt_error e = {0};
    zt_stmt *q = zt_db_query(s->db, &e,
                             "SELECT subject, detail FROM sv_subjects WHERE subject_type = 'tender' AND dept_code = ?"
                             " AND subject <> ? ORDER BY subject",
                             ZT_T(s->dept ? s->dept : ""), ZT_T(s->number));
    if (!q) return;
    int64_t sum = k->budget;
    json_t *parts = json_pack("[{s:s,s:I}]", "number", s->number, "budget", (json_int_t)k->budget);
    while (zt_step(q, &e) == ZT_ROW) {
        json_t *d = json_loads(zt_col_text(q, 1), 0, NULL);
        const char *m = zt_sv_str(d, "method"), *c = zt_sv_str(d, "category"), *b = zt_sv_str(d, "budget_item");
        json_t *pub = json_object_get(d, "published_at");
        if (m && strcmp(m, "公开招标") && c && !strcmp(c, k->category) && b && !strcmp(b, k->budget_item) &&
            json_is_integer(pub) && year_of(json_integer_value(pub)) == year) {
            sum += info_int(d, "budget");
            json_array_append_new(parts, json_pack("{s:s,s:I}", "number", zt_col_text(q, 0), "budget",
                                                   (json_int_t)info_int(d, "budget")));
        }
        json_decref(d);
    }
    zt_db_release(s->db);
    int64_t limit = zt_sv_param(r, "threshold_yuan", 4000000) * 100;
    if (json_array_size(parts) < 2 || sum <= limit) {
        json_decref(parts);
        return;
    }
    json_t *f = json_pack("{s:o,s:I,s:I,s:s,s:s,s:i}", "purchases", parts, "sum", (json_int_t)sum, "threshold",
                          (json_int_t)limit, "category", k->category, "budget_item", k->budget_item, "year", year);
    zt_sv_at_event(s, (size_t)i, sig, f, "publish");
}

/* --- procedure ---------------------------------------------------------- */

/* An opening with fewer than 3 bids (param min; 招标投标法 §28). */
static void eval_few_bids(const zt_sv_rule *r, const zt_sv_subject *s, int64_t now, zt_sv_signal *sig) {
    const tender_k *k = s->k;
    int64_t min = k->method && !strcmp(k->method, "单一来源") ? 1 : zt_sv_param(r, "min", 3);
    for (size_t i = 0; i < s->nevs; i++) {
        const zt_sv_event *ev = &s->evs[i];
        if (!is(ev, "open") || !json_is_integer(json_object_get(ev->info, "bids"))) continue;
        int64_t n = info_int(ev->info, "bids");
        if (n >= min) continue;
        zt_sv_at_event(s, i, sig, json_pack("{s:I,s:I}", "bids", (json_int_t)n, "min", (json_int_t)min), "open");
        return;
    }
}

static void eval_opened_early(const zt_sv_rule *r, const zt_sv_subject *s, int64_t now, zt_sv_signal *sig) {
    for (size_t i = 0; i < s->nevs; i++) {
        const zt_sv_event *ev = &s->evs[i];
        int64_t dl = info_int(ev->info, "deadline");
        if (!is(ev, "open") || !dl || ev->at >= dl) continue;
        json_t *f = json_object();
        zt_sv_fact_time(f, "deadline", dl);
        zt_sv_fact_time(f, "opened_at", ev->at);
        zt_sv_at_event(s, i, sig, f, "open");
        return;
    }
}

/* The opening record of event i (seal_opening): its bids, or NULL. */
static json_t *opening(const zt_sv_event *ev) {
    json_t *o = json_object_get(ev->info, "opening");
    return json_is_array(o) ? o : NULL;
}

static void eval_late_bid(const zt_sv_rule *r, const zt_sv_subject *s, int64_t now, zt_sv_signal *sig) {
    for (size_t i = 0; i < s->nevs; i++) {
        json_t *bids = is(&s->evs[i], "seal_opening") ? opening(&s->evs[i]) : NULL, *b;
        int64_t dl = info_int(s->evs[i].info, "deadline");
        size_t j;
        if (!bids || !dl) continue;
        json_array_foreach(bids, j, b) {
            int64_t at = info_int(b, "submitted_at");
            if (at && at >= dl) {
                json_t *f = json_pack("{s:O?}", "bid", json_object_get(b, "bid"));
                zt_sv_fact_time(f, "submitted_at", at);
                zt_sv_fact_time(f, "deadline", dl);
                zt_sv_at_event(s, i, sig, f, "seal_opening");
                return;
            }
        }
    }
}

/* An award to another than the first candidate with no reason recorded
 * (招标投标法实施条例 §55). */
static void eval_award_reason(const zt_sv_rule *r, const zt_sv_subject *s, int64_t now, zt_sv_signal *sig) {
    for (size_t i = 0; i < s->nevs; i++) {
        const zt_sv_event *ev = &s->evs[i];
        json_t *first = json_object_get(ev->info, "first");
        const char *why = zt_sv_str(ev->info, "reason");
        if (!is(ev, "award") || !json_is_false(first) || (why && *why)) continue;
        zt_sv_at_event(s, i, sig, json_pack("{s:O?}", "bid", json_object_get(ev->info, "bid")), "award");
        return;
    }
}

/* The committee of the report: ≥ 5 (procurement of ≥ large_yuan: ≥ 7),
 * odd, experts ≥ 2/3 (招标投标法 §37; 87号令 §47). */
static void eval_committee(const zt_sv_rule *r, const zt_sv_subject *s, int64_t now, zt_sv_signal *sig) {
    const tender_k *k = s->k;
    for (size_t i = 0; i < s->nevs; i++) {
        const zt_sv_event *ev = &s->evs[i];
        json_t *c = json_object_get(ev->info, "committee");
        if (!is(ev, "report") || !json_is_object(c)) continue;
        int64_t n = info_int(c, "size"), ex = info_int(c, "experts");
        int64_t min = zt_sv_param(r, "min", 5);
        if (k->type && !strcmp(k->type, "procurement") && k->budget >= zt_sv_param(r, "large_yuan", 10000000) * 100)
            min = zt_sv_param(r, "min_large", 7);
        const char *why = n < min ? "size" : n % 2 == 0 ? "even" : ex * 3 < n * 2 ? "experts" : NULL;
        if (!why) continue;
        zt_sv_at_event(s, i, sig,
                       json_pack("{s:I,s:I,s:I,s:s}", "size", (json_int_t)n, "experts", (json_int_t)ex, "min",
                                 (json_int_t)min, "breach", why),
                       "report");
        return;
    }
}

/* --- collusion (串标/围标) at the opening ---------------------------------- */

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Two or more bids sharing member key (ip, device, sha256): the first such
 * group, with its bids. Addresses in the rule's "ignore" list (the
 * centre's own bidding terminals) prove nothing. */
static json_t *shared(const zt_sv_rule *r, json_t *bids, const char *key) {
    json_t *ignore = json_object_get(r->params, "ignore"), *a, *b;
    size_t i, j, x;
    json_array_foreach(bids, i, a) {
        const char *v = zt_sv_str(a, key);
        int skip = !v || !*v;
        json_array_foreach(ignore, x, b) if (v && json_is_string(b) && !strcmp(v, json_string_value(b))) skip = 1;
        if (skip) continue;
        json_t *group = json_array();
        json_array_foreach(bids, j, b) {
            const char *w = zt_sv_str(b, key);
            if (w && !strcmp(v, w)) json_array_append(group, json_object_get(b, "bid"));
        }
        if (json_array_size(group) > 1) return json_pack("{s:s,s:s,s:o}", "member", key, "value", v, "bids", group);
        json_decref(group);
    }
    return NULL;
}

/* Valid prices identical, or (≥ 3 of them, param min_bids) in an
 * arithmetic progression. */
static json_t *price_pattern(const zt_sv_rule *r, json_t *bids) {
    int64_t p[64];
    size_t n = 0, i;
    json_t *b;
    json_array_foreach(bids, i, b) {
        if (n < 64 && json_is_integer(json_object_get(b, "price"))) p[n++] = info_int(b, "price");
    }
    if (n < 2) return NULL;
    qsort(p, n, sizeof *p, cmp_i64);
    json_t *prices = json_array();
    for (i = 0; i < n; i++) json_array_append_new(prices, json_integer(p[i]));
    for (i = 1; i < n; i++)
        if (p[i] == p[i - 1]) return json_pack("{s:s,s:o}", "pattern", "identical", "prices", prices);
    if ((int64_t)n >= zt_sv_param(r, "min_bids", 3)) {
        int ap = 1;
        for (i = 2; i < n; i++)
            if (p[i] - p[i - 1] != p[1] - p[0]) ap = 0;
        if (ap)
            return json_pack("{s:s,s:o,s:I}", "pattern", "arithmetic", "prices", prices, "step",
                             (json_int_t)(p[1] - p[0]));
    }
    json_decref(prices);
    return NULL;
}

static void collusion(const zt_sv_rule *r, const zt_sv_subject *s, zt_sv_signal *sig, const char *key) {
    for (size_t i = 0; i < s->nevs; i++) {
        json_t *bids = is(&s->evs[i], "seal_opening") ? opening(&s->evs[i]) : NULL;
        if (!bids) continue;
        json_t *f = key ? shared(r, bids, key) : price_pattern(r, bids);
        if (!f) continue;
        zt_sv_at_event(s, i, sig, f, "seal_opening");
        return;
    }
}

static void eval_same_ip(const zt_sv_rule *r, const zt_sv_subject *s, int64_t now, zt_sv_signal *sig) {
    collusion(r, s, sig, "ip");
}
static void eval_same_device(const zt_sv_rule *r, const zt_sv_subject *s, int64_t now, zt_sv_signal *sig) {
    collusion(r, s, sig, "device");
}
static void eval_same_hash(const zt_sv_rule *r, const zt_sv_subject *s, int64_t now, zt_sv_signal *sig) {
    collusion(r, s, sig, "sha256");
}
static void eval_same_account(const zt_sv_rule *r, const zt_sv_subject *s, int64_t now, zt_sv_signal *sig) {
    collusion(r, s, sig, "account");
}
static void eval_price_pattern(const zt_sv_rule *r, const zt_sv_subject *s, int64_t now, zt_sv_signal *sig) {
    collusion(r, s, sig, NULL);
}

static const zt_sv_evaluator EVALUATORS[] = {
    {"tender_bid_period", eval_bid_period},
    {"tender_sale_period", eval_sale_period},
    {"tender_late_change", eval_late_change},
    {"tender_publicity_late", eval_publicity_late},
    {"tender_publicity_short", eval_publicity_short},
    {"tender_objection_unanswered", eval_objection},
    {"tender_contract_late", eval_contract_late},
    {"tender_few_bids", eval_few_bids},
    {"tender_opened_early", eval_opened_early},
    {"tender_late_bid", eval_late_bid},
    {"tender_award_reason", eval_award_reason},
    {"tender_committee", eval_committee},
    {"tender_same_ip", eval_same_ip},
    {"tender_same_device", eval_same_device},
    {"tender_same_hash", eval_same_hash},
    {"tender_same_account", eval_same_account},
    {"tender_split", eval_split},
    {"tender_price_pattern", eval_price_pattern},
    {NULL, NULL},
};

/* --- intake: a department's trading system's events --------------------- */

static const char *const ACTIONS[] = {
    "create",           "publish", "amend",    "open",     "seal_opening", "fail",    "report", "publicize", "object",
    "answer_objection", "award",   "contract", "retender", "terminate",    "auction", "raise",  "hammer",    NULL};
static const char *const MEMBERS[] = {"number",
                                      "department",
                                      "region",
                                      "type",
                                      "method",
                                      "title",
                                      "budget",
                                      "round",
                                      "eval_method",
                                      "deadline",
                                      "published_at",
                                      "docs_from",
                                      "docs_to",
                                      "previous_deadline",
                                      "deadline_moved",
                                      "change_days",
                                      "bids",
                                      "opened_at",
                                      "unlock_until",
                                      "opening",
                                      "valid",
                                      "candidates",
                                      "committee",
                                      "publicity_from",
                                      "publicity_to",
                                      "reported_at",
                                      "paused_from",
                                      "objection",
                                      "bid",
                                      "first",
                                      "reason",
                                      "price",
                                      "amount",
                                      "signed_at",
                                      "awarded_at",
                                      "category",
                                      "budget_item",
                                      "start_price",
                                      "leader",
                                      "final_price",
                                      "previous_price",
                                      NULL};
static const char *const TYPES[] = {"engineering", "procurement", "land", "property", NULL};

static zt_err check(json_t *ev, const char *action, const char *subject, const char *dept, const char *dept_region,
                    zt_error *e) {
    json_t *t = json_object_get(ev, "tender");
    const char *s;
    int64_t n;
    int has;
    if (!zt_sv_one_of(action, ACTIONS))
        return zt_sv_check_bad(e, NULL, "type", "交易项目事件的 type 不是 tender 流程的动作（tender.publish 等）");
    zt_err rc = zt_sv_check_only(t, "tender", MEMBERS, e);
    if (!rc) rc = zt_sv_check_identity(t, "tender", "number", subject, dept, e);
    if (!rc) rc = zt_sv_check_region(t, "tender", 0, dept_region, e);
    if (!rc) rc = zt_sv_check_str(t, "tender", "type", 0, 16, &s, e);
    if (!rc && s && !zt_sv_one_of(s, TYPES))
        rc = zt_sv_check_bad(e, "tender", "type", "tender.type 须是 engineering、procurement、land 或 property");
    if (!rc) rc = zt_sv_check_str(t, "tender", "method", 0, 16, &s, e);
    if (!rc) rc = zt_sv_check_str(t, "tender", "title", 0, 200, &s, e);
    if (!rc) rc = zt_sv_check_int(t, "tender", "budget", 0, 0, 1000000000000000LL, &n, &has, e);
    if (!rc) rc = zt_sv_check_int(t, "tender", "deadline", 0, 0, 253402300799LL, &n, &has, e);
    if (!rc) rc = zt_sv_check_day(t, "tender", "docs_from", e);
    if (!rc) rc = zt_sv_check_day(t, "tender", "docs_to", e);
    if (!rc) rc = zt_sv_check_int(t, "tender", "bids", 0, 0, 100000, &n, &has, e);
    if (!rc) rc = zt_sv_check_type(t, "tender", "opening", JSON_ARRAY, "数组", e);
    if (!rc) rc = zt_sv_check_type(t, "tender", "committee", JSON_OBJECT, "对象", e);
    if (rc) return rc;
    if (dept_region && !json_is_string(json_object_get(t, "region")))
        json_object_set_new(t, "region", json_string(dept_region));
    return ZT_OK;
}

const zt_sv_kind zt_sv_tender_kind = {.name = "tender",
                                      .label = "交易项目",
                                      .info = "tender",
                                      .check = check,
                                      .state_size = sizeof(tender_k),
                                      .fold = fold,
                                      .finish = finish,
                                      .detail = detail,
                                      .evaluators = EVALUATORS,
                                      .rules = "rules/tender.json"};
