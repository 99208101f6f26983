/* message.c - the supervision kinds of consultations (咨询) and complaints
 * (投诉): a message is answered by its due day (the "message" member's
 * due_day, the platform's limit of data/flows/consultation.json and
 * complaint.json); warning, yellow and red cards around it (data/rules/
 * consultation.json, complaint.json). Complaints count against the
 * department in the monthly scores, and against whoever accepted the case
 * a complaint names. */
#include <string.h>

#include "base/calendar.h"
#include "base/json.h"
#include "supervise/kind.h"
#include "supervise/kinds/kinds.h"

typedef struct {
    const char *item_code, *case_number;
    zt_day due;
    int has_due;
} message_k;

static const char *str(json_t *o, const char *k) { return zt_sv_str(o, k); }

static void message_fold(zt_sv_subject *s, const zt_sv_event *ev) {
    message_k *k = s->k;
    zt_day d;
    const char *due = str(ev->info, "due_day");
    if (due && !zt_day_parse(due, &d)) k->due = d, k->has_due = 1;
    if (str(ev->info, "item_code")) k->item_code = str(ev->info, "item_code");
    if (!k->case_number && str(ev->info, "case_number")) k->case_number = str(ev->info, "case_number");
}

static void message_finish(zt_sv_subject *s) {
    message_k *k = s->k;
    s->has_due = k->has_due;
    s->due = k->due;
    s->topic = k->item_code;
}

static json_t *message_detail(const zt_sv_subject *s) {
    const message_k *k = s->k;
    return json_pack("{s:o,s:o}", "item_code", k->item_code ? json_string(k->item_code) : json_null(), "case_number",
                     k->case_number ? json_string(k->case_number) : json_null());
}

/* Warning before the due day, yellow and red after it (offsets in working
 * days around the due day's end). */
static void eval_message_due(const zt_sv_rule *r, const zt_sv_subject *s, int64_t now, zt_sv_signal *sig) {
    const message_k *k = s->k;
    if (!k->has_due) return;
    int64_t m = zt_day_start(zt_cal_add(s->cal, k->due, (int)zt_sv_param(r, "offset", 1)));
    zt_sv_at_moment(s, m, now, sig);
    sig->step = s->state;
    if (!sig->fires) return;
    sig->facts = json_object();
    zt_sv_fact_day(sig->facts, "due_day", k->due);
    zt_sv_fact_time(sig->facts, "moment", m);
    if (s->closed_at) zt_sv_fact_time(sig->facts, "closed_at", s->closed_at);
}

static const zt_sv_evaluator EVALUATORS[] = {{"message_due", eval_message_due}, {NULL, NULL}};

static const char *const MESSAGE_MEMBERS[] = {"number",      "kind",  "department", "region", "item_code",
                                              "case_number", "title", "due_day",    "state",  NULL};

static zt_err check_message(json_t *ev, const char *action, const char *subject, const char *dept,
                            const char *dept_region, zt_error *e) {
    json_t *m = json_object_get(ev, "message");
    const char *s, *type = str(ev, "subject_type");
    zt_err rc = zt_sv_check_only(m, "message", MESSAGE_MEMBERS, e);
    if (!rc) rc = zt_sv_check_identity(m, "message", "number", subject, dept, e);
    if (!rc) rc = zt_sv_check_region(m, "message", 1, dept_region, e);
    if (!rc) rc = zt_sv_check_str(m, "message", "kind", 0, 16, &s, e);
    if (!rc && s && strcmp(s, type) != 0)
        rc = zt_sv_check_bad(e, "message", "kind", "字段 message.kind 必须与 subject_type 相同");
    if (!rc) rc = zt_sv_check_day(m, "message", "due_day", e);
    if (!rc) rc = zt_sv_check_str(m, "message", "item_code", 0, 64, &s, e);
    if (!rc) rc = zt_sv_check_str(m, "message", "case_number", 0, 64, &s, e);
    if (!rc) rc = zt_sv_check_str(m, "message", "title", 0, 200, &s, e);
    if (!rc) rc = zt_sv_check_str(m, "message", "state", 0, 64, &s, e);
    return rc;
}

/* Complaints received in the month, against the department and against
 * the acceptor of the case a complaint names. */
static void complaint_received(zt_sv_score *c, const zt_sv_row *row, void *ctx) {
    zt_sv_fact f = {.source = "complaint",
                    .dept = row->dept,
                    .region = row->region,
                    .attribute = json_string_value(json_object_get(row->detail, "case_number")),
                    .ref = row->number};
    zt_sv_score_add(c, &f);
}

static zt_err complaint_facts(zt_sv_score *c, zt_error *e) {
    return zt_sv_score_subjects(c, "complaint", 0, complaint_received, NULL, e);
}

static const zt_sv_source COMPLAINT_SOURCES[] = {{"complaint", ZT_SV_DEDUCT_PER, "件"}, {NULL}};

static const char *const INFO_KEYS[] = {"department", "region", "due_day", "item_code", "case_number", NULL};
static const char *const NONE[] = {NULL};

/* Consultations and complaints are one kind of subject but for their name,
 * rules and what scores count. */
#define MESSAGE_KIND(kname, klabel, krules, ksources, kfacts)                                                          \
    {                                                                                                                  \
        .name = kname, .label = klabel, .info = "message", .check = check_message, .state_size = sizeof(message_k),    \
        .fold = message_fold, .finish = message_finish, .detail = message_detail, .evaluators = EVALUATORS,            \
        .rules = krules, .sources = ksources, .facts = kfacts, .info_keys = INFO_KEYS, .field_keys = NONE,             \
        .top_keys = NONE                                                                                               \
    }

const zt_sv_kind zt_sv_consultation_kind = MESSAGE_KIND("consultation", "咨询", "rules/consultation.json", NULL, NULL);
const zt_sv_kind zt_sv_complaint_kind =
    MESSAGE_KIND("complaint", "投诉", "rules/complaint.json", COMPLAINT_SOURCES, complaint_facts);
