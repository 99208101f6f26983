/* sharing.c - the supervision kind of data sharing requests (共享申请,
 * data/flows/sharing_request.json, src/exchange/): the data office checks a
 * request for compliance by its check_due, the provider answers a
 * conditional one by its answer_due (both working days, computed by the
 * exchange from exchange.check_days and exchange.answer_days, 国发〔2016〕51
 * 号); a grant used after its expiry is carded at the event. The subject is
 * the request's number. data/rules/sharing.json. */
#include <string.h>

#include "base/calendar.h"
#include "supervise/kind.h"
#include "supervise/kinds/kinds.h"

typedef struct {
    zt_day check_due, answer_due;
    int has_check_due, has_answer_due;
    int64_t checked_at, answered_at, granted_at;
    const char *resource, *consumer;
} sharing_k;

static void sharing_fold(zt_sv_subject *s, const zt_sv_event *ev) {
    sharing_k *k = s->k;
    zt_day d;
    const char *v = zt_sv_str(ev->info, "check_due");
    if (v && !zt_day_parse(v, &d)) k->check_due = d, k->has_check_due = 1;
    v = zt_sv_str(ev->info, "answer_due");
    if (v && !zt_day_parse(v, &d)) k->answer_due = d, k->has_answer_due = 1;
    if (zt_sv_str(ev->info, "resource_name")) k->resource = zt_sv_str(ev->info, "resource_name");
    if (zt_sv_str(ev->info, "consumer")) k->consumer = zt_sv_str(ev->info, "consumer");
    const char *a = ev->action ? ev->action : "";
    if ((!strcmp(a, "pass") || !strcmp(a, "reject") || !strcmp(a, "withdraw")) && !k->checked_at)
        k->checked_at = ev->at;
    if ((!strcmp(a, "approve") || !strcmp(a, "deny") || !strcmp(a, "withdraw")) && !k->answered_at)
        k->answered_at = ev->at;
    if (ev->to && !strcmp(ev->to, "granted") && !k->granted_at) k->granted_at = ev->at;
}

/* A granted request is finished (its grant lives on: a use after expiry is
 * judged at its event). */
static void sharing_finish(zt_sv_subject *s) {
    sharing_k *k = s->k;
    if (!s->closed_at && k->granted_at) s->closed_at = k->granted_at;
    s->title = k->resource;
    if (s->state && !strcmp(s->state, "answering") && k->has_answer_due)
        s->has_due = 1, s->due = k->answer_due;
    else if (k->has_check_due)
        s->has_due = 1, s->due = k->check_due;
}

static json_t *sharing_detail(const zt_sv_subject *s) {
    const sharing_k *k = s->k;
    char c[11], a[11];
    zt_day_format(k->check_due, c);
    zt_day_format(k->answer_due, a);
    return json_pack("{s:s?,s:s?,s:o,s:o,s:o,s:o,s:o}", "resource_name", k->resource, "consumer", k->consumer,
                     "check_due", k->has_check_due ? json_string(c) : json_null(), "answer_due",
                     k->has_answer_due ? json_string(a) : json_null(), "checked_at",
                     k->checked_at ? json_integer(k->checked_at) : json_null(), "answered_at",
                     k->answered_at ? json_integer(k->answered_at) : json_null(), "granted_at",
                     k->granted_at ? json_integer(k->granted_at) : json_null());
}

/* Late: the step was not taken by the end of its due day (offset working
 * days after it: 1 = the next working day's start). */
static void late(const zt_sv_rule *r, const zt_sv_subject *s, int64_t now, zt_sv_signal *sig, int has, zt_day due,
                 int64_t done, const char *step) {
    if (!has) return;
    int64_t m = zt_day_start(zt_cal_add(s->cal, due, (int)zt_sv_param(r, "offset", 1)));
    if (m <= now && (!done || done >= m)) {
        sig->fires = 1;
        sig->at = m;
        sig->facts = json_object();
        zt_sv_fact_day(sig->facts, "due_day", due);
        zt_sv_fact_time(sig->facts, "moment", m);
        if (done) zt_sv_fact_time(sig->facts, "done_at", done);
        sig->step = step;
    } else if (!done && m > now) {
        sig->timer = 1, sig->at = m;
    }
}

static void eval_check_late(const zt_sv_rule *r, const zt_sv_subject *s, int64_t now, zt_sv_signal *sig) {
    const sharing_k *k = s->k;
    late(r, s, now, sig, k->has_check_due, k->check_due, k->checked_at, "checking");
}

static void eval_answer_late(const zt_sv_rule *r, const zt_sv_subject *s, int64_t now, zt_sv_signal *sig) {
    const sharing_k *k = s->k;
    late(r, s, now, sig, k->has_answer_due, k->answer_due, k->answered_at, "answering");
}

/* A grant used after its expiry: the exchange refused the call and stepped
 * the request (expired_use) at its first such call. */
static void eval_expired_use(const zt_sv_rule *r, const zt_sv_subject *s, int64_t now, zt_sv_signal *sig) {
    (void)r, (void)now;
    for (size_t i = 0; i < s->nevs; i++)
        if (s->evs[i].action && !strcmp(s->evs[i].action, "expired_use")) {
            json_t *facts = json_object();
            const char *g = zt_sv_str(s->evs[i].info, "grant");
            if (g) json_object_set_new(facts, "grant", json_string(g));
            zt_sv_at_event(s, i, sig, facts, "granted");
            return;
        }
}

/* An abnormal use the exchange found (src/exchange/call.c: a grant's volume
 * above its own baseline, a call outside its hours): the alert step. */
static void alert_at(const zt_sv_subject *s, zt_sv_signal *sig, const char *alert) {
    for (size_t i = 0; i < s->nevs; i++) {
        const zt_sv_event *ev = &s->evs[i];
        const char *a = zt_sv_str(ev->fields, "alert");
        if (ev->action && !strcmp(ev->action, "alert") && a && !strcmp(a, alert)) {
            json_t *facts = json_object();
            const char *d = zt_sv_str(ev->fields, "detail"), *g = zt_sv_str(ev->info, "grant");
            if (d) json_object_set_new(facts, "detail", json_string(d));
            if (g) json_object_set_new(facts, "grant", json_string(g));
            zt_sv_at_event(s, i, sig, facts, "granted");
            return;
        }
    }
}

static void eval_volume(const zt_sv_rule *r, const zt_sv_subject *s, int64_t now, zt_sv_signal *sig) {
    (void)r, (void)now;
    alert_at(s, sig, "volume");
}

static void eval_off_hours(const zt_sv_rule *r, const zt_sv_subject *s, int64_t now, zt_sv_signal *sig) {
    (void)r, (void)now;
    alert_at(s, sig, "off_hours");
}

static const zt_sv_evaluator EVALUATORS[] = {
    {"sharing_volume", eval_volume},           {"sharing_off_hours", eval_off_hours},
    {"sharing_check_late", eval_check_late},   {"sharing_answer_late", eval_answer_late},
    {"sharing_expired_use", eval_expired_use}, {NULL, NULL}};

static const char *const MEMBERS[] = {"number",   "department",   "region",    "resource",   "resource_name",
                                      "consumer", "provider",     "check_due", "answer_due", "grant",
                                      "flow",     "flow_version", NULL};
static const char *const ACTIONS[] = {"apply",    "pass",        "reject", "approve", "deny",
                                      "withdraw", "expired_use", "revoke", "alert",   NULL};

static zt_err check_sharing(json_t *ev, const char *action, const char *subject, const char *dept,
                            const char *dept_region, zt_error *e) {
    json_t *o = json_object_get(ev, "sharing");
    const char *s;
    if (!zt_sv_one_of(action, ACTIONS))
        return zt_sv_check_bad(e, NULL, "type", "共享申请事件的 type 必须是 sharing.apply、sharing.pass 等");
    zt_err rc = zt_sv_check_only(o, "sharing", MEMBERS, e);
    if (!rc) rc = zt_sv_check_identity(o, "sharing", "number", subject, dept, e);
    if (!rc) rc = zt_sv_check_region(o, "sharing", 0, dept_region, e);
    if (!rc) rc = zt_sv_check_day(o, "sharing", "check_due", e);
    if (!rc) rc = zt_sv_check_day(o, "sharing", "answer_due", e);
    const char *const texts[] = {"resource", "resource_name", "consumer", "provider", "grant", "flow", NULL};
    for (int i = 0; !rc && texts[i]; i++) rc = zt_sv_check_str(o, "sharing", texts[i], 0, 200, &s, e);
    if (!rc) rc = zt_sv_check_type(o, "sharing", "flow_version", JSON_INTEGER, "整数", e);
    return rc;
}

static const char *const INFO_KEYS[] = {"department", "region", "check_due", "answer_due",   "resource_name",
                                        "consumer",   "flow",   "grant",     "flow_version", NULL};
static const char *const FIELD_KEYS[] = {"alert", "detail", NULL};
static const char *const TOP_KEYS[] = {NULL};

const zt_sv_kind zt_sv_sharing_kind = {.name = "sharing",
                                       .label = "数据共享申请",
                                       .info = "sharing",
                                       .check = check_sharing,
                                       .state_size = sizeof(sharing_k),
                                       .fold = sharing_fold,
                                       .finish = sharing_finish,
                                       .detail = sharing_detail,
                                       .evaluators = EVALUATORS,
                                       .rules = "rules/sharing.json",
                                       .info_keys = INFO_KEYS,
                                       .field_keys = FIELD_KEYS,
                                       .top_keys = TOP_KEYS};

/* --- a mass change in a base database (dataset_change) ------------------------------- */

/* The alert's subject (data/flows/dataset_change.json): the system raised it
 * when the provider's system changed or deleted more than
 * exchange.mass_percent % of a dataset's rows in exchange.mass_window; it
 * is carded at the event; the data office closes it. */
static void eval_mass_change(const zt_sv_rule *r, const zt_sv_subject *s, int64_t now, zt_sv_signal *sig) {
    (void)r, (void)now;
    for (size_t i = 0; i < s->nevs; i++)
        if (s->evs[i].action && !strcmp(s->evs[i].action, "alert")) {
            json_t *facts = json_object();
            const char *d = zt_sv_str(s->evs[i].fields, "detail"), *ds = zt_sv_str(s->evs[i].info, "dataset");
            if (d) json_object_set_new(facts, "detail", json_string(d));
            if (ds) json_object_set_new(facts, "dataset", json_string(ds));
            zt_sv_at_event(s, i, sig, facts, "alerted");
            return;
        }
}

static void change_finish(zt_sv_subject *s) {
    if (s->nevs) s->title = zt_sv_str(s->evs[0].info, "dataset");
}

static const zt_sv_evaluator CHANGE_EVALUATORS[] = {{"dataset_mass_change", eval_mass_change}, {NULL, NULL}};

static const char *const CHANGE_MEMBERS[] = {"number", "department", "region",       "dataset", "changed",
                                             "rows",   "flow",       "flow_version", NULL};
static const char *const CHANGE_ACTIONS[] = {"alert", "close", NULL};

static zt_err check_change(json_t *ev, const char *action, const char *subject, const char *dept,
                           const char *dept_region, zt_error *e) {
    json_t *o = json_object_get(ev, "dataset_change");
    const char *s;
    int64_t n;
    if (!zt_sv_one_of(action, CHANGE_ACTIONS))
        return zt_sv_check_bad(e, NULL, "type",
                               "数据集变更告警事件的 type 必须是 dataset_change.alert 或 dataset_change.close");
    zt_err rc = zt_sv_check_only(o, "dataset_change", CHANGE_MEMBERS, e);
    if (!rc) rc = zt_sv_check_identity(o, "dataset_change", "number", subject, dept, e);
    if (!rc) rc = zt_sv_check_region(o, "dataset_change", 0, dept_region, e);
    if (!rc) rc = zt_sv_check_str(o, "dataset_change", "dataset", 0, 32, &s, e);
    if (!rc) rc = zt_sv_check_str(o, "dataset_change", "flow", 0, 64, &s, e);
    if (!rc) rc = zt_sv_check_int(o, "dataset_change", "changed", 0, 0, 1000000000, &n, NULL, e);
    if (!rc) rc = zt_sv_check_int(o, "dataset_change", "rows", 0, 0, 1000000000, &n, NULL, e);
    if (!rc) rc = zt_sv_check_type(o, "dataset_change", "flow_version", JSON_INTEGER, "整数", e);
    return rc;
}

static const char *const CHANGE_INFO_KEYS[] = {"department", "region", "dataset", "flow", "flow_version", NULL};

const zt_sv_kind zt_sv_dataset_change_kind = {.name = "dataset_change",
                                              .label = "基础数据集异常变更",
                                              .info = "dataset_change",
                                              .check = check_change,
                                              .finish = change_finish,
                                              .evaluators = CHANGE_EVALUATORS,
                                              .rules = "rules/dataset_change.json",
                                              .info_keys = CHANGE_INFO_KEYS,
                                              .field_keys = FIELD_KEYS,
                                              .top_keys = TOP_KEYS};
